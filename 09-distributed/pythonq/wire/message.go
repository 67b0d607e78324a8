package wire

import (
	"errors"
	"fmt"
)

// Request is what a manager's client sends: call Method of the object
// Ident with Args and Kwds. Ident is nil for the manager's own requests
// ("dummy", "create", "incref", "decref", "accept_connection") and the
// object's id string for a proxy's method call. On the wire it is the
// 4-tuple (ident, methodname, args, kwds).
type Request struct {
	Ident  any // nil or string
	Method string
	Args   Tuple
	Kwds   map[string]any
}

// The kinds of a reply, the first item of its 2-tuple (kind, value).
const (
	KindReturn         = "#RETURN"         // value is the result
	KindError          = "#ERROR"          // value is the exception the client raises
	KindTraceback      = "#TRACEBACK"      // value is a str: the server failed
	KindUnserializable = "#UNSERIALIZABLE" // value is a str: the result would not pickle
	KindProxy          = "#PROXY"          // value is (exposed, token): the result is another proxy
)

// Reply is what a manager answers a Request with. Value is a
// *PyException for KindError and a string for KindTraceback and
// KindUnserializable. A real Python #PROXY reply carries a
// multiprocessing.managers.Token object, which Decode refuses like any
// object; a Queue never sends one.
type Reply struct {
	Kind  string
	Value any
}

// ErrMessage is what a request or reply of the wrong shape wraps: a pickle
// that decoded, but is not what a manager sends.
var ErrMessage = errors.New("wire: not a manager message")

// EncodeRequest checks r's shape and pickles it.
func EncodeRequest(r Request) ([]byte, error) {
	if err := checkIdent(r.Ident); err != nil {
		return nil, err
	}
	args := r.Args
	if args == nil {
		args = Tuple{}
	}
	kwds := r.Kwds
	if kwds == nil {
		kwds = map[string]any{}
	}
	return Encode(Tuple{r.Ident, r.Method, args, kwds})
}

// DecodeRequest decodes a pickled request and checks its shape: a 4-tuple
// of ident (None or str), method (str), args (tuple) and kwds (dict with
// str keys).
func DecodeRequest(p []byte) (Request, error) {
	v, err := Decode(p)
	if err != nil {
		return Request{}, err
	}
	t, ok := v.(Tuple)
	if !ok || len(t) != 4 {
		return Request{}, fmt.Errorf("%w: a request is a 4-tuple, got %s", ErrMessage, describe(v))
	}
	if err := checkIdent(t[0]); err != nil {
		return Request{}, err
	}
	method, ok := t[1].(string)
	if !ok {
		return Request{}, fmt.Errorf("%w: a request's method name is a str, got %s", ErrMessage, pyType(t[1]))
	}
	args, ok := t[2].(Tuple)
	if !ok {
		return Request{}, fmt.Errorf("%w: a request's args are a tuple, got %s", ErrMessage, pyType(t[2]))
	}
	d, ok := t[3].(map[any]any)
	if !ok {
		return Request{}, fmt.Errorf("%w: a request's kwds are a dict, got %s", ErrMessage, pyType(t[3]))
	}
	kwds := make(map[string]any, len(d))
	for k, v := range d {
		name, ok := k.(string)
		if !ok {
			return Request{}, fmt.Errorf("%w: a request's keyword names are str, got %s", ErrMessage, pyType(k))
		}
		kwds[name] = v
	}
	return Request{Ident: t[0], Method: method, Args: args, Kwds: kwds}, nil
}

func checkIdent(ident any) error {
	switch ident.(type) {
	case nil, string:
		return nil
	}
	return fmt.Errorf("%w: a request's ident is None or a str, got %s", ErrMessage, pyType(ident))
}

// EncodeReply checks r's kind and value and pickles it.
func EncodeReply(r Reply) ([]byte, error) {
	if err := checkReply(r); err != nil {
		return nil, err
	}
	return Encode(Tuple{r.Kind, r.Value})
}

// DecodeReply decodes a pickled reply and checks its shape: a 2-tuple of a
// known kind and a value that suits it.
func DecodeReply(p []byte) (Reply, error) {
	v, err := Decode(p)
	if err != nil {
		return Reply{}, err
	}
	t, ok := v.(Tuple)
	if !ok || len(t) != 2 {
		return Reply{}, fmt.Errorf("%w: a reply is a 2-tuple, got %s", ErrMessage, describe(v))
	}
	kind, ok := t[0].(string)
	if !ok {
		return Reply{}, fmt.Errorf("%w: a reply's kind is a str, got %s", ErrMessage, pyType(t[0]))
	}
	r := Reply{Kind: kind, Value: t[1]}
	if err := checkReply(r); err != nil {
		return Reply{}, err
	}
	return r, nil
}

func checkReply(r Reply) error {
	switch r.Kind {
	case KindReturn, KindProxy:
		return nil
	case KindError:
		if x, ok := r.Value.(*PyException); ok && x != nil {
			return nil
		}
		return fmt.Errorf("%w: a %s reply carries an exception, got %s", ErrMessage, r.Kind, pyType(r.Value))
	case KindTraceback, KindUnserializable:
		if _, ok := r.Value.(string); ok {
			return nil
		}
		return fmt.Errorf("%w: a %s reply carries a str, got %s", ErrMessage, r.Kind, pyType(r.Value))
	}
	return fmt.Errorf("%w: unknown reply kind %q", ErrMessage, r.Kind)
}

// describe names a value's type, and a tuple's length too.
func describe(v any) string {
	if t, ok := v.(Tuple); ok {
		return fmt.Sprintf("a %d-tuple", len(t))
	}
	return pyType(v)
}
