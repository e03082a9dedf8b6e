package wire

import (
	"math"
	"unicode/utf8"
)

// Canonical NaN bit patterns (component-model value encoding).
const (
	canonicalNaN32 = 0x7fc00000
	canonicalNaN64 = 0x7ff8000000000000
)

// The Append functions encode one value at the end of b and return the
// extended slice, like strconv.AppendInt. None of them allocates when b has
// enough spare capacity.

// AppendBool appends a bool: one byte, 0 or 1.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendU8 appends a u8: one byte.
func AppendU8(b []byte, v uint8) []byte { return append(b, v) }

// AppendS8 appends an s8: one byte, two's complement.
func AppendS8(b []byte, v int8) []byte { return append(b, byte(v)) }

// AppendU16 appends a u16 in unsigned LEB128.
func AppendU16(b []byte, v uint16) []byte { return appendUleb(b, uint64(v)) }

// AppendU32 appends a u32 in unsigned LEB128.
func AppendU32(b []byte, v uint32) []byte { return appendUleb(b, uint64(v)) }

// AppendU64 appends a u64 in unsigned LEB128.
func AppendU64(b []byte, v uint64) []byte { return appendUleb(b, v) }

// AppendS16 appends an s16 in signed LEB128.
func AppendS16(b []byte, v int16) []byte { return appendSleb(b, int64(v)) }

// AppendS32 appends an s32 in signed LEB128.
func AppendS32(b []byte, v int32) []byte { return appendSleb(b, int64(v)) }

// AppendS64 appends an s64 in signed LEB128.
func AppendS64(b []byte, v int64) []byte { return appendSleb(b, v) }

// AppendF32 appends an f32: 4 bytes little-endian IEEE 754. Every NaN is sent
// as the canonical NaN 0x7fc00000; -0 keeps its sign.
func AppendF32(b []byte, v float32) []byte {
	bits := math.Float32bits(v)
	if v != v {
		bits = canonicalNaN32
	}
	return append(b, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24))
}

// AppendF64 appends an f64: 8 bytes little-endian IEEE 754. Every NaN is sent
// as the canonical NaN 0x7ff8000000000000; -0 keeps its sign.
func AppendF64(b []byte, v float64) []byte {
	bits := math.Float64bits(v)
	if v != v {
		bits = canonicalNaN64
	}
	return append(b, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24),
		byte(bits>>32), byte(bits>>40), byte(bits>>48), byte(bits>>56))
}

// AppendChar appends a char as its Unicode scalar value in unsigned LEB128,
// as the wRPC implementations do (not UTF-8; see the package doc). A rune that
// is not a Unicode scalar value (a surrogate, negative, or over U+10FFFF) is
// sent as U+FFFD, as utf8.AppendRune does.
func AppendChar(b []byte, v rune) []byte {
	if !utf8.ValidRune(v) {
		v = utf8.RuneError
	}
	return appendUleb(b, uint64(v))
}

// AppendString appends a string: its byte length in unsigned LEB128, then its
// bytes. The string must be valid UTF-8; it is sent as is, and a conforming
// peer (this package's Decoder included) refuses invalid UTF-8.
func AppendString(b []byte, v string) []byte {
	b = appendUleb(b, uint64(len(v)))
	return append(b, v...)
}

// AppendBytes appends a list<u8>: its length in unsigned LEB128, then the
// bytes. A nil and an empty slice encode the same (an empty list).
func AppendBytes(b []byte, v []byte) []byte {
	b = appendUleb(b, uint64(len(v)))
	return append(b, v...)
}

// AppendHandle appends a resource handle: opaque bytes, encoded as a list<u8>.
func AppendHandle(b []byte, h []byte) []byte { return AppendBytes(b, h) }

// AppendLen appends the length prefix of a list of n elements; the caller then
// appends each element. It panics if n is negative (a programming error).
func AppendLen(b []byte, n int) []byte {
	if n < 0 {
		panic("wire: AppendLen with a negative length")
	}
	return appendUleb(b, uint64(n))
}

// AppendDiscriminant appends the case index of a variant or enum (unsigned
// LEB128, a u32 on the wire); the caller then appends the case's payload.
func AppendDiscriminant(b []byte, v uint32) []byte { return appendUleb(b, uint64(v)) }

// AppendOptionTag appends the tag of an option: 1 for some (the caller then
// appends the payload), 0 for none.
func AppendOptionTag(b []byte, some bool) []byte { return AppendBool(b, some) }

// AppendResultTag appends the tag of a result: 0 for ok, 1 for error; the
// caller then appends the payload of that case, if it has one.
func AppendResultTag(b []byte, isErr bool) []byte { return AppendBool(b, isErr) }

// AppendFlags appends a flags value of n flags (1 ≤ n ≤ 64): ceil(n/8) bytes,
// flag i in bit i%8 of byte i/8. Bits at or above n are not sent. It panics if
// n is out of range (a programming error: WIT allows at most 32 flags).
func AppendFlags(b []byte, bits uint64, n int) []byte {
	if n < 1 || n > 64 {
		panic("wire: AppendFlags with a flag count outside 1..64")
	}
	if n < 64 {
		bits &= 1<<uint(n) - 1
	}
	for i := 0; i < n; i += 8 {
		b = append(b, byte(bits>>uint(i)))
	}
	return b
}

// appendUleb appends v in unsigned LEB128 (minimal form).
func appendUleb(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendSleb appends v in signed LEB128 (minimal form).
func appendSleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
