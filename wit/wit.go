// Package wit embeds the bundled keyvalue WIT families, so that the witgo
// command can scaffold a provider for one of them without a checkout. The
// .wit files beside it are the source of truth; see SOURCES.md.
package wit

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed wasi-keyvalue-0.2.0-draft-early wasi-keyvalue-0.2.0-draft wasi-keyvalue-0.2.0-draft2 wrpc-keyvalue-0.2.0-draft wasmcloud-keyvalue-0.2.0
var files embed.FS

// FS returns the bundled WIT: one folder per family, each with its deps/.
func FS() fs.FS { return files }

// Families lists the bundled family folders, sorted.
func Families() []string {
	entries, _ := files.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
