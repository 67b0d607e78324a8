package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// message is one value on the wire between the writer and the reader
// process. Python's Queue pickles what is put into it; here each message is
// a JSON line, which any language can read and which cannot run code when
// it is decoded.
type message struct {
	Value string `json:"value"`
}

// streamPut returns a put that writes each value to w as one JSON line.
// json.Encoder writes the whole line with a single Write, and a pipe writes
// up to PIPE_BUF bytes (at least 512, 4096 on Linux) atomically, so a line
// is either wholly in the pipe or not at all.
func streamPut(w io.Writer) func(string) error {
	enc := json.NewEncoder(w)
	return func(v string) error {
		return enc.Encode(message{Value: v})
	}
}

// errHalfMessage reports a stream that ended inside a message: the sender
// died (or was killed) half-way through writing it.
var errHalfMessage = errors.New("the stream ended in the middle of a message")

// streamGet returns a get that reads JSON lines from r. It returns io.EOF
// at the clean end of the stream, after a whole message, and errHalfMessage
// when the stream stops inside one.
func streamGet(r io.Reader) func() (string, error) {
	dec := json.NewDecoder(r)
	return func() (string, error) {
		var m message
		err := dec.Decode(&m)
		switch {
		case err == nil:
			return m.Value, nil
		case errors.Is(err, io.EOF):
			return "", io.EOF
		case errors.Is(err, io.ErrUnexpectedEOF):
			return "", errHalfMessage
		default:
			return "", fmt.Errorf("decode message: %w", err)
		}
	}
}
