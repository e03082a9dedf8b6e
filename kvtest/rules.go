package kvtest

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A rule is one subtest, with its cases.
type rule struct {
	name  string
	cases []tcase
}

type tcase struct {
	name string
	fn   func(t *testing.T, f *family)
}

// run runs each rule as a subtest of t, and each case as a subtest of it.
func run(t *testing.T, f *family, rules []rule) {
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for _, c := range r.cases {
				t.Run(c.name, func(t *testing.T) { c.fn(t, f) })
			}
		})
	}
}

// commonRules returns the rules every family follows, in the order of the
// keyvalue semantics (docs/keyvalue.md), with cas and extra (family-specific
// rules) in their place.
func commonRules(f *family, cas []tcase, extra ...rule) []rule {
	rules := []rule{
		{"Buckets", bucketCases(f)},
		{"Values", valueCases},
		{"Delete", deleteCases},
		{"Keys", keyCases},
		{"Limits", limitCases},
		{"ListKeys", listCases(f)},
		{"Increment", incrementCases(f)},
	}
	if cas != nil {
		rules = append(rules, rule{"CAS", cas})
	}
	rules = append(rules, rule{"Batch", batchCases})
	rules = append(rules, extra...)
	return append(rules, rule{"Errors", errorCases})
}

// Rule 1: buckets.

func bucketCases(f *family) []tcase {
	cs := []tcase{
		{"UnknownIsNoSuchStore", testUnknownBucket},
		{"CreateOnOpen", testCreateOnOpen},
		{"PreCreatedBucketsExistEmpty", testPreCreated},
		{"TwoHandlesShareData", testSharedHandles},
		{"BucketsAreIsolated", testIsolation},
	}
	if f.bucketIsString {
		cs = append(cs, tcase{"EveryOperationOnUnknownIsNoSuchStore", testUnknownBucketEveryOp})
	}
	return cs
}

// openErr opens id and, where the bucket is a plain string, makes one call
// with it, since only a call can find it unknown.
func (e *env) openErr(id string) (bucket, error) {
	b, err := e.s.open(e.ctx, id)
	if err == nil && e.f.bucketIsString {
		_, _, err = b.get(e.ctx, "k")
	}
	return b, err
}

func testUnknownBucket(t *testing.T, f *family) {
	e := f.newEnv(t, options(false, "known"))
	for range 2 { // opening it does not create it
		_, err := e.openErr("unknown")
		e.wantErr(`open("unknown") with create-on-open off`, err, noSuchStore)
	}
	_, err := e.openErr("Known") // identifiers are exact
	e.wantErr(`open("Known") with only "known" created`, err, noSuchStore)
	b := e.open("known")
	e.set(b, "k", []byte("v"))
	e.wantValue(b, "k", []byte("v"))
	_, err = e.openErr("unknown")
	e.wantErr(`open("unknown") after using "known"`, err, noSuchStore)
}

func testUnknownBucketEveryOp(t *testing.T, f *family) {
	e := f.newEnv(t, options(false, "known"))
	b, err := e.s.open(e.ctx, "unknown")
	e.ok(`bucket "unknown"`, err)
	ops := []struct {
		name string
		call func() error
	}{
		{"get", func() error { _, _, err := b.get(e.ctx, "k"); return err }},
		{"set", func() error { return b.set(e.ctx, "k", []byte("v")) }},
		{"delete", func() error { return b.del(e.ctx, "k") }},
		{"exists", func() error { _, err := b.exists(e.ctx, "k"); return err }},
		{"list-keys", func() error { _, _, err := b.listPage(e.ctx, nil); return err }},
		{"increment", func() error { _, err := b.increment(e.ctx, "n", "1"); return err }},
		{"get-many", func() error { _, err := b.getMany(e.ctx, []string{"k"}); return err }},
		{"set-many", func() error { return b.setMany(e.ctx, []entry{{"k", []byte("v")}}) }},
		{"delete-many", func() error { return b.deleteMany(e.ctx, []string{"k"}) }},
	}
	for _, op := range ops {
		e.wantErr(op.name+` on unknown bucket "unknown"`, op.call(), noSuchStore)
	}
	// None of them created the bucket.
	_, err = e.openErr("unknown")
	e.wantErr(`get on "unknown" after set and increment on it`, err, noSuchStore)
}

func testCreateOnOpen(t *testing.T, f *family) {
	e := f.newEnv(t, options(true))
	b := e.open("fresh")
	e.wantAbsent(b, "k")
	if keys := e.walk(b, nil); len(keys) != 0 {
		t.Fatalf("%s: a bucket created on open lists %q, want no keys", f.name, keys)
	}
	e.set(b, "k", []byte("kept"))
	// Opening it again does not recreate it.
	e.wantValue(e.open("fresh"), "k", []byte("kept"))
	// Another new bucket is empty.
	e.wantAbsent(e.open("other"), "k")
	e.wantValue(e.open("fresh"), "k", []byte("kept"))
}

