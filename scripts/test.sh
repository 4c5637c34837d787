#!/usr/bin/env bash
# README command 2: install, build and run every test, then the summary.
#   build/       the normal build: unit, integration (and slow) suites
#   build-asan/  AddressSanitizer + UBSan build: the same suites again
# Ends with one line "N passed, N failed" over both runs; exits non-zero on
# any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh || exit 1
bash scripts/build.sh build || exit 1
bash scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false \
  -Dbench=false || exit 1

# UBSan only prints by default; a finding must fail the test.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

meson test -C build --print-errorlogs "$@"
meson test -C build-asan --print-errorlogs "$@"

/usr/bin/python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        print(f"missing test log {path}")
        continue
    for line in lines:
        r = json.loads(line)
        if r["result"] in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED: {path.split('/')[0]} {r['name']} ({r['result']})")
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed or passed == 0 else 0)
PY
