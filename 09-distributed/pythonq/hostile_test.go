package pythonq

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/pythonq/wire"
	rpcwire "multitask/09-distributed/rpcq/wire"
	"multitask/09-distributed/taskq"
)

// These tests play peers that hold the key and send what no manager
// client sends, and peers that do not hold it.

// Pickles that would make a Python master run code. The Go side must
// refuse each without resolving a single name.
var (
	// os.system("echo pwned"): GLOBAL and REDUCE, protocol 0 text.
	pickleOSSystem = []byte("cos\nsystem\n(S'echo pwned'\ntR.")
	// builtins.eval("1+1"), protocol 2.
	pickleEval = []byte("\x80\x02cbuiltins\neval\nX\x03\x00\x00\x001+1\x85R.")
	// KeyError() with its state set by BUILD: an object's __setstate__ or
	// __dict__, which a class of the attacker's choice would run.
	pickleBuild = []byte("\x80\x02cbuiltins\nKeyError\n)R}X\x01\x00\x00\x00aK\x01sb.")
)

func TestHostileFramesCloseOnlyTheirConnection(t *testing.T) {
	const maxFrame = 4096
	m := startMaster(t, Options{MaxFrame: maxFrame})
	honest := dial(t, m, Options{})
	serve := func(t *testing.T, n int) {
		t.Helper()
		m.put(t, n)
		require.Equal(t, n, take(t, honest).N)
		require.NoError(t, honest.PutResult(t.Context(), taskq.Result{Text: square(n)}))
		assert.Equal(t, square(n), m.result(t).Text)
	}
	serve(t, 1)

	oversized := binary.BigEndian.AppendUint32(nil, maxFrame+1) // the header alone
	cases := []struct {
		name  string
		proxy bool   // sent on a proxy's connection, after accept_connection
		frame []byte // written raw
		cause string // what the log line names
	}{
		{"os.system", false, framed(pickleOSSystem), "global os.system"},
		{"builtins.eval", false, framed(pickleEval), "global builtins.eval"},
		{"BUILD", true, framed(pickleBuild), "opcode BUILD"},
		{"a frame over MaxFrame", true, oversized, "4097 bytes announced, over the 4096-byte limit"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var conn net.Conn
			if c.proxy {
				conn = proxyConn(t, m)
			} else {
				conn = authedConn(t, m)
			}
			_, err := conn.Write(c.frame)
			require.NoError(t, err)
			requireClosed(t, conn)
			from := conn.LocalAddr().String()
			assert.Equal(t, 1, m.log.count(from), "one line about %s:\n%s", from, m.log.text())
			assert.Equal(t, 1, m.log.count("closed the connection from "+from, c.cause), m.log.text())
			serve(t, 100+i)
		})
	}
}

// framed is p in a frame, as a peer writes it.
func framed(p []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...)
}

func TestASilentPeerIsCutAtTheHandshakeDeadline(t *testing.T) {
	const deadline = 300 * time.Millisecond
	m := startMaster(t, Options{HandshakeTimeout: deadline})
	start := time.Now() // before the server can have set its deadline
	c := rawConn(t, m.addr())
	challenge, err := wire.ReadFrame(c, wire.HandshakeLimit)
	require.NoError(t, err)
	assert.Contains(t, string(challenge), "#CHALLENGE#")
	requireClosed(t, c)
	assert.GreaterOrEqual(t, time.Since(start), deadline, "cut at its deadline, not before")
	m.log.waitFor(t, "no handshake within 300ms")
	assert.Equal(t, 1, m.log.count(c.LocalAddr().String()), m.log.text())
}

func TestAWrongKeyIsRefusedSayingWhoRefused(t *testing.T) {
	for _, form := range []wire.Form{wire.SHA256, wire.Legacy} {
		t.Run(form.String(), func(t *testing.T) {
			t.Run("the master refuses the worker's key", func(t *testing.T) {
				m := startMaster(t, Options{Form: form})
				_, err := Dial(bounded(t), m.addr(), wrongKey, Options{Form: form})
				require.ErrorIs(t, err, wire.ErrAuth)
				assert.Contains(t, err.Error(), "the master refused our key")
				m.log.waitFor(t, "refused")
				m.close(t)
				assert.Equal(t, 1, m.log.count("refused"), m.log.text())
				assert.Equal(t, 1, m.log.count("authentication failed", "we refused the peer's answer"), m.log.text())
			})
			t.Run("a client refuses the master's answer", func(t *testing.T) {
				// It answers with the key, then checks the master's answer
				// against another key.
				m := startMaster(t, Options{Form: form})
				c := rawConn(t, m.addr())
				require.NoError(t, wire.Answer(c, testKey))
				assert.ErrorIs(t, wire.Deliver(c, wrongKey, form), wire.ErrAuth)
				m.log.waitFor(t, "refused")
				m.close(t)
				assert.Equal(t, 1, m.log.count("refused"), m.log.text())
				assert.Equal(t, 1, m.log.count("authentication failed", "the peer refused our answer"), m.log.text())
			})
			t.Run("the worker refuses a master that does not know the key", func(t *testing.T) {
				addr := fakeMaster(t, func(c net.Conn) {
					// It lets anyone in, and answers with a key of its own.
					if wire.WriteFrame(c, append([]byte("#CHALLENGE#"), make([]byte, 20)...)) != nil {
						return
					}
					if _, err := wire.ReadFrame(c, wire.HandshakeLimit); err != nil {
						return
					}
					if wire.WriteFrame(c, []byte("#WELCOME#")) != nil {
						return
					}
					_ = wire.Answer(c, wrongKey)
				})
				_, err := Dial(bounded(t), addr, testKey, Options{Form: form})
				require.ErrorIs(t, err, wire.ErrAuth)
				assert.Contains(t, err.Error(), "the master could not prove it knows the key")
			})
		})
	}
}

// fakeMaster serves each connection with behave, on a free loopback port,
// until the test ends.
func fakeMaster(t *testing.T, behave func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(patience))
			behave(c)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		receive(t, done, "the fake master did not stop")
	})
	return ln.Addr().String()
}

func TestTheRPCTransportIsToldApart(t *testing.T) {
	t.Run("a worker meets an rpc master", func(t *testing.T) {
		addr := fakeMaster(t, func(c net.Conn) {
			_, _ = c.Write(append([]byte(rpcwire.Greeting), make([]byte, 32)...))
			_, _ = c.Read(make([]byte, 1))
		})
		_, err := Dial(bounded(t), addr, testKey, Options{})
		require.ErrorIs(t, err, wire.ErrNotManager)
		assert.Contains(t, err.Error(), "-transport rpc")
		assert.Contains(t, err.Error(), "Python workers need -transport python")
	})
	t.Run("the master meets an rpc worker", func(t *testing.T) {
		m := startMaster(t, Options{})
		c := rawConn(t, m.addr())
		_, err := wire.ReadFrame(c, wire.HandshakeLimit)
		require.NoError(t, err)
		_, err = c.Write(append([]byte(rpcwire.Magic), make([]byte, 64)...))
		require.NoError(t, err)
		m.log.waitFor(t, "refused")
		assert.Equal(t, 1, m.log.count("refused", "rpcq", "-transport python"), m.log.text())
	})
}

func TestAnUnknownFormIsRefusedAtOnce(t *testing.T) {
	_, err := Listen("127.0.0.1:0", testKey, taskq.NewHub(nil), Options{Form: wire.Form(7)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown handshake form Form(7)")
	_, err = Dial(bounded(t), "127.0.0.1:1", testKey, Options{Form: wire.Form(7)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown handshake form Form(7)", "said before dialling")
}
