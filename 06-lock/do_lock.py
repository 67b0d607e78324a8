# The Python twin of 06-lock, written for this project. It runs the two
# programs of the tutorial's Lock section one after the other: two threads
# pay 5 and 8 into a shared balance and take them out again, first with no
# lock, then with threading.Lock held around change_it (acquire, then
# try/finally release), and it prints the balance after each.
#
# Two changes, both so that the Go lesson can run beside it: each balance
# line says which program it ends (the tutorial prints the bare number, once
# per program), and the first argument, if given, is how many times each
# thread changes the balance, in both programs. Without it the script uses
# the page's counts: 10,000,000 without the lock and 100,000 with it.
#
# On CPython 3.10 and newer the first line usually says 0, although the
# program has no lock: see the lesson's README.
import sys
import threading

if len(sys.argv) > 1:
    TIMES_WITHOUT_LOCK = TIMES_WITH_LOCK = int(sys.argv[1])
else:
    TIMES_WITHOUT_LOCK, TIMES_WITH_LOCK = 10000000, 100000

balance = 0
lock = threading.Lock()


def change_it(n):
    # Pay n in, then take it out again: the balance should stay 0.
    global balance
    balance = balance + n
    balance = balance - n


def run_thread_without_lock(n):
    for _ in range(TIMES_WITHOUT_LOCK):
        change_it(n)


def run_thread_with_lock(n):
    for _ in range(TIMES_WITH_LOCK):
        lock.acquire()
        try:
            change_it(n)
        finally:
            lock.release()


def two_threads(run_thread):
    t1 = threading.Thread(target=run_thread, args=(5,))
    t2 = threading.Thread(target=run_thread, args=(8,))
    t1.start()
    t2.start()
    t1.join()
    t2.join()


two_threads(run_thread_without_lock)
print('balance without a lock: %d' % balance)

balance = 0
two_threads(run_thread_with_lock)
print('balance with a lock: %d' % balance)
