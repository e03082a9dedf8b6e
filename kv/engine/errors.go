package engine

import (
	"errors"
	"strconv"
	"strings"
)

// Errors that map to the payload-less cases of the keyvalue error variants.
// Engines return them wrapped (test with errors.Is); every other error is an
// `other` failure whose message is err.Error(), except in a family whose
// error variant has a case for ErrInvalidArgument (below).
var (
	// ErrNoSuchStore: the bucket identifier is not known (no-such-store).
	ErrNoSuchStore = errors.New("no such store")
	// ErrAccessDenied: the caller may not use the bucket, or may not make
	// this call on it (access-denied). Package kv/policy returns it, from
	// Open and from any Bucket method, for calls its policy denies.
	ErrAccessDenied = errors.New("access denied")
	// ErrPreconditionFailed: a conditional write found its condition false
	// (precondition-failed): SetWith with IfAbsent on a present key. It is
	// the Kind of an *Error that names the key.
	ErrPreconditionFailed = errors.New("precondition failed")
)

// Kinds of `other` failures. An *Error unwraps to one of them, so
// errors.Is(err, ErrValueTooLarge) works on any error an engine returns,
// including a *BatchError.
var (
	// ErrInvalidArgument: a malformed or self-contradictory request, such
	// as a negative TTL or a swap without a precondition. ErrInvalidCursor
	// is one too: errors.Is(err, ErrInvalidArgument) holds for it. A family
	// whose error variant has an invalid-argument case reports these errors
	// as that case; the others report them as other.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrKeyTooLarge: a key or bucket identifier is longer than MaxKeyBytes.
	ErrKeyTooLarge = errors.New("key too large")
	// ErrValueTooLarge: a value is longer than MaxValueBytes.
	ErrValueTooLarge = errors.New("value too large")
	// ErrInvalidKey: a key or bucket identifier is not valid UTF-8.
	ErrInvalidKey = errors.New("invalid key")
	// ErrInvalidCursor: a list-keys cursor that no walk could have produced.
	// It wraps ErrInvalidArgument.
	ErrInvalidCursor error = &subKind{msg: "invalid cursor", parent: ErrInvalidArgument}
	// ErrNotInteger: an increment found a value that is not the decimal text
	// of an integer of the counter's type.
	ErrNotInteger = errors.New("value is not a decimal integer")
	// ErrOverflow: an increment's result does not fit the counter's type.
	ErrOverflow = errors.New("counter overflow")
	// ErrQuotaExceeded: a create or a write would go over one of the
	// engine's bounds (Options.MaxBuckets, Options.MaxBytes); the error
	// names the bound. A family whose error variant has a quota-exceeded
	// case may report it as that case.
	ErrQuotaExceeded = errors.New("quota exceeded")
	// ErrUnavailable: the engine could not reach its store (a network
	// engine during an outage). Errors of this kind say in their text
	// whether a write was not applied (ErrNotApplied, also wrapped) or its
	// outcome is unknown, so that a client can decide whether to retry.
	ErrUnavailable = errors.New("store unavailable")
	// ErrNotApplied: the operation failed before the store received it; a
	// write with this error was not applied and never will be. It wraps
	// ErrUnavailable.
	ErrNotApplied error = &subKind{msg: "store unavailable; not applied", parent: ErrUnavailable}
	// ErrOutcomeUnknown: the operation was sent but its answer did not come
	// back; a write with this error may have been applied. It wraps
	// ErrUnavailable.
	ErrOutcomeUnknown error = &subKind{msg: "store unavailable; outcome unknown", parent: ErrUnavailable}
)

// subKind is a kind of error that is also a case of a broader kind.
type subKind struct {
	msg    string
	parent error
}

func (k *subKind) Error() string { return k.msg }
func (k *subKind) Unwrap() error { return k.parent }

// Error is an `other` failure of one operation. Kind is one of the Err*
// kinds above and is what errors.Is sees; Msg is the detail, and names the
// limit (MaxKeyBytes, MaxValueBytes) when a limit was hit.
type Error struct {
	Op   string // operation, e.g. "set", "increment", "list-keys"
	Kind error  // ErrKeyTooLarge, ErrValueTooLarge, ErrInvalidKey, ...
	Msg  string // detail
}

func (e *Error) Error() string { return "kv: " + e.Op + ": " + e.Msg }

// Unwrap returns e.Kind.
func (e *Error) Unwrap() error { return e.Kind }

// BatchError is the failure of a batch operation (GetMany, SetMany,
// DeleteMany). Batches are not atomic; BatchError says how far one got.
type BatchError struct {
	Op    string // "get-many", "set-many" or "delete-many"
	Index int    // the entry that failed, or -1 if the failure concerns no single entry (e.g. ctx done)
	Done  int    // entries applied before the failure: always the prefix entries[:Done]
	Total int    // entries in the request
	Err   error  // the cause: an *Error, ctx.Err(), or an engine's own error
}

func (e *BatchError) Error() string {
	var b strings.Builder
	b.WriteString("kv: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Index >= 0 {
		b.WriteString("entry ")
		b.WriteString(strconv.Itoa(e.Index))
		b.WriteString(": ")
	}
	var ke *Error
	if errors.As(e.Err, &ke) {
		b.WriteString(ke.Msg)
	} else if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	b.WriteString(" (")
	b.WriteString(strconv.Itoa(e.Done))
	b.WriteString(" of ")
	b.WriteString(strconv.Itoa(e.Total))
	b.WriteString(" entries applied)")
	return b.String()
}

// Unwrap returns e.Err.
func (e *BatchError) Unwrap() error { return e.Err }

// quote renders a key or value for an error message: Go-quoted, and cut
// after 64 bytes so a huge input does not make a huge message.
func quote(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:max]) + "..."
}
