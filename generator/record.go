package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
)

// record emits a struct; a record used as an error also gets an Error method.
func (g *gen) record(n *parser.Named) []jen.Code {
	fields := make([]jen.Code, 0, len(n.Fields))
	for _, f := range n.Fields {
		var c *jen.Statement = jen.Null()
		if f.Docs != "" {
			c = jen.Comment(CommentText(witDocs(f.GoName, f.WITName, f.Docs))).Line()
		}
		fields = append(fields, c.Id(f.GoName).Add(g.typ(f.Type)))
	}
	code := []jen.Code{
		origin(fmt.Sprintf("%s is the WIT record %q.", n.GoName, n.WITName), witDocs(n.GoName, n.WITName, n.Docs)).
			Type().Id(n.GoName).Struct(fields...),
	}
	if n.IsError {
		// func (r R) Error() string { type plain R; return fmt.Sprintf("wit-name%+v", plain(r)) }
		code = append(code,
			comment(fmt.Sprintf("Error returns the record's fields, so that %s can be returned as an error.", n.GoName), "").
				Func().Params(jen.Id("r").Id(n.GoName)).Id("Error").Params().String().Block(
				jen.Type().Id("plain").Id(n.GoName),
				jen.Return(jen.Qual("fmt", "Sprintf").Call(jen.Lit(n.WITName+"%+v"), jen.Id("plain").Call(jen.Id("r")))),
			))
	}
	return code
}
