//go:build linux

package eventloop

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeadlinesComeDueInOrder(t *testing.T) {
	var h deadlines
	conns := make([]*econn, 5)
	for i, at := range []time.Duration{50, 10, 40, 20, 30} {
		conns[i] = &econn{fd: i, heapIndex: -1}
		h.set(conns[i], at*time.Millisecond)
	}
	h.set(conns[2], 5*time.Millisecond) // moved to the front
	h.remove(conns[4])                  // gone
	assert.Equal(t, -1, conns[4].heapIndex)

	assert.Equal(t, 0, h.timeout(5*time.Millisecond), "due now")
	assert.Equal(t, 5, h.timeout(0))
	assert.Equal(t, 1, h.timeout(4*time.Millisecond+time.Microsecond), "rounded up, never early")

	var order []int
	for {
		c, ok := h.due(45 * time.Millisecond)
		if !ok {
			break
		}
		order = append(order, c.fd)
	}
	assert.Equal(t, []int{2, 1, 3}, order)
	require.Len(t, h, 1)
	assert.Equal(t, 5, h.timeout(45*time.Millisecond))

	h.set(conns[0], 1000*time.Hour)
	assert.Equal(t, math.MaxInt32, h.timeout(0), "capped to what epoll_wait takes")

	h.remove(conns[0])
	assert.Equal(t, -1, h.timeout(0), "nothing due: wait forever")
}
