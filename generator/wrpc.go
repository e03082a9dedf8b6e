package generator

import (
	"fmt"
	"path"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
)

// wrpcFile emits the wire half of a package: the codec methods of its types,
// the Instance constant, the client (NewClient and a client value per
// resource) and the server (Register). A world's package also gets the World
// struct and the world-level NewClient and Register.
func (g *gen) wrpcFile(p *parser.Package, withDoc bool) (File, bool, error) {
	f := g.newFile(p)
	if withDoc {
		f.PackageComment(CommentText(g.packageDoc(p)))
	}
	var code []jen.Code
	for _, n := range p.Types {
		code = append(code, g.codecMethods(n)...)
	}
	served := len(p.Funcs)+len(p.ExportFuncs) > 0 || hasMethods(p)
	world := p == g.model.World.Package
	if served || world {
		code = append(code, comment("The generated code below requires the runtime it was generated for.", "").
			Const().Id("_").Op("=").Add(wrpcQual("SupportPackageIsVersion1")))
	}
	if served {
		code = append(code, comment(fmt.Sprintf("Instance is the wRPC instance name of %s.", g.instanceDoc(p)), "").
			Const().Id("Instance").Op("=").Lit(p.Instance))
	}
	if len(p.Funcs) > 0 {
		if world {
			code = append(code, g.client(p, p.Funcs, "Imports", "importsClient", "newImportsClient")...)
			code = append(code, g.server(p, p.Funcs, "Imports", "registerImports", false))
		} else {
			code = append(code, g.client(p, p.Funcs, "Interface", "client", "NewClient")...)
			code = append(code, g.server(p, p.Funcs, "Interface", "Register", true))
		}
	} else if hasMethods(p) && !world {
		code = append(code, g.server(p, nil, "", "Register", true))
	}
	if len(p.ExportFuncs) > 0 {
		code = append(code, g.client(p, p.ExportFuncs, "Exports", "exportsClient", "newExportsClient")...)
		code = append(code, g.server(p, p.ExportFuncs, "Exports", "registerExports", false))
	}
	for _, n := range p.Types {
		if n.Kind == parser.KindResource {
			code = append(code, g.resourceClient(n)...)
		}
	}
	if world {
		if hasMethods(p) {
			code = append(code, g.server(p, nil, "", "registerResources", false))
		}
		code = append(code, g.worldWiring(p)...)
	}
	if len(code) == 0 && !withDoc {
		return File{}, false, nil
	}
	add(f, code)
	name := path.Join(p.Dir, p.Name+"_wrpc.witgo.go")
	src, err := render(name, f)
	return File{Path: name, Content: src}, true, err
}

func (g *gen) instanceDoc(p *parser.Package) string {
	if p.Interface == nil {
		return fmt.Sprintf("the functions of the WIT world %q", p.WITName)
	}
	return fmt.Sprintf("the WIT interface %q", p.WITName)
}

func hasMethods(p *parser.Package) bool {
	for _, n := range p.Types {
		if len(n.Methods) > 0 {
			return true
		}
	}
	return false
}

