// Package readme checks that the tutorial in the README works verbatim, as a
// new user would run it.
package readme

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// tutorial is the README's "## Tutorial" section as a bash script: its sh
// blocks verbatim, in order; a go block marked <!-- file: NAME --> is written
// to NAME at that point; a text block marked <!-- output --> must appear in
// the output.
func tutorial(t *testing.T, readme string) (script string, outputs []string) {
	t.Helper()
	start := strings.Index(readme, "\n## Tutorial\n")
	if start < 0 {
		t.Fatal("README has no ## Tutorial section")
	}
	sec := readme[start+1:]
	if end := strings.Index(sec[3:], "\n## "); end >= 0 {
		sec = sec[:end+3]
	}
	block := regexp.MustCompile("(?s)(<!-- (file: ([^ ]+)|output) -->\n)?```(\\w+)\n(.*?)```\n")
	var b strings.Builder
	for _, m := range block.FindAllStringSubmatch(sec, -1) {
		marker, file, lang, body := m[2], m[3], m[4], m[5]
		switch {
		case lang == "sh" && marker == "":
			b.WriteString(body)
		case lang == "go" && file != "":
			fmt.Fprintf(&b, "cat > %s <<'WITGO_EOF'\n%sWITGO_EOF\n", file, body)
		case lang == "text" && marker == "output":
			outputs = append(outputs, strings.TrimSpace(body))
		default:
			t.Fatalf("tutorial block %q without a file or output marker:\n%s", lang, body)
		}
	}
	return b.String(), outputs
}

// TestTutorial runs the tutorial in a temporary folder. The witgo module
// comes from a local module proxy holding this checkout as v0.1.0; every
// other module comes from the module cache (which "go mod download" filled),
// through a fresh, writable GOMODCACHE, so the test is offline and leaves
// the real cache alone.
func TestTutorial(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	script, outputs := tutorial(t, string(readme))
	if len(outputs) == 0 || !strings.Contains(script, "go get -tool github.com/witgo-dev/witgo/cmd/witgo") {
		t.Fatalf("the tutorial does not install witgo or shows no output:\n%s", script)
	}

	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	publish(t, repo, proxy, "v0.1.0")
	cache := strings.TrimSpace(goEnv(t, "GOMODCACHE"))
	work := filepath.Join(tmp, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(filepath.Join(cache, "cache", "download"))+",off",
		"GOMODCACHE="+filepath.Join(tmp, "modcache"),
		"GOFLAGS=-modcacherw",
		"GOSUMDB=off",
		"GOWORK=off",
		"GOTOOLCHAIN=local",
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("tutorial failed: %v\n--- script\n%s\n--- output\n%s", err, script, out.String())
	}
	t.Logf("tutorial ran in %v", time.Since(start))
	for _, want := range outputs {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// publish writes version of the module at dir into a file-based module proxy.
func publish(t *testing.T, dir, proxy, version string) {
	t.Helper()
	const path = "github.com/witgo-dev/witgo"
	at := filepath.Join(proxy, filepath.FromSlash(path), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	var zbuf bytes.Buffer
	if err := modzip.CreateFromDir(&zbuf, module.Version{Path: path, Version: version}, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := zip.NewReader(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len())); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]any{"Version": version, "Time": time.Now().UTC().Format(time.RFC3339)})
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": info,
		version + ".mod":  gomod,
		version + ".zip":  zbuf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(at, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
