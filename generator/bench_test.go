package generator_test

import (
	"testing"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/internal/witoracle"
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

// BenchmarkLoad compares loading the draft2 keyvalue WIT (4 files, one
// package) through witgo's own parser and resolver (Native) and through the
// embedded wasm-tools 1.227 that witgo used before (Embedded, warm: wazero
// has compiled wasm-tools already).
func BenchmarkLoad(b *testing.B) {
	const path = "../wit/wasi-keyvalue-0.2.0-draft2"
	b.Run("Native", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parser.Load(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Embedded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := witoracle.Load(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}
