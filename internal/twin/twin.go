// Package twin runs a lesson's Python twin, the tutorial's program written
// for this project, and shows its output beside the Go program's, so that a
// reader can see in one command where the two agree and where they differ.
//
// Both outputs pass through the lesson's masks first: PIDs, times and random
// numbers differ from run to run and would hide the lines' shapes. Lessons
// whose output order is not fixed (a pool, a queue, a cluster) compare the
// masked lines as a multiset: the same shapes, as many times each.
package twin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A Twin is one lesson's Python program and how to compare its output.
type Twin struct {
	// Name is the script's file name, as the lesson folder has it
	// (pooled_processing.py); Source is its text, embedded in the lesson.
	Name   string
	Source []byte
	// Args are passed to the script after its name.
	Args []string
	// GoArgs are the flags the Go side runs with besides -tutorial-only;
	// Compare names them in the Go column's title.
	GoArgs []string
	// Masks run over every line of both outputs, in order.
	Masks []Mask
	// Unordered compares the masked lines as a multiset, for output whose
	// order depends on the scheduler.
	Unordered bool
	// Timeout bounds the Python run; zero means a minute.
	Timeout time.Duration
}

// A Mask replaces what matches Pattern with Replace (regexp.ReplaceAll
// syntax, so $1 works).
type Mask struct {
	Pattern *regexp.Regexp
	Replace string
}

// Numbers masks what changes between runs of most lessons: decimals
// (times) become "#.##" and integers of three or more digits (PIDs, random
// task numbers) become "#". Small counts, such as ">>> 3", stay.
var Numbers = []Mask{
	{regexp.MustCompile(`\d+\.\d+`), "#.##"},
	{regexp.MustCompile(`\b\d{3,}\b`), "#"},
}

// ErrNoPython is the cause of every error of a machine without python3.
var ErrNoPython = errors.New("no python3 on $PATH")

// Python returns the path of python3, or an error that says what the
// comparison needs.
func Python() (string, error) {
	path, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("%w: -compare needs python3 (3.8 or newer) to run the Python twin", ErrNoPython)
	}
	return path, nil
}

// lineBuffered is a sitecustomize module, which every Python process
// imports at start-up, spawned children too: it makes stdout and stderr
// flush at each newline, so that the lines of the twin's processes arrive
// whole and in the order they were printed, as on a terminal. It turns
// write_through off, which PYTHONUNBUFFERED in the user's environment
// would turn on.
const lineBuffered = `import sys
sys.stdout.reconfigure(line_buffering=True, write_through=False)
sys.stderr.reconfigure(line_buffering=True, write_through=False)
`

// Run runs the twin with python3 and returns its output lines, stdout and
// stderr in the order written.
func (tw Twin) Run(ctx context.Context) ([]string, error) {
	python, err := Python()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "twin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, tw.Name)
	if err := os.WriteFile(script, tw.Source, 0o644); err != nil {
		return nil, err
	}
	timeout := tw.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Every Python process of the twin, children included, writes its
	// output a whole line at a time (see lineBuffered); unbuffered (-u),
	// print writes a line's text and its newline separately, and the
	// lines of two processes run into each other.
	if err := os.WriteFile(filepath.Join(dir, "sitecustomize.py"), []byte(lineBuffered), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, python, append([]string{script}, tw.Args...)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("python3 %s did not end within %v", tw.Name, timeout)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("python3 %s: %w", tw.Name, context.Cause(ctx))
		}
		return nil, fmt.Errorf("python3 %s: %w\n%s", tw.Name, err, strings.TrimSpace(out.String()))
	}
	return Lines(out.String()), nil
}

// Lines splits output into lines, without the last empty one.
func Lines(out string) []string {
	out = strings.TrimSuffix(out, "\n")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// Mask applies the twin's masks to every line.
func (tw Twin) Mask(lines []string) []string {
	masked := make([]string, len(lines))
	for i, line := range lines {
		for _, m := range tw.Masks {
			line = m.Pattern.ReplaceAllString(line, m.Replace)
		}
		masked[i] = line
	}
	return masked
}

// Agree reports whether the masked Go and Python lines are the same: in
// order, or as multisets for an unordered twin.
func (tw Twin) Agree(goLines, pyLines []string) bool {
	g, p := tw.Mask(goLines), tw.Mask(pyLines)
	if tw.Unordered {
		g, p = slices.Sorted(slices.Values(g)), slices.Sorted(slices.Values(p))
	}
	return slices.Equal(g, p)
}

// ErrDiffer is returned by Compare when the two runs do not agree.
var ErrDiffer = errors.New("the Go and Python runs differ")

// Compare runs the Go side, which writes the lesson's -tutorial-only output
// to its writer, then the Python twin, and shows both side by side on w.
// The runs are one after the other, so that neither slows the other.
func (tw Twin) Compare(ctx context.Context, w io.Writer, lesson string, runGo func(io.Writer) error) error {
	if _, err := Python(); err != nil {
		return err
	}
	var goOut bytes.Buffer
	if err := runGo(&goOut); err != nil {
		return fmt.Errorf("the Go run: %w", err)
	}
	pyLines, err := tw.Run(ctx)
	if err != nil {
		return err
	}
	goTitle := strings.Join(append([]string{"go run ./" + lesson}, append(tw.GoArgs, "-tutorial-only")...), " ")
	pyTitle := strings.Join(append([]string{"python3", tw.Name}, tw.Args...), " ")
	if !tw.SideBySide(w, goTitle, pyTitle, Lines(goOut.String()), pyLines) {
		return ErrDiffer
	}
	return nil
}
