package child

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal asks the kernel to kill the child when the parent dies,
// so a parent that crashes or is killed leaves no child behind. The signal is
// tied to the OS thread that started the child; Go threads live as long as
// the process unless a goroutine exits while locked to one, which the
// lessons that start children never do.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
