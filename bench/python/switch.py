"""Ping-pong: two partners pass a ball back and forth; a round trip is two
switches.

The Python side of BenchmarkSwitch. Two threads over queue.Queue is how
Python threads usually hand work to each other; two threads over os.pipe
is the kernel's thread switch (os.read and os.write release the GIL while
they wait); a forked child over os.pipe is the kernel's process switch,
free and pinned to one CPU.
"""

import os
import queue
import threading

from gobench import time_calls

WARM_UP = 100


def switch_metric(ns_per_op):
    return [(ns_per_op / 2, "ns/switch")]


def threads_queue(n):
    there, back = queue.Queue(), queue.Queue()

    def partner():
        while True:
            item = there.get()
            if item is None:
                return
            back.put(item)

    def once():
        there.put(1)
        back.get()

    t = threading.Thread(target=partner)
    t.start()
    try:
        return time_calls(n, once, WARM_UP)
    finally:
        there.put(None)
        t.join()


def serve_ball(fd_in, fd_out):
    while os.read(fd_in, 1):
        os.write(fd_out, b".")


def hit_balls(fd_out, fd_in, n):
    """Time n round trips of the ball after WARM_UP untimed ones."""

    def once():
        os.write(fd_out, b".")
        if not os.read(fd_in, 1):
            raise RuntimeError("the partner closed its end")

    return time_calls(n, once, WARM_UP)


def threads_pipe(n):
    there_r, there_w = os.pipe()
    back_r, back_w = os.pipe()
    t = threading.Thread(target=serve_ball, args=(there_r, back_w))
    t.start()
    try:
        return hit_balls(there_w, back_r, n)
    finally:
        os.close(there_w)  # end of file ends the partner
        t.join()
        for fd in (there_r, back_r, back_w):
            os.close(fd)


def processes_pipe(cpu):
    """Ping-pong with a forked child; cpu is None to run free."""

    def run(n):
        there_r, there_w = os.pipe()
        back_r, back_w = os.pipe()
        old = os.sched_getaffinity(0)
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})  # inherited by the child
        pid = os.fork()
        if pid == 0:
            # The child: only os calls, no threads, then out without
            # running the parent's clean-up code.
            status = 0
            try:
                os.close(there_w)
                os.close(back_r)
                serve_ball(there_r, back_w)
            except BaseException:
                status = 1
            os._exit(status)
        os.close(there_r)
        os.close(back_w)
        try:
            return hit_balls(there_w, back_r, n)
        finally:
            os.sched_setaffinity(0, old)
            os.close(there_w)
            _, status = os.waitpid(pid, 0)
            os.close(back_r)
            if status != 0:
                raise RuntimeError(f"ping-pong child ended with status {status}")

    return run


def register(r):
    r.timed("BenchmarkSwitch/threads-queue", threads_queue, extra=switch_metric)
    r.timed("BenchmarkSwitch/threads-pipe/free", threads_pipe, extra=switch_metric)
    if hasattr(os, "fork") and hasattr(os, "sched_setaffinity"):
        r.timed("BenchmarkSwitch/processes-pipe/free", processes_pipe(None), extra=switch_metric)
        cpu = min(os.sched_getaffinity(0))
        r.timed("BenchmarkSwitch/processes-pipe/pinned", processes_pipe(cpu), extra=switch_metric)
