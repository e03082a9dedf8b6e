package generated

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/generator"
	"github.com/witgo-dev/witgo/internal/cli"
)

// TestNotStale regenerates every folder named by a //go:generate line of
// generate.go in memory and fails when the files on disk differ: run
// "go generate ./..." after changing the generator or the WIT.
func TestNotStale(t *testing.T) {
	f, err := os.Open("generate.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		args, ok := strings.CutPrefix(line, "//go:generate go run ../cmd/witgo generate ")
		if !ok {
			continue
		}
		n++
		fs := strings.Fields(args)
		var world, out string
		for i := 0; i < len(fs)-1; i++ {
			switch fs[i] {
			case "--world":
				world = fs[i+1]
			case "--out":
				out = fs[i+1]
			}
		}
		wit := fs[len(fs)-1]
		t.Run(out+"/"+world, func(t *testing.T) {
			files, err := cli.Generate(wit, world, "github.com/witgo-dev/witgo/generated/"+out)
			if err != nil {
				t.Fatal(err)
			}
			diff, err := generator.Check(out, files)
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Errorf("generated/%s is stale; run go generate ./...\n%s", out, diff)
			}
		})
	}
	if n == 0 {
		t.Fatal("no //go:generate lines found in generate.go")
	}
}
