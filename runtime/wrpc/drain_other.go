//go:build !linux

package wrpc

import "net"

// refuseNew is a no-op here: new connections keep joining the queue during
// the drain, and those left when it ends are reset.
func refuseNew(net.Listener) bool { return false }