func testPreCreated(t *testing.T, f *family) {
	e := f.newEnv(t, options(false, "a", "b"))
	for _, id := range []string{"a", "b"} {
		b := e.open(id)
		e.wantAbsent(b, "k")
		if keys := e.walk(b, nil); len(keys) != 0 {
			t.Fatalf("%s: pre-created bucket %q lists %q, want no keys", f.name, id, keys)
		}
	}
}

func testSharedHandles(t *testing.T, f *family) {
	e := f.newEnv(t, options(false, "b"))
	h1, h2 := e.open("b"), e.open("b")
	e.set(h1, "k", []byte("from h1"))
	e.wantValue(h2, "k", []byte("from h1"))
	e.set(h2, "k", []byte("from h2"))
	e.wantValue(h1, "k", []byte("from h2"))
	if got := e.incr(h1, "n", "2"); got != "2" {
		t.Fatalf("%s: increment(n, 2) on a new key = %s, want 2", f.name, got)
	}
	if got := e.incr(h2, "n", "3"); got != "5" {
		t.Fatalf("%s: increment(n, 3) through a second handle after 2 = %s, want 5", f.name, got)
	}
	e.del(h2, "k")
	e.wantAbsent(h1, "k")
	if keys := e.walk(h1, nil); !slices.Equal(keys, []string{"n"}) {
		t.Fatalf("%s: list-keys through the first handle = %q, want [\"n\"]", f.name, keys)
	}
}

func testIsolation(t *testing.T, f *family) {
	e := f.newEnv(t, options(false, "b1", "b2"))
	b1, b2 := e.open("b1"), e.open("b2")
	e.set(b1, "k", []byte("one"))
	e.wantAbsent(b2, "k")
	e.set(b2, "k", []byte("two"))
	e.wantValue(b1, "k", []byte("one"))
	e.wantValue(b2, "k", []byte("two"))
	e.set(b1, "only-in-1", nil)
	e.incr(b2, "n", "7")
	if keys := e.walk(b1, nil); !slices.Equal(keys, []string{"k", "only-in-1"}) {
		t.Fatalf("%s: list-keys of b1 = %q, want [\"k\" \"only-in-1\"]", f.name, keys)
	}
	if keys := e.walk(b2, nil); !slices.Equal(keys, []string{"k", "n"}) {
		t.Fatalf("%s: list-keys of b2 = %q, want [\"k\" \"n\"]", f.name, keys)
	}
	e.del(b1, "k")
	e.wantAbsent(b1, "k")
	e.wantValue(b2, "k", []byte("two"))
	e.wantAbsent(b1, "n")
}

// Rule 2: values are bytes, and an empty value exists.

var valueCases = []tcase{
	{"EmptyValueExists", testEmptyValue},
	{"BinaryBytes", testBinaryValues},
	{"OneMiBValue", testLargeValue},
	{"ReadYourWrites", testOverwrite},
	{"NoAliasing", testNoAliasing},
}

func testEmptyValue(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.set(b, "empty", []byte{})
	e.wantValue(b, "empty", []byte{})
	e.set(b, "nil", nil) // nil is the empty list too
	e.wantValue(b, "nil", []byte{})
	e.set(b, "was-full", []byte("full"))
	e.set(b, "was-full", []byte{})
	e.wantValue(b, "was-full", []byte{})
	if keys := e.walk(b, nil); !slices.Equal(keys, []string{"empty", "nil", "was-full"}) {
		t.Fatalf("%s: list-keys = %q, want the three keys holding empty values", f.name, keys)
	}
}

func testBinaryValues(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	values := map[string][]byte{
		"00ff":        {0x00, 0xff},
		"nul":         {0x00},
		"nuls":        {0, 0, 0, 0},
		"invalid-utf": []byte("\xc3\x28 \xff\xfe\xfd \xed\xa0\x80"),
		"all-bytes":   all,
		"high-first":  {0xff, 0x00, 0x80, 0x7f},
	}
	for k, v := range values {
		e.set(b, k, v)
	}
	for k, v := range values {
		e.wantValue(b, k, v)
	}
}

func testLargeValue(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	v := randomBytes(1<<20, 1)
	e.set(b, "big", v)
	e.wantValue(b, "big", v)
	e.set(b, "big", []byte("small"))
	e.wantValue(b, "big", []byte("small"))
}

func testOverwrite(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	for i := range 5 {
		v := []byte("value " + strconv.Itoa(i))
		e.set(b, "k", v)
		e.wantValue(b, "k", v)
	}
	e.set(b, "k", []byte("a much longer value than before"))
	e.set(b, "k", []byte("s"))
	e.wantValue(b, "k", []byte("s"))
}

