package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestThreadIDOfThisGoroutine(t *testing.T) {
	assert.Positive(t, threadID())
}
