package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	goColor     = color.RGBA{R: 0x00, G: 0x7d, B: 0x9c, A: 0xff} // Go's blue
	pythonColor = color.RGBA{R: 0xe0, G: 0x8a, B: 0x00, A: 0xff}
)

// costRow is one dot of the costs chart.
type costRow struct {
	label      string
	data       *dataset
	name, unit string
	python     bool
}

func (r report) costRows() []costRow {
	g, p := r.goData, r.py
	rows := []costRow{
		{"Go: goroutine start+join", g, goSpawnGoroutine, "ns/op", false},
		{"Go: OS thread start+join", g, goSpawnThread, "ns/op", false},
		{"Python: thread start+join", p, "Spawn/thread", "ns/op", true},
		{"Go: run true(1)", g, goSpawnExec, "ns/op", false},
		{"Python: run true(1)", p, "Spawn/process-exec-true", "ns/op", true},
		{"Go: child process (own binary)", g, goSpawnOwn, "ns/op", false},
		{"Python: Process, fork", p, "Spawn/process-fork", "ns/op", true},
		{"Python: Process, forkserver", p, "Spawn/process-forkserver", "ns/op", true},
		{"Python: Process, spawn", p, "Spawn/process-spawn", "ns/op", true},
		{"Go: switch, goroutines (channel)", g, r.goroutineSwitch(), "ns/switch", false},
		{"Go: switch, locked threads (channel)", g, "Switch/threads-locked-chan/free", "ns/switch", false},
		{"Go: switch, threads (pipe)", g, goThreadSwitch, "ns/switch", false},
		{"Python: switch, threads (queue.Queue)", p, "Switch/threads-queue", "ns/switch", true},
		{"Python: switch, threads (pipe)", p, "Switch/threads-pipe/free", "ns/switch", true},
		{"Go: switch, processes (pipe)", g, "Switch/processes-pipe/free", "ns/switch", false},
		{"Python: switch, processes (pipe)", p, "Switch/processes-pipe/free", "ns/switch", true},
		{"Go: round trip, channel", g, "RoundTrip/chan", "ns/op", false},
		{"Python: round trip, queue.Queue", p, "RoundTrip/queue-threads", "ns/op", true},
		{"Go: round trip, pipe to a child", g, "RoundTrip/pipe", "ns/op", false},
		{"Go: round trip, Unix socket to a child", g, "RoundTrip/unix-socket", "ns/op", false},
		{"Python: round trip, multiprocessing.Pipe", p, "RoundTrip/mp-pipe", "ns/op", true},
		{"Python: round trip, multiprocessing.Queue", p, "RoundTrip/mp-queue", "ns/op", true},
		{"Go: round trip, TCP loopback", g, "RoundTrip/tcp-loopback", "ns/op", false},
		{"Go: 09 queue, one task, batched", g, "RoundTrip/09-queue-batched", "ns/op", false},
		{"Go: 09 queue, one task, batching off", g, "RoundTrip/09-queue-one-per-trip", "ns/op", false},
		{"Python: BaseManager queue, one item", p, "RoundTrip/manager-queue-per-item", "ns/op", true},
	}
	// Keep the rows that have a figure.
	var have []costRow
	for _, row := range rows {
		if _, ok := row.data.median(row.name, row.unit); ok {
			have = append(have, row)
		}
	}
	return have
}

