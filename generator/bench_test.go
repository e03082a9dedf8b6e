package generator_test

import (
	"testing"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/parser"
)

// BenchmarkGenerate measures model building and Go emission for the early
// keyvalue family (8 packages), after the WIT is loaded.
func BenchmarkGenerate(b *testing.B) {
	res, err := parser.Load("../wit/wasi-keyvalue-0.2.0-draft-early")
	if err != nil {
		b.Fatal(err)
	}
	w, err := parser.SelectWorld(res, "imports")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := parser.Build(res, w, parser.Options{PackageRoot: "example.com/bench"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := generator.Generate(m, generator.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad measures loading WIT through the embedded wasm-tools.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := parser.Load("../wit/wasi-keyvalue-0.2.0-draft2"); err != nil {
			b.Fatal(err)
		}
	}
}
