//go:build linux

package wrpc

import (
	"net"

	"golang.org/x/sys/unix"
)

// refuseNew makes a TCP listener ignore new connection attempts while the
// connections already in its accept queue are drained: a socket filter that
// drops every packet sent to the listening socket (SYNs, and the last ACK
// of handshakes not yet complete), which does not touch the established
// connections waiting in the queue, as each has its own socket. A dropped
// SYN is sent again after a second, by which time the listener is closed
// and the attempt is refused; without the filter, the connections that
// arrived during the drain would be reset when the listener closes. It
// reports whether the filter is in place.
func refuseNew(l net.Listener) bool {
	tl, ok := l.(*net.TCPListener)
	if !ok {
		return false
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return false
	}
	drop := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
			&unix.SockFprog{Len: uint16(len(drop)), Filter: &drop[0]})
	})
	return err == nil && serr == nil
}
