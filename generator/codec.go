package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
	"go.bytecodealliance.org/wit"
)

// wrpcPkg is the runtime package that generated wire code uses.
const wrpcPkg = "github.com/witgo-dev/witgo/runtime/wrpc"

func wrpcQual(name string) *jen.Statement { return jen.Qual(wrpcPkg, name) }

// primitive returns the name of the Encoder/Decoder method for a WIT
// primitive type (or list<u8>), and whether t is one.
func primitive(t wit.Type) (string, bool) {
	switch t.(type) {
	case wit.Bool:
		return "Bool", true
	case wit.U8:
		return "U8", true
	case wit.S8:
		return "S8", true
	case wit.U16:
		return "U16", true
	case wit.S16:
		return "S16", true
	case wit.U32:
		return "U32", true
	case wit.S32:
		return "S32", true
	case wit.U64:
		return "U64", true
	case wit.S64:
		return "S64", true
	case wit.F32:
		return "F32", true
	case wit.F64:
		return "F64", true
	case wit.Char:
		return "Char", true
	case wit.String:
		return "String", true
	}
	return "", false
}

// codecNamed returns the named type that carries EncodeWRPC and DecodeWRPC
// methods for t (a record, variant, enum or flags, possibly through aliases),
// or nil.
func (g *gen) codecNamed(t wit.Type) *parser.Named {
	td, ok := t.(*wit.TypeDef)
	if !ok {
		return nil
	}
	n := g.model.Named(td.Root())
	if n == nil {
		return nil
	}
	switch n.Kind {
	case parser.KindRecord, parser.KindVariant, parser.KindEnum, parser.KindFlags:
		return n
	}
	return nil
}

// encode returns statements that write x, of WIT type t, to the Encoder e.
func (g *gen) encode(t wit.Type, x *jen.Statement) []jen.Code {
	if m, ok := primitive(t); ok {
		return []jen.Code{jen.Id("e").Dot(m).Call(x)}
	}
	if g.codecNamed(t) != nil {
		return []jen.Code{x.Clone().Dot("EncodeWRPC").Call(jen.Id("e"))}
	}
	switch k := parser.Underlying(t).(type) {
	case wit.ErrorContext:
		return []jen.Code{wrpcQual("EncodeErrorContext").Call(jen.Id("e"), x)}
	case wit.Type:
		return g.encode(k, x)
	case *wit.List:
		if isU8(k.Type) {
			return []jen.Code{jen.Id("e").Dot("Bytes").Call(x)}
		}
		return []jen.Code{wrpcQual("EncodeList").Call(jen.Id("e"), x, g.encodeFunc(k.Type))}
	case *wit.Option:
		return []jen.Code{wrpcQual("EncodeOption").Call(jen.Id("e"), x, g.encodeFunc(k.Type))}
	case *wit.Result:
		return []jen.Code{wrpcQual("EncodeResult").Call(jen.Id("e"), x, g.encodeFuncOrNil(k.OK), g.encodeFuncOrNil(k.Err))}
	case *wit.Tuple:
		var code []jen.Code
		for i, et := range k.Types {
			code = append(code, g.encode(et, x.Clone().Dot(fmt.Sprintf("F%d", i)))...)
		}
		return code
	case *wit.Own, *wit.Borrow, *wit.Resource:
		n := g.resourceOf(t)
		return []jen.Code{wrpcQual("EncodeResource").Call(jen.Id("e"), jen.Qual(n.Package.ImportPath, "Instance"), jen.Lit(n.WITName), x)}
	case *wit.Stream:
		return []jen.Code{wrpcQual("EncodeStream").Call(jen.Id("e"), x, g.encodeFunc(k.Type))}
	case *wit.Future:
		return []jen.Code{wrpcQual("EncodeFuture").Call(jen.Id("e"), x, g.encodeFuncOrNil(k.Type))}
	default:
		panic(fmt.Sprintf("BUG: no encoding for WIT type kind %T", k))
	}
}

