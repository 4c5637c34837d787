# SPDX-License-Identifier: BSD-3-Clause
"""bench/replay_bench.sh still runs end to end (calls over ng, the
dataplane killed and started again, every call replayed) and writes the
JSON the README's figure comes from. A smoke run: 2,000 calls, two
trials; no time is asserted, but every call must come back each time.

Usage: bench_replay_smoke.py BUILD_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, MG_BENCH_OUT=f"{tmp}/r.json", MG_RESTART_PAUSE="0.1")
    env.pop("MG_HUGE", None)
    r = subprocess.run(["bash", os.path.join(ROOT, "bench", "replay_bench.sh"),
                        sys.argv[1], "2000", "2"], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(f"{tmp}/r.json") as f:
        res = json.load(f)
assert res["calls"] == 2000 and len(res["ms"]) == 2, res
assert all(m > 0 for m in res["ms"]), res
assert res["hugepages"] is False and res["restart_pause_s"] == 0.1, res
print(f"ok: 2000 calls replayed twice, median {res['median_ms']} ms (smoke)")
