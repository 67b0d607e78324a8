package main

import (
	"fmt"
	"os"

	"multitask/internal/child"
)

// crashRole is runProc followed by a panic, for -crash: the tutorial's
// join() would let it pass, and this lesson shows that Wait does not.
const crashRole = "runProc-crash"

func init() {
	child.Register(crashRole, func(args []string) error {
		name, err := oneArg(args)
		if err != nil {
			return err
		}
		if err := runProc(os.Stdout, name); err != nil {
			return err
		}
		panic(fmt.Sprintf("runProc(%q) crashed on purpose (-crash)", name))
	})
}

// childRole is the role the child process plays: runProc, or with -crash
// runProc and a panic.
func (o options) childRole() string {
	if o.crash {
		return crashRole
	}
	return runProcRole
}
