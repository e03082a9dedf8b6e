package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// decodeAll decodes one value with f from b and requires the whole input to be consumed.
func decodeAll[T any](t *testing.T, b []byte, f func(*Decoder) T) T {
	t.Helper()
	d := NewDecoder(b, Limits{})
	v := f(d)
	if err := d.Finish(); err != nil {
		t.Fatalf("decoding % x: %v", b, err)
	}
	return v
}

// decodeErr decodes with f and returns the error (nil if none).
func decodeErr[T any](b []byte, lim Limits, f func(*Decoder) T) error {
	d := NewDecoder(b, lim)
	f(d)
	return d.Finish()
}

func TestIntegersRoundTrip(t *testing.T) {
	u64s := []uint64{0, 1, 63, 64, 127, 128, 255, 256, 16383, 16384, math.MaxUint16, math.MaxUint32, 1 << 35, math.MaxInt64, math.MaxUint64}
	for _, v := range u64s {
		if got := decodeAll(t, AppendU64(nil, v), (*Decoder).U64); got != v {
			t.Errorf("u64 %d: got %d", v, got)
		}
		if v <= math.MaxUint32 {
			if got := decodeAll(t, AppendU32(nil, uint32(v)), (*Decoder).U32); got != uint32(v) {
				t.Errorf("u32 %d: got %d", v, got)
			}
		}
		if v <= math.MaxUint16 {
			if got := decodeAll(t, AppendU16(nil, uint16(v)), (*Decoder).U16); got != uint16(v) {
				t.Errorf("u16 %d: got %d", v, got)
			}
		}
		if v <= math.MaxUint8 {
			if got := decodeAll(t, AppendU8(nil, uint8(v)), (*Decoder).U8); got != uint8(v) {
				t.Errorf("u8 %d: got %d", v, got)
			}
		}
	}
	s64s := []int64{0, 1, -1, 63, 64, -64, -65, 127, 128, -128, -129, 8191, 8192, -8192, -8193,
		math.MaxInt8, math.MinInt8, math.MaxInt16, math.MinInt16, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}
	for _, v := range s64s {
		if got := decodeAll(t, AppendS64(nil, v), (*Decoder).S64); got != v {
			t.Errorf("s64 %d: got %d", v, got)
		}
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			if got := decodeAll(t, AppendS32(nil, int32(v)), (*Decoder).S32); got != int32(v) {
				t.Errorf("s32 %d: got %d", v, got)
			}
		}
		if v >= math.MinInt16 && v <= math.MaxInt16 {
			if got := decodeAll(t, AppendS16(nil, int16(v)), (*Decoder).S16); got != int16(v) {
				t.Errorf("s16 %d: got %d", v, got)
			}
		}
		if v >= math.MinInt8 && v <= math.MaxInt8 {
			if got := decodeAll(t, AppendS8(nil, int8(v)), (*Decoder).S8); got != int8(v) {
				t.Errorf("s8 %d: got %d", v, got)
			}
		}
	}
}

