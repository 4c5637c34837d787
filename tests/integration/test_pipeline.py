# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end tests of the media pipeline: mediagate-control installs SRTP
contexts and flows from a flows file, mediagate-dataplane (--media
--hold-rx) reads a pcap made by scapy on a net_pcap port and writes what it
sends to another pcap. SRTP going in is made, and SRTP coming out is
checked, by srtp_pcap, the libsrtp2 oracle (tests/tools/srtp_pcap.c), so
the dataplane's SRTP engine is never checked against itself.

Cases: srtp_to_rtp_several_calls, rtp_to_srtp_and_back, srtp_to_srtp_rekey,
hostile_mix, latching, refused_objects, libsrtp2_engine.

Usage: test_pipeline.py CASE   (meson registers one test per case)
       test_pipeline.py        (every case, one after the other)
"""
import base64
import os
import random
import re
import signal
import struct
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgproc  # noqa: E402

import logging  # noqa: E402
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (ARP, ICMP, IP, UDP, Ether, IPv6, Raw,  # noqa: E402
                       rdpcap, wrpcap)
from scapy.error import Scapy_Exception  # noqa: E402

SRTP_PCAP = os.environ.get("MG_SRTP_PCAP", "build/tests/tools/srtp_pcap")

# Addresses of the tests: the relay's own, senders, receivers.
LOCAL = "203.0.113.1"
IN_SMAC, IN_DMAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
OUT_SMAC, OUT_DMAC = "02:00:00:00:0a:01", "02:00:00:00:0b:01"

# suite -> (master key || salt length, RTP tag length, RTCP tag length)
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": (30, 10, 10),
    "AES_CM_128_HMAC_SHA1_32": (30, 4, 10),
    "AES_256_CM_HMAC_SHA1_80": (46, 10, 10),
    "AES_256_CM_HMAC_SHA1_32": (46, 4, 10),
    "AEAD_AES_128_GCM": (28, 16, 16),
    "AEAD_AES_256_GCM": (44, 16, 16),
}

SUMMARY = re.compile(r"^srtp_pcap: (\d+) packets, (\d+) processed, "
                     r"(\d+) refused, (\d+) copied$", re.M)


def new_tmpdir():
    return mgproc.new_tmpdir("mgit-pipe-")


# ---------------------------------------------------------------- packets

def new_key(rng, suite):
    return base64.b64encode(rng.randbytes(SUITES[suite][0])).decode()


def rtp(ssrc, seq, ts, payload, pt=0, marker=0):
    return struct.pack("!BBHII", 0x80, (marker << 7) | pt, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, ssrc) + payload


def rtcp_sr(ssrc, n):
    """An RTCP sender report without report blocks (28 bytes)."""
    return struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, 0xE8000000 + n,
                       n * 1000, 160 * 30 * n, 30 * n, 30 * n * 160)


def call_payloads(rng, ssrc, seq0, n_rtp, n_rtcp):
    """[(key, plaintext payload)] of one call in send order: n_rtp RTP
    packets of 172 bytes (G.711 20 ms) from seq0 on (wrapping at 65535),
    with n_rtcp sender reports spread among them (rtcp-mux)."""
    out = []
    ts0 = rng.getrandbits(32)
    every = n_rtp // (n_rtcp + 1) if n_rtcp else n_rtp + 1
    r = 0
    for i in range(n_rtp):
        seq = (seq0 + i) & 0xFFFF
        out.append((("rtp", seq), rtp(ssrc, seq, ts0 + 160 * i, rng.randbytes(160),
                                      marker=int(i == 0))))
        if r < n_rtcp and (i + 1) % every == 0:
            r += 1
            out.append((("rtcp", r), rtcp_sr(ssrc, r)))
    return out


def udp_frame(payload, src, dst, tos=0):
    """Ethernet / IPv4 or IPv6 / UDP from src to dst, each (ip, port)."""
    l2 = Ether(src=IN_SMAC, dst=IN_DMAC)
    if ":" in src[0]:
        l3 = IPv6(src=src[0], dst=dst[0], tc=tos)
    else:
        l3 = IP(src=src[0], dst=dst[0], tos=tos)
    return l2 / l3 / UDP(sport=src[1], dport=dst[1]) / Raw(payload)


def payload_of(p):
    return bytes(p[UDP].payload)


def interleave(*lists):
    """Round robin over the lists, as calls' packets meet on a wire."""
    out, idx = [], [0] * len(lists)
    while any(idx[i] < len(lists[i]) for i in range(len(lists))):
        for i, lst in enumerate(lists):
            if idx[i] < len(lst):
                out.append(lst[idx[i]])
                idx[i] += 1
    return out


def is_rtcp(pl):
    return len(pl) >= 2 and 192 <= pl[1] <= 223


def rtp_seq(pl):
    return struct.unpack("!H", pl[2:4])[0]


def demux_class(pl):
    """RFC 7983 / RFC 5761 as the dataplane's parser reads a payload."""
    if not pl:
        return "other_udp"
    if 128 <= pl[0] <= 191:
        return "rtcp" if is_rtcp(pl) else "rtp"
    if pl[0] <= 3:
        return "stun"
    if 20 <= pl[0] <= 63:
        return "dtls"
    return "other_udp"


# ------------------------------------------------------------- the oracle

