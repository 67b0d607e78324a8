package eventloop

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientProcessReportsFailedRequests(t *testing.T) {
	// A server that is gone: every dial is refused, and the client process
	// must say so instead of reporting success or hanging.
	srv, err := startGoroutineServer(serverConfig{idle: time.Second})
	require.NoError(t, err)
	addr := srv.Addr()
	require.NoError(t, srv.Close())

	res, pid, err := runClientProcess(t.Context(), clientConfig{addr: addr, conns: 3, timeout: 5 * time.Second})
	require.NoError(t, err)
	assert.NotZero(t, pid)
	assert.Equal(t, 0, res.OK)
	assert.Equal(t, 3, res.Failed)
	assert.Contains(t, res.FirstError, "refused")
}

func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "(no message)",
		"one":                    "one",
		"first\nsecond\n":        "second",
		"child x (pid 1): bad\n": "child x (pid 1): bad",
	} {
		assert.Equal(t, want, lastLine(in), "lastLine(%q)", in)
	}
}
