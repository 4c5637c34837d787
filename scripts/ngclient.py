# SPDX-License-Identifier: BSD-3-Clause
"""An ng protocol client for the demo and the tests, written apart from
mediagate's own codec (control/bencode.c): a bencode reader and writer, and
a request/reply exchange with cookies over UDP, as Kamailio's rtpengine
module does it."""
import os
import socket


def bdecode(b):
    def val(i):
        c = b[i:i + 1]
        if c == b"i":
            e = b.index(b"e", i)
            return int(b[i + 1:e]), e + 1
        if c in (b"l", b"d"):
            i += 1
            items = []
            while b[i:i + 1] != b"e":
                v, i = val(i)
                items.append(v)
            return (dict(zip(items[::2], items[1::2])) if c == b"d" else items), i + 1
        colon = b.index(b":", i)
        n = int(b[i:colon])
        return b[colon + 1:colon + 1 + n], colon + 1 + n
    v, end = val(0)
    assert end == len(b), b
    return v


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x)
                       for k, x in v.items())
        return b"d" + b"".join(bencode(k) + bencode(x) for k, x in items) + b"e"
    raise TypeError(type(v))


class Client:
    def __init__(self, port, host="127.0.0.1", timeout=5):
        """A client of the ng endpoint at host:port."""
        self.addr = (host, port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(timeout)
        self.n = 0

    def raw(self, cookie, body):
        self.s.sendto(cookie + b" " + body, self.addr)
        reply = self.s.recv(70000)
        c, _, rest = reply.partition(b" ")
        assert c == cookie, reply
        return bdecode(rest), reply

    def ask(self, **kw):
        """A request from keyword arguments (call_id -> call-id); the
        decoded reply, with str keys and values where they are text."""
        self.n += 1
        body = {k.replace("_", "-"): v for k, v in kw.items()}
        r, _ = self.raw(b"%d_%d" % (os.getpid(), self.n), bencode(body))
        return r


def sdp_lines(sdp):
    return sdp.decode().replace("\r\n", "\n").rstrip("\n").split("\n")
