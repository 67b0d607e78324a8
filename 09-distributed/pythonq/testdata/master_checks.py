#!/usr/bin/env python3
"""A Python master in the style of the tutorial's task_master.py, written for
pythonq's tests, for a Go worker (pythonq.Dial) to join:

    python3 master_checks.py AUTHKEY N...

It registers a task queue and a result queue on a BaseManager, starts it on
a free loopback port, puts the numbers N as tasks, and prints "listening
PORT". Then it prints "result R" for each result (R is its repr), waiting
at most ten seconds for each, as task_master.py does; then "waiting"; it
reads a line of standard input, shuts the manager down and prints "master
exit.".
"""
import queue
import sys
from multiprocessing.managers import BaseManager

# The queues live in the manager's server process; workers reach them
# through the names registered below. Functions, not lambdas, as in the
# project's task_master.py.
task_queue = queue.Queue()
result_queue = queue.Queue()


def get_task_queue():
    return task_queue


def get_result_queue():
    return result_queue


class QueueManager(BaseManager):
    pass


QueueManager.register('get_task_queue', callable=get_task_queue)
QueueManager.register('get_result_queue', callable=get_result_queue)


def say(*words):
    print(*words, flush=True)


def main():
    key = sys.argv[1].encode()
    numbers = [int(a) for a in sys.argv[2:]]
    manager = QueueManager(address=('127.0.0.1', 0), authkey=key)
    manager.start()
    task = manager.get_task_queue()
    result = manager.get_result_queue()
    for n in numbers:
        task.put(n)
    say('listening', manager.address[1])
    for _ in numbers:
        say('result', repr(result.get(timeout=10)))
    say('waiting')
    sys.stdin.readline()
    manager.shutdown()
    say('master exit.')


if __name__ == '__main__':
    main()
