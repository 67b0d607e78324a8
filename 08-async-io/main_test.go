package main

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/childtest"
	"multitask/internal/clitest"
)

func TestMain(m *testing.M) {
	childtest.Serve() // the client process of run is this test binary again
	goleak.VerifyTestMain(m)
}

// tutorialLines is the tutorial's own output for five items.
func tutorialLines() []string {
	var lines []string
	for n := 1; n <= 5; n++ {
		lines = append(lines,
			"[PRODUCER] Producing "+strconv.Itoa(n)+"...",
			"[CONSUMER] Consuming "+strconv.Itoa(n)+"...",
			"[PRODUCER] Consumer return: 200 OK")
	}
	return lines
}

// serverRow matches one row of the side-by-side table.
var serverRow = regexp.MustCompile(`(?m)^(goroutine-per-conn|epoll-loop) +(\S+) +(\d+) ok +(\S+) +(\d+) +(\d+|n/a)$`)

type parsedRow struct {
	connect, wall time.Duration
	ok            int
	goroutines    int
	threads       int // -1 for n/a
}

func parseRows(t *testing.T, out string) map[string]parsedRow {
	t.Helper()
	rows := map[string]parsedRow{}
	for _, m := range serverRow.FindAllStringSubmatch(out, -1) {
		var r parsedRow
		var err error
		if m[2] != "-" {
			r.connect, err = time.ParseDuration(m[2])
			require.NoError(t, err, m[0])
		}
		r.ok, _ = strconv.Atoi(m[3])
		r.wall, err = time.ParseDuration(m[4])
		require.NoError(t, err, m[0])
		r.goroutines, _ = strconv.Atoi(m[5])
		r.threads = -1
		if m[6] != "n/a" {
			r.threads, _ = strconv.Atoi(m[6])
		}
		rows[m[1]] = r
	}
	return rows
}

func TestRunPrintsTutorialLinesThenGoFigures(t *testing.T) {
	const conns = 300
	const delay = 40 * time.Millisecond
	before := openDescriptors(t)

	var out bytes.Buffer
	err := run(t.Context(), &out, []string{
		"-conns", strconv.Itoa(conns), "-delay", delay.String(),
		"-tasks", "4", "-cpu-task", "2ms", "-io-wait", "10ms",
	})
	require.NoError(t, err, out.String())
	text := out.String()

	lines := strings.Split(text, "\n")
	require.Equal(t, tutorialLines(), lines[:15], "the output starts with the tutorial's lines")

	rows := parseRows(t, text)
	goRow, ok := rows["goroutine-per-conn"]
	require.True(t, ok, "no goroutine-per-conn row in:\n%s", text)
	assert.Equal(t, conns, goRow.ok)
	assert.GreaterOrEqual(t, goRow.goroutines, conns, "one goroutine per connection, all at once")
	// Only lower bounds on the wall times here: a busy machine would break
	// an upper one. TestRunSequentialTakesOneDelayPerRequest compares them
	// with a sequential run instead.
	assert.GreaterOrEqual(t, goRow.wall, delay)
	if goRow.threads >= 0 {
		assert.Less(t, goRow.threads, conns/10, "goroutines blocked on sockets hold no OS thread")
	}
	if epollRow, ok := rows["epoll-loop"]; ok {
		assert.Equal(t, conns, epollRow.ok)
		assert.Less(t, epollRow.goroutines, 20, "the event loop is one goroutine")
		assert.GreaterOrEqual(t, epollRow.wall, delay)
	} else {
		assert.Regexp(t, `(?m)^epoll-loop +skipped: `, text)
	}
	assert.Regexp(t, `(?m)^CPU-bound: each task computes for about 2ms\ntasks at once +GOMAXPROCS=1`, text)
	assert.Regexp(t, `(?m)^IO-bound: each task waits 10ms for a reply from a server\ntasks at once +GOMAXPROCS=1`, text)

	require.Equal(t, before, openDescriptors(t), "descriptors left open by run")
}

