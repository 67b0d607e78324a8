package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// ErrFrame is what a refused frame wraps: a length that is negative, over
// the limit, or cut short by the peer.
var ErrFrame = errors.New("bad frame")

// FrameTooLargeError is a frame whose announced length is over the reader's
// limit. It is returned before any of the payload is read or allocated.
type FrameTooLargeError struct {
	Size  uint64 // the length the peer announced
	Limit int    // the most the reader accepts
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("%v: %d bytes announced, over the %d-byte limit", ErrFrame, e.Size, e.Limit)
}

func (e *FrameTooLargeError) Unwrap() error { return ErrFrame }

// closedMidFrame is the end of the stream inside a frame. It is both
// ErrFrame and io.ErrUnexpectedEOF, so that a caller testing for either
// finds it.
type closedMidFrame struct {
	part      string // "header" or "payload"
	got, want uint64
}

func (e *closedMidFrame) Error() string {
	return fmt.Sprintf("%v: the peer closed mid-frame, after %d of the %d bytes of its %s", ErrFrame, e.got, e.want, e.part)
}

func (e *closedMidFrame) Unwrap() []error { return []error{ErrFrame, io.ErrUnexpectedEOF} }

// A frame is a 4-byte big-endian signed length, then that many bytes. A
// payload too long for the signed 32-bit length is announced as -1 followed
// by an 8-byte big-endian length, as CPython's Connection does.
const (
	headerSize     = 4
	longHeaderSize = 8
	longMarker     = -1
	maxShortLength = math.MaxInt32
)

// inlineMax is the largest payload written in the same Write as its
// header: a small frame leaves in one segment, a large one is not copied.
const inlineMax = 16 << 10

// firstChunk is the most room a payload gets before its bytes arrive; the
// buffer then at most doubles with each chunk read, so a peer that
// announces a long frame and sends little of it costs little.
const firstChunk = 64 << 10

// WriteFrame writes p as one frame.
func WriteFrame(w io.Writer, p []byte) error {
	if len(p) <= inlineMax {
		buf := make([]byte, 0, headerSize+len(p))
		buf = appendHeader(buf, len(p))
		_, err := w.Write(append(buf, p...))
		return err
	}
	if _, err := w.Write(appendHeader(nil, len(p))); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

// appendHeader appends the length header of an n-byte payload.
func appendHeader(dst []byte, n int) []byte {
	if uint64(n) > maxShortLength {
		dst = binary.BigEndian.AppendUint32(dst, uint32(0xffffffff))
		return binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

// ReadFrame reads one frame and returns its payload. It returns io.EOF when
// the stream ends before the frame's first byte, an error wrapping ErrFrame
// and io.ErrUnexpectedEOF when it ends inside the frame, a
// *FrameTooLargeError when the announced length is over limit, and an error
// wrapping ErrFrame for a negative length other than -1. After any error the
// stream is out of step and must be closed.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	var first [headerSize]byte
	size, err := readLength(r, limit, &first)
	if err != nil {
		return nil, err
	}
	return readPayload(r, size)
}

// readLength reads a frame's header and checks its length against limit.
// It leaves the first four bytes read in first, so that a caller can say
// what the peer sent instead of a frame.
func readLength(r io.Reader, limit int, first *[headerSize]byte) (int, error) {
	if n, err := io.ReadFull(r, first[:]); err != nil {
		return 0, inside(err, "header", n, headerSize)
	}
	length := int64(int32(binary.BigEndian.Uint32(first[:])))
	size := uint64(length)
	switch {
	case length == longMarker:
		var long [longHeaderSize]byte
		if n, err := io.ReadFull(r, long[:]); err != nil {
			return 0, inside(err, "header", headerSize+n, headerSize+longHeaderSize)
		}
		size = binary.BigEndian.Uint64(long[:])
	case length < 0:
		return 0, fmt.Errorf("%w: negative length %d", ErrFrame, length)
	}
	if size > uint64(max(limit, 0)) {
		return 0, &FrameTooLargeError{Size: size, Limit: limit}
	}
	return int(size), nil
}

// readPayload reads exactly size bytes, growing its buffer as they arrive.
func readPayload(r io.Reader, size int) ([]byte, error) {
	buf := make([]byte, 0, min(size, firstChunk))
	for len(buf) < size {
		chunk := min(size-len(buf), max(len(buf), firstChunk))
		buf = slices.Grow(buf, chunk)
		n, err := io.ReadFull(r, buf[len(buf):len(buf)+chunk])
		buf = buf[:len(buf)+n]
		if err != nil {
			return nil, inside(err, "payload", len(buf), size)
		}
	}
	return buf, nil
}

// inside explains an error that came after got of the want bytes of a
// part of a frame. The end of the stream before a frame's first byte stays
// io.EOF: the peer closed between frames, which is how a connection ends.
func inside(err error, part string, got, want int) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if part == "header" && got == 0 {
			return io.EOF
		}
		return &closedMidFrame{part: part, got: uint64(got), want: uint64(want)}
	}
	return fmt.Errorf("wire: read frame %s: %w", part, err)
}
