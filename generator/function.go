package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// packageInterface emits the Go interface of a WIT interface: its
// freestanding functions, and its resources' constructors and statics.
func (g *gen) packageInterface(p *parser.Package) []jen.Code {
	var code []jen.Code
	if len(p.Funcs) > 0 {
		doc := fmt.Sprintf("%s is the WIT interface in Go; clients and providers implement it.", p.InterfaceName)
		if p.Interface == nil {
			doc = fmt.Sprintf("%s holds the functions the WIT world %q imports.", p.InterfaceName, p.WITName)
		}
		code = append(code, comment(doc, "").Type().Id(p.InterfaceName).Interface(g.methodSpecs(p.Funcs)...))
	}
	if len(p.ExportFuncs) > 0 {
		doc := fmt.Sprintf("%s holds the functions the WIT world %q exports.", p.ExportsName, p.WITName)
		code = append(code, comment(doc, "").Type().Id(p.ExportsName).Interface(g.methodSpecs(p.ExportFuncs)...))
	}
	return code
}

func (g *gen) methodSpecs(fns []*parser.Func) []jen.Code {
	methods := make([]jen.Code, 0, len(fns))
	for _, fn := range fns {
		methods = append(methods, g.methodSpec(fn))
	}
	return methods
}

// methodSpec emits one method of a Go interface with its docs: the WIT
// docs first, then its WIT signature:
//
//	// Get the value associated with the specified `key`
//	// ...
//	//
//	//	get: func(key: string) -> result<option<list<u8>>, error>
//	Get(ctx context.Context, key string) ([]byte, bool, error)
//
// A function without WIT docs gets a sentence that starts with its Go name
// and says where it comes from ("Get is the WIT method "get" of resource
// "bucket":") before the signature.
func (g *gen) methodSpec(fn *parser.Func) jen.Code {
	var world *resolve.Package // the package of the world declaring fn, if it does
	if fn.Package.Interface == nil {
		world = g.model.World.WIT.Package
	}
	sig := "\t" + resolve.Signature(fn.WIT, world)
	if docs := witDocs(fn.GoName, fn.WITName, fn.Docs); docs != "" {
		return comment(sig, docs).Id(fn.GoName).Params(g.params(fn)...).Add(g.results(fn))
	}
	var origin string
	switch fn.Kind {
	case parser.Freestanding:
		origin = fmt.Sprintf("%s is the WIT function %q:", fn.GoName, fn.WITName)
	case parser.Method:
		origin = fmt.Sprintf("%s is the WIT method %q of resource %q:", fn.GoName, fn.WITName, fn.Resource.WITName)
	case parser.Static:
		origin = fmt.Sprintf("%s is the WIT static function %q of resource %q:", fn.GoName, fn.WITName, fn.Resource.WITName)
	case parser.Constructor:
		origin = fmt.Sprintf("%s is the WIT constructor of resource %q:", fn.GoName, fn.Resource.WITName)
	}
	return comment(origin+"\n\n"+sig, "").Id(fn.GoName).Params(g.params(fn)...).Add(g.results(fn))
}

// params returns ctx followed by the WIT parameters.
func (g *gen) params(fn *parser.Func) []jen.Code {
	ps := []jen.Code{jen.Id("ctx").Qual(contextPkg, "Context")}
	for _, p := range fn.Params {
		ps = append(ps, jen.Id(p.GoName).Add(g.typ(p.Type)))
	}
	return ps
}

// results returns the Go results of fn, error last.
func (g *gen) results(fn *parser.Func) *jen.Statement {
	r := fn.Results
	switch r.Kind {
	case parser.ResultsNone, parser.ResultsErrOnly:
		return jen.Error()
	case parser.ResultsValue, parser.ResultsOK:
		return jen.Params(g.typ(r.Value), jen.Error())
	case parser.ResultsOption, parser.ResultsOKOption:
		return jen.Params(g.typ(r.Value), jen.Bool(), jen.Error())
	default:
		panic(fmt.Sprintf("BUG: unknown results kind %d", r.Kind))
	}
}
