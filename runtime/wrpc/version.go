package wrpc

// SupportPackageIsVersion3 is referenced by code that witgo generates
// (const _ = wrpc.SupportPackageIsVersion3), so that generated code and this
// runtime must agree: code generated for a runtime with an incompatible API
// refers to a different constant (SupportPackageIsVersion2, 4, ...) and fails to
// compile against this package, with an error that names the version, rather
// than misbehaving at run time. Regenerate the code, or use the matching
// runtime, to fix it.
//
// Version 2: generated code reads strings with Decoder.ReadString (String
// no longer consumes input) and uses Server.Handle, the Call* and Reply*
// helpers and Unimplemented.
//
// Version 3: the Reply* helpers take the implementation call as a function,
// which they run only after Decoder.Finish succeeds (generated handlers no
// longer call Finish themselves).
const SupportPackageIsVersion3 = true
