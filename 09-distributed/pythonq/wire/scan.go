package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// The pickle is scanned, opcode by opcode, before og-rek sees it: every
// opcode must be one this exchange needs, every GLOBAL must name an allowed
// class, a text integer must be short (parsing a long decimal is
// quadratic), every length must fit in what is left, and STOP must end it.
// og-rek then builds values only from a pickle that has passed.

// argKind is how an opcode's argument is laid out in the stream.
type argKind uint8

const (
	argNone     argKind = iota
	argFixed            // size bytes
	argLine             // up to and including a newline
	argTwoLines         // GLOBAL: module and name, each a line
	argCounted          // a little-endian count of size bytes, then that many bytes
)

type opcode struct {
	name string
	arg  argKind
	size int    // of the argument (argFixed) or of its count (argCounted)
	why  string // when not empty, the opcode is refused, for this reason
}

// opcodes are the opcodes of pickle protocols 0 to 5, by byte.
var opcodes = map[byte]opcode{
	'(':  {name: "MARK"},
	'.':  {name: "STOP"},
	'0':  {name: "POP"},
	'2':  {name: "DUP"},
	'F':  {name: "FLOAT", arg: argLine},
	'I':  {name: "INT", arg: argLine},
	'L':  {name: "LONG", arg: argLine},
	'N':  {name: "NONE"},
	'R':  {name: "REDUCE"},
	'S':  {name: "STRING", arg: argLine},
	'V':  {name: "UNICODE", arg: argLine},
	'a':  {name: "APPEND"},
	'c':  {name: "GLOBAL", arg: argTwoLines},
	'd':  {name: "DICT"},
	'g':  {name: "GET", arg: argLine},
	'l':  {name: "LIST"},
	'p':  {name: "PUT", arg: argLine},
	's':  {name: "SETITEM"},
	't':  {name: "TUPLE"},
	'J':  {name: "BININT", arg: argFixed, size: 4},
	'K':  {name: "BININT1", arg: argFixed, size: 1},
	'M':  {name: "BININT2", arg: argFixed, size: 2},
	'T':  {name: "BINSTRING", arg: argCounted, size: 4},
	'U':  {name: "SHORT_BINSTRING", arg: argCounted, size: 1},
	'X':  {name: "BINUNICODE", arg: argCounted, size: 4},
	'e':  {name: "APPENDS"},
	'h':  {name: "BINGET", arg: argFixed, size: 1},
	'j':  {name: "LONG_BINGET", arg: argFixed, size: 4},
	']':  {name: "EMPTY_LIST"},
	')':  {name: "EMPTY_TUPLE"},
	'}':  {name: "EMPTY_DICT"},
	'q':  {name: "BINPUT", arg: argFixed, size: 1},
	'r':  {name: "LONG_BINPUT", arg: argFixed, size: 4},
	'u':  {name: "SETITEMS"},
	'G':  {name: "BINFLOAT", arg: argFixed, size: 8},
	0x80: {name: "PROTO", arg: argFixed, size: 1},
	0x85: {name: "TUPLE1"},
	0x86: {name: "TUPLE2"},
	0x87: {name: "TUPLE3"},
	0x88: {name: "NEWTRUE"},
	0x89: {name: "NEWFALSE"},
	0x8a: {name: "LONG1", arg: argCounted, size: 1},
	'B':  {name: "BINBYTES", arg: argCounted, size: 4},
	'C':  {name: "SHORT_BINBYTES", arg: argCounted, size: 1},
	0x8c: {name: "SHORT_BINUNICODE", arg: argCounted, size: 1},
	0x93: {name: "STACK_GLOBAL"},
	0x94: {name: "MEMOIZE"},
	0x95: {name: "FRAME", arg: argFixed, size: 8},
	0x96: {name: "BYTEARRAY8", arg: argCounted, size: 8},

	'P':  {name: "PERSID", why: "a persistent ID, which only the receiver's own loader could resolve"},
	'Q':  {name: "BINPERSID", why: "a persistent ID, which only the receiver's own loader could resolve"},
	'b':  {name: "BUILD", why: "it sets the state of an object"},
	'i':  {name: "INST", why: "it builds an object of a class"},
	'o':  {name: "OBJ", why: "it builds an object of a class"},
	0x81: {name: "NEWOBJ", why: "it builds an object of a class"},
	0x92: {name: "NEWOBJ_EX", why: "it builds an object of a class"},
	0x82: {name: "EXT1", why: "it names an object in the copyreg extension registry"},
	0x83: {name: "EXT2", why: "it names an object in the copyreg extension registry"},
	0x84: {name: "EXT4", why: "it names an object in the copyreg extension registry"},
	'1':  {name: "POP_MARK", why: "only recursive objects need it"},
	0x8b: {name: "LONG4", why: "its integer is over 255 bytes"},
	0x8d: {name: "BINUNICODE8", why: "its string is over 4 GiB"},
	0x8e: {name: "BINBYTES8", why: "its bytes are over 4 GiB"},
	0x8f: {name: "EMPTY_SET", why: "sets are not part of this exchange"},
	0x90: {name: "ADDITEMS", why: "sets are not part of this exchange"},
	0x91: {name: "FROZENSET", why: "sets are not part of this exchange"},
	0x97: {name: "NEXT_BUFFER", why: "out-of-band buffers are not part of this exchange"},
	0x98: {name: "READONLY_BUFFER", why: "out-of-band buffers are not part of this exchange"},
}

