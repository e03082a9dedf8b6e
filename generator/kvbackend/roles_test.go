package kvbackend

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/witgo-dev/witgo/generator"
)

// rolesWIT has error resources found only while the bucket's methods are
// walked (trace-err, third-err, before the bucket in model order), one that
// the walk never reaches (other-err: a case after one that holds the
// error), and a variant reached twice (loop-a).
const rolesWIT = `package test:roles@1.0.0;

interface store {
	resource trace-err {
		trace: func() -> string;
	}
	resource other-err {
		to-debug-string: func() -> string;
	}
	resource third-err {
		trace: func() -> string;
	}
	variant error {
		no-such-store,
		access-denied,
		wrapped(trace-err),
		more(other-err),
	}
	variant loop-a {
		x(u32),
		other(trace-err),
	}
	variant loop-b {
		y(loop-a),
		z(other-err),
	}
	variant err3 {
		other(third-err),
	}
	resource bucket {
		get: func(key: string) -> result<option<list<u8>>, error>;
		frob: func() -> result<_, loop-b>;
		frob2: func() -> result<_, err3>;
	}
	open: func(identifier: string) -> result<bucket, string>;
}

world kv {
	import store;
}
`

// TestAssignRoles checks that assignRoles decides every role, error
// resources included, before any method is built, and the order in which
// the resources' methods are built: an error resource found in a round
// comes in the next one.
func TestAssignRoles(t *testing.T) {
	m := buildModel(t, rolesWIT, "example.com/roles")
	g, err := newGen(m, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g.assignRoles()
	roles := map[string]string{}
	for td, r := range g.roles {
		roles[m.Named(td).WITName] = r
	}
	want := map[string]string{"bucket": roleBucket, "trace-err": roleError, "third-err": roleError}
	if d := cmp.Diff(want, roles); d != "" {
		t.Errorf("roles (-want +got):\n%s", d)
	}
	var order []string
	for _, n := range g.resOrder {
		order = append(order, n.WITName)
	}
	if d := cmp.Diff([]string{"bucket", "trace-err", "third-err"}, order); d != "" {
		t.Errorf("build order (-want +got):\n%s", d)
	}
	if nm := g.resNames[g.resOrder[0].TypeDef]; *nm != (resNames{Type: "resStoreBucket", Open: "openStoreBucket", BucketOf: "bucketOfStoreBucket"}) {
		t.Errorf("bucket names: %+v", *nm)
	}
	// Building reads the roles and adds none.
	before := len(g.roles)
	g.buildImpls()
	list := g.buildResources()
	if len(g.roles) != before {
		t.Errorf("building methods gave %d more roles", len(g.roles)-before)
	}
	var types []string
	for _, rt := range list {
		types = append(types, rt.Name)
	}
	if !slices.Equal(types, []string{"resStoreTraceErr", "resStoreThirdErr", "resStoreBucket"}) {
		t.Errorf("resource types in model order: %v", types)
	}
}
