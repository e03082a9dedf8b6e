package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
)

// resource emits a Go interface with the resource's methods. Its
// constructor and static functions are methods of the package's Interface.
func (g *gen) resource(n *parser.Named) []jen.Code {
	methods := make([]jen.Code, 0, len(n.Methods))
	for _, fn := range n.Methods {
		methods = append(methods, g.methodSpec(fn))
	}
	return []jen.Code{
		comment(fmt.Sprintf("%s is the WIT resource %q.", n.GoName, n.WITName), n.Docs).
			Type().Id(n.GoName).Interface(methods...),
	}
}
