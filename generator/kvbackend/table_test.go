package kvbackend

import (
	"fmt"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/generator"
)

// matcherBase declares what the cases use: a bucket opened by open, the
// store's error and the list-keys responses.
const matcherBase = `package test:m@1.0.0;

interface store {
	variant error { no-such-store, access-denied, other(string) }
	resource bucket {}
	open: func(identifier: string) -> result<bucket, error>;
	record key-response { keys: list<string>, cursor: option<u64> }
	record key-page { keys: list<string>, cursor: option<string> }
}
`

// matcherCases: each case is an interface (decls) and the operation kind
// of each of its functions (by wRPC name), "" for not recognized.
var matcherCases = []struct {
	name  string
	decls string
	want  map[string]string
}{
	{"get", `get: func(bucket: borrow<bucket>, key: string) -> result<option<list<u8>>, error>;`, map[string]string{"get": "get"}},
	{"get-extra-param", `get: func(bucket: borrow<bucket>, key: string, n: u32) -> result<option<list<u8>>, error>;`, map[string]string{"get": ""}},
	{"get-not-option", `get: func(bucket: borrow<bucket>, key: string) -> result<list<u8>, error>;`, map[string]string{"get": ""}},
	{"get-string-bucket", `get: func(bucket: string, key: string) -> result<option<list<u8>>, string>;`, map[string]string{"get": "get"}},
	{"get-string-not-bucket", `get: func(store: string, key: string) -> result<option<list<u8>>, string>;`, map[string]string{"get": ""}},
	{"set", `set: func(bucket: borrow<bucket>, key: string, value: list<u8>) -> result<_, error>;`, map[string]string{"set": "set"}},
	{"set-returns-bool", `set: func(bucket: borrow<bucket>, key: string, value: list<u8>) -> result<bool, error>;`, map[string]string{"set": ""}},
	{"set-string-value", `set: func(bucket: borrow<bucket>, key: string, value: string) -> result<_, error>;`, map[string]string{"set": ""}},
	{"delete", `delete: func(bucket: borrow<bucket>, key: string) -> result<_, error>;`, map[string]string{"delete": "delete"}},
	{"delete-extra-param", `delete: func(bucket: borrow<bucket>, key: string, all: bool) -> result<_, error>;`, map[string]string{"delete": ""}},
	{"exists", `exists: func(bucket: borrow<bucket>, key: string) -> result<bool, error>;`, map[string]string{"exists": "exists"}},
	{"exists-returns-string", `exists: func(bucket: borrow<bucket>, key: string) -> result<string, error>;`, map[string]string{"exists": ""}},
	{"list-keys-u64", `use store.{key-response};
		list-keys: func(bucket: borrow<bucket>, cursor: option<u64>) -> result<key-response, error>;`, map[string]string{"list-keys": "list-keys-u64"}},
	{"list-keys-string", `use store.{key-page};
		list-keys: func(bucket: borrow<bucket>, cursor: option<string>) -> result<key-page, error>;`, map[string]string{"list-keys": "list-keys-string"}},
	{"list-keys-cursor-mismatch", `use store.{key-response};
		list-keys: func(bucket: borrow<bucket>, cursor: option<string>) -> result<key-response, error>;`, map[string]string{"list-keys": ""}},
	{"list-keys-not-a-record", `list-keys: func(bucket: borrow<bucket>, cursor: option<u64>) -> result<list<string>, error>;`, map[string]string{"list-keys": ""}},
	{"keys", `keys: func(bucket: borrow<bucket>) -> result<list<string>, error>;`, map[string]string{"keys": "keys"}},
	{"keys-extra-param", `keys: func(bucket: borrow<bucket>, prefix: string) -> result<list<string>, error>;`, map[string]string{"keys": ""}},
	{"increment-u64", `increment: func(bucket: borrow<bucket>, key: string, delta: u64) -> result<u64, error>;`, map[string]string{"increment": "increment-u64"}},
	{"increment-s64", `increment: func(bucket: borrow<bucket>, key: string, delta: s64) -> result<s64, error>;`, map[string]string{"increment": "increment-s64"}},
	{"increment-mixed", `increment: func(bucket: borrow<bucket>, key: string, delta: u64) -> result<s64, error>;`, map[string]string{"increment": ""}},
	{"compare-and-swap", `compare-and-swap: func(bucket: borrow<bucket>, key: string, old: u64, new: u64) -> result<bool, error>;`, map[string]string{"compare-and-swap": "compare-and-swap-u64"}},
	{"compare-and-swap-returns-u64", `compare-and-swap: func(bucket: borrow<bucket>, key: string, old: u64, new: u64) -> result<u64, error>;`, map[string]string{"compare-and-swap": ""}},
	{"get-many", `get-many: func(bucket: borrow<bucket>, keys: list<string>) -> result<list<option<tuple<string, list<u8>>>>, error>;`, map[string]string{"get-many": "get-many"}},
	{"get-many-no-option", `get-many: func(bucket: borrow<bucket>, keys: list<string>) -> result<list<tuple<string, list<u8>>>, error>;`, map[string]string{"get-many": ""}},
	{"set-many", `set-many: func(bucket: borrow<bucket>, entries: list<tuple<string, list<u8>>>) -> result<_, error>;`, map[string]string{"set-many": "set-many"}},
	{"set-many-string-values", `set-many: func(bucket: borrow<bucket>, entries: list<tuple<string, string>>) -> result<_, error>;`, map[string]string{"set-many": ""}},
	{"delete-many", `delete-many: func(bucket: borrow<bucket>, keys: list<string>) -> result<_, error>;`, map[string]string{"delete-many": "delete-many"}},
	{"delete-many-one-key", `delete-many: func(bucket: borrow<bucket>, keys: string) -> result<_, error>;`, map[string]string{"delete-many": ""}},
	{"open-extra-param", `open: func(identifier: string, mode: u32) -> result<bucket, error>;`, map[string]string{"open": ""}},
	{"cas", `resource cas {
			new: static func(bucket: borrow<bucket>, key: string) -> result<cas, error>;
			current: func() -> result<option<list<u8>>, error>;
			peek: func() -> result<list<u8>, error>;
		}
		variant cas-error { store-error(error), cas-failed(cas) }
		swap: func(cas: cas, value: list<u8>) -> result<_, cas-error>;
		swap2: func(cas: cas, value: list<u8>) -> result<_, error>;`,
		map[string]string{"cas.new": "cas-new", "cas.current": "cas-current", "cas.peek": "", "swap": "swap", "swap2": ""}},
	{"values", `resource incoming-value {
			size: func() -> u64;
			consume-sync: static func(this: incoming-value) -> result<list<u8>, error>;
			consume-async: static func(this: incoming-value) -> result<input-stream, error>;
		}
		resource outgoing-value {
			new: static func() -> outgoing-value;
			write-body-sync: func(value: list<u8>) -> result<_, error>;
			write-body-async: func() -> result<output-stream, error>;
			write-body-twice: func(value: list<u8>) -> result<_, error>;
		}
		variant stream-error { closed }
		resource input-stream {
			read: func(len: u64) -> result<list<u8>, stream-error>;
			skip: func(len: u64) -> result<u64, stream-error>;
			read-string: func(len: u64) -> result<string, stream-error>;
			subscribe: func() -> pollable;
		}
		resource output-stream {
			check-write: func() -> result<u64, stream-error>;
			write: func(contents: list<u8>) -> result<_, stream-error>;
			flush: func() -> result<_, stream-error>;
			write-zeroes: func(len: u64) -> result<_, stream-error>;
			splice: func(src: borrow<input-stream>, len: u64) -> result<u64, stream-error>;
			subscribe: func() -> pollable;
			write-twice: func(contents: list<u8>, again: list<u8>) -> result<_, stream-error>;
		}
		resource pollable {
			ready: func() -> bool;
			block: func();
			block-for: func(ns: u64);
		}
		poll: func(in: list<borrow<pollable>>) -> list<u32>;
		get: func(bucket: borrow<bucket>, key: string) -> result<option<incoming-value>, error>;
		set: func(bucket: borrow<bucket>, key: string, value: borrow<outgoing-value>) -> result<_, error>;
		get-many: func(bucket: borrow<bucket>, keys: list<string>) -> result<list<option<incoming-value>>, error>;
		set-many: func(bucket: borrow<bucket>, entries: list<tuple<string, borrow<outgoing-value>>>) -> result<_, error>;`,
		map[string]string{
			"incoming-value.size": "size", "incoming-value.consume-sync": "consume-sync", "incoming-value.consume-async": "consume-async",
			"outgoing-value.new": "new-outgoing", "outgoing-value.write-body-sync": "write-sync", "outgoing-value.write-body-async": "write-async", "outgoing-value.write-body-twice": "",
			"input-stream.read": "read", "input-stream.skip": "skip", "input-stream.read-string": "", "input-stream.subscribe": "subscribe-input",
			"output-stream.check-write": "check-write", "output-stream.write": "write", "output-stream.flush": "flush", "output-stream.write-zeroes": "write-zeroes",
			"output-stream.splice": "splice", "output-stream.subscribe": "subscribe-output", "output-stream.write-twice": "",
			"pollable.ready": "ready", "pollable.block": "block", "pollable.block-for": "",
			"poll": "poll", "get": "get-incoming", "set": "set-outgoing", "get-many": "get-many-incoming", "set-many": "set-many-outgoing",
		}},
	{"set-options", `record set-options { ttl-ms: option<u64>, if-not-exists: bool }
		set: func(bucket: borrow<bucket>, key: string, value: list<u8>, options: option<set-options>) -> result<_, error>;`,
		map[string]string{"set": "set-options"}},
	{"set-options-not-optional", `record set-options { if-not-exists: bool, ttl-ms: option<u64> }
		set: func(bucket: borrow<bucket>, key: string, value: list<u8>, options: set-options) -> result<_, error>;`,
		map[string]string{"set": "set-options"}},
	{"set-options-unknown-field", `record set-options { ttl-ms: option<u64>, if-not-exists: bool, if-exists: bool }
		set: func(bucket: borrow<bucket>, key: string, value: list<u8>, options: option<set-options>) -> result<_, error>;`,
		map[string]string{"set": ""}},
	{"set-options-ttl-not-u64", `record set-options { ttl-ms: option<u32>, if-not-exists: bool }
		set: func(bucket: borrow<bucket>, key: string, value: list<u8>, options: option<set-options>) -> result<_, error>;`,
		map[string]string{"set": ""}},
	{"list-keys-prefix", `use store.{key-page};
		list-keys: func(bucket: borrow<bucket>, prefix: option<string>, cursor: option<string>) -> result<key-page, error>;`,
		map[string]string{"list-keys": "list-keys-prefix"}},
	{"list-keys-prefix-swapped", `use store.{key-page};
		list-keys: func(bucket: borrow<bucket>, cursor: option<string>, prefix: option<string>) -> result<key-page, error>;`,
		map[string]string{"list-keys": ""}},
	{"list-keys-prefix-u64-cursor", `use store.{key-response};
		list-keys: func(bucket: borrow<bucket>, prefix: option<string>, cursor: option<u64>) -> result<key-response, error>;`,
		map[string]string{"list-keys": ""}},
	{"versioned-cas", `type version = string;
		record entry { value: list<u8>, version: version }
		record cas-options { require-version: option<version>, require-value: option<list<u8>> }
		variant cas-result { swapped, stale(option<entry>) }
		current: func(bucket: borrow<bucket>, key: string) -> result<option<entry>, error>;
		swap: func(bucket: borrow<bucket>, key: string, value: list<u8>, options: cas-options) -> result<cas-result, error>;`,
		map[string]string{"current": "current-entry", "swap": "swap-if"}},
	{"versioned-cas-near-misses", `type version = string;
		record entry { value: list<u8>, version: version, ttl: u64 }
		record cas-options { require-version: option<version>, require-value: option<list<u8>> }
		variant cas-result { swapped, stale(entry) }
		current: func(bucket: borrow<bucket>, key: string) -> result<option<entry>, error>;
		swap: func(bucket: borrow<bucket>, key: string, value: list<u8>, options: cas-options) -> result<cas-result, error>;`,
		map[string]string{"current": "", "swap": ""}},
	{"swap-without-version", `record entry { value: list<u8>, version: string }
		record cas-options { require-value: option<list<u8>> }
		variant cas-result { swapped, stale(option<entry>) }
		swap: func(bucket: borrow<bucket>, key: string, value: list<u8>, options: cas-options) -> result<cas-result, error>;`,
		map[string]string{"swap": ""}},
	{"error-resource", `resource failure { trace: func() -> string; code: func() -> u32; }
		get: func(bucket: borrow<bucket>, key: string) -> result<option<list<u8>>, failure>;`,
		map[string]string{"get": "get", "failure.trace": "error-string", "failure.code": ""}},
}

