//go:build unix

package main

import (
	"regexp"

	"fmt"
	"maps"
	"multitask/09-distributed/jetstreamq"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A master killed mid-run and started again on the same -store finishes
// the run: the tasks it put are not put again, every task gets its result,
// and the results the first master took are not waited for again.
func TestAMasterKilledAndRestartedOnItsStoreFinishesTheRun(t *testing.T) {
	const tasks = 20
	store := t.TempDir()
	master := func() (*workerProcess, string) {
		m := startProcess(t, "09-main", "master", "-transport", "jetstream", "-store", store,
			"-addr", "127.0.0.1:0", "-tasks", fmt.Sprint(tasks), "-timeout", "20s", "-lease", "1s")
		return m, m.out.waitFor(t, `serving the queues on (\S+) over jetstream;`)[1]
	}

	first, addr := master()
	slow := startWorkerProcess(t, addr, "-transport", "jetstream", "-sleep", "20ms", "-idle", "20s")
	first.out.waitFor(t, `(?s)(Result: [^\n]*\n.*){5}`)
	require.NoError(t, first.cmd.Process.Kill())
	require.Error(t, first.wait(t), "the first master was killed")
	require.Error(t, slow.wait(t), "a worker whose broker died exits with an error:\n%s", slow.out.String())

	second, addr := master()
	resumed := second.out.waitFor(t, `-- resuming the run found in the store: (\d+) tasks put, (\d+) results taken, (\d+) results waiting, (\d+) tasks to do`)
	assert.Equal(t, fmt.Sprint(tasks), resumed[1], "every task was put before the kill")
	fast := startWorkerProcess(t, addr, "-transport", "jetstream", "-sleep", "0", "-idle", "20s")
	require.NoError(t, second.wait(t), second.out.String())
	require.NoError(t, fast.wait(t), fast.out.String())

	firstOut, secondOut := lines(first.out.String()), lines(second.out.String())
	put := numbers(t, firstOut, putLine)
	require.Len(t, put, tasks)
	assert.Empty(t, numbers(t, secondOut, putLine), "the second master puts nothing again")
	got := map[int]int{}
	for _, n := range append(numbers(t, firstOut, resultLine), numbers(t, secondOut, resultLine)...) {
		got[n]++
	}
	assert.ElementsMatch(t, slices.Compact(slices.Clone(put)), slices.Collect(maps.Keys(got)), "every task has its result")
	waiting, _ := strconv.Atoi(resumed[3])
	toDo, _ := strconv.Atoi(resumed[4])
	assert.Len(t, numbers(t, secondOut, resultLine), waiting+toDo, "the second master waits only for what the first did not take")
	assert.Contains(t, secondOut, "master exit.")
}

// -nats points master and workers at a NATS server of their own, here a
// second embedded one started by the test, standing in for a server or
// cluster on other machines.
func TestMasterAndWorkersUseASeparateNATSServer(t *testing.T) {
	srv, err := jetstreamq.StartServer(jetstreamq.ServerOptions{Key: []byte(testKey)})
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Close()) }()
	m := start(t, "master", "-transport", "jetstream", "-nats", srv.URL(), "-authkey", testKey, "-tasks", "5")
	m.out.waitFor(t, `serving the queues on `+regexp.QuoteMeta(srv.URL())+` over jetstream;`)
	w := start(t, "worker", "-transport", "jetstream", "-nats", srv.URL(), "-authkey", testKey, "-sleep", "0")
	require.NoError(t, m.wait(t), m.out.String())
	require.NoError(t, w.wait(t), w.out.String())
	out := lines(m.out.String())
	checkMasterOutput(t, out, 5)
	assert.Contains(t, out, "the queues lived in the NATS server at "+srv.URL())
	wout := lines(w.out.String())
	assert.Equal(t, "Connect to server "+srv.URL()+"...", wout[0], "the worker names the server it uses")
	assert.Equal(t, []string{"-- the master has closed the queues.", "worker exit."}, wout[len(wout)-2:])
}