func testNoAliasing(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	buf := []byte("original")
	e.set(b, "k", buf)
	copy(buf, "CHANGED!")
	e.wantValue(b, "k", []byte("original"))

	got, _ := e.get(b, "k")
	if len(got) > 0 {
		got[0] = 'X'
	}
	_ = append(got, "appended"...) // writes into any spare capacity
	e.wantValue(b, "k", []byte("original"))

	// Batches too.
	e.ok("set-many", b.setMany(e.ctx, []entry{{"m", buf}}))
	copy(buf, "again!!!")
	e.wantValue(b, "m", []byte("CHANGED!"))
	res, err := b.getMany(e.ctx, []string{"m", "k"})
	e.ok("get-many([m k])", err)
	for _, r := range res {
		if r.found {
			for i := range r.value {
				r.value[i] = 'Z'
			}
			_ = append(r.value, "appended"...)
		}
	}
	e.wantValue(b, "m", []byte("CHANGED!"))
	e.wantValue(b, "k", []byte("original"))
}

// Rule 3: delete, keys, limits.

var deleteCases = []tcase{
	{"MissingKeyTwice", testDeleteMissing},
	{"PresentKey", testDeletePresent},
}

func testDeleteMissing(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.del(b, "missing")
	e.del(b, "missing")
	e.wantAbsent(b, "missing")
	e.set(b, "other", []byte("x"))
	e.del(b, "missing")
	e.wantValue(b, "other", []byte("x"))
}

func testDeletePresent(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.set(b, "k", []byte("v"))
	e.set(b, "empty", nil)
	e.set(b, "keep", []byte("kept"))
	e.del(b, "k")
	e.del(b, "empty")
	e.wantAbsent(b, "k")
	e.wantAbsent(b, "empty")
	e.del(b, "k")
	if keys := e.walk(b, nil); !slices.Equal(keys, []string{"keep"}) {
		t.Fatalf("%s: list-keys after deletes = %q, want [\"keep\"]", f.name, keys)
	}
	e.set(b, "k", []byte("back"))
	e.wantValue(b, "k", []byte("back"))
}

var keyCases = []tcase{
	{"EmptyKey", testEmptyKey},
	{"UnicodeSlashesAndLookalikes", testUnusualKeys},
	{"LongKeyAtLimit", testLongKey},
}

func testEmptyKey(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.wantAbsent(b, "")
	e.set(b, "", []byte("empty key"))
	e.set(b, "a", []byte("a"))
	e.wantValue(b, "", []byte("empty key"))
	if keys := e.walk(b, nil); !slices.Equal(keys, []string{"", "a"}) {
		t.Fatalf("%s: list-keys = %q, want [\"\" \"a\"]", f.name, keys)
	}
	e.set(b, "", nil) // the empty key with the empty value
	e.wantValue(b, "", []byte{})
	e.del(b, "")
	e.wantAbsent(b, "")
	e.wantValue(b, "a", []byte("a"))
}

var unusualKeys = []string{
	"ключ", "日本語", "emoji 🔑", "é", "e\u0301", "\U0010FFFF",
	"/", "a/b", "/a/", "a//b", "a\\b",
	"k", "K", " k", "k ", "k\n", "a\x00b", "\x00",
	"%2F", "key with spaces", "*", "?", "..",
}

func testUnusualKeys(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	for i, k := range unusualKeys {
		e.set(b, k, []byte("v"+strconv.Itoa(i)))
	}
	for i, k := range unusualKeys {
		e.wantValue(b, k, []byte("v"+strconv.Itoa(i)))
	}
	want := slices.Clone(unusualKeys)
	slices.Sort(want)
	if keys := e.walk(b, nil); !slices.Equal(keys, want) {
		t.Fatalf("%s: list-keys = %q,\nwant %q (every key once, bytewise order)", f.name, keys, want)
	}
	for _, k := range unusualKeys[:6] {
		e.del(b, k)
		e.wantAbsent(b, k)
	}
	e.wantValue(b, "a/b", []byte("v"+strconv.Itoa(slices.Index(unusualKeys, "a/b"))))
}

func testLongKey(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	ascii := strings.Repeat("k", KeyLimit)
	multi := strings.Repeat("é", KeyLimit/2) // 2 bytes each: KeyLimit bytes
	nearly := strings.Repeat("k", KeyLimit-1)
	for i, k := range []string{ascii, multi, nearly} {
		e.set(b, k, []byte{byte(i)})
	}
	for i, k := range []string{ascii, multi, nearly} {
		e.wantValue(b, k, []byte{byte(i)})
	}
	want := []string{nearly, ascii, multi}
	if keys := e.walk(b, nil); !slices.Equal(keys, want) {
		t.Fatalf("%s: list-keys returned %d keys of lengths %v, want the 3 long keys of lengths %v", f.name, len(keys), lengths(keys), lengths(want))
	}
	e.del(b, ascii)
	e.wantAbsent(b, ascii)
}

