#!/usr/bin/env bash
# README command 1: install, build, and run mediagate on an embedded default.
#
# A call as an SBC carries it: a phone that speaks SRTP calls a PSTN trunk
# that speaks plain RTP. Both parties live in a network namespace on the far
# side of a veth pair; the dataplane owns the media address 192.0.2.10 on
# the near end (DPDK net_af_packet, no NIC needed) and answers ARP for it.
#
#   mediagate-control      creates the control segment, answers the ng
#                          protocol on 127.0.0.1:22223
#   mediagate-dataplane    the media pipeline, one worker lcore
#   scripts/demo_call.py   the SIP server's part: the offer and the answer
#                          over ng (SDES on the phone's leg, plain RTP on the
#                          trunk's), then media both ways at 50 packets/s
#                          (the phone's SRTP made by libsrtp2), counters
#                          every second, and a check of what each party got
#                          (the phone's SRTP opened by libsrtp2)
#
# Uses hugepages when some are free, --no-huge otherwise. Runs for
# MG_DEMO_SECONDS (default 10); Ctrl-C stops it early.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
bash scripts/build.sh build

secs=${MG_DEMO_SECONDS:-10}

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

MG_DEMO_MEM="${mem[*]}" exec /usr/bin/python3 scripts/demo_call.py build "$secs"
