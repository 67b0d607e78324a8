package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

type verdict string

const (
	killed   verdict = "killed"
	survived verdict = "survived"
	hung     verdict = "hung"
	broken   verdict = "broken" // the mutant did not build
	notRun   verdict = "not-run"
)

type result struct {
	m       mutant
	verdict verdict
	failed  []string // the top-level tests that failed
	detail  string
	took    time.Duration
}

// failLine is go test -v's line for a failed test; only top-level tests
// (no slash in the name) are kept, so the table names what to read first.
var failLine = regexp.MustCompile(`(?m)^--- FAIL: ([^\s/]+) `)

// testOne applies m in the tree at root, runs its package's tests, and
// puts the tree back.
func testOne(ctx context.Context, root string, m mutant, timeout time.Duration) result {
	start := time.Now()
	res := result{m: m}
	restore, err := m.apply(root)
	if err != nil {
		res.verdict, res.detail = broken, err.Error()
		return res
	}
	defer func() {
		if err := restore(); err != nil {
			// A tree that cannot be put back would poison every later
			// mutant run in it; nothing sensible can follow.
			fmt.Fprintln(os.Stderr, "mutate: restore:", err)
			os.Exit(1)
		}
	}()

	out, exitErr := goTest(ctx, filepath.Join(root, m.dir), timeout, m.run, m.flags, m.pkg)
	res.took = time.Since(start)
	text := string(out)
	switch {
	case exitErr == nil:
		res.verdict, res.detail = survived, "the tests passed"
	case strings.Contains(text, "panic: test timed out"):
		res.verdict, res.detail = hung, fmt.Sprintf("the tests ran into go test -timeout %v instead of failing", timeout)
	case strings.Contains(text, "[build failed]") || strings.Contains(text, "[setup failed]"):
		res.verdict, res.detail = broken, "the mutant does not build: "+firstLines(text, 3)
	case ctx.Err() != nil:
		res.verdict, res.detail = notRun, "interrupted"
	default:
		res.verdict = killed
		for _, match := range failLine.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(res.failed, match[1]) {
				res.failed = append(res.failed, match[1])
			}
		}
		if len(res.failed) == 0 {
			res.failed = []string{"(the test binary failed: " + firstLines(text, 1) + ")"}
		}
		res.detail = strings.Join(res.failed, " ")
	}
	return res
}

// goTest runs go test -v on the packages in dir and returns its output. A
// hard deadline a minute past go test's own -timeout ends a test binary
// that does not even answer that.
func goTest(ctx context.Context, dir string, timeout time.Duration, run string, flags []string, pkgs ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
	defer cancel()
	args := []string{"test", "-count=1", "-v", "-vet=off", "-timeout", timeout.String()}
	if run != "" {
		args = append(args, "-run", run)
	}
	args = append(args, flags...)
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// baseline runs the chosen packages' tests once on the unmutated copy: if
// they fail already, every mutant would look killed.
func baseline(ctx context.Context, root string, ms []mutant, timeout time.Duration) error {
	byDir := map[string][]string{}
	for _, m := range ms {
		if !slices.Contains(byDir[m.dir], m.pkg) {
			byDir[m.dir] = append(byDir[m.dir], m.pkg)
		}
	}
	for dir, pkgs := range byDir {
		start := time.Now()
		out, err := goTest(ctx, filepath.Join(root, dir), timeout, "", nil, pkgs...)
		if err != nil {
			return fmt.Errorf("the unmutated tests of %s fail already; fix them first:\n%s", strings.Join(pkgs, " "), lastLines(string(out), 30))
		}
		fmt.Printf("baseline: the unmutated tests of %d packages in %s pass (%.1fs)\n", len(pkgs), dir, time.Since(start).Seconds())
	}
	return nil
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[:min(n, len(lines))], " | ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
