package kvbackend

import (
	"strings"

	witparser "github.com/witgo-dev/witgo/parser"
	"github.com/witgo-dev/witgo/parser/resolve"
)

// Names of the generated backend package. Every identifier the backend
// declares is decided in one witparser.Scope (gen.names), whose names the
// templates only print: the package-level names of file.go.tmpl, the locals
// and receivers that the templates of templates/kvbackend use (both listed
// in templateIdents, which TestTemplateIdentsReserved keeps in step with
// the templates), the import names (stdImports and one alias per bindings
// package), and the names generated from the WIT: resource types
// ("resStoreBucket") and the helpers of bucket types ("openStoreBucket",
// "bucketOfStoreBucket", see resNames), implementations ("implStore"),
// conversions ("toStoreError") and error functions ("errStoreError"). No
// template composes a name: generated names reach the templates as fields
// of their data, and TestTemplateIdentsReserved fails on an identifier
// glued to an action.
//
// Method parameters are declared in a child scope of each method that
// also keeps clear of generatedPrefixes, since conversions and error
// functions are declared as the methods that need them are built (the
// resources' names are declared before, with their roles: roles.go).

// templateIdents are the identifiers that the templates of
// templates/kvbackend write out themselves: locals, receivers, parameters
// and the package-level names of file.go.tmpl. A
// template that uses a new identifier must list it here (the test fails
// otherwise), so that no WIT name can take it.
var templateIdents = []string{
	"x", "b", "bk", "be", "e", "err", "ctx", "val", "present", "found", "ov", "isOurs",
	"page", "more", "offset", "next", "resp", "all", "entries", "got", "i", "en", "v", "w", "kv", "ver", "c",
	"swapped", "cur", "iv", "chunk", "n", "from", "room", "ready", "instance", "resource", "handle",
	"fn", "backend", "New", "opts", "ttl", "pfx", "pre", "held",
}

// generatedPrefixes start the package-level names the backend derives from
// WIT names: "res" resource types, "impl" implementations, "open" and
// "bucketOf" helpers of bucket types (resNames), "to" conversions and
// "err" error functions. Import names and method parameters keep clear of
// them.
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

// resNames are the names decided for a resource of the backend: its type
// and the helpers file.go.tmpl declares for a bucket type, which the
// templates print as they are (resType.Open, opData.Open,
// bucketRef.Func).
type resNames struct {
	Type     string // "resStoreBucket"
	Open     string // "openStoreBucket": opens a bucket by name
	BucketOf string // "bucketOfStoreBucket": the engine bucket of a bucket value
}

// declareResource returns the names of the backend type of resource n,
// declared once: "res", the import name of n's package, and n's Go name;
// the helpers are "open" and "bucketOf" followed by the type's name
// without "res", reserved with it (for every resource, bucket or not).
func (g *gen) declareResource(n *witparser.Named) *resNames {
	if nm := g.resNames[n.TypeDef]; nm != nil {
		return nm
	}
	s := g.names.Declare("res" + exported(g.alias[n.Package]) + n.GoName)
	short := strings.TrimPrefix(s, "res")
	nm := &resNames{Type: s, Open: "open" + short, BucketOf: "bucketOf" + short}
	g.names.Reserve(nm.Open, nm.BucketOf)
	g.resNames[n.TypeDef] = nm
	return nm
}

// typeName returns the name of the backend type of the resource r, or ""
// if r has none (no role).
func (g *gen) typeName(r *resolve.TypeDef) string {
	if nm := g.resNames[r]; nm != nil {
		return nm.Type
	}
	return ""
}

// methodScope returns the scope of a method's parameters.
func (g *gen) methodScope() *witparser.Scope {
	sc := witparser.NewScope(g.names)
	sc.ReservePrefixes(generatedPrefixes...)
	return sc
}
