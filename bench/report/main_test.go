package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind, as every
// test package of the project does.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
