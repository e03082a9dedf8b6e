package generator_test

import (
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// TestGoTypePrinters checks that the jennifer and the template printing of
// TypeOf and ZeroOf spell every type of the round-trip WIT alike, and that
// Imports records exactly the packages the text names.
func TestGoTypePrinters(t *testing.T) {
	m, err := parser.LoadModel("../generated/roundtrip/wit", "", parser.Options{PackageRoot: "example.com/gotype"})
	if err != nil {
		t.Fatal(err)
	}
	im := generator.NewImports()
	for _, p := range m.Packages {
		im.Add(p.ImportPath, path.Base(p.ImportPath))
	}
	im.Add("github.com/witgo-dev/witgo/runtime/cm", "cm")
	im.Add("io", "io") // stream<u8> is an io.ReadCloser
	n := 0
	for _, td := range m.Resolve.Types {
		type printed struct{ name, code, text string }
		cases := []printed{
			{"TypeOf", fmt.Sprintf("%#v", generator.TypeOf(m, td).Code()), generator.TypeOf(m, td).Text(im.Qual)},
			{"ZeroOf", fmt.Sprintf("%#v", generator.ZeroOf(m, td).Code()), generator.ZeroOf(m, td).Text(im.Qual)},
		}
		if nd := m.Named(td); nd == nil || nd.Kind == parser.KindAlias {
			cases = append(cases, printed{"KindOf", fmt.Sprintf("%#v", generator.KindOf(m, td.Kind).Code()), generator.KindOf(m, td.Kind).Text(im.Qual)})
		}
		for _, k := range cases {
			n++
			if k.code != k.text {
				t.Errorf("%s of %s: jennifer prints %q, text %q", k.name, resolve.TypeText(td), k.code, k.text)
			}
		}
	}
	if n == 0 {
		t.Fatal("no type definitions")
	}
	var used []string
	for _, s := range im.Used() {
		used = append(used, s.Name)
		if s.Alias != "" {
			t.Errorf("import %s: alias %q for a name that is the path's last element", s.Path, s.Alias)
		}
	}
	if got := strings.Join(used, " "); !strings.Contains(got, "cm") {
		t.Errorf("used imports %q, want cm among them (the WIT has results and tuples)", got)
	}
}

func TestImportsAlias(t *testing.T) {
	im := generator.NewImports()
	im.Add("example.com/a/v2", "a")
	im.Add("example.com/b", "b")
	im.Add("example.com/c", "c")
	if got := im.Qual("example.com/a/v2", "T"); got != "a.T" {
		t.Errorf("Qual = %q, want a.T", got)
	}
	im.Qual("example.com/c", "U")
	got := im.Used()
	want := []generator.ImportSpec{{Name: "a", Alias: "a", Path: "example.com/a/v2"}, {Name: "c", Path: "example.com/c"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Used = %v, want %v", got, want)
	}
}
