# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the bench scripts: the processes they start, stopped on exit
# last started first (a dataplane detaches before its control plane
# exits, so the control plane removes the segment), and the files named
# in `leftovers` removed.
pids=()
leftovers=()
bench_cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  rm -f "${leftovers[@]}"
}
trap bench_cleanup EXIT
