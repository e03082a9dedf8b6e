// Package templates holds the text witgo emits that reads better as a
// template than as jennifer calls, embedded with embed.
package templates

import "embed"

// KVBackend holds the text/template files of the keyvalue backend generator
// (package generator/kvbackend), under kvbackend/: file.go.tmpl (the file
// skeleton) and ops.go.tmpl (one template per recognized keyvalue
// operation, "op-NAME"). What every backend needs at run time is in package
// kv/backend, not copied into each.
//
//go:embed kvbackend/*.tmpl
var KVBackend embed.FS
