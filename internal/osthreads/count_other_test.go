//go:build !linux

package osthreads

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCountUnavailable(t *testing.T) {
	_, err := Count()
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.EqualError(t, err, "not available on "+runtime.GOOS+" (Linux reads it from /proc/self/status)")
}
