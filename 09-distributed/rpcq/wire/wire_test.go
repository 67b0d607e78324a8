package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testKey = []byte("the shared key")

// handshake runs both sides over an in-memory connection.
func handshake(t *testing.T, serverKey, clientKey []byte) (server, client Keys, serverErr, clientErr error) {
	t.Helper()
	a, b := net.Pipe()
	// A side that waits for what the other never sends fails at the
	// deadline instead of hanging the test.
	deadline := time.Now().Add(10 * time.Second)
	require.NoError(t, a.SetDeadline(deadline))
	require.NoError(t, b.SetDeadline(deadline))
	done := make(chan struct{})
	go func() {
		defer close(done)
		server, serverErr = Server(a, serverKey)
		a.Close()
	}()
	client, clientErr = Client(b, clientKey)
	b.Close()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the server side of the handshake did not return after the client side closed")
	}
	return server, client, serverErr, clientErr
}

func TestHandshakeGivesBothSidesTheSameFrameKeys(t *testing.T) {
	s, c, serr, cerr := handshake(t, testKey, testKey)
	require.NoError(t, serr)
	require.NoError(t, cerr)
	assert.Equal(t, s.Send, c.Recv)
	assert.Equal(t, s.Recv, c.Send)
	assert.NotEqual(t, s.Send, s.Recv, "each direction has its own key")

	s2, _, serr, cerr := handshake(t, testKey, testKey)
	require.NoError(t, serr)
	require.NoError(t, cerr)
	assert.NotEqual(t, s.Send, s2.Send, "fresh nonces give every connection new keys")
}

func TestHandshakeWithWrongKeyFailsOnBothSides(t *testing.T) {
	_, _, serr, cerr := handshake(t, testKey, []byte("a wrong key"))
	require.ErrorIs(t, serr, ErrAuth)
	require.ErrorIs(t, cerr, ErrAuth)
	assert.EqualError(t, serr, "authentication failed: wrong key")
	assert.EqualError(t, cerr, "authentication failed: the master refused our key")
}

func TestEmptyKeyIsRefused(t *testing.T) {
	_, err := Server(&bytes.Buffer{}, nil)
	assert.Error(t, err)
	_, err = Client(&bytes.Buffer{}, nil)
	assert.Error(t, err)
}

// conn is a scripted connection: reads come from in, writes go to out.
type conn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *conn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *conn) Write(p []byte) (int, error) { return c.out.Write(p) }

// fixedNonce makes the nonces of a handshake predictable.
func fixedNonce(b byte) io.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, nonceSize)) }

// validAnswer is what an honest worker answers to a master whose nonce is
// all 1s, with its own nonce all 2s.
func validAnswer(key []byte) []byte {
	nm, nw := bytes.Repeat([]byte{1}, nonceSize), bytes.Repeat([]byte{2}, nonceSize)
	return append(append([]byte(Magic), nw...), mac(key, labelWorkerProof, nm, nw)...)
}

// validGreetingAndVerdict is what an honest master sends a worker whose nonce
// is all 2s, with its own nonce all 1s.
func validGreetingAndVerdict(key []byte) []byte {
	nm, nw := bytes.Repeat([]byte{1}, nonceSize), bytes.Repeat([]byte{2}, nonceSize)
	out := append([]byte(Greeting), nm...)
	out = append(out, welcome)
	return append(out, mac(key, labelMasterProof, nm, nw)...)
}

func TestServerReadsOnlyTheAnswer(t *testing.T) {
	extra := []byte("and a request sent too early")
	c := &conn{in: bytes.NewReader(append(validAnswer(testKey), extra...))}
	_, err := server(c, testKey, fixedNonce(1), nil)
	require.NoError(t, err)
	assert.Equal(t, len(extra), c.in.Len(), "nothing past the answer is read during the handshake")
}

func TestWorkerRefusesAMasterWithoutTheKey(t *testing.T) {
	// A fake master welcomes any worker, but cannot produce the proof.
	script := validGreetingAndVerdict([]byte("not the key"))
	_, err := client(&conn{in: bytes.NewReader(script)}, testKey, fixedNonce(2))
	require.ErrorIs(t, err, ErrAuth)
	assert.EqualError(t, err, "authentication failed: the master could not prove it knows the key")
}

