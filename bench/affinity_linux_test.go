package bench

import (
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/osthreads"
)

// cpuSet is the kernel's CPU mask for sched_setaffinity(2): one bit per CPU,
// 1024 CPUs, the size of glibc's cpu_set_t.
type cpuSet [16]uint64

// threadAffinity returns the CPUs the calling OS thread may run on. Pid 0
// means "this thread", not the whole process: on Linux affinity belongs to
// each thread, which is why the callers lock their goroutine to its thread
// first.
func threadAffinity() (cpuSet, error) {
	var s cpuSet
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(s), uintptr(unsafe.Pointer(&s)))
	if errno != 0 {
		return s, fmt.Errorf("sched_getaffinity: %w", errno)
	}
	return s, nil
}

func setThreadAffinity(s cpuSet) error {
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(s), uintptr(unsafe.Pointer(&s)))
	if errno != 0 {
		return fmt.Errorf("sched_setaffinity: %w", errno)
	}
	return nil
}

// firstCPU is the lowest-numbered CPU the calling thread may run on; the
// pinned benchmarks put both partners there, so that they take turns on one
// CPU. It is what `taskset -c N` does for a whole command.
func firstCPU() (int, error) {
	s, err := threadAffinity()
	if err != nil {
		return 0, err
	}
	for i, word := range s {
		if word != 0 {
			return i*64 + bits.TrailingZeros64(word), nil
		}
	}
	return 0, fmt.Errorf("sched_getaffinity: no CPU allowed")
}

// pinThread restricts the calling OS thread to one CPU and returns a function
// that gives the thread back the CPUs it had. The caller must have locked its
// goroutine to the thread (runtime.LockOSThread) and keep it locked until it
// has called restore, or the pin lands on a thread other goroutines use.
func pinThread(cpu int) (restore func() error, err error) {
	old, err := threadAffinity()
	if err != nil {
		return nil, err
	}
	if cpu < 0 || cpu >= len(old)*64 {
		return nil, fmt.Errorf("pin to CPU %d: out of range", cpu)
	}
	var one cpuSet
	one[cpu/64] = 1 << (cpu % 64)
	if err := setThreadAffinity(one); err != nil {
		return nil, fmt.Errorf("pin to CPU %d: %w", cpu, err)
	}
	return func() error { return setThreadAffinity(old) }, nil
}

// TestPinThreadPinsOnlyThisThread pins the test's thread, checks that the
// kernel now runs it on that CPU only, and that restore gives it back every
// CPU it had.
func TestPinThreadPinsOnlyThisThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, err := threadAffinity()
	require.NoError(t, err)
	cpu, err := firstCPU()
	require.NoError(t, err)

	restore, err := pinThread(cpu)
	require.NoError(t, err)
	pinned, err := threadAffinity()
	require.NoError(t, err)
	var want cpuSet
	want[cpu/64] = 1 << (cpu % 64)
	assert.Equal(t, want, pinned, "the thread may run on CPU %d only", cpu)
	runsOn, err := currentCPU()
	require.NoError(t, err)
	assert.Equal(t, cpu, runsOn, "the kernel moved the thread to its CPU")

	require.NoError(t, restore())
	after, err := threadAffinity()
	require.NoError(t, err)
	assert.Equal(t, before, after, "restore gives back every CPU")
}

func TestPinThreadRefusesACPUOutOfRange(t *testing.T) {
	_, err := pinThread(-2)
	assert.Error(t, err)
	_, err = pinThread(1 << 20)
	assert.Error(t, err)
}

// currentCPU is the CPU the calling thread last ran on: field 39 of
// /proc/thread-self/stat. The fields after the command name, which is in
// parentheses and may hold spaces, start at field 3.
func currentCPU() (int, error) {
	data, err := os.ReadFile("/proc/thread-self/stat")
	if err != nil {
		return 0, err
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	const processor = 39 - 3
	if len(fields) <= processor {
		return 0, fmt.Errorf("/proc/thread-self/stat: only %d fields", len(fields)+2)
	}
	return strconv.Atoi(fields[processor])
}

// TestLockedGoroutineEndsItsThread checks what BenchmarkSpawn/thread relies
// on: a goroutine that returns while locked to its thread takes the thread
// with it, so the next one runs on a new thread, and the thread count does
// not grow with them.
func TestLockedGoroutineEndsItsThread(t *testing.T) {
	const n = 20
	threads0, err := osthreads.Count()
	require.NoError(t, err)
	tids := map[int]bool{}
	for range n {
		tid := make(chan int, 1)
		var wg sync.WaitGroup
		wg.Go(func() {
			runtime.LockOSThread()
			tid <- syscall.Gettid()
		})
		wg.Wait()
		tids[<-tid] = true
	}
	assert.Len(t, tids, n, "every locked goroutine ran on a thread of its own")
	threads1, err := osthreads.Count()
	require.NoError(t, err)
	assert.Less(t, threads1, threads0+n/2, "the threads ended with their goroutines")
}
