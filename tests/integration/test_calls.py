# SPDX-License-Identifier: BSD-3-Clause
"""Calls over the ng protocol, end to end: offers and answers rewritten
with SDES keys per leg, flows and contexts in a running dataplane before
the answer is replied to, renegotiation, deletion, malformed requests,
and the restarts of either process.

Usage: test_calls.py CASE
"""
import base64
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgproc  # noqa: E402
from ngclient import Client, sdp_lines  # noqa: E402

MEDIA = "192.0.2.10"
MAC = "02:00:00:00:00:01"

OFFER_SAVP = (
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 198.51.100.1\r\n"
    "s=-\r\n"
    "c=IN IP4 198.51.100.1\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/SAVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_32 "
    "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 "
    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\r\n"
    "a=sendrecv\r\n"
    "a=candidate:1 1 UDP 2130706431 198.51.100.1 49170 typ host\r\n")

ANSWER_AVP = (
    "v=0\r\n"
    "o=bob 1 1 IN IP4 192.0.2.7\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.7\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=sendrecv\r\n")

KEY_BYTES = {"AES_CM_128_HMAC_SHA1_80": 30, "AES_CM_128_HMAC_SHA1_32": 30,
             "AES_192_CM_HMAC_SHA1_80": 38, "AES_192_CM_HMAC_SHA1_32": 38,
             "AES_256_CM_HMAC_SHA1_80": 46, "AES_256_CM_HMAC_SHA1_32": 46,
             "AEAD_AES_128_GCM": 28, "AEAD_AES_256_GCM": 44}


def crypto_lines(lines):
    """(tag, suite, key bytes) of each a=crypto line, checked as RFC 4568
    writes them: inline key of the suite's length in canonical base64."""
    out = []
    for ln in lines:
        m = re.match(r"a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)(\S*)( .*)?$", ln)
        if not ln.startswith("a=crypto:"):
            continue
        assert m, ln
        key = base64.b64decode(m.group(3), validate=True)
        assert len(key) == KEY_BYTES[m.group(2)], ln
        out.append((int(m.group(1)), m.group(2), key))
    return out


def m_line(lines, i=0):
    ms = [ln for ln in lines if ln.startswith("m=")]
    f = ms[i].split()
    return f[0][2:], int(f[1]), f[2], f[3:]


class Rig:
    """A dataplane on a null port and a control plane answering ng."""

    def __init__(self, tag, ctl_extra=(), vdevs=("net_null0,no-rx=1",),
                 lcores="0", dp_extra=()):
        self.shm = "/" + mgproc.unique(tag)
        self.port = 20000 + (os.getpid() * 7 + len(tag)) % 20000
        self.state = f"/dev/shm{self.shm}.calls"
        self.ctl_args = ["--shm", self.shm, "--ng", f"127.0.0.1:{self.port}",
                         "--media-addr", MEDIA, "--next-hop-mac", MAC,
                         "--ping-interval", "100", "--remove-on-exit",
                         *ctl_extra]
        self.ctl = mgproc.control(self.ctl_args)
        self.ctl.wait_line(r"ng protocol on udp", 10)
        self.vdevs, self.lcores, self.dp_extra = vdevs, lcores, dp_extra
        self.dp = None
        self.start_dp()
        self.ng = Client(self.port)

    def start_dp(self):
        self.dp = mgproc.dataplane(mgproc.unique("dp"),
                                   ["--shm", self.shm, "--media",
                                    "--stats-interval", "0", *self.dp_extra],
                                   lcores=self.lcores, vdevs=self.vdevs)
        self.ctl.wait_line(r"dataplane attached", 20)

    def stats(self):
        r = self.ng.ask(command="statistics")
        return r[b"totalstatistics"]

    def stop(self):
        if self.dp is not None:
            self.dp.signal()
            self.dp.wait(30)
        self.ctl.signal()
        rc = self.ctl.wait(20)
        mgproc.shm_cleanup(self.shm)
        if os.path.exists(self.state):
            os.unlink(self.state)
        return rc


def offer_answer(ng, call="c1", offer=OFFER_SAVP, answer=ANSWER_AVP, **kw):
    o = ng.ask(command="offer", call_id=call, from_tag="ft1", sdp=offer, **kw)
    assert o[b"result"] == b"ok", o
    a = ng.ask(command="answer", call_id=call, from_tag="ft1", to_tag="tt1",
               sdp=answer)
    assert a[b"result"] == b"ok", a
    return sdp_lines(o[b"sdp"]), sdp_lines(a[b"sdp"])


