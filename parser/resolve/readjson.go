package resolve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ReadJSON reads a resolved set in the JSON form wasm-tools prints
// ("wasm-tools component wit --json"), the form MarshalJSON writes. Every
// index is checked: a malformed document is an error, never a panic.
func ReadJSON(r io.Reader) (*Resolve, error) {
	var doc struct {
		Worlds     []json.RawMessage `json:"worlds"`
		Interfaces []json.RawMessage `json:"interfaces"`
		Types      []json.RawMessage `json:"types"`
		Packages   []json.RawMessage `json:"packages"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("wit json: %w", err)
	}
	res := &Resolve{}
	for i := range doc.Packages {
		res.Packages = append(res.Packages, &Package{index: i})
	}
	for i := range doc.Interfaces {
		res.Interfaces = append(res.Interfaces, &Interface{index: i})
	}
	for i := range doc.Worlds {
		res.Worlds = append(res.Worlds, &World{index: i})
	}
	for i := range doc.Types {
		res.Types = append(res.Types, &TypeDef{index: i})
	}
	rd := &jsonReader{res: res}
	for i, raw := range doc.Types {
		if err := rd.typeDef(res.Types[i], raw); err != nil {
			return nil, fmt.Errorf("wit json: types[%d]: %w", i, err)
		}
		// A type refers only to types before it, as wasm-tools writes
		// them: so no type contains itself, and walks end.
		for _, ref := range kindRefs(res.Types[i].Kind) {
			if ref.index >= i {
				return nil, fmt.Errorf("wit json: types[%d] refers to types[%d], which does not come before it", i, ref.index)
			}
		}
	}
	for i, raw := range doc.Interfaces {
		if err := rd.iface(res.Interfaces[i], raw); err != nil {
			return nil, fmt.Errorf("wit json: interfaces[%d]: %w", i, err)
		}
	}
	for i, raw := range doc.Worlds {
		if err := rd.world(res.Worlds[i], raw); err != nil {
			return nil, fmt.Errorf("wit json: worlds[%d]: %w", i, err)
		}
	}
	for i, raw := range doc.Packages {
		if err := rd.pkg(res.Packages[i], raw); err != nil {
			return nil, fmt.Errorf("wit json: packages[%d]: %w", i, err)
		}
	}
	return res, nil
}

type jsonReader struct{ res *Resolve }

// member is one key of a JSON object, in document order.
type member struct {
	key string
	val json.RawMessage
}

// members returns the members of a JSON object in order (encoding/json's
// maps would lose it, and the order is part of the model).
func members(raw json.RawMessage) ([]member, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want an object, got %v", tok)
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		ms = append(ms, member{tok.(string), v})
	}
	return ms, nil
}

func (rd *jsonReader) typeAt(i int) (*TypeDef, error) {
	if i < 0 || i >= len(rd.res.Types) {
		return nil, fmt.Errorf("type index %d out of range", i)
	}
	return rd.res.Types[i], nil
}

// typeRef reads a type: a primitive's name or a type index; null is nil.
func (rd *jsonReader) typeRef(raw json.RawMessage) (Type, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64", "char", "string", "error-context":
			return Prim(s), nil
		}
		return nil, fmt.Errorf("unknown type %q", s)
	}
	var i int
	if err := json.Unmarshal(raw, &i); err != nil {
		return nil, fmt.Errorf("bad type %s", raw)
	}
	return rd.typeAt(i)
}

func docsOf(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	var d struct {
		Contents *string `json:"contents"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return "", err
	}
	if d.Contents == nil {
		return "", nil
	}
	return *d.Contents, nil
}

func stabilityOf(raw json.RawMessage) (Stability, error) {
	if len(raw) == 0 {
		return Stability{}, nil
	}
	var s struct {
		Stable *struct {
			Since      string `json:"since"`
			Deprecated string `json:"deprecated"`
		} `json:"stable"`
		Unstable *struct {
			Feature    string `json:"feature"`
			Deprecated string `json:"deprecated"`
		} `json:"unstable"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return Stability{}, err
	}
	switch {
	case s.Stable != nil:
		return Stability{Since: s.Stable.Since, Deprecated: s.Stable.Deprecated}, nil
	case s.Unstable != nil:
		return Stability{Feature: s.Unstable.Feature, Deprecated: s.Unstable.Deprecated}, nil
	}
	return Stability{}, nil
}

func (rd *jsonReader) typeDef(td *TypeDef, raw json.RawMessage) error {
	var t struct {
		Name      *string         `json:"name"`
		Kind      json.RawMessage `json:"kind"`
		Owner     json.RawMessage `json:"owner"`
		Docs      json.RawMessage `json:"docs"`
		Stability json.RawMessage `json:"stability"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return err
	}
	if t.Name != nil {
		td.Name = *t.Name
	}
	var err error
	if td.Docs, err = docsOf(t.Docs); err != nil {
		return err
	}
	if td.Stability, err = stabilityOf(t.Stability); err != nil {
		return err
	}
	var owner struct {
		Interface *int `json:"interface"`
		World     *int `json:"world"`
	}
	if len(t.Owner) > 0 && string(t.Owner) != "null" {
		if err := json.Unmarshal(t.Owner, &owner); err != nil {
			return err
		}
		switch {
		case owner.Interface != nil:
			if *owner.Interface < 0 || *owner.Interface >= len(rd.res.Interfaces) {
				return fmt.Errorf("owner interface %d out of range", *owner.Interface)
			}
			td.Owner.Interface = rd.res.Interfaces[*owner.Interface]
		case owner.World != nil:
			if *owner.World < 0 || *owner.World >= len(rd.res.Worlds) {
				return fmt.Errorf("owner world %d out of range", *owner.World)
			}
			td.Owner.World = rd.res.Worlds[*owner.World]
		}
	}
	td.Kind, err = rd.kind(t.Kind)
	return err
}

