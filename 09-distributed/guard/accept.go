package guard

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Serve is a listener's accept loop under the guard, for any transport: it
// accepts connections on ln until ln is closed, and hands each one that the
// guard admits and track registers to serve, in a goroutine of wg. track
// refuses a connection when the server is closing; serve must call the
// ticket's Done when the connection is gone. After an accept error (out of
// descriptors, say) it waits a little, longer each time, and stops when
// ctx ends.
func (g *Guard) Serve(ctx context.Context, ln net.Listener, wg *sync.WaitGroup, track func(net.Conn) bool, serve func(net.Conn, *Ticket)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			wait := time.NewTimer(g.AcceptFailed(err))
			select {
			case <-ctx.Done():
				wait.Stop()
				return
			case <-wait.C:
			}
			continue
		}
		// The guard decides here, before a goroutine is spent on c, whether
		// it may wait for its handshake, and cuts older ones to make room.
		t, ok := g.Admit(c)
		if !ok {
			_ = c.Close()
			continue
		}
		if !track(c) {
			t.Done()
			_ = c.Close()
			continue
		}
		wg.Go(func() { serve(c, t) })
	}
}
