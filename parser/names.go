package parser

import (
	"go/token"
	"strings"
	"unicode"
)

// initialisms are the words written in upper case in Go identifiers, after
// the Go project's conventions (go/lint, staticcheck ST1003). The key is the
// lower-case WIT word.
var initialisms = map[string]string{
	"acl": "ACL", "api": "API", "ascii": "ASCII", "cpu": "CPU", "css": "CSS",
	"dns": "DNS", "eof": "EOF", "guid": "GUID", "html": "HTML", "http": "HTTP",
	"https": "HTTPS", "id": "ID", "ip": "IP", "json": "JSON", "lhs": "LHS",
	"qps": "QPS", "ram": "RAM", "rhs": "RHS", "rpc": "RPC", "sla": "SLA",
	"smtp": "SMTP", "sql": "SQL", "ssh": "SSH", "tcp": "TCP", "tls": "TLS",
	"ttl": "TTL", "udp": "UDP", "ui": "UI", "uid": "UID", "uuid": "UUID",
	"uri": "URI", "url": "URL", "utf8": "UTF8", "vm": "VM", "xml": "XML",
	"xmpp": "XMPP", "xsrf": "XSRF", "xss": "XSS", "wasi": "WASI", "wit": "WIT",
	"ipv4": "IPv4", "ipv6": "IPv6", "io": "IO",
}

// GoName converts a WIT identifier (kebab-case, optionally %-escaped) to an
// exported Go identifier: "list-keys" → "ListKeys", "is-XML" → "IsXML",
// "ipv4-socket" → "IPv4Socket". Words that are Go initialisms are written in
// upper case; words written in upper case in WIT stay so.
func GoName(wit string) string {
	var b strings.Builder
	for _, w := range words(wit) {
		b.WriteString(exportWord(w))
	}
	s := b.String()
	if s == "" {
		return "X"
	}
	if !unicode.IsLetter(rune(s[0])) {
		s = "X" + s
	}
	return s
}

// goLocalName converts a WIT identifier to an unexported Go identifier
// (parameter and variable names): "key-values" → "keyValues",
// "TTL-ms" → "ttlMs". Go keywords and predeclared identifiers get a trailing
// underscore.
func goLocalName(wit string) string {
	ws := words(wit)
	var b strings.Builder
	for i, w := range ws {
		if i == 0 {
			b.WriteString(strings.ToLower(w))
			continue
		}
		b.WriteString(exportWord(w))
	}
	s := b.String()
	if s == "" || !unicode.IsLetter(rune(s[0])) {
		s = "x" + s
	}
	if isReservedLocal(s) {
		s += "_"
	}
	return s
}

// goPackageName converts a WIT interface or world name to a Go package name:
// lower case letters and digits only ("eventual-batch" → "eventualbatch").
func goPackageName(wit string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimPrefix(wit, "%")) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" || !unicode.IsLetter(rune(s[0])) {
		s = "x" + s
	}
	return s
}

func words(wit string) []string {
	wit = strings.TrimPrefix(wit, "%")
	return strings.FieldsFunc(wit, func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == ':' || r == '/' })
}

func exportWord(w string) string {
	if up, ok := initialisms[strings.ToLower(w)]; ok {
		return up
	}
	if strings.ToUpper(w) == w {
		// An acronym written in capitals in WIT (is-XML) stays in capitals.
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// predeclared holds Go's predeclared identifiers, which generated code must
// not shadow.
var predeclared = map[string]bool{
	"any": true, "append": true, "bool": true, "byte": true, "cap": true,
	"clear": true, "close": true, "comparable": true, "complex": true,
	"complex128": true, "complex64": true, "copy": true, "delete": true,
	"error": true, "false": true, "float32": true, "float64": true,
	"imag": true, "int": true, "int16": true, "int32": true, "int64": true,
	"int8": true, "iota": true, "len": true, "make": true, "max": true,
	"min": true, "new": true, "nil": true, "panic": true, "print": true,
	"println": true, "real": true, "recover": true, "rune": true,
	"string": true, "true": true, "uint": true, "uint16": true,
	"uint32": true, "uint64": true, "uint8": true, "uintptr": true,
}

// reservedLocals are names generated code uses for its own locals.
var reservedLocals = map[string]bool{"ctx": true, "err": true}

func isReservedLocal(s string) bool {
	return token.IsKeyword(s) || predeclared[s] || reservedLocals[s]
}

// Scope hands out Go identifiers that are unique within it and within its
// parents: a package scope is the parent of the scopes of the function
// bodies that the generated files declare, so a local never shadows a
// package-level name the body uses. A name already taken gets underscores
// appended until it is free, so the first comer keeps the plain name;
// callers declare names in WIT order, which makes the result deterministic.
//
// Every Go identifier of the generated code is declared in a Scope, by the
// parser for the bindings (Model) and by the keyvalue backend for its own
// package; emitters and templates only read the names.
type Scope struct {
	parent   *Scope
	taken    map[string]bool
	prefixes []string
}

// NewScope returns a scope whose names must also be free in parent (which
// may be nil), with the reserved names taken.
func NewScope(parent *Scope, reserved ...string) *Scope {
	s := &Scope{parent: parent, taken: make(map[string]bool)}
	s.Reserve(reserved...)
	return s
}

// Reserve takes names as they are: identifiers that generated code or a
// template uses for its own purposes.
func (s *Scope) Reserve(names ...string) {
	for _, n := range names {
		s.taken[n] = true
	}
}

// ReservePrefixes takes, in s, every name made of one of prefixes and an
// upper-case letter, without a trailing underscore: the family of names
// ("resStoreBucket", "toStoreError") that code generated into the parent
// scope declares as it goes. Declare("toKey") gives "toKey_".
func (s *Scope) ReservePrefixes(prefixes ...string) {
	s.prefixes = append(s.prefixes, prefixes...)
}

// Taken reports whether name is taken in s or in one of its parents.
func (s *Scope) Taken(name string) bool {
	for ; s != nil; s = s.parent {
		if s.taken[name] {
			return true
		}
		for _, p := range s.prefixes {
			if rest, ok := strings.CutPrefix(name, p); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' && !strings.HasSuffix(rest, "_") {
				return true
			}
		}
	}
	return false
}

// Declare returns name, with underscores appended until it is free in s
// and its parents, and takes it in s.
func (s *Scope) Declare(name string) string {
	for s.Taken(name) {
		name += "_"
	}
	s.taken[name] = true
	return name
}

// LowerFirst returns s with its leading capitals in lower case, for the
// unexported names derived from an exported one: "Bucket" → "bucket",
// "HTTPServer" → "httpServer", "TTL" → "ttl".
func LowerFirst(s string) string {
	if s == "" {
		return s
	}
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	switch {
	case i == len(s):
		return strings.ToLower(s)
	case i > 1:
		i-- // "HTTPServer" → "httpServer"
	}
	return strings.ToLower(s[:i]) + s[i:]
}
