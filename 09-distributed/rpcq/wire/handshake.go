// Package wire is what a master and a worker say to each other before and
// around their messages: a handshake in which each side proves it knows the
// shared key, and frames that carry a length limit and a tag.
//
// The handshake is multiprocessing's authkey challenge done soundly: both
// sides send fresh random nonces, each proves the key with an HMAC-SHA256
// over both nonces and its own role, and proofs are compared in constant
// time. The server (the master) reads exactly one fixed-size answer from a
// client before it decides; nothing a client sends is parsed or decoded
// before it has passed.
//
//	master → worker  greeting  magic (8 bytes) ‖ master nonce Nm (32)
//	worker → master  answer    magic (8) ‖ worker nonce Nw (32) ‖ HMAC(key, "worker proof" ‖ Nm ‖ Nw)
//	master → worker  verdict   'W' ‖ HMAC(key, "master proof" ‖ Nm ‖ Nw)   or just 'F'
//
// The worker checks the master's proof too, so a program that does not
// know the key cannot pose as the master and hand out tasks. Both sides then
// derive one key per direction, HMAC(key, label ‖ Nm ‖ Nw), and tag every
// frame with it (see [Writer]): after the handshake nobody without the key
// can inject, alter, replay or reorder a message. Nothing is encrypted.
package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// Magic opens the answer. It names the protocol and its version, so that a
// peer speaking something else is told apart from a peer with the wrong key.
const Magic = "TASKQ/1\n"

// Greeting opens the master's greeting. It names the protocol too, and it
// is also a message Python's multiprocessing can read: a 4-byte big-endian
// length, then that many bytes of text. A Python worker pointed at this
// master expects its challenge in that form, finds this text instead, and
// fails with the text in its traceback's last line, which names the flag
// it needs.
const Greeting = "\x00\x00\x00\x68" + greetingNote

const greetingNote = "TASKQ/1 greeting of a Go master (09-distributed, -transport rpc): Python workers need -transport python\n"

// pythonChallenge is how Python's multiprocessing master opens every
// connection: a 4-byte length, then this. A worker of this protocol that
// reads it is told which flag it needs.
const pythonChallenge = "#CHALLENGE#"

const (
	nonceSize = 32
	macSize   = sha256.Size

	greetingSize = len(Greeting) + nonceSize
	answerSize   = len(Magic) + nonceSize + macSize

	welcome = 'W'
	failure = 'F'
)

// Labels keep the four HMACs of a handshake apart: a proof cannot be sent
// back as the other side's proof, nor used as a frame key.
const (
	labelWorkerProof  = "worker proof"
	labelMasterProof  = "master proof"
	labelWorkerFrames = "worker to master frames"
	labelMasterFrames = "master to worker frames"
)

// ErrAuth is what a failed handshake wraps: the peer does not know the key,
// or does not speak this protocol.
var ErrAuth = errors.New("authentication failed")

// Keys are the two frame keys of one connection, derived from the shared key
// and both nonces, so they are new for every connection.
type Keys struct {
	Send []byte // tags the frames this side writes
	Recv []byte // checks the frames this side reads
}

// Server runs the master's side of the handshake on conn. It returns an
// error wrapping [ErrAuth] when the worker's answer is wrong; a worker with
// the wrong key is told so before the error is returned. The caller sets a
// deadline on conn, so that a worker that never answers cannot hold it.
func Server(conn io.ReadWriter, key []byte) (Keys, error) {
	return server(conn, key, rand.Reader, nil)
}

// ServerAdmit is [Server] with a last word for the caller: once the
// worker's proof has checked out, and before the worker hears that it may
// come in, admit is called; if it returns an error, the handshake fails with
// it and the worker is told nothing. A server uses it to count the
// connection as a worker's before the worker can act on the welcome, so
// that no moment exists in which the worker thinks itself let in while the
// server still thinks the handshake under way.
func ServerAdmit(conn io.ReadWriter, key []byte, admit func() error) (Keys, error) {
	return server(conn, key, rand.Reader, admit)
}

// Client runs a worker's side of the handshake on conn. Its error wraps
// [ErrAuth] when the master refuses the key or cannot prove it knows it.
func Client(conn io.ReadWriter, key []byte) (Keys, error) {
	return client(conn, key, rand.Reader)
}

