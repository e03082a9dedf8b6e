package memory

import "github.com/witgo-dev/witgo/kv/engine"

// New takes the options of package engine, the ones every engine takes
// (engine.CreateOnOpen, engine.Buckets, engine.MaxKeyBytes,
// engine.MaxValueBytes, engine.PageSize). The functions below are the same
// options under this package's name, kept for existing callers.

// CreateOnOpen is engine.CreateOnOpen.
//
// Deprecated: use engine.CreateOnOpen.
func CreateOnOpen(on bool) engine.Option { return engine.CreateOnOpen(on) }

// Buckets is engine.Buckets.
//
// Deprecated: use engine.Buckets.
func Buckets(names ...string) engine.Option { return engine.Buckets(names...) }

// MaxKeyBytes is engine.MaxKeyBytes.
//
// Deprecated: use engine.MaxKeyBytes.
func MaxKeyBytes(n int) engine.Option { return engine.MaxKeyBytes(n) }

// MaxValueBytes is engine.MaxValueBytes.
//
// Deprecated: use engine.MaxValueBytes.
func MaxValueBytes(n int) engine.Option { return engine.MaxValueBytes(n) }

// PageSize is engine.PageSize.
//
// Deprecated: use engine.PageSize.
func PageSize(n int) engine.Option { return engine.PageSize(n) }
