# SPDX-License-Identifier: BSD-3-Clause
"""Integration tests of the two processes: forwarding through real DPDK
virtual ports (packets made and checked by scapy), the control channel
(ping/ack, missing segment, second process, dataplane death and restart),
bad arguments and signals.

Usage: test_foundation.py CASE   (meson registers one test per case)
"""
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgproc  # noqa: E402

import logging  # noqa: E402
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (IP, UDP, Dot1Q, Ether, IPv6, Raw,  # noqa: E402
                       rdpcap, wrpcap)


def media_packets(n, seed):
    """RTP-like UDP over IPv4/IPv6, some VLAN-tagged, 60..1514 bytes."""
    pkts = []
    for i in range(n):
        size = [172, 60, 1212, 1514, 214][(i + seed) % 5]
        l2 = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        if i % 7 == 3:
            l2 = l2 / Dot1Q(vlan=100 + seed)
        l3 = (IPv6(src="2001:db8::1", dst="2001:db8::2") if i % 3 == 1
              else IP(src="192.0.2.1", dst="192.0.2.2"))
        p = l2 / l3 / UDP(sport=40000 + seed, dport=50000 + i % 11)
        body = bytes(((i * 31 + seed + j) & 0xFF) for j in range(max(0, size - len(p))))
        pkts.append(p / Raw(body))
    return pkts


def run_pcap_forward(lcores, nports):
    """Port pairs forward pcap input to the pair's output, every byte kept."""
    tmp = mgproc.new_tmpdir()
    ins = [media_packets(400 + 150 * p, p) for p in range(nports)]
    vdevs = []
    for p in range(nports):
        wrpcap(f"{tmp}/in{p}.pcap", ins[p])
        vdevs.append(f"net_pcap{p},rx_pcap={tmp}/in{p}.pcap,tx_pcap={tmp}/out{p}.pcap")
    dp = mgproc.dataplane(mgproc.unique("fwd"), ["--no-ctl", "--duration", "2",
                                                 "--stats-interval", "0"],
                          lcores=lcores, vdevs=vdevs)
    assert dp.wait() == 0, dp.text()
    stats = mgproc.port_stats(dp.text())
    for p in range(nports):
        peer = p ^ 1 if (p ^ 1) < nports else p
        out = rdpcap(f"{tmp}/out{peer}.pcap")
        assert [bytes(x) for x in out] == [bytes(x) for x in ins[p]], \
            f"port {p} -> {peer}: {len(out)} packets out, {len(ins[p])} in, or bytes differ"
        s = stats[p]
        assert s["rx_pkts"] == len(ins[p]) and s["tx_pkts"] == len(ins[p]), s
        assert s["rx_bytes"] == sum(len(x) for x in ins[p]), s
        assert s["tx_drop"] == 0 and s["tx_port"] == peer, s


def case_forward_pcap_main_lcore():
    run_pcap_forward("0", 2)


def case_forward_pcap_worker_lcores():
    run_pcap_forward("0-1", 4)


def case_forward_single_port_loops_back():
    run_pcap_forward("0", 1)


def case_forward_memif_two_dataplanes():
    """Two dataplane processes joined by memif (no hugepages):
    pcap -> B -> memif -> A -> pcap, every byte kept. One way only: a memif
    server can send only after its client has posted rx buffers (its first
    poll), so a pcap burst right at link-up would be dropped there, and
    counted as tx_drop; client -> server has no such window."""
    tmp = mgproc.new_tmpdir()
    sock = f"{tmp}/memif.sock"
    pkts = media_packets(900, 1)
    wrpcap(f"{tmp}/b_in.pcap", pkts)
    wrpcap(f"{tmp}/empty.pcap", [])
    memif = f"socket={sock},rsize=12"  # ring > packets: tx never finds it full
    common = ["--no-ctl", "--duration", "4", "--stats-interval", "0", "--wait-link", "10"]
    a = mgproc.dataplane(mgproc.unique("memifa"), common, lcores="0", vdevs=[
        f"net_memif0,role=server,{memif}",
        f"net_pcap0,rx_pcap={tmp}/empty.pcap,tx_pcap={tmp}/a_out.pcap"])
    b = None
    try:
        # The client needs the server's (abstract) socket: wait until the
        # server's ports are up and it waits for its link.
        a.wait_line("waiting up to 10 s for port links")
        b = mgproc.dataplane(mgproc.unique("memifb"), common, lcores="1", vdevs=[
            f"net_pcap0,rx_pcap={tmp}/b_in.pcap,tx_pcap={tmp}/b_out.pcap",
            f"net_memif0,role=client,{memif}"])
        rc_a, rc_b = a.wait(), b.wait()
        assert rc_a == 0, f"A exit {rc_a}\n" + a.text()
        assert rc_b == 0, f"B exit {rc_b}\n" + b.text()
    finally:
        for p in (a, b):
            if p:
                p.kill()
    assert "link still down" not in a.text() + b.text(), a.text() + b.text()
    out = rdpcap(f"{tmp}/a_out.pcap")
    assert [bytes(x) for x in out] == [bytes(x) for x in pkts], \
        f"{len(out)} of {len(pkts)} packets through, or bytes differ"
    sa, sb = mgproc.port_stats(a.text()), mgproc.port_stats(b.text())
    assert sb[0]["tx_pkts"] == len(pkts) and sb[0]["tx_drop"] == 0, sb
    assert sa[0]["rx_pkts"] == len(pkts) and sa[0]["tx_pkts"] == len(pkts), sa


