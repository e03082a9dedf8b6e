package nats

import (
	"context"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/nats/internal/keymap"
)

// DefaultChunkGrace is the default of ChunkGrace.
const DefaultChunkGrace = 10 * time.Minute

// chunkGroup is the chunks of one write: its key's NATS key and the write
// identifier.
type chunkGroup struct{ nk, wid string }

// sweeper runs SweepChunks every half grace period until stopped.
type sweeper struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *sweeper) start(e *Engine) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(max(e.cfg.grace/2, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			sctx, scancel := context.WithTimeout(ctx, max(e.cfg.grace/2, time.Second))
			_, _ = e.SweepChunks(sctx) // what fails is tried again next time
			scancel()
		}
	}()
}

func (s *sweeper) stop() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
}

// SweepChunks removes chunks of large values that no entry uses, in the
// buckets this engine has opened, and returns how many groups of chunks
// (the chunks of one write) it purged. The engine calls it every half
// ChunkGrace in the background; calling it directly is only useful to
// reclaim space at once, or in tests.
//
// A group is purged once this engine has seen it, in a sweep at least the
// grace period earlier, and its key's latest message is not the manifest
// that names it (or that manifest's entry expired more than the grace
// period ago by the engine's clock). Writers commit a manifest within half
// the grace period of writing its first chunk, or not at all, so a group a
// manifest is about to name is never purged.
func (e *Engine) SweepChunks(ctx context.Context) (int, error) {
	e.mu.Lock()
	buckets := make([]*bucket, 0, len(e.buckets))
	for _, b := range e.buckets {
		buckets = append(buckets, b)
	}
	e.mu.Unlock()
	purged := 0
	var errs []error
	for _, b := range buckets {
		n, err := b.sweepChunks(ctx)
		purged += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return purged, errors.Join(errs...)
}

func (b *bucket) sweepChunks(ctx context.Context) (int, error) {
	const op = "sweep"
	b.sweepMu.Lock()
	defer b.sweepMu.Unlock()
	groups, err := b.chunkGroups(ctx)
	if err != nil {
		return 0, err
	}
	// Every group was written before now, when the scan had seen it.
	now := time.Now()
	for g := range b.marks {
		if _, ok := groups[g]; !ok {
			delete(b.marks, g)
		}
	}
	purged := 0
	for g := range groups {
		since, ok := b.marks[g]
		if !ok {
			b.marks[g] = now
			continue
		}
		if now.Sub(since) < b.e.cfg.grace {
			continue
		}
		used, err := b.groupUsed(ctx, g)
		if err != nil {
			return purged, fail(ctx, op, err)
		}
		if used {
			b.marks[g] = now // looked at again in a grace period
			continue
		}
		if err := b.st.Purge(ctx, jetstream.WithPurgeSubject(b.groupChunks(g.nk, g.wid))); err != nil {
			return purged, fail(ctx, op, err)
		}
		delete(b.marks, g)
		purged++
	}
	return purged, nil
}

// groupUsed reports whether the latest message of g's key is a manifest of
// g whose entry has not expired more than the grace period ago.
func (b *bucket) groupUsed(ctx context.Context, g chunkGroup) (bool, error) {
	m, err := b.st.GetLastMsgForSubject(ctx, b.pre+g.nk)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if isDeletion(m.Header) {
		return false, nil
	}
	man, ok := parseManifest(m.Header.Get(chunksHeader))
	if !ok || man.wid != g.wid {
		return false, nil
	}
	if exp := expiryOf(m.Header); exp != 0 && exp <= math.MaxInt64-int64(b.e.cfg.grace) && b.e.opts.Expired(exp+int64(b.e.cfg.grace)) {
		return false, nil
	}
	return true, nil
}

// chunkGroups returns the groups of chunks in the bucket, read (headers
// only) by an ephemeral consumer of the chunk subjects.
func (b *bucket) chunkGroups(ctx context.Context) (map[chunkGroup]struct{}, error) {
	const op = "sweep"
	cons, err := b.st.CreateConsumer(ctx, jetstream.ConsumerConfig{
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		AckPolicy:         jetstream.AckNonePolicy,
		FilterSubject:     b.pre + chunkTag + ">",
		HeadersOnly:       true,
		MemoryStorage:     true,
		Replicas:          1,
		InactiveThreshold: time.Minute, // if the deletion below fails
	})
	if err != nil {
		return nil, fail(ctx, op, err)
	}
	ci := cons.CachedInfo()
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = b.st.DeleteConsumer(dctx, ci.Name)
		cancel()
	}()
	groups := make(map[chunkGroup]struct{})
	pending := ci.NumPending
	for pending > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch, err := cons.FetchNoWait(int(min(pending, scanBatch)))
		if err != nil {
			return nil, fail(ctx, op, err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			meta, err := msg.Metadata()
			if err != nil {
				return nil, fail(ctx, op, err)
			}
			pending = meta.NumPending
			if nk, wid, ok := b.parseChunkSubject(msg.Subject()); ok {
				groups[chunkGroup{nk, wid}] = struct{}{}
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fail(ctx, op, err)
		}
		if got == 0 {
			info, err := cons.Info(ctx)
			if err != nil {
				return nil, fail(ctx, op, err)
			}
			pending = info.NumPending
		}
	}
	return groups, nil
}

// checkBucketQuota fails with engine.ErrQuotaExceeded if the JetStream
// already holds MaxBuckets buckets of this engine's prefix.
func (e *Engine) checkBucketQuota(ctx context.Context, op, name string) error {
	limit := e.opts.MaxBuckets
	if limit <= 0 {
		return nil
	}
	n := 0
	names := e.js.KeyValueStoreNames(ctx)
	for jsName := range names.Name() {
		if e.ownsBucketName(jsName) {
			n++
		}
	}
	if err := names.Error(); err != nil {
		return fail(ctx, op, err)
	}
	if n >= limit {
		return &engine.Error{Op: op, Kind: engine.ErrQuotaExceeded, Msg: "bucket " + strconv.Quote(name[:min(len(name), 64)]) +
			" would be one more than the limit of " + strconv.Itoa(limit) + " buckets (MaxBuckets)"}
	}
	return nil
}

// ownsBucketName reports whether a JetStream bucket name is one that
// Bucket gives for this engine's prefix.
func (e *Engine) ownsBucketName(jsName string) bool {
	if _, ok := keymap.DecodeBucket(e.cfg.prefix, jsName); ok {
		return true
	}
	rest, ok := strings.CutPrefix(jsName, e.cfg.prefix+"h")
	if !ok || len(rest) != 64 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil && strings.ToLower(rest) == rest
}
