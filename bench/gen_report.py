#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The generator's report: mg_gen's JSON lines (bench/gen_sweep.sh) turned
into a markdown summary and PNG plots (gnuplot).

Usage: bench/gen_report.py GEN_JSONL OUT_DIR

Several runs of one scenario are folded into their medians: this machine
is shared and noisy, and one stalled second moves a mean a lot. The rate
of a run is itself the median of its whole seconds (kpps_median_1s)."""
import collections
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

G711_PPS = 50  # a bridged G.711 call: 50 packets a second each way
OPS = ("srtp-to-rtp", "rtp-to-srtp")


def load(path):
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.startswith("{"):
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"gen_report.py: {path}:{n}: not JSON ({e})")
    if not rows:
        sys.exit(f"gen_report.py: {path}: no mg_gen results")
    return rows


def under_load(r):
    """The scenario of a run that loads the dataplane besides its media
    (churn, rekey storm, hostile mix), or None."""
    if r.get("churn_per_s"):
        return "churn"
    if r.get("rekey_per_s"):
        return "rekey"
    if r.get("hostile_pct"):
        return "hostile"
    return None


def fold(rows):
    """Median figures per (flat_out, hugepages, calls, op)."""
    groups = collections.defaultdict(list)
    for r in rows:
        if r.get("engine", "mediagate") != "mediagate":
            continue  # the side-by-side runs: vs_table
        if under_load(r):
            continue  # their own table: table_under_load
        groups[(r["flat_out"], r.get("hugepages", False), r["calls"],
                r["op"])].append(r)
    out = {}
    for key, rs in groups.items():
        med = lambda k: statistics.median(x[k] for x in rs)  # noqa: E731
        out[key] = {
            "runs": len(rs),
            "pps": med("pps_per_stream"),
            "kpps": med("kpps_median_1s"),
            "kpps_mean": med("kpps"),
            "lost": sum(x["lost"] for x in rs),
            "bad": sum(x["bad"] for x in rs),
            "sent": sum(x["sent"] for x in rs),
            "p50": med("lat_p50_us"),
            "p99": med("lat_p99_us"),
            "p999": med("lat_p999_us"),
        }
    return out


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Linux {platform.release()}"


def calls_per_core(folded, huge):
    """From max-rate: the most calls one dataplane core carries with
    nothing lost, by the slower direction, at each call count tried."""
    best = []
    for (flat, hp, calls, op), v in folded.items():
        if not flat or hp != huge or op != OPS[0]:
            continue
        other = folded.get((flat, hp, calls, OPS[1]))
        if other is None or v["lost"] or other["lost"] or v["bad"] or \
                other["bad"]:
            continue
        kpps = min(v["kpps"], other["kpps"])
        best.append((calls, kpps, int(kpps * 1000 / G711_PPS)))
    return sorted(best)


def table_max_rate(folded):
    lines = ["| calls | hugepages | direction | kpps (median) | lost | bad | "
             "p50 / p99 / p99.9 us | runs |", "|---|---|---|---|---|---|---|---|"]
    for key in sorted(k for k in folded if k[0]):
        _, hp, calls, op = key
        v = folded[key]
        lines.append(f"| {calls:,} | {'yes' if hp else 'no'} | {op} | "
                     f"{v['kpps']:.1f} | {v['lost']} | {v['bad']} | "
                     f"{v['p50']:.1f} / {v['p99']:.1f} / {v['p999']:.1f} | "
                     f"{v['runs']} |")
    return lines


def table_paced(folded):
    lines = ["| calls | hugepages | direction | offered kpps | received kpps | "
             "lost | p50 / p99 / p99.9 us | runs |",
             "|---|---|---|---|---|---|---|---|"]
    for key in sorted(k for k in folded if not k[0]):
        _, hp, calls, op = key
        v = folded[key]
        lines.append(f"| {calls:,} | {'yes' if hp else 'no'} | {op} | "
                     f"{calls * v['pps'] / 1000:.1f} | {v['kpps']:.1f} | "
                     f"{v['lost']} | {v['p50']:.1f} / {v['p99']:.1f} / "
                     f"{v['p999']:.1f} | {v['runs']} |")
    return lines


def load_what(r):
    """What a run under load put on the dataplane, in words."""
    kind = under_load(r)
    if kind == "churn":
        return (f"{r['churn_per_s']:,} calls a second set up and torn down "
                f"(each held {r['churn_hold_s']} s)")
    if kind == "rekey":
        return f"{r['rekey_per_s']:,} re-INVITEs with a new key a second"
    kinds = ", ".join(f"{k} {v:,}" for k, v in r.get("hostile", {}).items())
    return f"{r['hostile_pct']} hostile per 100 packets ({kinds})"


def load_result(rs):
    """Medians over the runs of one scenario under load."""
    med = lambda k: statistics.median(x[k] for x in rs)  # noqa: E731
    kind = under_load(rs[0])
    if kind == "churn":
        return (f"{med('churn_up_per_s'):,.0f} a second set up, "
                f"{sum(x['churn_failed'] for x in rs)} refused; setup p50 "
                f"{med('churn_setup_p50_ms'):.1f} ms, p99 "
                f"{med('churn_setup_p99_ms'):.1f} ms (worst run "
                f"{max(x['churn_setup_p99_ms'] for x in rs):,.1f})")
    if kind == "rekey":
        old = [x["dp_srtp_old_key"] for x in rs if "dp_srtp_old_key" in x]
        return (f"{med('rekey_done_per_s'):,.0f} a second done, "
                f"{sum(x['rekey_failed'] for x in rs)} refused; re-offer to "
                f"answer p99 {med('rekey_p99_ms'):.1f} ms" +
                (f"; packets opened by old keys {statistics.median(old):,.0f}"
                 if old else ""))
    return (f"{sum(x['bad'] for x in rs)} bad packets delivered; every "
            "valid one checked")


def table_under_load(rows):
    """Churn, rekey storm, hostile mix: each beside paced media, the media's
    loss (both ways) and the load's own figures, over the runs."""
    runs = collections.defaultdict(list)
    for r in rows:
        if under_load(r) and r.get("engine", "mediagate") == "mediagate":
            key = (under_load(r), r["calls"], r.get("hugepages", False),
                   load_what(r))
            runs[key].append(r)
    if not runs:
        return []
    lines = ["| scenario | calls | hugepages | load | media lost | result "
             "(medians) | runs |", "|---|---|---|---|---|---|---|"]
    for (kind, calls, hp, what), rs in sorted(runs.items()):
        first = [x for x in rs if x["op"] == OPS[0]] or rs
        lost = sum(x["lost"] for x in rs)
        lines.append(f"| {kind} | {calls:,} | {'yes' if hp else 'no'} | "
                     f"{what} | {lost} | {load_result(first)} | "
                     f"{len(first)} |")
    return lines


