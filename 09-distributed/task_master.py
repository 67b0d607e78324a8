#!/usr/bin/env python3
# task_master.py is the Python twin of 09-distributed's master, written for
# this project. It does what the tutorial's task_master.py does and prints
# the same lines: it registers a task queue and a result queue on a
# BaseManager, starts the manager, puts ten random numbers into the task
# queue, prints ten results from the result queue, waiting at most ten
# seconds for each, and shuts the manager down.
#
# Changed only where the tutorial's script would not run, or could not be
# pointed anywhere else:
# - The manager hands out the queues through functions defined at the top
#   level, not lambdas. manager.start() pickles them for its server process
#   wherever processes start by spawn or forkserver (Windows, macOS, Linux
#   from Python 3.14), and a lambda cannot be pickled. The program's own code
#   runs under `if __name__ == '__main__'` for the same reason: a spawned
#   server process imports this file again.
# - The address, the key and the number of tasks can be given, with the
#   tutorial's values as defaults: --host '' (every interface), --port 5000,
#   --authkey (else the AUTHKEY environment variable, else abc), --tasks 10.
# Everything else stays as the tutorial has it, its faults too: with the
# defaults it listens on every interface with the key abc, every request is
# a pickle, and a result that takes longer than ten seconds ends the program
# with a traceback before shutdown().
#
#     python3 task_master.py            (then python3 task_worker.py)
#     go run ./09-distributed -compare  (this and task_worker.py beside the Go demo)
import argparse
import os
import queue
import random
from multiprocessing.managers import BaseManager

# The queues live in the manager's server process; workers reach them through
# the names registered below.
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


def parse_args():
    p = argparse.ArgumentParser(description='The tutorial\'s master: serve two queues, put tasks, print results.')
    p.add_argument('--host', default='', help="address to listen on (default: '', every interface)")
    p.add_argument('--port', type=int, default=5000, help='port to listen on (default: 5000)')
    p.add_argument('--authkey', default=os.environ.get('AUTHKEY', 'abc'),
                   help='the shared key (default: $AUTHKEY, else abc)')
    p.add_argument('--tasks', type=int, default=10, help='how many tasks to put (default: 10)')
    return p.parse_args()


def main():
    args = parse_args()
    manager = QueueManager(address=(args.host, args.port), authkey=args.authkey.encode())
    manager.start()
    # Proxies to the two queues, reached over the network like a worker's.
    task = manager.get_task_queue()
    result = manager.get_result_queue()
    for _ in range(args.tasks):
        n = random.randint(0, 10000)
        print(f'Put task {n}...')
        task.put(n)
    print('Try get results...')
    for _ in range(args.tasks):
        r = result.get(timeout=10)
        print(f'Result: {r}')
    manager.shutdown()
    print('master exit.')


if __name__ == '__main__':
    main()
