"""A small benchmark harness that prints Go's benchmark format.

The Go benchmarks and these Python ones end up in one report, summarised by
the same tool (benchstat), so each Python benchmark prints lines exactly like
`go test -bench` does:

    BenchmarkSpawn/thread    2000    61234.5 ns/op

Like Go's harness, it runs a benchmark with a growing number of iterations
until one run lasts at least the bench time, and prints that run. A
benchmark function takes the iteration count and returns the nanoseconds its
timed part took, so that setup and tear-down stay outside the figure.
"""

import argparse
import os
import platform
import re
import sys
import time


def cpu_model():
    """The CPU's model name, as Go's harness prints it on Linux."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def header():
    """The configuration lines that open Go's benchmark output."""
    return "\n".join([
        f"goos: {sys.platform}",
        f"goarch: {platform.machine()}",
        "pkg: python",
        f"cpu: {cpu_model()}",
        f"python: {platform.python_version()}",
    ])


def parse_args(argv):
    p = argparse.ArgumentParser(description="Run the Python side of the benchmarks.")
    p.add_argument("-count", type=int, default=1, help="run each benchmark this many times")
    p.add_argument("-benchtime", type=float, default=0.5, help="seconds one run should last at least")
    p.add_argument("-run", default=".", help="regular expression: run only benchmarks whose name matches")
    args = p.parse_args(argv)
    if args.count < 1:
        p.error(f"-count must be at least 1, got {args.count}")
    if args.benchtime <= 0:
        p.error(f"-benchtime must be above zero, got {args.benchtime}")
    try:
        args.pattern = re.compile(args.run)
    except re.error as e:
        p.error(f"-run {args.run!r}: {e}")
    return args


class Runner:
    """Runs benchmarks and prints their results in Go's format."""

    def __init__(self, count, benchtime, pattern, out=sys.stdout):
        self.count = count
        self.benchtime_ns = int(benchtime * 1e9)
        self.pattern = pattern
        self.out = out

    failed = False

    def wanted(self, name):
        return self.pattern.search(name) is not None

    def guarded(self, name, run):
        """Run one benchmark; a failure is reported and the others go on."""
        try:
            run()
        except Exception as e:  # report any failure and keep going
            self.failed = True
            print(f"--- FAIL: {name}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)

    def timed(self, name, fn, max_n=1 << 30, extra=None):
        """Benchmark fn(n) -> elapsed ns; extra(ns_per_op) may add metrics."""
        if self.wanted(name):
            self.guarded(name, lambda: self._timed(name, fn, max_n, extra))

    def _timed(self, name, fn, max_n, extra):
        fn(1)  # warm-up: imports, first-use caches, thread pools
        for _ in range(self.count):
            n = 1
            while True:
                elapsed = fn(n)
                if elapsed >= self.benchtime_ns or n >= max_n:
                    break
                # Aim 20% past the bench time, growing at most 100-fold at
                # once, as Go's harness does.
                per_op = max(elapsed / n, 1)
                n = int(min(max(n + 1, 1.2 * self.benchtime_ns / per_op), 100 * n, max_n))
            ns_per_op = elapsed / n
            metrics = [(ns_per_op, "ns/op")]
            if extra:
                metrics += extra(ns_per_op)
            self.emit(name, n, metrics)

    def measured(self, name, fn, runs):
        """Benchmark fn() -> [(value, unit)], a measurement, not a timing.

        Each of count results averages fn over runs calls, like the Go
        memory benchmarks, which report no ns/op.
        """
        if self.wanted(name):
            self.guarded(name, lambda: self._measured(name, fn, runs))

    def _measured(self, name, fn, runs):
        for _ in range(self.count):
            sums = {}
            for _ in range(runs):
                for value, unit in fn():
                    sums[unit] = sums.get(unit, 0) + value
            self.emit(name, runs, [(total / runs, unit) for unit, total in sums.items()])

    def emit(self, name, n, metrics):
        cols = "\t".join(f"{plain(value)} {unit}" for value, unit in metrics)
        print(f"{name}\t{n}\t{cols}", file=self.out, flush=True)


def plain(value):
    """A number the way Go prints it: no exponent, a few decimals if small."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3f}".rstrip("0").rstrip(".")


def now_ns():
    return time.perf_counter_ns()


def time_calls(n, op, warm_up=0):
    """Call op() warm_up times untimed, then n times; return the n calls' ns."""
    for _ in range(warm_up):
        op()
    start = now_ns()
    for _ in range(n):
        op()
    return now_ns() - start


def cpu_count():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