// drawCosts draws one dot per figure on a logarithmic time axis: starting,
// switching and round trips, Go and Python, from cheapest idea to dearest.
func drawCosts(r report, path string) (drawn bool, err error) {
	rows := r.costRows()
	if len(rows) < 2 {
		return false, nil // a log axis needs a range
	}
	p := plot.New()
	p.Title.Text = "What it costs: start and join, one switch, one round trip (median, log scale)"
	p.X.Label.Text = "time"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.TickerFunc(timeTicks)
	p.Add(plotter.NewGrid())

	// Rows go top to bottom in the order above; the Y axis counts up.
	labels := make([]string, len(rows))
	var goPts, pyPts plotter.XYs
	for i, row := range rows {
		y := float64(len(rows) - 1 - i)
		labels[len(rows)-1-i] = row.label
		v, _ := row.data.median(row.name, row.unit)
		if row.python {
			pyPts = append(pyPts, plotter.XY{X: v, Y: y})
		} else {
			goPts = append(goPts, plotter.XY{X: v, Y: y})
		}
	}
	for _, s := range []struct {
		pts   plotter.XYs
		name  string
		color color.Color
		shape draw.GlyphDrawer
	}{
		{goPts, "Go", goColor, draw.CircleGlyph{}},
		{pyPts, "Python", pythonColor, draw.SquareGlyph{}},
	} {
		if len(s.pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(s.pts)
		if err != nil {
			return false, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Radius: vg.Points(4), Shape: s.shape}
		p.Add(sc)
		p.Legend.Add(s.name, sc)
	}
	// Half a power of ten of room at each end, so no dot sits on the frame.
	p.X.Min /= math.Sqrt(10)
	p.X.Max *= math.Sqrt(10)
	p.NominalY(labels...)
	// Bottom right is where the cheap round trips leave room.
	p.Legend.Top = false
	p.Legend.Left = false
	p.Y.Padding = vg.Points(8)
	return true, savePNG(path, vg.Length(9)*vg.Inch, vg.Length(0.3*float64(len(rows))+1.2)*vg.Inch, [][]*plot.Plot{{p}})
}

// timeTicks marks a logarithmic time axis: a labelled tick at each power of
// ten, and at 2 and 5 times it as well when the axis spans less than two
// powers of ten; unlabelled ticks between.
func timeTicks(min, max float64) []plot.Tick {
	labelled := map[float64]bool{1: true}
	if max/min < 100 {
		labelled[2], labelled[5] = true, true
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for k := 1.0; k < 10; k++ {
			v := k * math.Pow(10, e)
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled[k] {
				t.Label = tickLabel(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// tickLabel prints a round number of nanoseconds shortly: "20 ns", "1 µs".
func tickLabel(ns float64) string {
	units := []struct {
		scale float64
		name  string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}, {1, "ns"}}
	for _, u := range units {
		if ns >= u.scale {
			return strconv.FormatFloat(ns/u.scale, 'g', 3, 64) + " " + u.name
		}
	}
	return strconv.FormatFloat(ns, 'g', 3, 64) + " ns"
}

// lockKinds are BenchmarkLock's guards, as they appear in its names.
var lockKinds = []string{"mutex", "rwmutex-read-mostly", "atomic", "chan-as-lock", "sharded"}

// drawContention draws ns/op against the number of goroutines for each
// guard, one panel with an empty critical section and one with a busy one.
// It draws nothing, and says so, when no Lock results are there.
func drawContention(r report, path string) (drawn bool, err error) {
	var plots []*plot.Plot
	for _, section := range []string{"empty", "busy"} {
		lines := 0
		p := plot.New()
		p.Title.Text = "critical section: " + section
		p.X.Label.Text = "goroutines (GOMAXPROCS = min(goroutines, " + strconv.Itoa(r.cpus) + "))"
		p.Y.Label.Text = "time per operation"
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 1, Label: "1"}, {Value: 2, Label: "2"}, {Value: 4, Label: "4"}, {Value: 8, Label: "8"}, {Value: 16, Label: "16"}})
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.TickerFunc(timeTicks)
		p.Add(plotter.NewGrid())
		for i, kind := range lockKinds {
			var pts plotter.XYs
			for _, g := range []int{1, 2, 4, 8, 16} {
				name := fmt.Sprintf("Lock/%s/section=%s/goroutines=%d", kind, section, g)
				if v, ok := r.goData.median(name, "ns/op"); ok && v > 0 {
					pts = append(pts, plotter.XY{X: float64(g), Y: v})
				}
			}
			if len(pts) < 2 {
				continue // a line needs two points, a log axis a range
			}
			line, points, err := plotter.NewLinePoints(pts)
			if err != nil {
				return false, err
			}
			lines++
			line.Color = plotutil.Color(i)
			line.Width = vg.Points(1.5)
			points.Color = plotutil.Color(i)
			points.Shape = plotutil.Shape(i)
			p.Add(line, points)
			p.Legend.Add(kind, line, points)
		}
		if lines == 0 {
			continue
		}
		// Room above the lines for the legend: the axis is logarithmic,
		// so this adds a third of the height.
		p.Y.Max *= math.Pow(p.Y.Max/p.Y.Min, 0.5)
		p.Legend.Top = true
		p.Legend.Left = true
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return false, nil
	}
	return true, savePNG(path, vg.Length(5.5*float64(len(plots)))*vg.Inch, vg.Length(4.5)*vg.Inch, [][]*plot.Plot{plots})
}

// savePNG lays the plots out in a grid and writes them as one PNG.
func savePNG(path string, w, h vg.Length, plots [][]*plot.Plot) error {
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(plots, tiles, dc)
	for i, row := range plots {
		for j, p := range row {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
