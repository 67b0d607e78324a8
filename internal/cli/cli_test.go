package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/child"
)

func TestMain(m *testing.M) {
	child.Serve()
	goleak.VerifyTestMain(m)
}

func newFlags(out *bytes.Buffer) (*flag.FlagSet, *int) {
	fs := flag.NewFlagSet("lesson", flag.ContinueOnError)
	fs.SetOutput(out)
	n := fs.Int("workers", 4, "how many workers")
	return fs, n
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"good flag", []string{"-workers", "2"}, 0, ""},
		{"unknown flag", []string{"-nope"}, 2, "lesson: flag provided but not defined: -nope"},
		{"bad value", []string{"-workers", "x"}, 2, `lesson: invalid value "x" for flag -workers: parse error`},
		{"stray argument", []string{"extra"}, 2, `lesson: unexpected argument "extra"`},
		{"help", []string{"-h"}, 0, "flag: help requested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			fs, _ := newFlags(&out)
			err := Parse(fs, tt.args)
			assert.Equal(t, tt.wantCode, ExitCode(err))
			if tt.wantMsg == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.wantMsg, err.Error(), "one line naming the problem")
		})
	}
}

func TestHelpPrintsUsageAndBadFlagDoesNot(t *testing.T) {
	var out bytes.Buffer
	fs, _ := newFlags(&out)
	require.ErrorIs(t, Parse(fs, []string{"-h"}), flag.ErrHelp)
	assert.Contains(t, out.String(), "-workers")

	out.Reset()
	fs, _ = newFlags(&out)
	require.Error(t, Parse(fs, []string{"-nope"}))
	assert.Empty(t, out.String(), "a bad flag gets one error line, not the usage dump")
}

func TestChecks(t *testing.T) {
	assert.NoError(t, Positive("workers", 1))
	assert.EqualError(t, Positive("workers", 0), "-workers must be at least 1, got 0")
	assert.NoError(t, NonNegative("max-sleep", 0))
	assert.EqualError(t, NonNegative("max-sleep", -time.Second), "-max-sleep must not be negative, got -1s")
	assert.NoError(t, PositiveDuration("interval", time.Millisecond))
	assert.EqualError(t, PositiveDuration("interval", 0), "-interval must be above zero, got 0s")
	assert.NoError(t, AtMost("tasks", 10, 10))
	assert.EqualError(t, AtMost("tasks", 11, 10), "-tasks must be at most 10, got 11")
	assert.NoError(t, DurationAtMost("sleep", time.Hour, time.Hour))
	assert.EqualError(t, DurationAtMost("sleep", time.Hour+1, time.Hour), "-sleep must be at most 1h0m0s, got 1h0m0.000000001s")
}

func TestExitCode(t *testing.T) {
	assert.Equal(t, 0, ExitCode(nil))
	assert.Equal(t, 1, ExitCode(errors.New("task 3 failed")))
	assert.Equal(t, 2, ExitCode(fmt.Errorf("wrapped: %w", Usagef("bad"))))
}
