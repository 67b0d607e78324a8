package childtest

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/child"
)

func init() {
	child.Register("childtest-wait-for-eof", func([]string) error {
		_, err := io.Copy(io.Discard, os.Stdin)
		return err
	})
	child.Register("childtest-gorace", func([]string) error {
		_, err := os.Stdout.WriteString(os.Getenv("GORACE"))
		return err
	})
}

func TestMain(m *testing.M) {
	Serve()
	goleak.VerifyTestMain(m)
}

func TestChildrenSkipTheRaceExitGrace(t *testing.T) {
	cmd, err := child.Command(t.Context(), "childtest-gorace")
	require.NoError(t, err)
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Contains(t, strings.Fields(string(out)), "atexit_sleep_ms=0")
}
