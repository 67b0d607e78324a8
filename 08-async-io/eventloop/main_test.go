package eventloop

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/childtest"
)

func TestMain(m *testing.M) {
	childtest.Serve() // the client process and the full server are this test binary again
	goleak.VerifyTestMain(m)
}

// openDescriptors counts this process's open descriptors (Linux), after
// making sure the runtime's own lazily opened ones (the network poller's)
// already exist, so that only what a test leaves behind makes a difference.
func openDescriptors(t *testing.T) int {
	t.Helper()
	srv, err := startGoroutineServer(serverConfig{idle: time.Second})
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd to count descriptors in:", err)
	}
	return len(entries)
}
