# SPDX-License-Identifier: BSD-3-Clause
"""Self-test of srtp_pcap, the libsrtp2 oracle of the end-to-end tests.

For three variants (AES_CM_128_HMAC_SHA1_80 over IPv4 with some IP options,
AEAD_AES_128_GCM over IPv4, AES_CM_128_HMAC_SHA1_80 over VLAN-tagged IPv6):
a scapy pcap of 50 RTP, 5 RTCP SR and 5 packets to another port is protected
then unprotected. Checked: the round trip gives back every frame byte for
byte, with its timestamp; protected payloads differ from the plain ones and
grow by the SRTP/SRTCP trailer; RTP headers stay in clear; packets to the
other port pass unchanged; IP and UDP lengths and checksums of every output
packet are right; a tampered packet is refused (exit 1, F=1, its index on
stderr; exit 0 with --allow-fail); a replayed packet is refused; bad keys
and arguments are usage errors (exit 2).

Usage: srtp_pcap_selftest.py PATH/TO/srtp_pcap
"""
import base64
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (IP, UDP, Dot1Q, Ether,  # noqa: E402
                       IPv6, Raw, rdpcap, wrpcap)
from scapy.layers.inet import IPOption_Router_Alert  # noqa: E402

TOOL = None
PORT = 5004
OTHER_PORT = 6000
SUMMARY = re.compile(r"^srtp_pcap: (\d+) packets, (\d+) processed, "
                     r"(\d+) refused, (\d+) copied$", re.M)

# suite -> (key length, RTP growth, RTCP growth)
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": (30, 10, 4 + 10),
    "AEAD_AES_128_GCM": (28, 16, 4 + 16),
}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(*args):
    return subprocess.run([TOOL] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=30)


def summary(res):
    m = SUMMARY.search(res.stdout)
    check(m is not None, "no summary line in %r" % res.stdout)
    return tuple(int(x) for x in m.groups())


def make_packets(rng, v6):
    """50 RTP + 5 RTCP SR to PORT, 5 other UDP to OTHER_PORT, mixed."""
    if v6:
        def l3(i):
            return (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
                    / Dot1Q(vlan=100)
                    / IPv6(src="2001:db8::1", dst="2001:db8::2"))
    else:
        def l3(i):
            opts = [IPOption_Router_Alert()] if i % 10 == 7 else []
            return (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
                    / IP(src="192.0.2.1", dst="192.0.2.2", options=opts))
    ssrc = rng.getrandbits(32)
    seq = rng.getrandbits(16)
    ts = rng.getrandbits(32)
    pkts, kinds = [], []
    nrtp = nrtcp = nother = 0
    i = 0
    while nrtp + nrtcp + nother < 60:
        if i % 11 == 5 and nrtcp < 5:
            kind = "rtcp"
            nrtcp += 1
            pl = struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc,
                             rng.getrandbits(32), rng.getrandbits(32),
                             ts, nrtp, nrtp * 160)
            dport = PORT
        elif i % 11 == 9 and nother < 5:
            kind = "other"
            nother += 1
            pl = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 80)))
            dport = OTHER_PORT
        elif nrtp < 50:
            kind = "rtp"
            nrtp += 1
            pl = struct.pack("!BBHII", 0x80, 0, (seq + nrtp) & 0xffff,
                             (ts + 160 * nrtp) & 0xffffffff, ssrc)
            pl += bytes(rng.getrandbits(8)
                        for _ in range(rng.randint(1, 300)))
            dport = PORT
        else:
            i += 1
            continue
        p = l3(i) / UDP(sport=4000, dport=dport) / Raw(pl)
        p = Ether(bytes(p))  # freeze lengths and checksums
        p.time = 1700000000 + i / 50.0
        pkts.append(p)
        kinds.append(kind)
        i += 1
    check(nrtp == 50 and nrtcp == 5 and nother == 5, "packet mix")
    return pkts, kinds


def udp_payload(p):
    return bytes(p[UDP].payload)


