package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// runqueueWait is how long the threads of this process have so far been
// ready to run but waiting for a CPU that something else had: the sum of
// the second field of /proc/self/task/*/schedstat. ok is false where the
// kernel keeps no such statistics.
//
// It tells a busy machine apart from a lack of parallelism: a busy loop
// that other processes crowd out is counted here, while a thread waiting
// for a lock such as the GIL sleeps and is not (except for the moments
// between being woken and getting a CPU, which a busy machine stretches).
func runqueueWait() (wait time.Duration, ok bool) {
	if _, err := os.Stat("/proc/self/schedstat"); err != nil {
		return 0, false
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, false
	}
	for _, task := range tasks {
		data, err := os.ReadFile(filepath.Join("/proc/self/task", task.Name(), "schedstat"))
		if errors.Is(err, fs.ErrNotExist) {
			continue // The thread ended after ReadDir listed it.
		}
		if err != nil {
			return 0, false
		}
		var running, waiting int64
		if _, err := fmt.Sscan(string(data), &running, &waiting); err != nil {
			return 0, false
		}
		wait += time.Duration(waiting)
	}
	return wait, true
}
