//go:build !race

package bench

// raceEnabled tells tests that the race detector is on: it makes every
// goroutine and every memory access heavier, so memory bounds widen.
const raceEnabled = false
