package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestsRoundTrip(t *testing.T) {
	for _, r := range []Request{
		{Ident: nil, Method: "dummy", Args: Tuple{}, Kwds: map[string]any{}},
		{Ident: "7f0a1b2c3d40", Method: "get", Args: Tuple{}, Kwds: map[string]any{"timeout": int64(1), "block": true}},
		{Ident: "7f0a1b2c3d40", Method: "put", Args: Tuple{[]any{"a task", int64(3)}}, Kwds: map[string]any{}},
	} {
		p, err := EncodeRequest(r)
		require.NoError(t, err)
		got, err := DecodeRequest(p)
		require.NoError(t, err)
		assert.Equal(t, r, got)
	}
	p, err := EncodeRequest(Request{Method: "dummy"})
	require.NoError(t, err)
	got, err := DecodeRequest(p)
	require.NoError(t, err)
	assert.Equal(t, Request{Method: "dummy", Args: Tuple{}, Kwds: map[string]any{}}, got, "no args and kwds are an empty tuple and dict")
}

func TestRequestsOfTheWrongShapeAreRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		value any
		want  string
	}{
		"not a tuple":         {[]any{nil, "dummy", Tuple{}, map[any]any{}}, "a request is a 4-tuple, got list"},
		"a 3-tuple":           {Tuple{nil, "dummy", Tuple{}}, "a request is a 4-tuple, got a 3-tuple"},
		"an int ident":        {Tuple{int64(1), "dummy", Tuple{}, map[any]any{}}, "a request's ident is None or a str, got int"},
		"a bytes method":      {Tuple{nil, []byte("dummy"), Tuple{}, map[any]any{}}, "a request's method name is a str, got bytes"},
		"args in a list":      {Tuple{nil, "dummy", []any{}, map[any]any{}}, "a request's args are a tuple, got list"},
		"kwds in a tuple":     {Tuple{nil, "dummy", Tuple{}, Tuple{}}, "a request's kwds are a dict, got tuple"},
		"a keyword not a str": {Tuple{nil, "dummy", Tuple{}, map[any]any{int64(1): 2}}, "a request's keyword names are str, got int"},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Encode(tc.value)
			require.NoError(t, err)
			_, err = DecodeRequest(p)
			require.ErrorIs(t, err, ErrMessage)
			assert.EqualError(t, err, "wire: not a manager message: "+tc.want)
		})
	}
	_, err := EncodeRequest(Request{Ident: int64(3), Method: "get"})
	assert.ErrorIs(t, err, ErrMessage, "the encoder checks the ident too")
}

func TestRepliesRoundTrip(t *testing.T) {
	for _, r := range []Reply{
		{KindReturn, nil},
		{KindReturn, Tuple{"7f0a1b2c3d40", queueExposed}},
		{KindError, &PyException{Module: "_queue", Name: "Empty", Args: []any{}}},
		{KindTraceback, "Traceback (most recent call last):\n..."},
		{KindUnserializable, "TypeError: cannot pickle"},
		{KindProxy, Tuple{queueExposed, "a token"}},
	} {
		p, err := EncodeReply(r)
		require.NoError(t, err)
		got, err := DecodeReply(p)
		require.NoError(t, err)
		assert.Equal(t, r, got)
	}
}

func TestRepliesOfTheWrongShapeAreRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		reply Reply
		want  string
	}{
		"an unknown kind":               {Reply{"#MAYBE", nil}, `unknown reply kind "#MAYBE"`},
		"an error that is no exception": {Reply{KindError, "boom"}, "a #ERROR reply carries an exception, got str"},
		"a traceback that is no str":    {Reply{KindTraceback, int64(1)}, "a #TRACEBACK reply carries a str, got int"},
		"an unserializable no str":      {Reply{KindUnserializable, nil}, "a #UNSERIALIZABLE reply carries a str, got NoneType"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := EncodeReply(tc.reply)
			require.ErrorIs(t, err, ErrMessage)
			assert.EqualError(t, err, "wire: not a manager message: "+tc.want)

			p, err := Encode(Tuple{tc.reply.Kind, tc.reply.Value})
			require.NoError(t, err)
			_, err = DecodeReply(p)
			assert.EqualError(t, err, "wire: not a manager message: "+tc.want, "the decoder checks the same")
		})
	}
	for name, tc := range map[string]struct {
		value any
		want  string
	}{
		"not a tuple":    {[]any{KindReturn, nil}, "a reply is a 2-tuple, got list"},
		"a 3-tuple":      {Tuple{KindReturn, nil, nil}, "a reply is a 2-tuple, got a 3-tuple"},
		"a kind not str": {Tuple{int64(1), nil}, "a reply's kind is a str, got int"},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Encode(tc.value)
			require.NoError(t, err)
			_, err = DecodeReply(p)
			assert.EqualError(t, err, "wire: not a manager message: "+tc.want)
		})
	}
}
