package wire

import "testing"

// With ShareInput, Bytes and Handle return sub-slices of the input, capped
// so that appending to one cannot overwrite the next; without it, copies.
func TestDecoderShareInput(t *testing.T) {
	in := AppendBytes(AppendBytes(nil, []byte("abc")), []byte("de"))
	for _, share := range []bool{false, true} {
		var d Decoder
		d.Reset(in, Limits{})
		if share {
			d.ShareInput()
		}
		a, h := d.Bytes(), d.Handle()
		if err := d.Finish(); err != nil || string(a) != "abc" || string(h) != "de" {
			t.Fatalf("share=%v: %q %q %v", share, a, h, err)
		}
		if share && cap(a) != len(a) {
			t.Fatalf("share=%v: capacity %d beyond the value's %d bytes", share, cap(a), len(a))
		}
		aliased := &a[0] == &in[1]
		if aliased != share {
			t.Fatalf("share=%v: the value aliases the input: %v", share, aliased)
		}
		_ = append(a, 'X')
		if string(h) != "de" {
			t.Fatalf("share=%v: appending to one value changed the next: %q", share, h)
		}
	}
}
