//go:build !linux

package bench

import "errors"

// The memory benchmarks read /proc, which only Linux has in this form; they
// skip themselves elsewhere.

var errNoProc = errors.New("memory figures come from /proc, which only Linux has")

func selfRSS() (int64, error) { return 0, errNoProc }

func procMemory(int) (rss, pss int64, err error) { return 0, 0, errNoProc }