// TestMatcher checks each pattern of the table against its shape, and that
// near misses (another result type, an extra parameter) are not
// recognized and are warned about.
func TestMatcher(t *testing.T) {
	var src strings.Builder
	src.WriteString(matcherBase)
	for i, c := range matcherCases {
		fmt.Fprintf(&src, "\ninterface c%d {\n\tuse store.{bucket, error};\n\t%s\n}\n", i, c.decls)
	}
	src.WriteString("\nworld w {\n\timport store;\n")
	for i := range matcherCases {
		fmt.Fprintf(&src, "\timport c%d;\n", i)
	}
	src.WriteString("}\n")
	m := buildModel(t, src.String(), "example.com/m")
	_, warnings, err := Generate(m, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Again, keeping the generator to read what it recognized.
	g, err := newGen(m, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g.assignRoles()
	g.buildImpls()
	g.buildResources()
	got := make(map[string]string)
	for _, op := range g.ops {
		got[op.fn] = op.kind
	}
	for _, fn := range g.unsupported {
		got[fn] = ""
	}
	warned := make(map[string]bool)
	for _, w := range warnings {
		fn, _, _ := strings.Cut(w, ": ")
		warned[fn] = true
	}
	for i, c := range matcherCases {
		t.Run(c.name, func(t *testing.T) {
			for wire, want := range c.want {
				fn := fmt.Sprintf("test:m/c%d@1.0.0#%s", i, wire)
				kind, ok := got[fn]
				switch {
				case !ok:
					t.Errorf("%s: not generated (have %q)", fn, keys(got, fmt.Sprintf("c%d@", i)))
				case kind != want:
					t.Errorf("%s: kind %q, want %q", fn, kind, want)
				case warned[fn] != (want == ""):
					t.Errorf("%s: warned %v, want %v", fn, warned[fn], want == "")
				}
			}
		})
	}
	// Every pattern is tried by some case, and the kinds are unique.
	seen := make(map[string]bool)
	for _, k := range got {
		seen[k] = true
	}
	kinds := make(map[string]bool)
	for _, p := range ops {
		if kinds[p.Kind] {
			t.Errorf("two patterns of kind %s", p.Kind)
		}
		kinds[p.Kind] = true
		if !seen[p.Kind] {
			t.Errorf("no case recognizes a %s", p.Kind)
		}
		if g.tmpl.Lookup("op-"+p.template()) == nil {
			t.Errorf("%s: no template op-%s", p.Kind, p.template())
		}
	}
	if got["test:m/store@1.0.0#open"] != "open" {
		t.Errorf("store.open: kind %q, want open", got["test:m/store@1.0.0#open"])
	}
}

func keys(m map[string]string, infix string) []string {
	var ks []string
	for k := range m {
		if strings.Contains(k, infix) {
			ks = append(ks, k)
		}
	}
	return ks
}
