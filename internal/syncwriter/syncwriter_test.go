package syncwriter

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestLinesStayWhole writes from many goroutines at once; under -race a
// Writer without its lock fails at once, and without -race lines would mix.
func TestLinesStayWhole(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf)
	const writers, lines = 8, 200
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "writer %d line %03d\n", g, i)
			}
		})
	}
	wg.Wait()

	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	assert.Len(t, got, writers*lines)
	for _, line := range got {
		assert.Regexp(t, `^writer \d line \d{3}$`, line)
	}
}
