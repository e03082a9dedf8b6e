package kvbackend

import (
	"github.com/witgo-dev/witgo/parser/resolve"

	witparser "github.com/witgo-dev/witgo/parser"
)

// convData is a generated function that converts a Go error into a value of
// a WIT error type:
//
//   - a variant: its no-such-store and access-denied cases for
//     engine.ErrNoSuchStore and engine.ErrAccessDenied (and, where it has
//     them, invalid-argument for engine.ErrInvalidArgument,
//     precondition-failed for engine.ErrPreconditionFailed, quota-exceeded
//     for engine.ErrQuotaExceeded and timeout for context.DeadlineExceeded;
//     not store-unavailable, whose lack of a message would hide whether a
//     write was applied: an outage is other, with engine.ErrUnavailable's
//     text), else its "other" case (or the first case
//     whose payload can hold the error) with the error's message;
//   - an enum: the same, without the message;
//   - a resource with string methods (trace, to-debug-string): a value of
//     it that carries the message;
//   - a string: the message.
type convData struct {
	Name      string
	base      string // Name without "to", for the error functions' names
	Type      string // Go type of the result
	Doc       string
	AsCheck   bool // a value of Type already in err's chain is returned as is
	Sentinels []sentinel
	Fallback  string
}

type sentinel struct{ Err, Expr string }

// errFuncData is a generated function that turns a Go error into the Go
// error of a WIT function's error type (the type itself, or cm.Err[T] when
// T is not an error).
type errFuncData struct {
	Name    string
	WIT     string
	Type    string
	Wrapped bool
	Conv    string
}

// errFuncFor returns the name of the function that maps errors of fn to its
// WIT error type, or "" if fn has no error type that errors convert to (its
// errors then stay plain Go errors).
func (g *gen) errFuncFor(fn *witparser.Func) string {
	r := fn.Results
	switch r.Kind {
	case witparser.ResultsErrOnly, witparser.ResultsOK, witparser.ResultsOKOption:
	default:
		return ""
	}
	if r.Err == nil {
		return ""
	}
	c := g.convFor(r.Err, 0)
	if c == nil {
		return ""
	}
	if c == g.stringConv && !r.ErrWrapped {
		return "" // cannot happen: a string error is always wrapped
	}
	key, prefix := c.Name, "err"
	if r.ErrWrapped {
		key, prefix = key+"/wrapped", "errWrapped"
	}
	if f := g.errFuncs[key]; f != nil {
		return f.Name
	}
	name := g.names.Declare(prefix + c.base)
	if c == g.stringConv {
		g.convList = append(g.convList, c)
	}
	f := &errFuncData{Name: name, WIT: g.witTypeName(r.Err), Type: c.Type, Wrapped: r.ErrWrapped, Conv: c.Name}
	g.errFuncs[key] = f
	g.errList = append(g.errList, f)
	return f.Name
}

// witTypeName names a WIT type in a comment.
func (g *gen) witTypeName(t resolve.Type) string {
	if td, ok := t.(*resolve.TypeDef); ok {
		if n := g.m.Named(td.Root()); n != nil {
			return n.Package.WITName + "." + n.WITName
		}
	}
	if isString(t) {
		return "string"
	}
	return "error"
}

// convFor returns the conversion into t, or nil if errors cannot be turned
// into a t. Conversions are made once per type and listed in g.convList in
// the order they are first needed.
func (g *gen) convFor(t resolve.Type, depth int) *convData {
	if t == nil || depth > 4 {
		return nil
	}
	if isString(t) {
		if g.stringConv == nil {
			g.stringConv = &convData{Name: g.names.Declare("toString"), base: "String", Type: "string", Fallback: "err.Error()", Doc: "(its message)"}
		}
		return g.stringConv
	}
	if r := resourceOf(t); r != nil {
		return g.errorResourceConv(r)
	}
	td, ok := t.(*resolve.TypeDef)
	if !ok {
		return nil
	}
	root := td.Root()
	if c, seen := g.convs[root]; seen {
		return c
	}
	n := g.m.Named(root)
	if n == nil {
		return nil
	}
	g.convs[root] = nil // no conversion while this one is being made
	var c *convData
	switch n.Kind {
	case witparser.KindVariant:
		c = g.variantConv(n, depth)
	case witparser.KindEnum:
		c = g.enumConv(n)
	}
	g.convs[root] = c
	if c != nil {
		g.convList = append(g.convList, c)
	}
	return c
}

