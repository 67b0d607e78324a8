"""Capture what a BaseManager client and server send each other.

    python3 testdata/make_vectors.py > testdata/vectors.txt

A BaseManager serving a queue.Queue runs in this process, and a client of
it (the calls a task-queue worker makes) talks to it through a small
relay that records every frame. The handshake frames are dropped; each
request and reply pickle is written as it travelled (protocol 4, Python's
default), and re-pickled at protocols 2 and 5. A few replies a queue does
not give in this run are made by hand: a KeyError at every protocol, and
a #TRACEBACK from a real failed request.

Line format, one pickle a line:  request|reply NAME PROTOCOL HEX
and "meta KEY VALUE" for values the requests carry (the queue's ident and
the client's thread name).
"""

import gc
import pickle
import queue
import socket
import struct
import sys
import threading
from multiprocessing import connection, current_process
from multiprocessing.managers import BaseManager, RemoteError, dispatch

KEY = b'vectors key'
HANDSHAKE_FRAMES = 3  # per direction: challenge, answer, verdict; or answer, verdict, challenge


class Manager(BaseManager):
    pass


shared = queue.Queue()
Manager.register('get_task_queue', callable=lambda: shared)


def read_frame(sock):
    def exact(n):
        buf = b''
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf
    head = exact(4)
    if head is None:
        return None
    size, = struct.unpack('!i', head)
    if size == -1:
        size, = struct.unpack('!Q', exact(8))
    return head + exact(size) if size else head


class Relay:
    """Forwards connections to the server and records their frames."""

    def __init__(self, target):
        self.target = target
        self.lock = threading.Lock()
        self.frames = []  # (connection number, 'request' or 'reply', payload)
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.address = self.listener.getsockname()
        self.count = 0
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(self.target)
            with self.lock:
                self.count += 1
                number = self.count
            for src, dst, kind in ((client, server, 'request'), (server, client, 'reply')):
                threading.Thread(target=self.pump, args=(number, src, dst, kind), daemon=True).start()

    def pump(self, number, src, dst, kind):
        seen = 0
        while True:
            frame = read_frame(src)
            if frame is None:
                dst.close()
                return
            seen += 1
            if seen > HANDSHAKE_FRAMES:
                with self.lock:
                    self.frames.append((number, kind, frame[4:]))
            dst.sendall(frame)


def name_of(request, ident):
    _, method, args, kwds = request
    if method == 'put':
        return 'put-int' if args == (7,) else 'put-str'
    if method == 'get':
        return 'get-timeout' if kwds else 'get'
    if method == 'incref' and args != (ident,):
        return 'incref-unknown'
    return method


def main():
    server = Manager(address=('127.0.0.1', 0), authkey=KEY).get_server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    relay = Relay(server.address)

    client = Manager(address=relay.address, authkey=KEY)
    client.connect()
    tasks = client.get_task_queue()
    tasks.put(7)
    tasks.put('3 * 3 = 9')
    assert tasks.get() == 7
    assert tasks.get(timeout=1) == '3 * 3 = 9'
    try:
        tasks.get_nowait()
        raise AssertionError('the queue should be empty')
    except queue.Empty:
        pass
    assert tasks.qsize() == 0
    assert tasks.empty()
    ident = tasks._id
    thread = current_process().name  # what a proxy's accept_connection sends from the main thread
    del tasks
    gc.collect()
    c = connection.Client(relay.address, authkey=KEY)
    try:
        dispatch(c, None, 'incref', ('no such object',))
        raise AssertionError('incref of an unknown ident should fail')
    except RemoteError:
        pass
    c.close()

    # 14 requests and their replies; the last reply reached the client, so
    # the relay has recorded it.
    with relay.lock:
        frames = list(relay.frames)
    assert len(frames) == 28, len(frames)

    pending = {}
    out = ['# Made by make_vectors.py with Python %s; do not edit.' % sys.version.split()[0],
           'meta ident %s' % ident, 'meta thread %s' % thread]
    seen = {}
    for number, kind, payload in frames:
        if kind == 'request':
            name = name_of(pickle.loads(payload), ident)
            if name == 'decref' and 'decref' in seen:
                name = 'decref-exit'
            seen[name] = True
            pending[number] = name
        else:
            name = pending.pop(number)
        for protocol in (4, 2, 5):
            data = payload if protocol == 4 else pickle.dumps(pickle.loads(payload), protocol)
            out.append('%s %s %d %s' % (kind, name, protocol, data.hex()))
    for protocol in (2, 4, 5):
        out.append('reply error-keyerror %d %s' % (protocol, pickle.dumps(('#ERROR', KeyError('x')), protocol).hex()))
    names = [line.split()[1] for line in out if line.startswith('request ')]
    assert len(names) == 3 * 14, names
    print('\n'.join(out))


main()
