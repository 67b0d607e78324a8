"""Run the Python side of the benchmarks and print Go's benchmark format.

    python3 bench/python/run.py                      # once each, 0.5 s a run
    python3 bench/python/run.py -count 10 -run Spawn # what the report runs

The output goes through benchstat like the Go benchmarks' output; see
bench/README.md for what each benchmark measures and its Go counterpart.
"""

import sys

import balance
import gobench
import memory
import roundtrip
import spawn
import switch


def main(argv):
    args = gobench.parse_args(argv)
    print(gobench.header(), flush=True)
    r = gobench.Runner(args.count, args.benchtime, args.pattern)
    for family in (spawn, switch, balance, roundtrip, memory):
        family.register(r)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