def vs_calls(rows, engine):
    """Calls a core of one engine of the side-by-side runs: the median
    rate of its slower direction, when nothing was lost."""
    per_op = collections.defaultdict(list)
    for r in rows:
        if r.get("engine") == engine:
            if r["lost"] or r["bad"]:
                return 0
            per_op[r["op"]].append(r["kpps_median_1s"])
    if len(per_op) != 2:
        return 0
    return int(min(statistics.median(v) for v in per_op.values()) * 1000 /
               G711_PPS)


def vs_table(rows):
    """bench/gen_vs_rtpengine.sh's runs: each engine's medians, and the
    calls a core each carries with nothing lost."""
    groups = collections.defaultdict(list)
    for r in rows:
        if r.get("engine", "mediagate") not in ("mediagate", "mediagate-libsrtp2"):
            groups[(r["engine"], r["calls"], r["op"])].append(r)
    if not groups:
        return []
    lines = ["| engine | calls | direction | kpps (median) | lost | "
             "p50 / p99 us | calls a core | runs |",
             "|---|---|---|---|---|---|---|---|"]
    for (eng, calls, op), rs in sorted(groups.items()):
        med = lambda k: statistics.median(x[k] for x in rs)  # noqa: E731
        lost = sum(x["lost"] + x["bad"] for x in rs)
        lines.append(f"| {eng} | {calls:,} | {op} | {med('kpps_median_1s'):.1f} "
                     f"| {lost} | {med('lat_p50_us'):.0f} / "
                     f"{med('lat_p99_us'):.0f} | "
                     f"{int(med('kpps_median_1s') * 1000 / G711_PPS):,} | "
                     f"{len(rs)} |")
    return lines


def engine_table(rows):
    """The same pipeline with libsrtp2 a packet at a time as its SRTP
    engine, next to ours, flat out on memif: medians per calls and
    direction, and their ratio."""
    groups = collections.defaultdict(list)
    for r in rows:
        if r["flat_out"] and r.get("engine", "mediagate") in ("mediagate",
                                                              "mediagate-libsrtp2"):
            groups[(r["calls"], r["op"], r.get("hugepages", False),
                    r.get("engine", "mediagate"))].append(r["kpps_median_1s"])
    lines = []
    for (calls, op, hp, eng), v in sorted(groups.items()):
        if eng != "mediagate-libsrtp2" or (calls, op, hp, "mediagate") not in groups:
            continue
        ours = statistics.median(groups[(calls, op, hp, "mediagate")])
        lib = statistics.median(v)
        lines.append(f"| {calls:,} | {op} | {'yes' if hp else 'no'} | {ours:.1f} | "
                     f"{lib:.1f} | {ours / lib:.2f} | {len(v)} |")
    if not lines:
        return []
    return ["| calls | direction | hugepages | IPsec-MB kpps | libsrtp2 kpps | "
            "ratio | runs |", "|---|---|---|---|---|---|---|"] + lines


