//go:build !linux

package main

// osThreads is not available here: only Linux tells a process its thread
// count in a file (/proc/self/status). The lesson prints "n/a".
func osThreads() (int, bool) { return 0, false }
