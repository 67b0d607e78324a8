package wire

import (
	"bytes"
	"encoding/hex"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unhex(s string) []byte {
	p, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return p
}

// memoBomb is a pickle of a few bytes whose value, once unfolded, has
// 2^(levels+2)-1 values: each level is a pair of two references to the one
// below, through the memo.
func memoBomb(levels int) []byte {
	p := []byte{0x80, 2, 'K', 1, 'K', 1, 0x86}
	for i := range levels {
		p = append(p, 'q', byte(i), 'h', byte(i), 0x86)
	}
	return append(p, '.')
}

// nested is a pickle of lists nested depth deep: [[[...]]].
func nested(depth int) []byte {
	p := []byte{0x80, 2}
	p = append(p, bytes.Repeat([]byte{']'}, depth)...)
	p = append(p, bytes.Repeat([]byte{'a'}, depth-1)...)
	return append(p, '.')
}

// long1 is a pickle of a LONG1 integer of n bytes.
func long1(n int) []byte {
	p := []byte{0x80, 2, 0x8a, byte(n)}
	p = append(p, bytes.Repeat([]byte{0x55}, n)...)
	return append(p, '.')
}

func TestWhatCouldRunCodeIsRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		pickle []byte
		want   string
	}{
		"os.system by GLOBAL": {[]byte("cos\nsystem\n(S'echo hi'\ntR."),
			"global os.system at byte 0"},
		"builtins.eval by GLOBAL, at protocol 2": {[]byte("\x80\x02cbuiltins\neval\nX\x03\x00\x00\x001+1\x85R."),
			"global builtins.eval at byte 2"},
		"REDUCE of builtins.eval by STACK_GLOBAL": {[]byte("\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x031+1\x85R."),
			"a call of builtins.eval with 1 arguments"},
		"os.system by STACK_GLOBAL, not called": {[]byte("\x80\x04\x8c\x02os\x8c\x06system\x93."),
			"the global os.system"},
		"an allowed class, not called": {[]byte("\x80\x04\x8c\x06_queue\x8c\x05Empty\x93."),
			"the global _queue.Empty"},
		"an object by NEWOBJ": {[]byte("\x80\x04\x8c\x08__main__\x8c\x05Point\x93)\x81."),
			"opcode NEWOBJ at byte 21: it builds an object of a class"},
		"an object's state by BUILD": {[]byte("\x80\x04\x8c\x06_queue\x8c\x05Empty\x93)R}b."),
			"opcode BUILD at byte 21: it sets the state of an object"},
		"an object by INST": {[]byte("(i__main__\nPoint\n."),
			"opcode INST at byte 1: it builds an object of a class"},
		"a persistent ID": {[]byte("P123\n."),
			"opcode PERSID at byte 0: a persistent ID, which only the receiver's own loader could resolve"},
		"a persistent ID from the stack": {[]byte("\x80\x02K\x01Q."),
			"opcode BINPERSID at byte 4: a persistent ID, which only the receiver's own loader could resolve"},
		"an exception in an exception's arguments": {[]byte("\x80\x03c_queue\nEmpty\nc_queue\nEmpty\n)R\x85R."),
			"the exception _queue.Empty among the arguments of another"},
		"a set": {[]byte("\x80\x04\x8f."),
			"opcode EMPTY_SET at byte 2: sets are not part of this exchange"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(tc.pickle)
			var refused *RefusedError
			require.ErrorAs(t, err, &refused)
			assert.Equal(t, tc.want, refused.What)
			assert.EqualError(t, err, "wire: pickle refused: "+tc.want)
		})
	}
}

func TestValuesOverTheBoundsAreRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		pickle []byte
		want   string
	}{
		"nested too deep": {nested(MaxDepth + 2), "values nested more than 64 deep"},
		"too many values through the memo": {memoBomb(20),
			"more than 262144 values"},
		"a LONG1 int over the bits": {long1(127), "an int of 1015 bits, over the 1000-bit limit"},
		"a LONG1 int over the bytes": {long1(200),
			"opcode LONG1 at byte 2: an int of 200 bytes, over the 127-byte limit"},
		"a huge text int": {append([]byte("I"+strings.Repeat("9", 400)), '\n', '.'),
			"opcode INT at byte 0: a number of 400 characters, over the 305-character limit"},
		"a huge LONG": {append([]byte("L"+strings.Repeat("9", 400)+"L"), '\n', '.'),
			"opcode LONG at byte 0: a number of 401 characters, over the 305-character limit"},
		"a tuple as a dict key": {unhex("8004950c000000000000007d944b014b0286944b03732e"),
			"a dict key of type tuple; keys must be None, bool, int, float or str"},
		"a NaN as a dict key": {[]byte("\x80\x02}G\x7f\xf8\x00\x00\x00\x00\x00\x00K\x01s."),
			"a dict key of type float; keys must be None, bool, int, float or str"},
		"a str that is not UTF-8": {[]byte("\x80\x03X\x02\x00\x00\x00\xff\xfe."), "a str that is not valid UTF-8"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(tc.pickle)
			var refused *RefusedError
			require.ErrorAs(t, err, &refused)
			assert.Equal(t, tc.want, refused.What)
		})
	}
	v, err := Decode(nested(MaxDepth + 1))
	require.NoError(t, err, "nesting to the bound passes")
	assert.IsType(t, []any{}, v)
	v, err = Decode(memoBomb(16))
	require.NoError(t, err, "2^18-1 values pass")
	assert.IsType(t, Tuple{}, v)
	v, err = Decode(long1(125))
	require.NoError(t, err, "a 999-bit int passes")
	assert.Equal(t, 999, v.(*big.Int).BitLen())
}

func TestMalformedPicklesAreErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		pickle []byte
		want   string
	}{
		"empty":             {nil, "wire: bad pickle at byte 0: the pickle ends without STOP"},
		"no STOP":           {[]byte("\x80\x02N"), "wire: bad pickle at byte 3: the pickle ends without STOP"},
		"bytes after STOP":  {[]byte("\x80\x02N.N"), "wire: bad pickle at byte 3: 1 bytes after STOP"},
		"a string cut":      {[]byte("\x80\x03X\xff\x00\x00\x00ab."), "wire: bad pickle at byte 2: BINUNICODE: 255 bytes announced, 3 left"},
		"an unknown opcode": {[]byte("\x80\x02\xff."), "wire: bad pickle at byte 2: unknown opcode 0xff"},
		"protocol 6":        {[]byte("\x80\x06N."), "wire: bad pickle at byte 0: protocol 6; the newest is 5"},
		"a line cut":        {[]byte("I12"), "wire: bad pickle at byte 0: INT: its argument has no end of line"},
		"an empty stack":    {[]byte("\x80\x02."), "wire: bad pickle: pickle: stack underflow"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(tc.pickle)
			assert.EqualError(t, err, tc.want)
			var refused *RefusedError
			assert.NotErrorAs(t, err, &refused, "a malformed pickle is not a refused one")
		})
	}
}

func TestBytesInEveryProtocolsForm(t *testing.T) {
	for name, tc := range map[string]struct {
		pickle []byte
		want   []byte
	}{
		"protocol 2 bytes":           {[]byte("\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x06\x00\x00\x00latin1\x86R."), []byte("ab")},
		"protocol 2 empty bytes":     {[]byte("\x80\x02c__builtin__\nbytes\n)R."), []byte{}},
		"protocol 2 empty bytearray": {[]byte("\x80\x02c__builtin__\nbytearray\n)R."), []byte{}},
		"protocol 3 bytes":           {[]byte("\x80\x03C\x02ab."), []byte("ab")},
		"protocol 3 empty bytearray": {[]byte("\x80\x03cbuiltins\nbytearray\n)R."), []byte{}},
		"protocol 4 bytearray":       {[]byte("\x80\x04\x8c\x08builtins\x8c\tbytearray\x93C\x02ab\x85R."), []byte("ab")},
		"protocol 5 bytearray":       {[]byte("\x80\x05\x96\x02\x00\x00\x00\x00\x00\x00\x00ab."), []byte("ab")},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := Decode(tc.pickle)
			require.NoError(t, err)
			assert.Equal(t, tc.want, v)
		})
	}
	_, err := Decode([]byte("\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x05\x00\x00\x00utf-8\x86R."))
	var refused *RefusedError
	require.ErrorAs(t, err, &refused, "_codecs.encode is data only in the form Python writes bytes with")
	assert.Equal(t, "a call of _codecs.encode with 2 arguments", refused.What)
}

