package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"hash"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	rpcwire "multitask/09-distributed/rpcq/wire"
)

var forms = []Form{SHA256, Legacy}

func TestHandshakeInEveryFormPair(t *testing.T) {
	for _, server := range forms {
		for _, client := range forms {
			t.Run(server.String()+"/"+client.String(), func(t *testing.T) {
				serr, cerr := both(t,
					func(c net.Conn) error { return ServerHandshake(c, testKey, server) },
					func(c net.Conn) error { return ClientHandshake(c, testKey, client) })
				assert.NoError(t, serr)
				assert.NoError(t, cerr)
			})
		}
	}
}

func TestWrongKeyIsRefusedAndBothSidesSayWho(t *testing.T) {
	for _, form := range forms {
		t.Run(form.String(), func(t *testing.T) {
			derr, aerr := both(t,
				func(c net.Conn) error { return Deliver(c, testKey, form) },
				func(c net.Conn) error { return Answer(c, wrongKey) })
			require.ErrorIs(t, derr, ErrAuth)
			require.ErrorIs(t, aerr, ErrAuth)
			assert.EqualError(t, derr, "authentication failed: the keys differ: we refused the peer's answer to our challenge")
			assert.EqualError(t, aerr, "authentication failed: the keys differ: the peer refused our answer to its challenge")

			serr, cerr := both(t,
				func(c net.Conn) error { return ServerHandshake(c, wrongKey, form) },
				func(c net.Conn) error { return ClientHandshake(c, testKey, form) })
			assert.ErrorIs(t, serr, ErrAuth)
			assert.ErrorIs(t, cerr, ErrAuth)
		})
	}
}

func TestChallengesHaveTheFormsShapeAndFreshRandomBytes(t *testing.T) {
	for form, want := range map[Form]struct {
		prefix string
		size   int
	}{
		Legacy: {"#CHALLENGE#", len("#CHALLENGE#") + 20},
		SHA256: {"#CHALLENGE#{sha256}", len("#CHALLENGE#{sha256}") + 40},
	} {
		var seen [][]byte
		for range 2 {
			s := newScript()
			require.Error(t, Deliver(s, testKey, form), "the script ends before answering")
			frames := s.written(t)
			require.Len(t, frames, 1)
			assert.True(t, bytes.HasPrefix(frames[0], []byte(want.prefix)), "%v challenge %q", form, frames[0])
			assert.Len(t, frames[0], want.size)
			seen = append(seen, frames[0])
		}
		assert.NotEqual(t, seen[0], seen[1], "every %v challenge is new", form)
		assert.NotEqual(t, make([]byte, 20), seen[0][len(seen[0])-20:], "the random bytes are not zeros")
	}
}

func mac(digest func() hash.Hash, key, message []byte) []byte {
	h := hmac.New(digest, key)
	h.Write(message)
	return h.Sum(nil)
}

// fixedRandom makes a challenge predictable: all its random bytes are 7.
func fixedRandom() io.Reader { return bytes.NewReader(bytes.Repeat([]byte{7}, 64)) }

func TestDelivererAcceptsWhatCPythonAccepts(t *testing.T) {
	legacyMsg := bytes.Repeat([]byte{7}, 20)
	modernMsg := append([]byte("{sha256}"), bytes.Repeat([]byte{7}, 40)...)
	for name, tc := range map[string]struct {
		form   Form
		answer []byte
		ok     bool
	}{
		"legacy: raw MD5":                               {Legacy, mac(md5.New, testKey, legacyMsg), true},
		"legacy: prefixed SHA-256 is not 3.11's":        {Legacy, append([]byte("{sha256}"), mac(sha256.New, testKey, legacyMsg)...), false},
		"sha256: prefixed SHA-256 of the whole message": {SHA256, append([]byte("{sha256}"), mac(sha256.New, testKey, modernMsg)...), true},
		"sha256: a 3.11 answer, raw MD5 of it all":      {SHA256, mac(md5.New, testKey, modernMsg), true},
		"sha256: another digest the answer names":       {SHA256, append([]byte("{sha3_384}"), hmacOf("sha3_384", testKey, modernMsg)...), true},
		"sha256: digest of the message without prefix":  {SHA256, append([]byte("{sha256}"), mac(sha256.New, testKey, modernMsg[8:])...), false},
		"sha256: raw MD5 of the random bytes only":      {SHA256, mac(md5.New, testKey, modernMsg[8:]), false},
		"sha256: wrong key":                             {SHA256, append([]byte("{sha256}"), mac(sha256.New, wrongKey, modernMsg)...), false},
		"sha256: a digest name nobody knows":            {SHA256, append([]byte("{blake2b}"), mac(sha256.New, testKey, modernMsg)...), false},
	} {
		t.Run(name, func(t *testing.T) {
			s := newScript(tc.answer)
			err := deliver(s, testKey, tc.form, fixedRandom())
			frames := s.written(t)
			require.Len(t, frames, 2, "a challenge and a verdict")
			if tc.ok {
				assert.NoError(t, err)
				assert.Equal(t, "#WELCOME#", string(frames[1]))
				return
			}
			assert.ErrorIs(t, err, ErrAuth)
			assert.Equal(t, "#FAILURE#", string(frames[1]))
		})
	}
}