func (rd *jsonReader) kind(raw json.RawMessage) (TypeKind, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "resource" {
			return &ResourceKind{}, nil
		}
		return nil, fmt.Errorf("unknown kind %q", s)
	}
	ms, err := members(raw)
	if err != nil || len(ms) != 1 {
		return nil, fmt.Errorf("bad kind %s", raw)
	}
	name, v := ms[0].key, ms[0].val
	one := func() (Type, error) { return rd.typeRef(v) }
	pair := func() (json.RawMessage, json.RawMessage, error) {
		var p []json.RawMessage
		if err := json.Unmarshal(v, &p); err != nil || len(p) != 2 {
			return nil, nil, fmt.Errorf("bad %s %s", name, v)
		}
		return p[0], p[1], nil
	}
	switch name {
	case "type":
		t, err := one()
		return &Alias{Type: t}, err
	case "option":
		t, err := one()
		return &Option{Type: t}, err
	case "list":
		t, err := one()
		return &List{Type: t}, err
	case "future":
		t, err := one()
		return &Future{Type: t}, err
	case "stream":
		t, err := one()
		return &Stream{Type: t}, err
	case "map":
		a, b, err := pair()
		if err != nil {
			return nil, err
		}
		k, err := rd.typeRef(a)
		if err != nil {
			return nil, err
		}
		val, err := rd.typeRef(b)
		return &Map{Key: k, Value: val}, err
	case "fixed-length-list":
		a, b, err := pair()
		if err != nil {
			return nil, err
		}
		t, err := rd.typeRef(a)
		if err != nil {
			return nil, err
		}
		var n uint32
		if err := json.Unmarshal(b, &n); err != nil {
			return nil, fmt.Errorf("bad list length %s", b)
		}
		return &FixedList{Type: t, Len: n}, nil
	case "result":
		var r struct{ Ok, Err json.RawMessage }
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, err
		}
		ok, err := rd.typeRef(r.Ok)
		if err != nil {
			return nil, err
		}
		e, err := rd.typeRef(r.Err)
		return &Result{Ok: ok, Err: e}, err
	case "tuple":
		var tu struct{ Types []json.RawMessage }
		if err := json.Unmarshal(v, &tu); err != nil {
			return nil, err
		}
		k := &Tuple{}
		for _, e := range tu.Types {
			t, err := rd.typeRef(e)
			if err != nil {
				return nil, err
			}
			k.Types = append(k.Types, t)
		}
		return k, nil
	case "handle":
		hs, err := members(v)
		if err != nil || len(hs) != 1 || hs[0].key != "own" && hs[0].key != "borrow" {
			return nil, fmt.Errorf("bad handle %s", v)
		}
		var i int
		if err := json.Unmarshal(hs[0].val, &i); err != nil {
			return nil, fmt.Errorf("bad handle %s", v)
		}
		r, err := rd.typeAt(i)
		return &Handle{Borrow: hs[0].key == "borrow", Resource: r}, err
	case "record", "variant", "enum", "flags":
		key := map[string]string{"record": "fields", "variant": "cases", "enum": "cases", "flags": "flags"}[name]
		var body map[string][]struct {
			Name string          `json:"name"`
			Type json.RawMessage `json:"type"`
			Docs json.RawMessage `json:"docs"`
		}
		if err := json.Unmarshal(v, &body); err != nil {
			return nil, err
		}
		var cases []Case
		for _, c := range body[key] {
			t, err := rd.typeRef(c.Type)
			if err != nil {
				return nil, err
			}
			docs, err := docsOf(c.Docs)
			if err != nil {
				return nil, err
			}
			cases = append(cases, Case{Name: c.Name, Type: t, Docs: docs})
		}
		switch name {
		case "record":
			r := &Record{}
			for _, c := range cases {
				r.Fields = append(r.Fields, Field{Name: c.Name, Type: c.Type, Docs: c.Docs})
			}
			return r, nil
		case "variant":
			return &Variant{Cases: cases}, nil
		case "enum":
			return &Enum{Cases: cases}, nil
		default:
			return &Flags{Flags: cases}, nil
		}
	}
	return nil, fmt.Errorf("unknown kind %q", name)
}

