package bench

import (
	"testing"

	"go.uber.org/goleak"
	"multitask/internal/childtest"
)

// TestMain lets the test binary play the child processes the benchmarks
// start (see roles_test.go), and fails the run if a benchmark or a test
// leaves a goroutine behind.
func TestMain(m *testing.M) {
	childtest.Serve()
	goleak.VerifyTestMain(m)
}
