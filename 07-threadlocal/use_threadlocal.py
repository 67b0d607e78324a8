# The Python twin of 07-threadlocal, written for this project: it does what
# the tutorial's use_threadlocal.py does. One global threading.local object
# holds a different student for each thread; Thread-A binds Alice and
# Thread-B binds Bob, and a function that takes no arguments reads back the
# student of the thread it runs in. Each thread prints its own line, so the
# two lines may come in either order.
#
# One fault of the tutorial's program is fixed, since it breaks the very
# lines being compared: print() writes the text and the newline in two
# writes, and the other thread's line can land between them ("Hello, Alice
# (in Thread-A)Hello, Bob (in Thread-B)", then an empty line). Here each
# line, newline included, is one write.
import sys
import threading

local_school = threading.local()


def process_student():
    student = local_school.student
    line = 'Hello, %s (in %s)' % (student, threading.current_thread().name)
    sys.stdout.write(line + '\n')


def process_thread(name):
    local_school.student = name
    process_student()


threads = [
    threading.Thread(target=process_thread, args=('Alice',), name='Thread-A'),
    threading.Thread(target=process_thread, args=('Bob',), name='Thread-B'),
]
for t in threads:
    t.start()
for t in threads:
    t.join()
