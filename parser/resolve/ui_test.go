package resolve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const uiDir = "../../testdata/wit-parser-ui"

// uiSkip lists the wit-parser UI cases that witgo does not run, and why.
var uiSkip = map[string]string{
	"kinds-of-deps":    "a dependency is a compiled component (.wasm, .wat); witgo reads WIT text only",
	"simple-wasm-text": "the input is a compiled component in text form; witgo reads WIT text only",
}

// TestUIResolve resolves every case of the wit-parser UI suite that
// wasm-tools accepts and compares the result with wasm-tools' own
// resolution (NAME.wit.json), as models: every package, interface, world,
// type and function, with names, kinds, docs and stability, compared by
// what they are rather than by their index in the arenas.
func TestUIResolve(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(uiDir, "*.wit.json"))
	if err != nil {
		t.Fatal(err)
	}
	pass, skip := 0, 0
	for _, want := range cases {
		name := strings.TrimSuffix(filepath.Base(want), ".wit.json")
		input := filepath.Join(uiDir, name)
		if _, err := os.Stat(input + ".wit"); err == nil {
			input += ".wit"
		}
		if reason, ok := uiSkip[filepath.Base(input)]; ok && reason != "" {
			skip++
			continue
		}
		t.Run(name, func(t *testing.T) {
			res, _, err := LoadPath(input, Options{Features: []string{"active"}})
			if err != nil {
				t.Fatalf("%v", err)
			}
			got, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ReadJSON(bytes.NewReader(got)); err != nil {
				t.Fatalf("the JSON written does not read back: %v", err)
			}
			wantJSON, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			g, w := canonical(t, got), canonical(t, wantJSON)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("resolution differs from wasm-tools':\n%s", firstDiff("", g, w))
				return
			}
			// Order matters too: the generated Go follows it.
			if g, w := itemOrder(t, got), itemOrder(t, wantJSON); !reflect.DeepEqual(g, w) {
				t.Errorf("order of packages, worlds' imports and exports, interfaces' types and functions differs:\n got %q\nwant %q", g, w)
				return
			}
			pass++
		})
	}
	t.Logf("%d of %d cases resolve as wasm-tools does; %d skipped (see uiSkip)", pass, len(cases)-skip, skip)
}

// TestUIParseFail checks that every parse-fail case of the suite is
// rejected.
func TestUIParseFail(t *testing.T) {
	results, err := filepath.Glob(filepath.Join(uiDir, "parse-fail", "*.wit.result"))
	if err != nil {
		t.Fatal(err)
	}
	rejected, total := 0, 0
	for _, r := range results {
		base := strings.TrimSuffix(r, ".wit.result")
		input := base + ".wit"
		if _, err := os.Stat(input); err != nil {
			input = base
			if _, err := os.Stat(input); err != nil {
				continue // a result without input, kept from upstream
			}
		}
		if reason := uiSkip["parse-fail/"+filepath.Base(input)]; reason != "" {
			continue
		}
		total++
		t.Run(filepath.Base(input), func(t *testing.T) {
			if _, _, err := LoadPath(input, Options{Features: []string{"active"}}); err == nil {
				want, _ := os.ReadFile(r)
				first, _, _ := strings.Cut(string(want), "\n")
				t.Errorf("accepted; wasm-tools rejects it with: %s", first)
				return
			}
			rejected++
		})
	}
	t.Logf("%d of %d parse-fail cases rejected", rejected, total)
}

