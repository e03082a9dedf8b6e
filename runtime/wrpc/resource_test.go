package wrpc

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

type closer struct{ closed bool }

func (c *closer) Close() error { c.closed = true; return nil }

func TestHandleTable(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	tab := newHandleTable()
	tab.max, tab.ttl, tab.quota = 2, time.Minute, 2
	tab.now = func() time.Time { return now }

	a := &closer{}
	ha, err := tab.export(ctx, resourceType{"i", "r"}, a)
	if err != nil || len(ha) != 16 {
		t.Fatalf("export = %x, %v", ha, err)
	}
	hb, _ := tab.export(ctx, resourceType{"i", "r"}, "b")
	if string(ha) == string(hb) {
		t.Fatal("two handles are equal")
	}
	if _, err := tab.export(ctx, resourceType{"i", "r"}, "c"); !errors.Is(err, ErrTooManyHandles) {
		t.Fatalf("third export into a table of 2: %v", err)
	}
	// A handle is typed: the same bytes for another resource are unknown.
	if _, err := tab.resolve(ctx, resourceType{"i", "other"}, ha, Borrow); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("resolve as another type: %v", err)
	}
	// Borrow keeps the handle and refreshes it; own takes it out.
	now = now.Add(50 * time.Second)
	if v, err := tab.resolve(ctx, resourceType{"i", "r"}, ha, Borrow); err != nil || v != a {
		t.Fatalf("borrow = %v, %v", v, err)
	}
	if v, err := tab.resolve(ctx, resourceType{"i", "r"}, hb, Own); err != nil || v != "b" {
		t.Fatalf("own = %v, %v", v, err)
	}
	if _, err := tab.resolve(ctx, resourceType{"i", "r"}, hb, Borrow); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("handle after own transfer: %v", err)
	}
	// a was used 50 s in; 61 s later it has expired, and a full table sweeps it.
	now = now.Add(61 * time.Second)
	if _, err := tab.resolve(ctx, resourceType{"i", "r"}, ha, Borrow); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("expired handle: %v", err)
	}
	tab.export(ctx, resourceType{"i", "r"}, "d")
	if _, err := tab.export(ctx, resourceType{"i", "r"}, "e"); err != nil {
		t.Fatalf("export after expiry: %v", err)
	}
	if !a.closed {
		t.Fatal("the expired value was not closed")
	}
	tab.closeAll()
	if len(tab.entries) != 0 || tab.lru.Len() != 0 || len(tab.perOwner) != 0 {
		t.Fatal("closeAll left entries")
	}
}

// Handles belong to the client that created them, within a per-client
// quota: one client can neither use another's handles nor fill the table
// for the others.
func TestHandleOwners(t *testing.T) {
	tab := newHandleTable()
	tab.max = 8
	tab.quota = 3
	alice := WithPeer(context.Background(), Peer{Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1}, Principal: Anonymous})
	bob := WithPeer(context.Background(), Peer{Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 2}, Principal: Anonymous})
	// A second connection of alice's, from another port, is still alice.
	alice2 := WithPeer(context.Background(), Peer{Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 3}, Principal: Anonymous})
	var hs [][]byte
	for i := range 3 {
		h, err := tab.export(alice, resourceType{"i", "r"}, i)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	if _, err := tab.export(alice, resourceType{"i", "r"}, 3); !errors.Is(err, ErrTooManyHandles) || !strings.Contains(err.Error(), "limit 3 per client") {
		t.Fatalf("over alice's quota: %v", err)
	}
	if _, err := tab.resolve(bob, resourceType{"i", "r"}, hs[0], Borrow); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("bob used alice's handle: %v", err)
	}
	if _, err := tab.resolve(bob, resourceType{"i", "r"}, hs[0], Own); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("bob took alice's handle: %v", err)
	}
	if _, err := tab.export(bob, resourceType{"i", "r"}, "b"); err != nil {
		t.Fatalf("bob is refused while alice is at her quota: %v", err)
	}
	if v, err := tab.resolve(alice2, resourceType{"i", "r"}, hs[0], Own); err != nil || v != 0 {
		t.Fatalf("alice's own handle: %v, %v", v, err)
	}
	if _, err := tab.export(alice, resourceType{"i", "r"}, 4); err != nil {
		t.Fatalf("alice after giving one back: %v", err)
	}
}

// Expiry takes the least recently used entries first and stops at the
// first live one.
func TestHandleExpiryOrder(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(0, 0)
	tab := newHandleTable()
	tab.ttl = time.Minute
	tab.now = func() time.Time { return now }
	a, b, c := &closer{}, &closer{}, &closer{}
	ha, _ := tab.export(ctx, resourceType{"i", "r"}, a)
	now = now.Add(20 * time.Second)
	tab.export(ctx, resourceType{"i", "r"}, b)
	now = now.Add(20 * time.Second)
	tab.export(ctx, resourceType{"i", "r"}, c)
	if _, err := tab.resolve(ctx, resourceType{"i", "r"}, ha, Borrow); err != nil { // a is now the newest
		t.Fatal(err)
	}
	now = now.Add(45 * time.Second) // b is 85 s old, c 45 s, a 45 s
	tab.mu.Lock()
	tab.expireLocked(now)
	tab.unlock()
	if !b.closed || a.closed || c.closed || len(tab.entries) != 2 {
		t.Fatalf("after expiry: a %v b %v c %v, %d entries", a.closed, b.closed, c.closed, len(tab.entries))
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

var bucketType = resourceType{"wasi:keyvalue/store@0.2.0-draft2", "bucket"}

func TestStatelessHandles(t *testing.T) {
	ctx := context.Background()
	tab := newHandleTable()
	r := &resolver{}
	tab.resolvers[bucketType] = r
	h, err := tab.export(ctx, bucketType, stateless("sessions"))
	if err != nil || string(h) != "sessions" {
		t.Fatalf("export = %q, %v", h, err)
	}
	if len(tab.entries) != 0 {
		t.Fatal("a stateless resource went into the table")
	}
	// A value without its own handle goes to the table, and is found there
	// before the resolver is asked.
	th, err := tab.export(ctx, bucketType, "stateful")
	if err != nil || len(th) != 16 || len(tab.entries) != 1 {
		t.Fatalf("export of a stateful value = %x, %v (%d entries)", th, err, len(tab.entries))
	}
	if v, err := tab.resolve(ctx, bucketType, th, Borrow); err != nil || v != "stateful" {
		t.Fatalf("resolve of the table handle = %v, %v", v, err)
	}
	v, err := tab.resolve(ctx, bucketType, []byte("sessions"), Own)
	if err != nil || string(v.(stateless)) != "sessions" {
		t.Fatalf("resolve = %v, %v", v, err)
	}
	if _, err := tab.resolve(ctx, bucketType, []byte("bad"), Borrow); err == nil {
		t.Fatal("resolver error lost")
	}
	want := "wasi:keyvalue/store@0.2.0-draft2|bucket|sessions"
	if len(r.got) != 2 || r.got[0] != want {
		t.Fatalf("resolver saw %q", r.got)
	}
}
