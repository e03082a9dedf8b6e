package wrpc

// SupportPackageIsVersion1 is referenced by code that witgo generates
// (const _ = wrpc.SupportPackageIsVersion1), so that generated code and this
// runtime must agree: code generated for a runtime with an incompatible API
// refers to a different constant (SupportPackageIsVersion2, ...) and fails to
// compile against this package, with an error that names the version, rather
// than misbehaving at run time. Regenerate the code, or use the matching
// runtime, to fix it.
const SupportPackageIsVersion1 = true
