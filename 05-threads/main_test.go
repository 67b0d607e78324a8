package main

import (
	"bytes"
	"context"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/clitest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// tutorialLines is what the tutorial's multi_threading.py prints.
var tutorialLines = []string{
	"thread MainThread is running...",
	"thread LoopThread is running...",
	"thread LoopThread >>> 1",
	"thread LoopThread >>> 2",
	"thread LoopThread >>> 3",
	"thread LoopThread >>> 4",
	"thread LoopThread >>> 5",
	"thread LoopThread ended.",
	"thread MainThread ended.",
}

// stamped records each line written to it with the (bubble) time since
// start. Every Fprintf in the lesson writes exactly one whole line.
type stamped struct {
	start time.Time
	lines []string
	at    []time.Duration
}

func (s *stamped) Write(p []byte) (int, error) {
	s.lines = append(s.lines, strings.TrimSuffix(string(p), "\n"))
	s.at = append(s.at, time.Since(s.start))
	return len(p), nil
}

// TestTutorialLinesInOrder runs the tutorial part with its real one-second
// pauses inside a synctest bubble, where the fake clock makes the five
// seconds pass at once, and checks both the lines and when each was printed.
func TestTutorialLinesInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &stamped{start: time.Now()}
		require.NoError(t, mainThread(t.Context(), out, time.Second))

		assert.Equal(t, tutorialLines, out.lines)
		want := []time.Duration{0, 0, 0, 1 * time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
		assert.Equal(t, want, out.at, "a pause of -interval after every step, and MainThread waits for LoopThread")
	})
}

// TestInterruptStopsLoopThread cancels the run in the middle of the third
// pause: LoopThread must return by itself, and MainThread must not claim
// that it ended normally.
func TestInterruptStopsLoopThread(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
		defer cancel()
		out := &stamped{start: time.Now()}

		err := mainThread(ctx, out, time.Second)

		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, "thread LoopThread stopped after step 3: context deadline exceeded", err.Error())
		assert.Equal(t, tutorialLines[:5], out.lines)
		assert.Equal(t, 2500*time.Millisecond, time.Since(out.start), "the pause ends as soon as ctx is done")
	})
}

// TestRunPrintsTutorialLinesThenNotes drives run as main does, with the
// default one-second interval, inside a bubble.
func TestRunPrintsTutorialLinesThenNotes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, []string{"-goroutines", "100"}))

		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		require.Greater(t, len(lines), len(tutorialLines))
		assert.Equal(t, tutorialLines, lines[:len(tutorialLines)], "the tutorial's lines come first")
		assert.Equal(t, "--- Go notes ---", lines[len(tutorialLines)])
		assert.Equal(t, "released and joined all 100 goroutines", lines[len(lines)-1])
	})
}

// TestTutorialOnlyPrintsOnlyTheNineLines: -tutorial-only is the tutorial's
// output and nothing else, the lines -compare sets beside Python's.
func TestTutorialOnlyPrintsOnlyTheNineLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, []string{"-tutorial-only"}))
		assert.Equal(t, strings.Join(tutorialLines, "\n")+"\n", out.String())
	})
}

// TestDefaultRunFitsTheTerminal: every line of the default run, the Go
// notes and their picture included, fits a 100-column terminal.
func TestDefaultRunFitsTheTerminal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, nil))
		clitest.RequireLinesFit(t, out.String())
		if threadIDsAvailable {
			assert.Contains(t, out.String(), "where the goroutines started, # = ")
		}
	})
}

// TestPictureOfThreads draws a made-up census whose figures are known: the
// busiest thread first with the full bar, one # even for one goroutine,
// and the threads none started on counted.
func TestPictureOfThreads(t *testing.T) {
	tids := make([]int, 0, 103)
	for range 100 {
		tids = append(tids, 42)
	}
	tids = append(tids, 7, 7, 9)
	var out bytes.Buffer
	drawThreads(&out, census{parked: len(tids), threads: 6, tids: tids})
	bar := func(n int) string { return "|" + strings.Repeat("#", n) + strings.Repeat(" ", barWidth-n) + "|" }
	assert.Equal(t, "where the goroutines started, # = 2 goroutines:\n"+
		"  OS thread      42 "+bar(50)+" 100\n"+
		"  OS thread       7 "+bar(1)+" 2\n"+
		"  OS thread       9 "+bar(1)+" 1\n"+
		"  3 more OS threads started none of them (the runtime's sysmon and spare threads)\n"+
		"  parked on the channel, the 103 goroutines held no OS thread at all\n", out.String())

	out.Reset()
	drawThreads(&out, census{parked: 3, threads: 3, tids: nil})
	assert.Empty(t, out.String(), "no picture where thread IDs are not available")
}

