package nats

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/nats/internal/keymap"
)

// keySnapshot is the sorted key list of a bucket as of a stream state.
// Never modified once published. It is stale once the stream changes, or
// once the engine's clock reaches the earliest expiry of its keys.
type keySnapshot struct {
	state streamState
	keys  []string
	exp   int64 // the earliest expiry of keys, 0 if none expires
}

// streamState identifies the contents of a stream: every publish moves the
// last sequence, and removals that publish nothing (stream purges, deleted
// messages, expiry) change the first sequence or the message count.
type streamState struct {
	created                 time.Time
	firstSeq, lastSeq, msgs uint64
}

func stateOf(info *jetstream.StreamInfo) streamState {
	return streamState{created: info.Created, firstSeq: info.State.FirstSeq, lastSeq: info.State.LastSeq, msgs: info.State.Msgs}
}

// scanBatch is the most messages one fetch of a scan asks for.
const scanBatch = 1000

// sortedKeys returns the bucket's keys in bytewise order. JetStream has no
// ordered index of subjects, so the keys are read by a scan (see scan) and
// sorted here; the result is cached until the stream changes (any write,
// deletion or purge), which one stream-info request per page tells, or a
// key of it expires.
func (b *bucket) sortedKeys(ctx context.Context) ([]string, error) {
	// A fresh handle: Info on the shared one would replace its cached info
	// while concurrent reads use it, a data race in nats.go.
	st, err := b.e.js.Stream(ctx, "KV_"+b.jsName)
	if err != nil {
		return nil, fail(ctx, "list-keys", err)
	}
	now := stateOf(st.CachedInfo())
	fresh := func() []string {
		if sn := b.snap.Load(); sn != nil && sn.state.lastSeq == now.lastSeq && sn.state.firstSeq == now.firstSeq &&
			sn.state.msgs == now.msgs && sn.state.created.Equal(now.created) && !b.e.opts.Expired(sn.exp) {
			return sn.keys
		}
		return nil
	}
	if keys := fresh(); keys != nil {
		return keys, nil
	}
	b.snapMu.Lock()
	defer b.snapMu.Unlock()
	if keys := fresh(); keys != nil { // another caller scanned meanwhile
		return keys, nil
	}
	keys, exp, err := b.scan(ctx, st)
	if err != nil {
		return nil, err
	}
	slices.Sort(keys) // Go compares strings bytewise
	// The scan started after the stream was in state now, so if the stream
	// is still in that state later, nothing changed and keys is exact
	// until the earliest expiry.
	b.snap.Store(&keySnapshot{state: now, keys: keys, exp: exp})
	return keys, nil
}

// scan reads the latest message of every subject of the bucket, headers
// only, through an ephemeral pull consumer (deliver last per subject, no
// acks, memory storage), and applies any message written meanwhile, until
// nothing is pending: the result is the set of keys present at the end of
// the scan, without the entries that have expired, and the earliest expiry
// of those it returns (0 if none expires). It never returns a partial list:
// a failure is an error.
func (b *bucket) scan(ctx context.Context, st jetstream.Stream) ([]string, int64, error) {
	const op = "list-keys"
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.e.cfg.listWait)
		defer cancel()
	}
	cons, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverLastPerSubjectPolicy,
		AckPolicy:         jetstream.AckNonePolicy,
		FilterSubject:     b.pre + ">",
		HeadersOnly:       true,
		MemoryStorage:     true,
		Replicas:          1,
		InactiveThreshold: time.Minute, // if the deletion below fails
	})
	if err != nil {
		return nil, 0, fail(ctx, op, err)
	}
	ci := cons.CachedInfo()
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = st.DeleteConsumer(dctx, ci.Name)
		cancel()
	}()
	type listed struct {
		key string
		exp int64
	}
	present := make(map[string]listed, ci.NumPending) // NATS key → key
	pending := ci.NumPending
	for pending > 0 {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		batch, err := cons.FetchNoWait(int(min(pending, scanBatch)))
		if err != nil {
			return nil, 0, fail(ctx, op, err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			meta, err := msg.Metadata()
			if err != nil {
				return nil, 0, fail(ctx, op, err)
			}
			pending = meta.NumPending
			nk, ok := strings.CutPrefix(msg.Subject(), b.pre)
			if !ok {
				continue
			}
			h := msg.Headers()
			exp := expiryOf(h)
			if isDeletion(h) || b.e.opts.Expired(exp) {
				delete(present, nk)
				continue
			}
			var key string
			if keymap.IsHashed(nk) {
				key, ok = keymap.DecodeKeyHeader(nk, h.Get(keymap.KeyHeader))
			} else {
				key, ok = keymap.DecodeDirectKey(nk)
			}
			if ok {
				present[nk] = listed{key, exp}
			}
		}
		if err := batch.Error(); err != nil {
			return nil, 0, fail(ctx, op, err)
		}
		if got == 0 {
			// What was pending is gone (rewritten or purged): ask again.
			info, err := cons.Info(ctx)
			if err != nil {
				return nil, 0, fail(ctx, op, err)
			}
			pending = info.NumPending
		}
	}
	keys := make([]string, 0, len(present))
	var earliest int64
	for _, k := range present {
		keys = append(keys, k.key)
		if k.exp != 0 && (earliest == 0 || k.exp < earliest) {
			earliest = k.exp
		}
	}
	return keys, earliest, nil
}

func (b *bucket) ListKeys(ctx context.Context, offset uint64) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	keys, err := b.sortedKeys(ctx)
	if err != nil {
		return nil, false, err
	}
	page, more := engine.PageAt(keys, offset, b.e.opts.PageSize)
	return page, more, nil
}

func (b *bucket) ListKeysAfter(ctx context.Context, after string) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if err := b.e.opts.CheckCursor("list-keys", after); err != nil {
		return nil, false, err
	}
	keys, err := b.sortedKeys(ctx)
	if err != nil {
		return nil, false, err
	}
	page, more := engine.PageAfter(keys, after, b.e.opts.PageSize)
	return page, more, nil
}

func (b *bucket) ListPrefix(ctx context.Context, prefix string, after *string) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if after != nil {
		if err := b.e.opts.CheckPrefixCursor("list-keys", prefix, *after); err != nil {
			return nil, false, err
		}
	}
	keys, err := b.sortedKeys(ctx)
	if err != nil {
		return nil, false, err
	}
	page, more := engine.PagePrefix(keys, prefix, after, b.e.opts.PageSize)
	return page, more, nil
}
