#!/usr/bin/env python3
"""A Python worker in the style of the tutorial's task_worker.py, written for
pythonq's tests, against a Go master (pythonq.Server):

    python3 worker_checks.py PORT AUTHKEY

It connects as task_worker.py does, takes the master's tasks and puts their
results, and on the way checks what a Go master answers where a Python one
would answer too. Each check prints one line, "name value...", which the Go
test parses; a failure of the script itself is a traceback and exit status 1.
After "waiting for the close" it reads a line of standard input: the Go test
closes its hub first.
"""
import queue
import sys
from multiprocessing import AuthenticationError
from multiprocessing.managers import BaseManager


class QueueManager(BaseManager):
    pass


# A worker only names the queues: they live in the master's manager.
QueueManager.register('get_task_queue')
QueueManager.register('get_result_queue')


def say(*words):
    print(*words, flush=True)


def main():
    port, key = int(sys.argv[1]), sys.argv[2].encode()

    try:
        QueueManager(address=('127.0.0.1', port), authkey=b'not ' + key).connect()
        say('wrong-key connected')
    except AuthenticationError as e:
        say('wrong-key', type(e).__name__)

    m = QueueManager(address=('127.0.0.1', port), authkey=key)
    m.connect()
    task = m.get_task_queue()
    result = m.get_result_queue()
    say('sizes', task.qsize(), task.empty(), result.qsize(), result.empty())

    while True:
        try:
            n = task.get(timeout=0.2)
        except queue.Empty as e:
            say('empty', type(e).__module__, type(e).__name__, type(e) is queue.Empty)
            break
        say('task', type(n).__name__, n)
        result.put(f'{n} * {n} = {n * n}')
    say('sizes', task.qsize(), task.empty(), result.qsize(), result.empty())

    try:
        task.put(1)
        say('put accepted')
    except Exception as e:  # noqa: BLE001 -- the Go test checks which
        say('put', type(e).__name__)

    say('waiting for the close')
    sys.stdin.readline()
    try:
        n = task.get()  # no timeout: only the master's close ends it
        say('after the close got', n)
    except queue.Empty as e:
        say('after the close', type(e).__module__, type(e).__name__, repr(e.args))


if __name__ == '__main__':
    main()
