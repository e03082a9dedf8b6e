package kvbackend

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/witgo-dev/witgo/parser"
)

// buildModel builds the model of the one world of the WIT text src, for
// package root root.
func buildModel(t *testing.T, src, root string) *parser.Model {
	t.Helper()
	file := filepath.Join(t.TempDir(), "test.wit")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := parser.LoadModel(file, "", parser.Options{PackageRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
