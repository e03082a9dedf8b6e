package parser_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// build loads the WIT source src as one file and builds the model of world
// (the only world when empty) for package root root.
func build(t *testing.T, src, world, root string) *parser.Model {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.wit")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := parser.LoadModel(path, world, parser.Options{PackageRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pkg returns the package of m whose WIT name is witName.
func pkg(t *testing.T, m *parser.Model, witName string) *parser.Package {
	t.Helper()
	for _, p := range m.Packages {
		if p.WITName == witName {
			return p
		}
	}
	t.Fatalf("no package %s", witName)
	return nil
}

// named returns the type witName declared by package p.
func named(t *testing.T, p *parser.Package, witName string) *parser.Named {
	t.Helper()
	for _, n := range p.Types {
		if n.WITName == witName {
			return n
		}
	}
	t.Fatalf("%s: no type %s", p.WITName, witName)
	return nil
}

// fn returns the function of p (its Go interface, exports or resource
// methods) whose WIT name is witName.
func fn(t *testing.T, p *parser.Package, witName string) *parser.Func {
	t.Helper()
	all := append(append([]*parser.Func(nil), p.Funcs...), p.ExportFuncs...)
	for _, n := range p.Types {
		all = append(all, n.Methods...)
	}
	for _, f := range all {
		if f.WIT.Name == witName {
			return f
		}
	}
	t.Fatalf("%s: no function %s", p.WITName, witName)
	return nil
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// typeString writes a WIT type briefly: a named type by its name, an
// anonymous one by its WIT kind.
func typeString(t resolve.Type) string {
	if t == nil {
		return "-"
	}
	return resolve.TypeText(t)
}

const packagesWIT = `package example:pkg@1.0.0;

interface types {
  record point { x: u32 }
}
interface store {
  use types.{point};
  get: func() -> point;
}
interface %type { f: func(); }
interface main { f: func(); }
interface imports { f: func(); }
interface exported-one { g: func(); }
interface both { h: func(); }
interface unused { u: func(); }

world w {
  import store;
  import %type;
  import main;
  import imports;
  import both;
  import inline-iface: interface { h: func(); }
  export exported-one;
  export both;
}
`

// TestBuildPackages checks which interfaces become packages, in which
// order, and their names, folders and import paths.
func TestBuildPackages(t *testing.T) {
	for _, root := range []string{"example.com/out", "example.com/out/"} {
		m := build(t, packagesWIT, "", root)
		var got []string
		for _, p := range m.Packages {
			got = append(got, fmt.Sprintf("%s name=%s dir=%s import=%s instance=%q iface=%s imported=%v exported=%v",
				p.WITName, p.Name, p.Dir, p.ImportPath, p.Instance, p.InterfaceName, p.Imported, p.Exported))
		}
		want := []string{
			// types is imported only because store uses one of its types.
			"example:pkg/types@1.0.0 name=types dir=example/pkg/v1.0.0/types import=example.com/out/example/pkg/v1.0.0/types instance=\"example:pkg/types@1.0.0\" iface=Interface imported=true exported=false",
			"example:pkg/store@1.0.0 name=store dir=example/pkg/v1.0.0/store import=example.com/out/example/pkg/v1.0.0/store instance=\"example:pkg/store@1.0.0\" iface=Interface imported=true exported=false",
			// A Go keyword, main or a predeclared name is prefixed with the
			// WIT package name. The WIT and instance names drop WIT's %
			// escape, as wRPC's generators name the instance.
			"example:pkg/type@1.0.0 name=pkgtype dir=example/pkg/v1.0.0/type import=example.com/out/example/pkg/v1.0.0/type instance=\"example:pkg/type@1.0.0\" iface=Interface imported=true exported=false",
			"example:pkg/main@1.0.0 name=pkgmain dir=example/pkg/v1.0.0/main import=example.com/out/example/pkg/v1.0.0/main instance=\"example:pkg/main@1.0.0\" iface=Interface imported=true exported=false",
			"example:pkg/imports@1.0.0 name=imports dir=example/pkg/v1.0.0/imports import=example.com/out/example/pkg/v1.0.0/imports instance=\"example:pkg/imports@1.0.0\" iface=Interface imported=true exported=false",
			// Imported and exported: one package.
			"example:pkg/both@1.0.0 name=both dir=example/pkg/v1.0.0/both import=example.com/out/example/pkg/v1.0.0/both instance=\"example:pkg/both@1.0.0\" iface=Interface imported=true exported=true",
			// An inline interface lives under the world, named by its key; its
			// wRPC instance is the key in the world's package, as wRPC's
			// generators name it.
			"inline-iface name=inlineiface dir=example/pkg/v1.0.0/w/inline-iface import=example.com/out/example/pkg/v1.0.0/w/inline-iface instance=\"example:pkg/inline-iface@1.0.0\" iface=Interface imported=true exported=false",
			"example:pkg/exported-one@1.0.0 name=exportedone dir=example/pkg/v1.0.0/exported-one import=example.com/out/example/pkg/v1.0.0/exported-one instance=\"example:pkg/exported-one@1.0.0\" iface=Interface imported=false exported=true",
			// The world's package, last.
			"example:pkg/w@1.0.0 name=w dir=example/pkg/v1.0.0/w import=example.com/out/example/pkg/v1.0.0/w instance=\"\" iface=Imports imported=false exported=false",
		}
		diff(t, "packages (root "+root+")", want, got)

		var imports, exports []string
		for _, p := range m.World.Imports {
			imports = append(imports, p.Dir)
		}
		for _, p := range m.World.Exports {
			exports = append(exports, p.Dir)
		}
		diff(t, "World.Imports", []string{
			"example/pkg/v1.0.0/types", "example/pkg/v1.0.0/store", "example/pkg/v1.0.0/type", "example/pkg/v1.0.0/main",
			"example/pkg/v1.0.0/imports", "example/pkg/v1.0.0/both", "example/pkg/v1.0.0/w/inline-iface",
		}, imports)
		diff(t, "World.Exports", []string{"example/pkg/v1.0.0/exported-one", "example/pkg/v1.0.0/both"}, exports)
		if m.World.Package != m.Packages[len(m.Packages)-1] {
			t.Errorf("World.Package is not the last package")
		}
		if m.World.QualifiedName != "example:pkg/w@1.0.0" {
			t.Errorf("QualifiedName = %q", m.World.QualifiedName)
		}
		for _, p := range m.Packages[:len(m.Packages)-1] {
			if m.PackageOf(p.Interface) != p {
				t.Errorf("PackageOf(%s) is not its package", p.WITName)
			}
		}

		// World fields: packages with functions, named after their folder;
		// "Imports" is reserved, so interface imports gets Imports_.
		var fields []string
		for _, f := range m.World.Fields {
			fields = append(fields, fmt.Sprintf("%s=%s exports=%v", f.GoName, f.Package.Dir, f.Exports))
		}
		diff(t, "World.Fields", []string{
			"Store=example/pkg/v1.0.0/store exports=false",
			"Type=example/pkg/v1.0.0/type exports=false",
			"Main=example/pkg/v1.0.0/main exports=false",
			"Imports_=example/pkg/v1.0.0/imports exports=false",
			"Both=example/pkg/v1.0.0/both exports=false",
			"InlineIface=example/pkg/v1.0.0/w/inline-iface exports=false",
			"ExportedOne=example/pkg/v1.0.0/exported-one exports=false",
		}, fields)
	}
}

// TestBuildNoPackageRoot checks that import paths are the folders when
// there is no package root.
func TestBuildNoPackageRoot(t *testing.T) {
	m := build(t, "package a:b;\ninterface i { f: func(); }\nworld x { import i; }\n", "", "")
	var got []string
	for _, p := range m.Packages {
		got = append(got, p.ImportPath)
	}
	diff(t, "import paths", []string{"a/b/i", "a/b/x"}, got)
}

const namesWIT = `package example:names;

interface names {
  record http-request {
    url: string,
    %type: u8,
    error: u32,
    encode-WRPC: u8,
    user-id: u8,
  }
  type client = u32;
  type server = u32;
  type ip-address = string;
  type color-red = u8;
  enum color { red, green }
  flags perms { read, write }
  variant failure {
    %string(string),
    not-found,
    %case(u8),
  }
  resource thing {
    constructor();
  }
  new-thing: func();
  get-URL: func(%type: string, ctx: u32, err-code: u32, key-values: list<u8>, %string: string) -> string;
}

world w { import names; }
`

// TestBuildNames checks Go names: case conversion, initialisms, keywords
// and predeclared names, and collisions resolved first come, first served
// with trailing underscores.
func TestBuildNames(t *testing.T) {
	m := build(t, namesWIT, "", "example.com/out")
	p := pkg(t, m, "example:names/names")

	var types []string
	for _, n := range p.Types {
		types = append(types, n.WITName+"="+n.GoName)
	}
	diff(t, "type names", []string{
		"http-request=HTTPRequest",
		"client=Client_", // Client is the generated wRPC client
		"server=Server_",
		"ip-address=IPAddress",
		"color-red=ColorRed",
		"color=Color",
		"perms=Perms",
		"failure=Failure",
		"thing=Thing",
	}, types)

	var fields []string
	for _, f := range named(t, p, "http-request").Fields {
		fields = append(fields, f.WITName+"="+f.GoName)
	}
	diff(t, "record fields", []string{
		"url=URL", "type=Type",
		"error=Error_",            // records used as errors get an Error method
		"encode-WRPC=EncodeWRPC_", // a codec method
		"user-id=UserID",
	}, fields)

	var consts []string
	color := named(t, p, "color")
	for _, c := range color.Cases {
		consts = append(consts, c.WITName+"="+c.Const)
	}
	// The type color-red was declared first and keeps ColorRed.
	diff(t, "enum constants", []string{"red=ColorRed_", "green=ColorGreen"}, consts)
	if color.Kind != parser.KindEnum {
		t.Errorf("color: kind %v, want KindEnum", color.Kind)
	}

	perms := named(t, p, "perms")
	consts = nil
	for _, f := range perms.Flags {
		consts = append(consts, f.WITName+"="+f.Const)
	}
	diff(t, "flag constants", []string{"read=PermsRead", "write=PermsWrite"}, consts)
	if perms.Kind != parser.KindFlags || perms.FlagsBits != 8 {
		t.Errorf("perms: kind %v, %d bits; want KindFlags, 8", perms.Kind, perms.FlagsBits)
	}

	failure := named(t, p, "failure")
	if failure.Kind != parser.KindVariant || failure.CaseType != "FailureCase" {
		t.Errorf("failure: kind %v, case type %q; want KindVariant, FailureCase", failure.Kind, failure.CaseType)
	}
	var cases []string
	for _, c := range failure.Cases {
		cases = append(cases, fmt.Sprintf("%s const=%s ctor=%s getter=%q type=%s", c.WITName, c.Const, c.Ctor, c.Getter, typeString(c.Type)))
	}
	diff(t, "variant cases", []string{
		"string const=FailureCaseString ctor=FailureString getter=\"String_\" type=string", // String is the variant's Stringer
		"not-found const=FailureCaseNotFound ctor=FailureNotFound getter=\"\" type=-",
		"case const=FailureCaseCase ctor=FailureCase_ getter=\"Case_\" type=u8", // FailureCase is the case type
	}, cases)

	var funcs []string
	for _, f := range p.Funcs {
		funcs = append(funcs, f.WIT.Name+"="+f.GoName)
	}
	// The constructor comes first in WIT order and keeps NewThing.
	diff(t, "interface methods", []string{"[constructor]thing=NewThing", "new-thing=NewThing_", "get-URL=GetURL"}, funcs)
	if got := named(t, p, "thing").ClientCtor; got != "NewThingClient" {
		t.Errorf("thing: ClientCtor %q, want NewThingClient", got)
	}

	var params []string
	for _, prm := range fn(t, p, "get-URL").Params {
		params = append(params, prm.WITName+"="+prm.GoName)
	}
	diff(t, "parameters", []string{"type=type_", "ctx=ctx_", "err-code=errCode", "key-values=keyValues", "string=string_"}, params)
}

const resourceWIT = `package example:res;

interface store {
  variant error { no-such-store, other(string) }
  resource bucket {
    constructor(name: string);
    get: func(key: string) -> option<list<u8>>;
    set: func(key: string, value: list<u8>) -> result<_, error>;
    open: static func(name: string) -> result<bucket, error>;
    %list: func() -> list<string>;
  }
  resource cursor {
    get: func() -> u64;
  }
  bucket-open: func();
}

world w { import store; }
`

// TestBuildResources checks how resource functions are bound: methods on
// the resource, statics and constructors on the package interface.
func TestBuildResources(t *testing.T) {
	m := build(t, resourceWIT, "", "example.com/out")
	p := pkg(t, m, "example:res/store")
	bucket := named(t, p, "bucket")
	if bucket.Kind != parser.KindResource {
		t.Fatalf("bucket: kind %v, want KindResource", bucket.Kind)
	}
	describe := func(f *parser.Func) string {
		var ps []string
		for _, prm := range f.Params {
			ps = append(ps, prm.GoName+" "+typeString(prm.Type))
		}
		owner := "-"
		if f.Resource != nil {
			owner = f.Resource.WITName
		}
		return fmt.Sprintf("%s kind=%d go=%s wire=%s base=%s owner=%s params=(%s)", f.WIT.Name, f.Kind, f.GoName, f.WireName, f.WITName, owner, strings.Join(ps, ", "))
	}
	var methods []string
	for _, f := range bucket.Methods {
		methods = append(methods, describe(f))
	}
	diff(t, "bucket methods", []string{
		// The receiver is not a parameter.
		fmt.Sprintf("[method]bucket.get kind=%d go=Get wire=bucket.get base=get owner=bucket params=(key string)", parser.Method),
		fmt.Sprintf("[method]bucket.set kind=%d go=Set wire=bucket.set base=set owner=bucket params=(key string, value list<u8>)", parser.Method),
		fmt.Sprintf("[method]bucket.list kind=%d go=List wire=bucket.list base=list owner=bucket params=()", parser.Method),
	}, methods)
	var cursor []string
	for _, f := range named(t, p, "cursor").Methods {
		cursor = append(cursor, describe(f))
	}
	// Method names are scoped by resource: cursor.get is Get too.
	diff(t, "cursor methods", []string{
		fmt.Sprintf("[method]cursor.get kind=%d go=Get wire=cursor.get base=get owner=cursor params=()", parser.Method),
	}, cursor)
	var funcs []string
	for _, f := range p.Funcs {
		funcs = append(funcs, describe(f))
	}
	diff(t, "interface methods", []string{
		fmt.Sprintf("[constructor]bucket kind=%d go=NewBucket wire=bucket base=constructor owner=bucket params=(name string)", parser.Constructor),
		fmt.Sprintf("[static]bucket.open kind=%d go=BucketOpen wire=bucket.open base=open owner=bucket params=(name string)", parser.Static),
		// A freestanding function named like the static comes second.
		fmt.Sprintf("bucket-open kind=%d go=BucketOpen_ wire=bucket-open base=bucket-open owner=- params=()", parser.Freestanding),
	}, funcs)
	for _, f := range append(append([]*parser.Func(nil), p.Funcs...), bucket.Methods...) {
		if f.Package != p {
			t.Errorf("%s: Package is %v", f.WIT.Name, f.Package)
		}
		if f.Resource != nil && f.Resource != bucket {
			t.Errorf("%s: Resource is not bucket", f.WIT.Name)
		}
	}
}

const resultsWIT = `package example:results;

interface errs {
  variant error { no-such-store, access-denied, other(string) }
  record rec-err { msg: string }
  enum code { a, b }
  enum unused-code { c }
  type alias-err = error;
  type str-err = string;
  type maybe = option<u32>;
  type err-access-denied = u32;
  resource handle;

  f-none: func();
  f-value: func() -> u32;
  f-option: func() -> option<string>;
  f-option-alias: func() -> maybe;
  f-tuple: func() -> tuple<u32, u32>;
  f-err-only: func() -> result<_, error>;
  f-bare-result: func() -> result;
  f-ok-string: func() -> result<u32, string>;
  f-ok-option: func() -> result<option<u32>, rec-err>;
  f-ok-alias-option: func() -> result<maybe, code>;
  f-alias-err: func() -> result<u32, alias-err>;
  f-str-err: func() -> result<u32, str-err>;
  f-handle-err: func() -> result<u32, handle>;
  f-list-err: func() -> result<u32, list<u8>>;
}

world w { import errs; }
`

// TestBuildResults checks the Go shape of function results and which error
// types implement error.
func TestBuildResults(t *testing.T) {
	m := build(t, resultsWIT, "", "example.com/out")
	p := pkg(t, m, "example:results/errs")
	tests := []struct {
		fn         string
		kind       parser.ResultsKind
		value, err string
		wrapped    bool
	}{
		{"f-none", parser.ResultsNone, "-", "-", false},
		{"f-value", parser.ResultsValue, "u32", "-", false},
		{"f-option", parser.ResultsOption, "string", "-", false},
		{"f-option-alias", parser.ResultsOption, "u32", "-", false},
		{"f-tuple", parser.ResultsValue, "tuple<u32, u32>", "-", false},
		{"f-err-only", parser.ResultsErrOnly, "-", "error", false},
		{"f-bare-result", parser.ResultsErrOnly, "-", "-", false},
		{"f-ok-string", parser.ResultsOK, "u32", "string", true},
		{"f-ok-option", parser.ResultsOKOption, "u32", "rec-err", false},
		{"f-ok-alias-option", parser.ResultsOKOption, "u32", "code", false},
		{"f-alias-err", parser.ResultsOK, "u32", "alias-err", false},
		{"f-str-err", parser.ResultsOK, "u32", "str-err", true},
		{"f-handle-err", parser.ResultsOK, "u32", "handle", true},
		{"f-list-err", parser.ResultsOK, "u32", "list<u8>", true},
	}
	for _, tt := range tests {
		r := fn(t, p, tt.fn).Results
		got := fmt.Sprintf("kind=%d value=%s err=%s wrapped=%v", r.Kind, typeString(r.Value), typeString(r.Err), r.ErrWrapped)
		want := fmt.Sprintf("kind=%d value=%s err=%s wrapped=%v", tt.kind, tt.value, tt.err, tt.wrapped)
		if got != want {
			t.Errorf("%s: results %s, want %s", tt.fn, got, want)
		}
	}

	var isError []string
	for _, n := range p.Types {
		if n.IsError {
			isError = append(isError, n.WITName)
		}
	}
	// alias-err marks the variant it names, not itself.
	diff(t, "types that implement error", []string{"error", "rec-err", "code"}, isError)

	var sentinels []string
	for _, c := range named(t, p, "error").Cases {
		sentinels = append(sentinels, c.WITName+"="+c.Sentinel)
	}
	// The type err-access-denied keeps its name; sentinels come last.
	diff(t, "sentinels", []string{"no-such-store=ErrNoSuchStore", "access-denied=ErrAccessDenied_", "other="}, sentinels)
	if got := named(t, p, "err-access-denied").GoName; got != "ErrAccessDenied" {
		t.Errorf("err-access-denied: GoName %q", got)
	}
}

const aliasWIT = `package example:alias;

interface types {
  record point { x: u32 }
  type id = u64;
}
interface user {
  use types.{point, id as user-id};
  type points = list<point>;
  type again = point;
  f: func(p: again) -> user-id;
}

world w { import user; }
`

// TestBuildAliases checks that use, renamed use, type aliases and named
// anonymous types are aliases declared in the using package.
func TestBuildAliases(t *testing.T) {
	m := build(t, aliasWIT, "", "example.com/out")
	types := pkg(t, m, "example:alias/types")
	user := pkg(t, m, "example:alias/user")
	var got []string
	for _, n := range user.Types {
		got = append(got, fmt.Sprintf("%s=%s kind=%d root=%s", n.WITName, n.GoName, n.Kind, m.Named(n.TypeDef.Root()).GoName))
		if n.Package != user {
			t.Errorf("%s: Package is not user", n.WITName)
		}
	}
	diff(t, "user types", []string{
		fmt.Sprintf("point=Point kind=%d root=Point", parser.KindAlias),
		fmt.Sprintf("user-id=UserID kind=%d root=ID", parser.KindAlias), // root stops at types.id, an alias of u64
		fmt.Sprintf("points=Points kind=%d root=Points", parser.KindAlias),
		fmt.Sprintf("again=Again kind=%d root=Point", parser.KindAlias),
	}, got)
	if n := m.Named(named(t, user, "point").TypeDef.Root()); n != named(t, types, "point") || n.Kind != parser.KindRecord {
		t.Errorf("user.point does not lead to the record types.point")
	}
}

const worldFuncsWIT = `package example:wf;

world app {
  record config { name: string }
  import log: func(msg: string);
  import get-config: func() -> config;
  export run: func(cfg: config) -> result<_, string>;
  export get-config: func();
}
`

// TestBuildWorldFunctions checks a world's own types and functions: they
// make the world's package, with imports and exports in separate Go
// interfaces and world fields.
func TestBuildWorldFunctions(t *testing.T) {
	m := build(t, worldFuncsWIT, "", "example.com/out")
	if len(m.Packages) != 1 {
		t.Fatalf("%d packages, want the world's only", len(m.Packages))
	}
	p := m.World.Package
	got := fmt.Sprintf("%s name=%s dir=%s iface=%s exports=%s imported=%v exported=%v", p.WITName, p.Name, p.Dir, p.InterfaceName, p.ExportsName, p.Imported, p.Exported)
	diff(t, "world package", "example:wf/app name=app dir=example/wf/app iface=Imports exports=Exports imported=true exported=true", got)
	if p.Interface != nil {
		t.Errorf("world package has an interface")
	}
	if n := named(t, p, "config"); n.Kind != parser.KindRecord || n.GoName != "Config" || n.Package != p {
		t.Errorf("config: kind %v, GoName %q", n.Kind, n.GoName)
	}
	var imports, exports []string
	for _, f := range p.Funcs {
		imports = append(imports, f.WIT.Name+"="+f.GoName+" wire="+f.WireName)
	}
	for _, f := range p.ExportFuncs {
		exports = append(exports, f.WIT.Name+"="+f.GoName+" wire="+f.WireName)
	}
	diff(t, "world imports", []string{"log=Log wire=log", "get-config=GetConfig wire=get-config"}, imports)
	// Exports have their own scope: get-config is GetConfig there too.
	diff(t, "world exports", []string{"run=Run wire=run", "get-config=GetConfig wire=get-config"}, exports)
	var fields []string
	for _, f := range m.World.Fields {
		fields = append(fields, fmt.Sprintf("%s exports=%v", f.GoName, f.Exports))
	}
	diff(t, "world fields", []string{"Imports exports=false", "Exports exports=true"}, fields)
	if r := fn(t, p, "run").Results; r.Kind != parser.ResultsErrOnly || !r.ErrWrapped {
		t.Errorf("run: results kind %v, wrapped %v; want ResultsErrOnly, wrapped", r.Kind, r.ErrWrapped)
	}
}

// TestBuildErrors checks that Build rejects WIT witgo cannot bind.
func TestBuildErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{
			"flags over 64",
			"package a:b;\ninterface i { flags f { " + flagNames(65) + " } }\nworld w { import i; }\n",
			"a:b/i.f: flags with 65 members: witgo supports up to 64",
		},
		{
			"tuple over 16",
			"package a:b;\ninterface i { type t = tuple<" + strings.TrimSuffix(strings.Repeat("u8, ", 17), ", ") + ">; }\nworld w { import i; }\n",
			"a:b/i.t: tuple of 17 elements: witgo supports tuples of up to 16",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "test.wit")
			if err := os.WriteFile(path, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := parser.LoadModel(path, "", parser.Options{})
			if err == nil || err.Error() != tt.want {
				t.Errorf("Build error %v, want %q", err, tt.want)
			}
		})
	}
}

