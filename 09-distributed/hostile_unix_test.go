//go:build unix

package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/taskq"
	"multitask/internal/child"
	"multitask/internal/cli"
)

// Child roles for these tests: the program as its main runs it, Ctrl-C
// handling and all; and the same with a lower limit on open descriptors,
// as a master on a small machine has.
func init() {
	child.Register("09-main", runMain)
	child.Register("09-main-nofile", func(args []string) error {
		n, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil {
			return err
		}
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return err
		}
		lim.Cur = n
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return err
		}
		return runMain(args[1:])
	})
}

// runMain runs the program as its main does, Ctrl-C handling and all, and
// exits with its status.
func runMain(args []string) error {
	os.Args = append([]string{"09-distributed"}, args...) // no child marker: main runs the program
	main()
	return nil
}

// startProcess starts the child role with args and the test key in its
// environment. One still running when the test ends is killed.
func startProcess(t *testing.T, role string, args ...string) *workerProcess {
	t.Helper()
	cmd, err := child.Command(t.Context(), role, args...)
	require.NoError(t, err)
	cmd.Env = append(os.Environ(), keyEnv+"="+testKey)
	p := &workerProcess{cmd: cmd, out: newWatch(), exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	require.NoError(t, cmd.Start())
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		receive(t, p.exited, 10*time.Second, "a killed process did not exit")
	})
	return p
}

func TestASilentFloodDoesNotLockOutAnHonestWorker(t *testing.T) {
	// A master allowed 1,024 open descriptors, and 3,000 connections that
	// never say a word, all held open. Without limits the master's
	// descriptors run out, the worker waits behind the flood and its
	// handshake times out.
	const tasks = 20
	m := startProcess(t, "09-main-nofile", "1024", "master", "-addr", "127.0.0.1:0", "-tasks", fmt.Sprint(tasks), "-timeout", "20s")
	addr := m.out.waitFor(t, `serving the queues on (\S+) over rpc`)[1]
	for i := range 3000 {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		require.NoError(t, err, "silent connection %d", i+1)
		t.Cleanup(func() { c.Close() })
	}
	w := start(t, "worker", "-addr", addr, "-authkey", testKey, "-sleep", "0", "-idle", "20s")
	require.NoError(t, w.wait(t), "the honest worker was locked out:\n%s", w.out.String())
	require.NoError(t, m.wait(t), m.out.String())
	out := m.out.String()
	checkMasterOutput(t, lines(out), tasks)
	assert.Equal(t, 1, strings.Count(out, "too many connections that have not proved the key"), "the flood is logged once:\n%s", out)
	assert.LessOrEqual(t, strings.Count(out, "too many open files"), 1)
	assert.Regexp(t, `(?m)^-- in all: \d+ connections cut or refused to make room`, out)
}

func TestAStoppedWorkersTaskGoesToAnotherAndItsLateResultIsDropped(t *testing.T) {
	forEachTransport(t, testStoppedWorker)
}

func testStoppedWorker(t *testing.T, transport string) {
	// A lease of a second: the live workers' heartbeats (every 250ms) keep
	// theirs even on a loaded machine.
	m, addr := startMaster(t, "-tasks", "2", "-lease", "1s", "-timeout", "20s", "-transport", transport)
	// The victim takes task 1 and is stopped in the middle of it.
	victim := startWorkerProcess(t, addr, "-sleep", "2s", "-idle", "20s", "-transport", transport)
	taken := victim.out.waitFor(t, `run task (\d+) \*`)[1]
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGSTOP))
	if transport == "rpc" {
		m.out.waitFor(t, `(?m)^-- connection #1 gave no sign of life for 1s: its lease on task 1 \(n=`+taken+`\) ran out; put back in the queue$`)
	}

	// Another worker takes both tasks, the victim's too, once its lease
	// has run out.
	survivor, err := transportUnderTest{name: transport}.dialAt(t.Context(), addr, testKey)
	require.NoError(t, err)
	var held []taskq.Task
	for len(held) < 2 {
		task, ok, err := survivor.GetTask(t.Context(), 10*time.Second)
		require.NoError(t, err)
		require.True(t, ok, "the survivor got no task within 10s; it holds %v", held)
		held = append(held, task)
		if transport == "python" {
			// Python's protocol has no heartbeat: a worker that held a task
			// while it waits a lease for the next would lose it too.
			require.NoError(t, survivor.PutResult(t.Context(), squareOf(task)))
		}
	}
	assert.Contains(t, []string{fmt.Sprint(held[0].N), fmt.Sprint(held[1].N)}, taken)

	// The victim wakes up and hands in its result, late: dropped.
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGCONT))
	if transport == "rpc" {
		m.out.waitFor(t, `(?m)^-- connection #1 sent a late result for task 1, after its lease ran out; dropped$`)
	}
	for _, task := range held {
		if transport != "python" {
			require.NoError(t, survivor.PutResult(t.Context(), squareOf(task)))
		}
	}
	require.NoError(t, survivor.Close())

	require.NoError(t, m.wait(t), m.out.String())
	require.NoError(t, victim.wait(t), "the woken worker ends cleanly:\n%s", victim.out.String())
	out := m.out.String()
	checkMasterOutput(t, lines(out), 2)
	if transport == "rpc" {
		assert.Contains(t, out, "2 results kept; 0 tasks put back after a worker left, 1 after a lease ran out; 0 duplicate results dropped, 1 late;")
	}
}

