// Package cli holds the few lines every lesson's main needs: parse flags into
// one-line usage errors, and turn the error run returns into an exit status
// (2 for bad usage, 1 for a failure, 0 for -h).
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// UsageError is bad input on the command line. Exit turns it into status 2.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// Parse parses args into fs. A bad flag or a stray argument becomes one
// UsageError line instead of the flag package's full usage dump; -h and
// -help print the usage to fs's output and return flag.ErrHelp.
func Parse(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(out)
		fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	if err != nil {
		return Usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return Usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// Positive checks that a count flag is at least 1.
func Positive(name string, n int) error {
	if n < 1 {
		return Usagef("-%s must be at least 1, got %d", name, n)
	}
	return nil
}

// AtMost checks the upper bound of a count flag. Every count a lesson takes
// has one, chosen so that a 2-core machine survives it, and its -h text
// says what it is.
func AtMost(name string, n, limit int) error {
	if n > limit {
		return Usagef("-%s must be at most %d, got %d", name, limit, n)
	}
	return nil
}

// DurationAtMost checks the upper bound of a duration flag.
func DurationAtMost(name string, d, limit time.Duration) error {
	if d > limit {
		return Usagef("-%s must be at most %v, got %v", name, limit, d)
	}
	return nil
}

// NonNegative checks that a duration flag is not negative.
func NonNegative(name string, d time.Duration) error {
	if d < 0 {
		return Usagef("-%s must not be negative, got %v", name, d)
	}
	return nil
}

// PositiveDuration checks that a duration flag is above zero.
func PositiveDuration(name string, d time.Duration) error {
	if d <= 0 {
		return Usagef("-%s must be above zero, got %v", name, d)
	}
	return nil
}

// ExitCode is the exit status for the error run returned.
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case isUsage(err):
		return 2
	default:
		return 1
	}
}

func isUsage(err error) bool {
	_, ok := errors.AsType[*UsageError](err)
	return ok
}

// Exit ends the program with the status for err, printing err on stderr
// first. main calls it with what run returned.
func Exit(err error) {
	code := ExitCode(err)
	if code != 0 {
		msg := strings.TrimSpace(err.Error())
		fmt.Fprintln(os.Stderr, msg)
	}
	os.Exit(code)
}
