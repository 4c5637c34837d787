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
#   hold       1,000,000 calls (--calls) held at once, every one of them
#              carrying media: 200 kpps in all shared by every stream
#              (--total-pps), 30 s; prints the install rate and the memory
#              each process took a call (RSS growth / calls)
#   hostile    paced, with 20 hostile packets per 100 of the phone's
#              (replays, broken tags, garbage, truncated headers) toward
#              the dataplane's phone port: nothing valid lost, nothing
#              hostile out, the dataplane's drop counters say why
#   churn      5,000 calls paced as above for 30 s while 500 more a
#              second are set up and torn down through ng (--churn, each
#              held --churn-hold 5 s): nothing lost on the calls carrying
#              media, the churn rate reached, setup latency
#   rekey      5,000 calls paced as above for 30 s while 500 of them a
#              second are rekeyed (--rekey: the phone's re-INVITE with a
#              new SDES key, each phone sending under it once answered):
#              nothing lost across the rekeys, their rate and latency.
#              MG_CTL_ARGS="--srtp-drain 0" shows what the old key's
#              drain saves
#   max-rate   100 calls flat out for 10 s (a bounded window in flight):
#              the rate the path sustains with nothing lost (with
#              --phone-esp: ESP<->RTP; --trunk-srtp: SRTP<->SRTP). The phone's
#              SRTP is made before the clock starts and opened after it
#              stops, so libsrtp2 is off the timed path.
# MG_CTL_ARGS / MG_DP_ARGS: more options for the control plane / the
# dataplane (after its --), e.g. MG_DP_ARGS="--srtp-engine libsrtp2" with
# --engine mediagate-libsrtp2 for the generator's JSON.
# Both memif rings are 16k slots (rsize=14): this machine's scheduler
# pauses a process for several ms now and then, and 1k slots overflow at
# 500 kpps.
# MG_MEMIF_ZC=1: the dataplane is the memif client with zero-copy=yes
# (its own mbufs are the ring's buffers, so the generator, the server, does
# every copy: what a dataplane beside VPP or another DPDK process would
# run), started once the generator's port is up. Zero-copy shares all of
# the dataplane's DPDK memory with the peer. The memory a call takes is
# not measured then (the generator sets its calls up as soon as the
# dataplane attaches, before the baseline): 0 in the JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?usage: bench/gen_run.sh paced|max-rate [BUILD_DIR] [mg_gen options]}
shift
build=${1:-build}
shift || true
case "$scenario" in
  paced) args=(--calls 1000 --pps 50 --seconds 20) ;;
  max-rate) args=(--calls 100 --flat-out --seconds 10 --packets 40000) ;;
  hold) args=(--calls 1000000 --total-pps 200000 --seconds 30 --window 64) ;;
  hostile) args=(--calls 1000 --pps 50 --seconds 20 --hostile 20) ;;
  churn) args=(--calls 5000 --pps 50 --seconds 30 --churn 500 --churn-hold 5) ;;
  rekey) args=(--calls 5000 --pps 50 --seconds 30 --rekey 500) ;;
  *) echo "gen_run.sh: no scenario '$scenario' (paced, max-rate, hold, hostile, churn, rekey)" >&2
     exit 2 ;;
esac
# Sized for the calls asked: each call takes 4 ports of one media address
# (63,000 ports each) and 4 flows. The last of an option's values wins (as
# in mg_gen), else the default.
opt() {
  local o=$1 d=$2
  shift 2
  printf '%s\n' "${args[@]}" "$@" | awk -v o="$o" -v d="$d" 'c {n = $0; c = 0}
    $0 == o {c = 1} END {print (n == "" ? d : n)}'
}
calls=$(opt --calls 100 "$@")
# Churned calls are up beside them (--churn N a second, held --churn-hold
# S, and 3 s of slack: the generator's ring of them).
churn=$(opt --churn 0 "$@") churn_hold=$(opt --churn-hold 2 "$@")
calls_up=$((calls + churn * (churn_hold + 3)))
max_calls=$((calls_up + 1000 > 20000 ? calls_up + 1000 : 20000))
max_flows=$((4 * calls_up + 4096 > 131072 ? 4 * calls_up + 4096 : 131072))
media=()
for ((a = 0; a < (calls_up + 14999) / 15000 && a < 64; a++)); do
  media+=(--media-addr "192.0.2.$((10 + a))")
