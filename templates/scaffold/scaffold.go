// Package scaffold holds the templates of "witgo scaffold provider": the
// files of a new provider module, executed with text/template.
package scaffold

import "embed"

// FS holds the templates: each NAME.tmpl becomes the file NAME.
//
//go:embed *.tmpl
var FS embed.FS
