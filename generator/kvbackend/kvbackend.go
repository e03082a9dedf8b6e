// Package kvbackend generates, for a keyvalue-like WIT world, a Go package
// "backend" that implements the world's generated interfaces on top of any
// engine.Engine (package github.com/witgo-dev/witgo/kv/engine).
//
// Operations are recognized by the names of functions and resources and by
// the shapes of their parameters and results, never by WIT package name or
// version (see recognize.go). A function that is not recognized still gets a
// method, which returns a "not supported by this backend" error, and a
// warning. The operation bodies are text/template files of package
// templates (templates/kvbackend); this package decides what to emit and
// fills them in. What does not depend on the WIT (panic recovery, value
// buffers, stream readers, common errors) is package kv/backend, which the
// generated code imports as kvbackend.
package kvbackend

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
	"text/template"

	"github.com/witgo-dev/witgo/generator"
	witparser "github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
	"github.com/witgo-dev/witgo/templates"
)

// Import paths the generated backend uses besides the bindings.
const (
	enginePkg  = "github.com/witgo-dev/witgo/kv/engine"
	runtimePkg = "github.com/witgo-dev/witgo/kv/backend"
	cmPkg      = "github.com/witgo-dev/witgo/runtime/cm"
	wrpcPkg    = "github.com/witgo-dev/witgo/runtime/wrpc"
)

// Generate returns the backend package of m's world: one file,
// <world package dir>/backend/backend.witgo.go, whose New(engine.Engine)
// returns the world's World struct with every field implemented. It returns
// no files for a world that is not keyvalue-like (no bucket resource opened
// by an open function, and no function taking a bucket name). The warnings
// name every WIT function that the backend implements as "not supported".
func Generate(m *witparser.Model, opts generator.Options) (files []generator.File, warnings []string, err error) {
	g, err := newGen(m, opts)
	if err != nil {
		return nil, nil, err
	}
	g.assignRoles()
	impls := g.buildImpls()
	if !g.keyvalueLike() {
		return nil, nil, nil
	}
	dir := path.Join(m.World.Package.Dir, "backend")
	for _, p := range m.Packages {
		if p.Dir == dir {
			return nil, nil, fmt.Errorf("%s: the keyvalue backend would be generated in %s, the folder of %s; rename the interface or generate with --backend=false", m.World.QualifiedName, dir, p.WITName)
		}
	}
	res := g.buildResources()
	for _, im := range impls {
		im.Resolver = g.resolverCases(im.pkg)
	}
	data := &fileData{
		Header:    generator.Header,
		WorldName: m.World.QualifiedName,
		WorldPkg:  g.alias[m.World.Package],
		World:     g.qual(m.World.Package, "World"),
		Impls:     impls,
		Resources: res,
		Convs:     g.convList,
		ErrFuncs:  g.errList,
		Buffer:    g.buffer,
	}
	for _, im := range impls {
		data.Fields = append(data.Fields, fieldInit{Field: im.field, Impl: im.Name})
	}
	data.Doc = generator.CommentText(g.packageDoc())
	name := path.Join(dir, "backend.witgo.go")
	src, err := g.render(name, data)
	if err != nil {
		return nil, nil, err
	}
	return []generator.File{{Path: name, Content: src}}, g.warnings, nil
}

type gen struct {
	m    *witparser.Model
	opts generator.Options
	tmpl *template.Template

	alias map[*witparser.Package]string // the import names of the bindings packages
	im    *generator.Imports
	names *witparser.Scope // the backend package's names (names.go)

	roles    map[*resolve.TypeDef]string    // roles.go
	resOrder []*witparser.Named             // the resources with a role, in the order their methods are built (roles.go)
	resNames map[*resolve.TypeDef]*resNames // names.go
	resolver map[*witparser.Package]bool
	// alsoResolves lists, by package, the interfaces without functions
	// whose handles its implementation resolves too (roles.go).
	alsoResolves map[*witparser.Package][]*witparser.Package

	convs      map[*resolve.TypeDef]*convData
	convList   []*convData
	stringConv *convData
	errFuncs   map[string]*errFuncData
	errList    []*errFuncData

	moreCases    bool // an error type has invalid-argument, precondition-failed or timeout
	buffer       bool // an outgoing value: the backend knows the value limit
	reader       bool // an input stream
	stringBucket bool
	ops          []docOp
	unsupported  []string
	warnings     []string
}

// docOp is a recognized function for the package doc: its WIT name, the
// operation kind (the template, "get-many") and what it does.
type docOp struct{ fn, kind, engine string }

// The standard imports of the generated file; their names are taken in
// its scope (see names.go).
var (
	stdImports = []generator.ImportSpec{
		{Name: "context", Path: "context"},
		{Name: "errors", Path: "errors"},
		{Name: "fmt", Path: "fmt"},
		{Name: "io", Path: "io"},
		{Name: "strconv", Path: "strconv"},
		{Name: "engine", Path: enginePkg},
		{Name: "kvbackend", Path: runtimePkg},
		{Name: "cm", Path: cmPkg},
		{Name: "wrpc", Path: wrpcPkg},
	}
)