// canonical turns the JSON form of a Resolve into a tree where references
// by index are replaced by what they refer to: a named type or interface
// by its qualified name, an anonymous one by its structure. Two
// resolutions of the same WIT compare equal whatever order their arenas
// are in.
func canonical(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var doc struct {
		Worlds     []map[string]any `json:"worlds"`
		Interfaces []map[string]any `json:"interfaces"`
		Types      []map[string]any `json:"types"`
		Packages   []map[string]any `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	c := &canon{doc: &doc}
	out := map[string]any{}
	for _, p := range doc.Packages {
		pkg := map[string]any{"docs": p["docs"]}
		ifaces := map[string]any{}
		for name, id := range p["interfaces"].(map[string]any) {
			ifaces[name] = c.iface(int(id.(float64)))
		}
		worlds := map[string]any{}
		for name, id := range p["worlds"].(map[string]any) {
			worlds[name] = c.world(int(id.(float64)))
		}
		pkg["interfaces"], pkg["worlds"] = ifaces, worlds
		out[p["name"].(string)] = pkg
	}
	return out
}

type canon struct {
	doc *struct {
		Worlds     []map[string]any `json:"worlds"`
		Interfaces []map[string]any `json:"interfaces"`
		Types      []map[string]any `json:"types"`
		Packages   []map[string]any `json:"packages"`
	}
}

// ifaceName names an interface: "pkg/name", or "(inline)".
func (c *canon) ifaceName(id int) string {
	it := c.doc.Interfaces[id]
	name, _ := it["name"].(string)
	if name == "" {
		return "(inline)"
	}
	pkg := c.doc.Packages[int(it["package"].(float64))]
	return pkg["name"].(string) + "/" + name
}

func (c *canon) iface(id int) map[string]any {
	it := c.doc.Interfaces[id]
	types := map[string]any{}
	for name, tid := range it["types"].(map[string]any) {
		types[name] = c.typeDef(int(tid.(float64)))
	}
	fns := map[string]any{}
	for name, fn := range it["functions"].(map[string]any) {
		fns[name] = c.function(fn.(map[string]any))
	}
	return map[string]any{"types": types, "functions": fns, "docs": it["docs"], "stability": it["stability"]}
}

func (c *canon) world(id int) map[string]any {
	w := c.doc.Worlds[id]
	items := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for key, v := range m {
			item := v.(map[string]any)
			var cv any
			switch {
			case item["interface"] != nil:
				ref := item["interface"].(map[string]any)
				iid := int(ref["id"].(float64))
				if c.ifaceName(iid) == "(inline)" {
					cv = map[string]any{"inline": c.iface(iid), "stability": ref["stability"]}
				} else {
					cv = map[string]any{"interface": c.ifaceName(iid), "stability": ref["stability"]}
				}
				if strings.HasPrefix(key, "interface-") {
					key = "interface " + c.ifaceName(iid)
				}
			case item["function"] != nil:
				cv = map[string]any{"function": c.function(item["function"].(map[string]any))}
			default:
				cv = map[string]any{"type": c.typeDef(int(item["type"].(float64)))}
			}
			out[key] = cv
		}
		return out
	}
	return map[string]any{
		"imports":   items(w["imports"].(map[string]any)),
		"exports":   items(w["exports"].(map[string]any)),
		"docs":      w["docs"],
		"stability": w["stability"],
	}
}

// typeRef canonicalizes a reference to a type: a primitive, a named type
// by owner and name, an anonymous one by its structure.
func (c *canon) typeRef(v any) any {
	switch v := v.(type) {
	case nil, string:
		return v
	case float64:
		td := c.doc.Types[int(v)]
		if name, ok := td["name"].(string); ok {
			return "named " + c.owner(td) + "." + name
		}
		return c.kind(td["kind"])
	}
	panic(fmt.Sprintf("type reference %T", v))
}

func (c *canon) owner(td map[string]any) string {
	o, _ := td["owner"].(map[string]any)
	switch {
	case o == nil:
		return "(none)"
	case o["interface"] != nil:
		return c.ifaceName(int(o["interface"].(float64)))
	default:
		w := c.doc.Worlds[int(o["world"].(float64))]
		pkg := c.doc.Packages[int(w["package"].(float64))]
		return "world " + pkg["name"].(string) + "/" + w["name"].(string)
	}
}

func (c *canon) typeDef(id int) map[string]any {
	td := c.doc.Types[id]
	return map[string]any{"kind": c.kind(td["kind"]), "owner": c.owner(td), "docs": td["docs"], "stability": td["stability"]}
}

// kind canonicalizes a type kind, replacing type references inside.
func (c *canon) kind(k any) any {
	s, ok := k.(string)
	if ok {
		return s
	}
	m := k.(map[string]any)
	out := map[string]any{}
	for name, v := range m {
		switch name {
		case "type", "option", "list", "future", "stream":
			out[name] = c.typeRef(v)
		case "map", "fixed-length-list":
			pair := v.([]any)
			if name == "map" {
				out[name] = []any{c.typeRef(pair[0]), c.typeRef(pair[1])}
			} else {
				out[name] = []any{c.typeRef(pair[0]), pair[1]}
			}
		case "handle":
			h := v.(map[string]any)
			for how, r := range h {
				out[name] = map[string]any{how: c.typeRef(r)}
			}
		case "result":
			r := v.(map[string]any)
			out[name] = map[string]any{"ok": c.typeRef(r["ok"]), "err": c.typeRef(r["err"])}
		case "tuple":
			var ts []any
			for _, e := range v.(map[string]any)["types"].([]any) {
				ts = append(ts, c.typeRef(e))
			}
			out[name] = ts
		case "record", "variant", "enum", "flags":
			key := map[string]string{"record": "fields", "variant": "cases", "enum": "cases", "flags": "flags"}[name]
			var items []any
			for _, e := range v.(map[string]any)[key].([]any) {
				e := e.(map[string]any)
				ce := map[string]any{"name": e["name"], "docs": e["docs"]}
				if _, ok := e["type"]; ok {
					ce["type"] = c.typeRef(e["type"])
				}
				items = append(items, ce)
			}
			out[name] = items
		default:
			out[name] = v
		}
	}
	return out
}

func (c *canon) function(fn map[string]any) map[string]any {
	var params []any
	for _, p := range fn["params"].([]any) {
		p := p.(map[string]any)
		params = append(params, []any{p["name"], c.typeRef(p["type"])})
	}
	kind := fn["kind"]
	if m, ok := kind.(map[string]any); ok {
		k := map[string]any{}
		for how, r := range m {
			k[how] = c.typeRef(r)
		}
		kind = k
	}
	return map[string]any{"kind": kind, "params": params, "result": c.typeRef(fn["result"]), "docs": fn["docs"], "stability": fn["stability"]}
}

// firstDiff describes where two canonical trees first differ.
func firstDiff(path string, got, want any) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	gm, gok := got.(map[string]any)
	wm, wok := want.(map[string]any)
	if gok && wok {
		keys := map[string]bool{}
		for k := range gm {
			keys[k] = true
		}
		for k := range wm {
			keys[k] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		for _, k := range sorted {
			if d := firstDiff(path+"/"+k, gm[k], wm[k]); d != "" {
				return d
			}
		}
	}
	gl, gok := got.([]any)
	wl, wok := want.([]any)
	if gok && wok && len(gl) == len(wl) {
		for i := range gl {
			if d := firstDiff(fmt.Sprintf("%s[%d]", path, i), gl[i], wl[i]); d != "" {
				return d
			}
		}
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return fmt.Sprintf("at %s:\n got %s\nwant %s", path, g, w)
}

// itemOrder lists, in order, the names of the packages, of each package's
// interfaces and worlds, of each world's imports and exports and of each
// named interface's types and functions (interface-keyed world items by the
// interface's qualified name).
func itemOrder(t *testing.T, data []byte) []string {
	t.Helper()
	var doc struct {
		Worlds []struct {
			Name             string
			Imports, Exports json.RawMessage
		}
		Interfaces []struct {
			Name             *string
			Package          *int
			Types, Functions json.RawMessage
		}
		Packages []struct {
			Name               string
			Interfaces, Worlds json.RawMessage
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ifaceName := func(id int) string {
		it := doc.Interfaces[id]
		if it.Name == nil {
			return "(inline)"
		}
		return doc.Packages[*it.Package].Name + "/" + *it.Name
	}
	var out []string
	for _, p := range doc.Packages {
		out = append(out, "package "+p.Name)
		for _, k := range keys(t, p.Interfaces) {
			out = append(out, " interface "+k)
		}
		for _, k := range keys(t, p.Worlds) {
			out = append(out, " world "+k)
		}
	}
	for _, w := range doc.Worlds {
		for _, part := range []struct {
			what string
			raw  json.RawMessage
		}{{"import", w.Imports}, {"export", w.Exports}} {
			for _, k := range keys(t, part.raw) {
				if id, ok := strings.CutPrefix(k, "interface-"); ok {
					var n int
					fmt.Sscan(id, &n)
					k = ifaceName(n)
				}
				out = append(out, w.Name+" "+part.what+" "+k)
			}
		}
	}
	for _, it := range doc.Interfaces {
		if it.Name == nil {
			continue
		}
		for _, k := range keys(t, it.Types) {
			out = append(out, *it.Name+" type "+k)
		}
		for _, k := range keys(t, it.Functions) {
			out = append(out, *it.Name+" func "+k)
		}
	}
	return out
}

// keys lists the keys of a JSON object in order.
func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	var ks []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return ks
}
