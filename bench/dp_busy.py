#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""How busy a running dataplane's media lcores are, once a second, read
from its DPDK telemetry socket (/mediagate/lcores: packets received, TSC
ticks in polls, and of those in polls that found packets, and how many
such polls). Writes a line a second, "SECONDS RX_PPS BUSY BURST" (busy:
0..1, the mean over lcores; burst: packets a poll that found any), until
the dataplane goes; --summary FILE prints the medians of the seconds that
carried traffic. A poll finds a packet or two long before an lcore runs
short of time, so busy alone overstates the load; bursts near full (32 a
port) are what says the lcore is the limit.

Usage: dp_busy.py FILE_PREFIX OUT      (sampling)
       dp_busy.py --summary OUT        (what the samples say)
       dp_busy.py --fields OUT         (the same as JSON members)
"""
import json
import socket
import statistics
import sys
import time


def connect(prefix, wait_s=20):
    path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    end = time.monotonic() + wait_s
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(path)
            s.recv(16384)  # the greeting: version, pid, max output
            return s
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def lcores(s):
    s.send(b"/mediagate/lcores")
    return json.loads(s.recv(1 << 20))["/mediagate/lcores"]


def sample(prefix, out):
    s = connect(prefix)
    # The EAL answers before the dataplane has registered its commands
    # (null until then: a dataplane still setting up).
    end = time.monotonic() + 60
    while (prev := lcores(s)) is None and time.monotonic() < end:
        time.sleep(0.2)
    if prev is None:
        return
    t_prev = t0 = time.monotonic()
    with open(out, "w") as f:
        while True:
            time.sleep(1)
            try:
                cur = lcores(s)
            except (OSError, ValueError):
                return
            t = time.monotonic()
            rx = sum(c["rx_pkts"] - prev[k]["rx_pkts"] for k, c in cur.items())
            busy = [(c["busy_cycles"] - prev[k]["busy_cycles"]) /
                    max(1, c["poll_cycles"] - prev[k]["poll_cycles"])
                    for k, c in cur.items()]
            polls = sum(c["busy_polls"] - prev[k]["busy_polls"] for k, c in cur.items())
            f.write(f"{t - t0:.1f} {rx / (t - t_prev):.0f} "
                    f"{sum(busy) / max(1, len(busy)):.4f} {rx / max(1, polls):.1f}\n")
            f.flush()
            prev, t_prev = cur, t


def medians(out):
    """The median busy fraction and receive rate of the seconds that
    carried traffic, and how many there were; None without any."""
    try:
        rows = [tuple(map(float, ln.split())) for ln in open(out) if ln.strip()]
    except OSError:
        return None
    live = [r for r in rows if r[1] > 1000]
    if not live:
        return None
    return (statistics.median(r[2] for r in live),
            statistics.median(r[1] for r in live), len(live),
            statistics.median(r[3] for r in live))


def summary(out):
    m = medians(out)
    if m is None:
        print("dataplane: no second with traffic sampled")
        return
    busy, rx, n, burst = m
    print(f"dataplane: at {rx / 1e3:.0f} kpps received, {busy * 100:.0f} % of "
          f"its poll time in polls that found packets, {burst:.1f} packets "
          f"each (medians of {n} s)")


def fields(out):
    m = medians(out)
    print(json.dumps({} if m is None else
                     {"dp_busy": round(m[0], 4), "dp_rx_kpps": round(m[1] / 1e3, 1),
                      "dp_burst": round(m[3], 1)}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--summary":
        summary(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--fields":
        fields(sys.argv[2])
    elif len(sys.argv) == 3:
        sample(sys.argv[1], sys.argv[2])
    else:
        sys.exit(__doc__)
