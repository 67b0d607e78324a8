//go:build unix

package bench

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// rawPipe is a pipe used through plain blocking read(2) and write(2) calls,
// not through os.File and the Go runtime's network poller. A thread that
// reads an empty rawPipe sleeps in the kernel until the other side writes, so
// a ping-pong over two of them measures what the kernel charges to switch
// between two threads or two processes, with no Go scheduler in the way.
type rawPipe struct{ r, w int }

func newRawPipe() (rawPipe, error) {
	var fds [2]int
	// ForkLock keeps a concurrent fork+exec from inheriting the descriptors
	// between pipe(2) and the close-on-exec flag being set.
	syscall.ForkLock.RLock()
	err := syscall.Pipe(fds[:])
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return rawPipe{-1, -1}, fmt.Errorf("pipe: %w", err)
	}
	return rawPipe{r: fds[0], w: fds[1]}, nil
}

// closeRead and closeWrite close one end once; closing an end twice would
// close whatever descriptor the number was reused for meanwhile.
func (p *rawPipe) closeRead() {
	if p.r >= 0 {
		syscall.Close(p.r)
		p.r = -1
	}
}

func (p *rawPipe) closeWrite() {
	if p.w >= 0 {
		syscall.Close(p.w)
		p.w = -1
	}
}

// fdFile wraps a descriptor for exec.Cmd.ExtraFiles. The descriptor stays
// owned by the rawPipe: the caller must not close the returned file, and must
// keep the rawPipe end open until the child has started.
func fdFile(fd int, name string) *os.File { return os.NewFile(uintptr(fd), name) }

var ball = []byte{'.'}

// sendByte writes the one-byte ball to fd.
func sendByte(fd int) error {
	for {
		n, err := syscall.Write(fd, ball)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if n != 1 {
			return fmt.Errorf("write: wrote %d bytes, want 1", n)
		}
		return nil
	}
}

// recvByte reads one byte from fd, sleeping until it comes. It reports false
// at end of file: the other side closed its end.
func recvByte(fd int) (bool, error) {
	var buf [1]byte
	for {
		n, err := syscall.Read(fd, buf[:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("read: %w", err)
		}
		return n == 1, nil
	}
}

// serveBall sends back every byte it receives on in over out, until in
// reaches end of file. It is the passive side of every ping-pong.
func serveBall(in, out int) error {
	for {
		ok, err := recvByte(in)
		if err != nil || !ok {
			return err
		}
		if err := sendByte(out); err != nil {
			return err
		}
	}
}

// hitBall is one round trip from the active side: out, then back on in.
func hitBall(out, in int) error {
	if err := sendByte(out); err != nil {
		return err
	}
	ok, err := recvByte(in)
	if err == nil && !ok {
		err = errors.New("read: the other side closed its end")
	}
	return err
}

// socketPair returns the two ends of a connected Unix stream socket.
func socketPair() (a, b *os.File, err error) {
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "socket"), os.NewFile(uintptr(fds[1]), "socket"), nil
}
