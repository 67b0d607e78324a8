//go:build linux

package eventloop

import (
	"container/heap"
	"math"
	"time"
)

// deadlines is the event loop's only clock: a min-heap of connections ordered
// by the moment something must happen to them (a reply is due, or they have
// been idle too long). The loop sleeps in epoll_wait until the earliest one at
// the latest, so ten thousand pending replies cost ten thousand heap entries,
// not ten thousand timers or goroutines.
type deadlines []*econn

func (h deadlines) Len() int           { return len(h) }
func (h deadlines) Less(i, j int) bool { return h[i].deadline < h[j].deadline }
func (h deadlines) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}

func (h *deadlines) Push(x any) {
	c := x.(*econn)
	c.heapIndex = len(*h)
	*h = append(*h, c)
}

func (h *deadlines) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.heapIndex = -1
	return c
}

// set gives c a new deadline, adding it to the heap or moving it there.
func (h *deadlines) set(c *econn, at time.Duration) {
	c.deadline = at
	if c.heapIndex >= 0 {
		heap.Fix(h, c.heapIndex)
		return
	}
	heap.Push(h, c)
}

// remove takes c off the heap if it is on it.
func (h *deadlines) remove(c *econn) {
	if c.heapIndex >= 0 {
		heap.Remove(h, c.heapIndex)
	}
}

// due pops the earliest connection whose deadline is not after now.
func (h *deadlines) due(now time.Duration) (*econn, bool) {
	if len(*h) == 0 || (*h)[0].deadline > now {
		return nil, false
	}
	return heap.Pop(h).(*econn), true
}

// timeout is the epoll_wait timeout in milliseconds until the earliest
// deadline, rounded up so the loop never wakes a moment too early; -1 (wait
// forever) when nothing is due.
func (h deadlines) timeout(now time.Duration) int {
	if len(h) == 0 {
		return -1
	}
	wait := h[0].deadline - now
	if wait <= 0 {
		return 0
	}
	// epoll_wait takes a C int; a longer wait just wakes the loop early,
	// and it asks again.
	return int(min((wait+time.Millisecond-1)/time.Millisecond, math.MaxInt32))
}
