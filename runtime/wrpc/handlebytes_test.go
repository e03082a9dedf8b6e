package wrpc

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// callCtx is the context of a server call from ip on a server with table t.
func callCtx(t *handleTable, ip string) context.Context {
	return withPeer(context.Background(), &Peer{Addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 1}, Principal: Anonymous, handles: t})
}

// bytesValue holds n bytes of an account until closed.
type bytesValue struct {
	acct *ByteAccount
	n    int64
}

func (v *bytesValue) Close() error { v.acct.Release(v.n); return nil }

func TestHandleBytes(t *testing.T) {
	tab := newHandleTable()
	tab.bytesMax, tab.bytesQuota = 100, 60
	alice, bob := callCtx(tab, "10.0.0.1"), callCtx(tab, "10.0.0.2")
	a, b := HandleBytes(alice), HandleBytes(bob)
	if err := a.Reserve(60); err != nil {
		t.Fatal(err)
	}
	if err := a.Reserve(1); !errors.Is(err, ErrHandleBytes) || !strings.Contains(err.Error(), "limit 60 bytes per client") {
		t.Fatalf("over alice's share: %v", err)
	}
	if err := b.Reserve(41); !errors.Is(err, ErrHandleBytes) || !strings.Contains(err.Error(), "limit 100 bytes in all") {
		t.Fatalf("over the total: %v", err)
	}
	if err := b.Reserve(40); err != nil {
		t.Fatalf("bob within the total: %v", err)
	}
	a.Release(60)
	if err := a.Reserve(60); err != nil {
		t.Fatalf("alice after giving back: %v", err)
	}
	if tab.bytesTotal != 100 || tab.bytesByOwner["ip:10.0.0.1"] != 60 {
		t.Fatalf("total %d, alice %d", tab.bytesTotal, tab.bytesByOwner["ip:10.0.0.1"])
	}
	var none *ByteAccount // outside a server call
	if HandleBytes(context.Background()) != nil || none.Reserve(1<<40) != nil {
		t.Fatal("an account outside a server call")
	}
}

// A value whose handle expires is closed, which gives its bytes back, even
// though Close uses the table (no deadlock).
func TestHandleBytesFreedOnExpiry(t *testing.T) {
	now := time.Unix(0, 0)
	tab := newHandleTable()
	tab.bytesMax, tab.bytesQuota = 100, 100
	tab.ttl = time.Minute
	tab.now = func() time.Time { return now }
	ctx := callCtx(tab, "10.0.0.1")
	acct := HandleBytes(ctx)
	if err := acct.Reserve(100); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.export(ctx, resourceType{"i", "r"}, &bytesValue{acct, 100}); err != nil {
		t.Fatal(err)
	}
	if err := acct.Reserve(1); err == nil {
		t.Fatal("reserved past the budget")
	}
	now = now.Add(2 * time.Minute)
	if err := HandleRoom(ctx); err != nil { // sweeps
		t.Fatal(err)
	}
	if err := acct.Reserve(100); err != nil {
		t.Fatalf("after the value expired: %v", err)
	}
}

func TestHandleRoom(t *testing.T) {
	tab := newHandleTable()
	tab.max, tab.quota = 4, 2
	alice, bob := callCtx(tab, "10.0.0.1"), callCtx(tab, "10.0.0.2")
	for i := range 2 {
		if err := HandleRoom(alice); err != nil {
			t.Fatal(err)
		}
		if _, err := tab.export(alice, resourceType{"i", "r"}, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := HandleRoom(alice); !errors.Is(err, ErrTooManyHandles) || !strings.Contains(err.Error(), "too many open handles: limit 2 per client") {
		t.Fatalf("alice at her quota: %v", err)
	}
	for i := range 2 {
		if _, err := tab.export(bob, resourceType{"i", "r"}, i); err != nil {
			t.Fatal(err)
		}
	}
	carol := callCtx(tab, "10.0.0.3")
	if err := HandleRoom(carol); !errors.Is(err, ErrTooManyHandles) || !strings.Contains(err.Error(), "too many open handles: limit 4") {
		t.Fatalf("a full table: %v", err)
	}
	if HandleRoom(context.Background()) != nil {
		t.Fatal("room refused outside a server call")
	}
}