def sdes_to_plain_shapes():
    """SRTP from the offerer, plain RTP toward the answerer: the offer to
    the answerer is RTP/AVP with our address and port, no a=crypto, no ICE,
    every other line as it was; the answer to the offerer is RTP/SAVP with
    one a=crypto line under the tag we chose (the strongest offered) and a
    fresh key of that suite, not the offerer's."""
    rig = Rig("shapes")
    try:
        to_b, to_a = offer_answer(rig.ng, transport_protocol="RTP/AVP")
        assert f"c=IN IP4 {MEDIA}" in to_b, to_b
        kind, pb, proto, fmts = m_line(to_b)
        assert (kind, proto, fmts) == ("audio", "RTP/AVP", ["0", "8", "101"]), to_b
        assert 30000 <= pb <= 39999 and pb % 2 == 0, pb
        assert f"a=rtcp:{pb + 1}" in to_b, to_b
        assert not any(ln.startswith(("a=crypto", "a=candidate")) for ln in to_b), to_b
        for keep in ("o=alice 2890844526 2890844526 IN IP4 198.51.100.1",
                     "a=rtpmap:101 telephone-event/8000", "a=sendrecv", "s=-"):
            assert keep in to_b, (keep, to_b)
        kind, pa, proto, fmts = m_line(to_a)
        assert (proto, fmts) == ("RTP/SAVP", ["0"]) and pa != pb, to_a
        cr = crypto_lines(to_a)
        assert len(cr) == 1 and cr[0][:2] == (2, "AES_CM_128_HMAC_SHA1_80"), to_a
        offered = base64.b64decode("PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
        assert cr[0][2] != offered, "the offerer's key came back"
        assert f"c=IN IP4 {MEDIA}" in to_a and "o=bob 1 1 IN IP4 192.0.2.7" in to_a
        # Four flows (RTP and RTCP each way), eight requests on the ring:
        # one context for SRTP in on each of A's ports, one for SRTP out
        # on each of B's.
        st = rig.stats()
        assert st[b"current sessions"] == 1 and st[b"ring requests"] == 8, st
        q = rig.ng.ask(command="query", call_id="c1")
        assert q[b"result"] == b"ok" and set(q[b"tags"]) == {b"ft1", b"tt1"}, q
        med = q[b"tags"][b"ft1"][b"medias"][0]
        assert med[b"local port"] == pa and med[b"protocol"] == b"RTP/SAVP", q
        assert rig.ng.ask(command="list")[b"calls"] == [b"c1"]
        d = rig.ng.ask(command="delete", call_id="c1", from_tag="ft1")
        assert d[b"result"] == b"ok" and b"totals" in d, d
        st = rig.stats()
        assert st[b"current sessions"] == 0 and st[b"ring requests"] == 12, st
        assert rig.ng.ask(command="list")[b"calls"] == []
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("SAVP offer -> AVP leg and back, keys fresh, 4 flows installed "
          "and deleted")


SRTP_PCAP = os.environ.get("MG_SRTP_PCAP", "build/tests/tools/srtp_pcap")
NETNS_IO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "netns_io.py")
KEY_A = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"


class Netns:
    """A veth pair: one end for the dataplane (af_packet) in this
    namespace, the other in a namespace of its own where both parties of
    the call live (192.0.2.1 and 192.0.2.2). Needs root."""

    def __init__(self):
        n = os.getpid() % 10000
        self.ns, self.va, self.vb = f"mgns{n}", f"mgca{n}", f"mgcb{n}"
        sh = lambda *a: subprocess.run(a, check=True)  # noqa: E731
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.va, "type", "veth", "peer", "name", self.vb)
        sh("ip", "link", "set", self.vb, "netns", self.ns)
        sh("ip", "link", "set", self.va, "up")
        for a in ("192.0.2.1/24", "192.0.2.2/24"):
            sh("ip", "netns", "exec", self.ns, "ip", "addr", "add", a, "dev", self.vb)
        sh("ip", "netns", "exec", self.ns, "ip", "link", "set", self.vb, "up")
        self.mac_b = subprocess.run(
            ["ip", "netns", "exec", self.ns, "cat", f"/sys/class/net/{self.vb}/address"],
            check=True, capture_output=True, text=True).stdout.strip()
        with open(f"/sys/class/net/{self.va}/address") as f:
            self.mac_a = f.read().strip()

    def io(self, inp, out, src, secs, count):
        r = subprocess.run(["ip", "netns", "exec", self.ns, "/usr/bin/python3",
                            NETNS_IO, self.vb, inp, out, src, str(secs), str(count)],
                           check=True, capture_output=True, text=True)
        return int(r.stdout.split()[-1])

    def close(self):
        subprocess.run(["ip", "link", "del", self.va], check=False)
        subprocess.run(["ip", "netns", "del", self.ns], check=False)


