package wrpc

import (
	"sync"
	"time"
)

// Invocations run on workers: a goroutine that served one invocation waits
// a while for the next one before it exits. The next invocation then finds
// a goroutine whose stack has already grown to what a handler needs (a new
// goroutine's stack is small, and copying it as a handler's calls deepen
// cost more than the rest of the server's work for a small call), and no
// goroutine to create.
//
// Idle workers wait on a channel of their own, without a timer (arming and
// stopping one around every wait cost about a microsecond per call): the
// most recently idle one gets the next invocation, and a janitor, running
// while any worker is idle, retires those that stayed idle for a whole
// period of workerIdle.
const (
	// workerIdle is how long, at least, a worker waits for another
	// invocation (at most twice as long).
	workerIdle = 5 * time.Second
	// maxIdleWorkers bounds the workers waiting at once: past it, a worker
	// whose invocation ended exits, so a burst does not keep its stacks.
	maxIdleWorkers = 256
)

type workerPool struct {
	mu      sync.Mutex
	ready   []*worker // idle, the most recently idle last
	epoch   int64     // periods of workerIdle counted by the janitor
	janitor bool      // the janitor runs
	closed  bool
	period  time.Duration // of the janitor; 0: workerIdle (tests shorten it)
}

type worker struct {
	next  chan *invocation // one slot; nil retires the worker
	epoch int64            // when it became idle
}

// dispatch serves inv on an idle worker, or on a new one.
func (s *Server) dispatch(inv *invocation) {
	p := &s.workers
	p.mu.Lock()
	if n := len(p.ready); n > 0 && !p.closed {
		w := p.ready[n-1]
		p.ready[n-1] = nil
		p.ready = p.ready[:n-1]
		p.mu.Unlock()
		w.next <- inv
		return
	}
	p.mu.Unlock()
	go s.work(&worker{next: make(chan *invocation, 1)}, inv)
}

// work serves inv, then the invocations dispatch hands w, until the
// janitor retires it, too many workers wait, or the server closes.
func (s *Server) work(w *worker, inv *invocation) {
	for inv != nil {
		s.serveConn(inv)
		if !s.workers.idle(w) {
			return
		}
		inv = <-w.next
	}
}

// idle puts w among the idle workers, or reports that it should exit.
func (p *workerPool) idle(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.ready) >= maxIdleWorkers {
		return false
	}
	w.epoch = p.epoch
	p.ready = append(p.ready, w)
	if !p.janitor {
		p.janitor = true
		go p.clean()
	}
	return true
}

// clean retires, every workerIdle, the workers idle since before the
// previous period began; it ends when no worker is idle.
func (p *workerPool) clean() {
	period := p.period
	if period == 0 {
		period = workerIdle
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for range t.C {
		p.mu.Lock()
		p.epoch++
		i := 0
		for i < len(p.ready) && p.ready[i].epoch <= p.epoch-2 {
			i++
		}
		stale := append([]*worker(nil), p.ready[:i]...)
		n := copy(p.ready, p.ready[i:])
		clear(p.ready[n:])
		p.ready = p.ready[:n]
		end := len(p.ready) == 0
		if end {
			p.janitor = false
		}
		p.mu.Unlock()
		for _, w := range stale {
			w.next <- nil
		}
		if end {
			return
		}
	}
}

// close retires the idle workers; the others exit when their invocation
// ends.
func (p *workerPool) close() {
	p.mu.Lock()
	ready := p.ready
	p.ready, p.closed = nil, true
	p.mu.Unlock()
	for _, w := range ready {
		w.next <- nil
	}
}