def srtp_pcap(mode, suite, key, inp, out, port=None, allow_fail=False):
    """Run the libsrtp2 oracle; (exit status, (N, P, F, C), output)."""
    argv = [SRTP_PCAP, mode, "--suite", suite, "--key", key, "--in", inp,
            "--out", out]
    if port is not None:
        argv += ["--port", str(port)]
    if allow_fail:
        argv.append("--allow-fail")
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    m = SUMMARY.search(r.stdout)
    assert m, f"{argv}: exit {r.returncode}, no summary:\n{r.stdout}{r.stderr}"
    return r.returncode, tuple(int(x) for x in m.groups()), r.stdout + r.stderr


def protect(suite, key, inp, out, port, expect):
    rc, s, text = srtp_pcap("protect", suite, key, inp, out, port)
    assert rc == 0 and s[1] == expect and s[2] == 0, \
        f"srtp_pcap protect port {port}: want {expect} processed:\n{text}"


# ------------------------------------------------------ running the pair

def read_pcap(path):
    """The packets of a pcap file; none if it is missing or empty (a
    dataplane that died early may leave just that)."""
    try:
        return list(rdpcap(path))
    except (OSError, Scapy_Exception):
        return []


class Run:
    """What one control + dataplane run left: output packets and lines."""

    def __init__(self, out, dp_text, ctl_text, dp_rc, ctl_rc):
        self.out, self.dp_text, self.ctl_text = out, dp_text, ctl_text
        self.dp_rc, self.ctl_rc = dp_rc, ctl_rc
        assert dp_rc == 0, f"dataplane exit {dp_rc}\n" + self.dump()
        self.pipe = pipe_stats(dp_text)
        self.flows = mgproc.flow_stats(dp_text)

    def flow(self, fid):
        assert fid in self.flows, f"no mg-flow id={fid} line:\n{self.dp_text}"
        return self.flows[fid]

    def dump(self):
        return ("--- dataplane:\n" + self.dp_text + "\n--- control:\n" +
                self.ctl_text)


def pipe_stats(text):
    m = re.search(r"^mg-pipe lcore=\d+ (.*)$", text, re.M)
    assert m, "no mg-pipe line:\n" + text
    return {k: int(v) for k, v in (f.split("=", 1) for f in m.group(1).split())}


def srtp_drops(fs):
    return {k: v for k, v in fs.items() if k.startswith("srtp_")}


# Dataplane options every run_pipeline takes (libsrtp2_engine sets it).
DP_EXTRA = []


def run_pipeline(tag, tmp, flows_text, in_pkts, expect_refused=0):
    """Install flows_text, start, feed in_pkts through one net_pcap port
    and collect what comes out. The dataplane is stopped (SIGTERM) once
    the control plane's pings report it has received every input packet,
    so a slow (ASan) build waits as long as it needs and a fast one no
    longer than that."""
    flows = f"{tmp}/{tag}.flows"
    with open(flows, "w") as f:
        f.write(flows_text)
    inp, out = f"{tmp}/{tag}_in.pcap", f"{tmp}/{tag}_out.pcap"
    wrpcap(inp, in_pkts)
    shm = "/" + mgproc.unique(tag)
    ctl = mgproc.control(["--shm", shm, "--flows", flows, "--start",
                          "--ping-interval", "50", "--duration", "120",
                          "--remove-on-exit"])
    dp = None
    try:
        ctl.wait_line("segment .* created")
        dp = mgproc.dataplane(
            mgproc.unique(tag),
            ["--shm", shm, "--media", "--hold-rx", "--duration", "60",
             "--stats-interval", "0", *DP_EXTRA],
            lcores="0", vdevs=[f"net_pcap0,rx_pcap={inp},tx_pcap={out}"])
        ctl.wait_line(r"installed \d+ srtp contexts and \d+ flows", timeout=60)
        ctl.wait_line("dataplane started", timeout=30)
        wait_received(ctl, dp, len(in_pkts), 30)
        dp.signal(signal.SIGTERM)
        dp_rc = dp.wait(60)
        ctl.signal(signal.SIGTERM)
        ctl_rc = ctl.wait(30)
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- dataplane:\n{dp.text() if dp else ''}") from None
    finally:
        for p in (dp, ctl):
            if p:
                p.kill()
        mgproc.shm_cleanup(shm)
    r = Run(read_pcap(out), dp.text(), ctl.text(), dp_rc, ctl_rc)
    assert dp_rc == 0 and ctl_rc == 0, f"exit dp={dp_rc} ctl={ctl_rc}\n" + r.dump()
    m = re.search(r"installed (\d+) srtp contexts and (\d+) flows from .* "
                  r"\((\d+) refused\)", r.ctl_text)
    assert m and int(m.group(3)) == expect_refused, \
        f"want {expect_refused} refused:\n" + r.dump()
    assert r.pipe["rx_pkts"] == len(in_pkts), \
        f"{r.pipe['rx_pkts']} of {len(in_pkts)} packets received\n" + r.dump()
    if "libsrtp2" in DP_EXTRA:
        assert "SRTP by libsrtp2" in r.dp_text, r.dump()
    return r


