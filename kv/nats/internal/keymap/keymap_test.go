package keymap

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// The rules of nats.go's jetstream package for keys and bucket names.
var (
	validKeyRe    = regexp.MustCompile(`^[-/_=.a-zA-Z0-9]+$`)
	validBucketRe = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
)

// maxSubjectKey is the longest NATS key Key produces: "k" and the
// base64url of MaxDirectKeyBytes bytes.
const maxSubjectKey = 1 + (MaxDirectKeyBytes*4+2)/3

func checkNATSKey(t *testing.T, key, nk string) {
	t.Helper()
	if !validKeyRe.MatchString(nk) || nk[0] == '.' || nk[len(nk)-1] == '.' || strings.Contains(nk, "..") {
		t.Fatalf("Key(%.40q) = %q: not a valid NATS key", key, nk)
	}
	if len(nk) > maxSubjectKey {
		t.Fatalf("Key(%.40q) is %d characters, over %d", key, len(nk), maxSubjectKey)
	}
	if IsHashed(nk) {
		if len(key) <= MaxDirectKeyBytes {
			t.Fatalf("key of %d bytes hashed", len(key))
		}
		got, ok := DecodeKeyHeader(nk, EncodeKeyHeader(key))
		if !ok || got != key {
			t.Fatalf("hashed key %.40q does not round-trip through its header", key)
		}
		return
	}
	got, ok := DecodeDirectKey(nk)
	if !ok || got != key {
		t.Fatalf("DecodeDirectKey(Key(%.40q)) = %.40q, %v", key, got, ok)
	}
}

func TestKeyMapping(t *testing.T) {
	cases := []struct {
		key  string
		want string // "" to check only the round trip
	}{
		{"", "k"},
		{"a", "kYQ"},
		{" ", "kIA"},
		{"a b", "kYSBi"},
		{"/", "kLw"},
		{"..", "kLi4"},
		{"*", "kKg"},
		{">", "kPg"},
		{"a.b", "kYS5i"},
		{"\x00", "kAA"},
		{"é", "kw6k"},
		{"\U0001f600", "k8J-YgA"},
		{"\xef\xbf\xbf", "k77-_"}, // U+FFFF: '-' and '_' of base64url
		{strings.Repeat("x", MaxDirectKeyBytes), ""},
		{strings.Repeat("é", MaxDirectKeyBytes/2), ""},
		{strings.Repeat("x", MaxDirectKeyBytes+1), ""},
		{strings.Repeat("\U0001f600", 4096), ""}, // 16 KiB
	}
	seen := map[string]string{}
	for _, tc := range cases {
		nk := Key(tc.key)
		if tc.want != "" && nk != tc.want {
			t.Errorf("Key(%q) = %q, want %q", tc.key, nk, tc.want)
		}
		checkNATSKey(t, tc.key, nk)
		if prev, dup := seen[nk]; dup {
			t.Fatalf("keys %.40q and %.40q both map to %q", prev, tc.key, nk)
		}
		seen[nk] = tc.key
	}
	if k := Key(strings.Repeat("x", MaxDirectKeyBytes+1)); !strings.HasPrefix(k, "h.") || len(k) != 66 {
		t.Fatalf("long key maps to %q", k)
	}
	// Strings Key never produces are rejected.
	for _, nk := range []string{"", "x", "kYQ=", "kYR", "k/", "k.a", "h.00", "k_w", "k\n", "kY\rQ", "kYQ\n"} {
		if k, ok := DecodeDirectKey(nk); ok {
			t.Errorf("DecodeDirectKey(%q) = %q, want rejection", nk, k)
		}
	}
	if _, ok := DecodeDirectKey("k" + b64.EncodeToString([]byte("\xff"))); ok {
		t.Error("DecodeDirectKey accepted invalid UTF-8")
	}
	long := strings.Repeat("y", MaxDirectKeyBytes+1)
	if _, ok := DecodeKeyHeader(Key(long), EncodeKeyHeader(long+"z")); ok {
		t.Error("DecodeKeyHeader accepted the header of another key")
	}
	if _, ok := DecodeKeyHeader(Key("short"), EncodeKeyHeader("short")); ok {
		t.Error("DecodeKeyHeader accepted a short key")
	}
}