// encodeFunc returns a func(*wrpc.Encoder, T) for t; a nil t is the unit
// type struct{}, which encodes as nothing.
func (g *gen) encodeFunc(t wit.Type) jen.Code {
	if t == nil {
		return jen.Func().Params(jen.Op("*").Add(wrpcQual("Encoder")), jen.Struct()).Block()
	}
	if m, ok := primitive(t); ok {
		return jen.Parens(jen.Op("*").Add(wrpcQual("Encoder"))).Dot(m)
	}
	if g.codecNamed(t) != nil {
		return wrpcQual("Encode").Index(g.typ(t))
	}
	switch k := parser.Underlying(t).(type) {
	case *wit.List:
		if isU8(k.Type) {
			return jen.Parens(jen.Op("*").Add(wrpcQual("Encoder"))).Dot("Bytes")
		}
	case *wit.Own, *wit.Borrow, *wit.Resource:
		n := g.resourceOf(t)
		return wrpcQual("ResourceEncoder").Index(g.typ(t)).Call(jen.Qual(n.Package.ImportPath, "Instance"), jen.Lit(n.WITName))
	}
	return jen.Func().Params(jen.Id("e").Op("*").Add(wrpcQual("Encoder")), jen.Id("v").Add(g.typ(t))).Block(g.encode(t, jen.Id("v"))...)
}

func (g *gen) encodeFuncOrNil(t wit.Type) jen.Code {
	if t == nil {
		return jen.Nil()
	}
	return g.encodeFunc(t)
}

// decodeMethod is the Decoder method that reads the primitive whose Encoder
// method is m: the same name, except ReadString (Decoder.String describes the
// Decoder).
func decodeMethod(m string) string {
	if m == "String" {
		return "ReadString"
	}
	return m
}

// decode returns an expression that reads a value of WIT type t from the
// Decoder d.
func (g *gen) decode(t wit.Type) *jen.Statement {
	if m, ok := primitive(t); ok {
		return jen.Id("d").Dot(decodeMethod(m)).Call()
	}
	if g.codecNamed(t) != nil {
		return wrpcQual("Decode").Index(g.typ(t)).Call(jen.Id("d"))
	}
	switch k := parser.Underlying(t).(type) {
	case wit.ErrorContext:
		return wrpcQual("DecodeErrorContext").Call(jen.Id("d"))
	case wit.Type:
		return g.decode(k)
	case *wit.List:
		if isU8(k.Type) {
			return jen.Id("d").Dot("Bytes").Call()
		}
		return wrpcQual("DecodeList").Call(jen.Id("d"), g.minSizeArg(k.Type), g.decodeFunc(k.Type))
	case *wit.Option:
		return wrpcQual("DecodeOption").Call(jen.Id("d"), g.decodeFunc(k.Type))
	case *wit.Result:
		return wrpcQual("DecodeResult").Index(jen.List(g.typOrUnit(k.OK), g.typOrUnit(k.Err))).
			Call(jen.Id("d"), g.decodeFuncOrNil(k.OK), g.decodeFuncOrNil(k.Err))
	case *wit.Tuple:
		if len(k.Types) == 0 {
			return jen.Struct().Values()
		}
		fields := jen.Dict{}
		for i, et := range k.Types {
			fields[jen.Id(fmt.Sprintf("F%d", i))] = g.decode(et)
		}
		return g.typ(t).Values(fields)
	case *wit.Own, *wit.Borrow, *wit.Resource:
		n := g.resourceOf(t)
		return wrpcQual("DecodeResource").Call(jen.Id("d"), jen.Qual(n.Package.ImportPath, "Instance"), jen.Lit(n.WITName),
			wrpcQual(ownership(k)), jen.Qual(n.Package.ImportPath, n.ClientCtor))
	case *wit.Stream:
		return wrpcQual("DecodeStream").Call(jen.Id("d"), g.minSizeArg(k.Type), g.decodeFunc(k.Type))
	case *wit.Future:
		return wrpcQual("DecodeFuture").Index(g.typOrUnit(k.Type)).Call(jen.Id("d"), g.decodeFuncOrNil(k.Type))
	default:
		panic(fmt.Sprintf("BUG: no decoding for WIT type kind %T", k))
	}
}