def wait_received(ctl, dp, want, timeout):
    """Until a ping ack says the dataplane has received `want` packets (or
    either process ended, or timeout: the counters and exit statuses
    checked afterwards say what went wrong)."""
    deadline = time.monotonic() + timeout
    while (time.monotonic() < deadline and ctl.p.poll() is None and
           dp.p.poll() is None):
        with ctl.cv:
            rx = [int(m.group(1)) for m in
                  (re.search(r" dataplane rx=(\d+) ", l) for l in ctl.lines) if m]
        if rx and max(rx) >= want:
            return
        time.sleep(0.05)


def srtp_line(cid, suite, key, ssrc=None):
    s = f"srtp {cid}"
    if ssrc is not None:
        s += f" ssrc={ssrc:#x}"
    return f"{s} {suite} inline:{key}\n"


def flow_line(fid, local, action, out_src, out_dst, extra=""):
    def a(x):
        return f"[{x[0]}]:{x[1]}" if ":" in x[0] else f"{x[0]}:{x[1]}"
    return (f"flow {fid} local={a(local)} action={action} {extra} out-port=0 "
            f"out-src={a(out_src)} out-dst={a(out_dst)} out-dmac={OUT_DMAC} "
            f"out-smac={OUT_SMAC}\n")


# ---------------------------------------------------------- out checks

def check_headers(p, src, dst, tos=None):
    """The out leg's headers: MACs, addresses, ports, lengths, checksums
    (recomputed by scapy)."""
    e = p[Ether]
    assert e.src == OUT_SMAC and e.dst == OUT_DMAC, p.summary()
    pl = payload_of(p)
    if ":" in src[0]:
        assert IPv6 in p and IP not in p, p.summary()
        ip = p[IPv6]
        assert (ip.src, ip.dst) == (src[0], dst[0]), p.summary()
        assert ip.plen == 8 + len(pl) and ip.nh == 17, p.summary()
        if tos is not None:
            assert ip.tc == tos, f"traffic class {ip.tc:#x}, want {tos:#x}"
    else:
        assert IP in p, p.summary()
        ip = p[IP]
        assert (ip.src, ip.dst) == (src[0], dst[0]), p.summary()
        assert ip.len == 20 + 8 + len(pl) and ip.ihl == 5, p.summary()
        if tos is not None:
            assert ip.tos == tos, f"tos {ip.tos:#x}, want {tos:#x}"
    u = p[UDP]
    assert (u.sport, u.dport) == (src[1], dst[1]), p.summary()
    assert u.len == 8 + len(pl), p.summary()
    assert len(p) == 14 + (40 if ":" in src[0] else 20) + 8 + len(pl), \
        f"frame of {len(p)} bytes for a {len(pl)}-byte payload"
    mgproc.assert_checksums(p)


def expect_payloads(got, want, what):
    """got and want: payload lists of one stream, in order."""
    assert len(got) == len(want), f"{what}: {len(got)} packets out, want {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, (f"{what}: packet {i} differs: got {len(g)} bytes "
                        f"{g[:16].hex()}..., want {len(w)} bytes {w[:16].hex()}...")


def expect_clean(r, flows, what):
    """No drop anywhere: pipe and flows."""
    for k in ("no_flow", "drop_action", "drop_source", "drop_srtp", "drop_tx",
              "drop_room", "stun", "dtls", "other_udp", "not_ip", "not_udp",
              "fragment", "malformed"):
        assert r.pipe[k] == 0, f"{what}: mg-pipe {k}={r.pipe[k]}\n" + r.dump()
    for fid in flows:
        fs = r.flow(fid)
        bad = {k: v for k, v in fs.items()
               if (k.startswith("srtp_") or k.startswith("drop_")) and v}
        assert not bad, f"{what}: flow {fid} drops {bad}\n" + r.dump()


# ------------------------------------------------------------------ cases

