#!/usr/bin/env bash
# Offer/answer pairs per second through the ng protocol: mediagate (its
# control plane on core 0, installing every call in a running dataplane
# whose one lcore polls core 1, before answering) next to rtpengine-daemon
# (userspace, --table=-1, its threads confined to core 0 too), the same
# requests to both, rounds alternating. The client shares core 0 with the
# engine under test: core 1 belongs to the dataplane's poll loop, which
# runs through both engines' rounds alike. Writes the JSON to
# ${MG_BENCH_OUT:-ng_bench.json} and prints the table.
#
# Usage: bench/ng_bench.sh [BUILD_DIR] [ng_bench options]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
out=${MG_BENCH_OUT:-ng_bench.json}
shm=/mgbench-ng
mg_port=22301
re_port=22302
source bench/bench_procs.sh
leftovers=("/dev/shm$shm.calls")
rm -f "/dev/shm$shm.calls"

taskset -c 0 "$build/control/mediagate-control" --shm "$shm" \
  --ng "127.0.0.1:$mg_port" --media-addr 192.0.2.10 \
  --next-hop-mac 02:00:00:00:00:01 --port-min 2000 --port-max 65000 \
  --max-calls 20000 --ping-interval 60000 --remove-on-exit >/dev/null &
pids+=($!)
sleep 0.3
taskset -c 1 "$build/dataplane/mediagate-dataplane" --no-huge -m 512 --no-pci \
  --file-prefix mgbench-ng -l 1 --log-level '*:warning' \
  --vdev net_null0,no-rx=1 -- --shm "$shm" --media --stats-interval 0 \
  --max-flows 131072 >/dev/null &
pids+=($!)
taskset -c 0 rtpengine --table=-1 --interface=127.0.0.1 \
  --listen-ng="127.0.0.1:$re_port" --foreground --log-level=3 \
  --port-min=20000 --port-max=60000 --delete-delay=0 >/dev/null 2>&1 &
pids+=($!)
sleep 2

taskset -c 0 "$build/bench/ng_bench" --engine "mediagate=127.0.0.1:$mg_port" \
  --engine "rtpengine=127.0.0.1:$re_port" "$@"
taskset -c 0 "$build/bench/ng_bench" --engine "mediagate=127.0.0.1:$mg_port" \
  --engine "rtpengine=127.0.0.1:$re_port" --json "$@" > "$out"
echo "ng_bench: JSON in $out"