func (rd *jsonReader) function(raw json.RawMessage) (*Function, error) {
	var f struct {
		Name   string          `json:"name"`
		Kind   json.RawMessage `json:"kind"`
		Params []struct {
			Name string          `json:"name"`
			Type json.RawMessage `json:"type"`
		} `json:"params"`
		Result    json.RawMessage `json:"result"`
		Docs      json.RawMessage `json:"docs"`
		Stability json.RawMessage `json:"stability"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, err
	}
	fn := &Function{Name: f.Name}
	var kind string
	if json.Unmarshal(f.Kind, &kind) != nil {
		ms, err := members(f.Kind)
		if err != nil || len(ms) != 1 {
			return nil, fmt.Errorf("bad function kind %s", f.Kind)
		}
		kind = ms[0].key
		var i int
		if err := json.Unmarshal(ms[0].val, &i); err != nil {
			return nil, fmt.Errorf("bad function kind %s", f.Kind)
		}
		if fn.Resource, err = rd.typeAt(i); err != nil {
			return nil, err
		}
	}
	if rest, ok := strings.CutPrefix(kind, "async-"); ok {
		fn.Async, kind = true, rest
	}
	switch kind {
	case "freestanding":
		fn.Kind = Freestanding
	case "method":
		fn.Kind = Method
	case "static":
		fn.Kind = Static
	case "constructor":
		fn.Kind = Constructor
	default:
		return nil, fmt.Errorf("unknown function kind %q", kind)
	}
	if (fn.Kind == Freestanding) != (fn.Resource == nil) {
		return nil, fmt.Errorf("function %q: kind %s", f.Name, f.Kind)
	}
	for _, p := range f.Params {
		t, err := rd.typeRef(p.Type)
		if err != nil {
			return nil, err
		}
		fn.Params = append(fn.Params, Param{Name: p.Name, Type: t})
	}
	var err error
	if fn.Result, err = rd.typeRef(f.Result); err != nil {
		return nil, err
	}
	if fn.Docs, err = docsOf(f.Docs); err != nil {
		return nil, err
	}
	fn.Stability, err = stabilityOf(f.Stability)
	return fn, err
}

func (rd *jsonReader) pkgAt(raw json.RawMessage) (*Package, error) {
	var i int
	if err := json.Unmarshal(raw, &i); err != nil || i < 0 || i >= len(rd.res.Packages) {
		return nil, fmt.Errorf("bad package %s", raw)
	}
	return rd.res.Packages[i], nil
}

func (rd *jsonReader) iface(it *Interface, raw json.RawMessage) error {
	var f struct {
		Name      *string         `json:"name"`
		Types     json.RawMessage `json:"types"`
		Functions json.RawMessage `json:"functions"`
		Docs      json.RawMessage `json:"docs"`
		Stability json.RawMessage `json:"stability"`
		Package   json.RawMessage `json:"package"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return err
	}
	if f.Name != nil {
		it.Name = *f.Name
	}
	var err error
	if it.Docs, err = docsOf(f.Docs); err != nil {
		return err
	}
	if it.Stability, err = stabilityOf(f.Stability); err != nil {
		return err
	}
	if len(f.Package) > 0 && string(f.Package) != "null" {
		if it.Package, err = rd.pkgAt(f.Package); err != nil {
			return err
		}
	}
	types, err := members(f.Types)
	if err != nil {
		return err
	}
	for _, m := range types {
		t, err := rd.typeRef(m.val)
		td, ok := t.(*TypeDef)
		if err != nil || !ok {
			return fmt.Errorf("type %q: bad reference %s", m.key, m.val)
		}
		it.Types = append(it.Types, td)
	}
	fns, err := members(f.Functions)
	if err != nil {
		return err
	}
	for _, m := range fns {
		fn, err := rd.function(m.val)
		if err != nil {
			return fmt.Errorf("function %q: %w", m.key, err)
		}
		it.Functions = append(it.Functions, fn)
	}
	return nil
}

