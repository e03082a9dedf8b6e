package memory

// New takes the options of package engine, the ones every engine takes:
// engine.CreateOnOpen, engine.Buckets, engine.MaxKeyBytes,
// engine.MaxValueBytes and engine.PageSize.
