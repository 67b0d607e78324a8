#!/usr/bin/env python3
# The Python twin of lesson 08-async-io, written for this project: the
# producer/consumer coroutine of the tutorial's 协程 (coroutines) section,
# run with `python3 coroutine.py` or through `go run ./08-async-io -compare`.
# It behaves as the tutorial's sample does and prints the same fifteen lines.
# The consumer still stops on any falsy item (`if not item`), a fault of the
# sample that the Go port does not repeat; it never shows here, since the
# items are 1 to 5.


def consumer():
    """A generator used as a coroutine: each send() hands it an item and
    gets back the reply to the previous one."""
    reply = ''
    while True:
        item = yield reply
        if not item:
            return
        print('[CONSUMER] Consuming %s...' % item)
        reply = '200 OK'


def produce(c):
    c.send(None)  # a new generator must first run to its first yield
    for item in range(1, 6):
        print('[PRODUCER] Producing %s...' % item)
        reply = c.send(item)
        print('[PRODUCER] Consumer return: %s' % reply)
    c.close()


if __name__ == '__main__':
    produce(consumer())
