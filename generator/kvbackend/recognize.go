package kvbackend

import (
	witparser "github.com/witgo-dev/witgo/parser"
	"go.bytecodealliance.org/wit"
)

// opSpec is a recognized operation: the template that implements it, its
// data, and the engine call it maps to (for the package doc).
type opSpec struct {
	kind string
	doc  string
	data opData
}

// opData is what an operation template sees: names and types, no code.
type opData struct {
	Fn      string     // the WIT function name
	P       []string   // Go names of the parameters after the bucket
	Bucket  *bucketRef // where the engine bucket comes from, or nil
	Zero    []string   // zero values of the Go results before the error
	ErrFunc string     // maps a Go error to the WIT error type, or ""
	Struct  string     // the type of the resource the operation makes or takes
	Struct2 string     // a second such type (consume-async: the input stream)

	ResType     string // Go type of the result
	ElemType    string // Go type of a result list's option payload
	Signed      bool   // increment: s64
	CursorIn    string // list-keys: cursorKind of the parameter
	CursorOut   string // list-keys: cursorKind of the response's cursor
	KeysField   string
	CursorField string
	ClosedCtor  string // constructor of the closed error case, or "" (kvbackend.ErrEndOfStream)
	CasFailed   string // constructor of the cas-failed error case
}

// bucketRef says how an operation gets its engine bucket.
type bucketRef struct {
	From  string // "self" (a method of the bucket), "resource" (a bucket parameter) or "name" (a string parameter)
	Param string // the bucket parameter
	Type  string // "resource": the bucket's type
}

func spec(kind, doc string, d opData) *opSpec { return &opSpec{kind: kind, doc: doc, data: d} }

// valueResult returns T of a function whose result is T or result<T, E>.
func valueResult(fn *witparser.Func) (wit.Type, bool) {
	switch fn.Results.Kind {
	case witparser.ResultsValue, witparser.ResultsOK:
		return fn.Results.Value, true
	}
	return nil, false
}

// optionResult returns T of a function whose result is option<T> or
// result<option<T>, E>.
func optionResult(fn *witparser.Func) (wit.Type, bool) {
	switch fn.Results.Kind {
	case witparser.ResultsOption, witparser.ResultsOKOption:
		return fn.Results.Value, true
	}
	return nil, false
}

// unitResult reports whether fn returns nothing or result<_, E>.
func unitResult(fn *witparser.Func) bool {
	k := fn.Results.Kind
	return k == witparser.ResultsNone || k == witparser.ResultsErrOnly
}

func valueIs(fn *witparser.Func, test func(wit.Type) bool) bool {
	v, ok := valueResult(fn)
	return ok && test(v)
}

