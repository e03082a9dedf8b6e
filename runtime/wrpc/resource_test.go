package wrpc

import (
	"context"
	"errors"
	"testing"
	"time"
)

type closer struct{ closed bool }

func (c *closer) Close() error { c.closed = true; return nil }

func TestHandleTable(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	tab := newHandleTable()
	tab.max, tab.ttl = 2, time.Minute
	tab.now = func() time.Time { return now }

	a := &closer{}
	ha, err := tab.export("i#r", a)
	if err != nil || len(ha) != 16 {
		t.Fatalf("export = %x, %v", ha, err)
	}
	hb, _ := tab.export("i#r", "b")
	if string(ha) == string(hb) {
		t.Fatal("two handles are equal")
	}
	if _, err := tab.export("i#r", "c"); !errors.Is(err, ErrTooManyHandles) {
		t.Fatalf("third export into a table of 2: %v", err)
	}
	// A handle is typed: the same bytes for another resource are unknown.
	if _, err := tab.resolve(ctx, "i#other", ha, Borrow); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("resolve as another type: %v", err)
	}
	// Borrow keeps the handle and refreshes it; own takes it out.
	now = now.Add(50 * time.Second)
	if v, err := tab.resolve(ctx, "i#r", ha, Borrow); err != nil || v != a {
		t.Fatalf("borrow = %v, %v", v, err)
	}
	if v, err := tab.resolve(ctx, "i#r", hb, Own); err != nil || v != "b" {
		t.Fatalf("own = %v, %v", v, err)
	}
	if _, err := tab.resolve(ctx, "i#r", hb, Borrow); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("handle after own transfer: %v", err)
	}
	// a was used 50 s in; 61 s later it has expired, and a full table sweeps it.
	now = now.Add(61 * time.Second)
	if _, err := tab.resolve(ctx, "i#r", ha, Borrow); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("expired handle: %v", err)
	}
	tab.export("i#r", "d")
	if _, err := tab.export("i#r", "e"); err != nil {
		t.Fatalf("export after expiry: %v", err)
	}
	if !a.closed {
		t.Fatal("the expired value was not closed")
	}
	tab.closeAll()
	if len(tab.entries) != 0 {
		t.Fatal("closeAll left entries")
	}
}

type resolver struct{ got []string }

func (r *resolver) ResolveHandle(_ context.Context, instance, resource string, h []byte) (any, error) {
	r.got = append(r.got, instance+"|"+resource+"|"+string(h))
	if string(h) == "bad" {
		return nil, errors.New("no such bucket")
	}
	return stateless(h), nil
}

type stateless []byte

func (s stateless) WRPCHandle() []byte { return s }

func TestStatelessHandles(t *testing.T) {
	ctx := context.Background()
	tab := newHandleTable()
	r := &resolver{}
	tab.resolvers["wasi:keyvalue/store@0.2.0-draft2#bucket"] = r
	h, err := tab.export("wasi:keyvalue/store@0.2.0-draft2#bucket", stateless("sessions"))
	if err != nil || string(h) != "sessions" {
		t.Fatalf("export = %q, %v", h, err)
	}
	if len(tab.entries) != 0 {
		t.Fatal("a stateless resource went into the table")
	}
	// A value without its own handle goes to the table, and is found there
	// before the resolver is asked.
	th, err := tab.export("wasi:keyvalue/store@0.2.0-draft2#bucket", "stateful")
	if err != nil || len(th) != 16 || len(tab.entries) != 1 {
		t.Fatalf("export of a stateful value = %x, %v (%d entries)", th, err, len(tab.entries))
	}
	if v, err := tab.resolve(ctx, "wasi:keyvalue/store@0.2.0-draft2#bucket", th, Borrow); err != nil || v != "stateful" {
		t.Fatalf("resolve of the table handle = %v, %v", v, err)
	}
	v, err := tab.resolve(ctx, "wasi:keyvalue/store@0.2.0-draft2#bucket", []byte("sessions"), Own)
	if err != nil || string(v.(stateless)) != "sessions" {
		t.Fatalf("resolve = %v, %v", v, err)
	}
	if _, err := tab.resolve(ctx, "wasi:keyvalue/store@0.2.0-draft2#bucket", []byte("bad"), Borrow); err == nil {
		t.Fatal("resolver error lost")
	}
	want := "wasi:keyvalue/store@0.2.0-draft2|bucket|sessions"
	if len(r.got) != 2 || r.got[0] != want {
		t.Fatalf("resolver saw %q", r.got)
	}
}
