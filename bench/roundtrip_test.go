package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"

	"multitask/internal/child"
)

// messageSize is the size of the message each round trip carries: a small
// request, such as a task number or a short result line.
const messageSize = 64

// BenchmarkRoundTrip sends a 64-byte message and waits for it to come back:
// the cost of asking another party something. The channel's partner is a
// goroutine; the pipe's and the sockets' partner is a child process (this
// binary, echoing), as with multiprocessing's Pipe and Queue in Python.
// Each is used the ordinary Go way: os.File and net.Conn, parked on the
// runtime's network poller while they wait.
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("chan", func(b *testing.B) {
		there, back := make(chan [messageSize]byte), make(chan [messageSize]byte)
		var wg sync.WaitGroup
		wg.Go(func() {
			for m := range there {
				back <- m
			}
		})
		defer wg.Wait()
		defer close(there)
		var msg [messageSize]byte
		warmUp(func() { there <- msg; msg = <-back })
		for b.Loop() {
			there <- msg
			msg = <-back
		}
	})

	b.Run("pipe", func(b *testing.B) {
		if runtime.GOOS == "windows" {
			b.Skip("handing a child extra pipes (exec.Cmd.ExtraFiles) needs Unix")
		}
		toChild, fromChild := newPipe(b), newPipe(b)
		conn := struct {
			io.Reader
			io.Writer
		}{fromChild.r, toChild.w}
		// Closing our write end gives the child end of file, which ends
		// its echo.
		roundTripChild(b, conn, []*os.File{toChild.r, fromChild.w}, toChild.w.Close, "pipe")
	})

	b.Run("unix-socket", func(b *testing.B) {
		ours, theirs, err := socketPair()
		if err != nil {
			b.Skip(err)
		}
		defer theirs.Close()
		conn, err := net.FileConn(ours)
		ours.Close() // FileConn holds its own copy.
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		roundTripChild(b, conn, []*os.File{theirs}, closeWrite(conn), "unix")
	})

	b.Run("tcp-loopback", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Skipf("no loopback TCP: %v", err)
		}
		defer ln.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				conn = nil // the listener was closed: the child never came
			}
			accepted <- conn
		}()
		echo, err := startEcho(b, nil, "tcp", ln.Addr().String())
		if err != nil {
			ln.Close()
			<-accepted
			b.Fatal(err)
		}
		var conn net.Conn
		select {
		case conn = <-accepted:
		case <-echo.exited:
			ln.Close()
			conn = <-accepted
		}
		if conn == nil {
			ln.Close()
			b.Fatalf("echo child did not connect: %v", echo.wait())
		}
		defer conn.Close()
		measureRoundTrips(b, conn, closeWrite(conn), echo)
	})

	// The 09-distributed queue, one task per op (see benchmarkQueue): first
	// with batching and prefetch off, so each task costs a request to take it
	// and another to hand in its result, as with a Python BaseManager proxy;
	// then with the lesson's default batching and many tasks in flight.
	b.Run("09-queue-one-per-trip", func(b *testing.B) { benchmarkQueue(b, 1, 1) })
	b.Run("09-queue-batched", func(b *testing.B) { benchmarkQueue(b, 0, queueWindow) })
}

// echoChild is a running echo child: wait waits for it and returns its
// error with what it wrote to stderr; exited is closed when it has ended.
type echoChild struct {
	wait   func() error
	exited chan struct{}
}

// startEcho starts the echo child over transport with files as its
// descriptors 3, 4, …, and closes the parent's copies of those files: the
// child has its own, and as long as ours stay open neither side would see
// end of file when the other goes.
func startEcho(b *testing.B, files []*os.File, args ...string) (*echoChild, error) {
	cmd, err := child.Command(b.Context(), roleEcho, args...)
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.ExtraFiles = files
	err = cmd.Start()
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("start echo child: %w", err)
	}
	var result error
	exited := make(chan struct{})
	go func() {
		if err := cmd.Wait(); err != nil {
			result = fmt.Errorf("echo child: %w (it said %q)", err, bytes.TrimSpace(stderr.Bytes()))
		}
		close(exited)
	}()
	return &echoChild{
		wait:   func() error { <-exited; return result },
		exited: exited,
	}, nil
}

// roundTripChild starts the echo child and measures round trips with it.
func roundTripChild(b *testing.B, conn io.ReadWriter, files []*os.File, hangUp func() error, transport string) {
	echo, err := startEcho(b, files, transport)
	if err != nil {
		b.Fatal(err)
	}
	measureRoundTrips(b, conn, hangUp, echo)
}

// measureRoundTrips is the timed part: write a message, read it back whole.
// Afterwards it hangs up and checks that the echo child ended cleanly.
func measureRoundTrips(b *testing.B, conn io.ReadWriter, hangUp func() error, echo *echoChild) {
	msg := make([]byte, messageSize)
	reply := make([]byte, messageSize)
	roundTrip := func() error {
		if _, err := conn.Write(msg); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		if _, err := io.ReadFull(conn, reply); err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		return nil
	}
	var err error
	for range warmUpRounds {
		if err = roundTrip(); err != nil {
			break
		}
	}
	if err == nil {
		for b.Loop() {
			if err = roundTrip(); err != nil {
				break
			}
		}
	}
	if err := errors.Join(err, hangUp(), echo.wait()); err != nil {
		b.Fatalf("round trip: %v", err)
	}
}

// closeWrite half-closes a socket: the echo child reads end of file and
// ends, while our side stays open to read what it still sends.
func closeWrite(conn net.Conn) func() error {
	return func() error {
		if c, ok := conn.(interface{ CloseWrite() error }); ok {
			return c.CloseWrite()
		}
		return conn.Close()
	}
}

// pipe is an os.Pipe, both ends.
type pipe struct{ r, w *os.File }

// newPipe returns a pipe whose ends are closed when b ends, if nothing
// closed them before.
func newPipe(b *testing.B) pipe {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close(); w.Close() })
	return pipe{r, w}
}