func TestAWorkerOfACrashedMasterExitsWithAnError(t *testing.T) {
	forEachTransport(t, testCrashedMaster)
}

func testCrashedMaster(t *testing.T, transport string) {
	if transport == "python" {
		t.Skip("a Python master hangs up when its run is over, and a crashed one looks the same: " +
			"on Python's protocol a worker cannot tell the two apart, and ends cleanly")
	}
	m := startProcess(t, "09-main", "master", "-addr", "127.0.0.1:0", "-tasks", "1", "-timeout", "20s", "-transport", transport)
	addr := m.out.waitFor(t, `serving the queues on (\S+) over \S+;`)[1]
	// Someone holds the only task, so the worker waits for one.
	holder, err := transportUnderTest{name: transport}.dialAt(t.Context(), addr, testKey)
	require.NoError(t, err)
	defer holder.Close()
	_, ok, err := holder.GetTask(t.Context(), 10*time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	w := start(t, "worker", "-addr", addr, "-authkey", testKey, "-idle", "20s", "-transport", transport)
	if transport == "rpc" {
		m.out.waitFor(t, `worker connected from \S+ \(connection #2\)`)
	} else {
		// The broker's master does not see its workers connect: the crash
		// may come before this worker's connection is made.
		w.out.waitFor(t, `Connect to server`)
	}

	require.NoError(t, m.cmd.Process.Kill()) // the master crashes
	err = w.wait(t)
	require.Error(t, err, "a worker whose master crashed must not end as if the work were done:\n%s", w.out.String())
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.Regexp(t, map[string]string{
		"rpc":       `^lost the connection to the master: `,
		"jetstream": `^(lost the connection to the NATS server at \S+|connect to \S+): `,
	}[transport], err.Error())
	assert.NotContains(t, err.Error(), "\n", "one line")
	assert.NotContains(t, w.out.String(), "worker exit.")
}

func TestASecondSignalEndsAStuckStopAtOnce(t *testing.T) {
	// The master prints 100,000 "Put task" lines into a pipe that nobody
	// reads after the first line: it is stuck in a write, so the clean stop
	// that the first signal starts cannot end. The second ends the program
	// at once. (SIGTERM and SIGINT, which both start a clean stop: two
	// signals of one kind sent at once could reach the program as one.)
	cmd, err := child.Command(t.Context(), "09-main", "master", "-addr", "127.0.0.1:0", "-tasks", "100000", "-authkey", testKey)
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := newWatch()
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() {
		// Wait closes stdout; the first line must be read before that.
		exited <- cmd.Wait()
	}()
	defer func() { _ = cmd.Process.Kill() }()
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		first <- line
	}()
	// Its first line is printed after the signal handler is in place.
	require.Contains(t, receive(t, first, 10*time.Second, "the master printed nothing"), "serving the queues on")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err = receive(t, exited, 10*time.Second, "the master is still running 10s after the second signal")
	require.Error(t, err)
	m := regexp.MustCompile(`second (interrupt|terminated) while stopping: exiting now`).FindStringSubmatch(stderr.String())
	require.NotNil(t, m, "stderr: %q", stderr.String())
	want := map[string]int{"interrupt": 130, "terminated": 143}[m[1]]
	assert.Equal(t, want, cmd.ProcessState.ExitCode(), "%v", err)
}

func TestTheDemosWorkersHearCtrlCOnceFromTheDemo(t *testing.T) {
	// A terminal sends Ctrl-C to its whole foreground process group. The
	// workers sit in groups of their own, so that only the demo hears it,
	// and each worker hears it once, from the demo: a second one would make
	// it quit at once instead of stopping cleanly.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := closed.Addr().String()
	require.NoError(t, closed.Close())
	w, err := startWorker(t.Context(), 1, func(string) string { return "" }, newLineMux(newWatch()), addr, testKey,
		demoConfig{pace: time.Second, idle: time.Second, common: common{transportName: defaultTransport}})
	require.NoError(t, err)
	defer w.wait()
	// The worker may have exited (nothing listens at addr); until it is
	// waited for, its process group can still be asked for.
	pgid, err := syscall.Getpgid(w.cmd.Process.Pid)
	require.NoError(t, err)
	assert.Equal(t, w.cmd.Process.Pid, pgid, "the worker leads a process group of its own")
	assert.NotEqual(t, syscall.Getpgrp(), pgid)
}
