package resolve

import (
	"slices"
	"strings"

	"github.com/witgo-dev/witgo/parser/syntax"
)

// world resolves a world: its types and `use`s (imported under their
// names), its imports and exports, its includes, and then elaborates it:
// every interface an imported or exported interface depends on is
// imported first.
func (ps *pkgState) world(f *syntax.File, w *World) {
	sc := newTypeScope()
	owner := TypeOwner{World: w}
	var body []syntax.InterfaceItem
	for _, it := range w.syntax.Items {
		switch it := it.(type) {
		case *syntax.UseNames:
			body = append(body, it)
		case *syntax.TypeDef:
			body = append(body, it)
		}
	}
	for _, td := range ps.typeItems(f, sc, owner, body) {
		w.Imports = append(w.Imports, &WorldItem{Name: td.Name, Type: td, Stability: td.Stability})
	}
	// The functions of world resources are imports too.
	for _, it := range w.syntax.Items {
		if t, ok := it.(*syntax.TypeDef); ok {
			if res, ok := t.Kind.(*syntax.Resource); ok {
				if td := sc.names[t.Name.Name]; td != nil && td.Owner == owner {
					for _, fn := range ps.resourceFuncs(f, sc, td, res) {
						w.Imports = append(w.Imports, &WorldItem{Name: fn.Name, Function: fn, Stability: fn.Stability})
					}
				}
			}
		}
	}
	for _, it := range w.syntax.Items {
		e, ok := it.(*syntax.Extern)
		if !ok {
			continue
		}
		stab, kept := ps.stability(f, e.Attrs)
		if !kept {
			continue
		}
		item := &WorldItem{Stability: stab}
		var pos int
		switch {
		case e.Func != nil:
			item.Name, pos = e.Name.Name, e.Name.Pos
			item.Function = ps.function(f, sc, e.Name.Name, Freestanding, nil, *e.Func, e.Name.Pos)
			item.Function.Docs, item.Function.Stability = e.Docs, stab
		case e.Interface != nil:
			item.Name, pos = e.Name.Name, e.Name.Pos
			it := ps.newInterface("", e.Docs, stab)
			ps.interfaceBody(f, it, e.Interface)
			item.Interface = it
		default:
			item.Interface = ps.lookupInterface(f, e.Path)
			pos = e.Path.Pos
			if e.Name != nil {
				item.Name, pos = e.Name.Name, e.Name.Pos
			}
		}
		list := &w.Imports
		what := "import"
		if e.Export {
			list, what = &w.Exports, "export"
		}
		for _, prev := range *list {
			if item.Name == "" && prev.Name == "" && prev.Interface == item.Interface {
				fail(f, pos, "interface cannot be %sed more than once", what)
			}
			if item.Name != "" && prev.Name == item.Name {
				fail(f, pos, "%s `%s` conflicts with prior %s of same name", what, item.Name, prev.kindName())
			}
		}
		*list = append(*list, item)
	}
	for _, it := range w.syntax.Items {
		inc, ok := it.(*syntax.Include)
		if !ok {
			continue
		}
		if _, kept := ps.stability(f, inc.Attrs); !kept {
			continue
		}
		ps.include(f, w, inc)
	}
	ps.elaborate(f, w)
}

func (it *WorldItem) kindName() string {
	switch {
	case it.Function != nil:
		return "func"
	case it.Type != nil:
		return "type"
	}
	return "interface"
}

