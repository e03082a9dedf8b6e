// Package attack attacks a running "witgo serve" process over real sockets
// and checks the outcome of each attack against the goal the provider's
// defenses are meant to reach: connection floods, handle and memory
// exhaustion, log amplification, NATS outages, large values on a stock NATS
// server and a SIGTERM under load.
//
// By default (what "go test ./..." and CI run) every attack uses reduced
// figures and the whole suite takes about a minute. The long form uses the
// full figures and prints a summary table; run it by hand, without -race
// (the race detector allows at most 8128 live goroutines):
//
//	go test ./e2e/attack -run . -v -timeout 30m -attack.long
package attack

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

var long = flag.Bool("attack.long", false, "run every attack with its full figures (minutes; run without -race)")

// witgoBin is the witgo binary TestMain builds.
var witgoBin string

// scale returns the short or the long figure.
func scale[T any](short, full T) T {
	if *long {
		return full
	}
	return short
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		*long = false // -short always means the reduced figures
	}
	// Thousands of sockets on each side: raise the soft limit on open files
	// to the hard one (the server, a child process, inherits it).
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < rl.Max {
		rl.Cur = rl.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	dir, err := os.MkdirTemp("", "witgo-attack-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	witgoBin = filepath.Join(dir, "witgo")
	if out, err := exec.Command("go", "build", "-o", witgoBin, "github.com/witgo-dev/witgo/cmd/witgo").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/witgo: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	if *long || testing.Verbose() {
		printSummary()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// summary collects one line of figures per attack, printed at the end.
var summary struct {
	mu   sync.Mutex
	rows [][3]string // row, figures, verdict
}

// record adds the figures of t's attack to the summary table, with the
// test's verdict once it has ended, and logs them.
func record(t *testing.T, format string, args ...any) {
	t.Helper()
	figures := fmt.Sprintf(format, args...)
	t.Logf("figures: %s", figures)
	summary.mu.Lock()
	i := len(summary.rows)
	summary.rows = append(summary.rows, [3]string{t.Name(), figures, ""})
	summary.mu.Unlock()
	t.Cleanup(func() {
		verdict := "PASS"
		if t.Failed() {
			verdict = "FAIL"
		}
		summary.mu.Lock()
		summary.rows[i][2] = verdict
		summary.mu.Unlock()
	})
}

func printSummary() {
	summary.mu.Lock()
	defer summary.mu.Unlock()
	if len(summary.rows) == 0 {
		return
	}
	form := "short"
	if *long {
		form = "long"
	}
	fmt.Printf("\nattack summary (%s form)\n", form)
	fmt.Printf("| %-40s | %-6s | %s\n", "attack", "result", "figures")
	for _, r := range summary.rows {
		fmt.Printf("| %-40s | %-6s | %s\n", r[0], r[2], r[1])
	}
	fmt.Println()
}

// logBuffer keeps a process's stderr, counting every byte written.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	n  int64
}

// keep bounds what a logBuffer holds (it counts everything).
const keep = 8 << 20

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n += int64(len(p))
	if l.b.Len() < keep {
		l.b.Write(p[:min(len(p), keep-l.b.Len())])
	}
	return len(p), nil
}

// Len returns how many bytes were written.
func (l *logBuffer) Len() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// server is a running "witgo serve".
type server struct {
	cmd     *exec.Cmd
	addr    string // host:port of its TCP listener
	log     *logBuffer
	exited  chan struct{}
	waitErr error
}

var listeningRE = regexp.MustCompile(`msg=listening addr=tcp://(\S+)`)

// startServer runs witgoBin serve on a free loopback port with args, and
// waits until it listens.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{log: &logBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(witgoBin, append([]string{"serve", "--listen", "tcp://127.0.0.1:0"}, args...)...)
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(s.log.String()); m != nil {
			s.addr = m[1]
			break
		}
		select {
		case <-s.exited:
			t.Fatalf("witgo serve %q exited without listening (%v):\n%s", args, s.waitErr, s.log)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("witgo serve %q: not listening after 30 s:\n%s", args, s.log)
		}
	}
	t.Logf("witgo serve %s: pid %d on %s", strings.Join(args, " "), s.cmd.Process.Pid, s.addr)
	return s
}

// hasFlag reports whether "witgo serve" takes --name.
func hasFlag(name string) bool {
	out, _ := exec.Command(witgoBin, "serve", "-h").CombinedOutput()
	return strings.Contains(string(out), "-"+name+" ")
}

