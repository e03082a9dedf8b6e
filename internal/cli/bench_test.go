package cli

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkGenerateCommand runs "witgo generate" for the draft2 keyvalue
// world in-process, backend included, into a folder that already holds
// its output (the go generate rerun case): loading, model, Go emission,
// formatting and the comparison with what is on disk.
func BenchmarkGenerateCommand(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/bench\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	args := []string{"generate", "--world", "imports", "--out", filepath.Join(dir, "out"), "../../wit/wasi-keyvalue-0.2.0-draft2"}
	b.ReportAllocs()
	for b.Loop() {
		if code := Run(args, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
