package policy

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/engine/enginetest"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

func as(ctx context.Context, principal string) context.Context {
	return wrpc.WithPeer(ctx, wrpc.Peer{Principal: principal})
}

func mustPolicy(t *testing.T, text string) *Policy {
	t.Helper()
	p, err := Parse("test.policy", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeBucket stands for the engine below the policy: it embeds a nil
// engine.Bucket, so every method panics, and a call that panics got
// through the policy.
type fakeBucket struct{ engine.Bucket }

// fakeEngine opens fakeBuckets and does not report its options.
type fakeEngine struct{ opened, openedExisting []string }

func (f *fakeEngine) Open(_ context.Context, name string) (engine.Bucket, error) {
	f.opened = append(f.opened, name)
	return fakeBucket{}, nil
}

func (f *fakeEngine) OpenExisting(_ context.Context, name string) (engine.Bucket, error) {
	f.openedExisting = append(f.openedExisting, name)
	return fakeBucket{}, nil
}

// call calls the method m of b through reflection, with ctx and zero
// values for the other arguments, and returns its error result, or
// reached=true if it panicked in the fake bucket below (it reached the
// engine).
func call(t *testing.T, b engine.Bucket, m reflect.Method, ctx context.Context) (reached bool, err error) {
	t.Helper()
	fn := reflect.ValueOf(b).MethodByName(m.Name)
	args := make([]reflect.Value, m.Type.NumIn())
	ctxType := reflect.TypeFor[context.Context]()
	for i := range args {
		if in := m.Type.In(i); in == ctxType {
			args[i] = reflect.ValueOf(ctx)
		} else {
			args[i] = reflect.Zero(in)
		}
	}
	if last := m.Type.Out(m.Type.NumOut() - 1); last != reflect.TypeFor[error]() {
		t.Fatalf("Bucket.%s: last result %v, not error", m.Name, last)
	}
	defer func() {
		if recover() != nil {
			reached = true
		}
	}()
	out := fn.Call(args)
	err, _ = out[len(out)-1].Interface().(error)
	return false, err
}

// TestEveryBucketMethodIsChecked is the guard against an unchecked method:
// every method of engine.Bucket has its right in the table, and through the
// wrapper, each is denied (without reaching the engine) to a principal that
// has every right but that one, and reaches the engine for one that has
// only that right. A method added to engine.Bucket fails here until the
// wrapper checks it.
func TestEveryBucketMethodIsChecked(t *testing.T) {
	bt := reflect.TypeFor[engine.Bucket]()
	var methods []string
	for m := range bt.Methods() {
		methods = append(methods, m.Name)
	}
	var table []string
	for name := range needs {
		table = append(table, name)
	}
	slices.Sort(methods)
	slices.Sort(table)
	if !slices.Equal(methods, table) {
		t.Fatalf("the methods of engine.Bucket are %q, the table of rights (needs) has %q: give every method its right, and check it in the wrapper", methods, table)
	}
	ctx := t.Context()
	for m := range bt.Methods() {
		want := needs[m.Name]
		if want != Read && want != Write {
			t.Errorf("Bucket.%s needs %v: want read or write", m.Name, want)
		}
		all := Read | Write | Create
		p, err := New(
			Rule{Principal: "lacks", Bucket: "b", Rights: all &^ want},
			Rule{Principal: "has", Bucket: "b", Rights: want},
		)
		if err != nil {
			t.Fatal(err)
		}
		fe := &fakeEngine{}
		b, err := Wrap(fe, p).Open(as(ctx, "has"), "b")
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		reached, err := call(t, b, m, as(ctx, "lacks"))
		if reached {
			t.Errorf("Bucket.%s by a principal without %v reached the engine", m.Name, want)
			continue
		}
		var de *DeniedError
		if !errors.As(err, &de) || !errors.Is(err, engine.ErrAccessDenied) || de.Missing != want || de.Principal != "lacks" || de.Bucket != "b" {
			t.Errorf("Bucket.%s by a principal without %v: err = %#v", m.Name, want, err)
		}
		if want := `access denied: principal "lacks" may not ` + want.String() + ` bucket "b"`; err == nil || err.Error() != want {
			t.Errorf("Bucket.%s: message %v, want %s", m.Name, err, want)
		}
		if reached, err := call(t, b, m, as(ctx, "has")); !reached {
			t.Errorf("Bucket.%s by a principal with %v did not reach the engine: err = %v", m.Name, want, err)
		}
	}
}

// TestEngineMethods: Open is the only method of engine.Engine; a new one
// must be checked by the wrapper before this test is updated.
func TestEngineMethods(t *testing.T) {
	et := reflect.TypeFor[engine.Engine]()
	if et.NumMethod() != 1 || et.Method(0).Name != "Open" {
		t.Fatalf("engine.Engine has methods other than Open: check each in the policy wrapper (engine.go), then update this test")
	}
}

func TestOpen(t *testing.T) {
	ctx := t.Context()
	p := mustPolicy(t, `
uid:1  *      read
uid:2  *      write
uid:3  *      create
uid:4  known  read
`)
	mem := memory.New(engine.CreateOnOpen(true), engine.Buckets("known"))
	e := Wrap(mem, p)
	if _, ok := e.(interface{ Options() engine.Options }); !ok {
		t.Error("the wrapper of an engine with Options() has none")
	}
	for _, who := range []string{"uid:1", "uid:2", "uid:3", "uid:4"} {
		if _, err := e.Open(as(ctx, who), "known"); err != nil {
			t.Errorf("%s: Open(known): %v", who, err)
		}
	}
	// Without create, an unknown bucket is denied and not created.
	for _, who := range []string{"uid:1", "uid:2"} {
		_, err := e.Open(as(ctx, who), "new")
		var de *DeniedError
		if !errors.As(err, &de) || de.Missing != Create {
			t.Fatalf("%s: Open(new) without create: err = %v, want a denial of create", who, err)
		}
		if want := `access denied: principal "` + who + `" may not create bucket "new"`; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
		if _, err := mem.OpenExisting(ctx, "new"); !errors.Is(err, engine.ErrNoSuchStore) {
			t.Fatalf("a denied open created the bucket: %v", err)
		}
	}
	// No right at all.
	for _, c := range []struct{ who, bucket string }{{"uid:4", "other"}, {"uid:5", "known"}, {wrpc.Anonymous, "known"}} {
		_, err := e.Open(as(ctx, c.who), c.bucket)
		want := `access denied: principal "` + c.who + `" may not open bucket "` + c.bucket + `" (no read, write or create right on it)`
		if !errors.Is(err, engine.ErrAccessDenied) || err.Error() != want {
			t.Errorf("%s: Open(%s): err = %v, want %s", c.who, c.bucket, err, want)
		}
	}
	// With create, it is created; then the others may open it.
	if _, err := e.Open(as(ctx, "uid:3"), "new"); err != nil {
		t.Fatalf("Open(new) with create: %v", err)
	}
	if _, err := e.Open(as(ctx, "uid:1"), "new"); err != nil {
		t.Fatalf("Open of a bucket another principal created: %v", err)
	}
	// A creator may not read or write.
	b, _ := e.Open(as(ctx, "uid:3"), "new")
	if err := b.Set(as(ctx, "uid:3"), "k", nil); !errors.Is(err, engine.ErrAccessDenied) {
		t.Errorf("Set by a creator only: %v", err)
	}

	// On an engine that does not create on open, an unknown bucket is
	// no-such-store for everyone with a right on it.
	e = Wrap(memory.New(engine.CreateOnOpen(false), engine.Buckets("known")), p)
	for _, who := range []string{"uid:1", "uid:3"} {
		if _, err := e.Open(as(ctx, who), "new"); !errors.Is(err, engine.ErrNoSuchStore) || errors.Is(err, engine.ErrAccessDenied) {
			t.Errorf("%s: Open(new) without create-on-open: err = %v, want no-such-store", who, err)
		}
	}
}

// TestOpenWithoutExistingOpener: on an engine that may create on open but
// cannot open without creating, a principal without create opens nothing.
func TestOpenWithoutExistingOpener(t *testing.T) {
	ctx := t.Context()
	p := mustPolicy(t, "reader * read\ncreator * create\n")
	inner := onlyOpen{&fakeEngine{}}
	e := Wrap(inner, p)
	if _, err := e.Open(as(ctx, "reader"), "b"); !errors.Is(err, engine.ErrAccessDenied) || !strings.Contains(err.Error(), "may not create") {
		t.Errorf("reader: %v", err)
	}
	if _, err := e.Open(as(ctx, "creator"), "b"); err != nil {
		t.Errorf("creator: %v", err)
	}
	if got := inner.f.opened; !slices.Equal(got, []string{"b"}) {
		t.Errorf("engine opens: %q, want only the creator's", got)
	}
	// With ExistingOpener, the reader's open does not use Open.
	fe := &fakeEngine{}
	if _, err := Wrap(fe, p).Open(as(ctx, "reader"), "b"); err != nil {
		t.Fatal(err)
	}
	if len(fe.opened) != 0 || !slices.Equal(fe.openedExisting, []string{"b"}) {
		t.Errorf("reader: Open %q, OpenExisting %q", fe.opened, fe.openedExisting)
	}
	if _, ok := Wrap(fe, p).(interface{ Options() engine.Options }); ok {
		t.Error("the wrapper of an engine without Options() has one")
	}
}

type onlyOpen struct{ f *fakeEngine }

func (o onlyOpen) Open(ctx context.Context, name string) (engine.Bucket, error) {
	return o.f.Open(ctx, name)
}

// TestEachCallChecksItsOwnPrincipal: a bucket opened by one principal is
// checked, call by call, against the principal of each call.
func TestEachCallChecksItsOwnPrincipal(t *testing.T) {
	ctx := t.Context()
	p := mustPolicy(t, "rw * read,write\nro * read\n")
	b, err := Wrap(memory.New(engine.CreateOnOpen(false), engine.Buckets("b")), p).Open(as(ctx, "rw"), "b")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Set(as(ctx, "rw"), "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(as(ctx, "ro"), "k", []byte("w")); !errors.Is(err, engine.ErrAccessDenied) {
		t.Fatalf("Set by a reader: %v", err)
	}
	v, ok, err := b.Get(as(ctx, "ro"), "k")
	if err != nil || !ok || string(v) != "v" {
		t.Fatalf("Get by a reader: %q %v %v (the denied Set must change nothing)", v, ok, err)
	}
	// A context without a caller is anonymous, who has no right here.
	if _, _, err := b.Get(ctx, "k"); err == nil || err.Error() != `access denied: principal "anonymous" may not read bucket "b"` {
		t.Errorf("Get without a caller: %v", err)
	}
}

func TestNilPolicyDeniesAll(t *testing.T) {
	e := Wrap(memory.New(engine.CreateOnOpen(true)), nil)
	if _, err := e.Open(as(t.Context(), "uid:0"), "b"); !errors.Is(err, engine.ErrAccessDenied) {
		t.Errorf("Open with a nil policy: %v", err)
	}
	if _, err := Wrap(memory.New(engine.CreateOnOpen(true)), DenyAll()).Open(as(t.Context(), "uid:0"), "b"); !errors.Is(err, engine.ErrAccessDenied) {
		t.Errorf("Open with DenyAll: %v", err)
	}
}

func TestDeniedErrorCutsLongNames(t *testing.T) {
	err := &DeniedError{Principal: "p", Bucket: strings.Repeat("x", 1000) + "\n", Missing: Write}
	want := `access denied: principal "p" may not write bucket "` + strings.Repeat("x", 128) + `"...`
	if err.Error() != want {
		t.Errorf("%s", err)
	}
}

// TestAllowAllIsTransparent: with every right granted, the wrapped engine
// passes the engine conformance suite: the policy changes nothing but
// denials.
func TestAllowAllIsTransparent(t *testing.T) {
	all, err := New(Rule{Principal: "*", Bucket: "*", Rights: Read | Write | Create})
	if err != nil {
		t.Fatal(err)
	}
	enginetest.Run(t, func(t *testing.T, opts ...engine.Option) engine.Engine {
		return Wrap(memory.New(opts...), all)
	})
}