// convData returns a conversion into n's Go type, its name declared in the
// backend's scope: "to", the import name of n's package and n's Go name.
// Its error functions are named after the same base ("errStoreError").
func (g *gen) newConv(n *witparser.Named) *convData {
	base := exported(g.alias[n.Package]) + n.GoName
	return &convData{Name: g.names.Declare("to" + base), base: base, Type: g.qual(n.Package, n.GoName)}
}

func (g *gen) sentinelErr(witName string) string {
	switch witName {
	case "no-such-store":
		return g.std("engine.ErrNoSuchStore")
	case "access-denied":
		return g.std("engine.ErrAccessDenied")
	case "invalid-argument", "precondition-failed", "quota-exceeded", "timeout":
		g.moreCases = true
		switch witName {
		case "invalid-argument":
			return g.std("engine.ErrInvalidArgument")
		case "precondition-failed":
			return g.std("engine.ErrPreconditionFailed")
		case "quota-exceeded":
			return g.std("engine.ErrQuotaExceeded")
		}
		return g.std("context.DeadlineExceeded")
	}
	return ""
}

func (g *gen) variantConv(n *witparser.Named, depth int) *convData {
	// The fallback first: the "other" case if its payload can hold an
	// error, else the first case whose payload can. Without one there is
	// no conversion, and nothing of n's package is qualified (which would
	// import it for nothing).
	var fallback *witparser.Case
	var fallbackInner *convData
	try := func(cs *witparser.Case) bool {
		if cs.Type == nil {
			return false
		}
		if inner := g.convFor(cs.Type, depth+1); inner != nil {
			fallback, fallbackInner = cs, inner
			return true
		}
		return false
	}
	for _, cs := range n.Cases {
		if cs.WITName == "other" && try(cs) {
			break
		}
	}
	for _, cs := range n.Cases {
		if fallback != nil || try(cs) {
			break
		}
	}
	if fallback == nil {
		return nil
	}
	c := g.newConv(n)
	c.AsCheck = n.IsError
	for _, cs := range n.Cases {
		if cs.Type != nil {
			continue
		}
		if e := g.sentinelErr(cs.WITName); e != "" {
			c.Sentinels = append(c.Sentinels, sentinel{Err: e, Expr: g.qual(n.Package, cs.Ctor) + "()"})
		}
	}
	if fallbackInner == g.stringConv {
		c.Fallback = g.qual(n.Package, fallback.Ctor) + "(err.Error())"
	} else {
		c.Fallback = g.qual(n.Package, fallback.Ctor) + "(" + fallbackInner.Name + "(err))"
	}
	return c
}

func (g *gen) enumConv(n *witparser.Named) *convData {
	// Only an enum with an "other" case can hold any error; without one,
	// nothing of n's package is qualified (which would import it for
	// nothing).
	var other *witparser.Case
	for _, cs := range n.Cases {
		if cs.WITName == "other" {
			other = cs
		}
	}
	if other == nil {
		return nil
	}
	c := g.newConv(n)
	c.AsCheck, c.Doc = n.IsError, "(the message is lost)"
	for _, cs := range n.Cases {
		if e := g.sentinelErr(cs.WITName); e != "" {
			c.Sentinels = append(c.Sentinels, sentinel{Err: e, Expr: g.qual(n.Package, cs.Const)})
		}
	}
	c.Fallback = g.qual(n.Package, other.Const)
	return c
}

// errorResourceConv returns the conversion into an error resource, or nil
// if r is not one. assignRoles has decided which resources are (roles.go,
// errWalk, which walks the types as convFor does), so r has the error role
// if convFor can reach it as one.
func (g *gen) errorResourceConv(r *resolve.TypeDef) *convData {
	if c, seen := g.convs[r]; seen {
		return c
	}
	n := g.m.Named(r)
	if n == nil {
		return nil
	}
	switch g.roles[r] {
	case roleError:
	case "":
		if hasStringMethod(n) {
			panic("BUG: kvbackend: the error resource " + n.WITName + " was not given its role by assignRoles")
		}
		return nil
	default:
		return nil
	}
	c := g.newConv(n)
	c.Doc, c.Fallback = "(a resource that carries the message)", "&"+g.typeName(r)+"{msg: err.Error()}"
	g.convs[r] = c
	g.convList = append(g.convList, c)
	return c
}
