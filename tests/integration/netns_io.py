# SPDX-License-Identifier: BSD-3-Clause
"""Run inside a network namespace (ip netns exec NS python3 netns_io.py):
send the frames of IN.pcap on IFACE (nothing if IN is '-'), and write the
UDP frames from SRC that arrive on IFACE within SECONDS (or until COUNT
came) to OUT.pcap (with PROTO esp: the ESP frames instead). Prints the
number captured.

Usage: netns_io.py IFACE IN.pcap OUT.pcap SRC SECONDS COUNT [udp|esp]
"""
import sys
import time

from scapy.all import AsyncSniffer, rdpcap, sendp, wrpcap  # noqa: E402
from scapy.layers.inet import IP, UDP  # noqa: E402

iface, inp, out, src, secs, count = sys.argv[1:7]
esp = len(sys.argv) > 7 and sys.argv[7] == "esp"
count = int(count)
got = []


def mine(p):
    if IP not in p or p[IP].src != src:
        return False
    return p[IP].proto == 50 if esp else UDP in p


sn = AsyncSniffer(iface=iface, lfilter=mine, prn=got.append, store=False)
sn.start()
time.sleep(0.5)  # the socket is open before anything is sent
if inp != "-":
    for p in rdpcap(inp):
        sendp(p, iface=iface, verbose=False)
        time.sleep(0.002)  # a call's pace, not a burst the queue drops
deadline = time.monotonic() + float(secs)
while time.monotonic() < deadline and len(got) < count:
    time.sleep(0.05)
sn.stop()
wrpcap(out, got)
print(len(got))
