package wrpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wire"
)

// The streams vectors: sessions between the wRPC project's Go streams
// example and witgo, in both directions (provenance in
// testdata/wire-vectors/README.md).
type streamsVector struct {
	Name     string `json:"name"`
	ReqHex   string `json:"request_hex"`
	RespHex  string `json:"response_hex"`
	Request  []byte `json:"-"`
	Response []byte `json:"-"`
}

func loadStreamsVectors(t *testing.T) map[string]streamsVector {
	t.Helper()
	js, err := os.ReadFile(filepath.Join(vectorDir, "streams", "wrpc-go-streams-echo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []streamsVector `json:"vectors"`
	}
	if err := json.Unmarshal(js, &file); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]streamsVector)
	for _, v := range file.Vectors {
		if v.Request, err = hex.DecodeString(v.ReqHex); err != nil {
			t.Fatal(err)
		}
		if v.Response, err = hex.DecodeString(v.RespHex); err != nil {
			t.Fatal(err)
		}
		out[v.Name] = v
	}
	if len(out) != 2 {
		t.Fatalf("%d streams vectors, want 2", len(out))
	}
	return out
}

type frame struct {
	path []uint32
	data []byte
}

// session is a framed byte stream split up: the header (requests only),
// the frames in order, and the data of each path put together.
type session struct {
	head   []byte // version and header
	frames []frame
	paths  map[string][]byte // pathString → data
}

func parseSession(t *testing.T, b []byte, request bool) session {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(b))
	var s session
	if request {
		fr := &FrameReader{r: frameReader{br: br, lim: wire.DefaultLimits()}}
		if _, _, err := fr.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		s.head = b[:fr.Consumed()]
	}
	s.paths = make(map[string][]byte)
	c := &asyncCall{lim: AsyncLimits{}.WithDefaults(), vlim: wire.DefaultLimits()}
	for {
		path, data, err := c.readFrame(br)
		if err == io.EOF {
			return s
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(s.frames), err)
		}
		s.frames = append(s.frames, frame{path, data})
		k := pathString(path)
		s.paths[k] = append(s.paths[k], data...)
	}
}

// checkEcho checks a response (or request) of echo: the root value holds
// two pending streams, [0 0] carries 1..10, [0 1] "foo bar baz".
func checkEcho(t *testing.T, s session, what string) {
	t.Helper()
	if len(s.frames) == 0 || len(s.frames[0].path) != 0 || !bytes.Equal(s.frames[0].data, []byte{0, 0}) {
		t.Fatalf("%s: first frame %v, want the root frame [0 0] (two pending streams)", what, s.frames[:min(1, len(s.frames))])
	}
	d := wire.NewDecoder(s.paths["[0 0]"], wire.DefaultLimits())
	var numbers []uint64
	for {
		n := d.Len()
		if n == 0 || d.Err() != nil {
			break
		}
		for range n {
			numbers = append(numbers, d.U64())
		}
	}
	rest := d.Rest()
	if err := d.Err(); err != nil || len(rest) > 1 || (len(rest) == 1 && rest[0] != 0) {
		t.Errorf("%s: numbers stream: %v, left %x", what, err, rest)
	}
	if want := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(numbers, want) {
		t.Errorf("%s: numbers %v, want %v", what, numbers, want)
	}
	d = wire.NewDecoder(s.paths["[0 1]"], wire.DefaultLimits())
	var text []byte
	for {
		n := d.Len()
		if n == 0 || d.Err() != nil {
			break
		}
		for range n {
			text = append(text, d.U8())
		}
	}
	if err := d.Finish(); err != nil || string(text) != "foo bar baz" {
		t.Errorf("%s: bytes %q, %v", what, text, err)
	}
	if len(s.paths) != 3 {
		t.Errorf("%s: paths %v, want [], [0 0] and [0 1]", what, slices.Collect(mapsKeys(s.paths)))
	}
}

func mapsKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestStreamsVectorsShape checks the recorded sessions themselves: every
// side sent both streams pending, and each carries what the example sends.
func TestStreamsVectorsShape(t *testing.T) {
	for name, v := range loadStreamsVectors(t) {
		checkEcho(t, parseSession(t, v.Request, true), name+" request")
		checkEcho(t, parseSession(t, v.Response, false), name+" response")
	}
}

// The wRPC Go client's recorded request, replayed against witgo's server:
// the response carries the echoed streams, path by path the same bytes as
// recorded (only the interleaving of the two paths depends on timing).
func TestStreamsVectorServerReplay(t *testing.T) {
	v := loadStreamsVectors(t)["wrpc-go-client-to-witgo-server"]
	ts := startServer(t, "tcp")
	registerEcho(ts.Server)
	resp, err := rawCall(t, ts.l, v.Request)
	if err != nil {
		t.Fatal(err)
	}
	got, want := parseSession(t, resp, false), parseSession(t, v.Response, false)
	checkEcho(t, got, "replayed response")
	for path, data := range want.paths {
		if !bytes.Equal(got.paths[path], data) {
			t.Errorf("path %s: %x, recorded %x", path, got.paths[path], data)
		}
	}
}

// witgo's client against the wRPC Go server's recorded response: it decodes
// the results, and its request matches the recorded one and the wRPC Go
// client's: the same header and root frame, and on each path the same
// bytes, but for the extra 0x00 that the wRPC Go runtime writes after the
// end of a typed stream.
func TestStreamsVectorClientReplay(t *testing.T) {
	vs := loadStreamsVectors(t)
	v := vs["witgo-client-to-wrpc-go-server"]
	l := listen(t, "tcp")
	defer l.Close()
	reqCh := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			reqCh <- nil
			return
		}
		defer c.Close()
		if _, err := c.Write(v.Response); err != nil {
			t.Error(err)
		}
		req, _ := io.ReadAll(c)
		reqCh <- req
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nw, numbers := cm.Pipe[uint64]()
	go func() {
		for i := uint64(1); i <= 10; i++ {
			_ = nw.Write(ctx, i)
		}
		nw.Close()
	}()
	res, err := callEcho(ctx, clientFor(l), numbers, io.NopCloser(iotest.OneByteReader(bytes.NewReader([]byte("foo bar baz")))))
	if err != nil {
		t.Fatal(err)
	}
	if got := collectAll(t, ctx, res.Numbers); !slices.Equal(got, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("numbers %v", got)
	}
	if got, err := io.ReadAll(res.Bytes); err != nil || string(got) != "foo bar baz" {
		t.Errorf("bytes %q, %v", got, err)
	}
	req := <-reqCh
	got := parseSession(t, req, true)
	checkEcho(t, got, "witgo request")
	for _, ref := range []string{"witgo-client-to-wrpc-go-server", "wrpc-go-client-to-witgo-server"} {
		want := parseSession(t, vs[ref].Request, true)
		if !bytes.Equal(got.head, want.head) || !bytes.Equal(got.frames[0].data, want.frames[0].data) {
			t.Errorf("vs %s: header or root frame differ:\n got %x %x\nwant %x %x", ref, got.head, got.frames[0].data, want.head, want.frames[0].data)
		}
		for path, data := range want.paths {
			g := got.paths[path]
			if path == "[0 0]" && len(data) == len(g)+1 && data[len(data)-1] == 0 {
				data = data[:len(g)] // the wRPC Go runtime's extra 0x00
			}
			if !bytes.Equal(g, data) {
				t.Errorf("vs %s: path %s: %x, recorded %x", ref, path, g, data)
			}
		}
	}
}
