package kvbackend

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/witgo-dev/witgo/generator"
)

// packageDoc returns the package documentation of a backend: what it
// implements, the semantics it follows, the operation table and the
// unsupported functions.
func (g *gen) packageDoc() string {
	var b strings.Builder
	w := g.m.World
	fmt.Fprintf(&b, "Package backend implements the WIT world %q on top of any engine.Engine (package github.com/witgo-dev/witgo/kv/engine)", w.QualifiedName)
	if g.opts.Source != "" {
		fmt.Fprintf(&b, ", generated from the WIT in %s", g.opts.Source)
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "New fills every field of %s.World, ready to serve with %s.Register or to call in-process:\n\n", w.Package.Name, w.Package.Name)
	fmt.Fprintf(&b, "\tw := backend.New(memory.New(engine.CreateOnOpen(true)))\n\t%s.Register(srv, w)\n\n", w.Package.Name)

	// has reports whether an operation of one of the kinds is implemented:
	// the semantics paragraphs are keyed by operation kind.
	kinds := make(map[string]bool)
	for _, op := range g.ops {
		kinds[op.kind] = true
	}
	has := func(ks ...string) bool {
		for _, k := range ks {
			if kinds[k] {
				return true
			}
		}
		return false
	}

	b.WriteString("# Semantics\n\n")
	b.WriteString("The backend follows the witgo keyvalue semantics (docs/keyvalue.md in github.com/witgo-dev/witgo) as package engine implements and documents them; it only adapts the WIT shapes to engine calls:\n\n")
	b.WriteString("  - Buckets: open is Engine.Open, so an unknown identifier is no-such-store unless the engine creates buckets on open (engine.CreateOnOpen). Two handles on one identifier share data.")
	if g.stringBucket {
		b.WriteString(" Where the bucket is a string parameter, every call opens it the same way.")
	}
	if g.bucketResolved() {
		b.WriteString(" A bucket value is stateless: its wRPC handle is the identifier (wrpc.Resource), and the implementation of the interface that declares it is a wrpc.HandleResolver that reopens it, so handles survive server restarts and work across replicas.")
	}
	b.WriteString("\n")
	b.WriteString("  - Values are bytes: an empty value exists (get returns some of an empty list, exists is true, the key is listed), and no slice is shared with the caller.\n")
	b.WriteString("  - Keys and values are checked against the engine's limits (MaxKeyBytes, MaxValueBytes); a violation is other with a message that names the limit.\n")
	if has("list-keys-u64", "list-keys-string") {
		b.WriteString("  - list-keys returns keys in bytewise order in pages of the engine's PageSize. A u64 cursor is an offset (next = offset + page length); a string cursor is the last key returned, so a walk stays exact when keys are deleted between pages. No cursor means the first page; the response has no cursor after the last page. A malformed cursor is other; one past the end gives an empty page and no cursor.\n")
	}
	if has("list-keys-prefix") {
		b.WriteString("  - list-keys with a prefix returns the keys that begin with it (bytewise; no prefix is every key) in bytewise order, in pages of the engine's PageSize. The cursor is the last key returned, so a walk stays exact when keys are deleted between pages; pass the same prefix with each cursor. No cursor means the first page; the response has no cursor after the last page. A cursor that does not begin with the prefix, or that could not be a key, is malformed (invalid-argument where the error has that case); one past the end gives an empty page and no cursor.\n")
	}
	if has("set-options") {
		b.WriteString("  - set with options: ttl-ms makes the entry expire that many milliseconds after the write, by the engine's clock (engine.Clock); an expired key is absent to every operation. A ttl-ms of 0, or longer than a time.Duration holds, is malformed (invalid-argument where the error has that case). if-not-exists writes only if the key is absent, atomically, and fails otherwise (precondition-failed where the error has that case). A set without ttl-ms stores the entry without expiry, removing any it had; increments keep a present entry's expiry.\n")
	}
	if has("increment-u64", "increment-s64") {
		b.WriteString("  - increment keeps a decimal text counter (readable with get); a missing key counts as 0. A value that is not a decimal integer, or a result that does not fit the counter type (u64, or s64 with negative deltas), is other and leaves the value unchanged.\n")
	}
	if has("compare-and-swap-u64") {
		b.WriteString("  - compare-and-swap(old, new) works on u64 counters and returns false on a mismatch or a missing key.\n")
	}
	if has("swap") {
		b.WriteString("  - A CAS records the key's version when it is made; current reads the value without refreshing it; swap succeeds only if the version is unchanged (A→B→A in between is a conflict). A conflict is cas-failed carrying a new CAS at the current version, so a retry loop works. CAS values are stateful: the server's handle table keeps them.\n")
	}
	if has("current-entry", "swap-if") {
		b.WriteString("  - current returns the value and its version: the engine's Version as text, opaque, changed by every write and deletion (an expiry included). swap writes only to a present key, only if every precondition set holds (require-version: the version is unchanged, which catches A→B→A; require-value: the value is equal), atomically; otherwise it is stale with the current entry (none if the key is absent), so a retry needs no read. A swap never creates a key; one without a precondition is malformed (invalid-argument where the error has that case); it stores the value without expiry.\n")
	}
	if has("get-many", "get-many-incoming", "set-many", "set-many-outgoing", "delete-many") {
		b.WriteString("  - Batches: get-many returns one entry per key in request order (none for a missing key); set-many applies in order (the last duplicate wins); empty batches are ok. Batches are not atomic; a failure is other and its message says how many entries were applied.\n")
	}
	if g.buffer || g.reader {
		b.WriteString("  - Value resources: an outgoing value collects the bytes written to it (synchronously or through its output stream), at most the engine's MaxValueBytes, and set stores them; an incoming value holds the bytes get returned, reports their size, and yields exactly them (synchronously or through an input stream that is closed after the last byte). Every operation completes at once, so pollables are always ready.")
		b.WriteString(" Over wRPC these values are stateful: the server's handle table keeps them, and refuses new handles when it is full rather than evicting live ones.")
		b.WriteString("\n")
	}
	b.WriteString("  - Errors: an error wrapping engine.ErrNoSuchStore is no-such-store, engine.ErrAccessDenied is access-denied, every other error is other with the error's message (for error resources: a resource whose methods return that message). A panic in the engine is recovered (kvbackend.Recover), logged and returned as other: it never crashes a server.\n")

	if g.moreCases {
		b.WriteString("  - Error cases beyond those: where an error variant has them, an error wrapping engine.ErrInvalidArgument (a malformed cursor or request) is invalid-argument, engine.ErrPreconditionFailed is precondition-failed and context.DeadlineExceeded is timeout; the limits, counters and engine failures stay other, with a message.\n")
	}

	b.WriteString("\n# Operations\n\n")
	b.WriteString("The WIT functions this backend implements, recognized by their names and shapes, and what they do:\n\n")
	ops := append([]docOp(nil), g.ops...)
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].fn < ops[j].fn })
	var tb strings.Builder
	tw := tabwriter.NewWriter(&tb, 0, 0, 2, ' ', 0)
	for _, op := range ops {
		fmt.Fprintf(tw, "%s\t%s\n", op.fn, op.engine)
	}
	tw.Flush()
	b.WriteString(indentTabs(tb.String()))

	b.WriteString("\n# Unsupported functions\n\n")
	if len(g.unsupported) == 0 {
		b.WriteString("None: every function of the world is implemented.\n")
	} else {
		b.WriteString("These functions were not recognized; they return a \"not supported by this backend\" error (the WIT error's other case where it has one):\n\n")
		for _, fn := range g.unsupported {
			b.WriteString("\t" + fn + "\n")
		}
	}
	return wrapItems(b.String())
}

// indentTabs makes each line of s a line of a Go doc code block.
func indentTabs(s string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		out = append(out, "\t"+strings.TrimRight(l, " "))
	}
	return strings.Join(out, "\n") + "\n"
}

// wrapItems wraps the list items ("  - ") of a package doc with a hanging
// indent; generator.CommentText wraps the plain paragraphs and keeps the
// rest as it is.
func wrapItems(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if item, ok := strings.CutPrefix(l, "  - "); ok {
			lines[i] = generator.WrapIndent(item, "  - ", "    ", generator.TextWidth)
		}
	}
	return strings.Join(lines, "\n")
}

// bucketResolved reports whether some interface that declares a bucket
// resolves handles.
func (g *gen) bucketResolved() bool {
	for p := range g.resolver {
		for _, n := range p.Types {
			if g.roles[n.TypeDef] == roleBucket {
				return true
			}
		}
	}
	return false
}