func lengths(keys []string) []int {
	n := make([]int, len(keys))
	for i, k := range keys {
		n[i] = len(k)
	}
	return n
}

var limitCases = []tcase{
	{"KeyOverLimitOnEveryOperation", testKeyOverLimit},
	{"ValueAtLimit", testValueAtLimit},
	{"ValueOverLimit", testValueOverLimit},
}

var keyLimitText, valueLimitText = strconv.Itoa(KeyLimit), strconv.Itoa(ValueLimit)

func testKeyOverLimit(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	long := strings.Repeat("x", KeyLimit+1)
	e.wantErr("set(key of KeyLimit+1 bytes)", b.set(e.ctx, long, []byte("v")), otherError, keyLimitText)
	_, _, err := b.get(e.ctx, long)
	e.wantErr("get(key of KeyLimit+1 bytes)", err, otherError, keyLimitText)
	_, err = b.exists(e.ctx, long)
	e.wantErr("exists(key of KeyLimit+1 bytes)", err, otherError, keyLimitText)
	e.wantErr("delete(key of KeyLimit+1 bytes)", b.del(e.ctx, long), otherError, keyLimitText)
	_, err = b.increment(e.ctx, long, "1")
	e.wantErr("increment(key of KeyLimit+1 bytes)", err, otherError, keyLimitText)
	// Multi-byte: KeyLimit/2+1 two-byte runes.
	multi := strings.Repeat("é", KeyLimit/2+1)
	e.wantErr("set(key of KeyLimit+2 bytes in 2-byte runes)", b.set(e.ctx, multi, []byte("v")), otherError, keyLimitText)
	if keys := e.walk(b, nil); len(keys) != 0 {
		t.Fatalf("%s: refused keys were stored: list-keys returned %d keys of lengths %v", f.name, len(keys), lengths(keys))
	}
}

func testValueAtLimit(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	v := randomBytes(ValueLimit, 2)
	e.set(b, "max", v)
	e.wantValue(b, "max", v)
}

func testValueOverLimit(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.set(b, "k", []byte("before"))
	over := make([]byte, ValueLimit+1)
	e.wantErr("set(k, value of ValueLimit+1 bytes)", b.set(e.ctx, "k", over), otherError, valueLimitText)
	e.wantValue(b, "k", []byte("before"))
	e.wantErr("set(new, value of ValueLimit+1 bytes)", b.set(e.ctx, "new", over), otherError, valueLimitText)
	e.wantAbsent(b, "new")
}

// Rule 4: list-keys.

func listCases(f *family) []tcase {
	cs := []tcase{
		{"EmptyBucket", testListEmpty},
		{"Walk250Keys", testListWalk},
		{"BytewiseOrder", testListOrder},
	}
	switch f.cursor {
	case offsetCursor:
		cs = append(cs,
			tcase{"DeletesAheadOfTheCursorBetweenPages", testListDeletes},
			tcase{"CursorPastEnd", testListPastEnd})
	case keyCursor:
		cs = append(cs,
			tcase{"DeletesAndCreatesBetweenPages", testListDeletes},
			tcase{"CursorPastEnd", testListPastEnd},
			tcase{"MalformedCursor", testListMalformed})
	}
	return cs
}

func testListEmpty(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	keys, next, err := b.listPage(e.ctx, nil)
	e.ok("list-keys(none) on an empty bucket", err)
	if len(keys) != 0 || next != nil {
		t.Fatalf("%s: list-keys(none) on an empty bucket = %q, cursor %s; want [], none", f.name, keys, qp(next))
	}
}

// keyNames returns n distinct keys in a shuffled order.
func keyNames(n int, seed uint64) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%04d", i)
	}
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(n, func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	return keys
}

// checkWalk fails unless got holds every key of want exactly once, in
// bytewise order, and nothing else.
func checkWalk(t *testing.T, f *family, got, want []string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	seen := make(map[string]int, len(got))
	for _, k := range got {
		seen[k]++
	}
	for _, k := range want {
		if seen[k] != 1 {
			t.Fatalf("%s: the walk returned key %q %d times, want once (%d keys returned)", f.name, k, seen[k], len(got))
		}
	}
	if len(got) != len(want) {
		extra := []string{}
		for k := range seen {
			if !slices.Contains(want, k) {
				extra = append(extra, k)
			}
		}
		t.Fatalf("%s: the walk returned %d keys, want %d; unexpected: %q", f.name, len(got), len(want), extra)
	}
	if !slices.IsSorted(got) {
		t.Fatalf("%s: the walk returned keys out of bytewise order: %q", f.name, got)
	}
}

