# SPDX-License-Identifier: BSD-3-Clause
"""The ng protocol endpoint of mediagate-control over UDP, as Kamailio's
rtpengine module talks to it: ping, statistics, retransmissions answered
from the cache and not acted on twice, and every malformed request
answered with an error (or, without a cookie, ignored) while the process
goes on.

Usage: test_ng.py CASE
"""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
import mgproc  # noqa: E402
from ngclient import bdecode  # noqa: E402


class Ng:
    def __init__(self):
        self.port = 20000 + os.getpid() % 20000
        self.shm = "/" + mgproc.unique("ng")
        self.ctl = mgproc.control(["--shm", self.shm, "--ng",
                                   f"127.0.0.1:{self.port}", "--remove-on-exit",
                                   "--media-addr", "192.0.2.10",
                                   "--next-hop-mac", "02:00:00:00:00:01"])
        self.ctl.wait_line(r"ng protocol on udp", 10)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(3)

    def ask(self, cookie, body):
        self.s.sendto(cookie + b" " + body, ("127.0.0.1", self.port))
        reply = self.s.recv(70000)
        c, _, rest = reply.partition(b" ")
        assert c == cookie, reply
        return bdecode(rest), reply

    def stop(self):
        self.ctl.signal()
        rc = self.ctl.wait(20)
        mgproc.shm_cleanup(self.shm)
        return rc


def ping_and_retransmissions():
    ng = Ng()
    try:
        r, _ = ng.ask(b"k1", b"d7:command4:pinge")
        assert r == {b"result": b"pong"}, r
        # A statistics request, then the same datagram again: the second
        # answer is the first one (counters did not move), from the cache.
        r1, raw1 = ng.ask(b"k2", b"d7:command10:statisticse")
        r2, raw2 = ng.ask(b"k2", b"d7:command10:statisticse")
        assert raw1 == raw2, (raw1, raw2)
        assert r1[b"result"] == b"ok", r1
        r3, _ = ng.ask(b"k3", b"d7:command10:statisticse")
        st = r3[b"totalstatistics"]
        assert st[b"requests"] == 2 and st[b"retransmissions"] == 1, st
        for i in range(500):
            r, _ = ng.ask(b"p%d" % i, b"d7:command4:pinge")
            assert r[b"result"] == b"pong"
    finally:
        rc = ng.stop()
    assert rc == 0, ng.ctl.text()
    assert "retransmissions=1" in ng.ctl.text(), ng.ctl.text()
    print("ping, statistics, retransmission from the cache, 500 pings")


BAD = [
    (b"d7:command4:pin", b"bad bencode"),
    (b"i1e", b"not a dictionary"),
    (b"l4:pinge", b"not a dictionary"),
    (b"d7:commandi1ee", b"No command given"),
    (b"de", b"No command given"),
    (b"di1e4:pinge", b"key is not a string"),
    (b"d7:command5:offer3:sdp999:v=0e", b"runs past the end"),
    (b"d7:command5:offere", b"No dataplane attached"),
    (b"d7:command7:frobnice", b"Unrecognized command"),
    (b"d" * 40 + b"e" * 40, b"bad bencode"),
    (b"x" * 60000, b"bad bencode"),
]


def malformed_requests():
    ng = Ng()
    try:
        for i, (body, why) in enumerate(BAD):
            r, raw = ng.ask(b"m%d" % i, body)
            assert r[b"result"] == b"error", raw
            assert why in r[b"error-reason"], (body[:40], raw)
        # No cookie: nothing to answer to; it is counted, and the endpoint
        # still answers the next request.
        ng.s.sendto(b"nocookiehere", ("127.0.0.1", ng.port))
        ng.s.sendto(b" d7:command4:pinge", ("127.0.0.1", ng.port))
        r, _ = ng.ask(b"after", b"d7:command4:pinge")
        assert r == {b"result": b"pong"}, r
    finally:
        rc = ng.stop()
    assert rc == 0, ng.ctl.text()
    # Malformed: the 7 that are not a bencoded dictionary, and the 2
    # without a cookie; a missing or unknown command is an error, not that.
    assert re.search(r"malformed=9$", ng.ctl.text(), re.M), ng.ctl.text()
    print(f"{len(BAD)} malformed requests answered with errors, 2 without a "
          "cookie ignored")


def bad_address():
    for addr in ("nonsense", "127.0.0.1", "127.0.0.1:0", "[::1:5", "1.2.3.4:99999"):
        shm = "/" + mgproc.unique("ngbad")
        p = mgproc.control(["--shm", shm, "--ng", addr, "--media-addr",
                            "192.0.2.10", "--next-hop-mac", "02:00:00:00:00:01"])
        assert p.wait(10) == 2, p.text()
        assert "--ng: '" in p.text(), p.text()
        assert not os.path.exists("/dev/shm/" + shm[1:]), "segment left behind"
    # A good address nobody may bind: an error of the run, status 1.
    p = mgproc.control(["--shm", "/" + mgproc.unique("ngbad"), "--ng",
                        "192.0.2.1:5000", "--media-addr", "192.0.2.10",
                        "--next-hop-mac", "02:00:00:00:00:01"])
    assert p.wait(10) == 1 and "ng socket" in p.text(), p.text()
    print("bad --ng addresses refused before anything is created")


CASES = {f.__name__: f for f in (ping_and_retransmissions, malformed_requests,
                                  bad_address)}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_ng.py CASE\ncases: " + " ".join(sorted(CASES)))
        sys.exit(2)
    CASES[sys.argv[1]]()
    print(f"ok {sys.argv[1]}")
