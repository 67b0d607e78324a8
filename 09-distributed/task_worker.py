#!/usr/bin/env python3
# task_worker.py is the Python twin of 09-distributed's worker, written for
# this project. It does what the tutorial's task_worker.py does and prints
# the same lines: it connects to the master's manager with the same key,
# takes a number from the task queue ten times, waiting at most a second
# each time, squares it, sleeps a second, and puts the result string into
# the result queue.
#
# Changed only where the tutorial's script would not run, or could not be
# pointed anywhere else:
# - An empty queue raises queue.Empty; the tutorial catches Queue.Empty, a
#   name that does not exist, and dies with NameError exactly then.
# - The master's address, the key, the number of tries and the pause can be
#   given, with the tutorial's values as defaults: --host 127.0.0.1, --port
#   5000, --authkey (else the AUTHKEY environment variable, else abc),
#   --tasks 10, --sleep 1 (seconds).
# Like the tutorial's, it tries exactly --tasks times, whether the queue has
# that many tasks or not, and says 'task queue is empty.' for each try that
# found nothing.
#
#     python3 task_worker.py            (with python3 task_master.py running)
import argparse
import os
import queue
import time
from multiprocessing.managers import BaseManager


class QueueManager(BaseManager):
    pass


# A worker only names the queues: they live in the master's manager.
QueueManager.register('get_task_queue')
QueueManager.register('get_result_queue')


def parse_args():
    p = argparse.ArgumentParser(description='The tutorial\'s worker: square the numbers of the master\'s tasks.')
    p.add_argument('--host', default='127.0.0.1', help="the master's address (default: 127.0.0.1)")
    p.add_argument('--port', type=int, default=5000, help="the master's port (default: 5000)")
    p.add_argument('--authkey', default=os.environ.get('AUTHKEY', 'abc'),
                   help='the shared key (default: $AUTHKEY, else abc)')
    p.add_argument('--tasks', type=int, default=10, help='how many times to take a task (default: 10)')
    p.add_argument('--sleep', type=float, default=1.0, help='seconds each task takes (default: 1)')
    return p.parse_args()


def main():
    args = parse_args()
    server_addr = args.host
    print(f'Connect to server {server_addr}...')
    m = QueueManager(address=(server_addr, args.port), authkey=args.authkey.encode())
    m.connect()
    task = m.get_task_queue()
    result = m.get_result_queue()
    for _ in range(args.tasks):
        try:
            n = task.get(timeout=1)
            print(f'run task {n} * {n}...')
            r = f'{n} * {n} = {n * n}'
            time.sleep(args.sleep)
            result.put(r)
        except queue.Empty:
            print('task queue is empty.')
    print('worker exit.')


if __name__ == '__main__':
    main()
