package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/clitest"
	"multitask/internal/twin"
)

// The tutorial's scripts mixed with the Go port over -transport python:
// the twins task_master.py and task_worker.py are the tutorial's programs
// (see their comments), run by python3.

func TestTheTutorialsPythonWorkersJoinAGoMaster(t *testing.T) {
	clitest.RequirePython(t)
	out := newWatch()
	pair := pythonPair{tasks: 20, workers: 2, pace: 10 * time.Millisecond, goMaster: true}
	require.NoError(t, pair.run(t.Context(), out), out.String())
	said := byWho(out.String())
	checkMasterOutput(t, said["master"], 20)
	assert.Equal(t, "master exit.", said["master"][len(said["master"])-1])
	ran := 0
	for _, w := range []string{"worker 1", "worker 2"} {
		require.NotEmpty(t, said[w], "%s printed nothing:\n%s", w, out.String())
		assert.Equal(t, "worker exit.", said[w][len(said[w])-1], "%s ends as the tutorial's does", w)
		ran += len(numbers(t, said[w], runLine))
	}
	assert.Equal(t, 20, ran, "each task ran once")
}

func TestAGoWorkerAndAPythonWorkerShareAGoMaster(t *testing.T) {
	clitest.RequirePython(t)
	python, err := twin.Python()
	require.NoError(t, err)
	const tasks = 20
	m, addr := startMaster(t, "-tasks", fmt.Sprint(tasks), "-transport", "python")
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	// The Python worker tries once, as the tutorial's tries ten times: it
	// must not try after the master has gone. The Go worker joins once the
	// Python one has its task, and takes the rest.
	script := filepath.Join(t.TempDir(), "task_worker.py")
	require.NoError(t, os.WriteFile(script, taskWorkerPy, 0o644))
	py := exec.CommandContext(t.Context(), python, "-u", script, "--port", port, "--tasks", "1", "--sleep", "0.2")
	py.Env = append(os.Environ(), keyEnv+"="+testKey)
	pyOut := newWatch()
	py.Stdout, py.Stderr = pyOut, pyOut
	require.NoError(t, py.Start())
	pyDone := make(chan error, 1)
	go func() { pyDone <- py.Wait() }()
	pyOut.waitFor(t, `run task \d+`)
	goWorker := start(t, "worker", "-addr", addr, "-authkey", testKey, "-sleep", "0", "-transport", "python")

	require.NoError(t, m.wait(t), m.out.String())
	require.NoError(t, goWorker.wait(t), goWorker.out.String())
	require.NoError(t, receive(t, pyDone, 30*time.Second, "the Python worker did not exit"), pyOut.String())
	checkMasterOutput(t, lines(m.out.String()), tasks)
	pyRan := numbers(t, lines(pyOut.String()), runLine)
	goRan := numbers(t, lines(goWorker.out.String()), runLine)
	assert.Len(t, pyRan, 1)
	assert.Len(t, goRan, tasks-1, "the Go worker did the others")
	assert.Equal(t, "worker exit.", lines(pyOut.String())[len(lines(pyOut.String()))-1])
	assert.Contains(t, lines(m.out.String()), fmt.Sprintf("Result: %d * %d = %d", pyRan[0], pyRan[0], pyRan[0]*pyRan[0]),
		"the Python worker's result reached the Go master")
}

func TestAGoWorkerJoinsTheTutorialsPythonMaster(t *testing.T) {
	clitest.RequirePython(t)
	out := newWatch()
	pair := pythonPair{tasks: 20, workers: 2, pace: 10 * time.Millisecond, goWorkers: 2}
	require.NoError(t, pair.run(t.Context(), out), out.String())
	said := byWho(out.String())
	// task_master.py prints a Result line per task: every result arrived.
	checkMasterOutput(t, said["master"], 20)
	ran := 0
	for _, w := range []string{"worker 1", "worker 2"} {
		require.NotEmpty(t, said[w], "%s printed nothing:\n%s", w, out.String())
		assert.Equal(t, "worker exit.", said[w][len(said[w])-1], "a Go worker ends cleanly when the Python master hangs up")
		ran += len(numbers(t, said[w], runLine))
	}
	assert.Equal(t, 20, ran)
}

func TestAWorkerOfTheWrongTransportIsToldTheFlag(t *testing.T) {
	for _, tt := range []struct{ master, worker, want string }{
		{"rpc", "python", "-transport rpc"},
		{"python", "rpc", "-transport python"},
	} {
		t.Run(tt.worker+" worker at a "+tt.master+" master", func(t *testing.T) {
			m, addr := startMaster(t, "-tasks", "1", "-transport", tt.master)
			w := start(t, "worker", "-addr", addr, "-authkey", testKey, "-transport", tt.worker)
			err := w.wait(t)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			good := start(t, "worker", "-addr", addr, "-authkey", testKey, "-sleep", "0", "-transport", tt.master)
			require.NoError(t, m.wait(t), m.out.String())
			require.NoError(t, good.wait(t), good.out.String())
		})
	}
}

// byWho splits the lines of a run by the name they start with.
func byWho(out string) map[string][]string {
	who := regexp.MustCompile(`^(master|worker \d) +\| (.*)$`)
	said := map[string][]string{}
	for _, line := range lines(out) {
		if m := who.FindStringSubmatch(line); m != nil {
			said[m[1]] = append(said[m[1]], strings.TrimSpace(m[2]))
		}
	}
	return said
}
