package kvbackend

import (
	"fmt"
	"strings"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// goType returns the Go type of a WIT type as the bindings spell it:
// generator.TypeOf, printed with this file's imports.
func (g *gen) goType(t resolve.Type) string {
	return generator.TypeOf(g.m, t).Text(g.im.Qual)
}

// zero returns the zero value of the Go type of t (generator.ZeroOf).
func (g *gen) zero(t resolve.Type) string {
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

func isU8(t resolve.Type) bool     { return resolve.Underlying(t) == resolve.Prim("u8") }
func isU32(t resolve.Type) bool    { return resolve.Underlying(t) == resolve.Prim("u32") }
func isU64(t resolve.Type) bool    { return resolve.Underlying(t) == resolve.Prim("u64") }
func isS64(t resolve.Type) bool    { return resolve.Underlying(t) == resolve.Prim("s64") }
func isBool(t resolve.Type) bool   { return resolve.Underlying(t) == resolve.Prim("bool") }
func isString(t resolve.Type) bool { return resolve.Underlying(t) == resolve.Prim("string") }

// isBytes reports whether t is list<u8>.
func isBytes(t resolve.Type) bool {
	e, ok := listOf(t)
	return ok && isU8(e)
}

func listOf(t resolve.Type) (resolve.Type, bool) {
	if l, ok := resolve.Underlying(t).(*resolve.List); ok {
		return l.Type, true
	}
	return nil, false
}

func optionOf(t resolve.Type) (resolve.Type, bool) {
	if o, ok := resolve.Underlying(t).(*resolve.Option); ok {
		return o.Type, true
	}
	return nil, false
}

func tupleOf(t resolve.Type) ([]resolve.Type, bool) {
	if tp, ok := resolve.Underlying(t).(*resolve.Tuple); ok {
		return tp.Types, true
	}
	return nil, false
}

// isStringList reports whether t is list<string>.
func isStringList(t resolve.Type) bool {
	e, ok := listOf(t)
	return ok && isString(e)
}

// resourceOf returns the resource type definition that t is, owns or
// borrows, or nil.
func resourceOf(t resolve.Type) *resolve.TypeDef {
	td, ok := t.(*resolve.TypeDef)
	if !ok {
		return nil
	}
	switch k := resolve.Underlying(td).(type) {
	case *resolve.ResourceKind:
		return td.Root()
	case *resolve.Handle:
		return k.Resource.Root()
	}
	return nil
}

// cursorKind names the shape of a list-keys cursor: "opt-u64", "u64",
// "opt-string", "string", or "".
func cursorKind(t resolve.Type) string {
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
