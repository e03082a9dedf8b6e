package resolve

import (
	"cmp"

	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/witgo-dev/witgo/parser/syntax"
)

// resolver resolves packages in dependency order.
type resolver struct {
	res      *Resolve
	features map[string]bool
	all      bool
	units    map[PackageName]*unit
	pkgs     map[PackageName]*Package
	borrows  map[*TypeDef]bool // containsBorrow's answers
}

func resolveGroups(groups []*group, opts Options) (*Resolve, *Package, error) {
	r := &resolver{
		res:      &Resolve{},
		features: map[string]bool{},
		all:      opts.AllFeatures,
		units:    map[PackageName]*unit{},
		pkgs:     map[PackageName]*Package{},
		borrows:  map[*TypeDef]bool{},
	}
	for _, f := range opts.Features {
		r.features[f] = true
	}
	var all []*unit
	for _, g := range groups {
		if g.main != nil {
			all = append(all, g.main)
		}
		all = append(all, g.nested...)
	}
	for _, u := range all {
		if prev, ok := r.units[u.name]; ok {
			return nil, nil, fmt.Errorf("package `%s` is defined in two different locations:\n  * %s\n  * %s", u.name, prev.where, u.where)
		}
		r.units[u.name] = u
	}
	order, err := r.order(all)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range order {
		if err := r.catch(func() { r.resolvePackage(u) }); err != nil {
			return nil, nil, err
		}
	}
	var main *Package
	if g := groups[0]; g.main != nil {
		main = r.pkgs[g.main.name]
	} else if len(g.nested) > 0 {
		main = r.pkgs[g.nested[len(g.nested)-1].name]
	}
	return r.res, main, nil
}

// failure unwinds resolution with an error; catch recovers it.
type failure struct{ err error }

func (r *resolver) catch(f func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			fl, ok := v.(failure)
			if !ok {
				panic(v)
			}
			err = fl.err
		}
	}()
	f()
	return nil
}

func fail(f *syntax.File, pos int, format string, args ...any) {
	panic(failure{f.Errorf(pos, format, args...)})
}

