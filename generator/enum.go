package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
)

// enum emits a typed integer with one constant per case and a String
// method; an enum used as an error also gets an Error method.
func (g *gen) enum(n *parser.Named) []jen.Code {
	base := discriminantType(len(n.Cases))
	code := []jen.Code{
		comment(fmt.Sprintf("%s is the WIT enum %q.", n.GoName, n.WITName), witDocs(n.GoName, n.WITName, n.Docs)).
			Type().Id(n.GoName).Add(base),
		caseConsts(n.GoName, n.Cases),
		stringer(n.GoName, "e", n.Cases),
	}
	if n.IsError {
		code = append(code, errorMethod(n.GoName, "e"))
	}
	return code
}

// discriminantType is the smallest unsigned Go integer for n cases.
func discriminantType(n int) *jen.Statement {
	switch {
	case n <= 1<<8:
		return jen.Uint8()
	case n <= 1<<16:
		return jen.Uint16()
	default:
		return jen.Uint32()
	}
}

// caseConsts emits
//
//	const (
//		// TypeCaseA is the case "a".
//		TypeCaseA Type = iota
//		TypeCaseB
//	)
func caseConsts(typ string, cases []*parser.Case) jen.Code {
	return jen.Const().DefsFunc(func(d *jen.Group) {
		for i, c := range cases {
			s := comment(fmt.Sprintf("%s is the case %q.", c.Const, c.WITName), witDocs(c.Const, c.WITName, c.Docs)).Id(c.Const)
			if i == 0 {
				s.Id(typ).Op("=").Iota()
			}
			d.Add(s)
		}
	})
}

// stringer emits a String method that returns the WIT name of a case.
func stringer(typ, recv string, cases []*parser.Case) jen.Code {
	return comment("String returns the WIT name of the case.", "").
		Func().Params(jen.Id(recv).Id(typ)).Id("String").Params().String().Block(
		jen.Switch(jen.Id(recv)).BlockFunc(func(s *jen.Group) {
			for _, c := range cases {
				s.Case(jen.Id(c.Const)).Return(jen.Lit(c.WITName))
			}
		}),
		jen.Return(jen.Lit(typ+"(").Op("+").Qual("strconv", "Itoa").Call(jen.Int().Call(jen.Id(recv))).Op("+").Lit(")")),
	)
}

// errorMethod emits Error() string returning String().
func errorMethod(typ, recv string) jen.Code {
	return comment(fmt.Sprintf("Error returns the WIT name of the case, so that %s can be returned as an error.", typ), "").
		Func().Params(jen.Id(recv).Id(typ)).Id("Error").Params().String().Block(
		jen.Return(jen.Id(recv).Dot("String").Call()),
	)
}
