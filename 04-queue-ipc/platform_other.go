//go:build !unix

package main

import "multitask/internal/cli"

// defaultMode is goroutine where Go cannot hand a child extra pipe
// descriptors: exec.Cmd.ExtraFiles works on Unix only.
const defaultMode = modeGoroutine

// processModeSupported explains why process mode is not available here.
func processModeSupported() error {
	return cli.Usagef("-mode %s needs Unix: Go hands a child extra pipe descriptors (exec.Cmd.ExtraFiles) only there; use -mode %s",
		modeProcess, modeGoroutine)
}
