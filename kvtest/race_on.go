//go:build race

package kvtest

// raceEnabled: the race detector slows every call several times over, so
// the heaviest cases make fewer calls (see testIncrementConcurrent).
const raceEnabled = true
