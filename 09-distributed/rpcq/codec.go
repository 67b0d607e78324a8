package rpcq

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"

	"multitask/09-distributed/rpcq/wire"
)

// frames is the part both codecs share: one connection, tagged frames in each
// direction, and one message (a header and a body) per frame.
//
// Each direction is one gob stream, so that a type is described once per
// connection rather than once per message; but the decoder reads from one
// frame at a time. It is given a bytes.Reader holding just the current
// payload, which is an io.ByteReader, so gob does not read ahead, and which
// ends where the frame does, so no message can spill over the frame limit.
// Frames are only decoded after their tag checked out: gob, which is not
// hardened against hostile input, only ever sees bytes from a holder of the
// key. Any decoding or encoding error leaves the stream out of step, so it
// ends the connection.
type frames struct {
	conn net.Conn
	r    *wire.Reader
	w    *wire.Writer
	in   bytes.Reader // the payload being decoded
	dec  *gob.Decoder
	out  bytes.Buffer // the payload being encoded
	enc  *gob.Encoder

	errOnce sync.Once
	err     error         // the first read error, set once
	readEnd chan struct{} // closed when reading has failed for good
}

func newFrames(conn net.Conn, keys wire.Keys, opts Options) *frames {
	f := &frames{
		conn:    conn,
		r:       wire.NewReader(conn, keys.Recv, opts.MaxFrame),
		w:       wire.NewWriter(conn, keys.Send, opts.MaxFrame),
		readEnd: make(chan struct{}),
	}
	f.r.SetFrameTimeout(opts.FrameTimeout)
	f.dec = gob.NewDecoder(&f.in)
	f.enc = gob.NewEncoder(&f.out)
	return f
}

// readHeader reads the next frame and decodes its header into h.
func (f *frames) readHeader(h any) error {
	if err := f.readErr(); err != nil {
		return err
	}
	payload, err := f.r.ReadFrame()
	if err == nil {
		f.in.Reset(payload)
		err = f.dec.Decode(h)
	}
	if err != nil {
		f.failRead(err)
	}
	return err
}

// readBody decodes the body that follows the header; a nil body is read and
// thrown away. A frame must hold exactly one header and one body.
func (f *frames) readBody(body any) error {
	err := f.dec.Decode(body)
	if err == nil && f.in.Len() > 0 {
		err = fmt.Errorf("rpcq: %d stray bytes after the message", f.in.Len())
	}
	if err != nil {
		// The next readHeader returns this error: the connection is over.
		f.failRead(err)
	}
	return err
}

// write encodes a header and a body into one frame and sends it. The rpc
// package calls it with its own lock held, so frames are never interleaved.
func (f *frames) write(h, body any) error {
	f.out.Reset()
	err := f.enc.Encode(h)
	if err == nil {
		err = f.enc.Encode(body)
	}
	if err == nil {
		err = f.w.WriteFrame(f.out.Bytes())
	}
	if err != nil {
		// The peer's decoder would be out of step with our encoder now.
		_ = f.conn.Close()
	}
	return err
}

// failRead records the first read error and says that reading is over.
func (f *frames) failRead(err error) {
	f.errOnce.Do(func() {
		f.err = err
		close(f.readEnd)
	})
}

// readErr is the error that ended reading, or nil while reading goes on.
func (f *frames) readErr() error {
	select {
	case <-f.readEnd:
		return f.err
	default:
		return nil
	}
}

func (f *frames) Close() error { return f.conn.Close() }

// decodeFrame decodes a payload into a header and a body, as the first frame
// of a connection; the fuzz test calls it with arbitrary payloads.
func decodeFrame(payload []byte, h, body any) error {
	f := &frames{readEnd: make(chan struct{})}
	f.in.Reset(payload)
	f.dec = gob.NewDecoder(&f.in)
	if err := f.dec.Decode(h); err != nil {
		return err
	}
	return f.readBody(body)
}

// serverCodec is the master's side: it reads requests and writes responses.
// When reading fails (the worker left, or sent a bad frame) it calls
// onReadEnd, which closes the worker's session: the rpc package waits for the
// calls in flight before it returns, and a call waiting for tasks only ends
// when the session does.
//
// The rpc package runs every request in a goroutine of its own, as soon as
// it has read it; so the codec counts the calls in flight, and a request
// beyond maxInFlight ends the connection instead of starting one more.
type serverCodec struct {
	*frames
	onReadEnd   func()
	maxInFlight int64
	inFlight    atomic.Int64 // requests read whose response is not written yet
}

// errTooManyCalls ends a connection that sends requests faster than it reads
// the answers.
var errTooManyCalls = errors.New("too many calls in flight")

func (c *serverCodec) ReadRequestHeader(r *rpc.Request) error {
	err := c.readHeader(r)
	if err == nil && c.inFlight.Add(1) > c.maxInFlight {
		err = fmt.Errorf("%w: more than %d", errTooManyCalls, c.maxInFlight)
		c.failRead(err)
	}
	if err != nil {
		c.onReadEnd()
	}
	return err
}

func (c *serverCodec) ReadRequestBody(body any) error { return c.readBody(body) }

// WriteResponse counts the call as ended before it writes the answer: the
// worker can only send its next request once it has read this one.
func (c *serverCodec) WriteResponse(r *rpc.Response, body any) error {
	c.inFlight.Add(-1)
	return c.write(r, body)
}

// clientCodec is a worker's side: it writes requests and reads responses.
type clientCodec struct {
	*frames
}

func (c *clientCodec) WriteRequest(r *rpc.Request, body any) error { return c.write(r, body) }

func (c *clientCodec) ReadResponseHeader(r *rpc.Response) error { return c.readHeader(r) }

func (c *clientCodec) ReadResponseBody(body any) error { return c.readBody(body) }
