// Package redistest finds or starts a Redis server for the tests of the
// Redis engine, witgo serve and the end-to-end suite.
//
// A test gets a server from Find: the one at $WITGO_REDIS_URL if it is set
// (tests then share it and keep apart with key prefixes of their own), or
// else a redis-server of its own, started from PATH on a free loopback port
// with a temporary directory and append-only persistence. If neither is
// possible the test fails when $CI is "true" and is skipped otherwise.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// EnvURL names the environment variable with the URL of a Redis server for
// the tests.
const EnvURL = "WITGO_REDIS_URL"

// Server is a Redis server for a test.
type Server struct {
	URL  string // redis://127.0.0.1:PORT/0, or $WITGO_REDIS_URL
	Port int    // 0 for an external server
	Dir  string // the data directory of a server of our own
	cmd  *exec.Cmd
	done chan struct{}
}

// Own reports whether the test started the server (and may restart it).
func (s *Server) Own() bool { return s.cmd != nil }

var prefixes atomic.Int64

// Prefix returns a key prefix no other engine of this test binary uses.
func Prefix(what string) string {
	return fmt.Sprintf("witgo-test:%s:%d:%d:", what, os.Getpid(), prefixes.Add(1))
}

// Find returns the server of $WITGO_REDIS_URL, or starts one (Start).
func Find(tb testing.TB) *Server {
	tb.Helper()
	if url := os.Getenv(EnvURL); url != "" {
		return &Server{URL: url}
	}
	return Start(tb, 0, "")
}

// Unavailable fails or skips tb because no server can be had.
func Unavailable(tb testing.TB, why string) {
	tb.Helper()
	msg := "no Redis server for the test: " + why + "; install redis-server (apt-get install -y redis-server) or set " + EnvURL
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Start starts redis-server on port (0: a free one) with data in dir (""
// for a new temporary directory) and the extra arguments (such as
// "--requirepass", "secret"), and stops it when the test ends.
func Start(tb testing.TB, port int, dir string, extra ...string) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Unavailable(tb, "redis-server is not on PATH")
	}
	if dir == "" {
		dir = tb.TempDir()
	}
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	args := append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
		"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"),
	}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	s := &Server{URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), Port: port, Dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	tb.Cleanup(s.Stop)
	var password string
	for i, a := range extra {
		if a == "--requirepass" && i+1 < len(extra) {
			password = extra[i+1]
		}
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), Password: password, MaxRetries: -1})
	defer rdb.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return s
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			tb.Fatalf("redis-server exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			tb.Fatalf("redis-server on port %d not ready after 10 s: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops a server of our own gracefully (SIGTERM: Redis flushes the
// append-only file) and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
