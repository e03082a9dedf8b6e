package wire

import (
	"fmt"
	"testing"
)

var byteSizes = []int{100, 64 << 10, 1 << 20}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

func BenchmarkEncodeBytes(b *testing.B) {
	for _, n := range byteSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			v := make([]byte, n)
			buf := make([]byte, 0, n+8)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendBytes(buf[:0], v)
			}
		})
	}
}

func BenchmarkDecodeBytes(b *testing.B) {
	for _, n := range byteSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			enc := AppendBytes(nil, make([]byte, n))
			var d Decoder
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				d.Reset(enc, Limits{})
				v := d.Bytes()
				if d.Finish() != nil || len(v) != n {
					b.Fatal(d.Err())
				}
			}
		})
	}
}

// BenchmarkBytesRoundTrip encodes and decodes a list<u8>: the allocation count
// stays 1 (the decoded copy) at every size.
func BenchmarkBytesRoundTrip(b *testing.B) {
	for _, n := range byteSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			v := make([]byte, n)
			buf := make([]byte, 0, n+8)
			var d Decoder
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendBytes(buf[:0], v)
				d.Reset(buf, Limits{})
				if out := d.Bytes(); d.Finish() != nil || len(out) != n {
					b.Fatal(d.Err())
				}
			}
		})
	}
}

func benchRecord() record {
	note := "written by the benchmark"
	return record{Name: "sessions/user:42", Size: 1 << 40, Note: &note, Tags: []string{"alpha", "beta", "gamma", "delta"}}
}

func BenchmarkEncodeRecord(b *testing.B) {
	r := benchRecord()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRecord(buf[:0], &r)
	}
}

func BenchmarkDecodeRecord(b *testing.B) {
	r := benchRecord()
	enc := appendRecord(nil, &r)
	var d Decoder
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(enc, Limits{})
		got := decodeRecord(&d)
		if d.Finish() != nil || len(got.Tags) != 4 {
			b.Fatal(d.Err())
		}
	}
}

func BenchmarkEncodeVariant(b *testing.B) {
	shapes := []shape{{Case: 0}, {Case: 1, Radius: 2.5}, {Case: 2, Label: "label"}, {Case: 3, X: -7, Y: 1 << 20}}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = appendShape(buf[:0], &shapes[i&3])
		i++
	}
}

func BenchmarkDecodeVariant(b *testing.B) {
	shapes := []shape{{Case: 0}, {Case: 1, Radius: 2.5}, {Case: 2, Label: "label"}, {Case: 3, X: -7, Y: 1 << 20}}
	encs := make([][]byte, len(shapes))
	for i := range shapes {
		encs[i] = appendShape(nil, &shapes[i])
	}
	var d Decoder
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Reset(encs[i&3], Limits{})
		_ = decodeShape(&d)
		if d.Finish() != nil {
			b.Fatal(d.Err())
		}
		i++
	}
}
