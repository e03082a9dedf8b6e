package parser

import (
	"fmt"

	"github.com/coreos/go-semver/semver"
	"go.bytecodealliance.org/wit"

	"github.com/witgo-dev/witgo/parser/resolve"
)

// toWit turns witgo's resolved model into the model of
// go.bytecodealliance.org/wit v0.7.0, which the generator reads for now. It
// builds the same model the JSON form would decode to (wit.DecodeJSON), in
// a fraction of the time: the kinds that model cannot represent (map<K, V>,
// list<T, N>) get a nil Kind, which Build refuses where a world uses them;
// async functions get the kind of sync ones (see LoadFeatures).
func toWit(r *resolve.Resolve) (*wit.Resolve, error) {
	c := &converter{
		pkgs:   make(map[*resolve.Package]*wit.Package, len(r.Packages)),
		ifaces: make(map[*resolve.Interface]*wit.Interface, len(r.Interfaces)),
		worlds: make(map[*resolve.World]*wit.World, len(r.Worlds)),
		types:  make(map[*resolve.TypeDef]*wit.TypeDef, len(r.Types)),
		ifaceI: make(map[*resolve.Interface]int, len(r.Interfaces)),
	}
	out := &wit.Resolve{}
	for _, p := range r.Packages {
		wp := &wit.Package{Name: wit.Ident{Namespace: p.Name.Namespace, Package: p.Name.Name}, Docs: wit.Docs{Contents: p.Docs}}
		if p.Name.Version != "" {
			v, err := semver.NewVersion(p.Name.Version)
			if err != nil {
				return nil, fmt.Errorf("package %s: %w", p.Name, err)
			}
			wp.Name.Version = v
		}
		c.pkgs[p] = wp
		out.Packages = append(out.Packages, wp)
	}
	for i, it := range r.Interfaces {
		wi := &wit.Interface{Package: c.pkgs[it.Package], Docs: wit.Docs{Contents: it.Docs}}
		if it.Name != "" {
			name := it.Name
			wi.Name = &name
		}
		c.ifaces[it] = wi
		c.ifaceI[it] = i
		out.Interfaces = append(out.Interfaces, wi)
	}
	for _, w := range r.Worlds {
		ww := &wit.World{Name: w.Name, Package: c.pkgs[w.Package], Docs: wit.Docs{Contents: w.Docs}}
		c.worlds[w] = ww
		out.Worlds = append(out.Worlds, ww)
	}
	for _, t := range r.Types {
		wt := &wit.TypeDef{Docs: wit.Docs{Contents: t.Docs}}
		if t.Name != "" {
			name := t.Name
			wt.Name = &name
		}
		c.types[t] = wt
		out.TypeDefs = append(out.TypeDefs, wt)
	}
	var err error
	for _, t := range r.Types {
		wt := c.types[t]
		switch {
		case t.Owner.Interface != nil:
			wt.Owner = c.ifaces[t.Owner.Interface]
		case t.Owner.World != nil:
			wt.Owner = c.worlds[t.Owner.World]
		}
		if wt.Stability, err = stability(t.Stability); err != nil {
			return nil, err
		}
		wt.Kind = c.kind(t.Kind)
	}
	for _, it := range r.Interfaces {
		wi := c.ifaces[it]
		if wi.Stability, err = stability(it.Stability); err != nil {
			return nil, err
		}
		for _, t := range it.Types {
			wi.TypeDefs.Set(t.Name, c.types[t])
		}
		for _, fn := range it.Functions {
			wf, err := c.function(fn)
			if err != nil {
				return nil, err
			}
			wi.Functions.Set(fn.Name, wf)
		}
	}
	for _, w := range r.Worlds {
		ww := c.worlds[w]
		if ww.Stability, err = stability(w.Stability); err != nil {
			return nil, err
		}
		if err := c.worldItems(&ww.Imports, w.Imports); err != nil {
			return nil, err
		}
		if err := c.worldItems(&ww.Exports, w.Exports); err != nil {
			return nil, err
		}
	}
	for _, p := range r.Packages {
		wp := c.pkgs[p]
		for _, it := range p.Interfaces {
			wp.Interfaces.Set(it.Name, c.ifaces[it])
		}
		for _, w := range p.Worlds {
			wp.Worlds.Set(w.Name, c.worlds[w])
		}
	}
	return out, nil
}

type converter struct {
	pkgs   map[*resolve.Package]*wit.Package
	ifaces map[*resolve.Interface]*wit.Interface
	worlds map[*resolve.World]*wit.World
	types  map[*resolve.TypeDef]*wit.TypeDef
	ifaceI map[*resolve.Interface]int // arena index, for world keys
}

// worldMap is the ordered map of a wit.World's imports or exports.
type worldMap interface {
	Set(string, wit.WorldItem) bool
}

