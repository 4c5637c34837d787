#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The same calls and the same SRTP<->RTP traffic from mg_gen, through
# mediagate and then through rtpengine-daemon (Debian, userspace
# forwarding, --table=-1), over veth pairs, one after the other in one
# run. Both engines get core 1; mg_gen and the control plane core 0.
#
#   mediagate:  mg_gen (af_packet on mgg1) == veth == dataplane (af_packet
#               on mgd1), no kernel IP stack on either end
#   rtpengine:  mg_gen (af_packet on mgg0) == veth == kernel UDP sockets of
#               rtpengine in netns mgre (its ng over a second veth pair)
#
# The path differs and the figure says so: rtpengine's packets go through
# the kernel's IP/UDP stack (the veth's softirq runs on the sender's core,
# so the kernel's receive work for rtpengine is partly paid by core 0),
# mediagate's through DPDK's af_packet PMD on both ends.
#
# Usage: bench/gen_vs_rtpengine.sh [BUILD_DIR] [mg_gen options]   (as root)
#   default: 100 calls flat out for 10 s; JSON to ${MG_BENCH_OUT:-gen_vs_rtpengine.json}
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--calls 100 --flat-out --seconds 10 --packets 20000)
out=${MG_BENCH_OUT:-gen_vs_rtpengine.json}
ns=mgre
shm=/mgbench-vs
ng_mg=22321
ng_re=22322
source bench/bench_procs.sh
net_down() {
  ip netns del "$ns" 2>/dev/null || true
  ip link del mgg0 2>/dev/null || true
  ip link del mgg1 2>/dev/null || true
  ip link del mgn0 2>/dev/null || true
}
trap 'bench_cleanup; net_down' EXIT
trap 'exit 130' INT
: > "$out"

mac_of() { cat "/sys/class/net/$1/address"; }

net_up() {
  net_down
  ip netns add "$ns"
  # rtpengine's media: mgg0 (mg_gen) <-> mgr0 (rtpengine, 192.0.2.50)
  ip link add mgg0 type veth peer name mgr0 netns "$ns"
  # rtpengine's ng: mgn0 192.0.3.1 <-> mgn1 192.0.3.2
  ip link add mgn0 type veth peer name mgn1 netns "$ns"
  # mediagate's media: mgg1 (mg_gen) <-> mgd1 (dataplane)
  ip link add mgg1 type veth peer name mgd1
  ip addr add 192.0.3.1/30 dev mgn0
  for l in mgg0 mgn0 mgg1 mgd1; do ip link set "$l" up; done
  ip -n "$ns" addr add 192.0.2.50/24 dev mgr0
  ip -n "$ns" addr add 192.0.3.2/30 dev mgn1
  ip -n "$ns" link set lo up
  ip -n "$ns" link set mgr0 up
  ip -n "$ns" link set mgn1 up
  # The generator's phones and trunks sit behind mgg0, which has no
  # address (DPDK owns it): a fixed neighbour stands for them.
  ip -n "$ns" neigh add 192.0.2.1 lladdr "$(mac_of mgg0)" dev mgr0 nud permanent
  ip -n "$ns" route add 10.100.0.0/16 via 192.0.2.1 dev mgr0 onlink
  ip -n "$ns" route add 10.200.0.0/16 via 192.0.2.1 dev mgr0 onlink
}

gen() { # ENGINE IFACE DST_MAC NG
  taskset -c 0 "$build/bench/mg_gen" --no-huge -m 1024 --no-pci \
    --file-prefix mgbench-vs-gen -l 0 --log-level '*:warning' \
    --vdev "net_af_packet0,iface=$2,qpairs=1,framecnt=4096" -- \
    --ng "$4" --dst-mac "$3" --engine "$1" "${args[@]}" --json >> "$out"
}

run_mediagate() {
  rm -f "/dev/shm$shm.calls"
  taskset -c 0 "$build/control/mediagate-control" --shm "$shm" \
    --ng "127.0.0.1:$ng_mg" --media-addr 192.0.2.10 \
    --next-hop-mac "$(mac_of mgg1)" --port-min 2000 --port-max 65000 \
    --max-calls 20000 --max-flows 131072 --ping-interval 1000 \
    --remove-on-exit >/dev/null &
  pids+=($!)
  sleep 0.3
  taskset -c 1 "$build/dataplane/mediagate-dataplane" --no-huge -m 1024 \
    --no-pci --file-prefix mgbench-vs-dp -l 1 --log-level '*:warning' \
    --vdev "net_af_packet0,iface=mgd1,qpairs=1,framecnt=4096" -- --shm "$shm" --media \
    --stats-interval 0 --max-flows 131072 >/dev/null &
  pids+=($!)
  sleep 2
  gen mediagate-af-packet mgg1 "$(mac_of mgd1)" "127.0.0.1:$ng_mg"
  bench_cleanup
  pids=()
}

run_rtpengine() {
  ip netns exec "$ns" taskset -c 1 rtpengine --table=-1 \
    --interface=192.0.2.50 --listen-ng=192.0.3.2:$ng_re --foreground \
    --log-level=3 --port-min=20000 --port-max=60000 --delete-delay=0 \
    >/dev/null 2>&1 &
  pids+=($!)
  sleep 2
  gen rtpengine mgg0 "$(ip netns exec "$ns" cat /sys/class/net/mgr0/address)" \
    "192.0.3.2:$ng_re"
  bench_cleanup
  pids=()
}

net_up
echo "== mediagate (DPDK af_packet on a veth, one media lcore on core 1)"
run_mediagate
echo "== rtpengine-daemon --table=-1 (kernel UDP in a netns, pinned to core 1)"
run_rtpengine
python3 bench/gen_table.py "$out"
echo "gen_vs_rtpengine.sh: JSON in $out"
