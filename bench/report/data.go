package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// dataset is the raw benchmark output of one kind (our Go benchmarks, the
// reference benchmarks, or Python), grouped by benchmark and unit.
type dataset struct {
	names  []string                        // benchmark names, first seen first
	values map[string]map[string][]float64 // name → unit → one value per run
	units  map[string][]string             // name → units, first seen first
}

// gomaxprocsSuffix is the "-2" go test appends to a benchmark's name when
// GOMAXPROCS is not 1. The report keys benchmarks without it: our
// benchmarks set GOMAXPROCS themselves where it matters, and say so in
// their names.
var gomaxprocsSuffix = regexp.MustCompile(`-\d+$`)

// loadDataset reads Go benchmark format from the files that exist among
// paths; a missing file is an empty part of the dataset.
func loadDataset(paths ...string) (*dataset, error) {
	d := &dataset{values: map[string]map[string][]float64{}, units: map[string][]string{}}
	for _, path := range paths {
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		r := benchfmt.NewReader(f, path)
		for r.Scan() {
			res, ok := r.Result().(*benchfmt.Result)
			if !ok {
				continue // unit metadata, or a line that is not a result
			}
			name := gomaxprocsSuffix.ReplaceAllString(res.Name.String(), "")
			for _, v := range res.Values {
				unit, value := v.Unit, v.Value
				if v.OrigUnit != "" {
					// Keep the units the benchmarks reported (ns/op, not
					// benchfmt's tidied sec/op).
					unit, value = v.OrigUnit, v.OrigValue
				}
				d.add(name, unit, value)
			}
		}
		err = r.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return d, nil
}

func (d *dataset) add(name, unit string, value float64) {
	byUnit, ok := d.values[name]
	if !ok {
		byUnit = map[string][]float64{}
		d.values[name] = byUnit
		d.names = append(d.names, name)
	}
	if _, ok := byUnit[unit]; !ok {
		d.units[name] = append(d.units[name], unit)
	}
	byUnit[unit] = append(byUnit[unit], value)
}

// summary is a median with its 95% confidence interval, computed by the
// same code as benchstat's (golang.org/x/perf/benchmath, assuming nothing
// about the distribution).
type summary struct {
	median, lo, hi float64
	n              int
}

func (d *dataset) summary(name, unit string) (summary, bool) {
	vals := d.values[name][unit]
	if len(vals) == 0 {
		return summary{}, false
	}
	sample := benchmath.NewSample(append([]float64(nil), vals...), &benchmath.DefaultThresholds)
	s := benchmath.AssumeNothing.Summary(sample, 0.95)
	return summary{median: s.Center, lo: s.Lo, hi: s.Hi, n: len(vals)}, true
}

// median is summary's median alone, and false when there is none.
func (d *dataset) median(name, unit string) (float64, bool) {
	s, ok := d.summary(name, unit)
	return s.median, ok
}

// withPrefix lists the benchmark names that start with prefix, in order.
func (d *dataset) withPrefix(prefix string) []string {
	var names []string
	for _, n := range d.names {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	return names
}

// spread is the confidence interval as benchstat prints it: the larger
// distance from the median to a bound, in percent of the median.
func (s summary) spread() string {
	if s.n < 6 || math.IsInf(s.lo, 0) || math.IsInf(s.hi, 0) {
		// benchstat needs six runs for a 95% interval around a median.
		return "n/a"
	}
	if s.median == 0 {
		return "0%"
	}
	v := math.Max(s.hi/s.median-1, 1-s.lo/s.median)
	return fmt.Sprintf("±%.0f%%", 100*v)
}

// formatValue prints a value in its unit the way a reader takes it in:
// times with ns, µs or ms, sizes with KiB or MiB, counts as plain numbers.
func formatValue(v float64, unit string) string {
	switch {
	case strings.HasPrefix(unit, "ns/"):
		return formatNs(v) + "/" + strings.TrimPrefix(unit, "ns/")
	case strings.Contains(unit, "B/"):
		what, per, _ := strings.Cut(unit, "B/")
		return fmt.Sprintf("%s %s/%s", formatBytes(v), strings.TrimSuffix(what, "-"), per)
	default:
		return formatNumber(v) + " " + unit
	}
}

// formatNs prints nanoseconds with three significant digits and a unit.
func formatNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return sig3(ns/1e9) + " s"
	case ns >= 1e6:
		return sig3(ns/1e6) + " ms"
	case ns >= 1e3:
		return sig3(ns/1e3) + " µs"
	default:
		return sig3(ns) + " ns"
	}
}

func formatBytes(b float64) string {
	switch {
	case b >= 1<<30:
		return sig3(b/(1<<30)) + " GiB"
	case b >= 1<<20:
		return sig3(b/(1<<20)) + " MiB"
	case b >= 1<<10:
		return sig3(b/(1<<10)) + " KiB"
	default:
		return sig3(b) + " B"
	}
}

func formatNumber(v float64) string { return sig3(v) }

// formatRatio prints how many times a is b: "×1.8", "×240", "×12,000".
func formatRatio(r float64) string {
	if r >= 10000 {
		return "×" + thousands(math.Round(r/100)*100)
	}
	return "×" + sig3(r)
}

// sig3 prints three significant digits without an exponent.
func sig3(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 1000:
		return thousands(math.Round(v))
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", math.Abs(v))
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
