//go:build unix

package main

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// descriptorsBelow reports whether the hard limit on open descriptors, which
// only root can raise, is below n.
func descriptorsBelow(t *testing.T, n uint64) bool {
	t.Helper()
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	return uint64(lim.Max) < n
}
