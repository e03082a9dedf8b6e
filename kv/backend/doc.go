// Package backend is the runtime of the keyvalue backends that witgo
// generates: for every keyvalue WIT world, witgo emits a package
// …/<world>/backend whose New(engine.Engine) implements the world on top of
// an engine (package github.com/witgo-dev/witgo/kv/engine). The generated
// code adapts WIT shapes to engine calls; what does not depend on the WIT
// lives here, written and tested once:
//
//   - Recover guards an engine: a panic in an engine call is recovered,
//     logged with its stack and returned as a *PanicError, which the
//     backends report as the WIT error "other". A failing engine never
//     crashes a server, and no generated method needs a deferred recover.
//   - ValueBuffer collects the bytes of an outgoing value, up to the
//     engine's value limit (MaxValueBytes); it is the Sink that the output
//     streams of a value write to.
//   - Reader reads the bytes of an incoming value, for input streams.
//   - Unsupported, Foreign and ErrEndOfStream are the errors of functions a
//     backend does not implement, of resources it did not create, and of an
//     input stream past its last byte.
//
// Resource lifetimes are not handled here: stateful resource values (CAS,
// incoming and outgoing values, streams) travel through the handle table of
// the wRPC server (package github.com/witgo-dev/witgo/runtime/wrpc), which
// refuses a new handle when it is full rather than evicting a live one;
// stateless ones (buckets, pollables, errors) carry their own handles
// (wrpc.Resource) and are rebuilt by the backend's wrpc.HandleResolver.
//
// The package is named backend like the generated packages; they import it
// as kvbackend.
package backend
