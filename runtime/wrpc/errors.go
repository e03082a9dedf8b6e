package wrpc

import (
	"errors"
	"fmt"
)

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

// ErrUnimplemented is wrapped by the errors of the generated
// Unimplemented<Interface> types (see Unimplemented).
var ErrUnimplemented = errors.New("unimplemented")

// Unimplemented returns the error of a function that an implementation does
// not provide: it wraps ErrUnimplemented and names the function, as in
// "wrpc: wasi:keyvalue/store@0.2.0-draft2#open: unimplemented". The methods of
// the generated Unimplemented<Interface> types return it; embed one in an
// implementation so that it keeps compiling when the WIT interface grows.
//
// wRPC has no way to send a failure that is not a WIT error value: served,
// such an error ends the invocation without results, like any other handler
// error, so the caller gets an *Error wrapping ErrNoResult, and the server
// logs the error, with "unimplemented" and the function, at Warn level.
func Unimplemented(instance, name string) error {
	return fmt.Errorf("wrpc: %s#%s: %w", instance, name, ErrUnimplemented)
}
