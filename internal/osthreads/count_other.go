//go:build !linux

package osthreads

import (
	"fmt"
	"runtime"
)

// Count has no portable source: Linux exposes the count in /proc/self/status,
// other systems need their own APIs. The error wraps ErrUnavailable.
func Count() (int, error) {
	return 0, fmt.Errorf("%w on %s (Linux reads it from /proc/self/status)", ErrUnavailable, runtime.GOOS)
}