def case_srtp_to_rtp_several_calls():
    """Three interleaved SRTP calls (three suites, rtcp-mux, sequence
    numbers wrapping) come out as the plain RTP/RTCP they were made from."""
    rng = random.Random(1)
    tmp = new_tmpdir()
    calls = []
    for i, suite in enumerate(("AES_CM_128_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32",
                               "AEAD_AES_128_GCM")):
        c = dict(id=i + 1, suite=suite, key=new_key(rng, suite),
                 ssrc=rng.getrandbits(32), sender=(f"192.0.2.{10 + i}", 40000 + 2 * i),
                 local=(LOCAL, 20000 + 2 * i),
                 out_src=(LOCAL, 30000 + 2 * i), out_dst=(f"198.51.100.{20 + i}", 50000 + 2 * i))
        c["plain"] = call_payloads(rng, c["ssrc"], 65500 + 7 * i, 100, 3)
        calls.append(c)
    tos = 0xB8  # EF: voice keeps its DSCP through the relay
    frames = interleave(*[[(c, k, udp_frame(pl, c["sender"], c["local"], tos))
                           for k, pl in c["plain"]] for c in calls])
    wrpcap(f"{tmp}/plain.pcap", [f for _, _, f in frames])
    # Protect each call in place, touching only its own port.
    src = f"{tmp}/plain.pcap"
    for c in calls:
        dst = f"{tmp}/srtp{c['id']}.pcap"
        protect(c["suite"], c["key"], src, dst, c["local"][1], len(c["plain"]))
        src = dst
    srtp_in = rdpcap(src)
    assert len(srtp_in) == len(frames)
    for (c, k, f), s in zip(frames, srtp_in):
        assert s[UDP].dport == c["local"][1] and payload_of(s) != payload_of(f)

    conf = "".join(srtp_line(c["id"], c["suite"], c["key"], c["ssrc"]) for c in calls)
    conf += "".join(flow_line(c["id"], c["local"], "srtp-to-rtp", c["out_src"],
                              c["out_dst"], f"rx={c['id']}") for c in calls)
    r = run_pipeline("calls", tmp, conf, srtp_in)

    by_port = {c["out_dst"][1]: c for c in calls}
    got = {c["id"]: [] for c in calls}
    for p in r.out:
        assert UDP in p and p[UDP].dport in by_port, p.summary()
        c = by_port[p[UDP].dport]
        check_headers(p, c["out_src"], c["out_dst"], tos)
        got[c["id"]].append(payload_of(p))
    # Every call is checked before any failure is reported, so one broken
    # suite does not hide the state of the others.
    problems = []
    for c in calls:
        want = [pl for _, pl in c["plain"]]
        what = f"call {c['id']} ({c['suite']})"
        missing = [k for k, pl in c["plain"] if pl not in got[c["id"]]]
        fs = r.flow(c["id"])
        if missing:
            problems.append(f"{what}: {len(missing)} of {len(want)} packets missing: "
                            f"{' '.join(f'{a}#{b}' for a, b in missing)}; "
                            f"mg-flow drops {srtp_drops(fs)}")
            continue
        try:
            # Byte for byte and in the order sent; RTP also by sequence number.
            expect_payloads(got[c["id"]], want, what)
            seqs = [rtp_seq(pl) for pl in got[c["id"]] if not is_rtcp(pl)]
            assert seqs == [(65500 + 7 * (c["id"] - 1) + i) & 0xFFFF
                            for i in range(100)], f"{what}: sequence numbers {seqs}"
            assert fs["rx_pkts"] == 103 and fs["tx_pkts"] == 103, f"{what}: {fs}"
            drops = {k: v for k, v in fs.items()
                     if (k.startswith("srtp_") or k.startswith("drop_")) and v}
            assert not drops, f"{what}: flow drops {drops}"
        except AssertionError as e:
            problems.append(str(e).split("\n")[0])
    assert not problems, ("FAIL: " + "\nFAIL: ".join(problems) + "\n" + r.dump())
    assert len(r.out) == len(frames) == r.pipe["tx_pkts"], r.dump()
    expect_clean(r, [c["id"] for c in calls], "several calls")


def case_rtp_to_srtp_and_back():
    """Plain RTP+RTCP protected by the dataplane, on an IPv4 and an IPv6
    out leg; libsrtp2 unprotects every packet back to its plaintext."""
    rng = random.Random(2)
    tmp = new_tmpdir()
    legs = [
        dict(id=1, suite="AES_CM_128_HMAC_SHA1_80", sender=("192.0.2.30", 41000),
             local=(LOCAL, 21000), out_src=(LOCAL, 31000), out_dst=("198.51.100.30", 51000)),
        dict(id=2, suite="AEAD_AES_256_GCM", sender=("192.0.2.31", 41002),
             local=(LOCAL, 21002), out_src=("2001:db8::1", 31002),
             out_dst=("2001:db8:0:1::99", 51002)),
    ]
    for i, c in enumerate(legs):
        c["key"] = new_key(rng, c["suite"])
        c["ssrc"] = rng.getrandbits(32)
        c["plain"] = call_payloads(rng, c["ssrc"], 65490 + 11 * i, 100, 3)
    frames = interleave(*[[udp_frame(pl, c["sender"], c["local"]) for _, pl in c["plain"]]
                          for c in legs])
    conf = "".join(srtp_line(10 + c["id"], c["suite"], c["key"], c["ssrc"]) for c in legs)
    conf += "".join(flow_line(c["id"], c["local"], "rtp-to-srtp", c["out_src"],
                              c["out_dst"], f"tx={10 + c['id']}") for c in legs)
    r = run_pipeline("tosrtp", tmp, conf, frames)
    assert len(r.out) == len(frames), \
        f"{len(r.out)} packets out, want {len(frames)}\n" + r.dump()
    for c in legs:
        mine = [p for p in r.out if UDP in p and p[UDP].dport == c["out_dst"][1]]
        assert len(mine) == len(c["plain"]), f"leg {c['id']}: {len(mine)} packets"
        _, rtp_tag, rtcp_tag = SUITES[c["suite"]]
        for p, (_, pl) in zip(mine, c["plain"]):
            check_headers(p, c["out_src"], c["out_dst"])
            sp = payload_of(p)
            if is_rtcp(pl):
                assert len(sp) == len(pl) + 4 + rtcp_tag and sp[:8] == pl[:8], \
                    f"leg {c['id']}: SRTCP {sp.hex()} from {pl.hex()}"
            else:
                assert len(sp) == len(pl) + rtp_tag and sp[:12] == pl[:12], \
                    f"leg {c['id']}: SRTP header or length wrong"
            assert sp[12:len(pl)] != pl[12:], f"leg {c['id']}: payload not encrypted"
        wrpcap(f"{tmp}/leg{c['id']}_srtp.pcap", mine)
        rc, s, text = srtp_pcap("unprotect", c["suite"], c["key"],
                                f"{tmp}/leg{c['id']}_srtp.pcap",
                                f"{tmp}/leg{c['id']}_plain.pcap")
        assert rc == 0 and s == (len(mine), len(mine), 0, 0), \
            f"leg {c['id']} ({c['suite']}): libsrtp2 refuses the dataplane's SRTP:\n{text}"
        back = [payload_of(p) for p in rdpcap(f"{tmp}/leg{c['id']}_plain.pcap")]
        expect_payloads(back, [pl for _, pl in c["plain"]], f"leg {c['id']} unprotected")
        fs = r.flow(c["id"])
        assert fs["rx_pkts"] == 103 and fs["tx_pkts"] == 103, fs
    expect_clean(r, [1, 2], "rtp-to-srtp")


