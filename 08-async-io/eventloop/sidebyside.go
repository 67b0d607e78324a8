package eventloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"
)

// Servers says what [ServersSideBySide] asks of each server.
type Servers struct {
	// Conns is how many connections the client opens; each sends one
	// request.
	Conns int
	// Delay is how long a server waits before each reply: the slow IO.
	Delay time.Duration
	// Sequential sends the requests one after another instead of all at
	// once.
	Sequential bool
	// Idle is how long a server lets a connection go without a complete
	// request before it drops it.
	Idle time.Duration
}

// serverRun is one row of the side-by-side table.
type serverRun struct {
	name       string
	result     clientResult
	goroutines int
	threads    int
	skipped    error
}

// ServersSideBySide runs the same client, in a child process of its own,
// against each server in turn and prints one row per server: the time to
// open the connections, the wall time of the requests, and the peak
// goroutines and OS threads of this (the server's) process. A failed
// request makes it return an error naming the first one, after the table.
func ServersSideBySide(ctx context.Context, w io.Writer, cfg Servers) error {
	how := "at once"
	if cfg.Sequential {
		how = "one after another"
	}
	fmt.Fprintf(w, "\n--- Go: %d connections %s, each request waits %v (the slow IO) ---\n", cfg.Conns, how, cfg.Delay)
	if cfg.Sequential {
		fmt.Fprintf(w, "this takes at least %d × %v = %v per server\n", cfg.Conns, cfg.Delay, time.Duration(cfg.Conns)*cfg.Delay)
	}
	atRest := runtime.NumGoroutine()
	var rows []serverRun
	var clientPID int
	for _, kind := range serverKinds {
		row, pid, err := measureServer(ctx, kind, cfg)
		if err != nil {
			return err
		}
		rows = append(rows, row)
		clientPID = max(clientPID, pid)
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server\tconnect\trequests\twall\tpeak goroutines\tpeak OS threads")
	for _, r := range rows {
		if r.skipped != nil {
			fmt.Fprintf(tw, "%s\tskipped: %v\n", r.name, r.skipped)
			continue
		}
		connect := "-"
		if !cfg.Sequential {
			connect = roundDuration(r.result.Connect).String()
		}
		requests := fmt.Sprintf("%d ok", r.result.OK)
		if r.result.Failed > 0 {
			requests += fmt.Sprintf(", %d failed", r.result.Failed)
		}
		threads := "n/a"
		if r.threads >= 0 {
			threads = fmt.Sprint(r.threads)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%d\t%s\n", r.name, connect, requests, roundDuration(r.result.Wall), r.goroutines, threads)
	}
	tw.Flush()
	fmt.Fprintf(w, "the client ran as a separate process (pid %d), so the peaks count the server side alone;\n", clientPID)
	fmt.Fprintf(w, "%d goroutines exist at rest\n", atRest)
	if !cfg.Sequential {
		fmt.Fprintf(w, "one after another they would take at least %v (try -sequential with fewer -conns)\n", time.Duration(cfg.Conns)*cfg.Delay)
	}

	for _, r := range rows {
		if r.result.Failed == 0 {
			continue
		}
		err := fmt.Errorf("%s server: %d of %d requests failed; the first: %s", r.name, r.result.Failed, cfg.Conns, r.result.FirstError)
		if r.result.Connect > cfg.Idle {
			err = fmt.Errorf("%w (opening the connections took %v, longer than -idle %v: the server dropped the first ones as idle)",
				err, roundDuration(r.result.Connect), cfg.Idle)
		}
		return err
	}
	return nil
}

// measureServer starts one server, runs the client process against it while
// sampling this process's goroutines and threads, and closes the server.
func measureServer(ctx context.Context, kind serverKind, cfg Servers) (serverRun, int, error) {
	row := serverRun{name: kind.name}
	srv, err := kind.start(serverConfig{delay: cfg.Delay, idle: cfg.Idle})
	if errors.Is(err, errNoEpoll) {
		row.skipped = err
		return row, 0, nil
	}
	if err != nil {
		return row, 0, err
	}
	peaks := startPeakSampler()
	res, pid, err := runClientProcess(ctx, clientConfig{
		addr:       srv.Addr(),
		conns:      cfg.Conns,
		sequential: cfg.Sequential,
		timeout:    cfg.Delay + clientSlack,
	})
	row.goroutines, row.threads = peaks.Stop()
	row.result = res
	if cerr := srv.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s server: %w", kind.name, cerr)
	}
	return row, pid, err
}

// roundDuration keeps three or so significant digits, enough to read.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	default:
		return d.Round(100 * time.Microsecond)
	}
}
