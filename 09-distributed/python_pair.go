package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"multitask/internal/twin"
)

// pythonPair is a run of the Python twins, task_master.py and
// task_worker.py, as the tutorial's page runs them: the master first, then
// the workers.
type pythonPair struct {
	tasks   int           // the master's --tasks; the workers' --tasks add up to it
	workers int           // how many task_worker.py
	pace    time.Duration // each worker's --sleep
	// goMaster runs the Go master with -transport python in this process
	// instead of task_master.py, and goWorkers Go workers with -transport
	// python stand in for as many of the task_worker.py: the tutorial's
	// scripts mixed with the Go port.
	goMaster  bool
	goWorkers int
}

// run runs the pair on a free loopback port with a fresh key (in AUTHKEY,
// as the Go side has it): task_master.py, then, once it serves its queues,
// the workers. Every line goes to out under the name of who printed it, as
// in the demo. Each worker tries exactly as many times as it has tasks, as
// the tutorial's does, so the workers' tries add up to the tasks put.
func (p pythonPair) run(ctx context.Context, out io.Writer) error {
	python, err := twin.Python()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "09-distributed-twins-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for name, src := range map[string][]byte{"task_master.py": taskMasterPy, "task_worker.py": taskWorkerPy} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			return err
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	key := hex.EncodeToString(raw)
	env := append(os.Environ(), keyEnv+"="+key)
	// The Python master waits ten seconds for each result; this bounds a
	// pair that hangs anyway.
	ctx, cancel := context.WithTimeout(ctx, time.Minute+time.Duration(p.tasks)*p.pace)
	defer cancel()

	mux := newLineMux(out)
	label := labels(p.workers)
	serving := &firstWrite{w: mux.writer(label("master")), done: make(chan struct{})}
	addr := "127.0.0.1:" + port
	masterDone := make(chan error, 1)
	masterName := "python3 task_master.py"
	if p.goMaster {
		masterName = "the Go master"
		go func() {
			masterDone <- runMaster(ctx, serving, []string{"-transport", "python", "-tutorial-only",
				"-addr", addr, "-authkey", key, "-tasks", strconv.Itoa(p.tasks)})
		}()
	} else {
		master := python3(ctx, python, dir, env, serving, "task_master.py",
			"--host", "127.0.0.1", "--port", port, "--tasks", strconv.Itoa(p.tasks))
		if err := master.Start(); err != nil {
			return fmt.Errorf("start python3 task_master.py: %w", err)
		}
		go func() { masterDone <- master.Wait() }()
	}
	// Its first line comes once its queues are served.
	select {
	case <-serving.done:
	case err := <-masterDone:
		return fmt.Errorf("%s ended before it served its queues: %w", masterName, err)
	}

	var wg sync.WaitGroup
	errs := make([]error, p.workers)
	sleep := strconv.FormatFloat(p.pace.Seconds(), 'f', -1, 64)
	for i := range p.workers {
		share := p.tasks / p.workers
		if i < p.tasks%p.workers {
			share++
		}
		w := mux.writer(label(fmt.Sprint("worker ", i+1)))
		if i < p.goWorkers {
			// A Go worker takes tasks until the queue stays empty for a
			// second, as the tutorial's waits a second for each.
			wg.Go(func() {
				if err := runWorker(ctx, w, []string{"-transport", "python", "-tutorial-only",
					"-addr", addr, "-authkey", key, "-sleep", p.pace.String(), "-idle", "1s"}); err != nil {
					errs[i] = fmt.Errorf("the Go worker (worker %d): %w", i+1, err)
				}
				_ = w.Flush()
			})
			continue
		}
		cmd := python3(ctx, python, dir, env, w, "task_worker.py",
			"--host", "127.0.0.1", "--port", port, "--tasks", strconv.Itoa(share), "--sleep", sleep)
		wg.Go(func() {
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("python3 task_worker.py (worker %d): %w", i+1, err)
			}
			_ = w.Flush()
		})
	}
	wg.Wait()
	if err := <-masterDone; err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", masterName, err))
	}
	_ = serving.w.Flush()
	if ctx.Err() != nil {
		return fmt.Errorf("the Python twins did not end within %v", time.Minute+time.Duration(p.tasks)*p.pace)
	}
	return errors.Join(errs...)
}

// python3 returns the command that runs script of dir with args, its output
// and errors to out. -u leaves stdout unbuffered, so that lines arrive as
// they are printed; each process has a pipe of its own, and out puts the
// lines together. Cancelling ctx interrupts the script, so that a master
// shuts its manager's server process down.
func python3(ctx context.Context, python, dir string, env []string, out io.Writer, script string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, python, append([]string{"-u", filepath.Join(dir, script)}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// freePort returns a loopback TCP port that nothing listened on a moment
// ago. Another program could take it before the Python master does; the
// master would then fail to bind, and say so.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

// firstWrite passes writes on to w and closes done at the first one.
type firstWrite struct {
	w    *lineWriter
	done chan struct{}
	once sync.Once
}

func (f *firstWrite) Write(p []byte) (int, error) {
	f.once.Do(func() { close(f.done) })
	return f.w.Write(p)
}
