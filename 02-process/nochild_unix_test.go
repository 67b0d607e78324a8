//go:build unix

package main

import (
	"errors"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireNoChildLeft fails unless this process has no child at all, running
// or exited but not yet waited for: wait4 without blocking then answers
// ECHILD. Tests here never run in parallel, so any child is one the code
// under test left behind.
func requireNoChildLeft(t *testing.T) {
	t.Helper()
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
	require.True(t, errors.Is(err, syscall.ECHILD), "a child process is left: wait4 = %d, %v", pid, err)
}
