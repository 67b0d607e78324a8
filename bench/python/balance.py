"""The tutorial's Lock example as a benchmark.

change_it(n) adds n to a shared balance and takes it away again, under a
threading.Lock with try/finally, from 1, 2, 4 and 8 threads, with n = 5 and
n = 8 in turn. ns/op is wall time per change_it over all threads, as in
BenchmarkBalance/mutex; the balance must end at 0.
"""

import threading

from gobench import now_ns


class Balance:
    def __init__(self):
        self.lock = threading.Lock()
        self.balance = 0

    def change_it(self, n):
        self.lock.acquire()
        try:
            self.balance += n
            self.balance -= n
        finally:
            self.lock.release()


def balance_with(threads):
    def run(n):
        b = Balance()
        per_thread = max(n // threads, 1)
        go = threading.Barrier(threads + 1)

        def work(amount):
            go.wait()
            for _ in range(per_thread):
                b.change_it(amount)

        ts = [threading.Thread(target=work, args=(5 if i % 2 == 0 else 8,)) for i in range(threads)]
        for t in ts:
            t.start()
        go.wait()  # start the clock when every thread is ready
        start = now_ns()
        for t in ts:
            t.join()
        elapsed = now_ns() - start
        if b.balance != 0:
            raise RuntimeError(f"balance ended at {b.balance}, want 0")
        # Report per operation actually done.
        return elapsed * n // (per_thread * threads)

    return run


def register(r):
    for threads in (1, 2, 4, 8):
        r.timed(f"BenchmarkBalance/lock/threads={threads}", balance_with(threads))
