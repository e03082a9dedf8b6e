package generator_test

import (
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/internal/cli"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// TestVersionLock: every generated wire file refers to the runtime's
// SupportPackageIsVersion3, so generated code fails to compile against a
// runtime that does not declare the version it was generated for (a runtime
// with a new, incompatible generated-code contract declares
// SupportPackageIsVersion4 instead).
func TestVersionLock(t *testing.T) {
	_ = wrpc.SupportPackageIsVersion3 // this runtime declares the version the generator writes
	files, err := cli.Generate("../wit/wasi-keyvalue-0.2.0-draft2", "imports", goldenRoot+"/v")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if !strings.HasSuffix(f.Path, "_wrpc.witgo.go") || !strings.Contains(string(f.Content), "wrpc.Register") && !strings.Contains(string(f.Content), "func Register") {
			continue
		}
		n++
		if !strings.Contains(string(f.Content), "\nconst _ = wrpc.SupportPackageIsVersion3\n") {
			t.Errorf("%s does not refer to wrpc.SupportPackageIsVersion3", f.Path)
		}
	}
	if n < 3 {
		t.Fatalf("found %d wire files with servers, want the store, atomics and batch ones", n)
	}
}
