package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/rpcq/wire"
	"multitask/internal/cli"
	"multitask/internal/clitest"
)

// The demo runs over each transport: the master's and the workers' code
// is the same, and so is every promise the output makes.
func TestDemoRunsTheMasterAndTwoWorkerProcesses(t *testing.T) {
	for _, name := range transportNames() {
		t.Run(name, func(t *testing.T) { testDemo(t, name) })
	}
}

func testDemo(t *testing.T, transport string) {
	demo := start(t, "-sleep", "20ms", "-transport", transport)
	require.NoError(t, demo.wait(t), demo.out.String())
	out := demo.out.String()

	who := regexp.MustCompile(`^(master|worker \d) +\| (.*)$`)
	said := map[string][]string{}
	var notes []string
	for _, line := range lines(out) {
		if m := who.FindStringSubmatch(line); m != nil {
			said[m[1]] = append(said[m[1]], m[2])
		} else {
			notes = append(notes, line)
		}
	}
	put := checkMasterOutput(t, said["master"], 10)
	assert.Equal(t, "master exit.", said["master"][len(said["master"])-1])

	var ran []int
	for _, w := range []string{"worker 1", "worker 2"} {
		require.NotEmpty(t, said[w], "%s printed nothing", w)
		assert.Regexp(t, `^Connect to server (nats://)?127\.0\.0\.1:\d+\.\.\.$`, said[w][0])
		assert.Equal(t, "worker exit.", said[w][len(said[w])-1])
		ran = append(ran, numbers(t, said[w], runLine)...)
	}
	slices.Sort(ran)
	assert.Equal(t, put, ran, "with no worker lost, each task ran once")

	require.NotEmpty(t, notes)
	assert.Equal(t, goNotes, notes[0])
	pids := map[string]bool{fmt.Sprint(os.Getpid()): true}
	for _, w := range []string{"worker 1", "worker 2"} {
		m := regexp.MustCompile(`(?m)^` + w + `: pid (\d+), exit status 0$`).FindStringSubmatch(out)
		require.NotNil(t, m, "%s exited cleanly", w)
		assert.False(t, pids[m[1]], "%s is a process of its own", w)
		pids[m[1]] = true
	}
	assert.Contains(t, out, "10 tasks put, 10 results kept; ")
	clitest.RequireLinesFit(t, demo.out.raw())
}

// Where each transport's master says the queues lived, and what it saw of
// a run of 90 tasks with three workers and nothing gone wrong.
var byHandSummary = map[string][2]string{
	"rpc": {`^the queues lived in this process \(pid \d+\); the workers reached them over rpc on 127\.0\.0\.1:\d+$`,
		"90 tasks put, 90 results kept; 0 tasks put back after a worker left, 0 after a lease ran out; " +
			"0 duplicate results dropped, 0 late; 0 results refused (unknown task, or not leased to the sender); 3 worker connections"},
	"python": {`^the queues lived in this process \(pid \d+\); the workers reached them over Python's multiprocessing\.managers protocol on 127\.0\.0\.1:\d+$`,
		"90 tasks put, 90 results kept; 0 tasks put back after a worker left, 0 after a lease ran out; " +
			"0 duplicate results dropped, 0 late; 0 results refused (unknown task, or not leased to the sender); 3 worker connections"},
	"jetstream": {`^the queues lived in a JetStream broker embedded in this process \(pid \d+\), on nats://127\.0\.0\.1:\d+$`,
		"90 tasks put, 90 results kept; 0 duplicate results dropped; 0 results refused (unknown task); " +
			"a task left unanswered went back to the queue when its worker stopped or after the ack wait"},
}

func TestMasterAndWorkersStartedByHand(t *testing.T) {
	forEachTransport(t, testMasterAndWorkersStartedByHand)
}

