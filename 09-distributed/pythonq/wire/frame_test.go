package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFramesRoundTrip(t *testing.T) {
	sizes := []int{0, 1, inlineMax, inlineMax + 1, 3*firstChunk + 7}
	var stream bytes.Buffer
	for _, n := range sizes {
		require.NoError(t, WriteFrame(&stream, bytes.Repeat([]byte{byte(n)}, n)))
	}
	for _, n := range sizes {
		p, err := ReadFrame(&stream, 1<<20)
		require.NoError(t, err)
		assert.Equal(t, bytes.Repeat([]byte{byte(n)}, n), p, "a %d-byte frame", n)
	}
	_, err := ReadFrame(&stream, 1<<20)
	assert.Equal(t, io.EOF, err, "the end of the stream between frames is io.EOF")
}

func TestFrameHeaderIsBigEndianSignedLength(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteFrame(&out, []byte("abc")))
	assert.Equal(t, []byte{0, 0, 0, 3, 'a', 'b', 'c'}, out.Bytes())
}

func TestLongPayloadsAreAnnouncedWithMinusOne(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("an int cannot hold a length over 2 GiB here")
	}
	assert.Equal(t, []byte{0x7f, 0xff, 0xff, 0xff}, appendHeader(nil, maxShortLength))
	long := maxShortLength + 1
	assert.Equal(t, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0}, appendHeader(nil, long))
}

// longFrame is a frame in the -1 form, whatever its size.
func longFrame(size uint64, payload []byte) []byte {
	p := []byte{0xff, 0xff, 0xff, 0xff}
	p = binary.BigEndian.AppendUint64(p, size)
	return append(p, payload...)
}

func TestReadsTheLongForm(t *testing.T) {
	r := bytes.NewReader(longFrame(3, []byte("abcdef")))
	p, err := ReadFrame(r, 16)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(p))
	assert.Equal(t, 3, r.Len(), "the frame ends after its payload")
}

func TestFrameOverTheLimitIsRefusedBeforeItsPayload(t *testing.T) {
	for name, stream := range map[string][]byte{
		"short form": {0, 0, 0, 17, 'x'},
		"long form":  longFrame(1<<40, []byte("x")),
	} {
		t.Run(name, func(t *testing.T) {
			r := bytes.NewReader(stream)
			_, err := ReadFrame(r, 16)
			var tooLarge *FrameTooLargeError
			require.ErrorAs(t, err, &tooLarge)
			assert.ErrorIs(t, err, ErrFrame)
			assert.Equal(t, 16, tooLarge.Limit)
			assert.Equal(t, 1, r.Len(), "nothing past the header is read")
		})
	}
	_, err := ReadFrame(bytes.NewReader(longFrame(1<<40, nil)), 16)
	assert.EqualError(t, err, "bad frame: 1099511627776 bytes announced, over the 16-byte limit")

	p, err := ReadFrame(bytes.NewReader(append([]byte{0, 0, 0, 16}, make([]byte, 16)...)), 16)
	require.NoError(t, err, "a frame of exactly the limit passes")
	assert.Len(t, p, 16)
}

func TestNegativeLengthIsRefused(t *testing.T) {
	_, err := ReadFrame(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xfe, 1, 2}), 16)
	assert.EqualError(t, err, "bad frame: negative length -2")
	assert.ErrorIs(t, err, ErrFrame)
}

func TestPeerClosingMidFrameIsNotTheEnd(t *testing.T) {
	for name, tc := range map[string]struct {
		stream []byte
		want   string
	}{
		"in the header":      {[]byte{0, 0}, "bad frame: the peer closed mid-frame, after 2 of the 4 bytes of its header"},
		"in the long header": {longFrame(3, nil)[:7], "bad frame: the peer closed mid-frame, after 7 of the 12 bytes of its header"},
		"in the payload":     {[]byte{0, 0, 0, 5, 'a', 'b'}, "bad frame: the peer closed mid-frame, after 2 of the 5 bytes of its payload"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(tc.stream), 16)
			assert.EqualError(t, err, tc.want)
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.ErrorIs(t, err, ErrFrame)
		})
	}
}

func TestOtherReadErrorsPassThrough(t *testing.T) {
	broken := errors.New("connection reset")
	_, err := ReadFrame(io.MultiReader(bytes.NewReader([]byte{0, 0}), &failing{broken}), 16)
	assert.ErrorIs(t, err, broken)
	assert.NotErrorIs(t, err, io.ErrUnexpectedEOF)
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

// asked records the largest buffer a reader was asked to fill.
type asked struct {
	r       io.Reader
	largest int
}

func (a *asked) Read(p []byte) (int, error) {
	a.largest = max(a.largest, len(p))
	return a.r.Read(p)
}

func TestBufferGrowsWithTheBytesThatArrive(t *testing.T) {
	// A peer announces an 8 MiB frame, within the limit, and sends a few
	// bytes of it: the reader must not have set aside room for all of it.
	r := &asked{r: bytes.NewReader([]byte{0, 0x80, 0, 0, 1, 2, 3})}
	_, err := ReadFrame(r, 16<<20)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.LessOrEqual(t, r.largest, firstChunk)
}