def case_srtp_to_srtp_rekey():
    """SRTP in under key A, out under key B (same suite; and a second call
    changing suite too): B unprotects every packet to the plaintext, A
    none of them."""
    rng = random.Random(3)
    tmp = new_tmpdir()
    legs = [
        dict(id=1, suite_a="AES_CM_128_HMAC_SHA1_80", suite_b="AES_CM_128_HMAC_SHA1_80",
             sender=("192.0.2.40", 42000), local=(LOCAL, 22000),
             out_src=(LOCAL, 32000), out_dst=("198.51.100.40", 52000)),
        dict(id=2, suite_a="AEAD_AES_128_GCM", suite_b="AES_256_CM_HMAC_SHA1_80",
             sender=("192.0.2.41", 42002), local=(LOCAL, 22002),
             out_src=(LOCAL, 32002), out_dst=("198.51.100.41", 52002)),
    ]
    for i, c in enumerate(legs):
        c["key_a"] = new_key(rng, c["suite_a"])
        c["key_b"] = new_key(rng, c["suite_b"])
        c["ssrc"] = rng.getrandbits(32)
        c["plain"] = call_payloads(rng, c["ssrc"], 65520 - 40 * i, 100, 3)
    frames = interleave(*[[udp_frame(pl, c["sender"], c["local"]) for _, pl in c["plain"]]
                          for c in legs])
    wrpcap(f"{tmp}/plain.pcap", frames)
    src = f"{tmp}/plain.pcap"
    for c in legs:
        dst = f"{tmp}/a{c['id']}.pcap"
        protect(c["suite_a"], c["key_a"], src, dst, c["local"][1], len(c["plain"]))
        src = dst
    conf = ""
    for c in legs:
        conf += srtp_line(10 + c["id"], c["suite_a"], c["key_a"], c["ssrc"])
        conf += srtp_line(20 + c["id"], c["suite_b"], c["key_b"], c["ssrc"])
        conf += flow_line(c["id"], c["local"], "srtp-to-srtp", c["out_src"], c["out_dst"],
                          f"rx={10 + c['id']} tx={20 + c['id']}")
    r = run_pipeline("rekey", tmp, conf, rdpcap(src))
    assert len(r.out) == len(frames), \
        f"{len(r.out)} packets out, want {len(frames)}\n" + r.dump()
    for c in legs:
        mine = [p for p in r.out if p[UDP].dport == c["out_dst"][1]]
        for p in mine:
            check_headers(p, c["out_src"], c["out_dst"])
        out = f"{tmp}/leg{c['id']}_b.pcap"
        wrpcap(out, mine)
        n = len(c["plain"])
        rc, s, text = srtp_pcap("unprotect", c["suite_b"], c["key_b"], out,
                                f"{tmp}/leg{c['id']}_plain.pcap")
        assert rc == 0 and s == (n, n, 0, 0), \
            f"leg {c['id']}: key B does not unprotect the output:\n{text}"
        back = [payload_of(p) for p in rdpcap(f"{tmp}/leg{c['id']}_plain.pcap")]
        expect_payloads(back, [pl for _, pl in c["plain"]], f"leg {c['id']} under key B")
        rc, s, text = srtp_pcap("unprotect", c["suite_a"], c["key_a"], out,
                                f"{tmp}/leg{c['id']}_a.pcap", allow_fail=True)
        assert rc == 0 and s[1] == 0 and s[2] == n, \
            f"leg {c['id']}: key A unprotects some of the output:\n{text}"
        fs = r.flow(c["id"])
        assert fs["rx_pkts"] == n and fs["tx_pkts"] == n, fs
    expect_clean(r, [1, 2], "srtp-to-srtp")


