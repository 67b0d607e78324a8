package wire

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	ogórek "github.com/kisielk/og-rek"
)

// encodeProtocol is the pickle protocol Encode writes: 4, what CPython
// 3.8 to 3.13 send themselves, so a Python peer reads nothing it would not
// write. It has opcodes for bytes, so they travel as data rather than as
// the call of _codecs.encode that protocol 2 needs.
const encodeProtocol = 4

// Encode writes v as a pickle that Python 3 loads. It takes the values
// Decode returns, and also any Go integer, float32, map[string]any and
// Tuple-free []any; a *PyException becomes a call of its class with its
// arguments, so that Python rebuilds, and raises, the real exception. Only
// the allowed exception classes are written, so that nothing Go sends can
// make a Python peer call anything else. Depth, count and integer size
// have the same bounds as Decode's.
func Encode(v any) ([]byte, error) {
	return encode(v, defaultLimits)
}

func encode(v any, lim limits) ([]byte, error) {
	e := encoder{lim: lim}
	raw, err := e.value(v, 0)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := ogórek.NewEncoderWithConfig(&buf, &ogórek.EncoderConfig{Protocol: encodeProtocol}).Encode(raw); err != nil {
		return nil, fmt.Errorf("wire: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// encoder turns plain Go values into og-rek's, counting them.
type encoder struct {
	lim   limits
	count int
}

func (e *encoder) value(v any, depth int) (any, error) {
	if depth > e.lim.depth {
		return nil, fmt.Errorf("wire: encode: values nested more than %d deep", e.lim.depth)
	}
	if e.count++; e.count > e.lim.elements {
		return nil, fmt.Errorf("wire: encode: more than %d values", e.lim.elements)
	}
	switch v := v.(type) {
	case nil:
		return ogórek.None{}, nil
	case bool, float64, int64:
		return v, nil
	case float32:
		return float64(v), nil
	case int:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case uint:
		return e.unsigned(uint64(v))
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case uint64:
		return e.unsigned(v)
	case *big.Int:
		if v == nil {
			return nil, fmt.Errorf("wire: encode: a nil *big.Int")
		}
		if v.BitLen() > e.lim.intBits {
			return nil, fmt.Errorf("wire: encode: an int of %d bits, over the %d-bit limit", v.BitLen(), e.lim.intBits)
		}
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return new(big.Int).Set(v), nil
	case string:
		if !utf8.ValidString(v) {
			return nil, fmt.Errorf("wire: encode: a string that is not valid UTF-8, which a Python str cannot hold")
		}
		return v, nil
	case []byte:
		return ogórek.Bytes(v), nil
	case Tuple:
		t, err := e.items(v, depth)
		return ogórek.Tuple(t), err
	case []any:
		return e.items(v, depth)
	case map[any]any:
		return e.dict(len(v), func(yield func(any, any) bool) {
			for k, x := range v {
				if !yield(k, x) {
					return
				}
			}
		}, depth)
	case map[string]any:
		return e.dict(len(v), func(yield func(any, any) bool) {
			for k, x := range v {
				if !yield(k, x) {
					return
				}
			}
		}, depth)
	case *PyException:
		if v == nil {
			return nil, fmt.Errorf("wire: encode: a nil *PyException")
		}
		return e.exception(v, depth)
	}
	return nil, fmt.Errorf("wire: encode: a value of Go type %T", v)
}

// unsigned keeps a uint64 past MaxInt64 exact, as a Python int.
func (e *encoder) unsigned(u uint64) (any, error) {
	if u <= math.MaxInt64 {
		return int64(u), nil
	}
	return new(big.Int).SetUint64(u), nil
}

func (e *encoder) items(in []any, depth int) ([]any, error) {
	out := make([]any, len(in))
	for i, item := range in {
		v, err := e.value(item, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// dict encodes the pairs of a Go map. Its keys must be of the types Decode
// returns as keys, so that what one side writes the other can read.
func (e *encoder) dict(n int, pairs func(yield func(any, any) bool), depth int) (any, error) {
	out := make(map[any]any, n)
	var err error
	for k, v := range pairs {
		var key, value any
		if key, err = e.value(k, depth+1); err != nil {
			break
		}
		if !pickleKey(key) {
			err = fmt.Errorf("wire: encode: a dict key of type %s; keys must be None, bool, int, float or str", pyType(k))
			break
		}
		if value, err = e.value(v, depth+1); err != nil {
			break
		}
		out[key] = value
	}
	return out, err
}

// pickleKey reports whether an encoded key is one checkKey accepts.
func pickleKey(k any) bool {
	switch k := k.(type) {
	case ogórek.None, bool, int64, string:
		return true
	case float64:
		return !math.IsNaN(k)
	}
	return false
}

func (e *encoder) exception(x *PyException, depth int) (any, error) {
	if module, ok := exceptionClasses[[2]string{x.Module, x.Name}]; !ok || module != x.Module {
		return nil, fmt.Errorf("wire: encode: %s.%s is not an exception class this package writes", x.Module, x.Name)
	}
	args, err := e.items(x.Args, depth)
	if err != nil {
		return nil, err
	}
	return ogórek.Call{Callable: ogórek.Class{Module: x.Module, Name: x.Name}, Args: ogórek.Tuple(args)}, nil
}
