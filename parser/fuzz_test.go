package parser_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/parser"
)

// FuzzGenerate loads arbitrary single-file WIT and, for every world that
// loads, builds the model and generates Go: each step ends in a result or
// an error, never a panic.
func FuzzGenerate(f *testing.F) {
	for _, root := range []string{"../testdata/wit-parser-ui", "../wit"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".wit") && !strings.Contains(path, "parse-fail") {
				if src, err := os.ReadFile(path); err == nil {
					f.Add(string(src))
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		file := filepath.Join(dir, "fuzz.wit")
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := parser.Load(file)
		if err != nil {
			return
		}
		for _, w := range res.Worlds {
			m, err := parser.Build(res, w, parser.Options{PackageRoot: "example.com/fuzz"})
			if err != nil {
				continue
			}
			if _, err := generator.Generate(m, generator.Options{}); err != nil && !strings.Contains(err.Error(), "unsupported") {
				t.Errorf("world %s: %v", w.QualifiedName(), err)
			}
		}
	})
}