// order sorts the packages so that each comes after the packages it refers
// to: a depth-first walk in name order, as wasm-tools does.
func (r *resolver) order(units []*unit) ([]*unit, error) {
	sorted := slices.Clone(units)
	slices.SortStableFunc(sorted, func(a, b *unit) int {
		return cmp.Or(cmp.Compare(a.name.Namespace, b.name.Namespace), cmp.Compare(a.name.Name, b.name.Name), compareVersions(a.name.Version, b.name.Version))
	})
	state := map[*unit]int{} // 1 visiting, 2 done
	var out []*unit
	var visit func(u *unit) error
	visit = func(u *unit) error {
		switch state[u] {
		case 1:
			return u.file.Errorf(u.pos, "package `%s` creates a dependency cycle", u.name)
		case 2:
			return nil
		}
		state[u] = 1
		for _, ref := range foreignRefs(u) {
			if d, ok := r.units[ref]; ok {
				if err := visit(d); err != nil {
					return err
				}
			}
		}
		state[u] = 2
		out = append(out, u)
		return nil
	}
	for _, u := range sorted {
		if err := visit(u); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// foreignRefs lists the packages that u's items name, in order.
func foreignRefs(u *unit) []PackageName {
	var refs []PackageName
	seen := map[PackageName]bool{}
	add := func(p *syntax.UsePath) {
		if p == nil || p.Package == nil {
			return
		}
		n := pkgName(*p.Package)
		if !seen[n] {
			seen[n] = true
			refs = append(refs, n)
		}
	}
	var ifaceItems func(items []syntax.InterfaceItem)
	ifaceItems = func(items []syntax.InterfaceItem) {
		for _, it := range items {
			if u, ok := it.(*syntax.UseNames); ok {
				add(&u.Path)
			}
		}
	}
	for _, f := range u.files {
		for _, it := range f.items {
			switch it := it.(type) {
			case *syntax.Use:
				add(&it.Path)
			case *syntax.Interface:
				ifaceItems(it.Items)
			case *syntax.World:
				for _, wi := range it.Items {
					switch wi := wi.(type) {
					case *syntax.UseNames:
						add(&wi.Path)
					case *syntax.Extern:
						add(wi.Path)
						ifaceItems(wi.Interface)
					case *syntax.Include:
						add(&wi.Path)
					}
				}
			}
		}
	}
	return refs
}

// stability returns the stability that attributes give an item of the
// package, and whether the item is kept: an @unstable item is dropped
// unless its feature is enabled. @since must name a released version of a
// versioned package.
func (ps *pkgState) stability(f *syntax.File, attrs []syntax.Attribute) (Stability, bool) {
	s, kept := ps.r.stability(f, attrs)
	if s.Since != "" {
		pv := ps.pkg.Name.Version
		if pv == "" {
			fail(f, attrs[0].Pos, "package [%s] contains a feature gate with a version specifier, so it must have a version", ps.pkg.Name)
		}
		if compareSemver(s.Since, pv) > 0 {
			fail(f, attrs[0].Pos, "feature gate cannot reference unreleased version %s of package [%s] (current version %s)", s.Since, ps.pkg.Name, pv)
		}
	}
	return s, kept
}

// stability reads the attributes of an item: see pkgState.stability.
func (r *resolver) stability(f *syntax.File, attrs []syntax.Attribute) (Stability, bool) {
	var s Stability
	seen := map[syntax.AttrKind]bool{}
	for _, a := range attrs {
		if seen[a.Kind] {
			fail(f, a.Pos, "cannot specify @%s twice", attrName(a.Kind))
		}
		seen[a.Kind] = true
		switch a.Kind {
		case syntax.Since:
			s.Since = a.Version
			if a.Feature != "" {
				s.Feature = a.Feature
			}
		case syntax.Unstable:
			s.Feature = a.Feature
		case syntax.Deprecated:
			s.Deprecated = a.Version
		}
	}
	if seen[syntax.Since] && seen[syntax.Unstable] {
		fail(f, attrs[0].Pos, "cannot specify both @since and @unstable")
	}
	if s.Deprecated != "" && s.Since == "" && s.Feature == "" {
		fail(f, attrs[0].Pos, "cannot specify both @deprecated without @since or @unstable")
	}
	if s.Feature != "" && !r.all && !r.features[s.Feature] {
		return s, false
	}
	return s, true
}

func attrName(k syntax.AttrKind) string {
	return [...]string{"since", "unstable", "deprecated", "external-id"}[k]
}

// A decl is a named interface or world of the package being resolved.
type decl struct {
	file  *syntax.File
	iface *syntax.Interface
	world *syntax.World
	index int
	kept  bool
	stab  Stability

	resolvedIface *Interface
	resolvedWorld *World
}

func (d *decl) pos() int {
	if d.iface != nil {
		return d.iface.Name.Pos
	}
	return d.world.Name.Pos
}

// pkgState is the state of the package being resolved.
type pkgState struct {
	r     *resolver
	pkg   *Package
	decls map[string]*decl
	order []*decl
	// files maps each file to its top-level names: its own interfaces and
	// worlds, and its `use` aliases of other interfaces.
	files map[*syntax.File]map[string]*Interface
}

func (r *resolver) resolvePackage(u *unit) {
	pkg := &Package{Name: u.name, Docs: u.docs, index: len(r.res.Packages)}
	r.res.Packages = append(r.res.Packages, pkg)
	r.pkgs[u.name] = pkg
	ps := &pkgState{r: r, pkg: pkg, decls: map[string]*decl{}, files: map[*syntax.File]map[string]*Interface{}}
	for _, f := range u.files {
		for _, it := range f.items {
			var d *decl
			var name syntax.Ident
			var attrs []syntax.Attribute
			switch it := it.(type) {
			case *syntax.Interface:
				d, name, attrs = &decl{file: f.file, iface: it}, it.Name, it.Attrs
			case *syntax.World:
				d, name, attrs = &decl{file: f.file, world: it}, it.Name, it.Attrs
			default:
				continue
			}
			if _, dup := ps.decls[name.Name]; dup {
				fail(f.file, name.Pos, "duplicate item named `%s`", name.Name)
			}
			d.index = len(ps.order)
			d.stab, d.kept = ps.stability(f.file, attrs)
			ps.decls[name.Name] = d
			ps.order = append(ps.order, d)
		}
	}
	// Top-level `use`: file-scoped names of interfaces.
	for _, f := range u.files {
		names := map[string]*Interface{}
		ps.files[f.file] = names
		for _, it := range f.items {
			use, ok := it.(*syntax.Use)
			if !ok {
				continue
			}
			if len(use.Attrs) > 0 {
				fail(f.file, use.Attrs[0].Pos, "attributes not allowed on top-level use")
			}
			name := use.Path.Name
			if use.As != nil {
				name = *use.As
			}
			if _, dup := names[name.Name]; dup {
				fail(f.file, name.Pos, "duplicate name `%s` in this file", name.Name)
			}
			if d, dup := ps.decls[name.Name]; dup && d.file == f.file {
				fail(f.file, name.Pos, "duplicate name `%s` in this file", name.Name)
			}
			if use.Path.Package != nil {
				ps.lookupInterface(f.file, &use.Path) // it must exist
			} else if d, ok := ps.decls[use.Path.Name.Name]; !ok {
				fail(f.file, use.Path.Pos, "interface or world `%s` does not exist", use.Path.Name.Name)
			} else if d.iface == nil {
				fail(f.file, use.Path.Pos, "name `%s` is defined as a world, not an interface", use.Path.Name.Name)
			}
			names[name.Name] = nil // resolved when used: a local target may come later
		}
	}
	// Interfaces first, then worlds, each in dependency order: a world may
	// name any interface of the package.
	order := ps.topo()
	for _, d := range order {
		if d.iface == nil {
			continue
		}
		if !d.kept {
			ps.checkGatedInterface(d)
			continue
		}
		it := ps.newInterface(d.iface.Name.Name, d.iface.Docs, d.stab)
		d.resolvedIface = it
		pkg.Interfaces = append(pkg.Interfaces, it)
		ps.interfaceBody(d.file, it, d.iface.Items)
	}
	for _, d := range order {
		if d.world == nil || !d.kept {
			continue
		}
		w := &World{Name: d.world.Name.Name, Docs: d.world.Docs, Stability: d.stab, Package: pkg, index: len(r.res.Worlds), syntax: d.world}
		r.res.Worlds = append(r.res.Worlds, w)
		d.resolvedWorld = w
		pkg.Worlds = append(pkg.Worlds, w)
		ps.world(d.file, w)
	}
}

func (ps *pkgState) newInterface(name, docs string, stab Stability) *Interface {
	it := &Interface{Name: name, Docs: docs, Stability: stab, Package: ps.pkg, index: len(ps.r.res.Interfaces)}
	ps.r.res.Interfaces = append(ps.r.res.Interfaces, it)
	return it
}

// topo orders the package's interfaces and worlds so that an interface
// comes after the local interfaces it uses and a world after the local
// worlds it includes; ready declarations go in source order.
func (ps *pkgState) topo() []*decl {
	deps := map[*decl][]*decl{}
	edge := func(from *decl, f *syntax.File, p *syntax.UsePath) {
		if p.Package != nil {
			return
		}
		if d, ok := ps.decls[p.Name.Name]; ok {
			if d == from {
				fail(f, p.Name.Pos, "interface or world `%s` depends on itself", p.Name.Name)
			}
			deps[from] = append(deps[from], d)
		}
	}
	for _, d := range ps.order {
		if d.iface != nil {
			for _, it := range d.iface.Items {
				if u, ok := it.(*syntax.UseNames); ok {
					edge(d, d.file, &u.Path)
				}
			}
		} else {
			for _, it := range d.world.Items {
				if inc, ok := it.(*syntax.Include); ok {
					edge(d, d.file, &inc.Path)
				}
			}
		}
	}
	index := map[*decl]int{}
	for i, d := range ps.order {
		index[d] = i
	}
	order, ok := toposort(len(ps.order), func(i int) []int {
		var out []int
		for _, d := range deps[ps.order[i]] {
			out = append(out, index[d])
		}
		return out
	})
	if !ok {
		done := map[int]bool{}
		for _, i := range order {
			done[i] = true
		}
		for i, d := range ps.order {
			if !done[i] {
				var name syntax.Ident
				if d.iface != nil {
					name = d.iface.Name
				} else {
					name = d.world.Name
				}
				fail(d.file, name.Pos, "interface or world `%s` depends on itself", name.Name)
			}
		}
	}
	out := make([]*decl, len(order))
	for i, j := range order {
		out[i] = ps.order[j]
	}
	return out
}

// lookupInterface finds the interface a path names, from file f.
func (ps *pkgState) lookupInterface(f *syntax.File, p *syntax.UsePath) *Interface {
	if p.Package != nil {
		name := pkgName(*p.Package)
		pkg, ok := ps.r.pkgs[name]
		if !ok {
			if name == ps.pkg.Name {
				fail(f, p.Pos, "package `%s` creates a dependency cycle", name)
			}
			fail(f, p.Pos, "%s", ps.r.notFound(name))
		}
		for _, it := range pkg.Interfaces {
			if it.Name == p.Name.Name {
				return it
			}
		}
		fail(f, p.Name.Pos, "interface '%s' not found in package '%s'", p.Name.Name, name)
	}
	return ps.localInterface(f, p.Name)
}

func (r *resolver) notFound(name PackageName) string {
	var known []string
	for n := range r.pkgs {
		known = append(known, n.String())
	}
	slices.Sort(known)
	if len(known) == 0 {
		return fmt.Sprintf("package '%s' not found", name)
	}
	return fmt.Sprintf("package '%s' not found. known packages:\n    %s", name, strings.Join(known, "\n    "))
}

// localInterface resolves a bare name: the file's `use` aliases, then the
// package's interfaces.
func (ps *pkgState) localInterface(f *syntax.File, id syntax.Ident) *Interface {
	if names := ps.files[f]; names != nil {
		if _, ok := names[id.Name]; ok {
			return ps.fileUse(f, id)
		}
	}
	d, ok := ps.decls[id.Name]
	if !ok {
		fail(f, id.Pos, "interface or world `%s` does not exist", id.Name)
	}
	if d.iface == nil {
		fail(f, id.Pos, "name `%s` is defined as a world, not an interface", id.Name)
	}
	if !d.kept {
		fail(f, id.Pos, "found a reference to a interface which is excluded due to its feature not being activated")
	}
	if d.resolvedIface == nil {
		fail(f, id.Pos, "interface `%s` is used before it is resolved", id.Name)
	}
	return d.resolvedIface
}

// fileUse resolves a top-level `use` alias of file f.
func (ps *pkgState) fileUse(f *syntax.File, id syntax.Ident) *Interface {
	for _, fi := range ps.pkgFiles() {
		if fi.file != f {
			continue
		}
		for _, it := range fi.items {
			use, ok := it.(*syntax.Use)
			if !ok {
				continue
			}
			name := use.Path.Name.Name
			if use.As != nil {
				name = use.As.Name
			}
			if name != id.Name {
				continue
			}
			if use.Path.Package == nil {
				// An alias of a local interface.
				d, ok := ps.decls[use.Path.Name.Name]
				if !ok || d.iface == nil || d.resolvedIface == nil {
					fail(f, use.Path.Pos, "interface or world `%s` does not exist", use.Path.Name.Name)
				}
				return d.resolvedIface
			}
			return ps.lookupInterface(f, &use.Path)
		}
	}
	fail(f, id.Pos, "interface or world `%s` does not exist", id.Name)
	return nil
}

func (ps *pkgState) pkgFiles() []*fileItems { return ps.r.units[ps.pkg.Name].files }

// lookupWorld finds the world an include names.
func (ps *pkgState) lookupWorld(f *syntax.File, p *syntax.UsePath) *World {
	if p.Package != nil {
		name := pkgName(*p.Package)
		pkg, ok := ps.r.pkgs[name]
		if !ok {
			fail(f, p.Pos, "%s", ps.r.notFound(name))
		}
		for _, w := range pkg.Worlds {
			if w.Name == p.Name.Name {
				return w
			}
		}
		fail(f, p.Name.Pos, "world '%s' not found in package '%s'", p.Name.Name, name)
	}
	d, ok := ps.decls[p.Name.Name]
	if !ok {
		fail(f, p.Name.Pos, "interface or world `%s` does not exist", p.Name.Name)
	}
	if d.world == nil {
		fail(f, p.Name.Pos, "name `%s` is defined as an interface, not a world", p.Name.Name)
	}
	if !d.kept {
		fail(f, p.Name.Pos, "found a reference to a world which is excluded due to its feature not being activated")
	}
	return d.resolvedWorld
}

// A typeScope holds the named types of an interface or world.
type typeScope struct {
	names map[string]*TypeDef
	funcs map[string]bool
	gated map[string]bool // types dropped by a feature gate
}

func newTypeScope() *typeScope {
	return &typeScope{names: map[string]*TypeDef{}, funcs: map[string]bool{}, gated: map[string]bool{}}
}

// checkGatedInterface rejects, as wasm-tools does, an interface dropped by
// a feature gate that holds a type which is not gated itself.
func (ps *pkgState) checkGatedInterface(d *decl) {
	for _, it := range d.iface.Items {
		if t, ok := it.(*syntax.TypeDef); ok {
			if _, kept := ps.stability(d.file, t.Attrs); kept {
				fail(d.file, t.Name.Pos, "found a reference to a interface which is excluded due to its feature not being activated; this type is not gated by a feature but its interface is")
			}
		}
	}
}

// newType records a type definition in the arena.
func (ps *pkgState) newType(td *TypeDef) *TypeDef {
	td.index = len(ps.r.res.Types)
	ps.r.res.Types = append(ps.r.res.Types, td)
	return td
}

// interfaceBody resolves the items of an interface (named or inline).
func (ps *pkgState) interfaceBody(f *syntax.File, it *Interface, items []syntax.InterfaceItem) {
	sc := newTypeScope()
	owner := TypeOwner{Interface: it}
	it.Types = ps.typeItems(f, sc, owner, items)
	for _, item := range items {
		switch item := item.(type) {
		case *syntax.NamedFunc:
			stab, kept := ps.stability(f, item.Attrs)
			if !kept {
				continue
			}
			if sc.funcs[item.Name.Name] || sc.names[item.Name.Name] != nil {
				fail(f, item.Name.Pos, "name `%s` is defined more than once", item.Name.Name)
			}
			sc.funcs[item.Name.Name] = true
			fn := ps.function(f, sc, item.Name.Name, Freestanding, nil, item.Func, item.Name.Pos)
			fn.Docs, fn.Stability = item.Docs, stab
			it.Functions = append(it.Functions, fn)
		case *syntax.TypeDef:
			if res, ok := item.Kind.(*syntax.Resource); ok {
				if td := sc.names[item.Name.Name]; td != nil && td.Owner == owner {
					it.Functions = append(it.Functions, ps.resourceFuncs(f, sc, td, res)...)
				}
			}
		}
	}
}

// typeItems resolves the `use` items and type definitions of an interface
// or world body, and returns the named types in wasm-tools' order: the
// `use` aliases first, then the definitions, each after the ones it refers
// to.
func (ps *pkgState) typeItems(f *syntax.File, sc *typeScope, owner TypeOwner, items []syntax.InterfaceItem) []*TypeDef {
	var types []*TypeDef
	for _, item := range items {
		u, ok := item.(*syntax.UseNames)
		if !ok {
			continue
		}
		stab, kept := ps.stability(f, u.Attrs)
		if !kept {
			continue
		}
		from := ps.lookupInterface(f, &u.Path)
		for _, n := range u.Names {
			var target *TypeDef
			for _, t := range from.Types {
				if t.Name == n.Name.Name {
					target = t
				}
			}
			if target == nil {
				for _, fn := range from.Functions {
					if fn.Name == n.Name.Name {
						fail(f, n.Name.Pos, "cannot import function `%s`", n.Name.Name)
					}
				}
				fail(f, n.Name.Pos, "name `%s` is not defined", n.Name.Name)
			}
			name := n.Name
			if n.As != nil {
				name = *n.As
			}
			if sc.names[name.Name] != nil {
				fail(f, name.Pos, "name `%s` is defined more than once", name.Name)
			}
			td := ps.newType(&TypeDef{Name: name.Name, Kind: &Alias{Type: target}, Owner: owner, Stability: stab})
			sc.names[name.Name] = td
			types = append(types, td)
		}
	}
	// Declare the definitions, then resolve them in dependency order.
	type def struct {
		syn *syntax.TypeDef
		td  *TypeDef
	}
	var defs []*def
	byName := map[string]*def{}
	for _, item := range items {
		t, ok := item.(*syntax.TypeDef)
		if !ok {
			continue
		}
		stab, kept := ps.stability(f, t.Attrs)
		if !kept {
			sc.gated[t.Name.Name] = true
			if res, ok := t.Kind.(*syntax.Resource); ok {
				for _, rf := range res.Funcs {
					if _, kept := ps.stability(f, rf.Attrs); kept {
						fail(f, rf.Name.Pos, "found a reference to a type which is excluded due to its feature not being activated")
					}
				}
			}
			continue
		}
		if sc.names[t.Name.Name] != nil {
			fail(f, t.Name.Pos, "name `%s` is defined more than once", t.Name.Name)
		}
		d := &def{syn: t, td: &TypeDef{Name: t.Name.Name, Owner: owner, Docs: t.Docs, Stability: stab}}
		sc.names[t.Name.Name] = d.td
		byName[t.Name.Name] = d
		defs = append(defs, d)
	}
	index := map[*def]int{}
	for i, d := range defs {
		index[d] = i
	}
	order, ok := toposort(len(defs), func(i int) []int {
		var out []int
		for _, ref := range typeRefs(defs[i].syn) {
			if dep, ok := byName[ref]; ok {
				out = append(out, index[dep])
			}
		}
		return out
	})
	if !ok {
		done := map[int]bool{}
		for _, i := range order {
			done[i] = true
		}
		for i, d := range defs {
			if !done[i] {
				fail(f, d.syn.Name.Pos, "type `%s` depends on itself", d.syn.Name.Name)
			}
		}
	}
	for _, i := range order {
		d := defs[i]
		d.td.Kind = ps.kind(f, sc, d.syn)
		ps.newType(d.td)
		types = append(types, d.td)
	}
	return types
}

// typeRefs lists the names a type definition refers to by value (handles
// included: wasm-tools orders by them too).
func typeRefs(t *syntax.TypeDef) []string {
	var refs []string
	var walk func(t syntax.Type)
	walk = func(t syntax.Type) {
		switch t := t.(type) {
		case *syntax.Named:
			refs = append(refs, t.Name.Name)
		case *syntax.ListType:
			walk(t.Elem)
		case *syntax.MapType:
			walk(t.Key)
			walk(t.Value)
		case *syntax.OptionType:
			walk(t.Elem)
		case *syntax.ResultType:
			if t.Ok != nil {
				walk(t.Ok)
			}
			if t.Err != nil {
				walk(t.Err)
			}
		case *syntax.TupleType:
			for _, e := range t.Types {
				walk(e)
			}
		case *syntax.Handle:
			refs = append(refs, t.Resource.Name)
		case *syntax.FutureType:
			if t.Elem != nil {
				walk(t.Elem)
			}
		case *syntax.StreamType:
			if t.Elem != nil {
				walk(t.Elem)
			}
		}
	}
	switch k := t.Kind.(type) {
	case *syntax.Alias:
		walk(k.Type)
	case *syntax.Record:
		for _, fl := range k.Fields {
			walk(fl.Type)
		}
	case *syntax.Variant:
		for _, c := range k.Cases {
			if c.Type != nil {
				walk(c.Type)
			}
		}
	}
	return refs
}

// kind resolves what a type definition defines.
func (ps *pkgState) kind(f *syntax.File, sc *typeScope, t *syntax.TypeDef) TypeKind {
	switch k := t.Kind.(type) {
	case *syntax.Alias:
		// "type x = list<u32>" takes the structure itself; "type x = y"
		// is an alias of y.
		if n, ok := k.Type.(*syntax.Named); ok {
			return &Alias{Type: ps.named(f, sc, n.Name)}
		}
		return ps.anonKind(f, sc, k.Type)
	case *syntax.Record:
		r := &Record{}
		once := names(f)
		for _, fl := range k.Fields {
			once(fl.Name)
			r.Fields = append(r.Fields, Field{Name: fl.Name.Name, Type: ps.typ(f, sc, fl.Type), Docs: fl.Docs})
		}
		return r
	case *syntax.Variant:
		if len(k.Cases) == 0 {
			fail(f, t.Name.Pos, "empty variant")
		}
		v := &Variant{}
		once := names(f)
		for _, c := range k.Cases {
			once(c.Name)
			var ct Type
			if c.Type != nil {
				ct = ps.typ(f, sc, c.Type)
			}
			v.Cases = append(v.Cases, Case{Name: c.Name.Name, Type: ct, Docs: c.Docs})
		}
		return v
	case *syntax.Enum:
		if len(k.Cases) == 0 {
			fail(f, t.Name.Pos, "empty enum")
		}
		e := &Enum{}
		once := names(f)
		for _, c := range k.Cases {
			once(c.Name)
			e.Cases = append(e.Cases, Case{Name: c.Name.Name, Docs: c.Docs})
		}
		return e
	case *syntax.Flags:
		fl := &Flags{}
		once := names(f)
		for _, c := range k.Flags {
			once(c.Name)
			fl.Flags = append(fl.Flags, Case{Name: c.Name.Name, Docs: c.Docs})
		}
		return fl
	case *syntax.Resource:
		return &ResourceKind{}
	}
	panic(fmt.Sprintf("BUG: type definition kind %T", t.Kind))
}

// names returns a function that refuses a name it has seen before: the
// fields of a record, the cases of a variant or enum, the flags.
func names(f *syntax.File) func(syntax.Ident) {
	seen := map[string]bool{}
	return func(id syntax.Ident) {
		if seen[id.Name] {
			fail(f, id.Pos, "name `%s` is defined more than once", id.Name)
		}
		seen[id.Name] = true
	}
}

// named resolves a type name in scope.
func (ps *pkgState) named(f *syntax.File, sc *typeScope, id syntax.Ident) *TypeDef {
	td := sc.names[id.Name]
	if td == nil {
		if sc.gated[id.Name] {
			fail(f, id.Pos, "found a reference to a type which is excluded due to its feature not being activated")
		}
		if sc.funcs[id.Name] {
			fail(f, id.Pos, "cannot use function `%s` as a type", id.Name)
		}
		fail(f, id.Pos, "type `%s` does not exist", id.Name)
	}
	return td
}

// typ resolves a type in a value position: a named resource there is an
// own handle.
func (ps *pkgState) typ(f *syntax.File, sc *typeScope, t syntax.Type) Type {
	switch t := t.(type) {
	case *syntax.Prim:
		return Prim(t.Kind.String())
	case *syntax.Named:
		td := ps.named(f, sc, t.Name)
		if isResource(td) {
			return ps.anon(&Handle{Resource: td})
		}
		return td
	}
	return ps.anon(ps.anonKind(f, sc, t))
}

// anon records an anonymous type.
func (ps *pkgState) anon(k TypeKind) *TypeDef {
	return ps.newType(&TypeDef{Kind: k})
}

func (ps *pkgState) anonKind(f *syntax.File, sc *typeScope, t syntax.Type) TypeKind {
	opt := func(t syntax.Type) Type {
		if t == nil {
			return nil
		}
		return ps.typ(f, sc, t)
	}
	switch t := t.(type) {
	case *syntax.ListType:
		if t.HasLen {
			return &FixedList{Type: ps.typ(f, sc, t.Elem), Len: t.Len}
		}
		return &List{Type: ps.typ(f, sc, t.Elem)}
	case *syntax.MapType:
		key := ps.typ(f, sc, t.Key)
		switch key {
		case Prim("bool"), Prim("u8"), Prim("u16"), Prim("u32"), Prim("u64"), Prim("s8"), Prim("s16"), Prim("s32"), Prim("s64"), Prim("char"), Prim("string"):
		default:
			fail(f, t.Pos, "invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, s16, s32, s64, char, or string")
		}
		return &Map{Key: key, Value: ps.typ(f, sc, t.Value)}
	case *syntax.OptionType:
		return &Option{Type: ps.typ(f, sc, t.Elem)}
	case *syntax.ResultType:
		return &Result{Ok: opt(t.Ok), Err: opt(t.Err)}
	case *syntax.TupleType:
		tu := &Tuple{}
		for _, e := range t.Types {
			tu.Types = append(tu.Types, ps.typ(f, sc, e))
		}
		return tu
	case *syntax.Handle:
		td := ps.named(f, sc, t.Resource)
		if !isResource(td) {
			fail(f, t.Resource.Pos, "type `%s` used in a handle must be a resource", t.Resource.Name)
		}
		return &Handle{Borrow: t.Borrow, Resource: td}
	case *syntax.FutureType:
		return &Future{Type: opt(t.Elem)}
	case *syntax.StreamType:
		return &Stream{Type: opt(t.Elem)}
	case *syntax.Named, *syntax.Prim:
		return &Alias{Type: ps.typ(f, sc, t)}
	}
	panic(fmt.Sprintf("BUG: type %T", t))
}

// isResource reports whether td is a resource, through aliases.
func isResource(td *TypeDef) bool {
	for {
		switch k := td.Kind.(type) {
		case *ResourceKind:
			return true
		case *Alias:
			next, ok := k.Type.(*TypeDef)
			if !ok {
				return false
			}
			td = next
		default:
			return false
		}
	}
}

// function resolves a function type.
func (ps *pkgState) function(f *syntax.File, sc *typeScope, name string, kind FunctionKind, resource *TypeDef, ft syntax.Func, pos int) *Function {
	fn := &Function{Name: name, Kind: kind, Async: ft.Async, Resource: resource}
	if kind == Method {
		fn.Params = append(fn.Params, Param{Name: "self", Type: ps.anon(&Handle{Borrow: true, Resource: resource})})
	}
	seen := map[string]bool{}
	for _, p := range ft.Params {
		if seen[p.Name.Name] || kind == Method && p.Name.Name == "self" {
			fail(f, p.Name.Pos, "param `%s` is defined more than once", p.Name.Name)
		}
		seen[p.Name.Name] = true
		fn.Params = append(fn.Params, Param{Name: p.Name.Name, Type: ps.typ(f, sc, p.Type)})
	}
	if ft.Result != nil {
		fn.Result = ps.typ(f, sc, ft.Result)
		if ps.r.containsBorrow(fn.Result) {
			fail(f, pos, "function `%s` returns a type which contains a `borrow<T>` which is not supported", name)
		}
	}
	return fn
}

// containsBorrow reports whether t holds a borrow handle anywhere. Types
// never change once made, so each answer is kept (r.borrows): a chain of
// types that each hold the one before is walked once, not once per
// function.
func (r *resolver) containsBorrow(t Type) bool {
	td, ok := t.(*TypeDef)
	if !ok || td == nil {
		return false
	}
	if v, ok := r.borrows[td]; ok {
		return v
	}
	r.borrows[td] = false // types are acyclic; this only guards a bug
	found := false
	if h, ok := td.Kind.(*Handle); ok {
		found = h.Borrow
	} else {
		for _, ref := range kindRefs(td.Kind) {
			if r.containsBorrow(ref) {
				found = true
				break
			}
		}
	}
	r.borrows[td] = found
	return found
}

// resourceFuncs resolves the constructor, methods and statics of a
// resource.
func (ps *pkgState) resourceFuncs(f *syntax.File, sc *typeScope, td *TypeDef, res *syntax.Resource) []*Function {
	var fns []*Function
	seen := map[string]bool{}
	for _, rf := range res.Funcs {
		stab, kept := ps.stability(f, rf.Attrs)
		if !kept {
			continue
		}
		var fn *Function
		switch rf.Kind {
		case syntax.Constructor_:
			if seen["constructor"] {
				fail(f, rf.Name.Pos, "duplicate constructors")
			}
			seen["constructor"] = true
			ft := rf.Func
			declared := ft.Result
			ft.Result = nil
			fn = ps.function(f, sc, "[constructor]"+td.Name, Constructor, td, ft, rf.Name.Pos)
			if declared == nil {
				fn.Result = ps.anon(&Handle{Resource: td})
			} else {
				r, ok := declared.(*syntax.ResultType)
				if !ok {
					fail(f, rf.Name.Pos, "if a constructor return type is declared it must be a `result`")
				}
				if n, ok := r.Ok.(*syntax.Named); !ok || ps.named(f, sc, n.Name) != td {
					fail(f, rf.Name.Pos, "the `ok` type must be the resource being constructed")
				}
				fn.Result = ps.typ(f, sc, declared)
			}
		default:
			if seen[rf.Name.Name] {
				fail(f, rf.Name.Pos, "duplicate function name `%s`", rf.Name.Name)
			}
			seen[rf.Name.Name] = true
			kind, prefix := Method, "[method]"
			if rf.Kind == syntax.Static {
				kind, prefix = Static, "[static]"
			}
			fn = ps.function(f, sc, prefix+td.Name+"."+rf.Name.Name, kind, td, rf.Func, rf.Name.Pos)
		}
		fn.Docs, fn.Stability = rf.Docs, stab
		fns = append(fns, fn)
	}
	return fns
}

// compareSemver compares two valid semver versions by precedence (build
// metadata ignored).
func compareSemver(a, b string) int {
	return semver.Compare("v"+a, "v"+b)
}

// compareVersions orders package versions as wasm-tools does: no version
// first, then by semver precedence, build metadata last.
func compareVersions(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	_, ab, _ := strings.Cut(a, "+")
	_, bb, _ := strings.Cut(b, "+")
	return cmp.Or(compareSemver(a, b), strings.Compare(ab, bb))
}