func TestIntegerBytes(t *testing.T) {
	// Known encodings (LEB128 examples from the DWARF and Wasm specs, plus extremes).
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"u32 624485", AppendU32(nil, 624485), "e5 8e 26"},
		{"u16 max", AppendU16(nil, math.MaxUint16), "ff ff 03"},
		{"u32 max", AppendU32(nil, math.MaxUint32), "ff ff ff ff 0f"},
		{"u64 max", AppendU64(nil, math.MaxUint64), "ff ff ff ff ff ff ff ff ff 01"},
		{"s32 -123456", AppendS32(nil, -123456), "c0 bb 78"},
		{"s16 -1", AppendS16(nil, -1), "7f"},
		{"s16 63", AppendS16(nil, 63), "3f"},
		{"s16 64", AppendS16(nil, 64), "c0 00"},
		{"s16 -65", AppendS16(nil, -65), "bf 7f"},
		{"s16 min", AppendS16(nil, math.MinInt16), "80 80 7e"},
		{"s16 max", AppendS16(nil, math.MaxInt16), "ff ff 01"},
		{"s32 min", AppendS32(nil, math.MinInt32), "80 80 80 80 78"},
		{"s32 max", AppendS32(nil, math.MaxInt32), "ff ff ff ff 07"},
		{"s64 min", AppendS64(nil, math.MinInt64), "80 80 80 80 80 80 80 80 80 7f"},
		{"s64 max", AppendS64(nil, math.MaxInt64), "ff ff ff ff ff ff ff ff ff 00"},
		{"s8 -1", AppendS8(nil, -1), "ff"},
		{"bool", AppendBool(AppendBool(nil, false), true), "00 01"},
	}
	for _, tt := range tests {
		if !bytes.Equal(tt.got, h(tt.want)) {
			t.Errorf("%s: got % x, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestLEB128Rejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		f    func(*Decoder) any
		want error
	}{
		{"u16 overlong", "80 80 80 00", func(d *Decoder) any { return d.U16() }, ErrInvalid},
		{"u16 overflow", "ff ff 04", func(d *Decoder) any { return d.U16() }, ErrInvalid},
		{"u32 overlong", "80 80 80 80 80 00", func(d *Decoder) any { return d.U32() }, ErrInvalid},
		{"u32 overflow", "ff ff ff ff 10", func(d *Decoder) any { return d.U32() }, ErrInvalid},
		{"u64 overlong", "80 80 80 80 80 80 80 80 80 80 00", func(d *Decoder) any { return d.U64() }, ErrInvalid},
		{"u64 overflow", "ff ff ff ff ff ff ff ff ff 02", func(d *Decoder) any { return d.U64() }, ErrInvalid},
		{"s16 overlong", "80 80 80 00", func(d *Decoder) any { return d.S16() }, ErrInvalid},
		{"s16 overflow positive", "80 80 02", func(d *Decoder) any { return d.S16() }, ErrInvalid},
		{"s16 overflow negative", "80 80 7c", func(d *Decoder) any { return d.S16() }, ErrInvalid},
		{"s32 overlong", "ff ff ff ff ff 7f", func(d *Decoder) any { return d.S32() }, ErrInvalid},
		{"s32 overflow", "80 80 80 80 08", func(d *Decoder) any { return d.S32() }, ErrInvalid},
		{"s32 overflow negative", "80 80 80 80 70", func(d *Decoder) any { return d.S32() }, ErrInvalid},
		{"s64 overlong", "80 80 80 80 80 80 80 80 80 80 00", func(d *Decoder) any { return d.S64() }, ErrInvalid},
		{"s64 overflow", "80 80 80 80 80 80 80 80 80 01", func(d *Decoder) any { return d.S64() }, ErrInvalid},
		{"s64 overflow negative", "80 80 80 80 80 80 80 80 80 7e", func(d *Decoder) any { return d.S64() }, ErrInvalid},
		{"u32 truncated", "80 80", func(d *Decoder) any { return d.U32() }, ErrTruncated},
		{"s64 truncated", "ff", func(d *Decoder) any { return d.S64() }, ErrTruncated},
		{"u8 empty", "", func(d *Decoder) any { return d.U8() }, ErrTruncated},
		{"list length overlong", "80 80 80 80 80 00", func(d *Decoder) any { return d.Len() }, ErrInvalid},
		{"discriminant overflow", "ff ff ff ff 1f", func(d *Decoder) any { return d.Discriminant(3) }, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(h(tt.in), Limits{})
			if v := tt.f(d); !isZero(v) {
				t.Errorf("value on error = %v, want zero", v)
			}
			err := d.Err()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset != 0 {
				t.Errorf("err = %#v, want a *DecodeError at offset 0", err)
			}
			if d.Offset() != 0 {
				t.Errorf("offset moved to %d on error", d.Offset())
			}
		})
	}
}

func isZero(v any) bool {
	switch v := v.(type) {
	case uint16:
		return v == 0
	case uint32:
		return v == 0
	case uint64:
		return v == 0
	case int16:
		return v == 0
	case int32:
		return v == 0
	case int64:
		return v == 0
	case uint8:
		return v == 0
	case int:
		return v == 0
	}
	return false
}

func TestLEB128PaddingAccepted(t *testing.T) {
	// Non-minimal encodings within ceil(N/7) bytes are valid in the Wasm binary format.
	if got := decodeAll(t, h("80 00"), (*Decoder).U32); got != 0 {
		t.Errorf("u32 80 00 = %d", got)
	}
	if got := decodeAll(t, h("ff ff ff ff 0f"), (*Decoder).U32); got != math.MaxUint32 {
		t.Errorf("u32 = %d", got)
	}
	if got := decodeAll(t, h("ff 7f"), (*Decoder).S32); got != -1 {
		t.Errorf("s32 ff 7f = %d", got)
	}
	if got := decodeAll(t, h("80 80 80 80 00"), (*Decoder).S32); got != 0 {
		t.Errorf("s32 padded zero = %d", got)
	}
	if got := decodeAll(t, h("ff ff ff ff 7f"), (*Decoder).S32); got != -1 {
		t.Errorf("s32 padded -1 = %d", got)
	}
}

