package main

import (
	"bytes"
	"os"
	"regexp"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
)

// The writer's pauses are real time.Timer waits; in a synctest bubble the
// clock only moves when every goroutine is blocked, so the test takes no
// real time and the fake elapsed time is exactly the sum of the pauses.
func TestGoroutineModePassesABCInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, []string{"-mode", "goroutine"}))
		elapsed := time.Since(start)

		tr := parse(t, out.String())
		assert.Equal(t, values, tr.puts)
		assert.Equal(t, values, tr.gets)
		tr.assertInOrder(t)
		assert.Equal(t, os.Getpid(), tr.writerPID, "goroutines run in this process")
		assert.Equal(t, os.Getpid(), tr.readerPID, "goroutines run in this process")
		assert.Positive(t, elapsed, "the writer pauses")
		assert.Less(t, elapsed, 3*time.Second, "three pauses, each below -max-pause 1s")
		tr.note(t, regexp.MustCompile(`^reader: the writer closed the channel and the reader's loop ended by itself$`))
		tr.note(t, regexp.MustCompile(`^values: the writer announced A, B, C; the reader got A, B, C$`))
	})
}

func TestGoroutineModeWithoutPausesTakesNoTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, []string{"-mode", "goroutine", "-max-pause", "0"}))
		assert.Zero(t, time.Since(start))
		assert.Equal(t, values, parse(t, out.String()).gets)
	})
}

// A goroutine cannot be killed; -terminate cancels the reader's context.
// It stops between two values, so even without pauses none is lost.
func TestGoroutineModeTerminateStopsTheReaderWithoutLoss(t *testing.T) {
	for _, maxPause := range []string{"0", "1s"} {
		t.Run("max-pause "+maxPause, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var out bytes.Buffer
				require.NoError(t, run(t.Context(), &out, []string{"-mode", "goroutine", "-terminate", "-max-pause", maxPause}))
				tr := parse(t, out.String())
				assert.Equal(t, values, tr.gets)
				tr.assertInOrder(t)
				tr.note(t, regexp.MustCompile(`^reader: the parent cancelled its context`))
			})
		})
	}
}

// A goroutine that panics is named; the other one ends too instead of
// waiting forever (a deadlock would fail synctest.Test).
func TestGoroutineModeCrashIsReportedAndNothingHangs(t *testing.T) {
	tests := []struct {
		crash     string
		terminate bool
		wantErrs  []string
		wantGets  []string
	}{
		{"writer", false, []string{"writer goroutine panicked: crash requested by -crash writer, after putting A"}, []string{"A"}},
		{"writer", true, []string{"writer goroutine panicked"}, []string{"A"}},
		{"reader", false, []string{
			"reader goroutine panicked: crash requested by -crash reader, after getting A",
			"writer goroutine: put B: the reader has stopped",
		}, []string{"A"}},
		{"reader", true, []string{"reader goroutine panicked", "writer goroutine: put B"}, []string{"A"}},
	}
	for _, tt := range tests {
		name := tt.crash
		if tt.terminate {
			name += " terminate"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				args := []string{"-mode", "goroutine", "-crash", tt.crash}
				if tt.terminate {
					args = append(args, "-terminate")
				}
				var out bytes.Buffer
				err := run(t.Context(), &out, args)
				require.Error(t, err)
				assert.Equal(t, 1, cli.ExitCode(err))
				for _, want := range tt.wantErrs {
					assert.Contains(t, err.Error(), want)
				}
				if tt.crash == roleReader {
					assert.ErrorIs(t, err, errReaderGone, "the writer learns the reader is gone, like EPIPE")
				}
				tr := parse(t, out.String())
				assert.Equal(t, tt.wantGets, tr.gets)
				tr.note(t, regexp.MustCompile(`^`+tt.crash+`: panicked`))
			})
		})
	}
}
