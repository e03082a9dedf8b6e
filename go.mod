module github.com/witgo-dev/witgo

go 1.24.0

require (
	github.com/coreos/go-semver v0.3.1 // indirect
	github.com/dave/jennifer v1.7.1 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/tetratelabs/wazero v1.9.0 // indirect
	go.bytecodealliance.org v0.7.0 // indirect
	golang.org/x/tools v0.40.0 // indirect
)
