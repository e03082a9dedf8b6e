package kvbackend

import (
	witparser "github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// Roles of resources.
const (
	roleBucket   = "bucket"
	roleCas      = "cas"
	roleIncoming = "incoming"
	roleOutgoing = "outgoing"
	roleIn       = "input-stream"
	roleOut      = "output-stream"
	rolePollable = "pollable"
	roleError    = "error"
)

// stateless reports whether values of a role are rebuilt from their handle
// alone (so a HandleResolver needs no state for them). Values of the other
// roles live in the wRPC server's handle table.
func stateless(role string) bool {
	return role == roleBucket || role == rolePollable || role == roleError
}

// assignRoles decides, before any method is built, every role of the
// backend's resources (g.roles), the order in which the resources' methods
// are built (g.resOrder), the names of their types (declareResource) and
// the interfaces that resolve handles (g.resolver). Recognition and
// emission only read them:
//
//   - value, stream and pollable resources by name;
//   - the bucket: what an open function returns;
//   - the CAS: what a static new(bucket, key) returns;
//   - error resources: those that the conversion of a function's error
//     turns errors into (errorRoles).
func (g *gen) assignRoles() {
	byName := map[string]string{
		"incoming-value": roleIncoming,
		"outgoing-value": roleOutgoing,
		"input-stream":   roleIn,
		"output-stream":  roleOut,
		"pollable":       rolePollable,
	}
	for _, p := range g.m.Packages {
		for _, n := range p.Types {
			if r := byName[n.WITName]; r != "" && n.Kind == witparser.KindResource {
				g.roles[n.TypeDef] = r
			}
		}
	}
	for _, p := range g.m.Packages {
		for _, fn := range allFuncs(p) {
			if fn.Kind == witparser.Method || fn.Kind == witparser.Constructor || normName(fn) != "open" ||
				len(fn.Params) != 1 || !isString(fn.Params[0].Type) {
				continue
			}
			if v, ok := valueResult(fn); ok {
				if r := resourceOf(v); r != nil && g.roles[r] == "" {
					g.roles[r] = roleBucket
				}
			}
		}
	}
	for _, p := range g.m.Packages {
		for _, fn := range allFuncs(p) {
			if fn.Kind != witparser.Static || normName(fn) != "new" || g.roles[fn.Resource.TypeDef] != "" ||
				len(fn.Params) != 2 || !g.bucketish(fn.Params[0]) || !isString(fn.Params[1].Type) {
				continue
			}
			if v, ok := valueResult(fn); ok && resourceOf(v) == fn.Resource.TypeDef {
				g.roles[fn.Resource.TypeDef] = roleCas
			}
		}
	}
	for _, p := range g.m.Packages {
		for _, n := range p.Types {
			if g.roles[n.TypeDef] != "" {
				g.declareResource(n)
			}
		}
	}
	// The interfaces that declare stateless resources resolve their handles.
	hasStateless := func(p *witparser.Package) bool {
		for _, n := range p.Types {
			if r := g.roles[n.TypeDef]; r == roleBucket || r == rolePollable {
				return true
			}
		}
		return false
	}
	var fieldPkgs []*witparser.Package
	for _, fl := range g.m.World.Fields {
		p := fl.Package
		if p.Interface == nil {
			continue // a world's own functions are registered without resolvers
		}
		fieldPkgs = append(fieldPkgs, p)
		if hasStateless(p) {
			g.resolver[p] = true
		}
	}
	g.errorRoles()
	// Error roles are known from here.
	hasRole := func(p *witparser.Package) bool {
		for _, n := range p.Types {
			if stateless(g.roles[n.TypeDef]) {
				return true
			}
		}
		return false
	}
	// An interface without functions (wasmcloud:keyvalue's types, which
	// declares the bucket) has no implementation: the world's Register
	// hands its handles to the first field implementation that resolves
	// handles (wrpc.FindHandleResolver), so that one resolves them too.
	for _, p := range g.m.Packages {
		if p.Interface == nil || len(p.Funcs) > 0 || !hasRole(p) || len(fieldPkgs) == 0 {
			continue
		}
		owner := fieldPkgs[0]
		for _, q := range fieldPkgs {
			if g.resolver[q] {
				owner = q
				break
			}
		}
		g.resolver[owner] = true
		g.alsoResolves[owner] = append(g.alsoResolves[owner], p)
	}
}

// bucketish reports whether a parameter is a bucket: a bucket resource, or
// a string named bucket.
func (g *gen) bucketish(p *witparser.Param) bool {
	if r := resourceOf(p.Type); r != nil {
		return g.roles[r] == roleBucket
	}
	return isString(p.Type) && p.WITName == "bucket"
}

func (g *gen) keyvalueLike() bool {
	if g.stringBucket {
		return true
	}
	for _, r := range g.roles {
		if r == roleBucket {
			return true
		}
	}
	return false
}

// errorRoles gives the error role to the resources that errors convert
// into (see convFor), and records in g.resOrder the order in which
// buildResources builds the resources' methods.
//
// It visits the functions in the order their methods are built, the
// implementations' functions (buildImpls), then the methods of each
// resource with a role, in model order, again until no resource is new (a
// resource that becomes an error resource is built in the next round). At
// each function's error type it walks the types the conversion walks, in
// the same order and with the same bounds (errWalk mirrors convFor), so
// that the conversions, built later, meet exactly the error resources found
// here.
func (g *gen) errorRoles() {
	w := &errWalk{g: g, holds: make(map[*resolve.TypeDef]bool)}
	for _, fl := range g.m.World.Fields {
		fns := fl.Package.Funcs
		if fl.Exports {
			fns = fl.Package.ExportFuncs
		}
		for _, fn := range fns {
			w.fn(fn)
		}
	}
	inOrder := make(map[*resolve.TypeDef]bool)
	for {
		added := false
		for _, p := range g.m.Packages {
			for _, n := range p.Types {
				if g.roles[n.TypeDef] == "" || inOrder[n.TypeDef] {
					continue
				}
				inOrder[n.TypeDef] = true
				g.resOrder = append(g.resOrder, n)
				for _, fn := range n.Methods {
					w.fn(fn)
				}
				added = true
			}
		}
		if !added {
			return
		}
	}
}

// errWalk finds the error resources: the resources whose conversion
// convFor would make. Its methods mirror those of errors.go: fn errFuncFor,
// canHold convFor, variantHolds variantConv, errorResource
// errorResourceConv.
type errWalk struct {
	g     *gen
	holds map[*resolve.TypeDef]bool // like g.convs: whether a conversion into the type exists
}

func (w *errWalk) fn(fn *witparser.Func) {
	r := fn.Results
	switch r.Kind {
	case witparser.ResultsErrOnly, witparser.ResultsOK, witparser.ResultsOKOption:
		if r.Err != nil {
			w.canHold(r.Err, 0)
		}
	}
}

// canHold reports whether errors can be converted into t.
func (w *errWalk) canHold(t resolve.Type, depth int) bool {
	if t == nil || depth > 4 {
		return false
	}
	if isString(t) {
		return true
	}
	if r := resourceOf(t); r != nil {
		return w.errorResource(r)
	}
	td, ok := t.(*resolve.TypeDef)
	if !ok {
		return false
	}
	root := td.Root()
	if h, seen := w.holds[root]; seen {
		return h
	}
	n := w.g.m.Named(root)
	if n == nil {
		return false
	}
	w.holds[root] = false // no conversion while this one is being made
	h := false
	switch n.Kind {
	case witparser.KindVariant:
		h = w.variantHolds(n, depth)
	case witparser.KindEnum:
		for _, cs := range n.Cases {
			if cs.WITName == "other" {
				h = true
			}
		}
	}
	w.holds[root] = h
	return h
}

// variantHolds reports whether a case of the variant n can hold an error:
// its other case, else the first case that can, in case order. The walk
// stops at that case, as variantConv does.
func (w *errWalk) variantHolds(n *witparser.Named, depth int) bool {
	payload := func(cs *witparser.Case) bool {
		return cs.Type != nil && w.canHold(cs.Type, depth+1)
	}
	h := false
	for _, cs := range n.Cases {
		if cs.WITName == "other" {
			h = payload(cs)
		}
	}
	for _, cs := range n.Cases {
		if !h {
			h = payload(cs)
		}
	}
	return h
}

// errorResource reports whether r is an error resource, and gives it the
// error role if it is one and has no other role: a resource with at least
// one method that takes nothing and returns a string (trace,
// to-debug-string).
func (w *errWalk) errorResource(r *resolve.TypeDef) bool {
	if h, seen := w.holds[r]; seen {
		return h
	}
	g := w.g
	n := g.m.Named(r)
	if role := g.roles[r]; n == nil || (role != "" && role != roleError) {
		return false
	}
	h := hasStringMethod(n)
	w.holds[r] = h
	if h {
		g.roles[r] = roleError
		g.declareResource(n)
	}
	return h
}

// hasStringMethod reports whether n has a method that takes nothing and
// returns a string, which makes it an error resource if errors convert
// into it.
func hasStringMethod(n *witparser.Named) bool {
	for _, fn := range n.Methods {
		if len(fn.Params) == 0 && valueIs(fn, isString) {
			return true
		}
	}
	return false
}
