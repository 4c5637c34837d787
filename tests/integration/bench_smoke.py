# SPDX-License-Identifier: BSD-3-Clause
"""The benchmarks still run and still speak the JSON the report scripts
read. A smoke run only: tiny samples, no speed is asserted.

Usage: bench_smoke.py PATH_TO_SRTP_BENCH
"""
import json
import subprocess
import sys

FIELDS = {"bench", "engine", "suite", "op", "bytes", "contexts", "mpps",
          "cycles_per_packet"}


def main():
    out = subprocess.run([sys.argv[1], "--json", "--samples", "1", "--seconds", "0.02",
                          "--contexts", "1,50", "--sizes", "172"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    seen = set()
    for r in rows:
        missing = FIELDS - set(r)
        assert not missing, f"row lacks {missing}: {r}"
        assert r["mpps"] > 0 and r["cycles_per_packet"] > 0, r
        seen.add((r["engine"], r["suite"], r["op"], r["contexts"]))
    for engine in ("mediagate", "libsrtp2", "ipsec-mb-raw", "ipsec-mb-raw-job"):
        for suite in ("AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"):
            for op in ("protect", "unprotect"):
                for ctx in (1, 50):
                    assert (engine, suite, op, ctx) in seen, \
                        f"no figure for {engine} {suite} {op} {ctx}"
    print(f"ok: {len(rows)} figures")


if __name__ == "__main__":
    main()