// codecMethods emits EncodeWRPC and DecodeWRPC for records, variants, enums
// and flags.
func (g *gen) codecMethods(n *parser.Named) []jen.Code {
	recv := jen.Id("v").Id(n.GoName)
	ptr := jen.Id("v").Op("*").Id(n.GoName)
	encParams := jen.Id("e").Op("*").Add(wrpcQual("Encoder"))
	decParams := jen.Id("d").Op("*").Add(wrpcQual("Decoder"))
	var enc, dec []jen.Code
	switch n.Kind {
	case parser.KindRecord:
		for _, fl := range n.Fields {
			enc = append(enc, g.encode(fl.Type, jen.Id("v").Dot(fl.GoName))...)
			dec = append(dec, jen.Id("v").Dot(fl.GoName).Op("=").Add(g.decode(fl.Type)))
		}
	case parser.KindEnum:
		enc = append(enc, jen.Id("e").Dot("Discriminant").Call(jen.Uint32().Call(jen.Id("v"))))
		dec = append(dec, jen.Op("*").Id("v").Op("=").Id(n.GoName).Call(jen.Id("d").Dot("Discriminant").Call(countArg(len(n.Cases), "cases"))))
	case parser.KindFlags:
		enc = append(enc, jen.Id("e").Dot("Flags").Call(jen.Uint64().Call(jen.Id("v")), countArg(len(n.Flags), "flags")))
		dec = append(dec, jen.Op("*").Id("v").Op("=").Id(n.GoName).Call(jen.Id("d").Dot("Flags").Call(countArg(len(n.Flags), "flags"))))
	case parser.KindVariant:
		enc = append(enc, jen.Id("e").Dot("Discriminant").Call(jen.Uint32().Call(jen.Id("v").Dot("c"))))
		var encCases, decCases []jen.Code
		for _, c := range n.Cases {
			if c.Type == nil {
				continue
			}
			encCases = append(encCases, jen.Case(jen.Id(c.Const)).Block(
				append([]jen.Code{jen.List(jen.Id("p"), jen.Id("_")).Op(":=").Id("v").Dot(c.Getter).Call()},
					g.encode(c.Type, jen.Id("p"))...)...))
			decCases = append(decCases, jen.Case(jen.Id(c.Const)).Block(
				jen.Id("v").Dot("v").Op("=").Add(g.decode(c.Type))))
		}
		if len(encCases) > 0 {
			enc = append(enc, jen.Switch(jen.Id("v").Dot("c")).Block(encCases...))
		}
		dec = append(dec, jen.Op("*").Id("v").Op("=").Id(n.GoName).Values(jen.Dict{
			jen.Id("c"): jen.Id(n.CaseType).Call(jen.Id("d").Dot("Discriminant").Call(countArg(len(n.Cases), "cases"))),
		}))
		if len(decCases) > 0 {
			dec = append(dec, jen.Switch(jen.Id("v").Dot("c")).Block(decCases...))
		}
	default:
		return nil
	}
	return []jen.Code{
		comment("EncodeWRPC writes v in the component-model value encoding.", "").
			Func().Params(recv).Id("EncodeWRPC").Params(encParams).Block(enc...),
		comment("DecodeWRPC reads v from the component-model value encoding.", "").
			Func().Params(ptr).Id("DecodeWRPC").Params(decParams).Block(dec...),
	}
}

// countArg is a number of cases or flags passed to the codec, with a
// comment that says what it counts: "3 /* cases */".
func countArg(n int, what string) jen.Code {
	return jen.Lit(n).Comment("/* " + what + " */")
}

// locals names the parameters of a generated client method or server handler
// clear of the identifiers that the body uses: its own locals and the names
// of imported packages.
type locals struct {
	taken map[string]bool
}

func (g *gen) newLocals() *locals {
	l := &locals{taken: map[string]bool{}}
	for _, n := range []string{"c", "r", "e", "d", "s", "impl", "params", "self", "werr", "ok", "ctx", "err",
		"wrpc", "cm", "context", "errors", "fmt", "strconv", "strings"} {
		l.taken[n] = true
	}
	for _, q := range g.model.Packages {
		l.taken[q.Name] = true
	}
	return l
}

func (l *locals) name(n string) string {
	for l.taken[n] {
		n += "_"
	}
	l.taken[n] = true
	return n
}

// paramNames returns the local names of fn's parameters and results.
func (g *gen) paramNames(fn *parser.Func) (params, results []string) {
	l := g.newLocals()
	for _, p := range fn.Params {
		params = append(params, l.name(p.GoName))
	}
	switch fn.Results.Kind {
	case parser.ResultsMulti:
		for _, r := range fn.Results.Named {
			results = append(results, l.name(r.GoName))
		}
	case parser.ResultsValue, parser.ResultsOK, parser.ResultsOption, parser.ResultsOKOption:
		results = append(results, l.name("res"))
	}
	return params, results
}

// client emits the client of a Go interface:
//
//	func NewClient(inv wrpc.Invoker) Interface { return &client{inv: inv} }
//	type client struct{ inv wrpc.Invoker }
//	func (c *client) Open(ctx context.Context, identifier string) (Bucket, error) { ... }
func (g *gen) client(p *parser.Package, fns []*parser.Func, iface, typ, ctor string) []jen.Code {
	code := []jen.Code{
		comment(fmt.Sprintf("%s returns an implementation of %s that calls %s over wRPC through inv, such as wrpc.DialTCP(addr).", ctor, iface, g.instanceDoc(p)), "").
			Func().Id(ctor).Params(jen.Id("inv").Add(wrpcQual("Invoker"))).Id(iface).Block(
			jen.Return(jen.Op("&").Id(typ).Values(jen.Dict{jen.Id("inv"): jen.Id("inv")})),
		),
		jen.Type().Id(typ).Struct(jen.Id("inv").Add(wrpcQual("Invoker"))),
	}
	for _, fn := range fns {
		code = append(code, g.clientMethod(fn, typ, "c", nil))
	}
	return code
}

