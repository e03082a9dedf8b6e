package cli

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(args, &o, &e)
	return code, o.String(), e.String()
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := make(map[string]string)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			m[p] = string(b)
		}
		return nil
	})
	return m
}

const draft2 = "../../wit/wasi-keyvalue-0.2.0-draft2"

// TestMessages pins what each command says, and its exit status, for every
// kind of mistake: usage errors name what is wrong in one line, then the
// usage line (exit 2); help goes to stdout (exit 0); failures are one line
// "witgo: ..." (exit 1).
func TestMessages(t *testing.T) {
	abs, err := filepath.Abs(draft2)
	if err != nil {
		t.Fatal(err)
	}
	noModule := t.TempDir() // no go.mod above it
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	badPolicy := filepath.Join(t.TempDir(), "bad.policy")
	if err := os.WriteFile(badPolicy, []byte("uid:1000 * read\nanonymous public reed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	usage := func(cmd, msg, usageLine string) string {
		return cmd + ": " + msg + "\nusage: " + usageLine + "\nRun '" + cmd + " -h' for details.\n"
	}
	const (
		genUsage      = "witgo generate [--world W] [--out DIR] [--package-root IMPORT/PATH] [--features F,...] [--backend=false] [--check] [-v] WIT_PATH"
		serveUsage    = "witgo serve [--listen tcp://HOST:PORT | tls://HOST:PORT | quic://HOST:PORT | unix:///PATH] [--backend memory|nats|redis] [flags]"
		scaffoldUsage = "witgo scaffold provider [flags]"
		witUsage      = "witgo wit list | witgo wit export FAMILY DIR"
	)
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string // a prefix of stdout; "" means stdout must be empty
		stderr string // all of stderr, or a prefix when it ends with "…"
	}{
		{nil, 2, "", "witgo: missing command\n…"},
		{[]string{"-h"}, 0, "witgo generates Go bindings", ""},
		{[]string{"--help"}, 0, "witgo generates Go bindings", ""},
		{[]string{"help"}, 0, "witgo generates Go bindings", ""},
		{[]string{"help", "generate"}, 0, "usage: " + genUsage + "\n\nGenerate writes", ""},
		{[]string{"bogus"}, 2, "", "witgo: unknown command \"bogus\"\nRun 'witgo -h' for the list of commands.\n"},
		{[]string{"version", "extra"}, 2, "", usage("witgo version", `unexpected arguments ["extra"]`, "witgo version")},
		{[]string{"version", "-h"}, 0, "usage: witgo version", ""},

		{[]string{"generate"}, 2, "", usage("witgo generate", "missing WIT_PATH", genUsage)},
		{[]string{"generate", "a", "b"}, 2, "", usage("witgo generate", `want one WIT_PATH, got 2: ["a" "b"]`, genUsage)},
		{[]string{"generate", "--nope", draft2}, 2, "", usage("witgo generate", "flag provided but not defined: -nope", genUsage)},
		{[]string{"generate", "-h"}, 0, "usage: " + genUsage, ""},
		{[]string{"generate", "--help"}, 0, "usage: " + genUsage, ""},
		// The WIT is read and reported before the go.mod question is asked.
		{[]string{"generate", "--out", noModule, "does-not-exist"}, 1, "", "witgo: stat does-not-exist: no such file or directory\n"},
		{[]string{"generate", "--out", noModule, "../../testdata/syntax-error/in"}, 1, "", "…broken.wit:5:1: expected ';', found '}'\n…"},
		{[]string{"generate", "--out", noModule, "--world", "nope", draft2}, 1, "",
			"witgo: world \"nope\" not found; worlds: wasi:keyvalue/imports@0.2.0-draft2, wasi:keyvalue/watch-service@0.2.0-draft2\n"},
		{[]string{"generate", "--out", noModule, draft2}, 1, "",
			"witgo: several worlds, choose one with --world: wasi:keyvalue/imports@0.2.0-draft2, wasi:keyvalue/watch-service@0.2.0-draft2\n"},
		{[]string{"generate", "--out", noModule, "--world", "imports", abs}, 1, "",
			"witgo: cannot work out the Go import path of --out " + noModule + ": no go.mod found above " + noModule + "; set --package-root\n"},

		{[]string{"serve", "-h"}, 0, "usage: " + serveUsage, ""},
		{[]string{"serve", "extra"}, 2, "", usage("witgo serve", `unexpected arguments ["extra"]`, serveUsage)},
		{[]string{"serve", "--listen", "http://x"}, 2, "", usage("witgo serve", `--listen: "http://x": unknown scheme "http" (want tcp, tls, quic or unix)`, serveUsage)},
		{[]string{"serve", "--listen", "127.0.0.1:7761"}, 2, "", usage("witgo serve", `--listen: "127.0.0.1:7761": want tcp://HOST:PORT, tls://HOST:PORT, quic://HOST:PORT or unix:///PATH`, serveUsage)},
		{[]string{"serve", "--listen", "tls://127.0.0.1:7761"}, 2, "", usage("witgo serve", `--listen tls://127.0.0.1:7761 needs --tls-cert and --tls-key (the server's certificate and key)`, serveUsage)},
		{[]string{"serve", "--tls-client-ca", "ca.crt"}, 2, "", usage("witgo serve", `--tls-client-ca needs --listen tls://HOST:PORT or quic://HOST:PORT`, serveUsage)},
		{[]string{"serve", "--listen", "tcp://0.0.0.0:7761"}, 2, "", "witgo serve: --listen tcp://0.0.0.0:7761: protected mode: …"},
		{[]string{"serve", "--listen", "tls://127.0.0.1:0", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"}, 1, "", "witgo: --tls-cert /nonexistent/c.pem, --tls-key /nonexistent/k.pem: open /nonexistent/c.pem: no such file or directory\n"},
		{[]string{"serve", "--backend", "mongo"}, 2, "", usage("witgo serve", `--backend "mongo": want memory, nats or redis`, serveUsage)},
		{[]string{"serve", "--nats-url", "nats://x"}, 2, "", usage("witgo serve", "--nats-url needs --backend nats", serveUsage)},
		{[]string{"serve", "--log-level", "loud"}, 2, "", usage("witgo serve", `--log-level "loud": want debug, info, warn or error`, serveUsage)},
		{[]string{"serve", "--page-size", "0"}, 2, "", usage("witgo serve", "--page-size 0: want a positive number", serveUsage)},
		{[]string{"serve", "--policy", badPolicy}, 2, "", usage("witgo serve", "--policy: "+badPolicy+`:2: unknown right "reed" in "reed": want a comma-separated list of read, write and create`, serveUsage)},
		{[]string{"serve", "--listen", "tcp://" + busy.Addr().String()}, 1, "", "witgo: listen tcp " + busy.Addr().String() + ": bind: address already in use\n"},

		{[]string{"scaffold"}, 2, "", usage("witgo scaffold", "missing subcommand (provider)", scaffoldUsage)},
		{[]string{"scaffold", "consumer"}, 2, "", usage("witgo scaffold", `unknown subcommand "consumer" (want provider)`, scaffoldUsage)},
		{[]string{"scaffold", "-h"}, 0, "usage: " + scaffoldUsage, ""},
		{[]string{"scaffold", "--help"}, 0, "usage: " + scaffoldUsage, ""},
		{[]string{"scaffold", "provider", "-h"}, 0, "usage: " + scaffoldProviderUsage, ""},
		{[]string{"scaffold", "provider"}, 2, "", usage("witgo scaffold provider", "missing --world, --module, --out", scaffoldProviderUsage)},
		{[]string{"scaffold", "provider", "--world", "imports"}, 2, "", usage("witgo scaffold provider", "missing --module, --out", scaffoldProviderUsage)},

		{[]string{"wit"}, 2, "", usage("witgo wit", "missing subcommand (list or export)", witUsage)},
		{[]string{"wit", "-h"}, 0, "usage: " + witUsage, ""},
		{[]string{"wit", "frob"}, 2, "", usage("witgo wit", `unknown subcommand "frob" (want list or export)`, witUsage)},
		{[]string{"wit", "export", "x"}, 2, "", usage("witgo wit", `export takes FAMILY and DIR, got ["x"]`, witUsage)},
		{[]string{"wit", "export", "nope", noModule}, 1, "", "witgo: \"nope\" is not a bundled WIT family; families: wasi-keyvalue-0.2.0-draft, wasi-keyvalue-0.2.0-draft-early, wasi-keyvalue-0.2.0-draft2, wasmcloud-keyvalue-0.2.0, wrpc-keyvalue-0.2.0-draft\n"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		okOut := tc.stdout == "" && stdout == "" || tc.stdout != "" && strings.HasPrefix(stdout, tc.stdout)
		okErr := stderr == tc.stderr
		if pat, ok := strings.CutSuffix(tc.stderr, "…"); ok {
			if rest, ok := strings.CutPrefix(pat, "…"); ok {
				okErr = strings.Contains(stderr, rest)
			} else {
				okErr = strings.HasPrefix(stderr, pat)
			}
		}
		if code != tc.code || !okOut || !okErr {
			t.Errorf("witgo %q:\nexit %d, want %d\nstdout %q\nwant   %q\nstderr %q\nwant   %q", tc.args, code, tc.code, stdout, tc.stdout, stderr, tc.stderr)
		}
	}
}

// TestHelpListsFlags: every command's -h shows its flags.
func TestHelpListsFlags(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		flags []string
	}{
		{[]string{"generate", "-h"}, []string{"-world", "-out", "-package-root", "-check", "-backend", "-v"}},
		{[]string{"serve", "-h"}, []string{"-listen", "-tls-cert", "-tls-key", "-tls-client-ca", "-insecure", "-create-on-open", "-buckets", "-max-key-bytes", "-grace", "-backend", "-nats-url", "-policy"}},
		{[]string{"scaffold", "provider", "-h"}, []string{"-world", "-module", "-out", "-wit", "-list"}},
	} {
		_, stdout, _ := run(t, tc.args...)
		if !strings.Contains(stdout, "\nFlags:\n") {
			t.Errorf("witgo %q: no Flags section:\n%s", tc.args, stdout)
		}
		for _, f := range tc.flags {
			if !strings.Contains(stdout, "  "+f+" ") && !strings.Contains(stdout, "  "+f+"\n") && !strings.Contains(stdout, "  "+f+"\t") {
				t.Errorf("witgo %q: flag %s not listed:\n%s", tc.args, f, stdout)
			}
		}
	}
}

func TestScaffoldList(t *testing.T) {
	code, stdout, stderr := run(t, "scaffold", "provider", "--list")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range [][2]string{
		{"wasi:keyvalue/imports@0.2.0-draft", "wasi-keyvalue-0.2.0-draft"},
		{"wasi:keyvalue/imports@0.2.0-draft", "wasi-keyvalue-0.2.0-draft-early"},
		{"wasi:keyvalue/keyvalue-handle-watch@0.2.0-draft", "wasi-keyvalue-0.2.0-draft-early"},
		{"wasi:keyvalue/imports@0.2.0-draft2", "wasi-keyvalue-0.2.0-draft2"},
		{"wasi:keyvalue/watch-service@0.2.0-draft2", "wasi-keyvalue-0.2.0-draft2"},
		{"wrpc:keyvalue/imports@0.2.0-draft", "wrpc-keyvalue-0.2.0-draft"},
		{"wrpc:keyvalue/server@0.2.0-draft", "wrpc-keyvalue-0.2.0-draft"},
		{"wasmcloud:keyvalue/imports@0.2.0", "wasmcloud-keyvalue-0.2.0"},
		{"wasmcloud:keyvalue/watch-service@0.2.0", "wasmcloud-keyvalue-0.2.0"},
	} {
		found := false
		for _, l := range strings.Split(stdout, "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == want[0] && f[1] == want[1] {
				found = true
			}
		}
		if !found {
			t.Errorf("--list lacks %s in %s:\n%s", want[0], want[1], stdout)
		}
	}
}

func TestWitExport(t *testing.T) {
	code, stdout, _ := run(t, "wit", "list")
	if code != 0 || !strings.Contains(strings.Join(strings.Fields(stdout), " "), "wasi-keyvalue-0.2.0-draft2 wasi:keyvalue@0.2.0-draft2 imports, watch-service") {
		t.Errorf("wit list: exit %d\n%s", code, stdout)
	}
	dir := filepath.Join(t.TempDir(), "wit")
	if code, stdout, stderr := run(t, "wit", "export", "wasi-keyvalue-0.2.0-draft-early", dir); code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("export: exit %d, %q, %q", code, stdout, stderr)
	}
	want := snapshot(t, "../../wit/wasi-keyvalue-0.2.0-draft-early")
	got := snapshot(t, dir)
	if len(got) != len(want) || len(got) == 0 {
		t.Errorf("exported %d files, want %d", len(got), len(want))
	}
	for p, data := range want {
		rel, _ := filepath.Rel("../../wit/wasi-keyvalue-0.2.0-draft-early", p)
		if got[filepath.Join(dir, rel)] != data {
			t.Errorf("%s differs from the bundle", rel)
		}
		fi, err := os.Stat(filepath.Join(dir, rel))
		if err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, %v; want 0644", rel, fi.Mode(), err)
		}
	}
	// The export is WIT that generates.
	if code, _, stderr := run(t, "generate", "--world", "imports", "--out", t.TempDir(), "--package-root", "example.com/kv", dir); code != 0 {
		t.Errorf("generate from the export: exit %d\n%s", code, stderr)
	}
	// A second export into the same folder refuses.
	if code, _, stderr := run(t, "wit", "export", "wasi-keyvalue-0.2.0-draft-early", dir); code != 1 || stderr != "witgo: "+dir+" is not empty\n" {
		t.Errorf("export into a full folder: exit %d, %q", code, stderr)
	}
}

