package wrpc

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// seedVectors adds every recorded request and response.
func seedVectors(f *testing.F) {
	for _, vs := range loadVectors(f) {
		for _, v := range vs {
			f.Add(v.Request)
			f.Add(v.Response)
		}
	}
}

// FuzzFrameReader reads arbitrary bytes as a request and as a response: it
// must never panic, never read more than MaxMessage, and on success return
// exactly the frames' data.
func FuzzFrameReader(f *testing.F) {
	seedVectors(f)
	f.Add(append(AppendFrame(nil, nil, []byte("a")), AppendFrame(nil, []uint32{1, 2}, []byte("b"))...))
	f.Add([]byte{0, 0x80, 0x80, 0x80, 0x80, 0x04})
	f.Fuzz(func(t *testing.T, in []byte) {
		lim := wire.Limits{MaxValue: 64, MaxMessage: 256}
		// As a response.
		fr := NewFrameReader(bytes.NewReader(in), lim)
		data, frames, err := fr.ReadAll(nil)
		if fr.Consumed() > lim.MaxMessage || fr.Consumed() > len(in) {
			t.Fatalf("consumed %d bytes (limit %d, input %d)", fr.Consumed(), lim.MaxMessage, len(in))
		}
		if err == nil {
			if fr.Consumed() != len(in) {
				t.Fatalf("success after %d of %d bytes", fr.Consumed(), len(in))
			}
			// Re-frame the data as one frame and read it back.
			again, n, err := NewFrameReader(bytes.NewReader(AppendFrame(nil, nil, data)), wire.Limits{}).ReadAll(nil)
			if err != nil || n != 1 || !bytes.Equal(again, data) {
				t.Fatalf("re-framed data differs: %v", err)
			}
			if frames == 0 && len(data) != 0 {
				t.Fatal("data without frames")
			}
		}
		// As a request.
		fr = NewFrameReader(bytes.NewReader(in), lim)
		inst, name, err := fr.ReadHeader()
		if err != nil {
			return
		}
		if len(inst) > lim.MaxValue || len(name) > lim.MaxValue {
			t.Fatalf("names over MaxValue: %d, %d", len(inst), len(name))
		}
		req := AppendHeader(nil, inst, name)
		if !bytes.Equal(req, in[:len(req)]) && fr.Consumed() == len(req) {
			t.Fatalf("header re-encodes differently")
		}
		_, _, _ = fr.ReadAll(nil)
		if fr.Consumed() > lim.MaxMessage {
			t.Fatalf("consumed %d bytes", fr.Consumed())
		}
	})
}

// memConn is a Conn over in-memory bytes: reads come from r, writes go to w.
type memConn struct {
	r      *bytes.Reader
	w      bytes.Buffer
	closed bool
}

func (c *memConn) Read(p []byte) (int, error)         { return c.r.Read(p) }
func (c *memConn) Write(p []byte) (int, error)        { return c.w.Write(p) }
func (c *memConn) Close() error                       { c.closed = true; return nil }
func (c *memConn) CloseWrite() error                  { return nil }
func (c *memConn) LocalAddr() net.Addr                { return nil }
func (c *memConn) RemoteAddr() net.Addr               { return nil }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

// FuzzServerRequest feeds arbitrary bytes to the server as one connection's
// request, with the example keyvalue handlers and an echo registered: the
// server must never panic, and it answers only well-formed requests, with
// exactly one root frame.
func FuzzServerRequest(f *testing.F) {
	seedVectors(f)
	f.Add(AppendRequest(nil, testInstance, "echo", []byte("hello")))
	f.Add(AppendRequest(nil, testInstance, "panic", nil))
	s := NewServer(WithLogger(slog.New(slog.DiscardHandler)), WithServerLimits(wire.Limits{MaxValue: 1 << 10, MaxMessage: 1 << 12}))
	(&kvExample{}).register(s)
	s.Register(testInstance, "echo", echo)
	s.Register(testInstance, "panic", func(ctx context.Context, p []byte) ([]byte, error) { panic("boom") })
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &memConn{r: bytes.NewReader(in)}
		inv := &invocation{srv: s, conn: c, peerVal: s.peer(c)}
		inv.peer = &inv.peerVal
		inv.ctx, inv.cancel = context.WithCancel(withPeer(context.Background(), inv.peer))
		s.sem <- struct{}{}
		s.track(inv)
		s.serveConn(inv)
		if !c.closed {
			t.Fatal("connection left open")
		}
		if inv.ctx.Err() == nil {
			t.Fatal("invocation context not cancelled")
		}
		if c.w.Len() == 0 {
			return
		}
		// An answer is one root frame, and only for a request that reads cleanly.
		fr := NewFrameReader(bytes.NewReader(in), wire.Limits{MaxValue: 1 << 10, MaxMessage: 1 << 12})
		if _, _, err := fr.ReadHeader(); err != nil {
			t.Fatalf("answered a request with a bad header: %v", err)
		}
		if _, _, err := fr.ReadAll(nil); err != nil {
			t.Fatalf("answered a malformed request: %v", err)
		}
		_, frames, err := NewFrameReader(bytes.NewReader(c.w.Bytes()), wire.Limits{}).ReadAll(nil)
		if err != nil || frames != 1 {
			t.Fatalf("response % x: %d frames, %v", c.w.Bytes(), frames, err)
		}
	})
}

// FuzzClientResponse feeds arbitrary bytes to the client as a response.
func FuzzClientResponse(f *testing.F) {
	seedVectors(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &memConn{r: bytes.NewReader(in)}
		client := NewClient(DialerFunc(func(ctx context.Context) (Conn, error) { return c, nil }),
			WithClientLimits(wire.Limits{MaxMessage: 1 << 12}))
		results, err := client.Invoke(context.Background(), "i", "f", []byte("p"))
		if !c.closed {
			t.Fatal("connection left open")
		}
		if !bytes.Equal(c.w.Bytes(), AppendRequest(nil, "i", "f", []byte("p"))) {
			t.Fatalf("request % x", c.w.Bytes())
		}
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("error is not an *Error: %v", err)
			}
			return
		}
		data, frames, rerr := NewFrameReader(bytes.NewReader(in), wire.Limits{MaxMessage: 1 << 12}).ReadAll(nil)
		if rerr != nil || frames == 0 || !bytes.Equal(data, results) {
			t.Fatalf("client accepted % x as % x", in, results)
		}
	})
}
