package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// producers are the two ports of the tutorial's produce(c): main.go's
// coroutine and channels.go's goroutines.
var producers = map[string]func(io.Writer, []int){
	"iter.Pull": produce,
	"channels":  produceOverChannels,
}

func TestCoroutineLinesInTutorialOrder(t *testing.T) {
	for name, produce := range producers {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			produce(&out, coroutineItems)
			assert.Equal(t, strings.Join(tutorialLines(), "\n")+"\n", out.String())
		})
	}
}

func TestCoroutineZeroIsAnItemNotAStop(t *testing.T) {
	// Python's consumer would stop at 0 (`if not n: return`).
	want := "[PRODUCER] Producing 0...\n[CONSUMER] Consuming 0...\n[PRODUCER] Consumer return: 200 OK\n" +
		"[PRODUCER] Producing 7...\n[CONSUMER] Consuming 7...\n[PRODUCER] Consumer return: 200 OK\n"
	for name, produce := range producers {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			produce(&out, []int{0, 7})
			assert.Equal(t, want, out.String())
		})
	}
}

func TestCoroutineWithNoItemsPrintsNothing(t *testing.T) {
	for name, produce := range producers {
		var out bytes.Buffer
		produce(&out, nil)
		assert.Empty(t, out.String(), name)
	}
}
