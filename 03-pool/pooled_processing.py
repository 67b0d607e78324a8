#!/usr/bin/env python3
# pooled_processing.py: the Python twin of 03-pool, written for this project
# (run it with python3 3.8 or newer, or through `go run ./03-pool -compare`).
#
# It does what the Pool example of the tutorial's multiprocessing page does
# and prints the same lines: a Pool of 4 worker processes is given 5 tasks
# that each sleep a random time, so the fifth task waits for a free worker
# and runs in a process that already ran one. Like the tutorial it never asks
# for the tasks' results, so an exception inside a task would go unseen.
#
# Two small changes, both for the side-by-side comparison:
# - an optional argument, the longest sleep in seconds (3 by default), which
#   `-compare -max-sleep` passes on;
# - each line is printed in one write. Four processes share one pipe, and
#   print() writes the text and the newline apart, so two lines could
#   otherwise be cut into each other.

import os
import random
import sys
import time
from multiprocessing import Pool


def say(line):
    print(line + '\n', end='')


def long_time_task(name, max_sleep):
    say('Run task %s (%s)...' % (name, os.getpid()))
    began = time.time()
    time.sleep(random.random() * max_sleep)
    say('Task %s runs %0.2f seconds.' % (name, time.time() - began))


if __name__ == '__main__':
    longest = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    say('Parent process %s.' % os.getpid())
    pool = Pool(4)
    for i in range(5):
        pool.apply_async(long_time_task, args=(i, longest))
    say('Waiting for all subprocesses done...')
    pool.close()
    pool.join()
    say('All subprocesses done.')
