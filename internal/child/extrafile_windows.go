package child

import "errors"

// checkInherited always fails: exec.Cmd passes no extra files on Windows.
func checkInherited(uintptr) error {
	return errors.New("extra files are not passed on Windows")
}
