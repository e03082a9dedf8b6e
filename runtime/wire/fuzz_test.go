package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// vectorDir holds the repository's wire vectors (provenance in its README.md),
// relative to this package.
const vectorDir = "../../testdata/wire-vectors"

// vectorMessages returns the raw request and response bytes of every wire
// vector, and the root data carried by their frames.
func vectorMessages(tb testing.TB) (raw, data [][]byte) {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no wire vectors in %s (err %v)", vectorDir, err)
	}
	for _, f := range files {
		js, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var file struct {
			Vectors []struct {
				RequestHex  string `json:"request_hex"`
				ResponseHex string `json:"response_hex"`
			} `json:"vectors"`
		}
		if err := json.Unmarshal(js, &file); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		for _, v := range file.Vectors {
			req, err1 := hex.DecodeString(v.RequestHex)
			resp, err2 := hex.DecodeString(v.ResponseHex)
			if err1 != nil || err2 != nil {
				tb.Fatalf("%s: bad hex", f)
			}
			raw = append(raw, req, resp)
			// Request: version, instance, name, frames. Response: frames.
			d := NewDecoder(req, Limits{})
			d.U8()
			_ = d.ReadString()
			_ = d.ReadString()
			data = append(data, framesData(tb, d))
			data = append(data, framesData(tb, NewDecoder(resp, Limits{})))
		}
	}
	return raw, data
}

