package wrpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// vectorDir holds the repository's wire vectors (provenance in its README.md),
// relative to this package.
const vectorDir = "../../testdata/wire-vectors"

type vector struct {
	Instance string `json:"instance"`
	Function string `json:"function"`
	Meaning  string `json:"meaning"`
	Request  []byte `json:"-"`
	Response []byte `json:"-"`
	ReqHex   string `json:"request_hex"`
	RespHex  string `json:"response_hex"`
}

// loadVectors reads every wire-vector file; key is the file's base name.
func loadVectors(tb testing.TB) map[string][]vector {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no wire vectors in %s (err %v)", vectorDir, err)
	}
	out := make(map[string][]vector)
	for _, f := range files {
		js, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var file struct {
			Vectors []vector `json:"vectors"`
		}
		if err := json.Unmarshal(js, &file); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		for i := range file.Vectors {
			v := &file.Vectors[i]
			if v.Request, err = hex.DecodeString(v.ReqHex); err != nil {
				tb.Fatalf("%s vector %d: %v", f, i, err)
			}
			if v.Response, err = hex.DecodeString(v.RespHex); err != nil {
				tb.Fatalf("%s vector %d: %v", f, i, err)
			}
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = file.Vectors
	}
	return out
}

const storeInstance = "wasi:keyvalue/store@0.2.0-draft2"

// storeCall is one call of wasi:keyvalue/store@0.2.0-draft2, as the values a
// vector's meaning describes: encode gives the root parameter data, result the
// expected result in a canonical text form.
type storeCall struct {
	meaning string
	fn      string
	params  []byte
	result  string
}

func handle(s string) []byte { return []byte(s) }

func params(parts ...func([]byte) []byte) []byte {
	var b []byte
	for _, p := range parts {
		b = p(b)
	}
	return b
}

func str(s string) func([]byte) []byte {
	return func(b []byte) []byte { return wire.AppendString(b, s) }
}
func byts(v []byte) func([]byte) []byte {
	return func(b []byte) []byte { return wire.AppendBytes(b, v) }
}
func hnd(s string) func([]byte) []byte {
	return func(b []byte) []byte { return wire.AppendHandle(b, handle(s)) }
}
func optStr(s *string) func([]byte) []byte {
	return func(b []byte) []byte {
		b = wire.AppendOptionTag(b, s != nil)
		if s != nil {
			b = wire.AppendString(b, *s)
		}
		return b
	}
}

func ptr[T any](v T) *T { return &v }

// storeDraft2 is the values behind every vector of wasi-keyvalue-store-draft2.json, in order.
var storeDraft2 = []storeCall{
	{`open(identifier: "example") -> ok(own<bucket> handle bytes "example")`,
		"open", params(str("example")), `ok(handle "example")`},
	{`[method]bucket.set(self: borrow<bucket> "example", key: "foo", value: "bar") -> ok`,
		"bucket.set", params(hnd("example"), str("foo"), byts([]byte("bar"))), `ok`},
	{`[method]bucket.exists(self: "example", key: "foo") -> ok(true)`,
		"bucket.exists", params(hnd("example"), str("foo")), `ok(true)`},
	{`[method]bucket.get(self: "example", key: "foo") -> ok(some("bar"))`,
		"bucket.get", params(hnd("example"), str("foo")), `ok(some("bar"))`},
	{`[method]bucket.list-keys(self: "example", cursor: none) -> ok({keys: ["foo"], cursor: none})`,
		"bucket.list-keys", params(hnd("example"), optStr(nil)), `ok({keys: ["foo"], cursor: none})`},
	{`[method]bucket.get(self: handle "nope" (never opened), key: "k") -> err(error::no-such-store)`,
		"bucket.get", params(hnd("nope"), str("k")), `err(no-such-store)`},
	{`open(identifier: "b2") -> ok(handle "b2")`,
		"open", params(str("b2")), `ok(handle "b2")`},
	{`[method]bucket.get(self: "b2", key: "missing") -> ok(none)`,
		"bucket.get", params(hnd("b2"), str("missing")), `ok(none)`},
	{`[method]bucket.set(self: "b2", key: "empty", value: [] (empty list)) -> ok`,
		"bucket.set", params(hnd("b2"), str("empty"), byts([]byte{})), `ok`},
	{`[method]bucket.delete(self: "b2", key: "empty") -> ok`,
		"bucket.delete", params(hnd("b2"), str("empty")), `ok`},
	{`[method]bucket.list-keys(self: "b2", cursor: some("x")) -> err(error::other("cursors are not supported")) (this server rejects cursors it did not issue)`,
		"bucket.list-keys", params(hnd("b2"), optStr(ptr("x"))), `err(other("cursors are not supported"))`},
	{`[method]bucket.set(self: "b2", key: UTF-8 "ключ🔑", value: [0x00,0x01,0x02,0xff]) -> ok`,
		"bucket.set", params(hnd("b2"), str("ключ🔑"), byts([]byte{0, 1, 2, 0xff})), `ok`},
}

