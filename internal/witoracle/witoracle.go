// Package witoracle reads WIT with the wasm-tools 1.227 embedded in
// go.bytecodealliance.org/wit (run under wazero). witgo loads WIT with its
// own parser and resolver; this older loader is kept for the tests only, as
// an oracle to compare with, so that the witgo binary does not carry it.
package witoracle

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.bytecodealliance.org/wit"
)

// Load reads WIT with the embedded wasm-tools.
// Syntax and resolution errors are rewritten to start with
// "file:line:col: ", with file relative to the working directory where
// possible.
func Load(path string) (*wit.Resolve, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	res, err := wit.LoadWIT(path)
	if err != nil {
		return nil, wasmToolsError(err)
	}
	return res, nil
}

// location matches the " --> file:line:col" line of a wasm-tools diagnostic.
var location = regexp.MustCompile(`(?m)^\s*--> (.+):(\d+):(\d+)\s*$`)

// wasmToolsError turns a wasm-tools diagnostic into a Go-style error whose
// first line is "file:line:col: message", keeping the source excerpt below.
func wasmToolsError(err error) error {
	msg := strings.TrimSpace(strings.TrimPrefix(err.Error(), "wasm-tools: "))
	msg = strings.TrimPrefix(msg, "error: ")
	m := location.FindStringSubmatchIndex(msg)
	if m == nil {
		return fmt.Errorf("wasm-tools: %s", strings.Join(strings.Fields(strings.ReplaceAll(msg, "Caused by:", ";")), " "))
	}
	file := msg[m[2]:m[3]]
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(file) {
		if rel, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	head := strings.TrimSpace(msg[:m[0]])
	// "failed to parse package: DIR\n\nCaused by:\n    0: the real message"
	if _, cause, ok := strings.Cut(head, "Caused by:"); ok {
		lines := strings.Split(strings.TrimSpace(cause), "\n")
		last := strings.TrimSpace(lines[len(lines)-1])
		if _, after, ok := strings.Cut(last, ": "); ok && strings.Trim(last[:strings.Index(last, ":")], "0123456789") == "" {
			last = after
		}
		head = last
	}
	excerpt := strings.TrimRight(msg[m[1]:], "\n ")
	return &SourceError{File: file, Line: atoi(msg[m[4]:m[5]]), Col: atoi(msg[m[6]:m[7]]), Msg: head, Excerpt: excerpt}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// SourceError is a WIT syntax or resolution error at a place in a file.
type SourceError struct {
	File      string
	Line, Col int
	Msg       string
	Excerpt   string // the source lines wasm-tools quoted, may be empty
}

func (e *SourceError) Error() string {
	s := fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	if e.Excerpt != "" {
		s += "\n" + e.Excerpt
	}
	return s
}
