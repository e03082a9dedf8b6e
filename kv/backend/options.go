package backend

import (
	"math"
	"strconv"
	"time"

	"github.com/witgo-dev/witgo/kv/engine"
)

// MaxTTLMillis is the largest TTL in milliseconds that TTLMillis accepts:
// the longest time.Duration, about 292 years.
const MaxTTLMillis = math.MaxInt64 / int64(time.Millisecond)

// TTLMillis converts the ttl-ms of a set of the WIT function fn into the
// TTL of engine.SetOptions. 0 (an entry that expires as it is written) and
// a TTL beyond MaxTTLMillis (one a time.Duration cannot hold) are an
// *engine.Error of kind engine.ErrInvalidArgument: leave ttl-ms out for an
// entry without expiry.
func TTLMillis(fn string, ms uint64) (time.Duration, error) {
	switch {
	case ms == 0:
		return 0, &engine.Error{Op: "set", Kind: engine.ErrInvalidArgument,
			Msg: fn + ": ttl-ms is 0: an entry must live at least 1 ms (leave ttl-ms out for no expiry)"}
	case ms > uint64(MaxTTLMillis):
		return 0, &engine.Error{Op: "set", Kind: engine.ErrInvalidArgument,
			Msg: fn + ": ttl-ms " + strconv.FormatUint(ms, 10) + " is over the limit of " + strconv.FormatInt(MaxTTLMillis, 10)}
	}
	return time.Duration(ms) * time.Millisecond, nil
}
