// Package serve registers every bundled keyvalue family (package
// internal/families), backed by one engine, on one wRPC server: what
// "witgo serve" serves through package kv/provider.
package serve

import (
	"github.com/witgo-dev/witgo/internal/families"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// Families are the keyvalue worlds Register serves, by WIT name.
var Families = func() []string {
	var names []string
	for _, f := range families.All {
		names = append(names, f.Description)
	}
	return names
}()

// Register serves every keyvalue family on s, all backed by e. Their
// instance names differ, so they share one server.
func Register(s *wrpc.Server, e engine.Engine) {
	for _, f := range families.All {
		f.Register(s, e)
	}
}
