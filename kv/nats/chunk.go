package nats

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/kv/nats/internal/keymap"
)

// Values larger than one message.
//
// NATS refuses a message larger than the server's max_payload (1 MiB
// unless configured). A value that does not fit in one message with its
// headers is stored in chunks: messages on the subjects
//
//	$KV.<bucket>.c.<nk>.<wid>.<i>
//
// of the bucket's own stream, where nk is the key's NATS key, wid a random
// identifier of the write and i the chunk's index, written first; then one
// message on the key's subject, the manifest, commits them: it has no
// payload and a header Witgo-Chunks naming the value's size, its SHA-256,
// wid and the stream sequences of the chunks. The manifest is the key's
// entry: its revision is the key's version, it carries the expiry and
// (for a long key) the key header, list-keys sees it as any entry, and
// chunk subjects are no key of either form, so they are never listed.
//
// Guarantees:
//   - Atomic replacement: a chunk is never rewritten (wid is new for every
//     write) and is read by its sequence, checked against its subject and
//     length, and the whole value against the SHA-256, so a reader gets
//     exactly the value of one manifest or nothing. A reader whose chunks
//     were removed meanwhile (the key was written or deleted again) reads
//     the key again.
//   - Versions: the manifest is written conditionally on the revision the
//     writer read before writing its chunks (for Set too), so the chunks of
//     the key's current manifest are always newer than every earlier
//     message of the key. This is what makes removals safe: after a
//     write commits, it purges the key's chunks older than those of the
//     entry it replaced (that entry's own chunks stay, for readers in
//     flight, until the next write or the sweeper), and a deletion those
//     older than the entry it deleted; neither can touch the chunks of a
//     manifest committed later.
//   - Orphans (a writer that failed or died between chunks and manifest, a
//     value replaced by a small one, an entry expired or deleted behind a
//     race) are removed by the sweeper: it remembers every chunk group
//     (key and wid) it sees, and once it has seen a group for at least the
//     grace period (ChunkGrace, 10 minutes by default), it reads the key and
//     purges the group unless the key's manifest names it (and has not
//     expired more than the grace period ago). A writer never commits a
//     manifest more than half the grace period after it started writing its
//     chunks (it fails instead), so the sweeper never removes the chunks of
//     a manifest that is about to be committed.

// chunksHeader is the manifest header of a chunked entry.
const chunksHeader = "Witgo-Chunks"

// chunkTag starts the NATS keys of chunks ("c." + nk + "." + wid + "." +
// index): no direct key ("k...") or hashed key ("h.<hex>") starts so.
const chunkTag = "c."

// maxChunks bounds the chunks of one value, and maxSeqDigits the decimal
// digits of a stream sequence in a manifest.
const (
	maxChunks    = 1 << 14
	maxSeqDigits = 20
)

// manifestFixedLen bounds the length of a manifest header value without
// its sequences: version, size, SHA-256, wid and separators.
const manifestFixedLen = 2 + maxSeqDigits + 1 + 2*sha256.Size + 1 + widLen + 1

// widLen is the length of a write identifier (rand.Text).
const widLen = 26

// manifest describes a chunked value.
type manifest struct {
	size int
	sum  [sha256.Size]byte
	wid  string
	seqs []uint64 // stream sequences of the chunks, in order
}

// encode returns the Witgo-Chunks header value:
// "1 <size> <sha256 hex> <wid> <seq>,<seq>,...".
func (m *manifest) encode() string {
	var sb strings.Builder
	sb.WriteString("1 ")
	sb.WriteString(strconv.Itoa(m.size))
	sb.WriteByte(' ')
	sb.WriteString(hex.EncodeToString(m.sum[:]))
	sb.WriteByte(' ')
	sb.WriteString(m.wid)
	sb.WriteByte(' ')
	for i, s := range m.seqs {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatUint(s, 10))
	}
	return sb.String()
}

