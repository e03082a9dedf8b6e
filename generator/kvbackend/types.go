package kvbackend

import (
	"fmt"
	"strings"

	"github.com/witgo-dev/witgo/parser"
	"go.bytecodealliance.org/wit"
)

// goType returns the Go type of a WIT type as the bindings spell it. It
// mirrors generator.typ (the one mapping of WIT types to Go), rendering
// qualified names with this file's import aliases.
func (g *gen) goType(t wit.Type) string {
	switch t := t.(type) {
	case wit.Bool:
		return "bool"
	case wit.S8:
		return "int8"
	case wit.U8:
		return "uint8"
	case wit.S16:
		return "int16"
	case wit.U16:
		return "uint16"
	case wit.S32:
		return "int32"
	case wit.U32:
		return "uint32"
	case wit.S64:
		return "int64"
	case wit.U64:
		return "uint64"
	case wit.F32:
		return "float32"
	case wit.F64:
		return "float64"
	case wit.Char:
		return "rune"
	case wit.String:
		return "string"
	case wit.ErrorContext:
		return "cm.ErrorContext"
	case *wit.TypeDef:
		if n := g.m.Named(t); n != nil {
			return g.qual(n.Package, n.GoName)
		}
		return g.kind(t.Kind)
	default:
		panic(fmt.Sprintf("BUG: unknown WIT type %T", t))
	}
}

func (g *gen) kind(k wit.TypeDefKind) string {
	switch k := k.(type) {
	case *wit.TypeDef:
		return g.goType(k)
	case *wit.List:
		if isU8(k.Type) {
			return "[]byte"
		}
		return "[]" + g.goType(k.Type)
	case *wit.Option:
		return "*" + g.goType(k.Type)
	case *wit.Result:
		return "cm.Result[" + g.typeOrUnit(k.OK) + ", " + g.typeOrUnit(k.Err) + "]"
	case *wit.Tuple:
		if len(k.Types) == 0 {
			return "struct{}"
		}
		args := make([]string, len(k.Types))
		for i, e := range k.Types {
			args[i] = g.goType(e)
		}
		return fmt.Sprintf("cm.Tuple%d[%s]", len(k.Types), strings.Join(args, ", "))
	case *wit.Own:
		return g.goType(k.Type)
	case *wit.Borrow:
		return g.goType(k.Type)
	case *wit.Stream:
		return "cm.Stream[" + g.typeOrUnit(k.Type) + "]"
	case *wit.Future:
		return "cm.Future[" + g.typeOrUnit(k.Type) + "]"
	case wit.Type:
		return g.goType(k)
	default:
		panic(fmt.Sprintf("BUG: unknown anonymous WIT type kind %T", k))
	}
}

func (g *gen) typeOrUnit(t wit.Type) string {
	if t == nil {
		return "struct{}"
	}
	return g.goType(t)
}

// zero returns the zero value of the Go type of t, as generator.zero
// spells it.
func (g *gen) zero(t wit.Type) string {
	switch kindOf(t).(type) {
	case wit.Bool:
		return "false"
	case wit.String:
		return `""`
	case wit.S8, wit.U8, wit.S16, wit.U16, wit.S32, wit.U32, wit.S64, wit.U64, wit.F32, wit.F64, wit.Char,
		*wit.Enum, *wit.Flags:
		return "0"
	case *wit.List, *wit.Option, *wit.Own, *wit.Borrow, *wit.Resource, *wit.Stream, *wit.Future:
		return "nil"
	case *wit.Tuple:
		if tt, _ := tupleOf(t); len(tt) == 0 {
			return "struct{}{}"
		}
	}
	return g.goType(t) + "{}"
}

// qual returns name qualified with the import alias of package p.
func (g *gen) qual(p *parser.Package, name string) string {
	return g.alias[p] + "." + name
}

// Shapes. Every test looks through type aliases (type key = string,
// use store.{bucket}).

// kindOf returns the kind of t after following aliases; primitives are
// returned as they are.
func kindOf(t wit.Type) wit.TypeDefKind {
	if td, ok := t.(*wit.TypeDef); ok {
		return td.Root().Kind
	}
	return t
}

func isU8(t wit.Type) bool     { _, ok := kindOf(t).(wit.U8); return ok }
func isU32(t wit.Type) bool    { _, ok := kindOf(t).(wit.U32); return ok }
func isU64(t wit.Type) bool    { _, ok := kindOf(t).(wit.U64); return ok }
func isS64(t wit.Type) bool    { _, ok := kindOf(t).(wit.S64); return ok }
func isBool(t wit.Type) bool   { _, ok := kindOf(t).(wit.Bool); return ok }
func isString(t wit.Type) bool { _, ok := kindOf(t).(wit.String); return ok }

// isBytes reports whether t is list<u8>.
func isBytes(t wit.Type) bool {
	e, ok := listOf(t)
	return ok && isU8(e)
}

func listOf(t wit.Type) (wit.Type, bool) {
	if l, ok := kindOf(t).(*wit.List); ok {
		return l.Type, true
	}
	return nil, false
}

func optionOf(t wit.Type) (wit.Type, bool) {
	if o, ok := kindOf(t).(*wit.Option); ok {
		return o.Type, true
	}
	return nil, false
}

func tupleOf(t wit.Type) ([]wit.Type, bool) {
	if tp, ok := kindOf(t).(*wit.Tuple); ok {
		return tp.Types, true
	}
	return nil, false
}

// isStringList reports whether t is list<string>.
func isStringList(t wit.Type) bool {
	e, ok := listOf(t)
	return ok && isString(e)
}

// resourceOf returns the resource type definition that t is, owns or
// borrows, or nil.
func resourceOf(t wit.Type) *wit.TypeDef {
	td, ok := t.(*wit.TypeDef)
	if !ok {
		return nil
	}
	td = td.Root()
	switch k := td.Kind.(type) {
	case *wit.Resource:
		return td
	case *wit.Own:
		return resourceOf(k.Type)
	case *wit.Borrow:
		return resourceOf(k.Type)
	}
	return nil
}

// cursorKind names the shape of a list-keys cursor: "opt-u64", "u64",
// "opt-string", "string", or "".
func cursorKind(t wit.Type) string {
	prefix := ""
	if e, ok := optionOf(t); ok {
		prefix, t = "opt-", e
	}
	switch {
	case isU64(t):
		return prefix + "u64"
	case isString(t):
		return prefix + "string"
	}
	return ""
}
