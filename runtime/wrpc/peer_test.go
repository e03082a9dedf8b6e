package wrpc

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// A handler sees who calls it: on a Unix socket, the caller's uid.
func TestPeerFromContextUnix(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SO_PEERCRED is Linux-only")
	}
	path := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer()
	got := make(chan Peer, 1)
	srv.Register("i", "f", func(ctx context.Context, params []byte) ([]byte, error) {
		p, ok := PeerFromContext(ctx)
		if !ok {
			t.Error("no peer in a handler's context")
		}
		got <- p
		return nil, nil
	})
	go srv.Serve(l)
	defer srv.Close()
	if _, err := DialUnix(path).Invoke(context.Background(), "i", "f", nil); err != nil {
		t.Fatal(err)
	}
	p := <-got
	if want := "uid:" + strconv.Itoa(os.Getuid()); p.Principal != want {
		t.Fatalf("principal %q, want %q", p.Principal, want)
	}
}

// Over plain TCP the caller is anonymous, and its address is known.
func TestPeerFromContextTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer()
	got := make(chan Peer, 1)
	srv.Register("i", "f", func(ctx context.Context, params []byte) ([]byte, error) {
		p, _ := PeerFromContext(ctx)
		got <- p
		return nil, nil
	})
	go srv.Serve(l)
	defer srv.Close()
	if _, err := DialTCP(l.Addr().String()).Invoke(context.Background(), "i", "f", nil); err != nil {
		t.Fatal(err)
	}
	p := <-got
	if p.Principal != Anonymous {
		t.Fatalf("principal %q, want %q", p.Principal, Anonymous)
	}
	if a, ok := p.Addr.(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		t.Fatalf("addr %v", p.Addr)
	}
	if _, ok := PeerFromContext(context.Background()); ok {
		t.Fatal("a peer outside a server call")
	}
}

// An identified principal owns its handles from any address; anonymous
// callers are told apart by IP.
func TestOwnerOf(t *testing.T) {
	a1 := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1}
	a2 := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 2}
	for _, tc := range []struct {
		a, b Peer
		same bool
	}{
		{Peer{Addr: a1, Principal: "spiffe://x/alice"}, Peer{Addr: a2, Principal: "spiffe://x/alice"}, true},
		{Peer{Addr: a1, Principal: "spiffe://x/alice"}, Peer{Addr: a1, Principal: "spiffe://x/bob"}, false},
		{Peer{Addr: a1, Principal: Anonymous}, Peer{Addr: a2, Principal: Anonymous}, false},
		{Peer{Addr: a1, Principal: Anonymous}, Peer{Addr: &net.TCPAddr{IP: a1.IP, Port: 9}, Principal: Anonymous}, true},
		{Peer{Addr: a1, Principal: "uid:1000"}, Peer{Addr: a1, Principal: Anonymous}, false},
		// A certificate named like an address is not that address.
		{Peer{Addr: a2, Principal: "ip:10.0.0.1"}, Peer{Addr: a1, Principal: Anonymous}, false},
		// QUIC callers (UDP addresses) are told apart by IP too, and one
		// IP is one owner over TCP and QUIC alike.
		{Peer{Addr: &net.UDPAddr{IP: a1.IP, Port: 5}, Principal: Anonymous}, Peer{Addr: &net.UDPAddr{IP: a2.IP, Port: 5}, Principal: Anonymous}, false},
		{Peer{Addr: &net.UDPAddr{IP: a1.IP, Port: 5}, Principal: Anonymous}, Peer{Addr: a1, Principal: Anonymous}, true},
	} {
		oa := ownerOf(WithPeer(context.Background(), tc.a))
		ob := ownerOf(WithPeer(context.Background(), tc.b))
		if (oa == ob) != tc.same {
			t.Errorf("%v vs %v: owners %q and %q", tc.a, tc.b, oa, ob)
		}
	}
}
