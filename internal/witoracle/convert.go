package witoracle

import (
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"

	"github.com/witgo-dev/witgo/parser/resolve"
)

// LoadResolve reads WIT with the embedded wasm-tools (as Load) and converts
// the result into witgo's own model, so that the generator can run on what
// either loader read. The packages keep wasm-tools' order (the package at
// path last).
func LoadResolve(path string) (*resolve.Resolve, error) {
	res, err := Load(path)
	if err != nil {
		return nil, err
	}
	return Convert(res)
}

// Convert turns the model of go.bytecodealliance.org/wit into witgo's.
func Convert(r *wit.Resolve) (*resolve.Resolve, error) {
	c := &converter{
		pkgs:   map[*wit.Package]*resolve.Package{},
		ifaces: map[*wit.Interface]*resolve.Interface{},
		worlds: map[*wit.World]*resolve.World{},
		types:  map[*wit.TypeDef]*resolve.TypeDef{},
	}
	for f := range r.AllFunctions() {
		if f.Kind == nil {
			return nil, fmt.Errorf("function %q: the model of go.bytecodealliance.org/wit v0.7.0 has no async functions", f.Name)
		}
	}
	out := &resolve.Resolve{}
	for _, p := range r.Packages {
		rp := &resolve.Package{Name: resolve.PackageName{Namespace: p.Name.Namespace, Name: p.Name.Package}, Docs: p.Docs.Contents}
		if p.Name.Version != nil {
			rp.Name.Version = p.Name.Version.String()
		}
		c.pkgs[p] = rp
		out.Packages = append(out.Packages, rp)
	}
	for _, it := range r.Interfaces {
		ri := &resolve.Interface{Package: c.pkgs[it.Package], Docs: it.Docs.Contents, Stability: stability(it.Stability)}
		if it.Name != nil {
			ri.Name = *it.Name
		}
		c.ifaces[it] = ri
		out.Interfaces = append(out.Interfaces, ri)
	}
	for _, w := range r.Worlds {
		rw := &resolve.World{Name: w.Name, Package: c.pkgs[w.Package], Docs: w.Docs.Contents, Stability: stability(w.Stability)}
		c.worlds[w] = rw
		out.Worlds = append(out.Worlds, rw)
	}
	for _, t := range r.TypeDefs {
		rt := &resolve.TypeDef{Docs: t.Docs.Contents, Stability: stability(t.Stability)}
		if t.Name != nil {
			rt.Name = *t.Name
		}
		c.types[t] = rt
		out.Types = append(out.Types, rt)
	}
	for _, t := range r.TypeDefs {
		rt := c.types[t]
		switch o := t.Owner.(type) {
		case *wit.Interface:
			rt.Owner.Interface = c.ifaces[o]
		case *wit.World:
			rt.Owner.World = c.worlds[o]
		}
		k, err := c.kind(t.Kind)
		if err != nil {
			return nil, err
		}
		rt.Kind = k
	}
	for _, it := range r.Interfaces {
		ri := c.ifaces[it]
		for _, td := range it.TypeDefs.All() {
			ri.Types = append(ri.Types, c.types[td])
		}
		for _, f := range it.Functions.All() {
			ri.Functions = append(ri.Functions, c.function(f))
		}
	}
	for _, w := range r.Worlds {
		rw := c.worlds[w]
		rw.Imports = c.worldItems(w.Imports.All())
		rw.Exports = c.worldItems(w.Exports.All())
	}
	for _, p := range r.Packages {
		rp := c.pkgs[p]
		for _, it := range p.Interfaces.All() {
			rp.Interfaces = append(rp.Interfaces, c.ifaces[it])
		}
		for _, w := range p.Worlds.All() {
			rp.Worlds = append(rp.Worlds, c.worlds[w])
		}
	}
	return out, nil
}

type converter struct {
	pkgs   map[*wit.Package]*resolve.Package
	ifaces map[*wit.Interface]*resolve.Interface
	worlds map[*wit.World]*resolve.World
	types  map[*wit.TypeDef]*resolve.TypeDef
}

func (c *converter) worldItems(items func(func(string, wit.WorldItem) bool)) []*resolve.WorldItem {
	var out []*resolve.WorldItem
	for key, item := range items {
		ri := &resolve.WorldItem{Name: key}
		switch it := item.(type) {
		case *wit.InterfaceRef:
			ri.Interface = c.ifaces[it.Interface]
			ri.Stability = stability(it.Stability)
			if strings.HasPrefix(key, "interface-") {
				ri.Name = "" // the JSON form's key of an interface imported by its path
			} else if it.Interface.Name != nil {
				id := it.Interface.Package.Name
				id.Extension = *it.Interface.Name
				if key == id.String() {
					ri.Name = "" // imported by its path, not under a label
				}
			}
		case *wit.Function:
			ri.Function = c.function(it)
		case *wit.TypeDef:
			ri.Type = c.types[it]
		}
		out = append(out, ri)
	}
	return out
}

