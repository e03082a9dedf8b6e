// Package templates holds the text witgo emits that reads better as a
// template than as jennifer calls, embedded with embed.
package templates

import "embed"

// KVBackend holds the text/template files of the keyvalue backend generator
// (package generator/kvbackend), under kvbackend/: file.go.tmpl (the file
// skeleton), support.go.tmpl (the helpers every backend needs) and
// ops.go.tmpl (one template per recognized keyvalue operation, "op-NAME").
//
//go:embed kvbackend/*.tmpl
var KVBackend embed.FS
