package e2e

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	early "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	earlybackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports/backend"
	earlytypes "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/types"
	draft "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports"
	draftbackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draftstore "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/store"
	draft2atomics "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/atomics"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	draft2store "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/store"
	wasmcloudcas "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/cas"
	wasmcloud "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports"
	wasmcloudbackend "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/imports/backend"
	wasmcloudtypes "github.com/witgo-dev/witgo/generated/wasmcloud-keyvalue-0.2.0/wasmcloud/keyvalue/v0.2.0/types"
	wrpckv "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports"
	wrpcbackend "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports/backend"
	wrpcstore "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/store"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/memory"
	"github.com/witgo-dev/witgo/kv/policy"
	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// The buckets of the policy tests: the caller (uid:N over a Unix socket)
// has exactly these rights on them.
const policyRules = `
ME  r      read
ME  w      write
ME  rw     read,write
ME  u-*    read
ME  new-*  create,read,write
uid:4294967294  *  read,write,create   # another user: grants ME nothing
`

// policyOp is one WIT function of a family, called on bucket, that needs
// the rights need.
type policyOp struct {
	name string
	need policy.Right
	call func(ctx context.Context, bucket string) error
}

// policyFamily is a family as the policy tests drive it through its
// generated client.
type policyFamily struct {
	name     string
	register func(s *wrpc.Server, e engine.Engine)
	// client returns the family's open (nil where the bucket is a plain
	// string) and operations, over inv.
	client func(inv wrpc.Invoker) (open func(ctx context.Context, bucket string) error, ops []policyOp)
	// denied returns the WIT access-denied error's message if err is one
	// ("" in a family whose access-denied case has no payload).
	denied func(ctx context.Context, err error) (msg string, ok bool)
	// hasCase: the family's error has an access-denied case (else a denial
	// is the error resource whose trace is the message).
	hasCase bool
}

