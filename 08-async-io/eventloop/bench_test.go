package eventloop

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startBenchServer starts one kind of server with no delay, or skips.
func startBenchServer(b *testing.B, kind serverKind) server {
	b.Helper()
	srv, err := kind.start(serverConfig{idle: time.Minute})
	if errors.Is(err, errNoEpoll) {
		b.Skip(err)
	}
	require.NoError(b, err)
	b.Cleanup(func() { srv.Close() })
	return srv
}

// BenchmarkRequestsPerSecond keeps conns connections busy, each sending a
// request as soon as its last reply is in, against a server with no delay: it
// measures what serving costs, the waiting taken out. Client and server share
// this process and its CPUs.
func BenchmarkRequestsPerSecond(b *testing.B) {
	for _, kind := range serverKinds {
		for _, conns := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/conns=%d", kind.name, conns), func(b *testing.B) {
				srv := startBenchServer(b, kind)
				// RunParallel starts parallelism × GOMAXPROCS goroutines;
				// each takes a connection of its own.
				parallelism := (conns + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
				pool := make([]net.Conn, parallelism*runtime.GOMAXPROCS(0))
				for i := range pool {
					c, err := net.Dial("tcp", srv.Addr())
					require.NoError(b, err)
					defer c.Close()
					pool[i] = c
				}
				var next atomic.Int64
				b.SetParallelism(parallelism)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := next.Add(1) - 1
					c := pool[i]
					id := strconv.FormatInt(i, 10)
					request, want := []byte(requestLine(id)), replyLine(id)
					got := make([]byte, len(want))
					for pb.Next() {
						if _, err := c.Write(request); err != nil {
							b.Error(err)
							return
						}
						if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
							b.Errorf("reply %q, %v; want %q", got, err, want)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}
