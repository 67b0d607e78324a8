package main

import "fmt"

// crashMessage is what a writer or reader panics with when -crash asks for it.
func crashMessage(role, after string) string {
	return fmt.Sprintf("crash requested by -crash %s, after %s", role, after)
}

// crashingPut wraps put so that the writer panics right after the first
// value has gone into the queue.
func crashingPut(put func(string) error) func(string) error {
	return func(v string) error {
		if err := put(v); err != nil {
			return err
		}
		panic(crashMessage(roleWriter, "putting "+v))
	}
}

// crashingGet wraps get so that the reader panics when it asks for the
// second value, after it has printed the first.
func crashingGet(get func() (string, error)) func() (string, error) {
	var got []string
	return func() (string, error) {
		if len(got) == 1 {
			panic(crashMessage(roleReader, "getting "+got[0]))
		}
		v, err := get()
		if err == nil {
			got = append(got, v)
		}
		return v, err
	}
}
