//go:build unix

package main

// defaultMode is process where Go can hand a child extra pipe descriptors.
const defaultMode = modeProcess

// processModeSupported reports whether -mode process can run here: it can.
func processModeSupported() error { return nil }