func testMasterAndWorkersStartedByHand(t *testing.T, transport string) {
	const tasks = 90
	m, addr := startMaster(t, "-tasks", fmt.Sprint(tasks), "-transport", transport)
	var workers []*background
	// 5ms a task keeps the master busy for a while (450ms for one worker):
	// the others have time to join before the work is done.
	for range 3 {
		workers = append(workers, start(t, "worker", "-addr", addr, "-authkey", testKey, "-sleep", "5ms", "-idle", "20s", "-transport", transport))
	}
	require.NoError(t, m.wait(t), m.out.String())
	ran := 0
	for _, w := range workers {
		require.NoError(t, w.wait(t), w.out.String())
		out := lines(w.out.String())
		assert.Equal(t, "Connect to server "+addr+"...", out[0])
		assert.Equal(t, []string{"-- the master has closed the queues.", "worker exit."}, out[len(out)-2:])
		ran += len(numbers(t, out, runLine))
	}
	assert.Equal(t, tasks, ran, "no task ran twice")

	out := lines(m.out.String())
	checkMasterOutput(t, out, tasks)
	i := slices.Index(out, "master exit.")
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, goNotes, out[i+1])
	require.Contains(t, byHandSummary, transport, "say what this transport's master sums up")
	assert.Regexp(t, byHandSummary[transport][0], out[i+2])
	assert.Equal(t, byHandSummary[transport][1], out[i+3])
	if transport == "jetstream" {
		// What the README's nats-server configuration needs.
		assert.Regexp(t, `^for a nats-server of your own \(-nats\), this key's public NKey is U[A-Z2-7]{55}$`, out[i+4])
	}
}

func TestWorkerProcessKilledMidTaskLosesNothing(t *testing.T) {
	forEachTransport(t, testWorkerProcessKilledMidTask)
}

func testWorkerProcessKilledMidTask(t *testing.T, transport string) {
	const tasks = 6
	// The rpc master sees the victim's connection close; the broker
	// redelivers its task after the ack wait, the lease.
	m, addr := startMaster(t, "-tasks", fmt.Sprint(tasks), "-timeout", "20s", "-lease", "1s", "-transport", transport)

	// The victim takes one task and would spend an hour on it.
	victim := startWorkerProcess(t, addr, "-sleep", "1h", "-transport", transport)
	taken := victim.out.waitFor(t, `run task (\d+) \*`)[1]
	survivor := startWorkerProcess(t, addr, "-sleep", "0", "-idle", "20s", "-transport", transport)
	require.NoError(t, victim.cmd.Process.Kill())
	err := victim.wait(t)
	exitErr, ok := errors.AsType[*exec.ExitError](err)
	require.True(t, ok, "got %v", err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, "signal: killed", exitErr.Error())
	}

	require.NoError(t, m.wait(t), m.out.String())
	require.NoError(t, survivor.wait(t), survivor.out.String())

	out := lines(m.out.String())
	checkMasterOutput(t, out, tasks)
	assert.Contains(t, lines(survivor.out.String()), "run task "+taken+" * "+taken+"...", "the survivor did the victim's task")
	assert.Len(t, numbers(t, lines(survivor.out.String()), runLine), tasks, "and every other")
	if transport == "rpc" {
		assert.Regexp(t, `(?m)^-- connection #1 closed without answering task \d+ \(n=`+taken+`\); put back in the queue$`, m.out.String())
		assert.Contains(t, m.out.String(), "6 tasks put, 6 results kept; 1 task put back after a worker left, 0 after a lease ran out; 0 duplicate results dropped")
	}
}

// What a worker with the wrong key is told, after "connect to ADDR: ".
var wrongKeyError = map[string]string{
	"rpc":       "authentication failed: the master refused our key",
	"jetstream": "%s refused our key (authorization violation): master and workers need the same key",
	"python":    "authentication failed: the master refused our key (master and workers need the same key)",
}

func TestWrongKeyIsRefusedAndTheMasterKeepsServing(t *testing.T) {
	forEachTransport(t, testWrongKeyIsRefused)
}