// figure returns the number after label at the start of a line of out.
func figure(t *testing.T, out, label string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + ` (\d+)$`).FindStringSubmatch(out)
	require.NotNil(t, m, "no line %q in:\n%s", label+" N", out)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

// TestManyGoroutinesFewThreads parks the default 10,000 goroutines and reads
// the figures from the printed notes: the goroutines are all there at once,
// yet they share a handful of OS threads.
func TestManyGoroutinesFewThreads(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("thread counts and IDs are read only on Linux")
	}
	const n = 10_000
	c, err := parkGoroutines(t.Context(), n)
	require.NoError(t, err)
	var out bytes.Buffer
	printCensus(&out, c)

	goroutines := figure(t, out.String(), "goroutines:")
	threads := figure(t, out.String(), "OS threads:")
	assert.GreaterOrEqual(t, goroutines, n, "every parked goroutine exists at the same time")
	assert.Positive(t, threads)
	assert.Less(t, threads, n/10, "OS threads must be far fewer than goroutines")

	m := regexp.MustCompile(`(?m)^all \d+ goroutines started on (\d+) (?:distinct )?OS threads?: ([\d ]+?)(?: and (\d+) more)?$`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	distinct, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	more, _ := strconv.Atoi(m[3]) // 0 when every ID is listed
	assert.Equal(t, distinct, len(strings.Fields(m[2]))+more, "every distinct thread is listed or counted")
	// Go does not end its OS threads (except those a locked goroutine
	// leaves), so every thread a goroutine started on still counts.
	assert.LessOrEqual(t, distinct, threads)
	assert.Regexp(t, `(?m)^goroutines 1 2001 4001 6001 8001 started on OS threads \d+ \d+ \d+ \d+ \d+$`, out.String())

	// The picture has one bar per thread a goroutine started on (up to
	// maxRows), and its counts add up to every goroutine.
	rows := regexp.MustCompile(`(?m)^  OS thread +\d+ \|(#+) *\| (\d+)$`).FindAllStringSubmatch(out.String(), -1)
	assert.Len(t, rows, min(distinct, maxRows), out.String())
	sum := 0
	for _, row := range rows {
		k, err := strconv.Atoi(row[2])
		require.NoError(t, err)
		sum += k
	}
	if distinct <= maxRows {
		assert.Equal(t, n, sum, "the bars count every parked goroutine:\n%s", out.String())
	}

	// Every parked goroutine was released and has returned.
	goleak.VerifyNone(t)
}

// TestParkGoroutinesStopsOnCancel: with ctx already cancelled nothing is
// left running and the error says so.
func TestParkGoroutinesStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := parkGoroutines(ctx, 1000)
	require.ErrorIs(t, err, context.Canceled)
	goleak.VerifyNone(t)
}

func TestBadInputExits2(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-interval", "0"}, "-interval must be above zero, got 0s"},
		{[]string{"-interval", "-1s"}, "-interval must be above zero, got -1s"},
		{[]string{"-interval", "61s"}, "-interval must be at most 1m0s, got 1m1s"},
		{[]string{"-goroutines", "9223372036854775807"}, "-goroutines must be at most 1000000, got 9223372036854775807"},
		{[]string{"-interval", "soon"}, `05-threads: invalid value "soon" for flag -interval: parse error`},
		{[]string{"-goroutines", "0"}, "-goroutines must be at least 1, got 0"},
		{[]string{"-goroutines", "-5"}, "-goroutines must be at least 1, got -5"},
		{[]string{"-goroutines", "2000000"}, "-goroutines must be at most 1000000, got 2000000"},
		{[]string{"-threads", "4"}, "05-threads: flag provided but not defined: -threads"},
		{[]string{"extra"}, `05-threads: unexpected argument "extra"`},
		{[]string{"-compare", "-goroutines", "5"}, "-goroutines sizes the Go notes, which -tutorial-only and -compare leave out"},
		{[]string{"-tutorial-only", "-goroutines", "10000"}, "-goroutines sizes the Go notes, which -tutorial-only and -compare leave out"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, run, tt.args, tt.want)
		})
	}
}

func TestHelpListsFlags(t *testing.T) {
	clitest.RequireHelp(t, run, "-interval", "-goroutines", "-tutorial-only", "-compare")
}
