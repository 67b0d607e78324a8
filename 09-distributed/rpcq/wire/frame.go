package wire

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"time"
)

// DefaultMaxFrame is the largest payload a frame may carry unless the caller
// chooses otherwise: far more than a batch of tasks or results needs, far
// less than a peer could make the other side allocate without a limit.
const DefaultMaxFrame = 1 << 20

// ErrFrame is what a refused frame wraps: too long, or its tag is wrong.
var ErrFrame = errors.New("bad frame")

// A frame is
//
//	length (4 bytes, big-endian) ‖ payload (length bytes) ‖ tag (32 bytes)
//
// where tag = HMAC-SHA256(direction key, sequence number (8 bytes) ‖ length ‖
// payload). The sequence number counts the frames of one direction from 0;
// it is not sent, both sides know it, so a frame replayed, dropped or moved
// fails its tag.
const (
	headerSize = 4
	tagSize    = sha256.Size
)

// Writer writes tagged frames. It is not safe for concurrent use.
type Writer struct {
	w     io.Writer
	mac   hash.Hash
	seq   uint64
	limit int
	buf   []byte
}

// NewWriter returns a Writer that tags frames with key and refuses payloads
// longer than limit bytes.
func NewWriter(w io.Writer, key []byte, limit int) *Writer {
	return &Writer{w: w, mac: hmac.New(sha256.New, key), limit: limit}
}

// WriteFrame writes payload as one frame, in one Write call.
func (w *Writer) WriteFrame(payload []byte) error {
	if len(payload) > w.limit {
		return fmt.Errorf("%w: %d bytes to send, over the %d-byte limit", ErrFrame, len(payload), w.limit)
	}
	w.buf = binary.BigEndian.AppendUint32(w.buf[:0], uint32(len(payload)))
	w.buf = append(w.buf, payload...)
	w.buf = appendTag(w.buf, w.mac, w.seq, w.buf[:headerSize], payload)
	w.seq++
	_, err := w.w.Write(w.buf)
	return err
}

// Reader reads tagged frames. It is not safe for concurrent use.
//
// It reads through a small buffer of its own, so that a small frame usually
// comes in one read from the connection, and so that it can tell whether a
// frame it has begun is already here in full: then it needs no deadline.
type Reader struct {
	r       *bufio.Reader
	mac     hash.Hash
	seq     uint64
	limit   int
	timeout time.Duration
	dl      readDeadliner // r, when it can take a read deadline
	header  [headerSize]byte
	buf     []byte
	tag     []byte
}

// readDeadliner is a connection that can stop a read at a given time.
type readDeadliner interface {
	SetReadDeadline(t time.Time) error
}

// firstChunk is how much room a frame's buffer gets before its bytes start
// to arrive; keptBuffer is the most a Reader keeps between frames;
// readBuffer is the size of its read buffer.
const (
	firstChunk = 4 << 10
	keptBuffer = 64 << 10
	readBuffer = 4 << 10
)

// NewReader returns a Reader that checks frames with key and refuses any
// frame longer than limit bytes before reading it.
func NewReader(r io.Reader, key []byte, limit int) *Reader {
	dl, _ := r.(readDeadliner)
	return &Reader{r: bufio.NewReaderSize(r, readBuffer), mac: hmac.New(sha256.New, key), limit: limit, dl: dl}
}

// SetFrameTimeout gives every frame d to arrive in full once its first byte
// has come; the wait for that first byte is not bounded, since a peer may
// rightly have nothing to say for a while. It only works when the reader
// underneath can take a read deadline (a net.Conn can), and it owns that
// deadline: nobody else may set one on the connection while frames are read.
// Zero, the default, sets no deadline.
func (r *Reader) SetFrameTimeout(d time.Duration) { r.timeout = d }

// ReadFrame reads the next frame and returns its payload, which stays valid
// until the next call. It returns io.EOF when the stream ends between frames,
// io.ErrUnexpectedEOF when it ends inside one, and an error wrapping
// [ErrFrame] for a frame that is too long or whose tag is wrong; after an
// error the stream is out of step and must be closed.
//
// The buffer grows with the bytes that actually arrive, never from the
// length the header announces: a peer that announces a megabyte and sends
// one byte costs a few kilobytes, not a megabyte.
func (r *Reader) ReadFrame() ([]byte, error) {
	if _, err := io.ReadFull(r.r, r.header[:1]); err != nil {
		return nil, err
	}
	// The frame has begun. Unless all of it is here already, it gets the
	// frame timeout to arrive; the header alone may be cut short too.
	armed := false
	arm := func(rest int) {
		if r.timeout > 0 && r.dl != nil && !armed && r.r.Buffered() < rest {
			armed = true
			_ = r.dl.SetReadDeadline(time.Now().Add(r.timeout))
		}
	}
	defer func() {
		if armed {
			_ = r.dl.SetReadDeadline(time.Time{})
		}
	}()
	arm(headerSize - 1)
	if _, err := io.ReadFull(r.r, r.header[1:]); err != nil {
		return nil, r.inside(err)
	}
	n := binary.BigEndian.Uint32(r.header[:])
	if uint64(n) > uint64(r.limit) {
		return nil, fmt.Errorf("%w: %d bytes announced, over the %d-byte limit", ErrFrame, n, r.limit)
	}
	arm(int(n) + tagSize)
	if cap(r.buf) > keptBuffer {
		// A big frame came before: do not let a connection that has gone
		// quiet pin its buffer.
		r.buf = nil
	}
	body, err := readGrowing(r.r, r.buf[:0], int(n)+tagSize)
	r.buf = body[:0]
	if err != nil {
		return nil, r.inside(err)
	}
	payload, tag := body[:n], body[n:]
	r.tag = appendTag(r.tag[:0], r.mac, r.seq, r.header[:], payload)
	if !hmac.Equal(tag, r.tag) {
		return nil, fmt.Errorf("%w: its tag does not match: forged, altered, replayed or out of order", ErrFrame)
	}
	r.seq++
	return payload, nil
}

// readGrowing reads exactly need bytes into buf, which it grows as they
// arrive: at most doubling what it holds, so that the room it takes is never
// more than twice the bytes read plus firstChunk.
func readGrowing(r io.Reader, buf []byte, need int) ([]byte, error) {
	for len(buf) < need {
		if len(buf) == cap(buf) {
			room := min(need, max(2*cap(buf), firstChunk))
			buf = slices.Grow(buf, room-len(buf))
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), need)])
		buf = buf[:len(buf)+m]
		if err != nil && len(buf) < need {
			return buf, err
		}
	}
	return buf, nil
}

// appendTag appends the tag of frame number seq to dst.
func appendTag(dst []byte, mac hash.Hash, seq uint64, header, payload []byte) []byte {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	mac.Reset()
	mac.Write(s[:])
	mac.Write(header)
	mac.Write(payload)
	return mac.Sum(dst)
}

// inside explains an error that came in the middle of a frame.
func (r *Reader) inside(err error) error {
	if r.timeout > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w: it did not arrive in full within %v of its first byte", ErrFrame, r.timeout)
	}
	return unexpected(err)
}

// unexpected turns the end of the stream inside a frame into
// io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