def write_dat(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(" ".join(str(x) for x in r) + "\n")


def plots(folded, out_dir):
    """PNG plots with gnuplot; the names of those made."""
    if shutil.which("gnuplot") is None:
        print("gen_report.py: no gnuplot (apt install gnuplot-nox): "
              "no plots", file=sys.stderr)
        return []
    made, script = [], []
    series = collections.defaultdict(list)
    for (flat, hp, calls, op), v in sorted(folded.items()):
        tag = f"{op}{'-huge' if hp else ''}"
        if flat:
            series[("rate", tag)].append((calls, v["kpps"]))
        else:
            series[("lat", tag)].append((calls * v["pps"] * 2 / 1000,
                                         v["p50"], v["p99"], v["p999"]))
    rate = [(t, f"rate-{t}.dat") for (kind, t) in series if kind == "rate"]
    lat = [(t, f"lat-{t}.dat") for (kind, t) in series if kind == "lat"]
    for kind, items in (("rate", rate), ("lat", lat)):
        for t, name in items:
            write_dat(os.path.join(out_dir, name), series[(kind, t)])
    common = ("set terminal pngcairo size 900,560 font 'sans,10'\n"
              "set grid\nset key top right\n")
    if rate:
        script.append(
            common + "set output 'throughput_vs_calls.png'\n"
            "set title 'Flat out through one dataplane core (zero loss)'\n"
            "set logscale x\nset xlabel 'concurrent calls'\n"
            "set ylabel 'kpps each way (median)'\nset yrange [0:*]\n"
            "plot " + ", ".join(f"'{n}' using 1:2 with linespoints "
                                f"title '{t}'" for t, n in rate) + "\n")
        made.append("throughput_vs_calls.png")
    if lat:
        script.append(
            common + "set output 'latency_vs_load.png'\n"
            "set title 'One-way latency at 50 pps a stream'\n"
            "unset logscale\nset logscale y\n"
            "set xlabel 'offered load, kpps both ways'\n"
            "set ylabel 'latency, us'\n"
            "plot " + ", ".join(
                f"'{n}' using 1:{c} with linespoints title '{t} {p}'"
                for t, n in lat for c, p in ((2, "p50"), (3, "p99"),
                                             (4, "p99.9"))) + "\n")
        made.append("latency_vs_load.png")
    for s in script:
        subprocess.run(["gnuplot"], input=s, text=True, cwd=out_dir,
                       check=True)
    return made


def summary(folded, rows, made, out_dir):
    huge_seen = sorted({k[1] for k in folded})
    md = ["# mediagate traffic generator report", "",
          f"Taken {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
          f"{machine()} with `bench/gen_sweep.sh`: `mg_gen` on core 0 "
          "(beside the control plane), the dataplane's one media lcore on "
          "core 1, memif between them. Every call set up through ng; the "
          "phone's SRTP made and opened by libsrtp2 outside the timed "
          "path; every payload checked. Each figure is the median of its "
          "runs (the tables say how many: up to "
          f"{max((v['runs'] for v in folded.values()), default=1)}), and "
          "each run's rate the median of its whole seconds." +
          (" The runs under load, the holds of 100,000 calls and more and "
           "SRTP to SRTP are gen_run.sh's own scenarios, not part of the "
           "sweep: their lines were run on their own and added to its file."
           if any(under_load(r) or r["calls"] >= 100000 or
                  r["op"].startswith("srtp-to-srtp") for r in rows) else ""),
          ""]
    md += ["## Bridged G.711 SRTP<->RTP calls per dataplane core", ""]
    for hp in huge_seen:
        best = calls_per_core(folded, hp)
        clean = [(k[2], v["pps"]) for k, v in folded.items() if not k[0]
                 and k[1] == hp and v["lost"] == 0 and v["bad"] == 0]
        paced = [c for c, pps in clean if pps >= G711_PPS]
        held = [c for c, pps in clean if pps < G711_PPS]
        if best:
            calls, kpps, n = best[-1]  # the most concurrent calls tried
            md.append(f"- hugepages {'yes' if hp else 'no'}: **{n:,} calls** "
                      f"a core: flat out with {calls:,} concurrent calls the "
                      f"slower direction carries {kpps:.1f} kpps with "
                      f"nothing lost, / {G711_PPS} pps. By call count: " +
                      ", ".join(f"{c:,} -> {m:,}" for c, _, m in best) + ".")
        if paced:
            md.append(f"- hugepages {'yes' if hp else 'no'}: the largest "
                      f"paced run with nothing lost in any repeat: "
                      f"{max(paced):,} calls at 50 pps each way.")
        if held:
            md.append(f"- hugepages {'yes' if hp else 'no'}: the most calls "
                      f"held at once, each carrying media (hold), nothing "
                      f"lost: {max(held):,}" + held_memory(rows, max(held), hp)
                      + ".")
    re_calls = vs_calls(rows, "rtpengine")
    if re_calls:
        ours = [calls_per_core(folded, hp)[-1][2] for hp in huge_seen
                if calls_per_core(folded, hp)]
        veth = vs_calls(rows, "mediagate-af-packet")
        than = []
        if ours:
            than.append(f"{max(ours) / re_calls:.0f}x that on memif")
        if veth:
            than.append(f"{veth / re_calls:.1f}x that on the same veth path "
                        "(where DPDK's af_packet PMD is the limit)")
        md.append(f"- rtpengine-daemon (userspace, over veth): {re_calls:,} "
                  "calls a core" + ("; mediagate carries " + ", and ".join(than)
                                    if than else "") + ".")
    md += ["", "A bridged call is 50 packets a second each way: SRTP->RTP "
           "toward the trunk and RTP->SRTP toward the phone.", "",
           "## Flat out (max-rate)", ""] + table_max_rate(folded)
    md += ["", "## Paced (paced: 50 pps a stream; hold: a total rate shared "
           "by every call)", ""] + table_paced(folded)
    under = table_under_load(rows)
    if under:
        md += ["", "## Under load: churn, rekey storm, hostile mix", "",
               "Beside calls carrying media at 50 pps a stream, each set up "
               "through ng first; media lost counts both directions over all "
               "runs.", ""] + under
    eng = engine_table(rows)
    if eng:
        md += ["", "## The same pipeline with libsrtp2 as its SRTP engine",
               "", "Flat out on memif, the dataplane run with `--srtp-engine "
               "libsrtp2` (Debian's libsrtp2, one srtp_protect/srtp_unprotect "
               "a packet, as libsrtp-based media planes do) in the same sweep "
               "as with its own burst engine on IPsec-MB; medians of whole "
               "seconds, then of the runs.", ""] + eng
    vs = vs_table(rows)
    if vs:
        md += ["", "## Side by side with rtpengine-daemon (gen_vs_rtpengine.sh)",
               "", "The same ng calls and the same traffic, flat out with a "
               "bounded window, over veth pairs; each engine on core 1. The "
               "paths differ: mediagate's dataplane reads the veth with DPDK's "
               "af_packet PMD (a kernel copy each way, the PMD's limit), "
               "rtpengine (`--table=-1`, userspace forwarding) takes the "
               "packets from kernel UDP sockets in a network namespace, and "
               "the veth's receive softirq runs on the sender's core, so part "
               "of rtpengine's kernel work is paid by the generator's core.",
               ""] + vs
    if made:
        md += [""] + [f"![{m}]({m})" for m in made]
    md += ["", f"{len(rows)} result lines from "
           f"{len({(r['flat_out'], r['calls']) for r in rows})} scenarios.",
           ""]
    path = os.path.join(out_dir, "summary.md")
    with open(path, "w") as f:
        f.write("\n".join(md))
    return path


def held_memory(rows, calls, hp):
    """What a held run of `calls` says of its setup and memory (gen_run.sh
    adds the memory each process took per call), as a clause."""
    for r in rows:
        # 0: not measured (a zero-copy run).
        if (r["calls"] == calls and r.get("hugepages") == hp and
                r.get("ctl_bytes_per_call")):
            return (f" (set up through ng in {r['setup_s']:.0f} s, "
                    f"{calls / r['setup_s']:,.0f} a second; per call "
                    f"{r['ctl_bytes_per_call']:,} B in the control plane, "
                    f"{r['dp_bytes_per_call']:,} B in the dataplane)")
    return ""


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_report.py GEN_JSONL OUT_DIR")
    rows = load(sys.argv[1])
    os.makedirs(sys.argv[2], exist_ok=True)
    folded = fold(rows)
    made = plots(folded, sys.argv[2])
    path = summary(folded, rows, made, sys.argv[2])
    print(open(path).read())
    print(f"gen_report.py: {path}" + (f", {', '.join(made)}" if made else ""))


if __name__ == "__main__":
    main()
