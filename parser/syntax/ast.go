package syntax

// The syntax tree of a WIT file. Every node records the byte offset where
// it starts (Pos), which File.Position turns into a line and column.

// SourceFile is one parsed .wit file.
type SourceFile struct {
	File *File
	// Package is the file's "package ns:name@version;" declaration, or nil.
	Package *PackageName
	// PackageDocs are the doc comments before that declaration.
	PackageDocs string
	Items       []Item // *Use (top-level), *Interface, *World, *NestedPackage
}

// An Item is a top-level declaration of a file or of a nested package.
type Item interface{ itemPos() int }

// An Ident is a name as written (without a leading %), with its position.
type Ident struct {
	Name string
	Pos  int
}

// PackageName is ns:name with an optional version ("wasi:keyvalue@0.2.0").
type PackageName struct {
	Pos       int
	Namespace Ident
	Name      Ident
	Version   string // "" when absent
}

// Attribute is a feature gate before an item (@since, @unstable,
// @deprecated), or @external-id.
type Attribute struct {
	Pos        int
	Kind       AttrKind
	Version    string // @since, @deprecated
	Feature    string // @unstable
	ExternalID string // @external-id
}

// AttrKind is the kind of an Attribute.
type AttrKind uint8

const (
	Since AttrKind = iota
	Unstable
	Deprecated
	ExternalID
)

// UsePath names an interface: a local one (Name only) or one of another
// package (Package set).
type UsePath struct {
	Pos     int
	Package *PackageName
	Name    Ident
}

// NestedPackage is "package ns:name { ... }" inside a file.
type NestedPackage struct {
	Docs  string
	Attrs []Attribute
	Name  PackageName
	Items []Item // *Interface, *World, *Use
}

// Use is a top-level "use path [as name];" in a file or nested package.
type Use struct {
	Docs  string
	Attrs []Attribute
	Path  UsePath
	As    *Ident
}

// Interface is "interface name { ... }".
type Interface struct {
	Docs  string
	Attrs []Attribute
	Name  Ident
	Items []InterfaceItem // *UseNames, *TypeDef, *NamedFunc
}

// An InterfaceItem is a declaration inside an interface or world.
type InterfaceItem interface{ interfaceItemPos() int }

// UseNames is "use path.{a, b as c};" inside an interface or world.
type UseNames struct {
	Attrs []Attribute
	Path  UsePath
	Names []UseName
}

// UseName is one name of a UseNames, possibly renamed.
type UseName struct {
	Name Ident
	As   *Ident
}

// World is "world name { ... }".
type World struct {
	Docs  string
	Attrs []Attribute
	Name  Ident
	Items []WorldItem // *UseNames, *TypeDef, *Extern, *Include
}

// A WorldItem is a declaration inside a world.
type WorldItem interface{ worldItemPos() int }

// Extern is an import or an export of a world.
type Extern struct {
	Docs   string
	Attrs  []Attribute
	Export bool
	Pos    int
	// Exactly one of the following describes what is imported or exported.
	// Name is set for a named function or inline interface, and for a
	// labelled path ("import label: ns:pkg/iface;").
	Name *Ident
	Func *Func // import name: func(...)
	// Interface is the body of "import name: interface { ... }" (not nil,
	// even when empty).
	Interface []InterfaceItem
	Path      *UsePath // import path; or import label: path;
}

// Include is "include path [with { a as b, ... }];".
type Include struct {
	Attrs []Attribute
	Path  UsePath
	With  []IncludeName
}

// IncludeName is one "a as b" of an Include.
type IncludeName struct {
	Name Ident
	As   Ident
}

// TypeDef declares a named type: an alias, a record, variant, enum, flags
// or a resource.
type TypeDef struct {
	Docs  string
	Attrs []Attribute
	Name  Ident
	Kind  TypeDefKind
}

// A TypeDefKind is what a TypeDef declares: *Alias, *Record, *Variant,
// *Enum, *Flags or *Resource.
type TypeDefKind interface{ typeDefKind() }

// Alias is "type name = T;".
type Alias struct{ Type Type }

// Record is "record name { field: T, ... }".
type Record struct{ Fields []Field }

// Field is a record field.
type Field struct {
	Docs string
	Name Ident
	Type Type
}

// Variant is "variant name { case, case(T), ... }".
type Variant struct{ Cases []Case }

