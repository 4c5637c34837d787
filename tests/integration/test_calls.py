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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
import mgproc  # noqa: E402
import ngclient  # noqa: E402
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
             "AEAD_AES_128_GCM": 28, "AEAD_AES_256_GCM": 44,
             "NULL_HMAC_SHA1_80": 30, "NULL_HMAC_SHA1_32": 30,
             "F8_128_HMAC_SHA1_80": 30, "F8_128_HMAC_SHA1_32": 30}


def crypto_lines(lines):
    """(tag, suite, key bytes) of each a=crypto line, checked as RFC 4568
    writes them: inline key of the suite's length in canonical base64."""
    out = []
    for ln in lines:
        m = re.match(r"a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)(\S*)( .*)?$", ln)
        if not ln.startswith("a=crypto:"):
            continue
        assert m, ln
        b = m.group(3)
        key = base64.b64decode(b + "=" * (-len(b) % 4), validate=True)
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

    def io(self, inp, out, src, secs, count, proto="udp"):
        r = subprocess.run(["ip", "netns", "exec", self.ns, "/usr/bin/python3",
                            NETNS_IO, self.vb, inp, out, src, str(secs), str(count),
                            proto],
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


def sdp(addr, port, proto, extra=""):
    return (f"v=0\r\no=x 1 1 IN IP4 {addr}\r\ns=-\r\nc=IN IP4 {addr}\r\n"
            f"t=0 0\r\nm=audio {port} {proto} 0\r\n{extra}")


def send_check(net, tmp, tag, frames, protect_key, expect_key, src_ms,
               suite_in="AES_CM_128_HMAC_SHA1_80",
               suite_out="AES_CM_128_HMAC_SHA1_80"):
    """Send frames (plain; protected first with protect_key if given) into
    the dataplane; what comes out must be the same RTP/RTCP, SRTP under
    expect_key if given. Returns the captured frames."""
    from scapy.all import wrpcap, rdpcap
    wrpcap(f"{tmp}/{tag}_plain.pcap", frames)
    inp = f"{tmp}/{tag}_plain.pcap"
    if protect_key:
        srtp_pcap("protect", protect_key, inp, f"{tmp}/{tag}_in.pcap", suite_in)
        inp = f"{tmp}/{tag}_in.pcap"
    n = net.io(inp, f"{tmp}/{tag}_out.pcap", src_ms, 5, len(frames))
    assert n == len(frames), f"{tag}: {n} of {len(frames)} came out"
    out = f"{tmp}/{tag}_out.pcap"
    if expect_key:
        srtp_pcap("unprotect", expect_key, out, f"{tmp}/{tag}_open.pcap", suite_out)
        out = f"{tmp}/{tag}_open.pcap"
    assert payloads(out) == payloads(f"{tmp}/{tag}_plain.pcap"), tag
    return rdpcap(f"{tmp}/{tag}_out.pcap")


def b64(k):
    return base64.b64encode(k).decode()


def srtp_both_legs():
    """SRTP on both legs with different keys (no rtcp-mux: RTCP on the
    odd ports): we offer the answerer every allowed suite, strongest
    first, each under its own fresh key; it picks AES_256_CM_HMAC_SHA1_80
    (tag 3). libsrtp2 opens what comes out on each side with the key that
    side was given, so neither party's key ever reaches the other."""
    net = Netns()
    rig = None
    try:
        rig = Rig("both", ctl_extra=["--next-hop-mac", net.mac_b],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        o = rig.ng.ask(command="offer", call_id="c2", from_tag="fa", sdp=sdp(
            "192.0.2.1", 4000, "RTP/SAVP",
            f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}\r\n"))
        to_b = sdp_lines(o[b"sdp"])
        offered = crypto_lines(to_b)
        # Strongest first; no 32-bit tags (downgrade protection's default).
        assert [c[:2] for c in offered] == [
            (1, "AEAD_AES_256_GCM"), (2, "AEAD_AES_128_GCM"),
            (3, "AES_256_CM_HMAC_SHA1_80"), (4, "AES_192_CM_HMAC_SHA1_80"),
            (5, "AES_CM_128_HMAC_SHA1_80")], to_b
        assert len({c[2] for c in offered}) == 5, "keys reused across suites"
        pb = m_line(to_b)[1]
        key_b = bytes(range(46))
        a = rig.ng.ask(command="answer", call_id="c2", from_tag="fa", to_tag="tb",
                       sdp=sdp("192.0.2.2", 5000, "RTP/SAVP",
                               f"a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:{b64(key_b)}\r\n"))
        assert a[b"result"] == b"ok", a
        to_a = sdp_lines(a[b"sdp"])
        pa = m_line(to_a)[1]
        (tag, suite, key_to_a), = crypto_lines(to_a)
        assert (tag, suite) == (1, "AES_CM_128_HMAC_SHA1_80"), to_a
        assert f"a=rtcp:{pa + 1}" in to_a and f"a=rtcp:{pb + 1}" in to_b
        assert rig.stats()[b"ring requests"] == 12  # 4 flows, 8 contexts
        with tempfile.TemporaryDirectory() as tmp:
            key_to_b = b64(offered[2][2])
            out = send_check(net, tmp, "a_rtp", rtp_frames(
                net, "192.0.2.1", 4000, pa, 30, 0xa1), KEY_A, key_to_b, MEDIA,
                suite_out="AES_256_CM_HMAC_SHA1_80")
            assert {(p.sport, p.dport) for p in out} == {(pb, 5000)}
            rtcp = [f for f in rtp_frames(net, "192.0.2.1", 4001, pa + 1, 10, 0xa1, 1)
                    if bytes(f.load)[1] == 200]
            out = send_check(net, tmp, "a_rtcp", rtcp, KEY_A, key_to_b, MEDIA,
                             suite_out="AES_256_CM_HMAC_SHA1_80")
            assert {(p.sport, p.dport) for p in out} == {(pb + 1, 5001)}
            out = send_check(net, tmp, "b_rtp", rtp_frames(
                net, "192.0.2.2", 5000, pb, 30, 0xb2), b64(key_b), b64(key_to_a),
                MEDIA, suite_in="AES_256_CM_HMAC_SHA1_80")
            assert {(p.sport, p.dport) for p in out} == {(pa, 4000)}
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    print("SRTP on both legs, different suites and keys, RTP and RTCP on "
          "their own ports, checked with libsrtp2")


def netns_rig(net, tag, extra=()):
    """A Rig whose dataplane is on the veth pair of net."""
    return Rig(tag, ctl_extra=["--next-hop-mac", net.mac_b, *extra],
               vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")


def mux_call(rig, call, key_params):
    """Caller 192.0.2.1:4000 on SRTP under KEY_A (key_params after it),
    callee 192.0.2.2:5000 on plain RTP, both rtcp-mux. (offer, answer,
    our port toward the caller, toward the callee)."""
    offer = sdp("192.0.2.1", 4000, "RTP/SAVP", "a=rtcp-mux\r\na=crypto:1 "
                f"AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}{key_params}\r\n")
    answer = sdp("192.0.2.2", 5000, "RTP/AVP", "a=rtcp-mux\r\n")
    to_b, to_a = offer_answer(rig.ng, call=call, offer=offer, answer=answer,
                              transport_protocol="RTP/AVP")
    return offer, answer, m_line(to_a)[1], m_line(to_b)[1], to_a, to_b


def reinvite_keeps_rollover():
    """A re-INVITE that keeps the keys changes nothing in the dataplane:
    no ring request, and a stream whose sequence number wraps across the
    re-INVITE still authenticates (the rollover counter went on). A
    re-INVITE with a new key replaces the contexts and the new stream,
    starting over, gets through."""
    from scapy.all import rdpcap, wrpcap
    net = Netns()
    rig = None
    try:
        rig = netns_rig(net, "reinv")
        offer, answer, pa, pb, to_a, to_b = mux_call(rig, "c3", "")
        before = rig.stats()[b"ring requests"]
        with tempfile.TemporaryDirectory() as tmp:
            frames = rtp_frames(net, "192.0.2.1", 4000, pa, 24, 0xa1)
            for i, f in enumerate(frames):  # sequence 65524 .. 65535, 0 .. 11
                pl = bytearray(bytes(f.load))
                pl[2:4] = ((65524 + i) & 0xffff).to_bytes(2, "big")
                f.load = bytes(pl)
            wrpcap(f"{tmp}/all_plain.pcap", frames)
            srtp_pcap("protect", KEY_A, f"{tmp}/all_plain.pcap", f"{tmp}/all.pcap")
            pk = rdpcap(f"{tmp}/all.pcap")
            wrpcap(f"{tmp}/first.pcap", pk[:12])
            wrpcap(f"{tmp}/second.pcap", pk[12:])
            assert net.io(f"{tmp}/first.pcap", f"{tmp}/o1.pcap", MEDIA, 5, 12) == 12
            to_b2, to_a2 = offer_answer(rig.ng, call="c3", offer=offer,
                                        answer=answer, transport_protocol="RTP/AVP")
            assert rig.stats()[b"ring requests"] == before, "same keys reinstalled"
            assert (m_line(to_a2)[1], m_line(to_b2)[1]) == (pa, pb)
            assert crypto_lines(to_a2) == crypto_lines(to_a), "our key changed"
            n = net.io(f"{tmp}/second.pcap", f"{tmp}/o2.pcap", MEDIA, 5, 12)
            assert n == 12, f"{n} of 12 after the wrap: rollover counter lost"
            assert payloads(f"{tmp}/o1.pcap") + payloads(f"{tmp}/o2.pcap") == \
                [bytes(f.load) for f in frames]
            # New key: new contexts; a stream under it starts clean.
            new_key = b64(bytes(range(100, 130)))
            offer3 = offer.replace(KEY_A, new_key)
            offer_answer(rig.ng, call="c3", offer=offer3, answer=answer,
                         transport_protocol="RTP/AVP")
            assert rig.stats()[b"ring requests"] > before
            send_check(net, tmp, "new", rtp_frames(net, "192.0.2.1", 4000, pa, 10, 0xa5),
                       new_key, None, MEDIA)
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    print("re-INVITE with the same key: nothing reinstalled, ROC kept across "
          "a wrap; with a new key: contexts replaced")


def rekey_drains_old_key():
    """An SDES rekey by re-INVITE (the caller offers a new key) is
    make-before-break: the caller goes on sending under its old key until
    our answer reaches it, and those packets still come out, opened by the
    old context beside the new one (the dataplane's srtp_old_key counts
    them); a replay of an old-key packet is still refused; the new key's
    packets come out from the first. Once --srtp-drain seconds are up the
    old context is let go (srtp-retired) and the old key opens nothing.
    Both for AES-CM and for GCM, whose failed first try decrypted the
    packet in place: every payload is checked after libsrtp2 made it. The
    GCM call's drain outlives a restart of the control plane: the new one
    takes it back from the state file and lets the old key go on time."""
    from scapy.all import rdpcap, wrpcap
    net = Netns()
    rig = None
    suites = (("AES_CM_128_HMAC_SHA1_80", 30, "rk1"), ("AEAD_AES_128_GCM", 28, "rk2"))
    try:
        rig = netns_rig(net, "rekey", ["--srtp-drain", "3"])
        with tempfile.TemporaryDirectory() as tmp:
            for suite, klen, call in suites:
                old_key, new_key = b64(bytes(range(klen))), b64(bytes(range(50, 50 + klen)))
                offer = sdp("192.0.2.1", 4000, "RTP/SAVP", "a=rtcp-mux\r\n"
                            f"a=crypto:1 {suite} inline:{old_key}\r\n")
                answer = sdp("192.0.2.2", 5000, "RTP/AVP", "a=rtcp-mux\r\n")
                _, to_a = offer_answer(rig.ng, call=call, offer=offer, answer=answer,
                                       transport_protocol="RTP/AVP")
                pa = m_line(to_a)[1]
                frames = rtp_frames(net, "192.0.2.1", 4000, pa, 36, 0xa1)
                wrpcap(f"{tmp}/{call}.pcap", frames)
                srtp_pcap("protect", old_key, f"{tmp}/{call}.pcap", f"{tmp}/{call}_old.pcap",
                          suite)
                srtp_pcap("protect", new_key, f"{tmp}/{call}.pcap", f"{tmp}/{call}_new.pcap",
                          suite)
                old, new = list(rdpcap(f"{tmp}/{call}_old.pcap")), list(rdpcap(f"{tmp}/{call}_new.pcap"))
                plain = [bytes(f.load) for f in frames]

                def through(tag, pkts, want):
                    wrpcap(f"{tmp}/{tag}.pcap", pkts)
                    n = net.io(f"{tmp}/{tag}.pcap", f"{tmp}/{tag}_out.pcap", MEDIA,
                               3 if want else 2, max(want, 1))
                    assert n == want, f"{suite} {tag}: {n} of {want} came out"
                    return payloads(f"{tmp}/{tag}_out.pcap") if n else []

                got = through(f"{call}_a", old[:12], 12)
                offer_answer(rig.ng, call=call, offer=offer.replace(old_key, new_key),
                             answer=answer, transport_protocol="RTP/AVP")
                # Still the old key (the answer is on its way), a replay of
                # one of those, then the new key.
                got += through(f"{call}_b", old[12:18] + [old[15]] + new[18:30], 18)
                assert got == plain[:30], f"{suite}: payloads across the rekey"
                want = 1
                if call == "rk2":
                    rig.ctl.kill()
                    rig.ctl.wait(10)
                    rig.ctl = mgproc.control(rig.ctl_args)
                    rig.ctl.wait_line(r"2 calls kept: the dataplane still has them", 20)
                    assert rig.stats()[b"draining"] >= 1, "the drain was not taken back"
                deadline = time.monotonic() + 10
                while rig.stats()[b"srtp-retired"] < want:
                    assert time.monotonic() < deadline, f"{suite}: old context never let go"
                    time.sleep(0.2)
                through(f"{call}_c", old[30:36], 0)
                assert through(f"{call}_d", new[30:36], 6) == plain[30:36]
        assert rig.stats()[b"draining"] == 0
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    olds = mgproc.pipe_counter(rig.dp.text(), "srtp_old_key")
    assert olds == 12, f"{olds} packets opened by the old key, not 6 + 6"
    print("SDES rekey: the old key still opens what was sent under it until "
          "--srtp-drain is up, then nothing; replay refused; AES-CM and GCM")


def reinvite_moves_make_before_break():
    """A re-INVITE in which the caller moves to another port under the same
    key: both flows of the call are replaced in place (FLOW_MOD, two ring
    requests, no context made again), and both directions' SRTP state goes
    on across it: streams whose sequence numbers wrap exactly across the
    move still authenticate at libsrtp2 (toward the caller) and at our
    dataplane (from the caller), so neither context restarted its rollover
    counter."""
    from scapy.all import rdpcap, wrpcap, UDP
    net = Netns()
    rig = None
    try:
        rig = netns_rig(net, "move")
        offer, answer, pa, pb, to_a, _ = mux_call(rig, "mv", "")
        (_, _, key_to_a), = crypto_lines(to_a)
        before = rig.stats()[b"ring requests"]

        def wrapping(src, sport, dport, ssrc):
            frames = rtp_frames(net, src, sport, dport, 24, ssrc)
            for i, f in enumerate(frames):
                pl = bytearray(bytes(f.load))
                pl[2:4] = ((65524 + i) & 0xffff).to_bytes(2, "big")
                f.load = bytes(pl)
            return frames
        with tempfile.TemporaryDirectory() as tmp:
            a_pl = wrapping("192.0.2.1", 4000, pa, 0xa1)
            for f in a_pl[12:]:
                f[UDP].sport = 4002
            wrpcap(f"{tmp}/a.pcap", a_pl)
            srtp_pcap("protect", KEY_A, f"{tmp}/a.pcap", f"{tmp}/a_s.pcap")
            a_s = rdpcap(f"{tmp}/a_s.pcap")
            b_pl = wrapping("192.0.2.2", 5000, pb, 0xb2)
            for half, rng in ((1, slice(0, 12)), (2, slice(12, 24))):
                wrpcap(f"{tmp}/a{half}.pcap", a_s[rng])
                wrpcap(f"{tmp}/b{half}.pcap", b_pl[rng])
                if half == 2:
                    offer_answer(rig.ng, call="mv", offer=offer.replace(
                        "m=audio 4000", "m=audio 4002"), answer=answer,
                        transport_protocol="RTP/AVP")
                    assert rig.stats()[b"ring requests"] == before + 2
                assert net.io(f"{tmp}/a{half}.pcap", f"{tmp}/tob{half}.pcap",
                              MEDIA, 3, 12) == 12, f"A->B half {half}"
                assert net.io(f"{tmp}/b{half}.pcap", f"{tmp}/toa{half}.pcap",
                              MEDIA, 3, 12) == 12, f"B->A half {half}"
            got_b = payloads(f"{tmp}/tob1.pcap") + payloads(f"{tmp}/tob2.pcap")
            assert got_b == [bytes(f.load) for f in a_pl], "A->B across the move"
            toa = rdpcap(f"{tmp}/toa1.pcap") + rdpcap(f"{tmp}/toa2.pcap")
            assert [p[UDP].dport for p in toa] == [4000] * 12 + [4002] * 12
            wrpcap(f"{tmp}/toa.pcap", toa)
            srtp_pcap("unprotect", b64(key_to_a), f"{tmp}/toa.pcap", f"{tmp}/toa_p.pcap")
            assert payloads(f"{tmp}/toa_p.pcap") == [bytes(f.load) for f in b_pl]
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    print("a move under the same key: flows replaced in place, both SRTP "
          "directions keep their rollover counter across a wrap")


def answers_pipelined():
    """A burst of answers shares ring round trips: 64 calls offered, then
    their 64 answers sent at once (as a SIP proxy's workers do); every
    reply is its own call's (its cookie, our port toward that callee), the
    dataplane took them in far fewer batches than calls, and a
    retransmitted answer gets the same reply from the cache. An answer and
    the delete of its call in one burst: the delete comes after the
    answer's install (the batch goes first), both ok, nothing left."""
    import socket
    from ngclient import bencode, bdecode
    rig = Rig("pipe")
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", rig.port))
        s.settimeout(10)
        n = 64
        offers = {}
        for i in range(n):
            s.send(f"o{i} ".encode() + bencode({
                "command": "offer", "call-id": f"p{i}", "from-tag": "a",
                "transport-protocol": "RTP/AVP",
                "sdp": sdp("192.0.2.1", 4000 + 2 * i, "RTP/SAVP",
                           f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}\r\n")}))
        for _ in range(n):
            d = s.recv(65535)
            cookie, body = d.split(b" ", 1)
            offers[cookie.decode()] = bdecode(body)
        assert all(o[b"result"] == b"ok" for o in offers.values()), offers
        to_b_port = {int(k[1:]): m_line(sdp_lines(o[b"sdp"]))[1] for k, o in offers.items()}
        before = rig.stats()
        msgs = [f"a{i} ".encode() + bencode({
            "command": "answer", "call-id": f"p{i}", "from-tag": "a", "to-tag": "b",
            "sdp": sdp("192.0.2.2", 5000 + 2 * i, "RTP/AVP")}) for i in range(n)]
        for m in msgs:
            s.send(m)
        replies = {}
        for _ in range(n):
            d = s.recv(65535)
            cookie, body = d.split(b" ", 1)
            replies[cookie.decode()] = (d, bdecode(body))
        assert sorted(replies) == sorted(f"a{i}" for i in range(n)), sorted(replies)
        for i in range(n):
            r = replies[f"a{i}"][1]
            assert r[b"result"] == b"ok", r
            lines = sdp_lines(r[b"sdp"])
            assert crypto_lines(lines), lines  # SRTP toward the caller
        after = rig.stats()
        batches = after[b"ring batches"] - before[b"ring batches"]
        assert after[b"ring requests"] - before[b"ring requests"] == 8 * n, after
        assert after[b"pipelined answers"] - before[b"pipelined answers"] >= n // 2, after
        assert 1 <= batches <= n // 4, f"{batches} ring batches for {n} answers"
        s.send(msgs[7])  # a retransmission: the cached reply, nothing done
        assert s.recv(65535) == replies["a7"][0]
        assert rig.stats()[b"ring requests"] == after[b"ring requests"]
        # Answer and delete of one call in one burst.
        s.send(b"o99 " + bencode({
            "command": "offer", "call-id": "px", "from-tag": "a",
            "transport-protocol": "RTP/AVP",
            "sdp": sdp("192.0.2.1", 4400, "RTP/SAVP",
                       f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}\r\n")}))
        s.recv(65535)
        s.send(b"a99 " + bencode({"command": "answer", "call-id": "px", "from-tag": "a",
                                  "to-tag": "b", "sdp": sdp("192.0.2.2", 5400, "RTP/AVP")}))
        s.send(b"d99 " + bencode({"command": "delete", "call-id": "px", "from-tag": "a"}))
        got = {}
        for _ in range(2):
            d = s.recv(65535)
            cookie, body = d.split(b" ", 1)
            got[cookie] = bdecode(body)
        assert got[b"a99"][b"result"] == b"ok" and got[b"d99"][b"result"] == b"ok", got
        q = rig.ng.ask(command="query", call_id="px")
        assert q[b"result"] == b"error", q
        assert rig.stats()[b"current sessions"] == n
        assert len(set(to_b_port.values())) == n
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print(f"{n} answers in one burst: {batches} ring batches, every reply its "
          "own call's; retransmission from the cache; answer then delete in "
          "one burst kept their order")


def ng_flags_honoured_or_ignored():
    """The ng keys that shape a call do so (rtcp-mux demux: the offerer's
    rtcp-mux is not passed on, and both sides end up on separate RTCP
    ports); ICE force gets a warning (we remove candidates); the keys
    rtpengine knows that do not apply here (received-from, direction,
    supports, DTLS, unknown ones) are ignored, as rtpengine ignores keys it
    does not know."""
    rig = Rig("flags")
    try:
        offer = OFFER_SAVP.replace("a=sendrecv\r\n", "a=sendrecv\r\na=rtcp-mux\r\n")
        o = rig.ng.ask(command="offer", call_id="fl", from_tag="ft1", sdp=offer,
                       transport_protocol="RTP/AVP", rtcp_mux=["demux"], ICE="force",
                       received_from=["IP4", "198.51.100.1"],
                       direction=["internal", "external"], supports=["load limit"],
                       DTLS="off", frobnicate={"x": 1})
        assert o[b"result"] == b"ok" and b"ICE not supported" in o[b"warning"], o
        to_b = sdp_lines(o[b"sdp"])
        pb = m_line(to_b)[1]
        assert "a=rtcp-mux" not in to_b and f"a=rtcp:{pb + 1}" in to_b, to_b
        a = rig.ng.ask(command="answer", call_id="fl", from_tag="ft1", to_tag="tt1",
                       sdp=ANSWER_AVP)
        to_a = sdp_lines(a[b"sdp"])
        pa = m_line(to_a)[1]
        assert "a=rtcp-mux" not in to_a and f"a=rtcp:{pa + 1}" in to_a, to_a
        assert rig.stats()[b"ring requests"] == 8  # 4 flows: RTCP apart
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("ng flags: rtcp-mux demux honoured, ICE force warned, others ignored")


def fuzzed_requests():
    """3,000 offers and answers mutated at random (seeded: bytes flipped,
    lines cut, repeated or dropped, numbers made huge, bencode types
    swapped): every one gets a reply, ok or error, and the control plane
    stays up and consistent (under ASan in the asan build): at the end the
    calls that were set up are listed and deleted, and nothing is left in
    the dataplane."""
    import random
    rnd = random.Random(5761)
    rig = Rig("fuzz")
    ng = rig.ng

    def mutate(text):
        b = bytearray(text.encode())
        for _ in range(rnd.randint(1, 4)):
            op = rnd.randrange(6)
            i = rnd.randrange(len(b)) if b else 0
            if op == 0 and b:
                b[i] = rnd.randrange(256)
            elif op == 1:
                del b[i:i + rnd.randint(1, 40)]
            elif op == 2:
                j = rnd.randrange(len(b) + 1)
                b[j:j] = b[i:i + rnd.randint(1, 200)] * rnd.randint(1, 5)
            elif op == 3:
                b[i:i] = str(rnd.choice([0, 65535, 65536, 2**31, 2**64, -1])).encode()
            elif op == 4:
                lines = bytes(b).split(b"\r\n")
                rnd.shuffle(lines)
                b = bytearray(b"\r\n".join(lines))
            else:
                b = b[:rnd.randrange(len(b) + 1)]
        return bytes(b)
    try:
        ok = 0
        for i in range(3000):
            kind = rnd.randrange(3)
            if kind == 0:
                r = ng.ask(command="offer", call_id=f"z{i % 50}", from_tag="ft1",
                           sdp=mutate(OFFER_SAVP), transport_protocol=rnd.choice(
                               ["RTP/AVP", "RTP/SAVP", "RTP/SAVPF", "X"]))
            elif kind == 1:
                r = ng.ask(command="answer", call_id=f"z{i % 50}", from_tag="ft1",
                           to_tag="tt1", sdp=mutate(ANSWER_AVP))
            else:
                body = ngclient.bencode({"command": "offer", "call-id": f"z{i % 50}",
                                         "from-tag": "ft1", "sdp": OFFER_SAVP})
                r, _ = ng.raw(b"f%d" % i, mutate(body.decode("latin-1")))
            assert r[b"result"] in (b"ok", b"error"), r
            ok += r[b"result"] == b"ok"
        calls = ng.ask(command="list", limit=100)[b"calls"]
        for c in calls:
            assert ng.ask(command="delete", call_id=c)[b"result"] == b"ok"
        st = rig.stats()
        assert st[b"current sessions"] == 0, st
        rig.dp.signal()
        assert rig.dp.wait(30) == 0
        assert mgproc.flow_stats(rig.dp.text()) == {}, rig.dp.text()[-2000:]
        rig.dp = None
    finally:
        assert rig.stop() == 0, rig.ctl.text()[-3000:]
    print(f"3000 fuzzed requests: {ok} accepted, the rest refused; "
          f"{len(calls)} calls deleted, none left")


def bad(ng, why, **kw):
    r = ng.ask(**kw)
    assert r[b"result"] == b"error", (kw, r)
    assert why.encode() in r[b"error-reason"], (why, r)


def malformed_requests():
    """Every class of bad offer or answer gets result=error with its reason
    and changes nothing: no call appears, an existing call keeps its state
    and keys, the dataplane gets no request. Retransmissions get the cached
    reply and are not acted on again."""
    rig = Rig("bad")
    ng = rig.ng
    try:
        key = f"inline:{KEY_A}"
        good = sdp("192.0.2.1", 4000, "RTP/SAVP", f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 {key}\r\n")
        cases = [
            ("No call-id", dict(from_tag="f", sdp=good)),
            ("No call-id", dict(call_id=5, from_tag="f", sdp=good)),
            ("No from-tag", dict(call_id="b", sdp=good)),
            ("No SDP body", dict(call_id="b", from_tag="f")),
            ("No SDP body", dict(call_id="b", from_tag="f", sdp=["x"])),
            ("SDP line 1", dict(call_id="b", from_tag="f", sdp="hello")),
            ("no usable a=crypto", dict(call_id="b", from_tag="f", sdp=good.replace(
                KEY_A, "!!notbase64!!"))),
            ("no usable a=crypto", dict(call_id="b", from_tag="f", sdp=good.replace(
                KEY_A, KEY_A[:-4]))),
            ("no usable a=crypto", dict(call_id="b", from_tag="f", sdp=good.replace(
                "AES_CM_128_HMAC_SHA1_80", "F8_128_HMAC_SHA1_80"))),
            ("no usable a=crypto", dict(call_id="b", from_tag="f", sdp=sdp(
                "192.0.2.1", 4000, "RTP/SAVP"))),
            ("duplicate a=crypto tag", dict(call_id="b", from_tag="f", sdp=good + (
                f"a=crypto:1 AES_CM_128_HMAC_SHA1_32 {key}\r\n"))),
            ("without a c=", dict(call_id="b", from_tag="f", sdp=good.replace(
                "c=IN IP4 192.0.2.1\r\n", ""))),
            ("m=", dict(call_id="b", from_tag="f", sdp=good.replace(
                "m=audio 4000", "m=audio 99999"))),
            ("not an IP address", dict(call_id="b", from_tag="f", sdp=good.replace(
                "c=IN IP4 192.0.2.1", "c=IN IP4 sip.example.com"))),
            ("transport UDP/TLS/RTP/SAVPF not supported", dict(
                call_id="b", from_tag="f", sdp=good.replace("RTP/SAVP", "UDP/TLS/RTP/SAVPF"))),
            ("at most 4 per call", dict(call_id="b", from_tag="f", sdp=good + "".join(
                "m=audio 4002 RTP/AVP 0\r\n" for _ in range(4)))),
            ("too long", dict(call_id="b", from_tag="f", sdp=good.replace(
                "s=-", "s=" + "x" * 5000))),
            ("unknown crypto suite", dict(call_id="b", from_tag="f", sdp=good,
                                          SDES=["no-FOO_BAR"])),
            ("transport-protocol", dict(call_id="b", from_tag="f", sdp=good,
                                        transport_protocol="RTP/XYZ")),
            ("no allowed suite offered", dict(call_id="b", from_tag="f", sdp=good,
                                              SDES=["only-AES_CM_128_HMAC_SHA1_32"])),
            ("SDES flags leave no suite", dict(call_id="b", from_tag="f",
                                               sdp=sdp("192.0.2.1", 4000, "RTP/AVP"),
                                               transport_protocol="RTP/SAVP",
                                               SDES=["only-AES_CM_128_HMAC_SHA1_80",
                                                     "no-AES_CM_128_HMAC_SHA1_80"])),
            # A bad a=ipsec (more in test_esp_calls.py).
            ("no usable a=ipsec", dict(
                call_id="b", from_tag="f", sdp=good + "a=ipsec:1 ESP_AES_GCM_16_128 "
                "inline:AAECAwQFBgcICQoLDA0ODxAREhM= spi=0\r\n")),
            ("mandatory sec precondition on a leg without media security", dict(
                call_id="b", from_tag="f", sdp=sdp("192.0.2.1", 4000, "RTP/AVP",
                                                   "a=curr:sec e2e none\r\n"
                                                   "a=des:sec mandatory e2e sendrecv\r\n"))),
        ]
        for why, kw in cases:
            bad(ng, why, command="offer", **kw)
        st = rig.stats()
        assert st[b"current sessions"] == 0 and st[b"ring requests"] == 0, st
        # A call in place, then bad answers and offers against it.
        o = ng.ask(command="offer", call_id="k", from_tag="f", sdp=good,
                   transport_protocol="RTP/SAVP")
        assert o[b"result"] == b"ok", o
        offered = crypto_lines(sdp_lines(o[b"sdp"]))
        ans = lambda extra: sdp("192.0.2.2", 5000, "RTP/SAVP", extra)  # noqa: E731
        kb = b64(bytes(30))
        acases = [
            ("Unknown call-id", dict(call_id="nope", from_tag="f", to_tag="t", sdp=ans(""))),
            ("No to-tag", dict(call_id="k", from_tag="f", sdp=ans(""))),
            ("not the offerer's", dict(call_id="k", from_tag="zz", to_tag="t", sdp=ans(""))),
            ("exactly one a=crypto", dict(call_id="k", from_tag="f", to_tag="t", sdp=ans(""))),
            ("did not offer", dict(call_id="k", from_tag="f", to_tag="t", sdp=ans(
                f"a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:{kb}\r\n"))),
            ("did not offer", dict(call_id="k", from_tag="f", to_tag="t", sdp=ans(
                f"a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:{kb}\r\n"))),
            ("needs a 30-byte", dict(call_id="k", from_tag="f", to_tag="t", sdp=ans(
                f"a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:{kb[:-4]}\r\n"))),
            ("the offer had 1", dict(call_id="k", from_tag="f", to_tag="t", sdp=ans(
                f"a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:{kb}\r\n") +
                "m=video 5002 RTP/AVP 96\r\n")),
        ]
        for why, kw in acases:
            bad(ng, why, command="answer", **kw)
        bad(ng, "may not remove m= lines", command="offer", call_id="k", from_tag="f",
            sdp=good.split("m=")[0])
        bad(ng, "neither party", command="offer", call_id="k", from_tag="f2", sdp=good)
        st = rig.stats()
        assert st[b"current sessions"] == 1 and st[b"ring requests"] == 0, st
        a = ng.ask(command="answer", call_id="k", from_tag="f", to_tag="t", sdp=ans(
            f"a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:{kb}\r\n"))
        assert a[b"result"] == b"ok", a
        assert offered == crypto_lines(sdp_lines(o[b"sdp"]))
        # A retransmitted answer (same cookie): the cached reply, nothing new.
        body = ngclient.bencode({"command": "delete", "call-id": "k"})
        r1, raw1 = ng.raw(b"same", body)
        r2, raw2 = ng.raw(b"same", body)
        assert raw1 == raw2 and r1[b"result"] == b"ok", raw1
        st = rig.stats()
        assert st[b"current sessions"] == 0 and st[b"deletes"] == 1, st
        bad(ng, "Unknown call-id", command="delete", call_id="k")
        bad(ng, "Unknown call-id", command="query", call_id="k")
        bad(ng, "limit", command="list", limit="x")
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print(f"{len(cases)} bad offers, {len(acases) + 2} bad answers/re-offers "
          "refused with no state change")


def weak_offers_refused_by_policy():
    """Downgrade protection: an offer that allows only weaker protection
    (32-bit tags, no encryption, no authentication) is refused with the
    reason unless the policy allows that kind (per call: SDES allow-
    flags or only-SUITE; by default: --allow-weak), and we never offer a
    weak suite the policy does not allow."""
    rig = Rig("weak")
    ng = rig.ng
    try:
        k = f"inline:{KEY_A}"
        only32 = sdp("192.0.2.1", 4000, "RTP/SAVP",
                     f"a=crypto:1 AES_CM_128_HMAC_SHA1_32 {k}\r\n")
        unauth = sdp("192.0.2.1", 4000, "RTP/SAVP",
                     f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 {k} UNAUTHENTICATED_SRTP\r\n")
        unenc = sdp("192.0.2.1", 4000, "RTP/SAVP",
                    f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 {k} UNENCRYPTED_SRTP\r\n")
        nullc = sdp("192.0.2.1", 4000, "RTP/SAVP",
                    f"a=crypto:1 NULL_HMAC_SHA1_80 {k}\r\n")
        for body, why in ((only32, "32-bit tags"), (unauth, "no authentication"),
                          (unenc, "no encryption"), (nullc, "no encryption")):
            bad(ng, f"only weaker protection offered ({why})", command="offer",
                call_id="w", from_tag="f", sdp=body)
        # A strong line beside a weak one: the strong one is taken.
        both = only32 + f"a=crypto:2 AES_CM_128_HMAC_SHA1_80 {k}\r\n"
        o = ng.ask(command="offer", call_id="w1", from_tag="f", sdp=both,
                   transport_protocol="RTP/SAVP")
        assert o[b"result"] == b"ok", o
        assert all("_32" not in c[1] for c in crypto_lines(sdp_lines(o[b"sdp"])))
        # Allowed per call, by kind or by name.
        for i, flags in enumerate((["allow-32bit"], ["allow-weak"],
                                   ["only-AES_CM_128_HMAC_SHA1_32"])):
            o = ng.ask(command="offer", call_id=f"w{i + 2}", from_tag="f",
                       sdp=only32, SDES=flags, transport_protocol="RTP/SAVP")
            assert o[b"result"] == b"ok", (flags, o)
            suites = [c[1] for c in crypto_lines(sdp_lines(o[b"sdp"]))]
            assert "AES_CM_128_HMAC_SHA1_32" in suites, (flags, suites)
        assert suites == ["AES_CM_128_HMAC_SHA1_32"], suites  # only- names it
        o = ng.ask(command="offer", call_id="w9", from_tag="f", sdp=unauth,
                   SDES=["allow-unauthenticated"])
        assert o[b"result"] == b"ok", o
        # An answer may not weaken what we offered.
        o = ng.ask(command="offer", call_id="w10", from_tag="f",
                   sdp=sdp("192.0.2.1", 4000, "RTP/AVP"),
                   transport_protocol="RTP/SAVP")
        tag, suite, _ = crypto_lines(sdp_lines(o[b"sdp"]))[0]
        key = b64(bytes(KEY_BYTES[suite]))
        bad(ng, "weaker protection (no authentication)", command="answer",
            call_id="w10", from_tag="f", to_tag="t",
            sdp=sdp("192.0.2.2", 5000, "RTP/SAVP",
                    f"a=crypto:{tag} {suite} inline:{key} UNAUTHENTICATED_SRTP\r\n"))
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("downgrade protection: 4 weak-only offers refused with the reason, "
          "allowed per call by kind or name, never offered by us, a weakening "
          "answer refused")


def sec_lines(lines):
    return [ln for ln in lines if re.match(r"a=(curr|des|conf):sec ", ln)]


def sec_preconditions_call_flow():
    """RFC 5027 §4.1's flow (INVITE, 183, PRACK/UPDATE, 200) with SDES,
    the caller A asking for mandatory security both ways, the callee a
    plain PSTN trunk: the precondition ends at our leg toward A, as its
    keys do. Each SDP toward A carries our status for A's leg: current
    only where the dataplane has the context (the answer leaves after its
    acks), then sendrecv once A says it can receive; nothing of it goes
    to the trunk. The UPDATE repeats A's key: nothing is installed twice.
    Mandatory preconditions that cannot be met, and malformed lines, get
    an error reply (the SIP server answers 580 or 488)."""
    rig = Rig("prec")
    ng = rig.ng
    try:
        crypto = f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}\r\n"
        sdp1 = sdp("192.0.2.1", 4000, "RTP/SAVP", crypto +
                   "a=curr:sec e2e none\r\na=des:sec mandatory e2e sendrecv\r\n")
        o = ng.ask(command="offer", call_id="p", from_tag="a", sdp=sdp1,
                   transport_protocol="RTP/AVP")
        assert o[b"result"] == b"ok", o
        assert sec_lines(sdp_lines(o[b"sdp"])) == [], o  # not to the trunk
        a = ng.ask(command="answer", call_id="p", from_tag="a", to_tag="b",
                   sdp=sdp("192.0.2.2", 5000, "RTP/AVP"))
        assert a[b"result"] == b"ok", a
        to_a = sdp_lines(a[b"sdp"])
        # SDP2 of §4.1: recv is current (our inbound context holds A's
        # key and is acked), send waits for A's word; A is asked to
        # confirm.
        assert sec_lines(to_a) == ["a=curr:sec e2e recv",
                                   "a=des:sec mandatory e2e sendrecv",
                                   "a=conf:sec e2e sendrecv"], to_a
        assert len(crypto_lines(to_a)) == 1
        installed = rig.stats()[b"ring requests"]
        assert installed > 0
        # SDP3: A's UPDATE, same key, now current both ways.
        sdp3 = sdp("192.0.2.1", 4000, "RTP/SAVP", crypto +
                   "a=curr:sec e2e sendrecv\r\na=des:sec mandatory e2e sendrecv\r\n")
        o = ng.ask(command="offer", call_id="p", from_tag="a", sdp=sdp3,
                   transport_protocol="RTP/AVP")
        assert o[b"result"] == b"ok", o
        assert sec_lines(sdp_lines(o[b"sdp"])) == []
        a = ng.ask(command="answer", call_id="p", from_tag="a", to_tag="b",
                   sdp=sdp("192.0.2.2", 5000, "RTP/AVP"))
        assert a[b"result"] == b"ok", a
        # SDP4: met both ways, nothing left to confirm.
        assert sec_lines(sdp_lines(a[b"sdp"])) == [
            "a=curr:sec e2e sendrecv", "a=des:sec mandatory e2e sendrecv"], a
        assert rig.stats()[b"ring requests"] == installed, "installed twice"
        # RFC 5027 §4.2's flow keys with MIKEY (a=key-mgmt), which we do
        # not speak: the mandatory precondition can never be met, so the
        # offer is refused (the SIP server answers 580), nothing installed.
        mand = "a=curr:sec e2e none\r\na=des:sec mandatory e2e sendrecv\r\n"
        bad(ng, "no usable a=crypto", command="offer", call_id="km", from_tag="a",
            sdp=sdp("192.0.2.1", 4000, "RTP/SAVP",
                    "a=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyO4f+AeJbFCSbcNTWQAA\r\n"
                    + mand))
        # What can never be met, and what is not sec grammar.
        bad(ng, "mandatory sec precondition on a leg without media security",
            command="offer", call_id="q", from_tag="a",
            sdp=sdp("192.0.2.1", 4000, "RTP/AVP", mand))
        for line, why in (("a=des:sec mandatory local sendrecv", "undefined for sec"),
                          ("a=des:sec maybe e2e sendrecv", "strength"),
                          ("a=curr:sec e2e sideways", "direction"),
                          ("a=des:sec mandatory e2e", "")):
            bad(ng, why, command="offer", call_id="q", from_tag="a",
                sdp=sdp("192.0.2.1", 4000, "RTP/SAVP", crypto + line + "\r\n"))
        assert rig.stats()[b"current sessions"] == 1
        # Optional, upgraded to mandatory by policy (the SDES flag here;
        # --sec-mandatory for every call): we answer mandatory.
        opt = sdp("192.0.2.1", 4000, "RTP/SAVP", crypto + "a=curr:sec e2e none\r\n"
                  "a=des:sec optional e2e sendrecv\r\n")
        o = ng.ask(command="offer", call_id="up", from_tag="a", sdp=opt,
                   transport_protocol="RTP/AVP", SDES=["sec-mandatory"])
        assert o[b"result"] == b"ok", o
        a = ng.ask(command="answer", call_id="up", from_tag="a", to_tag="b",
                   sdp=sdp("192.0.2.2", 5002, "RTP/AVP"))
        assert "a=des:sec mandatory e2e sendrecv" in sec_lines(sdp_lines(a[b"sdp"])), a
        o = ng.ask(command="offer", call_id="up2", from_tag="a", sdp=opt,
                   transport_protocol="RTP/AVP")
        a = ng.ask(command="answer", call_id="up2", from_tag="a", to_tag="b",
                   sdp=sdp("192.0.2.2", 5004, "RTP/AVP"))
        assert "a=des:sec optional e2e sendrecv" in sec_lines(sdp_lines(a[b"sdp"])), a
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("sec preconditions: §4.1 flow through ng (none -> recv + conf -> "
          "sendrecv), nothing relayed to the trunk, the UPDATE installs "
          "nothing, unmeetable and malformed preconditions refused")


def sec_preconditions_slow_dataplane():
    """RFC 5027 with a dataplane slow to ack (SIGSTOP): the answer does not
    fail, it goes out saying nothing is current yet (with a warning), so
    no one is alerted before media security works. When the dataplane
    runs again the call is brought in line, and the caller's next offer
    gets the status the acks now allow."""
    rig = Rig("precslow", ctl_extra=["--ack-timeout", "300"])
    try:
        crypto = f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}\r\n"
        mand = "a=curr:sec e2e none\r\na=des:sec mandatory e2e sendrecv\r\n"
        sdp1 = sdp("192.0.2.1", 4000, "RTP/SAVP", crypto + mand)
        o = rig.ng.ask(command="offer", call_id="ps", from_tag="a", sdp=sdp1,
                       transport_protocol="RTP/AVP")
        assert o[b"result"] == b"ok", o
        rig.dp.p.send_signal(signal.SIGSTOP)
        a = rig.ng.ask(command="answer", call_id="ps", from_tag="a", to_tag="b",
                       sdp=sdp("192.0.2.2", 5000, "RTP/AVP"))
        assert a[b"result"] == b"ok" and b"not met yet" in a.get(b"warning", b""), a
        assert sec_lines(sdp_lines(a[b"sdp"])) == [
            "a=curr:sec e2e none", "a=des:sec mandatory e2e sendrecv",
            "a=conf:sec e2e sendrecv"], a
        rig.dp.p.send_signal(signal.SIGCONT)
        rig.ctl.wait_line(r"resynced|calls kept|replayed", 10)
        o = rig.ng.ask(command="offer", call_id="ps", from_tag="a", sdp=sdp1,
                       transport_protocol="RTP/AVP")
        assert o[b"result"] == b"ok", o
        a = rig.ng.ask(command="answer", call_id="ps", from_tag="a", to_tag="b",
                       sdp=sdp("192.0.2.2", 5000, "RTP/AVP"))
        assert a[b"result"] == b"ok" and b"warning" not in a, a
        assert sec_lines(sdp_lines(a[b"sdp"]))[0] == "a=curr:sec e2e recv", a
    finally:
        rig.dp.p.send_signal(signal.SIGCONT)
        assert rig.stop() == 0, rig.ctl.text()
    print("sec preconditions, slow dataplane: answered with nothing current "
          "(and a warning), current once the dataplane caught up")


def sec_lines_not_relayed():
    """Security attributes are per leg: a party's sec precondition lines
    are not passed to the other party (they would speak of another leg),
    and other preconditions (qos) and unknown lines go through byte for
    byte, both ways."""
    rig = Rig("secrelay")
    ng = rig.ng
    try:
        extra = ("a=curr:qos e2e none\r\na=des:qos optional e2e sendrecv\r\n"
                 "a=curr:sec e2e none\r\na=des:sec optional e2e sendrecv\r\n"
                 "a=x-unknown:keep me\r\n")
        o = ng.ask(command="offer", call_id="s", from_tag="f",
                   sdp=sdp("192.0.2.1", 4000, "RTP/AVP", extra))
        assert o[b"result"] == b"ok", o
        lines = sdp_lines(o[b"sdp"])
        assert sec_lines(lines) == [], lines
        for keep in ("a=curr:qos e2e none", "a=des:qos optional e2e sendrecv",
                     "a=x-unknown:keep me"):
            assert keep in lines, (keep, lines)
        a = ng.ask(command="answer", call_id="s", from_tag="f", to_tag="t",
                   sdp=sdp("192.0.2.2", 5000, "RTP/AVP",
                           "a=curr:sec e2e sendrecv\r\na=conf:sec e2e recv\r\n"))
        assert a[b"result"] == b"ok", a
        # What the caller gets is our status of its own (plain) leg: an
        # optional precondition that is never met, and nothing of the
        # callee's lines.
        got = sec_lines(sdp_lines(a[b"sdp"]))
        assert "a=conf:sec e2e recv" not in got and \
            "a=curr:sec e2e sendrecv" not in got, got
        assert "a=curr:sec e2e none" in got, got
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("sec preconditions: not relayed to the other leg; qos and unknown "
          "lines kept")


def events_from_dataplane():
    """The dataplane tells the control plane, unasked, of bursts of refused
    packets and of SRTP keys at the end of their lifetime, and the control
    plane says which call and party: the offerer's key has an SDES
    lifetime of 2^5 packets; 20 packets under a wrong key make an
    authentication-failure burst (a look may fall inside the 20: a burst
    is 16 or more); then 40 SRTP packets under the right key (libsrtp2)
    make a soft expiry at 90 % and a hard one; 20 from a port the strict
    answerer did not give make an unknown-source burst."""
    net = Netns()
    rig = None
    try:
        rig = netns_rig(net, "events", ["--strict-source"])
        _, _, pa, pb, _, _ = mux_call(rig, "ev", "|2^5")
        from scapy.all import wrpcap
        with tempfile.TemporaryDirectory() as tmp:
            wrpcap(f"{tmp}/w.pcap", rtp_frames(net, "192.0.2.1", 4000, pa, 20, 0xa2))
            srtp_pcap("protect", b64(bytes(30)), f"{tmp}/w.pcap", f"{tmp}/ws.pcap")
            net.io(f"{tmp}/ws.pcap", f"{tmp}/o2.pcap", MEDIA, 1, 1)
            rig.ctl.wait_line(r"event: .*\(call ev, from party ft1\): (1[6-9]|20) "
                              r"authentication failures", 10)
            wrpcap(f"{tmp}/p.pcap", rtp_frames(net, "192.0.2.1", 4000, pa, 40, 0xa1))
            srtp_pcap("protect", KEY_A, f"{tmp}/p.pcap", f"{tmp}/s.pcap")
            got = net.io(f"{tmp}/s.pcap", f"{tmp}/o.pcap", MEDIA, 3, 32)
            assert got == 32, f"{got} of the key's 32 packets got through"
            rig.ctl.wait_line(r"event: flow \d+ \(call ev, from party ft1\): "
                              r"\d+ SRTP key soft expiry", 10)
            rig.ctl.wait_line(r"event: flow \d+ \(call ev, from party ft1\): "
                              r"\d+ SRTP key hard expiry", 10)
            wrpcap(f"{tmp}/x.pcap", rtp_frames(net, "192.0.2.2", 5999, pb, 20, 0xb2))
            net.io(f"{tmp}/x.pcap", f"{tmp}/o3.pcap", MEDIA, 1, 1)
            rig.ctl.wait_line(r"event: .*\(call ev, from party tt1\): (1[6-9]|20) "
                              r"packets from an unknown source", 10)
        ev = rig.stats()[b"events"]
        assert ev[b"soft-expiry"] == 1 and ev[b"hard-expiry"] == 1 and \
            ev[b"auth-burst"] == 1 and ev[b"source-burst"] == 1, ev
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    print("events: soft and hard expiry, authentication and source bursts, "
          "each named with its call and party")


def stalled_dataplane_times_out():
    """A dataplane that lives but does not answer (SIGSTOP): an answer gets
    an error reply once --ack-timeout passes, nothing hangs, and when the
    dataplane runs again (SIGCONT) the next call goes through; the call
    that timed out is installed too (it stays answered, and a dataplane
    seen again under the same epoch is brought in line)."""
    rig = Rig("stall", ctl_extra=["--ack-timeout", "300"])
    try:
        o = rig.ng.ask(command="offer", call_id="st", from_tag="ft1", sdp=OFFER_SAVP,
                       transport_protocol="RTP/AVP")
        assert o[b"result"] == b"ok", o
        rig.dp.p.send_signal(signal.SIGSTOP)
        t0 = time.monotonic()
        a = rig.ng.ask(command="answer", call_id="st", from_tag="ft1", to_tag="tt1",
                       sdp=ANSWER_AVP)
        took = time.monotonic() - t0
        assert a[b"result"] == b"error" and b"timed out" in a[b"error-reason"], a
        assert took < 3, took
        rig.dp.p.send_signal(signal.SIGCONT)
        rig.ctl.wait_line(r"dataplane attached|calls kept|replayed", 10)
        offer_answer(rig.ng, call="st2", transport_protocol="RTP/AVP")
        q = rig.ng.ask(command="query", call_id="st")
        assert q[b"result"] == b"ok", q
        # Both calls whole in the dataplane, the stalled one resynced.
        rig.dp.signal()
        assert rig.dp.wait(30) == 0
        assert len(mgproc.flow_stats(rig.dp.text())) == 8, rig.dp.text()
        assert "not resynced" not in rig.ctl.text(), rig.ctl.text()
        rig.dp = None
    finally:
        if rig.dp is not None:
            rig.dp.p.send_signal(signal.SIGCONT)
        assert rig.stop() == 0, rig.ctl.text()
    print(f"a stalled dataplane: error reply after {took:.1f} s, calls go on "
          "when it runs again")


def several_media_addresses():
    """With two --media-addr, each call takes all its ports on the address
    with the most free: the first call on one, the second on the other,
    the third back on the first; each call's SDP names its own address in
    c= both ways, and the flows are installed on it."""
    rig = Rig("addrs", ctl_extra=["--media-addr", "192.0.2.11"])
    try:
        seen = []
        for i in range(3):
            to_b, to_a = offer_answer(rig.ng, call=f"m{i}", transport_protocol="RTP/AVP")
            cb = [ln for ln in to_b if ln.startswith("c=")]
            ca = [ln for ln in to_a if ln.startswith("c=")]
            assert cb == ca and len(set(cb)) == 1, (to_b, to_a)
            seen.append(cb[0])
        assert seen == ["c=IN IP4 192.0.2.10", "c=IN IP4 192.0.2.11",
                        "c=IN IP4 192.0.2.10"], seen
        assert rig.stats()[b"ring requests"] == 24
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("calls spread over two media addresses, each call on one")


def dataplane_restart_replays():
    """A dataplane killed with calls in place: the control plane sees the
    new one and installs every live call into it."""
    rig = Rig("replay")
    try:
        for i in range(50):
            offer_answer(rig.ng, call=f"r{i}", transport_protocol="RTP/AVP")
        rig.dp.kill()
        rig.dp.wait(10)
        rig.start_dp()
        rig.ctl.wait_line(r"replayed 50 calls into dataplane epoch", 20)
        assert rig.stats()[b"ring requests"] == 800
        q = rig.ng.ask(command="query", call_id="r7")
        assert q[b"result"] == b"ok", q
        rig.dp.signal()
        assert rig.dp.wait(30) == 0
        assert len(mgproc.flow_stats(rig.dp.text())) == 200, rig.dp.text()
        rig.dp = None
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("50 calls replayed into a restarted dataplane: 200 flows")


def control_restart_recovers():
    """A control plane killed with calls in place: the dataplane goes on
    forwarding; a new control plane maps the call table again, finds the
    same dataplane (sends nothing), answers for the calls and deletes them.
    Then with the dataplane also restarted meanwhile: the calls are
    replayed from the persisted table."""
    rig = Rig("ctlrst")
    try:
        for i in range(3):
            offer_answer(rig.ng, call=f"k{i}", transport_protocol="RTP/AVP")
        rig.ctl.kill()
        rig.ctl.wait(10)
        rig.ctl = mgproc.control(rig.ctl_args)
        rig.ctl.wait_line(r"call table .*: 3 calls recovered", 10)
        rig.ctl.wait_line(r"3 calls kept: the dataplane still has them", 20)
        assert rig.stats()[b"ring requests"] == 0
        assert sorted(rig.ng.ask(command="list")[b"calls"]) == [b"k0", b"k1", b"k2"]
        d = rig.ng.ask(command="delete", call_id="k1")
        assert d[b"result"] == b"ok", d
        assert rig.stats()[b"ring requests"] == 4
        # Both gone at once; the new pair has the two calls that are left.
        rig.ctl.kill()
        rig.dp.kill()
        rig.ctl.wait(10)
        rig.dp.wait(10)
        rig.ctl = mgproc.control(rig.ctl_args)
        rig.ctl.wait_line(r"2 calls recovered", 10)
        rig.start_dp()
        rig.ctl.wait_line(r"replayed 2 calls", 20)
        o = rig.ng.ask(command="offer", call_id="k0", from_tag="ft1", sdp=OFFER_SAVP,
                       transport_protocol="RTP/AVP")
        assert o[b"result"] == b"ok", o
        rig.dp.signal()
        assert rig.dp.wait(30) == 0
        assert len(mgproc.flow_stats(rig.dp.text())) == 8, rig.dp.text()
        rig.dp = None
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("control restart: calls kept with the same dataplane, replayed "
          "into a new one")


SIP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sip")


def sip_sdp(pkts, port, first_line, has=""):
    """The SDP of the first SIP message to `port` starting with first_line
    (and holding `has`)."""
    from scapy.all import UDP
    for p in pkts:
        if UDP in p and p[UDP].dport == port:
            msg = bytes(p[UDP].payload).decode(errors="replace")
            if msg.startswith(first_line) and has in msg:
                return sdp_lines(msg.split("\r\n\r\n", 1)[1].encode())
    raise AssertionError(f"no {first_line} to port {port}")


def kamailio_call(tag, uac_xml, uas_xml, answers, media):
    """A dataplane on a veth pair and a control plane, then sipp_call with
    media(pk, uacport, uasport, net, tmp); the statistics at the end."""
    net = Netns()
    rig = None
    try:
        rig = Rig(tag, ctl_extra=["--next-hop-mac", net.mac_b],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        with tempfile.TemporaryDirectory() as tmp:
            sipp_call(rig, net, tmp, uac_xml, uas_xml, answers,
                      lambda pk, a, b: media(pk, a, b, net, tmp))
        return rig.stats()
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()


def sipp_call(rig, net, tmp, uac_xml, uas_xml, answers, media):
    """Kamailio (Debian's, its rtpengine module pointed at mediagate)
    between a sipp caller running uac_xml and a sipp callee running
    uas_xml: once mediagate has seen `answers` answers, media(pk) runs with
    the SIP packets captured on lo; then both sipps must finish cleanly."""
    import subprocess as sp
    from scapy.all import AsyncSniffer
    kam = uas = uac = None
    base = 21000 + os.getpid() % 5000 * 4
    kport, uasport, uacport = base, base + 1, base + 2
    try:
        with open(os.path.join(SIP_DIR, "kamailio.cfg")) as f:
            cfg = f.read().replace("@KPORT@", str(kport)).replace(
                "@NGPORT@", str(rig.port)).replace("@UASPORT@", str(uasport))
        with open(f"{tmp}/kamailio.cfg", "w") as f:
            f.write(cfg)
        kam = mgproc.Proc(["kamailio", "-f", f"{tmp}/kamailio.cfg", "-DD", "-E",
                           "-m", "64", "-M", "8", "-Y", tmp, "-P", f"{tmp}/k.pid"])
        kam.wait_line(r"INFO: .*(rtpengine|main).*|ready|Listening on", 20)
        time.sleep(1)
        sn = AsyncSniffer(iface="lo", filter=f"udp and (port {uacport} or port {uasport})")
        sn.start()
        time.sleep(0.5)
        sipp = ["sipp", "-i", "127.0.0.1", "-mi", "127.0.0.1", "-m", "1",
                "-nostdin", "-trace_err", "-error_file", f"{tmp}/err.log"]
        uas = sp.Popen(sipp + ["-sf", os.path.join(SIP_DIR, uas_xml),
                               "-p", str(uasport), "-mp", str(base + 100)],
                       stdout=sp.PIPE, stderr=sp.STDOUT, cwd=tmp)
        uac = sp.Popen(sipp + ["-sf", os.path.join(SIP_DIR, uac_xml),
                               "-p", str(uacport), "-mp", str(base + 200),
                               "-d", "8000", "-s", "callee", f"127.0.0.1:{kport}"],
                       stdout=sp.PIPE, stderr=sp.STDOUT, cwd=tmp)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if rig.stats()[b"answers"] == answers:
                break
            time.sleep(0.1)
        assert rig.stats()[b"answers"] == answers, (kam.text(), rig.ctl.text())
        time.sleep(0.3)
        media(sn.stop(), uacport, uasport)
        out_a, _ = uac.communicate(timeout=30)
        out_b, _ = uas.communicate(timeout=30)
        errs = ""
        if os.path.exists(f"{tmp}/err.log"):
            with open(f"{tmp}/err.log", errors="replace") as f:
                errs = f.read()[-2000:]
        assert uac.returncode == 0, out_a.decode(errors="replace")[-3000:] + errs
        assert uas.returncode == 0, out_b.decode(errors="replace")[-3000:] + errs
    finally:
        for p in (uac, uas):
            if p is not None and p.poll() is None:
                p.kill()
        if kam is not None:
            kam.signal()
            kam.wait(10)


def kamailio_sipp_call():
    """Kamailio (Debian's, its rtpengine module pointed at mediagate) proxies
    a call between two sipp instances: the caller offers RTP/SAVP, the
    callee answers RTP/AVP. The call completes; media made by libsrtp2 on
    the caller's side comes out plain to the callee, the callee's plain
    RTP comes out as SRTP that libsrtp2 opens with the key the caller got
    in the 200 OK; the BYE deletes the call."""
    def media(pk, uacport, uasport, net, tmp):
        to_b = sip_sdp(pk, uasport, "INVITE ")
        to_a = sip_sdp(pk, uacport, "SIP/2.0 200")
        assert m_line(to_b)[2] == "RTP/AVP" and m_line(to_a)[2] == "RTP/SAVP"
        both_ways(net, tmp, to_a, to_b)

    st = kamailio_call("kam", "uac_savp.xml", "uas_avp.xml", 1, media)
    assert st[b"deletes"] == 1 and st[b"current sessions"] == 0, st
    print("Kamailio + sipp: SAVP caller, AVP callee; media both ways through "
          "mediagate checked with libsrtp2; BYE deleted the call")


def both_ways(net, tmp, to_a, to_b):
    """libsrtp2 media from the caller (192.0.2.1:4000, KEY_A) to our port in
    to_a comes out plain to the callee, and the callee's plain RTP to our
    port in to_b comes out as SRTP opened with our key in to_a."""
    pb, pa = m_line(to_b)[1], m_line(to_a)[1]
    (tag, suite, key), = crypto_lines(to_a)
    send_check(net, tmp, "a", rtp_frames(net, "192.0.2.1", 4000, pa, 30, 0xa1, 10),
               KEY_A, None, MEDIA)
    send_check(net, tmp, "b", rtp_frames(net, "192.0.2.2", 5000, pb, 30, 0xb2, 10),
               None, b64(key), MEDIA)


def kamailio_sipp_sec_preconditions():
    """RFC 5027 section 4.1 through a real SIP server: a sipp caller with
    an SDES key and a mandatory sec precondition, Kamailio relaying INVITE,
    183 (100rel), PRACK, UPDATE and their answers through its rtpengine
    module to mediagate, a plain sipp callee. The 183 the caller gets says
    its leg's recv is current and asks to confirm sendrecv; the callee's
    INVITE carries no sec line (the precondition ends at our leg); the 200
    to the UPDATE says sendrecv is current, after which the callee answers
    the INVITE. Media both ways with libsrtp2; the BYE deletes the call."""
    def media(pk, uacport, uasport, net, tmp):
        to_b = sip_sdp(pk, uasport, "INVITE ")
        ringing = sip_sdp(pk, uacport, "SIP/2.0 183")
        to_a = sip_sdp(pk, uacport, "SIP/2.0 200", "CSeq: 3 UPDATE")
        assert not [ln for ln in to_b if ":sec " in ln], to_b
        assert "a=curr:sec e2e recv" in ringing, ringing
        assert "a=des:sec mandatory e2e sendrecv" in ringing, ringing
        assert "a=conf:sec e2e sendrecv" in ringing, ringing
        assert "a=curr:sec e2e sendrecv" in to_a, to_a
        assert not [ln for ln in to_a if ln.startswith("a=conf:")], to_a
        assert crypto_lines(ringing) == crypto_lines(to_a), "the key changed"
        both_ways(net, tmp, to_a, to_b)

    st = kamailio_call("kamprec", "uac_sec_prec.xml", "uas_prec.xml", 2, media)
    assert st[b"offers"] == 2 and st[b"deletes"] == 1, st
    assert st[b"current sessions"] == 0, st
    print("Kamailio + sipp, RFC 5027 4.1: INVITE/183/PRACK/UPDATE/200 relayed; "
          "recv current with sendrecv to confirm in the 183, sendrecv current "
          "after the UPDATE; media both ways; BYE deleted the call")


def shape(reply, addr):
    """What both engines must agree on in an offer or answer reply."""
    lines = sdp_lines(reply[b"sdp"])
    kind, port, proto, fmts = m_line(lines)
    assert f"c=IN IP4 {addr}" in lines, lines
    return {"result": reply[b"result"], "proto": proto, "fmts": fmts,
            "port_rewritten": port not in (49170, 6000),
            "suites": sorted({c[1] for c in crypto_lines(lines)}),
            "crypto_count": len(crypto_lines(lines)),
            "ice": any(ln.startswith("a=candidate") for ln in lines)}


def rtpengine_same_shapes():
    """The same offers and answers to rtpengine-daemon (Debian, userspace,
    --table=-1) and to mediagate: replies of the same shape (result, m= and
    c= rewritten to each engine's address, the same transport, a=crypto
    lines that parse for suites each engine names, ICE removed when asked),
    and query/list/delete replies with the same keys."""
    rig = Rig("rtpe")
    rport = rig.port + 1
    rtpe = mgproc.Proc(["rtpengine", "--table=-1", "--interface=127.0.0.1",
                        f"--listen-ng=127.0.0.1:{rport}", "--foreground",
                        "--log-stderr", "--port-min=40000", "--port-max=40999",
                        "--log-level=6", "--delete-delay=0"])
    try:
        rtpe.wait_line(r"[Ss]tartup complete|version", 15)
        time.sleep(0.5)
        engines = {"mediagate": (rig.ng, MEDIA), "rtpengine": (Client(rport), "127.0.0.1")}
        cases = [
            dict(transport_protocol="RTP/AVP", ICE="remove"),
            dict(transport_protocol="RTP/SAVP", ICE="remove",
                 SDES=["no-AES_CM_128_HMAC_SHA1_32"]),
            dict(ICE="remove", replace=["origin", "session-connection"]),
        ]
        for i, kw in enumerate(cases):
            got = {}
            for name, (ng, addr) in engines.items():
                o = ng.ask(command="offer", call_id=f"s{i}", from_tag="ft1",
                           sdp=OFFER_SAVP, **kw)
                ans = ANSWER_AVP
                if m_line(sdp_lines(o[b"sdp"]))[2] == "RTP/SAVP":
                    tag, suite, _ = crypto_lines(sdp_lines(o[b"sdp"]))[0]
                    key = b64(bytes(KEY_BYTES[suite]))
                    ans = ANSWER_AVP.replace("RTP/AVP", "RTP/SAVP") + \
                        f"a=crypto:{tag} {suite} inline:{key}\r\n"
                a = ng.ask(command="answer", call_id=f"s{i}", from_tag="ft1",
                           to_tag="tt1", sdp=ans)
                q = ng.ask(command="query", call_id=f"s{i}")
                lst = ng.ask(command="list")
                d = ng.ask(command="delete", call_id=f"s{i}", from_tag="ft1")
                got[name] = (shape(o, addr), shape(a, addr),
                             {b"result", b"created", b"tags", b"totals"} <= set(q),
                             q[b"result"], f"s{i}".encode() in lst[b"calls"],
                             d[b"result"])
                if name == "mediagate":
                    # We may offer more suites than rtpengine; the ones it
                    # names must all be ones we can.
                    ours = set(got[name][0]["suites"])
            mg, re_ = got["mediagate"], got["rtpengine"]
            # rtpengine answers with the offerer's first a=crypto line;
            # we take the strongest (here the _80 one, offered second).
            a_mg, a_re = dict(mg[1]), dict(re_[1])
            assert a_mg.pop("suites") in ([], ["AES_CM_128_HMAC_SHA1_80"]), mg[1]
            a_re.pop("suites")
            assert a_mg == a_re, (kw, mg[1], re_[1])
            assert mg[2:] == re_[2:], (kw, mg, re_)
            o_mg, o_re = dict(mg[0]), dict(re_[0])
            # rtpengine offers 32-bit tags too; our policy does not.
            assert set(o_re["suites"]) - {"F8_128_HMAC_SHA1_80", "F8_128_HMAC_SHA1_32",
                                          "NULL_HMAC_SHA1_80", "NULL_HMAC_SHA1_32",
                                          "AES_CM_128_HMAC_SHA1_32",
                                          "AES_192_CM_HMAC_SHA1_32",
                                          "AES_256_CM_HMAC_SHA1_32"} <= ours \
                or not o_re["suites"], (o_mg, o_re)
            for k in ("suites", "crypto_count"):
                o_mg.pop(k)
                o_re.pop(k)
            assert o_mg == o_re, (kw, o_mg, o_re)
            print(f"case {i}: offer {mg[0]['proto']} {mg[0]['crypto_count']} "
                  f"crypto (rtpengine {re_[0]['crypto_count']}), answer {mg[1]['proto']}")
    finally:
        rtpe.signal()
        rtpe.wait(10)
        assert rig.stop() == 0, rig.ctl.text()
    print("mediagate and rtpengine-daemon answer the same ng requests alike")


README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "README.md")

PEER_IO = r"""
import socket, sys, time
pa, pb, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("192.0.2.1", 4000))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("192.0.2.2", 5000))
b.settimeout(5); a.settimeout(5)
got_b = got_a = 0
for i in range(n):
    pkt = bytes([0x80, 0, 0, i]) + bytes(8) + bytes([i]) * 160
    a.sendto(pkt, ("192.0.2.10", pa))
    if b.recvfrom(2000)[0] == pkt: got_b += 1
    b.sendto(pkt, ("192.0.2.10", pb))
    if a.recvfrom(2000)[0] == pkt: got_a += 1
print(got_b, got_a)
"""


def readme_af_packet_lines():
    """The two command lines the README gives for a Linux interface, run
    as written (interface, router MAC and segment name put in) on a veth
    pair: the far side's kernel finds the media address by ARP (answered by
    the dataplane), and a call set up over ng carries its plain RTP both
    ways between two ordinary UDP sockets."""
    import shlex
    net = Netns()
    text = open(README).read()
    block = text.split("readme_af_packet_lines runs these two lines -->", 1)[1]
    block = block.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [ln.rstrip(" &") for ln in block.strip().split("\n")]
    assert len(lines) == 2, lines
    shm = "/" + mgproc.unique("readme")
    port = 20000 + os.getpid() % 20000
    argv = []
    for ln in lines:
        ln = ln.replace("eth1", net.va).replace("52:54:00:12:34:56", net.mac_b)
        ln = ln.replace("127.0.0.1:2223", f"127.0.0.1:{port}")
        ln = ln.replace("build/control/mediagate-control", mgproc.CONTROL)
        ln = ln.replace("build/dataplane/mediagate-dataplane", mgproc.DATAPLANE)
        a = shlex.split(ln)
        if "--" in a:
            a[a.index("--"):a.index("--") + 1] = ["--file-prefix", mgproc.unique("rd"),
                                                  "--", "--shm", shm]
        else:
            a += ["--shm", shm, "--remove-on-exit"]
        argv.append(a)
    ctl = mgproc.Proc(argv[0])
    dp = None
    try:
        ctl.wait_line(r"ng protocol on udp", 10)
        dp = mgproc.Proc(argv[1])
        ctl.wait_line(r"dataplane attached", 20)
        ng = Client(port)
        o = ng.ask(command="offer", call_id="rd", from_tag="a",
                   sdp=sdp("192.0.2.1", 4000, "RTP/AVP"))
        a = ng.ask(command="answer", call_id="rd", from_tag="a", to_tag="b",
                   sdp=sdp("192.0.2.2", 5000, "RTP/AVP"))
        assert o[b"result"] == b"ok" and a[b"result"] == b"ok", (o, a)
        pb, pa = m_line(sdp_lines(o[b"sdp"]))[1], m_line(sdp_lines(a[b"sdp"]))[1]
        r = subprocess.run(["ip", "netns", "exec", net.ns, "/usr/bin/python3", "-c",
                            PEER_IO, str(pa), str(pb), "20"],
                           capture_output=True, text=True, timeout=120)
        assert r.stdout.split() == ["20", "20"], (r.stdout, r.stderr)
        neigh = subprocess.run(["ip", "netns", "exec", net.ns, "ip", "neigh", "show",
                                "192.0.2.10"], capture_output=True, text=True).stdout
        assert net.mac_a in neigh, neigh
        dp.signal()
        assert dp.wait(30) == 0, dp.text()
        m = re.search(r"arp_replies=(\d+)", dp.text())
        assert m and int(m.group(1)) >= 1, dp.text()
    finally:
        if dp is not None and dp.p.poll() is None:
            dp.kill()
        ctl.signal()
        ctl.wait(20)
        mgproc.shm_cleanup(shm)
        if os.path.exists(f"/dev/shm{shm}.calls"):
            os.unlink(f"/dev/shm{shm}.calls")
        net.close()
    print("README's af_packet lines: ARP answered, RTP both ways between "
          "kernel sockets through a call set up over ng")


def readme_demo_call():
    """README command 1's call (scripts/demo_call.py) on this build: it
    checks its own media with libsrtp2 and exits 0 only if both parties
    got what the other sent."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(mgproc.CONTROL)))
    script = os.path.join(os.path.dirname(README), "scripts", "demo_call.py")
    r = subprocess.run(["/usr/bin/python3", script, build, "3"], capture_output=True,
                       text=True, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert out.count(": yes") == 2 and "inline:<key>" in out, out[-4000:]
    assert not re.search(r"inline:[A-Za-z0-9+/]{20}", out), "a key was printed"
    print("the demo's call: both parties got the other's media")


CASES = {f.__name__: f for f in (sdes_to_plain_shapes, kamailio_sipp_call,
                                  kamailio_sipp_sec_preconditions,
                                  readme_demo_call,
                                  readme_af_packet_lines,
                                  rtpengine_same_shapes, media_both_ways,
                                  srtp_both_legs, reinvite_keeps_rollover,
                                  rekey_drains_old_key, answers_pipelined,
                                  malformed_requests, dataplane_restart_replays,
                                  several_media_addresses, events_from_dataplane,
                                  stalled_dataplane_times_out,
                                  reinvite_moves_make_before_break,
                                  ng_flags_honoured_or_ignored, fuzzed_requests,
                                  control_restart_recovers,
                                  sec_lines_not_relayed,
                                  weak_offers_refused_by_policy,
                                  sec_preconditions_call_flow,
                                  sec_preconditions_slow_dataplane)}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_calls.py CASE\ncases: " + " ".join(sorted(CASES)))
        sys.exit(2)
    CASES[sys.argv[1]]()
    print(f"ok {sys.argv[1]}")
