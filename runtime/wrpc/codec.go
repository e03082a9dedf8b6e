package wrpc

import (
	"context"
	"errors"
	"fmt"

	"github.com/witgo-dev/witgo/runtime/cm"
	"github.com/witgo-dev/witgo/runtime/wire"
)

// An Encoder builds the encoded parameters of a call (in a generated client)
// or the encoded results of one (in a generated server). Its methods append
// one value each in the component-model value encoding; the only failure is
// a resource value that cannot be sent, which is kept and reported by Err.
//
// Generated code makes Encoders with NewEncoder (client) or Decoder.Results
// (server); the zero Encoder is a client-side encoder.
type Encoder struct {
	buf []byte
	err error
	ctx context.Context
	srv *Server // nil on the client side

	// Async values (async_codec.go): async is set for the functions whose
	// parameters or results hold a stream or future; path is where the
	// value being written sits; defs collects the pending values to send.
	async bool
	path  []uint32
	defs  *[]deferred
}

// NewEncoder returns an Encoder for the parameters of a client call.
func NewEncoder() *Encoder { return newEncoder() }

// encoderInline is the room for encoded bytes that an Encoder made here
// has in its own allocation: the parameters or results of most calls fit,
// and need no other.
const encoderInline = 128

type encoderWithRoom struct {
	e    Encoder
	room [encoderInline]byte
}

func newEncoder() *Encoder {
	x := new(encoderWithRoom)
	x.e.buf = x.room[:0]
	return &x.e
}

// NewMethodEncoder returns an Encoder for the parameters of a client call of
// a resource method, which starts with self, the handle of the resource the
// method is called on (a borrow).
func NewMethodEncoder(self []byte) *Encoder {
	e := NewEncoder()
	e.Bytes(self)
	return e
}

// Err returns the first failure met, or nil.
func (e *Encoder) Err() error { return e.err }

// Fail records err unless a failure is already recorded.
func (e *Encoder) Fail(err error) {
	if e.err == nil && err != nil {
		e.err = err
	}
}

// Finish returns the encoded bytes, or the first failure met.
func (e *Encoder) Finish() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return e.buf, nil
}

func (e *Encoder) Bool(v bool)           { e.buf = wire.AppendBool(e.buf, v) }
func (e *Encoder) U8(v uint8)            { e.buf = wire.AppendU8(e.buf, v) }
func (e *Encoder) S8(v int8)             { e.buf = wire.AppendS8(e.buf, v) }
func (e *Encoder) U16(v uint16)          { e.buf = wire.AppendU16(e.buf, v) }
func (e *Encoder) S16(v int16)           { e.buf = wire.AppendS16(e.buf, v) }
func (e *Encoder) U32(v uint32)          { e.buf = wire.AppendU32(e.buf, v) }
func (e *Encoder) S32(v int32)           { e.buf = wire.AppendS32(e.buf, v) }
func (e *Encoder) U64(v uint64)          { e.buf = wire.AppendU64(e.buf, v) }
func (e *Encoder) S64(v int64)           { e.buf = wire.AppendS64(e.buf, v) }
func (e *Encoder) F32(v float32)         { e.buf = wire.AppendF32(e.buf, v) }
func (e *Encoder) F64(v float64)         { e.buf = wire.AppendF64(e.buf, v) }
func (e *Encoder) Char(v rune)           { e.buf = wire.AppendChar(e.buf, v) }
func (e *Encoder) String(v string)       { e.buf = wire.AppendString(e.buf, v) }
func (e *Encoder) Bytes(v []byte)        { e.buf = wire.AppendBytes(e.buf, v) }
func (e *Encoder) Len(n int)             { e.buf = wire.AppendLen(e.buf, n) }
func (e *Encoder) Discriminant(v uint32) { e.buf = wire.AppendDiscriminant(e.buf, v) }
func (e *Encoder) OptionTag(some bool)   { e.buf = wire.AppendOptionTag(e.buf, some) }
func (e *Encoder) ResultTag(isErr bool)  { e.buf = wire.AppendResultTag(e.buf, isErr) }
func (e *Encoder) Flags(bits uint64, n int) {
	e.buf = wire.AppendFlags(e.buf, bits, n)
}

// A Decoder reads the parameters of a call (in a generated server) or its
// results (in a generated client). It is a wire.Decoder (sticky errors, every
// length checked before allocating) that also knows the side it is on, so
// that resource handles become the right Go values.
//
// Its methods named after a WIT type (Bool, U32, Bytes, ...) each consume one
// value. A string is read with ReadString: String only describes the Decoder
// (it makes *Decoder a harmless fmt.Stringer) and consumes nothing.
type Decoder struct {
	wire.Decoder
	ctx            context.Context
	inv            Invoker // client side
	srv            *Server // server side
	instance, name string

	call *asyncCall // nil unless the call carries async values
	path []uint32   // where the value being read sits (async calls)
	root bool       // reads the root value of an async call
}

