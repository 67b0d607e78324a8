// Package clitest checks the two promises every lesson's command line makes,
// so that each lesson's tests state their cases and not the checks: bad
// input is one line and exit status 2 before anything runs, and -h prints a
// usage that names every flag.
package clitest

import (
	"bytes"
	"context"
	"flag"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
	"multitask/internal/twin"
)

// Run is the signature every lesson's run function has.
type Run func(ctx context.Context, stdout io.Writer, args []string) error

// RequireUsageError runs run with args and checks the promise every lesson
// makes about bad input: run fails, cli.ExitCode(err) is 2, the message is
// one line and contains want, and nothing was printed.
//
// It takes a testing.TB rather than a *testing.T so that its own tests can
// hand it a fake that records failures; callers pass their *testing.T.
func RequireUsageError(t testing.TB, run Run, args []string, want string) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), &out, args)
	require.Error(t, err, "bad input %q must make run fail", args)
	assert.Equal(t, 2, cli.ExitCode(err), "bad input exits with status 2; the error: %v", err)
	assert.Contains(t, err.Error(), want)
	assert.NotContains(t, err.Error(), "\n", "the message is one line")
	assert.Empty(t, out.String(), "nothing runs on bad input")
}

// RequireHelp runs run with -h and checks: errors.Is(err, flag.ErrHelp),
// exit code 0, and the printed usage names every flag in flags (each given
// with its dash, e.g. "-workers").
//
// A flag counts as named when a line of the usage starts with it, as
// flag.PrintDefaults writes it: a flag that is only mentioned in another
// flag's text, or only the prefix of a longer flag's name, does not count.
func RequireHelp(t testing.TB, run Run, flags ...string) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-h"})
	require.ErrorIs(t, err, flag.ErrHelp, "-h must make run return flag.ErrHelp")
	assert.Equal(t, 0, cli.ExitCode(err), "-h exits with status 0")
	for _, name := range flags {
		line := regexp.MustCompile(`(?m)^[ \t]*` + regexp.QuoteMeta(name) + `(?:[ \t]|$)`)
		assert.Regexp(t, line, out.String(), "-h must list the flag %s", name)
	}
}

// MaxColumns is how wide a lesson's output may be: the tutorial's lines and
// the Go notes fit a 100-column terminal without wrapping.
const MaxColumns = 100

// RequireLinesFit checks that every line of a lesson's output fits in
// MaxColumns characters.
func RequireLinesFit(t testing.TB, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), MaxColumns,
			"output line %d is wider than %d columns: %q", i+1, MaxColumns, line)
	}
}

// RequirePython skips a test that runs a lesson's Python twin on a machine
// without python3, saying what was not tested.
func RequirePython(t testing.TB) {
	t.Helper()
	if _, err := twin.Python(); err != nil {
		t.Skipf("the Python twin is not run: %v", err)
	}
}
