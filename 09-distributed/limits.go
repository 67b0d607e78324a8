package main

import (
	"time"

	"multitask/internal/cli"
)

// The bounds of the flags, each chosen so that a 2-core machine with 24 GiB
// survives it and -h can show it. A million tasks is about 300 MB in the
// master and a few seconds of work; 64 worker processes are about 600 MB;
// no lesson needs to wait for longer than an hour.
const (
	maxTasks     = 1_000_000
	maxWorkers   = 64
	maxDuration  = time.Hour
	maxHandshake = time.Minute
	// minLease keeps the heartbeat (four per lease) from turning into a
	// busy loop.
	minLease = 100 * time.Millisecond
)

// notEmpty refuses an empty string flag, saying what to give instead.
func notEmpty(name, value, hint string) error {
	if value == "" {
		return cli.Usagef("-%s must not be empty: %s", name, hint)
	}
	return nil
}

// durationAtLeast checks the lower bound of a duration flag.
func durationAtLeast(name string, d, least time.Duration) error {
	if d < least {
		return cli.Usagef("-%s must be at least %v, got %v", name, least, d)
	}
	return nil
}
