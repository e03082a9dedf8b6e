package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
	"go.bytecodealliance.org/wit"
)

// GoKind says how a GoType is built.
type GoKind uint8

const (
	GoIdent       GoKind = iota // Name, qualified by Path if set, with type arguments Args
	GoSlice                     // []Args[0]
	GoPointer                   // *Args[0]
	GoEmptyStruct               // struct{}
)

// GoType is the Go type of a WIT type, as TypeOf maps it. Jennifer code
// prints it with Code, templates with Text; both print the one mapping.
type GoType struct {
	Kind GoKind
	Path string   // import path of a qualified identifier, "" for a predeclared one
	Name string   // identifier
	Args []GoType // type arguments of an identifier, the element of a slice or pointer
}

func ident(name string) GoType { return GoType{Name: name} }
func qualified(path, name string, args ...GoType) GoType {
	return GoType{Path: path, Name: name, Args: args}
}

// TypeOf returns the Go type of a WIT type. It is the one place that maps
// WIT types to Go: named types by their model name, anonymous ones by shape.
func TypeOf(m *parser.Model, t wit.Type) GoType {
	switch t := t.(type) {
	case wit.Bool:
		return ident("bool")
	case wit.S8:
		return ident("int8")
	case wit.U8:
		return ident("uint8")
	case wit.S16:
		return ident("int16")
	case wit.U16:
		return ident("uint16")
	case wit.S32:
		return ident("int32")
	case wit.U32:
		return ident("uint32")
	case wit.S64:
		return ident("int64")
	case wit.U64:
		return ident("uint64")
	case wit.F32:
		return ident("float32")
	case wit.F64:
		return ident("float64")
	case wit.Char:
		return ident("rune")
	case wit.String:
		return ident("string")
	case wit.ErrorContext:
		return qualified(cmPkg, "ErrorContext")
	case *wit.TypeDef:
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
func KindOf(m *parser.Model, k wit.TypeDefKind) GoType {
	switch k := k.(type) {
	case *wit.TypeDef:
		return TypeOf(m, k)
	case *wit.List:
		if isU8(k.Type) {
			return GoType{Kind: GoSlice, Args: []GoType{ident("byte")}}
		}
		return GoType{Kind: GoSlice, Args: []GoType{TypeOf(m, k.Type)}}
	case *wit.Option:
		return GoType{Kind: GoPointer, Args: []GoType{TypeOf(m, k.Type)}}
	case *wit.Result:
		return qualified(cmPkg, "Result", typeOrUnit(m, k.OK), typeOrUnit(m, k.Err))
	case *wit.Tuple:
		if len(k.Types) == 0 {
			return GoType{Kind: GoEmptyStruct}
		}
		args := make([]GoType, len(k.Types))
		for i, e := range k.Types {
			args[i] = TypeOf(m, e)
		}
		return qualified(cmPkg, fmt.Sprintf("Tuple%d", len(k.Types)), args...)
	case *wit.Own:
		return TypeOf(m, k.Type)
	case *wit.Borrow:
		return TypeOf(m, k.Type)
	case *wit.Stream:
		return qualified(cmPkg, "Stream", typeOrUnit(m, k.Type))
	case *wit.Future:
		return qualified(cmPkg, "Future", typeOrUnit(m, k.Type))
	case wit.Type:
		return TypeOf(m, k)
	default:
		panic(fmt.Sprintf("BUG: unknown anonymous WIT type kind %T", k))
	}
}

// isU8 reports whether t is u8, possibly through aliases.
func isU8(t wit.Type) bool {
	_, ok := parser.Underlying(t).(wit.U8)
	return ok
}

// typeOrUnit is TypeOf, with struct{} for an absent type.
func typeOrUnit(m *parser.Model, t wit.Type) GoType {
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
func ZeroOf(m *parser.Model, t wit.Type) GoValue {
	switch k := parser.Underlying(t).(type) {
	case wit.Bool:
		return GoValue{Lit: "false"}
	case wit.String:
		return GoValue{Lit: `""`}
	case wit.S8, wit.U8, wit.S16, wit.U16, wit.S32, wit.U32, wit.S64, wit.U64, wit.F32, wit.F64, wit.Char,
		*wit.Enum, *wit.Flags:
		return GoValue{Lit: "0"}
	case *wit.List, *wit.Option, *wit.Own, *wit.Borrow, *wit.Resource, *wit.Stream, *wit.Future:
		return GoValue{Lit: "nil"}
	case *wit.Tuple:
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
func (g *gen) typ(t wit.Type) *jen.Statement { return TypeOf(g.model, t).Code() }

// kind returns the Go type of an anonymous type definition, or of the
// right-hand side of a named alias (KindOf).
func (g *gen) kind(k wit.TypeDefKind) *jen.Statement { return KindOf(g.model, k).Code() }

// typOrUnit is typ, with struct{} for an absent type.
func (g *gen) typOrUnit(t wit.Type) *jen.Statement { return typeOrUnit(g.model, t).Code() }

// witSignature returns the WIT declaration of a function without its docs:
// "open: func(identifier: string) -> result<bucket, error>".
func witSignature(f *wit.Function, owner wit.Node) string {
	var lines []string
	for _, l := range strings.Split(f.WIT(owner, f.BaseName()), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			lines = append(lines, l)
		}
	}
	return strings.TrimSuffix(strings.Join(lines, " "), ";")
}
