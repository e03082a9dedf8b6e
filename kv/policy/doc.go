// Package policy decides which caller may do what to which keyvalue bucket,
// and enforces it on any engine: Wrap returns an engine.Engine that checks
// every call against a Policy, for the principal of the call
// (wrpc.PeerFromContext: "uid:N" on a Unix socket, the identity of a
// verified TLS client certificate, wrpc.Anonymous otherwise). "witgo serve
// --policy FILE", and every provider built on package kv/provider, wraps
// its engine so.
//
// # Policy files
//
// A policy file is UTF-8 text, one rule a line:
//
//	# PRINCIPAL                 BUCKET     RIGHTS
//	uid:1000                    *          read,write,create
//	spiffe://example.org/app/*  app-*      read,write
//	anonymous                   public     read
//	*                           "shared space"  read
//
// A rule has three fields separated by spaces or tabs: a principal pattern,
// a bucket pattern and a comma-separated list of rights. In both patterns
// '*' matches any run of characters ('/' and none included), and every
// other character matches itself: "*" is every principal (anonymous
// callers included) or every bucket, "spiffe://example.org/app/*" every
// SPIFFE ID under app/, "anonymous" only callers the transport did not
// identify. A field may be a Go double-quoted string, for names with
// spaces, '"' or '#' in them, or the empty bucket name (""). Blank lines are
// ignored, and a field that begins with '#' starts a comment that runs to
// the end of its line.
//
// The rights are:
//
//   - read: get, exists, list-keys, get-many, and the reads of the CAS
//     functions (cas.new and cas.current in wasi:keyvalue@0.2.0-draft2,
//     current in wasmcloud:keyvalue);
//   - write: every mutation: set, delete, increment, swap, set-many,
//     delete-many. A swap that compares values (compare-and-swap in the
//     early wasi:keyvalue@0.2.0-draft, swap in wasmcloud:keyvalue) reads
//     the key first, and so needs read as well; an increment returns the
//     counter's new value and needs only write;
//   - create: creating a bucket, which an open does on an engine that
//     creates buckets on open ("witgo serve" does unless
//     --create-on-open=false).
//
// # Semantics
//
// Deny by default, and union: a principal's rights on a bucket are those of
// every rule that matches both, together; with no matching rule it has
// none. There are no deny rules, so the order of the rules does not matter
// and a rule can only add rights. Each pair of principal pattern and bucket
// pattern has at most one rule.
//
// Opening a bucket needs at least one right on it. A principal without
// create opens only the buckets that exist: opening an unknown bucket on an
// engine that creates buckets on open is denied for want of create. Every
// other call needs its right on the bucket it touches, checked for the
// principal of that call, before the engine is called: a denied call
// changes nothing. No engine method lists buckets, so there is nothing to
// filter.
//
// A denied call returns a *DeniedError, which wraps engine.ErrAccessDenied
// and says what was missing:
//
//	access denied: principal "uid:1000" may not write bucket "orders"
//
// The generated backends report it as the family's access-denied error
// where the WIT has one, else as other with that message
// (docs/keyvalue.md lists each family's).
//
// # Errors in a policy file
//
// Load and Parse reject a file with a line that is not a rule, with a
// *ParseError that names the file and the line ("policy.txt:3: unknown
// right "wirte" ..."): a line with other than three fields, an unknown or
// repeated right, an empty principal, a malformed quoted field, a second
// rule for the same two patterns, a line that is not UTF-8. A file without
// rules is valid, and denies everything (as DenyAll).
package policy
