//go:build !linux

package eventloop

// startEpollServer reports that the hand-written event loop is Linux-only.
func startEpollServer(serverConfig) (server, error) { return nil, errNoEpoll }