func TestFloats(t *testing.T) {
	f32s := []float32{0, 1, -1.5, math.MaxFloat32, math.SmallestNonzeroFloat32, float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, v := range f32s {
		if got := decodeAll(t, AppendF32(nil, v), (*Decoder).F32); got != v {
			t.Errorf("f32 %v: got %v", v, got)
		}
	}
	f64s := []float64{0, 1, -1.5, math.Pi, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1)}
	for _, v := range f64s {
		if got := decodeAll(t, AppendF64(nil, v), (*Decoder).F64); got != v {
			t.Errorf("f64 %v: got %v", v, got)
		}
	}
	// -0 keeps its sign.
	negZero := math.Copysign(0, -1)
	if b := AppendF64(nil, negZero); !bytes.Equal(b, h("00 00 00 00 00 00 00 80")) {
		t.Errorf("f64 -0 = % x", b)
	}
	if got := decodeAll(t, AppendF64(nil, negZero), (*Decoder).F64); !math.Signbit(got) || got != 0 {
		t.Errorf("f64 -0 decoded as %v", got)
	}
	if got := decodeAll(t, AppendF32(nil, float32(negZero)), (*Decoder).F32); !math.Signbit(float64(got)) || got != 0 {
		t.Errorf("f32 -0 decoded as %v", got)
	}
	// NaN is canonical on the wire, and any NaN decodes to the canonical NaN.
	odd32 := math.Float32frombits(0xffc00001)
	if b := AppendF32(nil, odd32); !bytes.Equal(b, h("00 00 c0 7f")) {
		t.Errorf("f32 NaN = % x, want 00 00 c0 7f", b)
	}
	odd64 := math.Float64frombits(0xfff0000000000001)
	if b := AppendF64(nil, odd64); !bytes.Equal(b, h("00 00 00 00 00 00 f8 7f")) {
		t.Errorf("f64 NaN = % x", b)
	}
	if got := decodeAll(t, h("01 00 c0 ff"), (*Decoder).F32); math.Float32bits(got) != canonicalNaN32 {
		t.Errorf("f32 non-canonical NaN decoded to %08x", math.Float32bits(got))
	}
	if got := decodeAll(t, h("01 00 00 00 00 00 f0 ff"), (*Decoder).F64); math.Float64bits(got) != canonicalNaN64 {
		t.Errorf("f64 non-canonical NaN decoded to %016x", math.Float64bits(got))
	}
	if err := decodeErr(h("00 00 c0"), Limits{}, (*Decoder).F32); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated f32: %v", err)
	}
	if err := decodeErr(h("00 00 00 00 00 00 f8"), Limits{}, (*Decoder).F64); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated f64: %v", err)
	}
}

func TestChar(t *testing.T) {
	tests := []struct {
		r    rune
		want string
	}{
		{0, "00"},
		{'a', "61"},
		{'é', "e9 01"},    // U+00E9: LEB128 of the scalar, not UTF-8 (c3 a9)
		{'€', "ac 41"},    // U+20AC
		{'🔑', "91 ea 07"}, // U+1F511
		{0x10FFFF, "ff ff 43"},
		{0xFFFD, "fd ff 03"},
	}
	for _, tt := range tests {
		b := AppendChar(nil, tt.r)
		if !bytes.Equal(b, h(tt.want)) {
			t.Errorf("char %U: got % x, want %s", tt.r, b, tt.want)
		}
		if got := decodeAll(t, b, (*Decoder).Char); got != tt.r {
			t.Errorf("char %U decoded as %U", tt.r, got)
		}
	}
	// Encoding a non-scalar rune sends U+FFFD.
	for _, r := range []rune{0xD800, 0xDFFF, 0x110000, -1} {
		if got := decodeAll(t, AppendChar(nil, r), (*Decoder).Char); got != 0xFFFD {
			t.Errorf("AppendChar(%#x) decoded as %U", r, got)
		}
	}
	// Decoding a non-scalar value is an error.
	for _, v := range []uint32{0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0x110000, math.MaxUint32} {
		err := decodeErr(AppendU32(nil, v), Limits{}, (*Decoder).Char)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "char") {
			t.Errorf("char %#x: err = %v", v, err)
		}
	}
}

