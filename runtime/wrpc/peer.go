package wrpc

import (
	"context"
	"net"
)

// Anonymous is the principal of a caller the transport did not identify: a
// plain TCP connection, or a TLS connection without a client certificate.
const Anonymous = "anonymous"

// Peer is the other end of a server-side call, as the transport knows it.
type Peer struct {
	// Addr is the caller's address (nil if the transport has none).
	Addr net.Addr
	// Principal names who is calling: the identity of a verified client
	// certificate, "uid:N" for the peer's user on a Unix socket, or
	// Anonymous.
	Principal string

	// handles is the handle table of the server serving the call (nil for
	// a Peer made by WithPeer), where HandleRoom and HandleBytes look.
	handles *handleTable
	// owner is ownerKey of the peer, once the server knows the principal
	// ("" until then, and for a Peer made by WithPeer).
	owner string
}

// peerKey is the context key of a call's Peer.
type peerKey struct{}

// withPeer returns ctx carrying p.
func withPeer(ctx context.Context, p *Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// peerContext is a context carrying a Peer, as withPeer makes, kept in the
// server's invocation rather than allocated on its own.
type peerContext struct {
	context.Context
	peer *Peer
}

func (c *peerContext) Value(key any) any {
	if _, ok := key.(peerKey); ok {
		return c.peer
	}
	return c.Context.Value(key)
}

// PeerFromContext returns the caller of the server-side call whose context
// is ctx (handlers and interceptors receive such contexts). ok is false
// outside a server call.
func PeerFromContext(ctx context.Context) (p Peer, ok bool) {
	pp, ok := ctx.Value(peerKey{}).(*Peer)
	if !ok || pp == nil {
		return Peer{}, false
	}
	p = *pp
	p.handles, p.owner = nil, ""
	return p, true
}

// WithPeer returns ctx carrying p as the caller, as the server does for
// each call. It is for tests and in-process use of server-side code (such
// as a backend called without the network) that reads PeerFromContext.
func WithPeer(ctx context.Context, p Peer) context.Context {
	p.handles, p.owner = nil, ""
	return withPeer(ctx, &p)
}

// ownerOf returns who the handles created by the call of ctx belong to: its
// principal, or, for an anonymous caller, its IP address (so one remote
// cannot use or exhaust another's handles); "" outside a server call. The
// two kinds are kept apart by a prefix, so no certificate name (which its CA
// chose) can equal the owner key of an anonymous address.
func ownerOf(ctx context.Context) string {
	p, ok := ctx.Value(peerKey{}).(*Peer)
	if !ok || p == nil {
		return ""
	}
	if p.owner != "" {
		return p.owner
	}
	return ownerKey(p.Principal, p.Addr)
}

// ownerKey is the owner of the handles created by calls of principal from
// addr (see ownerOf).
func ownerKey(principal string, addr net.Addr) string {
	if principal != "" && principal != Anonymous {
		return "principal:" + principal
	}
	if ip := remoteIP(addr); ip != "" {
		return "ip:" + ip
	}
	if addr != nil {
		return addr.Network() + ":" + addr.String()
	}
	return Anonymous
}
