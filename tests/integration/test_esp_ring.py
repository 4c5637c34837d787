# SPDX-License-Identifier: BSD-3-Clause
"""ESP SAs over the control ring, as an operator installs static ones: the
control plane reads `esp` lines from its flows file and installs them; the
dataplane refuses what it must (a SPI taken at that address, a reserved
SPI) with the errno the control plane prints; and lifetimes in seconds come
back as events, soft before hard, once each. Keys never reach the output."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgproc  # noqa: E402
from scapy.all import Ether, IP, UDP, wrpcap  # noqa: E402

KEY = "00112233445566778899aabbccddeeff"
SALT = "cafef00d"
AUTH = "0123456789abcdef0123456789abcdef01234567"
GCM = f"ESP_AES_GCM_16_128 key={KEY} salt={SALT}"

LINES = [
    f"esp 1 out {GCM} spi=0x1000 local=10.0.0.1 remote=10.0.0.2 tunnel soft=1s hard=2s",
    f"esp 2 in {GCM} spi=0x2000 local=10.0.0.1 remote=10.0.0.2 tunnel soft=1s",
    # The same SPI at the same address: refused, EEXIST.
    f"esp 3 in {GCM} spi=0x2000 local=10.0.0.1 remote=10.0.0.9 tunnel",
    # IANA's reserved SPIs: refused, EINVAL.
    f"esp 4 in {GCM} spi=0x80 local=10.0.0.1",
    # The same SPI at another address (IPv6) is another SA.
    f"esp 5 in {GCM} spi=0x2000 local=2001:db8::1 remote=2001:db8::2 tunnel esn window=4096",
    f"esp 6 out ESP_AES_CBC_128_HMAC_SHA1_96 spi=0x4000 key={KEY} auth={AUTH} "
    f"local=10.0.0.1 udp=4500:4500 kdr=16",
]


def run(tmp, lines, seconds):
    wrpcap(f"{tmp}/in.pcap", [Ether() / IP(dst="10.0.0.1") / UDP(dport=9)])
    return mgproc.static_run("espring", tmp, lines,
                             ["--duration", str(seconds), "--stats-interval", "0"])


def installs_refuses_and_tells_expiry():
    with tempfile.TemporaryDirectory() as tmp:
        ctl, dp = run(tmp, LINES, 4)
    out = ctl + "\n" + dp
    assert "installed 6 esp SAs" in ctl, ctl
    assert re.search(r"refused esp 3: File exists", ctl), ctl
    assert re.search(r"refused esp 4: Invalid argument", ctl), ctl
    assert len(re.findall(r"refused esp", ctl)) == 2, ctl
    soft1 = ctl.find("event: esp SA 1: 0 ESP SA soft expiry")
    hard1 = ctl.find("event: esp SA 1: 0 ESP SA hard expiry")
    assert 0 <= soft1 < hard1, ctl
    assert len(re.findall(r"event: esp SA 1:", ctl)) == 2, ctl
    assert len(re.findall(r"event: esp SA 2: 0 ESP SA soft expiry", ctl)) == 1, ctl
    assert "esp SA 2: 0 ESP SA hard" not in ctl, ctl
    for sa in (5, 6):
        assert f"event: esp SA {sa}:" not in ctl, ctl
    for secret in (KEY, SALT, AUTH):
        assert secret not in out, "a key reached the output"
    print("esp ring: 6 SAs, 2 refused with their errno, soft then hard "
          "expiry told once each, no key in the output")


def bad_lines_refused_at_load():
    """A bad line stops the control plane before it installs anything,
    naming the line and the field, never the key's value."""
    cases = [
        (f"esp 1 in ESP_AES_GCM_16_999 key={KEY} spi=0x1000 local=10.0.0.1",
         "needs a suite"),
        (f"esp 1 in ESP_AES_GCM_16_128 key={KEY[:-2]} salt={SALT} spi=0x1000 "
         f"local=10.0.0.1", "bad esp field 'key'"),
        (f"esp 1 in {GCM} local=10.0.0.1", "needs spi="),
        (f"esp 1 in {GCM} spi=0x1000", "needs local="),
        (f"esp 1 in {GCM} spi=0x1000 local=10.0.0.1 soft=10x", "bad esp field 'soft'"),
        (f"esp 1 in {GCM} spi=0x1000 local=10.0.0.1 remote=2001:db8::1 tunnel",
         "remote= of local='s family"),
        (f"esp 1 sideways {GCM} spi=0x1000 local=10.0.0.1", "needs in or out"),
        (f"esp 0 in {GCM} spi=0x1000 local=10.0.0.1", "needs an id"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for line, why in cases:
            with open(f"{tmp}/flows", "w") as f:
                f.write(line + "\n")
            ctl = mgproc.control(["--shm", "/" + mgproc.unique("espbad"),
                                  "--flows", f"{tmp}/flows"])
            rc = ctl.wait(20)
            text = ctl.text()
            assert rc != 0, text
            assert f"{tmp}/flows:1:" in text and why in text, (line, text)
            assert KEY not in text and KEY[:-2] not in text, text
    print(f"esp lines: {len(cases)} bad lines refused at load, naming the field")


def restart_keeps_ivs_unique():
    """A restarted dataplane gets the static inbound SAs again, but not the
    outbound ones: they would start over at sequence number 1 under the
    same key, and so send the same GCM IVs twice."""
    lines = [LINES[0], LINES[1]]
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/flows", "w") as f:
            f.write("\n".join(lines) + "\n")
        wrpcap(f"{tmp}/in.pcap", [Ether() / IP(dst="10.0.0.1") / UDP(dport=9)])
        shm = "/" + mgproc.unique("esprestart")
        ctl = mgproc.control(["--shm", shm, "--flows", f"{tmp}/flows",
                              "--ping-interval", "50", "--remove-on-exit"])
        try:
            for run_ in range(2):
                dp = mgproc.dataplane(mgproc.unique("esprestart"),
                                      ["--shm", shm, "--media", "--duration",
                                       "1", "--stats-interval", "0"],
                                      vdevs=[f"net_pcap0,rx_pcap={tmp}/in.pcap,"
                                             f"tx_pcap={tmp}/out{run_}.pcap"])
                assert dp.wait(60) == 0, dp.text()
                esp = mgproc.esp_stats(dp.text())
                assert sorted(esp) == ([1, 2] if run_ == 0 else [2]), (run_, esp)
        finally:
            ctl.signal()
            ctl.wait(20)
            mgproc.shm_cleanup(shm)
    text = ctl.text()
    assert len(re.findall(r"esp 1 not installed again in a restarted "
                          r"dataplane", text)) == 1, text
    assert "esp 2 not installed" not in text, text
    print("esp restart: the inbound SA installed again, the outbound one "
          "refused with its reason (no IV reused)")


if __name__ == "__main__":
    globals()[sys.argv[1]]()
