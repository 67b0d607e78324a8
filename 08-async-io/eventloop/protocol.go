package eventloop

import (
	"bytes"
	"time"
)

// The lesson's wire protocol is one short line each way:
//
//	request  "GET <id>\n"      where <id> is 1 to maxID letters, digits or '-'
//	reply    "200 OK <id>\n"
//
// It is small on purpose: a whole request fits in a fixed buffer of maxLine
// bytes, so the event-loop server needs no growing buffers, and anything longer
// is garbage by definition. The reply echoes the id so that a client can check
// that it got its own answer and not a neighbour's.
const (
	maxLine  = 64
	maxID    = maxLine - len("GET \n")
	maxReply = len("200 OK \n") + maxID
)

// requestLine is what a client sends for id.
func requestLine(id string) string { return "GET " + id + "\n" }

// replyLine is what a client expects back for id.
func replyLine(id string) string { return "200 OK " + id + "\n" }

// parseRequest returns the id of a request line given without its '\n'
// (a trailing '\r' is allowed), or ok=false when the line is not a request.
func parseRequest(line []byte) (id []byte, ok bool) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	id, ok = bytes.CutPrefix(line, []byte("GET "))
	if !ok || len(id) == 0 || len(id) > maxID {
		return nil, false
	}
	for _, b := range id {
		if !isIDByte(b) {
			return nil, false
		}
	}
	return id, true
}

func isIDByte(b byte) bool {
	return b == '-' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// appendReply appends the reply for id to dst. It copies id, so id may point
// into a read buffer that is about to be reused.
func appendReply(dst, id []byte) []byte {
	dst = append(dst, "200 OK "...)
	dst = append(dst, id...)
	return append(dst, '\n')
}

// closeReason says why a server ended a connection. Both servers report the
// same reasons, so that the tests can hold them to the same behaviour.
type closeReason string

const (
	reasonDone     closeReason = "done"     // the client closed between requests
	reasonIdle     closeReason = "idle"     // no complete request within the idle timeout
	reasonGarbage  closeReason = "garbage"  // a line that is not a request, or too long
	reasonBroken   closeReason = "broken"   // EOF in the middle of a request, or a read/write error
	reasonShutdown closeReason = "shutdown" // the server was closed
)

// serverConfig is what both servers take.
type serverConfig struct {
	// delay is how long the server waits before each reply: the slow IO
	// (a database, a disk, another service) that the lesson is about.
	delay time.Duration
	// idle is how long a connection may go without a complete request, and
	// how long a reply may take to leave, before the server drops it.
	idle time.Duration
	// onClose, when set, is told why each connection ended, and the
	// client's address (host:port) to tell connections apart. It is called
	// from the server's own goroutines and must not block.
	onClose func(peer string, why closeReason)
	// onRequest, when set, is told of every complete request as it begins
	// to wait out its delay. It is called from the server's own goroutines
	// and must not block; the tests count the requests in a server with it.
	onRequest func()
	// onAcceptError, when set, is told of every accept that failed for want
	// of a resource (out of descriptors: EMFILE), just before the server
	// pauses accepting. It is called from the server's own goroutines and
	// must not block; the tests count the pauses with it.
	onAcceptError func(err error)
}

// server is what both servers offer the client and the tests.
type server interface {
	// Addr is the loopback address to dial.
	Addr() string
	// Served counts the replies written in full.
	Served() int64
	// Close stops accepting, closes every connection and returns once every
	// goroutine of the server has ended.
	Close() error
}