// decodeStoreResult decodes the root result data of fn into the canonical text form.
func decodeStoreResult(fn string, data []byte) (string, error) {
	d := wire.NewDecoder(data, wire.Limits{})
	var out string
	if d.ResultTag() {
		switch d.Discriminant(3) {
		case 0:
			out = "err(no-such-store)"
		case 1:
			out = "err(access-denied)"
		case 2:
			out = fmt.Sprintf("err(other(%q))", d.ReadString())
		}
	} else {
		switch fn {
		case "open":
			out = fmt.Sprintf("ok(handle %q)", d.Handle())
		case "bucket.set", "bucket.delete":
			out = "ok"
		case "bucket.exists":
			out = fmt.Sprintf("ok(%v)", d.Bool())
		case "bucket.get":
			if d.OptionTag() {
				v := d.Bytes()
				if v == nil {
					return "", errors.New("some(list<u8>) decoded as nil")
				}
				out = fmt.Sprintf("ok(some(%q))", v)
			} else {
				out = "ok(none)"
			}
		case "bucket.list-keys":
			keys := make([]string, d.Len())
			for i := range keys {
				keys[i] = fmt.Sprintf("%q", d.ReadString())
			}
			cursor := "none"
			if d.OptionTag() {
				cursor = fmt.Sprintf("some(%q)", d.ReadString())
			}
			out = fmt.Sprintf("ok({keys: [%s], cursor: %s})", strings.Join(keys, ", "), cursor)
		default:
			return "", fmt.Errorf("unknown function %q", fn)
		}
	}
	return out, d.Finish()
}

// kvExample implements the wRPC example keyvalue server's semantics by hand,
// as generated code would: buckets in a map, created on open; a bucket's
// handle is its identifier; list-keys refuses any cursor.
type kvExample struct {
	mu      sync.Mutex
	buckets map[string]map[string][]byte
}

func appendStoreErr(b []byte, code uint32, msg string) []byte {
	b = wire.AppendResultTag(b, true)
	b = wire.AppendDiscriminant(b, code)
	if code == 2 {
		b = wire.AppendString(b, msg)
	}
	return b
}

