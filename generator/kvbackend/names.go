package kvbackend

import (
	witparser "github.com/witgo-dev/witgo/parser"
)

// Names of the generated backend package. Every identifier the backend
// declares is decided in one witparser.Scope (gen.names), whose names the
// templates only print: the package-level names of file.go.tmpl, the locals
// and receivers that the templates of templates/kvbackend use (both listed
// in templateIdents, which TestTemplateIdentsReserved keeps in step with
// the templates), the import names (stdImports and one alias per bindings
// package), and the names generated from the WIT: resource types
// ("resStoreBucket"), implementations ("implStore"), conversions
// ("toStoreError") and error functions ("errStoreError").
//
// Method parameters are declared in a child scope of each method that
// also keeps clear of generatedPrefixes, since the generated names are
// declared as the methods that need them are built.

// templateIdents are the identifiers that the templates of
// templates/kvbackend write out themselves: locals, receivers, parameters
// and the package-level names of file.go.tmpl. A
// template that uses a new identifier must list it here (the test fails
// otherwise), so that no WIT name can take it.
var templateIdents = []string{
	"x", "b", "bk", "be", "e", "err", "ctx", "val", "present", "found", "ov", "isOurs",
	"page", "more", "offset", "next", "resp", "all", "entries", "got", "i", "en", "v", "w", "kv", "ver", "c",
	"swapped", "cur", "iv", "chunk", "n", "from", "room", "ready", "instance", "resource", "handle",
	"fn", "backend", "New",
}

// generatedPrefixes start the package-level names the backend derives from
// WIT names: "res" resource types, "impl" implementations, "open" and
// "bucketOf" helpers of bucket types (open{{short .Name}} in the
// templates), "to" conversions and "err" error functions.
var generatedPrefixes = []string{"res", "impl", "open", "bucketOf", "to", "err"}

// newNames returns the backend's package scope: the import names of the
// standard imports and the templates' identifiers are taken.
func newNames() *witparser.Scope {
	sc := witparser.NewScope(nil)
	for _, s := range stdImports {
		sc.Reserve(s.Name)
	}
	sc.Reserve(templateIdents...)
	return sc
}

// declareResource returns the name of the backend type of resource n,
// declared once: "res", the import name of n's package, and n's Go name.
// The helpers that the templates derive from it (open…, bucketOf…) are
// reserved with it.
func (g *gen) declareResource(n *witparser.Named) string {
	if s := g.structName[n.TypeDef]; s != "" {
		return s
	}
	s := g.names.Declare("res" + exported(g.alias[n.Package]) + n.GoName)
	g.names.Reserve("open"+short(s), "bucketOf"+short(s))
	g.structName[n.TypeDef] = s
	return s
}

// methodScope returns the scope of a method's parameters.
func (g *gen) methodScope() *witparser.Scope {
	sc := witparser.NewScope(g.names)
	sc.ReservePrefixes(generatedPrefixes...)
	return sc
}
