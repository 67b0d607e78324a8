package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// runLog is what results/runs.json keeps about the runs behind the raw
// files: the machine, and for each step when it ran, how long it took, and
// the load average before and after it. The load average is the evidence
// for or against a disturbed figure on a shared machine.
type runLog struct {
	Machine machine         `json:"machine"`
	Steps   map[string]step `json:"steps"`
}

type step struct {
	Command    string    `json:"command"`
	Started    time.Time `json:"started"`
	Seconds    float64   `json:"seconds"`
	LoadBefore string    `json:"load_before"`
	LoadAfter  string    `json:"load_after"`
	Note       string    `json:"note,omitempty"`
}

const runLogFile = "runs.json"

func loadRunLog(dir string) (runLog, error) {
	log := runLog{Steps: map[string]step{}}
	data, err := os.ReadFile(filepath.Join(dir, runLogFile))
	if errors.Is(err, os.ErrNotExist) {
		return log, nil
	}
	if err != nil {
		return log, err
	}
	if err := json.Unmarshal(data, &log); err != nil {
		return log, fmt.Errorf("%s: %w", runLogFile, err)
	}
	if log.Steps == nil {
		log.Steps = map[string]step{}
	}
	return log, nil
}

func (l runLog) save(dir string) error {
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, runLogFile), append(data, '\n'), 0o644)
}

// runAll runs the chosen Go families, the reference benchmarks and the
// Python benchmarks, each into its own raw file in dir.
func runAll(ctx context.Context, opts options, dir string) error {
	log, err := loadRunLog(dir)
	if err != nil {
		return err
	}
	log.Machine = describeMachine(ctx)
	// Save after every step, so an interrupted run keeps what it did.
	defer log.save(dir)

	for _, name := range opts.families {
		bt := opts.benchtime
		if bt == "" {
			for _, f := range families {
				if f.name == name {
					bt = f.benchtime
				}
			}
		}
		args := []string{"test", "-run=^$", "-bench=^Benchmark" + name + "$",
			"-count=" + strconv.Itoa(opts.count), "-benchtime=" + bt, "./bench"}
		st, err := runStep(ctx, opts.root, filepath.Join(dir, "go-"+name+".txt"), "go", args...)
		log.Steps["go "+name] = st
		if err != nil {
			return fmt.Errorf("go family %s: %w", name, err)
		}
		log.save(dir)
	}

	if opts.reference {
		if err := runReference(ctx, opts, dir, &log); err != nil {
			return err
		}
		log.save(dir)
	}

	if opts.python {
		runPython(ctx, opts, dir, &log)
	}
	return log.save(dir)
}

// referenceFile holds the Go runtime's and sync's own benchmarks, run in
// the same session as ours so the comparison is on one machine under one
// load. They come from the Go installation's source tree, which every Go
// installation has.
const referenceFile = "reference.txt"

func runReference(ctx context.Context, opts options, dir string, log *runLog) error {
	count := "-count=" + strconv.Itoa(opts.count)
	f, err := os.Create(filepath.Join(dir, referenceFile))
	if err != nil {
		return err
	}
	defer f.Close()
	runs := []struct {
		key  string
		args []string
	}{
		// GOMAXPROCS as the machine has it, as our Spawn and Switch
		// benchmarks run.
		{"reference runtime", []string{"test", "-run=^$", "-bench=^(BenchmarkCreateGoroutines|BenchmarkChanSync)$", count, "-benchtime=0.5s", "runtime"}},
		// One CPU: one goroutine locking and unlocking a mutex nobody
		// else wants, as our mutex/section=empty/goroutines=1.
		{"reference sync", []string{"test", "-run=^$", "-bench=^BenchmarkMutexUncontended$", "-cpu=1", count, "-benchtime=0.5s", "sync"}},
	}
	for _, r := range runs {
		var out bytes.Buffer
		st, err := runStepTo(ctx, opts.root, &out, "go", r.args...)
		if err != nil {
			// A Go installation without its tests still gets a report;
			// the comparison says the reference is missing.
			st.Note = fmt.Sprintf("failed: %v", err)
			fmt.Fprintf(os.Stderr, "report: %s: %v (carrying on without it)\n", r.key, err)
		}
		log.Steps[r.key] = st
		if _, err := f.Write(out.Bytes()); err != nil {
			return err
		}
	}
	return f.Close()
}

