package wire

import (
	"bufio"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vector is one pickle of testdata/vectors.txt, which make_vectors.py
// captured between a real Python 3.11 BaseManager client and server.
type vector struct {
	kind, name, protocol string
	pickle               []byte
}

func readVectors(t testing.TB) (vectors []vector, meta map[string]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "vectors.txt"))
	require.NoError(t, err)
	defer f.Close()
	return parseVectors(t, f)
}

func parseVectors(t testing.TB, r io.Reader) (vectors []vector, meta map[string]string) {
	t.Helper()
	meta = map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 0 || strings.HasPrefix(fields[0], "#"):
		case fields[0] == "meta" && len(fields) == 3:
			meta[fields[1]] = fields[2]
		case len(fields) == 4:
			p, err := hex.DecodeString(fields[3])
			require.NoError(t, err)
			vectors = append(vectors, vector{kind: fields[0], name: fields[1], protocol: fields[2], pickle: p})
		default:
			t.Fatalf("vectors.txt: a line of %d fields: %q", len(fields), sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, meta["ident"])
	require.NotEmpty(t, meta["thread"])
	return vectors, meta
}

// queueExposed is what a Queue proxy may call, as the server lists it.
var queueExposed = Tuple{"empty", "full", "get", "get_nowait", "join", "put", "put_nowait", "qsize", "task_done"}

func TestPythonRequestsDecode(t *testing.T) {
	vectors, meta := readVectors(t)
	checkRequests(t, vectors, meta)
}

func TestPythonRepliesDecode(t *testing.T) {
	vectors, meta := readVectors(t)
	checkReplies(t, vectors, meta)
}

// TestVectorsOfALivePythonManagerDecode captures the exchange anew, with
// the python3 of this machine, so that the committed vectors are not the
// only witness of what a BaseManager sends.
func TestVectorsOfALivePythonManagerDecode(t *testing.T) {
	out := python(t, "", "make_vectors.py")
	vectors, meta := parseVectors(t, strings.NewReader(out))
	checkRequests(t, vectors, meta)
	checkReplies(t, vectors, meta)
}

func checkRequests(t *testing.T, vectors []vector, meta map[string]string) {
	ident := meta["ident"]
	none := map[string]any{}
	want := map[string]Request{
		"dummy":             {nil, "dummy", Tuple{}, none},
		"create":            {nil, "create", Tuple{"get_task_queue"}, none},
		"incref":            {nil, "incref", Tuple{ident}, none},
		"decref":            {nil, "decref", Tuple{ident}, none},
		"accept_connection": {nil, "accept_connection", Tuple{meta["thread"]}, none},
		"put-int":           {ident, "put", Tuple{int64(7)}, none},
		"put-str":           {ident, "put", Tuple{"3 * 3 = 9"}, none},
		"get":               {ident, "get", Tuple{}, none},
		"get-timeout":       {ident, "get", Tuple{}, map[string]any{"timeout": int64(1)}},
		"get_nowait":        {ident, "get_nowait", Tuple{}, none},
		"qsize":             {ident, "qsize", Tuple{}, none},
		"empty":             {ident, "empty", Tuple{}, none},
		"decref-exit":       {nil, "decref", Tuple{ident}, none},
		"incref-unknown":    {nil, "incref", Tuple{"no such object"}, none},
	}
	seen := map[string]int{}
	for _, v := range vectors {
		if v.kind != "request" {
			continue
		}
		t.Run(v.name+"/protocol "+v.protocol, func(t *testing.T) {
			expected, ok := want[v.name]
			require.True(t, ok, "no expected value for the request %q", v.name)
			got, err := DecodeRequest(v.pickle)
			require.NoError(t, err)
			assert.Equal(t, expected, got)
			seen[v.name]++
		})
	}
	for name := range want {
		assert.Equal(t, 3, seen[name], "the request %q decodes at protocols 2, 4 and 5", name)
	}
}

func checkReplies(t *testing.T, vectors []vector, meta map[string]string) {
	ret := func(v any) Reply { return Reply{KindReturn, v} }
	want := map[string]Reply{
		"dummy":             ret(nil),
		"create":            ret(Tuple{meta["ident"], queueExposed}),
		"incref":            ret(nil),
		"decref":            ret(nil),
		"accept_connection": ret(nil),
		"put-int":           ret(nil),
		"put-str":           ret(nil),
		"get":               ret(int64(7)),
		"get-timeout":       ret("3 * 3 = 9"),
		"get_nowait":        {KindError, &PyException{Module: "_queue", Name: "Empty", Args: []any{}}},
		"qsize":             ret(int64(0)),
		"empty":             ret(true),
		"decref-exit":       ret(nil),
		"error-keyerror":    {KindError, &PyException{Module: "builtins", Name: "KeyError", Args: []any{"x"}}},
	}
	seen := map[string]int{}
	for _, v := range vectors {
		if v.kind != "reply" {
			continue
		}
		t.Run(v.name+"/protocol "+v.protocol, func(t *testing.T) {
			got, err := DecodeReply(v.pickle)
			require.NoError(t, err)
			seen[v.name]++
			if v.name == "incref-unknown" {
				// The server's traceback of its KeyError, as text.
				assert.Equal(t, KindTraceback, got.Kind)
				assert.Contains(t, got.Value, "KeyError")
				return
			}
			expected, ok := want[v.name]
			require.True(t, ok, "no expected value for the reply %q", v.name)
			assert.Equal(t, expected, got)
		})
	}
	for name := range want {
		assert.Equal(t, 3, seen[name], "the reply %q decodes at protocols 2, 4 and 5", name)
	}
	assert.ErrorIs(t, want["get_nowait"].Value.(error), QueueEmpty, "errors.Is finds queue.Empty by its class")
}