func TestString(t *testing.T) {
	for _, s := range []string{"", "a", "example", "ключ🔑", strings.Repeat("x", 200), "\x00nul"} {
		b := AppendString(nil, s)
		if got := decodeAll(t, b, (*Decoder).ReadString); got != s {
			t.Errorf("string %q: got %q", s, got)
		}
	}
	if b := AppendString(nil, "foo"); !bytes.Equal(b, h("03 66 6f 6f")) {
		t.Errorf("string foo = % x", b)
	}
	for _, bad := range []string{"\xff", "a\xc3", "\xed\xa0\x80" /* surrogate */, "\xc0\x80" /* overlong NUL */} {
		err := decodeErr(AppendString(nil, bad), Limits{}, (*Decoder).ReadString)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "UTF-8") {
			t.Errorf("string %q: err = %v", bad, err)
		}
	}
	if err := decodeErr(h("05 61 62"), Limits{}, (*Decoder).ReadString); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated string: %v", err)
	}
}

func TestBytesSizes(t *testing.T) {
	sizes := []int{0, 1, 127, 128, 4096, 4097, 64 << 10, 1 << 20, DefaultMaxValue - 1, DefaultMaxValue}
	for _, n := range sizes {
		v := make([]byte, n)
		for i := range v {
			v[i] = byte(i*7 + i>>8)
		}
		b := AppendBytes(nil, v)
		got := decodeAll(t, b, (*Decoder).Bytes)
		if got == nil || !bytes.Equal(got, v) {
			t.Fatalf("list<u8> of %d bytes: got %d bytes, equal=%v", n, len(got), bytes.Equal(got, v))
		}
		if n > 0 && &got[0] == &b[len(b)-n] {
			t.Fatalf("list<u8> of %d bytes aliases the input", n)
		}
	}
}

func TestBytesLimit(t *testing.T) {
	// Over the default limit: refused, with an error that names the limit.
	v := make([]byte, DefaultMaxValue+1)
	err := decodeErr(AppendBytes(nil, v), Limits{}, (*Decoder).Bytes)
	want := "list<u8> length 4194305 exceeds limit MaxValue=4194304"
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "MaxValue" || le.Size != DefaultMaxValue+1 || le.Max != DefaultMaxValue {
		t.Errorf("LimitError = %+v", le)
	}
	// A custom limit: limit-1 and limit pass, limit+1 fails.
	lim := Limits{MaxValue: 1000}
	for _, n := range []int{999, 1000} {
		d := NewDecoder(AppendBytes(nil, make([]byte, n)), lim)
		if got := d.Bytes(); len(got) != n || d.Finish() != nil {
			t.Errorf("%d bytes under MaxValue=1000: len %d, err %v", n, len(got), d.Err())
		}
	}
	if err := decodeErr(AppendBytes(nil, make([]byte, 1001)), lim, (*Decoder).Bytes); !errors.Is(err, ErrLimit) {
		t.Errorf("1001 bytes under MaxValue=1000: %v", err)
	}
	// Strings and lists obey the same limit.
	if err := decodeErr(AppendString(nil, strings.Repeat("a", 1001)), lim, (*Decoder).ReadString); !errors.Is(err, ErrLimit) ||
		!strings.Contains(err.Error(), "string length 1001 exceeds limit MaxValue=1000") {
		t.Errorf("string over limit: %v", err)
	}
	list := AppendLen(nil, 1001)
	for range 1001 {
		list = AppendBool(list, true)
	}
	if err := decodeErr(list, lim, (*Decoder).Len); !errors.Is(err, ErrLimit) ||
		!strings.Contains(err.Error(), "list length 1001 exceeds limit MaxValue=1000") {
		t.Errorf("list over limit: %v", err)
	}
}

func TestLenChecks(t *testing.T) {
	// The example from the package doc.
	err := decodeErr(AppendLen(nil, 5000000), Limits{}, (*Decoder).Len)
	if err == nil || !strings.Contains(err.Error(), "list length 5000000 exceeds limit MaxValue=4194304") {
		t.Errorf("err = %v", err)
	}
	// A length larger than the bytes left is refused before the caller allocates.
	b := AppendLen(nil, 3)
	b = AppendBool(b, true)
	b = AppendBool(b, false)
	d := NewDecoder(b, Limits{})
	if n := d.Len(); n != 0 || !errors.Is(d.Err(), ErrTruncated) {
		t.Errorf("Len = %d, err %v", n, d.Err())
	}
	// LenMin tightens the check.
	b = AppendLen(nil, 2)
	b = AppendF64(b, 1)
	b = AppendU8(b, 0)
	d = NewDecoder(b, Limits{})
	if n := d.LenMin(8); n != 0 || !errors.Is(d.Err(), ErrTruncated) {
		t.Errorf("LenMin(8) = %d, err %v", n, d.Err())
	}
	b = AppendLen(nil, 2)
	b = AppendF64(b, 1)
	b = AppendF64(b, 2)
	d = NewDecoder(b, Limits{})
	if n := d.LenMin(8); n != 2 || d.F64() != 1 || d.F64() != 2 || d.Finish() != nil {
		t.Errorf("LenMin(8) = %d, err %v", n, d.Err())
	}
	// An empty list is fine at the end of the input.
	if n := decodeAll(t, AppendLen(nil, 0), (*Decoder).Len); n != 0 {
		t.Errorf("empty list: %d", n)
	}
}

