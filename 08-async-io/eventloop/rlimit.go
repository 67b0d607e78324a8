package eventloop

// descriptorMargin is what a process needs besides its connections: stdin,
// stdout, stderr, the listener, the runtime's own epoll instance, pipes to
// the client process, and some to spare.
const descriptorMargin = 64

// ReserveDescriptors makes room, before anything runs, for what
// [ServersSideBySide] with conns connections and [CPUVersusIO] with tasks
// tasks need at once. A shortfall is a usage error naming the flag, so that
// it is one line up front and not a failure half-way.
//
// The servers' side needs a descriptor per connection (the client, in its
// own process, needs as many there); the IO-bound study runs client and
// server in this process, two descriptors per task.
func ReserveDescriptors(conns, tasks int) error {
	if err := raiseFileLimit("-conns", conns, conns+descriptorMargin); err != nil {
		return err
	}
	return raiseFileLimit("-tasks", tasks, 2*tasks+descriptorMargin)
}
