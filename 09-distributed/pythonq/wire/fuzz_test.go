package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"math/big"
	"testing"
)

// The fuzz tests check more than "no panic": whatever Decode accepts holds
// only the types it promises and encodes back to the same value, and a
// frame reader returns exactly the frames the bytes hold. `go test` runs
// the seeds (the vectors, and testdata/fuzz); this explores for 30 seconds:
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 30s ./09-distributed/pythonq/wire

func FuzzDecode(f *testing.F) {
	vectors, _ := readVectors(f)
	for _, v := range vectors {
		f.Add(v.pickle)
	}
	p, err := Encode(sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p)
	f.Add(memoBomb(12))
	f.Add(nested(MaxDepth + 1))
	f.Add(long1(126))
	f.Fuzz(func(t *testing.T, p []byte) {
		v, err := Decode(p)
		if err != nil {
			return
		}
		plainOnly(t, v, 0)
		again, err := Encode(v)
		if err != nil {
			t.Fatalf("a decoded value does not encode: %v\n%#v", err, v)
		}
		w, err := Decode(again)
		if err != nil {
			t.Fatalf("a re-encoded value does not decode: %v", err)
		}
		if !same(v, w) {
			t.Fatalf("the value changed on the way back:\n%#v\n%#v", v, w)
		}
	})
}

// plainOnly fails the test unless v holds only the types Decode promises.
func plainOnly(t *testing.T, v any, depth int) {
	if depth > MaxDepth {
		t.Fatalf("a value nested deeper than %d", MaxDepth)
	}
	switch v := v.(type) {
	case nil, bool, int64, float64, string, []byte:
	case *big.Int:
		if v.IsInt64() || v.BitLen() > MaxIntBits {
			t.Fatalf("a *big.Int of %d bits", v.BitLen())
		}
	case Tuple:
		for _, x := range v {
			plainOnly(t, x, depth+1)
		}
	case []any:
		for _, x := range v {
			plainOnly(t, x, depth+1)
		}
	case map[any]any:
		for k, x := range v {
			if err := checkKey(k); err != nil {
				t.Fatalf("a dict key %#v: %v", k, err)
			}
			plainOnly(t, x, depth+1)
		}
	case *PyException:
		if exceptionClasses[[2]string{v.Module, v.Name}] != v.Module {
			t.Fatalf("an exception of class %s.%s", v.Module, v.Name)
		}
		for _, x := range v.Args {
			if _, nested := x.(*PyException); nested {
				t.Fatal("an exception among an exception's arguments")
			}
			plainOnly(t, x, depth+1)
		}
	default:
		t.Fatalf("a value of Go type %T", v)
	}
}

// same is deep equality for decoded values, with a NaN equal to a NaN.
func same(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && (a == b || math.IsNaN(a) && math.IsNaN(b))
	case *big.Int:
		b, ok := b.(*big.Int)
		return ok && a.Cmp(b) == 0
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	case Tuple:
		b, ok := b.(Tuple)
		return ok && sameItems(a, b)
	case []any:
		b, ok := b.([]any)
		return ok && sameItems(a, b)
	case map[any]any:
		b, ok := b.(map[any]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, x := range a {
			if y, found := b[k]; !found || !same(x, y) {
				return false
			}
		}
		return true
	case *PyException:
		b, ok := b.(*PyException)
		return ok && a.Module == b.Module && a.Name == b.Name && sameItems(a.Args, b.Args)
	}
	return a == b
}

func sameItems(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !same(a[i], b[i]) {
			return false
		}
	}
	return true
}

func FuzzReadFrame(f *testing.F) {
	var good bytes.Buffer
	for _, p := range []string{"first", "", "a frame of some length, well within the limit"} {
		if err := WriteFrame(&good, []byte(p)); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:good.Len()-3])
	f.Add(longFrame(3, []byte("abc")))
	f.Add(longFrame(1<<40, nil))
	f.Add([]byte{0, 0, 0, 65})
	f.Add([]byte{0xff, 0xff, 0xff, 0xfe, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 64
		r := bytes.NewReader(data)
		for {
			at := len(data) - r.Len()
			p, err := ReadFrame(r, limit)
			if err == io.EOF && at != len(data) {
				t.Fatalf("io.EOF with %d bytes left", len(data)-at)
			}
			if err != nil {
				return
			}
			if len(p) > limit {
				t.Fatalf("a frame of %d bytes passed the %d-byte limit", len(p), limit)
			}
			used := data[at : len(data)-r.Len()]
			var want []byte
			if binary.BigEndian.Uint32(used) == math.MaxUint32 {
				want = binary.BigEndian.AppendUint64([]byte{0xff, 0xff, 0xff, 0xff}, uint64(len(p)))
				want = append(want, p...)
			} else {
				var again bytes.Buffer
				if err := WriteFrame(&again, p); err != nil {
					t.Fatal(err)
				}
				want = again.Bytes()
			}
			if !bytes.Equal(used, want) {
				t.Fatalf("the reader took %x for the frame %x", used, p)
			}
		}
	})
}