func TestProofsCannotBeReflected(t *testing.T) {
	// A peer that sends the master's own proof back as its answer fails:
	// the labels make the two proofs differ.
	nm, nw := bytes.Repeat([]byte{1}, nonceSize), bytes.Repeat([]byte{2}, nonceSize)
	answer := append(append([]byte(Magic), nw...), mac(testKey, labelMasterProof, nm, nw)...)
	_, err := server(&conn{in: bytes.NewReader(answer)}, testKey, fixedNonce(1), nil)
	assert.ErrorIs(t, err, ErrAuth)
}

func TestGarbageIsNotTheProtocol(t *testing.T) {
	garbage := bytes.Repeat([]byte("GET / HTTP/1.1\r\n"), 5)
	c := &conn{in: bytes.NewReader(garbage)}
	_, err := server(c, testKey, fixedNonce(1), nil)
	assert.EqualError(t, err, "authentication failed: the peer does not speak this protocol")
	assert.Equal(t, greetingSize, c.out.Len(), "no verdict for a peer that does not speak the protocol")
}

func TestAWorkerAtAPythonMasterIsToldTheFlag(t *testing.T) {
	// What Python 3.11's master sends first: a length, "#CHALLENGE#" and 20
	// random bytes. It then waits for the answer, so the worker must not
	// wait for a greeting's worth of bytes.
	challenge := []byte("\x00\x00\x00\x1f#CHALLENGE#0123456789abcdefghij")
	c := &conn{in: bytes.NewReader(challenge)}
	_, err := client(c, testKey, fixedNonce(2))
	require.ErrorIs(t, err, ErrAuth)
	assert.Contains(t, err.Error(), "the master speaks Python's multiprocessing protocol")
	assert.Contains(t, err.Error(), "-transport python")
	assert.Equal(t, 20, c.in.Len(), "the worker read only the challenge's first bytes")
}

func TestTheGreetingIsAPythonMessageThatNamesTheFlag(t *testing.T) {
	// A Python worker reads a 4-byte length and that many bytes, and shows
	// them when they are not its challenge.
	require.Equal(t, byte(len(greetingNote)), Greeting[3], "the length in the greeting is its note's")
	assert.Equal(t, "\x00\x00\x00", Greeting[:3])
	assert.Contains(t, greetingNote, "-transport python")
	assert.NotContains(t, greetingNote, pythonChallenge)
}

func TestAPeerThatHangsUpAtTheGreetingIsNamed(t *testing.T) {
	// A Python worker reads the greeting and closes the connection.
	c := &conn{in: bytes.NewReader(nil)}
	_, err := server(c, testKey, fixedNonce(1), nil)
	require.ErrorIs(t, err, ErrAuth)
	assert.Contains(t, err.Error(), "hung up without answering the greeting")
	assert.Contains(t, err.Error(), "-transport python")
}

func TestFramesRoundTrip(t *testing.T) {
	var stream bytes.Buffer
	w := NewWriter(&stream, testKey, 64)
	for _, p := range []string{"one", "", "three"} {
		require.NoError(t, w.WriteFrame([]byte(p)))
	}
	r := NewReader(&stream, testKey, 64)
	for _, want := range []string{"one", "", "three"} {
		got, err := r.ReadFrame()
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
	_, err := r.ReadFrame()
	assert.Equal(t, io.EOF, err, "a stream that ends between frames ends with io.EOF")
}

func TestFrameLimit(t *testing.T) {
	w := NewWriter(io.Discard, testKey, 4)
	assert.ErrorIs(t, w.WriteFrame([]byte("12345")), ErrFrame, "the writer refuses to send an oversized frame")

	// A frame of exactly the limit passes; a properly tagged one a byte
	// longer is refused by the reader.
	var at, over bytes.Buffer
	require.NoError(t, NewWriter(&at, testKey, 4).WriteFrame([]byte("1234")))
	got, err := NewReader(&at, testKey, 4).ReadFrame()
	require.NoError(t, err, "a frame of exactly the limit is refused")
	assert.Equal(t, "1234", string(got))
	require.NoError(t, NewWriter(&over, testKey, 5).WriteFrame([]byte("12345")))
	_, err = NewReader(&over, testKey, 4).ReadFrame()
	require.ErrorIs(t, err, ErrFrame, "a 5-byte frame passed a 4-byte limit")

	// A header announcing 4 GiB is refused before a byte of it is read or
	// allocated.
	huge := io.MultiReader(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}), neverRead{t})
	_, err = NewReader(huge, testKey, 1024).ReadFrame()
	require.ErrorIs(t, err, ErrFrame)
	assert.Contains(t, err.Error(), "4294967295 bytes announced, over the 1024-byte limit")
}

