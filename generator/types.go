package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
	"go.bytecodealliance.org/wit"
)

// typ returns the Go type of a WIT type. It is the one place that maps WIT
// types to Go: named types by their model name, anonymous ones by shape.
func (g *gen) typ(t wit.Type) *jen.Statement {
	switch t := t.(type) {
	case wit.Bool:
		return jen.Bool()
	case wit.S8:
		return jen.Int8()
	case wit.U8:
		return jen.Uint8()
	case wit.S16:
		return jen.Int16()
	case wit.U16:
		return jen.Uint16()
	case wit.S32:
		return jen.Int32()
	case wit.U32:
		return jen.Uint32()
	case wit.S64:
		return jen.Int64()
	case wit.U64:
		return jen.Uint64()
	case wit.F32:
		return jen.Float32()
	case wit.F64:
		return jen.Float64()
	case wit.Char:
		return jen.Rune()
	case wit.String:
		return jen.String()
	case wit.ErrorContext:
		return jen.Qual(cmPkg, "ErrorContext")
	case *wit.TypeDef:
		if n := g.model.Named(t); n != nil {
			return jen.Qual(n.Package.ImportPath, n.GoName)
		}
		return g.kind(t.Kind)
	default:
		panic(fmt.Sprintf("BUG: unknown WIT type %T", t))
	}
}

// kind returns the Go type of an anonymous type definition, or of the
// right-hand side of a named alias.
func (g *gen) kind(k wit.TypeDefKind) *jen.Statement {
	switch k := k.(type) {
	case *wit.TypeDef:
		return g.typ(k)
	case *wit.List:
		if isU8(k.Type) {
			return jen.Index().Byte()
		}
		return jen.Index().Add(g.typ(k.Type))
	case *wit.Option:
		return jen.Op("*").Add(g.typ(k.Type))
	case *wit.Result:
		return jen.Qual(cmPkg, "Result").Types(g.typOrUnit(k.OK), g.typOrUnit(k.Err))
	case *wit.Tuple:
		if len(k.Types) == 0 {
			return jen.Struct()
		}
		args := make([]jen.Code, len(k.Types))
		for i, e := range k.Types {
			args[i] = g.typ(e)
		}
		return jen.Qual(cmPkg, fmt.Sprintf("Tuple%d", len(k.Types))).Types(args...)
	case *wit.Own:
		return g.typ(k.Type)
	case *wit.Borrow:
		return g.typ(k.Type)
	case *wit.Stream:
		return jen.Qual(cmPkg, "Stream").Types(g.typOrUnit(k.Type))
	case *wit.Future:
		return jen.Qual(cmPkg, "Future").Types(g.typOrUnit(k.Type))
	case wit.Type:
		return g.typ(k)
	default:
		panic(fmt.Sprintf("BUG: unknown anonymous WIT type kind %T", k))
	}
}

// typOrUnit is typ, with struct{} for an absent type.
func (g *gen) typOrUnit(t wit.Type) *jen.Statement {
	if t == nil {
		return jen.Struct()
	}
	return g.typ(t)
}

// isU8 reports whether t is u8, possibly through aliases.
func isU8(t wit.Type) bool {
	if td, ok := t.(*wit.TypeDef); ok {
		t, _ = td.Root().Kind.(wit.Type)
	}
	_, ok := t.(wit.U8)
	return ok
}

// witSignature returns the WIT declaration of a function without its docs:
// "open: func(identifier: string) -> result<bucket, error>".
func witSignature(f *wit.Function, owner wit.Node) string {
	var lines []string
	for _, l := range strings.Split(f.WIT(owner, f.BaseName()), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			lines = append(lines, l)
		}
	}
	return strings.TrimSuffix(strings.Join(lines, " "), ";")
}
