// Package bench measures what the tutorial's building blocks cost on the
// machine at hand: starting a process, an OS thread or a goroutine; switching
// between two of them; guarding shared state with locks, atomics or channels;
// the memory each one holds; and a message's round trip over a channel, a
// pipe or a socket.
//
// The package has no API. Its benchmarks are the product:
//
//	go test -bench=. ./bench                # every family, a few minutes on 2 cores
//	go test -bench=Switch ./bench           # one family
//	go -C bench/report run .                # -count=10, benchstat, RESULTS.md and charts
//
// Every benchmark family lives in a file named after it (spawn_test.go,
// switch_test.go, lock_test.go, balance_test.go, memory_test.go,
// roundtrip_test.go). The test binary plays the child processes too: its
// TestMain serves the roles registered in roles_test.go, so a benchmark that
// needs "a process running our own code" re-runs the test binary through
// [multitask/internal/child]. README.md explains what each figure means and
// how to check it against the Go runtime's own benchmarks.
package bench
