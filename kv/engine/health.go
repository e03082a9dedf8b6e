package engine

import "context"

// HealthChecker is an optional interface of an Engine that can tell whether
// it reaches its store: a provider's health endpoint reports it.
//
// Health returns nil if the engine can serve calls now, or an error that
// says why not (the NATS connection is down, JetStream or Redis does not
// answer). It may do a round trip to the store, bounded by ctx, and must be
// safe for concurrent use. An engine without a store of its own (the
// in-memory engine) always returns nil.
type HealthChecker interface {
	Health(ctx context.Context) error
}
