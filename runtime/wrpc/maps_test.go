package wrpc

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/runtime/wire"
)

func decoderOf(b []byte) *Decoder {
	d := &Decoder{}
	d.Reset(b, wire.DefaultLimits())
	return d
}

func encoded(t *testing.T, f func(*Encoder)) []byte {
	t.Helper()
	e := NewEncoder()
	f(e)
	b, err := e.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMapEncodingIsSortedAndRoundTrips(t *testing.T) {
	m := map[string]uint32{"b": 2, "a": 1, "c": 300}
	got := encoded(t, func(e *Encoder) { EncodeMap(e, m, (*Encoder).String, (*Encoder).U32) })
	// list<tuple<string, u32>>: 3 entries, keys in order, LEB128 values.
	want := []byte{3, 1, 'a', 1, 1, 'b', 2, 1, 'c', 0xac, 0x02}
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeMap = % x, want % x", got, want)
	}
	d := decoderOf(got)
	back := DecodeMap(d, 2, (*Decoder).ReadString, (*Decoder).U32)
	if err := d.Finish(); err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || back["a"] != 1 || back["b"] != 2 || back["c"] != 300 {
		t.Fatalf("DecodeMap = %v", back)
	}
}

func TestBoolMapOrder(t *testing.T) {
	got := encoded(t, func(e *Encoder) {
		EncodeBoolMap(e, map[bool]uint8{true: 7, false: 9}, (*Encoder).Bool, (*Encoder).U8)
	})
	if want := []byte{2, 0, 9, 1, 7}; !bytes.Equal(got, want) {
		t.Fatalf("EncodeBoolMap = % x, want % x", got, want)
	}
}

func TestDecodeMapRejectsDuplicateKeys(t *testing.T) {
	d := decoderOf([]byte{2, 1, 'a', 1, 1, 'a', 2})
	if m := DecodeMap(d, 2, (*Decoder).ReadString, (*Decoder).U8); m != nil {
		t.Errorf("DecodeMap = %v, want nil", m)
	}
	if err := d.Finish(); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Fatalf("Finish = %v, want a duplicate key error", err)
	}
}

func TestDecodeMapBoundsLength(t *testing.T) {
	// Claims 2^28 entries of at least 2 bytes with 3 bytes left: refused
	// before anything is allocated.
	in := []byte{0x80, 0x80, 0x80, 0x80, 0x01, 1, 'a', 1}
	d := decoderOf(in)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m := DecodeMap(d, 2, (*Decoder).ReadString, (*Decoder).U8)
	runtime.ReadMemStats(&after)
	if d.Err() == nil || m != nil {
		t.Fatal("no error for a length beyond the bytes left")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4096 {
		t.Errorf("%d bytes allocated for a refused map", n)
	}
}

func TestFixedList(t *testing.T) {
	got := encoded(t, func(e *Encoder) { EncodeFixedList(e, []uint16{1, 2, 300}, (*Encoder).U16) })
	// No length: three LEB128 elements back to back.
	if want := []byte{1, 2, 0xac, 0x02}; !bytes.Equal(got, want) {
		t.Fatalf("EncodeFixedList = % x, want % x", got, want)
	}
	var a [3]uint16
	d := decoderOf(got)
	DecodeFixedList(d, a[:], (*Decoder).U16)
	if err := d.Finish(); err != nil || a != [3]uint16{1, 2, 300} {
		t.Fatalf("DecodeFixedList = %v, %v", a, err)
	}
	d = decoderOf(got[:2])
	DecodeFixedList(d, a[:], (*Decoder).U16)
	if d.Finish() == nil {
		t.Fatal("no error for a short fixed-size list")
	}
}