func TestGenerateCheckRoundTrip(t *testing.T) {
	out := t.TempDir()
	args := []string{"generate", "--world", "imports", "--out", out, "--package-root", "example.com/kv", draft2}
	code, stdout, stderr := run(t, args...)
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("generate: exit %d, stdout %q, stderr %q; want 0 and silence", code, stdout, stderr)
	}
	first := snapshot(t, out)
	if _, ok := first[filepath.Join(out, ".witgo-manifest")]; !ok {
		t.Fatal("no manifest written")
	}

	// A second run writes nothing and leaves identical bytes; -v says so.
	code, stdout, _ = run(t, append([]string{"generate", "-v"}, args[1:]...)...)
	if code != 0 || stdout != "" {
		t.Errorf("second generate -v: exit %d, listed %q; want exit 0 and no writes", code, stdout)
	}
	if second := snapshot(t, out); !equalMaps(first, second) {
		t.Error("second run changed the output")
	}

	check := append([]string{"generate", "--check"}, args[1:]...)
	if code, stdout, stderr := run(t, check...); code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("--check on fresh output: exit %d\n%s%s", code, stdout, stderr)
	}

	// A hand edit makes --check fail with a unified diff of that file...
	rel := "wasi/keyvalue/v0.2.0-draft2/store/store.witgo.go"
	store := filepath.Join(out, rel)
	orig, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(orig), "type KeyResponse struct {", "type KeyResponse struct {\n\tHacked bool", 1)
	if err := os.WriteFile(store, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, check...)
	if code != 1 || !strings.Contains(stdout, "\n-\tHacked bool\n") || stderr != "witgo: "+out+" is out of date; run witgo generate\n" {
		t.Errorf("--check after a hand edit: exit %d, stdout %q, stderr %q; want exit 1 and a diff", code, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "--- a/") || !strings.Contains(stdout, "\n+++ b/") || !strings.Contains(stdout, "\n@@ -") {
		t.Errorf("--check output is not a unified diff:\n%s", stdout)
	}
	// ...and regenerating fixes it, rewriting only that file.
	code, stdout, _ = run(t, append([]string{"generate", "-v"}, args[1:]...)...)
	if code != 0 || stdout != "wrote "+store+"\n" {
		t.Errorf("regenerate -v: exit %d, stdout %q; want the one file rewritten", code, stdout)
	}
	if code, _, _ := run(t, check...); code != 0 {
		t.Errorf("--check after regenerating: exit %d", code)
	}
}

