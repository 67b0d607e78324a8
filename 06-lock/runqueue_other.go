//go:build !linux

package main

import "time"

// runqueueWait would be how long this process's threads waited for a CPU;
// only Linux tells, so elsewhere ok is false.
func runqueueWait() (wait time.Duration, ok bool) { return 0, false }