// neverRead fails the test if it is read.
type neverRead struct{ t *testing.T }

func (n neverRead) Read([]byte) (int, error) {
	n.t.Error("the reader read past an oversized header")
	return 0, io.EOF
}

func TestFramesOutOfLineAreRefused(t *testing.T) {
	frames := func(key []byte, payloads ...string) [][]byte {
		var out [][]byte
		w := NewWriter(nil, key, 64)
		for _, p := range payloads {
			var b bytes.Buffer
			w.w = &b
			require.NoError(t, w.WriteFrame([]byte(p)))
			out = append(out, b.Bytes())
		}
		return out
	}
	f := frames(testKey, "first", "second")
	flipped := bytes.Clone(f[0])
	flipped[headerSize] ^= 1

	tests := []struct {
		name   string
		stream [][]byte
	}{
		{"altered", [][]byte{flipped}},
		{"replayed", [][]byte{f[0], f[0]}},
		{"reordered", [][]byte{f[1]}},
		{"forged without the key", frames([]byte("guess"), "first")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(bytes.Join(tt.stream, nil)), testKey, 64)
			var err error
			for err == nil {
				_, err = r.ReadFrame()
			}
			assert.ErrorIs(t, err, ErrFrame)
		})
	}
}

func TestTruncatedFrame(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, NewWriter(&b, testKey, 64).WriteFrame([]byte("payload")))
	_, err := NewReader(bytes.NewReader(b.Bytes()[:b.Len()-1]), testKey, 64).ReadFrame()
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "got %v", err)
}

func TestAFrameBufferGrowsWithTheBytesThatArrive(t *testing.T) {
	// A header that announces a frame just under the limit, then one byte
	// and the end of the stream: the reader must not have taken the
	// announced megabyte.
	stream := append(binary.BigEndian.AppendUint32(nil, 1<<20-1), 'x')
	r := NewReader(bytes.NewReader(stream), testKey, 1<<20)
	_, err := r.ReadFrame()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.LessOrEqual(t, cap(r.buf), firstChunk, "a buffer of %d bytes for 1 byte that arrived", cap(r.buf))

	// A whole big frame still reads, and its buffer is not kept for later.
	var big bytes.Buffer
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	require.NoError(t, NewWriter(&big, testKey, 1<<20).WriteFrame(payload))
	require.NoError(t, NewWriter(io.Discard, testKey, 1<<20).WriteFrame(nil))
	r = NewReader(&big, testKey, 1<<20)
	got, err := r.ReadFrame()
	require.NoError(t, err)
	assert.Equal(t, payload, got)
}

func TestAFrameThatStallsIsCutAtItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var frame bytes.Buffer
		require.NoError(t, NewWriter(&frame, testKey, 64).WriteFrame([]byte("payload")))
		a, b := net.Pipe()
		r := NewReader(a, testKey, 64)
		r.SetFrameTimeout(time.Second)
		var wg sync.WaitGroup
		t.Cleanup(func() {
			a.Close() // the writer's last write then fails
			wg.Wait()
		})
		wg.Go(func() {
			// Quiet for a minute between frames: fine. Then a frame whose
			// second half comes two seconds after its first byte: too late.
			time.Sleep(time.Minute)
			_, _ = b.Write(frame.Bytes())
			_, _ = b.Write(frame.Bytes()[:1])
			time.Sleep(2 * time.Second)
			_, _ = b.Write(frame.Bytes()[1:])
		})
		start := time.Now()
		got, err := r.ReadFrame()
		require.NoError(t, err, "the wait for a frame's first byte has no deadline")
		assert.Equal(t, "payload", string(got))
		assert.Equal(t, time.Minute, time.Since(start))
		_, err = r.ReadFrame()
		require.ErrorIs(t, err, ErrFrame)
		assert.EqualError(t, err, "bad frame: it did not arrive in full within 1s of its first byte")
		assert.Equal(t, time.Minute+time.Second, time.Since(start))
	})
}
