package taskq

// fifo is a first-in, first-out queue on a slice. It is not safe for
// concurrent use; the hub's lock guards it.
type fifo[T any] struct {
	items []T
	head  int // items[:head] were popped
}

func (f *fifo[T]) push(v T) { f.items = append(f.items, v) }

func (f *fifo[T]) pop() (T, bool) {
	var zero T
	if f.head == len(f.items) {
		return zero, false
	}
	v := f.items[f.head]
	f.items[f.head] = zero // let the garbage collector have it
	f.head++
	switch {
	case f.head == len(f.items):
		f.items, f.head = f.items[:0], 0
	case f.head >= 1024 && f.head*2 >= len(f.items):
		// Slide the live half down, so that a queue that never quite empties
		// does not keep growing its slice.
		n := copy(f.items, f.items[f.head:])
		clear(f.items[n:])
		f.items, f.head = f.items[:n], 0
	}
	return v, true
}
