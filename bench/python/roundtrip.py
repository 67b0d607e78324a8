"""Send a 64-byte message and wait for it to come back.

The Python side of BenchmarkRoundTrip: queue.Queue between two threads;
multiprocessing.Pipe (a Unix socket pair on Linux) and multiprocessing.Queue
(a pipe fed by a background thread, with pickling) to a forked child that
echoes; and the tutorial's distributed queue: a BaseManager serving a
queue.Queue over TCP on 127.0.0.1, where each item costs a put() and a get(),
each a request to the manager's process.
"""

import multiprocessing as mp
import os
import queue
import threading
from multiprocessing.managers import BaseManager

from gobench import time_calls

MESSAGE = b"x" * 64
WARM_UP = 100


def round_trips(n, send, receive):
    """Time n round trips of MESSAGE after WARM_UP untimed ones."""

    def once():
        send(MESSAGE)
        receive()

    return time_calls(n, once, WARM_UP)


def queue_threads(n):
    there, back = queue.Queue(), queue.Queue()

    def partner():
        while (m := there.get()) is not None:
            back.put(m)

    t = threading.Thread(target=partner)
    t.start()
    try:
        return round_trips(n, there.put, back.get)
    finally:
        there.put(None)
        t.join()


def pipe_echo(conn):
    # An empty message means stop. End of file would not come: the forked
    # child holds a copy of the parent's end of the pipe too.
    while m := conn.recv_bytes():
        conn.send_bytes(m)


def mp_pipe(n):
    ctx = mp.get_context("fork")
    ours, theirs = ctx.Pipe()
    p = ctx.Process(target=pipe_echo, args=(theirs,))
    p.start()
    theirs.close()
    try:
        return round_trips(n, ours.send_bytes, ours.recv_bytes)
    finally:
        ours.send_bytes(b"")
        p.join()
        ours.close()


def queue_echo(there, back):
    while (m := there.get()) is not None:
        back.put(m)


def mp_queue(n):
    ctx = mp.get_context("fork")
    there, back = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=queue_echo, args=(there, back))
    p.start()
    try:
        return round_trips(n, there.put, back.get)
    finally:
        there.put(None)
        p.join()


# The manager's queue lives in the manager's process. A module-level
# function, not a lambda as in the tutorial, so the manager can start with
# any start method.
_served_queue = queue.Queue()


def served_queue():
    return _served_queue


class QueueManager(BaseManager):
    pass


QueueManager.register("get_queue", callable=served_queue)


def manager_queue(n):
    manager = QueueManager(address=("127.0.0.1", 0), authkey=os.urandom(16))
    manager.start()
    try:
        q = manager.get_queue()
        return round_trips(n, q.put, q.get)
    finally:
        manager.shutdown()


def register(r):
    r.timed("BenchmarkRoundTrip/queue-threads", queue_threads)
    if "fork" in mp.get_all_start_methods():
        r.timed("BenchmarkRoundTrip/mp-pipe", mp_pipe)
        r.timed("BenchmarkRoundTrip/mp-queue", mp_queue)
    r.timed("BenchmarkRoundTrip/manager-queue-per-item", manager_queue)