func TestHugeClaimCostsNothing(t *testing.T) {
	// 7 bytes that claim a 1 GiB string, list<u8> and list.
	claim := append(AppendLen(nil, 1<<30), 'a', 'b')
	if len(claim) != 7 {
		t.Fatalf("claim is %d bytes", len(claim))
	}
	var stats [2]runtime.MemStats
	runtime.ReadMemStats(&stats[0])
	for _, f := range []func(*Decoder){
		func(d *Decoder) { _ = d.ReadString() },
		func(d *Decoder) { d.Bytes() },
		func(d *Decoder) { d.Handle() },
		func(d *Decoder) { d.Len() },
	} {
		d := NewDecoder(claim, Limits{})
		f(d)
		if !errors.Is(d.Err(), ErrLimit) {
			t.Errorf("err = %v, want a limit error", d.Err())
		}
		// Under a limit larger than the claim, it is still refused: not enough bytes.
		d = NewDecoder(claim, Limits{MaxValue: 2 << 30})
		f(d)
		if !errors.Is(d.Err(), ErrTruncated) {
			t.Errorf("err = %v, want truncated", d.Err())
		}
	}
	runtime.ReadMemStats(&stats[1])
	if delta := stats[1].TotalAlloc - stats[0].TotalAlloc; delta > 64<<10 {
		t.Errorf("decoding a 7-byte hostile claim allocated %d bytes", delta)
	}
}

