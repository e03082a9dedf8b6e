// Package readme checks that the tutorial in the README works verbatim, as a
// new user would run it.
package readme

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/internal/gomodtest"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// section returns the README section under the heading "## name".
func section(t *testing.T, readme, name string) string {
	t.Helper()
	start := strings.Index(readme, "\n## "+name+"\n")
	if start < 0 {
		t.Fatalf("README has no ## %s section", name)
	}
	sec := readme[start+1:]
	if end := strings.Index(sec[3:], "\n## "); end >= 0 {
		sec = sec[:end+3]
	}
	return sec
}

var block = regexp.MustCompile("(?s)(<!-- (file: ([^ ]+)|output|expect-failure) -->\n)?```(\\w*)\n(.*?)```\n")

// script turns README sections into one bash script: their sh blocks
// verbatim, in order (a block marked <!-- expect-failure --> must fail); a go
// block marked <!-- file: NAME --> is written to NAME at that point; a text
// block marked <!-- output --> must appear in the output.
func script(t *testing.T, readme string, sections ...string) (string, []string) {
	t.Helper()
	var b strings.Builder
	var outputs []string
	for _, name := range sections {
		for _, m := range block.FindAllStringSubmatch(section(t, readme, name), -1) {
			marker, file, lang, body := m[2], m[3], m[4], m[5]
			switch {
			case lang == "sh" && marker == "":
				b.WriteString(body)
			case lang == "sh" && marker == "expect-failure":
				fmt.Fprintf(&b, "if (\n%s); then echo 'WITGO: a command that should fail succeeded' >&2; exit 1; fi\n", body)
			case lang == "go" && file != "":
				fmt.Fprintf(&b, "cat > %s <<'WITGO_EOF'\n%sWITGO_EOF\n", file, body)
			case lang == "text" && marker == "output":
				outputs = append(outputs, strings.TrimSpace(body))
			case lang == "text" || lang == "go":
				// Usage text and code shown for reading, not run.
			default:
				t.Fatalf("section %s: block %q without a file or output marker:\n%s", name, lang, body)
			}
		}
	}
	return b.String(), outputs
}

// Sections whose shell commands TestTutorial runs, in one shell.
var tutorialSections = []string{"Tutorial", "Securing a provider", "Writing a provider"}

// TestEveryCommandIsRun: every sh block of the README is in a section that
// a test runs verbatim: the tutorial sections here, or the quick start
// (TestQuickStart and CI).
func TestEveryCommandIsRun(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`(?m)^## (.*)$`)
	hs := heading.FindAllStringSubmatchIndex(string(readme), -1)
	covered := map[string]bool{"Quick start": true}
	for _, s := range tutorialSections {
		covered[s] = true
	}
	for i, h := range hs {
		end := len(readme)
		if i+1 < len(hs) {
			end = hs[i+1][0]
		}
		name := string(readme[h[2]:h[3]])
		if strings.Contains(string(readme[h[0]:end]), "```sh") && !covered[name] {
			t.Errorf("README section %q has shell commands that no test runs", name)
		}
	}
}

// TestTutorial runs the tutorial in a temporary folder. The witgo module
// comes from a local module proxy holding this checkout as v0.1.0; every
// other module comes as the user's go command gets it (from the module
// cache, offline, if it holds it), through a fresh, writable GOMODCACHE
// that leaves the real cache alone (see package gomodtest).
func TestTutorial(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	sh, outputs := script(t, string(readme), tutorialSections...)
	if len(outputs) == 0 || !strings.Contains(sh, "go get -tool github.com/witgo-dev/witgo/cmd/witgo") {
		t.Fatalf("the tutorial does not install witgo or shows no output:\n%s", sh)
	}

	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	gomodtest.Publish(t, repo, proxy, "v0.1.0")
	work := filepath.Join(tmp, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", sh)
	cmd.Dir = work
	cmd.Env = gomodtest.Env(t, proxy)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("tutorial failed: %v\n--- script\n%s\n--- output\n%s", err, sh, out.String())
	}
	t.Logf("tutorial ran in %v", time.Since(start))
	for _, want := range outputs {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestQuickStart runs the quick start's first command verbatim from the
// repository root (the second, the tests, is what CI runs): the provider
// must listen on 127.0.0.1:7761 and answer wasi:keyvalue/store@0.2.0-draft2.
func TestQuickStart(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range block.FindAllStringSubmatch(section(t, string(readme), "Quick start"), -1) {
		if m[4] == "sh" {
			for _, l := range strings.Split(strings.TrimSpace(m[5]), "\n") {
				lines = append(lines, strings.TrimSpace(strings.SplitN(l, "#", 2)[0]))
			}
		}
	}
	if len(lines) != 2 || lines[0] != "go run ./cmd/witgo serve" || lines[1] != "go test -race ./..." {
		t.Fatalf("quick start is %q; this test runs the first and .ci/run the second", lines)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil || !strings.Contains(string(ci), "\n"+lines[1]+"\n") {
		t.Fatalf(".ci/run does not run %q (err %v)", lines[1], err)
	}

	cmd := exec.Command("bash", "-c", "exec "+lines[0])
	cmd.Dir = "../.."
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	defer func() {
		stop()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kv := store.NewClient(wrpc.DialTCP("127.0.0.1:7761"))
	var b store.Bucket
	for {
		if b, err = kv.Open(ctx, "sessions"); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no provider on 127.0.0.1:7761: %v\n%s", err, out.String())
		case err := <-done:
			t.Fatalf("%s exited: %v\n%s", lines[0], err, out.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err := b.Set(ctx, "user:42", []byte("alice")); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b.Get(ctx, "user:42"); err != nil || !ok || string(v) != "alice" {
		t.Fatalf("get = %q, %v, %v", v, ok, err)
	}
	// Ctrl-C: the whole process group gets SIGINT, as from a terminal. The
	// go command's own exit status then says it was interrupted; what matters
	// is that the provider drained and stopped cleanly.
	stop()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the provider did not stop on SIGINT")
	}
	if !strings.Contains(out.String(), "msg=stopped") {
		t.Fatalf("no clean stop in the log:\n%s", out.String())
	}
}
