// Command report runs the benchmarks of this project's bench package and
// writes bench/RESULTS.md: the machine, the headline ratios, how close the
// figures come to the Go runtime's own benchmarks, every family's medians
// with benchstat's 95% confidence intervals, Go next to Python, and two
// charts.
//
// Run it from the repository root:
//
//	go -C bench/report run .                      # everything: about 12 minutes on 2 cores
//	go -C bench/report run . -families=Switch     # run one family again, then rewrite the report
//	go -C bench/report run . -render              # rewrite the report from bench/results only
//
// It is a module of its own so that its tools (benchstat, declared as a
// tool in go.mod, and gonum.org/v1/plot for the charts) stay out of the
// project's go.mod. The raw output of every run stays in bench/results, one
// file per Go family plus the reference and Python runs, so that a disturbed
// family can be run again without running the rest.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		if _, ok := errors.AsType[usageError](err); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is bad input on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// families are the Go benchmark families, in report order, each with the
// -benchtime it runs with: long enough for a stable median, short enough
// that -count=10 of everything takes minutes. Lock and Balance run millions
// of cheap operations per second, so a fifth of a second is plenty; Memory
// starts a child per op and reports bytes, so five ops are enough.
var families = []struct{ name, benchtime string }{
	{"Spawn", "0.5s"},
	{"Switch", "0.5s"},
	{"Lock", "0.2s"},
	{"Balance", "0.2s"},
	{"Memory", "5x"},
	{"RoundTrip", "0.5s"},
}

func familyNames() []string {
	var names []string
	for _, f := range families {
		names = append(names, f.name)
	}
	return names
}

type options struct {
	root       string // the repository root
	count      int
	families   []string // Go families to run
	benchtime  string   // overrides every family's when set
	reference  bool
	python     bool
	pyTime     string
	renderOnly bool
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	count := fs.Int("count", 10, "run each benchmark this many times")
	fams := fs.String("families", strings.Join(familyNames(), ","), "comma-separated Go benchmark families to run")
	benchtime := fs.String("benchtime", "", "-benchtime for every Go family (default: each family's own)")
	reference := fs.Bool("reference", true, "run the Go runtime's and sync's reference benchmarks")
	python := fs.Bool("python", true, "run the Python benchmarks if python3 exists")
	pyTime := fs.String("pybenchtime", "0.5", "seconds each Python benchmark run lasts at least")
	renderFlag := fs.Bool("render", false, "run nothing; rewrite RESULTS.md and the charts from bench/results")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: go -C bench/report run . [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *count < 1 {
		return usageError{fmt.Sprintf("-count must be at least 1, got %d", *count)}
	}
	opts := options{
		count: *count, benchtime: *benchtime, reference: *reference,
		python: *python, pyTime: *pyTime, renderOnly: *renderFlag,
	}
	for f := range strings.SplitSeq(*fams, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(familyNames(), f) {
			return usageError{fmt.Sprintf("-families: no family %q (have %s)", f, strings.Join(familyNames(), ", "))}
		}
		opts.families = append(opts.families, f)
	}

	root, err := findRoot()
	if err != nil {
		return err
	}
	opts.root = root
	dir := filepath.Join(root, "bench", "results")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if !opts.renderOnly {
		if err := runAll(ctx, opts, dir); err != nil {
			return err
		}
	}
	return render(ctx, root, dir)
}

// findRoot walks up from the working directory to the go.mod of module
// multitask, the project's root.
func findRoot() (string, error) {
	start, err := os.Getwd()
	if err != nil {
		return "", err
	}
	dir := start
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module multitask\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of module multitask in %s or above it: run the report from inside the project", start)
		}
		dir = parent
	}
}
