//go:build linux

package eventloop

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventLoopWaitsForRoomToWriteAReply drives the event loop's pieces by
// hand, on one goroutine, with a socket pair whose buffer is already full:
// the reply cannot go out, so the connection must switch to waiting for
// EPOLLOUT, and finish the reply once the other end has read.
func TestEventLoopWaitsForRoomToWriteAReply(t *testing.T) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	require.NoError(t, err)
	defer syscall.Close(epfd)
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	serverEnd, clientEnd := pair[0], pair[1]
	defer syscall.Close(clientEnd)

	var closed []closeReason
	s := &epollServer{
		epfd:  epfd,
		start: time.Now(),
		cfg:   serverConfig{idle: time.Hour, onClose: func(_ string, why closeReason) { closed = append(closed, why) }},
	}
	s.register(serverEnd, nil)
	c := s.conns[serverEnd]
	require.NotNil(t, c)

	// Fill the socket until the kernel takes no more.
	junk := make([]byte, 64<<10)
	filled := 0
	for {
		n, err := syscall.Write(serverEnd, junk)
		if errors.Is(err, syscall.EAGAIN) {
			break
		}
		require.NoError(t, err)
		filled += n
	}

	c.out = appendReply(c.outBuf[:0], []byte("42"))
	assert.False(t, s.write(c), "the reply cannot have gone out")
	assert.Equal(t, stateWriting, c.state)
	assert.Equal(t, uint32(syscall.EPOLLOUT), c.interest)

	// The client reads what is in the way; epoll then reports room to write.
	buf := make([]byte, 64<<10)
	for drained := 0; drained < filled; {
		n, err := syscall.Read(clientEnd, buf)
		require.NoError(t, err)
		drained += n
	}
	var events [4]syscall.EpollEvent
	n, err := syscall.EpollWait(epfd, events[:], 10_000)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, int32(serverEnd), events[0].Fd)
	require.NotZero(t, events[0].Events&syscall.EPOLLOUT)
	s.ready(c, events[0].Events)

	assert.Equal(t, stateReading, c.state)
	assert.Equal(t, uint32(syscall.EPOLLIN), c.interest)
	assert.Equal(t, int64(1), s.Served())
	n, err = syscall.Read(clientEnd, buf)
	require.NoError(t, err)
	assert.Equal(t, replyLine("42"), string(buf[:n]))

	s.closeConn(c, reasonShutdown)
	assert.Equal(t, []closeReason{reasonShutdown}, closed)
}
