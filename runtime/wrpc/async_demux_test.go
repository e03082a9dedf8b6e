package wrpc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// frames builds a response from {path, data} pairs.
func frames(fs ...frame) []byte {
	var b []byte
	for _, f := range fs {
		b = AppendFrame(b, f.path, f.data)
	}
	return b
}

func p(path ...uint32) []uint32 { return path }

// replayCall is a client-side async call whose response is resp, read as
// echo's results: the root value and the two streams.
func replayCall(t testing.TB, resp []byte, lim AsyncLimits) (streamsReq, *asyncCall, error) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	go io.Copy(io.Discard, b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	call := newAsyncCall(ctx, halfCloser{a}, lim, wire.DefaultLimits(), false)
	go call.readLoop(bufio.NewReader(bytes.NewReader(resp)))
	go call.finish()
	call.rootSent(nil)
	d := &Decoder{ctx: ctx, call: call, root: true, path: []uint32{0}}
	d.Reset(nil, wire.DefaultLimits())
	d.SetSource(call.rootSource(ctx, 0))
	r := decodeStreams(d)
	err := d.Finish()
	return r, call, err
}

// drain reads both streams to their end or first error.
func drain(r streamsReq) (numbers []uint64, text string, nerr, berr error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r.Numbers != nil {
		for {
			chunk, err := r.Numbers.Next(ctx)
			numbers = append(numbers, chunk...)
			if err != nil {
				if err != io.EOF {
					nerr = err
				}
				break
			}
		}
	}
	if r.Bytes != nil {
		b, err := io.ReadAll(r.Bytes)
		text, berr = string(b), err
	}
	return
}

var (
	root2 = frame{nil, []byte{0, 0}} // two pending streams
	end00 = frame{p(0, 0), []byte{0}}
	end01 = frame{p(0, 1), []byte{0}}
)

// Hand-written frame sequences, well-formed: split counts and elements,
// frames that arrive before the root frame is decoded, interleaving,
// the wRPC Go runtime's extra 0x00 after a typed stream.
func TestDemuxWellFormed(t *testing.T) {
	for name, resp := range map[string][]byte{
		"one frame per write": frames(root2, frame{p(0, 1), []byte{2}}, frame{p(0, 0), []byte{2}}, frame{p(0, 1), []byte("hi")},
			frame{p(0, 0), []byte{1}}, frame{p(0, 0), []byte{0x80, 0x01}}, end00, end00, end01),
		"chunks in one frame": frames(root2, frame{p(0, 0), []byte{2, 1, 0x80, 0x01, 0}}, frame{p(0, 1), []byte{2, 'h', 'i', 0}}),
		"async before root":   frames(frame{p(0, 0), []byte{2, 1, 0x80, 0x01, 0}}, root2, frame{p(0, 1), []byte{1, 'h', 1, 'i', 0}}),
		"root split":          frames(frame{nil, []byte{0}}, frame{nil, nil}, frame{nil, []byte{0}}, frame{p(0, 1), []byte{2, 'h', 'i', 0}}, frame{p(0, 0), []byte{2, 1, 0x80, 0x01, 0}}),
		"ready inline":        frames(frame{nil, []byte{1, 2, 1, 0x80, 0x01, 1, 2, 'h', 'i'}}),
		"mixed":               frames(frame{nil, []byte{1, 2, 1, 0x80, 0x01, 0}}, frame{p(0, 1), []byte{2, 'h', 'i'}}, end01),
	} {
		t.Run(name, func(t *testing.T) {
			r, call, err := replayCall(t, resp, AsyncLimits{})
			if err != nil {
				t.Fatal(err)
			}
			n, text, nerr, berr := drain(r)
			if nerr != nil || berr != nil || len(n) != 2 || n[0] != 1 || n[1] != 128 || text != "hi" {
				t.Fatalf("numbers %v (%v), bytes %q (%v)", n, nerr, text, berr)
			}
			select {
			case <-call.finished:
			case <-time.After(5 * time.Second):
				t.Fatal("the call did not end")
			}
			if err := call.Err(); err != nil {
				t.Errorf("call: %v", err)
			}
		})
	}
}

