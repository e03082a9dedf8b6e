package kvbackend

import (
	"go/scanner"
	"go/token"
	"go/types"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/templates"
)

// templateFields are the identifiers the templates write after a type's
// or value's name: struct fields, methods and composite-literal keys of the
// backend's own types. They live in their types, not in the package scope,
// so WIT names need not keep clear of them; they are listed so that
// TestTemplateIdentsReserved sees every identifier classified.
var templateFields = []string{
	// fields of the backend's types (file.go.tmpl)
	"maxValue", "key", "ver", "r", "sink", "buf", "data", "msg", "name",
	// methods of the backend's types
	"ResolveHandle", "WRPCHandle", "Close", "bucket",
	// fields of the bindings' and the engine's types
	"F0", "F1", "Key", "Value",
}

// actionRE matches a template comment (which may quote actions) or action.
var actionRE = regexp.MustCompile(`(?s)\{\{-?\s*/\*.*?\*/\s*-?\}\}|\{\{.*?\}\}`)

// action stands for an action's output in the Go text of a template.
const action = "QQactionQQ"

// templateIdentifiers returns the identifiers that the templates of
// templates/kvbackend write out themselves, by file: the identifiers of
// their Go text, actions replaced, that do not follow a dot. An identifier
// glued to an action ("open{{.Name}}", a name composed by the template) is
// reported with "…" for each action ("open…").
func templateIdentifiers(t *testing.T) map[string][]string {
	t.Helper()
	files, err := fs.Glob(templates.KVBackend, "kvbackend/*.tmpl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no kvbackend templates: %v", err)
	}
	idents := map[string][]string{}
	for _, name := range files {
		src, err := fs.ReadFile(templates.KVBackend, name)
		if err != nil {
			t.Fatal(err)
		}
		text := actionRE.ReplaceAllString(string(src), action)
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(name, -1, len(text)), []byte(text), nil, 0)
		prev := token.ILLEGAL
		for {
			_, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok == token.IDENT && prev != token.PERIOD {
				if strings.Contains(lit, action) {
					if strings.ReplaceAll(lit, action, "") == "" {
						lit = "" // actions only
					} else {
						lit = strings.ReplaceAll(lit, action, "…")
					}
				}
				if lit != "" && lit != "_" && types.Universe.Lookup(lit) == nil && !slices.Contains(idents[lit], name) {
					idents[lit] = append(idents[lit], name)
				}
			}
			prev = tok
		}
	}
	return idents
}

// TestTemplateIdentsReserved fails when a template uses an identifier that
// is not declared beside the templates: in templateIdents (taken in the
// backend's scope), stdImports, or templateFields. It fails too when a
// template composes an identifier, text glued to an action: a generated
// name is decided in the backend's scope (names.go) and reaches the
// template whole, as a field of its data.
func TestTemplateIdentsReserved(t *testing.T) {
	known := map[string]bool{}
	for _, l := range [][]string{templateIdents, templateFields} {
		for _, n := range l {
			known[n] = true
		}
	}
	for _, s := range stdImports {
		known[s.Name] = true
	}
	var missing []string
	used := templateIdentifiers(t)
	for _, l := range [][]string{templateIdents, templateFields} {
		for _, n := range l {
			if used[n] == nil {
				t.Errorf("%s is declared for the templates but no template uses it", n)
			}
		}
	}
	for id, files := range used {
		if strings.Contains(id, "…") {
			t.Errorf("template identifier %s (%s) is composed by the template; pass the whole name as data, decided in names.go", id, strings.Join(files, ", "))
			continue
		}
		if !known[id] {
			missing = append(missing, id+" ("+strings.Join(files, ", ")+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("template identifier %s is not declared in templateIdents or templateFields (names.go, names_test.go)", m)
	}
}
