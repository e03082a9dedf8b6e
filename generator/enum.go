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
		origin(fmt.Sprintf("%s is the WIT enum %q.", n.GoName, n.WITName), witDocs(n.GoName, n.WITName, n.Docs)).
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

// caseConsts emits the constants of the cases, each with its WIT docs and
// its WIT name as a line comment:
//
//	const (
//		// The docs of case a.
//		TypeCaseA Type = iota // case "a"
//		TypeCaseB             // case "b"
//	)
func caseConsts(typ string, cases []*parser.Case) jen.Code {
	return jen.Const().DefsFunc(func(d *jen.Group) {
		for i, c := range cases {
			s := jen.Id(c.Const)
			if docs := witDocs(c.Const, c.WITName, c.Docs); docs != "" {
				s = jen.Comment(CommentText(docs)).Line().Id(c.Const)
			}
			if i == 0 {
				s.Id(typ).Op("=").Iota()
			}
			d.Add(s.Comment(fmt.Sprintf("case %q", c.WITName)))
		}
	})
}

// stringer emits a String method that returns the WIT name of a case from
// a table indexed by the case (the constants count from 0 with iota):
//
//	names := [...]string{"a", "b"}
//	if int(t) < len(names) { return names[t] }
//	return "Type(" + strconv.Itoa(int(t)) + ")"
//
// The table is written on one line when it fits in CommentWidth columns,
// else one name a line.
func stringer(typ, recv string, cases []*parser.Case) jen.Code {
	names := make([]jen.Code, len(cases))
	width := len("\tnames := [...]string{}")
	for i, c := range cases {
		names[i] = jen.Lit(c.WITName)
		width += len(fmt.Sprintf("%q, ", c.WITName))
	}
	table := jen.Index(jen.Op("...")).String().Values(names...)
	if width > CommentWidth {
		table = jen.Index(jen.Op("...")).String().ValuesFunc(func(g *jen.Group) {
			for _, n := range names {
				g.Line().Add(n)
			}
			g.Line()
		})
	}
	return comment("String returns the WIT name of the case.", "").
		Func().Params(jen.Id(recv).Id(typ)).Id("String").Params().String().Block(
		jen.Id("names").Op(":=").Add(table),
		jen.If(jen.Int().Call(jen.Id(recv)).Op("<").Len(jen.Id("names"))).Block(jen.Return(jen.Id("names").Index(jen.Id(recv)))),
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
