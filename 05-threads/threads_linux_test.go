package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseThreads(t *testing.T) {
	n, err := parseThreads(strings.NewReader("Name:\tdemo\nPid:\t42\nThreads:\t7\nSigQ:\t0/31\n"))
	require.NoError(t, err)
	assert.Equal(t, 7, n)

	_, err = parseThreads(strings.NewReader("Name:\tdemo\n"))
	assert.EqualError(t, err, "count OS threads: no Threads: line in /proc/self/status")

	_, err = parseThreads(strings.NewReader("Threads:\tmany\n"))
	assert.EqualError(t, err, `count OS threads: bad Threads: line "Threads:\tmany"`)
}

func TestOSThreadsOfThisProcess(t *testing.T) {
	n, err := osThreads()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 2, "a Go program has at least the main thread and sysmon")
	assert.Positive(t, threadID())
}