func newGen(m *witparser.Model, opts generator.Options) (*gen, error) {
	g := &gen{
		m:            m,
		opts:         opts,
		alias:        make(map[*witparser.Package]string),
		im:           generator.NewImports(),
		roles:        make(map[*resolve.TypeDef]string),
		resNames:     make(map[*resolve.TypeDef]*resNames),
		resolver:     make(map[*witparser.Package]bool),
		alsoResolves: make(map[*witparser.Package][]*witparser.Package),
		convs:        make(map[*resolve.TypeDef]*convData),
		errFuncs:     make(map[string]*errFuncData),
	}
	g.names = newNames()
	for _, s := range stdImports {
		g.im.Add(s.Path, s.Name)
	}
	for _, p := range m.Packages {
		a := p.Name
		if g.names.Taken(a) || hasGeneratedPrefix(a) {
			a += "pkg"
		}
		for i := 2; g.names.Taken(a); i++ {
			a = p.Name + "pkg" + strconv.Itoa(i)
		}
		g.names.Reserve(a)
		g.alias[p] = a
		g.im.Add(p.ImportPath, a)
	}
	funcs := template.FuncMap{"comment": generator.CommentText, "article": generator.Article, "returnErr": returnErr, "q": g.std}
	tmpl, err := template.New("kvbackend").Funcs(funcs).ParseFS(templates.KVBackend, "kvbackend/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("BUG: parsing the kvbackend templates: %w", err)
	}
	g.tmpl = tmpl
	return g, nil
}

func hasGeneratedPrefix(s string) bool {
	for _, p := range generatedPrefixes {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return true
		}
	}
	return false
}

