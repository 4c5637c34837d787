# SPDX-License-Identifier: BSD-3-Clause
"""Interoperability of the ESP engine (include/mg_esp.h, dataplane/esp/)
with scapy's ESP (scapy.layers.ipsec.SecurityAssociation), through
tests/tools/esp_tool.

Cases (meson registers one test per case):
  outbound_scapy_decrypts  we encrypt, scapy decrypts: the inner packet
      comes back byte for byte; outer IP/UDP headers, sequence numbers, IVs,
      padding (RFC 4303 §2.4) and counters are checked as well
  inbound_from_scapy       scapy encrypts, we decrypt: our output is the
      original packet and what scapy's own decrypt gives; some packets late
  inbound_hostile          packets scapy (or this test, with scapy's
      CryptAlgo/AuthAlgo) crafts to be refused, each with its status key,
      each followed by a valid packet that proves the SA did not move;
      NAT-T keepalives and non-ESP markers; TFC padding, ECN
  inbound_window           the replay window's edges, 64..4096, with ESN
      across 2^32 (RFC 4303 Appendix A), a policy's starting seq
  outbound_limits          head/tailroom, sequence number exhaustion, TTL,
      packets that are not IP or whose result would pass 65535 bytes
  tool_bad_arguments       esp_tool refuses bad arguments (exit 2)

Every suite of ours scapy has, in a representative set of modes; AES-GCM-128
in every mode (tunnel 4in4, 6in6, 4in6, 6in4; transport 4, 6) x ESN off/on
(crossing 2^32) x UDP encapsulation (RFC 3948) off/on.

Where scapy 2.5 is wrong, this test does that part itself, with
python3-cryptography:
  - its ESP ICV leaves out the ESN high half (RFC 4303 §2.2.1, §3.3.2.1:
    the high 32 bits are appended to the ICV input): for an HMAC suite with
    ESN, the SA given to scapy has no integrity algorithm, and the test
    computes and checks the ICV;
  - its decrypt of ESP-in-UDP keeps the UDP header over IPv6 transport:
    our packets are given to scapy with the UDP header checked and removed;
  - its decrypt parses an IPv6 transport payload as the first extension
    header: there the test puts the packet together again itself;
  - its encrypt of ESP-in-UDP leaves next header 50 in the extension
    header before UDP: the test sets 17;
  - its decrypt does not look at the padding bytes: the test decrypts
    the payload itself and checks them.

Usage: test_esp_interop.py CASE   (esp_tool: $MG_ESP_TOOL, else
build/tests/tools/esp_tool)
"""
import json
import os
import random
import shlex
import struct
import subprocess
import sys
import tempfile

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, UDP, IPv6, Raw, raw  # noqa: E402
from scapy.layers.inet import IPOption_Router_Alert  # noqa: E402
from scapy.layers.inet6 import (IPv6ExtHdrDestOpt,  # noqa: E402
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting)
from scapy.layers.ipsec import (ESP, SecurityAssociation,  # noqa: E402
                                _ESPPlain, split_for_transport)
from cryptography.hazmat.primitives import hashes, hmac  # noqa: E402
from cryptography.hazmat.primitives.ciphers import (Cipher,  # noqa: E402
                                                    algorithms, modes)
from cryptography.hazmat.primitives.ciphers.aead import (  # noqa: E402
    AESGCM, ChaCha20Poly1305)

TOOL = os.environ.get("MG_ESP_TOOL", "build/tests/tools/esp_tool")

# Our suite -> scapy's names and the lengths (key, salt/nonce, auth key,
# ICV, IV in the packet, the block payload+trailer is padded to).
SUITES = {
    "ESP_AES_GCM_16_128": ("AES-GCM", None, 16, 4, 0, 16, 8, 4),
    "ESP_AES_GCM_16_256": ("AES-GCM", None, 32, 4, 0, 16, 8, 4),
    "ESP_CHACHA20_POLY1305": ("CHACHA20-POLY1305", None, 32, 4, 0, 16, 8, 4),
    "ESP_AES_CBC_128_HMAC_SHA256_128": ("AES-CBC", "SHA2-256-128",
                                        16, 0, 32, 16, 16, 16),
    "ESP_AES_CBC_256_HMAC_SHA256_128": ("AES-CBC", "SHA2-256-128",
                                        32, 0, 32, 16, 16, 16),
    "ESP_AES_CTR_128_HMAC_SHA256_128": ("AES-CTR", "SHA2-256-128",
                                        16, 4, 32, 16, 8, 4),
    "ESP_AES_CTR_256_HMAC_SHA256_128": ("AES-CTR", "SHA2-256-128",
                                        32, 4, 32, 16, 8, 4),
    "ESP_NULL_HMAC_SHA256_128": ("NULL", "SHA2-256-128", 0, 0, 32, 16, 0, 4),
    "ESP_AES_CBC_128_HMAC_SHA1_96": ("AES-CBC", "HMAC-SHA1-96",
                                     16, 0, 20, 12, 16, 16),
    "ESP_NULL_HMAC_SHA1_96": ("NULL", "HMAC-SHA1-96", 0, 0, 20, 12, 0, 4),
    "ESP_AES_CBC_128_HMAC_MD5_96": ("AES-CBC", "HMAC-MD5-96",
                                    16, 0, 16, 12, 16, 16),
    "ESP_NULL_HMAC_MD5_96": ("NULL", "HMAC-MD5-96", 0, 0, 16, 12, 0, 4),
}
HASHES = {"SHA2-256-128": hashes.SHA256, "HMAC-SHA1-96": hashes.SHA1,
          "HMAC-MD5-96": hashes.MD5}

# Outer addresses: ours (local) and the peer's (remote).
ADDR = {4: ("192.0.2.1", "198.51.100.2"), 6: ("2001:db8::1", "2001:db8:2::2")}
INNER = {4: ("10.1.0.1", "10.2.0.2"), 6: ("fd00:1::1", "fd00:2::2")}
# mode -> (tunnel, inner IP version, outer IP version)
MODES = {"tun44": (True, 4, 4), "tun66": (True, 6, 6), "tun46": (True, 4, 6),
         "tun64": (True, 6, 4), "tr4": (False, 4, 4), "tr6": (False, 6, 6)}

# UDP payload sizes: every CBC pad length for both IP versions, then more.
SIZES_FULL = list(range(0, 18)) + [31, 63, 64, 100, 255, 512, 1000, 1399, 1400]
SIZES_SHORT = list(range(0, 16, 3)) + [16, 17, 100, 1400]
ESN_START = (1 << 32) - 4      # a run that crosses 2^32
FAILS = []


class Fail(Exception):
    pass


def check(cond, what):
    """what: the message, or a function making it (only on failure)."""
    if not cond:
        raise Fail(what() if callable(what) else what)