func TestEmptyBytesDistinctFromNone(t *testing.T) {
	// option<list<u8>>: some([]) and none.
	enc := func(v []byte) []byte {
		b := AppendOptionTag(nil, v != nil)
		if v != nil {
			b = AppendBytes(b, v)
		}
		return b
	}
	dec := func(b []byte) []byte {
		d := NewDecoder(b, Limits{})
		var v []byte
		if d.OptionTag() {
			v = d.Bytes()
		}
		if err := d.Finish(); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if b := enc([]byte{}); !bytes.Equal(b, h("01 00")) {
		t.Errorf("some([]) = % x", b)
	}
	if b := enc(nil); !bytes.Equal(b, h("00")) {
		t.Errorf("none = % x", b)
	}
	if v := dec(enc([]byte{})); v == nil || len(v) != 0 {
		t.Errorf("some([]) decoded as %#v", v)
	}
	if v := dec(enc(nil)); v != nil {
		t.Errorf("none decoded as %#v", v)
	}
	if v := decodeAll(t, h("00"), (*Decoder).Handle); v == nil {
		t.Errorf("empty handle decoded as nil")
	}
}

func TestBytesDoNotAlias(t *testing.T) {
	in := AppendBytes(nil, []byte("hello"))
	in = AppendString(in, "world")
	d := NewDecoder(in, Limits{})
	b, s := d.Bytes(), d.ReadString()
	for i := range in {
		in[i] = 'X'
	}
	if string(b) != "hello" || s != "world" {
		t.Errorf("decoded values changed with the input: %q %q", b, s)
	}
}

func TestTagsAndBool(t *testing.T) {
	for _, f := range []func(*Decoder) bool{(*Decoder).Bool, (*Decoder).OptionTag, (*Decoder).ResultTag} {
		if decodeAll(t, h("00"), f) || !decodeAll(t, h("01"), f) {
			t.Error("tag 0/1 mis-decoded")
		}
		for _, bad := range []string{"02", "ff"} {
			if err := decodeErr(h(bad), Limits{}, f); !errors.Is(err, ErrInvalid) {
				t.Errorf("byte %s: err = %v", bad, err)
			}
		}
		if err := decodeErr(nil, Limits{}, f); !errors.Is(err, ErrTruncated) {
			t.Errorf("empty: err = %v", err)
		}
	}
	if b := AppendResultTag(AppendOptionTag(nil, true), true); !bytes.Equal(b, h("01 01")) {
		t.Errorf("tags = % x", b)
	}
}

func TestDiscriminant(t *testing.T) {
	if got := decodeAll(t, AppendDiscriminant(nil, 2), func(d *Decoder) uint32 { return d.Discriminant(3) }); got != 2 {
		t.Errorf("got %d", got)
	}
	if got := decodeAll(t, AppendDiscriminant(nil, 300), func(d *Decoder) uint32 { return d.Discriminant(301) }); got != 300 {
		t.Errorf("got %d", got)
	}
	err := decodeErr(AppendDiscriminant(nil, 3), Limits{}, func(d *Decoder) uint32 { return d.Discriminant(3) })
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "case 3 out of range for 3 cases") {
		t.Errorf("err = %v", err)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		n    int
		bits uint64
		want string
	}{
		{1, 1, "01"},
		{3, 0b101, "05"},
		{8, 0x80, "80"},
		{9, 0x100, "00 01"},
		{16, 0xbeef, "ef be"},
		{32, 0x80000001, "01 00 00 80"},
		{33, 1 << 32, "00 00 00 00 01"},
		{64, math.MaxUint64, "ff ff ff ff ff ff ff ff"},
	}
	for _, tt := range tests {
		b := AppendFlags(nil, tt.bits, tt.n)
		if !bytes.Equal(b, h(tt.want)) {
			t.Errorf("flags(%d) %#x = % x, want %s", tt.n, tt.bits, b, tt.want)
		}
		if got := decodeAll(t, b, func(d *Decoder) uint64 { return d.Flags(tt.n) }); got != tt.bits {
			t.Errorf("flags(%d) decoded as %#x", tt.n, got)
		}
	}
	// Bits beyond n are not sent, and refused when received.
	if b := AppendFlags(nil, 0xff, 3); !bytes.Equal(b, h("07")) {
		t.Errorf("masked flags = % x", b)
	}
	if err := decodeErr(h("08"), Limits{}, func(d *Decoder) uint64 { return d.Flags(3) }); !errors.Is(err, ErrInvalid) {
		t.Errorf("flag bit beyond n: %v", err)
	}
	if err := decodeErr(h("ff"), Limits{}, func(d *Decoder) uint64 { return d.Flags(9) }); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated flags: %v", err)
	}
	if err := decodeErr(h("00"), Limits{}, func(d *Decoder) uint64 { return d.Flags(0) }); err == nil {
		t.Error("Flags(0) accepted")
	}
}

func TestStickyErrorAndFinish(t *testing.T) {
	b := AppendU32(nil, 7)
	b = append(b, 0x02) // invalid bool
	b = AppendString(b, "after")
	d := NewDecoder(b, Limits{})
	if d.U32() != 7 {
		t.Fatal("u32")
	}
	if d.Bool() {
		t.Error("invalid bool decoded as true")
	}
	first := d.Err()
	var de *DecodeError
	if !errors.As(first, &de) || de.What != "bool" || de.Offset != 1 {
		t.Fatalf("err = %#v", first)
	}
	if got := first.Error(); got != "wire: decoding bool at offset 1: invalid encoding: byte 0x02 is neither 0 nor 1" {
		t.Errorf("message = %q", got)
	}
	off := d.Offset()
	if s := d.ReadString(); s != "" || d.Bytes() != nil || d.U64() != 0 || d.Char() != 0 || d.Len() != 0 || d.F64() != 0 {
		t.Error("calls after an error returned values")
	}
	if d.Offset() != off || d.Err() != first || d.Finish() != first {
		t.Error("error or offset changed after the first error")
	}
	d.Fail(errors.New("later"))
	if d.Err() != first {
		t.Error("Fail replaced the first error")
	}

	// Fail sets the error on a healthy decoder.
	d = NewDecoder(h("00"), Limits{})
	custom := errors.New("unknown case")
	d.Fail(nil)
	if d.Err() != nil {
		t.Error("Fail(nil) set an error")
	}
	d.Fail(custom)
	if d.Bool() || d.Finish() != custom {
		t.Errorf("Fail: %v", d.Err())
	}

	// Trailing bytes.
	d = NewDecoder(h("01 02 03"), Limits{})
	d.U8()
	err := d.Finish()
	if !errors.As(err, &de) || de.Offset != 1 || !strings.Contains(err.Error(), "2 trailing bytes") {
		t.Errorf("Finish = %v", err)
	}

	// Reset reuses a decoder and forgets the error.
	d.Reset(h("05"), Limits{})
	if d.U8() != 5 || d.Finish() != nil {
		t.Errorf("after Reset: %v", d.Err())
	}
	// The zero Decoder decodes an empty message.
	var zero Decoder
	if zero.Finish() != nil || zero.Remaining() != 0 {
		t.Error("zero Decoder")
	}
	zero.U8()
	if !errors.Is(zero.Err(), ErrTruncated) {
		t.Error("zero Decoder read a byte")
	}
}

