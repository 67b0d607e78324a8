package main

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParkGoroutinesJoinsThemBeforeReturning checks "released and joined":
// parkGoroutines does not return while a goroutine it started still runs.
// The released goroutines are held in afterRelease; once everything in the
// bubble is blocked, parkGoroutines must still be waiting for them, and
// must return once they are let go.
func TestParkGoroutinesJoinsThemBeforeReturning(t *testing.T) {
	t.Cleanup(func() { afterRelease = func() {} })
	synctest.Test(t, func(t *testing.T) {
		// Made inside the bubble, so that a goroutine blocked on it counts
		// as durably blocked for synctest.Wait.
		hold := make(chan struct{})
		afterRelease = func() { <-hold }
		returned := make(chan error, 1)
		go func() {
			_, err := parkGoroutines(t.Context(), 100)
			returned <- err
		}()
		synctest.Wait()
		select {
		case <-returned:
			close(hold)
			t.Fatal("parkGoroutines returned while its goroutines were still running")
		default:
		}

		close(hold)
		synctest.Wait()
		select {
		case err := <-returned:
			require.NoError(t, err)
		default:
			assert.Fail(t, "parkGoroutines did not return once its goroutines had ended")
		}
	})
}