func (kv *kvExample) register(s *Server) {
	kv.buckets = make(map[string]map[string][]byte)
	bucket := func(d *wire.Decoder) (map[string][]byte, bool) {
		h := d.Handle()
		b, ok := kv.buckets[string(h)]
		return b, ok
	}
	s.Register(storeInstance, "open", func(ctx context.Context, p []byte) ([]byte, error) {
		d := wire.NewDecoder(p, wire.Limits{})
		id := d.ReadString()
		if err := d.Finish(); err != nil {
			return nil, err
		}
		kv.mu.Lock()
		defer kv.mu.Unlock()
		if kv.buckets[id] == nil {
			kv.buckets[id] = make(map[string][]byte)
		}
		return wire.AppendHandle(wire.AppendResultTag(nil, false), []byte(id)), nil
	})
	keyOp := func(name string, f func(b map[string][]byte, key string, d *wire.Decoder, out []byte) []byte) {
		s.Register(storeInstance, name, func(ctx context.Context, p []byte) ([]byte, error) {
			kv.mu.Lock()
			defer kv.mu.Unlock()
			d := wire.NewDecoder(p, wire.Limits{})
			b, ok := bucket(d)
			key := d.ReadString()
			out := f(b, key, d, wire.AppendResultTag(nil, false))
			if err := d.Finish(); err != nil {
				return nil, err
			}
			if !ok {
				return appendStoreErr(nil, 0, ""), nil
			}
			return out, nil
		})
	}
	keyOp("bucket.get", func(b map[string][]byte, key string, d *wire.Decoder, out []byte) []byte {
		v, ok := b[key]
		out = wire.AppendOptionTag(out, ok)
		if ok {
			out = wire.AppendBytes(out, v)
		}
		return out
	})
	keyOp("bucket.set", func(b map[string][]byte, key string, d *wire.Decoder, out []byte) []byte {
		v := d.Bytes()
		if b != nil && d.Err() == nil {
			b[key] = v
		}
		return out
	})
	keyOp("bucket.delete", func(b map[string][]byte, key string, d *wire.Decoder, out []byte) []byte {
		delete(b, key)
		return out
	})
	keyOp("bucket.exists", func(b map[string][]byte, key string, d *wire.Decoder, out []byte) []byte {
		_, ok := b[key]
		return wire.AppendBool(out, ok)
	})
	s.Register(storeInstance, "bucket.list-keys", func(ctx context.Context, p []byte) ([]byte, error) {
		kv.mu.Lock()
		defer kv.mu.Unlock()
		d := wire.NewDecoder(p, wire.Limits{})
		b, ok := bucket(d)
		hasCursor := d.OptionTag()
		if hasCursor {
			_ = d.ReadString()
		}
		if err := d.Finish(); err != nil {
			return nil, err
		}
		switch {
		case !ok:
			return appendStoreErr(nil, 0, ""), nil
		case hasCursor:
			return appendStoreErr(nil, 2, "cursors are not supported"), nil
		}
		keys := make([]string, 0, len(b))
		for k := range b {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := wire.AppendResultTag(nil, false)
		out = wire.AppendLen(out, len(keys))
		for _, k := range keys {
			out = wire.AppendString(out, k)
		}
		return wire.AppendOptionTag(out, false), nil
	})
}

func storeVectors(t *testing.T) []vector {
	vs := loadVectors(t)["wasi-keyvalue-store-draft2"]
	if len(vs) != len(storeDraft2) {
		t.Fatalf("%d store vectors, %d described in storeDraft2: describe every vector", len(vs), len(storeDraft2))
	}
	for i, v := range vs {
		c := storeDraft2[i]
		if v.Meaning != c.meaning || v.Function != c.fn || v.Instance != storeInstance {
			t.Fatalf("vector %d is %s %s %q; storeDraft2 describes %s %q", i, v.Instance, v.Function, v.Meaning, c.fn, c.meaning)
		}
	}
	return vs
}

// rootData returns the concatenated root data of a response.
func rootData(tb testing.TB, resp []byte) []byte {
	tb.Helper()
	data, frames, err := NewFrameReader(bytes.NewReader(resp), wire.Limits{}).ReadAll(nil)
	if err != nil || frames == 0 {
		tb.Fatalf("reading response % x: %d frames, %v", resp, frames, err)
	}
	return data
}

func TestVectorsEncodeRequests(t *testing.T) {
	for i, v := range storeVectors(t) {
		c := storeDraft2[i]
		got := AppendRequest(nil, v.Instance, c.fn, c.params)
		if !bytes.Equal(got, v.Request) {
			t.Errorf("vector %d %s: request\n got % x\nwant % x", i, c.fn, got, v.Request)
		}
		// And the request reads back to the same call.
		fr := NewFrameReader(bytes.NewReader(v.Request), wire.Limits{})
		inst, name, err := fr.ReadHeader()
		if err != nil || inst != v.Instance || name != c.fn {
			t.Errorf("vector %d: header %q %q %v", i, inst, name, err)
		}
		data, frames, err := fr.ReadAll(nil)
		if err != nil || frames != 1 || !bytes.Equal(data, c.params) {
			t.Errorf("vector %d: params % x (%d frames, %v), want % x", i, data, frames, err, c.params)
		}
		if fr.Consumed() != len(v.Request) {
			t.Errorf("vector %d: consumed %d of %d bytes", i, fr.Consumed(), len(v.Request))
		}
	}
}

func TestVectorsDecodeResponses(t *testing.T) {
	for i, v := range storeVectors(t) {
		c := storeDraft2[i]
		got, err := decodeStoreResult(c.fn, rootData(t, v.Response))
		if err != nil || got != c.result {
			t.Errorf("vector %d %s: response decodes to %s (%v), want %s", i, c.fn, got, err, c.result)
		}
	}
}

// TestVectorsServer feeds each recorded request, byte for byte, to a Server
// running the example semantics, and checks the answer.
func TestVectorsServer(t *testing.T) {
	vs := storeVectors(t)
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			(&kvExample{}).register(ts.Server)
			for i, v := range vs {
				c := storeDraft2[i]
				resp, err := rawCall(t, ts.l, v.Request)
				if err != nil {
					t.Fatalf("vector %d: %v", i, err)
				}
				got, err := decodeStoreResult(c.fn, rootData(t, resp))
				if err != nil || got != c.result {
					t.Errorf("vector %d %s: server answered %s (%v), want %s", i, c.fn, got, err, c.result)
				}
				if !bytes.Equal(resp, v.Response) {
					t.Errorf("vector %d %s: response bytes\n got % x\nwant % x", i, c.fn, resp, v.Response)
				}
			}
		})
	}
}

