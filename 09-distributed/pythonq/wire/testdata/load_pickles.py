"""Load pickles the Go side wrote, as a BaseManager client or server would.

Reads lines "KIND HEX" from stdin and prints one line for each:

    reply    a (kind, value) reply, handled as BaseProxy._callmethod does:
             "return VALUE" for #RETURN, "proxy VALUE" for #PROXY, else
             "raise MODULE.CLASS ARGS" for the exception it raises
    request  an (ident, method, args, kwds) request, unpacked as
             Server.serve_client does: "request IDENT METHOD ARGS KWDS"
    value    any value: "value VALUE"

VALUE is shown with show(), which sorts dicts, so that a line does not
depend on the order Go wrote a map in. A pickle that does not load prints
"error TYPE: MESSAGE".
"""

import pickle
import sys
from multiprocessing.managers import convert_to_error


def show(v):
    if isinstance(v, dict):
        items = sorted((show(k), show(x)) for k, x in v.items())
        return '{' + ', '.join('%s: %s' % kx for kx in items) + '}'
    if isinstance(v, tuple):
        inner = ', '.join(show(x) for x in v)
        return '(' + inner + (',)' if len(v) == 1 else ')')
    if isinstance(v, list):
        return '[' + ', '.join(show(x) for x in v) + ']'
    if isinstance(v, BaseException):
        return '%s.%s%s' % (type(v).__module__, type(v).__qualname__, show(v.args))
    return ascii(v)


def handle(kind, data):
    obj = pickle.loads(data)
    if kind == 'value':
        return 'value ' + show(obj)
    if kind == 'request':
        ident, method, args, kwds = obj
        return 'request %s %s %s %s' % (show(ident), show(method), show(args), show(kwds))
    rkind, result = obj
    if rkind == '#RETURN':
        return 'return ' + show(result)
    if rkind == '#PROXY':
        return 'proxy ' + show(result)
    try:
        raise convert_to_error(rkind, result)
    except Exception as e:  # what a proxy's caller would catch
        return 'raise ' + show(e)


for line in sys.stdin:
    kind, hexdata = line.split()
    try:
        print(handle(kind, bytes.fromhex(hexdata)))
    except Exception as e:
        print('error %s: %s' % (type(e).__name__, e))
