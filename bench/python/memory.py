"""What a sleeping thread and an idle process hold in memory.

The Python side of BenchmarkMemory. Threads are counted in a fresh
interpreter (this file run as a script), so nothing else in it grows at the
same time; processes are idle multiprocessing children, measured from
/proc/PID/smaps_rollup: RSS counts shared pages in full, PSS splits them
between the processes sharing them.
"""

import multiprocessing as mp
import os
import subprocess
import sys
import threading

IDLE_CHILDREN = 4


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def proc_memory(pid):
    rss = pss = None
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            fields = line.split()
            if fields[0] == "Rss:":
                rss = int(fields[1]) * 1024
            elif fields[0] == "Pss:":
                pss = int(fields[1]) * 1024
    if rss is None or pss is None:
        raise RuntimeError(f"/proc/{pid}/smaps_rollup: no Rss or Pss line")
    return rss, pss


def park_threads(count):
    """In a fresh interpreter: start count sleeping threads, print growth."""
    before = rss()
    release = threading.Event()
    started = threading.Barrier(count + 1)

    def sleeper():
        started.wait()
        release.wait()

    ts = [threading.Thread(target=sleeper) for _ in range(count)]
    for t in ts:
        t.start()
    started.wait()
    after = rss()
    release.set()
    for t in ts:
        t.join()
    print(after - before, count)


def thread_memory():
    out = subprocess.run([sys.executable, __file__, "threads", "200"],
                         check=True, capture_output=True, text=True).stdout
    grew, units = (int(x) for x in out.split())
    return [(grew / units, "rss-B/thread")]


def idle(conn):
    conn.send("ready")
    conn.recv()  # wait until told to go


def process_memory(method):
    ctx = mp.get_context(method)

    def run():
        kids = []
        total_rss = total_pss = 0
        try:
            for _ in range(IDLE_CHILDREN):
                ours, theirs = ctx.Pipe()
                p = ctx.Process(target=idle, args=(theirs,))
                p.start()
                theirs.close()
                kids.append((p, ours))
                if ours.recv() != "ready":
                    raise RuntimeError("idle child did not say ready")
            # Measured once all run, so each shares its pages with as many.
            for p, _ in kids:
                r, s = proc_memory(p.pid)
                total_rss += r
                total_pss += s
        finally:
            for p, conn in kids:
                conn.send("go")
                p.join()
                conn.close()
        return [(total_rss / IDLE_CHILDREN, "rss-B/process"), (total_pss / IDLE_CHILDREN, "pss-B/process")]

    return run


def register(r):
    if not os.path.exists("/proc/self/smaps_rollup"):
        print("# memory: /proc/self/smaps_rollup is missing; memory benchmarks skipped", file=sys.stderr)
        return
    r.measured("BenchmarkMemory/thread", thread_memory, runs=3)
    for method in ("fork", "spawn"):
        if method in mp.get_all_start_methods():
            r.measured(f"BenchmarkMemory/process-{method}", process_memory(method), runs=2)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "threads":
        park_threads(int(sys.argv[2]))
    else:
        sys.exit("usage: memory.py threads COUNT")
