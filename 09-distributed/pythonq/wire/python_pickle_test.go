package wire

import (
	"encoding/hex"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPythonLoadsWhatGoWrites hands Go's pickles to Python 3.11, which
// handles each as a BaseManager client handles a reply (returning or
// raising) or as its server unpacks a request; testdata/load_pickles.py
// prints what came of it.
func TestPythonLoadsWhatGoWrites(t *testing.T) {
	huge := new(big.Int).Lsh(big.NewInt(1), 100)
	cases := []struct {
		kind  string
		value any
		want  string
	}{
		{"reply", Reply{KindReturn, nil}, "return None"},
		{"reply", Reply{KindReturn, Tuple{"7f0a", queueExposed}},
			"return ('7f0a', ('empty', 'full', 'get', 'get_nowait', 'join', 'put', 'put_nowait', 'qsize', 'task_done'))"},
		{"reply", Reply{KindReturn, int64(7)}, "return 7"},
		{"reply", Reply{KindReturn, "3 * 3 = 9"}, "return '3 * 3 = 9'"},
		{"reply", Reply{KindReturn, true}, "return True"},
		{"reply", Reply{KindReturn, 1.5}, "return 1.5"},
		{"reply", Reply{KindReturn, huge}, "return 1267650600228229401496703205376"},
		{"reply", Reply{KindReturn, new(big.Int).Neg(huge)}, "return -1267650600228229401496703205376"},
		{"reply", Reply{KindReturn, int64(math.MinInt64)}, "return -9223372036854775808"},
		{"reply", Reply{KindReturn, []byte("\x00ab")}, `return b'\x00ab'`},
		{"reply", Reply{KindReturn, "héllo"}, `return 'h\xe9llo'`},
		{"reply", Reply{KindReturn, []any{Tuple{int64(1)}, map[any]any{"b": nil, "a": 2.0}}}, "return [(1,), {'a': 2.0, 'b': None}]"},
		{"reply", Reply{KindError, QueueEmpty}, "raise _queue.Empty()"},
		{"reply", Reply{KindError, QueueFull}, "raise queue.Full()"},
		{"reply", Reply{KindError, &PyException{Module: "builtins", Name: "KeyError", Args: []any{"x"}}}, "raise builtins.KeyError('x',)"},
		{"reply", Reply{KindTraceback, "it broke"}, "raise multiprocessing.managers.RemoteError('it broke',)"},
		{"reply", Reply{KindUnserializable, "no"}, `raise multiprocessing.managers.RemoteError('Unserializable message: no\n',)`},
		{"request", Request{Method: "dummy"}, "request None 'dummy' () {}"},
		{"request", Request{Ident: "7f0a", Method: "get", Kwds: map[string]any{"timeout": int64(1)}}, "request '7f0a' 'get' () {'timeout': 1}"},
		{"request", Request{Method: "accept_connection", Args: Tuple{"MainProcess"}}, "request None 'accept_connection' ('MainProcess',) {}"},
	}
	var stdin strings.Builder
	for _, c := range cases {
		var p []byte
		var err error
		switch v := c.value.(type) {
		case Reply:
			p, err = EncodeReply(v)
		case Request:
			p, err = EncodeRequest(v)
		}
		require.NoError(t, err)
		stdin.WriteString(c.kind + " " + hex.EncodeToString(p) + "\n")
	}
	out := strings.Split(strings.TrimSpace(python(t, stdin.String(), "load_pickles.py")), "\n")
	require.Len(t, out, len(cases))
	for i, c := range cases {
		assert.Equal(t, c.want, out[i], "Python's handling of %#v", c.value)
	}
}