func testWrongKeyIsRefused(t *testing.T, transport string) {
	m, addr := startMaster(t, "-tasks", "3", "-transport", transport)
	bad := start(t, "worker", "-addr", addr, "-authkey", "not the key", "-sleep", "0", "-transport", transport)
	err := bad.wait(t)
	require.Error(t, err, "a worker with the wrong key was let in:\n%s", bad.out.String())
	require.Contains(t, wrongKeyError, transport, "say what this transport tells a worker with the wrong key")
	want := strings.ReplaceAll(wrongKeyError[transport], "%s", addr)
	assert.Equal(t, "connect to "+addr+": "+want, err.Error())
	assert.Equal(t, 1, cli.ExitCode(err))
	if transport == "rpc" {
		m.out.waitFor(t, `-- refused 127\.0\.0\.1:\d+: authentication failed: wrong key`)
	}

	good := start(t, "worker", "-addr", addr, "-authkey", testKey, "-sleep", "0", "-transport", transport)
	require.NoError(t, m.wait(t), m.out.String())
	require.NoError(t, good.wait(t))
	checkMasterOutput(t, lines(m.out.String()), 3)
}

func TestGarbageOnThePortIsRefused(t *testing.T) {
	m, addr := startMaster(t, "-tasks", "2")
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	// As long as a handshake answer, so that the master reads it all.
	garbage := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 18)
	_, err = c.Write(garbage)
	require.NoError(t, err)
	got, err := io.ReadAll(c)
	require.NoError(t, err, "the master closes the connection")
	assert.Len(t, got, len(wire.Greeting)+32, "the master sent its greeting and nothing else")
	m.out.waitFor(t, `-- refused 127\.0\.0\.1:\d+: authentication failed: the peer does not speak this protocol`)

	good := start(t, "worker", "-addr", addr, "-authkey", testKey, "-sleep", "0")
	require.NoError(t, m.wait(t), m.out.String())
	require.NoError(t, good.wait(t))
	checkMasterOutput(t, lines(m.out.String()), 2)
}

func TestMasterTimeoutEndsTheRunAndShutsDown(t *testing.T) {
	forEachTransport(t, testMasterTimeout)
}

func testMasterTimeout(t *testing.T, transport string) {
	m, addr := startMaster(t, "-tasks", "3", "-timeout", "1s", "-transport", transport)
	// A worker takes a task and hangs on it, keeping its connection open.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	hung := startCtx(ctx, "worker", "-addr", addr, "-authkey", testKey, "-sleep", "1h", "-transport", transport)
	hung.out.waitFor(t, `run task \d+`)

	err := m.wait(t)
	require.Error(t, err)
	assert.Regexp(t, `^no result for 1s: 3 of 3 results missing \(for \d+, \d+, \d+\); is a worker running, with the same key\?$`, err.Error())
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.NotContains(t, m.out.String(), "master exit.")

	c, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "nats://"), 10*time.Second)
	if !assert.Error(t, err, "the listener is closed") {
		c.Close()
	}

	cancel()
	werr := hung.wait(t)
	assert.ErrorIs(t, werr, context.Canceled)
	assert.Contains(t, werr.Error(), "stopped during task")
}

func TestKeyFromTheEnvironment(t *testing.T) {
	t.Setenv(keyEnv, testKey)
	for _, transport := range transportNames() {
		m := start(t, "master", "-addr", "127.0.0.1:0", "-tasks", "2", "-transport", transport)
		addr := m.out.waitFor(t, `serving the queues on (\S+) over \S+;`)[1]
		w := start(t, "worker", "-addr", addr, "-sleep", "0", "-transport", transport)
		require.NoError(t, m.wait(t), "%s: %s", transport, m.out.String())
		require.NoError(t, w.wait(t), "%s: %s", transport, w.out.String())
	}
}

