package rpcq

import (
	"bytes"
	"encoding/gob"
	"io"
	"net/rpc"
	"testing"
	"time"

	"multitask/09-distributed/taskq"
)

// gobEncoder returns an encoder that writes one message's parts to w.
func gobEncoder(w io.Writer) func(any) error { return gob.NewEncoder(w).Encode }

// frame encodes a header and a body the way the codecs do.
func frame(f *testing.F, h, body any) []byte {
	var b bytes.Buffer
	enc := gobEncoder(&b)
	if err := enc(h); err != nil {
		f.Fatal(err)
	}
	if err := enc(body); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

// FuzzDecodeFrame feeds the master's frame decoder arbitrary payloads, as if
// a holder of the key sent nonsense: it must return an error or a message,
// never panic or hang. (Without the key, no payload gets this far: see the
// fuzz tests of package wire.)
func FuzzDecodeFrame(f *testing.F) {
	f.Add(frame(f, &rpc.Request{ServiceMethod: "Queues.Exchange", Seq: 7}, &ExchangeArgs{
		Results: []taskq.Result{{TaskID: 1, Text: "3 * 3 = 9"}},
		Want:    16,
		Wait:    time.Second,
	}))
	f.Add(frame(f, &rpc.Request{ServiceMethod: "Queues.Exchange"}, &ExchangeArgs{}))
	f.Add(frame(f, &rpc.Response{Seq: 1}, &ExchangeReply{Tasks: []taskq.Task{{ID: 1, N: 3}}}))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, payload []byte) {
		var req rpc.Request
		var args ExchangeArgs
		if err := decodeFrame(payload, &req, &args); err == nil && len(args.Results) > len(payload) {
			t.Fatalf("%d results out of %d bytes", len(args.Results), len(payload))
		}
	})
}
