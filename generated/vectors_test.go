package generated

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/runtime/wire"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// The wire vectors were captured between the wRPC project's own Go client and
// server for wasi:keyvalue/store@0.2.0-draft2. These tests put the generated
// store client and server in the place of theirs.

// vectorFile is in the repository's testdata/wire-vectors (provenance in its
// README.md), relative to this package.
const vectorFile = "../testdata/wire-vectors/wasi-keyvalue-store-draft2.json"

type vector struct {
	Instance string `json:"instance"`
	Function string `json:"function"`
	Meaning  string `json:"meaning"`
	Request  []byte `json:"-"`
	Response []byte `json:"-"`
	ReqHex   string `json:"request_hex"`
	RespHex  string `json:"response_hex"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	js, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatalf("wire vectors missing: %v", err)
	}
	var f struct{ Vectors []vector }
	if err := json.Unmarshal(js, &f); err != nil {
		t.Fatal(err)
	}
	for i := range f.Vectors {
		v := &f.Vectors[i]
		if v.Request, err = hex.DecodeString(v.ReqHex); err != nil {
			t.Fatal(err)
		}
		if v.Response, err = hex.DecodeString(v.RespHex); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.Vectors) != 12 {
		t.Fatalf("got %d vectors, the calls below replay 12", len(f.Vectors))
	}
	return f.Vectors
}

// replayInvoker checks each request against the next vector, byte for byte,
// and answers with that vector's response.
type replayInvoker struct {
	t       *testing.T
	vectors []vector
	next    int
}

func (r *replayInvoker) Invoke(_ context.Context, instance, name string, params []byte) ([]byte, error) {
	r.t.Helper()
	if r.next >= len(r.vectors) {
		r.t.Fatalf("call %d (%s) has no vector", r.next, name)
	}
	v := r.vectors[r.next]
	r.next++
	if got := wrpc.AppendRequest(nil, instance, name, params); !bytes.Equal(got, v.Request) {
		r.t.Errorf("vector %d (%s): request\n got %x\nwant %x", r.next-1, v.Meaning, got, v.Request)
	}
	data, _, err := wrpc.NewFrameReader(bytes.NewReader(v.Response), wire.Limits{}).ReadAll(nil)
	if err != nil {
		r.t.Fatalf("vector %d: %v", r.next-1, err)
	}
	return data, nil
}

// TestVectorsGeneratedClient makes the calls of the vectors with the
// generated client: every request must equal the captured one, and every
// captured response must decode to the value its meaning states.
func TestVectorsGeneratedClient(t *testing.T) {
	ctx := context.Background()
	inv := &replayInvoker{t: t, vectors: loadVectors(t)}
	kv := store.NewClient(inv)

	b, err := kv.Open(ctx, "example")
	if err != nil {
		t.Fatal(err)
	}
	if h := b.(wrpc.Resource).WRPCHandle(); string(h) != "example" {
		t.Fatalf("handle %q, want %q", h, "example")
	}
	if err := b.Set(ctx, "foo", []byte("bar")); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Exists(ctx, "foo"); err != nil || !ok {
		t.Fatalf("exists = %v, %v", ok, err)
	}
	if v, ok, err := b.Get(ctx, "foo"); err != nil || !ok || string(v) != "bar" {
		t.Fatalf("get = %q, %v, %v", v, ok, err)
	}
	resp, err := b.ListKeys(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(store.KeyResponse{Keys: []string{"foo"}}, resp); diff != "" {
		t.Fatalf("list-keys (-want +got):\n%s", diff)
	}
	_, _, err = store.NewBucketClient(inv, []byte("nope")).Get(ctx, "k")
	if !errors.Is(err, store.ErrNoSuchStore) {
		t.Fatalf("get on unknown handle: %v, want no-such-store", err)
	}
	var te *wrpc.Error
	if errors.As(err, &te) {
		t.Fatalf("a WIT error reported as a transport failure: %v", err)
	}
	b2, err := kv.Open(ctx, "b2")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b2.Get(ctx, "missing"); err != nil || ok || v != nil {
		t.Fatalf("get missing = %q, %v, %v", v, ok, err)
	}
	if err := b2.Set(ctx, "empty", []byte{}); err != nil {
		t.Fatal(err)
	}
	if err := b2.Delete(ctx, "empty"); err != nil {
		t.Fatal(err)
	}
	x := "x"
	_, err = b2.ListKeys(ctx, &x)
	var we store.Error
	if !errors.As(err, &we) || we.Case() != store.ErrorCaseOther {
		t.Fatalf("list-keys with cursor: %v, want other", err)
	}
	if msg, _ := we.Other(); msg != "cursors are not supported" {
		t.Fatalf("other payload %q", msg)
	}
	if err := b2.Set(ctx, "ключ🔑", []byte{0, 1, 2, 0xff}); err != nil {
		t.Fatal(err)
	}
	if inv.next != len(inv.vectors) {
		t.Fatalf("replayed %d of %d vectors", inv.next, len(inv.vectors))
	}
}

// exampleStore behaves like the wRPC example server the vectors were
// captured from: open creates the bucket, the handle is the identifier, an
// unknown handle is no-such-store, and cursors are refused.
type exampleStore struct {
	mu      sync.Mutex
	buckets map[string]map[string][]byte
}

type exampleBucket struct {
	s    *exampleStore
	name string
}

func (s *exampleStore) Open(_ context.Context, id string) (store.Bucket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[id] == nil {
		s.buckets[id] = map[string][]byte{}
	}
	return &exampleBucket{s, id}, nil
}

func (s *exampleStore) ResolveHandle(_ context.Context, instance, resource string, h []byte) (any, error) {
	if instance != store.Instance || resource != "bucket" {
		return nil, errors.New("unexpected resource " + instance + "#" + resource)
	}
	return &exampleBucket{s, string(h)}, nil
}

func (b *exampleBucket) WRPCHandle() []byte { return []byte(b.name) }

func (b *exampleBucket) data() (map[string][]byte, error) {
	m := b.s.buckets[b.name]
	if m == nil {
		return nil, store.ErrNoSuchStore
	}
	return m, nil
}

func (b *exampleBucket) Get(_ context.Context, key string) ([]byte, bool, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	m, err := b.data()
	if err != nil {
		return nil, false, err
	}
	v, ok := m[key]
	return v, ok, nil
}

func (b *exampleBucket) Set(_ context.Context, key string, value []byte) error {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	m, err := b.data()
	if err == nil {
		m[key] = value
	}
	return err
}

func (b *exampleBucket) Delete(_ context.Context, key string) error {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	m, err := b.data()
	if err == nil {
		delete(m, key)
	}
	return err
}

func (b *exampleBucket) Exists(_ context.Context, key string) (bool, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	m, err := b.data()
	if err != nil {
		return false, err
	}
	_, ok := m[key]
	return ok, nil
}

func (b *exampleBucket) ListKeys(_ context.Context, cursor *string) (store.KeyResponse, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	m, err := b.data()
	if err != nil {
		return store.KeyResponse{}, err
	}
	if cursor != nil {
		return store.KeyResponse{}, store.ErrorOther("cursors are not supported")
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return store.KeyResponse{Keys: keys}, nil
}

// TestVectorsGeneratedServer sends every captured request to the generated
// server and compares its response with the captured one, byte for byte.
func TestVectorsGeneratedServer(t *testing.T) {
	srv := wrpc.NewServer(wrpc.WithLogger(nil))
	store.Register(srv, &exampleStore{buckets: map[string]map[string][]byte{}})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	for i, v := range loadVectors(t) {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(v.Request); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		var got bytes.Buffer
		if _, err := got.ReadFrom(c); err != nil {
			t.Fatal(err)
		}
		c.Close()
		if !bytes.Equal(got.Bytes(), v.Response) {
			t.Errorf("vector %d (%s): response\n got %x\nwant %x", i, v.Meaning, got.Bytes(), v.Response)
		}
	}
}
