package engine

import (
	"math"
	"strconv"
)

// Counters are stored as decimal ASCII text. A u64 counter's text is an
// optional '+' and one or more ASCII digits; an s64 counter's text is an
// optional '+' or '-' and one or more ASCII digits; the number must fit the
// type. Leading zeros are accepted; whitespace, '_', and anything else are
// not. Increments write the canonical form (strconv.FormatUint/FormatInt).

// AddU64 computes an increment of the u64 counter under key: the stored
// value (absent if !found, counting as 0) plus delta. It returns an *Error
// of kind ErrNotInteger or ErrOverflow (Op "increment") instead of wrapping.
// Engines use it to implement Bucket.IncrementU64 identically.
func AddU64(key string, value []byte, found bool, delta uint64) (uint64, error) {
	var cur uint64
	if found {
		v, ok := parseU64(value)
		if !ok {
			return 0, notInteger(key, value, "u64")
		}
		cur = v
	}
	if cur > math.MaxUint64-delta {
		return 0, &Error{Op: "increment", Kind: ErrOverflow, Msg: "key " + quote(key) + ": " +
			strconv.FormatUint(cur, 10) + " + " + strconv.FormatUint(delta, 10) + " overflows u64"}
	}
	return cur + delta, nil
}

// AddS64 is AddU64 for an s64 counter; delta may be negative.
func AddS64(key string, value []byte, found bool, delta int64) (int64, error) {
	var cur int64
	if found {
		v, ok := parseS64(value)
		if !ok {
			return 0, notInteger(key, value, "s64")
		}
		cur = v
	}
	if (delta > 0 && cur > math.MaxInt64-delta) || (delta < 0 && cur < math.MinInt64-delta) {
		return 0, &Error{Op: "increment", Kind: ErrOverflow, Msg: "key " + quote(key) + ": " +
			strconv.FormatInt(cur, 10) + " + " + strconv.FormatInt(delta, 10) + " overflows s64"}
	}
	return cur + delta, nil
}

func notInteger(key string, value []byte, typ string) error {
	return &Error{Op: "increment", Kind: ErrNotInteger, Msg: "value of key " + quote(key) + " is " +
		quote(string(value[:min(len(value), 65)])) + ", not the decimal text of a " + typ}
}

// parseMagnitude parses one or more ASCII digits; ok is false on any other
// byte, on no digits, or if the number exceeds math.MaxUint64.
func parseMagnitude(b []byte) (n uint64, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

func parseU64(b []byte) (uint64, bool) {
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	return parseMagnitude(b)
}

func parseS64(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	m, ok := parseMagnitude(b)
	switch {
	case !ok:
		return 0, false
	case neg && m <= 1<<63:
		return int64(-m), true // -(1<<63) wraps to MinInt64, as wanted
	case !neg && m <= math.MaxInt64:
		return int64(m), true
	}
	return 0, false
}