// pythonFile holds the Python benchmarks' output, in Go's format. When
// python3 is missing it holds a comment saying so, and the report says so.
const pythonFile = "python.txt"

func runPython(ctx context.Context, opts options, dir string, log *runLog) {
	path := filepath.Join(dir, pythonFile)
	python, err := exec.LookPath("python3")
	if err != nil {
		fmt.Fprintln(os.Stderr, "report: python3 not found: the report will have no Python figures")
		log.Steps["python"] = step{Started: time.Now().UTC(), Note: "python3 not found"}
		os.WriteFile(path, []byte("# python3 was not found on this machine; no Python benchmarks ran.\n"), 0o644)
		return
	}
	// Relative to the root, where it runs, so the log names no checkout path.
	script := filepath.Join("bench", "python", "run.py")
	// -B: no __pycache__ folders in the source tree, in the children either
	// (multiprocessing hands the interpreter's flags on).
	st, err := runStep(ctx, opts.root, path, python, "-B", script, "-count", strconv.Itoa(opts.count), "-benchtime", opts.pyTime)
	if err != nil {
		// The script goes on after a failing benchmark and exits 1 at
		// the end; what did run is still worth reporting.
		st.Note = fmt.Sprintf("some Python benchmarks failed (%v); their lines are missing", err)
		fmt.Fprintln(os.Stderr, "report: python:", st.Note)
	}
	log.Steps["python"] = st
}

// runStep runs a command in dir, writing its output to file (and echoing it
// to stderr, so the user sees progress).
func runStep(ctx context.Context, dir, file, name string, args ...string) (step, error) {
	f, err := os.Create(file)
	if err != nil {
		return step{}, err
	}
	st, err := runStepTo(ctx, dir, f, name, args...)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return st, err
}

func runStepTo(ctx context.Context, dir string, out io.Writer, name string, args ...string) (step, error) {
	st := step{
		Command:    strings.Join(append([]string{filepath.Base(name)}, args...), " "),
		Started:    time.Now().UTC(),
		LoadBefore: loadAverage(),
	}
	fmt.Fprintf(os.Stderr, "\n$ %s\n", st.Command)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout = io.MultiWriter(out, os.Stderr)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	st.Seconds = time.Since(st.Started).Round(time.Second).Seconds()
	st.LoadAfter = loadAverage()
	return st, err
}

// loadAverage is the 1, 5 and 15 minute load averages, or "" where
// /proc/loadavg does not exist.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// machine is what RESULTS.md says about the computer the figures are from.
type machine struct {
	CPU        string `json:"cpu"`
	CPUs       int    `json:"cpus"`
	Hypervisor string `json:"hypervisor,omitempty"`
	OS         string `json:"os"`
	Kernel     string `json:"kernel"`
	Go         string `json:"go"`
	Python     string `json:"python"`
	MemoryGiB  int    `json:"memory_gib,omitempty"`
}

func describeMachine(ctx context.Context) machine {
	m := machine{
		CPU:    cpuModel(),
		CPUs:   runtime.NumCPU(),
		OS:     runtime.GOOS + "/" + runtime.GOARCH,
		Kernel: firstLine("/proc/sys/kernel/osrelease"),
		Go:     commandLine(ctx, "go", "version"),
		Python: commandLine(ctx, "python3", "--version"),
	}
	if m.Python == "" {
		m.Python = "not found"
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil && strings.Contains(string(data), " hypervisor") {
		m.Hypervisor = "a virtual machine (the CPU flags include hypervisor)"
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			m.MemoryGiB = (kb + 1<<19) >> 20
		}
	}
	return m
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(data)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func firstLine(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSpace(line)
}

func commandLine(ctx context.Context, name string, args ...string) string {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