// resourceClient emits the client value of a resource: a handle and the
// methods that invoke the server with it.
func (g *gen) resourceClient(n *parser.Named) []jen.Code {
	typ := lowerFirst(n.GoName) + "Client"
	code := []jen.Code{
		comment(fmt.Sprintf("%s returns the %s that handle refers to on the server behind inv. Values that the server returns are made this way; call it yourself only with a handle from that server.", n.ClientCtor, n.GoName), "").
			Func().Id(n.ClientCtor).Params(jen.Id("inv").Add(wrpcQual("Invoker")), jen.Id("handle").Index().Byte()).Id(n.GoName).Block(
			jen.Return(jen.Op("&").Id(typ).Values(jen.Dict{jen.Id("inv"): jen.Id("inv"), jen.Id("handle"): jen.Id("handle")})),
		),
		jen.Type().Id(typ).Struct(jen.Id("inv").Add(wrpcQual("Invoker")), jen.Id("handle").Index().Byte()),
		comment("WRPCHandle returns the handle the server chose for the resource (wrpc.Resource).", "").
			Func().Params(jen.Id("r").Op("*").Id(typ)).Id("WRPCHandle").Params().Index().Byte().Block(jen.Return(jen.Id("r").Dot("handle"))),
	}
	for _, fn := range n.Methods {
		code = append(code, g.clientMethod(fn, typ, "r", jen.Id("e").Dot("Bytes").Call(jen.Id("r").Dot("handle"))))
	}
	return code
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	switch {
	case i == len(s):
		return strings.ToLower(s)
	case i > 1:
		i-- // "HTTPServer" → "httpServer"
	}
	return strings.ToLower(s[:i]) + s[i:]
}

// clientMethod emits one method of a client type: encode the parameters
// (after self, for resource methods), call, decode the results.
func (g *gen) clientMethod(fn *parser.Func, typ, recv string, self jen.Code) jen.Code {
	params, results := g.paramNames(fn)
	sig := []jen.Code{jen.Id("ctx").Qual(contextPkg, "Context")}
	body := []jen.Code{jen.Id("e").Op(":=").Add(wrpcQual("NewEncoder")).Call()}
	if self != nil {
		body = append(body, self)
	}
	for i, p := range fn.Params {
		sig = append(sig, jen.Id(params[i]).Add(g.typ(p.Type)))
		body = append(body, g.encode(p.Type, jen.Id(params[i]))...)
	}
	zeros := g.zeroResults(fn)
	body = append(body,
		jen.List(jen.Id("d"), jen.Err()).Op(":=").Add(wrpcQual("Call")).Call(jen.Id("ctx"), jen.Id(recv).Dot("inv"), jen.Qual(fn.Package.ImportPath, "Instance"), jen.Lit(fn.WireName), jen.Id("e")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(zeros, jen.Err())...)),
	)
	r := fn.Results
	var rets []jen.Code
	switch r.Kind {
	case parser.ResultsNone:
	case parser.ResultsValue:
		body = append(body, jen.Id(results[0]).Op(":=").Add(g.decode(r.Value)))
		rets = append(rets, jen.Id(results[0]))
	case parser.ResultsOption:
		body = append(body,
			jen.Var().Id(results[0]).Add(g.typ(r.Value)),
			jen.Id("ok").Op(":=").Id("d").Dot("OptionTag").Call(),
			jen.If(jen.Id("ok")).Block(jen.Id(results[0]).Op("=").Add(g.decode(r.Value))),
		)
		rets = append(rets, jen.Id(results[0]), jen.Id("ok"))
	case parser.ResultsMulti:
		for i, nr := range r.Named {
			body = append(body, jen.Id(results[i]).Op(":=").Add(g.decode(nr.Type)))
			rets = append(rets, jen.Id(results[i]))
		}
	case parser.ResultsErrOnly, parser.ResultsOK, parser.ResultsOKOption:
		body = append(body, jen.Var().Id("werr").Error())
		var okBlock []jen.Code
		switch r.Kind {
		case parser.ResultsOK:
			body = append(body, jen.Var().Id(results[0]).Add(g.typ(r.Value)))
			okBlock = append(okBlock, jen.Id(results[0]).Op("=").Add(g.decode(r.Value)))
			rets = append(rets, jen.Id(results[0]))
		case parser.ResultsOKOption:
			body = append(body, jen.Var().Id(results[0]).Add(g.typ(r.Value)), jen.Var().Id("ok").Bool())
			okBlock = append(okBlock, jen.Id("ok").Op("=").Id("d").Dot("OptionTag").Call(), jen.If(jen.Id("ok")).Block(
				jen.Id(results[0]).Op("=").Add(g.decode(r.Value))))
			rets = append(rets, jen.Id(results[0]), jen.Id("ok"))
		}
		ifErr := jen.If(jen.Id("d").Dot("ResultTag").Call()).Block(jen.Id("werr").Op("=").Add(g.decodeError(r)))
		if len(okBlock) > 0 {
			ifErr.Else().Block(okBlock...)
		}
		body = append(body, ifErr)
	default:
		panic(fmt.Sprintf("BUG: unknown results kind %d", r.Kind))
	}
	body = append(body, jen.If(jen.Err().Op(":=").Id("d").Dot("Finish").Call(), jen.Err().Op("!=").Nil()).Block(
		jen.Return(append(zeros, jen.Err())...)))
	switch r.Kind {
	case parser.ResultsErrOnly, parser.ResultsOK, parser.ResultsOKOption:
		rets = append(rets, jen.Id("werr"))
	default:
		rets = append(rets, jen.Nil())
	}
	body = append(body, jen.Return(rets...))
	return jen.Func().Params(jen.Id(recv).Op("*").Id(typ)).Id(fn.GoName).Params(sig...).Add(g.results(fn)).Block(body...)
}

