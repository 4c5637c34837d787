#!/usr/bin/env bash
# A scenario of the traffic generator, one command: mediagate-control and
# a dataplane with one media lcore (core 1) on one end of a memif pair,
# bench/mg_gen on the other (core 0, beside the control plane, which is
# idle once the calls are up). Prints the generator's table and writes
# its JSON to ${MG_BENCH_OUT:-gen_SCENARIO.json}. Hugepages are used if
# reserved (MG_HUGE=1), else --no-huge.
#
# Usage: bench/gen_run.sh SCENARIO [BUILD_DIR] [mg_gen options]   (as root)
#   paced      N calls (default 1000, --calls) of G.711 both ways, 50 pps a
#              stream, 20 s: zero loss and one-way latency at that load
#   max-rate   100 calls flat out for 10 s: the rate the path sustains with
#              nothing lost (the generator's libsrtp2 is the first limit)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?usage: bench/gen_run.sh paced|max-rate [BUILD_DIR] [mg_gen options]}
shift
build=${1:-build}
shift || true
case "$scenario" in
  paced) args=(--calls 1000 --pps 50 --seconds 20) ;;
  max-rate) args=(--calls 100 --flat-out --seconds 10) ;;
  *) echo "gen_run.sh: no scenario '$scenario' (paced, max-rate)" >&2; exit 2 ;;
esac
out=${MG_BENCH_OUT:-gen_$scenario.json}
shm=/mgbench-gen
ng_port=22311
sock=/tmp/mgbench-gen.sock
eal_mem=(--no-huge -m 1024)
[ "${MG_HUGE:-0}" = 1 ] && eal_mem=(-m 1024)
source bench/bench_procs.sh
leftovers=("/dev/shm$shm.calls" "$sock")
trap 'exit 130' INT
rm -f "/dev/shm$shm.calls" "$sock"

taskset -c 0 "$build/control/mediagate-control" --shm "$shm" \
  --ng "127.0.0.1:$ng_port" --media-addr 192.0.2.10 \
  --next-hop-mac 02:00:00:00:00:20 --port-min 2000 --port-max 65000 \
  --max-calls 20000 --max-flows 131072 --ping-interval 1000 \
  --remove-on-exit >/dev/null &
pids+=($!)
sleep 0.3
taskset -c 1 "$build/dataplane/mediagate-dataplane" "${eal_mem[@]}" --no-pci \
  --file-prefix mgbench-gen-dp -l 1 --log-level '*:warning' \
  --vdev "net_memif0,role=server,socket=$sock,mac=02:00:00:00:00:10" -- \
  --shm "$shm" --media --stats-interval 0 --max-flows 131072 >/dev/null &
pids+=($!)
sleep 2

taskset -c 0 "$build/bench/mg_gen" "${eal_mem[@]}" --no-pci \
  --file-prefix mgbench-gen -l 0 --log-level '*:warning' \
  --vdev "net_memif0,role=client,socket=$sock,mac=02:00:00:00:00:20" -- \
  --ng "127.0.0.1:$ng_port" --dst-mac 02:00:00:00:00:10 "${args[@]}" \
  --json "$@" > "$out"
python3 bench/gen_table.py "$out"
echo "gen_run.sh: JSON in $out"
