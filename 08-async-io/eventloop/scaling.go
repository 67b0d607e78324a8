package eventloop

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"
)

// scaling is one table of the CPU-bound vs IO-bound comparison: the wall time
// of the same tasks with at most limits[i] of them running at once (rows),
// under each GOMAXPROCS setting in procs (columns).
type scaling struct {
	limits []int
	procs  []int
	wall   [][]time.Duration // [row][column]
}

// concurrencyLevels are the rows: 1, 2, 4, … and finally all the tasks.
func concurrencyLevels(tasks int) []int {
	var levels []int
	for n := 1; n < tasks; n *= 2 {
		levels = append(levels, n)
	}
	return append(levels, tasks)
}

// procsLevels are the columns: one CPU, and every CPU when there are more.
func procsLevels() []int {
	if n := runtime.NumCPU(); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// measureScaling runs tasks copies of task for every cell of the table.
// GOMAXPROCS is how many threads may run Go code at once; it is set for the
// whole process, so this must not run beside anything else that measures.
func measureScaling(ctx context.Context, tasks int, task func(ctx context.Context, i int) error) (scaling, error) {
	t := scaling{limits: concurrencyLevels(tasks), procs: procsLevels()}
	t.wall = make([][]time.Duration, len(t.limits))
	for row := range t.wall {
		t.wall[row] = make([]time.Duration, len(t.procs))
	}
	for col, procs := range t.procs {
		prev := runtime.GOMAXPROCS(procs)
		err := func() error {
			defer runtime.GOMAXPROCS(prev)
			for row, limit := range t.limits {
				if err := ctx.Err(); err != nil {
					return err
				}
				start := time.Now()
				if err := runLimited(ctx, tasks, limit, task); err != nil {
					return err
				}
				t.wall[row][col] = time.Since(start)
			}
			return nil
		}()
		if err != nil {
			return scaling{}, err
		}
	}
	return t, nil
}

// runLimited runs tasks copies of task with at most limit of them at once,
// and returns the first error after all have ended; an error cancels the
// context the others get.
func runLimited(ctx context.Context, tasks, limit int, task func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i := range tasks {
		g.Go(func() error { return task(ctx, i) })
	}
	return g.Wait()
}

// print writes the table with each cell's speed-up over running the tasks one
// at a time under the same GOMAXPROCS.
func (t scaling) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "tasks at once")
	for _, p := range t.procs {
		fmt.Fprintf(tw, "\tGOMAXPROCS=%d", p)
	}
	fmt.Fprintln(tw)
	for row, limit := range t.limits {
		fmt.Fprint(tw, strconv.Itoa(limit))
		for col := range t.procs {
			d := t.wall[row][col]
			fmt.Fprintf(tw, "\t%v ×%.1f", roundDuration(d), float64(t.wall[0][col])/float64(d))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// spinSink keeps spin's results, so that no compiler may decide the
// computation is unused and drop it.
var spinSink atomic.Uint64

// spin is pure computation: a xorshift generator run for iters steps. It
// touches no memory, so nothing but the CPU limits it.
func spin(iters int) uint64 {
	x := uint64(88172645463325252)
	for range iters {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// calibrateSpin finds how many steps of spin take about d on this machine,
// so that -cpu-task can be given as a duration. It keeps the fastest of three
// timings: on a busy machine the slower ones include time spent waiting for
// a CPU, which would make every task too short.
func calibrateSpin(d time.Duration) int {
	n := 1 << 16
	for ; n < 1<<40; n *= 2 {
		if timeSpin(n) >= 10*time.Millisecond {
			break
		}
	}
	fastest := timeSpin(n)
	for range 2 {
		fastest = min(fastest, timeSpin(n))
	}
	return max(1, int(float64(n)*float64(d)/float64(fastest)))
}

func timeSpin(n int) time.Duration {
	start := time.Now()
	spinSink.Store(spin(n))
	return max(time.Since(start), 1)
}

// Study says what [CPUVersusIO] measures.
type Study struct {
	// Tasks is how many tasks each cell of the two tables runs.
	Tasks int
	// CPUTask is how long each CPU-bound task computes.
	CPUTask time.Duration
	// IOWait is how long the server waits before it answers an IO-bound
	// task.
	IOWait time.Duration
	// Idle is the server's idle timeout, as for [Servers].
	Idle time.Duration
}

// AtLeast is the least time the study can take on this machine, so that a
// command line asking for hours can be refused before it starts. In the
// CPU-bound table every row computes every task: on one thread under
// GOMAXPROCS=1, on at most NumCPU threads under the others. In the IO-bound
// table a row takes one wait per round of tasks, in every column.
func (st Study) AtLeast() time.Duration {
	procs := procsLevels()
	var total time.Duration
	for _, limit := range concurrencyLevels(st.Tasks) {
		for _, p := range procs {
			total += time.Duration(st.Tasks) * st.CPUTask / time.Duration(min(limit, p))
			total += time.Duration((st.Tasks+limit-1)/limit) * st.IOWait
		}
	}
	return total
}

// CPUVersusIO measures and prints both tables of the scaling study. A
// cancelled ctx stops it between two tasks; a task under way runs to its
// end (at most one CPUTask).
func CPUVersusIO(ctx context.Context, w io.Writer, st Study) error {
	fmt.Fprintf(w, "\n--- Go: CPU-bound vs IO-bound, %d tasks ---\n", st.Tasks)

	iters := calibrateSpin(st.CPUTask)
	// Each table's title comes before it is measured, so that the reader
	// knows what is being waited for.
	fmt.Fprintf(w, "CPU-bound: each task computes for about %v\n", st.CPUTask)
	cpu, err := measureScaling(ctx, st.Tasks, func(ctx context.Context, _ int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		spinSink.Add(spin(iters))
		return nil
	})
	if err != nil {
		return fmt.Errorf("CPU-bound tasks: %w", err)
	}
	cpu.print(w)

	srv, err := startGoroutineServer(serverConfig{delay: st.IOWait, idle: st.Idle})
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(w, "IO-bound: each task waits %v for a reply from a server\n", st.IOWait)
	ioTable, err := measureScaling(ctx, st.Tasks, func(ctx context.Context, i int) error {
		return oneRequest(ctx, srv.Addr(), strconv.Itoa(i+1), st.IOWait+clientSlack)
	})
	if err != nil {
		return fmt.Errorf("IO-bound tasks: %w", err)
	}
	ioTable.print(w)
	fmt.Fprintln(w, "CPU-bound tasks gain only up to GOMAXPROCS at once:")
	fmt.Fprintln(w, "more of them just take turns on the same threads.")
	fmt.Fprintln(w, "IO-bound tasks gain from every task added at once, even on one thread:")
	fmt.Fprintln(w, "a waiting task needs no CPU.")
	return nil
}
