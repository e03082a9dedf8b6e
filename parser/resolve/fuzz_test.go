package resolve

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/parser/syntax"
)

// FuzzResolve parses and resolves arbitrary single-file WIT: it must end in
// a model or an error, never a panic, and a model must write as JSON.
func FuzzResolve(f *testing.F) {
	for _, root := range []string{uiDir, "../../wit"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".wit") {
				if src, err := os.ReadFile(path); err == nil {
					f.Add(string(src))
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, src string) {
		res, _, err := LoadSource("fuzz.wit", src, Options{Features: []string{"active"}})
		if err != nil {
			var se *syntax.Error
			if errors.As(err, &se) && (se.Pos.Line < 1 || se.Pos.Col < 1) {
				t.Fatalf("error position %v", se.Pos)
			}
			return
		}
		data, err := res.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ReadJSON(bytes.NewReader(data)); err != nil {
			t.Fatalf("the JSON of a resolved model does not read back: %v", err)
		}
	})
}
