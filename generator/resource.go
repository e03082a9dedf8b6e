package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
)

// resource emits a Go interface with the resource's methods. Its
// constructor and static functions are methods of the package's Interface.
func (g *gen) resource(n *parser.Named) []jen.Code {
	return []jen.Code{
		origin(fmt.Sprintf("%s is the WIT resource %q.", n.GoName, n.WITName), witDocs(n.GoName, n.WITName, n.Docs)).
			Type().Id(n.GoName).Interface(g.methodSpecs(n.Methods)...),
	}
}
