package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// GoKind says how a GoType is built.
type GoKind uint8

const (
	GoIdent       GoKind = iota // Name, qualified by Path if set, with type arguments Args
	GoSlice                     // []Args[0]
	GoPointer                   // *Args[0]
	GoEmptyStruct               // struct{}
	GoMap                       // map[Args[0]]Args[1]
	GoArray                     // [Len]Args[0]
)

// GoType is the Go type of a WIT type, as TypeOf maps it. Jennifer code
// prints it with Code, templates with Text; both print the one mapping.
type GoType struct {
	Kind GoKind
	Path string   // import path of a qualified identifier, "" for a predeclared one
	Name string   // identifier
	Args []GoType // type arguments of an identifier, the element of a slice, array or pointer, a map's key and value
	Len  uint32   // GoArray's length
}

func ident(name string) GoType { return GoType{Name: name} }
func qualified(path, name string, args ...GoType) GoType {
	return GoType{Path: path, Name: name, Args: args}
}

// primGo is the Go type of each WIT primitive but error-context.
var primGo = map[resolve.Prim]string{
	"bool": "bool", "s8": "int8", "u8": "uint8", "s16": "int16", "u16": "uint16",
	"s32": "int32", "u32": "uint32", "s64": "int64", "u64": "uint64",
	"f32": "float32", "f64": "float64", "char": "rune", "string": "string",
}

// TypeOf returns the Go type of a WIT type. It is the one place that maps
// WIT types to Go: named types by their model name, anonymous ones by shape.
func TypeOf(m *parser.Model, t resolve.Type) GoType {
	switch t := t.(type) {
	case resolve.Prim:
		if t == "error-context" {
			return qualified(cmPkg, "ErrorContext")
		}
		name, ok := primGo[t]
		if !ok {
			panic(fmt.Sprintf("BUG: unknown WIT primitive %q", string(t)))
		}
		return ident(name)
	case *resolve.TypeDef:
		if n := m.Named(t); n != nil {
			return qualified(n.Package.ImportPath, n.GoName)
		}
		return KindOf(m, t.Kind)
	default:
		panic(fmt.Sprintf("BUG: unknown WIT type %T", t))
	}
}

// KindOf returns the Go type of an anonymous type definition, or of the
// right-hand side of a named alias.
func KindOf(m *parser.Model, k resolve.TypeKind) GoType {
	switch k := k.(type) {
	case *resolve.Alias:
		return TypeOf(m, k.Type)
	case *resolve.List:
		if isU8(k.Type) {
			return GoType{Kind: GoSlice, Args: []GoType{ident("byte")}}
		}
		return GoType{Kind: GoSlice, Args: []GoType{TypeOf(m, k.Type)}}
	case *resolve.FixedList:
		return GoType{Kind: GoArray, Len: k.Len, Args: []GoType{TypeOf(m, k.Type)}}
	case *resolve.Map:
		return GoType{Kind: GoMap, Args: []GoType{TypeOf(m, k.Key), TypeOf(m, k.Value)}}
	case *resolve.Option:
		return GoType{Kind: GoPointer, Args: []GoType{TypeOf(m, k.Type)}}
	case *resolve.Result:
		return qualified(cmPkg, "Result", typeOrUnit(m, k.Ok), typeOrUnit(m, k.Err))
	case *resolve.Tuple:
		if len(k.Types) == 0 {
			return GoType{Kind: GoEmptyStruct}
		}
		args := make([]GoType, len(k.Types))
		for i, e := range k.Types {
			args[i] = TypeOf(m, e)
		}
		return qualified(cmPkg, fmt.Sprintf("Tuple%d", len(k.Types)), args...)
	case *resolve.Handle:
		return TypeOf(m, k.Resource)
	case *resolve.Stream:
		if isU8(k.Type) {
			// Read as it arrives; sent from any reader (see wrpc.ByteStreamOf).
			return qualified("io", "ReadCloser")
		}
		return qualified(cmPkg, "Stream", typeOrUnit(m, k.Type))
	case *resolve.Future:
		return qualified(cmPkg, "Future", typeOrUnit(m, k.Type))
	default:
		panic(fmt.Sprintf("BUG: unknown anonymous WIT type kind %T", k))
	}
}

// isU8 reports whether t is u8, possibly through aliases.
func isU8(t resolve.Type) bool {
	return resolve.Underlying(t) == resolve.Prim("u8")
}

