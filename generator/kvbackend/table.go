package kvbackend

import (
	witparser "github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// pattern is one keyvalue operation the backend recognizes: which WIT
// functions it applies to (where, names, shapes) and what it generates
// (template, engine call for the package doc). The patterns are the table
// ops; recognize tries them in order and the first that matches wins.
type pattern struct {
	// Kind names the operation: the key of the package doc's semantics
	// paragraphs, and of the template unless Template is set.
	Kind string
	// Template is the operation template ("op-" + Template) if not Kind.
	Template string
	// Engine says what the operation does, for the package doc.
	Engine string

	// On is where the function is: a method of a resource of role Of, a
	// function (not a method) of a resource of role Of, any function that
	// is not a method, or a bucket operation.
	On where
	Of string
	// Names are the function's accepted names (normName), or nil for any
	// name.
	Names []string
	// Params are the shapes of the parameters, after the bucket for a
	// bucket operation.
	Params []shape
	// ParamNames, if set, are the WIT names of those parameters, for
	// operations whose parameters have the same shape.
	ParamNames []string
	// Result is the shape of the function's result.
	Result result
	// Err, if set, must match the function's error type.
	Err errShape
	// Closed: the template ends an input stream with the closed case of
	// the function's error, if it has one.
	Closed bool
	// NotCtor: an onStatic pattern that a constructor does not match.
	NotCtor bool
}

// where says which functions a pattern applies to.
type where int

const (
	// onBucket: a method of the bucket resource, or a function (not a
	// method) whose first parameter is the bucket: a bucket resource, or
	// a string named bucket. Params are the parameters after it.
	onBucket where = iota
	// onMethod: a method of a resource of role Of.
	onMethod
	// onStatic: a constructor or static function of a resource of role
	// Of (NotCtor: a static function). A bucket first parameter (shape
	// bucketParam) gives the operation its bucket.
	onStatic
	// onFunc: any function that is not a method.
	onFunc
)

// result is the shape of a function's result.
type result struct {
	kind  resultKind
	shape shape // the payload of value and option
}

type resultKind int

const (
	resUnit   resultKind = iota // nothing, or result<_, E>
	resValue                    // T or result<T, E>
	resOption                   // option<T> or result<option<T>, E>
)

func unit() result            { return result{kind: resUnit} }
func value(s shape) result    { return result{kind: resValue, shape: s} }
func optional(s shape) result { return result{kind: resOption, shape: s} }

// ops is the operation table. Patterns with the same names differ in
// their shapes; none of two patterns matches the same function.
var ops = []pattern{
	// Buckets and the functions of the resources the backend implements.
	{Kind: "open", Engine: "Engine.Open", On: onFunc, Names: names("open"),
		Params: shapes(str), Result: value(resource(roleBucket, intoOpen))},
	{Kind: "new-outgoing", Engine: "a new, empty outgoing value", On: onStatic, Of: roleOutgoing, Names: names("new"),
		Result: value(self)},
	{Kind: "consume-sync", Engine: "the value's bytes (a copy)", On: onStatic, Of: roleIncoming, Names: names("consume-sync"),
		Params: shapes(self), Result: value(u8s)},
	{Kind: "consume-async", Engine: "an input stream over the value's bytes", On: onStatic, Of: roleIncoming, Names: names("consume-async"),
		Params: shapes(self), Result: value(resource(roleIn, intoStruct2))},
	{Kind: "cas-new", Engine: "Bucket.GetVersioned (the CAS keeps the version)", On: onStatic, Of: roleCas, Names: names("new"),
		Params: shapes(bucketParam, str), Result: value(self), NotCtor: true},
	{Kind: "swap", Engine: "Bucket.CompareAndSwap; a conflict is cas-failed with a new CAS at the current version", On: onFunc, Names: names("swap"),
		Params: shapes(resource(roleCas, intoStruct), u8s), Result: unit(), Err: casFailedCase},
	{Kind: "poll", Engine: "every pollable is ready", On: onFunc, Names: names("poll"),
		Params: shapes(list(resource(rolePollable, intoNone))), Result: value(list(u32))},

	// Bucket operations.
	{Kind: "get", Engine: "Bucket.Get", On: onBucket, Names: names("get"),
		Params: shapes(str), Result: optional(u8s)},
	{Kind: "get-incoming", Engine: "Bucket.Get, as an incoming value", On: onBucket, Names: names("get"),
		Params: shapes(str), Result: optional(resource(roleIncoming, intoStruct))},
	{Kind: "set", Engine: "Bucket.Set", On: onBucket, Names: names("set"),
		Params: shapes(str, u8s), Result: unit()},
	{Kind: "set-options", Engine: "Bucket.SetWith: ttl-ms is a TTL, if-not-exists IfAbsent (precondition-failed on a present key)", On: onBucket, Names: names("set"),
		Params: shapes(str, u8s, setOptions), Result: unit()},
	{Kind: "set-outgoing", Engine: "Bucket.Set with the bytes written to the outgoing value", On: onBucket, Names: names("set"),
		Params: shapes(str, resource(roleOutgoing, intoStruct)), Result: unit()},
	{Kind: "delete", Engine: "Bucket.Delete", On: onBucket, Names: names("delete"),
		Params: shapes(str), Result: unit()},
	{Kind: "exists", Engine: "Bucket.Exists", On: onBucket, Names: names("exists"),
		Params: shapes(str), Result: value(boolean)},
	{Kind: "list-keys-u64", Template: "list-keys", Engine: "Bucket.ListKeys (the cursor is an offset)", On: onBucket, Names: names("list-keys"),
		Params: shapes(cursor("u64")), Result: value(keysPage)},
	{Kind: "list-keys-string", Template: "list-keys", Engine: "Bucket.ListKeys, then ListKeysAfter (the cursor is the last key returned)", On: onBucket, Names: names("list-keys"),
		Params: shapes(cursor("string")), Result: value(keysPage)},
	{Kind: "list-keys-prefix", Engine: "Bucket.ListPrefix (the cursor is the last key returned, and begins with the prefix)", On: onBucket, Names: names("list-keys"),
		Params: shapes(option(str), cursor("string")), ParamNames: names("prefix", "cursor"), Result: value(keysPage)},
	{Kind: "keys", Engine: "engine.AllKeys", On: onBucket, Names: names("keys"),
		Result: value(list(str))},
	{Kind: "increment-u64", Template: "increment", Engine: "Bucket.IncrementU64", On: onBucket, Names: names("increment"),
		Params: shapes(str, u64), Result: value(u64)},
	{Kind: "increment-s64", Template: "increment", Engine: "Bucket.IncrementS64", On: onBucket, Names: names("increment"),
		Params: shapes(str, s64), Result: value(s64)},
	{Kind: "compare-and-swap-u64", Template: "cas-u64", Engine: "engine.CompareAndSwapU64", On: onBucket, Names: names("compare-and-swap"),
		Params: shapes(str, u64, u64), Result: value(boolean)},
	{Kind: "current-entry", Engine: "Bucket.GetVersioned: the value and its version", On: onBucket, Names: names("current"),
		Params: shapes(str), Result: optional(versionedEntry(intoResType))},
	{Kind: "swap-if", Engine: "engine.SwapIf; a failed precondition is stale with the current entry (none if absent)", On: onBucket, Names: names("swap"),
		Params: shapes(str, u8s, casOptions), Result: value(casResult)},
	{Kind: "get-many", Engine: "Bucket.GetMany", On: onBucket, Names: names("get-many"),
		Params: shapes(list(str)), Result: value(typed(intoResType, list(option(typed(intoElemType, tuple(str, u8s))))))},
	{Kind: "get-many-incoming", Template: "get-many", Engine: "Bucket.GetMany, as incoming values", On: onBucket, Names: names("get-many"),
		Params: shapes(list(str)), Result: value(typed(intoResType, list(option(typed(intoElemType, resource(roleIncoming, intoStruct))))))},
	{Kind: "set-many", Engine: "Bucket.SetMany", On: onBucket, Names: names("set-many"),
		Params: shapes(list(tuple(str, u8s))), Result: unit()},
	{Kind: "set-many-outgoing", Template: "set-many", Engine: "Bucket.SetMany with the bytes written to the outgoing values", On: onBucket, Names: names("set-many"),
		Params: shapes(list(tuple(str, resource(roleOutgoing, intoStruct)))), Result: unit()},
	{Kind: "delete-many", Engine: "Bucket.DeleteMany", On: onBucket, Names: names("delete-many"),
		Params: shapes(list(str)), Result: unit()},

	// Methods of the CAS, value, stream, pollable and error resources.
	{Kind: "cas-current", Engine: "Bucket.Get (the CAS keeps its version)", On: onMethod, Of: roleCas, Names: names("current"),
		Result: optional(u8s)},
	{Kind: "size", Engine: "the length of the value", On: onMethod, Of: roleIncoming, Names: names("size"),
		Result: value(u64)},
	{Kind: "write-sync", Engine: "appends the bytes to the value", On: onMethod, Of: roleOutgoing, Names: names("write-body-sync"),
		Params: shapes(u8s), Result: unit()},
	{Kind: "write-async", Engine: "an output stream that appends to the value", On: onMethod, Of: roleOutgoing, Names: names("write-body-async"),
		Result: value(resource(roleOut, intoStruct))},
	{Kind: "read", Engine: "the next bytes of the value; closed after the last", On: onMethod, Of: roleIn, Names: names("read", "blocking-read"),
		Params: shapes(u64), Result: value(u8s), Closed: true},
	{Kind: "skip", Engine: "skips bytes of the value; closed after the last", On: onMethod, Of: roleIn, Names: names("skip", "blocking-skip"),
		Params: shapes(u64), Result: value(u64), Closed: true},
	{Kind: "subscribe-input", Template: "subscribe", Engine: "a pollable that is always ready", On: onMethod, Of: roleIn, Names: names("subscribe"),
		Result: value(resource(rolePollable, intoStruct))},
	{Kind: "check-write", Engine: "the room left under the value limit", On: onMethod, Of: roleOut, Names: names("check-write"),
		Result: value(u64)},
	{Kind: "write", Engine: "appends to the value", On: onMethod, Of: roleOut, Names: names("write", "blocking-write-and-flush"),
		Params: shapes(u8s), Result: unit()},
	{Kind: "flush", Engine: "nothing to do", On: onMethod, Of: roleOut, Names: names("flush", "blocking-flush"),
		Result: unit()},
	{Kind: "write-zeroes", Engine: "appends zero bytes to the value", On: onMethod, Of: roleOut, Names: names("write-zeroes", "blocking-write-zeroes-and-flush"),
		Params: shapes(u64), Result: unit()},
	{Kind: "splice", Engine: "moves bytes from an input stream of this backend into the value", On: onMethod, Of: roleOut, Names: names("splice", "blocking-splice"),
		Params: shapes(resource(roleIn, intoStruct), u64), Result: value(u64), Closed: true},
	{Kind: "subscribe-output", Template: "subscribe", Engine: "a pollable that is always ready", On: onMethod, Of: roleOut, Names: names("subscribe"),
		Result: value(resource(rolePollable, intoStruct))},
	{Kind: "ready", Engine: "always true", On: onMethod, Of: rolePollable, Names: names("ready"),
		Result: value(boolean)},
	{Kind: "block", Engine: "returns at once", On: onMethod, Of: rolePollable, Names: names("block"),
		Result: unit()},
	{Kind: "error-string", Engine: "the error message", On: onMethod, Of: roleError, // any name: trace, to-debug-string
		Result: value(str)},
}

func names(n ...string) []string { return n }
func shapes(s ...shape) []shape  { return s }

// template returns the name of the pattern's template, without "op-".
func (p *pattern) template() string {
	if p.Template != "" {
		return p.Template
	}
	return p.Kind
}

// A shape matches a WIT type. What the template needs from the type it
// records in m (m.later, so that a function that does not match leaves
// no trace, not even an import).
type shape func(m *match, t resolve.Type) bool

// match is the state of matching one function against one pattern.
type match struct {
	g     *gen
	fn    *witparser.Func
	self  *resolve.TypeDef // the resource fn belongs to, or nil
	d     opData
	later []func(d *opData)
}

func pred(test func(resolve.Type) bool) shape {
	return func(_ *match, t resolve.Type) bool { return test(t) }
}

var (
	str     = pred(isString)
	u8s     = pred(isBytes)
	u32     = pred(isU32)
	u64     = pred(isU64)
	s64     = pred(isS64)
	boolean = pred(isBool)
)

// self matches the resource fn belongs to; the template gets its type as
// Struct.
func self(m *match, t resolve.Type) bool {
	r := resourceOf(t)
	if r == nil || r != m.self {
		return false
	}
	m.d.Struct = m.g.typeName(r)
	return true
}

// into says which field of opData gets the Go type of a matched resource.
type into int

const (
	intoNone into = iota
	intoStruct
	intoStruct2
	intoOpen // the bucket type's open function
	intoResType
	intoElemType
)

// resource matches a resource of the role (owned or borrowed) and records
// the type of its implementation.
func resource(role string, to into) shape {
	return func(m *match, t resolve.Type) bool {
		r := resourceOf(t)
		if r == nil || m.g.roles[r] != role {
			return false
		}
		switch to {
		case intoStruct:
			m.d.Struct = m.g.typeName(r)
		case intoStruct2:
			m.d.Struct2 = m.g.typeName(r)
		case intoOpen:
			m.d.Open = m.g.resNames[r].Open
		}
		return true
	}
}

// typed matches s and records the Go type of t.
func typed(to into, s shape) shape {
	return func(m *match, t resolve.Type) bool {
		if !s(m, t) {
			return false
		}
		m.later = append(m.later, func(d *opData) {
			switch to {
			case intoResType:
				d.ResType = m.g.goType(t)
			case intoElemType:
				d.ElemType = m.g.goType(t)
			}
		})
		return true
	}
}

func list(s shape) shape {
	return func(m *match, t resolve.Type) bool {
		e, ok := listOf(t)
		return ok && s(m, e)
	}
}

func option(s shape) shape {
	return func(m *match, t resolve.Type) bool {
		e, ok := optionOf(t)
		return ok && s(m, e)
	}
}

func tuple(s ...shape) shape {
	return func(m *match, t resolve.Type) bool {
		ts, ok := tupleOf(t)
		if !ok || len(ts) != len(s) {
			return false
		}
		for i := range s {
			if !s[i](m, ts[i]) {
				return false
			}
		}
		return true
	}
}

// cursor matches a list-keys cursor of the base type ("u64" or "string"),
// optional or not, and records its kind (cursorKind).
func cursor(base string) shape {
	return func(m *match, t resolve.Type) bool {
		k := cursorKind(t)
		if k != base && k != "opt-"+base {
			return false
		}
		m.d.CursorIn = k
		return true
	}
}

// keysPage matches the response of list-keys: a record of two fields,
// keys: list<string> and a cursor of the parameter's base type.
func keysPage(m *match, t resolve.Type) bool {
	td, ok := t.(*resolve.TypeDef)
	if !ok {
		return false
	}
	n := m.g.m.Named(td.Root())
	if n == nil || n.Kind != witparser.KindRecord || len(n.Fields) != 2 {
		return false
	}
	d := &m.d
	for _, f := range n.Fields {
		switch {
		case f.WITName == "keys" && isStringList(f.Type):
			d.KeysField = f.GoName
		case f.WITName == "cursor":
			d.CursorOut = cursorKind(f.Type)
			d.CursorField = f.GoName
		}
	}
	if d.KeysField == "" || d.CursorOut == "" || cursorBase(d.CursorOut) != cursorBase(d.CursorIn) {
		return false
	}
	m.later = append(m.later, func(d *opData) { d.ResType = m.g.goType(t) })
	return true
}

func cursorBase(k string) string {
	if len(k) > 4 && k[:4] == "opt-" {
		return k[4:]
	}
	return k
}

// bucketParam matches the bucket parameter of a static function (cas.new):
// a bucket resource, or a string named bucket. It is the first parameter;
// the template's P are the parameters after it.
func bucketParam(m *match, _ resolve.Type) bool {
	bk := m.g.bucketOf(m.fn.Params[0], m.d.P[0])
	if bk == nil {
		return false
	}
	m.d.Bucket, m.d.P = bk, m.d.P[1:]
	return true
}

// An errShape matches a function's error type.
type errShape func(m *match) bool

// casFailedCase matches an error variant with a case whose payload is the
// CAS resource of the first parameter; the template gets its constructor
// as CasFailed.
func casFailedCase(m *match) bool {
	cas := resourceOf(m.fn.Params[0].Type)
	n, c := m.g.caseFor(m.fn.Results.Err, cas)
	if c == nil {
		return false
	}
	m.later = append(m.later, func(d *opData) { d.CasFailed = m.g.qual(n.Package, c.Ctor) })
	return true
}

// result matches fn's result against r.
func (m *match) result(r result) bool {
	k := m.fn.Results.Kind
	switch r.kind {
	case resUnit:
		return k == witparser.ResultsNone || k == witparser.ResultsErrOnly
	case resValue:
		if k != witparser.ResultsValue && k != witparser.ResultsOK {
			return false
		}
	case resOption:
		if k != witparser.ResultsOption && k != witparser.ResultsOKOption {
			return false
		}
	}
	return r.shape(m, m.fn.Results.Value)
}

// recordFields returns the fields of the record t by WIT name if t is a
// record with exactly the fields names, else nil.
func recordFields(m *match, t resolve.Type, names ...string) map[string]*witparser.Field {
	td, ok := t.(*resolve.TypeDef)
	if !ok {
		return nil
	}
	n := m.g.m.Named(td.Root())
	if n == nil || n.Kind != witparser.KindRecord || len(n.Fields) != len(names) {
		return nil
	}
	fields := make(map[string]*witparser.Field, len(names))
	for _, f := range n.Fields {
		fields[f.WITName] = f
	}
	for _, name := range names {
		if fields[name] == nil {
			return nil
		}
	}
	return fields
}

// setOptions matches the options of a set, option<set-options> or
// set-options: a record of exactly ttl-ms: option<u64> and if-not-exists:
// bool. A record with any other field is not recognized, so that no option
// is silently ignored.
func setOptions(m *match, t resolve.Type) bool {
	if e, ok := optionOf(t); ok {
		m.d.Optional, t = true, e
	}
	f := recordFields(m, t, "ttl-ms", "if-not-exists")
	if f == nil || !isBool(f["if-not-exists"].Type) {
		return false
	}
	if e, ok := optionOf(f["ttl-ms"].Type); !ok || !isU64(e) {
		return false
	}
	m.d.Fields = map[string]string{"ttl": f["ttl-ms"].GoName, "ifAbsent": f["if-not-exists"].GoName}
	return true
}

// versionedEntry matches a record of exactly value: list<u8> and version:
// string (cas.entry), and records its Go type.
func versionedEntry(to into) shape {
	return func(m *match, t resolve.Type) bool {
		f := recordFields(m, t, "value", "version")
		if f == nil || !isBytes(f["value"].Type) || !isString(f["version"].Type) {
			return false
		}
		m.d.EntryFields = [2]string{f["value"].GoName, f["version"].GoName}
		return typed(to, pred(func(resolve.Type) bool { return true }))(m, t)
	}
}

// casOptions matches the preconditions of a swap: a record of exactly
// require-version: option<string> and require-value: option<list<u8>>.
func casOptions(m *match, t resolve.Type) bool {
	f := recordFields(m, t, "require-version", "require-value")
	if f == nil {
		return false
	}
	if e, ok := optionOf(f["require-version"].Type); !ok || !isString(e) {
		return false
	}
	if e, ok := optionOf(f["require-value"].Type); !ok || !isBytes(e) {
		return false
	}
	m.d.Fields = map[string]string{"version": f["require-version"].GoName, "value": f["require-value"].GoName}
	return true
}

// casResult matches the result of a swap: a variant of exactly a swapped
// case without payload and a stale case with an option of the entry
// record; the template gets their constructors and the entry's type.
func casResult(m *match, t resolve.Type) bool {
	td, ok := t.(*resolve.TypeDef)
	if !ok {
		return false
	}
	n := m.g.m.Named(td.Root())
	if n == nil || n.Kind != witparser.KindVariant || len(n.Cases) != 2 {
		return false
	}
	var swapped, stale *witparser.Case
	for _, c := range n.Cases {
		switch c.WITName {
		case "swapped":
			swapped = c
		case "stale":
			stale = c
		}
	}
	if swapped == nil || swapped.Type != nil || stale == nil || stale.Type == nil {
		return false
	}
	e, ok := optionOf(stale.Type)
	if !ok || !versionedEntry(intoElemType)(m, e) {
		return false
	}
	m.later = append(m.later, func(d *opData) {
		d.ResType = m.g.goType(t)
		d.Swapped = m.g.qual(n.Package, swapped.Ctor)
		d.Stale = m.g.qual(n.Package, stale.Ctor)
	})
	return true
}
