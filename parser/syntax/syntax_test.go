package syntax

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParsePeerInputs parses every input of the wit-parser UI tests that
// wasm-tools accepts (testdata/wit-parser-ui, outside parse-fail/) and
// every WIT file bundled with witgo: all must parse.
func TestParsePeerInputs(t *testing.T) {
	n := 0
	for _, root := range []string{"../../testdata/wit-parser-ui", "../../wit"} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "parse-fail" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".wit") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			n++
			if _, err := Parse(path, string(src)); err != nil {
				t.Errorf("%v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 100 {
		t.Fatalf("parsed only %d files; is testdata/wit-parser-ui there?", n)
	}
	t.Logf("%d files parsed", n)
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"package a:b;\ninterface i {\n  f: func()\n}\n", "x.wit:4:1: expected ';', found '}'"},
		{"package a:b;\ninterface i { f: func(); ", "x.wit:2:26: expected 'use', a type definition, a function or '}', found end of file"},
		{"package a:b;\n/* open", "x.wit:2:1: unterminated block comment"},
		{"package a:b;\ninterface i { type x = u32 $ }", "x.wit:2:28: unexpected character '$'"},
		{"package a:b;\ninterface i { type x = list<u32, 99999999999>; }", "x.wit:2:34: list length 99999999999 is out of range"},
		{"package a:b@1.0;", "x.wit:1:13: invalid version \"1.0\": want major.minor.patch"},
		{"package a:b@01.0.0;", "x.wit:1:13: invalid version \"01.0.0\": \"01\" has a leading zero"},
		{"package a:b@;", "x.wit:1:12: expected a version after '@'"},
		{"package a:Ab;", "x.wit:1:11: identifier \"Ab\": the word \"Ab\" mixes upper and lower case"},
		{"package a:b--c;", "x.wit:1:11: identifier \"b--c\": '-' must separate two words"},
		{"package a:b;\ninterface i { type x = %; }", "x.wit:2:24: expected an identifier after '%'"},
		{"package a:b;\ninterface 1a {}", "x.wit:2:11: expected an identifier, found an integer 1"},
		{"package a:b;\nworld w { import x: 1; }", "x.wit:2:21: expected 'func', 'interface' or an interface path, found an integer 1"},
		{"package a:b;\n@since(version = 1.0.0)\npackage c:d;", "x.wit:3:1: package declarations must come first in a file, before any other item"},
		{"package a:b;\n@frob(x = y) interface i {}", "x.wit:2:2: unknown attribute \"frob\""},
		{"package a:b;\n@unstable() interface i {}", "x.wit:2:11: expected `feature`, found ')'"},
		{"package a:b;\n@since(feature = x, version = 1.0.0) interface i {}", "x.wit:2:8: expected `version`, found an identifier \"feature\""},
		{"package a:b;\ninterface i { f: func() -> (a: u32); }", "x.wit:2:28: expected a type, found '('"},
		{"package a:b;\ninterface i { f: func() -> ; }", "x.wit:2:28: expected a type, found ';'"},
		{"package a:b;\ninterface i { type t = ключ; }", "x.wit:2:24: unexpected character 'к'"},
		{"\xff", "x.wit:1:1: unexpected character (invalid UTF-8)"},
		{"package a:b { package c:d { } }", "x.wit:1:15: nested packages must be placed at the top level"},
	}
	for _, tt := range tests {
		_, err := Parse("x.wit", tt.src)
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v, want an *Error", tt.src, err)
			continue
		}
		if first, _, _ := strings.Cut(err.Error(), "\n"); first != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, first, tt.want)
		}
	}
}

func TestErrorShowsLineAndCaret(t *testing.T) {
	_, err := Parse("dir/x.wit", "package a:b;\n\ninterface i {\n\tf: func(x: u32 y: u32);\n}\n")
	want := "dir/x.wit:4:17: expected ')', found an identifier \"y\"\n" +
		"   |\n" +
		" 4 | \tf: func(x: u32 y: u32);\n" +
		"   | \t               ^"
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestErrorEscapesControlCharacters(t *testing.T) {
	_, err := Parse("x.wit", "package a:b; /* \x1b[31m */ $")
	if err == nil {
		t.Fatal("no error")
	}
	if strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("the error carries an escape character: %q", err)
	}
}

