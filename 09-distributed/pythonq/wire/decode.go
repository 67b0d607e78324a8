package wire

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	ogórek "github.com/kisielk/og-rek"
)

// Tuple is a Python tuple. A Python list is a []any, so that the two stay
// apart on the way back.
type Tuple []any

// The bounds of a decoded value. MaxElements counts every value visited,
// so a pickle that refers to one list many times through its memo (a few
// bytes that would unfold into millions of values) is refused too.
const (
	MaxDepth    = 64      // nesting of tuples, lists, dicts and exception arguments
	MaxElements = 1 << 18 // values in all, each container and each element
	MaxIntBits  = 1000    // bits of an integer, sign aside
)

// RefusedError is a pickle that asks for something this package does not
// decode: a class other than the allowed exceptions, a call, an object, a
// persistent ID, or a value over a bound. What names the first such thing.
type RefusedError struct {
	What string
}

func (e *RefusedError) Error() string { return "wire: pickle refused: " + e.What }

// limits are the bounds a decode or an encode keeps; tests make them small.
type limits struct {
	depth, elements, intBits int
}

var defaultLimits = limits{depth: MaxDepth, elements: MaxElements, intBits: MaxIntBits}

// Decode decodes one pickle into plain Go values, without resolving any
// name or running anything:
//
//	None → nil             bool → bool          float → float64
//	int → int64, or *big.Int when it does not fit (at most MaxIntBits bits)
//	str → string (valid UTF-8)                  bytes, bytearray → []byte
//	tuple → Tuple          list → []any
//	dict → map[any]any, whose keys must be None, bool, int (int64), float
//	       (not NaN) or str
//	a call of an allowed exception class → *PyException
//
// Anything else is a *RefusedError; a pickle that is not well formed is
// another error.
func Decode(p []byte) (any, error) {
	return decode(p, defaultLimits)
}

func decode(p []byte, lim limits) (any, error) {
	if err := scan(p); err != nil {
		return nil, err
	}
	d := ogórek.NewDecoderWithConfig(bytes.NewReader(p), &ogórek.DecoderConfig{PyDict: true})
	raw, err := d.Decode()
	if err != nil {
		return nil, fmt.Errorf("wire: bad pickle: %w", err)
	}
	w := walker{lim: lim}
	return w.value(raw, 0)
}

// walker turns what og-rek decoded into plain values, counting them.
type walker struct {
	lim   limits
	count int
	args  bool // inside the arguments of an exception, where no call may be
}

func (w *walker) value(v any, depth int) (any, error) {
	if depth > w.lim.depth {
		return nil, &RefusedError{What: fmt.Sprintf("values nested more than %d deep", w.lim.depth)}
	}
	if w.count++; w.count > w.lim.elements {
		return nil, &RefusedError{What: fmt.Sprintf("more than %d values", w.lim.elements)}
	}
	switch v := v.(type) {
	case ogórek.None:
		return nil, nil
	case bool, int64, float64:
		return v, nil
	case *big.Int:
		return w.bigInt(v)
	case string:
		if !utf8.ValidString(v) {
			return nil, &RefusedError{What: "a str that is not valid UTF-8"}
		}
		return v, nil
	case ogórek.ByteString:
		return w.value(string(v), depth)
	case ogórek.Bytes:
		return []byte(v), nil
	case []byte:
		return bytes.Clone(v), nil
	case ogórek.Tuple:
		t, err := w.items(v, depth)
		return Tuple(t), err
	case []any:
		return w.items(v, depth)
	case ogórek.Dict:
		return w.dict(v, depth)
	case ogórek.Call:
		return w.call(v, depth)
	case ogórek.Class:
		return nil, &RefusedError{What: fmt.Sprintf("the global %s.%s", v.Module, v.Name)}
	case ogórek.Ref:
		return nil, &RefusedError{What: "a persistent ID"}
	}
	return nil, &RefusedError{What: fmt.Sprintf("a value of Go type %T", v)}
}

// bigInt returns an integer that fits as an int64, and any other within
// the bound as a *big.Int.
func (w *walker) bigInt(v *big.Int) (any, error) {
	if v.IsInt64() {
		return v.Int64(), nil
	}
	if v.BitLen() > w.lim.intBits {
		return nil, &RefusedError{What: fmt.Sprintf("an int of %d bits, over the %d-bit limit", v.BitLen(), w.lim.intBits)}
	}
	return new(big.Int).Set(v), nil
}

func (w *walker) items(in []any, depth int) ([]any, error) {
	out := make([]any, len(in))
	for i, item := range in {
		v, err := w.value(item, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (w *walker) dict(d ogórek.Dict, depth int) (map[any]any, error) {
	out := make(map[any]any, d.Len())
	for k, v := range d.Iter() {
		key, err := w.value(k, depth+1)
		if err != nil {
			return nil, err
		}
		if err := checkKey(key); err != nil {
			return nil, err
		}
		value, err := w.value(v, depth+1)
		if err != nil {
			return nil, err
		}
		out[key] = value
	}
	return out, nil
}

// checkKey refuses a dict key that a Go map cannot hold as Python does: a
// tuple or bytes (not comparable in Go), a big int (compared by pointer),
// a NaN (never equal to itself).
func checkKey(k any) error {
	switch k := k.(type) {
	case nil, bool, int64, string:
		return nil
	case float64:
		if !math.IsNaN(k) {
			return nil
		}
	}
	return &RefusedError{What: fmt.Sprintf("a dict key of type %s; keys must be None, bool, int, float or str", pyType(k))}
}

// call decodes a call: of a byte helper in a form og-rek left alone, or of
// an allowed exception class with plain values as arguments.
func (w *walker) call(c ogórek.Call, depth int) (any, error) {
	class := [2]string{c.Callable.Module, c.Callable.Name}
	if byteHelpers[class] && class[1] != "encode" {
		switch {
		case len(c.Args) == 0:
			return []byte{}, nil
		case class[1] == "bytearray" && len(c.Args) == 1:
			if b, ok := c.Args[0].(ogórek.Bytes); ok {
				return []byte(b), nil
			}
		}
	}
	module, ok := exceptionClasses[class]
	if !ok {
		return nil, &RefusedError{What: fmt.Sprintf("a call of %s.%s with %d arguments", class[0], class[1], len(c.Args))}
	}
	if w.args {
		return nil, &RefusedError{What: fmt.Sprintf("the exception %s.%s among the arguments of another", class[0], class[1])}
	}
	w.args = true
	args, err := w.items(c.Args, depth)
	w.args = false
	if err != nil {
		return nil, err
	}
	return &PyException{Module: module, Name: class[1], Args: args}, nil
}

// pyType names the Python type of a decoded value, for errors.
func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case Tuple:
		return "tuple"
	case []any:
		return "list"
	case map[any]any:
		return "dict"
	case *PyException:
		return "exception"
	}
	return fmt.Sprintf("%T", v)
}