// String describes d, for debugging: the function and the read position. It
// consumes nothing; use ReadString to read a string.
func (d *Decoder) String() string {
	side := "results"
	if d.srv != nil {
		side = "params"
	}
	return fmt.Sprintf("wrpc.Decoder(%s#%s %s, offset %d of %d)", d.instance, d.name, side, d.Offset(), d.Offset()+d.Remaining())
}

// Finish reports the first decoding failure, or trailing bytes. On the client
// side the failure is an *Error (Op "decode"), like every transport failure.
func (d *Decoder) Finish() error {
	err := d.Decoder.Finish()
	if d.root {
		d.root = false
		if err == nil && d.srv == nil {
			err = d.call.awaitRoot(d.ctx)
		}
		if err != nil {
			d.call.fail(fmt.Errorf("decode: %w", err))
		} else {
			err = d.call.rootComplete()
		}
	}
	if err != nil && d.srv == nil {
		return &Error{Instance: d.instance, Name: d.name, Op: "decode", Err: err}
	}
	return err
}

// Results returns the Encoder for the results of the call whose parameters
// d decoded (server side).
func (d *Decoder) Results() *Encoder {
	e := newEncoder()
	e.ctx, e.srv = d.ctx, d.srv
	if d.call != nil {
		e.async, e.defs = true, new([]deferred)
		e.path = []uint32{0} // result 0: WIT functions have at most one
		d.call.results = e.defs
	}
	return e
}

// Call sends the parameters in e to the function name of instance through
// inv and returns a Decoder over the results. Generated clients call it.
func Call(ctx context.Context, inv Invoker, instance, name string, e *Encoder) (*Decoder, error) {
	params, err := e.Finish()
	if err != nil {
		return nil, &Error{Instance: instance, Name: name, Op: "encode", Err: err}
	}
	if e.async {
		return callAsync(ctx, inv, instance, name, params, e.deferreds())
	}
	results, err := inv.Invoke(ctx, instance, name, params)
	if err != nil {
		var we *Error
		if !errors.As(err, &we) {
			err = &Error{Instance: instance, Name: name, Op: "invoke", Err: err}
		}
		return nil, err
	}
	d := &Decoder{ctx: ctx, inv: inv, instance: instance, name: name}
	d.Reset(results, limitsOf(inv))
	if _, ok := inv.(*Client); ok {
		// A Client's results are the caller's alone: the values decoded
		// from them may share their bytes. (An Invoker of another kind,
		// such as a caching interceptor, may hand the same results to
		// several callers.)
		d.ShareInput()
	}
	return d, nil
}

// The Call* functions below are the whole body of a generated client method,
// after the parameters are encoded in e: they invoke the function, decode the
// results with the given functions, and check that the results were
// consumed exactly (Decoder.Finish). A transport or decoding failure is an
// *Error and comes with zero values; a WIT error (the error case of a
// result) is returned as the error, with the zero T.
//
// For the error case of a result<T, E>, fail decodes E's Go error: the WIT
// type itself when it implements error (wrpc.Decode[E]), cm.Err[E] when it
// does not; a nil fail means that the WIT result has no error type, and the
// error is then cm.ErrResult.

// CallEmpty invokes a function without results.
func CallEmpty(ctx context.Context, inv Invoker, instance, name string, e *Encoder) error {
	_, err := CallValue[struct{}](ctx, inv, instance, name, e, nil)
	return err
}