class Cfg:
    """One SA: suite, mode, ESN, UDP encapsulation, keys."""

    def __init__(self, suite, mode, esn, udp, rng, seq0=None):
        self.suite, self.mode, self.esn, self.udp = suite, mode, esn, udp
        (self.calgo, self.aalgo, klen, slen, aklen, self.icv, self.iv,
         self.block) = SUITES[suite]
        self.tunnel, self.iver, self.over = MODES[mode]
        self.key = rng.randbytes(klen)
        self.salt = rng.randbytes(slen)
        self.akey = rng.randbytes(aklen)
        self.spi = rng.randrange(0x1000, 1 << 32)
        self.seq0 = seq0 if seq0 is not None else (ESN_START if esn else 0)
        # ports: both 4500 (given as 0:0, the default, half the time), or
        # one of them another
        self.lport, self.rport = (4500, 4500) if udp else (0, 0)
        self.port_arg = "4500:4500" if rng.random() < 0.5 else "0:0"
        if udp and rng.random() < 0.5:
            self.lport, self.rport = rng.choice(
                [(4500, rng.randrange(1024, 65536)),
                 (rng.randrange(1024, 65536), 4500)])
            self.port_arg = "%d:%d" % (self.lport, self.rport)
        self.local, self.remote = ADDR[self.over]
        self.ttl = 64

    @property
    def aead(self):
        return self.aalgo is None

    @property
    def name(self):
        return "%s/%s/%s/%s" % (self.suite, self.mode,
                                "esn" if self.esn else "no-esn",
                                "udp" if self.udp else "no-udp")

    def tool_args(self, direction, **extra):
        a = ["--dir", direction, "--suite", self.suite,
             "--spi", "0x%08x" % self.spi]
        if self.key:
            a += ["--key", self.key.hex()]
        if self.salt:
            a += ["--salt", self.salt.hex()]
        if self.akey:
            a += ["--auth-key", self.akey.hex()]
        if self.tunnel:
            a += ["--tunnel", "--local", self.local, "--remote", self.remote]
        if self.esn:
            a += ["--esn"]
        if self.udp:
            a += ["--udp", self.port_arg]
        if self.seq0:
            a += ["--seq", str(self.seq0)]
        if self.ttl != 64:
            a += ["--ttl", str(self.ttl)]
        for k, v in extra.items():
            a += ["--" + k.replace("_", "-"), str(v)]
        return a

    def own_icv(self):
        """The test computes the ICV (scapy 2.5 leaves out ESN's high
        half)."""
        return self.esn and not self.aead

    def scapy_sa(self, peer_sends):
        """scapy's SA. peer_sends: scapy is the peer, sending to us (its
        tunnel header goes remote -> local, its UDP rport -> lport)."""
        kw = dict(spi=self.spi, crypt_algo=self.calgo,
                  crypt_key=(self.key + self.salt) or None, esn_en=self.esn)
        if self.aalgo and not self.own_icv():
            kw.update(auth_algo=self.aalgo, auth_key=self.akey)
        if self.tunnel:
            hdr = IP if self.over == 4 else IPv6
            kw["tunnel_header"] = (hdr(src=self.remote, dst=self.local)
                                   if peer_sends else
                                   hdr(src=self.local, dst=self.remote))
        if self.udp:
            kw["nat_t_header"] = (UDP(sport=self.rport, dport=self.lport)
                                  if peer_sends else
                                  UDP(sport=self.lport, dport=self.rport))
        return SecurityAssociation(ESP, **kw)

    def hmac(self, data, seq):
        h = hmac.HMAC(self.akey, HASHES[self.aalgo]())
        h.update(data)
        if self.esn:
            h.update(struct.pack("!I", seq >> 32))
        return h.finalize()[:self.icv]

    def aad(self, seq):
        if self.esn:
            return struct.pack("!III", self.spi, seq >> 32, seq & 0xffffffff)
        return struct.pack("!II", self.spi, seq & 0xffffffff)

    def plaintext(self, esp, seq):
        """Decrypt an ESP packet (header .. ICV) with pyca/cryptography:
        the payload, padding, pad length and next header."""
        iv = esp[8:8 + self.iv]
        body = esp[8 + self.iv:len(esp) - self.icv]
        if self.calgo == "NULL":
            return body
        if self.calgo == "AES-CBC":
            check(len(body) % 16 == 0,
                  "CBC ciphertext of %d bytes, not whole blocks" % len(body))
            d = Cipher(algorithms.AES(self.key), modes.CBC(iv)).decryptor()
            return d.update(body) + d.finalize()
        if self.calgo == "AES-CTR":
            d = Cipher(algorithms.AES(self.key),
                       modes.CTR(self.salt + iv + b"\0\0\0\1")).decryptor()
            return d.update(body) + d.finalize()
        aead = (AESGCM if self.calgo == "AES-GCM" else ChaCha20Poly1305)
        return aead(self.key).decrypt(self.salt + iv, body + esp[-self.icv:],
                                      self.aad(seq))

    def seal(self, seq, payload, nh, padding=None, padlen=None):
        """An ESP packet (SPI .. ICV) of our own making, with scapy's
        CryptAlgo.encrypt and an HMAC computed here: for packets scapy's SA
        would not make (bad padding with a valid ICV, odd next headers)."""
        sa = self.scapy_sa(True)
        plain = _ESPPlain(spi=self.spi, seq=seq & 0xffffffff,
                          iv=sa.crypt_algo.generate_iv(), data=Raw(payload),
                          nh=nh)
        plain = sa.crypt_algo.pad(plain)
        if padding is not None:
            plain.padding, plain.padlen = padding, len(padding)
        if padlen is not None:
            plain.padlen = padlen
        e = sa.crypt_algo.encrypt(sa, plain, sa.crypt_key, None,
                                  esn_en=self.esn, esn=seq >> 32)
        b = raw(e)
        if not self.aead:
            b += self.hmac(b, seq)
        return b


# IPv6 extension headers a transport-mode packet may carry (ESP goes after
# hop-by-hop and routing headers, and after destination options before a
# routing header: RFC 4303 §3.1.1, as scapy and Linux place it; outbound,
# the engine may also put it after all of them).
V6_EXT = [[IPv6ExtHdrHopByHop], [IPv6ExtHdrRouting], [IPv6ExtHdrDestOpt],
          [IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
           IPv6ExtHdrDestOpt]]


def ip_pkt(ver, src, dst, l4, rng, ext=0):
    """An IP packet (scapy) with varied header fields; ext > 0: with an
    IPv4 option or IPv6 extension headers (V6_EXT[ext - 1])."""
    if ver == 4:
        return IP(src=src, dst=dst, id=rng.randrange(65536),
                  tos=rng.choice([0, 0xb8, 0x02]), ttl=rng.choice([64, 17]),
                  flags=rng.choice(["", "DF"]),
                  options=[IPOption_Router_Alert()] if ext else []) / l4
    ip = IPv6(src=src, dst=dst, tc=rng.choice([0, 0xb8]),
              fl=rng.randrange(1 << 20), hlim=rng.choice([64, 3]))
    for h in V6_EXT[ext - 1] if ext else []:
        ip = ip / (h(addresses=["2001:db8:9::9"])
                   if h is IPv6ExtHdrRouting else h())
    return ip / l4


def udp_payload(n, rng):
    return UDP(sport=rng.randrange(1024, 65536), dport=5004) / Raw(
        rng.randbytes(n))


def plain_packets(cfg, sizes, rng, sending):
    """The packets to protect, as bytes. Tunnel: inner packets; transport:
    packets between the two ends (some with IPv4 options or IPv6
    extension headers)."""
    out = []
    for i, n in enumerate(sizes):
        if cfg.tunnel:
            src, dst = INNER[cfg.iver]
            if not sending:
                src, dst = dst, src
            out.append(raw(ip_pkt(cfg.iver, src, dst, udp_payload(n, rng),
                                  rng)))
            continue
        src, dst = ADDR[cfg.iver]
        if not sending:
            src, dst = dst, src
        ext = 1 + i // 5 % len(V6_EXT) if i % 5 == 4 else 0
        out.append(raw(ip_pkt(cfg.iver, src, dst, udp_payload(n, rng), rng,
                              ext=min(ext, 1) if cfg.iver == 4 else ext)))
    return out