// highestProtocol is the newest pickle protocol (Python 3.8's 5).
const highestProtocol = 5

// maxLong1 bounds the bytes of a LONG1 integer. og-rek reads a LONG1
// length over 127 as negative, and then the pickle out of step, so the
// bound is there, above what MaxIntBits needs (126 bytes, with the sign).
const maxLong1 = 127

// maxNumberLine bounds the text of an INT, LONG or FLOAT argument: room
// for the decimal digits of a MaxIntBits-bit integer, a sign and an L.
const maxNumberLine = MaxIntBits*30103/100000 + 4

// scan checks p opcode by opcode, as the comment at the top of this file
// says, and returns the first thing it refuses.
func scan(p []byte) error {
	for at := 0; at < len(p); {
		op, known := opcodes[p[at]]
		if !known {
			return malformed(at, "unknown opcode 0x%02x", p[at])
		}
		if op.why != "" {
			return &RefusedError{What: fmt.Sprintf("opcode %s at byte %d: %s", op.name, at, op.why)}
		}
		argAt := at + 1
		next, err := skipArg(p, argAt, op)
		if err != nil {
			return malformed(at, "%s: %v", op.name, err)
		}
		arg := p[argAt:next]
		switch op.name {
		case "STOP":
			if next != len(p) {
				return malformed(at, "%d bytes after STOP", len(p)-next)
			}
			return nil
		case "PROTO":
			if arg[0] > highestProtocol {
				return malformed(at, "protocol %d; the newest is %d", arg[0], highestProtocol)
			}
		case "INT", "LONG", "FLOAT":
			if len(arg)-1 > maxNumberLine {
				return &RefusedError{What: fmt.Sprintf("opcode %s at byte %d: a number of %d characters, over the %d-character limit",
					op.name, at, len(arg)-1, maxNumberLine)}
			}
		case "LONG1":
			if len(arg)-1 > maxLong1 {
				return &RefusedError{What: fmt.Sprintf("opcode LONG1 at byte %d: an int of %d bytes, over the %d-byte limit",
					at, len(arg)-1, maxLong1)}
			}
		case "GLOBAL":
			module, name, _ := bytes.Cut(bytes.TrimSuffix(arg, []byte{'\n'}), []byte{'\n'})
			if !allowedGlobal(string(module), string(name)) {
				return &RefusedError{What: fmt.Sprintf("global %s.%s at byte %d", module, name, at)}
			}
		}
		at = next
	}
	return malformed(len(p), "the pickle ends without STOP")
}

// skipArg returns where the argument of op, which starts at at, ends.
func skipArg(p []byte, at int, op opcode) (int, error) {
	switch op.arg {
	case argFixed:
		if len(p)-at < op.size {
			return 0, fmt.Errorf("its %d-byte argument is cut short", op.size)
		}
		return at + op.size, nil
	case argLine, argTwoLines:
		lines := 1
		if op.arg == argTwoLines {
			lines = 2
		}
		end := at
		for range lines {
			nl := bytes.IndexByte(p[end:], '\n')
			if nl < 0 {
				return 0, fmt.Errorf("its argument has no end of line")
			}
			end += nl + 1
		}
		return end, nil
	case argCounted:
		if len(p)-at < op.size {
			return 0, fmt.Errorf("its %d-byte length is cut short", op.size)
		}
		var count uint64
		switch op.size {
		case 1:
			count = uint64(p[at])
		case 4:
			count = uint64(binary.LittleEndian.Uint32(p[at:]))
		case 8:
			count = binary.LittleEndian.Uint64(p[at:])
		}
		at += op.size
		if count > uint64(len(p)-at) {
			return 0, fmt.Errorf("%d bytes announced, %d left", count, len(p)-at)
		}
		return at + int(count), nil
	}
	return at, nil
}

// malformed is a pickle that is not well formed.
func malformed(at int, format string, args ...any) error {
	return fmt.Errorf("wire: bad pickle at byte %d: %s", at, fmt.Sprintf(format, args...))
}