func (c *converter) worldItems(m worldMap, items []*resolve.WorldItem) error {
	for _, it := range items {
		key := it.Name
		var item wit.WorldItem
		switch {
		case it.Interface != nil:
			if key == "" {
				// The key the JSON form gives an interface imported by
				// its path.
				key = fmt.Sprintf("interface-%d", c.ifaceI[it.Interface])
			}
			s, err := stability(it.Stability)
			if err != nil {
				return err
			}
			item = &wit.InterfaceRef{Interface: c.ifaces[it.Interface], Stability: s}
		case it.Function != nil:
			f, err := c.function(it.Function)
			if err != nil {
				return err
			}
			item = f
		default:
			item = c.types[it.Type]
		}
		m.Set(key, item)
	}
	return nil
}

func (c *converter) function(fn *resolve.Function) (*wit.Function, error) {
	wf := &wit.Function{Name: fn.Name, Docs: wit.Docs{Contents: fn.Docs}}
	switch fn.Kind {
	case resolve.Freestanding:
		wf.Kind = &wit.Freestanding{}
	case resolve.Method:
		wf.Kind = &wit.Method{Type: c.types[fn.Resource]}
	case resolve.Static:
		wf.Kind = &wit.Static{Type: c.types[fn.Resource]}
	case resolve.Constructor:
		wf.Kind = &wit.Constructor{Type: c.types[fn.Resource]}
	}
	for _, p := range fn.Params {
		wf.Params = append(wf.Params, wit.Param{Name: p.Name, Type: c.typ(p.Type)})
	}
	if fn.Result != nil {
		wf.Results = []wit.Param{{Type: c.typ(fn.Result)}}
	}
	var err error
	wf.Stability, err = stability(fn.Stability)
	return wf, err
}

func (c *converter) typ(t resolve.Type) wit.Type {
	switch t := t.(type) {
	case nil:
		return nil
	case *resolve.TypeDef:
		return c.types[t]
	case resolve.Prim:
		switch t {
		case "bool":
			return wit.Bool{}
		case "u8":
			return wit.U8{}
		case "u16":
			return wit.U16{}
		case "u32":
			return wit.U32{}
		case "u64":
			return wit.U64{}
		case "s8":
			return wit.S8{}
		case "s16":
			return wit.S16{}
		case "s32":
			return wit.S32{}
		case "s64":
			return wit.S64{}
		case "f32":
			return wit.F32{}
		case "f64":
			return wit.F64{}
		case "char":
			return wit.Char{}
		case "string":
			return wit.String{}
		case "error-context":
			return wit.ErrorContext{}
		}
	}
	panic(fmt.Sprintf("BUG: type %T %v", t, t))
}

// kind converts a type kind; nil where v0.7.0 has none.
func (c *converter) kind(k resolve.TypeKind) wit.TypeDefKind {
	switch k := k.(type) {
	case *resolve.Alias:
		return c.typ(k.Type)
	case *resolve.Record:
		r := &wit.Record{}
		for _, f := range k.Fields {
			r.Fields = append(r.Fields, wit.Field{Name: f.Name, Type: c.typ(f.Type), Docs: wit.Docs{Contents: f.Docs}})
		}
		return r
	case *resolve.ResourceKind:
		return &wit.Resource{}
	case *resolve.Handle:
		if k.Borrow {
			return &wit.Borrow{Type: c.types[k.Resource]}
		}
		return &wit.Own{Type: c.types[k.Resource]}
	case *resolve.Flags:
		f := &wit.Flags{}
		for _, fl := range k.Flags {
			f.Flags = append(f.Flags, wit.Flag{Name: fl.Name, Docs: wit.Docs{Contents: fl.Docs}})
		}
		return f
	case *resolve.Tuple:
		t := &wit.Tuple{}
		for _, e := range k.Types {
			t.Types = append(t.Types, c.typ(e))
		}
		return t
	case *resolve.Variant:
		v := &wit.Variant{}
		for _, cs := range k.Cases {
			v.Cases = append(v.Cases, wit.Case{Name: cs.Name, Type: c.typ(cs.Type), Docs: wit.Docs{Contents: cs.Docs}})
		}
		return v
	case *resolve.Enum:
		e := &wit.Enum{}
		for _, cs := range k.Cases {
			e.Cases = append(e.Cases, wit.EnumCase{Name: cs.Name, Docs: wit.Docs{Contents: cs.Docs}})
		}
		return e
	case *resolve.Option:
		return &wit.Option{Type: c.typ(k.Type)}
	case *resolve.Result:
		return &wit.Result{OK: c.typ(k.Ok), Err: c.typ(k.Err)}
	case *resolve.List:
		return &wit.List{Type: c.typ(k.Type)}
	case *resolve.Future:
		return &wit.Future{Type: c.typ(k.Type)}
	case *resolve.Stream:
		return &wit.Stream{Type: c.typ(k.Type)}
	}
	return nil // map<K, V>, list<T, N>
}

func stability(s resolve.Stability) (wit.Stability, error) {
	var dep *semver.Version
	if s.Deprecated != "" {
		v, err := semver.NewVersion(s.Deprecated)
		if err != nil {
			return nil, err
		}
		dep = v
	}
	switch {
	case s.Since != "":
		v, err := semver.NewVersion(s.Since)
		if err != nil {
			return nil, err
		}
		return &wit.Stable{Since: *v, Deprecated: dep}, nil
	case s.Feature != "":
		return &wit.Unstable{Feature: s.Feature, Deprecated: dep}, nil
	}
	return nil, nil
}
