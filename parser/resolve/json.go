package resolve

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MarshalJSON writes r in the JSON form wasm-tools prints ("wasm-tools
// component wit --json"): arenas of worlds, interfaces, types and packages
// that refer to each other by index.
func (r *Resolve) MarshalJSON() ([]byte, error) {
	for i, p := range r.Packages {
		p.index = i
	}
	for i, it := range r.Interfaces {
		it.index = i
	}
	for i, w := range r.Worlds {
		w.index = i
	}
	for i, t := range r.Types {
		t.index = i
	}
	var b bytes.Buffer
	b.WriteString(`{"worlds":`)
	writeArray(&b, r.Worlds, writeWorld)
	b.WriteString(`,"interfaces":`)
	writeArray(&b, r.Interfaces, writeInterface)
	b.WriteString(`,"types":`)
	writeArray(&b, r.Types, writeTypeDef)
	b.WriteString(`,"packages":[`)
	for i, p := range r.Packages {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":%s`, str(p.Name.String()))
		writeDocs(&b, p.Docs)
		b.WriteString(`,"interfaces":{`)
		for j, it := range p.Interfaces {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `%s:%d`, str(it.Name), it.index)
		}
		b.WriteString(`},"worlds":{`)
		for j, w := range p.Worlds {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `%s:%d`, str(w.Name), w.index)
		}
		b.WriteString(`}}`)
	}
	b.WriteString(`]}`)
	return b.Bytes(), nil
}

// writeArray writes a JSON array of the items, each written by write.
func writeArray[T any](b *bytes.Buffer, items []T, write func(*bytes.Buffer, T)) {
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		write(b, it)
	}
	b.WriteByte(']')
}

func str(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeDocs(b *bytes.Buffer, docs string) {
	if docs != "" {
		fmt.Fprintf(b, `,"docs":{"contents":%s}`, str(docs))
	}
}

func writeStability(b *bytes.Buffer, s Stability) {
	switch {
	case s.Since != "":
		fmt.Fprintf(b, `,"stability":{"stable":{"since":%s`, str(s.Since))
	case s.Feature != "":
		fmt.Fprintf(b, `,"stability":{"unstable":{"feature":%s`, str(s.Feature))
	default:
		return
	}
	if s.Deprecated != "" {
		fmt.Fprintf(b, `,"deprecated":%s`, str(s.Deprecated))
	}
	b.WriteString(`}}`)
}

func writeWorld(b *bytes.Buffer, w *World) {
	fmt.Fprintf(b, `{"name":%s,"imports":`, str(w.Name))
	writeWorldItems(b, w.Imports)
	b.WriteString(`,"exports":`)
	writeWorldItems(b, w.Exports)
	fmt.Fprintf(b, `,"package":%d`, w.Package.index)
	writeDocs(b, w.Docs)
	writeStability(b, w.Stability)
	b.WriteByte('}')
}

func writeWorldItems(b *bytes.Buffer, items []*WorldItem) {
	b.WriteByte('{')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		key := it.Name
		if key == "" {
			key = fmt.Sprintf("interface-%d", it.Interface.index)
		}
		b.WriteString(str(key))
		b.WriteByte(':')
		switch {
		case it.Interface != nil:
			fmt.Fprintf(b, `{"interface":{"id":%d`, it.Interface.index)
			writeStability(b, it.Stability)
			b.WriteString(`}}`)
		case it.Function != nil:
			b.WriteString(`{"function":`)
			writeFunction(b, it.Function)
			b.WriteByte('}')
		default:
			fmt.Fprintf(b, `{"type":%d}`, it.Type.index)
		}
	}
	b.WriteByte('}')
}

func writeInterface(b *bytes.Buffer, it *Interface) {
	name := "null"
	if it.Name != "" {
		name = str(it.Name)
	}
	fmt.Fprintf(b, `{"name":%s,"types":{`, name)
	for i, t := range it.Types {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `%s:%d`, str(t.Name), t.index)
	}
	b.WriteString(`},"functions":{`)
	for i, fn := range it.Functions {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(str(fn.Name))
		b.WriteByte(':')
		writeFunction(b, fn)
	}
	b.WriteByte('}')
	writeDocs(b, it.Docs)
	writeStability(b, it.Stability)
	if it.Package == nil {
		b.WriteString(`,"package":null}`)
		return
	}
	fmt.Fprintf(b, `,"package":%d}`, it.Package.index)
}

func typeRef(t Type) string {
	switch t := t.(type) {
	case nil:
		return "null"
	case Prim:
		return str(string(t))
	case *TypeDef:
		return fmt.Sprint(t.index)
	}
	panic(fmt.Sprintf("BUG: type %T", t))
}

