package wrpc

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"time"
)

// TLSDialer dials a TCP address and runs a TLS 1.3 handshake per
// invocation. Build it with DialTLS (or Dial with a tls:// URL), which
// gives it a session cache: every connection after the first resumes a
// session (an abbreviated handshake, no certificate exchange), which keeps a
// connection per call affordable.
type TLSDialer struct {
	Addr   string
	Config *tls.Config // as given to tls.Client; see DialTLS
	Dialer net.Dialer
}

// Dial connects to d.Addr and completes the TLS handshake within ctx.
func (d *TLSDialer) Dial(ctx context.Context) (Conn, error) {
	raw, err := d.Dialer.DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, err
	}
	c := tls.Client(raw, d.Config)
	if err := c.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, err
	}
	return c, nil
}

// DialTLS returns a Client for the wRPC server at the TCP address addr
// ("host:port"), over TLS 1.3. It dials lazily: nothing happens until an
// invocation.
//
// cfg may be nil (the system's roots, no client certificate). DialTLS uses a
// copy of it with: MinVersion TLS 1.3 (lower versions are refused);
// ServerName set to addr's host if empty; and, if cfg has no
// ClientSessionCache, a new one shared by the connections of this Client,
// so that they resume TLS sessions. A client certificate in cfg
// (Certificates or GetClientCertificate) identifies the caller to the
// server: see PeerFromContext.
func DialTLS(addr string, cfg *tls.Config, opts ...ClientOption) *Client {
	return NewClient(&TLSDialer{Addr: addr, Config: clientTLSConfig(addr, cfg)}, opts...)
}

// clientTLSConfig is the configuration DialTLS uses; see there.
func clientTLSConfig(addr string, cfg *tls.Config) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg = cfg.Clone()
	cfg.MinVersion = tls.VersionTLS13
	if cfg.MaxVersion != 0 && cfg.MaxVersion < tls.VersionTLS13 {
		cfg.MaxVersion = 0
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return cfg
}

// serverTLSConfig is a copy of cfg that accepts TLS 1.3 only.
func serverTLSConfig(cfg *tls.Config) (*tls.Config, error) {
	if cfg == nil || (len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil) {
		return nil, errors.New("a TLS listener needs a server certificate (tls.Config.Certificates or GetCertificate)")
	}
	cfg = cfg.Clone()
	cfg.MinVersion = tls.VersionTLS13
	if cfg.MaxVersion != 0 && cfg.MaxVersion < tls.VersionTLS13 {
		cfg.MaxVersion = 0
	}
	return cfg, nil
}

// tlsListener accepts TCP connections and wraps them in TLS without a
// handshake: the server runs the handshake in each connection's own
// goroutine, under the header timeout, so a slow or silent client never
// holds up accepting. It forwards SetDeadline to the TCP listener
// (Shutdown's drain uses it).
type tlsListener struct {
	*net.TCPListener
	cfg *tls.Config
}

func (l *tlsListener) Accept() (net.Conn, error) {
	c, err := l.TCPListener.Accept()
	if err != nil {
		return nil, err
	}
	return tls.Server(c, l.cfg), nil
}

// newTLSListener returns a listener that serves TLS 1.3 with cfg (see
// Listen) on the TCP listener l; the handshake happens when the Server
// reads a connection, not in Accept.
func newTLSListener(l *net.TCPListener, cfg *tls.Config) (net.Listener, error) {
	cfg, err := serverTLSConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &tlsListener{TCPListener: l, cfg: cfg}, nil
}

// tlsConn is what a connection that carries TLS offers: *tls.Conn, and
// connections of other transports secured by TLS 1.3 (such as QUIC
// streams), which have completed their handshake and only report its
// state.
type tlsConn interface {
	ConnectionState() tls.ConnectionState
}

// handshaker is a connection whose TLS handshake is still to run.
type handshaker interface {
	HandshakeContext(context.Context) error
}

// handshake completes the TLS handshake of c, if c is a TLS connection,
// within the deadline already set on c (the header timeout), and sets the
// principal of p from the verified client certificate.
func handshake(ctx context.Context, c net.Conn, p *Peer, deadline time.Time) error {
	if _, ok := c.(identifiedConn); ok {
		return nil // named by its transport (Server.accepted)
	}
	if h, ok := c.(handshaker); ok {
		if !deadline.IsZero() {
			_ = c.SetWriteDeadline(deadline)
		}
		if err := h.HandshakeContext(ctx); err != nil {
			return err
		}
		_ = c.SetWriteDeadline(time.Time{})
	}
	if tc, ok := c.(tlsConn); ok {
		p.Principal = principalFromTLS(tc.ConnectionState())
	}
	return nil
}

// principalFromTLS is the principal of a TLS peer: the identity of its
// verified certificate (the first URI SAN, else the first DNS SAN, else the
// subject's common name), or Anonymous when it presented none or the
// server did not verify it (ClientCAs and ClientAuth
// VerifyClientCertIfGiven or RequireAndVerifyClientCert). A resumed session
// keeps the certificate it was made with.
func principalFromTLS(cs tls.ConnectionState) string {
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return Anonymous
	}
	cert := cs.VerifiedChains[0][0]
	switch {
	case len(cert.URIs) > 0:
		return cert.URIs[0].String()
	case len(cert.DNSNames) > 0:
		return cert.DNSNames[0]
	case cert.Subject.CommonName != "":
		return cert.Subject.CommonName
	}
	return Anonymous
}

// netConn returns the connection under a TLS connection (for socket
// options), or c itself.
func netConn(c net.Conn) net.Conn {
	if u, ok := c.(interface{ NetConn() net.Conn }); ok {
		return u.NetConn()
	}
	return c
}

// tlsAlert returns the alert a TLS server sent before it closed c, if c is
// a TLS connection and one arrived ("remote error: tls: certificate
// required"), else nil. In TLS 1.3 the client's handshake completes before
// the server has checked the client's certificate, so a refusal shows up
// as the server closing while the request is written; the alert is the
// reason.
func tlsAlert(c Conn) error {
	tc, ok := c.(*tls.Conn)
	if !ok {
		return nil
	}
	_ = tc.SetReadDeadline(time.Now().Add(time.Second))
	var b [1]byte
	_, err := tc.Read(b[:])
	var ae tls.AlertError
	if err != nil && (errors.As(err, &ae) || strings.Contains(err.Error(), "remote error: tls:")) {
		return err
	}
	return nil
}
