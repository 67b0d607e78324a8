//go:build !unix

package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
)

func TestProcessModeNeedsUnix(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-mode", "process"})
	require.Error(t, err)
	assert.Equal(t, 2, cli.ExitCode(err))
	assert.Contains(t, err.Error(), "needs Unix")
	assert.Empty(t, out.String())
}
