# SPDX-License-Identifier: BSD-3-Clause
"""ESP key derivation at predefined points (docs/esp-in-sdp.md) against an
implementation this project did not write: each epoch's key comes from
python-cryptography's HKDF-SHA256 and each epoch's SA is scapy's
SecurityAssociation, on SPI spi + e.

  outbound_epochs_scapy_decrypts: our sender moves to the next epoch's
      SPI and key every 2^8 packets; scapy, given only the master key and
      the profile's derivation, decrypts every packet of five epochs.
  inbound_epochs_from_scapy: scapy sends five epochs; our receiver takes
      them reordered across every boundary, after a loss longer than an
      epoch, and refuses what it must (an epoch before the previous one,
      a sequence number outside its SPI's epoch, a replay across epochs).
"""
import json
import os
import random
import subprocess
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw

TOOL = os.environ.get("MG_ESP_TOOL", "build/tests/tools/esp_tool")
KDR = 8
SPI = 0x7700  # a multiple of 256: the receiver's block
LOCAL, REMOTE = "192.0.2.1", "198.51.100.2"

SUITES = {
    # name: (scapy crypt, scapy auth, key bytes, salt bytes, auth bytes)
    "ESP_AES_GCM_16_128": ("AES-GCM", None, 16, 4, 0),
    "ESP_CHACHA20_POLY1305": ("CHACHA20-POLY1305", None, 32, 4, 0),
    "ESP_AES_CBC_128_HMAC_SHA256_128": ("AES-CBC", "SHA2-256-128", 16, 0, 32),
}


def epoch_keys(master, salt, e, klen, spi=None):
    """Epoch e's key material: HKDF-SHA256(IKM = key || auth key, salt,
    info = "mediagate esp" || SPI_e || e), SPI_e = spi + e."""
    spi = SPI if spi is None else spi
    info = b"mediagate esp" + (spi + e).to_bytes(4, "big") + e.to_bytes(4, "big")
    return HKDF(algorithm=hashes.SHA256(), length=klen, salt=salt or None,
                info=info).derive(master)


def scapy_sa(suite, master, salt, e):
    crypt, auth, klen, slen, alen = SUITES[suite]
    mat = epoch_keys(master, salt, e, klen + alen)
    return SecurityAssociation(
        ESP, spi=SPI + e, crypt_algo=crypt, crypt_key=mat[:klen] + salt,
        auth_algo=auth, auth_key=mat[klen:] if alen else None,
        tunnel_header=IP(src=REMOTE, dst=LOCAL))


def tool(direction, suite, master, salt, lines):
    _, _, klen, slen, alen = SUITES[suite]
    args = [TOOL, "--dir", direction, "--suite", suite, "--spi", str(SPI),
            "--key", master[:klen].hex(), "--kdr", str(KDR), "--tunnel"]
    if slen:
        args += ["--salt", salt.hex()]
    if alen:
        args += ["--auth-key", master[klen:].hex()]
    args += (["--local", REMOTE, "--remote", LOCAL] if direction == "out"
             else ["--local", LOCAL, "--remote", REMOTE])
    r = subprocess.run(args, input="\n".join(lines) + "\n", text=True,
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines(), json.loads(r.stderr.splitlines()[-1])


def inner(i):
    return IP(src="10.1.0.1", dst="10.2.0.2") / UDP(sport=4000, dport=5000) / \
        Raw(bytes([i & 0xff]) * (20 + i % 150))


def material(suite, rng):
    _, _, klen, slen, alen = SUITES[suite]
    return rng.randbytes(klen + alen), rng.randbytes(slen)


def outbound_epochs_scapy_decrypts():
    rng = random.Random(8)
    n = 5 * (1 << KDR) - 7
    for suite in SUITES:
        master, salt = material(suite, rng)
        pkts = [inner(i) for i in range(n)]
        lines = []
        for k in range(0, n, 32):  # bursts of 32 across the boundaries
            lines += [bytes(p).hex() for p in pkts[k:k + 32]] + [""]
        out, st = tool("out", suite, master, salt, lines)
        assert st["packets"] == n and st["seq"] == n, st
        sas = {}
        for i, line in enumerate(out):
            word, _, hexpkt = line.partition(" ")
            assert word == "ok", (i, line)
            esp = IP(bytes.fromhex(hexpkt))
            seq = i + 1
            e = (seq - 1) >> KDR
            assert esp[ESP].spi == SPI + e and esp[ESP].seq == seq, (i, esp[ESP].spi)
            sa = sas.setdefault(e, scapy_sa(suite, master, salt, e))
            try:
                got = sa.decrypt(esp)
            except Exception as x:
                raise AssertionError(f"{suite}: packet {i} seq {seq} epoch {e}: {x!r}")
            assert bytes(got) == bytes(pkts[i]), f"{suite}: packet {i} (epoch {e})"
        print(f"kdr out {suite}: {n} packets over {len(sas)} epochs, "
              "each SPI's packets decrypted by scapy with its HKDF key")


def scapy_packet(suite, master, salt, sas, seq, i):
    e = (seq - 1) >> KDR
    sa = sas.setdefault(e, scapy_sa(suite, master, salt, e))
    return sa.encrypt(inner(i), seq_num=seq)


def inbound_epochs_from_scapy():
    rng = random.Random(9)
    ep = 1 << KDR
    for suite in SUITES:
        master, salt = material(suite, rng)
        sas = {}
        # Epoch 0 and 1 in order, but each boundary crossed backwards: the
        # first packets of the next epoch arrive before the last of this.
        seqs = list(range(1, ep - 3)) + [ep + 1, ep + 2, ep - 3, ep - 2, ep - 1, ep]
        seqs += list(range(ep + 3, 2 * ep + 1))
        # A loss longer than an epoch: all of epoch 2 is gone; epoch 3 is
        # taken from a spare key set, then epoch 4.
        seqs += list(range(3 * ep + 1, 4 * ep + 1)) + list(range(4 * ep + 1, 4 * ep + 40))
        good = [scapy_packet(suite, master, salt, sas, s, s) for s in seqs]
        # What must be refused: an epoch-1 packet once epoch 3 (two on)
        # authenticated (closed: too old), a replay of an epoch-4 packet,
        # and epoch 4's SPI carrying a sequence number of epoch 3.
        closed = scapy_packet(suite, master, salt, sas, 2 * ep - 5, 1)
        replay = good[-1]
        mixed = scapy_packet(suite, master, salt, sas, 4 * ep - 2, 2)
        mixed[ESP].spi = SPI + 4
        lines = []
        for k in range(0, len(good), 32):
            lines += [bytes(p).hex() for p in good[k:k + 32]] + [""]
        lines += [bytes(closed).hex(), bytes(replay).hex(), bytes(mixed).hex()]
        out, st = tool("in", suite, master, salt, lines)
        res = [line.partition(" ") for line in out]
        for i, (word, _, rest) in enumerate(res[:len(good)]):
            assert word == "ok", (suite, i, seqs[i], word, rest)
            assert bytes.fromhex(rest) == bytes(inner(seqs[i])), (suite, i)
        assert [r[0] + " " + r[2] if r[0] == "err" else "ok" for r in res[len(good):]] == \
            ["err too-old", "err replay", "err spi"], (suite, res[len(good):])
        assert st["packets"] == len(good), st
        assert st["seq"] == 4 * ep + 39, st
        print(f"kdr in {suite}: {len(good)} scapy packets over epochs 0-4, "
              "boundaries crossed backwards and a lost epoch, all taken; "
              "closed epoch, replay and a foreign sequence number refused")


if __name__ == "__main__":
    globals()[sys.argv[1]]()
