package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// wrpcPkg is the runtime package that generated wire code uses.
const wrpcPkg = "github.com/witgo-dev/witgo/runtime/wrpc"

func wrpcQual(name string) *jen.Statement { return jen.Qual(wrpcPkg, name) }

// primMethods are the Encoder/Decoder methods of the WIT primitives that
// have one.
var primMethods = map[resolve.Prim]string{
	"bool": "Bool", "u8": "U8", "s8": "S8", "u16": "U16", "s16": "S16",
	"u32": "U32", "s32": "S32", "u64": "U64", "s64": "S64",
	"f32": "F32", "f64": "F64", "char": "Char", "string": "String",
}

// primitive returns the name of the Encoder/Decoder method for a WIT
// primitive type, and whether t is one that has a method.
func primitive(t resolve.Type) (string, bool) {
	p, ok := t.(resolve.Prim)
	if !ok {
		return "", false
	}
	m, ok := primMethods[p]
	return m, ok
}

// codecNamed returns the named type that carries EncodeWRPC and DecodeWRPC
// methods for t (a record, variant, enum or flags, possibly through aliases),
// or nil.
func (g *gen) codecNamed(t resolve.Type) *parser.Named {
	td, ok := t.(*resolve.TypeDef)
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
func (g *gen) encode(t resolve.Type, x *jen.Statement) []jen.Code {
	if m, ok := primitive(t); ok {
		return []jen.Code{jen.Id("e").Dot(m).Call(x)}
	}
	if g.codecNamed(t) != nil {
		return []jen.Code{x.Clone().Dot("EncodeWRPC").Call(jen.Id("e"))}
	}
	switch k := resolve.Underlying(t).(type) {
	case resolve.Prim:
		if k == "error-context" {
			return []jen.Code{wrpcQual("EncodeErrorContext").Call(jen.Id("e"), x)}
		}
		return g.encode(k, x)
	case *resolve.List:
		if isU8(k.Type) {
			return []jen.Code{jen.Id("e").Dot("Bytes").Call(x)}
		}
		if hasAsync(k.Type) {
			// Element i sits at index i of the path.
			return []jen.Code{wrpcQual("EncodeListAt").Call(jen.Id("e"), x, g.encodeFunc(k.Type))}
		}
		return []jen.Code{wrpcQual("EncodeList").Call(jen.Id("e"), x, g.encodeFunc(k.Type))}
	case *resolve.FixedList:
		// No length: it is part of the type.
		if hasAsync(k.Type) {
			return []jen.Code{jen.For(jen.List(jen.Id("i"), jen.Id("el")).Op(":=").Range().Add(x)).Block(
				jen.Id("e").Dot("Enter").Call(jen.Uint32().Call(jen.Id("i"))),
				jen.Add(g.encodeFunc(k.Type)).Call(jen.Id("e"), jen.Id("el")),
				jen.Id("e").Dot("Leave").Call())}
		}
		return []jen.Code{jen.For(jen.List(jen.Id("_"), jen.Id("el")).Op(":=").Range().Add(x)).Block(
			jen.Add(g.encodeFunc(k.Type)).Call(jen.Id("e"), jen.Id("el")))}
	case *resolve.Map:
		// Entries go in key order; bool is not a cmp.Ordered.
		enc := "EncodeMap"
		if resolve.Underlying(k.Key) == resolve.Prim("bool") {
			enc = "EncodeBoolMap"
		}
		return []jen.Code{wrpcQual(enc).Call(jen.Id("e"), x, g.encodeFunc(k.Key), g.encodeFunc(k.Value))}
	case *resolve.Option:
		return []jen.Code{wrpcQual("EncodeOption").Call(jen.Id("e"), x, g.encodeFunc(k.Type))}
	case *resolve.Result:
		return []jen.Code{wrpcQual("EncodeResult").Call(jen.Id("e"), x, g.encodeFuncOrNil(k.Ok), g.encodeFuncOrNil(k.Err))}
	case *resolve.Tuple:
		var code []jen.Code
		for i, et := range k.Types {
			code = append(code, atIndex("e", i, hasAsync(t), g.encode(et, x.Clone().Dot(fmt.Sprintf("F%d", i)))...)...)
		}
		return code
	case *resolve.Handle, *resolve.ResourceKind:
		n := g.resourceOf(t)
		return []jen.Code{wrpcQual("EncodeResource").Call(jen.Id("e"), jen.Qual(n.Package.ImportPath, "Instance"), jen.Lit(n.WITName), x)}
	case *resolve.Stream:
		if isU8(k.Type) {
			return []jen.Code{wrpcQual("EncodeByteStream").Call(jen.Id("e"), x)}
		}
		return []jen.Code{wrpcQual("EncodeStream").Call(jen.Id("e"), x, g.encodeFunc(k.Type))}
	case *resolve.Future:
		return []jen.Code{wrpcQual("EncodeFuture").Call(jen.Id("e"), x, g.encodeFuncOrNil(k.Type))}
	default:
		panic(fmt.Sprintf("BUG: no encoding for WIT type kind %T", k))
	}
}

// encodeFunc returns a func(*wrpc.Encoder, T) for t; a nil t is the unit
// type struct{}, which encodes as nothing.
func (g *gen) encodeFunc(t resolve.Type) jen.Code {
	if t == nil {
		return jen.Func().Params(jen.Op("*").Add(wrpcQual("Encoder")), jen.Struct()).Block()
	}
	if m, ok := primitive(t); ok {
		return jen.Parens(jen.Op("*").Add(wrpcQual("Encoder"))).Dot(m)
	}
	if g.codecNamed(t) != nil {
		return wrpcQual("Encode").Index(g.typ(t))
	}
	switch k := resolve.Underlying(t).(type) {
	case *resolve.List:
		if isU8(k.Type) {
			return jen.Parens(jen.Op("*").Add(wrpcQual("Encoder"))).Dot("Bytes")
		}
	case *resolve.Handle, *resolve.ResourceKind:
		n := g.resourceOf(t)
		return wrpcQual("ResourceEncoder").Index(g.typ(t)).Call(jen.Qual(n.Package.ImportPath, "Instance"), jen.Lit(n.WITName))
	}
	return jen.Func().Params(jen.Id("e").Op("*").Add(wrpcQual("Encoder")), jen.Id("v").Add(g.typ(t))).Block(g.encode(t, jen.Id("v"))...)
}

func (g *gen) encodeFuncOrNil(t resolve.Type) jen.Code {
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
func (g *gen) decode(t resolve.Type) *jen.Statement {
	if m, ok := primitive(t); ok {
		return jen.Id("d").Dot(decodeMethod(m)).Call()
	}
	if g.codecNamed(t) != nil {
		return wrpcQual("Decode").Index(g.typ(t)).Call(jen.Id("d"))
	}
	switch k := resolve.Underlying(t).(type) {
	case resolve.Prim:
		if k == "error-context" {
			return wrpcQual("DecodeErrorContext").Call(jen.Id("d"))
		}
		return g.decode(k)
	case *resolve.List:
		if isU8(k.Type) {
			return jen.Id("d").Dot("Bytes").Call()
		}
		if hasAsync(k.Type) {
			return wrpcQual("DecodeListAt").Call(jen.Id("d"), g.minSizeArg(k.Type), g.decodeFunc(k.Type))
		}
		return wrpcQual("DecodeList").Call(jen.Id("d"), g.minSizeArg(k.Type), g.decodeFunc(k.Type))
	case *resolve.FixedList:
		// func() (a [N]T) { wrpc.DecodeFixedList(d, a[:], f); return }()
		dec := "DecodeFixedList"
		if hasAsync(k.Type) {
			dec = "DecodeFixedListAt"
		}
		return jen.Func().Params().Params(jen.Id("a").Add(g.typ(t))).Block(
			wrpcQual(dec).Call(jen.Id("d"), jen.Id("a").Index(jen.Op(":")), g.decodeFunc(k.Type)),
			jen.Return(),
		).Call()
	case *resolve.Map:
		return wrpcQual("DecodeMap").Call(jen.Id("d"), jen.Lit(g.minSize(k.Key)+g.minSize(k.Value)).Comment("/* min wire bytes per entry */"),
			g.decodeFunc(k.Key), g.decodeFunc(k.Value))
	case *resolve.Option:
		return wrpcQual("DecodeOption").Call(jen.Id("d"), g.decodeFunc(k.Type))
	case *resolve.Result:
		return wrpcQual("DecodeResult").Index(jen.List(g.typOrUnit(k.Ok), g.typOrUnit(k.Err))).
			Call(jen.Id("d"), g.decodeFuncOrNil(k.Ok), g.decodeFuncOrNil(k.Err))
	case *resolve.Tuple:
		if len(k.Types) == 0 {
			return jen.Struct().Values()
		}
		if hasAsync(t) {
			// func() (v T) { d.Enter(0); v.F0 = ...; d.Leave(); ...; return }()
			var body []jen.Code
			for i, et := range k.Types {
				body = append(body, atIndex("d", i, true, jen.Id("v").Dot(fmt.Sprintf("F%d", i)).Op("=").Add(g.decode(et)))...)
			}
			return jen.Func().Params().Params(jen.Id("v").Add(g.typ(t))).Block(append(body, jen.Return())...).Call()
		}
		fields := jen.Dict{}
		for i, et := range k.Types {
			fields[jen.Id(fmt.Sprintf("F%d", i))] = g.decode(et)
		}
		return g.typ(t).Values(fields)
	case *resolve.Handle, *resolve.ResourceKind:
		n := g.resourceOf(t)
		return wrpcQual("DecodeResource").Call(jen.Id("d"), jen.Qual(n.Package.ImportPath, "Instance"), jen.Lit(n.WITName),
			wrpcQual(ownership(k)), jen.Qual(n.Package.ImportPath, n.ClientCtor))
	case *resolve.Stream:
		if isU8(k.Type) {
			return wrpcQual("DecodeByteStream").Call(jen.Id("d"))
		}
		return wrpcQual("DecodeStream").Call(jen.Id("d"), g.minSizeArg(k.Type), g.decodeFunc(k.Type))
	case *resolve.Future:
		return wrpcQual("DecodeFuture").Index(g.typOrUnit(k.Type)).Call(jen.Id("d"), g.decodeFuncOrNil(k.Type))
	default:
		panic(fmt.Sprintf("BUG: no decoding for WIT type kind %T", k))
	}
}

// decodeFunc returns a func(*wrpc.Decoder) T for t; nil t is struct{}.
func (g *gen) decodeFunc(t resolve.Type) jen.Code {
	if t == nil {
		return jen.Func().Params(jen.Op("*").Add(wrpcQual("Decoder"))).Struct().Block(jen.Return(jen.Struct().Values()))
	}
	if m, ok := primitive(t); ok {
		return jen.Parens(jen.Op("*").Add(wrpcQual("Decoder"))).Dot(decodeMethod(m))
	}
	if g.codecNamed(t) != nil {
		return wrpcQual("Decode").Index(g.typ(t))
	}
	switch k := resolve.Underlying(t).(type) {
	case *resolve.List:
		if isU8(k.Type) {
			return jen.Parens(jen.Op("*").Add(wrpcQual("Decoder"))).Dot("Bytes")
		}
	case *resolve.Handle, *resolve.ResourceKind:
		n := g.resourceOf(t)
		return wrpcQual("ResourceDecoder").Call(jen.Qual(n.Package.ImportPath, "Instance"), jen.Lit(n.WITName),
			wrpcQual(ownership(k)), jen.Qual(n.Package.ImportPath, n.ClientCtor))
	}
	return jen.Func().Params(jen.Id("d").Op("*").Add(wrpcQual("Decoder"))).Add(g.typ(t)).Block(jen.Return(g.decode(t)))
}

func (g *gen) decodeFuncOrNil(t resolve.Type) jen.Code {
	if t == nil {
		return jen.Nil()
	}
	return g.decodeFunc(t)
}

// resourceOf returns the resource that t (own, borrow or the resource
// itself, possibly through aliases) refers to.
func (g *gen) resourceOf(t resolve.Type) *parser.Named {
	switch k := resolve.Underlying(t).(type) {
	case *resolve.ResourceKind:
		return g.model.Named(t.(*resolve.TypeDef).Root())
	case *resolve.Handle:
		return g.model.Named(k.Resource.Root())
	}
	panic(fmt.Sprintf("BUG: %T is not a resource type", t))
}

// minSize is the least number of bytes a value of t takes on the wire, so
// that a list's length is checked against the bytes left before allocating.
func (g *gen) minSize(t resolve.Type) int {
	if t == nil {
		return 0
	}
	switch k := resolve.Underlying(t).(type) {
	case resolve.Prim:
		switch k {
		case "f32":
			return 4
		case "f64":
			return 8
		}
	case *resolve.FixedList:
		return int(k.Len) * g.minSize(k.Type)
	case *resolve.Record:
		n := 0
		for _, f := range k.Fields {
			n += g.minSize(f.Type)
		}
		return n
	case *resolve.Tuple:
		n := 0
		for _, et := range k.Types {
			n += g.minSize(et)
		}
		return n
	case *resolve.Flags:
		return (len(k.Flags) + 7) / 8
	}
	return 1
}

// minSizeArg is the minSize argument of wrpc.DecodeList and
// wrpc.DecodeStream for elements of type t, with a comment that says what
// the number is: "2 /* min wire bytes per element */".
func (g *gen) minSizeArg(t resolve.Type) jen.Code {
	return jen.Lit(g.minSize(t)).Comment("/* min wire bytes per element */")
}

// zero returns the zero value of the Go type of t (ZeroOf).
func (g *gen) zero(t resolve.Type) *jen.Statement { return ZeroOf(g.model, t).Code() }

// ownership names the wrpc.Ownership of a resource type: Borrow for a
// borrow<T>, Own for the rest.
func ownership(k resolve.TypeKind) string {
	if h, ok := k.(*resolve.Handle); ok && h.Borrow {
		return "Borrow"
	}
	return "Own"
}
