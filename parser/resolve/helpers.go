package resolve

import "strings"

// Root follows td's aliases (type x = y, use a.{y}) to the type definition
// at the end of the chain; it returns td when td is not an alias of another
// type definition.
func (td *TypeDef) Root() *TypeDef {
	for {
		a, ok := td.Kind.(*Alias)
		if !ok {
			return td
		}
		next, ok := a.Type.(*TypeDef)
		if !ok {
			return td
		}
		td = next
	}
}

// Underlying is what t is after following aliases: a Prim, or the kind of
// the type definition at the end of the alias chain (a record, a list, a
// resource, ...). An alias of a primitive (type key = string) gives the
// primitive.
func Underlying(t Type) TypeKind {
	switch t := t.(type) {
	case Prim:
		return t
	case *TypeDef:
		k := t.Root().Kind
		if a, ok := k.(*Alias); ok {
			return Underlying(a.Type)
		}
		return k
	}
	return nil
}

// QualifiedName is "ns:pkg/world@version".
func (w *World) QualifiedName() string { return w.Package.Name.ID(w.Name) }

// ID names an item of package n: "ns:pkg/name@version", the form of an
// interface's or a world's qualified name, and of the wRPC instance of an
// item a world keys by name (Resolve::id_of_name in wasm-tools).
func (n PackageName) ID(name string) string {
	s := n.Namespace + ":" + n.Name + "/" + name
	if n.Version != "" {
		s += "@" + n.Version
	}
	return s
}

// BaseName is a function's name without its resource: "get" for
// "[method]bucket.get", "constructor" for a constructor.
func (f *Function) BaseName() string {
	if f.Kind == Constructor {
		return "constructor"
	}
	name := f.Name
	if i := strings.IndexByte(name, ']'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// CopyInterface returns a copy of interface it, for an instance of its own
// (a labelled import: "import hot-cache: wasi:keyvalue/store;"). The copy
// has its own type definitions and functions; types it uses from other
// interfaces stay shared. The copy is not added to r.
func CopyInterface(it *Interface) *Interface {
	c := &Interface{Name: it.Name, Docs: it.Docs, Stability: it.Stability, Package: it.Package, index: it.index}
	copies := make(map[*TypeDef]*TypeDef, len(it.Types))
	for _, td := range it.Types {
		n := *td
		n.Owner = TypeOwner{Interface: c}
		copies[td] = &n
		c.Types = append(c.Types, &n)
	}
	cp := &copier{copies: copies}
	for _, td := range c.Types {
		td.Kind = cp.kind(td.Kind)
	}
	for _, fn := range it.Functions {
		n := *fn
		n.Params = make([]Param, len(fn.Params))
		for i, p := range fn.Params {
			n.Params[i] = Param{Name: p.Name, Type: cp.typ(p.Type)}
		}
		n.Result = cp.typ(fn.Result)
		if fn.Resource != nil {
			n.Resource = cp.typ(fn.Resource).(*TypeDef)
		}
		c.Functions = append(c.Functions, &n)
	}
	return c
}

// copier rewrites types to refer to copies of type definitions; an
// anonymous type that refers to a copy is copied too.
type copier struct {
	copies map[*TypeDef]*TypeDef
	anon   map[*TypeDef]*TypeDef
}

func (cp *copier) typ(t Type) Type {
	td, ok := t.(*TypeDef)
	if !ok {
		return t
	}
	if c := cp.copies[td]; c != nil {
		return c
	}
	if td.Name != "" {
		return td
	}
	if c := cp.anon[td]; c != nil {
		return c
	}
	k := cp.kind(td.Kind)
	if k == td.Kind {
		return td
	}
	n := *td
	n.Kind = k
	if cp.anon == nil {
		cp.anon = map[*TypeDef]*TypeDef{}
	}
	cp.anon[td] = &n
	return &n
}

// kind returns k with its types rewritten, or k itself when none changes.
func (cp *copier) kind(k TypeKind) TypeKind {
	t := cp.typ
	switch k := k.(type) {
	case *Alias:
		if n := t(k.Type); n != k.Type {
			return &Alias{Type: n}
		}
	case *Handle:
		if n := t(k.Resource).(*TypeDef); n != k.Resource {
			return &Handle{Borrow: k.Borrow, Resource: n}
		}
	case *Record:
		fs := make([]Field, len(k.Fields))
		changed := false
		for i, f := range k.Fields {
			fs[i] = f
			fs[i].Type = t(f.Type)
			changed = changed || fs[i].Type != f.Type
		}
		if changed {
			return &Record{Fields: fs}
		}
	case *Variant:
		cs := make([]Case, len(k.Cases))
		changed := false
		for i, c := range k.Cases {
			cs[i] = c
			if c.Type != nil {
				cs[i].Type = t(c.Type)
				changed = changed || cs[i].Type != c.Type
			}
		}
		if changed {
			return &Variant{Cases: cs}
		}
	case *Tuple:
		ts := make([]Type, len(k.Types))
		changed := false
		for i, e := range k.Types {
			ts[i] = t(e)
			changed = changed || ts[i] != e
		}
		if changed {
			return &Tuple{Types: ts}
		}
	case *Option:
		if n := t(k.Type); n != k.Type {
			return &Option{Type: n}
		}
	case *List:
		if n := t(k.Type); n != k.Type {
			return &List{Type: n}
		}
	case *FixedList:
		if n := t(k.Type); n != k.Type {
			return &FixedList{Type: n, Len: k.Len}
		}
	case *Map:
		if key, v := t(k.Key), t(k.Value); key != k.Key || v != k.Value {
			return &Map{Key: key, Value: v}
		}
	case *Result:
		if ok, err := cp.opt(k.Ok), cp.opt(k.Err); ok != k.Ok || err != k.Err {
			return &Result{Ok: ok, Err: err}
		}
	case *Future:
		if n := cp.opt(k.Type); n != k.Type {
			return &Future{Type: n}
		}
	case *Stream:
		if n := cp.opt(k.Type); n != k.Type {
			return &Stream{Type: n}
		}
	}
	return k
}

// opt is typ for an optional type (nil stays nil).
func (cp *copier) opt(t Type) Type {
	if t == nil {
		return nil
	}
	return cp.typ(t)
}
