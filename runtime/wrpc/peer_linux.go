//go:build linux

package wrpc

import (
	"net"
	"strconv"
	"syscall"
)

// peerOf returns the Peer of a freshly accepted connection: on a Unix socket
// the principal is the connecting process's user (SO_PEERCRED), which the
// kernel vouches for; elsewhere it is Anonymous until a TLS handshake says
// otherwise.
func peerOf(c net.Conn) Peer {
	p := Peer{Addr: c.RemoteAddr(), Principal: Anonymous}
	if uc, ok := c.(*net.UnixConn); ok {
		if rc, err := uc.SyscallConn(); err == nil {
			var cred *syscall.Ucred
			var cerr error
			if err := rc.Control(func(fd uintptr) {
				cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
			}); err == nil && cerr == nil && cred != nil {
				p.Principal = "uid:" + strconv.FormatUint(uint64(cred.Uid), 10)
			}
		}
	}
	return p
}
