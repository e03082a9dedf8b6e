package generator

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"
)

// CommentWidth is the column at which generated comments wrap, counted from
// the start of the comment ("// " included), whatever its indentation.
const CommentWidth = 80

// TextWidth is the width of the text of a generated comment line: the
// CommentWidth columns less the "// " that starts the line.
const TextWidth = CommentWidth - len("// ")

// comment renders a Go doc comment: the WIT docs first, so that they are
// what go doc and editors show, then the generated text, which names the
// Go identifier and the WIT declaration it comes from. It ends with a line
// break, so it is placed directly before the declaration it documents.
func comment(generated, docs string) *jen.Statement {
	text := generated
	if docs = strings.TrimSpace(docs); docs != "" {
		text = docs + "\n\n" + generated
	}
	return jen.Comment(CommentText(text)).Line()
}

// origin renders the doc comment of a declaration: its WIT docs when it has
// any, else the generated sentence that names the Go identifier and the WIT
// declaration it comes from ("KeyResponse is the WIT record
// "key-response"."). The Go name follows mechanically from the WIT name, so
// the sentence only stands in for missing docs. Variants and flags keep
// theirs (comment), which also says how to use the Go type.
func origin(generated, docs string) *jen.Statement {
	if docs = strings.TrimSpace(docs); docs != "" {
		return jen.Comment(CommentText(docs)).Line()
	}
	return comment(generated, "")
}

// witDocs returns the WIT docs of a declaration, with a leading `wit-name`
// (a code span naming the declaration itself) replaced by the Go name, so
// that the first sentence starts with the Go identifier: "`get-many`
// returns" becomes "GetMany returns". Nothing else is rewritten.
func witDocs(goName, witName, docs string) string {
	docs = strings.TrimSpace(docs)
	if rest, ok := strings.CutPrefix(docs, "`"+witName+"`"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\n') {
		return goName + rest
	}
	return docs
}

// CommentText turns text into "// " lines, its plain paragraphs wrapped at
// CommentWidth (see Wrap). jennifer writes a comment that starts with "//"
// as it is.
func CommentText(text string) string {
	lines := strings.Split(Wrap(strings.TrimRight(text, "\n"), TextWidth), "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			lines[i] = "//"
		} else {
			lines[i] = "// " + l
		}
	}
	return strings.Join(lines, "\n")
}

// Wrap refills the plain paragraphs of text so that no line is longer than
// width columns, except a word that is longer by itself, which gets a line
// of its own; words are never broken. A plain paragraph is a run of lines
// that are neither blank nor preformatted. Preformatted lines are kept as
// they are: lines that start with white space (code blocks, list
// continuations), list items (lines starting with "-", "*", "+", or digits
// followed by "." or ")"), headings ("#"), quotes (">"), table rows ("|"),
// and the lines of a fenced code block (from a line starting with ``` or
// ~~~ to the next such line), fences included.
func Wrap(text string, width int) string {
	var out, para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, fill(strings.Fields(strings.Join(para, " ")), "", "", width)...)
			para = nil
		}
	}
	fenced := false
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			flush()
			fenced = !fenced
			out = append(out, l)
		case fenced || t == "" || preformatted(l):
			flush()
			out = append(out, l)
		default:
			para = append(para, l)
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// WrapIndent fills the words of text into lines of at most width columns
// (a longer word gets a line of its own), the first line starting with
// first and the others with rest: a list item with a hanging indent is
// WrapIndent(item, "  - ", "    ", TextWidth).
func WrapIndent(text, first, rest string, width int) string {
	return strings.Join(fill(strings.Fields(text), first, rest, width), "\n")
}

// fill fills words into lines of at most width columns, the first line
// starting with first and the others with rest.
func fill(words []string, first, rest string, width int) []string {
	var lines []string
	cur, n := first, 0 // n counts the words on cur
	for _, w := range words {
		if n > 0 && utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) > width {
			lines = append(lines, cur)
			cur, n = rest, 0
		}
		if n > 0 {
			cur += " "
		}
		cur += w
		n++
	}
	if n > 0 || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// preformatted reports whether a line of WIT docs keeps its form: see Wrap.
func preformatted(l string) bool {
	if l == "" {
		return false
	}
	switch l[0] {
	case ' ', '\t', '-', '*', '+', '#', '>', '|':
		return true
	}
	i := 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	return i > 0 && i < len(l) && (l[i] == '.' || l[i] == ')')
}

// Article returns the indefinite article, "a" or "an", for word as it is
// written: "an Error", "an atomics.CasError", "a Bucket". It goes by the
// sound of the first letter, with two exceptions: a word that starts with
// two capitals is read as an acronym, letter by letter ("an HTTPError",
// "a URLError"), and a few common words whose leading u or o sounds like
// "you" or "won" take "a" ("a Uint32", "a UnionValue", "a OneOf").
func Article(word string) string {
	r, size := utf8.DecodeRuneInString(word)
	if size == 0 {
		return "a"
	}
	next, _ := utf8.DecodeRuneInString(word[size:])
	if unicode.IsUpper(r) && unicode.IsUpper(next) {
		// Acronym: the name of the letter decides (eff, aitch, ell, ...).
		if strings.ContainsRune("AEFHILMNORSX", r) {
			return "an"
		}
		return "a"
	}
	lower := strings.ToLower(word)
	for _, p := range []string{"uint", "unit", "union", "unique", "univers", "use", "usu", "uti", "one"} {
		if strings.HasPrefix(lower, p) {
			return "a"
		}
	}
	if strings.ContainsRune("aeiou", unicode.ToLower(r)) {
		return "an"
	}
	return "a"
}
