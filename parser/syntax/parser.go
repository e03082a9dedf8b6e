package syntax

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxDepth bounds how deeply types nest (list<list<...>>) and how deeply
// packages nest, so that hostile input cannot exhaust the stack: deeper
// input is an error.
const MaxDepth = 100

// Parse parses the WIT source src of the file named name. The error, if
// any, is an *Error: "name:line:col: message" with the source line and a
// caret.
func Parse(name, src string) (*SourceFile, error) {
	f := NewFile(name, src)
	p := &parser{s: newScanner(f), f: f}
	sf := p.file()
	if p.s.err != nil {
		return nil, p.s.err
	}
	return sf, nil
}

type parser struct {
	s     *scanner
	f     *File
	depth int
}

// bail is the panic value that unwinds the parser after an error; file
// recovers it. The error itself is in p.s.err.
type bail struct{}

func (p *parser) fail(off int, format string, args ...any) {
	p.s.errorAt(off, format, args...)
	panic(bail{})
}

// found describes the current token for an error message.
func (p *parser) found() string {
	switch p.s.tok {
	case tIdent:
		return fmt.Sprintf("an identifier %q", p.s.lit)
	case tInteger:
		return fmt.Sprintf("an integer %s", p.s.lit)
	case tEOF:
		return "end of file"
	}
	if p.s.tok.IsKeyword() {
		return "keyword '" + p.s.tok.String() + "'"
	}
	return p.s.tok.String()
}

func (p *parser) expected(what string) {
	p.fail(p.s.pos, "expected %s, found %s", what, p.found())
}

// got consumes the current token if it is t.
func (p *parser) got(t Token) bool {
	if p.s.tok == t {
		p.s.next()
		return true
	}
	return false
}

// want consumes a t or fails; it returns the token's offset.
func (p *parser) want(t Token) int {
	pos := p.s.pos
	if !p.got(t) {
		p.expected(t.String())
	}
	return pos
}

// file parses a whole file.
func (p *parser) file() (sf *SourceFile) {
	sf = &SourceFile{File: p.f}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bail); !ok {
				panic(r)
			}
			sf = nil
		}
	}()
	if p.s.err != nil {
		return nil
	}
	docs, attrs := p.docsAttrs()
	if p.s.tok == tPackage {
		pos := p.s.pos
		p.s.next()
		name := p.packageName(pos)
		if p.s.tok == tLBrace {
			// The file starts with a nested package: it has no package
			// declaration of its own.
			sf.Items = append(sf.Items, p.nestedPackage(docs, attrs, name))
		} else {
			p.want(tSemi)
			if len(attrs) > 0 {
				p.fail(attrs[0].Pos, "attributes are not allowed on a package declaration")
			}
			sf.Package, sf.PackageDocs = &name, docs
		}
		docs, attrs = p.docsAttrs()
	}
	for p.s.tok != tEOF {
		sf.Items = append(sf.Items, p.topItem(docs, attrs, true))
		docs, attrs = p.docsAttrs()
	}
	if len(attrs) > 0 {
		p.fail(p.s.pos, "expected an item after the attributes, found end of file")
	}
	return sf
}

// docs returns the doc comments that precede the current token.
func (p *parser) docs() string { return Docs(p.s.docs) }

// docsAttrs parses the docs and the attributes before an item. Only the
// comments before the attributes are docs.
func (p *parser) docsAttrs() (string, []Attribute) {
	docs := p.docs()
	return docs, p.attrs()
}

// topItem parses an item of a file (nested packages allowed) or of a
// nested package.
func (p *parser) topItem(docs string, attrs []Attribute, nestedOK bool) Item {
	switch p.s.tok {
	case tInterface:
		return p.iface(docs, attrs)
	case tWorld:
		return p.world(docs, attrs)
	case tUse:
		pos := p.s.pos
		p.s.next()
		u := &Use{Docs: docs, Attrs: attrs, Path: p.usePath(pos)}
		if p.got(tAs) {
			id := p.ident()
			u.As = &id
		}
		p.want(tSemi)
		return u
	case tPackage:
		if !nestedOK {
			p.fail(p.s.pos, "nested packages must be placed at the top level")
		}
		pos := p.s.pos
		p.s.next()
		name := p.packageName(pos)
		if p.s.tok != tLBrace {
			p.fail(pos, "package declarations must come first in a file, before any other item")
		}
		return p.nestedPackage(docs, attrs, name)
	}
	p.expected("'world', 'interface', 'use' or 'package'")
	return nil
}

