# SPDX-License-Identifier: BSD-3-Clause
"""esp_bench still runs every engine and speaks the JSON the report scripts
read. A smoke run only: tiny samples, no speed is asserted (esp_bench itself
aborts if an engine's packets fail or do not round-trip).

Usage: bench_esp_smoke.py PATH_TO_ESP_BENCH
"""
import json
import subprocess
import sys

FIELDS = {"bench", "engine", "suite", "op", "bytes", "contexts", "mpps",
          "cycles_per_packet"}
ENGINES = ("mediagate", "ipsec-mb-raw", "librte_ipsec")
CONTEXTS = (1, 50)


def main():
    run = subprocess.run([sys.argv[1], "--json", "--samples", "1", "--seconds", "0.02",
                          "--contexts", ",".join(map(str, CONTEXTS)), "--sizes", "172"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"esp_bench exited {run.returncode}:\n{run.stderr}"
    rows = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    seen = set()
    for r in rows:
        missing = FIELDS - set(r)
        assert not missing, f"row lacks {missing}: {r}"
        assert r["bench"] == "esp" and r["suite"] == "ESP_AES_GCM_16_128", r
        assert r["bytes"] == 172, r
        assert r["mpps"] > 0 and r["cycles_per_packet"] > 0, r
        seen.add((r["engine"], r["op"], r["contexts"]))
    for engine in ENGINES:
        for op in ("encrypt", "decrypt"):
            for ctx in CONTEXTS:
                assert (engine, op, ctx) in seen, f"no figure for {engine} {op} {ctx}"
    # The interoperation lines go to stderr with --json.
    for line in run.stderr.splitlines():
        if line.startswith("interop:"):
            print(line)
    print(f"ok: {len(rows)} figures")


if __name__ == "__main__":
    main()
