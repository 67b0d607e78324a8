package clitest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/cli"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeT records failures instead of failing the test, so that the tests can
// check that the helpers fail when they should. FailNow ends the goroutine
// the helper runs in (see check), as testing.T's FailNow ends a test's.
type fakeT struct {
	testing.TB
	failures []string
	stopped  bool
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.failures = append(f.failures, fmt.Sprintf(format, args...))
}

func (f *fakeT) FailNow() {
	f.stopped = true
	runtime.Goexit()
}

// check runs helper with a fakeT in a goroutine of its own, for FailNow to
// end, and returns what the fakeT recorded.
func check(t *testing.T, helper func(testing.TB)) *fakeT {
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		helper(f)
	}()
	<-done
	return f
}

// requireOutcome checks what f recorded: no failure when wantFailure is
// "", else exactly one that contains it, and whether FailNow was called.
func (f *fakeT) requireOutcome(t *testing.T, wantFailure string, wantStopped bool) {
	t.Helper()
	assert.Equal(t, wantStopped, f.stopped, "FailNow called")
	if wantFailure == "" {
		assert.Empty(t, f.failures)
		return
	}
	require.Len(t, f.failures, 1, "exactly one check fails")
	assert.Contains(t, f.failures[0], wantFailure)
}

// conforming keeps both promises: it parses its flags with cli.Parse, checks
// them with cli.Positive, and prints only once they are good.
func conforming(_ context.Context, stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	fs.SetOutput(stdout)
	workers := fs.Int("workers", 1, "how many workers")
	fs.Bool("verbose", false, "print every step (there is no -quiet)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Positive("workers", *workers); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "working")
	return nil
}

func TestRequireUsageError(t *testing.T) {
	const msg = "-workers must be at least 1, got 0"
	tests := []struct {
		name        string
		run         Run
		want        string
		wantFailure string // "" for none; else a part of the one failure
		wantStopped bool
	}{
		{"conforming", conforming, msg, "", false},
		{"exit 1 instead of 2", func(context.Context, io.Writer, []string) error {
			return errors.New(msg)
		}, msg, "bad input exits with status 2", false},
		{"two-line message", func(context.Context, io.Writer, []string) error {
			return cli.Usagef("%s\nsee -h", msg)
		}, msg, "the message is one line", false},
		{"output printed", func(_ context.Context, stdout io.Writer, _ []string) error {
			fmt.Fprintln(stdout, "starting")
			return cli.Usagef("%s", msg)
		}, msg, "nothing runs on bad input", false},
		{"another message", conforming, "-workers must be at most 64", "does not contain", false},
		{"no error", func(context.Context, io.Writer, []string) error {
			return nil
		}, msg, "must make run fail", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := check(t, func(tb testing.TB) {
				RequireUsageError(tb, tt.run, []string{"-workers", "0"}, tt.want)
			})
			f.requireOutcome(t, tt.wantFailure, tt.wantStopped)
		})
	}
}

func TestRequireHelp(t *testing.T) {
	tests := []struct {
		name        string
		run         Run
		flags       []string
		wantFailure string // "" for none; else a part of the one failure
		wantStopped bool
	}{
		{"conforming", conforming, []string{"-workers", "-verbose"}, "", false},
		{"no flags to look for", conforming, nil, "", false},
		{"help missing a flag", conforming, []string{"-workers", "-threads"}, "-h must list the flag -threads", false},
		{"flag only in another flag's text", conforming, []string{"-quiet"}, "-h must list the flag -quiet", false},
		{"flag only a prefix of another", conforming, []string{"-work"}, "-h must list the flag -work", false},
		{"usage printed but no ErrHelp", func(_ context.Context, stdout io.Writer, _ []string) error {
			fmt.Fprintln(stdout, "  -workers int")
			return nil
		}, []string{"-workers"}, "-h must make run return flag.ErrHelp", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := check(t, func(tb testing.TB) {
				RequireHelp(tb, tt.run, tt.flags...)
			})
			f.requireOutcome(t, tt.wantFailure, tt.wantStopped)
		})
	}
}

// TestHelpersPassWithARealT calls the helpers as the lessons do.
func TestHelpersPassWithARealT(t *testing.T) {
	RequireUsageError(t, conforming, []string{"-workers", "0"}, "-workers must be at least 1, got 0")
	RequireUsageError(t, conforming, []string{"stray"}, `fake: unexpected argument "stray"`)
	RequireHelp(t, conforming, "-workers", "-verbose")
}

// TestFakeTSeesEveryCheck makes sure a passing case is not a fakeT that
// swallows everything: a run that breaks every promise at once fails each
// check of RequireUsageError.
func TestFakeTSeesEveryCheck(t *testing.T) {
	f := check(t, func(tb testing.TB) {
		RequireUsageError(tb, func(_ context.Context, stdout io.Writer, _ []string) error {
			fmt.Fprintln(stdout, "starting")
			return errors.New("one\ntwo")
		}, nil, "three")
	})
	assert.False(t, f.stopped)
	assert.Len(t, f.failures, 4, strings.Join(f.failures, "\n---\n"))
}

func TestRequireLinesFit(t *testing.T) {
	fits := strings.Repeat("x", MaxColumns) + "\n" + strings.Repeat("界", MaxColumns) + "\n"
	check(t, func(tb testing.TB) { RequireLinesFit(tb, fits) }).requireOutcome(t, "", false)
	tooWide := "short\n" + strings.Repeat("x", MaxColumns+1) + "\n"
	check(t, func(tb testing.TB) { RequireLinesFit(tb, tooWide) }).requireOutcome(t, "output line 2 is wider than 100 columns", false)
}
