# SPDX-License-Identifier: BSD-3-Clause
"""The media pipeline as an operator runs it: flows deleted and added from
the ring while traffic runs (RCU: no crash, no use-after-free under ASan,
no loss on the flows left alone), counters read with DPDK's own
dpdk-telemetry.py, and static flows installed again in a restarted
dataplane.

Usage: test_media_ops.py CASE
"""
import contextlib
import json
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgproc  # noqa: E402

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import ARP, ICMP, Ether, IP, IPv6, UDP, UDPerror, Raw, wrpcap, rdpcap  # noqa: E402

SRTP_PCAP = os.environ.get("MG_SRTP_PCAP", "build/tests/tools/srtp_pcap")
TELEMETRY = "/usr/bin/dpdk-telemetry.py"
KEY = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
MAC_IN = "02:00:00:00:00:01"
OUT = ("out-port={port} out-src=10.0.1.1:5000 out-dst=10.0.1.2:{dport} "
       "out-dmac=02:00:00:00:00:02 out-smac=02:00:00:00:00:01")


def rtp(seq, ssrc, dport, n=160):
    payload = bytes([0x80, 0, seq >> 8 & 255, seq & 255]) + \
        (seq * 160).to_bytes(4, "big") + ssrc.to_bytes(4, "big") + \
        bytes((seq + i) & 255 for i in range(n))
    return Ether(src="02:00:00:00:00:aa", dst=MAC_IN) / \
        IP(src="192.0.2.10", dst="10.0.0.1") / \
        UDP(sport=7000, dport=dport) / Raw(payload)


def srtp_protect(tmp, plain, out, port):
    subprocess.run([SRTP_PCAP, "protect", "--suite", "AES_CM_128_HMAC_SHA1_80",
                    "--key", KEY, "--in", plain, "--out", out,
                    "--port", str(port)], check=True, capture_output=True)


