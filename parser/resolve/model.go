// Package resolve turns parsed WIT (package syntax) into a resolved model:
// packages, interfaces, worlds, named and anonymous types and functions,
// with every name bound, `use` and `include` applied, feature gates
// evaluated and worlds elaborated (an interface's dependencies imported
// before it). It reads WIT text only, with no wasm-tools underneath.
//
// The model follows the one wasm-tools' wit-parser resolves to, so that it
// can be written as the JSON form wasm-tools prints (WriteJSON) and
// checked against wit-parser's own test suite.
package resolve

import "github.com/witgo-dev/witgo/parser/syntax"

// Resolve is a set of resolved packages. Every slice is in creation order,
// which is also dependency order: a package comes after the packages it
// uses, a type after the types it refers to.
type Resolve struct {
	Packages   []*Package
	Interfaces []*Interface
	Worlds     []*World
	Types      []*TypeDef
}

// Functions lists every function: those of interfaces (resource functions
// included), then those of worlds' imports and exports.
func (r *Resolve) Functions() []*Function {
	var fns []*Function
	for _, it := range r.Interfaces {
		fns = append(fns, it.Functions...)
	}
	for _, w := range r.Worlds {
		for _, item := range append(append([]*WorldItem(nil), w.Imports...), w.Exports...) {
			if item.Function != nil {
				fns = append(fns, item.Function)
			}
		}
	}
	return fns
}

// PackageName is ns:name with an optional semver version.
type PackageName struct {
	Namespace, Name, Version string
}

func (n PackageName) String() string {
	s := n.Namespace + ":" + n.Name
	if n.Version != "" {
		s += "@" + n.Version
	}
	return s
}

// Package is a resolved WIT package.
type Package struct {
	Name       PackageName
	Docs       string
	Interfaces []*Interface // named interfaces, in declaration order
	Worlds     []*World
	index      int
}

// Interface is a named interface of a package, or a world's inline
// interface (Name == "").
type Interface struct {
	Name      string
	Docs      string
	Stability Stability
	Types     []*TypeDef // named types, uses included, in declaration order
	Functions []*Function
	Package   *Package
	index     int
}

// World is a resolved, elaborated world.
type World struct {
	Name      string
	Docs      string
	Stability Stability
	Imports   []*WorldItem
	Exports   []*WorldItem
	Package   *Package
	index     int

	syntax *syntax.World
}

// WorldItem is one import or export of a world. Exactly one of Interface,
// Function and Type is set.
type WorldItem struct {
	// Name is the key of a named item (a function, an inline interface, a
	// type, a labelled import); "" for an interface imported by its path.
	Name      string
	Interface *Interface
	Function  *Function
	Type      *TypeDef
	Stability Stability
}

// TypeOwner is the interface or world that declares a named type.
type TypeOwner struct {
	Interface *Interface
	World     *World
}

// TypeDef is a named or anonymous type definition.
type TypeDef struct {
	Name      string // "" for an anonymous type
	Kind      TypeKind
	Owner     TypeOwner
	Docs      string
	Stability Stability
	index     int
}

// Type is a WIT type: a Prim, or a *TypeDef.
type Type interface{ isType() }

// Prim is a primitive type: "bool", "u8" ... "f64", "char", "string",
// "error-context".
type Prim string

func (Prim) isType() {}

// A primitive is also what a type definition can be an alias of; see
// TypeDef.Underlying.
func (Prim) isKind()     {}
func (*TypeDef) isType() {}

// TypeKind is what a TypeDef defines.
type TypeKind interface{ isKind() }

type (
	// Alias is "type x = T", and a name brought in by `use`.
	Alias struct{ Type Type }
	// Record has named fields.
	Record struct{ Fields []Field }
	// ResourceKind is a resource; its functions are those of its owner.
	ResourceKind struct{}
	// Handle is own<R> or borrow<R>.
	Handle struct {
		Borrow   bool
		Resource *TypeDef
	}
	// Flags is a set of named flags.
	Flags struct{ Flags []Case }
	// Tuple is tuple<...>.
	Tuple struct{ Types []Type }
	// Variant has cases, with an optional payload each.
	Variant struct{ Cases []Case }
	// Enum is a variant without payloads.
	Enum struct{ Cases []Case }
	// Option is option<T>.
	Option struct{ Type Type }
	// Result is result<Ok, Err>; either may be nil.
	Result struct{ Ok, Err Type }
	// List is list<T>.
	List struct{ Type Type }
	// FixedList is list<T, N>.
	FixedList struct {
		Type Type
		Len  uint32
	}
	// Map is map<K, V>.
	Map struct{ Key, Value Type }
	// Future is future<T>; Type may be nil.
	Future struct{ Type Type }
	// Stream is stream<T>; Type may be nil.
	Stream struct{ Type Type }
)

func (*Alias) isKind()        {}
func (*Record) isKind()       {}
func (*ResourceKind) isKind() {}
func (*Handle) isKind()       {}
func (*Flags) isKind()        {}
func (*Tuple) isKind()        {}
func (*Variant) isKind()      {}
func (*Enum) isKind()         {}
func (*Option) isKind()       {}
func (*Result) isKind()       {}
func (*List) isKind()         {}
func (*FixedList) isKind()    {}
func (*Map) isKind()          {}
func (*Future) isKind()       {}
func (*Stream) isKind()       {}

// Field is a record field.
type Field struct {
	Name string
	Type Type
	Docs string
}

// Case is a variant or enum case, or a flag; Type is a variant case's
// payload, or nil.
type Case struct {
	Name string
	Type Type
	Docs string
}

// FunctionKind says what a function is.
type FunctionKind uint8

const (
	Freestanding FunctionKind = iota
	Method
	Static
	Constructor
)

// Function is a resolved function. A resource's functions are named as
// wasm-tools names them: "[constructor]r", "[method]r.f", "[static]r.f".
type Function struct {
	Name      string
	Kind      FunctionKind
	Async     bool
	Resource  *TypeDef // for methods, statics and constructors
	Params    []Param
	Result    Type // nil: no result
	Docs      string
	Stability Stability
}

// Param is a function parameter.
type Param struct {
	Name string
	Type Type
}

// Stability is what @since, @unstable and @deprecated say of an item.
type Stability struct {
	// Unknown is true for an item without attributes.
	Since, Feature, Deprecated string
}

// IsUnknown reports whether no attribute was given.
func (s Stability) IsUnknown() bool { return s == Stability{} }
