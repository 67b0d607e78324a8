//go:build !unix

package main

import (
	"testing"

	"multitask/internal/clitest"
)

func TestProcessModeNeedsUnix(t *testing.T) {
	clitest.RequireUsageError(t, run, []string{"-mode", "process"}, "needs Unix")
}
