package roundtrip_test

import (
	"context"
	"strings"
	"testing"

	"github.com/witgo-dev/witgo/generated/roundtrip/witgo/roundtrip/v0.1.0/roundtrip"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// FuzzGeneratedHandlers feeds arbitrary parameter bytes to every generated
// handler: each must return results or an error, never panic, and never
// allocate from an untrusted length (the runtime checks every length).
func FuzzGeneratedHandlers(f *testing.F) {
	srv := wrpc.NewServer(wrpc.WithLogger(nil))
	roundtrip.Register(srv, roundtrip.World{Kinds: echo{}})
	fns := srv.Functions()
	if len(fns) < 15 {
		f.Fatalf("only %d functions registered: %v", len(fns), fns)
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), []byte{0x05, 0x01, 0x02})
	f.Add(uint8(3), []byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add(uint8(9), []byte{0x01, 0x01, 0x03, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, which uint8, params []byte) {
		fn := fns[int(which)%len(fns)]
		i := strings.LastIndexByte(fn, '#')
		h := srv.Lookup(fn[:i], fn[i+1:])
		results, err := h(context.Background(), params)
		if err == nil && results == nil && !strings.HasSuffix(fn, "#nothing") {
			t.Fatalf("%s: no results and no error", fn)
		}
	})
}
