package resolve

import (
	"strconv"
	"strings"

	"github.com/witgo-dev/witgo/parser/syntax"
)

// Signature returns the WIT text of a function's declaration, as the WIT
// author wrote it, on one line and without its docs: its attributes, then
// "get: async func(key: string) -> option<list<u8>>" (a method without its
// self parameter, "name: static func(...)", "constructor(...)"). world is
// the package of the world that declares fn, or nil for an interface's
// function: a world omits an @since newer than its package's version.
func Signature(fn *Function, world *Package) string {
	var parts []string
	if s := stabilityText(fn.Stability, world); s != "" {
		parts = append(parts, s)
	}
	name := fn.Name
	if _, after, ok := strings.Cut(name, "."); ok {
		name = after
	}
	var b strings.Builder
	async := ""
	if fn.Async {
		async = "async "
	}
	switch fn.Kind {
	case Constructor:
		b.WriteString("constructor(")
	case Static:
		b.WriteString(Escape(name) + ": static " + async + "func(")
	default:
		b.WriteString(Escape(name) + ": " + async + "func(")
	}
	n := 0
	for _, p := range fn.Params {
		if fn.Kind == Method && p.Name == "self" {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Escape(p.Name) + ": " + TypeText(p.Type))
		n++
	}
	b.WriteByte(')')
	if fn.Result != nil && fn.Kind != Constructor {
		b.WriteString(" -> " + TypeText(fn.Result))
	}
	parts = append(parts, b.String())
	return strings.Join(parts, " ")
}

// stabilityText is the attributes of a stability, on one line.
func stabilityText(s Stability, world *Package) string {
	var parts []string
	switch {
	case s.Since != "":
		if world != nil && (world.Name.Version == "" || compareSemver(world.Name.Version, s.Since) < 0) {
			return ""
		}
		parts = append(parts, "@since(version = "+s.Since+")")
	case s.Feature != "":
		parts = append(parts, "@unstable(feature = "+s.Feature+")")
	default:
		return ""
	}
	if s.Deprecated != "" {
		parts = append(parts, "@deprecated(version = "+s.Deprecated+")")
	}
	return strings.Join(parts, " ")
}

// TypeText returns the WIT text of a type as a declaration names it: a
// named type by its name, an anonymous one by its structure.
func TypeText(t Type) string {
	switch t := t.(type) {
	case Prim:
		return string(t)
	case *TypeDef:
		if t.Name != "" {
			return Escape(t.Name)
		}
		return kindText(t.Kind)
	}
	return ""
}

func kindText(k TypeKind) string {
	switch k := k.(type) {
	case *Alias:
		return TypeText(k.Type)
	case *Handle:
		if k.Borrow {
			return "borrow<" + TypeText(k.Resource) + ">"
		}
		return TypeText(k.Resource)
	case *Option:
		return "option<" + TypeText(k.Type) + ">"
	case *Result:
		switch {
		case k.Ok == nil && k.Err == nil:
			return "result"
		case k.Err == nil:
			return "result<" + TypeText(k.Ok) + ">"
		case k.Ok == nil:
			return "result<_, " + TypeText(k.Err) + ">"
		}
		return "result<" + TypeText(k.Ok) + ", " + TypeText(k.Err) + ">"
	case *List:
		return "list<" + TypeText(k.Type) + ">"
	case *FixedList:
		return "list<" + TypeText(k.Type) + ", " + strconv.FormatUint(uint64(k.Len), 10) + ">"
	case *Map:
		return "map<" + TypeText(k.Key) + ", " + TypeText(k.Value) + ">"
	case *Tuple:
		parts := make([]string, len(k.Types))
		for i, e := range k.Types {
			parts[i] = TypeText(e)
		}
		return "tuple<" + strings.Join(parts, ", ") + ">"
	case *Future:
		if k.Type == nil {
			return "future"
		}
		return "future<" + TypeText(k.Type) + ">"
	case *Stream:
		if k.Type == nil {
			return "stream"
		}
		return "stream<" + TypeText(k.Type) + ">"
	}
	return ""
}

// Escape writes a name as WIT source does: a keyword gets a leading %.
func Escape(name string) string {
	if syntax.IsKeyword(name) {
		return "%" + name
	}
	return name
}
