package parser

import (
	"fmt"
	"path"
	"strings"

	"github.com/witgo-dev/witgo/parser/resolve"
)

// Model is what the generator consumes: the selected world, one Package per
// WIT interface it needs, and every Go identifier and import path already
// decided. The generator never invents a name.
type Model struct {
	Resolve *resolve.Resolve
	World   *World
	// Packages lists every generated package in a stable order: the world's
	// imports, then its exports, then the world's own package if it has one.
	Packages []*Package

	byInterface map[*resolve.Interface]*Package
	named       map[*resolve.TypeDef]*Named
}

// World is the selected WIT world.
type World struct {
	WIT           *resolve.World
	QualifiedName string // "wasi:keyvalue/imports@0.2.0-draft2"
	Imports       []*Package
	Exports       []*Package
	// Package is the world's own Go package: its functions and types, if
	// any, and the wiring that serves or calls every interface of the world.
	Package *Package
	// Fields are the fields of the world's Go struct World: one per package
	// whose Go interface has methods, in package order, then the world's own
	// imported and exported functions.
	Fields []*WorldField
}

// WorldField is a field of a world's Go struct.
type WorldField struct {
	GoName  string
	Package *Package
	// Exports is set for the field of a world's exported functions.
	Exports bool
}

// Package is one generated Go package: the binding of one WIT interface (or
// of a world's own functions and types).
type Package struct {
	Interface  *resolve.Interface // nil for a world's own package
	WITName    string             // "wasi:keyvalue/store@0.2.0-draft2"
	WITPackage string             // "wasi:keyvalue@0.2.0-draft2"
	Instance   string             // the wRPC instance name
	Name       string             // Go package name
	ImportPath string
	Dir        string // slash-separated, relative to the output directory
	Docs       string
	Imported   bool
	Exported   bool

	Types []*Named // types declared here, in WIT order
	Funcs []*Func  // the methods of the package's Go interface, in WIT order

	// InterfaceName is the Go interface that holds Funcs ("Interface"; for a
	// world's own package, "Imports").
	InterfaceName string

	// ExportFuncs are the functions a world exports (world packages only),
	// held by the Go interface ExportsName ("Exports").
	ExportFuncs []*Func
	ExportsName string

	// Wire names the package-level identifiers of the package's wRPC file.
	Wire Wire
}

// Wire holds the package-level Go identifiers of a package's wRPC file
// (client, server, world wiring), declared in the package's scope.
type Wire struct {
	Instance string // the constant holding the wRPC instance name: "Instance"

	// The client and server of Funcs: in an interface package "client",
	// "NewClient", "Register", "UnimplementedInterface"; in a world's
	// package "importsClient", "newImportsClient", "registerImports",
	// "UnimplementedImports". Register of an interface package also serves
	// the methods of its resources.
	Client, ClientCtor, Register, Unimplemented string

	// The client and server of ExportFuncs (a world's package):
	// "exportsClient", "newExportsClient", "registerExports",
	// "UnimplementedExports".
	ExportsClient, ExportsClientCtor, RegisterExports, UnimplementedExports string

	// RegisterResources serves the methods of the package's resources when
	// no Register does: "Register" in an interface package without
	// functions, "registerResources" in a world's package.
	RegisterResources string

	// The world's wiring (a world's package): the World struct, the
	// function that fills it with clients and the one that serves it.
	World, WorldClientCtor, WorldRegister string
}

// NamedKind says which WIT kind a named type is.
type NamedKind int

const (
	KindAlias NamedKind = iota // type x = y, use a.{b}, or a named list/option/tuple/...
	KindRecord
	KindVariant
	KindEnum
	KindFlags
	KindResource
)

