package memory

import "github.com/witgo-dev/witgo/kv/engine"

// Option configures New. It is engine.Option, so options written for any
// engine work here; the functions below are shorthands for those in package
// engine.
type Option = engine.Option

// CreateOnOpen sets whether Open creates unknown buckets (default false:
// an unknown bucket is engine.ErrNoSuchStore).
func CreateOnOpen(on bool) Option { return engine.CreateOnOpen(on) }

// Buckets creates the named buckets when the engine is created.
func Buckets(names ...string) Option { return engine.Buckets(names...) }

// MaxKeyBytes sets the key and bucket identifier limit (default
// engine.DefaultMaxKeyBytes, 16 KiB).
func MaxKeyBytes(n int) Option { return engine.MaxKeyBytes(n) }

// MaxValueBytes sets the value limit (default engine.DefaultMaxValueBytes,
// 4 MiB).
func MaxValueBytes(n int) Option { return engine.MaxValueBytes(n) }

// PageSize sets the list-keys page size (default engine.DefaultPageSize,
// 100).
func PageSize(n int) Option { return engine.PageSize(n) }
