#!/usr/bin/env python3
# The first Python twin of 02-process, written for this project: it does what
# the tutorial's multiprocessing.Process example (multi_processing.py in its
# samples) does and prints the same four lines, so that
# `go run ./02-process -compare` can show the two runs side by side.
#
# As in the tutorial, join() is all the parent does with its child: it would
# print "Child process end." even if run_proc had crashed, because nothing
# looks at the child's exitcode.

import os
from multiprocessing import Process


def run_proc(name):
    """The function the child process runs."""
    print(f'Run child process {name} ({os.getpid()})...')


if __name__ == '__main__':
    print(f'Parent process {os.getpid()}.')
    child = Process(target=run_proc, args=('test',))
    print('Child process will start.')
    child.start()
    child.join()
    print('Child process end.')