// server and client take the source of nonces as a parameter so that the fuzz
// tests can fix the nonces; everything else uses crypto/rand.
func server(conn io.ReadWriter, key []byte, random io.Reader, admit func() error) (Keys, error) {
	if len(key) == 0 {
		return Keys{}, errors.New("handshake: empty key")
	}
	greeting := make([]byte, greetingSize)
	copy(greeting, Greeting)
	nm := greeting[len(Greeting):]
	if _, err := io.ReadFull(random, nm); err != nil {
		return Keys{}, fmt.Errorf("handshake: make nonce: %w", err)
	}
	if _, err := conn.Write(greeting); err != nil {
		return Keys{}, fmt.Errorf("handshake: send greeting: %w", err)
	}

	answer := make([]byte, answerSize)
	if n, err := io.ReadFull(conn, answer); err != nil {
		if n == 0 && !isTimeout(err) {
			// A Python worker reads the greeting, finds it is not its
			// challenge and hangs up without a word.
			return Keys{}, fmt.Errorf("%w: the peer hung up without answering the greeting "+
				"(a Python worker does: it needs the Go master started with -transport python)", ErrAuth)
		}
		return Keys{}, fmt.Errorf("handshake: read answer: %w", err)
	}
	if string(answer[:len(Magic)]) != Magic {
		return Keys{}, fmt.Errorf("%w: the peer does not speak this protocol", ErrAuth)
	}
	nw := answer[len(Magic) : len(Magic)+nonceSize]
	proof := answer[len(Magic)+nonceSize:]
	if !hmac.Equal(proof, mac(key, labelWorkerProof, nm, nw)) {
		// Tell the worker, so that it can say "wrong key" rather than
		// "connection closed"; the error of this write does not matter.
		_, _ = conn.Write([]byte{failure})
		return Keys{}, fmt.Errorf("%w: wrong key", ErrAuth)
	}
	if admit != nil {
		if err := admit(); err != nil {
			return Keys{}, err
		}
	}

	verdict := append([]byte{welcome}, mac(key, labelMasterProof, nm, nw)...)
	if _, err := conn.Write(verdict); err != nil {
		return Keys{}, fmt.Errorf("handshake: send verdict: %w", err)
	}
	return Keys{
		Send: mac(key, labelMasterFrames, nm, nw),
		Recv: mac(key, labelWorkerFrames, nm, nw),
	}, nil
}

func client(conn io.ReadWriter, key []byte, random io.Reader) (Keys, error) {
	if len(key) == 0 {
		return Keys{}, errors.New("handshake: empty key")
	}
	// The greeting is read in two steps: a Python master's challenge is
	// shorter than a greeting, and waits for its answer.
	greeting := make([]byte, greetingSize)
	head := greeting[:4+len(pythonChallenge)]
	if _, err := io.ReadFull(conn, head); err != nil {
		return Keys{}, fmt.Errorf("handshake: read greeting: %w", err)
	}
	if string(head[4:]) == pythonChallenge {
		return Keys{}, fmt.Errorf("%w: the master speaks Python's multiprocessing protocol (a Python master, "+
			"or a Go one with -transport python): start this worker with -transport python", ErrAuth)
	}
	if _, err := io.ReadFull(conn, greeting[len(head):]); err != nil {
		return Keys{}, fmt.Errorf("handshake: read greeting: %w", err)
	}
	if string(greeting[:len(Greeting)]) != Greeting {
		return Keys{}, fmt.Errorf("%w: the peer is not a task queue master", ErrAuth)
	}
	nm := greeting[len(Greeting):]

	answer := make([]byte, answerSize)
	copy(answer, Magic)
	nw := answer[len(Magic) : len(Magic)+nonceSize]
	if _, err := io.ReadFull(random, nw); err != nil {
		return Keys{}, fmt.Errorf("handshake: make nonce: %w", err)
	}
	copy(answer[len(Magic)+nonceSize:], mac(key, labelWorkerProof, nm, nw))
	if _, err := conn.Write(answer); err != nil {
		return Keys{}, fmt.Errorf("handshake: send answer: %w", err)
	}

	verdict := make([]byte, 1+macSize)
	if _, err := io.ReadFull(conn, verdict[:1]); err != nil {
		return Keys{}, fmt.Errorf("handshake: read verdict: %w", err)
	}
	switch verdict[0] {
	case welcome:
	case failure:
		return Keys{}, fmt.Errorf("%w: the master refused our key", ErrAuth)
	default:
		return Keys{}, fmt.Errorf("%w: the master sent a verdict of %q", ErrAuth, verdict[0])
	}
	if _, err := io.ReadFull(conn, verdict[1:]); err != nil {
		return Keys{}, fmt.Errorf("handshake: read verdict: %w", err)
	}
	if !hmac.Equal(verdict[1:], mac(key, labelMasterProof, nm, nw)) {
		return Keys{}, fmt.Errorf("%w: the master could not prove it knows the key", ErrAuth)
	}
	return Keys{
		Send: mac(key, labelWorkerFrames, nm, nw),
		Recv: mac(key, labelMasterFrames, nm, nw),
	}, nil
}

// mac is HMAC-SHA256 under key of label, a zero byte, and both nonces. The
// zero byte ends the label, so no label is a prefix of another's input.
func mac(key []byte, label string, nm, nw []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	h.Write([]byte{0})
	h.Write(nm)
	h.Write(nw)
	return h.Sum(nil)
}

// isTimeout says whether err is a deadline that ran out.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
