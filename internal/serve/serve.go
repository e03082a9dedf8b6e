// Package serve registers every bundled keyvalue family, backed by one
// engine, on one wRPC server: what "witgo serve" serves through package
// kv/provider.
package serve

import (
	early "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports"
	earlybackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft-early/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draft "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports"
	draftbackend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft/wasi/keyvalue/v0.2.0-draft/imports/backend"
	draft2 "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports"
	draft2backend "github.com/witgo-dev/witgo/generated/wasi-keyvalue-0.2.0-draft2/wasi/keyvalue/v0.2.0-draft2/imports/backend"
	wrpckv "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports"
	wrpckvbackend "github.com/witgo-dev/witgo/generated/wrpc-keyvalue-0.2.0-draft/wrpc/keyvalue/v0.2.0-draft/imports/backend"
	"github.com/witgo-dev/witgo/kv/engine"
	"github.com/witgo-dev/witgo/runtime/wrpc"
)

// Families are the keyvalue worlds Register serves, by WIT name.
var Families = []string{
	"wasi:keyvalue/imports@0.2.0-draft (early: types, eventual, atomic, eventual-batch)",
	"wasi:keyvalue/imports@0.2.0-draft (store, atomics, batch)",
	"wasi:keyvalue/imports@0.2.0-draft2",
	"wrpc:keyvalue/imports@0.2.0-draft",
}

// Register serves every keyvalue family on s, all backed by e. Their
// instance names differ, so they share one server.
func Register(s *wrpc.Server, e engine.Engine) {
	early.Register(s, earlybackend.New(e))
	draft.Register(s, draftbackend.New(e))
	draft2.Register(s, draft2backend.New(e))
	wrpckv.Register(s, wrpckvbackend.New(e))
}
