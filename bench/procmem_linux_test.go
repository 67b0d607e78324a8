package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// selfRSS is the resident set size of this process in bytes: the memory the
// kernel has actually given it, whatever the Go runtime thinks it uses. The
// second field of /proc/self/statm is that size in pages.
func selfRSS() (int64, error) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0, fmt.Errorf("/proc/self/statm: unexpected %q", data)
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/self/statm: %w", err)
	}
	return pages * int64(os.Getpagesize()), nil
}

// procMemory returns the resident set size (RSS) and the proportional set
// size (PSS) of process pid in bytes. RSS counts every page the process
// maps, shared ones in full; PSS divides each shared page by the number of
// processes sharing it, so PSS is what one more process really adds.
func procMemory(pid int) (rss, pss int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, 0, err
	}
	var haveRSS, havePSS bool
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || fields[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "Rss:":
			rss, haveRSS = kb<<10, true
		case "Pss:":
			pss, havePSS = kb<<10, true
		}
	}
	if !haveRSS || !havePSS {
		return 0, 0, fmt.Errorf("/proc/%d/smaps_rollup: no Rss or Pss line", pid)
	}
	return rss, pss, nil
}

func TestSelfRSSSeesTouchedMemory(t *testing.T) {
	// A fresh mapping outside the Go heap: heap pages freed by an earlier
	// test (or an earlier -count) would still be resident and not grow RSS.
	const size = 32 << 20
	block, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	require.NoError(t, err)
	defer syscall.Munmap(block)
	before, err := selfRSS()
	require.NoError(t, err)
	for i := 0; i < size; i += os.Getpagesize() {
		block[i] = 1 // a page only counts once it is touched
	}
	after, err := selfRSS()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, after-before, int64(size*3/4), "RSS grew by the touched block")
}

func TestProcMemoryOfThisProcess(t *testing.T) {
	rss, pss, err := procMemory(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, pss)
	assert.LessOrEqual(t, pss, rss, "a process's share of its pages is at most all of them")
	_, _, err = procMemory(-1)
	assert.Error(t, err)
}
