// Package wire speaks the wire of Python's multiprocessing.managers, so
// that Go can serve queues to Python workers and join a Python master: the
// frames of multiprocessing.connection, its authkey handshake, and the
// pickles of a manager's requests and replies.
//
// Frames ([ReadFrame], [WriteFrame]) are a 4-byte big-endian signed length
// and the payload, with -1 and an 8-byte length for payloads over 2 GiB.
// A reader refuses a length over its limit before allocating anything.
//
// The handshake ([ServerHandshake], [ClientHandshake], made of [Deliver]
// and [Answer]) is the challenge both sides send each other, in both of
// CPython's forms: [Legacy] (3.11 and earlier: 20 random bytes, raw
// HMAC-MD5) and [SHA256] (3.12 and later: "{sha256}" and 40 random bytes,
// answered with a prefixed HMAC-SHA256 of the whole message), with the
// fallbacks that let old and new Pythons talk to each other. Digests are
// compared in constant time, random bytes come from crypto/rand, and the
// errors tell a wrong key ([ErrAuth]) from a peer that is no manager at all
// ([ErrNotManager]), such as this project's own rpcq.
//
// Pickles ([Decode], [Encode], [DecodeRequest], [DecodeReply] and their
// encoders) go through github.com/kisielk/og-rek, which never runs
// anything, and then through an allow-list: only plain values (None, bool,
// int, float, str, bytes, tuple, list, dict) and calls of a few exception
// classes ([PyException]: queue.Empty, queue.Full and common builtin
// exceptions) are decoded. Every other global, every other call, objects
// (BUILD, NEWOBJ, INST, OBJ), persistent IDs, sets and out-of-band buffers
// are refused with a [*RefusedError] naming the first of them, and so are
// values nested too deep, too many values (counting each reference to a
// shared one) and huge integers.
//
// Why so strict: unpickling in Python resolves any importable name and
// calls it, so whoever holds a Python master's key can make it run code.
// A Go side that decodes only plain values cannot be made to run anything
// by a peer, key or no key, and the bounds keep a hostile pickle from
// costing it more than a frame's worth of memory and time.
package wire