// signal sends sig and waits (up to timeout) for the process to exit.
func (s *server) signal(t *testing.T, sig os.Signal, timeout time.Duration) error {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(timeout):
		t.Fatalf("witgo serve still running %v after %v", timeout, sig)
		return nil
	}
}

// memory returns the server's resident set size and its peak so far
// (VmRSS, VmHWM), in bytes.
func (s *server) memory() (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// watchMemory samples the server's RSS every 20 ms; once it passes abortAt
// (0: never) it calls abort, once. It returns a function that stops the
// sampling and returns the highest RSS seen and VmHWM.
func (s *server) watchMemory(abortAt int64, abort func()) (stop func() (peak, hwm int64)) {
	var peak atomic.Int64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		aborted := false
		for {
			rss, _ := s.memory()
			if rss > peak.Load() {
				peak.Store(rss)
			}
			if abortAt > 0 && rss > abortAt && !aborted {
				aborted = true
				abort()
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (int64, int64) {
		close(done)
		<-finished
		rss, hwm := s.memory()
		return max(peak.Load(), rss), hwm
	}
}

const mib = 1 << 20

func mibs(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/mib) }

// bigLimits let a client receive a 4 MiB value with its framing.
var bigLimits = wire.Limits{MaxValue: 8 << 20, MaxMessage: 16 << 20}

// clientFrom returns a wRPC client that reaches addr from the local
// address ip (127.0.0.0/8 is all loopback on Linux: each address is another
// remote for the server's per-address caps).
func clientFrom(addr, ip string) *wrpc.Client {
	return wrpc.NewClient(&wrpc.TCPDialer{Addr: addr, Dialer: net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}},
		wrpc.WithClientLimits(bigLimits))
}

// dialFrom opens a raw TCP connection to addr from the local address ip.
func dialFrom(ctx context.Context, addr, ip string) (*net.TCPConn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// ipOf returns the loopback address 127.group.x.y of the i-th attacker
// of a group (i from 0), so that attacks never share the addresses of the
// bystander (127.0.0.2) or of each other.
func ipOf(group, i int) string {
	i++
	return fmt.Sprintf("127.%d.%d.%d", group, i/250, i%250+1)
}

// latencies collects durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// quantile returns the q-quantile (nearest rank) of the durations, 0 if
// there are none.
func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

func (l *latencies) String() string {
	if l.count() == 0 {
		return "none"
	}
	return fmt.Sprintf("n=%d p50=%v p99=%v max=%v", l.count(),
		l.quantile(0.5).Round(time.Microsecond), l.quantile(0.99).Round(time.Microsecond), l.quantile(1).Round(time.Microsecond))
}

// errorSamples keeps the first few distinct error texts seen.
type errorSamples struct {
	mu   sync.Mutex
	seen map[string]int
}

func (e *errorSamples) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.seen == nil {
		e.seen = map[string]int{}
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if _, ok := e.seen[s]; ok || len(e.seen) < 8 {
		e.seen[s]++
	}
}

func (e *errorSamples) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var lines []string
	for s, n := range e.seen {
		lines = append(lines, fmt.Sprintf("%d× %s", n, s))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// isTransport reports whether err is a failure of the wRPC exchange itself
// (no result: closed, reset, refused, timed out), as opposed to an error the
// WIT function returned.
func isTransport(err error) bool {
	var we *wrpc.Error
	return errors.As(err, &we) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// bystander calls f every interval until stop is closed, recording the
// latency of each success and the errors.
type bystander struct {
	ok   latencies
	errs errorSamples
	nerr atomic.Int64
	done chan struct{}
}

func runBystander(stop <-chan struct{}, interval time.Duration, f func(ctx context.Context) error) *bystander {
	b := &bystander{done: make(chan struct{})}
	go func() {
		defer close(b.done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			start := time.Now()
			err := f(ctx)
			cancel()
			if err != nil {
				b.nerr.Add(1)
				b.errs.add(err)
			} else {
				b.ok.add(time.Since(start))
			}
			select {
			case <-stop:
				return
			case <-time.After(interval):
			}
		}
	}()
	return b
}

func (b *bystander) wait() { <-b.done }

// captureInvoker records the parameters of one call instead of making it.
type captureInvoker struct {
	instance, name string
	params         []byte
}

var errCaptured = errors.New("captured")

func (c *captureInvoker) Invoke(_ context.Context, instance, name string, params []byte) ([]byte, error) {
	c.instance, c.name, c.params = instance, name, bytes.Clone(params)
	return nil, errCaptured
}
