package wrpc

// SupportPackageIsVersion2 is referenced by code that witgo generates
// (const _ = wrpc.SupportPackageIsVersion2), so that generated code and this
// runtime must agree: code generated for a runtime with an incompatible API
// refers to a different constant (SupportPackageIsVersion1, 3, ...) and fails to
// compile against this package, with an error that names the version, rather
// than misbehaving at run time. Regenerate the code, or use the matching
// runtime, to fix it.
//
// Version 2: generated code reads strings with Decoder.ReadString (String
// no longer consumes input) and uses Server.Handle, the Call* and Reply*
// helpers and Unimplemented.
const SupportPackageIsVersion2 = true