def memif_client_forward(tmp, memif, pkts, before):
    """A dataplane B that forwards a pcap into a memif client port and what
    comes back out to a pcap, started before `before()` brings up the
    server: B must keep trying (--wait-link). Returns B's output pcap and
    its text."""
    wrpcap(f"{tmp}/b_in.pcap", pkts)
    b = mgproc.dataplane(mgproc.unique("memifb"), [
        "--no-ctl", "--duration", "3", "--stats-interval", "0",
        "--wait-link", "20"], lcores="1", vdevs=[
        f"net_pcap0,rx_pcap={tmp}/b_in.pcap,tx_pcap={tmp}/b_out.pcap",
        f"net_memif0,role=client,{memif}"])
    server = None
    try:
        # Up to its start, with no server: tried again, not given up.
        b.wait_line("Failed to connect socket")
        server = before()
        rc = b.wait(60)
        assert rc == 0, f"B exit {rc}\n" + b.text()
    finally:
        b.kill()
        if server:
            server.kill()
    assert "link still down" not in b.text(), b.text()
    return rdpcap(f"{tmp}/b_out.pcap"), b.text()


def echo_server(tmp, memif):
    """testpmd (DPDK's own, not ours) as the memif server, sending back
    what it receives on its one port."""
    return mgproc.Proc(["dpdk-testpmd"] + mgproc.eal_args(
        mgproc.unique("echo"), "0,1", [f"net_memif0,role=server,{memif}"]) +
        ["--", "--forward-mode=io", "--no-mlockall", "--total-num-mbufs",
         "8192", "--stats-period", "60"])


def case_forward_memif_client_before_server():
    """The dataplane as a memif client started before its server (the
    order is the operator's, not ours to choose): its port start is tried
    again until the server's socket is there, then every packet goes out
    to testpmd and comes back, byte for byte."""
    tmp = mgproc.new_tmpdir()
    memif = f"socket={tmp}/memif.sock,rsize=12"
    pkts = media_packets(300, 2)
    out, _ = memif_client_forward(tmp, memif, pkts,
                                  lambda: echo_server(tmp, memif))
    assert [bytes(x) for x in out] == [bytes(x) for x in pkts], \
        f"{len(out)} of {len(pkts)} packets back, or bytes differ"


def case_forward_memif_client_turned_away():
    """A server that takes the memif client's connection and closes it (a
    peer that dies, or one that is not ready and refuses): DPDK's client
    stays down and never tries again by itself. The dataplane starts it
    again while it waits for links, and once a real server is up the
    packets go through."""
    import socket
    tmp = mgproc.new_tmpdir()
    path = f"{tmp}/memif.sock"
    memif = f"socket={path},rsize=12"
    pkts = media_packets(300, 3)

    def dead_then_real():
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ls.bind("\0" + path)  # DPDK's memif names abstract sockets
        ls.listen(4)
        ls.settimeout(10)
        for _ in range(2):  # the first connection, and the first restart
            c, _ = ls.accept()
            c.close()
        ls.close()
        return echo_server(tmp, memif)

    out, text = memif_client_forward(tmp, memif, pkts, dead_then_real)
    assert [bytes(x) for x in out] == [bytes(x) for x in pkts], \
        f"{len(out)} of {len(pkts)} packets back, or bytes differ\n" + text


def start_pair(tag, ctl_args=(), dp_args=(), lcores="0-1"):
    shm = "/" + mgproc.unique(tag)
    ctl = mgproc.control(["--shm", shm, "--ping-interval", "50"] + list(ctl_args))
    ctl.wait_line("segment .* created")
    dp = mgproc.dataplane(mgproc.unique(tag), ["--shm", shm, "--stats-interval", "0"]
                          + list(dp_args), lcores=lcores,
                          vdevs=["net_ring0", "net_ring1"])
    return shm, ctl, dp