func TestBadInputIsOneLineAndAnExitStatus(t *testing.T) {
	t.Setenv(keyEnv, "")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	busyAddr := busy.Addr().String()
	// Nothing listens on a port that was just closed.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedAddr := closed.Addr().String()
	require.NoError(t, closed.Close())
	defer busy.Close()

	tests := []struct {
		args   []string
		status int
		msg    string
	}{
		{[]string{"serve"}, 2, `unknown command "serve": want master, worker, or none for the demo`},
		{[]string{"master"}, 2, "no key: pass -authkey or set AUTHKEY (the master and its workers need the same one)"},
		{[]string{"worker"}, 2, "no key: pass -authkey or set AUTHKEY"},
		{[]string{"master", "-authkey", "k", "-tasks", "0"}, 2, "-tasks must be at least 1, got 0"},
		{[]string{"master", "-authkey", "k", "-timeout", "0s"}, 2, "-timeout must be above zero, got 0s"},
		{[]string{"master", "-authkey", "k", "-transport", "pigeon"}, 2, `-transport "pigeon" is not known; there is jetstream, python, rpc`},
		{[]string{"worker", "-authkey", "k", "-sleep", "-1s"}, 2, "-sleep must not be negative, got -1s"},
		{[]string{"worker", "-authkey", "k", "-idle", "0s"}, 2, "-idle must be above zero, got 0s"},
		{[]string{"worker", "-authkey", "k", "now"}, 2, `worker: unexpected argument "now"`},
		{[]string{"-workers", "0"}, 2, "-workers must be at least 1, got 0"},
		{[]string{"-tasks", "x"}, 2, `09-distributed: invalid value "x" for flag -tasks: parse error`},
		// Every count and duration has an upper bound that a small machine
		// survives (-h shows it), and an empty address is refused.
		{[]string{"master", "-authkey", "k", "-addr", ""}, 2,
			"-addr must not be empty: give host:port, e.g. 127.0.0.1:5000 (this machine only) or :5000 (every network)"},
		{[]string{"worker", "-authkey", "k", "-addr", ""}, 2, "-addr must not be empty: give the master's host:port"},
		{[]string{"master", "-authkey", "k", "-tasks", "1000001"}, 2, "-tasks must be at most 1000000, got 1000001"},
		{[]string{"master", "-authkey", "k", "-tasks", "9223372036854775807"}, 2, "-tasks must be at most 1000000, got 9223372036854775807"},
		{[]string{"master", "-authkey", "k", "-tasks", "1e12"}, 2, `master: invalid value "1e12" for flag -tasks: parse error`},
		{[]string{"master", "-authkey", "k", "-timeout", "61m"}, 2, "-timeout must be at most 1h0m0s, got 1h1m0s"},
		{[]string{"master", "-authkey", "k", "-handshake", "2m"}, 2, "-handshake must be at most 1m0s, got 2m0s"},
		{[]string{"master", "-authkey", "k", "-lease", "50ms"}, 2, "-lease must be at least 100ms, got 50ms"},
		{[]string{"master", "-authkey", "k", "-lease", "2h"}, 2, "-lease must be at most 1h0m0s, got 2h0m0s"},
		{[]string{"worker", "-authkey", "k", "-sleep", "2h"}, 2, "-sleep must be at most 1h0m0s, got 2h0m0s"},
		{[]string{"worker", "-authkey", "k", "-idle", "2h"}, 2, "-idle must be at most 1h0m0s, got 2h0m0s"},
		{[]string{"-workers", "100000"}, 2, "-workers must be at most 64, got 100000"},
		{[]string{"-tasks", "1000001"}, 2, "-tasks must be at most 1000000, got 1000001"},
		{[]string{"-sleep", "2h"}, 2, "-sleep must be at most 1h0m0s, got 2h0m0s"},
		{[]string{"-idle", "2h"}, 2, "-idle must be at most 1h0m0s, got 2h0m0s"},
		{[]string{"-timeout", "2h"}, 2, "-timeout must be at most 1h0m0s, got 2h0m0s"},
		// -compare runs the tutorial's counts on both sides.
		{[]string{"-compare", "-workers", "2"}, 2, "-compare cannot take -workers: it runs the tutorial's ten tasks and one worker on each side"},
		{[]string{"-compare", "-tasks", "3"}, 2, "-compare cannot take -tasks"},
		{[]string{"master", "-authkey", "k", "-addr", busyAddr}, 1, "listen on " + busyAddr + ": listen tcp " + busyAddr + ": bind: address already in use"},
		{[]string{"worker", "-authkey", "k", "-addr", closedAddr}, 1, "connect to " + closedAddr + ": dial tcp " + closedAddr + ": connect: connection refused"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			if tt.status == 2 {
				clitest.RequireUsageError(t, run, tt.args, tt.msg)
				return
			}
			err := run(t.Context(), io.Discard, tt.args)
			require.Error(t, err)
			assert.Equal(t, tt.status, cli.ExitCode(err))
			assert.Contains(t, err.Error(), tt.msg)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestHelpListsTheFlags(t *testing.T) {
	for _, tt := range []struct {
		command []string
		flags   []string
	}{
		{nil, []string{"-transport", "-tutorial-only", "-compare", "-workers", "-tasks", "-sleep", "-idle", "-timeout"}},
		{[]string{"master"}, []string{"-transport", "-tutorial-only", "-authkey", "-addr", "-tasks", "-timeout", "-handshake", "-lease"}},
		{[]string{"worker"}, []string{"-transport", "-tutorial-only", "-authkey", "-addr", "-sleep", "-idle"}},
	} {
		clitest.RequireHelp(t, func(ctx context.Context, stdout io.Writer, args []string) error {
			return run(ctx, stdout, append(slices.Clone(tt.command), args...))
		}, tt.flags...)
	}
}

func TestHelpShowsTheBounds(t *testing.T) {
	for _, tt := range []struct {
		command []string
		bounds  []string
	}{
		{nil, []string{"(1 to 64)", "(1 to 1000000)", "(at most 1h0m0s)"}},
		{[]string{"master"}, []string{"(1 to 1000000)", "(at most 1h0m0s)", "(at most 1m0s)", "(100ms to 1h0m0s)", "not empty"}},
		{[]string{"worker"}, []string{"at most 1h0m0s)"}},
	} {
		var out bytes.Buffer
		err := run(t.Context(), &out, append(slices.Clone(tt.command), "-h"))
		require.ErrorIs(t, err, flag.ErrHelp)
		for _, b := range tt.bounds {
			assert.Contains(t, out.String(), b, "%v -h", tt.command)
		}
	}
}

func TestTheTutorialsKeyWorksWithAWarning(t *testing.T) {
	m := start(t, "master", "-addr", "127.0.0.1:0", "-authkey", "abc", "-tasks", "2")
	addr := m.out.waitFor(t, `serving the queues on (\S+) over rpc`)[1]
	w := start(t, "worker", "-addr", addr, "-authkey", "abc", "-sleep", "0")
	require.NoError(t, m.wait(t), m.out.String())
	require.NoError(t, w.wait(t), w.out.String())
	warnings := regexp.MustCompile(`(?m)^-- the key is only 3 bytes long: a key that short can be guessed; `).FindAllString(m.out.String(), -1)
	assert.Len(t, warnings, 1, "one line of warning:\n%s", m.out.String())
	checkMasterOutput(t, lines(m.out.String()), 2)
}

func TestListeningBeyondLoopbackIsNoticed(t *testing.T) {
	for _, tt := range []struct {
		addr    string
		outside bool
	}{
		{"127.0.0.1:5000", false},
		{"[::1]:5000", false},
		{"localhost:5000", false},
		{"nats://127.0.0.1:4222", false},
		{"0.0.0.0:5000", true},
		{"[::]:5000", true},
		{"192.168.1.5:5000", true},
		{"nats://192.168.1.5:4222", true},
		{"not an address", true},
	} {
		assert.Equal(t, tt.outside, reachableFromOutside(tt.addr), tt.addr)
	}
}