func TestRunSequentialTakesOneDelayPerRequest(t *testing.T) {
	// Enough requests that one after another takes far longer than a stall
	// of the shared machine could add to the concurrent run.
	const conns = 20
	const delay = 15 * time.Millisecond
	// runRows runs the program and returns its table, by server.
	runRows := func(extra ...string) map[string]parsedRow {
		t.Helper()
		var out bytes.Buffer
		err := run(t.Context(), &out, append([]string{
			"-conns", strconv.Itoa(conns), "-delay", delay.String(),
			"-tasks", "1", "-cpu-task", "1ms", "-io-wait", "1ms",
		}, extra...))
		require.NoError(t, err, out.String())
		rows := parseRows(t, out.String())
		require.NotEmpty(t, rows, out.String())
		return rows
	}
	sequential := runRows("-sequential")
	concurrent := runRows()
	for name, r := range sequential {
		assert.Equal(t, conns, r.ok, name)
		assert.GreaterOrEqual(t, r.wall, conns*delay, "%s: one request after another waits one delay each", name)
		assert.Zero(t, r.connect, "%s: the connect column is only for concurrent runs", name)
		// The same requests at once wait one delay in all. Both runs
		// share the machine's load, so the ratio holds where a fixed
		// bound would not.
		c, ok := concurrent[name]
		require.True(t, ok, "no %s row in the concurrent run", name)
		assert.Equal(t, conns, c.ok, name)
		assert.Less(t, c.wall, r.wall/2, "%s: %d requests at once (%v) must take far less than one after another (%v)", name, conns, c.wall, r.wall)
	}
}

func TestBadFlagsExitTwoWithOneLine(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-conns", "0"}, "-conns must be at least 1, got 0"},
		{[]string{"-conns", "many"}, `invalid value "many" for flag -conns`},
		{[]string{"-delay", "-1s"}, "-delay must not be negative, got -1s"},
		{[]string{"-idle", "0s"}, "-idle must be above zero, got 0s"},
		{[]string{"-tasks", "0"}, "-tasks must be at least 1, got 0"},
		{[]string{"-cpu-task", "0s"}, "-cpu-task must be above zero, got 0s"},
		{[]string{"-io-wait", "-5ms"}, "-io-wait must be above zero, got -5ms"},
		{[]string{"-no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"stray"}, `unexpected argument "stray"`},
		{[]string{"-conns", "2000000000"}, "-conns 2000000000 needs about"}, // more descriptors than any limit allows
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, run, tt.args, tt.want)
		})
	}
}

func TestHelpListsFlags(t *testing.T) {
	clitest.RequireHelp(t, run, "-conns", "-delay", "-sequential", "-idle", "-tasks", "-cpu-task", "-io-wait")
}

func TestClientProcessReportsFailedRequests(t *testing.T) {
	// A server that is gone: every dial is refused, and the client process
	// must say so instead of reporting success or hanging.
	srv, err := startGoroutineServer(serverConfig{idle: time.Second})
	require.NoError(t, err)
	addr := srv.Addr()
	require.NoError(t, srv.Close())

	res, pid, err := runClientProcess(t.Context(), clientConfig{addr: addr, conns: 3, timeout: 5 * time.Second})
	require.NoError(t, err)
	assert.NotZero(t, pid)
	assert.Equal(t, 0, res.OK)
	assert.Equal(t, 3, res.Failed)
	assert.Contains(t, res.FirstError, "refused")
}

func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "(no message)",
		"one":                    "one",
		"first\nsecond\n":        "second",
		"child x (pid 1): bad\n": "child x (pid 1): bad",
	} {
		assert.Equal(t, want, lastLine(in), "lastLine(%q)", in)
	}
}

// openDescriptors counts this process's open descriptors (Linux), after
// making sure the runtime's own lazily opened ones (the network poller's)
// already exist, so that only what a test leaves behind makes a difference.
func openDescriptors(t *testing.T) int {
	t.Helper()
	srv, err := startGoroutineServer(serverConfig{idle: time.Second})
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd to count descriptors in:", err)
	}
	return len(entries)
}