def case_ctl_ping_ack():
    shm, ctl, dp = start_pair("ping", ["--ping-count", "5"])
    try:
        assert ctl.wait() == 0, ctl.text()
        assert ctl.text().count("acked status=0") == 5, ctl.text()
        ctl.wait_line(r"ping seq=5 acked status=0 .* ports=2")
        dp.signal(signal.SIGTERM)
        assert dp.wait() == 0, dp.text()
        assert mgproc.ctl_stats(dp.text())["acks"] == 5, dp.text()
    finally:
        dp.kill()
        mgproc.shm_cleanup(shm)


def case_ctl_missing_segment():
    """A dataplane started first says why it has no control, keeps
    forwarding, and attaches when the control plane comes."""
    shm = "/" + mgproc.unique("miss")
    dp = mgproc.dataplane(mgproc.unique("miss"), ["--shm", shm, "--stats-interval", "0"],
                          lcores="0-1", vdevs=["net_ring0", "net_ring1"])
    try:
        dp.wait_line(f"control segment {shm} not found: start mediagate-control first")
        ctl = mgproc.control(["--shm", shm, "--ping-count", "2", "--ping-interval", "50"])
        assert ctl.wait() == 0, ctl.text()
        dp.wait_line(f"attached to control segment {shm}")
        assert ctl.text().count("acked status=0") == 2, ctl.text()
    finally:
        dp.kill()
        mgproc.shm_cleanup(shm)


def case_ctl_second_control_refused():
    shm = "/" + mgproc.unique("two")
    a = mgproc.control(["--shm", shm])
    try:
        a.wait_line("segment .* created")
        b = mgproc.control(["--shm", shm])
        assert b.wait() == 1, b.text()
        assert f"segment {shm} is held by another mediagate-control" in b.text(), b.text()
        assert a.p.poll() is None, "the first control must keep running"
    finally:
        a.kill()
        mgproc.shm_cleanup(shm)


def case_ctl_second_dataplane_refused():
    shm, ctl, dp = start_pair("twodp")
    dp2 = None
    try:
        dp.wait_line("attached to control segment")
        dp2 = mgproc.dataplane(mgproc.unique("twodp"), ["--shm", shm, "--duration", "2",
                                                        "--stats-interval", "0"],
                               lcores="0", vdevs=["net_ring0"])
        dp2.wait_line(f"another mediagate-dataplane is attached to {shm}")
        assert dp2.wait() == 0, dp2.text()
        ctl.wait_line("acked status=0")
    finally:
        for p in (ctl, dp, dp2):
            if p:
                p.kill()
        mgproc.shm_cleanup(shm)


def case_ctl_dataplane_dies_count_mode():
    """A --ping-count run whose dataplane is killed ends with a clear line
    and status 1 instead of waiting forever."""
    shm, ctl, dp = start_pair("die", ["--ping-count", "1000000", "--ack-timeout", "5000"])
    try:
        ctl.wait_line("acked status=0")
        pid = int(ctl.wait_line(r"dataplane attached: pid (\d+)").split("pid ")[1].split()[0])
        dp.kill()  # SIGKILL: no chance to detach
        assert ctl.wait(15) == 1, ctl.text()
        ctl.wait_line(rf"dataplane pid {pid} died")
    finally:
        dp.kill()
        ctl.kill()
        mgproc.shm_cleanup(shm)


def case_ctl_dataplane_restart_daemon_mode():
    """Without --ping-count the control plane outlives a dataplane crash and
    picks up the next dataplane (a new epoch)."""
    shm, ctl, dp = start_pair("restart")
    dp2 = None
    try:
        first = ctl.wait_line(r"dataplane attached: pid \d+ epoch")
        ctl.wait_line("acked status=0")
        dp.kill()
        ctl.wait_line(r"dataplane pid \d+ died")
        ctl.wait_line("waiting for a dataplane")
        n_before = ctl.text().count("acked status=0")
        dp2 = mgproc.dataplane(mgproc.unique("restart"), ["--shm", shm, "--stats-interval", "0"],
                               lcores="0-1", vdevs=["net_ring0", "net_ring1"])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            attaches = [l for l in ctl.lines if "dataplane attached" in l]
            if len(attaches) == 2 and ctl.text().count("acked status=0") > n_before:
                break
            time.sleep(0.1)
        attaches = [l for l in ctl.lines if "dataplane attached" in l]
        assert len(attaches) == 2 and attaches[0] == first, ctl.text()
        assert attaches[1].split("epoch")[1] != first.split("epoch")[1], ctl.text()
        assert ctl.text().count("acked status=0") > n_before, ctl.text()
        ctl.signal(signal.SIGINT)
        assert ctl.wait() == 0, ctl.text()
    finally:
        for p in (ctl, dp, dp2):
            if p:
                p.kill()
        mgproc.shm_cleanup(shm)