// TestCheckDiffApplies: --check's output, applied with patch -p1 from the
// current folder, brings the output up to date: a hand edit, a deleted
// file and a stale file.
func TestCheckDiffApplies(t *testing.T) {
	if _, err := exec.LookPath("patch"); err != nil {
		t.Fatal("this test needs patch(1)")
	}
	wit, err := filepath.Abs(filepath.Join(t.TempDir(), "kv.wit"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(src string) {
		if err := os.WriteFile(wit, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const v1 = "package test:kv@1.0.0;\n\ninterface old-name {\n\tget: func(key: string) -> option<string>;\n}\n\ninterface keep {\n\tput: func(key: string);\n}\n\nworld w {\n\timport old-name;\n\timport keep;\n}\n"
	write(v1)
	t.Chdir(t.TempDir())
	args := []string{"generate", "--out", "kv", "--package-root", "example.com/kv", wit}
	if code, _, stderr := run(t, args...); code != 0 {
		t.Fatalf("generate: %s", stderr)
	}
	oldPkg := "kv/test/kv/v1.0.0/old-name/oldname.witgo.go"
	if _, err := os.Stat(oldPkg); err != nil {
		t.Fatal(err)
	}
	// A file of the user's in a generated folder.
	userFile := "kv/test/kv/v1.0.0/old-name/notes.txt"
	if err := os.WriteFile(userFile, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Rename the interface, edit a file by hand and delete another.
	write(strings.ReplaceAll(v1, "old-name", "new-name"))
	keep := "kv/test/kv/v1.0.0/keep/keep.witgo.go"
	if err := os.WriteFile(keep, []byte("// Code generated by witgo. DO NOT EDIT.\n\npackage keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove("kv/test/kv/v1.0.0/keep/keep_wrpc.witgo.go"); err != nil {
		t.Fatal(err)
	}
	check := append([]string{"generate", "--check"}, args[1:]...)
	code, diff, _ := run(t, check...)
	if code != 1 {
		t.Fatalf("--check: exit %d, want 1", code)
	}
	for _, want := range []string{
		"--- a/" + oldPkg + "\n+++ /dev/null\n",
		"--- /dev/null\n+++ b/kv/test/kv/v1.0.0/new-name/newname.witgo.go\n",
		"--- a/" + keep + "\n+++ b/" + keep + "\n",
		"--- /dev/null\n+++ b/kv/test/kv/v1.0.0/keep/keep_wrpc.witgo.go\n",
		"--- a/kv/.witgo-manifest\n+++ b/kv/.witgo-manifest\n",
	} {
		if !strings.Contains(diff, want) {
			t.Errorf("--check output lacks %q:\n%s", want, diff)
		}
	}
	cmd := exec.Command("patch", "-p1", "--batch", "--silent")
	cmd.Stdin = strings.NewReader(diff)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("patch -p1: %v\n%s", err, out)
	}
	if code, stdout, _ := run(t, check...); code != 0 {
		t.Errorf("--check after applying its diff: exit %d\n%s", code, stdout)
	}
	if data, err := os.ReadFile(userFile); err != nil || string(data) != "mine" {
		t.Errorf("the user's file: %q, %v", data, err)
	}
}

// TestStaleFilesRemoved: generate removes what it wrote before and no
// longer writes, folders left empty included, and nothing else: not a file
// of the user's, not a generated file the user took over (its header
// removed), not the files of another world in the same folder.
func TestStaleFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	wit := filepath.Join(dir, "kv.wit")
	const v1 = "package test:kv@1.0.0;\n\ninterface a {\n\tget: func(key: string) -> option<string>;\n}\n\ninterface b {\n\tput: func(key: string);\n}\n\ninterface c {\n\tdel: func(key: string);\n}\n\nworld w1 {\n\timport a;\n\timport b;\n\timport c;\n}\n\nworld w2 {\n\timport a;\n}\n"
	if err := os.WriteFile(wit, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	gen := func(world string) string {
		t.Helper()
		code, stdout, stderr := run(t, "generate", "-v", "--world", world, "--out", out, "--package-root", "example.com/kv", wit)
		if code != 0 {
			t.Fatalf("generate %s: %s", world, stderr)
		}
		return stdout
	}
	gen("w1")
	gen("w2")
	pkg := func(name string) string { return filepath.Join(out, "test/kv/v1.0.0", name) }
	// The user keeps a file in b's folder and takes over c's binding.
	if err := os.WriteFile(filepath.Join(pkg("b"), "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg("c"), "c.witgo.go"), []byte("package c // mine now\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// w1 drops a, b and c.
	if err := os.WriteFile(wit, []byte(strings.Replace(v1, "\timport a;\n\timport b;\n\timport c;\n", "", 1)+"world w3 { }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout := gen("w1")
	for _, want := range []string{
		"removed " + filepath.Join(pkg("b"), "b.witgo.go"),
		"removed " + filepath.Join(pkg("b"), "b_wrpc.witgo.go"),
		"removed " + filepath.Join(pkg("c"), "c_wrpc.witgo.go"),
	} {
		if !strings.Contains(stdout, want+"\n") {
			t.Errorf("generate -v lacks %q:\n%s", want, stdout)
		}
	}
	for _, gone := range []string{filepath.Join(pkg("b"), "b.witgo.go"), filepath.Join(pkg("c"), "c_wrpc.witgo.go")} {
		if _, err := os.Stat(gone); err == nil {
			t.Errorf("%s is still there", gone)
		}
	}
	for p, want := range map[string]string{
		filepath.Join(pkg("b"), "notes.txt"):  "mine",
		filepath.Join(pkg("c"), "c.witgo.go"): "package c // mine now\n",
	} {
		if data, err := os.ReadFile(p); err != nil || string(data) != want {
			t.Errorf("%s: %q, %v; want it untouched", p, data, err)
		}
	}
	// a is w2's too: it stays, and w2 is still up to date.
	if _, err := os.Stat(filepath.Join(pkg("a"), "a.witgo.go")); err != nil {
		t.Error(err)
	}
	if code, stdout, _ := run(t, "generate", "--check", "--world", "w2", "--out", out, "--package-root", "example.com/kv", wit); code != 0 {
		t.Errorf("--check of w2: exit %d\n%s", code, stdout)
	}
	// A folder that held only witgo's files is gone with them.
	if err := os.WriteFile(wit, []byte(strings.Replace(v1, "\timport a;\n\timport b;\n\timport c;\n", "\timport a;\n\timport b;\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	gen("w1")
	if err := os.Remove(filepath.Join(pkg("b"), "notes.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wit, []byte(strings.Replace(v1, "\timport a;\n\timport b;\n\timport c;\n", "\timport a;\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	gen("w1")
	if _, err := os.Stat(pkg("b")); err == nil {
		t.Errorf("%s is still there", pkg("b"))
	}
}

func TestSyntaxErrorWritesNothing(t *testing.T) {
	out := t.TempDir()
	keep := filepath.Join(out, "keep.txt")
	if err := os.WriteFile(keep, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)
	code, stdout, stderr := run(t, "generate", "--out", out, "--package-root", "example.com/x", "../../testdata/syntax-error/in")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr, "broken.wit:5:1: expected ';', found '}'") {
		t.Errorf("stderr lacks file:line:col message:\n%s", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if after := snapshot(t, out); !equalMaps(before, after) {
		t.Errorf("output directory changed: %v", after)
	}
}

func TestBackend(t *testing.T) {
	backend := "wasi/keyvalue/v0.2.0-draft2/imports/backend/backend.witgo.go"
	for _, tt := range []struct {
		flag string
		want bool
	}{{"", true}, {"--backend=true", true}, {"--backend=false", false}} {
		out := t.TempDir()
		args := []string{"generate", "--world", "imports", "--out", out, "--package-root", "example.com/kv"}
		if tt.flag != "" {
			args = append(args, tt.flag)
		}
		code, _, stderr := run(t, append(args, draft2)...)
		if code != 0 || stderr != "" {
			t.Fatalf("generate %s: exit %d\n%s", tt.flag, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(out, backend)); (err == nil) != tt.want {
			t.Errorf("generate %s: backend written = %v, want %v", tt.flag, err == nil, tt.want)
		}
	}
}

func TestBackendWarning(t *testing.T) {
	dir := t.TempDir()
	wit := filepath.Join(dir, "kv.wit")
	src := `package test:kv@1.0.0;

interface store {
	variant error { no-such-store, access-denied, other(string) }
	resource bucket {
		get: func(key: string) -> result<option<list<u8>>, error>;
		frobnicate: func(key: string) -> result<_, error>;
	}
	open: func(identifier: string) -> result<bucket, error>;
}

world kv {
	import store;
}
`
	if err := os.WriteFile(wit, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, _, stderr := run(t, "generate", "--out", out, "--package-root", "example.com/kv", wit)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "witgo: warning: test:kv/store@1.0.0#bucket.frobnicate: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one warning naming bucket.frobnicate", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "test/kv/v1.0.0/kv/backend/backend.witgo.go")); err != nil {
		t.Error(err)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "witgo ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

func TestImportPathOf(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := importPathOf(filepath.Join(dir, "gen", "kv"))
	if err != nil || got != "example.com/m/gen/kv" {
		t.Errorf("importPathOf = %q, %v; want example.com/m/gen/kv", got, err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
