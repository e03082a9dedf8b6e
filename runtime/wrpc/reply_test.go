package wrpc

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/witgo-dev/witgo/runtime/cm"
)

// replyHelpers runs each Reply* helper on d with an implementation call that
// records whether it ran and succeeds with the value 7 (some, for options).
func replyHelpers() map[string]func(d *Decoder, called *bool) ([]byte, error) {
	u32 := (*Encoder).U32
	return map[string]func(d *Decoder, called *bool) ([]byte, error){
		"ReplyEmpty": func(d *Decoder, called *bool) ([]byte, error) {
			return ReplyEmpty(d, func() error { *called = true; return nil })
		},
		"ReplyValue": func(d *Decoder, called *bool) ([]byte, error) {
			return ReplyValue(d, func() (uint32, error) { *called = true; return 7, nil }, u32)
		},
		"ReplyOption": func(d *Decoder, called *bool) ([]byte, error) {
			return ReplyOption(d, func() (uint32, bool, error) { *called = true; return 7, true, nil }, u32)
		},
		"ReplyError": func(d *Decoder, called *bool) ([]byte, error) {
			return ReplyError[error](d, func() error { *called = true; return nil }, nil)
		},
		"ReplyResult": func(d *Decoder, called *bool) ([]byte, error) {
			return ReplyResult[uint32, error](d, func() (uint32, error) { *called = true; return 7, nil }, u32, nil)
		},
		"ReplyResultOption": func(d *Decoder, called *bool) ([]byte, error) {
			return ReplyResultOption[uint32, error](d, func() (uint32, bool, error) { *called = true; return 7, true, nil }, u32, nil)
		},
	}
}

// TestReplyFinishesBeforeCall: the Reply* helpers never call the
// implementation when the parameters are malformed or followed by trailing
// bytes, and call it exactly once when they were consumed exactly.
func TestReplyFinishesBeforeCall(t *testing.T) {
	s := NewServer()
	ctx := context.Background()
	want := map[string][]byte{
		"ReplyEmpty":        nil,
		"ReplyValue":        {7},
		"ReplyOption":       {1, 7},
		"ReplyError":        {0},
		"ReplyResult":       {0, 7},
		"ReplyResultOption": {0, 1, 7},
	}
	cases := []struct {
		name   string
		params []byte
		decode func(d *Decoder)
		ok     bool
	}{
		{"exact", []byte{3, 'k', 'e', 'y'}, func(d *Decoder) { d.ReadString() }, true},
		{"trailing bytes", []byte{3, 'k', 'e', 'y', 0}, func(d *Decoder) { d.ReadString() }, false},
		{"truncated", []byte{3, 'k'}, func(d *Decoder) { d.ReadString() }, false},
		{"malformed", []byte{2}, func(d *Decoder) { d.Bool() }, false},
	}
	for name, reply := range replyHelpers() {
		for _, c := range cases {
			d := s.Params(ctx, "i", "f", c.params)
			c.decode(d)
			called := false
			got, err := reply(d, &called)
			if !c.ok {
				if called || err == nil || got != nil {
					t.Errorf("%s, %s: called = %v, results %v, err = %v; want no call and an error", name, c.name, called, got, err)
				}
				continue
			}
			if !called || err != nil || !bytes.Equal(got, want[name]) {
				t.Errorf("%s, %s: called = %v, results %v, err = %v; want a call and %v", name, c.name, called, got, err, want[name])
			}
		}
	}
}

// TestReplyErrors: a WIT error is encoded as the error case; any other error
// from the implementation ends the invocation without results.
func TestReplyErrors(t *testing.T) {
	s := NewServer()
	ctx := context.Background()
	boom := errors.New("boom")
	u32 := (*Encoder).U32
	for _, c := range []struct {
		name string
		run  func(d *Decoder) ([]byte, error)
		want []byte
		err  error
	}{
		{"value", func(d *Decoder) ([]byte, error) {
			return ReplyValue(d, func() (uint32, error) { return 7, boom }, u32)
		}, nil, boom},
		{"option", func(d *Decoder) ([]byte, error) {
			return ReplyOption(d, func() (uint32, bool, error) { return 0, false, nil }, u32)
		}, []byte{0}, nil},
		{"result WIT error", func(d *Decoder) ([]byte, error) {
			return ReplyResult(d, func() (uint32, error) { return 0, cm.Err[uint32]{Value: 9} }, u32, func(e *Encoder, v cm.Err[uint32]) { e.U32(v.Value) })
		}, []byte{1, 9}, nil},
		{"result no error type", func(d *Decoder) ([]byte, error) {
			return ReplyError[error](d, func() error { return cm.ErrResult }, nil)
		}, []byte{1}, nil},
		{"result other error", func(d *Decoder) ([]byte, error) {
			return ReplyResult[uint32, error](d, func() (uint32, error) { return 0, boom }, u32, nil)
		}, nil, boom},
		{"result option none", func(d *Decoder) ([]byte, error) {
			return ReplyResultOption[uint32, error](d, func() (uint32, bool, error) { return 0, false, nil }, u32, nil)
		}, []byte{0, 0}, nil},
	} {
		got, err := c.run(s.Params(ctx, "i", "f", nil))
		if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) || !bytes.Equal(got, c.want) {
			t.Errorf("%s: results %v, err = %v; want %v, %v", c.name, got, err, c.want, c.err)
		}
	}
}
