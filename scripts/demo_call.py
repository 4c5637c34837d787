# SPDX-License-Identifier: BSD-3-Clause
"""The embedded demo's call: what scripts/demo.sh runs after building.

A phone that speaks SRTP (192.0.2.1) calls a PSTN trunk that speaks plain
RTP (192.0.2.2); both live in a network namespace on the far side of a
veth pair. mediagate's dataplane owns 192.0.2.10 on the near end of the
pair (DPDK net_af_packet) and answers ARP for it. This script plays the SIP
server: it sends the offer and the answer to mediagate-control over the ng
protocol (exactly what Kamailio's rtpengine module sends), then both
parties send media at 50 packets a second: the phone SRTP made by libsrtp2
(tests/tools/srtp_pcap) under its SDES key, the trunk plain RTP. Counters
are printed every second as they move; at the end what each party
received is checked (the trunk's with a byte compare, the phone's by
opening it with libsrtp2 under the key mediagate gave the phone).

Usage: demo_call.py BUILD_DIR SECONDS        (as root)
"""
import base64
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngclient import Client  # noqa: E402

NS, VA, VB = "mgdemo", "mgdemo0", "mgdemo1"
NG_PORT = 22223
SHM = "/mediagate-demo"
PHONE_KEY = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"  # the phone's SDES key
OFFER = ("v=0\r\no=phone 1 1 IN IP4 192.0.2.1\r\ns=call\r\nc=IN IP4 192.0.2.1\r\n"
         "t=0 0\r\nm=audio 4000 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
         "a=rtpmap:101 telephone-event/8000\r\na=rtcp-mux\r\n"
         f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{PHONE_KEY}\r\n")
ANSWER = ("v=0\r\no=trunk 1 1 IN IP4 192.0.2.2\r\ns=call\r\nc=IN IP4 192.0.2.2\r\n"
          "t=0 0\r\nm=audio 5000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
          "a=rtpmap:101 telephone-event/8000\r\na=rtcp-mux\r\n")


def sh(*a, **kw):
    return subprocess.run(a, check=True, **kw)


def shown(sdp):
    """The SDP as printed: keys are secrets, even in a demo."""
    return re.sub(r"inline:\S+", "inline:<key>", sdp.decode().replace("\r", ""))


def netns_up():
    sh("ip", "netns", "add", NS)
    sh("ip", "link", "add", VA, "type", "veth", "peer", "name", VB)
    sh("ip", "link", "set", VB, "netns", NS)
    sh("ip", "link", "set", VA, "up")
    for a in ("192.0.2.1/24", "192.0.2.2/24"):
        sh("ip", "netns", "exec", NS, "ip", "addr", "add", a, "dev", VB)
    sh("ip", "netns", "exec", NS, "ip", "link", "set", VB, "up")
    sh("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up")
    return sh("ip", "netns", "exec", NS, "cat", f"/sys/class/net/{VB}/address",
              capture_output=True, text=True).stdout.strip()


def netns_down():
    subprocess.run(["ip", "link", "del", VA], stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL)


def rtp_payloads(n, ssrc):
    return [bytes([0x80, 0, i >> 8 & 255, i & 255]) + (160 * i).to_bytes(4, "big") +
            ssrc.to_bytes(4, "big") + bytes([0xd5]) * 160 for i in range(n)]


def pcap(path, src, sport, dport, payloads):
    from scapy.all import Ether, IP, UDP, Raw, wrpcap
    wrpcap(path, [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                  IP(src=src, dst="192.0.2.10") / UDP(sport=sport, dport=dport) /
                  Raw(p) for p in payloads])


def peer(args):
    """In the namespace: send each party's packets from its own UDP socket
    at 50 a second (the kernel resolves 192.0.2.10 by ARP) and keep what
    each party receives; write both as pcaps for the checks."""
    from scapy.all import rdpcap, wrpcap, Ether, IP, UDP, Raw
    phone_in, trunk_in, out_dir, pa, pb = args
    pa, pb = int(pa), int(pb)
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind(("192.0.2.1", 4000))
    trunk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    trunk.bind(("192.0.2.2", 5000))
    got = {"phone": [], "trunk": []}

    def listen(name, s):
        s.settimeout(1.5)
        try:
            while True:
                got[name].append(s.recvfrom(4096)[0])
        except socket.timeout:
            pass
    ts = [threading.Thread(target=listen, args=a) for a in
          (("phone", phone), ("trunk", trunk))]
    for t in ts:
        t.start()
    srtp = [bytes(p[UDP].payload) for p in rdpcap(phone_in)]
    plain = [bytes(p[UDP].payload) for p in rdpcap(trunk_in)]
    t0 = time.monotonic()
    for i, (a, b) in enumerate(zip(srtp, plain)):
        phone.sendto(a, ("192.0.2.10", pa))
        trunk.sendto(b, ("192.0.2.10", pb))
        time.sleep(max(0, t0 + (i + 1) * 0.02 - time.monotonic()))
    for t in ts:
        t.join()
    for name, port, dport in (("phone", pa, 4000), ("trunk", pb, 5000)):
        wrpcap(f"{out_dir}/{name}_got.pcap",
               [Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") /
                IP(src="192.0.2.10", dst="192.0.2.1") /
                UDP(sport=port, dport=dport) / Raw(p) for p in got[name]])


def counters(ng, stop):
    while not stop.wait(1.0):
        q = ng.ask(command="query", call_id="demo-call")
        if q.get(b"result") != b"ok":
            continue
        line = []
        for tag in (b"phone-tag", b"trunk-tag"):
            t = q[b"tags"][tag]
            line.append(f"from {tag.decode()[:-4]}: {t[b'RTP'][b'packets']} pkts "
                        f"{t[b'RTP'][b'bytes']} B, {t[b'RTP'][b'errors']} errors")
        print("demo: call counters (ng query): " + "; ".join(line), flush=True)


def check(build, work, key_to_phone, n):
    tool = f"{build}/tests/tools/srtp_pcap"
    from scapy.all import rdpcap, UDP
    sh(tool, "unprotect", "--suite", "AES_CM_128_HMAC_SHA1_80", "--key", key_to_phone,
       "--in", f"{work}/phone_got.pcap", "--out", f"{work}/phone_open.pcap",
       capture_output=True)
    trunk_got = [bytes(p[UDP].payload) for p in rdpcap(f"{work}/trunk_got.pcap")]
    phone_open = [bytes(p[UDP].payload) for p in rdpcap(f"{work}/phone_open.pcap")]
    ok_t = trunk_got == rtp_payloads(n, 0x1111)
    ok_p = phone_open == rtp_payloads(n, 0x2222)
    print(f"demo: the trunk got {len(trunk_got)}/{n} packets, plain RTP identical "
          f"to what the phone sent before libsrtp2 encrypted it: {'yes' if ok_t else 'NO'}")
    print(f"demo: the phone got {len(phone_open)}/{n} packets, SRTP that libsrtp2 "
          f"opens with the key mediagate gave the phone, identical to the trunk's "
          f"RTP: {'yes' if ok_p else 'NO'}")
    return ok_t and ok_p


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--peer":
        peer(sys.argv[2:])
        return 0
    build, secs = sys.argv[1], int(sys.argv[2])
    n = max(50, secs * 50 - 100)
    netns_down()
    if os.path.exists(f"/dev/shm{SHM}.calls"):
        os.unlink(f"/dev/shm{SHM}.calls")  # a demo starts with no calls
    mac_b = netns_up()
    procs = []
    work = tempfile.mkdtemp(prefix="mediagate-demo.")
    try:
        print(f"demo: mediagate-control: ng on udp 127.0.0.1:{NG_PORT}, media address "
              "192.0.2.10", flush=True)
        procs.append(subprocess.Popen(
            [f"{build}/control/mediagate-control", "--shm", SHM, "--ng",
             f"127.0.0.1:{NG_PORT}", "--media-addr", "192.0.2.10", "--next-hop-mac",
             mac_b, "--remove-on-exit", "--ping-interval", "5000"]))
        time.sleep(0.3)
        print(f"demo: mediagate-dataplane: net_af_packet on {VA}, --addr 192.0.2.10",
              flush=True)
        procs.append(subprocess.Popen(
            [f"{build}/dataplane/mediagate-dataplane", *os.environ.get(
                "MG_DEMO_MEM", "--no-huge -m 256").split(), "--no-pci",
             "--file-prefix", "mediagate-demo", "-l", "0-1", "--log-level", "*:warning",
             "--vdev", f"net_af_packet0,iface={VA}", "--", "--shm", SHM, "--media",
             "--addr", "192.0.2.10", "--stats-interval", "0"]))
        ng = Client(NG_PORT)
        for _ in range(100):
            st = ng.ask(command="statistics")
            if st[b"totalstatistics"][b"dataplane-attached"]:
                break
            time.sleep(0.1)
        print("demo: SIP server -> ng offer (the phone's SDP, SRTP):\n" +
              shown(OFFER.encode()), flush=True)
        o = ng.ask(command="offer", call_id="demo-call", from_tag="phone-tag",
                   sdp=OFFER, transport_protocol="RTP/AVP", replace=["origin"])
        assert o[b"result"] == b"ok", o
        print("demo: mediagate -> SDP for the trunk (plain RTP, our address and "
              "port):\n" + shown(o[b"sdp"]), flush=True)
        a = ng.ask(command="answer", call_id="demo-call", from_tag="phone-tag",
                   to_tag="trunk-tag", sdp=ANSWER, replace=["origin"])
        assert a[b"result"] == b"ok", a
        print("demo: mediagate -> SDP for the phone (SRTP under a fresh key of "
              "ours; the dataplane has the call before this reply left):\n" +
              shown(a[b"sdp"]), flush=True)
        pb = int(re.search(rb"m=audio (\d+)", o[b"sdp"]).group(1))
        pa = int(re.search(rb"m=audio (\d+)", a[b"sdp"]).group(1))
        key = re.search(rb"inline:(\S+)", a[b"sdp"]).group(1).decode()
        pcap(f"{work}/phone_plain.pcap", "192.0.2.1", 4000, pa, rtp_payloads(n, 0x1111))
        sh(f"{build}/tests/tools/srtp_pcap", "protect", "--suite",
           "AES_CM_128_HMAC_SHA1_80", "--key", PHONE_KEY, "--in",
           f"{work}/phone_plain.pcap", "--out", f"{work}/phone_srtp.pcap",
           capture_output=True)
        pcap(f"{work}/trunk_plain.pcap", "192.0.2.2", 5000, pb, rtp_payloads(n, 0x2222))
        print(f"demo: media for {n / 50:.0f} s at 50 packets/s each way: phone SRTP "
              "(libsrtp2) -> trunk, trunk RTP -> phone", flush=True)
        stop = threading.Event()
        t = threading.Thread(target=counters, args=(ng, stop))
        t.start()
        sh("ip", "netns", "exec", NS, "/usr/bin/python3", os.path.abspath(__file__),
           "--peer", f"{work}/phone_srtp.pcap", f"{work}/trunk_plain.pcap", work,
           str(pa), str(pb))
        stop.set()
        t.join()
        ok = check(build, work, key, n)
        tel = subprocess.run(["dpdk-telemetry.py", "-f", "mediagate-demo"],
                             input="/mediagate/lcores\n", capture_output=True,
                             text=True).stdout
        m = re.search(r'\{"/mediagate/lcores".*', tel)
        print("demo: dpdk-telemetry.py /mediagate/lcores: " +
              (m.group(0) if m else "(telemetry not reachable)"), flush=True)
        d = ng.ask(command="delete", call_id="demo-call", from_tag="phone-tag")
        print(f"demo: ng delete: {d[b'result'].decode()}; the dataplane's "
              "totals follow", flush=True)
        return 0 if ok else 1
    finally:
        for p in reversed(procs):
            p.send_signal(2)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        netns_down()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