def rtp_frames(net, src, sport, dport, n, ssrc, rtcp_every=0):
    from scapy.all import Ether, IP, UDP, Raw
    out = []
    for i in range(n):
        pl = bytes([0x80, 0, i >> 8 & 255, i & 255]) + (i * 160).to_bytes(4, "big") + \
            ssrc.to_bytes(4, "big") + bytes((i * 7 + j) & 255 for j in range(160))
        out.append(pl)
        if rtcp_every and i % rtcp_every == rtcp_every - 1:
            # An RTCP sender report (PT 200), muxed on the RTP port.
            out.append(bytes([0x80, 200, 0, 6]) + ssrc.to_bytes(4, "big") + bytes(20))
    return [Ether(src=net.mac_b, dst=net.mac_a) / IP(src=src, dst="192.0.2.10") /
            UDP(sport=sport, dport=dport) / Raw(p) for p in out]


def srtp_pcap(mode, key, inp, out, suite="AES_CM_128_HMAC_SHA1_80"):
    subprocess.run([SRTP_PCAP, mode, "--suite", suite, "--key", key, "--in", inp,
                    "--out", out], check=True, capture_output=True)


def payloads(path):
    from scapy.all import rdpcap, UDP
    return [bytes(p[UDP].payload) for p in rdpcap(path)]


def media_both_ways():
    """A call set up over ng between two parties on the far side of a veth
    pair (the dataplane on af_packet): SRTP made by libsrtp2 with the
    offerer's key comes out to the answerer as the same plain RTP and RTCP;
    the answerer's plain RTP comes out to the offerer as SRTP that libsrtp2
    opens with the key our answer gave it. RTCP muxed (RFC 5761)."""
    from scapy.all import wrpcap
    net = Netns()
    rig = None
    try:
        rig = Rig("media", ctl_extra=["--next-hop-mac", net.mac_b],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        offer = ("v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                 "t=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=rtcp-mux\r\n"
                 f"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}\r\n")
        answer = ("v=0\r\no=b 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\n"
                  "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp-mux\r\n")
        ms = MEDIA
        to_b, to_a = offer_answer(rig.ng, offer=offer, answer=answer,
                                  transport_protocol="RTP/AVP")
        assert "a=rtcp-mux" in to_b and "a=rtcp-mux" in to_a, (to_b, to_a)
        pb, pa = m_line(to_b)[1], m_line(to_a)[1]
        (tag, suite, key), = crypto_lines(to_a)
        assert tag == 7 and suite == "AES_CM_128_HMAC_SHA1_80", to_a
        with tempfile.TemporaryDirectory() as tmp:
            a_plain = rtp_frames(net, "192.0.2.1", 4000, pa, 40, 0xa1a1a1a1, 10)
            wrpcap(f"{tmp}/a_plain.pcap", a_plain)
            srtp_pcap("protect", KEY_A, f"{tmp}/a_plain.pcap", f"{tmp}/a_srtp.pcap")
            n = net.io(f"{tmp}/a_srtp.pcap", f"{tmp}/to_b.pcap", ms, 5, len(a_plain))
            assert n == len(a_plain), f"{n} of {len(a_plain)} reached B"
            assert payloads(f"{tmp}/to_b.pcap") == payloads(f"{tmp}/a_plain.pcap")
            b_plain = rtp_frames(net, "192.0.2.2", 5000, pb, 40, 0xb2b2b2b2, 10)
            wrpcap(f"{tmp}/b_plain.pcap", b_plain)
            n = net.io(f"{tmp}/b_plain.pcap", f"{tmp}/to_a.pcap", ms, 5, len(b_plain))
            assert n == len(b_plain), f"{n} of {len(b_plain)} reached A"
            srtp_pcap("unprotect", base64.b64encode(key).decode(),
                      f"{tmp}/to_a.pcap", f"{tmp}/to_a_plain.pcap")
            assert payloads(f"{tmp}/to_a_plain.pcap") == payloads(f"{tmp}/b_plain.pcap")
            from scapy.all import rdpcap, IP, UDP
            for p in rdpcap(f"{tmp}/to_b.pcap"):
                assert (p[IP].src, p[UDP].sport, p[IP].dst, p[UDP].dport) == \
                    (ms, pb, "192.0.2.2", 5000), p.summary()
            for p in rdpcap(f"{tmp}/to_a.pcap"):
                assert (p[IP].src, p[UDP].sport, p[IP].dst, p[UDP].dport) == \
                    (ms, pa, "192.0.2.1", 4000), p.summary()
        q = rig.ng.ask(command="query", call_id="c1")
        assert q[b"totals"][b"RTP"][b"packets"] + q[b"totals"][b"RTCP"][b"packets"] \
            == 88 and q[b"totals"][b"RTP"][b"errors"] == 0, q
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    print("SRTP -> RTP and RTP -> SRTP through a call set up over ng, "
          "checked with libsrtp2 both ways")


CASES = {f.__name__: f for f in (sdes_to_plain_shapes, media_both_ways)}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_calls.py CASE\ncases: " + " ".join(sorted(CASES)))
        sys.exit(2)
    CASES[sys.argv[1]]()
    print(f"ok {sys.argv[1]}")