func TestLimitsDefaults(t *testing.T) {
	if got := (Limits{}).WithDefaults(); got != DefaultLimits() {
		t.Errorf("zero limits = %+v", got)
	}
	if got := (Limits{MaxValue: -1, MaxMessage: 10}).WithDefaults(); got.MaxValue != DefaultMaxValue || got.MaxMessage != 10 {
		t.Errorf("got %+v", got)
	}
	if DefaultLimits().MaxValue != 4<<20 || DefaultLimits().MaxMessage != 4<<20+64<<10 {
		t.Error("defaults are not 4 MiB per value and 4 MiB + 64 KiB per message")
	}
}

func TestAllocations(t *testing.T) {
	buf := make([]byte, 0, 64)
	var enc []byte
	if n := testing.AllocsPerRun(100, func() {
		b := buf[:0]
		b = AppendBool(b, true)
		b = AppendU8(b, 1)
		b = AppendS8(b, -1)
		b = AppendU16(b, math.MaxUint16)
		b = AppendS16(b, math.MinInt16)
		b = AppendU32(b, math.MaxUint32)
		b = AppendS32(b, math.MinInt32)
		b = AppendU64(b, math.MaxUint64)
		b = AppendS64(b, math.MinInt64)
		b = AppendF32(b, 1.5)
		b = AppendF64(b, -2.5)
		b = AppendChar(b, '🔑')
		b = AppendDiscriminant(b, 2)
		b = AppendFlags(b, 5, 3)
		b = AppendOptionTag(b, true)
		b = AppendResultTag(b, false)
		b = AppendLen(b, 0)
		b = AppendString(b, "")
		b = AppendBytes(b, nil)
		enc = b
	}); n != 0 {
		t.Errorf("encoding fixed-size values: %v allocs", n)
	}
	var d Decoder
	if n := testing.AllocsPerRun(100, func() {
		d.Reset(enc, Limits{})
		_ = d.Bool()
		_ = d.U8()
		_ = d.S8()
		_ = d.U16()
		_ = d.S16()
		_ = d.U32()
		_ = d.S32()
		_ = d.U64()
		_ = d.S64()
		_ = d.F32()
		_ = d.F64()
		_ = d.Char()
		_ = d.Discriminant(3)
		_ = d.Flags(3)
		_ = d.OptionTag()
		_ = d.ResultTag()
		_ = d.Len()
		_ = d.ReadString()
		_ = d.Bytes()
		if d.Finish() != nil {
			panic(d.Err())
		}
	}); n != 0 {
		t.Errorf("decoding fixed-size values: %v allocs", n)
	}
	big := AppendBytes(nil, make([]byte, 1<<20))
	if n := testing.AllocsPerRun(20, func() {
		d.Reset(big, Limits{})
		if len(d.Bytes()) != 1<<20 {
			panic("short")
		}
	}); n != 1 {
		t.Errorf("decoding 1 MiB list<u8>: %v allocs, want 1", n)
	}
	out := make([]byte, 0, len(big))
	payload := make([]byte, 1<<20)
	if n := testing.AllocsPerRun(20, func() { out = AppendBytes(out[:0], payload) }); n != 0 {
		t.Errorf("encoding 1 MiB list<u8> into a buffer with room: %v allocs", n)
	}
}

// record is {name: string, size: u64, note: option<string>, tags: list<string>}.
type record struct {
	Name string
	Size uint64
	Note *string
	Tags []string
}

func appendRecord(b []byte, r *record) []byte {
	b = AppendString(b, r.Name)
	b = AppendU64(b, r.Size)
	b = AppendOptionTag(b, r.Note != nil)
	if r.Note != nil {
		b = AppendString(b, *r.Note)
	}
	b = AppendLen(b, len(r.Tags))
	for _, s := range r.Tags {
		b = AppendString(b, s)
	}
	return b
}

