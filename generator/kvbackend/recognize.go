package kvbackend

import (
	"slices"

	witparser "github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// opSpec is a recognized operation: its kind (the package doc's key), the
// template that implements it, its data, and the engine call it maps to
// (for the package doc).
type opSpec struct {
	kind     string
	template string
	doc      string
	data     opData
}

// opData is what an operation template sees: names and types, no code.
type opData struct {
	Kind    string     // the operation kind (pattern.Kind)
	Fn      string     // the WIT function name
	P       []string   // Go names of the parameters after the bucket
	Bucket  *bucketRef // where the engine bucket comes from, or nil
	Zero    []string   // zero values of the Go results before the error
	ErrFunc string     // maps a Go error to the WIT error type, or ""
	Open    string     // open: the function that opens the bucket type it returns (resNames.Open)
	Struct  string     // the type of the resource the operation makes or takes
	Struct2 string     // a second such type (consume-async: the input stream)

	ResType     string // Go type of the result
	ElemType    string // Go type of a result list's option payload
	CursorIn    string // list-keys: cursorKind of the parameter
	CursorOut   string // list-keys: cursorKind of the response's cursor
	KeysField   string
	CursorField string
	ClosedCtor  string // constructor of the closed error case, or "" (kvbackend.ErrEndOfStream)
	CasFailed   string // constructor of the cas-failed error case

	// Records and variants of the wasmcloud shapes (table.go).
	Optional    bool              // set-options: the options parameter is an option
	Fields      map[string]string // set-options, swap-if: Go names of the options' fields
	EntryFields [2]string         // current-entry, swap-if: Go names of an entry's value and version
	Swapped     string            // swap-if: constructor of the swapped case
	Stale       string            // swap-if: constructor of the stale case
}

// bucketRef says how an operation gets its engine bucket.
type bucketRef struct {
	From  string // "self" (a method of the bucket), "resource" (a bucket parameter) or "name" (a string parameter)
	Param string // the bucket parameter
	Func  string // "resource": the function that returns the parameter's engine bucket (resNames.BucketOf)
}

// valueResult returns T of a function whose result is T or result<T, E>.
func valueResult(fn *witparser.Func) (resolve.Type, bool) {
	switch fn.Results.Kind {
	case witparser.ResultsValue, witparser.ResultsOK:
		return fn.Results.Value, true
	}
	return nil, false
}

func valueIs(fn *witparser.Func, test func(resolve.Type) bool) bool {
	v, ok := valueResult(fn)
	return ok && test(v)
}

// recognize returns the operation fn implements, or nil: the first
// pattern of the table ops that matches fn (see table.go). d holds what
// every template needs; d.P are the Go names of fn's parameters.
func (g *gen) recognize(fn *witparser.Func, d opData) *opSpec {
	for i := range ops {
		if op := g.try(&ops[i], fn, d); op != nil {
			return op
		}
	}
	return nil
}

// try matches fn against the pattern p. A function that does not match
// changes nothing.
func (g *gen) try(p *pattern, fn *witparser.Func, d opData) *opSpec {
	if p.Names != nil && !slices.Contains(p.Names, normName(fn)) {
		return nil
	}
	m := &match{g: g, fn: fn, d: d}
	if fn.Resource != nil {
		m.self = fn.Resource.TypeDef
	}
	role := ""
	if m.self != nil {
		role = g.roles[m.self]
	}
	params := fn.Params
	switch p.On {
	case onMethod:
		if fn.Kind != witparser.Method || role != p.Of {
			return nil
		}
	case onStatic:
		if fn.Kind == witparser.Method || role != p.Of || (p.NotCtor && fn.Kind != witparser.Static) {
			return nil
		}
	case onFunc:
		if fn.Kind == witparser.Method {
			return nil
		}
	case onBucket:
		if fn.Kind == witparser.Method {
			if role != roleBucket {
				return nil
			}
			m.d.Bucket = &bucketRef{From: "self"}
			break
		}
		if len(params) == 0 {
			return nil
		}
		bk := g.bucketOf(params[0], d.P[0])
		if bk == nil {
			return nil
		}
		m.d.Bucket, m.d.P, params = bk, d.P[1:], params[1:]
	}
	if len(params) != len(p.Params) {
		return nil
	}
	for i, name := range p.ParamNames {
		if params[i].WITName != name {
			return nil
		}
	}
	for i, s := range p.Params {
		if !s(m, params[i].Type) {
			return nil
		}
	}
	if !m.result(p.Result) || (p.Err != nil && !p.Err(m)) {
		return nil
	}
	// Matched: now record what the template needs.
	for _, f := range m.later {
		f(&m.d)
	}
	if p.Closed {
		m.d.ClosedCtor = g.closedCtor(fn)
	}
	if p.On == onBucket && m.d.Bucket.From == "name" {
		g.stringBucket = true
	}
	m.d.Kind = p.Kind
	return &opSpec{kind: p.Kind, template: p.template(), doc: p.Engine, data: m.d}
}

// bucketOf returns where the bucket parameter p (Go name param) comes
// from, or nil if p is not a bucket.
func (g *gen) bucketOf(p *witparser.Param, param string) *bucketRef {
	if r := resourceOf(p.Type); r != nil {
		if g.roles[r] != roleBucket {
			return nil
		}
		return &bucketRef{From: "resource", Param: param, Func: g.resNames[r].BucketOf}
	}
	if isString(p.Type) && p.WITName == "bucket" {
		return &bucketRef{From: "name", Param: param}
	}
	return nil
}

// caseFor returns the error variant t and its case whose payload is the
// resource r, or nil.
func (g *gen) caseFor(t resolve.Type, r *resolve.TypeDef) (*witparser.Named, *witparser.Case) {
	td, ok := t.(*resolve.TypeDef)
	if !ok || r == nil {
		return nil, nil
	}
	n := g.m.Named(td.Root())
	if n == nil || n.Kind != witparser.KindVariant || !n.IsError {
		return nil, nil
	}
	for _, c := range n.Cases {
		if c.Type != nil && resourceOf(c.Type) == r {
			return n, c
		}
	}
	return nil, nil
}

// closedCtor returns the constructor of the error that tells a reader of
// an input stream that the stream ended: the closed case of the function's
// error variant, or "" if it has none.
func (g *gen) closedCtor(fn *witparser.Func) string {
	if td, ok := fn.Results.Err.(*resolve.TypeDef); ok {
		if n := g.m.Named(td.Root()); n != nil && n.Kind == witparser.KindVariant && n.IsError && !fn.Results.ErrWrapped {
			for _, c := range n.Cases {
				if c.WITName == "closed" && c.Type == nil {
					return g.qual(n.Package, c.Ctor)
				}
			}
		}
	}
	return ""
}