// Named is a named WIT type and its Go names.
type Named struct {
	TypeDef *resolve.TypeDef
	Package *Package
	Kind    NamedKind
	WITName string
	GoName  string
	Docs    string
	// IsError is set when the type is the error of a function's result and is
	// a record, variant, enum or flags: the Go type then implements error.
	IsError bool

	Fields []*Field // KindRecord
	Cases  []*Case  // KindVariant, KindEnum
	Flags  []*Flag  // KindFlags
	// CaseType names the Go type of a variant's case tags ("ErrorCase").
	CaseType string
	// FlagsBits is the width of a flags type's Go integer: 8, 16, 32 or 64.
	FlagsBits int
	// Methods of a resource (KindResource), in WIT order.
	Methods []*Func
	// ClientCtor makes a client-side value of a resource from a handle
	// ("NewBucketClient"); KindResource only.
	ClientCtor string
	// ClientType is the unexported type of those values ("bucketClient")
	// and Unimplemented the type whose methods fail
	// ("UnimplementedBucket"); KindResource only.
	ClientType, Unimplemented string
}

// Field is a record field.
type Field struct {
	WITName string
	GoName  string
	Type    resolve.Type
	Docs    string
}

// Case is a variant or enum case.
type Case struct {
	WITName string
	Docs    string
	Type    resolve.Type // payload; nil when none (always nil for enums)
	// Const is the case tag constant (variant: of CaseType; enum: of the enum type).
	Const string
	// Ctor constructs a variant value of this case (variants only).
	Ctor string
	// Getter returns a variant's payload (variants with a payload only).
	Getter string
	// Sentinel is a package-level error value for a payload-less case of a
	// variant used as an error ("ErrNoSuchStore"); empty otherwise.
	Sentinel string
}

// Flag is one member of a flags type.
type Flag struct {
	WITName string
	Const   string
	Docs    string
}

// FuncKind says how a WIT function is bound.
type FuncKind int

const (
	Freestanding FuncKind = iota
	Method                // a method of a resource's Go interface
	Static                // a method of the package interface, named after resource and function
	Constructor           // a method of the package interface named New<Resource>
)

// Func is a WIT function and its Go signature.
type Func struct {
	WIT      *resolve.Function
	Package  *Package
	Kind     FuncKind
	Resource *Named // owner of a method, static or constructor
	WITName  string // base name: "get", "new", "open"
	WireName string // wRPC function name: "open", "bucket.get", "cas.new", "bucket"
	GoName   string
	Docs     string
	Params   []*Param // without the receiver of a method
	Results  Results
	// WireConst is the package-level constant holding WireName
	// ("OpenFunctionName", "BucketGetFunctionName").
	WireConst string
	// ResultLocal is the local that holds a single Go result in the
	// generated client and server bodies ("res"); empty for ResultsNone,
	// and ResultsErrOnly.
	ResultLocal string
}

// Param is a function parameter, or a named result.
type Param struct {
	WITName string
	// GoName is the name in the Go interface's method, declared in the
	// function's scope.
	GoName string
	// Local is the name in the generated function bodies of the wRPC file
	// (client methods, stubs, server handlers): GoName declared again in
	// the function's body scope, whose parent reserves what those bodies
	// use themselves (wireLocals, package names). "c" is c_ there.
	Local string
	Type  resolve.Type
}

// ResultsKind is the Go shape of a function's results.
type ResultsKind int

const (
	ResultsNone     ResultsKind = iota // no WIT result: error
	ResultsValue                       // T: (T, error)
	ResultsOption                      // option<T>: (T, bool, error)
	ResultsErrOnly                     // result<_, E>: error
	ResultsOK                          // result<T, E>: (T, error)
	ResultsOKOption                    // result<option<T>, E>: (T, bool, error)
)

// Results describes a function's Go results.
type Results struct {
	Kind ResultsKind
	// WIT is the function's WIT result type (nil for None).
	WIT resolve.Type
	// Value is T for Value, Option, OK and OKOption.
	Value resolve.Type
	// Err is E for ErrOnly, OK and OKOption; nil when the result has no error type.
	Err resolve.Type
	// ErrWrapped is set when E's Go type is not itself an error: the Go error
	// is then cm.Err[E].
	ErrWrapped bool
}

// Named returns the model of a named type definition, or nil for anonymous
// types.
func (m *Model) Named(t *resolve.TypeDef) *Named { return m.named[t] }

// PackageOf returns the package generated for a WIT interface.
func (m *Model) PackageOf(i *resolve.Interface) *Package { return m.byInterface[i] }