func testListWalk(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	keys := keyNames(250, 3)
	for _, k := range keys {
		e.set(b, k, []byte(k))
	}
	pages := 0
	got := e.walk(b, func(int, []string) { pages++ })
	checkWalk(t, f, got, keys)
	if f.cursor != noCursor && pages+1 < (250+PageSize-1)/PageSize {
		t.Fatalf("%s: 250 keys came in %d pages of at most %d", f.name, pages+1, PageSize)
	}
	// The walk changed nothing and can be repeated.
	checkWalk(t, f, e.walk(b, nil), keys)
}

func testListOrder(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	keys := []string{"b", "B", "a", "", "ab", "a\x00", "é", "z", "Z", "🔑", "\u00ff", "10", "9", "a b"}
	for _, k := range keys {
		e.set(b, k, nil)
	}
	want := slices.Sorted(slices.Values(keys)) // Go string order is bytewise
	if got := e.walk(b, nil); !slices.Equal(got, want) {
		t.Fatalf("%s: list-keys = %q, want bytewise order %q", f.name, got, want)
	}
}

// testListDeletes walks 250 keys while deleting and creating keys between
// pages. With a key cursor, keys before and after the cursor are deleted
// and created; with an offset cursor, only keys after every key listed so
// far are deleted (which does not move the offset). Every key that exists
// throughout must come back exactly once; keys deleted before their page
// was listed must not.
func testListDeletes(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	keys := keyNames(250, 4)
	for _, k := range keys {
		e.set(b, k, nil)
	}
	sorted := slices.Sorted(slices.Values(keys))
	deleted := map[string]bool{}
	created := map[string]bool{}
	got := e.walk(b, func(page int, listed []string) {
		last := listed[len(listed)-1]
		// Delete the 10 keys following the last one listed, and every
		// 7th key after those.
		i, _ := slices.BinarySearch(sorted, last)
		for j := i + 1; j < len(sorted) && j <= i+10; j++ {
			deleted[sorted[j]] = true
		}
		for j := i + 11; j < len(sorted); j += 7 {
			deleted[sorted[j]] = true
		}
		if f.cursor == keyCursor {
			// Delete the key the cursor names and one before it, and
			// create keys before and after the cursor.
			deleted[last] = true
			deleted[listed[0]] = true
			for _, k := range []string{"key-" + strconv.Itoa(page) + "-new", last + "+", "a-new-" + strconv.Itoa(page)} {
				created[k] = true
				e.set(b, k, nil)
			}
		}
		for k := range deleted {
			e.del(b, k)
		}
	})
	var survivors []string
	for _, k := range keys {
		if !deleted[k] {
			survivors = append(survivors, k)
		}
	}
	seen := map[string]int{}
	for _, k := range got {
		seen[k]++
		if seen[k] > 1 {
			t.Fatalf("%s: the walk returned %q twice", f.name, k)
		}
		if !slices.Contains(keys, k) && !created[k] {
			t.Fatalf("%s: the walk returned %q, which never existed", f.name, k)
		}
	}
	for _, k := range survivors {
		if seen[k] != 1 {
			t.Fatalf("%s: the walk missed %q, which existed throughout (%d keys deleted between pages, %d returned)", f.name, k, len(deleted), len(got))
		}
	}
	if !slices.IsSorted(got) {
		t.Fatalf("%s: the walk returned keys out of bytewise order: %q", f.name, got)
	}
}

func testListPastEnd(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	keys := keyNames(150, 5)
	for _, k := range keys {
		e.set(b, k, nil)
	}
	var cursors []string
	switch f.cursor {
	case offsetCursor:
		cursors = []string{"150", "151", "1000", strconv.FormatUint(math.MaxUint64, 10)}
	case keyCursor:
		cursors = []string{slices.Max(keys), "key-9999", "zzz", "\U0010FFFF"}
	}
	for _, c := range cursors {
		got, next, err := b.listPage(e.ctx, &c)
		e.ok(fmt.Sprintf("list-keys(some(%s)) past the end", q(c)), err)
		if len(got) != 0 || next != nil {
			t.Fatalf("%s: list-keys(some(%s)) past the end of 150 keys = %d keys, cursor %s; want ok([], none)", f.name, q(c), len(got), qp(next))
		}
	}
}

func testListMalformed(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.set(b, "k", nil)
	c := strings.Repeat("c", KeyLimit+1) // no walk returns a key this long
	_, _, err := b.listPage(e.ctx, &c)
	want := f.badCursor
	if want == notWIT {
		want = otherError
	}
	e.wantErr("list-keys(cursor of KeyLimit+1 bytes)", err, want)
	e.wantValue(b, "k", []byte{})
}

// Rule 5: increment.

func incrementCases(f *family) []tcase {
	cs := []tcase{
		{"AbsentKeyStartsAtZero", testIncrementAbsent},
		{"ExistingDecimalText", testIncrementExisting},
		{"NotADecimalInteger", testIncrementNotInteger},
		{"Overflow", testIncrementOverflow},
		{"Concurrent16", testIncrementConcurrent},
	}
	if f.signed {
		cs = append(cs, tcase{"NegativeDeltas", testIncrementNegative})
	}
	return cs
}

