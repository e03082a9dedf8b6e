package kvbackend

import (
	"fmt"
	"strings"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/parser"
	"go.bytecodealliance.org/wit"
)

// goType returns the Go type of a WIT type as the bindings spell it:
// generator.TypeOf, printed with this file's imports.
func (g *gen) goType(t wit.Type) string {
	return generator.TypeOf(g.m, t).Text(g.im.Qual)
}

// zero returns the zero value of the Go type of t (generator.ZeroOf).
func (g *gen) zero(t wit.Type) string {
	return generator.ZeroOf(g.m, t).Text(g.im.Qual)
}

// qual returns name qualified with the import name of package p, and
// records the import.
func (g *gen) qual(p *parser.Package, name string) string {
	return g.im.Qual(p.ImportPath, name)
}

// std returns ref, an identifier of a package the generated file imports
// besides the bindings ("engine.Engine", see stdImports), and records the
// import. Templates call it as q.
func (g *gen) std(ref string) string {
	pkg, name, ok := strings.Cut(ref, ".")
	if ok {
		for _, s := range stdImports {
			if s.Name == pkg {
				return g.im.Qual(s.Path, name)
			}
		}
	}
	panic(fmt.Sprintf("BUG: %q is not an identifier of a standard import of the backend", ref))
}

// Shapes. Every test looks through type aliases (type key = string,
// use store.{bucket}).

func isU8(t wit.Type) bool     { _, ok := parser.Underlying(t).(wit.U8); return ok }
func isU32(t wit.Type) bool    { _, ok := parser.Underlying(t).(wit.U32); return ok }
func isU64(t wit.Type) bool    { _, ok := parser.Underlying(t).(wit.U64); return ok }
func isS64(t wit.Type) bool    { _, ok := parser.Underlying(t).(wit.S64); return ok }
func isBool(t wit.Type) bool   { _, ok := parser.Underlying(t).(wit.Bool); return ok }
func isString(t wit.Type) bool { _, ok := parser.Underlying(t).(wit.String); return ok }

// isBytes reports whether t is list<u8>.
func isBytes(t wit.Type) bool {
	e, ok := listOf(t)
	return ok && isU8(e)
}

func listOf(t wit.Type) (wit.Type, bool) {
	if l, ok := parser.Underlying(t).(*wit.List); ok {
		return l.Type, true
	}
	return nil, false
}

func optionOf(t wit.Type) (wit.Type, bool) {
	if o, ok := parser.Underlying(t).(*wit.Option); ok {
		return o.Type, true
	}
	return nil, false
}

func tupleOf(t wit.Type) ([]wit.Type, bool) {
	if tp, ok := parser.Underlying(t).(*wit.Tuple); ok {
		return tp.Types, true
	}
	return nil, false
}

// isStringList reports whether t is list<string>.
func isStringList(t wit.Type) bool {
	e, ok := listOf(t)
	return ok && isString(e)
}

// resourceOf returns the resource type definition that t is, owns or
// borrows, or nil.
func resourceOf(t wit.Type) *wit.TypeDef {
	td, ok := t.(*wit.TypeDef)
	if !ok {
		return nil
	}
	switch k := parser.Underlying(td).(type) {
	case *wit.Resource:
		return td.Root()
	case *wit.Own:
		return resourceOf(k.Type)
	case *wit.Borrow:
		return resourceOf(k.Type)
	}
	return nil
}

// cursorKind names the shape of a list-keys cursor: "opt-u64", "u64",
// "opt-string", "string", or "".
func cursorKind(t wit.Type) string {
	prefix := ""
	if e, ok := optionOf(t); ok {
		prefix, t = "opt-", e
	}
	switch {
	case isU64(t):
		return prefix + "u64"
	case isString(t):
		return prefix + "string"
	}
	return ""
}
