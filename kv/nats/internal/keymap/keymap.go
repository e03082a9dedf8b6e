// Package keymap maps keyvalue keys and bucket identifiers onto NATS KV
// keys and JetStream bucket names, reversibly. It is its own package so that
// its fuzz target does not link the NATS server.
package keymap

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Key mapping. NATS KV keys must match [-/_=.a-zA-Z0-9]+ (no leading or
// trailing '.', no empty token) and become part of the subject
// $KV.<bucket>.<key>, which every publish and direct get puts in a protocol
// control line (4096 bytes by default on the server). So:
//
//   - a key of at most MaxDirectKeyBytes (1536) bytes maps to "k" followed by
//     its unpadded base64url encoding: at most 2049 characters, one subject
//     token, decoded back exactly (strict base64, so the mapping is a
//     bijection between keys and these NATS keys); the empty key is "k";
//   - a longer key maps to "h." followed by the hex SHA-256 of the key (two
//     tokens, 66 characters), and its messages carry the original key,
//     base64url encoded, in the header Witgo-Key, which listings read (they
//     fetch headers only) and reads check.
//
// The two forms cannot collide: a direct key is one token starting with 'k',
// a hashed key two tokens starting with "h.". NATS keys of any other form
// (written to the bucket by other clients) are ignored by listings and
// cannot be reached through the engine.
const (
	// MaxDirectKeyBytes is the longest key stored under its encoding.
	MaxDirectKeyBytes = 1536
	// KeyHeader is the header that carries a hashed key.
	KeyHeader    = "Witgo-Key"
	directKeyTag = "k"
	hashedKeyTag = "h."
)

// Bucket mapping. JetStream bucket names must match [a-zA-Z0-9_-]+, and the
// stream KV_<name> is a directory name on disk, so the encoding must not
// depend on case: an identifier of at most MaxDirectBucketBytes (80) bytes
// maps to prefix + "b" + its unpadded lowercase base32hex encoding (at most
// 128 characters); a longer one to prefix + "h" + the hex SHA-256 of the
// identifier (64 characters). The identifier itself is also kept in the
// stream's metadata under MetaBucket.
const (
	// MaxDirectBucketBytes is the longest identifier named by its encoding.
	MaxDirectBucketBytes = 80
	// MaxPrefixLen is the longest accepted bucket prefix.
	MaxPrefixLen = 64
	// MetaBucket is the stream metadata key that holds the identifier.
	MetaBucket = "witgo.bucket"
	// DefaultBucketPrefix is the default prefix of JetStream bucket names.
	DefaultBucketPrefix = "witgo_"
	directBucketTag     = "b"
	hashedBucketTag     = "h"
)

var (
	b64   = base64.RawURLEncoding.Strict()
	b32hx = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)
)

// Key maps a key onto a valid NATS KV key.
func Key(key string) string {
	if len(key) <= MaxDirectKeyBytes {
		buf := make([]byte, len(directKeyTag)+b64.EncodedLen(len(key)))
		copy(buf, directKeyTag)
		b64.Encode(buf[len(directKeyTag):], []byte(key))
		return string(buf)
	}
	sum := sha256.Sum256([]byte(key))
	return hashedKeyTag + hex.EncodeToString(sum[:])
}

// IsHashed reports whether a NATS key is of the hashed form.
func IsHashed(nk string) bool { return strings.HasPrefix(nk, hashedKeyTag) }

// DecodeDirectKey inverts Key for direct keys: ok is false for any
// string Key does not produce for a key of at most MaxDirectKeyBytes
// valid UTF-8 bytes.
func DecodeDirectKey(nk string) (string, bool) {
	if !strings.HasPrefix(nk, directKeyTag) {
		return "", false
	}
	enc := nk[len(directKeyTag):]
	b, err := b64.DecodeString(enc)
	if err != nil || len(b) > MaxDirectKeyBytes || !utf8.Valid(b) {
		return "", false
	}
	// The decoder skips '\r' and '\n': accept only the canonical encoding.
	if b64.EncodedLen(len(b)) != len(enc) {
		return "", false
	}
	return string(b), true
}

// EncodeKeyHeader and DecodeKeyHeader code the Witgo-Key header of hashed
// keys; DecodeKeyHeader checks that the key maps to nk.
func EncodeKeyHeader(key string) string { return b64.EncodeToString([]byte(key)) }

func DecodeKeyHeader(nk, h string) (string, bool) {
	b, err := b64.DecodeString(h)
	if err != nil || !utf8.Valid(b) || len(b) <= MaxDirectKeyBytes || b64.EncodedLen(len(b)) != len(h) {
		return "", false
	}
	key := string(b)
	if Key(key) != nk {
		return "", false
	}
	return key, true
}

// Bucket maps a bucket identifier onto a JetStream bucket name.
func Bucket(prefix, id string) string {
	if len(id) <= MaxDirectBucketBytes {
		return prefix + directBucketTag + b32hx.EncodeToString([]byte(id))
	}
	sum := sha256.Sum256([]byte(id))
	return prefix + hashedBucketTag + hex.EncodeToString(sum[:])
}

// DecodeBucket inverts Bucket for identifiers of at most
// MaxDirectBucketBytes bytes (longer ones are recovered from the stream
// metadata instead).
func DecodeBucket(prefix, name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix+directBucketTag)
	if !ok {
		return "", false
	}
	b, err := b32hx.DecodeString(rest)
	if err != nil || len(b) > MaxDirectBucketBytes || !utf8.Valid(b) {
		return "", false
	}
	if b32hx.EncodeToString(b) != rest { // non-canonical trailing bits
		return "", false
	}
	return string(b), true
}

// ValidPrefix reports whether p may start JetStream bucket names.
func ValidPrefix(p string) bool {
	if len(p) > MaxPrefixLen {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// KeyHeaderLen is the length of the Witgo-Key header value of a key of n
// bytes.
func KeyHeaderLen(n int) int { return b64.EncodedLen(n) }