func testIncrementAbsent(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	if got := e.incr(b, "n", "5"); got != "5" {
		t.Fatalf("%s: increment(n, 5) on an absent key = %s, want 5", f.name, got)
	}
	e.wantValue(b, "n", []byte("5"))
	if keys := e.walk(b, nil); !slices.Equal(keys, []string{"n"}) {
		t.Fatalf("%s: list-keys after increment = %q, want [\"n\"]", f.name, keys)
	}
	if got := e.incr(b, "n", "37"); got != "42" {
		t.Fatalf("%s: increment(n, 37) after 5 = %s, want 42", f.name, got)
	}
	e.wantValue(b, "n", []byte("42"))
	if got := e.incr(b, "zero", "0"); got != "0" {
		t.Fatalf("%s: increment(zero, 0) on an absent key = %s, want 0", f.name, got)
	}
	e.wantValue(b, "zero", []byte("0"))
	if got := e.incr(b, "", "3"); got != "3" {
		t.Fatalf("%s: increment(\"\", 3) on an absent key = %s, want 3", f.name, got)
	}
}

func testIncrementExisting(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	for _, c := range []struct{ stored, delta, want string }{
		{"41", "1", "42"},
		{"0", "10", "10"},
		{"999", "1", "1000"},
		{"4294967295", "1", "4294967296"}, // past u32
	} {
		e.set(b, "n", []byte(c.stored))
		if got := e.incr(b, "n", c.delta); got != c.want {
			t.Fatalf("%s: increment(n, %s) on %q = %s, want %s", f.name, c.delta, c.stored, got, c.want)
		}
		e.wantValue(b, "n", []byte(c.want))
	}
}

func testIncrementNotInteger(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	bad := []string{"abc", "", "1.5", " 7", "7 ", "0x10", "1e3", "7a", "١٢", "--1", "+", "1_000"}
	if !f.signed {
		bad = append(bad, "-1")
	}
	for _, v := range bad {
		e.set(b, "n", []byte(v))
		_, err := b.increment(e.ctx, "n", "1")
		e.wantErr(fmt.Sprintf("increment(n, 1) on %q", v), err, otherError)
		e.wantValue(b, "n", []byte(v))
	}
	e.set(b, "bin", []byte{0x00, 0xff})
	_, err := b.increment(e.ctx, "bin", "1")
	e.wantErr("increment(bin, 1) on 00 ff", err, otherError)
	e.wantValue(b, "bin", []byte{0x00, 0xff})
}

func testIncrementOverflow(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	type overflow struct{ stored, delta string }
	var cases []overflow
	var max string
	if f.signed {
		max = strconv.FormatInt(math.MaxInt64, 10)
		min := strconv.FormatInt(math.MinInt64, 10)
		cases = []overflow{
			{max, "1"},
			{"1", max},
			{min, "-1"},
			{"-2", min},
			{strconv.FormatUint(math.MaxUint64, 10), "1"}, // a u64, not an s64: not a counter
			{"9223372036854775808", "-1"},
		}
	} else {
		max = strconv.FormatUint(math.MaxUint64, 10)
		cases = []overflow{
			{max, "1"},
			{"1", max},
			{"18446744073709551616", "0"}, // does not fit a u64: not a counter
			{"9223372036854775808", "9223372036854775808"},
		}
	}
	for _, c := range cases {
		e.set(b, "n", []byte(c.stored))
		_, err := b.increment(e.ctx, "n", c.delta)
		e.wantErr(fmt.Sprintf("increment(n, %s) on %s", c.delta, c.stored), err, otherError)
		e.wantValue(b, "n", []byte(c.stored))
	}
	// The largest value is reachable, exactly.
	if got := e.incr(b, "max", max); got != max {
		t.Fatalf("%s: increment(max, %s) on an absent key = %s", f.name, max, got)
	}
	if got := e.incr(b, "max", "0"); got != max {
		t.Fatalf("%s: increment(max, 0) on %s = %s", f.name, max, got)
	}
	_, err := b.increment(e.ctx, "max", "1")
	e.wantErr("increment(max, 1) on the largest value", err, otherError)
	e.wantValue(b, "max", []byte(max))
}

func testIncrementNegative(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	steps := []struct{ delta, want string }{
		{"-5", "-5"}, {"10", "5"}, {"-5", "0"}, {"-1", "-1"}, {"1", "0"},
	}
	for _, s := range steps {
		if got := e.incr(b, "n", s.delta); got != s.want {
			t.Fatalf("%s: increment(n, %s) = %s, want %s", f.name, s.delta, got, s.want)
		}
		e.wantValue(b, "n", []byte(s.want))
	}
	e.set(b, "m", []byte("-7"))
	if got := e.incr(b, "m", "-3"); got != "-10" {
		t.Fatalf("%s: increment(m, -3) on \"-7\" = %s, want -10", f.name, got)
	}
	min := strconv.FormatInt(math.MinInt64, 10)
	if got := e.incr(b, "min", min); got != min {
		t.Fatalf("%s: increment(min, %s) on an absent key = %s", f.name, min, got)
	}
}