// Options configure Build.
type Options struct {
	// PackageRoot is the Go import path of the output directory.
	PackageRoot string
}

// reservedPackageNames are the exported package-level identifiers
// generated code declares itself, taken in every package scope before any
// WIT name so that WIT names keep clear of them whatever the package holds.
// Package.Wire and InterfaceName/ExportsName hand them out.
var reservedPackageNames = []string{"Interface", "Imports", "Exports", "UnimplementedInterface", "UnimplementedImports", "UnimplementedExports", "Client", "NewClient", "Register", "Server", "Instance", "Handler", "World"}

// wireLocals are the identifiers the bodies of generated client methods,
// stubs and server handlers use for themselves: their locals and receivers,
// and the packages the wRPC file may import. The scope of every function's
// parameters has a scope reserving them, and the Go package names of the
// model, as parent.
var wireLocals = []string{"c", "r", "e", "d", "s", "impl", "params", "self", "werr", "ok", "ctx", "err",
	"wrpc", "cm", "context", "errors", "fmt", "strconv", "strings"}

// codecMethods are the methods generated types get for the wire; fields and
// variant getters keep clear of them.
var codecMethods = []string{"EncodeWRPC", "DecodeWRPC"}

// Build builds the model of world w. Its steps, in order:
//
//  1. validate: reject WIT witgo cannot bind;
//  2. addInterfacePackages: one package per interface the world imports or
//     exports, in that order (directories, Go package names, import paths);
//  3. addWorldPackage: the world's own package, with the world's own types
//     and functions;
//  4. declarePackage, for each package: its types, their members, resource
//     client constructors, then its functions and resource methods;
//  5. markErrors: which error types implement error;
//  6. addWorldFields: the fields of the world's Go struct;
//  7. declareSentinels: the Err values of payload-less error cases;
//  8. declareWireConsts: the constants holding wire function names.
//
// Names are declared first come, first served, in that order, so a step
// must not move before another without changing generated names.
func Build(res *resolve.Resolve, w *resolve.World, opts Options) (*Model, error) {
	m := &Model{
		Resolve:     res,
		World:       &World{WIT: w, QualifiedName: w.QualifiedName()},
		byInterface: make(map[*resolve.Interface]*Package),
		named:       make(map[*resolve.TypeDef]*Named),
	}
	b := &builder{
		m:      m,
		w:      w,
		root:   strings.TrimSuffix(opts.PackageRoot, "/"),
		dirs:   make(map[string]bool),
		scopes: make(map[*Package]*Scope),
		labels: make(map[string]*Package),
	}
	b.addInterfacePackages()
	b.addWorldPackage()
	b.bodies = NewScope(nil, wireLocals...)
	for _, p := range m.Packages {
		b.bodies.Reserve(p.Name)
	}
	for _, p := range m.Packages {
		if err := b.declarePackage(p); err != nil {
			return nil, err
		}
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	m.markErrors()
	b.addWorldFields()
	b.declareSentinels()
	b.declareWireConsts()
	return m, nil
}

// builder holds the state of one Build between its steps.
type builder struct {
	m    *Model
	w    *resolve.World
	root string // PackageRoot without a trailing slash
	// dirs are the output directories already taken.
	dirs map[string]bool
	// scopes are the package-level name scopes, by package.
	scopes map[*Package]*Scope
	// labels are the packages of labelled imports and exports, by label.
	labels map[string]*Package
	// bodies is the parent of every function's scope: the names that the
	// generated function bodies use (wireLocals, package names).
	bodies *Scope

	// The world's own types and functions, imports then exports, and
	// whether each function is exported.
	worldTypes        []*resolve.TypeDef
	worldFuncs        []*resolve.Function
	worldFuncExported []bool
}

// addInterfacePackages adds a package for every interface the world imports
// and then every one it exports; an interface both imported and exported
// is one package. A labelled import or export ("import hot-cache:
// wasi:keyvalue/store;") is an instance of its own: it gets a package of its
// own, named after its label, with its own copy of the interface's types.
func (b *builder) addInterfacePackages() {
	for _, item := range b.w.Imports {
		if item.Interface != nil {
			b.m.World.Imports = append(b.m.World.Imports, b.addInterface(item, false))
		}
	}
	for _, item := range b.w.Exports {
		if item.Interface != nil {
			b.m.World.Exports = append(b.m.World.Exports, b.addInterface(item, true))
		}
	}
}

// addInterface returns the package of the interface of world item item,
// adding it if it is new, and marks it imported or exported.
func (b *builder) addInterface(item *resolve.WorldItem, exported bool) *Package {
	m := b.m
	i := item.Interface
	labelled := item.Name != "" && i.Name != ""
	if labelled {
		if p := b.labels[item.Name]; p != nil {
			i = p.Interface
		} else {
			i = resolve.CopyInterface(i)
		}
	}
	if p := m.byInterface[i]; p != nil {
		if exported {
			p.Exported = true
		} else {
			p.Imported = true
		}
		return p
	}
	p := &Package{Interface: i, Docs: i.Docs, InterfaceName: "Interface"}
	pkgID := i.Package.Name
	p.WITPackage = pkgID.String()
	name := item.Name
	switch {
	case labelled:
		// wRPC's generators (Go and Rust) name the instance of an item
		// keyed by a name, a label or an inline interface, after that
		// name in the interface's package: ns:pkg/label@version.
		p.WITName = item.Name
		p.Instance = pkgID.ID(item.Name)
		p.Dir = path.Join(packageDir(b.w.Package.Name), b.w.Name, name)
		b.labels[item.Name] = p
	case i.Name != "":
		name = i.Name
		p.WITName = i.QualifiedName()
		p.Instance = p.WITName
		p.Dir = path.Join(packageDir(pkgID), name)
	default:
		// An interface declared inline in a world lives under the world;
		// its instance is named as a labelled one's.
		p.WITName = item.Name
		p.Instance = pkgID.ID(item.Name)
		p.Dir = path.Join(packageDir(b.w.Package.Name), b.w.Name, name)
	}
	for b.dirs[p.Dir] {
		p.Dir += "_"
	}
	p.Name = goPackageName(name)
	if reservedPackageName(p.Name) {
		p.Name = goPackageName(pkgID.Name + "-" + name)
	}
	b.dirs[p.Dir] = true
	p.ImportPath = joinImport(b.root, p.Dir)
	if exported {
		p.Exported = true
	} else {
		p.Imported = true
	}
	m.byInterface[i] = p
	m.Packages = append(m.Packages, p)
	return p
}

// addWorldPackage collects the world's own types and functions and adds
// the world's package, last.
func (b *builder) addWorldPackage() {
	w := b.w
	collect := func(items []*resolve.WorldItem, exported bool) {
		for _, item := range items {
			switch {
			case item.Type != nil:
				b.worldTypes = append(b.worldTypes, item.Type)
			case item.Function != nil:
				b.worldFuncs = append(b.worldFuncs, item.Function)
				b.worldFuncExported = append(b.worldFuncExported, exported)
			}
		}
	}
	collect(w.Imports, false)
	collect(w.Exports, true)

	pkgID := w.Package.Name
	dir := path.Join(packageDir(pkgID), w.Name)
	for b.dirs[dir] {
		dir += "-world"
	}
	p := &Package{
		WITName:       b.m.World.QualifiedName,
		WITPackage:    pkgID.String(),
		Instance:      "",
		Name:          goPackageName(w.Name),
		Dir:           dir,
		Docs:          w.Docs,
		InterfaceName: "Imports",
		ExportsName:   "Exports",
	}
	if reservedPackageName(p.Name) {
		p.Name = goPackageName(pkgID.Name + "-" + w.Name)
	}
	p.ImportPath = joinImport(b.root, p.Dir)
	for _, e := range b.worldFuncExported {
		if e {
			p.Exported = true
		} else {
			p.Imported = true
		}
	}
	b.m.World.Package = p
	b.m.Packages = append(b.m.Packages, p)
}

// declarePackage names everything package p declares: types first
// (package scope), then their members, the client constructors of
// resources, the functions, and last the methods of each resource.
func (b *builder) declarePackage(p *Package) error {
	m := b.m
	sc := NewScope(nil, reservedPackageNames...)
	b.scopes[p] = sc
	b.declareWire(p, sc)
	var tds []*resolve.TypeDef
	if p.Interface != nil {
		tds = p.Interface.Types
	} else {
		tds = b.worldTypes
	}
	for _, td := range tds {
		p.Types = append(p.Types, m.declareType(p, td, sc))
	}
	// Member names come after all package-level names so that a type
	// keeps its plain name whatever the functions are called.
	for _, n := range p.Types {
		m.declareMembers(n, sc)
	}
	for _, n := range p.Types {
		if n.Kind == KindResource {
			n.ClientCtor = sc.Declare("New" + n.GoName + "Client")
			n.ClientType = sc.Declare(LowerFirst(n.GoName) + "Client")
			n.Unimplemented = sc.Declare("Unimplemented" + n.GoName)
		}
	}
	if err := b.declareFuncs(p); err != nil {
		return err
	}
	for _, n := range p.Types {
		if n.Kind == KindResource {
			// The generated client value embeds wrpc.RemoteResource.
			sc := NewScope(nil, "RemoteResource", "WRPCHandle")
			for _, fn := range n.Methods {
				fn.GoName = sc.Declare(fn.GoName)
			}
		}
	}
	return nil
}

// declareFuncs builds the functions of package p and files each under its
// resource (methods), the world's exports, or the package's Go interface.
// The Go interface and the exports have a method scope each.
func (b *builder) declareFuncs(p *Package) error {
	var fns []*resolve.Function
	if p.Interface != nil {
		fns = p.Interface.Functions
	} else {
		fns = b.worldFuncs
	}
	ifaceScope := NewScope(nil)
	exportScope := NewScope(nil)
	for i, f := range fns {
		exported := p.Interface == nil && b.worldFuncExported[i]
		sc := ifaceScope
		if exported {
			sc = exportScope
		}
		fn, err := b.m.buildFunc(p, f, sc, b.bodies)
		if err != nil {
			return err
		}
		switch {
		case fn.Kind == Method:
			fn.Resource.Methods = append(fn.Resource.Methods, fn)
		case exported:
			p.ExportFuncs = append(p.ExportFuncs, fn)
		default:
			p.Funcs = append(p.Funcs, fn)
		}
	}
	return nil
}

// addWorldFields lists the fields of the world's Go struct: one per
// interface package with functions, then the world's imports and exports.
func (b *builder) addWorldFields() {
	m := b.m
	fields := NewScope(nil, reservedPackageNames...)
	for _, p := range m.Packages {
		if p.Interface != nil && len(p.Funcs) > 0 {
			m.World.Fields = append(m.World.Fields, &WorldField{GoName: fields.Declare(GoName(path.Base(p.Dir))), Package: p})
		}
	}
	if wp := m.World.Package; len(wp.Funcs) > 0 {
		m.World.Fields = append(m.World.Fields, &WorldField{GoName: "Imports", Package: wp})
	}
	if wp := m.World.Package; len(wp.ExportFuncs) > 0 {
		m.World.Fields = append(m.World.Fields, &WorldField{GoName: "Exports", Package: wp, Exports: true})
	}
}

// declareSentinels names the Err value of every payload-less case of a
// variant used as an error. Sentinels are package-level names, declared
// once errors are known.
func (b *builder) declareSentinels() {
	for _, p := range b.m.Packages {
		sc := b.scopes[p]
		for _, n := range p.Types {
			if n.Kind != KindVariant || !n.IsError {
				continue
			}
			for _, c := range n.Cases {
				if c.Type == nil {
					c.Sentinel = sc.Declare("Err" + GoName(c.WITName))
				}
			}
		}
	}
}

// declareWire names the package-level identifiers of p's wRPC file that
// do not depend on its WIT items. The exported ones are reserved in every
// package (reservedPackageNames); the unexported ones cannot meet a WIT
// type's name but are declared before any so that resource client types
// keep clear of them.
func (b *builder) declareWire(p *Package, sc *Scope) {
	w := &p.Wire
	w.Instance = "Instance"
	if p.Interface != nil {
		w.Client = sc.Declare("client")
		w.ClientCtor, w.Register, w.Unimplemented = "NewClient", "Register", "Unimplemented"+p.InterfaceName
		w.RegisterResources = "Register"
		return
	}
	w.Client, w.ClientCtor = sc.Declare("importsClient"), sc.Declare("newImportsClient")
	w.Register, w.Unimplemented = sc.Declare("registerImports"), "Unimplemented"+p.InterfaceName
	w.ExportsClient, w.ExportsClientCtor = sc.Declare("exportsClient"), sc.Declare("newExportsClient")
	w.RegisterExports, w.UnimplementedExports = sc.Declare("registerExports"), "Unimplemented"+p.ExportsName
	w.RegisterResources = sc.Declare("registerResources")
	w.World, w.WorldClientCtor, w.WorldRegister = "World", "NewClient", "Register"
}

// declareWireConsts names the constant holding the wire name of every
// function: the Go method's name, after its resource's for a method, and
// "FunctionName". An import and an export of a world with the same wire
// name share theirs.
func (b *builder) declareWireConsts() {
	for _, p := range b.m.Packages {
		sc := b.scopes[p]
		byWire := map[string]string{}
		for _, fn := range p.allFuncs() {
			if c, ok := byWire[fn.WireName]; ok {
				fn.WireConst = c
				continue
			}
			name := fn.GoName
			if fn.Kind == Method {
				name = fn.Resource.GoName + name
			}
			fn.WireConst = sc.Declare(name + "FunctionName")
			byWire[fn.WireName] = fn.WireConst
		}
	}
}

// packageDir is the output folder of a WIT package: namespace/name/vVERSION.
func packageDir(id resolve.PackageName) string {
	d := path.Join(id.Namespace, id.Name)
	if id.Version != "" {
		d = path.Join(d, "v"+id.Version)
	}
	return d
}

func joinImport(root, dir string) string {
	if root == "" {
		return dir
	}
	return root + "/" + dir
}

func (m *Model) declareType(p *Package, td *resolve.TypeDef, sc *Scope) *Named {
	n := &Named{TypeDef: td, Package: p, WITName: td.Name, Docs: td.Docs}
	n.GoName = sc.Declare(GoName(n.WITName))
	switch td.Kind.(type) {
	case *resolve.Record:
		n.Kind = KindRecord
	case *resolve.Variant:
		n.Kind = KindVariant
	case *resolve.Enum:
		n.Kind = KindEnum
	case *resolve.Flags:
		n.Kind = KindFlags
	case *resolve.ResourceKind:
		n.Kind = KindResource
	default:
		n.Kind = KindAlias
	}
	m.named[td] = n
	return n
}

// declareMembers names the constants, constructors, fields and methods that
// belong to a type.
func (m *Model) declareMembers(n *Named, sc *Scope) {
	switch k := n.TypeDef.Kind.(type) {
	case *resolve.Record:
		fs := NewScope(nil, append([]string{"Error"}, codecMethods...)...) // a record used as an error gets an Error method
		for _, f := range k.Fields {
			n.Fields = append(n.Fields, &Field{WITName: f.Name, GoName: fs.Declare(GoName(f.Name)), Type: f.Type, Docs: f.Docs})
		}
	case *resolve.Variant:
		n.CaseType = sc.Declare(n.GoName + "Case")
		methods := NewScope(nil, append([]string{"Case", "String", "Error", "Is"}, codecMethods...)...)
		for _, c := range k.Cases {
			cs := &Case{WITName: c.Name, Docs: c.Docs, Type: c.Type}
			cs.Const = sc.Declare(n.CaseType + GoName(c.Name))
			cs.Ctor = sc.Declare(n.GoName + GoName(c.Name))
			if c.Type != nil {
				cs.Getter = methods.Declare(GoName(c.Name))
			}
			n.Cases = append(n.Cases, cs)
		}
	case *resolve.Enum:
		for _, c := range k.Cases {
			n.Cases = append(n.Cases, &Case{WITName: c.Name, Docs: c.Docs, Const: sc.Declare(n.GoName + GoName(c.Name))})
		}
	case *resolve.Flags:
		switch l := len(k.Flags); {
		case l <= 8:
			n.FlagsBits = 8
		case l <= 16:
			n.FlagsBits = 16
		case l <= 32:
			n.FlagsBits = 32
		default:
			n.FlagsBits = 64
		}
		for _, f := range k.Flags {
			n.Flags = append(n.Flags, &Flag{WITName: f.Name, Docs: f.Docs, Const: sc.Declare(n.GoName + GoName(f.Name))})
		}
	}
}

func (m *Model) buildFunc(p *Package, f *resolve.Function, ifaceScope, bodies *Scope) (*Func, error) {
	fn := &Func{WIT: f, Package: p, WITName: f.BaseName(), Docs: f.Docs}
	params := f.Params
	owner := f.Resource
	switch f.Kind {
	case resolve.Freestanding:
		fn.Kind = Freestanding
		fn.WireName = f.Name
		fn.GoName = ifaceScope.Declare(GoName(f.Name))
	case resolve.Method:
		fn.Kind = Method
		params = params[1:]
		fn.GoName = GoName(fn.WITName)
	case resolve.Static:
		fn.Kind = Static
		fn.GoName = ifaceScope.Declare(GoName(owner.Name) + GoName(fn.WITName))
	case resolve.Constructor:
		fn.Kind = Constructor
		fn.GoName = ifaceScope.Declare("New" + GoName(owner.Name))
	default:
		panic(fmt.Sprintf("BUG: unknown function kind %d", f.Kind))
	}
	if owner != nil {
		fn.Resource = m.named[owner]
		if fn.Resource == nil {
			return nil, fmt.Errorf("%s: function %q belongs to resource %q, which is not declared in this interface", p.WITName, f.Name, owner.Name)
		}
		// wRPC names a resource's functions "r.f", and its constructor "r".
		fn.WireName = owner.Name
		if fn.Kind != Constructor {
			fn.WireName += "." + fn.WITName
		}
	}
	locals := NewScope(nil)
	body := NewScope(bodies)
	for _, prm := range params {
		p := &Param{WITName: prm.Name, GoName: locals.Declare(goLocalName(prm.Name)), Type: prm.Type}
		p.Local = body.Declare(p.GoName)
		fn.Params = append(fn.Params, p)
	}
	if t := f.Result; t == nil {
		fn.Results.Kind = ResultsNone
	} else {
		fn.Results.WIT = t
		switch k := resolve.Underlying(t).(type) {
		case *resolve.Result:
			fn.Results.Err = k.Err
			switch {
			case k.Ok == nil:
				fn.Results.Kind = ResultsErrOnly
			case isOption(k.Ok):
				fn.Results.Kind = ResultsOKOption
				fn.Results.Value = resolve.Underlying(k.Ok).(*resolve.Option).Type
			default:
				fn.Results.Kind = ResultsOK
				fn.Results.Value = k.Ok
			}
		case *resolve.Option:
			fn.Results.Kind = ResultsOption
			fn.Results.Value = k.Type
		default:
			fn.Results.Kind = ResultsValue
			fn.Results.Value = t
		}
	}
	switch fn.Results.Kind {
	case ResultsValue, ResultsOK, ResultsOption, ResultsOKOption:
		fn.ResultLocal = body.Declare("res")
	}
	return fn, nil
}

// markErrors decides, for every function whose result has an error type,
// whether that type's Go type implements error itself or is wrapped.
func (m *Model) markErrors() {
	for _, p := range m.Packages {
		for _, fn := range p.allFuncs() {
			if fn.Results.Err == nil {
				continue
			}
			td, ok := fn.Results.Err.(*resolve.TypeDef)
			if !ok {
				fn.Results.ErrWrapped = true
				continue
			}
			n := m.named[td.Root()]
			if n == nil || n.Kind == KindResource || n.Kind == KindAlias {
				fn.Results.ErrWrapped = true
				continue
			}
			n.IsError = true
		}
	}
}

func (p *Package) allFuncs() []*Func {
	fns := append(append([]*Func(nil), p.Funcs...), p.ExportFuncs...)
	for _, n := range p.Types {
		fns = append(fns, n.Methods...)
	}
	return fns
}

func isOption(t resolve.Type) bool {
	_, ok := resolve.Underlying(t).(*resolve.Option)
	return ok
}

// reservedPackageName reports whether name cannot be a generated package's
// name: Go keywords, predeclared identifiers, the names generated code uses
// for locals, and main and init.
func reservedPackageName(name string) bool {
	return predeclared[name] || isReservedLocal(name) || name == "main" || name == "init"
}

// validate rejects WIT that has no Go form in witgo, naming the WIT item.
// Only what the world uses counts: a type the world never reaches may be of
// any kind.
func (m *Model) validate() error {
	var fns []*resolve.Function
	for _, p := range m.Packages {
		for _, f := range append(append([]*Func(nil), p.Funcs...), p.ExportFuncs...) {
			fns = append(fns, f.WIT)
		}
		for _, n := range p.Types {
			for _, f := range n.Methods {
				fns = append(fns, f.WIT)
			}
		}
	}
	reached := map[*resolve.TypeDef]bool{}
	var order []*resolve.TypeDef
	var walk func(t resolve.Type)
	walk = func(t resolve.Type) {
		td, ok := t.(*resolve.TypeDef)
		if !ok || td == nil || reached[td] {
			return
		}
		reached[td] = true
		order = append(order, td)
		switch k := td.Kind.(type) {
		case *resolve.Alias:
			walk(k.Type)
		case *resolve.Record:
			for _, f := range k.Fields {
				walk(f.Type)
			}
		case *resolve.Variant:
			for _, c := range k.Cases {
				walk(c.Type)
			}
		case *resolve.Tuple:
			for _, e := range k.Types {
				walk(e)
			}
		case *resolve.List:
			walk(k.Type)
		case *resolve.FixedList:
			walk(k.Type)
		case *resolve.Map:
			walk(k.Key)
			walk(k.Value)
		case *resolve.Option:
			walk(k.Type)
		case *resolve.Result:
			walk(k.Ok)
			walk(k.Err)
		case *resolve.Handle:
			walk(k.Resource)
		case *resolve.Future:
			walk(k.Type)
		case *resolve.Stream:
			walk(k.Type)
		}
	}
	for _, f := range fns {
		for _, p := range f.Params {
			walk(p.Type)
		}
		walk(f.Result)
	}
	for _, p := range m.Packages {
		for _, n := range p.Types {
			walk(n.TypeDef)
		}
	}
	for _, td := range order {
		switch k := td.Kind.(type) {
		case *resolve.Tuple:
			if len(k.Types) > maxTuple {
				return fmt.Errorf("%s: tuple of %d elements: witgo supports tuples of up to %d", describe(td), len(k.Types), maxTuple)
			}
		case *resolve.Flags:
			if len(k.Flags) > 64 {
				return fmt.Errorf("%s: flags with %d members: witgo supports up to 64", describe(td), len(k.Flags))
			}
		case *resolve.Map:
			// The resolver checks WIT text; the JSON form is read as is.
			if !MapKey(k.Key) {
				return fmt.Errorf("%s: map key %s: map keys must be bool, integers, char or string", describe(td), resolve.TypeText(k.Key))
			}
		}
	}
	return nil
}

// MapKey reports whether a WIT type can key a map: bool, an integer, char
// or string (what WIT allows), each of which can key a Go map.
func MapKey(t resolve.Type) bool {
	p, ok := t.(resolve.Prim)
	if !ok {
		return false
	}
	switch p {
	case "f32", "f64", "error-context":
		return false
	}
	return true
}

// maxTuple equals cm.MaxTuple.
const maxTuple = 16

// describe names a type definition by its WIT owner and name.
func describe(td *resolve.TypeDef) string {
	name := td.Name
	if name == "" {
		name = "(anonymous type)"
	}
	switch o := td.Owner; {
	case o.Interface != nil && o.Interface.Name != "":
		return o.Interface.QualifiedName() + "." + name
	case o.World != nil:
		return o.World.QualifiedName() + "." + name
	}
	return name
}
