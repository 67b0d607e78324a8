package guard

import "fmt"

// MinKeyLen is the shortest key [ShortKeyWarning] keeps quiet about: 16
// random bytes are out of reach of any guesser, online or offline.
const MinKeyLen = 16

// ShortKeyWarning returns a one-line warning when key is shorter than
// MinKeyLen, and "" otherwise. A short key still works (the tutorial's is
// "abc"); the guard slows down guessing from one address, but a key of
// three letters falls to a patient guesser, or to many addresses at once,
// or offline to anyone who recorded one handshake.
func ShortKeyWarning(key []byte) string {
	if len(key) >= MinKeyLen {
		return ""
	}
	return fmt.Sprintf("the key is only %d bytes long: a key that short can be guessed; "+
		"use %d or more random bytes, e.g. AUTHKEY=$(head -c 32 /dev/urandom | base64)", len(key), MinKeyLen)
}
