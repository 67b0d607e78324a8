//go:build unix

package eventloop

import (
	"net"
	"runtime"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkBytesPerConn measures the Go memory (heap and goroutine stacks) a
// server holds for each open, idle connection: one that has had one request
// answered and waits for the next. The client side is raw
// blocking sockets opened with syscall, so that it adds nothing to the Go heap but
// one slice of descriptors, allocated before the first measurement.
//
// Not counted: the kernel's socket buffers (the same for both servers) and
// the runtime's poll descriptor per connection in the goroutine server,
// which Go allocates outside the heap (a few hundred bytes each, reused).
func BenchmarkBytesPerConn(b *testing.B) {
	const conns = 1000
	for _, kind := range serverKinds {
		b.Run(kind.name, func(b *testing.B) {
			fds := make([]int, 0, conns)
			var total float64
			for b.Loop() {
				srv := startBenchServer(b, kind)
				port := portOf(b, srv.Addr())
				before := goMemory()
				for range conns {
					fds = append(fds, rawRoundTrip(b, port, len(fds)))
				}
				after := goMemory()
				total += float64(after) - float64(before)
				for _, fd := range fds {
					syscall.Close(fd)
				}
				fds = fds[:0]
				require.NoError(b, srv.Close())
			}
			b.ReportMetric(total/float64(b.N)/conns, "bytes/conn")
		})
	}
}

// goMemory is the live heap plus goroutine stacks, after a collection.
func goMemory() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

func portOf(tb testing.TB, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	require.NoError(tb, err)
	port, err := strconv.Atoi(p)
	require.NoError(tb, err)
	return port
}

// rawRoundTrip opens a blocking socket to the server, has one request
// answered on it (so the server has surely accepted and served it) and
// returns the still open descriptor.
func rawRoundTrip(tb testing.TB, port, n int) int {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(tb, err)
	syscall.CloseOnExec(fd)
	require.NoError(tb, syscall.Connect(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}))
	id := strconv.Itoa(n)
	_, err = syscall.Write(fd, []byte(requestLine(id)))
	require.NoError(tb, err)
	want := replyLine(id)
	got := make([]byte, 0, len(want))
	var buf [maxReply]byte
	for len(got) < len(want) {
		n, err := syscall.Read(fd, buf[:])
		require.NoError(tb, err)
		require.NotZero(tb, n, "the server closed the connection")
		got = append(got, buf[:n]...)
	}
	require.Equal(tb, want, string(got))
	return fd
}
