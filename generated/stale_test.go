package generated

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/internal/cli"
)

// TestNotStale runs every //go:generate line of generate.go with --check,
// which fails when the files on disk (the manifest included) differ from
// what witgo generates or a stale file is left: run "go generate ./..."
// after changing the generator or the WIT.
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
		t.Run(strings.Join(fs, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := cli.Run(append([]string{"generate", "--check"}, fs...), &stdout, &stderr); code != 0 {
				t.Errorf("generated/ is stale; run go generate ./...\n%s%s", stderr.String(), stdout.String())
			}
		})
	}
	if n == 0 {
		t.Fatal("no //go:generate lines found in generate.go")
	}
}
