# SPDX-License-Identifier: BSD-3-Clause
"""ESP through the dataplane, checked with scapy's ESP on the far side:
media over IPsec from a device to the SBC, plain RTP toward the trunk, and
back. SAs and flows come from the control plane's flows file; packets go in
and out of pcap ports; every payload byte is compared.

  transport_both_ways: ESP transport mode from the device (scapy encrypts)
      comes out plain toward the trunk; the trunk's plain RTP goes out as
      ESP that scapy decrypts. Hostile ESP (replay, bad ICV, unknown SPI) and
      plain RTP aimed at the ESP leg are dropped and counted where they
      belong, while every good packet arrives.
  tunnel_udp_both_ways: the same in tunnel mode inside ESP-in-UDP (RFC 3948,
      NAT traversal): the device's tunnel on UDP 4500, the SBC's answer on
      it too; a NAT-T keepalive is taken and dropped.
  rekey_inbound_drains: mid-rekey, the flow takes the new inbound SA and the
      old one while it drains: packets of both, interleaved, all arrive.
  two_workers_keep_sa_on_one: two worker lcores with the distribution
      stage: ESP and the flows of each SA run on one lcore, all arrive.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgproc  # noqa: E402
import logging  # noqa: E402

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, wrpcap, rdpcap  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

SBC, DEV, TRUNK = "10.0.0.1", "10.0.0.2", "10.0.0.3"
MAC_SBC, MAC_PEER = "02:00:00:00:00:01", "02:00:00:00:00:02"
K_IN, S_IN = bytes(range(16)), bytes.fromhex("a1b2c3d4")
K_OUT, S_OUT = bytes(range(16, 32)), bytes.fromhex("0badf00d")
K_NEW, S_NEW = bytes(range(32, 48)), bytes.fromhex("feedface")
GCM = "ESP_AES_GCM_16_128"


def rtp(seq, ssrc=0x5150, n=160):
    return bytes([0x80, 0, seq >> 8 & 255, seq & 255]) + \
        (seq * 160).to_bytes(4, "big") + ssrc.to_bytes(4, "big") + \
        bytes((seq * 7 + i) & 255 for i in range(n))


def frame(ip):
    return Ether(src=MAC_PEER, dst=MAC_SBC) / ip


def esp_line(i, d, spi, key, salt, extra=""):
    return (f"esp {i} {d} {GCM} spi={spi:#x} key={key.hex()} salt={salt.hex()} "
            f"local={SBC} {extra}").strip()


def out(dst, dport, sport):
    return (f"out-port=0 out-src={SBC}:{sport} out-dst={dst}:{dport} "
            f"out-dmac={MAC_PEER} out-smac={MAC_SBC}")


def run(tmp, lines, pkts, lcores="0", seconds=2):
    wrpcap(f"{tmp}/in.pcap", pkts)
    ctl, dp = mgproc.static_run("esppipe", tmp, lines,
                                ["--hold-rx", "--duration", str(seconds),
                                 "--stats-interval", "0"], lcores=lcores)
    assert "dataplane refused" not in ctl, ctl
    return dp, rdpcap(f"{tmp}/out.pcap")


esp_stats = mgproc.esp_stats


def pipe_stats(text):
    tot = {}
    for m in re.finditer(r"^mg-pipe lcore=\d+ (.*)$", text, re.M):
        for f in m.group(1).split():
            k, v = f.split("=", 1)
            tot[k] = tot.get(k, 0) + int(v)
    return tot


def split_out(pkts):
    """(plain UDP payloads to the trunk, ESP packets to the device)."""
    plain = [bytes(p[UDP].payload) for p in pkts
             if IP in p and p[IP].dst == TRUNK and UDP in p]
    esp = [p[IP] for p in pkts if IP in p and p[IP].dst == DEV]
    return plain, esp


def transport_both_ways():
    dev_sa = SecurityAssociation(ESP, spi=0x1100, crypt_algo="AES-GCM",
                                 crypt_key=K_IN + S_IN)
    back_sa = SecurityAssociation(ESP, spi=0x2200, crypt_algo="AES-GCM",
                                  crypt_key=K_OUT + S_OUT)
    lines = [
        esp_line(1, "in", 0x1100, K_IN, S_IN),
        esp_line(2, "out", 0x2200, K_OUT, S_OUT),
        f"flow 1 local={SBC}:4000 action=relay rx-esp=1 {out(TRUNK, 6000, 5000)}",
        f"flow 2 local={SBC}:5000 action=relay tx-esp=2 {out(DEV, 7000, 4000)}",
    ]
    from_dev = [dev_sa.encrypt(IP(src=DEV, dst=SBC) / UDP(sport=7000, dport=4000) /
                               Raw(rtp(i)), seq_num=i + 1) for i in range(20)]
    from_trunk = [IP(src=TRUNK, dst=SBC) / UDP(sport=6000, dport=5000) /
                  Raw(rtp(100 + i, 0x7777)) for i in range(20)]
    bad_icv = IP(bytes(from_dev[3]))
    raw = bytearray(bytes(bad_icv))
    raw[-1] ^= 1
    stranger = SecurityAssociation(ESP, spi=0x9999, crypt_algo="AES-GCM",
                                   crypt_key=K_IN + S_IN)
    hostile = [IP(bytes(from_dev[5])),                    # replay
               IP(bytes(raw)),                            # ICV
               stranger.encrypt(IP(src=DEV, dst=SBC) / UDP(dport=4000) /
                                Raw(rtp(1)), seq_num=1),  # unknown SPI
               IP(src=DEV, dst=SBC) / UDP(sport=7000, dport=4000) /
               Raw(rtp(999))]                             # not through ESP
    pkts = []
    for i in range(20):
        pkts += [frame(from_dev[i]), frame(from_trunk[i])]
        if i in (6, 9, 12, 15):
            pkts.append(frame(hostile[(i - 6) // 3]))
    with tempfile.TemporaryDirectory() as tmp:
        text, got = run(tmp, lines, pkts)
    plain, esp = split_out(got)
    assert plain == [rtp(i) for i in range(20)], text
    assert len(esp) == 20, text
    for i, p in enumerate(esp):
        assert p[ESP].spi == 0x2200 and p[ESP].seq == i + 1, p.summary()
        inner = back_sa.decrypt(p)
        assert inner[UDP].sport == 4000 and inner[UDP].dport == 7000, inner.summary()
        assert bytes(inner[UDP].payload) == rtp(100 + i, 0x7777), i
    st, ps = esp_stats(text), pipe_stats(text)
    assert st[1]["packets"] == 20 and st[1].get("esp_replay") == 1 and \
        st[1].get("esp_icv") == 1, st
    assert st[2]["packets"] == 20 and st[2]["seq"] == 20, st
    assert ps["esp_no_sa"] == 1 and ps["esp_not_through"] == 1, ps
    assert ps["esp_rx"] == 20 and ps["esp_tx"] == 20, ps
    print("esp transport: 20 scapy ESP packets out plain to the trunk, 20 trunk "
          "packets out as ESP scapy decrypts; replay, ICV, unknown SPI and "
          "plain-to-ESP-leg dropped and counted")


def udp_len_fixed(p):
    """scapy 2.5 leaves a NAT-T UDP header's length at 8 (the header
    alone): written again, as a real sender's would be (checksum 0, as
    RFC 3948 says for IPv4)."""
    b = bytearray(bytes(p))
    hl = (b[0] & 15) * 4
    b[hl + 4:hl + 8] = (len(b) - hl).to_bytes(2, "big") + b"\0\0"
    return IP(bytes(b))


def tunnel_udp_both_ways():
    inner_dev = "192.168.7.2"
    nat = UDP(sport=4500, dport=4500)
    dev_sa = SecurityAssociation(ESP, spi=0x3300, crypt_algo="AES-GCM",
                                 crypt_key=K_IN + S_IN, nat_t_header=nat,
                                 tunnel_header=IP(src=DEV, dst=SBC))
    lines = [
        esp_line(1, "in", 0x3300, K_IN, S_IN, f"remote={DEV} tunnel udp=4500:4500"),
        esp_line(2, "out", 0x4400, K_OUT, S_OUT, f"remote={DEV} tunnel udp=4500:4500"),
        # The NAT-T port: what comes to it is decapsulated first.
        f"flow 9 local={SBC}:4500 action=drop esp-udp",
        f"flow 1 local={SBC}:4002 action=relay rx-esp=1 {out(TRUNK, 6002, 5002)}",
        f"flow 2 local={SBC}:5002 action=relay tx-esp=2 {out(inner_dev, 7002, 4002)}",
    ]
    from_dev = [udp_len_fixed(dev_sa.encrypt(IP(src=inner_dev, dst=SBC) /
                                             UDP(sport=7002, dport=4002) /
                                             Raw(rtp(i)), seq_num=i + 1))
                for i in range(16)]
    from_trunk = [IP(src=TRUNK, dst=SBC) / UDP(sport=6002, dport=5002) /
                  Raw(rtp(200 + i, 0x8888)) for i in range(16)]
    keepalive = IP(src=DEV, dst=SBC) / UDP(sport=4500, dport=4500) / Raw(b"\xff")
    pkts = [frame(keepalive)]
    for i in range(16):
        pkts += [frame(from_dev[i]), frame(from_trunk[i])]
    with tempfile.TemporaryDirectory() as tmp:
        text, got = run(tmp, lines, pkts)
    plain, esp = split_out(got)
    assert plain == [rtp(i) for i in range(16)], text
    assert len(esp) == 16, text
    for i, p in enumerate(esp):
        assert p[IP].src == SBC and p[UDP].sport == 4500 and p[UDP].dport == 4500
        # scapy 2.5 takes ESP-in-UDP apart badly on decrypt: give it ESP.
        bare = IP(src=p[IP].src, dst=p[IP].dst, proto=50) / ESP(bytes(p[UDP].payload))
        back = SecurityAssociation(ESP, spi=0x4400, crypt_algo="AES-GCM",
                                   crypt_key=K_OUT + S_OUT)
        inner = back.decrypt(bare).getlayer(IP, 2)  # the tunnelled one
        assert inner is not None and inner[IP].src == SBC
        assert inner[IP].dst == inner_dev and inner[UDP].dport == 7002, inner.summary()
        assert bytes(inner[UDP].payload) == rtp(200 + i, 0x8888), i
    st = esp_stats(text)
    assert st[1]["packets"] == 16 and st[1].get("esp_keepalive", 0) == 0, st
    assert st[2]["packets"] == 16, st
    assert pipe_stats(text)["drop_esp"] == 1, text  # the keepalive
    print("esp tunnel in UDP: 16 packets each way through a NAT-T tunnel, "
          "checked by scapy; a keepalive taken and dropped")


def rekey_inbound_drains():
    old_sa = SecurityAssociation(ESP, spi=0x5500, crypt_algo="AES-GCM",
                                 crypt_key=K_IN + S_IN)
    new_sa = SecurityAssociation(ESP, spi=0x5501, crypt_algo="AES-GCM",
                                 crypt_key=K_NEW + S_NEW)
    lines = [
        esp_line(1, "in", 0x5500, K_IN, S_IN),
        esp_line(3, "in", 0x5501, K_NEW, S_NEW),
        f"flow 1 local={SBC}:4000 action=relay rx-esp=3 rx-esp2=1 "
        f"{out(TRUNK, 6000, 5000)}",
    ]
    pkts, want = [], []
    for i in range(40):
        # The sender has switched; the old SA's late packets still come.
        sa, seq = (old_sa, 100 + i) if i % 3 == 0 else (new_sa, i + 1)
        pkts.append(frame(sa.encrypt(IP(src=DEV, dst=SBC) /
                                     UDP(sport=7000, dport=4000) / Raw(rtp(i)),
                                     seq_num=seq)))
        want.append(rtp(i))
    with tempfile.TemporaryDirectory() as tmp:
        text, got = run(tmp, lines, pkts)
    plain, _ = split_out(got)
    assert plain == want, text
    st = esp_stats(text)
    assert st[1]["packets"] == 14 and st[3]["packets"] == 26, st
    print("esp rekey: old and new inbound SA interleaved, 40 of 40 arrive")


def two_workers_keep_sa_on_one():
    dev_sa = SecurityAssociation(ESP, spi=0x1100, crypt_algo="AES-GCM",
                                 crypt_key=K_IN + S_IN)
    back_sa = SecurityAssociation(ESP, spi=0x2200, crypt_algo="AES-GCM",
                                  crypt_key=K_OUT + S_OUT)
    lines = [esp_line(1, "in", 0x1100, K_IN, S_IN),
             esp_line(2, "out", 0x2200, K_OUT, S_OUT)]
    pkts = []
    # One SA pair for four flows (audio and video, RTP and RTCP ports):
    # session-level binding.
    for k in range(4):
        lines += [f"flow {10 + k} local={SBC}:{4000 + 2 * k} action=relay rx-esp=1 "
                  f"{out(TRUNK, 6000 + 2 * k, 5000 + 2 * k)}",
                  f"flow {20 + k} local={SBC}:{5000 + 2 * k} action=relay tx-esp=2 "
                  f"{out(DEV, 7000 + 2 * k, 4000 + 2 * k)}"]
    seq = 0
    for i in range(48):
        k = i % 4
        seq += 1
        pkts.append(frame(dev_sa.encrypt(IP(src=DEV, dst=SBC) /
                                         UDP(sport=7000, dport=4000 + 2 * k) /
                                         Raw(rtp(i)), seq_num=seq)))
        pkts.append(frame(IP(src=TRUNK, dst=SBC) /
                          UDP(sport=6000, dport=5000 + 2 * k) /
                          Raw(rtp(500 + i, 0x9999))))
    with tempfile.TemporaryDirectory() as tmp:
        text, got = run(tmp, lines, pkts, lcores="0-1")
    plain, esp = split_out(got)
    assert sorted(plain) == sorted(rtp(i) for i in range(48)), text
    seqs = sorted(p[ESP].seq for p in esp)
    assert seqs == list(range(1, 49)), seqs
    got_in = sorted(bytes(back_sa.decrypt(p)[UDP].payload) for p in esp)
    assert got_in == sorted(rtp(500 + i, 0x9999) for i in range(48))
    print("esp two workers: one SA pair for four flows, 48 packets each way, "
          "sequence numbers 1..48 without a gap or a repeat")


if __name__ == "__main__":
    globals()[sys.argv[1]]()