// TestPolicy: each family over a Unix socket, with a policy-wrapped engine.
// Every operation succeeds on a bucket where the caller has exactly the
// rights it needs, and on each bucket where one of them is missing it is
// denied with the family's WIT error (access-denied, or an error whose
// message names the principal, the bucket and the right) and changes
// nothing; opens need a right, and a create needs create.
func TestPolicy(t *testing.T) {
	me := "uid:" + strconv.Itoa(os.Getuid())
	pol, err := policy.Parse("e2e.policy", strings.NewReader(strings.ReplaceAll(policyRules, "ME ", me+" ")))
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range policyFamilies() {
		t.Run(fam.name, func(t *testing.T) {
			mem := memory.New(engine.CreateOnOpen(true), engine.Buckets("r", "w", "rw", "none"))
			seed := func(bucket string) {
				b, err := mem.Open(t.Context(), bucket)
				if err != nil {
					t.Fatal(err)
				}
				for _, kv := range [][2]string{{"k", "v"}, {"cas", "1"}, {"gone", "x"}} {
					if err := b.Set(t.Context(), kv[0], []byte(kv[1])); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, b := range []string{"r", "w", "rw", "none"} {
				seed(b)
			}
			srv := newServer()
			fam.register(srv, policy.Wrap(mem, pol))
			open, ops := fam.client(serveUnix(t, srv))
			ctx := t.Context()

			wantDenied := func(what string, err error, detail string) {
				t.Helper()
				msg, ok := fam.denied(ctx, err)
				if !ok {
					t.Errorf("%s: err = %v, want access denied", what, err)
					return
				}
				if !fam.hasCase {
					if want := "access denied: principal " + strconv.Quote(me) + " may not " + detail; msg != want {
						t.Errorf("%s: message %q, want %q", what, msg, want)
					}
				}
			}
			// The contents of the seeded buckets, to check that denied
			// calls change nothing.
			snapshot := func(bucket string) string {
				b, err := mem.Open(ctx, bucket)
				if err != nil {
					t.Fatal(err)
				}
				keys, err := engine.AllKeys(ctx, b)
				if err != nil {
					t.Fatal(err)
				}
				var s strings.Builder
				for _, k := range keys {
					v, _, _ := b.Get(ctx, k)
					s.WriteString(k + "=" + string(v) + ";")
				}
				return s.String()
			}

			// Opening.
			if open != nil {
				for _, b := range []string{"r", "w", "rw"} {
					if err := open(ctx, b); err != nil {
						t.Errorf("open %s: %v", b, err)
					}
				}
				wantDenied("open none", open(ctx, "none"), `open bucket "none" (no read, write or create right on it)`)
				wantDenied("open u-1", open(ctx, "u-1"), `create bucket "u-1"`)
				wantDenied("open other", open(ctx, "other"), `open bucket "other" (no read, write or create right on it)`)
				if err := open(ctx, "new-1"); err != nil {
					t.Errorf("open new-1 with create: %v", err)
				}
			}
			for _, b := range []string{"u-1", "other"} {
				if _, err := mem.OpenExisting(ctx, b); !errors.Is(err, engine.ErrNoSuchStore) {
					t.Errorf("a denied open created %s: %v", b, err)
				}
			}

			// Each operation, allowed and denied.
			kinds := map[policy.Right]bool{}
			for _, op := range ops {
				kinds[op.need] = true
				allowed := map[policy.Right]string{policy.Read: "r", policy.Write: "w", policy.Read | policy.Write: "rw"}[op.need]
				if err := op.call(ctx, allowed); err != nil {
					msg, _ := fam.denied(ctx, err)
					t.Errorf("%s in %s (%v): %v %s", op.name, allowed, op.need, err, msg)
				}
				for _, c := range []struct {
					bucket  string
					missing policy.Right
				}{{"r", policy.Write}, {"w", policy.Read}} {
					if op.need&c.missing == 0 {
						continue
					}
					before := snapshot(c.bucket)
					wantDenied(op.name+" in "+c.bucket, op.call(ctx, c.bucket), c.missing.String()+" bucket "+strconv.Quote(c.bucket))
					if after := snapshot(c.bucket); after != before {
						t.Errorf("%s in %s was denied but changed the bucket: %s, then %s", op.name, c.bucket, before, after)
					}
				}
				if open == nil { // the bucket is a string: each call opens it
					wantDenied(op.name+" in none", op.call(ctx, "none"), `open bucket "none" (no read, write or create right on it)`)
					wantDenied(op.name+" in u-2", op.call(ctx, "u-2"), `create bucket "u-2"`)
				}
			}
			if !kinds[policy.Read] || !kinds[policy.Write] {
				t.Errorf("the family's operations need %v: want reads and writes", kinds)
			}
			if open == nil {
				if err := ops[0].call(ctx, "new-2"); err != nil {
					t.Errorf("%s in new-2, with create: %v", ops[0].name, err)
				}
			}
		})
	}
}

// TestPolicyAnonymousOverTCP: a caller over plain TCP is the principal
// "anonymous", and the early family's error carries the denial's message.
func TestPolicyAnonymousOverTCP(t *testing.T) {
	pol, err := policy.Parse("e2e.policy", strings.NewReader("anonymous public read\n"))
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer()
	mem := memory.New(engine.CreateOnOpen(true), engine.Buckets("public", "private"))
	early.Register(srv, earlybackend.New(policy.Wrap(mem, pol)))
	w := early.NewClient(serveTCP(t, srv))
	ctx := t.Context()
	trace := func(err error) string {
		var we cm.Err[earlytypes.Error]
		if !errors.As(err, &we) || we.Value == nil {
			t.Fatalf("err = %v, want the early family's error", err)
		}
		msg, err := we.Value.Trace(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	b, err := w.Types.BucketOpenBucket(ctx, "public")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Eventual.Get(ctx, b, "k"); err != nil {
		t.Errorf("get in public: %v", err)
	}
	_, err = w.Atomic.Increment(ctx, b, "n", 1)
	if got, want := trace(err), `access denied: principal "anonymous" may not write bucket "public"`; got != want {
		t.Errorf("increment in public: %q, want %q", got, want)
	}
	_, err = w.Types.BucketOpenBucket(ctx, "private")
	if got, want := trace(err), `access denied: principal "anonymous" may not open bucket "private" (no read, write or create right on it)`; got != want {
		t.Errorf("open private: %q, want %q", got, want)
	}
}

func policyFamilies() []policyFamily {
	return []policyFamily{
		{
			name:     "Early",
			register: func(s *wrpc.Server, e engine.Engine) { early.Register(s, earlybackend.New(e)) },
			client:   earlyPolicyClient,
			denied: func(ctx context.Context, err error) (string, bool) {
				var we cm.Err[earlytypes.Error]
				if !errors.As(err, &we) || we.Value == nil {
					return "", false
				}
				msg, terr := we.Value.Trace(ctx)
				return msg, terr == nil && strings.HasPrefix(msg, "access denied: ")
			},
		},
		{
			name:     "Draft",
			register: func(s *wrpc.Server, e engine.Engine) { draft.Register(s, draftbackend.New(e)) },
			client:   draftPolicyClient,
			denied:   variantDenied[draftstore.Error](draftstore.ErrorCaseAccessDenied),
			hasCase:  true,
		},
		{
			name:     "Draft2",
			register: func(s *wrpc.Server, e engine.Engine) { draft2.Register(s, draft2backend.New(e)) },
			client:   draft2PolicyClient,
			denied: func(ctx context.Context, err error) (string, bool) {
				var ce draft2atomics.CasError
				if errors.As(err, &ce) {
					se, ok := ce.StoreError()
					return "", ok && se.Case() == draft2store.ErrorCaseAccessDenied
				}
				return variantDenied[draft2store.Error](draft2store.ErrorCaseAccessDenied)(ctx, err)
			},
			hasCase: true,
		},
		{
			name:     "WRPC",
			register: func(s *wrpc.Server, e engine.Engine) { wrpckv.Register(s, wrpcbackend.New(e)) },
			client:   wrpcPolicyClient,
			denied:   variantDenied[wrpcstore.Error](wrpcstore.ErrorCaseAccessDenied),
			hasCase:  true,
		},
		{
			name:     "Wasmcloud",
			register: func(s *wrpc.Server, e engine.Engine) { wasmcloud.Register(s, wasmcloudbackend.New(e)) },
			client:   wasmcloudPolicyClient,
			denied:   variantDenied[wasmcloudtypes.Error](wasmcloudtypes.ErrorCaseAccessDenied),
			hasCase:  true,
		},
	}
}

// variantDenied reports whether err is the access-denied case of the error
// variant E.
func variantDenied[E interface {
	error
	Case() C
}, C comparable](denied C) func(context.Context, error) (string, bool) {
	return func(_ context.Context, err error) (string, bool) {
		var we E
		return "", errors.As(err, &we) && we.Case() == denied
	}
}

const (
	read      = policy.Read
	write     = policy.Write
	readWrite = policy.Read | policy.Write
)

func earlyPolicyClient(inv wrpc.Invoker) (func(context.Context, string) error, []policyOp) {
	w := early.NewClient(inv)
	open := func(ctx context.Context, bucket string) error {
		_, err := w.Types.BucketOpenBucket(ctx, bucket)
		return err
	}
	// with opens bucket and calls f with it.
	with := func(f func(ctx context.Context, b earlytypes.Bucket) error) func(context.Context, string) error {
		return func(ctx context.Context, bucket string) error {
			b, err := w.Types.BucketOpenBucket(ctx, bucket)
			if err != nil {
				return err
			}
			return f(ctx, b)
		}
	}
	value := func(ctx context.Context, v string) (earlytypes.OutgoingValue, error) {
		out, err := w.Types.OutgoingValueNewOutgoingValue(ctx)
		if err == nil {
			err = out.OutgoingValueWriteBodySync(ctx, []byte(v))
		}
		return out, err
	}
	return open, []policyOp{
		{"get", read, with(func(ctx context.Context, b earlytypes.Bucket) error {
			_, _, err := w.Eventual.Get(ctx, b, "k")
			return err
		})},
		{"exists", read, with(func(ctx context.Context, b earlytypes.Bucket) error {
			_, err := w.Eventual.Exists(ctx, b, "k")
			return err
		})},
		{"keys", read, with(func(ctx context.Context, b earlytypes.Bucket) error {
			_, err := w.EventualBatch.Keys(ctx, b)
			return err
		})},
		{"get-many", read, with(func(ctx context.Context, b earlytypes.Bucket) error {
			_, err := w.EventualBatch.GetMany(ctx, b, []string{"k", "x"})
			return err
		})},
		{"set", write, with(func(ctx context.Context, b earlytypes.Bucket) error {
			out, err := value(ctx, "new")
			if err != nil {
				return err
			}
			return w.Eventual.Set(ctx, b, "k", out)
		})},
		{"delete", write, with(func(ctx context.Context, b earlytypes.Bucket) error {
			return w.Eventual.Delete(ctx, b, "gone")
		})},
		{"increment", write, with(func(ctx context.Context, b earlytypes.Bucket) error {
			_, err := w.Atomic.Increment(ctx, b, "n", 1)
			return err
		})},
		{"set-many", write, with(func(ctx context.Context, b earlytypes.Bucket) error {
			out, err := value(ctx, "x")
			if err != nil {
				return err
			}
			return w.EventualBatch.SetMany(ctx, b, []cm.Tuple2[string, earlytypes.OutgoingValue]{{F0: "x", F1: out}})
		})},
		{"delete-many", write, with(func(ctx context.Context, b earlytypes.Bucket) error {
			return w.EventualBatch.DeleteMany(ctx, b, []string{"gone", "k"})
		})},
		{"compare-and-swap", readWrite, with(func(ctx context.Context, b earlytypes.Bucket) error {
			ok, err := w.Atomic.CompareAndSwap(ctx, b, "cas", 1, 2)
			if err == nil && !ok {
				return errors.New("compare-and-swap(1, 2) of 1 did not swap")
			}
			return err
		})},
	}
}

// storeBucket is the bucket resource of (b) and (c).
type storeBucket interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
	Exists(ctx context.Context, key string) (bool, error)
}

// storeOps are the operations of the store interface of (b) and (c).
func storeOps[B storeBucket](with func(func(context.Context, B) error) func(context.Context, string) error) []policyOp {
	return []policyOp{
		{"get", read, with(func(ctx context.Context, b B) error {
			_, _, err := b.Get(ctx, "k")
			return err
		})},
		{"exists", read, with(func(ctx context.Context, b B) error {
			_, err := b.Exists(ctx, "k")
			return err
		})},
		{"set", write, with(func(ctx context.Context, b B) error { return b.Set(ctx, "k", []byte("new")) })},
		{"delete", write, with(func(ctx context.Context, b B) error { return b.Delete(ctx, "gone") })},
	}
}

// opener returns the with function of a family whose open returns B.
func opener[B any](open func(ctx context.Context, bucket string) (B, error)) func(func(context.Context, B) error) func(context.Context, string) error {
	return func(f func(context.Context, B) error) func(context.Context, string) error {
		return func(ctx context.Context, bucket string) error {
			b, err := open(ctx, bucket)
			if err != nil {
				return err
			}
			return f(ctx, b)
		}
	}
}

func draftPolicyClient(inv wrpc.Invoker) (func(context.Context, string) error, []policyOp) {
	w := draft.NewClient(inv)
	with := opener(w.Store.Open)
	return func(ctx context.Context, bucket string) error {
			_, err := w.Store.Open(ctx, bucket)
			return err
		}, append(storeOps(with),
			policyOp{"list-keys", read, with(func(ctx context.Context, b draftstore.Bucket) error {
				_, err := b.ListKeys(ctx, nil)
				return err
			})},
			policyOp{"get-many", read, with(func(ctx context.Context, b draftstore.Bucket) error {
				_, err := w.Batch.GetMany(ctx, b, []string{"k"})
				return err
			})},
			policyOp{"increment", write, with(func(ctx context.Context, b draftstore.Bucket) error {
				_, err := w.Atomics.Increment(ctx, b, "n", 1)
				return err
			})},
			policyOp{"set-many", write, with(func(ctx context.Context, b draftstore.Bucket) error {
				return w.Batch.SetMany(ctx, b, []cm.Tuple2[string, []byte]{{F0: "x", F1: []byte("y")}})
			})},
			policyOp{"delete-many", write, with(func(ctx context.Context, b draftstore.Bucket) error {
				return w.Batch.DeleteMany(ctx, b, []string{"gone"})
			})},
		)
}

func draft2PolicyClient(inv wrpc.Invoker) (func(context.Context, string) error, []policyOp) {
	w := draft2.NewClient(inv)
	with := opener(w.Store.Open)
	return func(ctx context.Context, bucket string) error {
			_, err := w.Store.Open(ctx, bucket)
			return err
		}, append(storeOps(with),
			policyOp{"list-keys", read, with(func(ctx context.Context, b draft2store.Bucket) error {
				_, err := b.ListKeys(ctx, nil)
				return err
			})},
			policyOp{"get-many", read, with(func(ctx context.Context, b draft2store.Bucket) error {
				_, err := w.Batch.GetMany(ctx, b, []string{"k"})
				return err
			})},
			policyOp{"cas.new+current", read, with(func(ctx context.Context, b draft2store.Bucket) error {
				c, err := w.Atomics.CasNew(ctx, b, "cas")
				if err != nil {
					return err
				}
				_, _, err = c.Current(ctx)
				return err
			})},
			policyOp{"increment", write, with(func(ctx context.Context, b draft2store.Bucket) error {
				_, err := w.Atomics.Increment(ctx, b, "n", -1)
				return err
			})},
			policyOp{"cas.new+swap", readWrite, with(func(ctx context.Context, b draft2store.Bucket) error {
				c, err := w.Atomics.CasNew(ctx, b, "cas")
				if err != nil {
					return err
				}
				return w.Atomics.Swap(ctx, c, []byte("2"))
			})},
			policyOp{"set-many", write, with(func(ctx context.Context, b draft2store.Bucket) error {
				return w.Batch.SetMany(ctx, b, []cm.Tuple2[string, []byte]{{F0: "x", F1: []byte("y")}})
			})},
			policyOp{"delete-many", write, with(func(ctx context.Context, b draft2store.Bucket) error {
				return w.Batch.DeleteMany(ctx, b, []string{"gone"})
			})},
		)
}

func wrpcPolicyClient(inv wrpc.Invoker) (func(context.Context, string) error, []policyOp) {
	w := wrpckv.NewClient(inv)
	return nil, []policyOp{
		{"get", read, func(ctx context.Context, bucket string) error {
			_, _, err := w.Store.Get(ctx, bucket, "k")
			return err
		}},
		{"exists", read, func(ctx context.Context, bucket string) error {
			_, err := w.Store.Exists(ctx, bucket, "k")
			return err
		}},
		{"list-keys", read, func(ctx context.Context, bucket string) error {
			_, err := w.Store.ListKeys(ctx, bucket, nil)
			return err
		}},
		{"get-many", read, func(ctx context.Context, bucket string) error {
			_, err := w.Batch.GetMany(ctx, bucket, []string{"k"})
			return err
		}},
		{"set", write, func(ctx context.Context, bucket string) error {
			return w.Store.Set(ctx, bucket, "k", []byte("new"))
		}},
		{"delete", write, func(ctx context.Context, bucket string) error {
			return w.Store.Delete(ctx, bucket, "gone")
		}},
		{"increment", write, func(ctx context.Context, bucket string) error {
			_, err := w.Atomics.Increment(ctx, bucket, "n", 1)
			return err
		}},
		{"set-many", write, func(ctx context.Context, bucket string) error {
			return w.Batch.SetMany(ctx, bucket, []cm.Tuple2[string, []byte]{{F0: "x", F1: []byte("y")}})
		}},
		{"delete-many", write, func(ctx context.Context, bucket string) error {
			return w.Batch.DeleteMany(ctx, bucket, []string{"gone"})
		}},
	}
}

func wasmcloudPolicyClient(inv wrpc.Invoker) (func(context.Context, string) error, []policyOp) {
	w := wasmcloud.NewClient(inv)
	with := opener(w.Store.Open)
	type bucket = wasmcloudtypes.Bucket
	return func(ctx context.Context, bucket string) error {
			_, err := w.Store.Open(ctx, bucket)
			return err
		}, []policyOp{
			{"get", read, with(func(ctx context.Context, b bucket) error {
				_, _, err := b.Get(ctx, "k")
				return err
			})},
			{"exists", read, with(func(ctx context.Context, b bucket) error {
				_, err := b.Exists(ctx, "k")
				return err
			})},
			{"list-keys", read, with(func(ctx context.Context, b bucket) error {
				prefix := "k"
				_, err := b.ListKeys(ctx, &prefix, nil)
				return err
			})},
			{"get-many", read, with(func(ctx context.Context, b bucket) error {
				_, err := w.Batch.GetMany(ctx, b, []string{"k"})
				return err
			})},
			{"current", read, with(func(ctx context.Context, b bucket) error {
				_, _, err := w.Cas.Current(ctx, b, "cas")
				return err
			})},
			{"set", write, with(func(ctx context.Context, b bucket) error {
				return b.Set(ctx, "k", []byte("new"), nil)
			})},
			{"delete", write, with(func(ctx context.Context, b bucket) error { return b.Delete(ctx, "gone") })},
			{"increment", write, with(func(ctx context.Context, b bucket) error {
				_, err := w.Atomics.Increment(ctx, b, "n", 1)
				return err
			})},
			{"set-many", write, with(func(ctx context.Context, b bucket) error {
				return w.Batch.SetMany(ctx, b, []cm.Tuple2[string, []byte]{{F0: "x", F1: []byte("y")}})
			})},
			{"delete-many", write, with(func(ctx context.Context, b bucket) error {
				return w.Batch.DeleteMany(ctx, b, []string{"gone"})
			})},
			{"swap", readWrite, with(func(ctx context.Context, b bucket) error {
				one := []byte("1")
				res, err := w.Cas.Swap(ctx, b, "cas", []byte("2"), wasmcloudcas.CasOptions{RequireValue: &one})
				if err == nil && res.Case() != wasmcloudcas.CasResultCaseSwapped {
					return errors.New("swap of 1 requiring 1 did not swap")
				}
				return err
			})},
		}
}
