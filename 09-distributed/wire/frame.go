package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
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
type Reader struct {
	r      io.Reader
	mac    hash.Hash
	seq    uint64
	limit  int
	header [headerSize]byte
	buf    []byte
	tag    []byte
}

// NewReader returns a Reader that checks frames with key and refuses any
// frame longer than limit bytes before reading it.
func NewReader(r io.Reader, key []byte, limit int) *Reader {
	return &Reader{r: r, mac: hmac.New(sha256.New, key), limit: limit}
}

// ReadFrame reads the next frame and returns its payload, which stays valid
// until the next call. It returns io.EOF when the stream ends between frames,
// io.ErrUnexpectedEOF when it ends inside one, and an error wrapping
// [ErrFrame] for a frame that is too long or whose tag is wrong; after an
// error the stream is out of step and must be closed.
func (r *Reader) ReadFrame() ([]byte, error) {
	if _, err := io.ReadFull(r.r, r.header[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(r.header[:])
	if uint64(n) > uint64(r.limit) {
		return nil, fmt.Errorf("%w: %d bytes announced, over the %d-byte limit", ErrFrame, n, r.limit)
	}
	if cap(r.buf) < int(n)+tagSize {
		r.buf = make([]byte, int(n)+tagSize)
	}
	body := r.buf[:int(n)+tagSize]
	if _, err := io.ReadFull(r.r, body); err != nil {
		return nil, unexpected(err)
	}
	payload, tag := body[:n], body[n:]
	r.tag = appendTag(r.tag[:0], r.mac, r.seq, r.header[:], payload)
	if !hmac.Equal(tag, r.tag) {
		return nil, fmt.Errorf("%w: its tag does not match: forged, altered, replayed or out of order", ErrFrame)
	}
	r.seq++
	return payload, nil
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

// unexpected turns the end of the stream inside a frame into
// io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
