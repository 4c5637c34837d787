#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The human table of mg_gen's JSON lines (stdin or the files named)."""
import fileinput
import json

COLS = [("engine", "engine", "{:22}"), ("op", "direction", "{:12}"), ("calls", "calls", "{:>7}"),
        ("sent", "sent", "{:>10}"), ("received", "received", "{:>10}"),
        ("lost", "lost", "{:>6}"), ("kpps", "kpps", "{:>8.1f}"),
        ("kpps_median_1s", "kpps/s md", "{:>9.1f}"),
        ("lat_p50_us", "p50 us", "{:>8.1f}"), ("lat_p99_us", "p99 us", "{:>8.1f}"),
        ("lat_p999_us", "p99.9 us", "{:>9.1f}")]


def main():
    rows = [json.loads(ln) for ln in fileinput.input() if ln.startswith("{")]
    print(" ".join(("{:22}" if i == 0 else "{:12}" if i == 1 else "{:>" + f.split(":>")[1].split(".")[0]
                    .rstrip("}d") + "}").format(title)
                   for i, (_, title, f) in enumerate(COLS)))
    for r in rows:
        print(" ".join(f.format(r[k]) for k, _, f in COLS))
    for r in rows[:1]:
        if r.get("hostile_pct"):
            print(f"hostile: {r['hostile_pct']} per 100 of the phone's packets: " +
                  ", ".join(f"{k} {v}" for k, v in r["hostile"].items()) +
                  f"; duplicates out: {sum(x.get('extra', 0) for x in rows)}")
    reports = [r for r in rows if r.get("rtcp_sent")]
    if reports:
        print("rtcp: " + "; ".join(
            f"{r['op']} {r['rtcp_received']} of {r['rtcp_sent']} sender reports "
            f"through, {r['rtcp_bad']} bad" for r in reports))
    for r in rows[:1]:
        if r.get("churn_per_s"):
            print(f"churn: {r['churn_per_s']} calls a second asked, each held "
                  f"{r['churn_hold_s']} s: {r['churn_started']} started, {r['churn_up']} "
                  f"set up ({r['churn_up_per_s']:.0f} a second), {r['churn_deleted']} "
                  f"deleted, {r['churn_failed']} refused; setup p50 "
                  f"{r['churn_setup_p50_ms']} ms, p99 {r['churn_setup_p99_ms']} ms")
    for r in rows[:1]:
        if r.get("rekey_per_s"):
            print(f"rekey: {r['rekey_per_s']} re-INVITEs with a new key a second asked: "
                  f"{r['rekey_started']} started, {r['rekey_done']} done "
                  f"({r['rekey_done_per_s']:.0f} a second), {r['rekey_failed']} refused, "
                  f"{r['rekey_skipped']} passed over; re-offer to answer p50 "
                  f"{r['rekey_p50_ms']} ms, p99 {r['rekey_p99_ms']} ms; packets the old "
                  f"key opened after a rekey: {r.get('dp_srtp_old_key', '?')}")
    if rows and "gen_pause_max_us" in rows[0]:
        print(f"generator: longest turn of its loop {rows[0]['gen_pause_max_us']:.1f} us, "
              f"port full {rows[0]['gen_tx_full']} times")


if __name__ == "__main__":
    main()
