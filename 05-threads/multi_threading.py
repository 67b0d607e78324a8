# The Python twin of 05-threads, written for this project: it does what the
# tutorial's multi_threading.py does (a thread named LoopThread counts to five,
# pausing after each step, and the main thread joins it) and prints the same
# nine lines. One addition: the pause, one second in the tutorial, may be
# given as the first argument in seconds, so that `go run ./05-threads
# -compare -interval 10ms` and the tests can run both sides fast.
import sys
import threading
import time

PAUSE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0


def me():
    return threading.current_thread().name


def loop():
    print('thread %s is running...' % me())
    for n in range(1, 6):
        print('thread %s >>> %s' % (me(), n))
        time.sleep(PAUSE)
    print('thread %s ended.' % me())


print('thread %s is running...' % me())
worker = threading.Thread(target=loop, name='LoopThread')
worker.start()
worker.join()
print('thread %s ended.' % me())