func flagNames(n int) string {
	var fs []string
	for i := range n {
		fs = append(fs, fmt.Sprintf("m%d", i))
	}
	return strings.Join(fs, ", ")
}

const wireNamesWIT = `package example:wn;

interface store {
  resource bucket {
    get: func(c: string, res: u32) -> option<string>;
  }
  record open-function-name { x: u32 }
  open: func(d: string) -> bucket;
}

world app {
  import store;
  resource imports;
  import get: func() -> u32;
  export get: func() -> u32;
}
`

// TestBuildWireNames checks the names of the wRPC files: package-level
// names declared in the package scope (a WIT type keeps its name, the
// generated constant moves), and parameter locals declared in a scope whose
// parent reserves what the generated bodies use.
func TestBuildWireNames(t *testing.T) {
	m := build(t, wireNamesWIT, "", "example.com/out")
	p := pkg(t, m, "example:wn/store")
	diff(t, "interface wire", parser.Wire{Instance: "Instance", Client: "client", ClientCtor: "NewClient", Register: "Register",
		Unimplemented: "UnimplementedInterface", RegisterResources: "Register"}, p.Wire)
	b := named(t, p, "bucket")
	diff(t, "bucket client", "NewBucketClient bucketClient UnimplementedBucket", b.ClientCtor+" "+b.ClientType+" "+b.Unimplemented)
	diff(t, "type beside a constant", "OpenFunctionName", named(t, p, "open-function-name").GoName)

	open := fn(t, p, "open")
	diff(t, "open", "OpenFunctionName_ d d_ res", open.WireConst+" "+open.Params[0].GoName+" "+open.Params[0].Local+" "+open.ResultLocal)
	get := fn(t, p, "[method]bucket.get")
	var locals []string
	for _, q := range get.Params {
		locals = append(locals, q.GoName+"/"+q.Local)
	}
	diff(t, "bucket.get", "BucketGetFunctionName [c/c_ res/res] res_", get.WireConst+" "+fmt.Sprint(locals)+" "+get.ResultLocal)

	w := m.World.Package
	diff(t, "world wire", parser.Wire{Instance: "Instance", Client: "importsClient", ClientCtor: "newImportsClient", Register: "registerImports",
		Unimplemented: "UnimplementedImports", ExportsClient: "exportsClient", ExportsClientCtor: "newExportsClient",
		RegisterExports: "registerExports", UnimplementedExports: "UnimplementedExports", RegisterResources: "registerResources",
		World: "World", WorldClientCtor: "NewClient", WorldRegister: "Register"}, w.Wire)
	// A resource named imports is Imports_ (Imports is the world's Go
	// interface), so its client type cannot meet the world's importsClient.
	diff(t, "imports resource client", "imports_Client", named(t, w, "imports").ClientType)
	// An import and an export with one wire name share its constant.
	diff(t, "get constants", "GetFunctionName GetFunctionName", w.Funcs[0].WireConst+" "+w.ExportFuncs[0].WireConst)
}
