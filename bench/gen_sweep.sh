#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The generator's figures for the report: each scenario of gen_run.sh at
# several call counts, each run REPEAT times (this machine is shared and
# noisy: the report takes medians), with and without hugepages, then
# gen_vs_rtpengine.sh REPEAT times (mediagate and rtpengine-daemon over
# veth, the same calls and traffic). All the
# JSON lines go to OUT_DIR/gen.jsonl; then bench/gen_report.py makes the
# markdown summary and the plots from them.
#
# Usage: bench/gen_sweep.sh [OUT_DIR] [BUILD_DIR]   (as root)
#   MG_SWEEP_REPEAT=3  MG_SWEEP_HUGE="0 1"  MG_SWEEP_QUICK=1 (fewer points)
#   MG_SWEEP_VS=0 (no rtpengine runs)
# Each max-rate point up to 1,000 calls also runs with the dataplane's
# SRTP done by libsrtp2 a packet at a time (--srtp-engine libsrtp2: the
# same pipeline, the engine of libsrtp-based media planes), engine
# "mediagate-libsrtp2"; and at 100 and 1,000 calls with an ESP phone
# (--phone-esp: ESP<->RTP).
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=${1:-bench-report}
build=${2:-build}
repeat=${MG_SWEEP_REPEAT:-3}
mkdir -p "$out_dir"
jsonl="$out_dir/gen.jsonl"
: > "$jsonl"
flat_calls=(1 100 1000 10000)
paced_calls=(1000 5000 10000)
if [ "${MG_SWEEP_QUICK:-0}" = 1 ]; then
  flat_calls=(100 1000); paced_calls=(1000)
fi

huge_pages() { # the 2 MB pages both processes need, or none
  echo "$1" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
  # DPDK finds them through a hugetlbfs mount; a fresh VM may have none.
  if [ "$1" != 0 ] && ! grep -q '^[^ ]* [^ ]* hugetlbfs ' /proc/mounts; then
    mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages
  fi
}

run() { # HUGE SCENARIO ARGS...: one run, its lines added to the jsonl
  local huge=$1 tmp
  shift
  tmp=$(mktemp)
  if MG_HUGE=$huge MG_BENCH_OUT="$tmp" bench/gen_run.sh "$1" "$build" \
       "${@:2}" > "$tmp.log" 2>&1; then
    cat "$tmp" >> "$jsonl"
    tail -n 5 "$tmp.log" | grep -v '^gen_run.sh' || true
  else
    echo "gen_sweep.sh: failed: $*" >&2; tail -n 20 "$tmp.log" >&2
  fi
  rm -f "$tmp" "$tmp.log"
}

for huge in ${MG_SWEEP_HUGE:-0}; do
  before=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
  [ "$huge" = 1 ] && huge_pages 1100
  for ((k = 1; k <= repeat; k++)); do
    for c in "${flat_calls[@]}"; do
      echo "== max-rate, $c calls, hugepages=$huge, run $k of $repeat"
      run "$huge" max-rate --calls "$c" --packets $((4000000 / c))
      # Not at 10,000 calls: Debian's libsrtp2 runs on NSS, whose work
      # per key grows with the keys alive; 10,000 calls carried 2.5 kpps
      # and were torn down at 2 a second (over an hour).
      [ "$c" -gt 1000 ] && continue
      echo "== max-rate, $c calls, SRTP by libsrtp2, hugepages=$huge, run $k of $repeat"
      MG_DP_ARGS="--srtp-engine libsrtp2" run "$huge" max-rate --calls "$c" \
        --packets $((4000000 / c)) --engine mediagate-libsrtp2
    done
    for c in 100 1000; do
      echo "== max-rate, $c calls, ESP phone, hugepages=$huge, run $k of $repeat"
      run "$huge" max-rate --calls "$c" --packets $((4000000 / c)) --phone-esp
    done
    for c in "${paced_calls[@]}"; do
      echo "== paced, $c calls at 50 pps, hugepages=$huge, run $k of $repeat"
      run "$huge" paced --calls "$c" --seconds 10
    done
  done
  [ "$huge" = 1 ] && huge_pages "$before"
done
for ((k = 1; k <= ${MG_SWEEP_VS:-1} * repeat; k++)); do
  echo "== mediagate and rtpengine-daemon over veth, run $k of $repeat"
  tmp=$(mktemp)
  if MG_BENCH_OUT="$tmp" bench/gen_vs_rtpengine.sh "$build" > "$tmp.log" 2>&1
  then cat "$tmp" >> "$jsonl"; tail -n 6 "$tmp.log"
  else echo "gen_sweep.sh: gen_vs_rtpengine.sh failed" >&2; tail -n 20 "$tmp.log" >&2
  fi
  rm -f "$tmp" "$tmp.log"
done
python3 bench/gen_report.py "$jsonl" "$out_dir"
