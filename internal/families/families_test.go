package families

import (
	"slices"
	"testing"

	bundled "github.com/witgo-dev/witgo/wit"
)

// TestRegistry checks the derived fields of every family, and that the
// families are exactly the bundled WIT families.
func TestRegistry(t *testing.T) {
	want := map[string][3]string{
		"Early":     {"wasi-keyvalue-0.2.0-draft-early", "RunEarly", generatedPrefix + "wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"},
		"Draft":     {"wasi-keyvalue-0.2.0-draft", "RunDraft", generatedPrefix + "wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports"},
		"Draft2":    {"wasi-keyvalue-0.2.0-draft2", "RunDraft2", generatedPrefix + "wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"},
		"WRPC":      {"wrpc-keyvalue-0.2.0-draft", "RunWRPC", generatedPrefix + "wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports"},
		"Wasmcloud": {"wasmcloud-keyvalue-0.2.0", "RunWasmcloud", generatedPrefix + "wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports"},
	}
	var dirs []string
	for _, f := range All {
		got := [3]string{f.Dir, f.Suite, f.WorldPackage}
		if w, ok := want[f.Name]; ok && got != w {
			t.Errorf("%s: Dir, Suite, WorldPackage = %q, want %q", f.Name, got, w)
		}
		if f.World == "" || f.Description == "" || f.Register == nil || f.Conformance == nil || f.Probe == nil {
			t.Errorf("%s: incomplete: %+v", f.Name, f)
		}
		if g, ok := Lookup(f.Dir); !ok || g.Name != f.Name {
			t.Errorf("Lookup(%q) = %q, %v; want %s", f.Dir, g.Name, ok, f.Name)
		}
		dirs = append(dirs, f.Dir)
	}
	slices.Sort(dirs)
	if b := bundled.Families(); !slices.Equal(dirs, b) {
		t.Errorf("the registry's families are %q, the bundled WIT's %q", dirs, b)
	}
}
