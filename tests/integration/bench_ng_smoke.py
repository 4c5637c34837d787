# SPDX-License-Identifier: BSD-3-Clause
"""bench/ng_bench.sh still runs end to end (mediagate with a dataplane and
rtpengine-daemon, the same calls to both) and writes the JSON the README's
figures come from. A smoke run only: few calls, no speed is asserted, but
every call must have been answered without an error.

Usage: bench_ng_smoke.py BUILD_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MG_BENCH_OUT=f"{tmp}/ng.json")
        r = subprocess.run(["bash", os.path.join(ROOT, "bench", "ng_bench.sh"),
                            sys.argv[1], "--calls", "300", "--rounds", "2"],
                           capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "pairs/s" in r.stdout, r.stdout
        with open(f"{tmp}/ng.json") as f:
            res = json.load(f)
    names = [e["name"] for e in res["engines"]]
    assert names == ["mediagate", "rtpengine"], res
    for e in res["engines"]:
        assert e["pairs_per_s_median"] > 0 and e["errors"] == 0, e
    mg = res["engines"][0]
    # Every answered call installed its flows and contexts: 8 ring
    # requests per call (4 flows, 4 contexts) at the rate of the calls.
    assert mg["ring_requests_per_s_median"] > 4 * mg["pairs_per_s_median"], mg
    print(f"ok: mediagate {mg['pairs_per_s_median']:.0f} pairs/s, rtpengine "
          f"{res['engines'][1]['pairs_per_s_median']:.0f} (smoke figures)")


if __name__ == "__main__":
    main()
