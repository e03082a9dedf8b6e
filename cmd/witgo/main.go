// Command witgo generates Go bindings, wRPC clients and servers from WIT.
//
//	witgo generate [--world W] [--out DIR] [--package-root IMPORT/PATH] [--check] WIT_PATH
//	witgo version
package main

import (
	"os"

	"github.com/witgo-dev/witgo/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}
