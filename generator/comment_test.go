package generator

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrap(t *testing.T) {
	long := strings.Repeat("x", 90) // a word longer than any line
	tests := []struct {
		name, in, want string
	}{
		{
			name: "short line",
			in:   "Get the value.",
			want: "Get the value.",
		},
		{
			name: "long paragraph refilled",
			in: "The value in the key-value pair is defined as a `u8` byte array and the intention is that it is\n" +
				"the common denominator for all data types defined by different key-value stores to handle data,\n" +
				"ensuring compatibility between different key-value stores.",
			want: "The value in the key-value pair is defined as a `u8` byte array and the\n" +
				"intention is that it is the common denominator for all data types defined by\n" +
				"different key-value stores to handle data, ensuring compatibility between\n" +
				"different key-value stores.",
		},
		{
			name: "short lines of a paragraph are joined",
			in:   "If the key-value pair exists in the\nstore, it returns `Ok(value)`.",
			want: "If the key-value pair exists in the store, it returns `Ok(value)`.",
		},
		{
			name: "paragraphs stay apart",
			in:   "First paragraph.\n\nSecond\nparagraph.",
			want: "First paragraph.\n\nSecond paragraph.",
		},
		{
			name: "lists are kept as they are",
			in: "For example:\n" +
				"1. Amazon DynamoDB calls a collection of key-value pairs a table, and this item is longer than a line\n" +
				"2. Redis has hashes\n" +
				"10) Riak\n" +
				"- a dash item that is long enough to be wrapped if it were a paragraph, but it is not\n" +
				"* a star item\n" +
				"+ a plus item\n" +
				"After the list.",
			want: "For example:\n" +
				"1. Amazon DynamoDB calls a collection of key-value pairs a table, and this item is longer than a line\n" +
				"2. Redis has hashes\n" +
				"10) Riak\n" +
				"- a dash item that is long enough to be wrapped if it were a paragraph, but it is not\n" +
				"* a star item\n" +
				"+ a plus item\n" +
				"After the list.",
		},
		{
			name: "indented lines are kept",
			in: "Call it like this:\n" +
				"    let pollable = this.subscribe(); // an indented code line that is longer than eighty columns\n" +
				"\tget: func(key: string) -> result<option<list<u8>>, error>\n" +
				"  continued list item",
			want: "Call it like this:\n" +
				"    let pollable = this.subscribe(); // an indented code line that is longer than eighty columns\n" +
				"\tget: func(key: string) -> result<option<list<u8>>, error>\n" +
				"  continued list item",
		},
		{
			name: "fenced code is kept",
			in: "Pseudo-code:\n" +
				"```text\n" +
				"let pollable = this.subscribe();\n" +
				"while !contents.is_empty() { this.write(chunk); contents = rest; /* a long line of code */ }\n" +
				"```\n" +
				"Then\nflush.",
			want: "Pseudo-code:\n" +
				"```text\n" +
				"let pollable = this.subscribe();\n" +
				"while !contents.is_empty() { this.write(chunk); contents = rest; /* a long line of code */ }\n" +
				"```\n" +
				"Then flush.",
		},
		{
			name: "headings, quotes and tables are kept",
			in:   "# Semantics\n> a quote\n| a | b |",
			want: "# Semantics\n> a quote\n| a | b |",
		},
		{
			name: "a word longer than the width gets a line of its own",
			in:   "See " + long + " for more.",
			want: "See\n" + long + "\nfor more.",
		},
		{
			name: "a number that is no list marker",
			in:   "2 of them,\n2024 was a year.",
			want: "2 of them, 2024 was a year.",
		},
		{
			name: "width counts runes",
			in:   strings.Repeat("é ", 38) + "é",
			want: strings.Repeat("é ", 38) + "é", // 77 columns
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Wrap(tt.in, TextWidth)
			if got != tt.want {
				t.Errorf("Wrap:\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestWrapWidth(t *testing.T) {
	// Refilled lines are at most TextWidth columns, and full: the next word
	// would not fit.
	in := strings.Repeat("lorem ipsum dolor sit amet, consectetur adipiscing elit ", 20)
	lines := strings.Split(Wrap(in, TextWidth), "\n")
	for i, l := range lines {
		n := utf8.RuneCountInString(l)
		if n > TextWidth {
			t.Errorf("line %d of %d columns: %q", i, n, l)
		}
		if i+1 < len(lines) {
			next, _, _ := strings.Cut(lines[i+1], " ")
			if n+1+len(next) <= TextWidth {
				t.Errorf("line %d not full: %q, then %q", i, l, next)
			}
		}
	}
}

func TestWrapIndent(t *testing.T) {
	got := WrapIndent("Values are bytes: an empty value exists (get returns some of an empty list, exists is true, the key is listed), and no slice is shared with the caller.", "  - ", "    ", TextWidth)
	want := "  - Values are bytes: an empty value exists (get returns some of an empty\n" +
		"    list, exists is true, the key is listed), and no slice is shared with the\n" +
		"    caller."
	if got != want {
		t.Errorf("WrapIndent:\n got: %q\nwant: %q", got, want)
	}
	if got := WrapIndent("", "  - ", "    ", TextWidth); got != "  - " {
		t.Errorf("WrapIndent of nothing = %q, want the first prefix", got)
	}
}

func TestCommentText(t *testing.T) {
	in := "Get the value associated with the specified `key`. The value is returned as an option.\n" +
		"\n" +
		"Get is the WIT method \"get\" of resource \"bucket\":\n" +
		"\n" +
		"\tget: func(key: string) -> result<option<list<u8>>, error>\n"
	want := "// Get the value associated with the specified `key`. The value is returned as\n" +
		"// an option.\n" +
		"//\n" +
		"// Get is the WIT method \"get\" of resource \"bucket\":\n" +
		"//\n" +
		"// \tget: func(key: string) -> result<option<list<u8>>, error>"
	got := CommentText(in)
	if got != want {
		t.Errorf("CommentText:\n got: %q\nwant: %q", got, want)
	}
	for _, l := range strings.Split(got, "\n") {
		if !strings.HasPrefix(l, "// \t") && utf8.RuneCountInString(l) > CommentWidth {
			t.Errorf("line longer than %d columns: %q", CommentWidth, l)
		}
	}
}

func TestArticle(t *testing.T) {
	tests := []struct{ word, want string }{
		{"Error", "an"},
		{"atomics.CasError", "an"},
		{"store.Error", "a"},
		{"Bucket", "a"},
		{"IncomingValue", "an"},
		{"OutgoingValue", "an"},
		{"error", "an"},
		{"Uint32", "a"},
		{"UnionValue", "a"},
		{"UserRecord", "a"},
		{"Unknown", "an"},
		{"OneOf", "a"},
		{"HTTPError", "an"},
		{"URLError", "a"},
		{"IOError", "an"},
		{"KVError", "a"},
		{"x", "a"},
		{"", "a"},
	}
	for _, tt := range tests {
		if got := Article(tt.word); got != tt.want {
			t.Errorf("Article(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestWITDocs(t *testing.T) {
	tests := []struct{ goName, witName, docs, want string }{
		{"GetMany", "get-many", "`get-many` returns the values.", "GetMany returns the values."},
		{"GetMany", "get-many", "  `get-many`\nreturns.", "GetMany\nreturns."},
		{"Get", "get", "Get the value.", "Get the value."},
		{"Get", "get", "`get-many` is elsewhere.", "`get-many` is elsewhere."},
		{"Get", "get", "`get`s are cheap.", "`get`s are cheap."},
		{"ErrorCaseOther", "other", "Other errors.", "Other errors."},
		{"Get", "get", "", ""},
	}
	for _, tt := range tests {
		if got := witDocs(tt.goName, tt.witName, tt.docs); got != tt.want {
			t.Errorf("witDocs(%q, %q, %q) = %q, want %q", tt.goName, tt.witName, tt.docs, got, tt.want)
		}
	}
}