// testIncrementConcurrent: 16 goroutines each increment one key by 1, n
// times; the 16n results must be exactly 1..16n, and the final value 16n.
// n is 1000, or 250 under the race detector, which slows each call (a TLS
// handshake above all) several times over; the goroutines still interleave
// throughout. Each call has its own deadline (callCtx): on a loaded
// machine, or with the race detector, the calls (over NATS, one JetStream
// update and one connection each) can take longer than callTimeout
// together, and only a call that hangs should fail the case.
func testIncrementConcurrent(t *testing.T, f *family) {
	const goroutines = 16
	each := 1000
	if raceEnabled {
		each = 250
	}
	e, b := f.bucketEnv(t)
	results := make([][]string, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ctx, cancel := e.callCtx()
				n, err := b.increment(ctx, "n", "1")
				cancel()
				if err != nil {
					errs[g] = err
					return
				}
				results[g] = append(results[g], n)
			}
		}()
	}
	wg.Wait()
	e.renew()
	for _, err := range errs {
		e.ok("concurrent increment(n, 1)", err)
	}
	seen := make(map[string]bool, goroutines*each)
	for _, rs := range results {
		for _, n := range rs {
			v, err := strconv.Atoi(n)
			if err != nil || v < 1 || v > goroutines*each {
				t.Fatalf("%s: a concurrent increment by 1 returned %s, outside 1..%d", f.name, n, goroutines*each)
			}
			if seen[n] {
				t.Fatalf("%s: two concurrent increments by 1 both returned %s", f.name, n)
			}
			seen[n] = true
		}
	}
	e.wantValue(b, "n", []byte(strconv.Itoa(goroutines*each)))
}

// Rule 7: batch.

var batchCases = []tcase{
	{"GetManyOrderMissingAndDuplicates", testGetMany},
	{"SetManyLastDuplicateWins", testSetMany},
	{"DeleteMany", testDeleteMany},
	{"EmptyBatches", testEmptyBatches},
	{"ErrorsSayHowFar", testBatchErrors},
}

