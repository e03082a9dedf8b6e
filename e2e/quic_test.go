package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// quicCerts is a self-signed server certificate for 127.0.0.1, made once
// for the tests, and a pool that trusts it.
var quicCerts = sync.OnceValues(func() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "e2e wrpc server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
})

// listenQUIC opens a QUIC listener on a free loopback port and returns it
// with the client TLS configuration that trusts it.
func listenQUIC(t testing.TB, opts ...wrpc.QUICOption) (*wrpc.QUICListener, *tls.Config) {
	t.Helper()
	cert, pool := quicCerts()
	l, err := wrpc.ListenQUIC("127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l, &tls.Config{RootCAs: pool}
}

// serveQUIC serves srv over QUIC on loopback; the client keeps one QUIC
// connection, with one stream per call.
func serveQUIC(t testing.TB, srv *wrpc.Server) wrpc.Invoker {
	t.Helper()
	l, clientTLS := listenQUIC(t)
	serve(t, srv, l)
	c := wrpc.DialQUIC(l.Addr().String(), clientTLS)
	t.Cleanup(func() { c.Close() })
	return c
}
