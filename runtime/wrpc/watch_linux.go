//go:build linux

package wrpc

import (
	"net"
	"syscall"
	"unsafe"
)

// canWatchPeer reports whether watchPeer works on this platform.
const canWatchPeer = true

// watchPeer blocks until the peer of c goes away, then calls gone, or until
// c is closed. Going away is a TCP reset (what the client sends when its
// context is cancelled) or the full close of a Unix socket. The request has
// been read to EOF by then, so reads cannot tell; the watcher waits on the
// connection's poller instead (parked in the runtime, no thread) and checks
// for POLLHUP or POLLERR each time it wakes.
func watchPeer(c net.Conn, gone func()) {
	sc, ok := netConn(c).(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	dead := false
	err = rc.Read(func(fd uintptr) bool {
		dead = peerGone(fd)
		return dead
	})
	if dead && err == nil {
		gone()
	}
}

// pollFd is struct pollfd.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const (
	pollERR   = 0x8
	pollHUP   = 0x10
	pollRDHUP = 0x2000
)

// peerGone polls fd without blocking. A peer that only shut down its write
// side gives POLLIN|POLLRDHUP; one that is gone gives POLLHUP or POLLERR.
func peerGone(fd uintptr) bool {
	p := pollFd{fd: int32(fd), events: pollRDHUP}
	var ts syscall.Timespec // zero: do not wait
	n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	return errno == 0 && n == 1 && p.revents&(pollHUP|pollERR) != 0
}