func writeFunction(b *bytes.Buffer, fn *Function) {
	fmt.Fprintf(b, `{"name":%s,"kind":`, str(fn.Name))
	async := ""
	if fn.Async {
		async = "async-"
	}
	switch fn.Kind {
	case Freestanding:
		fmt.Fprintf(b, `"%sfreestanding"`, async)
	case Method:
		fmt.Fprintf(b, `{"%smethod":%d}`, async, fn.Resource.index)
	case Static:
		fmt.Fprintf(b, `{"%sstatic":%d}`, async, fn.Resource.index)
	case Constructor:
		fmt.Fprintf(b, `{"constructor":%d}`, fn.Resource.index)
	}
	b.WriteString(`,"params":[`)
	for i, p := range fn.Params {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `{"name":%s,"type":%s}`, str(p.Name), typeRef(p.Type))
	}
	b.WriteByte(']')
	if fn.Result != nil {
		fmt.Fprintf(b, `,"result":%s`, typeRef(fn.Result))
	}
	writeDocs(b, fn.Docs)
	writeStability(b, fn.Stability)
	b.WriteByte('}')
}

func writeTypeDef(b *bytes.Buffer, t *TypeDef) {
	name := "null"
	if t.Name != "" {
		name = str(t.Name)
	}
	fmt.Fprintf(b, `{"name":%s,"kind":`, name)
	switch k := t.Kind.(type) {
	case *Alias:
		fmt.Fprintf(b, `{"type":%s}`, typeRef(k.Type))
	case *Record:
		b.WriteString(`{"record":{"fields":[`)
		for i, f := range k.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, `{"name":%s,"type":%s`, str(f.Name), typeRef(f.Type))
			writeDocs(b, f.Docs)
			b.WriteByte('}')
		}
		b.WriteString(`]}}`)
	case *ResourceKind:
		b.WriteString(`"resource"`)
	case *Handle:
		how := "own"
		if k.Borrow {
			how = "borrow"
		}
		fmt.Fprintf(b, `{"handle":{"%s":%d}}`, how, k.Resource.index)
	case *Flags:
		b.WriteString(`{"flags":{"flags":[`)
		writeCases(b, k.Flags, false)
		b.WriteString(`]}}`)
	case *Tuple:
		b.WriteString(`{"tuple":{"types":[`)
		for i, e := range k.Types {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(typeRef(e))
		}
		b.WriteString(`]}}`)
	case *Variant:
		b.WriteString(`{"variant":{"cases":[`)
		writeCases(b, k.Cases, true)
		b.WriteString(`]}}`)
	case *Enum:
		b.WriteString(`{"enum":{"cases":[`)
		writeCases(b, k.Cases, false)
		b.WriteString(`]}}`)
	case *Option:
		fmt.Fprintf(b, `{"option":%s}`, typeRef(k.Type))
	case *Result:
		fmt.Fprintf(b, `{"result":{"ok":%s,"err":%s}}`, typeRef(k.Ok), typeRef(k.Err))
	case *List:
		fmt.Fprintf(b, `{"list":%s}`, typeRef(k.Type))
	case *FixedList:
		fmt.Fprintf(b, `{"fixed-length-list":[%s,%d]}`, typeRef(k.Type), k.Len)
	case *Map:
		fmt.Fprintf(b, `{"map":[%s,%s]}`, typeRef(k.Key), typeRef(k.Value))
	case *Future:
		fmt.Fprintf(b, `{"future":%s}`, typeRef(k.Type))
	case *Stream:
		fmt.Fprintf(b, `{"stream":%s}`, typeRef(k.Type))
	default:
		panic(fmt.Sprintf("BUG: kind %T", k))
	}
	b.WriteString(`,"owner":`)
	switch {
	case t.Owner.Interface != nil:
		fmt.Fprintf(b, `{"interface":%d}`, t.Owner.Interface.index)
	case t.Owner.World != nil:
		fmt.Fprintf(b, `{"world":%d}`, t.Owner.World.index)
	default:
		b.WriteString("null")
	}
	writeDocs(b, t.Docs)
	writeStability(b, t.Stability)
	b.WriteByte('}')
}

func writeCases(b *bytes.Buffer, cases []Case, typed bool) {
	for i, c := range cases {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `{"name":%s`, str(c.Name))
		if typed {
			fmt.Fprintf(b, `,"type":%s`, typeRef(c.Type))
		}
		writeDocs(b, c.Docs)
		b.WriteByte('}')
	}
}
