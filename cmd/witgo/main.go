// Command witgo generates Go bindings, wRPC clients and servers from WIT.
//
//	witgo generate [--world W] [--out DIR] [--package-root IMPORT/PATH] [--check] WIT_PATH
//	witgo version
package main

import (
	"os"
	"runtime/debug"

	"github.com/witgo-dev/witgo/internal/cli"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "generate" {
		// A generate run is a short batch job that allocates a few MB and
		// exits: the collector waits until the heap nears the limit
		// instead of running every few MB.
		debug.SetGCPercent(-1)
		debug.SetMemoryLimit(256 << 20)
	}
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
