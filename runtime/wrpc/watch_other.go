//go:build !linux

package wrpc

import "net"

// canWatchPeer reports whether watchPeer works on this platform: outside
// Linux a caller that goes away is noticed when the results are written (see
// Server).
const canWatchPeer = false

func watchPeer(c net.Conn, gone func()) {}