// Malformed sequences fail the call at once with a clear error: none waits
// for a timeout (IdleTimeout is an hour here).
func TestDemuxMalformed(t *testing.T) {
	lim := AsyncLimits{MaxValueBuffer: 1024, IdleTimeout: time.Hour}
	for name, tc := range map[string]struct {
		resp []byte
		want string
	}{
		"unknown path":           {frames(root2, frame{p(0, 2), []byte{1}}), "carries no pending async value"},
		"path under byte stream": {frames(root2, frame{p(0, 1, 0), []byte{1}}), "carries no pending async value"},
		"path too deep":          {frames(root2, frame{make([]uint32, 17), []byte{1}}), "MaxPathDepth"},
		"frame too large":        {append(frames(root2), 2, 0, 0, 0x80, 0x10), "MaxValueBuffer"},
		"root after complete":    {frames(root2, frame{nil, []byte{0}}), "root"},
		"bad status":             {frames(frame{nil, []byte{2, 0}}), "status byte"},
		"overlong count":         {frames(root2, frame{p(0, 0), []byte{0x80, 0x80, 0x80, 0x80, 0x80}}), "LEB128"},
		"data after end":         {frames(root2, end00, frame{p(0, 0), []byte{7}}, end01), "after the end"},
		"count over limit":       {frames(root2, frame{p(0, 0), []byte{0xff, 0xff, 0xff, 0x0f}}), "MaxValue"},
		"chunk over buffer":      {frames(root2, frame{p(0, 1), []byte{0x80, 0x10}}, frame{p(0, 0), append([]byte{0xff, 0x07}, bytes.Repeat([]byte{1}, 1000)...)}, frame{p(0, 0), bytes.Repeat([]byte{1}, 1000)}), "MaxValueBuffer"},
		"truncated frame":        {append(frames(root2), 2, 0, 0, 5, 1), "unexpected EOF"},
		"eof before end":         {frames(root2, frame{p(0, 0), []byte{1, 5}}), "unexpected EOF"},
		"no result":              {nil, "without a result"},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			r, call, err := replayCall(t, tc.resp, lim)
			if err == nil {
				_, _, nerr, berr := drain(r)
				err = errors.Join(nerr, berr)
				if err == nil {
					<-call.finished
					err = call.Err()
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// Closing a stream drops the rest of it, and the call still ends.
func TestDemuxClose(t *testing.T) {
	resp := frames(root2, frame{p(0, 0), []byte{1, 1}}, frame{p(0, 0), []byte{1, 2}}, end00, frame{p(0, 1), []byte{2, 'h', 'i', 0}})
	r, call, err := replayCall(t, resp, AsyncLimits{IdleTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r.Numbers.(io.Closer).Close()
	if _, err := r.Numbers.Next(context.Background()); err != io.EOF {
		t.Errorf("Next after Close: %v", err)
	}
	if b, err := io.ReadAll(r.Bytes); err != nil || string(b) != "hi" {
		t.Errorf("bytes %q, %v", b, err)
	}
	select {
	case <-call.finished:
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not end")
	}
	if err := call.Err(); err != nil {
		t.Errorf("call: %v", err)
	}
}

// FuzzDemux feeds arbitrary responses to echo's results: whatever the
// bytes, reading ends (no hang, no panic), within the limits.
func FuzzDemux(f *testing.F) {
	for _, resp := range [][]byte{
		frames(root2, frame{p(0, 0), []byte{1, 1}}, end00, frame{p(0, 1), []byte{2, 'h', 'i', 0}}),
		frames(frame{nil, []byte{1, 2, 1, 0x80, 0x01, 1, 2, 'h', 'i'}}),
		frames(frame{p(0, 0), []byte{2, 1, 0x80, 0x01, 0}}, root2),
	} {
		f.Add(resp)
	}
	f.Fuzz(func(t *testing.T, resp []byte) {
		lim := AsyncLimits{MaxValueBuffer: 4096, MaxCallBuffer: 8192, MaxQueuedFrames: 64, MaxValues: 8, IdleTimeout: 200 * time.Millisecond}
		r, call, err := replayCall(t, resp, lim)
		if err == nil {
			drain(r)
		}
		select {
		case <-call.finished:
		case <-time.After(3 * time.Second):
			t.Fatal("the call did not end")
		}
	})
}
