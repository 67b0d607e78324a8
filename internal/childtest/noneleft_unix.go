//go:build unix

package childtest

import (
	"errors"
	"syscall"
	"testing"
)

// RequireNoneLeft fails the test unless this process has no child at all,
// running or exited but not yet waited for: wait4 without blocking then
// answers ECHILD. Call it where no other test of the package may be running
// a child (tests that use it must not be parallel), so that any child is one
// the code under test left behind.
func RequireNoneLeft(t testing.TB) {
	t.Helper()
	var ws syscall.WaitStatus
	pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
	if !errors.Is(err, syscall.ECHILD) {
		t.Fatalf("a child process is left: wait4 = %d, %v", pid, err)
	}
}