// recognize returns the operation fn implements, or nil. params are the Go
// names of fn's parameters.
//
//	open(string) -> bucket                         Engine.Open
//	bucket methods, or functions whose first parameter is a bucket
//	(borrow<bucket>, or a string named bucket):
//	  get(key) -> option<list<u8>>                 Bucket.Get
//	  get(key) -> option<incoming-value>           Bucket.Get
//	  set(key, list<u8>) / set(key, outgoing-value) Bucket.Set
//	  delete(key)                                  Bucket.Delete
//	  exists(key) -> bool                          Bucket.Exists
//	  list-keys(cursor) -> {keys, cursor}          Bucket.ListKeys, ListKeysAfter
//	  keys() -> list<string>                       engine.AllKeys
//	  increment(key, u64|s64) -> u64|s64           Bucket.IncrementU64, IncrementS64
//	  compare-and-swap(key, old u64, new u64)      engine.CompareAndSwapU64
//	  get-many, set-many, delete-many              Bucket.GetMany, SetMany, DeleteMany
//	cas.new(bucket, key), cas.current(), swap(cas, value)
//	outgoing-value, incoming-value, input-stream, output-stream, pollable
//	and error resources (methods by name and shape), poll(list<pollable>).
func (g *gen) recognize(fn *witparser.Func, d opData) *opSpec {
	name := normName(fn)
	ps := fn.Params
	params := d.P
	role := ""
	var self *wit.TypeDef
	if fn.Resource != nil {
		self = fn.Resource.TypeDef
		role = g.roles[self]
	}
	if fn.Kind == witparser.Method {
		return g.methodOp(fn, role, name, d)
	}
	switch {
	case name == "open" && fn.Kind != witparser.Constructor && len(ps) == 1 && isString(ps[0].Type):
		if v, ok := valueResult(fn); ok {
			if r := resourceOf(v); g.roles[r] == roleBucket {
				d.Struct = g.structName[r]
				return spec("open", "Engine.Open", d)
			}
		}
	case role == roleOutgoing && name == "new" && len(ps) == 0:
		if v, ok := valueResult(fn); ok && resourceOf(v) == self {
			d.Struct = g.structName[self]
			return spec("new-outgoing", "a new, empty outgoing value", d)
		}
	case role == roleIncoming && (name == "consume-sync" || name == "consume-async") && len(ps) == 1 && resourceOf(ps[0].Type) == self:
		v, ok := valueResult(fn)
		if !ok {
			return nil
		}
		d.Struct = g.structName[self]
		if name == "consume-sync" && isBytes(v) {
			return spec("consume-sync", "the value's bytes (a copy)", d)
		}
		if r := resourceOf(v); name == "consume-async" && g.roles[r] == roleIn {
			d.Struct2 = g.structName[r]
			return spec("consume-async", "an input stream over the value's bytes", d)
		}
		return nil
	case role == roleCas && name == "new" && fn.Kind == witparser.Static && len(ps) == 2:
		bk := g.bucketOf(fn.Params[0], params[0])
		if bk == nil || !isString(ps[1].Type) {
			return nil
		}
		if v, ok := valueResult(fn); ok && resourceOf(v) == self {
			d.Bucket, d.P, d.Struct = bk, params[1:], g.structName[self]
			return spec("cas-new", "Bucket.GetVersioned (the CAS keeps the version)", d)
		}
		return nil
	case name == "swap" && len(ps) == 2 && g.roles[resourceOf(ps[0].Type)] == roleCas && isBytes(ps[1].Type) && unitResult(fn):
		cas := resourceOf(ps[0].Type)
		ctor := g.caseCtorFor(fn.Results.Err, cas)
		if ctor == "" {
			return nil
		}
		d.Struct, d.CasFailed = g.structName[cas], ctor
		return spec("swap", "Bucket.CompareAndSwap; a conflict is cas-failed with a new CAS at the current version", d)
	case name == "poll" && len(ps) == 1:
		e, ok := listOf(ps[0].Type)
		if ok && g.roles[resourceOf(e)] == rolePollable && valueIs(fn, func(t wit.Type) bool {
			e, ok := listOf(t)
			return ok && isU32(e)
		}) {
			return spec("poll", "every pollable is ready", d)
		}
		return nil
	}
	if len(ps) == 0 || !g.bucketish(ps[0]) {
		return nil
	}
	bk := g.bucketOf(ps[0], params[0])
	if bk == nil {
		return nil
	}
	d.Bucket, d.P = bk, params[1:]
	op := g.bucketOp(fn, name, ps[1:], d)
	if op != nil && isString(ps[0].Type) {
		g.stringBucket = true
	}
	return op
}

// bucketOf returns where the bucket parameter p (Go name param) comes
// from, or nil if p is not a bucket.
func (g *gen) bucketOf(p *witparser.Param, param string) *bucketRef {
	if r := resourceOf(p.Type); r != nil {
		if g.roles[r] != roleBucket {
			return nil
		}
		return &bucketRef{From: "resource", Param: param, Type: g.structName[r]}
	}
	if isString(p.Type) && p.WITName == "bucket" {
		return &bucketRef{From: "name", Param: param}
	}
	return nil
}

// caseCtorFor returns the constructor of the case of the error variant t
// whose payload is the resource r.
func (g *gen) caseCtorFor(t wit.Type, r *wit.TypeDef) string {
	td, ok := t.(*wit.TypeDef)
	if !ok {
		return ""
	}
	n := g.m.Named(td.Root())
	if n == nil || n.Kind != witparser.KindVariant || !n.IsError {
		return ""
	}
	for _, c := range n.Cases {
		if c.Type != nil && resourceOf(c.Type) == r {
			return g.qual(n.Package, c.Ctor)
		}
	}
	return ""
}