def case_hostile_mix():
    """One good SRTP call among garbage, truncated RTP, replays, forged
    tags, a foreign SSRC, a port with no flow, ARP, ICMP, STUN and DTLS:
    the call gets through whole and once, everything else is dropped and
    counted."""
    rng = random.Random(4)
    tmp = new_tmpdir()
    suite = "AES_CM_128_HMAC_SHA1_80"
    key = new_key(rng, suite)
    ssrc, bad_ssrc = 0x11223344, 0x55667788
    sender, local = ("192.0.2.50", 43000), (LOCAL, 23000)
    out_src, out_dst = (LOCAL, 33000), ("198.51.100.50", 53000)
    plain = [pl for _, pl in call_payloads(rng, ssrc, 65400, 200, 0)]
    foreign = [pl for _, pl in call_payloads(rng, bad_ssrc, 1000, 10, 0)]
    # One libsrtp2 run protects the call and the foreign SSRC, same key.
    wrpcap(f"{tmp}/plain.pcap", [udp_frame(pl, sender, local) for pl in plain + foreign])
    protect(suite, key, f"{tmp}/plain.pcap", f"{tmp}/srtp.pcap", local[1], 210)
    prot = [payload_of(p) for p in rdpcap(f"{tmp}/srtp.pcap")]
    good, foreign_srtp = prot[:200], prot[200:]

    def to_call(pl):
        return udp_frame(pl, sender, local)

    # Expected hostile classes, counted as they are placed.
    garbage = []
    for i in range(20):
        g = bytearray(rng.randbytes(rng.randrange(1, 300)))
        if i % 2 == 0:
            g[0] = rng.randrange(128, 192)  # RTP/RTCP-looking: reaches the flow
        garbage.append(bytes(g))
    gcls = [demux_class(g) for g in garbage]
    to_flow = sum(c in ("rtp", "rtcp") for c in gcls)

    flipped_at = set(range(15, 200, 19))          # 10 forged tags, each
    assert len(flipped_at) == 10                  # just before its original
    replay_now = {30: 30, 61: 61, 90: 90, 121: 121, 150: 150}   # right after
    replay_later = {50: 40, 80: 70, 110: 100, 140: 130, 199: 185}  # 10..14 later
    extra = {}                                    # position -> frames after it

    def add(i, f):
        extra.setdefault(i, []).append(f)

    for i, orig in list(replay_now.items()) + list(replay_later.items()):
        add(i, to_call(good[orig]))
    for j, g in enumerate(garbage):
        add(5 + 9 * j, to_call(g))
    for j in range(10):
        add(8 + 19 * j, to_call(good[j][:5]))             # truncated RTP
        add(12 + 18 * j, to_call(foreign_srtp[j]))         # wrong SSRC
        add(3 + 19 * j, udp_frame(good[j], sender, (LOCAL, 23999)))  # no flow
    for j in range(5):
        add(2 + 37 * j, Ether(src=IN_SMAC, dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, psrc="192.0.2.50", pdst=LOCAL))
        add(7 + 37 * j, Ether(src=IN_SMAC, dst=IN_DMAC) /
            IP(src=sender[0], dst=LOCAL) / ICMP(id=j, seq=j) / Raw(b"ping" * 8))
    for j in range(3):
        stun = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + rng.randbytes(12)
        add(20 + 60 * j, to_call(stun))
        dtls = bytes([22, 0xFE, 0xFD]) + rng.randbytes(60)
        add(25 + 60 * j, to_call(dtls))

    frames = []
    for i in range(200):
        if i in flipped_at:
            f = bytearray(good[i])
            f[-1 - (i % 10)] ^= 0x20  # one byte of the 10-byte tag
            frames.append(to_call(bytes(f)))
        frames.append(to_call(good[i]))
        frames += extra.get(i, [])
    hostile_to_flow = 10 + 10 + 10 + 10 + to_flow  # replay, forged, trunc, ssrc
    n_in = 200 + hostile_to_flow + (20 - to_flow) + 10 + 5 + 5 + 3 + 3
    assert len(frames) == n_in, (len(frames), n_in)

    conf = srtp_line(1, suite, key, ssrc)
    conf += flow_line(1, local, "srtp-to-rtp", out_src, out_dst, "rx=1")
    r = run_pipeline("hostile", tmp, conf, frames)
    print("  " + next(line for line in r.dp_text.splitlines() if line.startswith("mg-pipe")))
    print("  " + next(line for line in r.dp_text.splitlines() if line.startswith("mg-flow")))
    print(f"  garbage classes: {sorted((c, gcls.count(c)) for c in set(gcls))}")

    got = [payload_of(p) for p in r.out]
    for p in r.out:
        check_headers(p, out_src, out_dst)
    seqs = [rtp_seq(pl) for pl in got]
    dup = sorted({s for s in seqs if seqs.count(s) > 1})
    assert not dup, f"delivered more than once: seq {dup}\n" + r.dump()
    expect_payloads(got, plain, "valid call")

    fs, ps = r.flow(1), r.pipe
    drops = srtp_drops(fs)
    assert fs["tx_pkts"] == 200 and ps["tx_pkts"] == 200, r.dump()
    assert fs["rx_pkts"] == 200 + hostile_to_flow, \
        f"flow rx {fs['rx_pkts']}, want {200 + hostile_to_flow}\n" + r.dump()
    assert sum(drops.values()) == hostile_to_flow == ps["drop_srtp"], \
        f"srtp drops {drops} (pipe {ps['drop_srtp']}), want {hostile_to_flow}\n" + r.dump()
    assert drops.get("srtp_replay", 0) == 10, drops
    assert drops.get("srtp_auth", 0) >= 10, drops
    assert drops.get("srtp_truncated", 0) >= 10, drops
    assert 10 <= drops.get("srtp_ssrc", 0) <= 10 + to_flow, drops
    want = dict(no_flow=10, not_ip=5, not_udp=5, stun=3 + gcls.count("stun"),
                dtls=3 + gcls.count("dtls"), other_udp=gcls.count("other_udp"),
                drop_action=0, drop_source=0, drop_tx=0, drop_room=0,
                fragment=0, malformed=0, rx_pkts=n_in)
    wrong = {k: (ps[k], v) for k, v in want.items() if ps[k] != v}
    assert not wrong, f"mg-pipe (got, want): {wrong}\n" + r.dump()
    assert fs["drop_source"] == 0 and fs["drop_tx"] == 0, fs


