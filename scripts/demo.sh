#!/usr/bin/env bash
# README command 1: install, build, and run mediagate on an embedded default.
#
#   mediagate-control      creates the control segment and pings the dataplane
#   mediagate-dataplane    two virtual ports, no NIC needed:
#                            port 0: net_pcap replaying RTP-sized UDP packets
#                                    (made here with scapy) in a loop
#                            port 1: net_null sink
#                          forwards port 0 -> port 1 and prints rates
#
# Uses hugepages when some are free, --no-huge otherwise. Runs for
# MG_DEMO_SECONDS (default 10) and stops by itself; Ctrl-C stops it early.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
bash scripts/build.sh build

secs=${MG_DEMO_SECONDS:-10}
shm=/mediagate-demo
work=$(mktemp -d /tmp/mediagate-demo.XXXXXX)
ctl_pid=
cleanup() {
  [ -n "$ctl_pid" ] && kill -INT "$ctl_pid" 2>/dev/null && wait "$ctl_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1000 G.711-sized packets (20 ms of 8 kHz audio in RTP over UDP/IPv4).
/usr/bin/python3 - "$work/rtp.pcap" <<'PY'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, wrpcap
rtp = lambda i: bytes([0x80, 0x00]) + i.to_bytes(2, "big") + (160 * i).to_bytes(4, "big") \
    + (0x1234abcd).to_bytes(4, "big") + bytes([0xd5]) * 160
wrpcap(sys.argv[1], [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
                     / IP(src="192.0.2.10", dst="198.51.100.20")
                     / UDP(sport=30000, dport=40000) / Raw(rtp(i)) for i in range(1000)])
PY

# Hugepages when some are reserved (and a hugetlbfs is mounted, or we can
# mount one), --no-huge otherwise.
mem=(--no-huge -m 256)
free_huge=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${free_huge:-0}" -gt 0 ]; then
  if ! grep -q hugetlbfs /proc/mounts && [ "$(id -u)" -eq 0 ]; then
    mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages || true
  fi
  if grep -q hugetlbfs /proc/mounts; then
    mem=(-m 256)
  fi
fi
if [ "${mem[0]}" = "--no-huge" ]; then
  echo "demo: no usable hugepages, running with --no-huge"
else
  echo "demo: using hugepages ($free_huge free)"
fi

echo "demo: starting mediagate-control (segment $shm)"
./build/control/mediagate-control --shm "$shm" --ping-interval 1000 \
  --remove-on-exit &
ctl_pid=$!
sleep 0.3

echo "demo: starting mediagate-dataplane for $secs s (virtual ports: the rates"
echo "demo: show the path works, not its speed; benchmarks live in bench/)"
./build/dataplane/mediagate-dataplane "${mem[@]}" --no-pci --file-prefix mediagate-demo \
  -l 0-1 --log-level '*:warning' \
  --vdev "net_pcap0,rx_pcap=$work/rtp.pcap,infinite_rx=1" \
  --vdev net_null0,no-rx=1 \
  -- --shm "$shm" --duration "$secs"
sleep 0.2
echo "demo: done"
