package eventloop

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"multitask/internal/child"
	"multitask/internal/cli"
)

// clientSlack bounds a client's wait beyond the server's delay, so that a
// stuck server fails the run rather than hanging it.
const clientSlack = 30 * time.Second

// clientConfig says what the client does.
type clientConfig struct {
	addr       string
	conns      int
	sequential bool
	// timeout bounds each connection's whole exchange, so that a stuck
	// server fails the run instead of hanging it.
	timeout time.Duration
}

// clientResult is what one client run reports. It travels from the client
// process to the parent as JSON.
type clientResult struct {
	OK         int           `json:"ok"`
	Failed     int           `json:"failed"`
	FirstError string        `json:"first_error,omitempty"`
	Connect    time.Duration `json:"connect_ns"` // concurrent runs: opening every connection
	Wall       time.Duration `json:"wall_ns"`    // from the first request to the last reply
}

// runClient sends one request on each of cfg.conns connections and checks
// every reply. Concurrently, it first opens every connection, then sends all
// the requests at once, so that they are all in flight together (Wall starts
// there). Sequentially, it dials, asks, waits and closes one connection after
// another (Wall covers it all).
func runClient(ctx context.Context, cfg clientConfig) clientResult {
	errs := make([]error, cfg.conns)
	var res clientResult
	if cfg.sequential {
		start := time.Now()
		for i := range errs {
			errs[i] = oneRequest(ctx, cfg.addr, strconv.Itoa(i+1), cfg.timeout)
		}
		res.Wall = time.Since(start)
	} else {
		res.Connect, res.Wall = concurrentRequests(ctx, cfg, errs)
	}
	for _, err := range errs {
		if err == nil {
			res.OK++
			continue
		}
		if res.Failed == 0 {
			res.FirstError = err.Error()
		}
		res.Failed++
	}
	return res
}

func concurrentRequests(ctx context.Context, cfg clientConfig, errs []error) (connect, wall time.Duration) {
	start := make(chan struct{})
	var dialed, done sync.WaitGroup
	dialed.Add(len(errs))
	t0 := time.Now()
	for i := range errs {
		done.Go(func() {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", cfg.addr)
			dialed.Done()
			if err != nil {
				errs[i] = fmt.Errorf("dial %s: %w", cfg.addr, err)
				return
			}
			defer c.Close()
			select {
			case <-start:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			errs[i] = roundTrip(c, strconv.Itoa(i+1), cfg.timeout)
		})
	}
	dialed.Wait()
	connect = time.Since(t0)
	t1 := time.Now()
	close(start)
	done.Wait()
	return connect, time.Since(t1)
}

// oneRequest dials, sends one request, checks the reply and hangs up.
func oneRequest(ctx context.Context, addr, id string, timeout time.Duration) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer c.Close()
	return roundTrip(c, id, timeout)
}

// roundTrip sends the request for id on c and checks that the reply is the
// one for id. It reads into a small array rather than a bufio.Reader: ten
// thousand connections times 4 KiB of buffer would be the client's largest
// cost.
func roundTrip(c net.Conn, id string, timeout time.Duration) error {
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := io.WriteString(c, requestLine(id)); err != nil {
		return fmt.Errorf("request %s: send: %w", id, err)
	}
	var buf [maxReply]byte
	n := 0
	for {
		m, err := c.Read(buf[n:])
		n += m
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			if got, want := string(buf[:i+1]), replyLine(id); got != want {
				return fmt.Errorf("request %s: got reply %q, want %q", id, got, want)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("request %s: read reply: %w", id, err)
		}
		if n == len(buf) {
			return fmt.Errorf("request %s: reply longer than %d bytes", id, len(buf))
		}
	}
}

// The client runs in a child process of its own (this binary again, see
// internal/child). That keeps the server's figures clean, since the client's
// ten thousand goroutines and threads are not counted with the server's, and
// it halves the descriptors each process needs: ten thousand connections
// are twenty thousand sockets, one per end.
const clientRole = "08-async-io-client"

func init() { child.Register(clientRole, clientMain) }

// clientMain is the client process: it runs the client and prints the
// result as one JSON line on stdout.
func clientMain(args []string) error {
	fs := flag.NewFlagSet(clientRole, flag.ContinueOnError)
	var cfg clientConfig
	fs.StringVar(&cfg.addr, "addr", "", "server address")
	fs.IntVar(&cfg.conns, "conns", 1, "connections")
	fs.BoolVar(&cfg.sequential, "sequential", false, "one request after another")
	fs.DurationVar(&cfg.timeout, "timeout", time.Minute, "bound on each exchange")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := raiseFileLimit("-conns", cfg.conns, cfg.conns+descriptorMargin); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(runClient(context.Background(), cfg))
}

// runClientProcess runs the client in a child process and returns its
// result and process ID. Cancelling ctx kills the child.
func runClientProcess(ctx context.Context, cfg clientConfig) (clientResult, int, error) {
	cmd, err := child.Command(ctx, clientRole,
		"-addr", cfg.addr,
		"-conns", strconv.Itoa(cfg.conns),
		"-sequential="+strconv.FormatBool(cfg.sequential),
		"-timeout", cfg.timeout.String())
	if err != nil {
		return clientResult{}, 0, err
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return clientResult{}, 0, fmt.Errorf("start the client process: %w", err)
	}
	pid := cmd.Process.Pid
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return clientResult{}, pid, fmt.Errorf("client process (pid %d) stopped: %w", pid, context.Cause(ctx))
		}
		return clientResult{}, pid, fmt.Errorf("client process (pid %d): %v: %s", pid, err, lastLine(stderr.String()))
	}
	var res clientResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return clientResult{}, pid, fmt.Errorf("client process (pid %d): bad result %q: %w", pid, stdout.String(), err)
	}
	return res, pid, nil
}

// lastLine is the last non-empty line of s, which for a child that failed is
// its error message.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "(no message)"
	}
	return s[strings.LastIndexByte(s, '\n')+1:]
}