// exported returns s with its first letter in upper case.
func exported(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// allFuncs returns the functions of p: those of its Go interface(s), then
// the methods of its resources.
func allFuncs(p *witparser.Package) []*witparser.Func {
	fns := append(append([]*witparser.Func(nil), p.Funcs...), p.ExportFuncs...)
	for _, n := range p.Types {
		fns = append(fns, n.Methods...)
	}
	return fns
}

// fnName names a WIT function in messages: its interface and wRPC name,
// "wasi:keyvalue/store@0.2.0-draft2#bucket.get".
func fnName(fn *witparser.Func) string {
	return fn.Package.WITName + "#" + fn.WireName
}

// normName is the base name of fn without its resource's name, which the
// early keyvalue drafts repeat: "incoming-value-consume-sync" →
// "consume-sync", "new-outgoing-value" → "new", "open-bucket" → "open".
func normName(fn *witparser.Func) string {
	name := fn.WITName
	if fn.Kind == witparser.Constructor {
		return "new"
	}
	if fn.Resource != nil {
		r := fn.Resource.WITName
		if s, ok := strings.CutPrefix(name, r+"-"); ok && s != "" {
			name = s
		} else if s, ok := strings.CutSuffix(name, "-"+r); ok && s != "" {
			name = s
		}
	}
	return name
}

// buildImpls builds one implementation per field of the World struct.
func (g *gen) buildImpls() []*implType {
	var impls []*implType
	for _, fl := range g.m.World.Fields {
		p := fl.Package
		fns, iface := p.Funcs, p.InterfaceName
		if fl.Exports {
			fns, iface = p.ExportFuncs, p.ExportsName
		}
		kind := "interface"
		if p.Interface == nil {
			kind = "world"
		}
		im := &implType{
			Name:  g.names.Declare("impl" + fl.GoName),
			Iface: g.qual(p, iface),
			WIT:   fmt.Sprintf("the WIT %s %q", kind, p.WITName),
			field: fl.GoName,
			pkg:   p,
		}
		for _, fn := range fns {
			im.Methods = append(im.Methods, g.method(im.Name, fn))
		}
		impls = append(impls, im)
	}
	return impls
}

// buildResources builds a type for every resource with a role: their
// methods in the order assignRoles decided (g.resOrder), the list in model
// order.
func (g *gen) buildResources() []*resType {
	built := make(map[*resolve.TypeDef]*resType)
	for _, n := range g.resOrder {
		role := g.roles[n.TypeDef]
		nm := g.resNames[n.TypeDef]
		rt := &resType{
			Name:     nm.Type,
			Open:     nm.Open,
			BucketOf: nm.BucketOf,
			Iface:    g.qual(n.Package, n.GoName),
			WIT:      fmt.Sprintf("the WIT resource %s of %q", n.WITName, n.Package.WITName),
			Role:     role,
		}
		built[n.TypeDef] = rt
		for _, fn := range n.Methods {
			rt.Methods = append(rt.Methods, g.method(rt.Name, fn))
		}
		switch role {
		case roleOutgoing:
			g.buffer = true
		case roleIn:
			g.reader = true
		}
	}
	var list []*resType
	for _, p := range g.m.Packages {
		for _, n := range p.Types {
			if rt := built[n.TypeDef]; rt != nil {
				list = append(list, rt)
			}
		}
	}
	return list
}

// resolverCases lists how ResolveHandle rebuilds each resource of p, or
// nil if p's implementation does not resolve handles.
func (g *gen) resolverCases(p *witparser.Package) []resolveCase {
	if !g.resolver[p] {
		return nil
	}
	var cases []resolveCase
	var types []*witparser.Named
	for _, q := range append([]*witparser.Package{p}, g.alsoResolves[p]...) {
		types = append(types, q.Types...)
	}
	for _, n := range types {
		role := g.roles[n.TypeDef]
		if role == "" {
			continue
		}
		kind := "table" // the server's handle table
		if stateless(role) {
			kind = role
		}
		cases = append(cases, resolveCase{WIT: n.WITName, Instance: g.qual(n.Package, "Instance"), Kind: kind, Type: g.typeName(n.TypeDef)})
	}
	return cases
}

// method builds the Go method of fn on the type recv: the operation's body
// if fn is recognized, else an unsupported error (and a warning).
func (g *gen) method(recv string, fn *witparser.Func) *method {
	sc := g.methodScope()
	var params []string
	sig := []string{"ctx " + g.std("context.Context")}
	for _, p := range fn.Params {
		name := sc.Declare(p.GoName)
		params = append(params, name)
		sig = append(sig, name+" "+g.goType(p.Type))
	}
	var results, zero []string
	r := fn.Results
	switch r.Kind {
	case witparser.ResultsValue, witparser.ResultsOK:
		results, zero = append(results, g.goType(r.Value)), append(zero, g.zero(r.Value))
	case witparser.ResultsOption, witparser.ResultsOKOption:
		results, zero = append(results, g.goType(r.Value), "bool"), append(zero, g.zero(r.Value), "false")
	}
	results = append(results, "error")
	res := results[0]
	if len(results) > 1 {
		res = "(" + strings.Join(results, ", ") + ")"
	}
	md := &method{
		Recv:    recv,
		Name:    fn.GoName,
		Params:  strings.Join(sig, ", "),
		Results: res,
	}
	d := opData{Fn: fnName(fn), P: params, Zero: zero, ErrFunc: g.errFuncFor(fn)}
	op := g.recognize(fn, d)
	if op == nil {
		g.unsupported = append(g.unsupported, fnName(fn))
		g.warnings = append(g.warnings, fmt.Sprintf("%s: not recognized as a keyvalue operation; the generated backend returns a \"not supported by this backend\" error", fnName(fn)))
		op = &opSpec{kind: "unsupported", template: "unsupported", data: d}
	} else {
		g.ops = append(g.ops, docOp{fn: fnName(fn), kind: op.kind, engine: op.doc})
	}
	var buf bytes.Buffer
	if err := g.tmpl.ExecuteTemplate(&buf, "op-"+op.template, op.data); err != nil {
		panic(fmt.Sprintf("BUG: executing template op-%s: %v", op.template, err))
	}
	md.Body = strings.TrimSpace(buf.String())
	return md
}

// returnErr is the template function that renders the return statement of
// an error: the zero values of the other results, then the error
// expression fmt.Sprintf(format, args...) mapped to the function's WIT
// error type.
func returnErr(d opData, format string, args ...any) string {
	e := fmt.Sprintf(format, args...)
	if d.ErrFunc != "" {
		e = d.ErrFunc + "(" + e + ")"
	}
	return "return " + strings.Join(append(append([]string(nil), d.Zero...), e), ", ")
}

// render executes the file's body, then its header, which imports what
// the body qualified (g.im), and formats the result. Each part renders
// once.
func (g *gen) render(name string, data *fileData) ([]byte, error) {
	var body, file bytes.Buffer
	if err := g.tmpl.ExecuteTemplate(&body, "body", data); err != nil {
		return nil, fmt.Errorf("BUG: executing the kvbackend template for %s: %w", name, err)
	}
	data.Imports = g.im.Used()
	if err := g.tmpl.ExecuteTemplate(&file, "header", data); err != nil {
		return nil, fmt.Errorf("BUG: executing the kvbackend template for %s: %w", name, err)
	}
	file.Write(body.Bytes())
	return generator.Format(name, file.Bytes())
}

// Template data.

type fileData struct {
	Header    string
	Doc       string
	Imports   []generator.ImportSpec
	WorldName string
	WorldPkg  string // the import name of the world's bindings, for docs
	World     string // the bindings' World type
	Fields    []fieldInit
	Impls     []*implType
	Resources []*resType
	Convs     []*convData
	ErrFuncs  []*errFuncData
	Buffer    bool // the backend has outgoing values, so it keeps the value limit
}

type fieldInit struct{ Field, Impl string }

type implType struct {
	Name     string
	Iface    string
	WIT      string
	Resolver []resolveCase
	Methods  []*method

	field string
	pkg   *witparser.Package
}

type resolveCase struct {
	WIT      string // resource name
	Instance string // the Go constant of its interface's wRPC instance
	Kind     string // bucket, pollable, error or table
	Type     string
}

type resType struct {
	Name     string
	Open     string // a bucket's: the function that opens it by name
	BucketOf string // a bucket's: the function that returns its engine bucket
	Iface    string
	WIT      string
	Role     string
	Methods  []*method
}

type method struct {
	Recv, Name, Params, Results, Body string
}
