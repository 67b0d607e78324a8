package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture is benchmark output as go test prints it, with the GOMAXPROCS
// suffix, a custom metric and a memory metric without ns/op.
const fixture = `goos: linux
goarch: amd64
pkg: multitask/bench
cpu: Test CPU
BenchmarkSpawn/goroutine-2         	  100	       500.0 ns/op
BenchmarkSpawn/goroutine-2         	  100	       520.0 ns/op
BenchmarkSpawn/goroutine-2         	  100	       480.0 ns/op
BenchmarkSpawn/process-own-binary-2	  10	   1000000 ns/op	2000 goroutine-spawns/op
BenchmarkSwitch/goroutines-chan/procs=2-2	100	400 ns/op	200 ns/switch
BenchmarkSwitch/threads-pipe/free-2	100	8000 ns/op	4000 ns/switch
BenchmarkLock/mutex/section=empty/goroutines=1-2	100	6 ns/op
BenchmarkLock/mutex/section=empty/goroutines=2-2	100	12 ns/op
BenchmarkLock/mutex/section=empty/goroutines=8-2	100	30 ns/op
BenchmarkMemory/goroutine-2	5	2800 rss-B/goroutine
PASS
`

const referenceFixture = `BenchmarkCreateGoroutines-2	100	300 ns/op
BenchmarkChanSync-2	100	190 ns/op
BenchmarkMutexUncontended	100	6.5 ns/op
`

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadDatasetKeysWithoutGOMAXPROCSAndKeepsUnits(t *testing.T) {
	d, err := loadDataset(writeFile(t, "go.txt", fixture), filepath.Join(t.TempDir(), "missing.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := d.median("Spawn/goroutine", "ns/op"); !ok || got != 500 {
		t.Errorf("median of Spawn/goroutine = %v, %v; want 500 ns", got, ok)
	}
	if got, ok := d.median("Spawn/process-own-binary", "goroutine-spawns/op"); !ok || got != 2000 {
		t.Errorf("custom metric = %v, %v; want 2000", got, ok)
	}
	if got := d.units["Memory/goroutine"]; len(got) != 1 || got[0] != "rss-B/goroutine" {
		t.Errorf("memory units = %q; want only rss-B/goroutine", got)
	}
	if got := d.withPrefix("Switch/"); len(got) != 2 {
		t.Errorf("Switch benchmarks = %q; want 2", got)
	}
}

func TestSpreadNeedsSixRuns(t *testing.T) {
	if got := (summary{median: 10, lo: 9, hi: 12, n: 3}).spread(); got != "n/a" {
		t.Errorf("spread with 3 runs = %q; want n/a", got)
	}
	if got := (summary{median: 10, lo: 9, hi: 12, n: 10}).spread(); got != "±20%" {
		t.Errorf("spread = %q; want ±20%%", got)
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatValue(512, "ns/op"), "512 ns/op"},
		{formatValue(1234, "ns/op"), "1.23 µs/op"},
		{formatValue(4_150_000, "ns/op"), "4.15 ms/op"},
		{formatValue(2800, "rss-B/goroutine"), "2.73 KiB rss/goroutine"},
		{formatValue(2.5*(1<<20), "pss-B/process"), "2.50 MiB pss/process"},
		{formatValue(92.6, "goroutine-spawns/op"), "92.6 goroutine-spawns/op"},
		{formatRatio(3897.4), "×3,897"},
		{formatRatio(12345), "×12,300"},
		{formatRatio(1.054), "×1.05"},
		{tickLabel(1000), "1 µs"},
		{tickLabel(20), "20 ns"},
		{tickLabel(5e8), "500 ms"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q; want %q", tt.got, tt.want)
		}
	}
}

func TestReportHeadlineAndReferences(t *testing.T) {
	goData, err := loadDataset(writeFile(t, "go.txt", fixture))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := loadDataset(writeFile(t, "reference.txt", referenceFixture))
	if err != nil {
		t.Fatal(err)
	}
	py, err := loadDataset()
	if err != nil {
		t.Fatal(err)
	}
	r := report{log: runLog{Machine: machine{CPUs: 2}, Steps: map[string]step{"python": {Note: "python3 not found"}}},
		goData: goData, ref: ref, py: py, cpus: 2}
	var out bytes.Buffer
	r.write(&out)
	md := out.String()
	for _, want := range []string{
		"costs ×2,000 a goroutine's start and join", // 1 ms ÷ 500 ns
		"costs ×20.0 a switch between two",          // 4 µs ÷ 200 ns
		"costs ×5.00 per operation",                 // 30 ns ÷ 6 ns
		"| goroutine start and join, one at a time | 500 ns/op | `CreateGoroutines` = 300 ns/op | 1.67 | at most 2 | yes |",
		"| channel round trip (GOMAXPROCS=2) | 400 ns/op | 2 × `ChanSync` = 380 ns/op | 1.05 | 0.8 to 1.2 | yes |",
		"| uncontended sync.Mutex | 6.00 ns/op | `MutexUncontended` = 6.50 ns/op | 0.92 | 0.9 to 1.1 | yes |",
		"No Python figures in this run: python3 not found.",
		"| goroutine | 500 ns/op | n/a |  |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("RESULTS.md lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("RESULTS.md:\n%s", md)
	}
}

func TestChartsDrawFromTheData(t *testing.T) {
	goData, err := loadDataset(writeFile(t, "go.txt", fixture))
	if err != nil {
		t.Fatal(err)
	}
	py, _ := loadDataset()
	r := report{goData: goData, ref: py, py: py, cpus: 2}
	dir := t.TempDir()
	if drawn, err := drawCosts(r, filepath.Join(dir, "costs.png")); !drawn || err != nil {
		t.Fatalf("costs chart: drawn %v, %v", drawn, err)
	}
	if drawn, err := drawContention(r, filepath.Join(dir, "contention.png")); !drawn || err != nil {
		t.Fatalf("contention chart: drawn %v, %v", drawn, err)
	}
	empty := report{goData: py, ref: py, py: py, cpus: 2}
	if drawn, err := drawContention(empty, filepath.Join(dir, "none.png")); drawn || err != nil {
		t.Errorf("contention chart without data: drawn %v, %v; want nothing drawn", drawn, err)
	}
	for _, name := range []string{"costs.png", "contention.png"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG", name)
		}
	}
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-count=0"}, {"-families=Nope"}, {"extra"}, {"-nosuch"}} {
		err := run(t.Context(), args)
		if _, ok := err.(usageError); !ok {
			t.Errorf("run(%q) = %v; want a usage error", args, err)
		}
	}
}
