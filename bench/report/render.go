package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// render rewrites everything derived from the raw files in dir: the
// combined Go output, benchstat's summary, the charts and RESULTS.md.
func render(ctx context.Context, root, dir string) error {
	log, err := loadRunLog(dir)
	if err != nil {
		return err
	}
	// The families' files, combined into one for benchstat and for
	// loading; a derived file, so it does not go next to the raw ones.
	tmp, err := os.MkdirTemp("", "bench-report-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	goFile := filepath.Join(tmp, "go.txt")
	if err := combineFamilies(dir, goFile); err != nil {
		return err
	}
	goData, err := loadDataset(goFile)
	if err != nil {
		return err
	}
	if len(goData.names) == 0 {
		return fmt.Errorf("no Go benchmark results in %s: run without -render first", dir)
	}
	ref, err := loadDataset(filepath.Join(dir, referenceFile))
	if err != nil {
		return err
	}
	py, err := loadDataset(filepath.Join(dir, pythonFile))
	if err != nil {
		return err
	}
	if err := writeBenchstat(ctx, root, dir, goFile); err != nil {
		return err
	}
	r := report{log: log, goData: goData, ref: ref, py: py, cpus: log.Machine.CPUs}
	for _, c := range []struct {
		file  string
		draw  func(report, string) (bool, error)
		drawn *bool
	}{
		{costsChart, drawCosts, &r.costsDrawn},
		{contentionChart, drawContention, &r.contentionDrawn},
	} {
		path := filepath.Join(dir, c.file)
		os.Remove(path) // a chart from an earlier run must not outlive its data
		if *c.drawn, err = c.draw(r, path); err != nil {
			return fmt.Errorf("chart %s: %w", c.file, err)
		}
	}
	var md bytes.Buffer
	r.write(&md)
	out := filepath.Join(root, "bench", "RESULTS.md")
	if err := os.WriteFile(out, md.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "report: wrote %s and the charts in %s\n", out, dir)
	return nil
}

const (
	costsChart      = "costs.png"
	contentionChart = "contention.png"
)

// combineFamilies writes the families' raw files, in report order, into
// one file for benchstat and for loading.
func combineFamilies(dir, out string) error {
	var all bytes.Buffer
	for _, f := range families {
		data, err := os.ReadFile(filepath.Join(dir, "go-"+f.name+".txt"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		all.Write(data)
	}
	return os.WriteFile(out, all.Bytes(), 0o644)
}

// writeBenchstat runs benchstat, the tool go.mod declares, over the Go,
// reference and Python results and keeps its tables in benchstat.txt.
func writeBenchstat(ctx context.Context, root, dir, goFile string) error {
	// go tool -n builds the tool if needed and prints where it is, so it
	// can run in the results' own directory and head its columns with
	// the files' plain names.
	where := exec.CommandContext(ctx, "go", "tool", "-n", "benchstat")
	where.Dir = filepath.Join(root, "bench", "report")
	where.Stderr = os.Stderr
	path, err := where.Output()
	if err != nil {
		return fmt.Errorf("find benchstat: %w", err)
	}
	benchstat := strings.TrimSpace(string(path))

	var out bytes.Buffer
	for _, file := range []string{goFile, filepath.Join(dir, referenceFile), filepath.Join(dir, pythonFile)} {
		if _, err := os.Stat(file); err != nil {
			continue
		}
		name := filepath.Base(file)
		fmt.Fprintf(&out, "## benchstat %s\n\n", name)
		cmd := exec.CommandContext(ctx, benchstat, name)
		cmd.Dir = filepath.Dir(file)
		cmd.Stdout = &out
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("benchstat %s: %w", name, err)
		}
		out.WriteString("\n")
	}
	return os.WriteFile(filepath.Join(dir, "benchstat.txt"), out.Bytes(), 0o644)
}

// report holds what RESULTS.md is written from.
type report struct {
	log             runLog
	goData, ref, py *dataset
	cpus            int
	// Which charts there are: a chart needs data, and a partial run may
	// not have it.
	costsDrawn, contentionDrawn bool
}

// Benchmark names the report picks out. The goroutine switch is the one at
// GOMAXPROCS = the number of CPUs, the default, as the runtime's ChanSync
// runs.
const (
	goSpawnGoroutine = "Spawn/goroutine"
	goSpawnThread    = "Spawn/thread"
	goSpawnExec      = "Spawn/process-exec-true"
	goSpawnOwn       = "Spawn/process-own-binary"
	goThreadSwitch   = "Switch/threads-pipe/free"
	goMutexAlone     = "Lock/mutex/section=empty/goroutines=1"
	goMutexCrowd     = "Lock/mutex/section=empty/goroutines=8"
	goMutexPair      = "Lock/mutex/section=empty/goroutines=2"
)

func (r report) goroutineSwitch() string {
	return "Switch/goroutines-chan/procs=" + strconv.Itoa(max(r.cpus, 1))
}

func (r report) write(w io.Writer) {
	m := r.log.Machine
	fmt.Fprintf(w, "# Benchmark results\n\n")
	fmt.Fprintf(w, "What processes, threads and goroutines cost on one machine, measured by `go test -bench=. ./bench`\n"+
		"and the Python scripts in [python/](python/), %d runs of each, summarised with benchstat: medians with\n"+
		"their 95%% confidence interval. Written by `go -C bench/report run .` (see [README.md](README.md)); the raw\n"+
		"output is in [results/](results/).\n\n", r.runs())
	fmt.Fprintf(w, "> **A shared machine.** These figures come from a %d-CPU virtual machine that other work (builds and\n"+
		"> tests) was using at the same time. The load average at the start and end of each step is in the table\n"+
		"> at the bottom; a load above the number of CPUs means the benchmarks were waiting for a CPU part of the\n"+
		"> time, which makes every figure larger and the process and thread figures noisier. The ratios, taken\n"+
		"> within one run, suffer less than the absolute figures.\n\n", m.CPUs)

	fmt.Fprintf(w, "## Machine\n\n| | |\n|---|---|\n")
	fmt.Fprintf(w, "| CPU | %s, %d CPUs%s |\n", m.CPU, m.CPUs, ifNotEmpty(", ", m.Hypervisor))
	if m.MemoryGiB > 0 {
		fmt.Fprintf(w, "| memory | %d GiB |\n", m.MemoryGiB)
	}
	fmt.Fprintf(w, "| system | %s, kernel %s |\n| Go | %s |\n| Python | %s |\n", m.OS, m.Kernel, m.Go, m.Python)
	fmt.Fprintf(w, "| run | %s |\n\n", r.when())

	r.writeHeadline(w)
	r.writeReferences(w)
	r.writePython(w)
	if r.costsDrawn || r.contentionDrawn {
		fmt.Fprintf(w, "## Charts\n\n")
	}
	if r.costsDrawn {
		fmt.Fprintf(w, "![Costs of starting, switching and round trips, Go and Python, log scale](results/%s)\n\n", costsChart)
	}
	if r.contentionDrawn {
		fmt.Fprintf(w, "![Lock contention: ns per operation against goroutines](results/%s)\n\n", contentionChart)
	}
	r.writeFamilies(w)
	r.writeSteps(w)
}

func ifNotEmpty(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// runs is the number of runs of the most-run Go benchmark.
func (r report) runs() int {
	n := 0
	for _, name := range r.goData.names {
		for _, vals := range r.goData.values[name] {
			n = max(n, len(vals))
		}
	}
	return n
}

func (r report) when() string {
	var first, last time.Time
	for _, st := range r.log.Steps {
		if st.Started.IsZero() {
			continue
		}
		if first.IsZero() || st.Started.Before(first) {
			first = st.Started
		}
		end := st.Started.Add(time.Duration(st.Seconds) * time.Second)
		if end.After(last) {
			last = end
		}
	}
	if first.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("%s to %s UTC", first.Format("2006-01-02 15:04"), last.Format("15:04"))
}

// ratio is a÷b of two Go medians in one unit, and false when either is
// missing.
func ratio(d *dataset, a, b, unit string) (float64, bool) {
	x, ok1 := d.median(a, unit)
	y, ok2 := d.median(b, unit)
	if !ok1 || !ok2 || y == 0 {
		return 0, false
	}
	return x / y, true
}

func (r report) writeHeadline(w io.Writer) {
	fmt.Fprintf(w, "## Headline\n\n")
	g := r.goData
	if x, ok := ratio(g, goSpawnOwn, goSpawnGoroutine, "ns/op"); ok {
		exec, _ := ratio(g, goSpawnExec, goSpawnGoroutine, "ns/op")
		thread, _ := ratio(g, goSpawnThread, goSpawnGoroutine, "ns/op")
		fmt.Fprintf(w, "- **Spawn.** Starting a child process and waiting for it costs %s a goroutine's start and join "+
			"when the child is this Go binary in a child role (%s against %s), %s when it is `true`; an OS thread costs %s.\n",
			formatRatio(x), r.goValue(goSpawnOwn, "ns/op"), r.goValue(goSpawnGoroutine, "ns/op"), formatRatio(exec), formatRatio(thread))
	}
	if x, ok := ratio(g, goThreadSwitch, r.goroutineSwitch(), "ns/switch"); ok {
		fmt.Fprintf(w, "- **Switch.** Switching between two OS threads (kernel wake-ups over a pipe) costs %s a switch between two "+
			"goroutines over a channel (%s against %s).\n",
			formatRatio(x), r.goValue(goThreadSwitch, "ns/switch"), r.goValue(r.goroutineSwitch(), "ns/switch"))
	}
	if x, ok := ratio(g, goMutexCrowd, goMutexAlone, "ns/op"); ok {
		pair, _ := ratio(g, goMutexPair, goMutexAlone, "ns/op")
		fmt.Fprintf(w, "- **Contention.** A sync.Mutex fought over by 8 goroutines costs %s per operation what it costs one "+
			"goroutine alone (%s against %s; %s with 2 goroutines, one per CPU).\n\n",
			formatRatio(x), r.goValue(goMutexCrowd, "ns/op"), r.goValue(goMutexAlone, "ns/op"), formatRatio(pair))
	}
}

// goValue is a Go median in its unit, or "—".
func (r report) goValue(name, unit string) string { return value(r.goData, name, unit, 1) }

func value(d *dataset, name, unit string, times float64) string {
	v, ok := d.median(name, unit)
	if !ok {
		return "—"
	}
	return formatValue(v*times, unit)
}

func (r report) writeReferences(w io.Writer) {
	fmt.Fprintf(w, "## Against the Go runtime's own benchmarks\n\n"+
		"Each reference ran in the same session, from the Go installation's source tree (the commands are in\n"+
		"[README.md](README.md#how-close-to-the-machine)). Goals: goroutine spawn within 2× of\n"+
		"`runtime.BenchmarkCreateGoroutines`; channel round trip within 20%% of twice `runtime.BenchmarkChanSync`\n"+
		"(one ChanSync op is one hand-over, a round trip is two); uncontended Mutex within 10%% of\n"+
		"`sync.BenchmarkMutexUncontended` at `-cpu=1`. CreateGoroutines never waits for a goroutine: each one\n"+
		"starts the next and ends. Waiting for each goroutine, as the one-at-a-time figure does (and as\n"+
		"`Thread.start(); join()` does), adds a goroutine switch per goroutine; joined a hundred at a time,\n"+
		"the figure is CreateGoroutines' own.\n\n")
	fmt.Fprintf(w, "| figure | ours | reference | ours ÷ reference | goal | met |\n|---|---|---|---|---|---|\n")
	rows := []struct {
		what, ours, refName string
		refTimes            float64
		lo, hi              float64
	}{
		{"goroutine start and join, one at a time", goSpawnGoroutine, "CreateGoroutines", 1, 0, 2},
		{"goroutine start, joined a hundred at a time", "Spawn/goroutine-batch-100", "CreateGoroutines", 1, 0, 2},
		{"channel round trip (GOMAXPROCS=" + strconv.Itoa(r.cpus) + ")", r.goroutineSwitch(), "ChanSync", 2, 0.8, 1.2},
		{"uncontended sync.Mutex", goMutexAlone, "MutexUncontended", 1, 0.9, 1.1},
	}
	for _, row := range rows {
		ours, ok1 := r.goData.median(row.ours, "ns/op")
		ref, ok2 := r.ref.median(row.refName, "ns/op")
		refLabel := "`" + row.refName + "`"
		if row.refTimes != 1 {
			refLabel = fmt.Sprintf("2 × `%s`", row.refName)
		}
		if !ok1 || !ok2 {
			fmt.Fprintf(w, "| %s | %s | %s: not measured | | | |\n", row.what, value(r.goData, row.ours, "ns/op", 1), refLabel)
			continue
		}
		x := ours / (ref * row.refTimes)
		goal := fmt.Sprintf("%.1f to %.1f", row.lo, row.hi)
		if row.lo == 0 {
			goal = fmt.Sprintf("at most %.0f", row.hi)
		}
		met := "yes"
		if x < row.lo || x > row.hi {
			met = "**no**"
		}
		fmt.Fprintf(w, "| %s | %s | %s = %s | %.2f | %s | %s |\n", row.what, formatValue(ours, "ns/op"), refLabel,
			formatValue(ref*row.refTimes, "ns/op"), x, goal, met)
	}
	fmt.Fprintln(w)
}

// pair is one row of the Go-and-Python table: the same thing done both
// ways. goTimes scales the Go figure, for a Python operation that is
// several Go ones.
type pair struct {
	what, goName, pyName, unit string
	goTimes                    float64
}

func (r report) pairs() []pair {
	p := []pair{
		{"start and join a thread", goSpawnThread, "Spawn/thread", "ns/op", 1},
		{"start and join the lightest worker (Go: goroutine; Python: thread)", goSpawnGoroutine, "Spawn/thread", "ns/op", 1},
		{"start and join a process running our code (Python: fork)", goSpawnOwn, "Spawn/process-fork", "ns/op", 1},
		{"… (Python: forkserver)", goSpawnOwn, "Spawn/process-forkserver", "ns/op", 1},
		{"… (Python: spawn)", goSpawnOwn, "Spawn/process-spawn", "ns/op", 1},
		{"run `true` and wait", goSpawnExec, "Spawn/process-exec-true", "ns/op", 1},
		{"switch: two workers hand over (Go: channel; Python: queue.Queue)", r.goroutineSwitch(), "Switch/threads-queue", "ns/switch", 1},
		{"switch: two threads over a pipe", goThreadSwitch, "Switch/threads-pipe/free", "ns/switch", 1},
		{"switch: two processes over a pipe, free", "Switch/processes-pipe/free", "Switch/processes-pipe/free", "ns/switch", 1},
		{"switch: two processes over a pipe, pinned to one CPU", "Switch/processes-pipe/pinned", "Switch/processes-pipe/pinned", "ns/switch", 1},
		{"round trip inside a process (Go: channel; Python: queue.Queue)", "RoundTrip/chan", "RoundTrip/queue-threads", "ns/op", 1},
		{"round trip to a child over a Unix socket (Python: multiprocessing.Pipe)", "RoundTrip/unix-socket", "RoundTrip/mp-pipe", "ns/op", 1},
		{"round trip to a child over a pipe (Python: multiprocessing.Queue)", "RoundTrip/pipe", "RoundTrip/mp-queue", "ns/op", 1},
		{"one item through a queue served over TCP, a request per get and per put (Go: the 09 queue, batching off; Python: BaseManager put + get)", "RoundTrip/09-queue-one-per-trip", "RoundTrip/manager-queue-per-item", "ns/op", 1},
		{"… (Go: the 09 queue with its default batching, many tasks in flight)", "RoundTrip/09-queue-batched", "RoundTrip/manager-queue-per-item", "ns/op", 1},
	}
	for _, g := range []int{1, 2, 4, 8} {
		p = append(p, pair{fmt.Sprintf("balance with a lock, %d worker(s)", g),
			fmt.Sprintf("Balance/mutex/goroutines=%d", g), fmt.Sprintf("Balance/lock/threads=%d", g), "ns/op", 1})
	}
	p = append(p,
		pair{"memory of a sleeping thread", "Memory/thread", "Memory/thread", "rss-B/thread", 1},
		pair{"memory of the lightest worker (Go: goroutine; Python: thread)", "Memory/goroutine", "Memory/thread", "", 1},
		pair{"memory of an idle process, PSS (Python: fork)", "Memory/process", "Memory/process-fork", "pss-B/process", 1},
		pair{"… (Python: spawn)", "Memory/process", "Memory/process-spawn", "pss-B/process", 1},
	)
	return p
}

func (r report) writePython(w io.Writer) {
	fmt.Fprintf(w, "## Go and Python side by side\n\n")
	if len(r.py.names) == 0 {
		note := r.log.Steps["python"].Note
		if note == "" {
			note = "no Python results"
		}
		fmt.Fprintf(w, "No Python figures in this run: %s.\n\n", note)
		return
	}
	fmt.Fprintf(w, "The same things done with Python's threading and multiprocessing (%s), same machine, same session.\n"+
		"Python processes start with fork, forkserver or spawn; Go has no fork and re-runs its own binary\n"+
		"(see [../internal/child](../internal/child/child.go)). The last column says how many times the Python\n"+
		"figure is the Go one.\n\n", r.log.Machine.Python)
	if note := r.log.Steps["python"].Note; note != "" {
		fmt.Fprintf(w, "Note: %s.\n\n", note)
	}
	fmt.Fprintf(w, "| what | Go | Python | Python ÷ Go |\n|---|---|---|---|\n")
	for _, p := range r.pairs() {
		goUnit, pyUnit := p.unit, p.unit
		if p.unit == "" {
			goUnit, pyUnit = "rss-B/goroutine", "rss-B/thread"
		}
		gv, ok1 := r.goData.median(p.goName, goUnit)
		pv, ok2 := r.py.median(p.pyName, pyUnit)
		goText, pyText := "—", "—"
		if ok1 {
			goText = formatValue(gv*p.goTimes, goUnit)
		}
		if ok2 {
			pyText = formatValue(pv, pyUnit)
		}
		x := ""
		if ok1 && ok2 && gv > 0 {
			x = formatRatio(pv / (gv * p.goTimes))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", p.what, goText, pyText, x)
	}
	fmt.Fprintln(w)
}

// familyNotes says in a line what each family measures; README.md says more.
var familyNotes = map[string]string{
	"Spawn":     "Start one and wait for it to end, one at a time. goroutine-spawns/op: the cost in goroutine start-and-joins.",
	"Switch":    "Ping-pong; one op is a round trip, two switches. pinned: both partners on one CPU; free: where the kernel puts them.",
	"Lock":      "One counter, 1 to 16 goroutines, GOMAXPROCS = min(goroutines, CPUs). ns/op is wall time over all operations: below the 1-goroutine figure, the goroutines ran in parallel; above it, they queued.",
	"Balance":   "The 06-lock workload: changeIt(n) adds n and takes it away, the balance must stay 0. ns/op over all goroutines.",
	"Memory":    "Resident memory, measured in a fresh child process. PSS splits shared pages between the processes sharing them.",
	"RoundTrip": "A 64-byte message there and back. The channel's partner is a goroutine; the others' a child process. 09-queue: one task of the 09-distributed queue put, taken by a worker over TCP loopback, answered and collected; tasks/s is the same figure inverted.",
}

func (r report) writeFamilies(w io.Writer) {
	fmt.Fprintf(w, "## Every Go benchmark\n\nMedian of the runs, the 95%% confidence interval as benchstat gives it, and the other metrics' medians.\n\n")
	for _, f := range families {
		names := r.goData.withPrefix(f.name + "/")
		if len(names) == 0 {
			continue
		}
		fmt.Fprintf(w, "### %s\n\n%s\n\n| benchmark | median | CI | other metrics |\n|---|---|---|---|\n", f.name, familyNotes[f.name])
		for _, name := range names {
			units := r.goData.units[name]
			main := units[0]
			for _, u := range units {
				if u == "ns/op" {
					main = u
				}
			}
			s, _ := r.goData.summary(name, main)
			var others []string
			for _, u := range units {
				if u != main {
					v, _ := r.goData.median(name, u)
					others = append(others, formatValue(v, u))
				}
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", strings.TrimPrefix(name, f.name+"/"), formatValue(s.median, main), s.spread(), strings.Join(others, ", "))
		}
		fmt.Fprintln(w)
	}
	if len(r.py.names) > 0 {
		fmt.Fprintf(w, "### Python\n\n| benchmark | median | CI | other metrics |\n|---|---|---|---|\n")
		for _, name := range r.py.names {
			units := r.py.units[name]
			s, _ := r.py.summary(name, units[0])
			var others []string
			for _, u := range units[1:] {
				v, _ := r.py.median(name, u)
				others = append(others, formatValue(v, u))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, formatValue(s.median, units[0]), s.spread(), strings.Join(others, ", "))
		}
		fmt.Fprintln(w)
	}
}

func (r report) writeSteps(w io.Writer) {
	fmt.Fprintf(w, "## The runs\n\nLoad averages (1, 5 and 15 minutes) before and after each step; %d CPUs.\n\n", r.log.Machine.CPUs)
	fmt.Fprintf(w, "| step | started (UTC) | took | load before | load after | note |\n|---|---|---|---|---|---|\n")
	var keys []string
	for _, f := range families {
		keys = append(keys, "go "+f.name)
	}
	keys = append(keys, "reference runtime", "reference sync", "python")
	for _, k := range keys {
		st, ok := r.log.Steps[k]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", k, st.Started.Format("2006-01-02 15:04"),
			time.Duration(st.Seconds*float64(time.Second)), st.LoadBefore, st.LoadAfter, st.Note)
	}
	fmt.Fprintf(w, "\nbenchstat's own tables: [results/benchstat.txt](results/benchstat.txt).\n")
}
