//go:build !linux

package wrpc

import "net"

// peerOf returns the Peer of a freshly accepted connection; the principal
// is Anonymous until a TLS handshake says otherwise (this platform has no
// SO_PEERCRED).
func peerOf(c net.Conn) Peer {
	return Peer{Addr: c.RemoteAddr(), Principal: Anonymous}
}
