#!/usr/bin/env bash
# README command 1: install, build, and run mediagate on an embedded default.
#
# One call leg as an SBC runs it toward a phone that wants SRTP: plain RTP
# from a trunk (192.0.2.10:30000 -> 198.51.100.20:40000) is encrypted with
# an SDES key (AES_CM_128_HMAC_SHA1_80) and sent on from 203.0.113.1:50000
# to the phone at 203.0.113.50:6000.
#
#   mediagate-control      creates the control segment, installs the call's
#                          SRTP context and flow (static flows file) over
#                          the ring, starts the dataplane, pings it
#   mediagate-dataplane    the media pipeline on two virtual ports, no NIC:
#                            port 0: net_pcap replaying 4,096 G.711 RTP
#                                    packets, sequence numbers 16 apart over
#                                    one full cycle, so the loop is one
#                                    endless stream (as after packet loss)
#                            port 1: net_null, the phone side
#                          prints rates every second, its counters through
#                          DPDK telemetry half-way, and totals at exit
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

# 4,096 G.711 packets (20 ms of 8 kHz audio in RTP over UDP/IPv4), every
# 16th sequence number, written straight as pcap. net_pcap keeps them all
# in mbufs to loop over them.
/usr/bin/python3 - "$work/rtp.pcap" <<'PY'
import struct, sys
eth = bytes.fromhex("020000000002" "020000000001" "0800")
def ip_udp(n):
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0xb8, 20 + 8 + n, 0, 0x4000,
                               64, 17, 0, bytes([192, 0, 2, 10]),
                               bytes([198, 51, 100, 20])))
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xffff) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~s & 0xffff)
    return bytes(ip) + struct.pack("!HHHH", 30000, 40000, 8 + n, 0)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    hdr = eth + ip_udp(172)
    for i in range(4096):
        rtp = struct.pack("!BBHII", 0x80, 0, 16 * i, 2560 * i, 0x1234abcd) + b"\xd5" * 160
        f.write(struct.pack("<IIII", i // 50, (i % 50) * 20000, 214, 214))
        f.write(hdr + rtp)
PY

# The call: an SDES key as an a=crypto line carries it, and the flow.
cat > "$work/call.flows" <<'FLOWS'
srtp 1 ssrc=0x1234abcd AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
flow 1 local=198.51.100.20:40000 action=rtp-to-srtp tx=1 out-port=1 out-src=203.0.113.1:50000 out-dst=203.0.113.50:6000 out-smac=02:00:00:00:01:01 out-dmac=02:00:00:00:01:02
FLOWS

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

echo "demo: starting mediagate-control (segment $shm, call from $work/call.flows)"
./build/control/mediagate-control --shm "$shm" --ping-interval 1000 \
  --flows "$work/call.flows" --start --remove-on-exit &
ctl_pid=$!
sleep 0.3

# Half-way, the call's counters as any DPDK tool reads them.
( sleep $(( secs / 2 > 0 ? secs / 2 : 1 ))
  echo "demo: dpdk-telemetry.py: /mediagate/flow,1:"
  echo "/mediagate/flow,1" | dpdk-telemetry.py -f mediagate-demo 2>/dev/null \
    | grep -o '{"/mediagate/flow".*' || echo "demo: (telemetry not reachable)"
) &

echo "demo: starting mediagate-dataplane for $secs s (virtual ports: the rates"
echo "demo: show the path works, not its speed; benchmarks live in bench/)"
./build/dataplane/mediagate-dataplane "${mem[@]}" --no-pci --file-prefix mediagate-demo \
  -l 0-1 --log-level '*:warning' \
  --vdev "net_pcap0,rx_pcap=$work/rtp.pcap,infinite_rx=1" \
  --vdev net_null1,no-rx=1 \
  -- --shm "$shm" --media --hold-rx --duration "$secs"
wait
sleep 0.2
echo "demo: done"