// TestVectorsClient checks that the Client writes exactly the recorded
// request bytes and decodes the recorded response, against a peer that
// replays the recording.
func TestVectorsClient(t *testing.T) {
	vs := storeVectors(t)
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			l := listen(t, network)
			defer l.Close()
			var mu sync.Mutex
			var got [][]byte
			go func() {
				for i := 0; ; i++ {
					c, err := l.Accept()
					if err != nil {
						return
					}
					req, _ := io.ReadAll(c)
					mu.Lock()
					got = append(got, req)
					mu.Unlock()
					if i < len(vs) {
						c.Write(vs[i].Response)
					}
					c.Close()
				}
			}()
			client := clientFor(l)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for i, v := range vs {
				c := storeDraft2[i]
				results, err := client.Invoke(ctx, v.Instance, c.fn, c.params)
				if err != nil {
					t.Fatalf("vector %d: %v", i, err)
				}
				res, err := decodeStoreResult(c.fn, results)
				if err != nil || res != c.result {
					t.Errorf("vector %d: client decoded %s (%v), want %s", i, res, err, c.result)
				}
				mu.Lock()
				req := slices.Clone(got[i])
				mu.Unlock()
				if !bytes.Equal(req, v.Request) {
					t.Errorf("vector %d: client wrote\n% x\nwant\n% x", i, req, v.Request)
				}
			}
		})
	}
}

// TestVectorsEndToEnd runs every vector's call through Client and Server.
func TestVectorsEndToEnd(t *testing.T) {
	vs := storeVectors(t)
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network)
			(&kvExample{}).register(ts.Server)
			for i, v := range vs {
				c := storeDraft2[i]
				results, err := ts.client.Invoke(context.Background(), v.Instance, c.fn, c.params)
				if err != nil {
					t.Fatalf("vector %d: %v", i, err)
				}
				if want := rootData(t, v.Response); !bytes.Equal(results, want) {
					t.Errorf("vector %d: results % x, want % x", i, results, want)
				}
			}
		})
	}
}