// typeOrUnit is TypeOf, with struct{} for an absent type.
func typeOrUnit(m *parser.Model, t resolve.Type) GoType {
	if t == nil {
		return GoType{Kind: GoEmptyStruct}
	}
	return TypeOf(m, t)
}

// Code returns t for jennifer, which imports qualified identifiers.
func (t GoType) Code() *jen.Statement {
	switch t.Kind {
	case GoSlice:
		return jen.Index().Add(t.Args[0].Code())
	case GoPointer:
		return jen.Op("*").Add(t.Args[0].Code())
	case GoEmptyStruct:
		return jen.Struct()
	case GoMap:
		return jen.Map(t.Args[0].Code()).Add(t.Args[1].Code())
	case GoArray:
		return jen.Index(jen.Lit(int(t.Len))).Add(t.Args[0].Code())
	}
	var s *jen.Statement
	if t.Path != "" {
		s = jen.Qual(t.Path, t.Name)
	} else {
		s = jen.Id(t.Name)
	}
	if len(t.Args) > 0 {
		args := make([]jen.Code, len(t.Args))
		for i, a := range t.Args {
			args[i] = a.Code()
		}
		s = s.Types(args...)
	}
	return s
}

// Text returns t as Go source for a template. qual spells a qualified
// identifier, recording its import (Imports.Qual).
func (t GoType) Text(qual func(path, name string) string) string {
	switch t.Kind {
	case GoSlice:
		return "[]" + t.Args[0].Text(qual)
	case GoPointer:
		return "*" + t.Args[0].Text(qual)
	case GoEmptyStruct:
		return "struct{}"
	case GoMap:
		return "map[" + t.Args[0].Text(qual) + "]" + t.Args[1].Text(qual)
	case GoArray:
		return fmt.Sprintf("[%d]%s", t.Len, t.Args[0].Text(qual))
	}
	s := t.Name
	if t.Path != "" {
		s = qual(t.Path, t.Name)
	}
	if len(t.Args) > 0 {
		args := make([]string, len(t.Args))
		for i, a := range t.Args {
			args[i] = a.Text(qual)
		}
		s += "[" + strings.Join(args, ", ") + "]"
	}
	return s
}

// GoValue is the zero value of a Go type: a literal (false, "", 0, nil),
// or Type{} when Lit is "".
type GoValue struct {
	Lit  string
	Type GoType
}

// ZeroOf returns the zero value of the Go type of t.
func ZeroOf(m *parser.Model, t resolve.Type) GoValue {
	switch k := resolve.Underlying(t).(type) {
	case resolve.Prim:
		switch k {
		case "bool":
			return GoValue{Lit: "false"}
		case "string":
			return GoValue{Lit: `""`}
		case "error-context":
			return GoValue{Type: TypeOf(m, t)}
		}
		return GoValue{Lit: "0"}
	case *resolve.Enum, *resolve.Flags:
		return GoValue{Lit: "0"}
	case *resolve.List, *resolve.Map, *resolve.Option, *resolve.Handle, *resolve.ResourceKind, *resolve.Stream, *resolve.Future:
		return GoValue{Lit: "nil"}
	case *resolve.Tuple:
		if len(k.Types) == 0 {
			return GoValue{Type: GoType{Kind: GoEmptyStruct}}
		}
	}
	return GoValue{Type: TypeOf(m, t)}
}

// Code returns v for jennifer.
func (v GoValue) Code() *jen.Statement {
	switch v.Lit {
	case "":
		return v.Type.Code().Values()
	case "false":
		return jen.False()
	case `""`:
		return jen.Lit("")
	case "0":
		return jen.Lit(0)
	case "nil":
		return jen.Nil()
	}
	panic("BUG: unknown zero literal " + v.Lit)
}

// Text returns v as Go source for a template (see GoType.Text).
func (v GoValue) Text(qual func(path, name string) string) string {
	if v.Lit != "" {
		return v.Lit
	}
	return v.Type.Text(qual) + "{}"
}

// typ returns the Go type of a WIT type for jennifer: TypeOf, the one
// mapping of WIT types to Go, printed as code.
func (g *gen) typ(t resolve.Type) *jen.Statement { return TypeOf(g.model, t).Code() }

// kind returns the Go type of an anonymous type definition, or of the
// right-hand side of a named alias (KindOf).
func (g *gen) kind(k resolve.TypeKind) *jen.Statement { return KindOf(g.model, k).Code() }

// typOrUnit is typ, with struct{} for an absent type.
func (g *gen) typOrUnit(t resolve.Type) *jen.Statement { return typeOrUnit(g.model, t).Code() }
