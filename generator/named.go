package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
)

// namedType emits the declarations of one named WIT type.
func (g *gen) namedType(n *parser.Named) []jen.Code {
	switch n.Kind {
	case parser.KindAlias:
		return g.alias(n)
	case parser.KindRecord:
		return g.record(n)
	case parser.KindVariant:
		return g.variant(n)
	case parser.KindEnum:
		return g.enum(n)
	case parser.KindFlags:
		return g.flags(n)
	case parser.KindResource:
		return g.resource(n)
	default:
		panic(fmt.Sprintf("BUG: unknown named kind %d", n.Kind))
	}
}

// alias emits a Go type alias for a WIT alias, a used type or a named
// anonymous type:
//
//	type Key = string
func (g *gen) alias(n *parser.Named) []jen.Code {
	return []jen.Code{
		origin(fmt.Sprintf("%s is the WIT type %q.", n.GoName, n.WITName), witDocs(n.GoName, n.WITName, n.Docs)).
			Type().Id(n.GoName).Op("=").Add(g.kind(n.TypeDef.Kind)),
	}
}
