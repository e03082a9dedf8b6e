package syntax

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// File is one WIT source file: its name, as errors print it, and its text.
type File struct {
	Name  string
	src   string
	lines []int // offset of the start of each line
}

// NewFile returns the File named name with text src.
func NewFile(name, src string) *File {
	f := &File{Name: name, src: src, lines: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

// Position is a place in a file: a 1-based line, and a 1-based column
// counted in characters.
type Position struct {
	File      string
	Line, Col int
}

func (p Position) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Position returns the position of the byte at offset off.
func (f *File) Position(off int) Position {
	off = min(max(off, 0), len(f.src))
	i := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	col := utf8.RuneCountInString(f.src[f.lines[i]:off]) + 1
	return Position{File: f.Name, Line: i + 1, Col: col}
}

// line returns the text of 1-based line n, without its line break.
func (f *File) line(n int) string {
	start := f.lines[n-1]
	end := len(f.src)
	if n < len(f.lines) {
		end = f.lines[n] - 1
	}
	return strings.TrimSuffix(f.src[start:end], "\r")
}

// An Error is a syntax or resolution error: where, and what. Its text is
// "file:line:col: message", then the source line and a caret under the
// column.
type Error struct {
	Pos Position
	Msg string
	src string // the source line
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Pos, e.Msg)
	if e.src != "" || e.Pos.Line > 0 {
		num := fmt.Sprint(e.Pos.Line)
		pad := strings.Repeat(" ", len(num))
		line := printable(e.src)
		// The caret goes under column Col, counted in characters of the
		// printable line (tabs are kept, so that the caret lines up).
		prefix := []rune(line)
		col := min(e.Pos.Col-1, len(prefix))
		var under strings.Builder
		for _, r := range prefix[:col] {
			if r == '\t' {
				under.WriteRune('\t')
			} else {
				under.WriteByte(' ')
			}
		}
		fmt.Fprintf(&b, "\n %s |\n %s | %s\n %s | %s^", pad, num, line, pad, under.String())
	}
	return b.String()
}

// printable replaces control characters other than tab, so that an error
// message cannot carry terminal escapes from the source.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r >= ' ' && r != 0x7f && !(r >= 0x80 && r < 0xa0) {
			return r
		}
		return '\uFFFD'
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Errorf returns an Error at offset off of f.
func (f *File) Errorf(off int, format string, args ...any) *Error {
	p := f.Position(off)
	return &Error{Pos: p, Msg: fmt.Sprintf(format, args...), src: f.line(p.Line)}
}
