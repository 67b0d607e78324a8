//go:build !linux

package main

// threadIDsAvailable says that threadID has nothing to return here: only
// Linux is asked for thread IDs (gettid), so elsewhere the IDs are left out.
const threadIDsAvailable = false

func threadID() int { return 0 }