def churn_under_traffic():
    """Flow 2 (SRTP, its context with it) is deleted and installed again
    in a loop from the ring while a worker lcore forwards the pcap over
    and over; flow 1 (plain relay) is never touched and loses nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        pk = []
        for i in range(40):
            pk.append(rtp(100 + i, 0x1111, 4000))
            pk.append(rtp(100 + i, 0x2222, 4002))
        wrpcap(f"{tmp}/plain.pcap", pk)
        srtp_protect(tmp, f"{tmp}/plain.pcap", f"{tmp}/in.pcap", 4002)
        with open(f"{tmp}/flows", "w") as f:
            f.write(f"flow 1 local=10.0.0.1:4000 action=relay "
                    f"{OUT.format(port=1, dport=6000)}\n")
            f.write(f"srtp 1 ssrc=0x2222 AES_CM_128_HMAC_SHA1_80 inline:{KEY}\n")
            f.write(f"flow 2 local=10.0.0.1:4002 action=srtp-to-rtp rx=1 churn "
                    f"{OUT.format(port=1, dport=6002)}\n")
        shm = "/" + mgproc.unique("churn")
        ctl = mgproc.control(["--shm", shm, "--flows", f"{tmp}/flows", "--start",
                              "--churn", "--ping-interval", "100",
                              "--remove-on-exit"])
        try:
            dp = mgproc.dataplane(mgproc.unique("churn"),
                                  ["--shm", shm, "--media", "--hold-rx",
                                   "--duration", "4", "--stats-interval", "0"],
                                  lcores="0,1",
                                  vdevs=[f"net_pcap0,rx_pcap={tmp}/in.pcap,infinite_rx=1",
                                         "net_null1,no-rx=1"])
            assert dp.wait(60) == 0, dp.text()
            text = dp.text()
        finally:
            ctl.signal()
            ctl.wait(20)
            mgproc.shm_cleanup(shm)
        assert "Sanitizer" not in text and "ERROR" not in text, text
        fs = mgproc.flow_stats(text)
        a = fs[1]
        assert a["rx_pkts"] > 1000, text
        assert a["tx_pkts"] == a["rx_pkts"] and a["drop_tx"] == 0, text
        m = re.search(r"churn_cycles=(\d+) refused=(\d+)", ctl.text())
        assert m and int(m.group(1)) >= 10 and int(m.group(2)) == 0, ctl.text()
        pipe = re.search(r"^mg-pipe lcore=1 (.*)$", text, re.M)
        assert pipe, text
        print(f"churn: {m.group(1)} cycles, flow 1 kept {a['tx_pkts']} of "
              f"{a['rx_pkts']} packets")


def telemetry_query(prefix, cmd):
    out = subprocess.run([TELEMETRY, "-f", prefix], input=cmd + "\n",
                         capture_output=True, text=True, timeout=20).stdout
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{") and cmd.split(",")[0] in line:
            return json.loads(line)[cmd.split(",")[0]]
    raise AssertionError(f"no answer to {cmd}: {out}")


def telemetry_counters():
    """/mediagate/flows, /mediagate/flow,ID and /mediagate/lcores through
    dpdk-telemetry.py while the dataplane runs, and the same numbers as
    its exit lines."""
    with tempfile.TemporaryDirectory() as tmp:
        wrpcap(f"{tmp}/in.pcap", [rtp(i, 0x3333, 4000) for i in range(30)] +
               [rtp(i, 0x3333, 4999) for i in range(5)])
        with open(f"{tmp}/flows", "w") as f:
            f.write(f"flow 7 local=10.0.0.1:4000 action=relay "
                    f"{OUT.format(port=0, dport=6000)}\n")
        shm = "/" + mgproc.unique("tel")
        prefix = mgproc.unique("tel")
        ctl = mgproc.control(["--shm", shm, "--flows", f"{tmp}/flows", "--start",
                              "--lcore-stats", "--ping-interval", "200",
                              "--remove-on-exit"])
        try:
            dp = mgproc.dataplane(prefix, ["--shm", shm, "--media", "--hold-rx",
                                           "--duration", "6", "--stats-interval", "0"],
                                  vdevs=[f"net_pcap0,rx_pcap={tmp}/in.pcap,"
                                         f"tx_pcap={tmp}/out.pcap"])
            ctl.wait_line(r"dataplane started", 20)
            flows = lcores = flow = None
            for _ in range(50):
                flows = telemetry_query(prefix, "/mediagate/flows")
                flow = telemetry_query(prefix, "/mediagate/flow,7")
                lcores = telemetry_query(prefix, "/mediagate/lcores")
                if flow["rx_pkts"] == 30 and lcores["0"]["no_flow"] == 5:
                    break
            assert flows["flows"] == 1 and flows["ids"] == [7], flows
            assert flow["id"] == 7 and flow["rx_pkts"] == 30, flow
            assert flow["tx_pkts"] == 30 and flow["srtp_auth"] == 0, flow
            assert lcores["0"]["no_flow"] == 5, lcores
            # Busy time: polls that found packets are part of all polls.
            assert 0 < lcores["0"]["busy_cycles"] < lcores["0"]["poll_cycles"], lcores
            assert lcores["0"]["busy_polls"] > 0, lcores
            assert dp.wait(60) == 0, dp.text()
        finally:
            ctl.signal()
            ctl.wait(20)
            mgproc.shm_cleanup(shm)
        assert mgproc.flow_stats(dp.text())[7]["tx_pkts"] == 30, dp.text()
        # The same counters on the control ring (MG_CTL_LCORE_STATS).
        ctl.wait_line(r"lcore 0 rx_pkts=35 tx_pkts=30 no_flow=5", 10)
        print("telemetry: /mediagate/flows, /mediagate/flow,7, /mediagate/lcores "
              "and the ring's lcore counters agree")


def restart_reinstalls_static_flows():
    """A dataplane that restarts has no flows: the control plane installs
    the static set again, and traffic flows through the new one."""
    with tempfile.TemporaryDirectory() as tmp:
        wrpcap(f"{tmp}/plain.pcap", [rtp(i, 0x4444, 4000) for i in range(20)])
        srtp_protect(tmp, f"{tmp}/plain.pcap", f"{tmp}/in.pcap", 4000)
        with open(f"{tmp}/flows", "w") as f:
            f.write(f"srtp 3 ssrc=0x4444 AES_CM_128_HMAC_SHA1_80 inline:{KEY}\n")
            f.write(f"flow 3 local=10.0.0.1:4000 action=srtp-to-rtp rx=3 "
                    f"{OUT.format(port=0, dport=6000)}\n")
        shm = "/" + mgproc.unique("restart")
        ctl = mgproc.control(["--shm", shm, "--flows", f"{tmp}/flows", "--start",
                              "--ping-interval", "50", "--remove-on-exit"])
        try:
            for run in range(2):
                dp = mgproc.dataplane(mgproc.unique("restart"),
                                      ["--shm", shm, "--media", "--hold-rx",
                                       "--duration", "2", "--stats-interval", "0"],
                                      vdevs=[f"net_pcap0,rx_pcap={tmp}/in.pcap,"
                                             f"tx_pcap={tmp}/out{run}.pcap"])
                assert dp.wait(60) == 0, dp.text()
                assert mgproc.flow_stats(dp.text())[3]["tx_pkts"] == 20, dp.text()
                got = [bytes(p[UDP].payload) for p in rdpcap(f"{tmp}/out{run}.pcap")]
                want = [bytes(p[UDP].payload) for p in rdpcap(f"{tmp}/plain.pcap")]
                assert got == want, f"run {run}: payloads differ"
            ctl.wait_line(r"installed 1 srtp contexts and 1 flows", 5)
            n = len(re.findall(r"installed 1 srtp contexts", ctl.text()))
            assert n == 2, ctl.text()
        finally:
            ctl.signal()
            ctl.wait(20)
            mgproc.shm_cleanup(shm)
        print("restart: static flows installed in both dataplanes, both forwarded")


@contextlib.contextmanager
def held(dp, shm, tmp):
    """A dataplane started with --hold-rx: the block runs once it waits for
    its control plane and calls start() to have one install {tmp}/flows and
    start it; after the block the dataplane must exit 0."""
    ctls = []

    def start():
        ctls.append(mgproc.control(["--shm", shm, "--flows", f"{tmp}/flows",
                                    "--start", "--remove-on-exit"]))
    try:
        dp.wait_line(r"control segment .* not found", 20)
        yield start
        assert dp.wait(60) == 0, dp.text()
    finally:
        for ctl in ctls:
            ctl.signal()
            ctl.wait(20)
        dp.kill()
        mgproc.shm_cleanup(shm)


def exception_path_tap():
    """What the pipeline does not own goes to a TAP interface and the
    kernel answers: ARP for the media address (so a NIC deployment is
    reachable), ICMP echo, port unreachable for UDP to no call and for
    IKE (a non-ESP marker) on a NAT-T port; a call's packets stay in the
    pipeline. Each kind of kernel packet comes in a burst of its own (the
    call's packets between them fill bursts of 64 or fewer), so each one
    alone must get its burst to the TAP. Needs root (TAP, ip)."""
    port_mac = "02:70:63:61:70:00"  # net_pcap0's, which the TAP takes
    peer = dict(src="02:00:00:00:00:aa", dst=port_mac)
    with tempfile.TemporaryDirectory() as tmp:
        pk = [Ether(src="02:00:00:00:00:aa", dst="ff:ff:ff:ff:ff:ff") /
              ARP(op=1, hwsrc="02:00:00:00:00:aa", psrc="10.0.0.9",
                  pdst="10.0.0.1"),
              Ether(**peer) /
              IP(src="10.0.0.9", dst="10.0.0.1") / ICMP(id=7, seq=1) / Raw(b"ping")]
        pk += [rtp(i, 0x5555, 4000) for i in range(70)]
        pk += [Ether(**peer) /
               IP(src="10.0.0.9", dst="10.0.0.1") / UDP(sport=5555, dport=5060) /
               Raw(b"OPTIONS sip:10.0.0.1 SIP/2.0\r\n\r\n")]
        pk += [rtp(i, 0x5555, 4000) for i in range(70, 140)]
        # RFC 3948 §2.2: four zero bytes, then IKE (an SA_INIT header).
        pk += [Ether(**peer) /
               IP(src="10.0.0.9", dst="10.0.0.1") / UDP(sport=4500, dport=4500) /
               Raw(b"\0" * 4 + bytes(range(8)) + b"\0" * 8 + b"\x21\x20\x22\x08" +
                   b"\0" * 4 + b"\0\0\0\x1c")]
        pk += [rtp(i, 0x5555, 4000) for i in range(140, 150)]
        wrpcap(f"{tmp}/in.pcap", pk)
        with open(f"{tmp}/flows", "w") as f:
            f.write(f"flow 1 local=10.0.0.1:4000 action=relay "
                    f"{OUT.format(port=0, dport=6000)}\n")
            f.write("flow 2 local=10.0.0.1:4500 action=drop esp-udp\n")
        tap = "mgit" + str(os.getpid() % 100000)
        shm = "/" + mgproc.unique("tap")
        dp = mgproc.dataplane(mgproc.unique("tap"),
                              ["--shm", shm, "--media", "--hold-rx", "--tap", tap,
                               "--duration", "5", "--stats-interval", "0"],
                              vdevs=[f"net_pcap0,rx_pcap={tmp}/in.pcap,"
                                     f"tx_pcap={tmp}/out.pcap"])
        with held(dp, shm, tmp) as start:
            subprocess.run(["ip", "addr", "add", "10.0.0.1/24", "dev", f"{tap}0"],
                           check=True)
            subprocess.run(["ip", "link", "set", f"{tap}0", "up"], check=True)
            start()
        text = dp.text()
        pipe = re.search(r"^mg-pipe lcore=0 (.*)$", text, re.M)
        st = {k: int(v) for k, v in (f.split("=", 1) for f in pipe.group(1).split())}
        assert st["to_kernel"] == 4 and st["no_flow"] == 1, text
        assert st["from_kernel"] >= 4 and st["drop_kernel"] == 0, text
        assert mgproc.flow_stats(text)[1]["tx_pkts"] == 150, text
        out = rdpcap(f"{tmp}/out.pcap")
        arp = [p for p in out if p.haslayer(ARP) and p[ARP].op == 2]
        assert arp and arp[0][ARP].psrc == "10.0.0.1" and \
            arp[0][ARP].hwsrc == port_mac, out
        icmp = [p for p in out if p.haslayer(ICMP) and p.haslayer(IP) and
                p[IP].src == "10.0.0.1"]
        assert any(p[ICMP].type == 0 and p[ICMP].id == 7 for p in icmp), out
        unreach = {p[UDPerror].dport for p in icmp if p[ICMP].type == 3 and
                   p[ICMP].code == 3 and p.haslayer(UDPerror)}
        assert unreach == {5060, 4500}, out
        relayed = [p for p in out if p.haslayer(UDP) and p[UDP].dport == 6000]
        assert len(relayed) == 150, out
        print(f"exception path: ARP reply, echo reply, port unreachable for SIP "
              f"and for IKE on the NAT-T port from the kernel; "
              f"{st['from_kernel']} kernel packets out, 150 relayed")


def one_burst_two_ports():
    """One worker, two ports, and the calls of one burst leaving by both:
    a call out of port 1, and between its packets those of a call sent
    back out of port 0, the port they came in on. Each packet leaves by
    its own call's port, in order, none lost."""
    with tempfile.TemporaryDirectory() as tmp:
        trunk = [rtp(i, 0x1111, 4000) for i in range(90)]
        hairpin = [rtp(i, 0x3333, 4004) for i in range(30)]
        pk = []
        for i in range(90):
            pk.append(trunk[i])
            if i % 3 == 1:
                pk.append(hairpin[i // 3])
        wrpcap(f"{tmp}/in.pcap", pk)
        with open(f"{tmp}/none.pcap", "wb") as f:  # a pcap header, no packets
            f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
        with open(f"{tmp}/flows", "w") as f:
            f.write(f"flow 1 local=10.0.0.1:4000 action=relay "
                    f"{OUT.format(port=1, dport=6000)}\n")
            f.write(f"flow 3 local=10.0.0.1:4004 action=relay "
                    f"{OUT.format(port=0, dport=6004)}\n")
        shm = "/" + mgproc.unique("twoports")
        dp = mgproc.dataplane(
            mgproc.unique("twoports"),
            ["--shm", shm, "--media", "--hold-rx", "--duration", "2",
             "--stats-interval", "0"],
            vdevs=[f"net_pcap0,rx_pcap={tmp}/in.pcap,tx_pcap={tmp}/out0.pcap",
                   f"net_pcap1,rx_pcap={tmp}/none.pcap,tx_pcap={tmp}/out1.pcap"])
        with held(dp, shm, tmp) as start:
            start()
        text = dp.text()
        out0, out1 = rdpcap(f"{tmp}/out0.pcap"), rdpcap(f"{tmp}/out1.pcap")
        assert [bytes(p[UDP].payload) for p in out1] == \
            [bytes(p[UDP].payload) for p in trunk], text
        assert {p[UDP].dport for p in out1} == {6000}, text
        assert [bytes(p[UDP].payload) for p in out0] == \
            [bytes(p[UDP].payload) for p in hairpin], text
        assert {p[UDP].dport for p in out0} == {6004}, text
        fs = mgproc.flow_stats(text)
        assert fs[1]["tx_pkts"] == 90 and fs[3]["tx_pkts"] == 30, text
        print("one burst, two ports: 90 packets out of port 1 and the 30 between "
              "them back out of port 0, in order")


def two_workers_run(tag, flows, vdevs):
    """The static flows installed and a dataplane with two worker lcores
    (--lcores maps three lcores onto this machine's two cores) run over
    vdevs; its output once it stops by itself."""
    shm = "/" + mgproc.unique(tag)
    ctl = mgproc.control(["--shm", shm, "--flows", flows, "--start",
                          "--remove-on-exit"])
    try:
        dp = mgproc.Proc([mgproc.DATAPLANE, "--no-huge", "-m", "256", "--no-pci",
                          "--file-prefix", mgproc.unique(tag),
                          "--lcores", "0@0,1@1,2@1", "--log-level", "*:warning"] +
                         [a for v in vdevs for a in ("--vdev", v)] +
                         ["--", "--shm", shm, "--media", "--hold-rx",
                          "--duration", "3", "--stats-interval", "0"])
        assert dp.wait(60) == 0, dp.text()
    finally:
        ctl.signal()
        ctl.wait(20)
        mgproc.shm_cleanup(shm)
    return dp.text()


def two_workers_cross_ports():
    """Two worker lcores, a port each, each call crossing to the other's
    port: each lcore sends on its own tx queue of every port (net_pcap
    gives a queue a file) with its own IPsec-MB manager. --lcores maps
    three lcores onto this machine's two cores."""
    with tempfile.TemporaryDirectory() as tmp:
        plain0 = [rtp(i, 0x6666, 4000) for i in range(100)]
        wrpcap(f"{tmp}/plain0.pcap", plain0)
        srtp_protect(tmp, f"{tmp}/plain0.pcap", f"{tmp}/in0.pcap", 4000)
        pk1 = [rtp(i, 0x7777, 4002) for i in range(100)]
        for p in pk1:
            p[IP].dst = "10.0.0.2"
        wrpcap(f"{tmp}/in1.pcap", pk1)
        with open(f"{tmp}/flows", "w") as f:
            f.write(f"srtp 1 ssrc=0x6666 AES_CM_128_HMAC_SHA1_80 inline:{KEY}\n")
            f.write(f"flow 1 local=10.0.0.1:4000 action=srtp-to-rtp rx=1 "
                    f"{OUT.format(port=1, dport=6000)}\n")
            f.write(f"flow 2 local=10.0.0.2:4002 action=relay "
                    f"{OUT.format(port=0, dport=6002)}\n")
        text = two_workers_run("workers", f"{tmp}/flows", [
            f"net_pcap{p},rx_pcap={tmp}/in{p}.pcap,tx_pcap={tmp}/out{p}a.pcap,"
            f"tx_pcap={tmp}/out{p}b.pcap" for p in (0, 1)])
        lines = re.findall(r"^mg-pipe lcore=(\d+) rx_pkts=(\d+) tx_pkts=(\d+)", text, re.M)
        assert sorted(lines) == [("1", "100", "100"), ("2", "100", "100")], text
        out1 = rdpcap(f"{tmp}/out1a.pcap") + rdpcap(f"{tmp}/out1b.pcap")
        out0 = rdpcap(f"{tmp}/out0a.pcap") + rdpcap(f"{tmp}/out0b.pcap")
        assert [bytes(p[UDP].payload) for p in out1] == \
            [bytes(p[UDP].payload) for p in plain0], "port 1: SRTP not undone"
        assert [bytes(p[UDP].payload) for p in out0] == \
            [bytes(p[UDP].payload) for p in pk1], "port 0: relay changed payloads"
        print("two workers: 100 + 100 packets crossed ports on per-lcore queues")


def rss_spreads_one_port():
    """One port spread over two worker lcores: af_packet on a veth pair with
    two queue pairs hashes flows over its rx queues (its fanout, as RSS on
    a NIC); each worker takes one queue, every flow stays on one worker,
    both workers carry flows, and nothing is lost. Needs root (veth)."""
    va, vb = f"mgra{os.getpid() % 10000}", f"mgrb{os.getpid() % 10000}"
    subprocess.run(["ip", "link", "add", va, "type", "veth", "peer", "name", vb],
                   check=True)
    try:
        for v in (va, vb):
            subprocess.run(["ip", "link", "set", v, "up"], check=True)
        with tempfile.TemporaryDirectory() as tmp:
            with open(f"{tmp}/flows", "w") as f:
                for i in range(16):
                    f.write(f"flow {i + 1} local=10.0.0.1:{4000 + 2 * i} "
                            f"action=relay {OUT.format(port=1, dport=6000 + i)}\n")
            shm = "/" + mgproc.unique("rss")
            ctl = mgproc.control(["--shm", shm, "--flows", f"{tmp}/flows",
                                  "--start", "--ping-interval", "100",
                                  "--remove-on-exit"])
            try:
                dp = mgproc.Proc([mgproc.DATAPLANE, "--no-huge", "-m", "256",
                                  "--no-pci", "--file-prefix", mgproc.unique("rss"),
                                  "--lcores", "0@0,1@1,2@1", "--log-level", "*:warning",
                                  "--vdev", f"net_af_packet0,iface={va},qpairs=2",
                                  "--vdev", "net_null1,no-rx=1",
                                  "--", "--shm", shm, "--media", "--hold-rx",
                                  "--duration", "60", "--stats-interval", "0"])
                ctl.wait_line(r"dataplane started", 20)
                pk = [Ether(src="02:00:00:00:00:aa", dst="ff:ff:ff:ff:ff:ff") /
                      IP(src="192.0.2.10", dst="10.0.0.1") /
                      UDP(sport=7000 + 17 * (i % 16), dport=4000 + 2 * (i % 16)) /
                      Raw(bytes([0x80, 0, 0, i & 255]) + bytes(168))
                      for i in range(800)]
                from scapy.all import sendp
                sendp(pk, iface=vb, verbose=False)
                # The control plane's pings report the dataplane's rx.
                deadline = time.monotonic() + 40
                while time.monotonic() < deadline:
                    got = re.findall(r"dataplane rx=(\d+)", ctl.text())
                    if got and int(got[-1]) >= 800:
                        break
                    time.sleep(0.2)
                dp.signal()
                assert dp.wait(60) == 0, dp.text()
            finally:
                ctl.signal()
                ctl.wait(20)
                mgproc.shm_cleanup(shm)
    finally:
        subprocess.run(["ip", "link", "del", va], check=False)
    text = dp.text()
    fs = mgproc.flow_stats(text)
    assert all(fs[i + 1]["rx_pkts"] == 50 == fs[i + 1]["tx_pkts"]
               for i in range(16)), text
    per_lcore = {int(m.group(1)): int(m.group(2)) for m in re.finditer(
        r"^mg-pipe lcore=(\d+) rx_pkts=\d+ tx_pkts=(\d+)", text, re.M)}
    assert sorted(per_lcore) == [1, 2], text
    # 16 flows on 2 queues: all on one by chance once in 30,000 runs.
    assert all(v % 50 == 0 and v > 0 for v in per_lcore.values()), \
        f"a flow split across workers, or a worker idle: {per_lcore}"
    print(f"rss: 16 flows over 2 workers, packets out per worker {per_lcore}")


def distribution_one_port():
    """A port that cannot spread flows over queues (net_pcap), two workers:
    the lcore that receives it hands each flow to the worker its key hashes
    to, so every flow's SRTP context is used by one lcore; both workers
    carry flows, each sends on its own tx queue, and every packet arrives
    decrypted (checked against libsrtp2's plaintext)."""
    with tempfile.TemporaryDirectory() as tmp:
        plain = []
        for i in range(320):
            f = i % 16
            plain.append(rtp(1000 + i // 16, 0x9000 + f, 4000 + 2 * f))
        wrpcap(f"{tmp}/plain.pcap", plain)
        subprocess.run([SRTP_PCAP, "protect", "--suite", "AES_CM_128_HMAC_SHA1_80",
                        "--key", KEY, "--in", f"{tmp}/plain.pcap",
                        "--out", f"{tmp}/in.pcap"], check=True, capture_output=True)
        with open(f"{tmp}/flows", "w") as fl:
            for f in range(16):
                fl.write(f"srtp {f + 1} ssrc={0x9000 + f} AES_CM_128_HMAC_SHA1_80 "
                         f"inline:{KEY}\n")
                fl.write(f"flow {f + 1} local=10.0.0.1:{4000 + 2 * f} "
                         f"action=srtp-to-rtp rx={f + 1} "
                         f"{OUT.format(port=0, dport=6000 + f)}\n")
        text = two_workers_run("dist", f"{tmp}/flows", [
            f"net_pcap0,rx_pcap={tmp}/in.pcap,tx_pcap={tmp}/a.pcap,"
            f"tx_pcap={tmp}/b.pcap"])
        st = {int(m.group(1)): {k: int(v) for k, v in (f.split("=", 1)
                                for f in m.group(2).split())}
              for m in re.finditer(r"^mg-pipe lcore=(\d+) (.*)$", text, re.M)}
        assert sorted(st) == [1, 2], text
        handed = sum(s["handed_off"] for s in st.values())
        assert handed == sum(s["from_peers"] for s in st.values()) > 0, text
        assert all(s["tx_pkts"] > 0 for s in st.values()), text
        assert sum(s["tx_pkts"] for s in st.values()) == 320, text
        a, b = rdpcap(f"{tmp}/a.pcap"), rdpcap(f"{tmp}/b.pcap")
        ports_a = {p[UDP].dport for p in a}
        ports_b = {p[UDP].dport for p in b}
        assert not ports_a & ports_b, "a flow went out of two lcores"
        want = {}
        for p in plain:
            want.setdefault(6000 + (p[UDP].dport - 4000) // 2, []).append(
                bytes(p[UDP].payload))
        got = {}
        for p in list(a) + list(b):
            got.setdefault(p[UDP].dport, []).append(bytes(p[UDP].payload))
        assert got == want, "payloads differ from libsrtp2's plaintext"
        print(f"distribution: {handed} of 320 handed to the other worker, "
              f"16 flows on {len(ports_a)} + {len(ports_b)} per lcore")


def tap_capture(iface):
    """A raw socket on iface that keeps what the kernel receives on it (what
    the TAP PMD wrote), not what the kernel sends."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    sock.bind((iface, 0))
    sock.setblocking(False)
    return sock


def tap_read(sock, want, timeout):
    """UDP frames to ports 6000/6002 the kernel received on the socket's
    interface, until want came or timeout (the TAP goes when its dataplane
    exits: read while it runs)."""
    frames = []
    end = time.time() + timeout
    while len(frames) < want and time.time() < end:
        try:
            data, addr = sock.recvfrom(65535)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        p = Ether(data)
        if addr[2] != socket.PACKET_OUTGOING and UDP in p and \
                p[UDP].dport in (6000, 6002):
            frames.append(p)
    return frames


def tx_checksum_offload_tap():
    """A port that computes checksums as it sends: DPDK's TAP PMD offers
    IPv4 and UDP checksum offload (and does the sums itself), so the
    pipeline leaves them to it, the IPv4 header's 0 and the UDP one the
    pseudo-header's sum. What reaches the kernel on the TAP must carry the
    checksums scapy computes, IPv4 and IPv6, every payload length from 1 to
    40 and 172; and the same with --tx-cksum sw, where the pipeline sums.
    Needs root (TAP, raw socket)."""
    v6_local = "2001:db8::1"
    pk = []
    for i, n in enumerate(list(range(1, 41)) + [172]):
        pk.append(rtp(i, 0x1111, 4000, n=n))
        pk.append(Ether(src="02:00:00:00:00:aa", dst=MAC_IN) /
                  IPv6(src="2001:db8::99", dst=v6_local) /
                  UDP(sport=7000, dport=4002) / Raw(bytes(rtp(i, 0x2222, 4002, n=n)[Raw])))
    flows = (f"flow 1 local=10.0.0.1:4000 action=relay {OUT.format(port=1, dport=6000)}\n"
             f"flow 2 local=[{v6_local}]:4002 action=relay out-port=1 "
             f"out-src=[2001:db8:1::1]:5002 out-dst=[2001:db8:2::2]:6002 "
             f"out-dmac=02:00:00:00:00:02 out-smac=02:00:00:00:00:01\n")
    want = sorted((p.lastlayer().load) for p in pk)
    for mode in ("auto", "sw"):
        with tempfile.TemporaryDirectory() as tmp:
            wrpcap(f"{tmp}/in.pcap", pk)
            with open(f"{tmp}/flows", "w") as f:
                f.write(flows)
            iface = f"mgck{os.getpid() % 100000}"
            shm = "/" + mgproc.unique("cksum")
            dp = mgproc.dataplane(mgproc.unique("cksum"),
                                  ["--shm", shm, "--media", "--hold-rx",
                                   "--tx-cksum", mode, "--duration", "4",
                                   "--stats-interval", "0"],
                                  vdevs=[f"net_pcap0,rx_pcap={tmp}/in.pcap,"
                                         f"tx_pcap={tmp}/out0.pcap",
                                         f"net_tap1,iface={iface}"])
            with held(dp, shm, tmp) as start:
                subprocess.run(["ip", "link", "set", iface, "up"], check=True)
                with contextlib.closing(tap_capture(iface)) as sock:
                    start()
                    ours = tap_read(sock, len(pk), 20)
            text = dp.text()
            offloaded = "port 1 computes IPv4 and UDP checksums" in text
            assert offloaded == (mode == "auto"), text
            pipe = re.search(r"^mg-pipe lcore=0 .*tx_cksum_nic=(\d+)", text, re.M)
            assert pipe and int(pipe.group(1)) == (len(pk) if offloaded else 0), text
            assert len(ours) == len(pk), (len(ours), len(pk), text)
            for p in ours:
                mgproc.assert_checksums(p)
            assert sorted(p[Raw].load for p in ours) == want
        print(f"tx checksums ({mode}): {len(ours)} packets, IPv4 and IPv6, "
              f"checksums as scapy computes them"
              f"{', by the TAP PMD' if offloaded else ', by the pipeline'}")


CASES = {f.__name__: f for f in (churn_under_traffic, telemetry_counters,
                                  restart_reinstalls_static_flows,
                                  exception_path_tap, one_burst_two_ports,
                                  two_workers_cross_ports, rss_spreads_one_port,
                                  distribution_one_port, tx_checksum_offload_tap)}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_media_ops.py CASE\ncases: " + " ".join(sorted(CASES)))
        sys.exit(2)
    CASES[sys.argv[1]]()
    print(f"ok {sys.argv[1]}")
