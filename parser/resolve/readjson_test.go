package resolve

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestReadJSON reads every resolution of the wit-parser UI suite, as
// wasm-tools printed it, and writes it back: the two must be the same
// model, order included.
func TestReadJSON(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(uiDir, "*.wit.json"))
	if err != nil || len(files) < 70 {
		t.Fatalf("%d files: %v", len(files), err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		out, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := canonical(t, out), canonical(t, data); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: read and written back, the model differs:\n%s", f, firstDiff("", g, w))
			continue
		}
		if g, w := itemOrder(t, out), itemOrder(t, data); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: read and written back, the order differs", f)
		}
	}
}

// FuzzReadJSON feeds ReadJSON arbitrary documents: an error or a model,
// never a panic; a model must write back.
func FuzzReadJSON(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(uiDir, "*.wit.json"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"types":[{"name":null,"kind":{"list":7},"owner":null}]}`))
	f.Add([]byte(`{"worlds":[{"name":"w","imports":{"x":{"interface":{"id":3}}},"exports":{},"package":0}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	})
}