// include copies the imports and exports of the included world into w,
// renaming named items as its `with` says.
func (ps *pkgState) include(f *syntax.File, w *World, inc *syntax.Include) {
	from := ps.lookupWorld(f, &inc.Path)
	rename := map[string]string{}
	for _, n := range inc.With {
		found := false
		for _, it := range slices.Concat(from.Imports, from.Exports) {
			if it.Name == n.Name.Name {
				found = true
			}
		}
		if !found {
			fail(f, n.Name.Pos, "no import or export kebab-name `%s`. Note that an ID does not support renaming", n.Name.Name)
		}
		rename[n.Name.Name] = n.As.Name
	}
	// The included world's own types are copied into w (renamed as `with`
	// says), and so is every function and anonymous type that refers to
	// them.
	copies := map[*TypeDef]*TypeDef{}
	for _, it := range from.Imports {
		if it.Type != nil && it.Type.Owner.World == from {
			td := *it.Type
			if to, ok := rename[td.Name]; ok {
				td.Name = to
			}
			td.Owner = TypeOwner{World: w}
			copies[it.Type] = &td
		}
	}
	for _, td := range copies {
		if a, ok := td.Kind.(*Alias); ok {
			td.Kind = &Alias{Type: ps.copyType(a.Type, copies)}
		}
	}
	for _, it := range from.Imports {
		if td := copies[it.Type]; td != nil {
			ps.newType(td)
		}
	}
	merge := func(list *[]*WorldItem, items []*WorldItem, what string) {
		for _, it := range items {
			it := *it
			if it.Interface != nil && it.Name == "" && from.Package != w.Package && it.Stability.Since != "" {
				// A stable import of another package's world keeps no
				// stability of its own, as in wasm-tools.
				it.Stability = Stability{}
			}
			if it.Name != "" {
				if to, ok := rename[it.Name]; ok {
					it.Name = to
				} else if name, ok := renamedResourceFunc(it.Name, rename); ok {
					it.Name = name
				}
				if it.Type != nil && copies[it.Type] != nil {
					it.Type = copies[it.Type]
				}
				if it.Function != nil {
					fn := *it.Function
					if fn.Kind != Freestanding {
						fn.Name = it.Name
					}
					if fn.Resource != nil && copies[fn.Resource] != nil {
						fn.Resource = copies[fn.Resource]
					}
					fn.Params = slices.Clone(fn.Params)
					for i := range fn.Params {
						fn.Params[i].Type = ps.copyType(fn.Params[i].Type, copies)
					}
					fn.Result = ps.copyType(fn.Result, copies)
					it.Function = &fn
				}
			}
			dup := false
			for _, prev := range *list {
				if it.Name == "" && prev.Name == "" && prev.Interface == it.Interface {
					// The same interface twice: an unknown stability
					// takes the known one.
					if prev.Stability.IsUnknown() {
						prev.Stability = it.Stability
					} else if !it.Stability.IsUnknown() && prev.Stability != it.Stability {
						fail(f, inc.Path.Pos, "mismatch in stability from '%v' to '%v'", prev.Stability, it.Stability)
					}
					dup = true
					break
				}
				if it.Name != "" && prev.Name == it.Name {
					fail(f, inc.Path.Pos, "%s of `%s` shadows previously %sed items", what, it.Name, what)
				}
			}
			if !dup {
				*list = append(*list, &it)
			}
		}
	}
	merge(&w.Imports, from.Imports, "import")
	merge(&w.Exports, from.Exports, "export")
}

// renamedResourceFunc renames "[method]r.f" and friends when r is renamed.
func renamedResourceFunc(name string, rename map[string]string) (string, bool) {
	for _, prefix := range []string{"[constructor]", "[method]", "[static]"} {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		res, fn, _ := strings.Cut(rest, ".")
		to, ok := rename[res]
		if !ok {
			return "", false
		}
		if fn == "" {
			return prefix + to, true
		}
		return prefix + to + "." + fn, true
	}
	return "", false
}

// importClass orders a world's imports as wasm-tools does: interfaces,
// types that alias another owner's type, other types, functions, resource
// functions.
func importClass(it *WorldItem) int {
	switch {
	case it.Interface != nil:
		return 0
	case it.Type != nil:
		if a, ok := it.Type.Kind.(*Alias); ok {
			if t, ok := a.Type.(*TypeDef); ok && t.Owner.Interface != nil {
				return 1
			}
		}
		return 2
	case it.Function.Kind == Freestanding:
		return 3
	}
	return 4
}

// deps returns the interfaces that it uses types from, directly.
func (it *Interface) deps() []*Interface {
	var out []*Interface
	for _, t := range it.Types {
		a, ok := t.Kind.(*Alias)
		if !ok {
			continue
		}
		target, ok := a.Type.(*TypeDef)
		if !ok || target.Owner.Interface == nil || target.Owner.Interface == it {
			continue
		}
		if !slices.Contains(out, target.Owner.Interface) {
			out = append(out, target.Owner.Interface)
		}
	}
	return out
}

