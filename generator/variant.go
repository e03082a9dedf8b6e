package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
)

// variant emits a struct holding the case tag and payload, a case type with
// constants, one constructor per case, a getter per payload case and a
// String method. A variant used as an error also gets Error and Is methods
// and a sentinel per payload-less case, for errors.Is.
//
//	type Error struct { _ [0]func(); c ErrorCase; v any }
//	func ErrorOther(v string) Error
//	func (v Error) Case() ErrorCase
//	func (v Error) Other() (string, bool)
func (g *gen) variant(n *parser.Named) []jen.Code {
	code := []jen.Code{
		comment(fmt.Sprintf("%s is the WIT variant %q. Make one with a constructor (%s) and read it with Case and the getters.",
			n.GoName, n.WITName, n.Cases[0].Ctor), witDocs(n.GoName, n.WITName, n.Docs)).
			Type().Id(n.GoName).Struct(
			jen.Id("_").Index(jen.Lit(0)).Func().Params().Comment("not comparable: compare with Case, or errors.Is for errors"),
			jen.Id("c").Id(n.CaseType),
			jen.Id("v").Any(),
		),
		comment(fmt.Sprintf("%s is the case of %s %s.", n.CaseType, Article(n.GoName), n.GoName), "").
			Type().Id(n.CaseType).Add(discriminantType(len(n.Cases))),
		caseConsts(n.CaseType, n.Cases),
		stringer(n.CaseType, "c", n.Cases),
	}
	for _, c := range n.Cases {
		code = append(code, g.variantCtor(n, c))
	}
	code = append(code,
		comment("Case returns the case of v.", "").
			Func().Params(jen.Id("v").Id(n.GoName)).Id("Case").Params().Id(n.CaseType).Block(jen.Return(jen.Id("v").Dot("c"))),
	)
	for _, c := range n.Cases {
		if c.Type != nil {
			code = append(code, g.variantGetter(n, c))
		}
	}
	code = append(code, g.variantString(n))
	if n.IsError {
		code = append(code,
			comment(fmt.Sprintf("Is reports whether target is %s %s of the same case, both without payload, so that errors.Is(err, %s) works.", Article(n.GoName), n.GoName, sentinelExample(n)), "").
				Func().Params(jen.Id("v").Id(n.GoName)).Id("Is").Params(jen.Id("target").Error()).Bool().Block(
				jen.List(jen.Id("t"), jen.Id("ok")).Op(":=").Id("target").Assert(jen.Id(n.GoName)),
				jen.Return(jen.Id("ok").Op("&&").Id("t").Dot("c").Op("==").Id("v").Dot("c").Op("&&").Id("t").Dot("v").Op("==").Nil().Op("&&").Id("v").Dot("v").Op("==").Nil()),
			),
		)
		var sentinels []jen.Code
		for _, c := range n.Cases {
			if c.Sentinel != "" {
				sentinels = append(sentinels, jen.Id(c.Sentinel).Op("=").Id(c.Ctor).Call())
			}
		}
		if len(sentinels) > 0 {
			code = append(code, comment(fmt.Sprintf("The errors of the cases of %s without payload, for errors.Is.", n.GoName), "").
				Var().Defs(sentinels...))
		}
	}
	return code
}

func sentinelExample(n *parser.Named) string {
	for _, c := range n.Cases {
		if c.Sentinel != "" {
			return c.Sentinel
		}
	}
	return n.Cases[0].Ctor + "(...)"
}

// variantCtor emits func TypeCase(v Payload) Type { return Type{c: TypeCaseX, v: v} }.
func (g *gen) variantCtor(n *parser.Named, c *parser.Case) jen.Code {
	doc := comment(fmt.Sprintf("%s returns %s %s of case %q.", c.Ctor, Article(n.GoName), n.GoName, c.WITName), "")
	if c.Type == nil {
		return doc.Func().Id(c.Ctor).Params().Id(n.GoName).Block(
			jen.Return(jen.Id(n.GoName).Values(jen.Id("c").Op(":").Id(c.Const))),
		)
	}
	return doc.Func().Id(c.Ctor).Params(jen.Id("v").Add(g.typ(c.Type))).Id(n.GoName).Block(
		jen.Return(jen.Id(n.GoName).Values(jen.Id("c").Op(":").Id(c.Const), jen.Id("v").Op(":").Id("v"))),
	)
}

// variantGetter emits
//
//	func (v Type) X() (Payload, bool) { p, _ := v.v.(Payload); return p, v.c == TypeCaseX }
func (g *gen) variantGetter(n *parser.Named, c *parser.Case) jen.Code {
	return comment(fmt.Sprintf("%s returns the payload of case %q, and whether v is of that case.", c.Getter, c.WITName), "").
		Func().Params(jen.Id("v").Id(n.GoName)).Id(c.Getter).Params().Params(g.typ(c.Type), jen.Bool()).Block(
		jen.List(jen.Id("p"), jen.Id("_")).Op(":=").Id("v").Dot("v").Assert(g.typ(c.Type)),
		jen.Return(jen.Id("p"), jen.Id("v").Dot("c").Op("==").Id(c.Const)),
	)
}

// variantString emits a String method: the case name, with its payload in
// parentheses (strings quoted): other("disk full"). When every payload is a
// Go string, it formats with %q directly instead of switching on the type.
// A variant used as an error gets the same method named Error instead: fmt
// prints an error with Error, so a String method would never be used.
func (g *gen) variantString(n *parser.Named) jen.Code {
	name, doc := "String", `String returns the WIT case name with its payload, as in other("disk full").`
	if n.IsError {
		name, doc = "Error", `Error returns the WIT case name with its payload, as in other("disk full").`
	}
	quoted := jen.Return(jen.Qual("fmt", "Sprintf").Call(jen.Lit("%s(%q)"), jen.Id("v").Dot("c"), jen.Id("v").Dot("v")))
	for _, c := range n.Cases {
		if c.Type == nil {
			continue
		}
		if t := TypeOf(g.model, c.Type); t.Kind != GoIdent || t.Path != "" || t.Name != "string" {
			quoted = jen.Switch(jen.Id("p").Op(":=").Id("v").Dot("v").Assert(jen.Type())).Block(
				jen.Case(jen.String()).Return(jen.Qual("fmt", "Sprintf").Call(jen.Lit("%s(%q)"), jen.Id("v").Dot("c"), jen.Id("p"))),
				jen.Default().Return(jen.Qual("fmt", "Sprintf").Call(jen.Lit("%s(%+v)"), jen.Id("v").Dot("c"), jen.Id("p"))),
			)
			break
		}
	}
	return comment(doc, "").
		Func().Params(jen.Id("v").Id(n.GoName)).Id(name).Params().String().Block(
		jen.If(jen.Id("v").Dot("v").Op("==").Nil()).Block(jen.Return(jen.Id("v").Dot("c").Dot("String").Call())),
		quoted,
	)
}
