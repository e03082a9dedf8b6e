package wrpc

import "time"

// Invocations run on workers: a goroutine that served one invocation waits
// a while for the next one before it exits. The next invocation then finds
// a goroutine whose stack has already grown to what a handler needs (a new
// goroutine's stack is small, and copying it as a handler's calls deepen
// cost more than the rest of the server's work for a small call), and no
// goroutine to create.
const (
	// workerIdle is how long a worker waits for another invocation.
	workerIdle = 5 * time.Second
	// maxIdleWorkers bounds the workers waiting at once: past it, a worker
	// whose invocation ended exits, so a burst does not keep its stacks.
	maxIdleWorkers = 256
)

// dispatch serves inv on an idle worker, or on a new one.
func (s *Server) dispatch(inv *invocation) {
	select {
	case s.work <- inv:
	default:
		go s.worker(inv)
	}
}

// worker serves inv, then the invocations dispatch hands it, until none
// came for workerIdle, too many workers wait, or the server closes.
func (s *Server) worker(inv *invocation) {
	var idle *time.Timer
	for {
		s.serveConn(inv)
		inv = nil // nothing of it stays reachable while the worker waits
		if s.idleWorkers.Add(1) > maxIdleWorkers {
			s.idleWorkers.Add(-1)
			return
		}
		if idle == nil {
			idle = time.NewTimer(workerIdle)
			defer idle.Stop()
		} else {
			idle.Reset(workerIdle)
		}
		select {
		case inv = <-s.work:
			s.idleWorkers.Add(-1)
		case <-idle.C:
			s.idleWorkers.Add(-1)
			return
		case <-s.done:
			s.idleWorkers.Add(-1)
			return
		}
	}
}