// decodeFunc returns a func(*wrpc.Decoder) T for t; nil t is struct{}.
func (g *gen) decodeFunc(t wit.Type) jen.Code {
	if t == nil {
		return jen.Func().Params(jen.Op("*").Add(wrpcQual("Decoder"))).Struct().Block(jen.Return(jen.Struct().Values()))
	}
	if m, ok := primitive(t); ok {
		return jen.Parens(jen.Op("*").Add(wrpcQual("Decoder"))).Dot(decodeMethod(m))
	}
	if g.codecNamed(t) != nil {
		return wrpcQual("Decode").Index(g.typ(t))
	}
	switch k := parser.Underlying(t).(type) {
	case *wit.List:
		if isU8(k.Type) {
			return jen.Parens(jen.Op("*").Add(wrpcQual("Decoder"))).Dot("Bytes")
		}
	case *wit.Own, *wit.Borrow, *wit.Resource:
		n := g.resourceOf(t)
		return wrpcQual("ResourceDecoder").Call(jen.Qual(n.Package.ImportPath, "Instance"), jen.Lit(n.WITName),
			wrpcQual(ownership(k)), jen.Qual(n.Package.ImportPath, n.ClientCtor))
	}
	return jen.Func().Params(jen.Id("d").Op("*").Add(wrpcQual("Decoder"))).Add(g.typ(t)).Block(jen.Return(g.decode(t)))
}

func (g *gen) decodeFuncOrNil(t wit.Type) jen.Code {
	if t == nil {
		return jen.Nil()
	}
	return g.decodeFunc(t)
}

// resourceOf returns the resource that t (own, borrow or the resource
// itself, possibly through aliases) refers to.
func (g *gen) resourceOf(t wit.Type) *parser.Named {
	for {
		td, ok := t.(*wit.TypeDef)
		if !ok {
			panic(fmt.Sprintf("BUG: %T is not a resource type", t))
		}
		switch k := td.Kind.(type) {
		case *wit.Resource:
			return g.model.Named(td)
		case *wit.Own:
			t = k.Type
		case *wit.Borrow:
			t = k.Type
		case wit.Type:
			t = k
		default:
			panic(fmt.Sprintf("BUG: %T is not a resource type", k))
		}
	}
}

// minSize is the least number of bytes a value of t takes on the wire, so
// that a list's length is checked against the bytes left before allocating.
func (g *gen) minSize(t wit.Type) int {
	if t == nil {
		return 0
	}
	switch k := parser.Underlying(t).(type) {
	case wit.F32:
		return 4
	case wit.F64:
		return 8
	case *wit.Record:
		n := 0
		for _, f := range k.Fields {
			n += g.minSize(f.Type)
		}
		return n
	case *wit.Tuple:
		n := 0
		for _, et := range k.Types {
			n += g.minSize(et)
		}
		return n
	case *wit.Flags:
		return (len(k.Flags) + 7) / 8
	}
	return 1
}

// minSizeArg is the minSize argument of wrpc.DecodeList and
// wrpc.DecodeStream for elements of type t, with a comment that says what
// the number is: "2 /* min wire bytes per element */".
func (g *gen) minSizeArg(t wit.Type) jen.Code {
	return jen.Lit(g.minSize(t)).Comment("/* min wire bytes per element */")
}

// zero returns the zero value of the Go type of t (ZeroOf).
func (g *gen) zero(t wit.Type) *jen.Statement { return ZeroOf(g.model, t).Code() }

// ownership names the wrpc.Ownership of a resource type: Borrow for a
// borrow<T>, Own for the rest.
func ownership(k wit.TypeDefKind) string {
	if _, ok := k.(*wit.Borrow); ok {
		return "Borrow"
	}
	return "Own"
}