func testGetMany(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.set(b, "a", []byte("A"))
	e.set(b, "b", []byte("B"))
	e.set(b, "empty", nil)
	req := []string{"a", "b", "missing", "a", "empty", "missing", ""}
	want := []getResult{
		{found: true, key: "a", value: []byte("A")},
		{found: true, key: "b", value: []byte("B")},
		{},
		{found: true, key: "a", value: []byte("A")},
		{found: true, key: "empty", value: []byte{}},
		{},
		{},
	}
	got, err := b.getMany(e.ctx, req)
	e.ok(fmt.Sprintf("get-many(%q)", req), err)
	if len(got) != len(want) {
		t.Fatalf("%s: get-many(%q) returned %d entries, want %d (one per key)", f.name, req, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		switch {
		case g.found != w.found:
			t.Fatalf("%s: get-many(%q)[%d] (key %q): found = %v, want %v", f.name, req, i, req[i], g.found, w.found)
		case !g.found:
		case g.value == nil:
			t.Fatalf("%s: get-many(%q)[%d] (key %q) = some(nil), want a non-nil slice", f.name, req, i, req[i])
		case !bytes.Equal(g.value, w.value):
			t.Fatalf("%s: get-many(%q)[%d] (key %q) = %s, want %s", f.name, req, i, req[i], short(g.value), short(w.value))
		case g.hasKey && g.key != w.key:
			t.Fatalf("%s: get-many(%q)[%d] has key %q, want %q", f.name, req, i, g.key, w.key)
		}
	}
}

func testSetMany(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.set(b, "old", []byte("before"))
	e.ok("set-many", b.setMany(e.ctx, []entry{
		{"x", []byte("1")}, {"y", []byte("2")}, {"x", []byte("3")},
		{"old", []byte("after")}, {"empty", nil}, {"y", []byte("4")}, {"x", []byte("5")},
	}))
	e.wantValue(b, "x", []byte("5"))
	e.wantValue(b, "y", []byte("4"))
	e.wantValue(b, "old", []byte("after"))
	e.wantValue(b, "empty", []byte{})
	if keys := e.walk(b, nil); !slices.Equal(keys, []string{"empty", "old", "x", "y"}) {
		t.Fatalf("%s: list-keys after set-many = %q", f.name, keys)
	}
}

func testDeleteMany(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	for _, k := range []string{"a", "b", "c", "d"} {
		e.set(b, k, []byte(k))
	}
	e.ok("delete-many([a missing c a])", b.deleteMany(e.ctx, []string{"a", "missing", "c", "a"}))
	e.wantAbsent(b, "a")
	e.wantAbsent(b, "c")
	e.wantValue(b, "b", []byte("b"))
	e.wantValue(b, "d", []byte("d"))
	e.ok("delete-many of missing keys", b.deleteMany(e.ctx, []string{"a", "c", "nothing"}))
	if keys := e.walk(b, nil); !slices.Equal(keys, []string{"b", "d"}) {
		t.Fatalf("%s: list-keys after delete-many = %q, want [\"b\" \"d\"]", f.name, keys)
	}
}

func testEmptyBatches(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.set(b, "k", []byte("v"))
	got, err := b.getMany(e.ctx, []string{})
	e.ok("get-many([])", err)
	if len(got) != 0 {
		t.Fatalf("%s: get-many([]) returned %d entries", f.name, len(got))
	}
	e.ok("set-many([])", b.setMany(e.ctx, []entry{}))
	e.ok("delete-many([])", b.deleteMany(e.ctx, []string{}))
	e.ok("set-many(nil)", b.setMany(e.ctx, nil))
	e.ok("delete-many(nil)", b.deleteMany(e.ctx, nil))
	e.wantValue(b, "k", []byte("v"))
	if keys := e.walk(b, nil); !slices.Equal(keys, []string{"k"}) {
		t.Fatalf("%s: list-keys after empty batches = %q, want [\"k\"]", f.name, keys)
	}
}

// testBatchErrors checks that a failing batch is other, names the limit,
// stops at the failing entry (the entries applied are a prefix), and says
// how far it got: its message holds the number of entries applied and the
// number requested.
func testBatchErrors(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	long := strings.Repeat("x", KeyLimit+1)

	req := []entry{{"s0", []byte("0")}, {long, []byte("1")}, {"s2", []byte("2")}}
	msg := e.wantErr("set-many([s0, key of KeyLimit+1 bytes, s2])", b.setMany(e.ctx, req), otherError, keyLimitText)
	done := 0
	if _, ok := e.get(b, "s0"); ok {
		done = 1
	}
	e.wantAbsent(b, "s2")
	wantProgress(t, f, "set-many", msg, done, len(req))

	for _, k := range []string{"d0", "d2"} {
		e.set(b, k, nil)
	}
	msg = e.wantErr("delete-many([d0, key of KeyLimit+1 bytes, d2])", b.deleteMany(e.ctx, []string{"d0", long, "d2"}), otherError, keyLimitText)
	done = 0
	if !e.exists(b, "d0") {
		done = 1
	}
	e.wantValue(b, "d2", []byte{})
	wantProgress(t, f, "delete-many", msg, done, 3)

	_, err := b.getMany(e.ctx, []string{"d2", long})
	e.wantErr("get-many([d2, key of KeyLimit+1 bytes])", err, otherError, keyLimitText)
}

var number = regexp.MustCompile(`\d+`)

func wantProgress(t *testing.T, f *family, op, msg string, done, total int) {
	t.Helper()
	nums := number.FindAllString(msg, -1)
	if !slices.Contains(nums, strconv.Itoa(done)) || !slices.Contains(nums, strconv.Itoa(total)) {
		t.Fatalf("%s: the %s error %q does not say how far the batch got: want the number of entries applied (%d) and requested (%d)", f.name, op, msg, done, total)
	}
}

// Rule 9: errors are values; the store keeps serving.

var errorCases = []tcase{
	{"BadInputIsAWITErrorAndTheStoreKeepsServing", testErrorsAreValues},
}

func testErrorsAreValues(t *testing.T, f *family) {
	e, b := f.bucketEnv(t)
	e.set(b, "k", []byte("v"))
	long := strings.Repeat("x", KeyLimit+1)
	bad := []struct {
		name string
		call func() error
	}{
		{"set(too long)", func() error { return b.set(e.ctx, long, nil) }},
		{"get(too long)", func() error { _, _, err := b.get(e.ctx, long); return err }},
		{"increment(k=\"v\")", func() error { _, err := b.increment(e.ctx, "k", "1"); return err }},
		{"set-many(too long)", func() error { return b.setMany(e.ctx, []entry{{long, nil}}) }},
		{"get-many(too long)", func() error { _, err := b.getMany(e.ctx, []string{long}); return err }},
		{"set(value too large)", func() error { return b.set(e.ctx, "big", make([]byte, ValueLimit+1)) }},
	}
	for range 3 {
		for _, c := range bad {
			e.wantErr(c.name, c.call(), otherError)
		}
	}
	e.wantValue(b, "k", []byte("v"))
	e.set(b, "after", []byte("ok"))
	e.wantValue(b, "after", []byte("ok"))
	if got := e.incr(b, "n", "1"); got != "1" {
		t.Fatalf("%s: increment after errors = %s, want 1", f.name, got)
	}
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	return p
}
