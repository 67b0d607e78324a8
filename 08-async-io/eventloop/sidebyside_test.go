package eventloop

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/clitest"
)

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

func TestServersSideBySidePrintsGoroutinesAndThreads(t *testing.T) {
	const conns = 300
	const delay = 40 * time.Millisecond
	before := openDescriptors(t)

	var out bytes.Buffer
	err := ServersSideBySide(t.Context(), &out, Servers{Conns: conns, Delay: delay, Idle: 5 * time.Second})
	require.NoError(t, err, out.String())
	text := out.String()
	clitest.RequireLinesFit(t, text)

	rows := parseRows(t, text)
	goRow, ok := rows["goroutine-per-conn"]
	require.True(t, ok, "no goroutine-per-conn row in:\n%s", text)
	assert.Equal(t, conns, goRow.ok)
	assert.GreaterOrEqual(t, goRow.goroutines, conns, "one goroutine per connection, all at once")
	// Only lower bounds on the wall times here: a busy machine would break
	// an upper one. TestSequentialTakesOneDelayPerRequest compares them
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
	assert.Regexp(t, `(?m)^the client ran as a separate process \(pid \d+\)`, text)

	require.Equal(t, before, openDescriptors(t), "descriptors left open by ServersSideBySide")
}

func TestSequentialTakesOneDelayPerRequest(t *testing.T) {
	// Enough requests that one after another takes far longer than a stall
	// of the shared machine could add to the concurrent run.
	const conns = 20
	const delay = 15 * time.Millisecond
	// runRows runs both servers and returns the table, by server.
	runRows := func(sequential bool) map[string]parsedRow {
		t.Helper()
		var out bytes.Buffer
		err := ServersSideBySide(t.Context(), &out, Servers{Conns: conns, Delay: delay, Sequential: sequential, Idle: 5 * time.Second})
		require.NoError(t, err, out.String())
		rows := parseRows(t, out.String())
		require.NotEmpty(t, rows, out.String())
		return rows
	}
	sequential := runRows(true)
	concurrent := runRows(false)
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

func TestIdleShorterThanConnectingIsExplained(t *testing.T) {
	// Opening the connections takes longer than a nanosecond of -idle: the
	// servers drop them before their requests, and the error says why.
	var out bytes.Buffer
	err := ServersSideBySide(t.Context(), &out, Servers{Conns: 50, Idle: time.Nanosecond})
	require.Error(t, err)
	assert.Regexp(t, `^goroutine-per-conn server: \d+ of 50 requests failed; the first: `, err.Error())
	assert.Contains(t, err.Error(), "longer than -idle 1ns: the server dropped the first ones as idle")
}