func (p *parser) nestedPackage(docs string, attrs []Attribute, name PackageName) *NestedPackage {
	np := &NestedPackage{Docs: docs, Attrs: attrs, Name: name}
	p.want(tLBrace)
	for p.s.tok != tRBrace {
		if p.s.tok == tEOF {
			p.expected("'}'")
		}
		d, a := p.docsAttrs()
		np.Items = append(np.Items, p.topItem(d, a, false))
	}
	p.s.next()
	return np
}

// packageName parses ns:name[@version] (the "package" keyword is read).
func (p *parser) packageName(pos int) PackageName {
	n := PackageName{Pos: pos}
	n.Namespace = p.ident()
	p.want(tColon)
	n.Name = p.ident()
	if p.s.tok == tAt {
		n.Version = p.version()
	}
	return n
}

// ident parses an identifier and checks that it is kebab-case.
func (p *parser) ident() Ident {
	if p.s.tok != tIdent {
		p.expected("an identifier")
	}
	id := Ident{Name: p.s.lit, Pos: p.s.pos}
	if p.f.src[p.s.pos] == '%' {
		id.Pos++
	}
	if err := validIdent(id.Name); err != "" {
		p.fail(id.Pos, "%s", err)
	}
	p.s.next()
	return id
}

// validIdent checks that name is kebab-case: words separated by single
// dashes, each word all lowercase or all uppercase letters and digits, the
// first word starting with a letter. It returns what is wrong, or "".
func validIdent(name string) string {
	if name == "" {
		return "empty identifier"
	}
	for i, word := range strings.Split(name, "-") {
		if word == "" {
			return fmt.Sprintf("identifier %q: '-' must separate two words", name)
		}
		if i == 0 && !isLetter(word[0]) {
			return fmt.Sprintf("identifier %q must start with a letter", name)
		}
		lower, upper := false, false
		for j := 0; j < len(word); j++ {
			c := word[j]
			switch {
			case 'a' <= c && c <= 'z':
				lower = true
			case 'A' <= c && c <= 'Z':
				upper = true
			case isDigit(c):
			default:
				return fmt.Sprintf("invalid character %q in identifier %q", c, name)
			}
		}
		if lower && upper {
			return fmt.Sprintf("identifier %q: the word %q mixes upper and lower case", name, word)
		}
	}
	return ""
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// version parses "@1.2.3[-pre][+build]": the current token is '@'. A
// version is one run of characters in the source, read as such rather than
// as tokens (a pre-release such as "2024-01-01" is not one token).
func (p *parser) version() string {
	at := p.s.pos
	start := p.s.end
	end := start
	for end < len(p.f.src) && isVersionChar(p.f.src[end]) {
		end++
	}
	// "use a:b/c@1.2.3.{x}": the last '.' starts the names.
	for end > start && p.f.src[end-1] == '.' {
		end--
	}
	v := p.f.src[start:end]
	if v == "" {
		p.fail(at, "expected a version after '@'")
	}
	if err := validSemver(v); err != "" {
		p.fail(start, "invalid version %q: %s", v, err)
	}
	p.s.off = end
	p.s.next()
	return v
}

func isVersionChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '.' || c == '-' || c == '+' }