def protected_len(cfg, pkt):
    """What lifetimes count: the inner packet (tunnel), the IP payload
    after any IPv4 options or IPv6 extension headers ESP follows
    (transport)."""
    if cfg.tunnel:
        return len(pkt)
    if cfg.iver == 4:
        return len(pkt) - (pkt[0] & 0xf) * 4
    return len(raw(split_for_transport(IPv6(pkt), 50)[2]))


def v6_walk(b):
    """Through the hop-by-hop, routing and destination options headers
    after an IPv6 header: (the offset of the next-header byte naming what
    follows them, their end)."""
    nh_off, off = 6, 40
    while b[nh_off] in (0, 43, 60) and off + 2 <= len(b):
        nh_off = off
        off += (b[off + 1] + 1) * 8
    return nh_off, off


def v6_nh_offset(b, hlen):
    """The offset of the next-header byte that names what follows the
    first hlen bytes (IPv6 header and extension headers) of b."""
    nh_off, off = 6, 40
    while off < hlen:
        nh_off = off
        off += (b[off + 1] + 1) * 8
    return nh_off


class reproducer:
    """Prints as a shell command that runs the same again: stdin inline if
    short, else in a file written then (and left behind)."""

    def __init__(self, args, bursts):
        self.args, self.bursts = args, bursts

    def __str__(self):
        text = "\n\n".join("\n".join(p.hex() for p in b)
                            for b in self.bursts)
        cmd = shlex.join([TOOL] + self.args)
        if len(text) < 3000:
            return "reproduce: %s <<'EOF'\n%s\nEOF" % (cmd, text)
        fd, path = tempfile.mkstemp(prefix="esp_interop-", suffix=".hex")
        with os.fdopen(fd, "w") as f:
            f.write(text + "\n")
        return "reproduce: %s < %s" % (cmd, path)


def with_seq(args, seq):
    """args with --seq replaced: to reproduce one packet alone."""
    a = list(args)
    if "--seq" in a:
        i = a.index("--seq")
        del a[i:i + 2]
    return a + ["--seq", str(seq)] if seq else a


def run_tool(args, bursts, expect_rc=0):
    """Run esp_tool on bursts (lists of packets, bytes). Returns
    (results: list of ('ok', bytes) | ('err', key), stats dict, how to
    reproduce the run)."""
    text = "\n\n".join("\n".join(p.hex() for p in b) for b in bursts) + "\n"
    r = subprocess.run([TOOL] + args, input=text, capture_output=True,
                       text=True, timeout=60)
    repro = reproducer(args, bursts)
    check(r.returncode == expect_rc, lambda:
          "esp_tool exit %d (want %d): %s\n%s" % (r.returncode, expect_rc,
                                                  r.stderr.strip(), repro))
    res = []
    for line in r.stdout.splitlines():
        word, _, rest = line.partition(" ")
        res.append((word, bytes.fromhex(rest) if word == "ok" else rest))
    n = sum(len(b) for b in bursts)
    check(len(res) == n, lambda: "%d result lines for %d packets:\n%s\n%s" % (
        len(res), n, r.stdout[:2000], repro))
    stats = json.loads(r.stderr.strip().splitlines()[-1])
    return res, stats, repro


def expect_stats(st, what, packets=None, nbytes=None, late=0, drops=None,
                 seq=None):
    want = {"packets": packets, "bytes": nbytes, "late": late,
            "drops": drops or {}, "seq": seq}
    for k, v in want.items():
        check(v is None or st.get(k) == v or (isinstance(v, set) and
                                              st.get(k) in v),
              "%s: stats %s is %r, want %r (all: %s)" % (what, k, st.get(k),
                                                         v, st))


def ones_sum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


# ---------------------------------------------------------------------------
# Outbound: we encrypt, scapy decrypts


def check_outer(cfg, plain, out, seq):
    """The (outer) IP and UDP headers of one of our packets. Returns the
    offset of the ESP header and the length of the IP header part."""
    if cfg.over == 4:
        check(out[0] >> 4 == 4, "outer not IPv4: %s" % out[:20].hex())
        ihl = (out[0] & 0xf) * 4
        check(struct.unpack("!H", out[2:4])[0] == len(out),
              "IPv4 total length %d, packet %d" % (
                  struct.unpack("!H", out[2:4])[0], len(out)))
        check(ones_sum(out[:ihl]) == 0xffff, "IPv4 header checksum wrong")
        check(struct.unpack("!H", out[6:8])[0] & 0x3fff == 0,
              "IPv4 fragment bits set")
        proto = out[9]
        if cfg.tunnel:
            check(ihl == 20, "outer IPv4 header with options")
            o = IP(out[:20])
            check((o.src, o.dst) == (cfg.local, cfg.remote),
                  "outer %s -> %s, want %s -> %s" % (o.src, o.dst, cfg.local,
                                                     cfg.remote))
            check(o.ttl == cfg.ttl, "outer TTL %d, want %d" % (o.ttl,
                                                                cfg.ttl))
        else:
            check(out[:2] + out[4:9] + out[12:ihl] ==
                  plain[:2] + plain[4:9] + plain[12:ihl],
                  "transport IPv4 header changed beyond length/protocol/"
                  "checksum:\n %s\n %s" % (out[:ihl].hex(),
                                          plain[:ihl].hex()))
        hlen = ihl
    else:
        check(out[0] >> 4 == 6, "outer not IPv6: %s" % out[:40].hex())
        check(struct.unpack("!H", out[4:6])[0] == len(out) - 40,
              "IPv6 payload length %d, packet %d" % (
                  struct.unpack("!H", out[4:6])[0], len(out)))
        o = IPv6(out)
        if cfg.tunnel:
            check((o.src, o.dst) == (cfg.local, cfg.remote),
                  "outer %s -> %s, want %s -> %s" % (o.src, o.dst, cfg.local,
                                                     cfg.remote))
            check(o.hlim == cfg.ttl, "outer hop limit %d, want %d" % (
                o.hlim, cfg.ttl))
            hlen, proto = 40, out[6]
        else:
            # ESP where scapy and Linux put it (before destination
            # options after a routing header), or after all the extension
            # headers: RFC 4303 §3.1.1 allows both
            nh_off, hlen = v6_walk(out)
            want = (len(plain) - protected_len(cfg, plain), v6_walk(plain)[1])
            check(hlen in want, "ESP after %d bytes of IPv6 headers, want "
                  "%s" % (hlen, " or ".join(map(str, set(want)))))
            check(out[:4] + out[7:nh_off] + out[nh_off + 1:hlen] ==
                  plain[:4] + plain[7:nh_off] + plain[nh_off + 1:hlen],
                  "transport IPv6 headers changed beyond length/next header")
            proto = out[nh_off]
    if cfg.udp:
        check(proto == 17, "protocol %d, want 17 (ESP in UDP)" % proto)
        sport, dport, ulen, ck = struct.unpack("!HHHH", out[hlen:hlen + 8])
        check((sport, dport) == (cfg.lport, cfg.rport),
              "UDP %d -> %d, want %d -> %d" % (sport, dport, cfg.lport,
                                              cfg.rport))
        check(ulen == len(out) - hlen, "UDP length %d, want %d" % (
            ulen, len(out) - hlen))
        if cfg.over == 6:
            ph = out[8:40] + struct.pack("!IxxxB", ulen, 17)
            check(ck != 0 and ones_sum(ph + out[hlen:]) == 0xffff,
                  "UDP checksum over IPv6 %04x: zero or wrong (RFC 8200 "
                  "§8.1)" % ck)
        else:
            check(ck == 0 or ones_sum(out[12:20] + struct.pack(
                "!xBH", 17, ulen) + out[hlen:]) == 0xffff,
                "UDP checksum %04x wrong" % ck)
        esp_off = hlen + 8
    else:
        check(proto == 50, "protocol %d, want 50 (ESP)" % proto)
        esp_off = hlen
    spi, sq = struct.unpack("!II", out[esp_off:esp_off + 8])
    check(spi == cfg.spi, "SPI %08x, want %08x" % (spi, cfg.spi))
    check(sq == seq & 0xffffffff, "sequence number %d, want %d" % (
        sq, seq & 0xffffffff))
    return esp_off, hlen


