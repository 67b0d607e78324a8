package main

import (
	"testing"
)

// The cost of finding the student without a parameter, for the README's
// figures: the hack walks the stack on every lookup; a context value is a
// walk up a short chain of parents. A parameter costs nothing to find.

func BenchmarkLookupGlobalDictHack(b *testing.B) {
	var m goroutineMap
	defer m.bind(threads[0])()
	for b.Loop() {
		if _, ok := m.lookup(); !ok {
			b.Fatal("the hack found no student")
		}
	}
}

func BenchmarkLookupContextValue(b *testing.B) {
	ctx := bind(b.Context(), threads[0]) // the student two levels up
	for b.Loop() {
		if _, ok := studentFrom(ctx); !ok {
			b.Fatal("the context holds no student")
		}
	}
}
