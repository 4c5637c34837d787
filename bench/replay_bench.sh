#!/usr/bin/env bash
# How long a restarted dataplane waits for its calls: N calls set up over
# ng (bench/ng_bench --keep; 8 media addresses, each call SRTP on one leg
# and plain RTP on the other: 4 flows and 4 SRTP contexts a call), then
# the dataplane is killed (-9) and started again TRIALS times; each time
# the control plane replays every call into it and says how long that
# took. Prints the times and their median, and writes JSON to
# ${MG_BENCH_OUT:-replay_bench.json}. Control on core 0, dataplane on 1.
# The dataplane runs with --no-huge, or on hugepages the caller reserved
# with MG_HUGE=1 (2 GiB: echo 1024 > /sys/kernel/mm/hugepages/
# hugepages-2048kB/nr_hugepages), as a production dataplane does.
# MG_RESTART_PAUSE=S waits S seconds between the kill and the restart, as
# a supervisor would (on a VM that gives freed memory back to its host,
# the new dataplane then finds none of the old one's pages warm).
#
# Usage: bench/replay_bench.sh [BUILD_DIR] [CALLS] [TRIALS]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
calls=${2:-100000}
trials=${3:-3}
out=${MG_BENCH_OUT:-replay_bench.json}
shm=/mgbench-replay
ng=22331
log=$(mktemp /tmp/mg-replay.XXXXXX)
dplog=$(mktemp /tmp/mg-replay-dp.XXXXXX)
ctl=
dp=
cleanup() {
  # The dataplane first: it detaches, then the control plane removes the
  # segment as it exits.
  [ -n "$dp" ] && { kill -TERM "$dp" 2>/dev/null; wait "$dp" 2>/dev/null; } || true
  [ -n "$ctl" ] && { kill -TERM "$ctl" 2>/dev/null; wait "$ctl" 2>/dev/null; } || true
  rm -f "$log" "$dplog" "/dev/shm$shm.calls"
}
trap cleanup EXIT
rm -f "/dev/shm$shm.calls"

eal_mem=(--no-huge -m 2048)
if [ "${MG_HUGE:-0}" = 1 ]; then
  # Unlinked once mapped: the pages go back when the dataplane ends.
  eal_mem=(-m 2048 --huge-unlink)
  grep -q '^[^ ]* [^ ]* hugetlbfs ' /proc/mounts ||
    { echo "replay_bench: MG_HUGE=1 but no hugetlbfs mounted" >&2; exit 2; }
fi
addrs=()
for i in $(seq 10 17); do addrs+=(--media-addr "192.0.2.$i"); done
taskset -c 0 "$build/control/mediagate-control" --shm "$shm" --ng "127.0.0.1:$ng" \
  "${addrs[@]}" --next-hop-mac 02:00:00:00:00:01 --port-min 1024 \
  --port-max 65535 --max-calls $((calls + 1024)) --max-flows 524288 \
  --ping-interval 100 --remove-on-exit >"$log" 2>&1 &
ctl=$!
start_dp() {
  taskset -c 1 "$build/dataplane/mediagate-dataplane" "${eal_mem[@]}" --no-pci \
    --file-prefix mgbench-replay -l 1 --log-level '*:warning' \
    --vdev net_null0,no-rx=1 -- --shm "$shm" --media --stats-interval 0 \
    --max-flows 524288 >>"$dplog" 2>&1 &
  dp=$!
}
sleep 0.5
start_dp
sleep 2
echo "replay_bench: setting up $calls calls over ng"
taskset -c 0 "$build/bench/ng_bench" --engine "mediagate=127.0.0.1:$ng" --rounds 1 \
  --calls "$calls" --window 128 --keep >/dev/null
ms=()
for t in $(seq "$trials"); do
  kill -9 "$dp"
  wait "$dp" 2>/dev/null || true
  sleep "${MG_RESTART_PAUSE:-0}"
  before=$(grep -c "replayed [1-9]" "$log" || true)
  start_dp
  for _ in $(seq 120); do
    [ "$(grep -c "replayed [1-9]" "$log" || true)" -gt "$before" ] && break
    sleep 0.5
  done
  line=$(grep "replayed [1-9]" "$log" | tail -1 || true)
  if [ -z "$line" ]; then
    echo "replay_bench: trial $t: no replay within 60 s; control plane:" >&2
    tail -20 "$log" >&2
    echo "replay_bench: dataplane:" >&2
    tail -20 "$dplog" >&2
    exit 1
  fi
  n=$(sed -E 's/.*replayed ([0-9]+) calls.*/\1/' <<<"$line")
  m=$(sed -E 's/.* in ([0-9.]+) ms.*/\1/' <<<"$line")
  [ "$n" = "$calls" ] || { echo "replay_bench: trial $t replayed $n of $calls" >&2; exit 1; }
  echo "replay_bench: trial $t: $n calls (flows and contexts: $((8 * n)) ring requests) in $m ms"
  ms+=("$m")
done
median=$(printf '%s\n' "${ms[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
printf '%-10s %10s %12s %14s\n' calls trials "median ms" "calls/s"
awk -v c="$calls" -v t="$trials" -v m="$median" 'BEGIN {printf "%-10d %10d %12.1f %14.0f\n", c, t, m, c / (m / 1000)}'
printf '{"bench":"replay","calls":%d,"trials":%d,"hugepages":%s,"restart_pause_s":%s,"ms":[%s],"median_ms":%s,"calls_per_s":%.0f}\n' \
  "$calls" "$trials" "$([ "${MG_HUGE:-0}" = 1 ] && echo true || echo false)" "${MG_RESTART_PAUSE:-0}" "$(IFS=,; echo "${ms[*]}")" "$median" \
  "$(awk -v c="$calls" -v m="$median" 'BEGIN {print c / (m / 1000)}')" > "$out"
echo "replay_bench: JSON in $out"
