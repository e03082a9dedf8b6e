module github.com/witgo-dev/witgo

go 1.24.0

require (
	github.com/dave/jennifer v1.7.1
	github.com/google/go-cmp v0.7.0
	go.bytecodealliance.org v0.7.0
	golang.org/x/mod v0.31.0
	golang.org/x/tools v0.39.0
)

require (
	github.com/coreos/go-semver v0.3.1 // indirect
	github.com/tetratelabs/wazero v1.9.0 // indirect
	golang.org/x/sync v0.18.0 // indirect
)
