package wrpc

import (
	"crypto/tls"
	"errors"
	"net"
)

// ErrQUICUnavailable is what Dial and Listen return for quic:// URLs in a
// build without the QUIC transport.
var ErrQUICUnavailable = errors.New("quic transport not available")

// QUIC HOOK: the one place where the quic:// scheme of Dial and Listen
// meets the QUIC transport. Both get the TLS configuration already made
// TLS 1.3-only (Dial's also has a session cache and its ServerName). A QUIC
// server's stream connections must implement ConnectionState() so that
// Serve takes the caller's principal from its certificate
// (principalFromTLS), as for tls://.

// dialQUIC returns the Dialer of a quic://HOST:PORT URL.
func dialQUIC(addr string, cfg *tls.Config) (Dialer, error) {
	return nil, ErrQUICUnavailable
}

// listenQUIC returns the listener of a quic://HOST:PORT URL.
func listenQUIC(addr string, cfg *tls.Config) (net.Listener, error) {
	return nil, ErrQUICUnavailable
}