// closedCtor returns the constructor of the error that tells a reader of
// an input stream that the stream ended: the closed case of the function's
// error variant, or "" if it has none.
func (g *gen) closedCtor(fn *witparser.Func) string {
	if td, ok := fn.Results.Err.(*wit.TypeDef); ok {
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

// bucketOp recognizes the operations on a bucket; rest are the parameters
// after the bucket.
func (g *gen) bucketOp(fn *witparser.Func, name string, rest []*witparser.Param, d opData) *opSpec {
	n := len(rest)
	t := func(i int) wit.Type { return rest[i].Type }
	switch name {
	case "get":
		if n != 1 || !isString(t(0)) {
			return nil
		}
		v, ok := optionResult(fn)
		if !ok {
			return nil
		}
		if isBytes(v) {
			return spec("get", "Bucket.Get", d)
		}
		if r := resourceOf(v); g.roles[r] == roleIncoming {
			d.Struct = g.structName[r]
			return spec("get-incoming", "Bucket.Get, as an incoming value", d)
		}
	case "set":
		if n != 2 || !isString(t(0)) || !unitResult(fn) {
			return nil
		}
		if isBytes(t(1)) {
			return spec("set", "Bucket.Set", d)
		}
		if r := resourceOf(t(1)); g.roles[r] == roleOutgoing {
			d.Struct = g.structName[r]
			return spec("set-outgoing", "Bucket.Set with the bytes written to the outgoing value", d)
		}
	case "delete":
		if n == 1 && isString(t(0)) && unitResult(fn) {
			return spec("delete", "Bucket.Delete", d)
		}
	case "exists":
		if n == 1 && isString(t(0)) && valueIs(fn, isBool) {
			return spec("exists", "Bucket.Exists", d)
		}
	case "list-keys":
		return g.listKeysOp(fn, rest, d)
	case "keys":
		if n == 0 && valueIs(fn, isStringList) {
			return spec("keys", "engine.AllKeys", d)
		}
	case "increment":
		if n != 2 || !isString(t(0)) {
			return nil
		}
		if isU64(t(1)) && valueIs(fn, isU64) {
			return spec("increment", "Bucket.IncrementU64", d)
		}
		if isS64(t(1)) && valueIs(fn, isS64) {
			d.Signed = true
			return spec("increment", "Bucket.IncrementS64", d)
		}
	case "compare-and-swap":
		if n == 3 && isString(t(0)) && isU64(t(1)) && isU64(t(2)) && valueIs(fn, isBool) {
			return spec("cas-u64", "engine.CompareAndSwapU64", d)
		}
	case "get-many":
		if n != 1 || !isStringList(t(0)) {
			return nil
		}
		v, ok := valueResult(fn)
		if !ok {
			return nil
		}
		e, ok := listOf(v)
		if !ok {
			return nil
		}
		o, ok := optionOf(e)
		if !ok {
			return nil
		}
		d.ResType, d.ElemType = g.goType(v), g.goType(o)
		if tt, ok := tupleOf(o); ok && len(tt) == 2 && isString(tt[0]) && isBytes(tt[1]) {
			return spec("get-many", "Bucket.GetMany", d)
		}
		if r := resourceOf(o); g.roles[r] == roleIncoming {
			d.Struct = g.structName[r]
			return spec("get-many", "Bucket.GetMany, as incoming values", d)
		}
	case "set-many":
		if n != 1 || !unitResult(fn) {
			return nil
		}
		e, ok := listOf(t(0))
		if !ok {
			return nil
		}
		tt, ok := tupleOf(e)
		if !ok || len(tt) != 2 || !isString(tt[0]) {
			return nil
		}
		if isBytes(tt[1]) {
			return spec("set-many", "Bucket.SetMany", d)
		}
		if r := resourceOf(tt[1]); g.roles[r] == roleOutgoing {
			d.Struct = g.structName[r]
			return spec("set-many", "Bucket.SetMany with the bytes written to the outgoing values", d)
		}
	case "delete-many":
		if n == 1 && isStringList(t(0)) && unitResult(fn) {
			return spec("delete-many", "Bucket.DeleteMany", d)
		}
	}
	return nil
}

// listKeysOp recognizes list-keys(cursor) -> {keys: list<string>, cursor},
// with a u64 offset cursor or a string last-key cursor, optional or not.
func (g *gen) listKeysOp(fn *witparser.Func, rest []*witparser.Param, d opData) *opSpec {
	if len(rest) != 1 {
		return nil
	}
	in := cursorKind(rest[0].Type)
	v, ok := valueResult(fn)
	if in == "" || !ok {
		return nil
	}
	td, ok := v.(*wit.TypeDef)
	if !ok {
		return nil
	}
	n := g.m.Named(td.Root())
	if n == nil || n.Kind != witparser.KindRecord || len(n.Fields) != 2 {
		return nil
	}
	for _, f := range n.Fields {
		switch {
		case f.WITName == "keys" && isStringList(f.Type):
			d.KeysField = f.GoName
		case f.WITName == "cursor":
			d.CursorOut = cursorKind(f.Type)
			d.CursorField = f.GoName
		}
	}
	base := func(k string) string {
		if len(k) > 4 && k[:4] == "opt-" {
			return k[4:]
		}
		return k
	}
	if d.KeysField == "" || d.CursorOut == "" || base(d.CursorOut) != base(in) {
		return nil
	}
	d.CursorIn, d.ResType = in, g.goType(v)
	if base(in) == "u64" {
		return spec("list-keys", "Bucket.ListKeys (the cursor is an offset)", d)
	}
	return spec("list-keys", "Bucket.ListKeys, then ListKeysAfter (the cursor is the last key returned)", d)
}

// methodOp recognizes the methods of the resources the backend implements.
func (g *gen) methodOp(fn *witparser.Func, role, name string, d opData) *opSpec {
	ps := fn.Params
	n := len(ps)
	t := func(i int) wit.Type { return ps[i].Type }
	switch role {
	case roleBucket:
		d.Bucket = &bucketRef{From: "self"}
		return g.bucketOp(fn, name, ps, d)
	case roleCas:
		if v, ok := optionResult(fn); ok && name == "current" && n == 0 && isBytes(v) {
			return spec("cas-current", "Bucket.Get (the CAS keeps its version)", d)
		}
	case roleIncoming:
		if name == "size" && n == 0 && valueIs(fn, isU64) {
			return spec("size", "the length of the value", d)
		}
	case roleOutgoing:
		switch {
		case name == "write-body-sync" && n == 1 && isBytes(t(0)) && unitResult(fn):
			return spec("write-sync", "appends the bytes to the value", d)
		case name == "write-body-async" && n == 0:
			if v, ok := valueResult(fn); ok {
				if r := resourceOf(v); g.roles[r] == roleOut {
					d.Struct = g.structName[r]
					return spec("write-async", "an output stream that appends to the value", d)
				}
			}
		}
	case roleIn:
		d.ClosedCtor = g.closedCtor(fn)
		switch {
		case (name == "read" || name == "blocking-read") && n == 1 && isU64(t(0)) && valueIs(fn, isBytes):
			return spec("read", "the next bytes of the value; closed after the last", d)
		case (name == "skip" || name == "blocking-skip") && n == 1 && isU64(t(0)) && valueIs(fn, isU64):
			return spec("skip", "skips bytes of the value; closed after the last", d)
		case name == "subscribe" && n == 0:
			return g.subscribeOp(fn, d)
		}
	case roleOut:
		switch {
		case name == "check-write" && n == 0 && valueIs(fn, isU64):
			return spec("check-write", "the room left under the value limit", d)
		case (name == "write" || name == "blocking-write-and-flush") && n == 1 && isBytes(t(0)) && unitResult(fn):
			return spec("write", "appends to the value", d)
		case (name == "flush" || name == "blocking-flush") && n == 0 && unitResult(fn):
			return spec("flush", "nothing to do", d)
		case (name == "write-zeroes" || name == "blocking-write-zeroes-and-flush") && n == 1 && isU64(t(0)) && unitResult(fn):
			return spec("write-zeroes", "appends zero bytes to the value", d)
		case (name == "splice" || name == "blocking-splice") && n == 2 && g.roles[resourceOf(t(0))] == roleIn && isU64(t(1)) && valueIs(fn, isU64):
			d.Struct = g.structName[resourceOf(t(0))]
			d.ClosedCtor = g.closedCtor(fn)
			return spec("splice", "moves bytes from an input stream of this backend into the value", d)
		case name == "subscribe" && n == 0:
			return g.subscribeOp(fn, d)
		}
	case rolePollable:
		switch {
		case name == "ready" && n == 0 && valueIs(fn, isBool):
			return spec("ready", "always true", d)
		case name == "block" && n == 0 && unitResult(fn):
			return spec("block", "returns at once", d)
		}
	case roleError:
		if n == 0 && valueIs(fn, isString) {
			return spec("error-string", "the error message", d)
		}
	}
	return nil
}

func (g *gen) subscribeOp(fn *witparser.Func, d opData) *opSpec {
	if v, ok := valueResult(fn); ok {
		if r := resourceOf(v); g.roles[r] == rolePollable {
			d.Struct = g.structName[r]
			return spec("subscribe", "a pollable that is always ready", d)
		}
	}
	return nil
}
