package main

import (
	"bytes"
	"net"
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
	childtest.Serve() // the notes' client process is this test binary again
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

func TestTutorialOnlyPrintsTheTutorialsLinesAlone(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-tutorial-only"}))
	assert.Equal(t, strings.Join(tutorialLines(), "\n")+"\n", out.String())
}

func TestRunPrintsTutorialLinesThenGoNotes(t *testing.T) {
	const conns = 300
	before := openDescriptors(t)

	var out bytes.Buffer
	err := run(t.Context(), &out, []string{
		"-conns", strconv.Itoa(conns), "-delay", "40ms",
		"-tasks", "4", "-cpu-task", "2ms", "-io-wait", "10ms",
	})
	require.NoError(t, err, out.String())
	text := out.String()
	clitest.RequireLinesFit(t, text)

	lines := strings.Split(text, "\n")
	require.Equal(t, tutorialLines(), lines[:15], "the output starts with the tutorial's lines")
	// Then the notes, in order: the channel version (the same fifteen
	// lines), an item 0 that does not end the consumer, both servers under the flags' load, and the study.
	notes := regexp.MustCompile(`(?s)^\n--- Go: the same hand-off between two goroutines over unbuffered channels ---\n` +
		regexp.QuoteMeta(strings.Join(tutorialLines(), "\n")) + `\n` +
		`\n--- Go: 0 is an item like any other .*---\n` +
		regexp.QuoteMeta("[PRODUCER] Producing 0...\n[CONSUMER] Consuming 0...\n[PRODUCER] Consumer return: 200 OK") + `\n` +
		`\n--- Go: 300 connections at once, each request waits 40ms \(the slow IO\) ---\n` +
		`.*\ngoroutine-per-conn +\S+ +300 ok .*\nepoll-loop +(\S+ +300 ok|skipped: ).*` +
		`\n--- Go: CPU-bound vs IO-bound, 4 tasks ---\nCPU-bound: each task computes for about 2ms\n` +
		`.*\nIO-bound: each task waits 10ms for a reply from a server\n`)
	assert.Regexp(t, notes, strings.Join(lines[15:], "\n"))

	require.Equal(t, before, openDescriptors(t), "descriptors left open by run")
}

// openDescriptors counts this process's open descriptors (Linux), after
// making sure the runtime's own lazily opened ones (the network poller's)
// already exist, so that only what a test leaves behind makes a difference.
func openDescriptors(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	timer := time.NewTimer(time.Hour) // the poller's timer side, too
	timer.Stop()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd to count descriptors in:", err)
	}
	return len(entries)
}