func (rd *jsonReader) world(w *World, raw json.RawMessage) error {
	var f struct {
		Name      string          `json:"name"`
		Imports   json.RawMessage `json:"imports"`
		Exports   json.RawMessage `json:"exports"`
		Package   json.RawMessage `json:"package"`
		Docs      json.RawMessage `json:"docs"`
		Stability json.RawMessage `json:"stability"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return err
	}
	w.Name = f.Name
	var err error
	if w.Package, err = rd.pkgAt(f.Package); err != nil {
		return err
	}
	if w.Docs, err = docsOf(f.Docs); err != nil {
		return err
	}
	if w.Stability, err = stabilityOf(f.Stability); err != nil {
		return err
	}
	items := func(raw json.RawMessage) ([]*WorldItem, error) {
		ms, err := members(raw)
		if err != nil {
			return nil, err
		}
		var out []*WorldItem
		for _, m := range ms {
			var it struct {
				Interface *struct {
					ID        int             `json:"id"`
					Stability json.RawMessage `json:"stability"`
				} `json:"interface"`
				Function json.RawMessage `json:"function"`
				Type     *int            `json:"type"`
			}
			if err := json.Unmarshal(m.val, &it); err != nil {
				return nil, err
			}
			item := &WorldItem{Name: m.key}
			switch {
			case it.Interface != nil:
				if it.Interface.ID < 0 || it.Interface.ID >= len(rd.res.Interfaces) {
					return nil, fmt.Errorf("%q: interface %d out of range", m.key, it.Interface.ID)
				}
				item.Interface = rd.res.Interfaces[it.Interface.ID]
				if strings.HasPrefix(m.key, "interface-") {
					item.Name = ""
				}
				if item.Stability, err = stabilityOf(it.Interface.Stability); err != nil {
					return nil, err
				}
			case it.Function != nil:
				if item.Function, err = rd.function(it.Function); err != nil {
					return nil, fmt.Errorf("%q: %w", m.key, err)
				}
				item.Stability = item.Function.Stability
			case it.Type != nil:
				if item.Type, err = rd.typeAt(*it.Type); err != nil {
					return nil, err
				}
				item.Stability = item.Type.Stability
			default:
				return nil, fmt.Errorf("%q: unknown world item", m.key)
			}
			out = append(out, item)
		}
		return out, nil
	}
	if w.Imports, err = items(f.Imports); err != nil {
		return fmt.Errorf("imports: %w", err)
	}
	if w.Exports, err = items(f.Exports); err != nil {
		return fmt.Errorf("exports: %w", err)
	}
	return nil
}

func (rd *jsonReader) pkg(p *Package, raw json.RawMessage) error {
	var f struct {
		Name       string          `json:"name"`
		Docs       json.RawMessage `json:"docs"`
		Interfaces json.RawMessage `json:"interfaces"`
		Worlds     json.RawMessage `json:"worlds"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return err
	}
	name, version, _ := strings.Cut(f.Name, "@")
	ns, pkg, ok := strings.Cut(name, ":")
	if !ok {
		return fmt.Errorf("bad package name %q", f.Name)
	}
	p.Name = PackageName{Namespace: ns, Name: pkg, Version: version}
	var err error
	if p.Docs, err = docsOf(f.Docs); err != nil {
		return err
	}
	ifaces, err := members(f.Interfaces)
	if err != nil {
		return err
	}
	for _, m := range ifaces {
		var i int
		if err := json.Unmarshal(m.val, &i); err != nil || i < 0 || i >= len(rd.res.Interfaces) {
			return fmt.Errorf("interface %q: bad index %s", m.key, m.val)
		}
		p.Interfaces = append(p.Interfaces, rd.res.Interfaces[i])
	}
	worlds, err := members(f.Worlds)
	if err != nil {
		return err
	}
	for _, m := range worlds {
		var i int
		if err := json.Unmarshal(m.val, &i); err != nil || i < 0 || i >= len(rd.res.Worlds) {
			return fmt.Errorf("world %q: bad index %s", m.key, m.val)
		}
		p.Worlds = append(p.Worlds, rd.res.Worlds[i])
	}
	return nil
}

// kindRefs lists the type definitions a kind refers to.
func kindRefs(k TypeKind) []*TypeDef {
	var out []*TypeDef
	add := func(ts ...Type) {
		for _, t := range ts {
			if td, ok := t.(*TypeDef); ok {
				out = append(out, td)
			}
		}
	}
	switch k := k.(type) {
	case *Alias:
		add(k.Type)
	case *Record:
		for _, f := range k.Fields {
			add(f.Type)
		}
	case *Variant:
		for _, c := range k.Cases {
			add(c.Type)
		}
	case *Tuple:
		add(k.Types...)
	case *Option:
		add(k.Type)
	case *Result:
		add(k.Ok, k.Err)
	case *List:
		add(k.Type)
	case *FixedList:
		add(k.Type)
	case *Map:
		add(k.Key, k.Value)
	case *Future:
		add(k.Type)
	case *Stream:
		add(k.Type)
	case *Handle:
		out = append(out, k.Resource)
	}
	return out
}
