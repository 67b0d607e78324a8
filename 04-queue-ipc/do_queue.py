#!/usr/bin/env python3
# do_queue.py is the Python twin of 04-queue-ipc, written for this project.
# It behaves as the tutorial's Queue example does and prints the same four
# line shapes: a writer process puts A, B and C into a multiprocessing.Queue,
# sleeping a random time below one second after each; a reader process
# prints every value it gets, in a loop that never ends; the parent waits
# for the writer and then terminates the reader.
#
# One thing is added: stdout is made line-buffered, so that each line is one
# write. Unbuffered (python3 -u, as -compare runs it), print writes its text
# and its newline separately, and the two processes' lines can mix inside a
# line; block-buffered (stdout a pipe), the terminated reader dies with its
# lines still in its buffer. Nothing of the tutorial's program is fixed, and
# its known risk stays: terminate() can kill the reader before it has
# printed the last value (see the lesson's README).
#
#     python3 do_queue.py        (or: go run ./04-queue-ipc -compare)
import os
import random
import sys
import time
from multiprocessing import Process, Queue

sys.stdout.reconfigure(line_buffering=True, write_through=False)


def writer(queue):
    print(f'Process to write: {os.getpid()}')
    for letter in 'ABC':
        print(f'Put {letter} to queue...')
        queue.put(letter)
        time.sleep(random.random())


def reader(queue):
    print(f'Process to read: {os.getpid()}')
    while True:
        letter = queue.get(block=True)
        print(f'Get {letter} from queue.')


def main():
    queue = Queue()
    pw = Process(target=writer, args=(queue,))
    pr = Process(target=reader, args=(queue,))
    pw.start()
    pr.start()
    pw.join()
    # The reader's loop never ends, so the parent cannot join it: it kills it.
    pr.terminate()


if __name__ == '__main__':
    main()