def without_udp(out, cfg, esp_off, hlen, icv_keep):
    """Our packet as scapy can take it: UDP header removed, protocol 50,
    lengths fixed; the ICV cut when the test checks it itself."""
    esp = out[esp_off:len(out) - (0 if icv_keep else cfg.icv)]
    hdr = bytearray(out[:hlen])
    if cfg.over == 4:
        hdr[9] = 50
        struct.pack_into("!H", hdr, 2, hlen + len(esp))
        struct.pack_into("!H", hdr, 10, 0)
        struct.pack_into("!H", hdr, 10, 0xffff - ones_sum(bytes(hdr)))
        return IP(bytes(hdr) + esp)
    hdr[v6_nh_offset(hdr, hlen)] = 50
    struct.pack_into("!H", hdr, 4, hlen - 40 + len(esp))
    return IPv6(bytes(hdr) + esp)


def scapy_decrypt(cfg, sa, pkt):
    """scapy's SA.decrypt; for IPv6 transport with extension headers (after
    which SA.decrypt parses the payload as the first extension header), the
    same steps with the ESP layer's own next header."""
    if cfg.tunnel or cfg.iver == 4 or isinstance(pkt.payload, ESP):
        return sa.decrypt(pkt)
    esp = pkt[ESP]
    sa.check_spi(esp)
    sa.auth_algo.verify(esp, sa.auth_key)
    plain = sa.crypt_algo.decrypt(
        sa, esp, sa.crypt_key,
        sa.crypt_algo.icv_size or sa.auth_algo.icv_size,
        esn_en=sa.esn_en, esn=sa.esn)
    b = bytearray(raw(pkt))
    hlen = len(b) - len(raw(esp))
    b[v6_nh_offset(b, hlen)] = plain.nh
    b = b[:hlen] + raw(plain.data)
    struct.pack_into("!H", b, 4, len(b) - 40)
    return IPv6(bytes(b))


def check_trailer(cfg, esp, seq):
    """RFC 4303 §2.4: padding 1, 2, 3, ..., as little as the block needs;
    the payload ends on a 4-byte boundary."""
    pt = cfg.plaintext(esp, seq)
    padlen, nh = pt[-2], pt[-1]
    check(padlen + 2 <= len(pt), "pad length %d past the payload" % padlen)
    pad = pt[len(pt) - 2 - padlen:len(pt) - 2]
    check(pad == bytes(range(1, padlen + 1)),
          "padding bytes %s, want 1, 2, 3, ..." % pad.hex())
    check((8 + cfg.iv + len(pt)) % 4 == 0,
          "ESP payload not 4-byte aligned (%d bytes)" % (len(pt)))
    check(len(pt) % cfg.block == 0 and padlen < cfg.block,
          "payload+trailer %d bytes, pad %d: not the least padding to %d" % (
              len(pt), padlen, cfg.block))
    want_nh = ({4: 4, 6: 41}[cfg.iver] if cfg.tunnel else 17)
    check(nh == want_nh, "next header %d, want %d" % (nh, want_nh))


def outbound_one(cfg, plain, out, seq, ivs):
    esp_off, hlen = check_outer(cfg, plain, out, seq)
    esp = out[esp_off:]
    iv = esp[8:8 + cfg.iv]
    if cfg.calgo in ("AES-GCM", "AES-CTR", "CHACHA20-POLY1305"):
        check(iv == struct.pack("!Q", seq),
              "IV %s, want the sequence number %016x" % (iv.hex(), seq))
    elif cfg.iv:
        check(iv not in ivs, "CBC IV %s used twice" % iv.hex())
        ivs.add(iv)
    if cfg.own_icv():
        want = cfg.hmac(esp[:-cfg.icv], seq)
        check(esp[-cfg.icv:] == want,
              "ICV %s, want %s (HMAC with the ESN high half %08x)" % (
                  esp[-cfg.icv:].hex(), want.hex(), seq >> 32))
    check_trailer(cfg, esp, seq)
    sa = cfg.scapy_sa(False)
    sa.esn = seq >> 32
    pkt = without_udp(out, cfg, esp_off, hlen, not cfg.own_icv())
    try:
        dec = scapy_decrypt(cfg, sa, pkt)
    except Exception as e:  # IPSecIntegrityError, TypeError
        raise Fail("scapy refused it: %s: %s" % (type(e).__name__, e))
    check(raw(dec) == plain, "scapy's decrypt differs from the input:\n"
          " got  %s\n want %s" % (raw(dec).hex(), plain.hex()))
    # what lifetimes count: the inner packet (tunnel), what ESP protects
    # (transport)
    return len(plain) if cfg.tunnel else len(plain) - hlen


