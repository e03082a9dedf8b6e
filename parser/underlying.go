package parser

import "go.bytecodealliance.org/wit"

// Underlying returns what t is after following type aliases (type key =
// string, use store.{bucket}): a primitive, or the kind of the type
// definition at the end of the alias chain (a record, list, resource...).
// It is the one alias walker: the generators ask it, never td.Kind, what
// shape a type has.
func Underlying(t wit.Type) wit.TypeDefKind {
	if td, ok := t.(*wit.TypeDef); ok {
		return td.Root().Kind
	}
	return t
}