// sample holds every kind of value Encode takes and Decode returns.
func sample() any {
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890123456789", 10)
	return Tuple{
		nil, true, false, int64(0), int64(-1), int64(255), int64(65536), int64(math.MaxInt64), int64(math.MinInt64),
		huge, 1.5, math.Inf(-1), "", "héllo, 世界", []byte{}, []byte{0, 1, 0xff},
		Tuple{}, Tuple{"one"}, []any{}, []any{int64(1), []any{"nested"}},
		map[any]any{}, map[any]any{nil: int64(1), true: "t", int64(2): 2.5, 0.5: "f", "k": Tuple{int64(1)}},
		QueueEmpty, &PyException{Module: "builtins", Name: "KeyError", Args: []any{"x", int64(1)}},
	}
}

func TestEncodedValuesDecodeToThemselves(t *testing.T) {
	p, err := Encode(sample())
	require.NoError(t, err)
	assert.Equal(t, byte(4), p[1], "protocol 4")
	v, err := Decode(p)
	require.NoError(t, err)
	want := sample().(Tuple)
	want[22] = &PyException{Module: "_queue", Name: "Empty", Args: []any{}}
	assert.Equal(t, want, v)
}

func TestEncodeTakesGoNumbersOfEveryKind(t *testing.T) {
	p, err := Encode([]any{1, int8(-2), int16(3), int32(-4), uint(5), uint8(6), uint16(7), uint32(8), uint64(math.MaxUint64), float32(0.5)})
	require.NoError(t, err)
	v, err := Decode(p)
	require.NoError(t, err)
	maxUint := new(big.Int).SetUint64(math.MaxUint64)
	assert.Equal(t, []any{int64(1), int64(-2), int64(3), int64(-4), int64(5), int64(6), int64(7), int64(8), maxUint, 0.5}, v)
}

func TestEncodeRefusesWhatDecodeWouldRefuse(t *testing.T) {
	cyclic := map[any]any{}
	cyclic["self"] = cyclic
	for name, tc := range map[string]struct {
		value any
		want  string
	}{
		"a class that is not allowed": {&PyException{Module: "os", Name: "system", Args: []any{"echo hi"}},
			"wire: encode: os.system is not an exception class this package writes"},
		"a non-canonical module": {&PyException{Module: "exceptions", Name: "KeyError"},
			"wire: encode: exceptions.KeyError is not an exception class this package writes"},
		"a Go struct":     {struct{ A int }{1}, "wire: encode: a value of Go type struct { A int }"},
		"a big int key":   {map[any]any{"k": map[any]any{new(big.Int).Lsh(big.NewInt(1), 70): 1}}, "wire: encode: a dict key of type int; keys must be None, bool, int, float or str"},
		"a NaN key":       {map[any]any{math.NaN(): 1}, "wire: encode: a dict key of type float; keys must be None, bool, int, float or str"},
		"invalid UTF-8":   {"\xff", "wire: encode: a string that is not valid UTF-8, which a Python str cannot hold"},
		"a cycle":         {cyclic, "wire: encode: values nested more than 64 deep"},
		"a huge int":      {new(big.Int).Lsh(big.NewInt(1), 1000), "wire: encode: an int of 1001 bits, over the 1000-bit limit"},
		"a nil exception": {(*PyException)(nil), "wire: encode: a nil *PyException"},
		"a nil big int":   {(*big.Int)(nil), "wire: encode: a nil *big.Int"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Encode(tc.value)
			assert.EqualError(t, err, tc.want)
		})
	}
	_, err := encode(make([]any, 10), limits{depth: 5, elements: 10, intBits: 8})
	assert.EqualError(t, err, "wire: encode: more than 10 values")
}

func TestDecodeCountsEveryValue(t *testing.T) {
	p, err := Encode(make([]any, 10))
	require.NoError(t, err)
	_, err = decode(p, limits{depth: 5, elements: 10, intBits: 8})
	assert.EqualError(t, err, "wire: pickle refused: more than 10 values", "a list and its ten items are eleven")
	_, err = decode(p, limits{depth: 5, elements: 11, intBits: 8})
	assert.NoError(t, err)
}

func TestPyExceptionIsAnErrorMatchedByClass(t *testing.T) {
	e := &PyException{Module: "builtins", Name: "KeyError", Args: []any{"x"}}
	assert.EqualError(t, e, `builtins.KeyError: "x"`)
	assert.EqualError(t, QueueEmpty, "_queue.Empty")
	assert.ErrorIs(t, e, &PyException{Module: "builtins", Name: "KeyError"})
	assert.NotErrorIs(t, e, QueueEmpty)
}
