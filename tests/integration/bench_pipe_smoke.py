# SPDX-License-Identifier: BSD-3-Clause
"""pipe_bench still runs every mode and speaks the JSON the report scripts
read. A smoke run only: tiny figures, no speed is asserted. With
--old-key every packet of that mode is under a rekey's old key: the
pipeline must put every one of them out (pipe_bench exits otherwise).
With --bridged the flows are paired as calls (each leg the other's
peer, latching): every packet must come out and every flow must have
latched (pipe_bench exits otherwise); the flows are whole calls.

Usage: bench_pipe_smoke.py PATH_TO_PIPE_BENCH
"""
import json
import os
import shutil
import subprocess
import sys

FIELDS = {"bench", "engine", "suite", "op", "bytes", "contexts", "mpps",
          "cycles_per_packet", "flows", "lcores", "vs_crypto"}


def main():
    prefix = f"mg-pipe-smoke-{os.getpid()}"
    out = subprocess.run([sys.argv[1], "--no-huge", "-m", "256", "--no-pci",
                          "-l", "0,1", "--file-prefix", prefix,
                          "--log-level", "*:error", "--",
                          "--json", "--flows", "1,64", "--packets", "20000",
                          "--scale", "--latency", "--old-key", "--bridged"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    pipe = [r for r in rows if r["bench"] == "pipeline"]
    lat = [r for r in rows if r["bench"] == "pipeline-latency"]
    for r in pipe:
        missing = FIELDS - set(r)
        assert not missing, f"row lacks {missing}: {r}"
        assert r["mpps"] > 0 and 0 < r["vs_crypto"] < 2, r
    seen = {(r["flows"], r["op"], r["lcores"]) for r in pipe}
    for flows in (1, 64):
        for op in ("protect", "unprotect", "unprotect-old-key"):
            for lc in (1, 2):
                assert (flows, op, lc) in seen, f"no figure {flows} {op} {lc}"
    # One flow is rounded up to a call, on each of two lcores too.
    for flows, lc in ((2, 1), (4, 2), (64, 1), (64, 2)):
        assert (flows, "bridged", lc) in seen, f"no bridged figure {flows} {lc}"
    for r in pipe:
        assert r["calls"] == (r["flows"] // 2 if r["op"] == "bridged" else 0), r
    assert len(lat) == 8 and all(r["p50_ns"] > 0 and r["delivered"] > 0.5
                                 for r in lat), lat
    shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    print(f"ok: {len(pipe)} pipeline figures, {len(lat)} latency figures")


if __name__ == "__main__":
    main()
