package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors, matched with errors.Is on any error a Decoder reports.
var (
	// ErrTruncated reports that the data ended in the middle of a value.
	ErrTruncated = errors.New("unexpected end of data")

	// ErrLimit matches every *LimitError.
	ErrLimit = errors.New("limit exceeded")

	// ErrInvalid reports bytes that are not a valid encoding of the value
	// (a bool other than 0 or 1, invalid UTF-8, an overlong LEB128, ...).
	ErrInvalid = errors.New("invalid encoding")
)

// LimitError reports a length prefix over one of the Limits. It is reported
// before anything is allocated for the value.
type LimitError struct {
	What  string // what the length counts, e.g. "list length", "string length"
	Size  uint64 // the size the peer claimed
	Limit string // the name of the limit, e.g. "MaxValue"
	Max   int    // the value of the limit
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s %d exceeds limit %s=%d", e.What, e.Size, e.Limit, e.Max)
}

// Is reports whether target is ErrLimit.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// DecodeError reports why a value could not be decoded and where.
type DecodeError struct {
	What   string // what was being decoded, e.g. "u32", "string", "list length"
	Offset int    // byte offset in the decoder's input where that value starts
	Err    error  // the cause: wraps ErrTruncated, ErrInvalid or a *LimitError
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("wire: decoding %s at offset %d: %v", e.What, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// invalidf returns an error that wraps ErrInvalid with a description.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}
