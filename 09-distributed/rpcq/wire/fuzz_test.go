package wire

import (
	"bytes"
	"testing"
)

// The fuzz tests feed each decoder arbitrary bytes and check more than "no
// panic": a handshake succeeds exactly when the bytes are the right answer
// for them, the server never reads past the answer, and a frame reader only
// returns frames that the key's owner wrote. `go test` runs the seeds below;
// this explores for 30 seconds (one -fuzz target at a time):
//
//	go test -run '^$' -fuzz FuzzServerHandshake -fuzztime 30s ./09-distributed/rpcq/wire

func FuzzServerHandshake(f *testing.F) {
	f.Add(validAnswer(testKey))
	f.Add(append(validAnswer(testKey), "and more"...))
	f.Add(validAnswer([]byte("wrong key")))
	f.Add(validAnswer(testKey)[:answerSize-1])
	f.Add([]byte(Magic))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: example\r\n\r\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &conn{in: bytes.NewReader(data)}
		keys, err := server(c, testKey, fixedNonce(1), nil)
		if read := len(data) - c.in.Len(); read > answerSize {
			t.Fatalf("the server read %d bytes; the answer is %d", read, answerSize)
		}
		nm := bytes.Repeat([]byte{1}, nonceSize)
		valid := false
		if len(data) >= answerSize {
			nw := data[len(Magic) : len(Magic)+nonceSize]
			want := append(append([]byte(Magic), nw...), mac(testKey, labelWorkerProof, nm, nw)...)
			valid = bytes.Equal(data[:answerSize], want)
			if err == nil && !bytes.Equal(keys.Recv, mac(testKey, labelWorkerFrames, nm, nw)) {
				t.Fatal("the frame keys do not come from both nonces")
			}
		}
		if valid != (err == nil) {
			t.Fatalf("valid answer %v, but the handshake returned %v", valid, err)
		}
	})
}

func FuzzClientHandshake(f *testing.F) {
	f.Add(validGreetingAndVerdict(testKey))
	f.Add(validGreetingAndVerdict([]byte("wrong key")))
	f.Add(append(append([]byte(Greeting), bytes.Repeat([]byte{1}, nonceSize)...), failure))
	f.Add([]byte("\x00\x00\x00\x1f#CHALLENGE#0123456789abcdefghij"))
	f.Add([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &conn{in: bytes.NewReader(data)}
		_, err := client(c, testKey, fixedNonce(2))
		const want = greetingSize + 1 + macSize
		if read := len(data) - c.in.Len(); read > want {
			t.Fatalf("the client read %d bytes; greeting and verdict are %d", read, want)
		}
		valid := false
		if len(data) >= want {
			nm := data[len(Greeting):greetingSize]
			nw := bytes.Repeat([]byte{2}, nonceSize)
			script := append(append(append([]byte(Greeting), nm...), welcome), mac(testKey, labelMasterProof, nm, nw)...)
			valid = bytes.Equal(data[:want], script)
		}
		if valid != (err == nil) {
			t.Fatalf("valid master %v, but the handshake returned %v", valid, err)
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	var good bytes.Buffer
	w := NewWriter(&good, testKey, 64)
	for _, p := range []string{"first", "", "a frame of some length, well within the limit"} {
		if err := w.WriteFrame([]byte(p)); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:good.Len()-3])
	// A properly tagged frame one byte over the limit: only the length
	// check stands between it and the caller.
	var over bytes.Buffer
	if err := NewWriter(&over, testKey, 65).WriteFrame(make([]byte, 65)); err != nil {
		f.Fatal(err)
	}
	f.Add(over.Bytes())
	f.Add([]byte{0, 0, 0, 65})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), testKey, 64)
		var again bytes.Buffer
		w := NewWriter(&again, testKey, 64)
		for {
			p, err := r.ReadFrame()
			if err != nil {
				break
			}
			if len(p) > 64 {
				t.Fatalf("a frame of %d bytes passed the 64-byte limit", len(p))
			}
			if err := w.WriteFrame(p); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.HasPrefix(data, again.Bytes()) {
			t.Fatal("the reader returned a frame the key's owner did not write")
		}
	})
}