def case_latching():
    """A latching SRTP flow learns its NATed sender from the first packet
    that authenticates (not from a forged one), and its peer flow sends
    there instead of its configured out-dst; a strict flow takes only its
    remote."""
    rng = random.Random(5)
    tmp = new_tmpdir()
    suite = "AES_CM_128_HMAC_SHA1_80"
    key = new_key(rng, suite)
    ssrc = rng.getrandbits(32)
    nat = ("198.51.100.7", 40000)           # where the SRTP side really is
    a_local, b_local = (LOCAL, 24000), (LOCAL, 34000)
    plain_peer = ("192.0.2.60", 6000)        # the plain RTP side
    b_configured = ("192.0.2.99", 9999)
    a_plain = [pl for _, pl in call_payloads(rng, ssrc, 100, 20, 0)]
    wrpcap(f"{tmp}/a_plain.pcap", [udp_frame(pl, nat, a_local) for pl in a_plain])
    protect(suite, key, f"{tmp}/a_plain.pcap", f"{tmp}/a_srtp.pcap", a_local[1], 20)
    a_srtp = rdpcap(f"{tmp}/a_srtp.pcap")
    # A forged packet from elsewhere comes first: it must not latch.
    forged = bytearray(payload_of(a_srtp[0]))
    forged[-1] ^= 1
    b_plain = [pl for _, pl in call_payloads(rng, 0xB0B0B0B0, 7, 20, 0)]
    strict_local, strict_remote = (LOCAL, 24010), ("192.0.2.50", 7000)
    strict_out_src, strict_out_dst = (LOCAL, 34010), ("198.51.100.51", 54010)
    s_plain = [pl for _, pl in call_payloads(rng, 0x5757, 500, 25, 0)]
    s_srcs = [strict_remote if i % 5 in (0, 2) else
              ("192.0.2.51", 7000) if i % 5 in (1, 3) else ("192.0.2.50", 7001)
              for i in range(25)]
    frames = ([udp_frame(bytes(forged), ("198.51.100.66", 5555), a_local)] +
              list(a_srtp) +
              [udp_frame(pl, plain_peer, b_local) for pl in b_plain] +
              [udp_frame(pl, s, strict_local) for pl, s in zip(s_plain, s_srcs)])
    conf = srtp_line(1, suite, key, ssrc)
    conf += flow_line(1, a_local, "srtp-to-rtp", b_local, plain_peer, "rx=1 latch peer=2")
    conf += flow_line(2, b_local, "relay", a_local, b_configured, "peer=1")
    conf += flow_line(3, strict_local, "relay", strict_out_src, strict_out_dst,
                      f"strict remote={strict_remote[0]}:{strict_remote[1]}")
    r = run_pipeline("latch", tmp, conf, frames)

    out_a = [p for p in r.out if p[UDP].sport == b_local[1]]
    out_b = [p for p in r.out if p[UDP].sport == a_local[1]]
    out_s = [p for p in r.out if p[UDP].sport == strict_out_src[1]]
    assert len(out_a) + len(out_b) + len(out_s) == len(r.out), r.dump()
    for p in out_a:
        check_headers(p, b_local, plain_peer)
    expect_payloads([payload_of(p) for p in out_a], a_plain, "flow A (srtp-to-rtp)")
    assert len(out_b) == 20, f"{len(out_b)} of 20 packets of B out\n" + r.dump()
    for p in out_b:
        dst = (p[IP].dst, p[UDP].dport)
        assert dst == nat, (f"B sent to {dst[0]}:{dst[1]}, not to the latched "
                            f"{nat[0]}:{nat[1]}\n" + r.dump())
        check_headers(p, a_local, nat)
    expect_payloads([payload_of(p) for p in out_b], b_plain, "flow B (relay)")
    fa, fb, fs3 = r.flow(1), r.flow(2), r.flow(3)
    assert fa["latched"] == 1, f"flow A latched={fa['latched']}\n" + r.dump()
    assert srtp_drops(fa) == {"srtp_auth": 1}, fa
    assert fa["rx_pkts"] == 21 and fa["tx_pkts"] == 20, fa
    assert fb["rx_pkts"] == 20 and fb["tx_pkts"] == 20 and fb["latched"] == 0, fb
    # Strict: only 192.0.2.50:7000 passes.
    ok = [pl for pl, s in zip(s_plain, s_srcs) if s == strict_remote]
    for p in out_s:
        check_headers(p, strict_out_src, strict_out_dst)
    expect_payloads([payload_of(p) for p in out_s], ok, "strict flow")
    assert fs3["rx_pkts"] == 25 and fs3["tx_pkts"] == len(ok), fs3
    assert fs3["drop_source"] == 25 - len(ok) == r.pipe["drop_source"], \
        f"strict drop_source {fs3['drop_source']}, want {25 - len(ok)}\n" + r.dump()
    assert r.pipe["drop_srtp"] == 1 and r.pipe["no_flow"] == 0, r.pipe


