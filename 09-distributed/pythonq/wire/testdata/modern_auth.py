"""The authkey handshake of Python 3.12 and later (gh-61460), for tests.

Written for this project from the description of the protocol, because the
machines have Python 3.11 only. It works on a multiprocessing.connection
Connection, like the real deliver_challenge and answer_challenge:

- A challenge is b'#CHALLENGE#' + message, where message is b'{sha256}' (or
  another digest name in braces) + 40 random bytes. A legacy (3.11)
  challenge is 20 random bytes with no prefix.
- The answer to a prefixed challenge is b'{name}' + HMAC-name(key, message),
  the digest over the whole message, prefix included. The answer to a legacy
  challenge is the raw 16-byte HMAC-MD5.
- The deliverer accepts a bare 16-byte answer as HMAC-MD5 over its message,
  or any known digest named in a prefix; it replies b'#WELCOME#' or
  b'#FAILURE#'.
"""

import hmac
import os
from multiprocessing import AuthenticationError

CHALLENGE = b'#CHALLENGE#'
WELCOME = b'#WELCOME#'
FAILURE = b'#FAILURE#'
KNOWN = (b'md5', b'sha256', b'sha384', b'sha3_256', b'sha3_384')
LEGACY_MESSAGE = 20
LEGACY_ANSWER = 16
RANDOM_BYTES = 40
LIMIT = 256


def digest_of(message):
    """Return (name, rest) for a prefixed message, ('', message) for a legacy one."""
    if len(message) in (LEGACY_MESSAGE, LEGACY_ANSWER):
        return '', message
    if message[:1] == b'{':
        close = message.find(b'}', 1, 2 + max(map(len, KNOWN)))
        if close > 0 and message[1:close] in KNOWN:
            return message[1:close].decode('ascii'), message[close + 1:]
    raise AuthenticationError('no digest this side knows in %r' % message[:16])


def deliver(conn, key, digest='sha256'):
    message = b'{' + digest.encode('ascii') + b'}' + os.urandom(RANDOM_BYTES)
    conn.send_bytes(CHALLENGE + message)
    answer = conn.recv_bytes(LIMIT)
    try:
        name, mac = digest_of(answer)
        expected = hmac.new(key, message, name or 'md5').digest()
        if not hmac.compare_digest(expected, mac):
            raise AuthenticationError('digest received was wrong')
    except AuthenticationError:
        conn.send_bytes(FAILURE)
        raise
    conn.send_bytes(WELCOME)


def answer(conn, key):
    frame = conn.recv_bytes(LIMIT)
    if not frame.startswith(CHALLENGE):
        raise AuthenticationError('expected a challenge, got %r' % frame[:16])
    message = frame[len(CHALLENGE):]
    if len(message) < LEGACY_MESSAGE:
        raise AuthenticationError('challenge too short: %d bytes' % len(message))
    name, _ = digest_of(message)
    if name:
        reply = b'{' + name.encode('ascii') + b'}' + hmac.new(key, message, name).digest()
    else:
        reply = hmac.new(key, message, 'md5').digest()
    conn.send_bytes(reply)
    if conn.recv_bytes(LIMIT) != WELCOME:
        raise AuthenticationError('digest sent was rejected')
