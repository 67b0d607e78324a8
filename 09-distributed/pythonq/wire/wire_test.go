package wire

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/clitest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	testKey  = []byte("the manager's authkey")
	wrongKey = []byte("not the authkey")
)

// testDeadline bounds every wait of a test on a peer, Go or Python.
const testDeadline = 10 * time.Second

// pipe is an in-memory connection whose both ends give up at the test
// deadline, so that a side waiting for what never comes fails instead of
// hanging the test.
func pipe(t *testing.T) (a, b net.Conn) {
	t.Helper()
	a, b = net.Pipe()
	deadline := time.Now().Add(testDeadline)
	require.NoError(t, a.SetDeadline(deadline))
	require.NoError(t, b.SetDeadline(deadline))
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// both runs one side in a goroutine and the other in the test, each on its
// end of a pipe, and returns both errors once both have returned. Each side
// closes its end when done, so that the other is not left waiting.
func both(t *testing.T, left, right func(net.Conn) error) (leftErr, rightErr error) {
	t.Helper()
	a, b := pipe(t)
	return bothOn(t, a, b, left, right)
}

// bothOn is both on a connection of the caller's.
func bothOn(t *testing.T, a, b net.Conn, left, right func(net.Conn) error) (leftErr, rightErr error) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		err := left(a)
		a.Close()
		done <- err
	}()
	rightErr = right(b)
	b.Close()
	select {
	case leftErr = <-done:
	case <-time.After(2 * testDeadline):
		t.Fatal("the other side did not return after this side closed")
	}
	return leftErr, rightErr
}

// loopback is a TCP connection on the loopback interface, whose ends give
// up at the test deadline. Unlike a pipe, it holds what one side writes
// until the other reads, so both sides may write first.
func loopback(t *testing.T) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	a, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	b, err = ln.Accept()
	require.NoError(t, err)
	deadline := time.Now().Add(testDeadline)
	require.NoError(t, a.SetDeadline(deadline))
	require.NoError(t, b.SetDeadline(deadline))
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// script is a scripted peer: reads come from in, writes go to out.
type script struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func newScript(frames ...[]byte) *script {
	var in bytes.Buffer
	for _, f := range frames {
		if err := WriteFrame(&in, f); err != nil {
			panic(err)
		}
	}
	return &script{in: bytes.NewReader(in.Bytes())}
}

func (s *script) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *script) Write(p []byte) (int, error) { return s.out.Write(p) }

// written returns the frames the code under test wrote.
func (s *script) written(t *testing.T) [][]byte {
	t.Helper()
	var frames [][]byte
	r := bytes.NewReader(s.out.Bytes())
	for {
		p, err := ReadFrame(r, 1<<20)
		if err == io.EOF {
			return frames
		}
		require.NoError(t, err)
		frames = append(frames, p)
	}
}

// python runs a script of testdata with args and stdin, and returns its
// standard output. It skips the test without python3, and fails it when
// the script fails or outlives the test deadline.
func python(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	clitest.RequirePython(t)
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", append([]string{filepath.Join("testdata", name)}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "python3 %s %v failed:\n%s", name, args, stderr.String())
	return stdout.String()
}

// hexKey is how a key is handed to a Python script.
func hexKey(key []byte) string { return hex.EncodeToString(key) }