// Case is a variant case; Type is nil for a case without payload.
type Case struct {
	Docs string
	Name Ident
	Type Type
}

// Enum is "enum name { a, b, ... }".
type Enum struct{ Cases []EnumCase }

// EnumCase is a case of an enum or a flag of a flags.
type EnumCase struct {
	Docs string
	Name Ident
}

// Flags is "flags name { a, b, ... }".
type Flags struct{ Flags []EnumCase }

// Resource is "resource name;" or "resource name { ... }".
type Resource struct {
	Funcs []ResourceFunc
}

// ResourceFunc is a constructor, method or static function of a resource.
type ResourceFunc struct {
	Docs  string
	Attrs []Attribute
	Kind  FuncKind
	Name  Ident // "constructor" for a constructor
	Func  Func
}

// FuncKind says what a resource function is.
type FuncKind uint8

const (
	Method FuncKind = iota
	Static
	Constructor_
)

// NamedFunc is "name: func(...) -> T;" in an interface.
type NamedFunc struct {
	Docs  string
	Attrs []Attribute
	Name  Ident
	Func  Func
}

// Func is a function type.
type Func struct {
	Pos    int
	Async  bool
	Params []Param
	// Result is the one result, or nil.
	Result Type
}

// Param is a named parameter or result.
type Param struct {
	Name Ident
	Type Type
}

// A Type is a WIT type expression.
type Type interface{ typePos() int }

// Prim is a primitive type: bool, s8..u64, f32, f64, char, string or
// error-context; Kind is its keyword token.
type Prim struct {
	Pos  int
	Kind Token
}

// Named refers to a named type.
type Named struct{ Name Ident }

// ListType is list<T>, or list<T, N> for a fixed length.
type ListType struct {
	Pos  int
	Elem Type
	// Len is the fixed length of list<T, N>; HasLen tells it is set.
	Len    uint32
	HasLen bool
}

// MapType is map<K, V>.
type MapType struct {
	Pos        int
	Key, Value Type
}

// OptionType is option<T>.
type OptionType struct {
	Pos  int
	Elem Type
}

// ResultType is result, result<T>, result<_, E> or result<T, E>; a nil
// Ok or Err is absent.
type ResultType struct {
	Pos     int
	Ok, Err Type
}

// TupleType is tuple<T, ...>.
type TupleType struct {
	Pos   int
	Types []Type
}

// Handle is own<R> or borrow<R>.
type Handle struct {
	Pos      int
	Borrow   bool
	Resource Ident
}

// FutureType is future or future<T>; Elem is nil without a type.
type FutureType struct {
	Pos  int
	Elem Type
}

// StreamType is stream or stream<T>; Elem is nil without a type.
type StreamType struct {
	Pos  int
	Elem Type
}

func (n *Use) itemPos() int           { return n.Path.Pos }
func (n *Interface) itemPos() int     { return n.Name.Pos }
func (n *World) itemPos() int         { return n.Name.Pos }
func (n *NestedPackage) itemPos() int { return n.Name.Pos }

func (n *UseNames) interfaceItemPos() int  { return n.Path.Pos }
func (n *TypeDef) interfaceItemPos() int   { return n.Name.Pos }
func (n *NamedFunc) interfaceItemPos() int { return n.Name.Pos }

func (n *UseNames) worldItemPos() int { return n.Path.Pos }
func (n *TypeDef) worldItemPos() int  { return n.Name.Pos }
func (n *Extern) worldItemPos() int   { return n.Pos }
func (n *Include) worldItemPos() int  { return n.Path.Pos }

func (*Alias) typeDefKind()    {}
func (*Record) typeDefKind()   {}
func (*Variant) typeDefKind()  {}
func (*Enum) typeDefKind()     {}
func (*Flags) typeDefKind()    {}
func (*Resource) typeDefKind() {}

func (t *Prim) typePos() int       { return t.Pos }
func (t *Named) typePos() int      { return t.Name.Pos }
func (t *ListType) typePos() int   { return t.Pos }
func (t *MapType) typePos() int    { return t.Pos }
func (t *OptionType) typePos() int { return t.Pos }
func (t *ResultType) typePos() int { return t.Pos }
func (t *TupleType) typePos() int  { return t.Pos }
func (t *Handle) typePos() int     { return t.Pos }
func (t *FutureType) typePos() int { return t.Pos }
func (t *StreamType) typePos() int { return t.Pos }
