//go:build unix

package childtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/child"
)

// fakeT records a failure instead of ending the test, so that the test can
// check that RequireNoneLeft fails when it should.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

func TestRequireNoneLeftSeesARunningChild(t *testing.T) {
	RequireNoneLeft(t)

	// The child runs until its stdin is closed, so it is surely alive when
	// RequireNoneLeft looks.
	cmd, err := child.Command(t.Context(), "childtest-wait-for-eof")
	require.NoError(t, err)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	left := &fakeT{TB: t}
	RequireNoneLeft(left)
	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait())
	assert.True(t, left.failed, "a running child must be seen")

	RequireNoneLeft(t)
}
