# SPDX-License-Identifier: BSD-3-Clause
"""The traffic generator against a real dataplane and control plane: 200
calls set up through ng, 3 s of G.711-paced SRTP->RTP and RTP->SRTP over
memif (both processes --no-huge), every packet back, every payload right,
nothing reordered; the dataplane's own counters agree; the calls deleted
at the end. A smoke run: zero loss at a modest rate, no speed asserted.
Then Ctrl-C (SIGINT) in the middle of a longer run: it stops at once and
still reports what it measured. Then the hostile mix (20 per 100 of the
phone's packets: replays, broken tags, garbage, truncated headers): every
valid packet through, none of the hostile ones, and the dataplane's drop
counters match what was sent, kind by kind. Then churn under load (200
calls a second set up and torn down through ng beside 100 calls carrying
media): nothing lost, no setup refused, every churned call deleted, and
the control plane left with no call at the end. Then SRTP on both legs
(--trunk-srtp, other keys each side): what reaches each end opens with
libsrtp2 under the key mediagate gave that end. Then a rekey storm (100
re-INVITEs a second with new SDES keys over 100 calls carrying media,
SRTCP too, each phone switching keys when answered): nothing lost, no
rekey refused. Then an ESP phone (--phone-esp: ESP in SDP, its packets
made and what reaches it opened by OpenSSL's AES-GCM, RTCP inside too):
nothing lost. Last the dataplane as a zero-copy memif client of the
generator, each started in the other order: nothing lost.

Usage: bench_gen_smoke.py PATH_TO_MG_GEN
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
import mgproc  # noqa: E402
from ngclient import Client  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DP_MAC, GEN_MAC = "02:00:00:00:00:10", "02:00:00:00:00:20"
FIELDS = {"bench", "engine", "op", "suite", "calls", "sent", "received", "lost",
          "reordered", "bad", "kpps", "lat_p50_us", "lat_p99_us", "lat_p999_us"}


def gen_cmd(gen, sock, ngport, calls, seconds, role="client"):
    return [gen, "--no-huge", "-m", "512", "--no-pci", "-l", "0",
            "--file-prefix", mgproc.unique("gen"), "--log-level", "*:warning",
            "--vdev", f"net_memif0,role={role},socket={sock},mac={GEN_MAC}", "--",
            "--ng", f"127.0.0.1:{ngport}", "--dst-mac", DP_MAC,
            "--calls", str(calls), "--seconds", str(seconds), "--json"]


def rows_of(text):
    return {r["op"]: r for r in (json.loads(ln) for ln in text.splitlines()
                                 if ln.startswith("{"))}


def clean_rows(rc, out, err, least):
    """The rows of a run that ended well and in which every valid packet,
    more than `least` each way, came back right and once."""
    assert rc == 0, out + err
    rows = rows_of(out)
    for row in rows.values():
        assert row["sent"] == row["received"] > least, row
        assert row["lost"] == row["bad"] == row["extra"] == 0, row
        assert row["rtcp_received"] == row["rtcp_sent"] and row["rtcp_bad"] == 0, row
    return rows


def clean_run(cmd, least):
    """clean_rows of the run of cmd: its rows and stderr."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return clean_rows(r.returncode, r.stdout, r.stderr, least), r.stderr


