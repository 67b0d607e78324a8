package child

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func init() {
	// test-middle starts a grandchild that would sleep for an hour, prints
	// its PID once it runs, and then waits to be killed.
	Register("test-middle", func(args []string) error {
		cmd, err := Command(context.Background(), "test-sleeper")
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		fmt.Println(cmd.Process.Pid)
		return cmd.Wait()
	})
	Register("test-sleeper", func(args []string) error {
		time.Sleep(time.Hour)
		return nil
	})
}

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from linux/prctl.h.
const prSetChildSubreaper = 36

// TestChildDiesWithItsKilledParent is the promise that no child outlives a
// crashed parent: a middle process is killed with SIGKILL, which it cannot
// catch or clean up after, and its own child must die with it.
//
// The test process makes itself a subreaper, so the orphaned grandchild
// becomes its child rather than init's, and it can wait for it: reaped by
// SIGKILL within the deadline, or still alive, which is the failure.
func TestChildDiesWithItsKilledParent(t *testing.T) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Skipf("cannot become a child subreaper: %v", errno)
	}
	t.Cleanup(func() { syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 0, 0) })

	middle, err := Command(t.Context(), "test-middle")
	require.NoError(t, err)
	out, err := middle.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, middle.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "the middle process printed no grandchild PID")
	grandchild, err := strconv.Atoi(strings.TrimSpace(line))
	require.NoError(t, err, "grandchild PID line %q", line)

	require.NoError(t, middle.Process.Kill())
	// Once the middle process is reaped, the kernel has already handed its
	// orphan to this process, so waiting for the grandchild is well defined.
	require.Error(t, middle.Wait(), "the middle process was killed")

	reaped := make(chan syscall.WaitStatus, 1)
	go func() {
		var status syscall.WaitStatus
		for {
			_, err := syscall.Wait4(grandchild, &status, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		reaped <- status
	}()
	select {
	case status := <-reaped:
		require.True(t, status.Signaled() && status.Signal() == syscall.SIGKILL,
			"grandchild %d ended with %v; want killed by SIGKILL when its parent died", grandchild, status)
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(grandchild, syscall.SIGKILL)
		<-reaped
		t.Fatalf("grandchild %d still ran 10s after its parent was killed: no parent-death signal", grandchild)
	}
}