// parseManifest accepts exactly what encode produces for a value of at
// least one byte per chunk and at most maxChunks chunks; it allocates in
// proportion to h only.
func parseManifest(h string) (*manifest, bool) {
	parts := strings.Split(h, " ")
	if len(parts) != 5 || parts[0] != "1" {
		return nil, false
	}
	size, ok := canonicalUint(parts[1])
	if !ok || size == 0 || size > 1<<40 {
		return nil, false
	}
	var m manifest
	m.size = int(size)
	if len(parts[2]) != 2*sha256.Size {
		return nil, false
	}
	if _, err := hex.Decode(m.sum[:], []byte(parts[2])); err != nil || hex.EncodeToString(m.sum[:]) != parts[2] {
		return nil, false
	}
	if !validWid(parts[3]) {
		return nil, false
	}
	m.wid = parts[3]
	n := strings.Count(parts[4], ",") + 1
	if n > maxChunks || uint64(n) > size {
		return nil, false
	}
	m.seqs = make([]uint64, 0, n)
	for s := range strings.SplitSeq(parts[4], ",") {
		seq, ok := canonicalUint(s)
		if !ok || seq == 0 {
			return nil, false
		}
		m.seqs = append(m.seqs, seq)
	}
	return &m, true
}

// canonicalUint parses a decimal uint64 without sign or leading zeros.
func canonicalUint(s string) (uint64, bool) {
	if s == "" || len(s) > maxSeqDigits || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// validWid reports whether s is a write identifier: widLen characters of
// the base32 alphabet rand.Text uses.
func validWid(s string) bool {
	if len(s) != widLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// chunkLen is the length of chunk i of a value of size bytes in n chunks:
// the value is cut in n parts whose lengths differ by at most one.
func chunkLen(size, n, i int) int {
	l := size / n
	if i < size%n {
		l++
	}
	return l
}

// chunkSubject is the subject of chunk i of write wid of NATS key nk.
func (b *bucket) chunkSubject(nk, wid string, i int) string {
	return b.pre + chunkTag + nk + "." + wid + "." + strconv.Itoa(i)
}

// keyChunks is the subject filter of every chunk of NATS key nk, and
// groupChunks that of the chunks of write wid.
func (b *bucket) keyChunks(nk string) string        { return b.pre + chunkTag + nk + ".>" }
func (b *bucket) groupChunks(nk, wid string) string { return b.pre + chunkTag + nk + "." + wid + ".>" }

// parseChunkSubject returns the NATS key and write identifier of a chunk's
// subject; ok is false for a subject of any other form.
func (b *bucket) parseChunkSubject(subj string) (nk, wid string, ok bool) {
	rest, ok := strings.CutPrefix(subj, b.pre+chunkTag)
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i < 0 {
		return "", "", false
	}
	if _, ok := canonicalUint(rest[i+1:]); !ok {
		return "", "", false
	}
	rest = rest[:i]
	j := strings.LastIndexByte(rest, '.')
	if j < 0 {
		return "", "", false
	}
	nk, wid = rest[:j], rest[j+1:]
	if !validWid(wid) {
		return "", "", false
	}
	if keymap.IsHashed(nk) {
		if len(nk) != len("h.")+2*sha256.Size {
			return "", "", false
		}
	} else if _, ok := keymap.DecodeDirectKey(nk); !ok {
		return "", "", false
	}
	return nk, wid, true
}

// payloadLimit is the largest message (headers and data) the bucket takes:
// the server's max_payload, or the stream's max_msg_size if smaller.
func (b *bucket) payloadLimit() int64 {
	limit := int64(1 << 20)
	if nc := b.e.js.Conn(); nc != nil {
		if mp := nc.MaxPayload(); mp > 0 {
			limit = mp
		}
	}
	if info := b.st.CachedInfo(); info != nil {
		if ms := int64(info.Config.MaxMsgSize); ms > 0 && ms < limit {
			limit = ms
		}
	}
	return limit
}

// fitsOneMessage reports whether a value of n bytes under key fits in one
// message of at most limit bytes with its headers.
func fitsOneMessage(limit int64, key string, n int) bool {
	return int64(n)+MessageOverhead(len(key)) <= limit
}

// chunkPlan returns the number of chunks for a value of n bytes under key
// with messages of at most limit bytes, or 0 if the manifest would not fit
// in one message.
func chunkPlan(limit int64, keyLen, n int) int {
	cs := limit - payloadOverhead
	if cs <= 0 {
		return 0
	}
	chunks := int((int64(n) + cs - 1) / cs)
	if chunks > maxChunks || int64(manifestFixedLen+chunks*(maxSeqDigits+1))+MessageOverhead(keyLen) > limit {
		return 0
	}
	return chunks
}

// MaxStorableValue is the largest value the engine can store under keys of
// up to maxKeyBytes on a server whose max_payload is maxPayload: in one
// message if it fits with its headers, else in chunks, whose manifest must
// fit in one message.
func MaxStorableValue(maxPayload int64, maxKeyBytes int) int64 {
	single := maxPayload - MessageOverhead(maxKeyBytes)
	cs := maxPayload - payloadOverhead
	room := maxPayload - MessageOverhead(maxKeyBytes) - manifestFixedLen
	if cs <= 0 || room <= 0 {
		return max(single, 0)
	}
	chunks := min(room/(maxSeqDigits+1), maxChunks)
	return max(single, chunks*cs)
}

// tooLarge is the error of a value that cannot be stored on this server.
func tooLarge(op, key string, n int, limit int64) error {
	if MaxStorableValue(limit, len(key)) <= 0 {
		return &engine.Error{Op: op, Kind: engine.ErrValueTooLarge, Msg: fmt.Sprintf(
			"key %.64q of %d bytes leaves no room for a value on this NATS server (max_payload %d)", key, len(key), limit)}
	}
	return &engine.Error{Op: op, Kind: engine.ErrValueTooLarge, Msg: fmt.Sprintf(
		"value for key %.64q is %d bytes: limit %d bytes on this NATS server (max_payload %d)",
		key, n, MaxStorableValue(limit, len(key)), limit)}
}

// errConflict is a conditional write refused before anything was written
// because the key's revision was not the one expected; isConflict is true
// for it.
var errConflict = errors.New("wrong last sequence")

// errChunkMissing is a chunk of a manifest that is gone: the value was
// replaced or deleted after its manifest was read.
var errChunkMissing = errors.New("chunk missing")

// chunkWrite is the chunks written for one value.
type chunkWrite struct {
	wid   string
	seqs  []uint64
	start time.Time // when the first chunk was sent
}

// beforeCommit, if set (by tests), runs before a manifest is committed.
var beforeCommit atomic.Pointer[func()]

// chunkParallel is the number of chunks written or read at once.
const chunkParallel = 4

// putChunks writes data in n chunks under a new write identifier. On error
// it purges what it may have written.
func (b *bucket) putChunks(ctx context.Context, nk string, data []byte, n int) (*chunkWrite, error) {
	cw := &chunkWrite{wid: rand.Text(), seqs: make([]uint64, n), start: time.Now()}
	errs := make([]error, n)
	sem := make(chan struct{}, chunkParallel)
	var wg sync.WaitGroup
	var failed atomic.Bool
	off := 0
	for i := range n {
		l := chunkLen(len(data), n, i)
		part := data[off : off+l]
		off += l
		sem <- struct{}{}
		if failed.Load() {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				failed.Store(true)
				return
			}
			rctx, cancel := b.e.request(ctx)
			ack, err := b.e.js.PublishMsg(rctx, &natsio.Msg{Subject: b.chunkSubject(nk, cw.wid, i), Data: part})
			cancel()
			if err != nil {
				errs[i] = err
				failed.Store(true)
				return
			}
			cw.seqs[i] = ack.Sequence
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.dropGroup(ctx, nk, cw.wid)
		return nil, err
	}
	return cw, nil
}

// first is the oldest sequence of the chunks.
func (cw *chunkWrite) first() uint64 { return minSeq(cw.seqs) }

// minSeq is the smallest of seqs (chunks written in parallel are not
// stored in order).
func minSeq(seqs []uint64) uint64 {
	f := seqs[0]
	for _, s := range seqs[1:] {
		f = min(f, s)
	}
	return f
}

// dropGroup purges the chunks of write wid of nk, best effort: what it
// misses is the sweeper's.
func (b *bucket) dropGroup(ctx context.Context, nk, wid string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = b.st.Purge(dctx, jetstream.WithPurgeSubject(b.groupChunks(nk, wid)))
}

// purgeBelow purges the chunks of nk older than sequence seq, best effort.
func (b *bucket) purgeBelow(ctx context.Context, nk string, seq uint64) {
	if seq <= 1 {
		return
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = b.st.Purge(dctx, jetstream.WithPurgeSubject(b.keyChunks(nk)), jetstream.WithPurgeSequence(seq))
}

// writeChunked stores data, too large for one message of at most limit
// bytes, in chunks and commits them with a manifest on the key's subject,
// written conditionally on the key's revision: with conditional, on rev,
// failing with an error for which isConflict is true if the key is at
// another revision; without, on the revision it reads first, again until no
// other write lands in between. It returns the manifest's revision, or an
// error as NATS returned it (or an *engine.Error), for the caller's fail.
func (b *bucket) writeChunked(ctx context.Context, op, key, nk string, data []byte, conditional bool, rev uint64, exp int64, limit int64) (uint64, error) {
	n := chunkPlan(limit, len(key), len(data))
	if n == 0 {
		return 0, tooLarge(op, key, len(data), limit)
	}
	s, err := b.head(ctx, key, nk)
	if err != nil {
		return 0, err
	}
	if conditional && s.rev != rev {
		return 0, errConflict
	}
	m := manifest{size: len(data), sum: sha256.Sum256(data)}
	var cw *chunkWrite
	committed := false
	defer func() {
		if cw != nil && !committed {
			b.dropGroup(ctx, nk, cw.wid)
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		// Chunks must be newer than the revision the manifest replaces
		// (see above); on a retry, older ones are written again.
		if cw != nil && (cw.first() <= s.rev || time.Since(cw.start) > b.e.cfg.grace/4) {
			b.dropGroup(ctx, nk, cw.wid)
			cw = nil
		}
		if cw == nil {
			if cw, err = b.putChunks(ctx, nk, data, n); err != nil {
				return 0, err
			}
		}
		if f := beforeCommit.Load(); f != nil {
			(*f)()
		}
		if time.Since(cw.start) > b.e.cfg.grace/2 {
			return 0, fmt.Errorf("writing the chunks of key %.64q took longer than half the chunk grace period (%v): not committed", key, b.e.cfg.grace)
		}
		m.wid, m.seqs = cw.wid, cw.seqs
		msg := &natsio.Msg{Subject: b.pre + nk, Header: natsio.Header{}}
		msg.Header.Set(chunksHeader, m.encode())
		if keymap.IsHashed(nk) {
			msg.Header.Set(keymap.KeyHeader, keymap.EncodeKeyHeader(key))
		}
		if exp != 0 {
			msg.Header.Set(expiresHeader, strconv.FormatInt(exp, 10))
		}
		rctx, cancel := b.e.request(ctx)
		ack, err := b.e.js.PublishMsg(rctx, msg, jetstream.WithExpectLastSequencePerSubject(s.rev))
		cancel()
		if err == nil {
			committed = true
			// The chunks older than those of the entry replaced are
			// garbage: purge them (the sweeper gets them otherwise).
			below := s.rev
			if s.man != nil {
				below = minSeq(s.man.seqs)
			}
			b.purgeBelow(ctx, nk, below)
			return ack.Sequence, nil
		}
		if !isConflict(err) {
			// It may have been applied: the chunks stay (the sweeper
			// removes them if it was not).
			committed = true
			return 0, err
		}
		if conditional {
			return 0, err
		}
		if s, err = b.head(ctx, key, nk); err != nil {
			return 0, err
		}
	}
}

// loadChunks reads the chunks m names, for NATS key nk, and returns the
// value they make. It fails with errChunkMissing if one is gone. It
// allocates only for what it has read, each chunk checked against the
// length the manifest implies.
func (b *bucket) loadChunks(ctx context.Context, nk string, m *manifest) ([]byte, error) {
	n := len(m.seqs)
	parts := make([][]byte, n)
	errs := make([]error, n)
	sem := make(chan struct{}, chunkParallel)
	var wg sync.WaitGroup
	var failed atomic.Bool
	for i, seq := range m.seqs {
		sem <- struct{}{}
		if failed.Load() {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			defer func() {
				if errs[i] != nil {
					failed.Store(true)
				}
			}()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			rctx, cancel := b.e.request(ctx)
			msg, err := b.st.GetMsg(rctx, seq)
			cancel()
			switch {
			case errors.Is(err, jetstream.ErrMsgNotFound):
				errs[i] = errChunkMissing
			case err != nil:
				errs[i] = err
			case msg.Subject != b.chunkSubject(nk, m.wid, i):
				// Sequences are never reused: this is not a chunk
				// this engine wrote for the manifest.
				errs[i] = fmt.Errorf("message %d is not chunk %d of write %s", seq, i, m.wid)
			case len(msg.Data) != chunkLen(m.size, n, i):
				errs[i] = fmt.Errorf("chunk %d of write %s is %d bytes, want %d", i, m.wid, len(msg.Data), chunkLen(m.size, n, i))
			default:
				parts[i] = msg.Data
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if errors.Is(err, errChunkMissing) {
			return nil, errChunkMissing
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Every part has the length the manifest implies, so they add up to
	// m.size: allocate once.
	v := bytes.Join(parts, nil)
	if sha256.Sum256(v) != m.sum {
		return nil, fmt.Errorf("the chunks of write %s do not match the manifest's SHA-256", m.wid)
	}
	return v, nil
}