func framesData(tb testing.TB, d *Decoder) []byte {
	var out []byte
	for d.Remaining() > 0 && d.Err() == nil {
		if n := d.Len(); n != 0 {
			tb.Fatalf("vector frame with a non-empty path")
		}
		out = append(out, d.Bytes()...)
	}
	if err := d.Finish(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// op decodes one value of kind k with d, and re-encodes the value it read.
func op(d *Decoder, k byte, arg byte) []byte {
	switch k % 20 {
	case 0:
		return AppendBool(nil, d.Bool())
	case 1:
		return AppendU8(nil, d.U8())
	case 2:
		return AppendS8(nil, d.S8())
	case 3:
		return AppendU16(nil, d.U16())
	case 4:
		return AppendS16(nil, d.S16())
	case 5:
		return AppendU32(nil, d.U32())
	case 6:
		return AppendS32(nil, d.S32())
	case 7:
		return AppendU64(nil, d.U64())
	case 8:
		return AppendS64(nil, d.S64())
	case 9:
		return AppendF32(nil, d.F32())
	case 10:
		return AppendF64(nil, d.F64())
	case 11:
		return AppendChar(nil, d.Char())
	case 12:
		return AppendString(nil, d.ReadString())
	case 13:
		return AppendBytes(nil, d.Bytes())
	case 14:
		return AppendHandle(nil, d.Handle())
	case 15:
		return AppendLen(nil, d.Len())
	case 16:
		n := uint32(arg) + 1
		return AppendDiscriminant(nil, d.Discriminant(n))
	case 17:
		n := int(arg%64) + 1
		return AppendFlags(nil, d.Flags(n), n)
	case 18:
		return AppendOptionTag(nil, d.OptionTag())
	default:
		return AppendResultTag(nil, d.ResultTag())
	}
}

// FuzzDecoder drives every Decoder method over arbitrary input with a program
// of operations: it must never panic, never move after an error, and every
// value it accepts must re-encode to bytes that decode to the same value.
func FuzzDecoder(f *testing.F) {
	_, data := vectorMessages(f)
	for i, d := range data {
		f.Add([]byte{12, 12, 13, 18, 19, 13, byte(i)}, d)
	}
	f.Add([]byte{5, 6, 7, 8, 9, 10, 11}, AppendS64(AppendU64(nil, math.MaxUint64), math.MinInt64))
	f.Add([]byte{16, 3, 17, 9}, []byte{2, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, prog, in []byte) {
		d := NewDecoder(in, Limits{MaxValue: 1 << 16})
		for i, k := range prog {
			var arg byte
			if i+1 < len(prog) {
				arg = prog[i+1]
			}
			before := d.Offset()
			hadErr := d.Err() != nil
			re := op(d, k, arg)
			if d.Offset() < before || d.Offset() > len(in) {
				t.Fatalf("offset moved from %d to %d (len %d)", before, d.Offset(), len(in))
			}
			if d.Err() != nil {
				if d.Offset() != before {
					t.Fatalf("op %d failed but moved from %d to %d", k%20, before, d.Offset())
				}
				if hadErr {
					continue
				}
				break
			}
			// The value re-encodes to something that decodes to the same value.
			d2 := NewDecoder(re, Limits{MaxValue: 1 << 16})
			again := op(d2, k, arg)
			if err := d2.Finish(); err != nil && k%20 != 15 { // a bare list length has no elements after it
				t.Fatalf("op %d: re-encoded % x fails: %v", k%20, re, err)
			}
			if k%20 != 15 && !bytes.Equal(re, again) {
				t.Fatalf("op %d: % x re-decoded as % x", k%20, re, again)
			}
			// Minimal encodings are unique: if the input used as many bytes as
			// the re-encoding, they are the same bytes (NaN payloads aside).
			if used := in[before:d.Offset()]; len(used) == len(re) && k%20 != 9 && k%20 != 10 && !bytes.Equal(used, re) {
				t.Fatalf("op %d: read % x, re-encoded as % x", k%20, used, re)
			}
		}
		_ = d.Finish()
	})
}

// FuzzDecoderKeyvalue decodes the parameter and result shapes of
// wasi:keyvalue/store@0.2.0-draft2 from arbitrary bytes.
func FuzzDecoderKeyvalue(f *testing.F) {
	_, data := vectorMessages(f)
	for _, d := range data {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lim := Limits{MaxValue: 1 << 16}
		decoders := []func(d *Decoder){
			func(d *Decoder) { _ = d.ReadString() },                        // open params
			func(d *Decoder) { d.Handle(); _ = d.ReadString() },            // get/delete/exists params
			func(d *Decoder) { d.Handle(); _ = d.ReadString(); d.Bytes() }, // set params
			func(d *Decoder) { // list-keys params
				d.Handle()
				if d.OptionTag() {
					_ = d.ReadString()
				}
			},
			func(d *Decoder) { // result<T, error>
				if d.ResultTag() {
					if d.Discriminant(3) == 2 {
						_ = d.ReadString()
					}
					return
				}
				if d.OptionTag() {
					b := d.Bytes()
					if b == nil && d.Err() == nil {
						t.Fatal("some(list<u8>) decoded as nil")
					}
				}
			},
			func(d *Decoder) { // result<key-response, error>
				if d.ResultTag() {
					d.Discriminant(3)
					return
				}
				n := d.Len()
				keys := make([]string, n)
				for i := range keys {
					keys[i] = d.ReadString()
				}
				if d.OptionTag() {
					_ = d.ReadString()
				}
			},
		}
		for _, dec := range decoders {
			d := NewDecoder(in, lim)
			dec(d)
			_ = d.Finish()
		}
	})
}

// FuzzDecoderLEB128 checks every integer decoder against a reference reading
// of the WebAssembly LEB128 rules.
func FuzzDecoderLEB128(f *testing.F) {
	for _, s := range []string{"00", "7f", "80 00", "ff ff 03", "ff ff 04", "80 80 80 80 78", "ff ff ff ff 0f",
		"ff ff ff ff ff ff ff ff ff 01", "80 80 80 80 80 80 80 80 80 7f", "80 80 80 80 80 00"} {
		f.Add(h(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, w := range []uint{16, 32, 64} {
			du := NewDecoder(in, Limits{})
			var u uint64
			switch w {
			case 16:
				u = uint64(du.U16())
			case 32:
				u = uint64(du.U32())
			default:
				u = du.U64()
			}
			ru, rn, rok := refUleb(in, w)
			if rok != (du.Err() == nil) || (rok && (ru != u || rn != du.Offset())) {
				t.Fatalf("u%d % x: got %d/%d/%v, reference %d/%d/%v", w, in, u, du.Offset(), du.Err(), ru, rn, rok)
			}
			ds := NewDecoder(in, Limits{})
			var s int64
			switch w {
			case 16:
				s = int64(ds.S16())
			case 32:
				s = int64(ds.S32())
			default:
				s = ds.S64()
			}
			rs, rn, rok := refSleb(in, w)
			if rok != (ds.Err() == nil) || (rok && (rs != s || rn != ds.Offset())) {
				t.Fatalf("s%d % x: got %d/%d/%v, reference %d/%d/%v", w, in, s, ds.Offset(), ds.Err(), rs, rn, rok)
			}
		}
	})
}

// refUleb is a slow, literal reading of the Wasm rule for uN: at most
// ceil(N/7) bytes, and the value must be below 2^N.
func refUleb(in []byte, bits uint) (uint64, int, bool) {
	maxBytes := int((bits + 6) / 7)
	var v [80]bool // value bits, little-endian
	for i := 0; i < maxBytes && i < len(in); i++ {
		for j := 0; j < 7; j++ {
			v[i*7+j] = in[i]>>j&1 == 1
		}
		if in[i]&0x80 == 0 {
			var x uint64
			for k := 0; k < 80; k++ {
				if !v[k] {
					continue
				}
				if uint(k) >= bits {
					return 0, 0, false
				}
				x |= 1 << k
			}
			return x, i + 1, true
		}
	}
	return 0, 0, false
}

// refSleb is the same for sN: the value must be in [-2^(N-1), 2^(N-1)).
func refSleb(in []byte, bits uint) (int64, int, bool) {
	maxBytes := int((bits + 6) / 7)
	var v [80]bool
	for i := 0; i < maxBytes && i < len(in); i++ {
		for j := 0; j < 7; j++ {
			v[i*7+j] = in[i]>>j&1 == 1
		}
		if in[i]&0x80 == 0 {
			n := (i + 1) * 7
			sign := v[n-1]
			for k := n; k < 80; k++ {
				v[k] = sign
			}
			// Every bit from N-1 up must equal the sign.
			for k := int(bits) - 1; k < 80; k++ {
				if v[k] != sign {
					return 0, 0, false
				}
			}
			var x uint64
			for k := 0; k < 64; k++ {
				if v[k] {
					x |= 1 << k
				}
			}
			return int64(x), i + 1, true
		}
	}
	return 0, 0, false
}