func TestDocsAndAttributes(t *testing.T) {
	src := `/// The package.
package a:b@1.2.3-rc.1+build.5;

/// An interface.
/** More
    text. */
@since(version = 1.0.0)
@deprecated(version = 1.1.0)
interface i {
  /// A record.
  record r {
    /// A field.
    x: u32,
  }
  // a plain comment documents too
  f: async func(a: list<u8, 4>, b: map<string, u32>) -> result<_, string>;
}

world w {
  @unstable(feature = fancy)
  import hot-cache: wasi:keyvalue/store@0.2.0-draft;
  import i;
  export a:b/i@1.2.3;
  include other with { x as y, }
}
`
	sf, err := Parse("x.wit", src)
	if err != nil {
		t.Fatal(err)
	}
	if sf.PackageDocs != "The package." || sf.Package.Version != "1.2.3-rc.1+build.5" {
		t.Errorf("package: docs %q version %q", sf.PackageDocs, sf.Package.Version)
	}
	it := sf.Items[0].(*Interface)
	if it.Docs != "An interface.\nMore\n    text." {
		t.Errorf("interface docs %q", it.Docs)
	}
	if len(it.Attrs) != 2 || it.Attrs[0].Kind != Since || it.Attrs[0].Version != "1.0.0" || it.Attrs[1].Kind != Deprecated {
		t.Errorf("interface attributes %+v", it.Attrs)
	}
	rec := it.Items[0].(*TypeDef)
	if rec.Docs != "A record." || rec.Kind.(*Record).Fields[0].Docs != "A field." {
		t.Errorf("record docs %q, field docs %q", rec.Docs, rec.Kind.(*Record).Fields[0].Docs)
	}
	f := it.Items[1].(*NamedFunc)
	if f.Docs != "a plain comment documents too" || !f.Func.Async {
		t.Errorf("f: docs %q, async %v", f.Docs, f.Func.Async)
	}
	if l := f.Func.Params[0].Type.(*ListType); !l.HasLen || l.Len != 4 {
		t.Errorf("list<u8, 4>: %+v", l)
	}
	if m := f.Func.Params[1].Type.(*MapType); m.Key.(*Prim).Kind != tString {
		t.Errorf("map key %+v", m.Key)
	}
	if r := f.Func.Result.(*ResultType); r.Ok != nil || r.Err == nil {
		t.Errorf("result<_, string>: %+v", r)
	}
	w := sf.Items[1].(*World)
	hot := w.Items[0].(*Extern)
	if hot.Name == nil || hot.Name.Name != "hot-cache" || hot.Path.Package.Namespace.Name != "wasi" || hot.Path.Package.Version != "0.2.0-draft" || hot.Attrs[0].Feature != "fancy" {
		t.Errorf("labelled import: %+v", hot)
	}
	if e := w.Items[2].(*Extern); !e.Export || e.Name != nil || e.Path.Package.Version != "1.2.3" {
		t.Errorf("export: %+v", e)
	}
	if inc := w.Items[3].(*Include); len(inc.With) != 1 || inc.With[0].As.Name != "y" {
		t.Errorf("include: %+v", inc)
	}
	if pos := sf.File.Position(hot.Name.Pos); pos.Line != 21 || pos.Col != 10 {
		t.Errorf("hot-cache at %v, want line 21 column 10", pos)
	}
}

// TestHostileInputs checks that input built to exhaust the parser ends in
// an error or a result, fast, without a panic.
func TestHostileInputs(t *testing.T) {
	deep := "package a:b;\ninterface i { type t = " + strings.Repeat("list<", 100_000) + "u8" + strings.Repeat(">", 100_000) + "; }"
	if _, err := Parse("deep.wit", deep); err == nil || !strings.Contains(err.Error(), "type nesting too deep") {
		t.Errorf("100,000 nested lists: %v", err)
	}
	var many strings.Builder
	for i := range 100_000 {
		many.WriteString("package a:p")
		many.WriteString(strings.Repeat("x", i%7))
		many.WriteString(" { interface i { } }\n")
	}
	sf, err := Parse("many.wit", many.String())
	if err != nil || len(sf.Items) != 100_000 {
		t.Errorf("100,000 nested packages: %v", err)
	}
	big := "package a:b;\ninterface i {\n" + strings.Repeat("  // "+strings.Repeat("x", 70)+"\n", 140_000) + "}\n"
	if len(big) < 10<<20 {
		t.Fatalf("big input is only %d bytes", len(big))
	}
	if _, err := Parse("big.wit", big); err != nil {
		t.Errorf("10 MB of comments: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, root := range []string{"../../testdata/wit-parser-ui", "../../wit"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".wit") {
				if src, err := os.ReadFile(path); err == nil {
					f.Add(string(src))
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, src string) {
		sf, err := Parse("fuzz.wit", src)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T: %v", err, err)
			}
			if se.Pos.Line < 1 || se.Pos.Col < 1 || se.Pos.Line > strings.Count(src, "\n")+1 {
				t.Fatalf("error position %v outside the input", se.Pos)
			}
			return
		}
		if sf == nil {
			t.Fatal("no file and no error")
		}
	})
}

func TestExternalID(t *testing.T) {
	sf, err := Parse("x.wit", "package a:b;\nworld w {\n  @external-id(\"com.example:ids/\\u{1F511}\\41\")\n  import kv: store;\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	e := sf.Items[0].(*World).Items[0].(*Extern)
	if len(e.Attrs) != 1 || e.Attrs[0].Kind != ExternalID || e.Attrs[0].ExternalID != "com.example:ids/🔑A" {
		t.Errorf("attributes %+v", e.Attrs)
	}
	for src, want := range map[string]string{
		"package a:b;\n@external-id(\"open":   "x.wit:2:14: unterminated string literal",
		"package a:b;\n@external-id(\"\\q\")": "x.wit:2:15: invalid string escape 'q'",
		"package a:b;\n@external-id(x)":       "x.wit:2:14: expected a string, found an identifier \"x\"",
	} {
		_, err := Parse("x.wit", src)
		if first, _, _ := strings.Cut(fmt.Sprint(err), "\n"); first != want {
			t.Errorf("%q:\n got %s\nwant %s", src, first, want)
		}
	}
}
