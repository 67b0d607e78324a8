//go:build linux

package eventloop

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/child"
)

// The servers' answer to running out of descriptors is tested in a child
// process of its own: filling every descriptor of the test process would
// break everything else that runs in it.
const fullServerRole = "08-async-io-full-server"

func init() { child.Register(fullServerRole, fullServerMain) }

// minAcceptRetry is, for each server, the least time between two failed
// accepts in a row: how long it pauses after the first one.
var minAcceptRetry = map[string]time.Duration{
	"goroutine-per-conn": acceptBackoff,
	"epoll-loop":         acceptRetry,
}

// pausedAccepts is how many failed accepts in a row the child reports.
const pausedAccepts = 3

// fullServerMain is the child: it serves one kind of server (args[0]) and
// talks to the test over stdin and stdout, one line each way:
//
//	child: "addr <address>"       the server is up
//	test:  "fill"                 a client is connected and served
//	child: "full"                 no descriptor is free any more
//	child: "failed <ns> <ns> …"   when the first failed accepts happened
//	test:  "quit"                 the server is closed, the child exits
func fullServerMain(args []string) error {
	i := slices.IndexFunc(serverKinds, func(k serverKind) bool { return len(args) == 1 && k.name == args[0] })
	if i < 0 {
		return fmt.Errorf("want one server kind, got %q", args)
	}
	start := time.Now()
	failed := make(chan time.Duration, pausedAccepts)
	srv, err := serverKinds[i].start(serverConfig{idle: time.Hour, onAcceptError: func(error) {
		select {
		case failed <- time.Since(start):
		default: // the first few are enough
		}
	}})
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Println("addr", srv.Addr())

	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() || in.Text() != "fill" {
		return fmt.Errorf("want fill, got %q (%v)", in.Text(), in.Err())
	}
	// The runtime opens its network poller's epoll instance on first use,
	// by a socket or by a timer, and cannot run without it: make sure it
	// exists before the descriptors run out.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ln.Close()
	fillers, err := fillDescriptors()
	if err != nil {
		return err
	}
	defer func() {
		for _, fd := range fillers {
			syscall.Close(fd)
		}
	}()
	fmt.Println("full")

	times := make([]string, 0, pausedAccepts)
	deadline := time.After(10 * time.Second)
	for len(times) < pausedAccepts {
		select {
		case at := <-failed:
			times = append(times, strconv.FormatInt(int64(at), 10))
		case <-deadline:
			return fmt.Errorf("only %d accepts failed within 10s while no descriptor was free", len(times))
		}
	}
	fmt.Println("failed", strings.Join(times, " "))

	if !in.Scan() || in.Text() != "quit" {
		return fmt.Errorf("want quit, got %q (%v)", in.Text(), in.Err())
	}
	return srv.Close()
}

// fillDescriptors lowers the soft limit on open descriptors (RLIMIT_NOFILE)
// to just above the highest one open, then opens /dev/null until no more
// can be opened. Nothing that is open now is closed.
func fillDescriptors() ([]int, error) {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	highest := 0
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			highest = max(highest, fd)
		}
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil, err
	}
	lim.Cur = uint64(highest + 1)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil, err
	}
	var fds []int
	for {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if errors.Is(err, syscall.EMFILE) {
			return fds, nil
		}
		if err != nil {
			return fds, err
		}
		fds = append(fds, fd)
	}
}

// TestOutOfDescriptorsPausesAcceptUntilOneIsFree runs each server in a child
// process, connects one client, then fills every free descriptor of the
// child and connects a second. The server cannot accept it: it must pause
// (for the epoll loop, stop watching a listener that would report the same
// connection again at once) rather than spin or give up, and must accept the
// second client once the first hangs up and frees a descriptor.
func TestOutOfDescriptorsPausesAcceptUntilOneIsFree(t *testing.T) {
	forEachServer(t, func(t *testing.T, kind serverKind) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		cmd, err := child.Command(ctx, fullServerRole, kind.name)
		require.NoError(t, err)
		in, err := cmd.StdinPipe()
		require.NoError(t, err)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())

		// The child's lines come from a goroutine, so that a silent child
		// fails the test at its deadline instead of hanging it.
		lines := make(chan string, 4)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// Whatever happens below, the child is killed by ctx unless it has
		// exited, its output is read to the end, and it is waited for.
		waited := false
		defer func() {
			if !waited {
				cancel()
				for range lines {
				}
				_ = cmd.Wait()
			}
		}()
		next := func(want string) []string {
			t.Helper()
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("the server process ended before it said %q: %s", want, stderr.String())
				}
				fields := strings.Fields(line)
				require.True(t, len(fields) > 0 && fields[0] == want, "the server process said %q; want %q", line, want)
				return fields[1:]
			case <-ctx.Done():
				t.Fatalf("the server process did not say %q within 30s", want)
				return nil
			}
		}
		say := func(line string) {
			t.Helper()
			_, err := io.WriteString(in, line+"\n")
			require.NoError(t, err)
		}

		addr := next("addr")
		require.Len(t, addr, 1)
		first, err := net.Dial("tcp", addr[0])
		require.NoError(t, err)
		defer first.Close()
		require.NoError(t, roundTrip(first, "1", 10*time.Second), "the first client, before the descriptors ran out")

		say("fill")
		next("full")
		second, err := net.Dial("tcp", addr[0]) // the kernel completes the connection; the server cannot take it
		require.NoError(t, err)
		defer second.Close()

		var at []time.Duration
		for _, f := range next("failed") {
			ns, err := strconv.ParseInt(f, 10, 64)
			require.NoError(t, err)
			at = append(at, time.Duration(ns))
		}
		require.Len(t, at, pausedAccepts)
		for i := 1; i < len(at); i++ {
			assert.GreaterOrEqual(t, at[i]-at[i-1], minAcceptRetry[kind.name],
				"failed accepts %d and %d came %v apart: the server retries at once (spins) instead of pausing", i, i+1, at[i]-at[i-1])
		}

		// Hanging up frees the first client's descriptor in the server.
		require.NoError(t, first.Close())
		require.NoError(t, roundTrip(second, "2", 10*time.Second),
			"the second client, once a descriptor was free: the server did not resume accepting")

		// Both clients hang up first: what this test checks ends here, and
		// Close is tested elsewhere.
		require.NoError(t, second.Close())
		say("quit")
		require.NoError(t, in.Close())
		for range lines {
		}
		waited = true
		require.NoError(t, cmd.Wait(), "the server process: %s", stderr.String())
	})
}