def report_of(runs):
    """bench/gen_report.py over these runs' JSON rows: its summary."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/gen.jsonl", "w") as f:
            for rows in runs:
                for row in rows.values():
                    f.write(json.dumps(row) + "\n")
        r = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_report.py"),
                            f"{tmp}/gen.jsonl", f"{tmp}/out"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        with open(f"{tmp}/out/summary.md") as f:
            return f.read()


def check_report(md):
    """The report keeps the runs under load out of the plain tables and
    gives them their own: 100 calls carried media only under load here."""
    under = md.split("## Under load", 1)
    assert len(under) == 2, md
    for kind in ("churn", "rekey", "hostile"):
        assert f"\n| {kind} | 100 | no |" in under[1], under[1]
    assert "| 100 | no | srtp-to-rtp |" not in under[0], under[0]
    assert "| 200 | no | srtp-to-rtp |" in under[0], under[0]
    assert "| 100 | no | esp-to-rtp |" in under[0], under[0]


def zero_copy_run(gen, ngport, shm):
    """The dataplane as a zero-copy memif client (its own mbufs are the
    ring's buffers) of the generator, the server, started in that order:
    the generator waits for its link and for a dataplane behind the
    control plane before its first offer (it would be refused before);
    the dataplane tries its port until the server is up. Nothing lost."""
    sock = f"/tmp/{mgproc.unique('genzc')}.sock"
    g = subprocess.Popen(gen_cmd(gen, sock, ngport, 100, 2, role="server"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dp = None
    try:
        time.sleep(1)  # its port up: a client that comes sooner is turned away
        dp = mgproc.dataplane(mgproc.unique("dpzc"), [
            "--shm", shm, "--media", "--stats-interval", "0", "--wait-link", "30"],
            lcores="1", eal_extra=["--single-file-segments"],
            vdevs=(f"net_memif0,role=client,zero-copy=yes,socket={sock},mac={DP_MAC}",))
        out, err = g.communicate(timeout=120)
        rows = clean_rows(g.returncode, out, err, 8999)  # 2 s at 50 pps
        assert set(rows) == {"srtp-to-rtp", "rtp-to-srtp"}, out + err
        assert "100 of 100 calls up" in err and "0 refused" in err, err
        dp.signal()
        assert dp.wait(30) == 0, dp.text()
        assert "contexts and keys are kept out of it" in dp.text(), dp.text()
        dp = None
    finally:
        g.kill()
        if dp is not None:
            dp.kill()
    return rows


def main():
    gen = sys.argv[1]
    shm = "/" + mgproc.unique("gensmoke")
    ngport = 20000 + os.getpid() % 20000
    sock = f"/tmp/{shm[1:]}.sock"
    ctl = mgproc.control(["--shm", shm, "--ng", f"127.0.0.1:{ngport}",
                          "--media-addr", "192.0.2.10", "--next-hop-mac", GEN_MAC,
                          "--port-min", "20000", "--port-max", "60000",
                          "--remove-on-exit", "--ping-interval", "200"])
    dp = None
    try:
        ctl.wait_line(r"ng protocol on udp", 10)
        dp = mgproc.dataplane(mgproc.unique("dp"), ["--shm", shm, "--media",
                                                    "--stats-interval", "0"],
                              lcores="1",
                              vdevs=(f"net_memif0,role=server,socket={sock},mac={DP_MAC}",))
        ctl.wait_line(r"dataplane attached", 20)
        # A sender report every 25 packets of each stream: SRTCP from the
        # phone out plain at the trunk, plain RTCP back as SRTCP.
        rows, err = clean_run(gen_cmd(gen, sock, ngport, 200, 3) +
                              ["--rtcp-every", "25"], 25000)
        assert set(rows) == {"srtp-to-rtp", "rtp-to-srtp"}, rows
        for op, row in rows.items():
            assert not FIELDS - set(row), f"{op} lacks {FIELDS - set(row)}"
            assert row["calls"] == 200, row
            # 3 s at 50 pps a stream: about 30,000 packets each way.
            assert 25000 < row["sent"] == row["received"], row
            assert row["lost"] == row["reordered"] == row["bad"] == 0, row
            assert 0 < row["lat_p50_us"] <= row["lat_p99_us"] <= row["lat_p999_us"], row
        assert "200 of 200 calls up" in err, err
        assert all(x["rtcp_sent"] >= 200 * 5 for x in rows.values()), rows
        # Ctrl-C mid-run: stops within a second or two and reports.
        p = subprocess.Popen(gen_cmd(gen, sock, ngport, 50, 60), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(4)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        assert time.monotonic() - t0 < 10, "slow to stop"
        part = rows_of(out)
        assert part and all(0 < x["sent"] < 50 * 2 * 50 * 60 for x in part.values()), out
        assert all(x["bad"] == 0 for x in part.values()), out
        # The hostile mix: 20 per 100 of the phone's packets are replays,
        # broken tags, garbage and truncated headers. Nothing valid lost,
        # nothing hostile out, each counted by the dataplane.
        hrows, _ = clean_run(gen_cmd(gen, sock, ngport, 100, 3) + ["--hostile", "20"],
                             10000)
        hostile = hrows["srtp-to-rtp"]["hostile"]
        assert min(hostile.values()) > 500, hostile
        # Churn under load: 200 calls a second come and go (held 1 s)
        # beside 100 calls carrying media.
        crows, err = clean_run(gen_cmd(gen, sock, ngport, 100, 4) +
                               ["--churn", "200", "--churn-hold", "1"], 15000)
        churn = {k: v for k, v in crows["srtp-to-rtp"].items()
                 if k.startswith("churn")}
        assert churn["churn_failed"] == 0, (churn, err[-2000:])
        assert churn["churn_up"] >= 600, churn  # 4 s at 200 a second
        assert churn["churn_deleted"] == churn["churn_up"], churn
        # SRTP to SRTP: the trunk speaks SRTP with its own key too.
        srows, _ = clean_run(gen_cmd(gen, sock, ngport, 100, 2) + ["--trunk-srtp"],
                             8000)
        assert set(srows) == {"srtp-to-srtp-up", "srtp-to-srtp-down"}, srows
        # A rekey storm: each call rekeyed about once a second; what its
        # phone sent under the old key until answered still gets through.
        rrows, err = clean_run(gen_cmd(gen, sock, ngport, 100, 4) +
                               ["--rekey", "100", "--rtcp-every", "25"], 15000)
        rekey = {k: v for k, v in rrows["srtp-to-rtp"].items() if k.startswith("rekey")}
        assert rekey["rekey_failed"] == 0, (rekey, err[-2000:])
        assert rekey["rekey_done"] >= 300, rekey  # 4 s at 100 a second
        # ESP on the phone's leg, plain toward the trunk.
        erows, _ = clean_run(gen_cmd(gen, sock, ngport, 100, 2) +
                             ["--phone-esp", "--rtcp-every", "25"], 8000)
        assert set(erows) == {"esp-to-rtp", "rtp-to-esp"}, erows
        assert all(x["suite"] == "ESP_AES_GCM_16_128" and x["rtcp_sent"] >= 300
                   for x in erows.values()), erows
        left = Client(ngport).ask(command="list")
        assert left[b"result"] == b"ok" and left[b"calls"] == [], left
        dp.signal()
        assert dp.wait(30) == 0
        pipe = re.search(r"^mg-pipe lcore=1 rx_pkts=(\d+) tx_pkts=(\d+)", dp.text(), re.M)
        sent = sum(x["sent"] + x["rtcp_sent"]
                   for x in [*rows.values(), *part.values(), *hrows.values(),
                             *crows.values(), *srows.values(), *rrows.values(),
                             *erows.values()])
        assert pipe and int(pipe.group(2)) == sent, (dp.text()[-2000:], sent)
        assert int(pipe.group(1)) == sent + sum(hostile.values()), (pipe.group(0), hostile)
        drops = {k: int(v) for k, v in re.findall(r" (drop_srtp|other_udp)=(\d+)", dp.text())}
        assert drops == {"drop_srtp": hostile["replay"] + hostile["auth"] +
                         hostile["truncated"], "other_udp": hostile["garbage"]}, (drops, hostile)
        old_key = mgproc.pipe_counter(dp.text(), "srtp_old_key")
        check_report(report_of([rows, hrows, crows, srows, rrows, erows]))
        zrows = zero_copy_run(gen, ngport, shm)
        st = ctl.text()
        dp = None
    finally:
        if dp is not None:
            dp.signal()
            dp.wait(30)
        ctl.signal()
        ctl.wait(20)
        mgproc.shm_cleanup(shm)
    print(f"ok: 200 calls, {rows['srtp-to-rtp']['received']} + "
          f"{rows['rtp-to-srtp']['received']} packets back, none lost; "
          f"p50 {rows['srtp-to-rtp']['lat_p50_us']} us; Ctrl-C kept its figures; "
          f"hostile mix {hostile} all dropped and counted, nothing valid lost; "
          f"churn {churn['churn_up']} calls up and down beside the media, nothing lost; "
          f"SRTP to SRTP {srows['srtp-to-srtp-up']['received']} + "
          f"{srows['srtp-to-srtp-down']['received']} opened by libsrtp2; "
          f"RTCP {rows['srtp-to-rtp']['rtcp_received']} + "
          f"{rows['rtp-to-srtp']['rtcp_received']} reports through; "
          f"{rekey['rekey_done']} rekeys under load, nothing lost, "
          f"{old_key} packets opened by an old key; ESP phone "
          f"{erows['esp-to-rtp']['received']} + {erows['rtp-to-esp']['received']} "
          "through, opened by OpenSSL; gen_report.py kept the runs under load "
          f"apart; zero-copy memif client {zrows['srtp-to-rtp']['received']} + "
          f"{zrows['rtp-to-srtp']['received']}, nothing lost")
    return st


if __name__ == "__main__":
    main()