func TestAnswererRepliesWithTheDigestTheChallengeNames(t *testing.T) {
	random := bytes.Repeat([]byte{9}, 40)
	for name, tc := range map[string]struct {
		message []byte
		want    func(message []byte) []byte
	}{
		"a 20-byte legacy challenge: raw MD5": {random[:20], func(m []byte) []byte { return mac(md5.New, testKey, m) }},
		"{sha256}":                            {append([]byte("{sha256}"), random...), prefixed("sha256")},
		"{md5}":                               {append([]byte("{md5}"), random...), prefixed("md5")},
		"{sha384}":                            {append([]byte("{sha384}"), random...), prefixed("sha384")},
		"{sha3_256}":                          {append([]byte("{sha3_256}"), random...), prefixed("sha3_256")},
		"{sha3_384}":                          {append([]byte("{sha3_384}"), random...), prefixed("sha3_384")},
	} {
		t.Run(name, func(t *testing.T) {
			s := newScript(append([]byte("#CHALLENGE#"), tc.message...), []byte("#WELCOME#"))
			require.NoError(t, Answer(s, testKey))
			frames := s.written(t)
			require.Len(t, frames, 1)
			assert.Equal(t, tc.want(tc.message), frames[0])
		})
	}
}

// prefixed is the answer of Python 3.12+ to a challenge naming digest.
func prefixed(digest string) func([]byte) []byte {
	return func(m []byte) []byte { return append([]byte("{"+digest+"}"), hmacOf(digest, testKey, m)...) }
}

func TestAnswererRefusesWhatIsNoChallenge(t *testing.T) {
	for name, tc := range map[string]struct {
		stream []byte
		is     error
		want   string
	}{
		"an HTTP request": {[]byte("GET / HTTP/1.1\r\n\r\n"), ErrNotManager,
			`the peer is not a multiprocessing manager: its first bytes "GET " are not the frame of a challenge: bad frame: 1195725856 bytes announced, over the 256-byte limit`},
		"a frame that is no challenge": {frame("hello"), ErrNotManager,
			`the peer is not a multiprocessing manager: its first message "hello" is not a #CHALLENGE#`},
		"a challenge too short": {frame("#CHALLENGE#short"), ErrNotManager,
			`the peer is not a multiprocessing manager: its challenge carries 5 bytes, fewer than the 20 a manager sends`},
		"a digest nobody knows": {frame("#CHALLENGE#{blake2b}" + string(bytes.Repeat([]byte{1}, 40))), ErrAuth,
			`authentication failed: the peer's challenge ("{blake2b}\x01\x01\x01\x01\x01\x01\x01"...) names no digest this side knows`},
		"a strange verdict": {append(frame("#CHALLENGE#"+string(bytes.Repeat([]byte{1}, 20))), frame("#MAYBE#")...), ErrNotManager,
			`the peer is not a multiprocessing manager: its verdict "#MAYBE#" is neither #WELCOME# nor #FAILURE#`},
	} {
		t.Run(name, func(t *testing.T) {
			err := Answer(&script{in: bytes.NewReader(tc.stream)}, testKey)
			assert.ErrorIs(t, err, tc.is)
			assert.EqualError(t, err, tc.want)
		})
	}
}

func frame(p string) []byte {
	var b bytes.Buffer
	if err := WriteFrame(&b, []byte(p)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestHandshakeFramesHaveASmallLimit(t *testing.T) {
	s := &script{in: bytes.NewReader([]byte{0, 0, 1, 1})} // an answer of 257 bytes
	err := Deliver(s, testKey, SHA256)
	var tooLarge *FrameTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, HandshakeLimit, tooLarge.Limit)
	assert.Equal(t, uint64(257), tooLarge.Size)
	assert.NotErrorIs(t, err, ErrNotManager, "an answer may be anything; only a challenge must look like one")
}

func TestPeerClosingDuringTheHandshakeIsSaidSo(t *testing.T) {
	err := Answer(&script{in: bytes.NewReader(nil)}, testKey)
	assert.EqualError(t, err, "wire: the peer closed the connection before sending a challenge: EOF")
	assert.ErrorIs(t, err, io.EOF)
}

func TestRpcqPeersAreNotManagers(t *testing.T) {
	require.True(t, strings.HasPrefix(rpcwire.Magic, rpcqMark), "rpcqMark is how rpcq's handshake messages begin")
	rpcqServer := func(c net.Conn) error { _, err := rpcwire.Server(c, testKey); return err }
	t.Run("joining an rpcq master", func(t *testing.T) {
		_, err := both(t, rpcqServer, func(c net.Conn) error { return ClientHandshake(c, testKey, SHA256) })
		require.ErrorIs(t, err, ErrNotManager)
		assert.Contains(t, err.Error(), "as this project's own rpc handshake (rpcq) does, where a challenge should be")
	})
	t.Run("a listener that both sides believe they are", func(t *testing.T) {
		// Both send first; the rpcq greeting arrives where the answer
		// to our challenge should be.
		a, b := loopback(t)
		_, err := bothOn(t, a, b, rpcqServer, func(c net.Conn) error { return ServerHandshake(c, testKey, SHA256) })
		require.ErrorIs(t, err, ErrNotManager)
		assert.Contains(t, err.Error(), "as this project's own rpc handshake (rpcq) does, where the answer to our challenge should be")
	})
	// rpcq's first bytes, raw or framed: each is recognised.
	for name, stream := range map[string][]byte{
		"raw":    []byte(rpcwire.Magic + "0123456789abcdef0123456789abcdef"),
		"framed": frame(rpcwire.Magic + "a greeting\n"),
	} {
		err := Answer(&script{in: bytes.NewReader(stream)}, testKey)
		require.ErrorIs(t, err, ErrNotManager, name)
		assert.Contains(t, err.Error(), "(rpcq)", name)
	}
}

func TestBadArgumentsAreRefused(t *testing.T) {
	assert.EqualError(t, Deliver(newScript(), nil, SHA256), "wire: handshake: empty key")
	assert.EqualError(t, Answer(newScript(), nil), "wire: handshake: empty key")
	assert.EqualError(t, Deliver(newScript(), testKey, Form(7)), "wire: handshake: unknown form Form(7)")
}
