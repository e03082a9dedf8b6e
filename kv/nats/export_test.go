package nats

import (
	"context"
	"fmt"

	"github.com/witgo-dev/witgo/kv/nats/internal/keymap"
)

// WriteOrphanChunks writes the chunks of value for key in bucket, as a
// writer that dies before its manifest would, and returns their write
// identifier.
func (e *Engine) WriteOrphanChunks(ctx context.Context, bucket, key string, value []byte) (string, error) {
	b := e.cached(bucket)
	if b == nil {
		return "", fmt.Errorf("bucket %q not open", bucket)
	}
	n := chunkPlan(b.payloadLimit(), len(key), len(value))
	if n == 0 {
		return "", fmt.Errorf("no chunk plan for %d bytes", len(value))
	}
	cw, err := b.putChunks(ctx, keymap.Key(key), value, n)
	if err != nil {
		return "", err
	}
	return cw.wid, nil
}

// SetBeforeCommit sets the hook run before a manifest is committed, until
// the returned function restores it.
func SetBeforeCommit(f func()) (restore func()) {
	old := beforeCommit.Swap(&f)
	return func() { beforeCommit.Store(old) }
}

// ChunkRereads is the number of reads that found the chunks of the manifest
// they read gone, and read the key again.
func (e *Engine) ChunkRereads() int64 { return e.rereads.Load() }