// elaborate adds to w's imports every interface its imports and exports
// depend on, each before what needs it.
func (ps *pkgState) elaborate(f *syntax.File, w *World) {
	sortClass := func(items []*WorldItem) {
		slices.SortStableFunc(items, func(a, b *WorldItem) int { return importClass(a) - importClass(b) })
	}
	sortClass(w.Imports)
	var imports []*WorldItem
	has := func(it *Interface) bool {
		for _, x := range imports {
			if x.Name == "" && x.Interface == it {
				return true
			}
		}
		return false
	}
	var add func(it *Interface, stab Stability)
	added := map[*Interface]bool{} // with its dependencies
	add = func(it *Interface, stab Stability) {
		if added[it] {
			return
		}
		added[it] = true
		for _, d := range it.deps() {
			add(d, stab)
		}
		if !has(it) {
			imports = append(imports, &WorldItem{Interface: it, Stability: stab})
		}
	}
	for _, item := range w.Imports {
		switch {
		case item.Interface != nil && item.Name == "":
			for _, d := range item.Interface.deps() {
				add(d, item.Stability)
			}
			if !has(item.Interface) {
				imports = append(imports, item)
			}
		case item.Interface != nil:
			for _, d := range item.Interface.deps() {
				add(d, item.Stability)
			}
			imports = append(imports, item)
		case item.Type != nil:
			if a, ok := item.Type.Kind.(*Alias); ok {
				if t, ok := a.Type.(*TypeDef); ok && t.Owner.Interface != nil {
					add(t.Owner.Interface, item.Stability)
				}
			}
			imports = append(imports, item)
		default:
			imports = append(imports, item)
		}
	}
	// Exports: functions as they are; then each exported interface after
	// its dependencies, which are exported where the world exports them and
	// imported otherwise. An interface cannot be both: one that an import
	// needs must not be exported after it, nor exported before an import
	// that needs it.
	var exports []*WorldItem
	var ifaceExports []*WorldItem
	exportedKey := map[*Interface]bool{}
	for _, e := range w.Exports {
		if e.Interface == nil {
			exports = append(exports, e)
			continue
		}
		ifaceExports = append(ifaceExports, e)
		if e.Name == "" {
			exportedKey[e.Interface] = true
		}
	}
	required := map[*Interface]bool{}
	inExports := func(it *WorldItem) bool {
		for _, x := range exports {
			if it.Name != "" && x.Name == it.Name || it.Name == "" && x.Name == "" && x.Interface == it.Interface {
				return true
			}
		}
		return false
	}
	var addExport func(item *WorldItem, asExport bool) bool
	addExport = func(item *WorldItem, asExport bool) bool {
		if inExports(item) {
			return asExport
		}
		if !asExport && required[item.Interface] {
			return true
		}
		for _, d := range item.Interface.deps() {
			dep := &WorldItem{Interface: d, Stability: item.Stability}
			if !addExport(dep, asExport && exportedKey[d]) {
				return false
			}
		}
		if asExport {
			if required[item.Interface] {
				return false
			}
			exports = append(exports, item)
			return true
		}
		required[item.Interface] = true
		if !has(item.Interface) {
			imports = append(imports, item)
		}
		return true
	}
	for _, e := range ifaceExports {
		if !addExport(e, true) {
			name := e.Name
			if name == "" {
				name = e.Interface.QualifiedName()
			}
			fail(f, w.syntax.Name.Pos, "interface `%s` transitively depends on an interface in incompatible ways", name)
		}
	}
	sortClass(imports)
	w.Imports, w.Exports = imports, exports
	for _, list := range []struct {
		what  string
		items []*WorldItem
	}{{"import", w.Imports}, {"export", w.Exports}} {
		seen := map[string]string{}
		for _, it := range list.items {
			if it.Name == "" {
				continue
			}
			low := strings.ToLower(it.Name)
			if prev, ok := seen[low]; ok && prev != it.Name {
				fail(f, w.syntax.Name.Pos, "%s `%s` in world `%s` conflicts with %s `%s` (kebab-case identifiers are case-insensitive)", list.what, it.Name, w.Name, list.what, prev)
			}
			seen[low] = it.Name
		}
	}
}

// QualifiedName is "ns:pkg/name@version" for a named interface.
func (it *Interface) QualifiedName() string { return it.Package.Name.ID(it.Name) }

// copyType returns t with the types in copies replaced by their copies;
// an anonymous type that refers to one is copied too.
func (ps *pkgState) copyType(t Type, copies map[*TypeDef]*TypeDef) Type {
	td, ok := t.(*TypeDef)
	if !ok {
		return t
	}
	if c := copies[td]; c != nil {
		return c
	}
	if td.Name != "" {
		return td
	}
	ct := func(t Type) Type { return ps.copyType(t, copies) }
	var k TypeKind
	switch old := td.Kind.(type) {
	case *Handle:
		if c := copies[old.Resource]; c != nil {
			k = &Handle{Borrow: old.Borrow, Resource: c}
		}
	case *Alias:
		if n := ct(old.Type); n != old.Type {
			k = &Alias{Type: n}
		}
	case *Option:
		if n := ct(old.Type); n != old.Type {
			k = &Option{Type: n}
		}
	case *List:
		if n := ct(old.Type); n != old.Type {
			k = &List{Type: n}
		}
	case *FixedList:
		if n := ct(old.Type); n != old.Type {
			k = &FixedList{Type: n, Len: old.Len}
		}
	case *Future:
		if n := ct(old.Type); n != old.Type {
			k = &Future{Type: n}
		}
	case *Stream:
		if n := ct(old.Type); n != old.Type {
			k = &Stream{Type: n}
		}
	case *Result:
		if ok, err := ct(old.Ok), ct(old.Err); ok != old.Ok || err != old.Err {
			k = &Result{Ok: ok, Err: err}
		}
	case *Map:
		if key, v := ct(old.Key), ct(old.Value); key != old.Key || v != old.Value {
			k = &Map{Key: key, Value: v}
		}
	case *Tuple:
		changed := false
		types := make([]Type, len(old.Types))
		for i, e := range old.Types {
			types[i] = ct(e)
			changed = changed || types[i] != e
		}
		if changed {
			k = &Tuple{Types: types}
		}
	}
	if k == nil {
		return td
	}
	return ps.newType(&TypeDef{Kind: k})
}
