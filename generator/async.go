package generator

import (
	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// hasAsync reports whether a value of t may hold a stream or a future. Such
// values travel with their path (wRPC's indexing): generated code calls
// Enter and Leave around the fields, tuple members, list elements and
// parameters that may hold one, and a function with one anywhere in its
// parameters or results is invoked and served as an async call.
func hasAsync(t resolve.Type) bool {
	if t == nil {
		return false
	}
	switch k := resolve.Underlying(t).(type) {
	case *resolve.Stream, *resolve.Future:
		return true
	case *resolve.List:
		return hasAsync(k.Type)
	case *resolve.FixedList:
		return hasAsync(k.Type)
	case *resolve.Map:
		return hasAsync(k.Key) || hasAsync(k.Value)
	case *resolve.Option:
		return hasAsync(k.Type)
	case *resolve.Result:
		return hasAsync(k.Ok) || hasAsync(k.Err)
	case *resolve.Tuple:
		for _, et := range k.Types {
			if hasAsync(et) {
				return true
			}
		}
	case *resolve.Record:
		for _, f := range k.Fields {
			if hasAsync(f.Type) {
				return true
			}
		}
	case *resolve.Variant:
		for _, c := range k.Cases {
			if hasAsync(c.Type) {
				return true
			}
		}
	}
	return false
}

// fnAsync reports whether fn's parameters or results hold a stream or a
// future anywhere.
func fnAsync(fn *parser.Func) bool {
	for _, p := range fn.Params {
		if hasAsync(p.Type) {
			return true
		}
	}
	return hasAsync(fn.Results.WIT)
}

// atIndex wraps code that writes (v "e") or reads (v "d") a value sitting
// at index i below the current path, when the value may hold async values.
func atIndex(v string, i int, async bool, code ...jen.Code) []jen.Code {
	if !async {
		return code
	}
	out := []jen.Code{jen.Id(v).Dot("Enter").Call(jen.Lit(i))}
	out = append(out, code...)
	return append(out, jen.Id(v).Dot("Leave").Call())
}
