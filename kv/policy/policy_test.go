package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"", "", true},
		{"", "a", false},
		{"a", "a", true},
		{"a", "A", false},
		{"a", "ab", false},
		{"*", "", true},
		{"*", "anything/at all", true},
		{"app-*", "app-", true},
		{"app-*", "app-x/y", true},
		{"app-*", "ap", false},
		{"app-*", "xapp-1", false},
		{"*-log", "a-log", true},
		{"*-log", "a-log-b", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYc-", false},
		{"spiffe://example.org/app/*", "spiffe://example.org/app/web/1", true},
		{"spiffe://example.org/app/*", "spiffe://example.org/apps/web", false},
		{"uid:1000", "uid:10000", false},
		{"uid:1000*", "uid:10000", true},
		{"**", "x", true},
		{"?", "x", false}, // '?' is an ordinary character
		{"?", "?", true},
		{"é*", "été", true},
		{strings.Repeat("*a", 20), strings.Repeat("a", 10000) + "b", false},
	} {
		if got := match(c.pattern, c.name); got != c.want {
			t.Errorf("match(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

const sample = `# who                       buckets    rights
uid:1000                    *          read,write,create
spiffe://example.org/app/*  app-*      read,write   # the app's own buckets
	anonymous	public	read
*                           "shared space"  read
*                           ""         write
uid:1001                    logs       write
uid:1001                    log*       read
"uid:1002"                  "#tag"     create,read
`

func parseSample(t *testing.T) *Policy {
	t.Helper()
	p, err := Parse("sample.policy", strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParse(t *testing.T) {
	p := parseSample(t)
	want := []Rule{
		{"uid:1000", "*", Read | Write | Create, 2},
		{"spiffe://example.org/app/*", "app-*", Read | Write, 3},
		{"anonymous", "public", Read, 4},
		{"*", "shared space", Read, 5},
		{"*", "", Write, 6},
		{"uid:1001", "logs", Write, 7},
		{"uid:1001", "log*", Read, 8},
		{"uid:1002", "#tag", Read | Create, 9},
	}
	got := p.Rules()
	if len(got) != len(want) {
		t.Fatalf("rules: %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if p.File() != "sample.policy" {
		t.Errorf("File() = %q", p.File())
	}
}

// TestRightsAreTheUnion: deny by default; the rights of a principal on a
// bucket are the union of every matching rule, whatever their order.
func TestRightsAreTheUnion(t *testing.T) {
	p := parseSample(t)
	for _, c := range []struct {
		principal, bucket string
		want              Right
	}{
		{"uid:1000", "anything", Read | Write | Create},
		{"uid:1000", "", Read | Write | Create},
		{"uid:1001", "logs", Read | Write}, // two rules
		{"uid:1001", "logs2", Read},
		{"uid:1001", "other", 0},
		{"uid:1001", "shared space", Read},
		{"uid:1001", "", Write},
		{"spiffe://example.org/app/web", "app-orders", Read | Write},
		{"spiffe://example.org/app/web", "orders", 0},
		{"spiffe://example.org/other", "app-orders", 0},
		{"anonymous", "public", Read},
		{"anonymous", "public2", 0},
		{"anonymous", "shared space", Read},
		{"uid:1002", "#tag", Read | Create},
		{"uid:999", "public", 0},
		{"", "public", 0},
	} {
		if got := p.Rights(c.principal, c.bucket); got != c.want {
			t.Errorf("Rights(%q, %q) = %v, want %v", c.principal, c.bucket, got, c.want)
		}
	}
	// The union does not depend on the order of the rules.
	rules := p.Rules()
	for i, j := 0, len(rules)-1; i < j; i, j = i+1, j-1 {
		rules[i], rules[j] = rules[j], rules[i]
	}
	q, err := New(rules...)
	if err != nil {
		t.Fatal(err)
	}
	for _, principal := range []string{"uid:1000", "uid:1001", "uid:1002", "anonymous", "spiffe://example.org/app/x"} {
		for _, bucket := range []string{"", "logs", "log", "public", "shared space", "app-1", "#tag", "x"} {
			if a, b := p.Rights(principal, bucket), q.Rights(principal, bucket); a != b {
				t.Errorf("Rights(%q, %q): %v in file order, %v reversed", principal, bucket, a, b)
			}
		}
	}
	if DenyAll().Rights("uid:0", "x") != 0 || !DenyAll().Allows("uid:0", "x", 0) || DenyAll().Allows("uid:0", "x", Read) {
		t.Error("DenyAll grants something")
	}
	if !p.Allows("uid:1001", "logs", Read|Write) || p.Allows("uid:1001", "logs", Create) {
		t.Error("Allows disagrees with Rights")
	}
}

func TestRightString(t *testing.T) {
	for r, want := range map[Right]string{0: "none", Read: "read", Write | Read: "read,write", Create | Write: "write,create", Read | Write | Create: "read,write,create"} {
		if got := r.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint8(r), got, want)
		}
	}
}

// TestParseErrors: every bad line is an error naming the file and the line.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"uid:1 * read\nuid:2 * wirte\n", `p.txt:2: unknown right "wirte" in "wirte": want a comma-separated list of read, write and create`},
		{"# only a comment\n\nuid:1 *\n", `p.txt:3: 2 fields, want 3: PRINCIPAL BUCKET RIGHTS`},
		{"uid:1 * read write\n", `p.txt:1: 4 fields, want 3: PRINCIPAL BUCKET RIGHTS`},
		{"uid:1 * read,\n", `p.txt:1: unknown right "" in "read,": want a comma-separated list of read, write and create`},
		{"uid:1 * Read\n", `p.txt:1: unknown right "Read" in "Read": want a comma-separated list of read, write and create`},
		{"uid:1 * read,read\n", `p.txt:1: right "read" given twice`},
		{`"" * read` + "\n", `p.txt:1: empty principal: no caller has one (use * for every caller)`},
		{`uid:1 "abc read` + "\n", `p.txt:1: bad quoted field "abc read: invalid syntax`},
		{`uid:1 "a"b read` + "\n", `p.txt:1: quoted field "a" is followed by "b": want a space`},
		{`uid:1 a"b read` + "\n", `p.txt:1: field a"b has a '"' inside: quote the whole field`},
		{"uid:1 a read\r\nuid:2 b write\r\nuid:1 a write\r\n", `p.txt:3: principal "uid:1" and bucket "a" already have a rule (line 1): give all their rights in one rule`},
		{"uid:1 \xff read\n", `p.txt:1: not valid UTF-8`},
		{"uid:1 * read\n" + strings.Repeat("x", maxLine+1) + "\n", `p.txt:2: line longer than 65536 bytes`},
	} {
		_, err := Parse("p.txt", strings.NewReader(c.text))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: err = %v, want a *ParseError", c.text[:min(len(c.text), 40)], err)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.text[:min(len(c.text), 40)], err, c.want)
		}
	}
}

func TestParseValidEdgeCases(t *testing.T) {
	for _, text := range []string{"", "\n\n", "# nothing\n   # indented comment\n", "uid:1 * read", "uid:1\t*\tread # no newline at the end"} {
		if _, err := Parse("p", strings.NewReader(text)); err != nil {
			t.Errorf("%q: %v", text, err)
		}
	}
	p, err := Parse("p", strings.NewReader("# no rules\n"))
	if err != nil || len(p.Rules()) != 0 || p.Rights("uid:0", "") != 0 {
		t.Errorf("a file without rules: %v, %v", p, err)
	}
}

func TestNewChecksRules(t *testing.T) {
	if _, err := New(Rule{Principal: "*", Bucket: "*", Rights: 0}); err == nil {
		t.Error("a rule without rights was accepted")
	}
	if _, err := New(Rule{Principal: "*", Bucket: "*", Rights: 8}); err == nil {
		t.Error("a rule with an unknown right was accepted")
	}
	if _, err := New(Rule{Principal: "*", Bucket: "*", Rights: Read}, Rule{Principal: "*", Bucket: "*", Rights: Write}); err == nil ||
		!strings.Contains(err.Error(), "an earlier rule") {
		t.Errorf("two rules for one pair: err = %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.policy")
	if err := os.WriteFile(good, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if p.File() != good || len(p.Rules()) != 8 {
		t.Errorf("Load: file %q, %d rules", p.File(), len(p.Rules()))
	}
	bad := filepath.Join(dir, "bad.policy")
	if err := os.WriteFile(bad, []byte("uid:1 * read\n\nuid:2 *  all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || err.Error() != bad+`:3: unknown right "all" in "all": want a comma-separated list of read, write and create` {
		t.Errorf("Load(bad): %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing): %v", err)
	}
}

// TestDocumentedExamples: the policy files shown in docs/policy.md and the
// README parse, and mean what the text around them says.
func TestDocumentedExamples(t *testing.T) {
	for _, doc := range []struct{ file, heading string }{{"../../docs/policy.md", "## The file"}, {"../../README.md", "### Access policy"}} {
		text, err := os.ReadFile(doc.file)
		if err != nil {
			t.Fatal(err)
		}
		_, sec, ok := strings.Cut(string(text), "\n"+doc.heading+"\n")
		_, block, ok2 := strings.Cut(sec, "```text\n")
		block, _, ok3 := strings.Cut(block, "```")
		if !ok || !ok2 || !ok3 {
			t.Fatalf("%s: no text block under %s", doc.file, doc.heading)
		}
		p, err := Parse(doc.file, strings.NewReader(block))
		if err != nil {
			t.Fatalf("the example of %s: %v", doc.file, err)
		}
		for _, c := range []struct {
			principal, bucket string
			want              Right
		}{
			{"uid:1000", "anything", Read | Write | Create},
			{"spiffe://example.org/app/web", "app-orders", Read | Write},
			{"spiffe://example.org/app/web", "orders", 0},
			{"anonymous", "public", Read},
			{"anonymous", "app-orders", 0},
			{"uid:10001", "public", 0},
		} {
			if got := p.Rights(c.principal, c.bucket); got != c.want {
				t.Errorf("%s: Rights(%q, %q) = %v, want %v", doc.file, c.principal, c.bucket, got, c.want)
			}
		}
	}
}
