// Command mutate is the project's mutation check: it breaks each promise
// listed in .ci/mutants/*.txt, one at a time, in a copy of the tree, and
// requires the named package's tests to fail. A mutant the tests let pass
// is a promise nothing guards; one that makes the tests hang, or stops the
// code from building, is a defect of the test or of the mutant.
//
// Run it from the top of the repository:
//
//	go run ./.ci/mutate                  # every mutant
//	go run ./.ci/mutate -only '^06-'     # the mutants whose names match
//	go run ./.ci/mutate -list            # what would run
//
// The tests run without the race detector, as a reader's go test does,
// unless a mutant asks for flags: -race.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var (
		only    = flag.String("only", "", "run only the mutants whose names match this regular expression")
		list    = flag.Bool("list", false, "list the mutants and exit")
		jobs    = flag.Int("j", 2, "how many mutants to test at once (1 to 8)")
		timeout = flag.Duration("timeout", 90*time.Second, "go test's -timeout for each mutant (10s to 10m)")
		dir     = flag.String("mutants", ".ci/mutants", "the folder of mutant files")
	)
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", flag.Arg(0))
	}
	if *jobs < 1 || *jobs > 8 {
		return fmt.Errorf("-j must be from 1 to 8, got %d", *jobs)
	}
	if *timeout < 10*time.Second || *timeout > 10*time.Minute {
		return fmt.Errorf("-timeout must be from 10s to 10m, got %v", *timeout)
	}
	match, err := regexp.Compile(*only)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}

	all, err := readMutants(*dir)
	if err != nil {
		return err
	}
	var chosen []mutant
	for _, m := range all {
		if match.MatchString(m.name) {
			chosen = append(chosen, m)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("no mutant in %s matches %q", *dir, *only)
	}
	if *list {
		for _, m := range chosen {
			fmt.Printf("%-40s %-28s %s\n", m.name, m.pkg, m.promise)
		}
		return nil
	}

	start := time.Now()
	copies, cleanup, err := copyTree(min(*jobs, len(chosen)))
	defer cleanup()
	if err != nil {
		return err
	}
	// Every mutant must apply to the tree as it is before anything runs:
	// a stale mutant is found in a second, not after minutes of tests.
	for _, m := range chosen {
		restore, err := m.apply(copies[0])
		if err != nil {
			return err
		}
		if err := restore(); err != nil {
			return err
		}
	}
	if err := baseline(ctx, copies[0], chosen, *timeout); err != nil {
		return err
	}

	results := testAll(ctx, copies, chosen, *timeout)
	return report(results, time.Since(start))
}

// testAll runs every mutant, a few at a time, each in a copy of the tree of
// its own. Mutants marked alone measure CPUs, and run with nothing beside.
func testAll(ctx context.Context, copies []string, ms []mutant, timeout time.Duration) []result {
	var (
		results = make([]result, len(ms))
		next    = make(chan int)
		cpus    sync.RWMutex
		wg      sync.WaitGroup
	)
	for _, root := range copies {
		wg.Go(func() {
			for i := range next {
				if ms[i].alone {
					cpus.Lock()
				} else {
					cpus.RLock()
				}
				results[i] = testOne(ctx, root, ms[i], timeout)
				if ms[i].alone {
					cpus.Unlock()
				} else {
					cpus.RUnlock()
				}
				fmt.Printf("%-8s %-40s %5.1fs  %s\n", results[i].verdict, ms[i].name, results[i].took.Seconds(), results[i].detail)
			}
		})
	}
	for i := range ms {
		if ctx.Err() != nil {
			results[i] = result{m: ms[i], verdict: notRun}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// report prints the table of what each mutant broke and which tests saw
// it, and fails unless every mutant was killed.
func report(results []result, took time.Duration) error {
	counts := map[verdict]int{}
	fmt.Printf("\n%-40s %-26s %s\n", "MUTANT", "PACKAGE", "KILLED BY")
	for _, r := range results {
		counts[r.verdict]++
		by := strings.Join(r.failed, " ")
		if r.verdict != killed {
			by = strings.ToUpper(string(r.verdict)) + ": " + r.detail
		}
		fmt.Printf("%-40s %-26s %s\n", r.m.name, r.m.pkg, by)
	}
	fmt.Printf("\nmutation check: %d mutants, %d killed, %d survived, %d hung, %d did not build, %d not run, in %s\n",
		len(results), counts[killed], counts[survived], counts[hung], counts[broken], counts[notRun], took.Round(time.Second))
	if counts[killed] != len(results) {
		return errors.New("every mutant must be killed: a survivor is a promise no test guards")
	}
	return nil
}