// zeroResults returns the zero values of fn's Go results before the error.
func (g *gen) zeroResults(fn *parser.Func) []jen.Code {
	r := fn.Results
	switch r.Kind {
	case parser.ResultsValue, parser.ResultsOK:
		return []jen.Code{g.zero(r.Value)}
	case parser.ResultsOption, parser.ResultsOKOption:
		return []jen.Code{g.zero(r.Value), jen.False()}
	case parser.ResultsMulti:
		var zs []jen.Code
		for _, nr := range r.Named {
			zs = append(zs, g.zero(nr.Type))
		}
		return zs
	}
	return nil
}

// decodeError returns the Go error for the error case of a function's result.
func (g *gen) decodeError(r parser.Results) jen.Code {
	switch {
	case r.Err == nil:
		return jen.Qual(cmPkg, "ErrResult")
	case r.ErrWrapped:
		return jen.Qual(cmPkg, "Err").Index(g.typ(r.Err)).Values(jen.Dict{jen.Id("Value"): g.decode(r.Err)})
	default:
		return g.decode(r.Err)
	}
}

// server emits a registration function: one handler per function of fns
// and, for a package-level Register, per method of the package's resources.
//
//	func Register(s *wrpc.Server, impl Interface) {
//		s.Register(Instance, "open", func(ctx context.Context, params []byte) ([]byte, error) { ... })
//	}
func (g *gen) server(p *parser.Package, fns []*parser.Func, iface, name string, public bool) jen.Code {
	sig := []jen.Code{jen.Id("s").Op("*").Add(wrpcQual("Server"))}
	if iface != "" {
		sig = append(sig, jen.Id("impl").Id(iface))
	}
	var body []jen.Code
	if iface != "" && name == "Register" {
		for _, n := range p.Types {
			if n.Kind == parser.KindResource {
				body = append(body, jen.If(jen.List(jen.Id("r"), jen.Id("ok")).Op(":=").Id("impl").Assert(wrpcQual("HandleResolver")), jen.Id("ok")).Block(
					jen.Id("s").Dot("SetHandleResolver").Call(jen.Id("Instance"), jen.Lit(n.WITName), jen.Id("r")),
				))
			}
		}
	}
	for _, fn := range fns {
		body = append(body, g.handler(fn, jen.Id("impl")))
	}
	if name == "Register" || name == "registerResources" {
		for _, n := range p.Types {
			for _, fn := range n.Methods {
				body = append(body, g.handler(fn, nil))
			}
		}
	}
	var doc string
	switch {
	case !public:
		doc = fmt.Sprintf("%s registers the handlers of %s on s.", name, g.instanceDoc(p))
	case iface == "":
		doc = fmt.Sprintf("Register serves the resource methods of %s on s. Resource values come from the server's handle table (see wrpc.WithHandleTable).", g.instanceDoc(p))
	default:
		doc = fmt.Sprintf("Register serves impl on s: every function of %s. Resource values that implement wrpc.Resource travel as their own, stateless handles, which impl, a wrpc.HandleResolver, turns back into values; the server keeps every other resource value in its handle table (see wrpc.WithHandleTable).", g.instanceDoc(p))
	}
	return comment(doc, "").Func().Id(name).Params(sig...).Block(body...)
}

