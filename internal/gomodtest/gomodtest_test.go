package gomodtest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublishAndEnv publishes this checkout and downloads it through Env,
// offline (the local proxy has it) and exempt from the checksum database.
func TestPublishAndEnv(t *testing.T) {
	proxy := filepath.Join(t.TempDir(), "proxy")
	Publish(t, "../..", proxy, "v0.1.0")
	env := Env(t, proxy, "-mod=mod")

	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v // the last one wins, as for exec.Cmd
	}
	user := goEnv(t, "GOPROXY", "GOSUMDB", "GOMODCACHE")
	if want := fileURL(t, proxy) + ","; !strings.HasPrefix(vars["GOPROXY"], want) || !strings.HasSuffix(vars["GOPROXY"], ","+user["GOPROXY"]) {
		t.Errorf("GOPROXY=%s, want %s..., ending with the user's %s", vars["GOPROXY"], want, user["GOPROXY"])
	}
	if vars["GOSUMDB"] != user["GOSUMDB"] || !strings.Contains(","+vars["GONOSUMDB"]+",", ","+Module+",") {
		t.Errorf("GOSUMDB=%s GONOSUMDB=%s, want the user's %s and %s exempt", vars["GOSUMDB"], vars["GONOSUMDB"], user["GOSUMDB"], Module)
	}
	if f := strings.Fields(vars["GOFLAGS"]); len(f) < 2 || f[len(f)-2] != "-modcacherw" || f[len(f)-1] != "-mod=mod" {
		t.Errorf("GOFLAGS=%s, want it to end with -modcacherw -mod=mod", vars["GOFLAGS"])
	}
	if vars["GOMODCACHE"] == user["GOMODCACHE"] {
		t.Errorf("GOMODCACHE is the user's %s", vars["GOMODCACHE"])
	}

	cmd := exec.Command("go", "mod", "download", "-json", Module+"@v0.1.0")
	cmd.Dir, cmd.Env = t.TempDir(), append(env, "GOPROXY="+fileURL(t, proxy)+",off")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Error != "" {
		t.Fatalf("go mod download: %v %s\n%s", err, m.Error, out)
	}
	if !strings.HasPrefix(m.Dir, vars["GOMODCACHE"]) {
		t.Errorf("downloaded to %s, not to the test's module cache %s", m.Dir, vars["GOMODCACHE"])
	}
	if _, err := os.Stat(filepath.Join(m.Dir, "internal", "gomodtest", "gomodtest.go")); err != nil {
		t.Error(err)
	}
}

func TestWithoutModule(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"github.com/witgo-dev": "",
		"github.com/witgo-dev/witgo,example.com/x":  "example.com/x",
		"example.com/x, github.com/*/witgo,corp.io": "example.com/x,corp.io",
		"github.com/witgo-dev/witgo2":               "github.com/witgo-dev/witgo2",
	} {
		if got := withoutModule(in); got != want {
			t.Errorf("withoutModule(%q) = %q, want %q", in, got, want)
		}
	}
}