done
dp_mem=$((1024 + calls_up / 256))  # MB: a few hundred bytes a flow and context
out=${MG_BENCH_OUT:-gen_$scenario.json}
shm=/mgbench-gen
ng_port=22311
sock=/tmp/mgbench-gen.sock
eal_mem=(--no-huge -m 1024)
dp_eal_mem=(--no-huge -m "$dp_mem")
if [ "${MG_HUGE:-0}" = 1 ]; then
  # Unlinked once mapped: the pages go back when the processes end.
  eal_mem=(-m 1024 --huge-unlink)
  dp_eal_mem=(-m "$dp_mem" --huge-unlink)
  grep -q '^[^ ]* [^ ]* hugetlbfs ' /proc/mounts ||
    { echo "gen_run.sh: MG_HUGE=1 but no hugetlbfs mounted" >&2; exit 2; }
fi
memif="socket=$sock,rsize=${MG_MEMIF_RSIZE:-14}"
dp_memif="net_memif0,role=server,$memif"
gen_memif="net_memif0,role=client,$memif"
dp_zc=()
if [ "${MG_MEMIF_ZC:-0}" = 1 ]; then
  # The peer maps each memseg list as one file, which must stay linked
  # (no --huge-unlink); the rx ring alone holds 2^rsize mbufs.
  dp_memif="net_memif0,role=client,zero-copy=yes,$memif"
  gen_memif="net_memif0,role=server,$memif"
  dp_eal_mem=(-m "$dp_mem" --single-file-segments)
  [ "${MG_HUGE:-0}" = 1 ] || dp_eal_mem+=(--no-huge)
  dp_zc=(--wait-link 60 --mbufs $((4 << ${MG_MEMIF_RSIZE:-14})))
fi
source bench/bench_procs.sh
leftovers=("/dev/shm$shm.calls" "$sock" "$out.dp")
# Without --huge-unlink the dataplane's hugepage files outlive it (and
# hold the pages): removed once it is gone.
huge_files() {
  local dir
  for dir in $(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts); do
    rm -f "$dir"/mgbench-gen-dpmap_*
  done
}
trap 'bench_cleanup; huge_files' EXIT
trap 'exit 130' INT
rm -f "/dev/shm$shm.calls" "$sock"

taskset -c 0 "$build/control/mediagate-control" --shm "$shm" \
  --ng "127.0.0.1:$ng_port" "${media[@]}" \
  --next-hop-mac 02:00:00:00:00:20 --port-min 2000 --port-max 65000 \
  --max-calls "$max_calls" --max-flows "$max_flows" --ping-interval 1000 \
  --remove-on-exit ${MG_CTL_ARGS:-} >/dev/null &
