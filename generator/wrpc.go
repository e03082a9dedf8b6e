package generator

import (
	"fmt"
	"path"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
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
	// A package with functions, or with resources (whose handles other
	// packages' functions name by this package's Instance), has wire names.
	served := len(p.Funcs)+len(p.ExportFuncs) > 0 || hasMethods(p) || hasResources(p)
	world := p == g.model.World.Package
	if served || world {
		code = append(code, comment("The generated code below requires the runtime it was generated for.", "").
			Const().Id("_").Op("=").Add(wrpcQual("SupportPackageIsVersion3")))
	}
	if served {
		code = append(code, g.wireNames(p))
	}
	w := &p.Wire
	if len(p.Funcs) > 0 {
		code = append(code, g.client(p, p.Funcs, p.InterfaceName, w.Client, w.ClientCtor, w.Unimplemented)...)
		code = append(code, g.server(p, p.Funcs, p.InterfaceName, w.Register, !world))
	} else if hasMethods(p) && !world {
		code = append(code, g.server(p, nil, "", w.RegisterResources, true))
	}
	if len(p.ExportFuncs) > 0 {
		code = append(code, g.client(p, p.ExportFuncs, p.ExportsName, w.ExportsClient, w.ExportsClientCtor, w.UnimplementedExports)...)
		code = append(code, g.server(p, p.ExportFuncs, p.ExportsName, w.RegisterExports, false))
	}
	for _, n := range p.Types {
		if n.Kind == parser.KindResource {
			code = append(code, g.resourceClient(n)...)
		}
	}
	if world {
		if hasMethods(p) {
			code = append(code, g.server(p, nil, "", w.RegisterResources, true))
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

func hasResources(p *parser.Package) bool {
	for _, n := range p.Types {
		if n.Kind == parser.KindResource {
			return true
		}
	}
	return false
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
		for i, fl := range n.Fields {
			async := hasAsync(fl.Type)
			enc = append(enc, atIndex("e", i, async, g.encode(fl.Type, jen.Id("v").Dot(fl.GoName))...)...)
			dec = append(dec, atIndex("d", i, async, jen.Id("v").Dot(fl.GoName).Op("=").Add(g.decode(fl.Type)))...)
		}
	case parser.KindEnum:
		enc = append(enc, jen.Id("e").Dot("Discriminant").Call(jen.Uint32().Call(jen.Id("v"))))
		dec = append(dec, jen.Op("*").Id("v").Op("=").Id(n.GoName).Call(jen.Id("d").Dot("Discriminant").Call(countArg(len(n.Cases), "cases"))))
	case parser.KindFlags:
		enc = append(enc, jen.Id("e").Dot("Flags").Call(jen.Uint64().Call(jen.Id("v")), countArg(len(n.Flags), "flags")))
		dec = append(dec, jen.Op("*").Id("v").Op("=").Id(n.GoName).Call(jen.Id("d").Dot("Flags").Call(countArg(len(n.Flags), "flags"))))
	case parser.KindVariant:
		enc = append(enc, jen.Id("e").Dot("Discriminant").Call(jen.Uint32().Call(jen.Id("v").Dot("c"))))
		// A payload is written after the discriminant: with a switch on
		// the case, or an if when only one case has a payload.
		var payloads []*parser.Case
		for _, c := range n.Cases {
			if c.Type != nil {
				payloads = append(payloads, c)
			}
		}
		dec = append(dec, jen.Op("*").Id("v").Op("=").Id(n.GoName).Values(jen.Dict{
			jen.Id("c"): jen.Id(n.CaseType).Call(jen.Id("d").Dot("Discriminant").Call(countArg(len(n.Cases), "cases"))),
		}))
		if len(payloads) == 1 {
			c := payloads[0]
			enc = append(enc, jen.If(jen.List(jen.Id("p"), jen.Id("ok")).Op(":=").Id("v").Dot(c.Getter).Call(), jen.Id("ok")).Block(g.encode(c.Type, jen.Id("p"))...))
			dec = append(dec, jen.If(jen.Id("v").Dot("c").Op("==").Id(c.Const)).Block(jen.Id("v").Dot("v").Op("=").Add(g.decode(c.Type))))
		} else if len(payloads) > 1 {
			var encCases, decCases []jen.Code
			for _, c := range payloads {
				encCases = append(encCases, jen.Case(jen.Id(c.Const)).Block(
					append([]jen.Code{jen.List(jen.Id("p"), jen.Id("_")).Op(":=").Id("v").Dot(c.Getter).Call()},
						g.encode(c.Type, jen.Id("p"))...)...))
				decCases = append(decCases, jen.Case(jen.Id(c.Const)).Block(
					jen.Id("v").Dot("v").Op("=").Add(g.decode(c.Type))))
			}
			enc = append(enc, jen.Switch(jen.Id("v").Dot("c")).Block(encCases...))
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

// client emits the client of a Go interface:
//
//	func NewClient(inv wrpc.Invoker) Interface { return &client{inv: inv} }
//	type client struct{ inv wrpc.Invoker }
//	func (c *client) Open(ctx context.Context, identifier string) (Bucket, error) { ... }
func (g *gen) client(p *parser.Package, fns []*parser.Func, iface, typ, ctor, unimpl string) []jen.Code {
	code := []jen.Code{
		comment(fmt.Sprintf("%s returns %s %s that calls a server over wRPC through inv: the *wrpc.Client of wrpc.Dial(url), where url is tcp://HOST:PORT, tls://HOST:PORT, quic://HOST:PORT or unix:///PATH.", ctor, Article(iface), iface), "").
			Func().Id(ctor).Params(jen.Id("inv").Add(wrpcQual("Invoker"))).Id(iface).Block(
			jen.Return(jen.Op("&").Id(typ).Values(jen.Dict{jen.Id("inv"): jen.Id("inv")})),
		),
		jen.Type().Id(typ).Struct(jen.Id("inv").Add(wrpcQual("Invoker"))),
	}
	for _, fn := range fns {
		code = append(code, g.clientMethod(fn, typ, "c", jen.Id("c").Dot("inv"), nil))
	}
	return append(code, g.unimplemented(unimpl, iface, fns)...)
}

// wireNames emits the instance name of p and one constant per wire function
// name:
//
//	const (
//		Instance              = "wasi:keyvalue/store@0.2.0-draft2"
//		OpenFunctionName      = "open"
//		BucketGetFunctionName = "bucket.get"
//	)
func (g *gen) wireNames(p *parser.Package) jen.Code {
	defs := []jen.Code{jen.Id(p.Wire.Instance).Op("=").Lit(p.Instance)}
	seen := map[string]bool{}
	for _, fn := range packageFuncs(p) {
		if seen[fn.WireConst] {
			continue // an import and an export of the same name
		}
		seen[fn.WireConst] = true
		defs = append(defs, jen.Id(fn.WireConst).Op("=").Lit(fn.WireName))
	}
	return comment("The wRPC names: the instance, and the functions that the client invokes and Register serves.", "").
		Const().Defs(defs...)
}

// packageFuncs lists the functions that p serves: its own, then its
// resources' methods.
func packageFuncs(p *parser.Package) []*parser.Func {
	fns := append(append([]*parser.Func(nil), p.Funcs...), p.ExportFuncs...)
	for _, n := range p.Types {
		fns = append(fns, n.Methods...)
	}
	return fns
}

// localParams returns ctx followed by the WIT parameters as the generated
// bodies name them (Param.Local).
func (g *gen) localParams(fn *parser.Func) []jen.Code {
	ps := []jen.Code{jen.Id("ctx").Qual(contextPkg, "Context")}
	for _, p := range fn.Params {
		ps = append(ps, jen.Id(p.Local).Add(g.typ(p.Type)))
	}
	return ps
}

// functionNameRef refers to the constant holding fn's wire name.
func (g *gen) functionNameRef(fn *parser.Func) jen.Code {
	return jen.Qual(fn.Package.ImportPath, fn.WireConst)
}

// instanceRef refers to the constant holding the instance name of fn's
// package.
func instanceRef(fn *parser.Func) jen.Code {
	return jen.Qual(fn.Package.ImportPath, fn.Package.Wire.Instance)
}

// unimplemented emits typ (Unimplemented<Iface>), whose methods return
// wrpc.Unimplemented errors, for embedding in implementations of iface. Its
// methods carry no docs of their own, as in gRPC's generated code: the type's
// doc says what every one of them does.
func (g *gen) unimplemented(typ, iface string, fns []*parser.Func) []jen.Code {
	code := []jen.Code{
		comment(fmt.Sprintf("%s implements %s: every method returns an error wrapping wrpc.ErrUnimplemented. Embed it to keep compiling when the WIT grows.", typ, iface), "").
			Type().Id(typ).Struct(),
	}
	for _, fn := range fns {
		ret := append(g.zeroResults(fn), wrpcQual("Unimplemented").Call(instanceRef(fn), g.functionNameRef(fn)))
		code = append(code, jen.Func().Params(jen.Id(typ)).Id(fn.GoName).Params(g.localParams(fn)...).Add(g.results(fn)).Block(jen.Return(ret...)))
	}
	return code
}

// resourceClient emits the client value of a resource: a handle and the
// methods that invoke the server with it.
func (g *gen) resourceClient(n *parser.Named) []jen.Code {
	typ := n.ClientType
	code := []jen.Code{
		comment(fmt.Sprintf("%s returns the %s that handle refers to on the server behind inv; the values that the server returns are made this way.", n.ClientCtor, n.GoName), "").
			Func().Id(n.ClientCtor).Params(jen.Id("inv").Add(wrpcQual("Invoker")), jen.Id("handle").Index().Byte()).Id(n.GoName).Block(
			jen.Return(jen.Op("&").Id(typ).Values(wrpcQual("RemoteResource").Values(jen.Id("Invoker").Op(":").Id("inv"), jen.Id("Handle").Op(":").Id("handle")))),
		),
		jen.Type().Id(typ).Struct(wrpcQual("RemoteResource")),
	}
	remote := jen.Id("r").Dot("RemoteResource")
	for _, fn := range n.Methods {
		code = append(code, g.clientMethod(fn, typ, "r", remote.Clone().Dot("Invoker"), remote.Clone().Dot("Handle")))
	}
	return append(code, g.unimplemented(n.Unimplemented, n.GoName, n.Methods)...)
}

// clientMethod emits one method of a client type: encode the parameters
// (after self, the handle, for resource methods: wrpc.NewMethodEncoder), then
// call through inv and decode the results with one of the wrpc.Call* helpers.
func (g *gen) clientMethod(fn *parser.Func, typ, recv string, inv, self jen.Code) jen.Code {
	sig := g.localParams(fn)
	async := fnAsync(fn)
	newEncoder := wrpcQual(map[bool]string{false: "NewEncoder", true: "NewAsyncEncoder"}[async]).Call()
	first := 0 // the path index of the first parameter; self comes before
	if self != nil {
		newEncoder = wrpcQual(map[bool]string{false: "NewMethodEncoder", true: "NewAsyncMethodEncoder"}[async]).Call(self)
		first = 1
	}
	body := []jen.Code{jen.Id("e").Op(":=").Add(newEncoder)}
	for i, p := range fn.Params {
		body = append(body, atIndex("e", first+i, hasAsync(p.Type), g.encode(p.Type, jen.Id(p.Local))...)...)
	}
	args := []jen.Code{jen.Id("ctx"), inv, instanceRef(fn), g.functionNameRef(fn), jen.Id("e")}
	r := fn.Results
	var call *jen.Statement
	switch r.Kind {
	case parser.ResultsNone:
		call = wrpcQual("CallEmpty").Call(args...)
	case parser.ResultsValue:
		call = wrpcQual("CallValue").Call(append(args, g.decodeFunc(r.Value))...)
	case parser.ResultsOption:
		call = wrpcQual("CallOption").Call(append(args, g.decodeFunc(r.Value))...)
	case parser.ResultsErrOnly:
		call = wrpcQual("CallError")
		if r.Err == nil {
			call.Index(jen.Error())
		}
		call.Call(append(args, g.decodeErrorFunc(r))...)
	case parser.ResultsOK, parser.ResultsOKOption:
		call = wrpcQual(map[bool]string{true: "CallResult", false: "CallResultOption"}[r.Kind == parser.ResultsOK])
		if r.Err == nil {
			call.Index(jen.List(g.typ(r.Value), jen.Error()))
		}
		call.Call(append(args, g.decodeFunc(r.Value), g.decodeErrorFunc(r))...)
	default:
		panic(fmt.Sprintf("BUG: unknown results kind %d", r.Kind))
	}
	body = append(body, jen.Return(call))
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
	}
	return nil
}

// decodeErrorFunc returns the func(*wrpc.Decoder) E that reads the Go error
// of the error case of a function's result, or nil when the result has no
// error type (the error is then cm.ErrResult).
func (g *gen) decodeErrorFunc(r parser.Results) jen.Code {
	switch {
	case r.Err == nil:
		return jen.Nil()
	case r.ErrWrapped:
		typ := jen.Qual(cmPkg, "Err").Index(g.typ(r.Err))
		return jen.Func().Params(jen.Id("d").Op("*").Add(wrpcQual("Decoder"))).Add(typ).Block(
			jen.Return(jen.Qual(cmPkg, "Err").Index(g.typ(r.Err)).Values(jen.Dict{jen.Id("Value"): g.decode(r.Err)})))
	default:
		return g.decodeFunc(r.Err)
	}
}

// encodeErrorFunc returns the func(*wrpc.Encoder, E) that writes the Go
// error of the error case of a function's result, or nil when the result has
// no error type.
func (g *gen) encodeErrorFunc(r parser.Results) jen.Code {
	switch {
	case r.Err == nil:
		return jen.Nil()
	case r.ErrWrapped:
		return jen.Func().Params(jen.Id("e").Op("*").Add(wrpcQual("Encoder")), jen.Id("v").Qual(cmPkg, "Err").Index(g.typ(r.Err))).Block(
			g.encode(r.Err, jen.Id("v").Dot("Value"))...)
	default:
		return g.encodeFunc(r.Err)
	}
}

// encodeValueFunc returns the func(*wrpc.Encoder, T) that writes a result
// value of type t, or nil when the value takes no bytes.
func (g *gen) encodeValueFunc(t resolve.Type) jen.Code {
	if len(g.encode(t, jen.Id("v"))) == 0 {
		return jen.Nil()
	}
	return g.encodeFunc(t)
}

// server emits a registration function: one handler per function of fns
// and, for a package-level Register, per method of the package's resources.
//
//	func Register(s *wrpc.Server, impl Interface) {
//		s.Register(Instance, "open", func(ctx context.Context, params []byte) ([]byte, error) { ... })
//	}
//
// resources says whether it also serves the methods of p's resources (an
// interface package's Register, a world's registerResources); an interface
// package's Register with an implementation also installs it as the
// HandleResolver of each resource.
func (g *gen) server(p *parser.Package, fns []*parser.Func, iface, name string, resources bool) jen.Code {
	public := p.Interface != nil
	sig := []jen.Code{jen.Id("s").Op("*").Add(wrpcQual("Server"))}
	if iface != "" {
		sig = append(sig, jen.Id("impl").Id(iface))
	}
	// A resource-only interface package's Register takes its resolver.
	byResolver := iface == "" && resources && public
	if byResolver {
		sig = append(sig, jen.Id("r").Add(wrpcQual("HandleResolver")))
	}
	var body, resolve []jen.Code
	if (iface != "" || byResolver) && resources {
		for _, n := range p.Types {
			if n.Kind == parser.KindResource {
				resolve = append(resolve, jen.Id("s").Dot("SetHandleResolver").Call(jen.Id(p.Wire.Instance), jen.Lit(n.WITName), jen.Id("r")))
			}
		}
	}
	switch {
	case len(resolve) > 0 && byResolver:
		body = append(body, jen.If(jen.Id("r").Op("!=").Nil()).Block(resolve...))
	case len(resolve) > 0:
		body = append(body, jen.If(jen.List(jen.Id("r"), jen.Id("ok")).Op(":=").Id("impl").Assert(wrpcQual("HandleResolver")), jen.Id("ok")).Block(resolve...))
	}
	for _, fn := range fns {
		body = append(body, g.handler(fn, jen.Id("impl")))
	}
	if resources {
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
		doc = fmt.Sprintf("%s serves the resource methods of %s on s. With a non-nil r, a resource value that implements wrpc.Resource travels as its own handle, which r resolves (see wrpc.HandleResolver); other resource values come from the server's handle table (see wrpc.WithHandleTable).", name, g.instanceDoc(p))
	default:
		doc = fmt.Sprintf("%s serves every function of impl on s.", name)
		if len(resolve) > 0 {
			doc += " A resource value that implements wrpc.Resource travels as its own handle (see wrpc.HandleResolver)."
		}
	}
	return comment(doc, "").Func().Id(name).Params(sig...).Block(body...)
}

// handler emits s.Handle(Instance, <FunctionName>, func(...) {...}) for fn;
// impl is nil for a resource method, whose receiver is decoded as self. The
// handler decodes the parameters, calls the implementation and ends with one
// of the wrpc.Reply* helpers.
func (g *gen) handler(fn *parser.Func, impl jen.Code) jen.Code {
	instance := instanceRef(fn)
	var body []jen.Code
	recv := impl
	if impl == nil {
		n := fn.Resource
		body = append(body, jen.Id("self").Op(":=").Add(wrpcQual("DecodeResource")).Index(jen.Id(n.GoName)).Call(
			jen.Id("d"), instance, jen.Lit(n.WITName), wrpcQual("Borrow"), jen.Nil()))
		recv = jen.Id("self")
	}
	args := []jen.Code{jen.Id("ctx")}
	first := 0 // the path index of the first parameter; self comes before
	if impl == nil {
		first = 1
	}
	for i, p := range fn.Params {
		if hasAsync(p.Type) {
			body = append(body, jen.Var().Id(p.Local).Add(g.typ(p.Type)))
			body = append(body, atIndex("d", first+i, true, jen.Id(p.Local).Op("=").Add(g.decode(p.Type)))...)
		} else {
			body = append(body, jen.Id(p.Local).Op(":=").Add(g.decode(p.Type)))
		}
		args = append(args, jen.Id(p.Local))
	}
	call := jen.Add(recv).Dot(fn.GoName).Call(args...)
	// The implementation call as a thunk for the Reply* helper, which runs it
	// only once the parameters are decoded exactly; Values keeps the func
	// literal on one line: func() (T, error) { return impl.F(ctx, x) }.
	thunk := jen.Func().Params().Add(g.results(fn)).Values(jen.Return(call))
	d := jen.Id("d")
	r := fn.Results
	switch r.Kind {
	case parser.ResultsNone:
		body = append(body, jen.Return(wrpcQual("ReplyEmpty").Call(d, thunk)))
	case parser.ResultsErrOnly:
		reply := wrpcQual("ReplyError")
		if r.Err == nil {
			reply.Index(jen.Error())
		}
		body = append(body, jen.Return(reply.Call(d, thunk, g.encodeErrorFunc(r))))
	case parser.ResultsValue:
		body = append(body, jen.Return(wrpcQual("ReplyValue").Call(d, thunk, g.encodeValueFunc(r.Value))))
	case parser.ResultsOption:
		body = append(body, jen.Return(wrpcQual("ReplyOption").Call(d, thunk, g.encodeValueFunc(r.Value))))
	case parser.ResultsOK, parser.ResultsOKOption:
		reply := wrpcQual(map[bool]string{true: "ReplyResult", false: "ReplyResultOption"}[r.Kind == parser.ResultsOK])
		if r.Err == nil {
			reply.Index(jen.List(g.typ(r.Value), jen.Error()))
		}
		body = append(body, jen.Return(reply.Call(d, thunk, g.encodeValueFunc(r.Value), g.encodeErrorFunc(r))))
	default:
		panic(fmt.Sprintf("BUG: unknown results kind %d", r.Kind))
	}
	handle := "Handle"
	if fnAsync(fn) {
		// Started as soon as the header is read; the results (path [0])
		// and the pending values in them are sent as they come.
		handle = "HandleAsync"
	}
	return jen.Id("s").Dot(handle).Call(instance, g.functionNameRef(fn),
		jen.Func().Params(jen.Id("ctx").Qual(contextPkg, "Context"), jen.Id("d").Op("*").Add(wrpcQual("Decoder"))).Params(jen.Index().Byte(), jen.Error()).Block(body...))
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
		if fl.Exports {
			typ = jen.Qual(q.ImportPath, q.ExportsName)
			newClient = jen.Qual(q.ImportPath, q.Wire.ExportsClientCtor)
			register = jen.Qual(q.ImportPath, q.Wire.RegisterExports)
		} else {
			typ = jen.Qual(q.ImportPath, q.InterfaceName)
			newClient = jen.Qual(q.ImportPath, q.Wire.ClientCtor)
			register = jen.Qual(q.ImportPath, q.Wire.Register)
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
	// Interfaces with resource methods but no functions of their own: their
	// handles are resolved by the first field that resolves handles.
	var impls []jen.Code
	for _, fl := range w.Fields {
		impls = append(impls, jen.Id("w").Dot(fl.GoName))
	}
	resolver := jen.Nil()
	if len(impls) > 0 {
		resolver = wrpcQual("FindHandleResolver").Call(impls...)
	}
	for _, q := range g.model.Packages {
		if q != p && len(q.Funcs) == 0 && hasMethods(q) {
			regs = append(regs, jen.Qual(q.ImportPath, q.Wire.RegisterResources).Call(jen.Id("s"), resolver.Clone()))
		}
	}
	if hasMethods(p) {
		regs = append(regs, jen.Id(p.Wire.RegisterResources).Call(jen.Id("s")))
	}
	pw := &p.Wire
	return []jen.Code{
		comment(fmt.Sprintf("%s holds one implementation of each interface of the WIT world %q. %s fills it with clients of a wRPC server; %s serves its non-nil fields.", pw.World, w.QualifiedName, pw.WorldClientCtor, pw.WorldRegister), "").
			Type().Id(pw.World).Struct(fields...),
		comment(fmt.Sprintf("%s returns a %s whose fields call the server behind inv over wRPC.", pw.WorldClientCtor, pw.World), "").
			Func().Id(pw.WorldClientCtor).Params(jen.Id("inv").Add(wrpcQual("Invoker"))).Id(pw.World).Block(
			jen.Return(jen.Id(pw.World).Values(clients)),
		),
		comment(fmt.Sprintf("%s serves every non-nil field of w on s, and the resource methods of every interface of the world.", pw.WorldRegister), "").
			Func().Id(pw.WorldRegister).Params(jen.Id("s").Op("*").Add(wrpcQual("Server")), jen.Id("w").Id(pw.World)).Block(regs...),
	}
}