def check_headers(path, v6):
    """Lengths and checksums of every packet are what scapy recomputes."""
    for n, p in enumerate(rdpcap(path), 1):
        raw = bytes(p)
        e = Ether(raw)
        u = e[UDP]
        check(u.len == 8 + len(bytes(u.payload)),
              "%s #%d: UDP length %d" % (path, n, u.len))
        check(u.chksum != 0, "%s #%d: UDP checksum 0" % (path, n))
        ip = e[IPv6] if v6 else e[IP]
        if v6:
            check(ip.plen == len(bytes(ip.payload)),
                  "%s #%d: IPv6 payload length" % (path, n))
        else:
            check(ip.len == len(bytes(ip)),
                  "%s #%d: IPv4 total length" % (path, n))
            c = e.copy()
            del c[IP].chksum
            want = Ether(bytes(c))[IP].chksum
            check(ip.chksum == want, "%s #%d: IPv4 checksum %#x, want %#x"
                  % (path, n, ip.chksum, want))
        c = e.copy()
        del c[UDP].chksum
        want = Ether(bytes(c))[UDP].chksum
        check(u.chksum == want, "%s #%d: UDP checksum %#x, want %#x"
              % (path, n, u.chksum, want))


def round_trip(tmp, rng, suite, v6, tamper_kind):
    name = "%s-%s" % (suite, "v6" if v6 else "v4")
    key_len, rtp_grow, rtcp_grow = SUITES[suite]
    key = base64.b64encode(bytes(rng.getrandbits(8)
                                 for _ in range(key_len))).decode()
    plain, kinds = make_packets(rng, v6)
    f_plain = os.path.join(tmp, name + "-plain.pcap")
    f_prot = os.path.join(tmp, name + "-prot.pcap")
    f_back = os.path.join(tmp, name + "-back.pcap")
    wrpcap(f_plain, plain)
    common = ["--suite", suite, "--key", key, "--port", PORT]

    res = run("protect", *common, "--in", f_plain, "--out", f_prot)
    check(res.returncode == 0, "%s protect: exit %d: %s"
          % (name, res.returncode, res.stderr))
    check(summary(res) == (60, 55, 0, 5), "%s protect: %s"
          % (name, res.stdout))
    prot = rdpcap(f_prot)
    check(len(prot) == 60, "%s: %d protected packets" % (name, len(prot)))
    for n, (a, b, kind) in enumerate(zip(plain, prot, kinds), 1):
        check(abs(float(a.time) - float(b.time)) < 1e-6,
              "%s #%d: timestamp changed" % (name, n))
        pa, pb = udp_payload(a), udp_payload(b)
        if kind == "other":
            check(bytes(a) == bytes(b), "%s #%d: other port changed"
                  % (name, n))
            continue
        grow, hdr = (rtp_grow, 12) if kind == "rtp" else (rtcp_grow, 8)
        check(len(pb) == len(pa) + grow, "%s #%d %s: %d -> %d bytes"
              % (name, n, kind, len(pa), len(pb)))
        check(pb[:hdr] == pa[:hdr], "%s #%d %s: header changed"
              % (name, n, kind))
        check(pb[hdr:len(pa)] != pa[hdr:], "%s #%d %s: not encrypted"
              % (name, n, kind))
        check(b[UDP].dport == PORT and b[UDP].sport == 4000,
              "%s #%d: ports changed" % (name, n))
    check_headers(f_prot, v6)

    res = run("unprotect", *common, "--in", f_prot, "--out", f_back)
    check(res.returncode == 0, "%s unprotect: exit %d: %s"
          % (name, res.returncode, res.stderr))
    check(summary(res) == (60, 55, 0, 5), "%s unprotect: %s"
          % (name, res.stdout))
    back = rdpcap(f_back)
    check(len(back) == 60, "%s: %d unprotected packets" % (name, len(back)))
    for n, (a, b) in enumerate(zip(plain, back), 1):
        check(udp_payload(a) == udp_payload(b), "%s #%d: payload differs"
              % (name, n))
        check(bytes(a) == bytes(b), "%s #%d: frame differs" % (name, n))
        check(abs(float(a.time) - float(b.time)) < 1e-6,
              "%s #%d: timestamp changed" % (name, n))
    check_headers(f_back, v6)

    # Without --port, packets to the other port are not SRTP: refused.
    res = run("unprotect", "--suite", suite, "--key", key,
              "--in", f_prot, "--out", f_back)
    check(res.returncode == 1 and summary(res) == (60, 55, 5, 0),
          "%s unprotect without --port: exit %d %s"
          % (name, res.returncode, res.stdout))

    # A tampered packet is refused with auth_fail (7), and only it.
    idx = [i for i, k in enumerate(kinds) if k == tamper_kind][3]
    bad = list(prot)
    raw = bytearray(bytes(bad[idx]))
    raw[-20] ^= 0x01  # in the encrypted payload or the tag
    t = Ether(bytes(raw))
    t.time = bad[idx].time
    bad[idx] = t
    f_bad = os.path.join(tmp, name + "-bad.pcap")
    f_out = os.path.join(tmp, name + "-bad-out.pcap")
    wrpcap(f_bad, bad)
    res = run("unprotect", *common, "--in", f_bad, "--out", f_out)
    check(res.returncode == 1, "%s tampered: exit %d, want 1"
          % (name, res.returncode))
    check(summary(res) == (60, 54, 1, 5), "%s tampered: %s"
          % (name, res.stdout))
    check(re.search(r"packet %d: srtp_unprotect%s refused: error 7 "
                    r"\(auth_fail\)" % (idx + 1, "_rtcp"
                                        if tamper_kind == "rtcp" else ""),
                    res.stderr), "%s tampered: stderr %r"
          % (name, res.stderr))
    check(len(rdpcap(f_out)) == 59, "%s tampered: refused packet written"
          % name)
    res = run("unprotect", *common, "--allow-fail", "--in", f_bad,
              "--out", f_out)
    check(res.returncode == 0 and summary(res) == (60, 54, 1, 5),
          "%s tampered --allow-fail: exit %d %s"
          % (name, res.returncode, res.stdout))
    return prot, kinds, key


