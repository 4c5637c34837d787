# SPDX-License-Identifier: BSD-3-Clause
"""bench/gen_vs_rtpengine.sh still runs end to end: the same calls through
mediagate (af_packet on a veth) and through rtpengine-daemon (kernel UDP
in a network namespace), each driven over ng by mg_gen. A smoke run only:
few calls for 2 s, no speed asserted, but both engines must have carried
every packet back, right, in both directions. (The rtpengine half once
failed in every sweep: mg_gen waited for a "dataplane-attached" that
rtpengine's statistics never say, in a reply bigger than it read.)

Usage: bench_vs_smoke.py BUILD_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MG_BENCH_OUT=f"{tmp}/vs.jsonl")
        r = subprocess.run(["bash", os.path.join(ROOT, "bench",
                                                 "gen_vs_rtpengine.sh"),
                            sys.argv[1], "--calls", "20", "--flat-out",
                            "--seconds", "2", "--packets", "2000"],
                           capture_output=True, text=True, timeout=240,
                           env=env)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        with open(f"{tmp}/vs.jsonl") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    got = sorted((x["engine"], x["op"]) for x in rows)
    assert got == [("mediagate-af-packet", "rtp-to-srtp"),
                   ("mediagate-af-packet", "srtp-to-rtp"),
                   ("rtpengine", "rtp-to-srtp"),
                   ("rtpengine", "srtp-to-rtp")], got
    for x in rows:
        assert x["calls"] == 20 and x["sent"] == 40000, x
        assert x["received"] == x["sent"] and x["lost"] == 0, x
        assert x["bad"] == 0 and x["rtcp_bad"] == 0, x
        assert x["rtcp_received"] == x["rtcp_sent"] > 0, x
    print("ok: " + ", ".join(f"{x['engine']} {x['op']} {x['kpps']:.0f} kpps"
                             for x in rows) + " (smoke figures)")


if __name__ == "__main__":
    main()
