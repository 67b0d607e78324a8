//go:build !linux

package main

import (
	"fmt"
	"runtime"
)

// threadIDsAvailable says that threadID has nothing to return here: only
// Linux is asked for thread IDs (gettid), so elsewhere the IDs are left out.
const threadIDsAvailable = false

func threadID() int { return 0 }

// osThreads has no portable source: Linux exposes the count in
// /proc/self/status, other systems need their own APIs.
func osThreads() (int, error) {
	return 0, fmt.Errorf("not available on %s (Linux reads it from /proc/self/status)", runtime.GOOS)
}
