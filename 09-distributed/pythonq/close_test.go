package pythonq

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/09-distributed/pythonq/wire"
	"multitask/09-distributed/taskq"
)

func TestCloseEndsEveryConnectionAndGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	m := startMaster(t, Options{})
	// A peer that has not begun its handshake, one that stays silent after
	// it, and a proxy that stays after the queues closed.
	silent := rawConn(t, m.addr())
	_, err := wire.ReadFrame(silent, wire.HandshakeLimit)
	require.NoError(t, err)
	idle := authedConn(t, m)
	lingering := proxyConn(t, m)
	assert.Equal(t, int64(0), call(t, lingering, taskQueueID, "qsize", nil, nil).Value)

	m.hub.Close()
	start := time.Now()
	closeServer(t, m.srv)
	assert.GreaterOrEqual(t, time.Since(start), closeGrace, "a proxy gets closeGrace to leave")
	for _, c := range []struct {
		name string
		conn interface{ Read([]byte) (int, error) }
	}{{"silent", silent}, {"idle", idle}, {"lingering", lingering}} {
		_, err := c.conn.Read(make([]byte, 1))
		assert.Error(t, err, "the %s connection is closed", c.name)
	}
	goleak.VerifyNone(t, before)
	assert.Empty(t, m.log.text(), "a close logs nothing")
}

func TestAWorkerWaitingInGetDuringCloseHearsErrClosed(t *testing.T) {
	// The hub stays open: the server's own close ends the work.
	m := startMaster(t, Options{})
	w := dial(t, m, Options{})
	got := make(chan error, 1)
	go func() {
		_, _, err := w.GetTask(t.Context(), time.Hour)
		got <- err
	}()
	m.log.waitFor(t, "worker connected from")
	closed := make(chan error, 1)
	start := time.Now()
	go func() { closed <- m.srv.Close() }()
	err := receive(t, got, "a get waiting for an hour did not hear the server close")
	assert.Less(t, time.Since(start), closeGrace, "heard at once, not when the connections are cut")
	require.ErrorIs(t, err, taskq.ErrClosed)
	assert.NotErrorIs(t, err, ErrMasterGone, "the master said so before it hung up")
	// It is said at once, not at the end of closeGrace, where the
	// connections are cut: the worker is still heard.
	_, _, err = w.GetTask(bounded(t), time.Hour)
	require.ErrorIs(t, err, taskq.ErrClosed)
	assert.NotErrorIs(t, err, ErrMasterGone, "a second get, within closeGrace")
	require.NoError(t, w.Close())
	assert.NoError(t, receive(t, closed, "Server.Close did not return once its worker left"))
}
