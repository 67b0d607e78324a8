package eventloop

import (
	"errors"
	"runtime"
)

// serverKind names one of the lesson's two servers and starts it.
type serverKind struct {
	name  string
	start func(serverConfig) (server, error)
}

// serverKinds are the two servers the lesson sets side by side.
var serverKinds = []serverKind{
	{"goroutine-per-conn", startGoroutineServer},
	{"epoll-loop", startEpollServer},
}

// errNoEpoll says why the event-loop server is missing on this system. The
// lesson's hand-written loop uses epoll, which only Linux has; other systems
// have their own (kqueue on the BSDs and macOS, IOCP on Windows), and the Go
// runtime's network poller uses those for the goroutine server.
var errNoEpoll = errors.New("the epoll event loop needs Linux; this is " + runtime.GOOS)
