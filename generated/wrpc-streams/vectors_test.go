// Package wrpcstreams_test replays the streams wire vectors (sessions
// between the wRPC project's Go streams example and witgo, provenance in
// testdata/wire-vectors/README.md) against the client and server generated
// from the example's WIT.
package wrpcstreams_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/witgo-dev/witgo/generated/wrpc-streams/wrpc-examples/streams/handler"
	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wire"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

func load(t *testing.T) map[string][2][]byte {
	t.Helper()
	js, err := os.ReadFile("../../testdata/wire-vectors/streams/wrpc-go-streams-echo.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Name    string `json:"name"`
			ReqHex  string `json:"request_hex"`
			RespHex string `json:"response_hex"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(js, &file); err != nil {
		t.Fatal(err)
	}
	out := map[string][2][]byte{}
	for _, v := range file.Vectors {
		req, err1 := hex.DecodeString(v.ReqHex)
		resp, err2 := hex.DecodeString(v.RespHex)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		out[v.Name] = [2][]byte{req, resp}
	}
	return out
}

// split parses a framed byte stream (after the header of a request) into
// its root frames' data and each async path's data put together.
func split(t *testing.T, b []byte, request bool) (head []byte, paths map[string][]byte) {
	t.Helper()
	d := wire.NewDecoder(b, wire.DefaultLimits())
	if request {
		if v := d.U8(); v != 0 {
			t.Fatalf("version %d", v)
		}
		d.ReadString()
		d.ReadString()
		head = b[:d.Offset()]
	}
	paths = map[string][]byte{}
	for d.Remaining() > 0 && d.Err() == nil {
		n := d.Len()
		var path []string
		for range n {
			path = append(path, strconv.FormatUint(uint64(d.U32()), 10))
		}
		k := "[" + strings.Join(path, " ") + "]"
		paths[k] = append(paths[k], d.Bytes()...)
	}
	if err := d.Finish(); err != nil {
		t.Fatal(err)
	}
	return head, paths
}

type echo struct{}

func (echo) Echo(_ context.Context, r handler.Req) (cm.Tuple2[cm.Stream[uint64], io.ReadCloser], error) {
	return cm.Tuple2[cm.Stream[uint64], io.ReadCloser]{F0: r.Numbers, F1: r.Bytes}, nil
}

// The wRPC Go client's request, replayed against the generated server:
// path by path, the response has the recorded bytes.
func TestServerReplay(t *testing.T) {
	v := load(t)["wrpc-go-client-to-witgo-server"]
	srv := wrpc.NewServer(wrpc.WithLogger(nil))
	handler.Register(srv, echo{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(v[0]); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	_, got := split(t, resp, false)
	_, want := split(t, v[1], false)
	if len(got) != 3 || len(want) != 3 {
		t.Fatalf("paths %d and %d, want 3", len(got), len(want))
	}
	for k, w := range want {
		if !bytes.Equal(got[k], w) {
			t.Errorf("path %s: %x, recorded %x", k, got[k], w)
		}
	}
}

// The generated client against the wRPC Go server's recorded response: it
// decodes the echoed streams, and sends the header, root frame and per-path
// bytes of the recorded requests (the wRPC Go client's ones but for the
// extra 0x00 that the wRPC Go runtime writes after a typed stream's end).
func TestClientReplay(t *testing.T) {
	vs := load(t)
	resp := vs["witgo-client-to-wrpc-go-server"][1]
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	reqCh := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			reqCh <- nil
			return
		}
		defer c.Close()
		_, _ = c.Write(resp)
		req, _ := io.ReadAll(c)
		reqCh <- req
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, numbers := cm.Pipe[uint64]()
	go func() {
		for i := uint64(1); i <= 10; i++ {
			_ = w.Write(ctx, i)
		}
		w.Close()
	}()
	res, err := handler.NewClient(wrpc.DialTCP(l.Addr().String())).Echo(ctx, handler.Req{
		Numbers: numbers,
		Bytes:   io.NopCloser(iotest.OneByteReader(strings.NewReader("foo bar baz"))),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cm.Collect(ctx, res.F0)
	if err != nil || !slices.Equal(got, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("numbers %v, %v", got, err)
	}
	if b, err := io.ReadAll(res.F1); err != nil || string(b) != "foo bar baz" {
		t.Errorf("bytes %q, %v", b, err)
	}
	head, paths := split(t, <-reqCh, true)
	for _, name := range []string{"witgo-client-to-wrpc-go-server", "wrpc-go-client-to-witgo-server"} {
		wantHead, want := split(t, vs[name][0], true)
		if !bytes.Equal(head, wantHead) {
			t.Errorf("vs %s: header %x, recorded %x", name, head, wantHead)
		}
		for k, w := range want {
			g := paths[k]
			if k == "[0 0]" && len(w) == len(g)+1 && w[len(w)-1] == 0 {
				w = w[:len(g)]
			}
			if !bytes.Equal(g, w) {
				t.Errorf("vs %s: path %s: %x, recorded %x", name, k, g, w)
			}
		}
	}
}
