package wrpc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"

	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	"github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// Serving an implementation: here the generated keyvalue backend on the
// in-memory engine; any implementation of the generated interfaces is
// served the same way.
func ExampleServer() {
	srv := wrpc.NewServer()
	imports.Register(srv, backend.New(memory.New(engine.CreateOnOpen(true))))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	// Any wRPC client can call it now; this one is witgo's.
	kv := store.NewClient(wrpc.DialTCP(l.Addr().String()))
	b, err := kv.Open(context.Background(), "sessions")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bucket handle: %q\n", b.(wrpc.Resource).WRPCHandle())
	// Output: bucket handle: "sessions"
}

// Using the client: it implements store.Interface over wRPC. WIT errors
// match with errors.Is and errors.As; transport failures are *wrpc.Error.
func ExampleDialTCP() {
	srv := wrpc.NewServer()
	imports.Register(srv, backend.New(memory.New(engine.Buckets("sessions"))))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	kv := store.NewClient(wrpc.DialTCP(l.Addr().String()))

	if _, err := kv.Open(ctx, "unknown"); errors.Is(err, store.ErrNoSuchStore) {
		fmt.Println("open unknown:", err)
	}
	bucket, err := kv.Open(ctx, "sessions")
	if err != nil {
		log.Fatal(err)
	}
	if err := bucket.Set(ctx, "user:42", []byte("alice")); err != nil {
		log.Fatal(err)
	}
	value, ok, err := bucket.Get(ctx, "user:42")
	fmt.Printf("get: %q %v %v\n", value, ok, err)
	_, ok, _ = bucket.Get(ctx, "user:43")
	fmt.Println("get missing:", ok)

	// A server that is not there: a transport failure, not a WIT error.
	_, err = store.NewClient(wrpc.DialTCP("127.0.0.1:1")).Open(ctx, "sessions")
	var te *wrpc.Error
	fmt.Println("transport failure:", errors.As(err, &te), te.Op)
	// Output:
	// open unknown: no-such-store
	// get: "alice" true <nil>
	// get missing: false
	// transport failure: true dial
}

// Logging every call with log/slog, on both sides: WithInterceptor wraps
// every handler call on the server, Intercept every invocation of a client.
// An implementation that embeds the generated UnimplementedInterface fails
// the functions it does not provide.
func ExampleWithInterceptor() {
	// Log to stdout without the time, so that the output is stable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	srv := wrpc.NewServer(
		wrpc.WithLogger(slog.New(slog.DiscardHandler)),
		wrpc.WithInterceptor(func(ctx context.Context, instance, name string, params []byte, next wrpc.Handler) ([]byte, error) {
			results, err := next(ctx, params)
			logger.Info("served", "function", instance+"#"+name, "err", err)
			return results, err
		}))
	store.Register(srv, unimplementedStore{})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	inv := wrpc.Intercept(wrpc.DialTCP(l.Addr().String()),
		func(ctx context.Context, instance, name string, params []byte, next wrpc.Invoker) ([]byte, error) {
			results, err := next.Invoke(ctx, instance, name, params)
			logger.Info("called", "function", name, "failed", err != nil)
			return results, err
		})
	_, err := store.NewClient(inv).Open(context.Background(), "sessions")
	fmt.Println("no result:", errors.Is(err, wrpc.ErrNoResult))
	// Output:
	// level=INFO msg=served function=wasi:keyvalue/store@0.2.0-draft2#open err="wrpc: wasi:keyvalue/store@0.2.0-draft2#open: unimplemented"
	// level=INFO msg=called function=open failed=true
	// no result: true
}

// unimplementedStore provides none of the functions of store.Interface.
type unimplementedStore struct {
	store.UnimplementedInterface
}
