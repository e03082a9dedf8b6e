package resolve

import (
	"errors"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/parser/syntax"
)

// TestResolveErrors checks that resolution errors name the file, line and
// column of the offending name, with a message that says what is wrong.
func TestResolveErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"package a:b;\ninterface i { type t = u32; type t = u64; }",
			"x.wit:2:34: name `t` is defined more than once"},
		{"package a:b;\ninterface i { f: func(x: nope); }",
			"x.wit:2:26: type `nope` does not exist"},
		{"package a:b;\ninterface i { type a = b; type b = a; }",
			"x.wit:2:20: type `a` depends on itself"},
		{"package a:b;\ninterface i { use j.{t}; }\ninterface j { use i.{t}; }",
			"x.wit:2:11: interface or world `i` depends on itself"},
		{"package a:b;\ninterface i { resource r; f: func() -> borrow<r>; }",
			"x.wit:2:27: function `f` returns a type which contains a `borrow<T>` which is not supported"},
		{"package a:b;\ninterface i { type t = u32; f: func(x: borrow<t>); }",
			"x.wit:2:47: type `t` used in a handle must be a resource"},
		{"package a:b;\ninterface i { type m = map<list<u8>, u32>; }",
			"x.wit:2:24: invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, s16, s32, s64, char, or string"},
		{"package a:b;\ninterface i { use c:d/e.{t}; }",
			"x.wit:2:19: package 'c:d' not found. known packages:"},
		{"package a:b;\nworld w { import x: func(); import x: func(); }",
			"x.wit:2:36: import `x` conflicts with prior func of same name"},
		{"package a:b;\ninterface i { variant v {} }",
			"x.wit:2:23: empty variant"},
		{"package a:b;\ninterface i { resource r { constructor() -> u32; } }",
			"x.wit:2:28: if a constructor return type is declared it must be a `result`"},
		{"package a:b;\nworld w { include nope; }",
			"x.wit:2:19: interface or world `nope` does not exist"},
		{"package a:b;\n@since(version = 1.0.0)\ninterface i {}",
			"x.wit:2:1: package [a:b] contains a feature gate with a version specifier, so it must have a version"},
		{"package a:b;\ninterface i { f: func(x: u32, x: u32); }",
			"x.wit:2:31: param `x` is defined more than once"},
	}
	for _, tt := range tests {
		_, _, err := LoadSource("x.wit", tt.src, Options{})
		var se *syntax.Error
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want a *syntax.Error", tt.src, err)
			continue
		}
		if first, _, _ := strings.Cut(err.Error(), "\n"); first != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, first, tt.want)
		}
	}
}

// TestFeatures checks how @unstable items are kept or dropped.
func TestFeatures(t *testing.T) {
	src := "package a:b;\ninterface i {\n  @unstable(feature = on) f: func();\n  @unstable(feature = off) g: func();\n  h: func();\n}"
	names := func(opts Options) []string {
		res, _, err := LoadSource("x.wit", src, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, fn := range res.Interfaces[0].Functions {
			out = append(out, fn.Name)
		}
		return out
	}
	for _, tt := range []struct {
		opts Options
		want string
	}{
		{Options{}, "h"},
		{Options{Features: []string{"on"}}, "f h"},
		{Options{AllFeatures: true}, "f g h"},
	} {
		if got := strings.Join(names(tt.opts), " "); got != tt.want {
			t.Errorf("%+v: functions %q, want %q", tt.opts, got, tt.want)
		}
	}
}

// TestLabelledImport checks that a labelled import names a shared
// interface under its label, and that JSON writes it under that key.
func TestLabelledImport(t *testing.T) {
	res, _, err := LoadSource("x.wit", "package a:b;\ninterface store { get: func(); }\nworld w {\n  import hot: store;\n  import cold: store;\n  import store;\n}", Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := res.Worlds[0]
	if len(w.Imports) != 3 || w.Imports[0].Interface != w.Imports[1].Interface || w.Imports[1].Interface != w.Imports[2].Interface {
		t.Fatalf("imports %+v", w.Imports)
	}
	var keys []string
	for _, it := range w.Imports {
		keys = append(keys, it.Name)
	}
	if got := strings.Join(keys, ","); got != "hot,cold," {
		t.Errorf("import keys %q, want hot,cold and the path import", got)
	}
	data, err := res.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"imports":{"hot":{"interface":{"id":0}},"cold":{"interface":{"id":0}},"interface-0":{"interface":{"id":0}}}`) {
		t.Errorf("JSON %s", data)
	}
}