func (c *converter) function(f *wit.Function) *resolve.Function {
	rf := &resolve.Function{Name: f.Name, Docs: f.Docs.Contents, Stability: stability(f.Stability)}
	switch k := f.Kind.(type) {
	case *wit.Method:
		rf.Kind, rf.Resource = resolve.Method, c.types[k.Type.(*wit.TypeDef)]
	case *wit.Static:
		rf.Kind, rf.Resource = resolve.Static, c.types[k.Type.(*wit.TypeDef)]
	case *wit.Constructor:
		rf.Kind, rf.Resource = resolve.Constructor, c.types[k.Type.(*wit.TypeDef)]
	}
	for _, p := range f.Params {
		rf.Params = append(rf.Params, resolve.Param{Name: p.Name, Type: c.typ(p.Type)})
	}
	if len(f.Results) > 0 {
		rf.Result = c.typ(f.Results[0].Type)
	}
	return rf
}

func (c *converter) typ(t wit.Type) resolve.Type {
	switch t := t.(type) {
	case nil:
		return nil
	case *wit.TypeDef:
		return c.types[t]
	case wit.ErrorContext:
		return resolve.Prim("error-context")
	case wit.Bool, wit.U8, wit.U16, wit.U32, wit.U64, wit.S8, wit.S16, wit.S32, wit.S64, wit.F32, wit.F64, wit.Char, wit.String:
		return resolve.Prim(t.WIT(nil, ""))
	}
	panic(fmt.Sprintf("BUG: WIT type %T", t))
}

func (c *converter) kind(k wit.TypeDefKind) (resolve.TypeKind, error) {
	switch k := k.(type) {
	case wit.Type:
		return &resolve.Alias{Type: c.typ(k)}, nil
	case *wit.Record:
		r := &resolve.Record{}
		for _, f := range k.Fields {
			r.Fields = append(r.Fields, resolve.Field{Name: f.Name, Type: c.typ(f.Type), Docs: f.Docs.Contents})
		}
		return r, nil
	case *wit.Resource:
		return &resolve.ResourceKind{}, nil
	case *wit.Own:
		return &resolve.Handle{Resource: c.types[k.Type]}, nil
	case *wit.Borrow:
		return &resolve.Handle{Borrow: true, Resource: c.types[k.Type]}, nil
	case *wit.Flags:
		f := &resolve.Flags{}
		for _, fl := range k.Flags {
			f.Flags = append(f.Flags, resolve.Case{Name: fl.Name, Docs: fl.Docs.Contents})
		}
		return f, nil
	case *wit.Tuple:
		t := &resolve.Tuple{}
		for _, e := range k.Types {
			t.Types = append(t.Types, c.typ(e))
		}
		return t, nil
	case *wit.Variant:
		v := &resolve.Variant{}
		for _, cs := range k.Cases {
			v.Cases = append(v.Cases, resolve.Case{Name: cs.Name, Type: c.typ(cs.Type), Docs: cs.Docs.Contents})
		}
		return v, nil
	case *wit.Enum:
		e := &resolve.Enum{}
		for _, cs := range k.Cases {
			e.Cases = append(e.Cases, resolve.Case{Name: cs.Name, Docs: cs.Docs.Contents})
		}
		return e, nil
	case *wit.Option:
		return &resolve.Option{Type: c.typ(k.Type)}, nil
	case *wit.Result:
		return &resolve.Result{Ok: c.typ(k.OK), Err: c.typ(k.Err)}, nil
	case *wit.List:
		return &resolve.List{Type: c.typ(k.Type)}, nil
	case *wit.Future:
		return &resolve.Future{Type: c.typ(k.Type)}, nil
	case *wit.Stream:
		return &resolve.Stream{Type: c.typ(k.Type)}, nil
	}
	return nil, fmt.Errorf("type kind %T", k)
}

func stability(s wit.Stability) resolve.Stability {
	switch s := s.(type) {
	case *wit.Stable:
		r := resolve.Stability{Since: s.Since.String()}
		if s.Deprecated != nil {
			r.Deprecated = s.Deprecated.String()
		}
		return r
	case *wit.Unstable:
		r := resolve.Stability{Feature: s.Feature}
		if s.Deprecated != nil {
			r.Deprecated = s.Deprecated.String()
		}
		return r
	}
	return resolve.Stability{}
}
