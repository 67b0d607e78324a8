package wire

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/clitest"
)

// pyCase is one handshake between mp_peer.py and the Go side.
type pyCase struct {
	impl, role, digest string
	key                []byte
	goSide             func(net.Conn) error
}

// withPython runs every case, in order, between one run of
// testdata/mp_peer.py and the Go side, each on a new loopback connection,
// and returns what each side made of each case.
func withPython(t *testing.T, cases []pyCase) (pyOut []string, goErr []error) {
	t.Helper()
	clitest.RequirePython(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	require.NoError(t, ln.(*net.TCPListener).SetDeadline(time.Now().Add(testDeadline)))

	var stdin strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&stdin, "%s %s %s %s\n", c.impl, c.role, hexKey(c.key), c.digest)
	}
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	defer cancel()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	cmd := exec.CommandContext(ctx, "python3", filepath.Join("testdata", "mp_peer.py"), port)
	cmd.Stdin = strings.NewReader(stdin.String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())

	var acceptErr error
	for _, c := range cases {
		var conn net.Conn
		if conn, acceptErr = ln.Accept(); acceptErr != nil {
			break
		}
		_ = conn.SetDeadline(time.Now().Add(testDeadline))
		goErr = append(goErr, c.goSide(conn))
		conn.Close()
	}
	waitErr := cmd.Wait()
	require.NoError(t, acceptErr, "python3 did not connect; its stderr:\n%s", stderr.String())
	require.NoError(t, waitErr, "mp_peer.py failed:\n%s", stderr.String())
	pyOut = strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, pyOut, len(cases), "one line of mp_peer.py for each case:\n%s", stdout.String())
	return pyOut, goErr
}

func TestHandshakeWithPython(t *testing.T) {
	deliverAs := func(form Form) func(net.Conn) error {
		return func(c net.Conn) error { return Deliver(c, testKey, form) }
	}
	answer := func(c net.Conn) error { return Answer(c, testKey) }
	serverAs := func(form Form) func(net.Conn) error {
		return func(c net.Conn) error { return ServerHandshake(c, testKey, form) }
	}
	clientAs := func(form Form) func(net.Conn) error {
		return func(c net.Conn) error { return ClientHandshake(c, testKey, form) }
	}
	const (
		weRefused   = "authentication failed: the keys differ: we refused the peer's answer to our challenge"
		theyRefused = "authentication failed: the keys differ: the peer refused our answer to its challenge"
		pyRejected  = "AuthenticationError: digest sent was rejected"
		pyWrong     = "AuthenticationError: digest received was wrong"
	)
	cases := []struct {
		name, impl, role, digest string
		pyKey                    []byte
		goSide                   func(net.Conn) error
		wantGo, wantPy           string // wantGo empty: no error
	}{
		// Python 3.11, this machine's multiprocessing.connection.
		{"3.11 answers a legacy challenge", "legacy", "answer", "", testKey, deliverAs(Legacy), "", "ok"},
		{"3.11's raw MD5 passes a sha256 challenge", "legacy", "answer", "", testKey, deliverAs(SHA256), "", "ok"},
		{"Go answers 3.11 with raw MD5", "legacy", "deliver", "", testKey, answer, "", "ok"},
		{"Go listener, 3.11 client", "legacy", "client", "", testKey, serverAs(SHA256), "", "ok"},
		{"Go legacy listener, 3.11 client", "legacy", "client", "", testKey, serverAs(Legacy), "", "ok"},
		{"Go client, 3.11 listener", "legacy", "server", "", testKey, clientAs(SHA256), "", "ok"},
		{"3.11 with the wrong key, legacy", "legacy", "answer", "", wrongKey, deliverAs(Legacy), weRefused, pyRejected},
		{"3.11 with the wrong key, sha256", "legacy", "answer", "", wrongKey, deliverAs(SHA256), weRefused, pyRejected},
		{"3.11 refuses Go's wrong key", "legacy", "deliver", "", wrongKey, answer, theyRefused, pyWrong},

		// Python 3.12+, as testdata/modern_auth.py does it.
		{"3.12 answers a sha256 challenge", "modern", "answer", "", testKey, deliverAs(SHA256), "", "ok"},
		{"3.12 answers a legacy challenge with raw MD5", "modern", "answer", "", testKey, deliverAs(Legacy), "", "ok"},
		{"Go answers 3.12's sha256", "modern", "deliver", "sha256", testKey, answer, "", "ok"},
		{"Go answers 3.12's sha384", "modern", "deliver", "sha384", testKey, answer, "", "ok"},
		{"Go answers 3.12's sha3_256", "modern", "deliver", "sha3_256", testKey, answer, "", "ok"},
		{"Go answers 3.12's sha3_384", "modern", "deliver", "sha3_384", testKey, answer, "", "ok"},
		{"Go answers 3.12's md5", "modern", "deliver", "md5", testKey, answer, "", "ok"},
		{"Go listener, 3.12 client", "modern", "client", "", testKey, serverAs(SHA256), "", "ok"},
		{"Go client, 3.12 listener", "modern", "server", "", testKey, clientAs(SHA256), "", "ok"},
		{"Go legacy client, 3.12 listener", "modern", "server", "", testKey, clientAs(Legacy), "", "ok"},
		{"3.12 with the wrong key, sha256", "modern", "answer", "", wrongKey, deliverAs(SHA256), weRefused, pyRejected},
		{"3.12 with the wrong key, legacy", "modern", "answer", "", wrongKey, deliverAs(Legacy), weRefused, pyRejected},
		{"3.12 refuses Go's wrong key", "modern", "deliver", "sha256", wrongKey, answer, theyRefused, pyWrong},
	}
	var run []pyCase
	for _, tc := range cases {
		digest := tc.digest
		if digest == "" {
			digest = "sha256"
		}
		run = append(run, pyCase{impl: tc.impl, role: tc.role, digest: digest, key: tc.pyKey, goSide: tc.goSide})
	}
	pyOut, goErr := withPython(t, run)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.wantPy, pyOut[i], "what Python made of it")
			if tc.wantGo == "" {
				assert.NoError(t, goErr[i])
				return
			}
			assert.ErrorIs(t, goErr[i], ErrAuth)
			assert.EqualError(t, goErr[i], tc.wantGo)
		})
	}
}