// CallValue invokes a function whose result is a T, read with dec.
func CallValue[T any](ctx context.Context, inv Invoker, instance, name string, e *Encoder, dec func(*Decoder) T) (T, error) {
	var v T
	d, err := Call(ctx, inv, instance, name, e)
	if err != nil {
		return v, err
	}
	if dec != nil {
		v = dec(d)
	}
	if err := d.Finish(); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// CallOption invokes a function whose result is an option<T>: ok is false
// for none.
func CallOption[T any](ctx context.Context, inv Invoker, instance, name string, e *Encoder, dec func(*Decoder) T) (v T, ok bool, err error) {
	p, err := CallValue(ctx, inv, instance, name, e, func(d *Decoder) *T { return DecodeOption(d, dec) })
	if p == nil {
		return v, false, err
	}
	return *p, true, nil
}

// CallError invokes a function whose result is a result<_, E>.
func CallError[E error](ctx context.Context, inv Invoker, instance, name string, e *Encoder, fail func(*Decoder) E) error {
	_, err := CallResult[struct{}](ctx, inv, instance, name, e, nil, fail)
	return err
}

// CallResult invokes a function whose result is a result<T, E>; a nil ok
// means T is the unit type.
func CallResult[T any, E error](ctx context.Context, inv Invoker, instance, name string, e *Encoder, ok func(*Decoder) T, fail func(*Decoder) E) (T, error) {
	var v T
	d, err := Call(ctx, inv, instance, name, e)
	if err != nil {
		return v, err
	}
	var werr error
	switch {
	case d.ResultTag():
		werr = cm.ErrResult
		if fail != nil {
			werr = fail(d)
		}
	case ok != nil:
		v = ok(d)
	}
	if err := d.Finish(); err != nil {
		var zero T
		return zero, err
	}
	return v, werr
}

// CallResultOption invokes a function whose result is a
// result<option<T>, E>: some is false for ok(none) and for an error.
func CallResultOption[T any, E error](ctx context.Context, inv Invoker, instance, name string, e *Encoder, ok func(*Decoder) T, fail func(*Decoder) E) (v T, some bool, err error) {
	o, err := CallResult(ctx, inv, instance, name, e, func(d *Decoder) optionOf[T] {
		if !d.OptionTag() {
			return optionOf[T]{}
		}
		return optionOf[T]{ok(d), true}
	}, fail)
	return o.v, o.some, err
}

// optionOf is an option<T> decoded without a pointer (DecodeOption's *T
// costs an allocation).
type optionOf[T any] struct {
	v    T
	some bool
}

// limitsOf returns the limits a Client applies (also through Intercept), so
// that results are decoded under the same MaxValue; other Invokers get the
// defaults.
func limitsOf(inv Invoker) wire.Limits {
	for {
		switch i := inv.(type) {
		case *Client:
			return i.lim
		case interceptedInvoker:
			inv = i.next
		default:
			return wire.DefaultLimits()
		}
	}
}

// Params returns a Decoder over the parameters of a call to the function name
// of instance that s received. Generated servers call it.
func (s *Server) Params(ctx context.Context, instance, name string, params []byte) *Decoder {
	d := &Decoder{ctx: ctx, srv: s, instance: instance, name: name}
	d.Reset(params, s.lim)
	return d
}

// Handle serves h for the function name of instance, like Register, and
// hands h a Decoder over the parameters (see Params). Generated servers call
// it.
func (s *Server) Handle(instance, name string, h func(ctx context.Context, d *Decoder) ([]byte, error)) {
	s.Register(instance, name, func(ctx context.Context, params []byte) ([]byte, error) {
		return h(ctx, s.Params(ctx, instance, name, params))
	})
}

// The Reply* functions below are the last statement of a generated handler,
// after it has decoded the parameters of the call from d. They check that the
// parameters were consumed exactly (Decoder.Finish) and only then run call,
// the call to the implementation, so that the implementation never sees a
// call whose parameters are malformed or followed by trailing bytes; then
// they encode what call returned as the results. A decoding failure, or a
// non-nil error from call that is not a WIT error, ends the invocation
// without results (see Handler): the caller gets an *Error wrapping
// ErrNoResult, and the server logs the error.
//
// For a result<T, E>, the error from call is the WIT error when
// errors.As(err, &werr) finds an E (a WIT error type that implements error,
// or cm.Err[E]); fail then writes its value. E = error, with a nil fail,
// means that the WIT result has no error type: the error is then the WIT
// error when errors.Is(err, cm.ErrResult).

// ReplyEmpty ends the handler of a function without results.
func ReplyEmpty(d *Decoder, call func() error) ([]byte, error) {
	return ReplyValue(d, func() (struct{}, error) { return struct{}{}, call() }, nil)
}

// ReplyValue ends the handler of a function whose result is a T, written by
// enc (nil for a value that takes no bytes).
func ReplyValue[T any](d *Decoder, call func() (T, error), enc func(*Encoder, T)) ([]byte, error) {
	if err := d.Finish(); err != nil {
		return nil, err
	}
	v, err := call()
	if err != nil {
		return nil, err
	}
	e := d.Results()
	if enc != nil {
		enc(e, v)
	}
	return e.Finish()
}

// ReplyOption ends the handler of a function whose result is an option<T>:
// none unless call returns ok.
func ReplyOption[T any](d *Decoder, call func() (v T, ok bool, err error), enc func(*Encoder, T)) ([]byte, error) {
	if err := d.Finish(); err != nil {
		return nil, err
	}
	v, ok, err := call()
	if err != nil {
		return nil, err
	}
	e := d.Results()
	e.OptionTag(ok)
	if ok && enc != nil {
		enc(e, v)
	}
	return e.Finish()
}

// ReplyError ends the handler of a function whose result is a result<_, E>.
func ReplyError[E error](d *Decoder, call func() error, fail func(*Encoder, E)) ([]byte, error) {
	return ReplyResult(d, func() (struct{}, error) { return struct{}{}, call() }, nil, fail)
}

// ReplyResult ends the handler of a function whose result is a result<T, E>;
// ok writes the T (nil for a value that takes no bytes).
func ReplyResult[T any, E error](d *Decoder, call func() (T, error), ok func(*Encoder, T), fail func(*Encoder, E)) ([]byte, error) {
	if err := d.Finish(); err != nil {
		return nil, err
	}
	v, err := call()
	e := d.Results()
	var werr E
	switch {
	case err == nil:
		e.ResultTag(false)
		if ok != nil {
			ok(e, v)
		}
	case asWITError(err, &werr):
		e.ResultTag(true)
		if fail != nil {
			fail(e, werr)
		}
	default:
		return nil, err
	}
	return e.Finish()
}

// ReplyResultOption ends the handler of a function whose result is a
// result<option<T>, E>: ok(none) unless call returns some.
func ReplyResultOption[T any, E error](d *Decoder, call func() (v T, some bool, err error), ok func(*Encoder, T), fail func(*Encoder, E)) ([]byte, error) {
	var some bool
	return ReplyResult(d, func() (T, error) {
		v, s, err := call()
		some = s
		return v, err
	}, func(e *Encoder, v T) {
		e.OptionTag(some)
		if some && ok != nil {
			ok(e, v)
		}
	}, fail)
}

// asWITError reports whether err is the WIT error of a result whose error
// case has the Go type E, and sets *werr; E = error stands for a result
// without an error type, whose error is cm.ErrResult.
func asWITError[E error](err error, werr *E) bool {
	if p, ok := any(werr).(*error); ok {
		*p = err
		return errors.Is(err, cm.ErrResult)
	}
	return errors.As(err, werr)
}

// Encodable is a generated type that writes itself in the value encoding.
type Encodable interface {
	EncodeWRPC(e *Encoder)
}

// Decodable is a pointer to a generated type that reads itself.
type Decodable[T any] interface {
	*T
	DecodeWRPC(d *Decoder)
}

// Encode writes v; as a function value (Encode[T]) it fits EncodeList and
// friends.
func Encode[T Encodable](e *Encoder, v T) { v.EncodeWRPC(e) }

// Decode reads a T.
func Decode[T any, P Decodable[T]](d *Decoder) T {
	var v T
	P(&v).DecodeWRPC(d)
	return v
}

// EncodeList writes a list, each element with f.
func EncodeList[T any](e *Encoder, s []T, f func(*Encoder, T)) {
	e.Len(len(s))
	for _, v := range s {
		f(e, v)
	}
}

// DecodeList reads a list, each element with f. minSize is the least number
// of bytes an element takes, which bounds the length against the bytes left
// before the list is allocated.
func DecodeList[T any](d *Decoder, minSize int, f func(*Decoder) T) []T {
	n := d.LenMin(minSize)
	if d.Err() != nil {
		return nil
	}
	s := make([]T, n)
	for i := range s {
		s[i] = f(d)
		if d.Err() != nil {
			return nil
		}
	}
	return s
}

// EncodeOption writes an option: none for nil.
func EncodeOption[T any](e *Encoder, p *T, f func(*Encoder, T)) {
	e.OptionTag(p != nil)
	if p != nil {
		f(e, *p)
	}
}

// DecodeOption reads an option: nil for none.
func DecodeOption[T any](d *Decoder, f func(*Decoder) T) *T {
	if !d.OptionTag() {
		return nil
	}
	v := f(d)
	return &v
}

// EncodeResult writes a result; a nil f means that side has no value.
func EncodeResult[T, E any](e *Encoder, r cm.Result[T, E], ok func(*Encoder, T), fail func(*Encoder, E)) {
	e.ResultTag(r.IsErr)
	switch {
	case r.IsErr && fail != nil:
		fail(e, r.Err)
	case !r.IsErr && ok != nil:
		ok(e, r.OK)
	}
}

// DecodeResult reads a result; a nil f means that side has no value.
func DecodeResult[T, E any](d *Decoder, ok func(*Decoder) T, fail func(*Decoder) E) cm.Result[T, E] {
	var r cm.Result[T, E]
	r.IsErr = d.ResultTag()
	switch {
	case r.IsErr && fail != nil:
		r.Err = fail(d)
	case !r.IsErr && ok != nil:
		r.OK = ok(d)
	}
	return r
}

// EncodeErrorContext writes an error-context as its debug message.
func EncodeErrorContext(e *Encoder, v cm.ErrorContext) { e.String(v.Message) }

// DecodeErrorContext reads an error-context.
func DecodeErrorContext(d *Decoder) cm.ErrorContext { return cm.ErrorContext{Message: d.ReadString()} }
