package syntax

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A scanner splits WIT source into tokens. Comments are skipped, and
// handed to the next token: as in wasm-tools, every comment right before an
// item documents it, whatever its form (see Docs).
type scanner struct {
	file *File
	src  string
	off  int // offset of the next unread byte

	// The current token.
	tok    Token
	pos    int    // offset of its first byte
	end    int    // offset after its last byte
	lit    string // an identifier's name (without %) or an integer's digits
	docs   []string
	pdocs  []string // doc comments read since the last token
	failed bool
	err    *Error
}

func newScanner(f *File) *scanner {
	s := &scanner{file: f, src: f.src}
	s.next()
	return s
}

// errorAt records the first error; later ones are dropped, as they are
// most often consequences of the first. It stops the scan.
func (s *scanner) errorAt(off int, format string, args ...any) {
	if s.err == nil {
		s.err = s.file.Errorf(off, format, args...)
	}
	s.failed = true
}

// next reads the next token into s.tok.
func (s *scanner) next() {
	s.docs = nil
	s.lit = ""
	if s.failed {
		s.tok, s.pos, s.end = tEOF, len(s.src), len(s.src)
		return
	}
	s.skipSpace()
	s.docs, s.pdocs = s.pdocs, nil
	s.pos = s.off
	if s.failed || s.off >= len(s.src) {
		s.tok, s.end = tEOF, s.off
		return
	}
	c := s.src[s.off]
	switch {
	case c == '%':
		s.off++
		if s.off >= len(s.src) || !isIdentStart(s.src[s.off]) {
			s.errorAt(s.pos, "expected an identifier after '%%'")
			s.tok, s.end = tEOF, s.off
			return
		}
		s.ident()
		s.tok = tIdent
		s.lit = s.src[s.pos+1 : s.off]
	case isIdentStart(c):
		s.ident()
		word := s.src[s.pos:s.off]
		if t, ok := keywordTokens[word]; ok {
			s.tok = t
		} else {
			s.tok = tIdent
			s.lit = word
		}
	case c == '"':
		s.off++
		s.str()
		s.tok = tStrLit
	case isDigit(c):
		for s.off < len(s.src) && isDigit(s.src[s.off]) {
			s.off++
		}
		s.tok = tInteger
		s.lit = s.src[s.pos:s.off]
	default:
		s.off++
		switch c {
		case '=':
			s.tok = tEquals
		case ',':
			s.tok = tComma
		case ':':
			s.tok = tColon
		case '.':
			s.tok = tPeriod
		case ';':
			s.tok = tSemi
		case '(':
			s.tok = tLParen
		case ')':
			s.tok = tRParen
		case '{':
			s.tok = tLBrace
		case '}':
			s.tok = tRBrace
		case '<':
			s.tok = tLess
		case '>':
			s.tok = tGreater
		case '*':
			s.tok = tStar
		case '@':
			s.tok = tAt
		case '/':
			s.tok = tSlash
		case '+':
			s.tok = tPlus
		case '-':
			if s.off < len(s.src) && s.src[s.off] == '>' {
				s.off++
				s.tok = tArrow
			} else {
				s.tok = tMinus
			}
		default:
			s.off--
			r, _ := utf8.DecodeRuneInString(s.src[s.off:])
			s.errorAt(s.off, "unexpected character %s", quoteRune(r))
			s.tok = tEOF
		}
	}
	s.end = s.off
}

// str reads the rest of a string literal (the opening quote is read) into
// s.lit: escapes \" \' \\ \t \n \r, \u{hex} and \hh (a raw byte); the
// result must be UTF-8 and have no control characters.
func (s *scanner) str() {
	var b strings.Builder
	for {
		if s.off >= len(s.src) {
			s.errorAt(s.pos, "unterminated string literal")
			return
		}
		c := s.src[s.off]
		s.off++
		switch {
		case c == '"':
			if !utf8.ValidString(b.String()) {
				s.errorAt(s.pos, "invalid UTF-8 in string literal")
				return
			}
			s.lit = b.String()
			return
		case c == '\\':
			if s.off >= len(s.src) {
				s.errorAt(s.pos, "unterminated string literal")
				return
			}
			e := s.src[s.off]
			s.off++
			switch e {
			case '"', '\'', '\\':
				b.WriteByte(e)
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 'u':
				end := strings.IndexByte(s.src[s.off:], '}')
				if !strings.HasPrefix(s.src[s.off:], "{") || end < 0 {
					s.errorAt(s.off-2, "invalid string escape")
					return
				}
				hex := strings.ReplaceAll(s.src[s.off+1:s.off+end], "_", "")
				r, err := strconv.ParseUint(hex, 16, 32)
				if err != nil || hex == "" || !utf8.ValidRune(rune(r)) {
					s.errorAt(s.off-2, "invalid unicode escape")
					return
				}
				b.WriteRune(rune(r))
				s.off += end + 1
			default:
				if s.off < len(s.src) && isHex(e) && isHex(s.src[s.off]) {
					v, _ := strconv.ParseUint(s.src[s.off-1:s.off+1], 16, 8)
					b.WriteByte(byte(v))
					s.off++
					continue
				}
				s.errorAt(s.off-2, "invalid string escape %s", quoteRune(rune(e)))
				return
			}
		case c < 0x20 || c == 0x7f:
			s.errorAt(s.off-1, "invalid string character")
			return
		default:
			b.WriteByte(c)
		}
	}
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// ident reads the rest of an identifier-like word: letters, digits and
// '-'. Whether it is a valid identifier is checked by the parser, which
// knows what the word is for (validIdent).
func (s *scanner) ident() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		if !isIdentStart(c) && !isDigit(c) && c != '-' {
			break
		}
		s.off++
	}
}

// skipSpace skips white space and comments, collecting doc comments.
func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			s.off++
		case strings.HasPrefix(s.src[s.off:], "//"):
			start := s.off
			end := strings.IndexByte(s.src[s.off:], '\n')
			if end < 0 {
				end = len(s.src)
			} else {
				end += s.off
			}
			s.off = end
			s.pdocs = append(s.pdocs, s.src[start:end])
		case strings.HasPrefix(s.src[s.off:], "/*"):
			start := s.off
			if !s.blockComment() {
				s.errorAt(start, "unterminated block comment")
				return
			}
			s.pdocs = append(s.pdocs, s.src[start:s.off])
		default:
			return
		}
	}
}

// blockComment skips a block comment, which may nest, starting at "/*".
// It reports whether the comment ends.
func (s *scanner) blockComment() bool {
	depth := 0
	for s.off < len(s.src) {
		switch {
		case strings.HasPrefix(s.src[s.off:], "/*"):
			depth++
			s.off += 2
		case strings.HasPrefix(s.src[s.off:], "*/"):
			depth--
			s.off += 2
			if depth == 0 {
				return true
			}
		default:
			s.off++
		}
	}
	return false
}

func isIdentStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }

func quoteRune(r rune) string {
	if r == utf8.RuneError {
		return "(invalid UTF-8)"
	}
	return fmt.Sprintf("%q", r)
}