def run_outbound(cfg, sizes, rng):
    plains = plain_packets(cfg, sizes, rng, sending=True)
    bursts = [plains[:len(plains) // 2], plains[len(plains) // 2:]]
    args = cfg.tool_args("out")
    res, st, _ = run_tool(args, bursts)
    ivs = set()
    nbytes = 0
    for i, (plain, (word, out)) in enumerate(zip(plains, res)):
        seq = cfg.seq0 + 1 + i
        try:
            check(word == "ok", "esp_tool: err %s" % out)
            nbytes += outbound_one(cfg, plain, out, seq, ivs)
        except Fail as e:
            raise Fail("packet %d (seq %d, %d bytes in): %s\n out: %s\n%s"
                       % (i, seq, len(plain), e,
                          out.hex() if word == "ok" else out,
                          reproducer(with_seq(args, seq - 1), [[plain]])))
    expect_stats(st, "outbound", packets=len(plains), nbytes=nbytes,
                 seq=cfg.seq0 + len(plains))


# ---------------------------------------------------------------------------
# Inbound: scapy encrypts, we decrypt


def scapy_encrypt(cfg, sa, plain, seq, rng, self_check=False):
    """One packet from scapy's SA (random IV), as bytes; the ICV added here
    when scapy would get it wrong (ESN with HMAC). IPv4 UDP checksums
    zero (scapy's choice, RFC 3948 §2.1) or computed, IPv6 computed."""
    p = (IP if cfg.iver == 4 else IPv6)(plain)
    # seq_num=0 would mean "not given" to encrypt(): set the SA's instead
    sa.esn, sa.seq_num = seq >> 32, seq & 0xffffffff
    e = sa.encrypt(p)
    if cfg.udp and not isinstance(e[UDP].underlayer, (IP, IPv6)):
        e[UDP].underlayer.nh = 17  # scapy leaves 50 there
    if cfg.own_icv():
        e[ESP].data += cfg.hmac(raw(e[ESP]), seq)
    if cfg.udp and (cfg.over == 6 or rng.random() < 0.5):
        del e[UDP].chksum
    if cfg.udp:
        del e[UDP].len
    if cfg.over == 4:
        del e[IP].len
        del e[IP].chksum
    else:
        del e[IPv6].plen
    b = raw(e)
    if self_check:
        # scapy's own decrypt of it is the same packet again (the test's
        # fixups above did not break it)
        sa2 = cfg.scapy_sa(True)
        sa2.esn = seq >> 32
        q = (IP if cfg.over == 4 else IPv6)(b)
        if cfg.udp:
            esp_off = len(b) - len(q[UDP].payload)
            hlen = esp_off - 8
        else:
            esp_off = hlen = len(b) - len(q[ESP])
        if cfg.own_icv():
            check(b[-cfg.icv:] == cfg.hmac(b[esp_off:-cfg.icv], seq),
                  "test's own ICV")
        q = without_udp(b, cfg, esp_off, hlen, not cfg.own_icv())
        check(raw(scapy_decrypt(cfg, sa2, q)) == plain,
              "scapy cannot decrypt its own")
    return b


def run_inbound(cfg, sizes, rng):
    plains = plain_packets(cfg, sizes, rng, sending=False)
    seqs = [cfg.seq0 + 1 + i for i in range(len(plains))]
    # every fourth pair swapped: the second arrives late
    order = list(range(len(plains)))
    late = 0
    for i in range(2, len(order) - 1, 4):
        order[i], order[i + 1] = order[i + 1], order[i]
        late += 1
    sa = cfg.scapy_sa(True)
    pkts = [scapy_encrypt(cfg, sa, plains[j], seqs[j], rng, k < 3 or
                          k % 5 == 4) for k, j in enumerate(order)]
    args = cfg.tool_args("in")
    res, st, _ = run_tool(args, [pkts[:20], pkts[20:]])
    for k, (j, (word, out)) in enumerate(zip(order, res)):
        ok = word == "ok" and out == plains[j]
        check(ok, lambda: "packet %d (seq %d, %d bytes): %s\n want %s\n%s"
              % (k, seqs[j], len(plains[j]),
                 "err " + out if word == "err" else "got  " + out.hex(),
                 plains[j].hex(),
                 reproducer(with_seq(args, seqs[j] - 1), [[pkts[k]]])))
    expect_stats(st, "inbound", packets=len(plains), late=late,
                 nbytes=sum(protected_len(cfg, p) for p in plains),
                 seq=seqs[-1])


# ---------------------------------------------------------------------------
# The configurations


def configs(rng):
    """AES-GCM-128 in every mode x ESN x UDP; every other suite in four
    configurations covering each mode, ESN and UDP (and HMAC with ESN)."""
    out = []
    for mode in MODES:
        for esn in (False, True):
            for udp in (False, True):
                out.append((Cfg("ESP_AES_GCM_16_128", mode, esn, udp, rng),
                            SIZES_FULL))
    picks = [("tun44", False, False), ("tun66", True, True),
             ("tr4", True, False), ("tr6", False, True),
             ("tun46", False, True), ("tun64", True, False)]
    for n, suite in enumerate(s for s in SUITES if s != "ESP_AES_GCM_16_128"):
        for k in range(4):
            mode, esn, udp = picks[(n + k) % len(picks)]
            out.append((Cfg(suite, mode, esn, udp, rng), SIZES_SHORT))
    return out


def each_config(fn, seed):
    rng = random.Random(seed)
    n = 0
    for cfg, sizes in configs(rng):
        try:
            fn(cfg, sizes, rng)
            print("ok   %s" % cfg.name)
        except Fail as e:
            FAILS.append(cfg.name)
            print("FAIL %s: %s" % (cfg.name, e))
        n += 1
    return n


def case_outbound_scapy_decrypts():
    each_config(run_outbound, 1)


def case_inbound_from_scapy():
    each_config(run_inbound, 2)


# ---------------------------------------------------------------------------
# Hostile inbound packets


def outer(cfg, esp, plain=None, dst=None, dport=None):
    """Put an ESP packet (bytes) into the IP [UDP] header the peer sends:
    tunnel mode, remote -> local (or dst); transport mode, plain's IP
    header (without options), protocol and lengths fixed."""
    if cfg.tunnel or plain is None:
        hdr = (IP if cfg.over == 4 else IPv6)(src=cfg.remote,
                                              dst=dst or cfg.local)
        hdr = bytearray(raw(hdr))
    else:
        hdr = bytearray(plain[:20 if cfg.over == 4 else 40])
    if cfg.udp:
        dport = dport or cfg.lport
        esp = struct.pack("!HHHH", cfg.rport, dport, 8 + len(esp), 0) + esp
    if cfg.over == 4:
        hdr[0] = 0x45
        hdr[9] = 17 if cfg.udp else 50
        struct.pack_into("!H", hdr, 2, 20 + len(esp))
        struct.pack_into("!H", hdr, 10, 0)
        struct.pack_into("!H", hdr, 10, 0xffff - ones_sum(bytes(hdr)))
    else:
        hdr[6] = 17 if cfg.udp else 50
        struct.pack_into("!H", hdr, 4, len(esp))
    return bytes(hdr) + esp


def peer_packet(cfg, rng, n=40):
    """A packet the peer protects: the inner packet (tunnel) or one from
    its address to ours (transport)."""
    src, dst = (INNER if cfg.tunnel else ADDR)[cfg.iver]
    return raw(ip_pkt(cfg.iver, dst, src, udp_payload(n, rng), rng))


def esp_body(cfg, plain):
    """What ESP carries of a peer packet, and its next header."""
    if cfg.tunnel:
        return plain, {4: 4, 6: 41}[cfg.iver]
    hl = (plain[0] & 0xf) * 4 if cfg.iver == 4 else 40
    return plain[hl:], plain[9] if cfg.iver == 4 else plain[6]


class Steps:
    """A hostile run: bursts of packets, each with the status it must get
    (or the packet it must give)."""

    def __init__(self, cfg, rng):
        self.cfg, self.rng = cfg, rng
        self.bursts, self.want, self.names = [], [], []
        self.drops = {}
        self.accepted = []
        self.tfc = 0  # TFC padding bytes in accepted packets

    def valid(self, seq):
        """A valid packet with that sequence number (scapy's SA)."""
        plain = peer_packet(self.cfg, self.rng, self.rng.randrange(0, 200))
        sa = self.cfg.scapy_sa(True)
        return scapy_encrypt(self.cfg, sa, plain, seq, self.rng), plain

    def sealed(self, seq, dst=None, dport=None, plain=None, **kw):
        """A packet made by Cfg.seal (for hostile variants), and what it
        decrypts to."""
        if plain is None:
            plain = peer_packet(self.cfg, self.rng, self.rng.randrange(30))
        body, nh = esp_body(self.cfg, plain)
        esp = self.cfg.seal(seq, body, kw.pop("nh", nh), **kw)
        return outer(self.cfg, esp, plain, dst, dport), plain, esp

    def add(self, name, pkts):
        """One burst: [(bytes, want)], want a status key or the expected
        output bytes."""
        self.bursts.append([p for p, _ in pkts])
        for i, (_, w) in enumerate(pkts):
            self.want.append(w)
            self.names.append(name if len(pkts) == 1 else "%s[%d]" % (name,
                                                                     i))
            if isinstance(w, str):
                self.drops[w] = self.drops.get(w, 0) + 1
            else:
                self.accepted.append(w)

    def ok(self, name, seq):
        p, plain = self.valid(seq)
        self.add(name, [(p, plain)])

    def bad_then_ok(self, name, bad, status, seq):
        """A hostile packet, then a valid one with the same sequence number
        in the same burst: accepted only if the first left no mark."""
        p, plain = self.valid(seq)
        self.add(name, [(bad, status), (p, plain)])

    def run(self, args):
        res, st, repro = run_tool(args, self.bursts)
        bad = []
        for name, w, (word, out) in zip(self.names, self.want, res):
            if isinstance(w, str):
                if word != "err" or out != w:
                    bad.append("%s: got %s, want err %s" % (
                        name, "err " + out if word == "err" else "ok",
                        w))
            elif word != "ok" or out != w:
                bad.append("%s: got %s, want ok" % (
                    name, "err " + out if word == "err" else
                    "ok " + out.hex()))
        check(not bad, lambda: "\n  ".join(bad) + "\n" + str(repro))
        return st


def hostile_steps(cfg, rng):
    """The hostile run for one SA (window 1024, seq from cfg.seq0). Each
    hostile packet carries a sequence number not yet received, and the
    valid packet after it the same one."""
    s = Steps(cfg, rng)
    seq = iter(range(cfg.seq0 + 1, cfg.seq0 + 1000))
    q = next(seq)
    s.ok("first", q)
    first = s.bursts[-1][0]
    s.add("replay of an accepted packet", [(first, "replay")])
    p, plain, _ = s.sealed(next(seq))
    s.add("valid, made as the hostile ones are", [(p, plain)])

    q = next(seq)
    flipped = bytearray(s.valid(q)[0])
    flipped[-1] ^= 0x01
    s.bad_then_ok("ICV byte flipped", bytes(flipped), "icv", q)
    q = next(seq)
    flipped = bytearray(s.valid(q)[0])
    flipped[-cfg.icv - 3] ^= 0x80   # ciphertext (trailer) byte flipped
    s.bad_then_ok("ciphertext byte flipped", bytes(flipped), "icv", q)

    q = next(seq)
    _, plain, esp = s.sealed(q)
    wrong_spi = struct.pack("!I", cfg.spi ^ 0x5a5a0000) + esp[4:]
    s.bad_then_ok("wrong SPI", outer(cfg, wrong_spi, plain), "spi", q)
    s.bad_then_ok("truncated (header, IV, ICV - 1)",
                  outer(cfg, esp[:8 + cfg.iv + cfg.icv - 1], plain),
                  "truncated", next(seq))
    s.bad_then_ok("truncated (SPI only)", outer(cfg, esp[:4], plain),
                  "truncated", next(seq))

    # the blocks stay whole, the ICV is valid: only the padding is wrong
    q = next(seq)
    plain = peer_packet(cfg, rng, rng.randrange(0, 30))
    body, _ = esp_body(cfg, plain)
    need = (-(len(body) + 2)) % cfg.block
    if need < 4:
        need += cfg.block
    pad = bytearray(range(1, need + 1))
    pad[-2] ^= 0x40
    s.bad_then_ok("bad padding bytes, valid ICV",
                  s.sealed(q, plain=plain, padding=bytes(pad))[0], "padding",
                  q)
    q = next(seq)
    s.bad_then_ok("pad length past the payload, valid ICV",
                  s.sealed(q, padlen=255)[0], "padding", q)
    if cfg.tunnel:
        q = next(seq)
        s.bad_then_ok("next header 17 in a tunnel SA",
                      s.sealed(q, nh=17)[0], "next-header", q)
        q = next(seq)
        s.bad_then_ok("tunnel destination not ours",
                      s.sealed(q, dst=cfg.remote)[0], "spi", q)
        q = next(seq)
        other = raw(ip_pkt(
            10 - cfg.iver, INNER[10 - cfg.iver][1], INNER[10 - cfg.iver][0],
            udp_payload(20, rng), rng))
        s.bad_then_ok("next header %d, an IPv%d packet inside" % (
            {4: 4, 6: 41}[cfg.iver], 10 - cfg.iver),
            s.sealed(q, plain=other, nh={4: 4, 6: 41}[cfg.iver])[0], "ip", q)
        # RFC 4303 §2.7: TFC padding after the inner packet, whose own
        # length says where it ends
        plain = peer_packet(cfg, rng, 30)
        esp = cfg.seal(next(seq), plain + rng.randbytes(37),
                       {4: 4, 6: 41}[cfg.iver])
        s.add("TFC padding after the inner packet", [(outer(cfg, esp),
                                                      plain)])
        s.tfc = 37
        ce_step(s, next(seq))
        if cfg.over == 4:
            q = next(seq)
            frag = bytearray(s.valid(q)[0])
            frag[6] |= 0x20
            s.bad_then_ok("outer IPv4 a fragment (MF)", ipv4_cksum(frag),
                          "ip", q)
    q = next(seq)
    s.bad_then_ok("TFC dummy (next header 59)", s.sealed(q, nh=59)[0],
                  "dummy", q)
    q = next(seq)
    if cfg.udp:
        s.add("NAT-T keepalive", [(outer(cfg, b"\xff"), "keepalive")])
        s.add("NAT-T keepalive, Ethernet padding after it",
              [(outer(cfg, b"\xff") + bytes(17), "keepalive")])
        s.add("non-ESP marker (IKE)",
              [(outer(cfg, b"\0\0\0\0" + rng.randbytes(40)), "not-esp")])
        s.bad_then_ok("UDP destination port not ours",
                      s.sealed(q, dport=cfg.lport ^ 0x100)[0], "spi", q)
    else:
        s.bad_then_ok("UDP packet to a non-UDP SA",
                      outer_udp_anyway(cfg, s.sealed(q)[2]), "not-esp", q)
    q = next(seq)
    v = bytearray(s.valid(q)[0])
    if cfg.over == 4:
        struct.pack_into("!H", v, 2, len(v) + 4)   # total length lies
    else:
        struct.pack_into("!H", v, 4, len(v) - 40 + 4)
    s.bad_then_ok("IP length past the buffer", bytes(v), "ip", q)
    p, plain = s.valid(next(seq))
    s.add("valid, Ethernet padding after it", [(p + bytes(9), plain)])
    p, plain = s.valid(next(seq))
    s.add("the same packet twice in one burst", [(p, plain), (p, "replay")])

    s.ok("jump to 5000", cfg.seq0 + 5000)
    # With ESN, a sequence number left of the window is taken for one of
    # the next 2^32 (RFC 4303 Appendix A2.2: Seql < Bl -> Seqh = Th + 1):
    # the ICV then fails.
    old = "icv" if cfg.esn else "too-old"
    s.add("left of the window (never sent)", [(s.valid(next(seq))[0], old)])
    s.add("left of the window (seq 1, accepted before)", [(first, old)])
    s.ok("late but in the window (seq 4000)", cfg.seq0 + 4000)
    s.add("replay in the window (seq 4000)", [(s.bursts[-1][0], "replay")])
    return s


def ipv4_cksum(b):
    b = bytearray(b)
    ihl = (b[0] & 0xf) * 4
    struct.pack_into("!H", b, 10, 0)
    struct.pack_into("!H", b, 10, 0xffff - ones_sum(bytes(b[:ihl])))
    return bytes(b)


def set_ecn(pkt, ecn):
    """An IP packet with its ECN field set (IPv4: checksum fixed)."""
    b = bytearray(pkt)
    if b[0] >> 4 == 4:
        b[1] = (b[1] & 0xfc) | ecn
        return ipv4_cksum(b)
    b[1] = (b[1] & 0xcf) | ecn << 4
    return bytes(b)


def ce_step(s, q):
    """RFC 6040 §4.2: an outer CE mark on an ECN-capable inner packet is
    kept on decapsulation."""
    cfg = s.cfg
    plain = set_ecn(peer_packet(cfg, s.rng, 30), 2)   # ECT(0)
    sa = cfg.scapy_sa(True)
    p = set_ecn(scapy_encrypt(cfg, sa, plain, q, s.rng), 3)   # CE
    s.add("outer CE, inner ECT(0): inner CE (RFC 6040)",
          [(p, set_ecn(plain, 3))])


def outer_udp_anyway(cfg, esp):
    """ESP in UDP to an SA without UDP encapsulation."""
    hdr = IP if cfg.over == 4 else IPv6
    return raw(hdr(src=cfg.remote, dst=cfg.local) /
               UDP(sport=4500, dport=4500) / Raw(esp))


def case_inbound_hostile():
    rng = random.Random(3)
    runs = [Cfg("ESP_AES_GCM_16_128", "tun44", False, True, rng),
            Cfg("ESP_AES_CBC_128_HMAC_SHA256_128", "tun66", True, False, rng),
            Cfg("ESP_CHACHA20_POLY1305", "tun46", True, True, rng),
            Cfg("ESP_NULL_HMAC_SHA1_96", "tun64", False, False, rng),
            Cfg("ESP_AES_CTR_128_HMAC_SHA256_128", "tun44", True, True, rng),
            Cfg("ESP_AES_CBC_128_HMAC_MD5_96", "tr4", False, True, rng),
            Cfg("ESP_AES_GCM_16_256", "tr6", True, False, rng)]
    for cfg in runs:
        try:
            s = hostile_steps(cfg, rng)
            st = s.run(cfg.tool_args("in", window=1024))
            # bytes: whether TFC padding counts is left open (the header
            # says "the protected payload (the inner packet in tunnel
            # mode)")
            nbytes = sum(protected_len(cfg, p) for p in s.accepted)
            expect_stats(st, "hostile", packets=len(s.accepted), late=1,
                         drops=s.drops, seq=cfg.seq0 + 5000,
                         nbytes={nbytes, nbytes + s.tfc})
            print("ok   hostile %s" % cfg.name)
        except Fail as e:
            FAILS.append("hostile " + cfg.name)
            print("FAIL hostile %s: %s" % (cfg.name, e))


# ---------------------------------------------------------------------------
# Outbound limits; esp_tool's arguments


def window_steps(cfg, rng, w):
    """The replay window's edges (RFC 4303 §3.4.3) for a window of w
    packets, top T: T - w + 1 is in it, T - w is not; moving the top
    clears what falls out and keeps what stays."""
    s = Steps(cfg, rng)
    t = cfg.seq0 + 10000
    old = "icv" if cfg.esn else "too-old"
    s.ok("top T", t)
    s.ok("T - w + 1: left edge", t - w + 1)
    s.add("T - w: just out", [(s.valid(t - w)[0], old)])
    s.add("T - w + 1 again", [(s.bursts[1][0], "replay")])
    s.ok("T + 1", t + 1)
    s.add("T - w + 1 after the top moved by one",
          [(s.bursts[1][0], old)])
    s.ok("T - w + 2: the new left edge", t - w + 2)
    s.ok("top T + w: T + 1 at the left edge", t + w)
    s.add("T + 1 again", [(s.bursts[4][0], "replay")])
    s.ok("T + 2, never received", t + 2)
    s.ok("top T + 2w: a jump of a whole window", t + 2 * w)
    s.add("T + w: just out", [(s.bursts[7][0], old)])
    s.ok("T + w + 1: left edge, never received", t + w + 1)
    s.ok("T + 2w - 1, never received", t + 2 * w - 1)
    s.ok("T + 2w + 100000", t + 2 * w + 100000)
    s.ok("its left edge", t + 2 * w + 100000 - w + 1)
    return s, t + 2 * w + 100000, 6


def esn_window_steps(cfg, rng):
    """ESN, window 64, top 2^32 + 10: the window spans the wrap
    (RFC 4303 Appendix A2.2, case B)."""
    s = Steps(cfg, rng)
    t = (1 << 32) + 10
    s.ok("top 2^32 + 10", t)
    s.ok("2^32 - 53: left edge, before the wrap", t - 63)
    s.add("2^32 - 54: taken for 2^33 - 54, ICV fails",
          [(s.valid(t - 64)[0], "icv")])
    s.ok("2^32 - 1, never received", (1 << 32) - 1)
    s.ok("2^32 + 5, never received", (1 << 32) + 5)
    s.add("2^32 - 1 again", [(s.bursts[3][0], "replay")])
    s.ok("2^32 + 70: the top moves past the wrap", (1 << 32) + 70)
    # window 2^32 + 7 .. 2^32 + 70 (case A): both taken for 2^33 + ...
    s.add("2^32 - 1: now out", [(s.bursts[3][0], "icv")])
    s.add("2^32 + 5: now out", [(s.bursts[4][0], "icv")])
    return s, (1 << 32) + 70, 3


def case_inbound_window():
    rng = random.Random(5)
    runs = []
    for w in (64, 100, 1024, 4096):
        cfg = Cfg("ESP_AES_GCM_16_128", "tun44", False, False, rng)
        runs.append(("window %d" % w, cfg, w) + window_steps(cfg, rng, w))
    cfg = Cfg("ESP_AES_CBC_128_HMAC_SHA1_96", "tun66", True, False, rng,
              seq0=1)
    runs.append(("window 1024, ESN", cfg, 1024) + window_steps(cfg, rng,
                                                               1024))
    cfg = Cfg("ESP_AES_GCM_16_128", "tun44", True, False, rng,
              seq0=(1 << 32) - 100)
    runs.append(("window 64, ESN across 2^32", cfg, 64) +
                esn_window_steps(cfg, rng))
    # A restarted SA (policy seq N): the window's right edge, nothing in
    # it marked, N included. (Whether N itself counts as late is left
    # open: the header says late is "behind the highest received".)
    cfg = Cfg("ESP_AES_GCM_16_128", "tun44", False, False, rng, seq0=1000)
    s = Steps(cfg, rng)
    s.ok("N", 1000)
    s.add("N again", [(s.bursts[0][0], "replay")])
    s.ok("N - 1", 999)
    s.ok("N - 63: left edge", 1000 - 63)
    s.add("N - 64: out", [(s.valid(1000 - 64)[0], "too-old")])
    s.ok("N + 1", 1001)
    runs.append(("policy seq N = 1000, window 64", cfg, 64, s, 1001, None))
    for name, cfg, w, s, top, late in runs:
        try:
            st = s.run(cfg.tool_args("in", window=w))
            expect_stats(st, name, packets=len(s.accepted), late=late,
                         drops=s.drops, seq=top,
                         nbytes=sum(protected_len(cfg, p)
                                    for p in s.accepted))
            print("ok   %s" % name)
        except Fail as e:
            FAILS.append(name)
            print("FAIL %s: %s" % (name, e))


def case_outbound_limits():
    rng = random.Random(4)
    cases = []

    def limit(name, cfg, pkts, want, seq=None, **extra):
        cases.append((name, cfg, pkts, want, seq, extra))

    c = Cfg("ESP_AES_GCM_16_128", "tun44", False, False, rng,
            seq0=0xfffffffe)
    p = plain_packets(c, [10, 10, 10], rng, True)
    limit("no ESN: 2^32 - 1 is the last", c, p,
          ["ok", "seq-exhausted", "seq-exhausted"], seq=0xffffffff)
    c = Cfg("ESP_AES_GCM_16_128", "tun44", True, False, rng,
            seq0=0xfffffffe)
    limit("ESN: 2^32 follows 2^32 - 1", c, plain_packets(c, [10] * 3, rng,
                                                          True),
          ["ok", "ok", "ok"], seq=(1 << 32) + 1)
    c = Cfg("ESP_AES_CBC_128_HMAC_SHA256_128", "tun66", False, True, rng)
    p = plain_packets(c, [10, 10], rng, True)
    limit("headroom one short", c, p, ["no-room"] * 2, seq=0,
          headroom=40 + 8 + 8 + 16 - 1)
    limit("tailroom one short", c, p, ["no-room"] * 2, seq=0,
          tailroom=(-(len(p[0]) + 2)) % 16 + 2 + 16 - 1)
    c = Cfg("ESP_AES_CBC_128_HMAC_SHA256_128", "tun64", False, True, rng)
    p = plain_packets(c, [10, 10], rng, True)
    limit("tailroom just enough", c, p, ["ok"] * 2, seq=2,
          tailroom=(-(len(p[0]) + 2)) % 16 + 2 + 16)
    for mode in ("tun44", "tun66"):
        c = Cfg("ESP_AES_GCM_16_256", mode, False, False, rng)
        c.ttl = 7
        limit("outer TTL 7, %s" % mode, c, plain_packets(c, [1, 2], rng,
                                                         True),
              ["ok"] * 2, seq=2)
    c = Cfg("ESP_AES_GCM_16_128", "tun44", False, False, rng)
    p = plain_packets(c, [10], rng, True)[0]
    lying = bytearray(p)
    struct.pack_into("!H", lying, 2, len(p) + 1)
    limit("not IP packets", c, [bytes(20), b"\x60\0\0\0\0\x01\x11\x40" +
                                bytes(32), bytes(lying)], ["ip"] * 3, seq=0)
    # The header names no status for a result past 65535 bytes: any error
    # will do, but not "ok" with a length that wrapped around.
    big = raw(IP(src=INNER[4][0], dst=INNER[4][1]) / UDP() /
              Raw(bytes(65535 - 28)))
    limit("tunnel: result past 65535 bytes", c, [big, p], ["any", "ok"],
          seq=1)
    for suite, n in (("ESP_AES_CBC_128_HMAC_SHA1_96", 65535),
                     ("ESP_AES_GCM_16_128", 65504)):
        c = Cfg(suite, "tr4", False, False, rng)
        big = raw(IP(src=ADDR[4][0], dst=ADDR[4][1]) / UDP() /
                  Raw(bytes(n - 28)))
        p = plain_packets(c, [10], rng, True)[0]
        limit("transport %s: result past 65535 bytes" % suite, c, [big, p],
              ["any", "ok"], seq=1)
    for name, cfg, pkts, want, seq, extra in cases:
        try:
            res, st, repro = run_tool(cfg.tool_args("out", **extra), [pkts])
            got = [w if w == "ok" else o for w, o in res]
            check(len(got) == len(want) and all(
                g == w or (w == "any" and g != "ok")
                for g, w in zip(got, want)),
                lambda: "got %s, want %s\n%s" % (got, want, repro))
            drops = {}
            for w in got:
                if w != "ok":
                    drops[w] = drops.get(w, 0) + 1
            expect_stats(st, name, packets=want.count("ok"), drops=drops,
                         seq=seq)
            q = cfg.seq0
            for i, (w, o) in enumerate(res):
                if w == "ok":
                    q += 1
                    outbound_one(cfg, pkts[i], o, q, set())
            print("ok   %s" % name)
        except Fail as e:
            FAILS.append(name)
            print("FAIL %s: %s" % (name, e))


def case_tool_bad_arguments():
    k16, k32 = "00" * 16, "11" * 32
    gcm = ["--dir", "in", "--suite", "ESP_AES_GCM_16_128", "--spi", "0x1234",
           "--key", k16, "--salt", "01020304"]
    cases = [
        ([], "--dir and --spi are required"),
        (gcm[2:], "--dir and --spi are required"),
        (["--dir", "sideways"] + gcm[2:], "--dir: 'out' or 'in'"),
        (gcm[:3] + ["ESP_ROT13"] + gcm[4:], "unknown suite"),
        (gcm[:7] + ["00" * 15] + gcm[8:], "--key: 15 bytes"),
        (gcm[:7] + ["zz" * 16] + gcm[8:], "--key: not hex"),
        (gcm[:8], "--salt: ESP_AES_GCM_16_128 takes one"),
        (gcm + ["--auth-key", k32], "--auth-key: ESP_AES_GCM_16_128 takes"),
        (["--dir", "out", "--suite", "ESP_NULL_HMAC_SHA1_96", "--spi", "300",
          "--key", k16, "--auth-key", "22" * 20], "--key: ESP_NULL"),
        (gcm + ["--tunnel", "--local", "192.0.2.1"], "needs --local and"),
        (gcm + ["--local", "192.0.2.1", "--remote", "192.0.2.2"],
         "need --tunnel"),
        (gcm + ["--tunnel", "--local", "192.0.2.1", "--remote", "::1"],
         "one IPv4, one IPv6"),
        (gcm + ["--tunnel", "--local", "192.0.2.300", "--remote", "::1"],
         "not an IPv4 or IPv6 address"),
        (gcm + ["--udp", "4500"], "LPORT:RPORT"),
        (gcm + ["--udp", "4500:70000"], "out of range"),
        (gcm + ["--window", "10"], "the engine refused the policy"),
        (gcm[:5] + ["0"] + gcm[6:], "the engine refused the policy"),
        (gcm + ["--ttl", "256"], "out of range"),
        (gcm + ["--bogus"], "unknown option"),
        (gcm + ["stray"], "unexpected argument"),
    ]
    for argv, needle in cases:
        r = subprocess.run([TOOL] + argv, input="", capture_output=True,
                           text=True, timeout=30)
        name = "bad arguments %s" % shlex.join(argv)
        if r.returncode != 2 or needle not in r.stderr:
            FAILS.append(name)
            print("FAIL %s: exit %d, stderr %r, want exit 2 and %r" % (
                name, r.returncode, r.stderr[-300:], needle))
        else:
            print("ok   %s" % name)
    r = subprocess.run([TOOL] + gcm, input="45zz\n", capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 2 or "stdin line 1" not in r.stderr:
        FAILS.append("bad input line")
        print("FAIL bad input line: exit %d, %r" % (r.returncode, r.stderr))
    else:
        print("ok   bad input line")


CASES = {k[len("case_"):]: v for k, v in globals().items()
         if k.startswith("case_")}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: test_esp_interop.py CASE\ncases: " +
              " ".join(sorted(CASES)))
        sys.exit(2)
    CASES[sys.argv[1]]()
    if FAILS:
        print("%d failed: %s" % (len(FAILS), ", ".join(FAILS)))
        sys.exit(1)
    print("ok %s" % sys.argv[1])