pids+=($!)
ctl=$!
sleep 0.3
start_dp() {
  taskset -c 1 "$build/dataplane/mediagate-dataplane" "${dp_eal_mem[@]}" \
    --no-pci --file-prefix mgbench-gen-dp -l 1 --log-level '*:warning' \
    --vdev "$dp_memif,mac=02:00:00:00:00:10" -- \
    --shm "$shm" --media --stats-interval 0 --max-flows "$max_flows" \
    "${dp_zc[@]}" ${MG_DP_ARGS:-} >"$out.dp" &
  pids+=($!)
  dp=$!
}
gen() {
  taskset -c 0 "$build/bench/mg_gen" "${eal_mem[@]}" --no-pci \
    --file-prefix mgbench-gen -l 0 --log-level '*:warning' \
    --vdev "$gen_memif,mac=02:00:00:00:00:20" -- \
    --ng "127.0.0.1:$ng_port" --dst-mac 02:00:00:00:00:10 "${args[@]}" \
    --json "$@" > "$out"
}
if [ ${#dp_zc[@]} -gt 0 ]; then
  # The generator's port first: a client that connects between the
  # server's socket appearing and its port starting is turned away, and
  # a zero-copy client cannot try again. The generator waits for the
  # dataplane (link up, attached to the control plane) before its offers.
  gen "$@" &
  pids+=($!)
  gen_pid=$!
  for ((i = 0; i < 100; i++)); do
    grep -q "@$sock\$" /proc/net/unix && break  # memif's abstract socket
    sleep 0.1
  done
  sleep 1
fi
start_dp
sleep 2
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
ctl0=$(rss "$ctl") dp0=$(rss "$dp")
# The most each held while the calls were up (kB), sampled each second.
( peak_c=0 peak_d=0
  while kill -0 "$dp" 2>/dev/null; do
    c=$(rss "$ctl") d=$(rss "$dp")
    ((c > peak_c)) && peak_c=$c; ((d > peak_d)) && peak_d=$d
    echo "$peak_c $peak_d" > "$out.rss"; sleep 1
  done ) &
sampler=$!
leftovers+=("$out.rss" "$out.busy")
# How busy the dataplane's lcore is, second by second (its telemetry).
taskset -c 0 python3 bench/dp_busy.py mgbench-gen-dp "$out.busy" &
busy_sampler=$!
pids+=("$busy_sampler")

if [ ${#dp_zc[@]} -gt 0 ]; then
  wait "$gen_pid"
else
  gen "$@"
fi
read -r ctl1 dp1 < "$out.rss" || true
if [ ${#dp_zc[@]} -gt 0 ]; then
  # The calls went up before the baseline was taken: no figure (0).
  echo "memory: not measured with MG_MEMIF_ZC=1"
  ctl1=$ctl0 dp1=$dp0
else
echo "memory: control plane $(( (ctl1 - ctl0) / 1024 )) MB, dataplane" \
  "$(( (dp1 - dp0) / 1024 )) MB more with $calls calls up:" \
  "$(( (ctl1 - ctl0) * 1024 / calls )) + $(( (dp1 - dp0) * 1024 / calls ))" \
  "bytes a call"
fi
python3 bench/dp_busy.py --summary "$out.busy"
# The same figures in the JSON, for the report.
python3 - "$out" "$(( (ctl1 - ctl0) * 1024 / calls ))" \
  "$(( (dp1 - dp0) * 1024 / calls ))" \
  "$(python3 bench/dp_busy.py --fields "$out.busy")" <<'PY'
import json, sys
path, ctl, dp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
busy = json.loads(sys.argv[4])
lines = [json.loads(l) for l in open(path) if l.startswith("{")]
with open(path, "w") as f:
    for d in lines:
        d.update(ctl_bytes_per_call=ctl, dp_bytes_per_call=dp, **busy)
        f.write(json.dumps(d, separators=(",", ":")) + "\n")
PY
# The dataplane's own count, to tell where a loss was.
kill -TERM "$dp"; wait "$dp" 2>/dev/null || true
kill "$sampler" "$busy_sampler" 2>/dev/null || true
old_key=$(grep -o '^mg-pipe lcore=1 .*srtp_old_key=[0-9]*' "$out.dp" |
  sed 's/.*srtp_old_key=//' || echo 0)
python3 - "$out" "${old_key:-0}" <<'PY'
import json, sys
path, old = sys.argv[1], int(sys.argv[2])
lines = [json.loads(l) for l in open(path) if l.startswith("{")]
with open(path, "w") as f:
    for d in lines:
        d.update(dp_srtp_old_key=old)
        f.write(json.dumps(d, separators=(",", ":")) + "\n")
PY
python3 bench/gen_table.py "$out"
grep -o '^mg-pipe lcore=1 rx_pkts=[0-9]* tx_pkts=[0-9]*\|drop_[a-z]*=[1-9][0-9]*\|other_udp=[1-9][0-9]*\|malformed=[1-9][0-9]*' \
  "$out.dp" | tr '\n' ' ' | sed 's/^/dataplane: /'; echo
rm -f "$out.dp" "$out.busy"
echo "gen_run.sh: JSON in $out"
