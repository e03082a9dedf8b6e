package wire

import (
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// A Decoder reads values from a message that is already in memory.
//
// Errors are sticky: the first failure is kept, every later call returns a
// zero value and does not move, and Err or Finish reports the failure. So
// generated code decodes a whole parameter list and checks once:
//
//	d := wire.NewDecoder(params, lim)
//	key := d.ReadString()
//	value := d.Bytes()
//	if err := d.Finish(); err != nil { ... }
//
// A Decoder never panics and never allocates for fixed-size values; String,
// Bytes and Handle allocate exactly once (nothing for an empty value) and
// never alias the input, unless ShareInput says the input is theirs. The
// zero Decoder decodes an empty message with the
// default limits; Reset reuses a Decoder for another message.
//
// Because its method String decodes a string, *Decoder satisfies
// fmt.Stringer: never print or log a Decoder, which would consume input.
type Decoder struct {
	buf      []byte
	off      int
	maxValue int
	err      error
	src      Source // nil: the message is all in buf
	share    bool   // Bytes and Handle return sub-slices of buf
}

// ShareInput tells d that its input belongs to the values it decodes (no
// one else reads or writes it): Bytes and Handle then return sub-slices of
// it, with their capacity cut to their length, instead of copies. Reset
// ends it.
func (d *Decoder) ShareInput() { d.share = true }

// A Source supplies more input to a Decoder whose message is still arriving
// (see SetSource). It is called only when the input ends in the middle of a
// value: it appends at least one byte to buf and returns the grown slice, or
// returns an error; io.EOF means that no more input will come, which the
// Decoder reports as ErrTruncated. A Source bounds how much it appends (the
// bytes a peer sent, never a length it claimed).
type Source func(buf []byte) ([]byte, error)

// SetSource makes d ask src for more input instead of failing with
// ErrTruncated when its input ends in the middle of a value; Reset clears it.
// A length prefix is still checked against MaxValue first, and the bytes it
// covers must arrive before anything is allocated for them.
func (d *Decoder) SetSource(src Source) { d.src = src }

// Rest returns the input not consumed yet (it aliases the input).
func (d *Decoder) Rest() []byte { return d.buf[d.off:] }

// more makes the input at least n bytes long, asking the Source; without
// one, or when the Source has nothing more, it returns ErrTruncated.
func (d *Decoder) more(n int) error {
	if d.src == nil {
		return ErrTruncated
	}
	for len(d.buf) < n {
		buf, err := d.src(d.buf)
		if err != nil {
			if err == io.EOF {
				return ErrTruncated
			}
			return err
		}
		if len(buf) <= len(d.buf) {
			return fmt.Errorf("wire: Source appended nothing: %w", ErrTruncated)
		}
		d.buf = buf
	}
	return nil
}

// NewDecoder returns a Decoder that reads buf under the limits lim (zero
// fields mean the defaults).
func NewDecoder(buf []byte, lim Limits) *Decoder {
	d := new(Decoder)
	d.Reset(buf, lim)
	return d
}

// Reset makes d read buf from its start under the limits lim, forgetting any
// earlier error.
func (d *Decoder) Reset(buf []byte, lim Limits) {
	*d = Decoder{buf: buf, maxValue: lim.WithDefaults().MaxValue}
}

// Err returns the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

// Fail records err as the decoder's error unless one is already recorded (or
// err is nil). Generated code uses it to report a semantic failure, such as
// an unknown case, through the same sticky error.
func (d *Decoder) Fail(err error) {
	if d.err == nil && err != nil {
		d.err = err
	}
}

// Finish returns the first error met, or an error if bytes remain after the
// last value; nil means the message was exactly consumed.
func (d *Decoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if n := len(d.buf) - d.off; n > 0 {
		d.err = &DecodeError{What: "end of message", Offset: d.off, Err: invalidf("%d trailing bytes after the last value", n)}
	}
	return d.err
}

// Offset returns the number of bytes consumed so far.
func (d *Decoder) Offset() int { return d.off }

// Remaining returns the number of bytes not yet consumed.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// fail records the first error; off is where the failing value starts, and
// the decoder stays there.
func (d *Decoder) fail(what string, off int, err error) {
	if d.err == nil {
		d.err = &DecodeError{What: what, Offset: off, Err: err}
		d.off = off
	}
}

// byte1 reads one byte.
func (d *Decoder) byte1(what string) (byte, bool) {
	if d.err != nil {
		return 0, false
	}
	if d.off >= len(d.buf) {
		if err := d.more(d.off + 1); err != nil {
			d.fail(what, d.off, err)
			return 0, false
		}
	}
	b := d.buf[d.off]
	d.off++
	return b, true
}

// Bool reads a bool; a byte other than 0 or 1 is an error.
func (d *Decoder) Bool() bool { return d.tag("bool") }

// OptionTag reads the tag of an option: true for some (the payload follows),
// false for none.
func (d *Decoder) OptionTag() bool { return d.tag("option tag") }

// ResultTag reads the tag of a result: false for ok, true for error; the
// payload of that case, if it has one, follows.
func (d *Decoder) ResultTag() bool { return d.tag("result tag") }

func (d *Decoder) tag(what string) bool {
	b, ok := d.byte1(what)
	if !ok {
		return false
	}
	if b > 1 {
		d.fail(what, d.off-1, invalidf("byte 0x%02x is neither 0 nor 1", b))
		return false
	}
	return b == 1
}

// U8 reads a u8.
func (d *Decoder) U8() uint8 {
	b, _ := d.byte1("u8")
	return b
}

// S8 reads an s8.
func (d *Decoder) S8() int8 {
	b, _ := d.byte1("s8")
	return int8(b)
}

// U16 reads a u16 (unsigned LEB128).
func (d *Decoder) U16() uint16 { return uint16(d.uleb("u16", 3, 0x03)) }

// U32 reads a u32 (unsigned LEB128).
func (d *Decoder) U32() uint32 { return uint32(d.uleb("u32", 5, 0x0f)) }

// U64 reads a u64 (unsigned LEB128).
func (d *Decoder) U64() uint64 { return d.uleb("u64", 10, 0x01) }

// S16 reads an s16 (signed LEB128).
func (d *Decoder) S16() int16 { return int16(d.sleb("s16", 16)) }

// S32 reads an s32 (signed LEB128).
func (d *Decoder) S32() int32 { return int32(d.sleb("s32", 32)) }

// S64 reads an s64 (signed LEB128).
func (d *Decoder) S64() int64 { return d.sleb("s64", 64) }

// F32 reads an f32 (4 bytes little-endian). Any NaN is returned as the
// canonical NaN; -0 keeps its sign.
func (d *Decoder) F32() float32 {
	p, ok := d.fixed("f32", 4)
	if !ok {
		return 0
	}
	bits := uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
	v := math.Float32frombits(bits)
	if v != v {
		v = math.Float32frombits(canonicalNaN32)
	}
	return v
}

// F64 reads an f64 (8 bytes little-endian). Any NaN is returned as the
// canonical NaN; -0 keeps its sign.
func (d *Decoder) F64() float64 {
	p, ok := d.fixed("f64", 8)
	if !ok {
		return 0
	}
	bits := uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
		uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56
	v := math.Float64frombits(bits)
	if v != v {
		v = math.Float64frombits(canonicalNaN64)
	}
	return v
}

func (d *Decoder) fixed(what string, n int) ([]byte, bool) {
	if d.err != nil {
		return nil, false
	}
	if len(d.buf)-d.off < n {
		if err := d.more(d.off + n); err != nil {
			d.fail(what, d.off, err)
			return nil, false
		}
	}
	p := d.buf[d.off : d.off+n]
	d.off += n
	return p, true
}

// Char reads a char: a Unicode scalar value in unsigned LEB128 (see the
// package doc). A surrogate or a value over U+10FFFF is an error.
func (d *Decoder) Char() rune {
	start := d.off
	v := d.uleb("char", 5, 0x0f)
	if d.err != nil {
		return 0
	}
	if v > utf8.MaxRune || !utf8.ValidRune(rune(v)) {
		d.fail("char", start, invalidf("0x%x is not a Unicode scalar value", v))
		return 0
	}
	return rune(v)
}

// Discriminant reads the case index of a variant or enum with n cases; an
// index ≥ n is an error.
func (d *Decoder) Discriminant(n uint32) uint32 {
	start := d.off
	v := uint32(d.uleb("discriminant", 5, 0x0f))
	if d.err != nil {
		return 0
	}
	if v >= n {
		d.fail("discriminant", start, invalidf("case %d out of range for %d cases", v, n))
		return 0
	}
	return v
}

// Flags reads a flags value of n flags (1 ≤ n ≤ 64): ceil(n/8) bytes, flag i
// in bit i%8 of byte i/8. A set bit at or above n is an error.
func (d *Decoder) Flags(n int) uint64 {
	if d.err != nil {
		return 0
	}
	if n < 1 || n > 64 {
		d.fail("flags", d.off, fmt.Errorf("unsupported flag count %d (want 1..64)", n))
		return 0
	}
	start := d.off
	p, ok := d.fixed("flags", (n+7)/8)
	if !ok {
		return 0
	}
	var v uint64
	for i, b := range p {
		v |= uint64(b) << (8 * uint(i))
	}
	if n < 64 && v>>uint(n) != 0 {
		d.fail("flags", start, invalidf("bit set beyond the %d flags", n))
		return 0
	}
	return v
}

// ReadString reads a string; its length is checked against MaxValue and the bytes
// left before anything is allocated, and invalid UTF-8 is an error.
func (d *Decoder) ReadString() string {
	start := d.off
	p, ok := d.span("string", "string length")
	if !ok || len(p) == 0 {
		return ""
	}
	if !utf8.Valid(p) {
		d.fail("string", start, invalidf("string is not valid UTF-8"))
		return ""
	}
	return string(p)
}

// Bytes reads a list<u8> into one new slice that does not alias the input.
// An empty list decodes to a non-nil empty slice, so it stays distinct from
// an absent option (nil).
func (d *Decoder) Bytes() []byte { return d.bytes("list<u8>", "list<u8> length") }

// Handle reads a resource handle: opaque bytes, encoded as a list<u8>. Like
// Bytes it returns a copy.
func (d *Decoder) Handle() []byte { return d.bytes("handle", "handle length") }

func (d *Decoder) bytes(what, lenWhat string) []byte {
	p, ok := d.span(what, lenWhat)
	if !ok {
		return nil
	}
	if len(p) == 0 {
		return []byte{}
	}
	if d.share {
		return p[:len(p):len(p)]
	}
	return append([]byte(nil), p...)
}

// span reads a length prefix and returns the bytes it covers.
func (d *Decoder) span(what, lenWhat string) ([]byte, bool) {
	n := d.length(what, lenWhat, 1)
	if d.err != nil {
		return nil, false
	}
	p := d.buf[d.off : d.off+n]
	d.off += n
	return p, true
}

// Len reads the length prefix of a list whose elements each take at least one
// byte (every WIT type does). The length is checked against the bytes left
// and against MaxValue before it is returned, so the caller may allocate the
// list right away. On error it returns 0.
func (d *Decoder) Len() int { return d.length("list", "list length", 1) }

// LenMin is Len for a list whose elements each take at least minSize bytes
// (e.g. 8 for list<f64>), which tightens the check against the bytes left.
func (d *Decoder) LenMin(minSize int) int {
	if minSize < 1 {
		minSize = 1
	}
	return d.length("list", "list length", minSize)
}

func (d *Decoder) length(what, lenWhat string, minSize int) int {
	start := d.off
	v := d.uleb(lenWhat, 5, 0x0f)
	if d.err != nil {
		return 0
	}
	if v > uint64(d.maxValue) {
		d.fail(what, start, &LimitError{What: lenWhat, Size: v, Limit: "MaxValue", Max: d.maxValue})
		return 0
	}
	left := uint64(len(d.buf) - d.off)
	if v > left/uint64(minSize) {
		err := error(ErrTruncated)
		if need := v * uint64(minSize); d.src != nil && need <= math.MaxInt32 {
			err = d.more(d.off + int(need))
		}
		if err != nil {
			if err == ErrTruncated {
				err = fmt.Errorf("%w: %s %d needs at least %d bytes, %d left", ErrTruncated, lenWhat, v, v*uint64(minSize), len(d.buf)-d.off)
			}
			d.fail(what, start, err)
			return 0
		}
	}
	return int(v)
}

// uleb reads an unsigned LEB128 of at most maxBytes bytes; lastMax is the
// largest value the last of those bytes may hold (the bits that fit in the
// width). Padding within maxBytes (such as 0x80 0x00 for 0) is accepted, as in
// the WebAssembly binary format; more bytes (overlong) or bits beyond the
// width (overflow) are errors.
func (d *Decoder) uleb(what string, maxBytes int, lastMax byte) uint64 {
	if d.err != nil {
		return 0
	}
	// Fast path: one byte.
	if d.off < len(d.buf) && d.buf[d.off] < 0x80 {
		v := d.buf[d.off]
		d.off++
		return uint64(v)
	}
	start := d.off
	var x uint64
	var s uint
	for i := 0; i < maxBytes; i++ {
		if start+i >= len(d.buf) {
			if err := d.more(start + i + 1); err != nil {
				d.fail(what, start, err)
				return 0
			}
		}
		b := d.buf[start+i]
		if i == maxBytes-1 {
			if b&0x80 != 0 {
				d.fail(what, start, invalidf("LEB128 longer than %d bytes", maxBytes))
				return 0
			}
			if b > lastMax {
				d.fail(what, start, invalidf("LEB128 value overflows %s", what))
				return 0
			}
		}
		x |= uint64(b&0x7f) << s
		if b < 0x80 {
			d.off = start + i + 1
			return x
		}
		s += 7
	}
	// Unreachable: the last byte either ends the value or fails above.
	d.fail(what, start, invalidf("LEB128 longer than %d bytes", maxBytes))
	return 0
}

// sleb reads a signed LEB128 for an integer of the given bit width, at most
// ceil(bits/7) bytes; in the last byte the bits beyond the width must repeat
// the sign bit.
func (d *Decoder) sleb(what string, bits uint) int64 {
	if d.err != nil {
		return 0
	}
	// Fast path: one byte, -64..63.
	if d.off < len(d.buf) && d.buf[d.off] < 0x80 {
		b := d.buf[d.off]
		d.off++
		return int64(int8(b<<1) >> 1) // sign-extend bit 6
	}
	maxBytes := int((bits + 6) / 7)
	start := d.off
	var x uint64
	var s uint
	for i := 0; i < maxBytes; i++ {
		if start+i >= len(d.buf) {
			if err := d.more(start + i + 1); err != nil {
				d.fail(what, start, err)
				return 0
			}
		}
		b := d.buf[start+i]
		if i == maxBytes-1 {
			if b&0x80 != 0 {
				d.fail(what, start, invalidf("LEB128 longer than %d bytes", maxBytes))
				return 0
			}
			r := bits - 7*uint(maxBytes-1) // value bits in the last byte
			mask := byte(0x7f) &^ (byte(1)<<(r-1) - 1)
			if t := b & mask; t != 0 && t != mask {
				d.fail(what, start, invalidf("LEB128 value overflows %s", what))
				return 0
			}
		}
		x |= uint64(b&0x7f) << s
		s += 7
		if b&0x80 == 0 {
			if s < 64 && b&0x40 != 0 {
				x |= ^uint64(0) << s
			}
			d.off = start + i + 1
			return int64(x)
		}
	}
	d.fail(what, start, invalidf("LEB128 longer than %d bytes", maxBytes))
	return 0
}