def expect_bad_args(argv, rc, needle):
    p = mgproc.Proc(argv)
    got = p.wait()
    assert got == rc, f"{argv}: exit {got}, want {rc}\n{p.text()}"
    assert needle in p.text(), f"{argv}: no '{needle}' in:\n{p.text()}"
    return p.text()


def case_bad_arguments():
    c, d = mgproc.CONTROL, mgproc.DATAPLANE
    eal = mgproc.eal_args(mgproc.unique("args"), "0", ["net_ring0"])
    expect_bad_args([c, "--help"], 0, "usage: mediagate-control")
    expect_bad_args([d, "--help"], 0, "usage: mediagate-dataplane")
    expect_bad_args([c, "--nope"], 2, "mediagate-control: unknown option '--nope'")
    expect_bad_args([c, "--ping-interval", "abc"], 2, "--ping-interval: 'abc' is not a number")
    expect_bad_args([c, "--shm", "bad"], 2, "bad segment name 'bad'")
    out = expect_bad_args([d, "--no-such-eal-option"], 2, "mediagate-dataplane: bad EAL arguments")
    assert "EAL common options" not in out, "EAL's usage text must not flood the output"
    expect_bad_args([d] + eal + ["--", "--duration", "x"], 2,
                    "mediagate-dataplane: --duration: 'x' is not a number")
    expect_bad_args([d] + eal + ["--", "--frobnicate"], 2,
                    "mediagate-dataplane: unknown option '--frobnicate'")
    expect_bad_args([d] + mgproc.eal_args(mgproc.unique("args"), "0") + ["--", "--no-ctl"], 1,
                    "mediagate-dataplane: no DPDK ports")
    expect_bad_args([d] + eal + ["--", "--mbufs", "5"], 2, "--mbufs: '5'")


def case_signals_stop_cleanly():
    for sig, name in ((signal.SIGTERM, "Terminated"), (signal.SIGINT, "Interrupt")):
        shm, ctl, dp = start_pair("sig")
        try:
            dp.wait_line("attached to control segment")
            ctl.wait_line("acked status=0")
            dp.signal(sig)
            assert dp.wait(10) == 0, dp.text()
            dp.wait_line(f"stopping on {name}")
            assert set(mgproc.port_stats(dp.text())) == {0, 1}, dp.text()
            ctl.wait_line(r"dataplane pid \d+ detached \(it stopped cleanly\)")
            assert " died" not in ctl.text(), ctl.text()
            ctl.signal(sig)
            assert ctl.wait(10) == 0, ctl.text()
            ctl.wait_line(f"stopping on {name}")
        finally:
            dp.kill()
            ctl.kill()
            mgproc.shm_cleanup(shm)


def case_stop_lets_go_of_the_segment_first():
    """A dataplane with a big flow table takes a second or so to tear it
    down after a signal. It lets go of the control segment before that,
    so the control plane, pinging fast with a short ack timeout, says it
    stopped cleanly and never that it is alive but not answering."""
    shm, ctl, dp = start_pair("bigstop", ["--ping-interval", "5", "--ack-timeout", "50"],
                              ["--media", "--max-flows", "1000000"])
    try:
        ctl.wait_line("acked status=0", 120)
        before = len(ctl.text())
        dp.signal(signal.SIGTERM)
        assert dp.wait(60) == 0, dp.text()
        ctl.wait_line(r"dataplane pid \d+ detached \(it stopped cleanly\)")
        after = ctl.text()[before:]
        assert "no ack" not in after and " died" not in after, after
    finally:
        dp.kill()
        ctl.kill()
        mgproc.shm_cleanup(shm)


def case_configure_names_missing_package():
    """With DPDK invisible to pkg-config, meson setup fails with a line
    that names the Debian package to install."""
    import subprocess
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with tempfile.TemporaryDirectory(prefix="mgit-cfg-") as tmp:
        env = dict(os.environ, PKG_CONFIG_LIBDIR=tmp, PKG_CONFIG_PATH="")
        r = subprocess.run(["meson", "setup", f"{tmp}/b", src], env=env,
                           capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "DPDK not found: apt-get install libdpdk-dev" in out, out


CASES = {k[len("case_"):]: v for k, v in globals().items() if k.startswith("case_")}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_foundation.py CASE\ncases: " + " ".join(sorted(CASES)))
        sys.exit(2)
    try:
        CASES[sys.argv[1]]()
    except BaseException:
        kept = mgproc.end_case(False)
        if kept:
            print(f"files kept in {kept}", flush=True)
        raise
    mgproc.end_case(True)
    print(f"ok {sys.argv[1]}")