// validSemver checks v against Semantic Versioning 2.0.0; it returns what
// is wrong, or "".
func validSemver(v string) string {
	core, build, hasBuild := strings.Cut(v, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return "want major.minor.patch"
	}
	for _, n := range parts {
		if !numeric(n) {
			return fmt.Sprintf("%q is not a number", n)
		}
		if len(n) > 1 && n[0] == '0' {
			return fmt.Sprintf("%q has a leading zero", n)
		}
		if _, err := strconv.ParseUint(n, 10, 64); err != nil {
			return fmt.Sprintf("%q is too large", n)
		}
	}
	if hasPre {
		for _, id := range strings.Split(pre, ".") {
			if id == "" || !alnumDash(id) {
				return fmt.Sprintf("invalid pre-release %q", pre)
			}
			if numeric(id) && len(id) > 1 && id[0] == '0' {
				return fmt.Sprintf("pre-release %q has a leading zero", id)
			}
		}
	}
	if hasBuild {
		for _, id := range strings.Split(build, ".") {
			if id == "" || !alnumDash(id) {
				return fmt.Sprintf("invalid build metadata %q", build)
			}
		}
	}
	return ""
}

func numeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func alnumDash(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// usePath parses an interface path: "name" or "ns:pkg/name[@version]".
func (p *parser) usePath(pos int) UsePath {
	up := UsePath{Pos: p.s.pos}
	first := p.ident()
	if p.s.tok != tColon {
		up.Name = first
		return up
	}
	p.s.next()
	pkg := &PackageName{Pos: first.Pos, Namespace: first}
	pkg.Name = p.ident()
	p.want(tSlash)
	up.Name = p.ident()
	if p.s.tok == tAt {
		pkg.Version = p.version()
	}
	up.Package = pkg
	return up
}

// attrs parses the attributes before an item.
func (p *parser) attrs() []Attribute {
	var attrs []Attribute
	for p.s.tok == tAt {
		pos := p.s.pos
		p.s.next()
		if p.s.tok != tIdent {
			p.expected("an attribute name")
		}
		a := Attribute{Pos: pos}
		name := p.s.lit
		p.s.next()
		switch name {
		case "since":
			a.Kind = Since
		case "unstable":
			a.Kind = Unstable
		case "deprecated":
			a.Kind = Deprecated
		case "external-id":
			a.Kind = ExternalID
		default:
			p.fail(pos+1, "unknown attribute %q", name)
		}
		p.want(tLParen)
		key := func(want string) {
			if p.s.tok != tIdent || p.s.lit != want {
				p.fail(p.s.pos, "expected `%s`, found %s", want, p.found())
			}
			p.s.next()
			p.want(tEquals)
		}
		switch a.Kind {
		case Since:
			key("version")
			a.Version = p.bareVersion(p.s.pos)
			if p.got(tComma) && p.s.tok != tRParen {
				key("feature")
				a.Feature = p.ident().Name
			}
		case Unstable:
			key("feature")
			a.Feature = p.ident().Name
		case Deprecated:
			key("version")
			a.Version = p.bareVersion(p.s.pos)
		case ExternalID:
			if p.s.tok != tStrLit {
				p.expected("a string")
			}
			a.ExternalID = p.s.lit
			p.s.next()
		}
		p.want(tRParen)
		attrs = append(attrs, a)
	}
	return attrs
}

// bareVersion parses a version that is not introduced by '@' (in an
// attribute); the current token is its first.
func (p *parser) bareVersion(pos int) string {
	start := pos
	end := start
	for end < len(p.f.src) && isVersionChar(p.f.src[end]) {
		end++
	}
	v := p.f.src[start:end]
	if v == "" {
		p.expected("a version")
	}
	if err := validSemver(v); err != "" {
		p.fail(start, "invalid version %q: %s", v, err)
	}
	p.s.off = end
	p.s.next()
	return v
}

// iface parses "interface name { items }".
func (p *parser) iface(docs string, attrs []Attribute) *Interface {
	p.want(tInterface)
	it := &Interface{Docs: docs, Attrs: attrs, Name: p.ident()}
	it.Items = p.interfaceItems()
	return it
}

// interfaceItems parses "{ items }" of an interface.
func (p *parser) interfaceItems() []InterfaceItem {
	p.want(tLBrace)
	var items []InterfaceItem
	for !p.got(tRBrace) {
		docs, attrs := p.docsAttrs()
		switch p.s.tok {
		case tUse:
			items = append(items, p.useNames(attrs))
		case tType, tRecord, tVariant, tEnum, tFlags, tResource:
			items = append(items, p.typeDef(docs, attrs))
		case tIdent:
			name := p.ident()
			p.want(tColon)
			f := p.funcType()
			p.want(tSemi)
			items = append(items, &NamedFunc{Docs: docs, Attrs: attrs, Name: name, Func: f})
		default:
			p.expected("'use', a type definition, a function or '}'")
		}
	}
	return items
}

// useNames parses "use path.{a, b as c};".
func (p *parser) useNames(attrs []Attribute) *UseNames {
	pos := p.want(tUse)
	u := &UseNames{Attrs: attrs, Path: p.usePath(pos)}
	p.want(tPeriod)
	p.want(tLBrace)
	for p.s.tok != tRBrace {
		n := UseName{Name: p.ident()}
		if p.got(tAs) {
			id := p.ident()
			n.As = &id
		}
		u.Names = append(u.Names, n)
		if !p.got(tComma) {
			break
		}
	}
	p.want(tRBrace)
	p.want(tSemi)
	return u
}

// world parses "world name { items }".
func (p *parser) world(docs string, attrs []Attribute) *World {
	p.want(tWorld)
	w := &World{Docs: docs, Attrs: attrs, Name: p.ident()}
	p.want(tLBrace)
	for !p.got(tRBrace) {
		docs, attrs := p.docsAttrs()
		switch p.s.tok {
		case tUse:
			w.Items = append(w.Items, p.useNames(attrs))
		case tType, tRecord, tVariant, tEnum, tFlags, tResource:
			w.Items = append(w.Items, p.typeDef(docs, attrs))
		case tImport, tExport:
			w.Items = append(w.Items, p.extern(docs, attrs))
		case tInclude:
			w.Items = append(w.Items, p.include(attrs))
		default:
			p.expected("'use', 'import', 'export', 'include', a type definition or '}'")
		}
	}
	return w
}

// extern parses an import or export of a world:
//
//	import name: func(...);
//	import name: interface { ... }
//	import path;              (name, or ns:pkg/name@version)
//	import label: path;       (a labelled import of an interface)
func (p *parser) extern(docs string, attrs []Attribute) *Extern {
	e := &Extern{Docs: docs, Attrs: attrs, Export: p.s.tok == tExport, Pos: p.s.pos}
	p.s.next()
	first := p.ident()
	switch p.s.tok {
	case tColon:
		p.s.next()
		switch p.s.tok {
		case tFunc, tAsync:
			e.Name = &first
			f := p.funcType()
			e.Func = &f
			p.want(tSemi)
			return e
		case tInterface:
			e.Name = &first
			p.s.next()
			e.Interface = p.interfaceItems()
			if e.Interface == nil {
				e.Interface = []InterfaceItem{}
			}
			return e
		case tIdent:
			// ns:pkg/iface — a path whose namespace is first — or
			// label: path.
			second := p.ident()
			if p.s.tok == tSlash {
				p.s.next()
				up := UsePath{Pos: first.Pos, Package: &PackageName{Pos: first.Pos, Namespace: first, Name: second}}
				up.Name = p.ident()
				if p.s.tok == tAt {
					up.Package.Version = p.version()
				}
				e.Path = &up
				p.want(tSemi)
				return e
			}
			// label: path
			e.Name = &first
			up := UsePath{Pos: second.Pos}
			if p.s.tok == tColon {
				p.s.next()
				up.Package = &PackageName{Pos: second.Pos, Namespace: second, Name: p.ident()}
				p.want(tSlash)
				up.Name = p.ident()
				if p.s.tok == tAt {
					up.Package.Version = p.version()
				}
			} else {
				up.Name = second
			}
			e.Path = &up
			p.want(tSemi)
			return e
		}
		p.expected("'func', 'interface' or an interface path")
	case tSemi:
		p.s.next()
		e.Path = &UsePath{Pos: first.Pos, Name: first}
		return e
	}
	p.expected("':' or ';'")
	return nil
}

// include parses "include path;" or "include path with { a as b, ... }"
// (no ';' after the braces).
func (p *parser) include(attrs []Attribute) *Include {
	pos := p.want(tInclude)
	inc := &Include{Attrs: attrs, Path: p.usePath(pos)}
	if !p.got(tWith) {
		p.want(tSemi)
		return inc
	}
	p.list(tLBrace, tRBrace, func() {
		n := IncludeName{Name: p.ident()}
		p.want(tAs)
		n.As = p.ident()
		inc.With = append(inc.With, n)
	})
	return inc
}

// typeDef parses a type definition; the current token is its keyword.
func (p *parser) typeDef(docs string, attrs []Attribute) *TypeDef {
	kw := p.s.tok
	p.s.next()
	td := &TypeDef{Docs: docs, Attrs: attrs, Name: p.ident()}
	switch kw {
	case tType:
		p.want(tEquals)
		td.Kind = &Alias{Type: p.typ()}
		p.want(tSemi)
	case tRecord:
		r := &Record{}
		p.list(tLBrace, tRBrace, func() {
			f := Field{Docs: p.docs(), Name: p.ident()}
			p.want(tColon)
			f.Type = p.typ()
			r.Fields = append(r.Fields, f)
		})
		td.Kind = r
	case tVariant:
		v := &Variant{}
		p.list(tLBrace, tRBrace, func() {
			c := Case{Docs: p.docs(), Name: p.ident()}
			if p.got(tLParen) {
				c.Type = p.typ()
				p.want(tRParen)
			}
			v.Cases = append(v.Cases, c)
		})
		td.Kind = v
	case tEnum:
		e := &Enum{}
		p.list(tLBrace, tRBrace, func() {
			e.Cases = append(e.Cases, EnumCase{Docs: p.docs(), Name: p.ident()})
		})
		td.Kind = e
	case tFlags:
		f := &Flags{}
		p.list(tLBrace, tRBrace, func() {
			f.Flags = append(f.Flags, EnumCase{Docs: p.docs(), Name: p.ident()})
		})
		td.Kind = f
	case tResource:
		r := &Resource{}
		if !p.got(tSemi) {
			p.want(tLBrace)
			for !p.got(tRBrace) {
				r.Funcs = append(r.Funcs, p.resourceFunc())
			}
		}
		td.Kind = r
	}
	return td
}

// list parses open item, item, ... close, with an optional trailing comma.
func (p *parser) list(open, close Token, item func()) {
	p.want(open)
	for p.s.tok != close {
		item()
		if !p.got(tComma) {
			break
		}
	}
	p.want(close)
}

// resourceFunc parses a constructor, method or static function.
func (p *parser) resourceFunc() ResourceFunc {
	docs, attrs := p.docsAttrs()
	rf := ResourceFunc{Docs: docs, Attrs: attrs}
	if p.s.tok == tConstructor {
		rf.Kind = Constructor_
		rf.Name = Ident{Name: "constructor", Pos: p.s.pos}
		p.s.next()
		rf.Func = Func{Pos: p.s.pos}
		rf.Func.Params = p.params()
		if p.got(tArrow) {
			rf.Func.Result = p.typ()
		}
		p.want(tSemi)
		return rf
	}
	rf.Name = p.ident()
	p.want(tColon)
	if p.got(tStatic) {
		rf.Kind = Static
	}
	rf.Func = p.funcType()
	p.want(tSemi)
	return rf
}

// funcType parses "[async] func(params) [-> result]".
func (p *parser) funcType() Func {
	f := Func{Pos: p.s.pos}
	if p.got(tAsync) {
		f.Async = true
	}
	p.want(tFunc)
	f.Params = p.params()
	if p.got(tArrow) {
		f.Result = p.typ()
	}
	return f
}

// params parses "(name: T, ...)".
func (p *parser) params() []Param {
	var ps []Param
	p.list(tLParen, tRParen, func() {
		pr := Param{Name: p.ident()}
		p.want(tColon)
		pr.Type = p.typ()
		ps = append(ps, pr)
	})
	return ps
}

// typ parses a type.
func (p *parser) typ() Type {
	p.depth++
	defer func() { p.depth-- }()
	pos := p.s.pos
	if p.depth > MaxDepth {
		p.fail(pos, "type nesting too deep (more than %d levels)", MaxDepth)
	}
	tok := p.s.tok
	switch tok {
	case tBool, tU8, tU16, tU32, tU64, tS8, tS16, tS32, tS64, tF32, tF64, tChar, tString, tErrorContext:
		p.s.next()
		return &Prim{Pos: pos, Kind: tok}
	case tIdent:
		return &Named{Name: p.ident()}
	case tList:
		p.s.next()
		p.want(tLess)
		l := &ListType{Pos: pos, Elem: p.typ()}
		if p.got(tComma) {
			if p.s.tok != tInteger {
				p.expected("a list length")
			}
			n, err := strconv.ParseUint(p.s.lit, 10, 32)
			if err != nil {
				p.fail(p.s.pos, "list length %s is out of range", p.s.lit)
			}
			l.Len, l.HasLen = uint32(n), true
			p.s.next()
		}
		p.want(tGreater)
		return l
	case tMap:
		p.s.next()
		p.want(tLess)
		m := &MapType{Pos: pos, Key: p.typ()}
		p.want(tComma)
		m.Value = p.typ()
		p.want(tGreater)
		return m
	case tOption:
		p.s.next()
		p.want(tLess)
		o := &OptionType{Pos: pos, Elem: p.typ()}
		p.want(tGreater)
		return o
	case tResult:
		p.s.next()
		r := &ResultType{Pos: pos}
		if p.got(tLess) {
			if p.got(tUnderscore) {
				p.want(tComma)
				r.Err = p.typ()
			} else {
				r.Ok = p.typ()
				if p.got(tComma) {
					r.Err = p.typ()
				}
			}
			p.want(tGreater)
		}
		return r
	case tTuple:
		p.s.next()
		t := &TupleType{Pos: pos}
		p.list(tLess, tGreater, func() { t.Types = append(t.Types, p.typ()) })
		return t
	case tOwn, tBorrow:
		p.s.next()
		p.want(tLess)
		h := &Handle{Pos: pos, Borrow: tok == tBorrow, Resource: p.ident()}
		p.want(tGreater)
		return h
	case tFuture:
		p.s.next()
		return &FutureType{Pos: pos, Elem: p.optElem()}
	case tStream:
		p.s.next()
		return &StreamType{Pos: pos, Elem: p.optElem()}
	}
	p.expected("a type")
	return nil
}

// optElem parses the optional "<T>" of future and stream.
func (p *parser) optElem() Type {
	if !p.got(tLess) {
		return nil
	}
	t := p.typ()
	p.want(tGreater)
	return t
}

// Docs turns the comments before an item into its docs, as wasm-tools
// does: a block comment "/** ... */" loses its delimiters, any other comment
// its leading slashes ("/* x */" keeps "* x */"); trailing white space goes;
// the smallest indentation of the non-empty comments is removed from the
// start of each; the comments' lines are joined with "\n", an empty comment
// giving an empty line, and trailing empty lines are dropped.
func Docs(comments []string) string {
	if len(comments) == 0 {
		return ""
	}
	docs := make([]string, len(comments))
	indent := -1
	for i, c := range comments {
		if rest, ok := strings.CutPrefix(c, "/**"); ok {
			c = strings.TrimSuffix(rest, "*/")
		} else {
			c = strings.TrimLeft(c, "/")
		}
		c = strings.TrimRight(c, " \t\n\r\f\v")
		docs[i] = c
		if c != "" {
			n := len(c) - len(strings.TrimLeft(c, " \t\n\r\f\v"))
			if indent < 0 || n < indent {
				indent = n
			}
		}
	}
	var b strings.Builder
	for _, d := range docs {
		if indent > 0 {
			d = strings.TrimPrefix(d, strings.Repeat(" ", indent))
		}
		if d == "" {
			b.WriteString("\n")
			continue
		}
		for _, l := range strings.SplitAfter(d, "\n") {
			l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
			b.WriteString(l)
			b.WriteString("\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
