"""Sides of multiprocessing handshakes, against the Go side of a test.

    python3 mp_peer.py PORT < cases

Each line of standard input is a case, "IMPL ROLE KEYHEX DIGEST". For each,
in order, it connects to 127.0.0.1:PORT and runs ROLE with IMPL:

    IMPL   legacy: this Python's own multiprocessing.connection (3.11 here)
           modern: modern_auth.py, the 3.12+ handshake
    ROLE   deliver, answer, server (deliver then answer), client (answer then deliver)
    DIGEST the digest a modern deliverer names

and prints a line: "ok", or the error it ended with, "AuthenticationError:
why" or an EOFError or OSError when the Go side hung up. Anything else is a
traceback and exit status 1. One process runs every case, because starting
Python costs more than all the handshakes.
"""

import os
import socket
import sys
from multiprocessing import AuthenticationError, connection

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import modern_auth  # noqa: E402


def run(port, impl, role, key, digest):
    if impl == 'legacy':
        deliver, answer = connection.deliver_challenge, connection.answer_challenge
    elif impl == 'modern':
        deliver = lambda c, k: modern_auth.deliver(c, k, digest)  # noqa: E731
        answer = modern_auth.answer
    else:
        raise ValueError('unknown IMPL %r' % impl)
    steps = {'deliver': [deliver], 'answer': [answer],
             'server': [deliver, answer], 'client': [answer, deliver]}[role]

    sock = socket.create_connection(('127.0.0.1', port), timeout=10)
    sock.setblocking(True)  # Connection reads the descriptor with os.read
    conn = connection.Connection(sock.detach())
    try:
        for step in steps:
            step(conn, key)
        return 'ok'
    except (AuthenticationError, OSError, EOFError) as e:
        # Said, not raised: the cases after this one still run.
        return '%s: %s' % (type(e).__name__, e)
    finally:
        conn.close()


def main():
    port = int(sys.argv[1])
    for line in sys.stdin:
        impl, role, key, digest = line.split()
        print(run(port, impl, role, bytes.fromhex(key), digest), flush=True)


main()
