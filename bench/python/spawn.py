"""Start one unit of work and wait for it to end, one at a time.

The Python side of BenchmarkSpawn: threading.Thread and
multiprocessing.Process with each start method, start() then join(). With
fork the child is a copy of this process; with spawn it is a fresh
interpreter that imports this module again; forkserver forks from a server
process started once (the default on Linux from Python 3.14).
"""

import multiprocessing as mp
import shutil
import subprocess
import threading

from gobench import time_calls


def noop():
    pass


def thread_start_join(n):
    def once():
        t = threading.Thread(target=noop)
        t.start()
        t.join()

    return time_calls(n, once)


def process_start_join(method):
    ctx = mp.get_context(method)

    def once():
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"{method} child exited with {p.exitcode}")

    return lambda n: time_calls(n, once)


def exec_true(path):
    return lambda n: time_calls(n, lambda: subprocess.run([path], check=True))


def register(r):
    r.timed("BenchmarkSpawn/thread", thread_start_join)
    for method in ("fork", "forkserver", "spawn"):
        if method in mp.get_all_start_methods():
            r.timed(f"BenchmarkSpawn/process-{method}", process_start_join(method), max_n=2000)
    true = shutil.which("true")
    if true:
        r.timed("BenchmarkSpawn/process-exec-true", exec_true(true), max_n=5000)
