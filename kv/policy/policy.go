package policy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Right is a set of rights on a bucket.
type Right uint8

// The rights a rule grants.
const (
	// Read: get, exists, list-keys, get-many, the read of a CAS.
	Read Right = 1 << iota
	// Write: every mutation: set, delete, increment, CAS swaps, set-many,
	// delete-many.
	Write
	// Create: creating a bucket, as an open does on an engine that
	// creates buckets on open.
	Create
)

// rightNames are the names of the rights in a policy file, in order.
var rightNames = []struct {
	r    Right
	name string
}{{Read, "read"}, {Write, "write"}, {Create, "create"}}

// String returns the names of the rights in r, comma-separated in the
// order read, write, create ("read,write"), or "none".
func (r Right) String() string {
	var names []string
	for _, n := range rightNames {
		if r&n.r != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// A Rule grants Rights on the buckets whose names match Bucket to the
// principals that match Principal. In both patterns, '*' matches any run of
// characters (none included, '/' included); every other character matches
// itself.
type Rule struct {
	Principal string
	Bucket    string
	Rights    Right
	// Line is the rule's line in its file (0 for a rule not read from a
	// file).
	Line int
}

// Policy is a set of rules. The rights of a principal on a bucket are the
// union of the rights of every rule that matches both; with no such rule it
// has none. A Policy is immutable and safe for concurrent use.
type Policy struct {
	file  string
	rules []Rule
}

// DenyAll returns the policy without rules: every call by every principal
// is denied. It is the policy of a provider that identifies its callers
// but was given no policy file.
func DenyAll() *Policy { return &Policy{} }

// New returns the policy of rules. It checks them as Parse checks the
// lines of a file.
func New(rules ...Rule) (*Policy, error) {
	p := &Policy{}
	for _, r := range rules {
		if err := p.add(r); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// File returns the name of the file the policy was read from ("" if none).
func (p *Policy) File() string { return p.file }

// Rules returns the policy's rules, in the order of its file.
func (p *Policy) Rules() []Rule { return append([]Rule(nil), p.rules...) }

// Rights returns the union of the rights the rules that match principal
// and bucket grant: none if no rule matches.
func (p *Policy) Rights(principal, bucket string) Right {
	var r Right
	for _, rule := range p.rules {
		if r|rule.Rights != r && match(rule.Principal, principal) && match(rule.Bucket, bucket) {
			r |= rule.Rights
		}
	}
	return r
}

// Allows reports whether principal has every right of want on bucket.
func (p *Policy) Allows(principal, bucket string, want Right) bool {
	return p.Rights(principal, bucket)&want == want
}

// A ParseError is a line of a policy file that is not a rule.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg }

// Load reads the policy file named file (see the package documentation for
// its format). A line that is not a rule is a *ParseError that names the
// file and the line.
func Load(file string) (*Policy, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(file, f)
}

// maxLine bounds the length of a line of a policy file.
const maxLine = 64 << 10

// Parse reads a policy in the format of a policy file from r; name is the
// file's name, for errors.
func Parse(name string, r io.Reader) (*Policy, error) {
	p := &Policy{file: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := p.parseLine(sc.Bytes(), n); err != nil {
			return nil, &ParseError{File: name, Line: n, Msg: err.Error()}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{File: name, Line: n + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLine)}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func (p *Policy) parseLine(line []byte, n int) error {
	if !utf8.Valid(line) {
		return errors.New("not valid UTF-8")
	}
	fields, err := split(string(bytes.TrimSuffix(line, []byte("\r"))))
	if err != nil {
		return err
	}
	if len(fields) == 0 {
		return nil
	}
	if len(fields) != 3 {
		return fmt.Errorf("%d fields, want 3: PRINCIPAL BUCKET RIGHTS", len(fields))
	}
	rights, err := parseRights(fields[2])
	if err != nil {
		return err
	}
	return p.add(Rule{Principal: fields[0], Bucket: fields[1], Rights: rights, Line: n})
}

// add checks r and appends it.
func (p *Policy) add(r Rule) error {
	switch {
	case r.Principal == "":
		return errors.New("empty principal: no caller has one (use * for every caller)")
	case !utf8.ValidString(r.Principal) || !utf8.ValidString(r.Bucket):
		return errors.New("pattern not valid UTF-8")
	case r.Rights == 0 || r.Rights&^(Read|Write|Create) != 0:
		return fmt.Errorf("rights %#x: want a non-empty set of read, write and create", uint8(r.Rights))
	}
	for _, o := range p.rules {
		if o.Principal == r.Principal && o.Bucket == r.Bucket {
			where := "an earlier rule"
			if o.Line > 0 {
				where = "line " + strconv.Itoa(o.Line)
			}
			return fmt.Errorf("principal %q and bucket %q already have a rule (%s): give all their rights in one rule", r.Principal, r.Bucket, where)
		}
	}
	p.rules = append(p.rules, r)
	return nil
}

// parseRights parses "read,write,create" (any non-empty subset, in any
// order).
func parseRights(s string) (Right, error) {
	var r Right
	for name := range strings.SplitSeq(s, ",") {
		found := false
		for _, n := range rightNames {
			if name == n.name {
				if r&n.r != 0 {
					return 0, fmt.Errorf("right %q given twice", name)
				}
				r |= n.r
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown right %q in %q: want a comma-separated list of read, write and create", name, s)
		}
	}
	return r, nil
}

// split splits a line into fields separated by spaces or tabs. A field is
// either a run of characters other than space, tab and '"', or a Go
// double-quoted string (for names with spaces, or the empty name ""). A
// field that begins with '#' starts a comment, which runs to the end of the
// line.
func split(line string) ([]string, error) {
	var fields []string
	for {
		line = strings.TrimLeft(line, " \t")
		if line == "" || line[0] == '#' {
			return fields, nil
		}
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				return nil, fmt.Errorf("bad quoted field %s: %v", line, err)
			}
			s, _ := strconv.Unquote(q)
			line = line[len(q):]
			if line != "" && line[0] != ' ' && line[0] != '\t' {
				return nil, fmt.Errorf("quoted field %s is followed by %q: want a space", q, line[:1])
			}
			fields = append(fields, s)
			continue
		}
		end := strings.IndexAny(line, " \t")
		if end < 0 {
			end = len(line)
		}
		f := line[:end]
		if strings.Contains(f, `"`) {
			return nil, fmt.Errorf("field %s has a '\"' inside: quote the whole field", f)
		}
		fields = append(fields, f)
		line = line[end:]
	}
}

// match reports whether name matches pattern, in which '*' matches any run
// of bytes (none included) and every other byte matches itself. It runs in
// O(len(pattern)·len(name)) at worst, without recursion.
func match(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0 // the last '*' seen, and where in name it started matching
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case star >= 0:
			mark++
			p, n = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
