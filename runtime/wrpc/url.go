package wrpc

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
)

// Transport URLs name a wRPC server for Dial and a listener for Listen, so
// that switching transport is a change of URL (a flag), not of code:
//
//	tcp://HOST:PORT    plain TCP
//	tls://HOST:PORT    TLS 1.3 over TCP (WithTLSConfig, WithListenTLSConfig)
//	unix:///PATH       a Unix domain socket (unix://relative/path also works)
//	quic://HOST:PORT   QUIC (see quic.go)

// WithTLSConfig sets the TLS configuration Dial uses for tls:// URLs (and
// quic://): the roots that verify the server, and the client certificate
// that identifies this client. Dial uses a copy, adjusted as DialTLS says.
// Plain tcp:// and unix:// URLs ignore it.
func WithTLSConfig(cfg *tls.Config) ClientOption {
	return func(c *Client) { c.tlsConfig = cfg }
}

// ParseURL splits a transport URL into its scheme ("tcp", "tls", "unix" or
// "quic") and address (HOST:PORT, or the socket's path). It checks the form
// only; it neither resolves nor connects.
func ParseURL(rawURL string) (scheme, addr string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return "", "", fmt.Errorf("%q: want tcp://HOST:PORT, tls://HOST:PORT, quic://HOST:PORT or unix:///PATH", rawURL)
	}
	switch u.Scheme {
	case "tcp", "tls", "quic":
		if u.Host == "" || u.Path != "" || u.Port() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return "", "", fmt.Errorf("%q: want %s://HOST:PORT", rawURL, u.Scheme)
		}
		return u.Scheme, u.Host, nil
	case "unix":
		path := u.Path
		if u.Host != "" { // unix://relative/path
			path = u.Host + u.Path
		}
		if path == "" {
			return "", "", fmt.Errorf("%q: want unix:///PATH", rawURL)
		}
		return "unix", path, nil
	default:
		return "", "", fmt.Errorf("%q: unknown scheme %q (want tcp, tls, quic or unix)", rawURL, u.Scheme)
	}
}

// Dial returns a Client for the wRPC server at the transport URL rawURL:
// tcp://HOST:PORT (DialTCP), tls://HOST:PORT (DialTLS, with the
// configuration of WithTLSConfig, or the system's roots without one),
// unix:///PATH (DialUnix) or quic://HOST:PORT. It dials lazily: nothing
// happens until an invocation; the error is about the URL only.
func Dial(rawURL string, opts ...ClientOption) (*Client, error) {
	scheme, addr, err := ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("wrpc: dial %w", err)
	}
	c := NewClient(nil, opts...)
	switch scheme {
	case "tcp":
		c.dialer = &TCPDialer{Addr: addr}
	case "tls":
		c.dialer = &TLSDialer{Addr: addr, Config: clientTLSConfig(addr, c.tlsConfig)}
	case "unix":
		c.dialer = &UnixDialer{Path: addr}
	case "quic":
		d, err := dialQUIC(addr, clientTLSConfig(addr, c.tlsConfig))
		if err != nil {
			return nil, fmt.Errorf("wrpc: dial %q: %w", rawURL, err)
		}
		c.dialer = d
	}
	return c, nil
}

// ListenOption configures Listen.
type ListenOption func(*listenConfig)

type listenConfig struct {
	tls *tls.Config
}

// WithListenTLSConfig sets the TLS configuration of a tls:// (or quic://)
// listener: its certificate, and the client CAs and ClientAuth that decide
// whether clients must present a certificate (tls.RequireAndVerifyClientCert
// makes every caller a named principal; see PeerFromContext). Listen uses a
// copy that accepts TLS 1.3 only.
func WithListenTLSConfig(cfg *tls.Config) ListenOption {
	return func(lc *listenConfig) { lc.tls = cfg }
}

// Listen opens a listener for a Server at the transport URL rawURL:
// tcp://HOST:PORT, tls://HOST:PORT (WithListenTLSConfig is required),
// unix:///PATH or quic://HOST:PORT. On a Unix socket, a stale socket file
// (one no server answers on) is removed first, and a live one is an error.
//
// A tls:// listener does no handshake in Accept: Serve runs each
// connection's handshake in that connection's goroutine, within the header
// timeout (WithHeaderTimeout); a failed handshake is logged and closes that
// connection only.
func Listen(rawURL string, opts ...ListenOption) (net.Listener, error) {
	scheme, addr, err := ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("wrpc: listen %w", err)
	}
	var lc listenConfig
	for _, o := range opts {
		o(&lc)
	}
	switch scheme {
	case "tcp":
		return net.Listen("tcp", addr)
	case "tls":
		if _, err := serverTLSConfig(lc.tls); err != nil {
			return nil, fmt.Errorf("wrpc: listen %s: %w", rawURL, err)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		return newTLSListener(l.(*net.TCPListener), lc.tls)
	case "unix":
		if fi, err := os.Stat(addr); err == nil && fi.Mode()&os.ModeSocket != 0 {
			if c, err := net.Dial("unix", addr); err == nil {
				c.Close()
				return nil, fmt.Errorf("listen %s: a server is already listening there", addr)
			}
			_ = os.Remove(addr)
		}
		return net.Listen("unix", addr)
	case "quic":
		cfg, err := serverTLSConfig(lc.tls)
		if err != nil {
			return nil, fmt.Errorf("wrpc: listen %s: %w", rawURL, err)
		}
		l, err := listenQUIC(addr, cfg)
		if err != nil {
			return nil, fmt.Errorf("wrpc: listen %s: %w", rawURL, err)
		}
		return l, nil
	}
	return nil, errors.New("wrpc: unreachable")
}

// ListenerURL returns the transport URL of l, as Dial and Listen take it:
// tls://HOST:PORT for a listener from Listen("tls://..."), unix:///PATH for
// a Unix socket, tcp://HOST:PORT otherwise (with the port chosen for
// port 0).
func ListenerURL(l net.Listener) string {
	if u, ok := l.(interface{ URL() string }); ok {
		return u.URL()
	}
	a := l.Addr()
	if a.Network() == "unix" {
		return "unix://" + a.String()
	}
	return a.Network() + "://" + a.String()
}

// URL returns tls://HOST:PORT (see ListenerURL).
func (l *tlsListener) URL() string { return "tls://" + l.Addr().String() }
