// Package gomodtest lets tests run the go command on modules that require
// witgo, as a user would: witgo itself comes from a local module proxy
// holding this checkout (Publish), and every other module comes the way the
// user's go command gets it, through a fresh module cache (Env). Only tests
// use it.
//
// The environment Env returns works from a fresh clone with an empty module
// cache (the modules come from the user's GOPROXY and are checked against
// the user's GOSUMDB), and offline when the user's module cache already
// holds them (the cache's download folder is a proxy too, and its checksum
// database records are copied), and no test depends on what another test
// downloaded.
package gomodtest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// Module is witgo's module path, the module that Publish serves and that
// Env exempts from the checksum database.
const Module = "github.com/witgo-dev/witgo"

// Publish writes the module in dir, as Module at version, into the
// file-based module proxy rooted at proxy (created if need be), for the
// proxy argument of Env. Its listing holds that version only.
func Publish(t testing.TB, dir, proxy, version string) {
	t.Helper()
	at := filepath.Join(proxy, filepath.FromSlash(Module), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	var zbuf bytes.Buffer
	if err := modzip.CreateFromDir(&zbuf, module.Version{Path: Module, Version: version}, dir); err != nil {
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

// Env returns the environment for a go command that a test runs: the
// test's own environment, with
//
//   - GOMODCACHE a new, empty folder of the test's (removed when it ends),
//     so that nothing the command downloads, above all the Module that
//     Publish made up, reaches the user's module cache, and nothing a
//     previous test downloaded is there; GOFLAGS (the user's, plus goflags)
//     has -modcacherw so that the test can remove it;
//   - GOPROXY the file proxy at proxy (none if proxy is ""), then the
//     user's module cache's download folder as a file proxy, then the
//     user's GOPROXY: a module is looked up in the next one only if the one
//     before does not have it, so Module comes from proxy, what the cache
//     holds from the cache (offline), and the rest from the network;
//   - GOSUMDB the user's, checking every module but Module, which
//     GONOSUMDB (the user's, plus Module) exempts (GOPRIVATE would also
//     skip the proxies); the checksum database records and tiles of the
//     user's cache are copied into the new one, where the go command looks
//     for them before asking the database, so that modules the user's cache
//     holds are checked offline;
//   - GONOPROXY the user's without the patterns that match Module, which
//     would fetch it from its repository instead of proxy;
//   - GOWORK=off and GOTOOLCHAIN=local: the module alone, built by this Go.
func Env(t testing.TB, proxy string, goflags ...string) []string {
	t.Helper()
	user := goEnv(t, "GOMODCACHE", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOPROXY", "GOFLAGS")
	cache := filepath.Join(t.TempDir(), "modcache")
	download := filepath.Join(user["GOMODCACHE"], "cache", "download")
	copySumdb(t, filepath.Join(download, "sumdb"), filepath.Join(cache, "cache", "download", "sumdb"))

	var proxies []string
	if proxy != "" {
		proxies = append(proxies, fileURL(t, proxy))
	}
	proxies = append(proxies, fileURL(t, download), user["GOPROXY"])
	// An empty GONOPROXY would fall back to GOPRIVATE; "," lists no pattern.
	noProxy := ","
	if ps := withoutModule(user["GONOPROXY"]); ps != "" {
		noProxy = ps
	}
	return append(os.Environ(),
		"GOMODCACHE="+cache,
		"GOFLAGS="+strings.Join(append(append(strings.Fields(user["GOFLAGS"]), "-modcacherw"), goflags...), " "),
		"GOPROXY="+strings.Join(proxies, ","),
		"GOSUMDB="+user["GOSUMDB"],
		"GONOSUMDB="+strings.TrimPrefix(user["GONOSUMDB"]+","+Module, ","),
		"GONOPROXY="+noProxy,
		"GOWORK=off",
		"GOTOOLCHAIN=local",
	)
}

// goEnv returns the user's go environment variables names, as the go
// command sees them (from the environment or go env -w).
func goEnv(t testing.TB, names ...string) map[string]string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"env", "-json"}, names...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	env := map[string]string{}
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatalf("go env -json: %v\n%s", err, out)
	}
	if env["GOMODCACHE"] == "" || env["GOPROXY"] == "" {
		t.Fatalf("go env has no GOMODCACHE or GOPROXY:\n%s", out)
	}
	return env
}

// withoutModule returns the comma-separated module path patterns ps
// without those that match Module.
func withoutModule(ps string) string {
	var keep []string
	for _, p := range strings.Split(ps, ",") {
		if p = strings.TrimSpace(p); p != "" && !module.MatchPrefixPatterns(p, Module) {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ",")
}

// fileURL returns the file:// URL of the folder dir.
func fileURL(t testing.TB, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	abs = filepath.ToSlash(abs)
	if !strings.HasPrefix(abs, "/") {
		abs = "/" + abs // a Windows drive letter
	}
	return "file://" + abs
}

// copySumdb copies the checksum database cache from (records and tiles,
// all checked when they were downloaded) to to. A missing from is an empty
// cache.
func copySumdb(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == from && os.IsNotExist(err) {
				return fs.SkipAll
			}
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(dst, data, 0o644)
		}
		return nil // lock files and the like are not regular; nothing else is expected
	})
	if err != nil {
		t.Fatalf("copying the checksum database cache: %v", err)
	}
}