func TestBucketMapping(t *testing.T) {
	ids := []string{"", "a", "A", "a/b", "ab", "..", "*", ">", "sp ace", "é", "\U0001f600",
		strings.Repeat("n", MaxDirectBucketBytes), strings.Repeat("n", MaxDirectBucketBytes+1), strings.Repeat("é", 8192)}
	seen := map[string]string{}
	for _, prefix := range []string{DefaultBucketPrefix, "", "X-"} {
		clear(seen)
		for _, id := range ids {
			name := Bucket(prefix, id)
			if !validBucketRe.MatchString(name) {
				t.Fatalf("Bucket(%q, %.40q) = %q: invalid", prefix, id, name)
			}
			if len("KV_"+name) > 255 {
				t.Fatalf("stream name for %.40q is %d characters", id, len(name)+3)
			}
			if strings.ToLower(name[len(prefix):]) != name[len(prefix):] {
				t.Fatalf("Bucket(%.40q) = %q: not lowercase after the prefix", id, name)
			}
			if prev, dup := seen[strings.ToLower(name)]; dup {
				t.Fatalf("%.40q and %.40q map to one name (ignoring case) %q", prev, id, name)
			}
			seen[strings.ToLower(name)] = id
			got, ok := DecodeBucket(prefix, name)
			if len(id) <= MaxDirectBucketBytes && (!ok || got != id) {
				t.Fatalf("DecodeBucket(%q) = %q, %v; want %q", name, got, ok, id)
			}
			if len(id) > MaxDirectBucketBytes && ok {
				t.Fatalf("DecodeBucket decoded the hashed name %q", name)
			}
		}
	}
	if got := Bucket("witgo_", "a"); got != "witgo_bc4" {
		t.Fatalf(`Bucket("a") = %q`, got)
	}
	for _, p := range []string{"ok", "", "a_b-C9", strings.Repeat("p", MaxPrefixLen)} {
		if !ValidPrefix(p) {
			t.Errorf("ValidPrefix(%q) = false", p)
		}
	}
	for _, p := range []string{"a.b", "a b", "a*", "é", strings.Repeat("p", MaxPrefixLen+1)} {
		if ValidPrefix(p) {
			t.Errorf("ValidPrefix(%q) = true", p)
		}
	}
}

// FuzzKeyMapping checks that every valid key maps to a valid, bounded NATS
// key that maps back to it, and that two keys never share a NATS key. Run it
// with a short minimization time, or the fuzzer spends most of its time
// minimizing new inputs:
//
//	go test ./kv/nats/internal/keymap -run '^$' -fuzz FuzzKeyMapping -fuzztime 1m -fuzzminimizetime 2s
func FuzzKeyMapping(f *testing.F) {
	for _, s := range []string{"", "a", "..", "*", ">", "a b", "é", strings.Repeat("z", MaxDirectKeyBytes+3)} {
		f.Add(s, "b")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, k := range []string{a, b} {
			if utf8.ValidString(k) {
				checkNATSKey(t, k, Key(k))
			}
			if id := k; utf8.ValidString(id) {
				name := Bucket(DefaultBucketPrefix, id)
				if !validBucketRe.MatchString(name) {
					t.Fatalf("Bucket(%q) = %q: invalid", id, name)
				}
				if got, ok := DecodeBucket(DefaultBucketPrefix, name); len(id) <= MaxDirectBucketBytes && (!ok || got != id) {
					t.Fatalf("bucket %q does not round-trip: %q, %v", id, got, ok)
				}
			}
		}
		if a != b && utf8.ValidString(a) && utf8.ValidString(b) && Key(a) == Key(b) {
			t.Fatalf("keys %q and %q share the NATS key %q", a, b, Key(a))
		}
		// Any NATS key that decodes must be what the decoded key maps to.
		if k, ok := DecodeDirectKey(a); ok && Key(k) != a {
			t.Fatalf("DecodeDirectKey(%q) = %q, which maps to %q", a, k, Key(k))
		}
	})
}