func decodeRecord(d *Decoder) record {
	var r record
	r.Name = d.ReadString()
	r.Size = d.U64()
	if d.OptionTag() {
		s := d.ReadString()
		r.Note = &s
	}
	if n := d.Len(); n > 0 {
		r.Tags = make([]string, n)
		for i := range r.Tags {
			r.Tags[i] = d.ReadString()
		}
	}
	return r
}

// shape is variant {empty, circle(f64), label(string), point(tuple<s32, s32>)}.
type shape struct {
	Case   uint32
	Radius float64
	Label  string
	X, Y   int32
}

func appendShape(b []byte, s *shape) []byte {
	b = AppendDiscriminant(b, s.Case)
	switch s.Case {
	case 1:
		b = AppendF64(b, s.Radius)
	case 2:
		b = AppendString(b, s.Label)
	case 3:
		b = AppendS32(b, s.X)
		b = AppendS32(b, s.Y)
	}
	return b
}

func decodeShape(d *Decoder) shape {
	var s shape
	s.Case = d.Discriminant(4)
	switch s.Case {
	case 1:
		s.Radius = d.F64()
	case 2:
		s.Label = d.ReadString()
	case 3:
		s.X, s.Y = d.S32(), d.S32()
	}
	return s
}

func TestCompositeRoundTrip(t *testing.T) {
	note := "a note"
	recs := []record{
		{},
		{Name: "n", Size: math.MaxUint64, Note: &note, Tags: []string{"a", "", "ключ"}},
	}
	for _, r := range recs {
		got := decodeAll(t, appendRecord(nil, &r), decodeRecord)
		if got.Name != r.Name || got.Size != r.Size || (got.Note == nil) != (r.Note == nil) ||
			(got.Note != nil && *got.Note != *r.Note) || strings.Join(got.Tags, ",") != strings.Join(r.Tags, ",") {
			t.Errorf("record %+v decoded as %+v", r, got)
		}
	}
	for _, s := range []shape{{Case: 0}, {Case: 1, Radius: -2.5}, {Case: 2, Label: "hi"}, {Case: 3, X: -7, Y: math.MaxInt32}} {
		if got := decodeAll(t, appendShape(nil, &s), decodeShape); got != s {
			t.Errorf("variant %+v decoded as %+v", s, got)
		}
	}
	if err := decodeErr(h("04"), Limits{}, decodeShape); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown case: %v", err)
	}
}

func TestNewDecoderDoesNotPanicOnNil(t *testing.T) {
	d := NewDecoder(nil, Limits{})
	_ = d.ReadString()
	_ = d.Flags(65)
	if d.Err() == nil {
		t.Error("no error on empty input")
	}
}

// A Source feeds a Decoder whose input arrives in pieces: values split
// anywhere decode as if whole, a length is honoured only once its bytes
// arrived, and the Source's error is reported.
func TestDecoderSource(t *testing.T) {
	msg := AppendString(AppendU64(AppendF64(nil, 2.5), 1<<40), "héllo")
	for cut := 0; cut <= len(msg); cut++ {
		rest := msg[cut:]
		d := NewDecoder(msg[:cut:cut], Limits{})
		d.SetSource(func(buf []byte) ([]byte, error) {
			if len(rest) == 0 {
				return buf, io.EOF
			}
			b := append(buf, rest[0])
			rest = rest[1:]
			return b, nil
		})
		if f, u, s := d.F64(), d.U64(), d.ReadString(); f != 2.5 || u != 1<<40 || s != "héllo" || d.Finish() != nil {
			t.Fatalf("cut %d: %v %v %q %v", cut, f, u, s, d.Err())
		}
	}
	d := NewDecoder([]byte{5, 'a'}, Limits{})
	d.SetSource(func(buf []byte) ([]byte, error) { return buf, io.EOF })
	if d.ReadString(); !errors.Is(d.Err(), ErrTruncated) {
		t.Errorf("ended source: %v", d.Err())
	}
	boom := errors.New("boom")
	d = NewDecoder(nil, Limits{})
	d.SetSource(func(buf []byte) ([]byte, error) { return buf, boom })
	if d.U32(); !errors.Is(d.Err(), boom) {
		t.Errorf("failing source: %v", d.Err())
	}
	d = NewDecoder([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, Limits{MaxValue: 10})
	d.SetSource(func(buf []byte) ([]byte, error) { t.Fatal("source asked for a length over MaxValue"); return buf, nil })
	if d.Bytes(); !errors.Is(d.Err(), ErrLimit) {
		t.Errorf("limit: %v", d.Err())
	}
}
