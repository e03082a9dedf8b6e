package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
)

// flags emits a bit set with one constant per flag and a String method.
func (g *gen) flags(n *parser.Named) []jen.Code {
	var base *jen.Statement
	switch n.FlagsBits {
	case 8:
		base = jen.Uint8()
	case 16:
		base = jen.Uint16()
	case 32:
		base = jen.Uint32()
	default:
		base = jen.Uint64()
	}
	code := []jen.Code{
		comment(fmt.Sprintf("%s is the WIT flags %q: a set of the %s... constants.", n.GoName, n.WITName, n.GoName), witDocs(n.GoName, n.WITName, n.Docs)).
			Type().Id(n.GoName).Add(base),
		jen.Const().DefsFunc(func(d *jen.Group) {
			for i, f := range n.Flags {
				s := comment(fmt.Sprintf("%s is the flag %q.", f.Const, f.WITName), witDocs(f.Const, f.WITName, f.Docs)).Id(f.Const)
				if i == 0 {
					s.Id(n.GoName).Op("=").Lit(1).Op("<<").Iota()
				}
				d.Add(s)
			}
		}),
		// func (f Flags) String() string { var s []string; if f&FlagsA != 0 { s = append(s, "a") }; ...; return strings.Join(s, "|") }
		comment("String returns the WIT names of the flags that are set, separated by \"|\".", "").
			Func().Params(jen.Id("f").Id(n.GoName)).Id("String").Params().String().BlockFunc(func(b *jen.Group) {
			b.Var().Id("names").Index().String()
			for _, f := range n.Flags {
				b.If(jen.Id("f").Op("&").Id(f.Const).Op("!=").Lit(0)).Block(
					jen.Id("names").Op("=").Append(jen.Id("names"), jen.Lit(f.WITName)),
				)
			}
			b.Return(jen.Qual("strings", "Join").Call(jen.Id("names"), jen.Lit("|")))
		}),
	}
	if n.IsError {
		code = append(code, errorMethod(n.GoName, "f"))
	}
	return code
}