def case_refused_objects():
    """Flows the dataplane refuses are named one by one, the rest work; a
    key of the wrong length stops the control plane at reading time."""
    rng = random.Random(6)
    tmp = new_tmpdir()
    suite = "AES_CM_128_HMAC_SHA1_80"
    key, key2 = new_key(rng, suite), new_key(rng, suite)
    ssrc = rng.getrandbits(32)
    sender = ("192.0.2.70", 45000)
    l1, l2, l4, l5, l6 = [(LOCAL, p) for p in (25000, 25002, 25004, 25006, 25008)]
    o1, o5 = ("198.51.100.70", 55000), ("198.51.100.71", 55006)
    conf = srtp_line(1, suite, key, ssrc)
    conf += srtp_line(2, suite, key2)
    conf += "# refused ones are mixed with good ones\n"
    conf += flow_line(1, l1, "srtp-to-rtp", (LOCAL, 35000), o1, "rx=1")
    conf += flow_line(2, l2, "srtp-to-rtp", (LOCAL, 35002), o1, "rx=77")  # no ctx 77
    conf += flow_line(3, l1, "relay", (LOCAL, 35004), o1)            # l1 is taken
    conf += flow_line(4, l4, "srtp-to-rtp", (LOCAL, 35006), o1, "tx=2")  # no rx=
    conf += flow_line(5, l5, "relay", (LOCAL, 35008), o5)
    conf += flow_line(6, l6, "srtp-to-rtp", (LOCAL, 35010), o1, "rx=1")  # ctx 1 taken
    plain = [pl for _, pl in call_payloads(rng, ssrc, 300, 20, 1)]
    wrpcap(f"{tmp}/plain.pcap", [udp_frame(pl, sender, l1) for pl in plain])
    protect(suite, key, f"{tmp}/plain.pcap", f"{tmp}/srtp.pcap", l1[1], 21)
    relay = [pl for _, pl in call_payloads(rng, 0xAB, 9, 10, 0)]
    frames = interleave(list(rdpcap(f"{tmp}/srtp.pcap")),
                        [udp_frame(pl, sender, l5) for pl in relay],
                        [udp_frame(relay[i], sender, p) for i, p in
                         enumerate((l2, l4, l6))])
    r = run_pipeline("refused", tmp, conf, frames, expect_refused=4)
    for fid, why in ((2, "No such file or directory"), (3, "File exists"),
                     (4, "Invalid argument"), (6, "Device or resource busy")):
        line = f"mediagate-control: dataplane refused flow {fid}: {why}"
        assert line in r.ctl_text, f"no '{line}':\n" + r.dump()
    assert r.ctl_text.count("dataplane refused") == 4, r.dump()
    assert "installed 2 srtp contexts and 6 flows" in r.ctl_text, r.dump()
    assert sorted(r.flows) == [1, 5], f"flows {sorted(r.flows)}\n" + r.dump()
    out1 = [payload_of(p) for p in r.out if p[UDP].dport == o1[1]]
    out5 = [payload_of(p) for p in r.out if p[UDP].dport == o5[1]]
    expect_payloads(out1, plain, "flow 1")
    expect_payloads(out5, relay, "flow 5")
    assert len(r.out) == len(plain) + len(relay), r.dump()
    assert r.pipe["no_flow"] == 3, r.pipe

    # A key that does not fit its suite: refused while reading the file.
    bad = f"{tmp}/bad.flows"
    with open(bad, "w") as f:
        f.write("# a good line first\n")
        f.write(srtp_line(1, suite, key))
        f.write(srtp_line(2, "AES_256_CM_HMAC_SHA1_80", key))  # 30 bytes, not 46
        f.write(flow_line(1, l1, "srtp-to-rtp", (LOCAL, 35000), o1, "rx=1"))
    shm = "/" + mgproc.unique("badkey")
    ctl = mgproc.control(["--shm", shm, "--flows", bad, "--start", "--duration", "5"])
    try:
        rc = ctl.wait(20)
    finally:
        ctl.kill()
        mgproc.shm_cleanup(shm)
    assert rc == 2, f"exit {rc}, want 2:\n{ctl.text()}"
    assert f"mediagate-control: {bad}:3: " in ctl.text(), ctl.text()
    assert "46" in ctl.text() and "AES_256_CM_HMAC_SHA1_80" in ctl.text(), ctl.text()
    assert "created" not in ctl.text(), "no segment before the file is read:\n" + ctl.text()


def case_libsrtp2_engine():
    """The dataplane with --srtp-engine libsrtp2 (the comparison engine:
    libsrtp2 a packet at a time behind the same pipeline): the SRTP->RTP
    calls of three suites and the RTP->SRTP legs come out as with ours,
    checked by the same libsrtp2 oracle."""
    DP_EXTRA[:] = ["--srtp-engine", "libsrtp2"]
    try:
        case_srtp_to_rtp_several_calls()
        case_rtp_to_srtp_and_back()
    finally:
        DP_EXTRA[:] = []


CASES = {k[len("case_"):]: v for k, v in globals().items() if k.startswith("case_")}

if __name__ == "__main__":
    names = sys.argv[1:] or list(CASES)
    if any(n not in CASES for n in names):
        print("usage: test_pipeline.py [CASE...]\ncases: " + " ".join(CASES))
        sys.exit(2)
    failed = []
    for n in names:
        print(n, flush=True)
        try:
            CASES[n]()
        except Exception:
            traceback.print_exc()
            print(f"FAIL {n} (files kept in {mgproc.end_case(False)})", flush=True)
            failed.append(n)
        else:
            mgproc.end_case(True)
            print(f"ok {n}", flush=True)
    if failed:
        print("failed: " + " ".join(failed))
        sys.exit(1)
