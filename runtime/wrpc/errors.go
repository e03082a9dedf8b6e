package wrpc

import "fmt"

// Error reports a transport or protocol failure of one invocation: the
// connection could not be made, the request could not be sent, the response
// was missing, malformed or over the limits, or the context ended first. A
// WIT error value (for example the error case of a result) is never an
// *Error: it travels inside the results. So callers tell "the network failed"
// from "the store said no" with errors.As:
//
//	var te *wrpc.Error
//	if errors.As(err, &te) { /* transport failure */ }
//
// Err wraps the cause: ErrNoResult, ErrAsync, a *wire.LimitError,
// io.ErrUnexpectedEOF, context.Canceled, context.DeadlineExceeded, or an error
// from package net.
type Error struct {
	Instance string // the WIT instance, e.g. "wasi:keyvalue/store@0.2.0-draft2"
	Name     string // the function, e.g. "bucket.get"
	Op       string // what failed: "dial", "write", "read", "invoke"
	Err      error
}

func (e *Error) Error() string {
	return fmt.Sprintf("wrpc: %s#%s: %s: %v", e.Instance, e.Name, e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
