package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
)

// Form is the kind of challenge a side sends: which Python it speaks like.
type Form int

const (
	// SHA256 is the challenge of Python 3.12 and later: "{sha256}" and 40
	// random bytes, answered with "{sha256}" and the HMAC-SHA256 of the
	// whole message. A side delivering it still accepts the bare HMAC-MD5
	// answer of an older Python, so it works with every version; it is the
	// zero Form.
	SHA256 Form = iota
	// Legacy is the challenge of Python 3.11 and earlier: 20 random bytes,
	// answered with their raw 16-byte HMAC-MD5 and nothing else.
	Legacy
)

func (f Form) String() string {
	switch f {
	case SHA256:
		return "sha256"
	case Legacy:
		return "legacy"
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

// HandshakeLimit is the longest handshake message read, as in CPython: a
// challenge, an answer and a verdict are all well under it.
const HandshakeLimit = 256

const (
	challengePrefix = "#CHALLENGE#"
	welcome         = "#WELCOME#"
	failure         = "#FAILURE#"

	legacyMessageSize = 20 // the random bytes of a legacy challenge
	modernRandomSize  = 40 // the random bytes after "{sha256}"
	md5Size           = 16
)

// rpcqMark opens every message of this project's own rpc handshake
// (rpcq/wire): as raw bytes, where a frame header should be, or as the text
// of a frame that Python can read. A side that finds it is talking to an
// rpcq master or worker, and says so.
const rpcqMark = "TASKQ/"

var (
	// ErrAuth is what a handshake wraps when the keys differ, or when a
	// digest is not one this side supports. The message says which side
	// refused.
	ErrAuth = errors.New("authentication failed")
	// ErrNotManager is what a handshake wraps when the peer does not speak
	// multiprocessing's handshake at all.
	ErrNotManager = errors.New("the peer is not a multiprocessing manager")

	errEmptyKey = errors.New("wire: handshake: empty key")
)

// Deliver sends a challenge of the given form, checks the peer's answer
// and tells the peer the verdict: what a Python listener does first on a
// new connection. It returns an error wrapping ErrAuth when the answer is
// wrong, after sending "#FAILURE#". The caller sets a deadline on rw, so
// that a peer that never answers cannot hold it. An empty key is refused,
// here and in Answer: with it, anyone could pass.
func Deliver(rw io.ReadWriter, key []byte, form Form) error {
	return deliver(rw, key, form, rand.Reader)
}

// Answer reads the peer's challenge, answers it with the digest the
// challenge asks for, and reads the verdict: what a Python client does
// first on a new connection. It returns an error wrapping ErrAuth when the
// peer refuses the answer, and one wrapping ErrNotManager when what the
// peer sent is not a challenge.
func Answer(rw io.ReadWriter, key []byte) error {
	if len(key) == 0 {
		return errEmptyKey
	}
	frame, err := readHandshake(rw, "a challenge", true)
	if err != nil {
		return err
	}
	message, ok := bytes.CutPrefix(frame, []byte(challengePrefix))
	if !ok {
		return fmt.Errorf("%w: its first message %q is not a %s", ErrNotManager, head(frame), challengePrefix)
	}
	reply, err := respond(key, message)
	if err != nil {
		return err
	}
	if err := WriteFrame(rw, reply); err != nil {
		return fmt.Errorf("wire: send the answer to the challenge: %w", err)
	}
	verdict, err := readHandshake(rw, "the verdict on our answer", false)
	if err != nil {
		return err
	}
	switch string(verdict) {
	case welcome:
		return nil
	case failure:
		return fmt.Errorf("%w: the keys differ: the peer refused our answer to its challenge", ErrAuth)
	}
	return fmt.Errorf("%w: its verdict %q is neither %s nor %s", ErrNotManager, head(verdict), welcome, failure)
}

// ServerHandshake is a listener's side: Deliver, then Answer the client's
// own challenge.
func ServerHandshake(rw io.ReadWriter, key []byte, form Form) error {
	if err := Deliver(rw, key, form); err != nil {
		return err
	}
	return Answer(rw, key)
}

// ClientHandshake is a connecting side's: Answer the listener's
// challenge, then Deliver one of the given form.
func ClientHandshake(rw io.ReadWriter, key []byte, form Form) error {
	if err := Answer(rw, key); err != nil {
		return err
	}
	return Deliver(rw, key, form)
}

func deliver(rw io.ReadWriter, key []byte, form Form, random io.Reader) error {
	if len(key) == 0 {
		return errEmptyKey
	}
	message, err := newChallenge(form, random)
	if err != nil {
		return err
	}
	if err := WriteFrame(rw, append([]byte(challengePrefix), message...)); err != nil {
		return fmt.Errorf("wire: send challenge: %w", err)
	}
	answer, err := readHandshake(rw, "the answer to our challenge", false)
	if err != nil {
		return err
	}
	if err := verify(key, message, answer, form); err != nil {
		// Tell the peer, as Python does, so that it reports a refused
		// key rather than a closed connection; the error of this write
		// does not matter.
		_ = WriteFrame(rw, []byte(failure))
		return err
	}
	if err := WriteFrame(rw, []byte(welcome)); err != nil {
		return fmt.Errorf("wire: send verdict: %w", err)
	}
	return nil
}

// newChallenge makes the message of a challenge of the given form.
func newChallenge(form Form, random io.Reader) ([]byte, error) {
	var prefix string
	var n int
	switch form {
	case Legacy:
		n = legacyMessageSize
	case SHA256:
		prefix, n = "{sha256}", modernRandomSize
	default:
		return nil, fmt.Errorf("wire: handshake: unknown form %v", form)
	}
	message := make([]byte, len(prefix)+n)
	copy(message, prefix)
	if _, err := io.ReadFull(random, message[len(prefix):]); err != nil {
		return nil, fmt.Errorf("wire: handshake: random bytes: %w", err)
	}
	return message, nil
}

// verify checks the peer's answer to message. A legacy deliverer, like
// Python 3.11, accepts only the raw HMAC-MD5; a SHA256 one, like 3.12,
// also accepts any digest it knows named in a "{name}" prefix, and a bare
// 16-byte answer as HMAC-MD5. The digest always covers the whole message,
// prefix included, so that an answer cannot pick a weaker digest than the
// challenge names without failing.
func verify(key, message, answer []byte, form Form) error {
	name, mac := legacyDigest, answer
	if form == SHA256 && len(answer) != md5Size {
		var ok bool
		if name, mac, ok = splitDigestName(answer); !ok {
			return fmt.Errorf("%w: the peer's answer to our challenge (%d bytes, %q...) names no digest this side knows, so we refused it",
				ErrAuth, len(answer), head(answer))
		}
	}
	if !hmac.Equal(mac, hmacOf(name, key, message)) {
		return fmt.Errorf("%w: the keys differ: we refused the peer's answer to our challenge", ErrAuth)
	}
	return nil
}

// respond computes the answer to a challenge's message: the raw HMAC-MD5
// for a legacy 20-byte message, else "{name}" and the HMAC of the whole
// message with the digest its prefix names.
func respond(key, message []byte) ([]byte, error) {
	if len(message) < legacyMessageSize {
		return nil, fmt.Errorf("%w: its challenge carries %d bytes, fewer than the %d a manager sends", ErrNotManager, len(message), legacyMessageSize)
	}
	if len(message) == legacyMessageSize {
		return hmacOf(legacyDigest, key, message), nil
	}
	name, _, ok := splitDigestName(message)
	if !ok {
		return nil, fmt.Errorf("%w: the peer's challenge (%q...) names no digest this side knows", ErrAuth, head(message))
	}
	return append([]byte("{"+name+"}"), hmacOf(name, key, message)...), nil
}

// readHandshake reads one handshake frame, what names it in errors. The
// opening frame of a handshake must be a manager's challenge, so anything
// there that is not a small frame says the peer is no manager.
func readHandshake(r io.Reader, what string, opening bool) ([]byte, error) {
	var first [headerSize]byte
	size, err := readLength(r, HandshakeLimit, &first)
	if err == nil {
		var p []byte
		if p, err = readPayload(r, size); err == nil {
			if bytes.HasPrefix(p, []byte(rpcqMark)) {
				line, _, _ := bytes.Cut(p[:min(len(p), 120)], []byte{'\n'})
				return nil, fmt.Errorf("%w: it sent %q, as this project's own rpc handshake (rpcq) does, where %s should be",
					ErrNotManager, line, what)
			}
			return p, nil
		}
	}
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("wire: the peer closed the connection before sending %s: %w", what, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("wire: read %s: %w", what, err)
	case errors.Is(err, ErrFrame) && string(first[:]) == rpcqMark[:headerSize]:
		return nil, fmt.Errorf("%w: it began with %q, as this project's own rpc handshake (rpcq) does, where %s should be: %w",
			ErrNotManager, first[:], what, err)
	case errors.Is(err, ErrFrame) && opening:
		return nil, fmt.Errorf("%w: its first bytes %q are not the frame of a challenge: %w", ErrNotManager, first[:], err)
	}
	return nil, fmt.Errorf("wire: read %s: %w", what, err)
}

// head is the start of p, short enough to quote in an error.
func head(p []byte) []byte { return p[:min(len(p), 16)] }