// handler emits s.Register(Instance, "wire-name", func(...) {...}) for fn;
// impl is nil for a resource method, whose receiver is decoded as self.
func (g *gen) handler(fn *parser.Func, impl jen.Code) jen.Code {
	params, results := g.paramNames(fn)
	instance := jen.Qual(fn.Package.ImportPath, "Instance")
	body := []jen.Code{
		jen.Id("d").Op(":=").Id("s").Dot("Params").Call(jen.Id("ctx"), instance, jen.Lit(fn.WireName), jen.Id("params")),
	}
	recv := impl
	if impl == nil {
		n := fn.Resource
		body = append(body, jen.Id("self").Op(":=").Add(wrpcQual("DecodeResource")).Index(jen.Id(n.GoName)).Call(
			jen.Id("d"), instance, jen.Lit(n.WITName), wrpcQual("Borrow"), jen.Nil()))
		recv = jen.Id("self")
	}
	args := []jen.Code{jen.Id("ctx")}
	for i, p := range fn.Params {
		body = append(body, jen.Id(params[i]).Op(":=").Add(g.decode(p.Type)))
		args = append(args, jen.Id(params[i]))
	}
	body = append(body, jen.If(jen.Err().Op(":=").Id("d").Dot("Finish").Call(), jen.Err().Op("!=").Nil()).Block(
		jen.Return(jen.Nil(), jen.Err())))
	call := jen.Add(recv).Dot(fn.GoName).Call(args...)
	r := fn.Results
	var okCode []jen.Code
	switch r.Kind {
	case parser.ResultsValue, parser.ResultsOK:
		okCode = g.encode(r.Value, jen.Id(results[0]))
	case parser.ResultsOption, parser.ResultsOKOption:
		okCode = []jen.Code{
			jen.Id("e").Dot("OptionTag").Call(jen.Id("ok")),
			jen.If(jen.Id("ok")).Block(g.encode(r.Value, jen.Id(results[0]))...),
		}
	case parser.ResultsMulti:
		for i, nr := range r.Named {
			enc := g.encode(nr.Type, jen.Id(results[i]))
			if len(enc) == 0 {
				results[i] = "_" // a unit value: nothing to send
			}
			okCode = append(okCode, enc...)
		}
	}
	if r.Value != nil && len(g.encode(r.Value, jen.Id(results[0]))) == 0 {
		results[0] = "_" // a unit value: nothing to send
	}
	var lhs []jen.Code
	for _, n := range results {
		lhs = append(lhs, jen.Id(n))
	}
	if r.Kind == parser.ResultsOption || r.Kind == parser.ResultsOKOption {
		lhs = append(lhs, jen.Id("ok"))
	}
	lhs = append(lhs, jen.Err())
	body = append(body, jen.List(lhs...).Op(":=").Add(call), jen.Id("e").Op(":=").Id("d").Dot("Results").Call())
	switch r.Kind {
	case parser.ResultsErrOnly, parser.ResultsOK, parser.ResultsOKOption:
		var werrDecl, match, encErr []jen.Code
		switch {
		case r.Err == nil:
			match = []jen.Code{jen.Qual("errors", "Is").Call(jen.Err(), jen.Qual(cmPkg, "ErrResult"))}
		case r.ErrWrapped:
			werrDecl = []jen.Code{jen.Var().Id("werr").Qual(cmPkg, "Err").Index(g.typ(r.Err))}
			match = []jen.Code{jen.Qual("errors", "As").Call(jen.Err(), jen.Op("&").Id("werr"))}
			encErr = g.encode(r.Err, jen.Id("werr").Dot("Value"))
		default:
			werrDecl = []jen.Code{jen.Var().Id("werr").Add(g.typ(r.Err))}
			match = []jen.Code{jen.Qual("errors", "As").Call(jen.Err(), jen.Op("&").Id("werr"))}
			encErr = g.encode(r.Err, jen.Id("werr"))
		}
		body = append(body, werrDecl...)
		body = append(body, jen.Switch().Block(
			jen.Case(jen.Err().Op("==").Nil()).Block(append([]jen.Code{jen.Id("e").Dot("ResultTag").Call(jen.False())}, okCode...)...),
			jen.Case(match...).Block(append([]jen.Code{jen.Id("e").Dot("ResultTag").Call(jen.True())}, encErr...)...),
			jen.Default().Block(jen.Return(jen.Nil(), jen.Err())),
		))
	default:
		body = append(body, jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())))
		body = append(body, okCode...)
	}
	body = append(body, jen.Return(jen.Id("e").Dot("Finish").Call()))
	return jen.Id("s").Dot("Register").Call(instance, jen.Lit(fn.WireName),
		jen.Func().Params(jen.Id("ctx").Qual(contextPkg, "Context"), jen.Id("params").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(body...))
}

