#!/usr/bin/env python3
# do_fork.py: the Python twin of 01-fork, written for this project (Unix
# only, as os.fork() is; run it with python3, or through
# `go run ./01-fork -compare`).
#
# It does what the tutorial's os.fork() example (do_folk.py in its samples)
# does and prints the same three lines. Like the tutorial's, the parent does
# not wait for its child: the two lines after the first come in whichever
# order the kernel runs the two processes, and a child that outlives its
# parent reports its new parent.
#
# One small change, for the side-by-side comparison: each line is printed in
# one write. Unbuffered (python3 -u, or PYTHONUNBUFFERED set), print() writes
# the text and the newline apart, and the parent and the child share one
# pipe, so their two lines could otherwise be cut into each other.

import os


def say(line):
    print(line + '\n', end='')


say(f'Process ({os.getpid()}) start...')

# One call, two returns: 0 in the new child, the child's PID in the parent.
child_pid = os.fork()
if child_pid == 0:
    say(f'I am child process ({os.getpid()}) and my parent is {os.getppid()}.')
else:
    say(f'I ({os.getpid()}) just created a child process ({child_pid}).')