def replay_and_usage(tmp, prot, kinds, key):
    suite = "AES_CM_128_HMAC_SHA1_80"
    common = ["--suite", suite, "--key", key, "--port", PORT]
    # Replaying an SRTP packet is refused (replay_fail, 9).
    idx = kinds.index("rtp")
    f_rep = os.path.join(tmp, "replay.pcap")
    f_out = os.path.join(tmp, "replay-out.pcap")
    wrpcap(f_rep, [prot[idx], prot[idx]])
    res = run("unprotect", *common, "--in", f_rep, "--out", f_out)
    check(res.returncode == 1 and summary(res) == (2, 1, 1, 0)
          and "packet 2: srtp_unprotect refused: error 9" in res.stderr,
          "replay: exit %d %s %s" % (res.returncode, res.stdout, res.stderr))

    f_in = os.path.join(tmp, "replay.pcap")
    bad_args = [
        [],
        ["frobnicate", *common, "--in", f_in, "--out", f_out],
        ["protect", "--suite", "NOPE", "--key", key, "--in", f_in,
         "--out", f_out],
        ["protect", "--suite", suite, "--key", key[:-4], "--in", f_in,
         "--out", f_out],  # 27 bytes
        ["protect", "--suite", "AEAD_AES_128_GCM", "--key", key,
         "--in", f_in, "--out", f_out],  # 30 bytes, GCM wants 28
        ["protect", "--suite", suite, "--key", key[:10] + "*" + key[11:],
         "--in", f_in, "--out", f_out],
        ["protect", "--suite", suite, "--key", "inline:" + key,
         "--in", f_in, "--out", f_out],
        ["protect", "--suite", suite, "--key", key, "--in", f_in],
        ["protect", *common, "--window", "10", "--in", f_in,
         "--out", f_out],
        ["protect", *common, "--port", "70000", "--in", f_in,
         "--out", f_out],
        ["protect", *common, "--in", os.path.join(tmp, "missing.pcap"),
         "--out", f_out],
    ]
    for a in bad_args:
        res = run(*a)
        check(res.returncode == 2 and res.stderr.strip(),
              "usage error %r: exit %d, stderr %r"
              % (a, res.returncode, res.stderr))


def main():
    global TOOL
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    TOOL = os.path.abspath(sys.argv[1])
    rng = random.Random(20240607)
    with tempfile.TemporaryDirectory(prefix="srtp_pcap_") as tmp:
        prot, kinds, key = round_trip(tmp, rng, "AES_CM_128_HMAC_SHA1_80",
                                      False, "rtp")
        round_trip(tmp, rng, "AEAD_AES_128_GCM", False, "rtcp")
        round_trip(tmp, rng, "AES_CM_128_HMAC_SHA1_80", True, "rtp")
        replay_and_usage(tmp, prot, kinds, key)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