// worldWiring emits the World struct of a world and its NewClient and
// Register.
func (g *gen) worldWiring(p *parser.Package) []jen.Code {
	w := g.model.World
	var fields, regs []jen.Code
	clients := jen.Dict{}
	for _, fl := range w.Fields {
		q := fl.Package
		var typ *jen.Statement
		var newClient, register jen.Code
		switch {
		case q == p && fl.Exports:
			typ = jen.Id(p.ExportsName)
			newClient = jen.Id("newExportsClient")
			register = jen.Id("registerExports")
		case q == p:
			typ = jen.Id(p.InterfaceName)
			newClient = jen.Id("newImportsClient")
			register = jen.Id("registerImports")
		default:
			typ = jen.Qual(q.ImportPath, q.InterfaceName)
			newClient = jen.Qual(q.ImportPath, "NewClient")
			register = jen.Qual(q.ImportPath, "Register")
		}
		doc := fmt.Sprintf("%s implements %s.", fl.GoName, g.instanceDoc(q))
		if q == p {
			doc = fmt.Sprintf("%s implements the functions the WIT world %q %s.", fl.GoName, w.QualifiedName, map[bool]string{true: "exports", false: "imports"}[fl.Exports])
		}
		fields = append(fields, comment(doc, "").Id(fl.GoName).Add(typ))
		clients[jen.Id(fl.GoName)] = jen.Add(newClient).Call(jen.Id("inv"))
		regs = append(regs, jen.If(jen.Id("w").Dot(fl.GoName).Op("!=").Nil()).Block(
			jen.Add(register).Call(jen.Id("s"), jen.Id("w").Dot(fl.GoName))))
	}
	// Interfaces with resource methods but no functions of their own.
	for _, q := range g.model.Packages {
		if q != p && len(q.Funcs) == 0 && hasMethods(q) {
			regs = append(regs, jen.Qual(q.ImportPath, "Register").Call(jen.Id("s")))
		}
	}
	if hasMethods(p) {
		regs = append(regs, jen.Id("registerResources").Call(jen.Id("s")))
	}
	return []jen.Code{
		comment(fmt.Sprintf("World holds one implementation of each interface of the WIT world %q. NewClient fills it with clients of a wRPC server; Register serves its non-nil fields.", w.QualifiedName), "").
			Type().Id("World").Struct(fields...),
		comment("NewClient returns a World whose fields call the server behind inv over wRPC.", "").
			Func().Id("NewClient").Params(jen.Id("inv").Add(wrpcQual("Invoker"))).Id("World").Block(
			jen.Return(jen.Id("World").Values(clients)),
		),
		comment("Register serves every non-nil field of w on s, and the resource methods of every interface of the world.", "").
			Func().Id("Register").Params(jen.Id("s").Op("*").Add(wrpcQual("Server")), jen.Id("w").Id("World")).Block(regs...),
	}
}
