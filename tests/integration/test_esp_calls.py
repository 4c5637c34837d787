# SPDX-License-Identifier: BSD-3-Clause
"""ESP negotiated in SDP over ng (docs/esp-in-sdp.md), mediagate answering:
a device offers its media over IPsec (a=ipsec), the trunk is plain RTP.

  device_esp_to_plain_trunk: the device's a=ipsec (its key, its SPI) is
      taken; our answer carries our own key and SPI under its tag, and the
      trunk never sees either. Then real traffic on a veth pair: ESP made
      by scapy with the device's key (kdr=8: a new epoch, SPI and HKDF key
      every 256 packets, crossed in the middle) comes out to the trunk as
      the same plain RTP; the trunk's RTP comes back to the device as ESP
      that scapy decrypts with our key, epoch by epoch. Zero loss. A
      re-offer with the same key material installs nothing.
  device_esp_in_udp: the same with encap=udp (ESP in UDP on the media
      ports, RFC 3948).
  trunk_call_offers_esp_to_device: the same with mediagate offering (the
      ESP flag), the device answering.
  device_rekeys_under_traffic: new keys by re-offer while media flows,
      make-before-break both ways, the old inbound SA retired after the
      drain.
  rekey_survives_restarts: a draining SA across a control plane restart,
      the current pair across a dataplane restart.
  device_esp_to_srtp_trunk: ESP on one leg, SRTP on the other; the
      line's window and esn reach the SAs.
  profile_example_any_transport: the profile's own example, a non-RTP
      transport (m=application udp) under a session-level pair.
  hostile_ipsec_refused: unknown suite, short key, SPI 0 and reserved, a
      tag twice, lifetime 0, huge window, integrity-only ESP without the
      policy's leave, a re-offer moving the line between session and media
      level: each an error reply with its reason, nothing installed, no key
      in the reply.
"""
import base64
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgproc  # noqa: E402
from test_calls import (MEDIA, Netns, Rig, bad, m_line, sdp,  # noqa: E402
                        sdp_lines)
from test_esp_kdr import epoch_keys  # noqa: E402

KEY_DEV = bytes(range(1, 21))          # ESP_AES_GCM_16_128: 16 + 4


def ipsec_lines(lines):
    return [ln for ln in lines if ln.startswith("a=ipsec:")]


def parse_ipsec(line):
    m = re.match(r"a=ipsec:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)(\S*) spi=([0-9a-f]+)(.*)$",
                 line)
    assert m, line
    return dict(tag=int(m.group(1)), suite=m.group(2),
                key=base64.b64decode(m.group(3)), spi=int(m.group(5), 16),
                rest=m.group(6).split())


def esp_sa(key_material, spi0, e, kdr):
    """scapy's SA for epoch e of an SA with kdr (HKDF key, SPI spi0 + e)."""
    from scapy.layers.ipsec import ESP, SecurityAssociation
    key, salt = key_material[:16], key_material[16:20]
    if kdr:
        key = epoch_keys(key, salt, e, 16, spi=spi0)
    return SecurityAssociation(ESP, spi=spi0 + e, crypt_algo="AES-GCM",
                               crypt_key=key + salt)


def rtp(i, ssrc):
    return bytes([0x80, 0, i >> 8 & 255, i & 255]) + (i * 160).to_bytes(4, "big") + \
        ssrc.to_bytes(4, "big") + bytes((i * 5 + j) & 255 for j in range(160))


def udp_len_fixed(p):
    """scapy 2.5 leaves a NAT-T UDP header's length at 8: written again."""
    from scapy.all import IP
    b = bytearray(bytes(p))
    hl = (b[0] & 15) * 4
    b[hl + 4:hl + 8] = (len(b) - hl).to_bytes(2, "big") + b"\0\0"
    return IP(bytes(b))


def traffic(net, n, key_dev, spi_ours, key_ours, spi_dev, pa, pb, udp=False,
            nat_port=None):
    """n packets each way on the veth pair: the device (192.0.2.1:4000)
    sends ESP transport mode to our port pa under our SPI with its key
    (kdr=8 epochs); the trunk (192.0.2.2:5000) sends plain RTP to our
    port pb. What comes out is checked payload by payload, the device's
    side decrypted by scapy epoch by epoch. With nat_port, a NAT in front
    of the device maps its ESP-in-UDP source port 4000 to nat_port (the
    inner, encrypted UDP header keeps 4000): ours must go back there."""
    from scapy.all import Ether, IP, UDP, Raw, wrpcap, rdpcap
    from scapy.layers.ipsec import ESP
    with tempfile.TemporaryDirectory() as tmp:
        frames = []
        for i in range(n):
            seq = i + 1
            sa = esp_sa(key_dev, spi_ours, (seq - 1) >> 8, True)
            if udp:  # ESP in UDP on the media ports (RFC 3948)
                sa.nat_t_header = UDP(sport=nat_port or 4000, dport=pa)
            p = sa.encrypt(IP(src="192.0.2.1", dst=MEDIA) /
                           UDP(sport=4000, dport=pa) / Raw(rtp(i, 0xd1d1)),
                           seq_num=seq)
            if udp:
                p = udp_len_fixed(p)
            frames.append(Ether(src=net.mac_b, dst=net.mac_a) / p)
        wrpcap(f"{tmp}/a_esp.pcap", frames)
        got = net.io(f"{tmp}/a_esp.pcap", f"{tmp}/to_b.pcap", MEDIA, 10, n)
        assert got == n, f"{got} of {n} reached the trunk"
        plain = [bytes(p[UDP].payload) for p in rdpcap(f"{tmp}/to_b.pcap")]
        assert plain == [rtp(i, 0xd1d1) for i in range(n)]
        frames = [Ether(src=net.mac_b, dst=net.mac_a) /
                  IP(src="192.0.2.2", dst=MEDIA) / UDP(sport=5000, dport=pb) /
                  Raw(rtp(i, 0xb2b2)) for i in range(n)]
        wrpcap(f"{tmp}/b_plain.pcap", frames)
        got = net.io(f"{tmp}/b_plain.pcap", f"{tmp}/to_a.pcap", MEDIA, 10, n,
                     proto="udp" if udp else "esp")
        assert got == n, f"{got} of {n} reached the device"
        back = []
        for p in rdpcap(f"{tmp}/to_a.pcap"):
            if udp:
                assert p[UDP].sport == pa and p[UDP].dport == (nat_port or 4000), \
                    p.summary()
                p = Ether() / IP(src=p[IP].src, dst=p[IP].dst, proto=50) / \
                    ESP(bytes(p[UDP].payload))
            e = p[ESP].spi - spi_dev
            assert (p[ESP].seq - 1) >> 8 == e, (p[ESP].spi, p[ESP].seq)
            inner = esp_sa(key_ours, spi_dev, e, True).decrypt(p[IP])
            assert inner[UDP].sport == pa and inner[UDP].dport == 4000
            back.append(bytes(inner[UDP].payload))
        assert back == [rtp(i, 0xb2b2) for i in range(n)]


def device_esp_to_plain_trunk():
    net = Netns()
    rig = None
    n = 300  # 256 a epoch with kdr=8: both directions change epoch
    try:
        rig = Rig("espcall", ctl_extra=["--next-hop-mac", net.mac_b],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        line = ("a=ipsec:7 ESP_AES_GCM_16_128 inline:"
                f"{base64.b64encode(KEY_DEV).decode()} spi=1000 kdr=8\r\n")
        offer = sdp("192.0.2.1", 4000, "RTP/AVP", "a=rtcp-mux\r\n" + line)
        o = rig.ng.ask(command="offer", call_id="e1", from_tag="dev", sdp=offer)
        assert o[b"result"] == b"ok", o
        to_b = sdp_lines(o[b"sdp"])
        assert ipsec_lines(to_b) == [], "the device's key went to the trunk"
        a = rig.ng.ask(command="answer", call_id="e1", from_tag="dev", to_tag="trk",
                       sdp=sdp("192.0.2.2", 5000, "RTP/AVP", "a=rtcp-mux\r\n"))
        assert a[b"result"] == b"ok", a
        to_a = sdp_lines(a[b"sdp"])
        (ours,) = [parse_ipsec(ln) for ln in ipsec_lines(to_a)]
        assert ours["tag"] == 7 and ours["suite"] == "ESP_AES_GCM_16_128", ours
        assert ours["key"] != KEY_DEV and len(ours["key"]) == 20, "not a fresh key"
        assert ours["spi"] % 256 == 0 and "kdr=8" in ours["rest"], ours
        pa, pb = m_line(to_a)[1], m_line(to_b)[1]
        requests = rig.stats()[b"ring requests"]
        traffic(net, n, KEY_DEV, ours["spi"], ours["key"], 0x1000, pa, pb)
        # The same key material again (the UPDATE of a precondition flow):
        # recognised, nothing installed.
        o = rig.ng.ask(command="offer", call_id="e1", from_tag="dev", sdp=offer)
        assert o[b"result"] == b"ok", o
        a = rig.ng.ask(command="answer", call_id="e1", from_tag="dev", to_tag="trk",
                       sdp=sdp("192.0.2.2", 5000, "RTP/AVP", "a=rtcp-mux\r\n"))
        assert a[b"result"] == b"ok", a
        assert [parse_ipsec(ln) for ln in ipsec_lines(sdp_lines(a[b"sdp"]))] == [ours]
        assert rig.stats()[b"ring requests"] == requests, "installed twice"
        d = rig.ng.ask(command="delete", call_id="e1", from_tag="dev")
        assert d[b"result"] == b"ok", d
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    print(f"ESP in SDP: the device's a=ipsec answered with our key and SPI; "
          f"{n} packets each way through a kdr epoch change, checked with "
          "scapy; a repeated offer installs nothing")


def device_call(rig, call, dev_ip, line, trunk_port):
    """The device (SDP at dev_ip:4000, offering line) calls the plain trunk:
    our ports toward each, and our a=ipsec line toward the device."""
    o = rig.ng.ask(command="offer", call_id=call, from_tag="dev",
                   sdp=sdp(dev_ip, 4000, "RTP/AVP", "a=rtcp-mux\r\n" + line))
    assert o[b"result"] == b"ok", o
    a = rig.ng.ask(command="answer", call_id=call, from_tag="dev", to_tag="trk",
                   sdp=sdp("192.0.2.2", trunk_port, "RTP/AVP", "a=rtcp-mux\r\n"))
    assert a[b"result"] == b"ok", a
    to_a, to_b = sdp_lines(a[b"sdp"]), sdp_lines(o[b"sdp"])
    (ours,) = [parse_ipsec(ln) for ln in ipsec_lines(to_a)]
    return m_line(to_a)[1], m_line(to_b)[1], ours


def device_esp_in_udp():
    """encap=udp on the device's line: its ESP comes in UDP to our
    media port and ours goes back in UDP to its own (RFC 3948), through a
    kdr epoch change, zero loss."""
    net = Netns()
    rig = None
    n = 300
    try:
        rig = Rig("espudp", ctl_extra=["--next-hop-mac", net.mac_b],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        line = ("a=ipsec:2 ESP_AES_GCM_16_128 inline:"
                f"{base64.b64encode(KEY_DEV).decode()} spi=1000 encap=udp kdr=8\r\n")
        pa, pb, ours = device_call(rig, "u1", "192.0.2.1", line, 5000)
        assert "encap=udp" in ours["rest"] and "kdr=8" in ours["rest"], ours
        traffic(net, n, KEY_DEV, ours["spi"], ours["key"], 0x1000, pa, pb, udp=True)
        # Behind a NAT: its SDP names a private address; its ESP arrives
        # from the NAT's address and a port the NAT chose. Ours follows
        # them once a packet authenticated (NAT-T latching), never before.
        pa, pb, ours = device_call(rig, "u2", "10.9.9.9", line, 5002)
        traffic(net, 40, KEY_DEV, ours["spi"], ours["key"], 0x1000, pa, pb,
                udp=True, nat_port=31000)
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    moved = mgproc.pipe_counter(rig.dp.text(), "esp_nat_moved")
    assert moved == 1, f"the outbound SA moved {moved} times, not once"
    print(f"ESP in SDP with encap=udp: {n} packets each way in UDP on the media "
          "ports, checked with scapy; behind a NAT, ours follow the NAT's "
          "address and port")


def trunk_call_offers_esp_to_device():
    """Offerer role: the trunk calls the device, and the ESP flag makes us
    offer it ESP: every suite the policy allows, strongest first, each
    under its own key, all on one SPI block of ours, kdr=8 (integrity-only
    only with allow-null). The device takes the mandatory suite's tag and
    answers with its key and SPI; the trunk's answer is plain. Then the
    same traffic both ways, zero loss, with the key of the line taken.
    A re-offer repeats our line; with the rekey flag it offers anew and the
    new pair carries the media."""
    net = Netns()
    rig = None
    n = 300
    try:
        rig = Rig("espoffer", ctl_extra=["--next-hop-mac", net.mac_b],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        o = rig.ng.ask(command="offer", call_id="e2", from_tag="trk",
                       sdp=sdp("192.0.2.2", 5000, "RTP/AVP", "a=rtcp-mux\r\n"),
                       ESP=["offer", "kdr-8"])
        assert o[b"result"] == b"ok", o
        to_dev = sdp_lines(o[b"sdp"])
        offers = [parse_ipsec(ln) for ln in ipsec_lines(to_dev)]
        assert [(x["tag"], x["suite"]) for x in offers] == [
            (1, "ESP_AES_GCM_16_256"), (2, "ESP_CHACHA20_POLY1305"),
            (3, "ESP_AES_GCM_16_128"), (4, "ESP_AES_CBC_128_HMAC_SHA256_128")], offers
        assert len({x["key"] for x in offers}) == 4, "a key offered twice"
        assert len({x["spi"] for x in offers}) == 1, offers
        assert [len(x["key"]) for x in offers] == [36, 36, 20, 48], offers
        ours = offers[2]
        assert "kdr=8" in ours["rest"] and ours["spi"] % 256 == 0, ours
        line = ("a=ipsec:3 ESP_AES_GCM_16_128 inline:"
                f"{base64.b64encode(KEY_DEV).decode()} spi=1000 kdr=8\r\n")
        a = rig.ng.ask(command="answer", call_id="e2", from_tag="trk", to_tag="dev",
                       sdp=sdp("192.0.2.1", 4000, "RTP/AVP", "a=rtcp-mux\r\n" + line))
        assert a[b"result"] == b"ok", a
        to_trk = sdp_lines(a[b"sdp"])
        assert ipsec_lines(to_trk) == [], "the device's key went to the trunk"
        pa, pb = m_line(to_dev)[1], m_line(to_trk)[1]
        traffic(net, n, KEY_DEV, ours["spi"], ours["key"], 0x1000, pa, pb)
        # A re-offer repeats our line; an answer changing its key under our
        # old SPI is refused (a rekey needs a new SPI of ours too).
        trunk = sdp("192.0.2.2", 5000, "RTP/AVP", "a=rtcp-mux\r\n")
        o = rig.ng.ask(command="offer", call_id="e2", from_tag="trk", sdp=trunk,
                       ESP=["offer", "kdr-8"])
        assert [parse_ipsec(x) for x in ipsec_lines(sdp_lines(o[b"sdp"]))] == [ours], o
        key2 = bytes(range(60, 80))
        line2 = line.replace(base64.b64encode(KEY_DEV).decode(),
                             base64.b64encode(key2).decode())
        bad(rig.ng, "a rekey needs ours new too", command="answer", call_id="e2",
            from_tag="trk", to_tag="dev",
            sdp=sdp("192.0.2.1", 4000, "RTP/AVP", "a=rtcp-mux\r\n" + line2))
        # The rekey flag: every suite again on a new block of ours; the
        # device takes one with a new key and SPI; the new pair carries the
        # media (the old inbound SA drains beside it).
        o = rig.ng.ask(command="offer", call_id="e2", from_tag="trk", sdp=trunk,
                       ESP=["offer", "kdr-8", "rekey"])
        assert o[b"result"] == b"ok", o
        again = [parse_ipsec(x) for x in ipsec_lines(sdp_lines(o[b"sdp"]))]
        assert len(again) == 4 and again[2]["spi"] // 256 != ours["spi"] // 256, again
        assert not {x["key"] for x in again} & {x["key"] for x in offers}, "a key reused"
        a = rig.ng.ask(command="answer", call_id="e2", from_tag="trk", to_tag="dev",
                       sdp=sdp("192.0.2.1", 4000, "RTP/AVP", "a=rtcp-mux\r\n" +
                               line2.replace("spi=1000", "spi=4000")))
        assert a[b"result"] == b"ok", a
        traffic(net, 40, key2, again[2]["spi"], again[2]["key"], 0x4000, pa, pb)
        # An answer that drops ESP, or takes a tag we did not offer: refused.
        o = rig.ng.ask(command="offer", call_id="e3", from_tag="trk",
                       sdp=sdp("192.0.2.2", 5002, "RTP/AVP"), ESP=["offer"])
        assert o[b"result"] == b"ok", o
        bad(rig.ng, "the answer to our ESP offer: no a=ipsec line", command="answer",
            call_id="e3", from_tag="trk", to_tag="dev",
            sdp=sdp("192.0.2.1", 4002, "RTP/AVP"))
        bad(rig.ng, "is not one we offered", command="answer", call_id="e3",
            from_tag="trk", to_tag="dev",
            sdp=sdp("192.0.2.1", 4002, "RTP/AVP", line.replace("ipsec:3", "ipsec:9")))
        # Our tag with another suite than we offered under it.
        bad(rig.ng, "is not one we offered", command="answer", call_id="e3",
            from_tag="trk", to_tag="dev",
            sdp=sdp("192.0.2.1", 4002, "RTP/AVP", line.replace("ipsec:3", "ipsec:1")))
        # With allow-null, the integrity-only suite comes last.
        o = rig.ng.ask(command="offer", call_id="e5", from_tag="trk",
                       sdp=sdp("192.0.2.2", 5006, "RTP/AVP"), ESP=["offer"],
                       SDES=["allow-null"])
        assert o[b"result"] == b"ok", o
        suites = [parse_ipsec(ln)["suite"] for ln in ipsec_lines(sdp_lines(o[b"sdp"]))]
        assert suites[-1] == "ESP_NULL_HMAC_SHA256_128" and len(suites) == 5, suites
        bad(rig.ng, "ESP: a list of", command="offer", call_id="e4", from_tag="trk",
            sdp=sdp("192.0.2.2", 5004, "RTP/AVP"), ESP=["kdr-4"])
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    print(f"ESP in SDP, offering: 4 a=ipsec lines (5 with allow-null), one "
          f"answered by the device; {n} "
          "packets each way through a kdr epoch change, checked with scapy; "
          "answers that drop ESP or change the tag refused")


def dev_frames(net, key, spi, seqs, pa, first):
    """The device's RTP number first, first + 1, ... under SA (key, spi)
    with sequence numbers seqs, as frames on the veth pair."""
    from scapy.all import Ether, IP, UDP, Raw
    sa = esp_sa(key, spi, 0, False)
    return [Ether(src=net.mac_b, dst=net.mac_a) /
            sa.encrypt(IP(src="192.0.2.1", dst=MEDIA) / UDP(sport=4000, dport=pa) /
                       Raw(rtp(first + i, 0xd1d1)), seq_num=seq)
            for i, seq in enumerate(seqs)]


def received(rig, call, tag):
    """RTP packets the call took from party `tag` (ng query)."""
    q = rig.ng.ask(command="query", call_id=call)
    return q[b"tags"][tag.encode()][b"RTP"][b"packets"]


def io_during(net, frames, count, proto, tmp, name, during, mid):
    """frames sent from the netns, and `during` run once mid() says the
    stream is under way (so it runs mid-stream however slowly the sender
    starts); what came back, captured."""
    import threading
    from scapy.all import rdpcap, wrpcap
    wrpcap(f"{tmp}/{name}.pcap", frames)
    got = []
    th = threading.Thread(target=lambda: got.append(net.io(
        f"{tmp}/{name}.pcap", f"{tmp}/{name}_out.pcap", MEDIA, 20, count, proto)))
    th.start()
    deadline = time.monotonic() + 15
    while not mid() and time.monotonic() < deadline:
        time.sleep(0.02)
    result = during()
    th.join()
    return result, (rdpcap(f"{tmp}/{name}_out.pcap") if got and got[0] else [])


def wait_retired(rig, secs):
    """The control plane's statistics once it retired a drained SA and has
    no drain left: under load an earlier drain can end (and count) before
    a later rekey starts the one the caller waits for."""
    def done(st):
        return st[b"esp-retired"] >= 1 and st[b"draining"] == 0
    deadline = time.monotonic() + secs
    while not done(rig.stats()) and time.monotonic() < deadline:
        time.sleep(0.1)
    st = rig.stats()
    assert done(st), st
    return st


def no_sa_left(rig):
    left = mgproc.esp_stats(rig.dp.text())
    assert left == {}, f"SAs left in the dataplane: {sorted(left)}"


def device_rekeys_under_traffic():
    """Rekey by re-INVITE, answering: the device re-offers a new key and
    SPI while media flows, and gets a fresh key of ours on a new SPI.
    Make-before-break both ways: what it sent under the old SA during the
    exchange, and old and new mixed after it, all reach the trunk; the
    trunk's stream across a second rekey leaves under the old SA up to
    one packet and under the new one from the next, no gap. After
    --esp-drain the old inbound SA is retired (its packets refused), and
    the call's delete leaves no SA in the dataplane."""
    from scapy.all import UDP, wrpcap, Ether, IP, Raw
    net = Netns()
    rig = None
    k1, k2, k3 = KEY_DEV, bytes(range(40, 60)), bytes(range(80, 100))

    def line(key, spi):
        return (f"a=ipsec:1 ESP_AES_GCM_16_128 inline:"
                f"{base64.b64encode(key).decode()} spi={spi:x}\r\n")

    def to_trunk(pkts):
        return [bytes(p[UDP].payload) for p in pkts]

    try:
        rig = Rig("esprekey", ctl_extra=["--next-hop-mac", net.mac_b,
                                         "--esp-drain", "6"],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        pa, pb, o1 = device_call(rig, "r1", "192.0.2.1", line(k1, 0x1000), 5000)
        with tempfile.TemporaryDirectory() as tmp:
            # 1. The device streams under the first pair; it re-offers
            # (new key, SPI 2000) mid-stream.
            frames = dev_frames(net, k1, o1["spi"], range(1, 401), pa, 0)
            (pa2, pb2, o2), got = io_during(
                net, frames, 400, "udp", tmp, "a1",
                lambda: device_call(rig, "r1", "192.0.2.1", line(k2, 0x2000), 5000),
                lambda: received(rig, "r1", "dev") >= 100)
            assert (pa2, pb2) == (pa, pb)
            assert o2["spi"] != o1["spi"] and o2["key"] not in (o1["key"], k2), \
                "a rekey answered without a fresh key and SPI of ours"
            assert to_trunk(got) == [rtp(i, 0xd1d1) for i in range(400)], \
                f"{len(got)} of 400 sent across the rekey reached the trunk"
            # 2. Old still in flight, mixed with the new pair's first.
            old = dev_frames(net, k1, o1["spi"], range(401, 441), pa, 400)
            new = dev_frames(net, k2, o2["spi"], range(1, 81), pa, 440)
            mixed = [f for pair in zip(old, new[:40]) for f in pair] + new[40:]
            wrpcap(f"{tmp}/a2.pcap", mixed)
            n = net.io(f"{tmp}/a2.pcap", f"{tmp}/a2_out.pcap", MEDIA, 10, 120)
            assert n == 120, f"{n} of 120 old and new packets reached the trunk"
            # 3. The trunk streams while the device rekeys again (SPI 3000):
            # ours leave under the second pair up to the switch, then the
            # third, sequence numbers running on without a gap.
            plain = [Ether(src=net.mac_b, dst=net.mac_a) /
                     IP(src="192.0.2.2", dst=MEDIA) / UDP(sport=5000, dport=pb) /
                     Raw(rtp(i, 0xb2b2)) for i in range(400)]
            (_, _, o3), back = io_during(
                net, plain, 400, "esp", tmp, "b1",
                lambda: device_call(rig, "r1", "192.0.2.1", line(k3, 0x3000), 5000),
                lambda: received(rig, "r1", "trk") >= 100)
            from scapy.layers.ipsec import ESP
            keys = {0x2000: o2["key"], 0x3000: o3["key"]}
            spis, seqs, pls = [], [], []
            for p in back:
                spi, seq = p[ESP].spi, p[ESP].seq
                inner = esp_sa(keys[spi], spi, 0, False).decrypt(p[IP])
                spis.append(spi)
                seqs.append(seq)
                pls.append(bytes(inner[UDP].payload))
            assert pls == [rtp(i, 0xb2b2) for i in range(400)], \
                f"{len(pls)} of 400 reached the device across the rekey"
            cut = spis.count(0x2000)
            assert 0 < cut < 400, f"the switch was not mid-stream ({cut})"
            assert spis == [0x2000] * cut + [0x3000] * (400 - cut), "not one cut"
            assert seqs[cut:] == list(range(1, 401 - cut)), "the new SA's numbers"
            # 4. After the drain: the second pair's inbound SA is retired
            # (the first went at the second rekey); its packets refused,
            # the third pair's taken.
            wait_retired(rig, 15)
            late = dev_frames(net, k2, o2["spi"], range(81, 91), pa, 0)
            cur = dev_frames(net, k3, o3["spi"], range(1, 11), pa, 10)
            wrpcap(f"{tmp}/a3.pcap", late + cur)
            n = net.io(f"{tmp}/a3.pcap", f"{tmp}/a3_out.pcap", MEDIA, 3, 20)
            assert n == 10, f"{n} arrived: the retired SA's 10 must not"
        d = rig.ng.ask(command="delete", call_id="r1", from_tag="dev")
        assert d[b"result"] == b"ok", d
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    no_sa_left(rig)
    print("ESP rekey by re-INVITE: 400 packets in across a rekey, 120 old and "
          f"new mixed after it, 400 out across a second with one cut at {cut}; "
          "the drained SA retired and refused; nothing left after delete")


def rekey_survives_restarts():
    """A rekeyed pair whose old inbound SA is still draining when the
    control plane is killed: the new one finds the drain in the call table
    and retires it on time (nothing else sent). Then the dataplane
    restarts: the call is replayed with the current pair only (the drain
    and the retired SAs were the old dataplane's), and media flows both
    ways under it; the delete leaves no SA."""
    net = Netns()
    rig = None
    k2 = bytes(range(40, 60))
    line = ("a=ipsec:1 ESP_AES_GCM_16_128 inline:"
            f"{base64.b64encode(KEY_DEV).decode()} spi=1000 kdr=8\r\n")
    try:
        rig = Rig("esprst", ctl_extra=["--next-hop-mac", net.mac_b,
                                       "--esp-drain", "3"],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        device_call(rig, "s1", "192.0.2.1", line, 5000)
        pa, pb, o2 = device_call(rig, "s1", "192.0.2.1",
                                 line.replace(base64.b64encode(KEY_DEV).decode(),
                                              base64.b64encode(k2).decode())
                                 .replace("spi=1000", "spi=2000"), 5000)
        rig.ctl.kill()
        rig.ctl.wait(10)
        rig.ctl = mgproc.control(rig.ctl_args)
        rig.ctl.wait_line(r"1 calls kept: the dataplane still has them", 20)
        st = wait_retired(rig, 10)
        assert st[b"esp-retired"] == 1, st
        # The drain's retirement: the flows moved off it, then its delete.
        assert 2 <= st[b"ring requests"] <= 4 and st[b"ring refused"] == 0, st
        rig.dp.kill()
        rig.dp.wait(10)
        rig.start_dp()
        rig.ctl.wait_line(r"replayed 1 calls", 20)
        traffic(net, 40, k2, o2["spi"], o2["key"], 0x2000, pa, pb)
        d = rig.ng.ask(command="delete", call_id="s1", from_tag="dev")
        assert d[b"result"] == b"ok", d
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    no_sa_left(rig)
    print("ESP rekey across restarts: the drain retired by a new control "
          "plane, the current pair replayed into a new dataplane, media both "
          "ways")


def device_esp_to_srtp_trunk():
    """ESP on the device's leg and SRTP toward the trunk (transport-protocol
    RTP/SAVP), the device's window=64 and esn in its line: its ESN packets
    (scapy) come out as SRTP that libsrtp2 opens with the key we offered
    the trunk, except one 70 behind the newest, which the 64-packet window
    refuses (the default 1024 would take it); the trunk's SRTP (libsrtp2)
    reaches the device as ESP with ESN that scapy decrypts."""
    from scapy.all import Ether, IP, UDP, Raw, wrpcap, rdpcap
    from scapy.layers.ipsec import ESP, SecurityAssociation
    from test_calls import KEY_A, crypto_lines, payloads, srtp_pcap
    net = Netns()
    rig = None
    suite = "AES_CM_128_HMAC_SHA1_80"
    line = ("a=ipsec:4 ESP_AES_GCM_16_128 inline:"
            f"{base64.b64encode(KEY_DEV).decode()} spi=1000 window=64 esn\r\n")

    def esn_sa(key, spi):
        return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM",
                                   crypt_key=key, esn_en=True, esn=0)

    try:
        rig = Rig("espsrtp", ctl_extra=["--next-hop-mac", net.mac_b],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        o = rig.ng.ask(command="offer", call_id="w1", from_tag="dev",
                       sdp=sdp("192.0.2.1", 4000, "RTP/AVP", "a=rtcp-mux\r\n" + line),
                       transport_protocol="RTP/SAVP")
        assert o[b"result"] == b"ok", o
        to_b = sdp_lines(o[b"sdp"])
        assert m_line(to_b)[2] == "RTP/SAVP" and not ipsec_lines(to_b), to_b
        (tag, _, key_b), = [c for c in crypto_lines(to_b) if c[1] == suite]
        a = rig.ng.ask(command="answer", call_id="w1", from_tag="dev", to_tag="trk",
                       sdp=sdp("192.0.2.2", 5000, "RTP/SAVP",
                               f"a=rtcp-mux\r\na=crypto:{tag} {suite} inline:{KEY_A}\r\n"))
        assert a[b"result"] == b"ok", a
        to_a = sdp_lines(a[b"sdp"])
        (ours,) = [parse_ipsec(ln) for ln in ipsec_lines(to_a)]
        assert "window=64" in ours["rest"] and "esn" in ours["rest"], ours
        pa, pb = m_line(to_a)[1], m_line(to_b)[1]
        seqs = list(range(1, 11)) + [100, 30]
        sa = esn_sa(KEY_DEV, ours["spi"])
        frames = [Ether(src=net.mac_b, dst=net.mac_a) /
                  sa.encrypt(IP(src="192.0.2.1", dst=MEDIA) /
                             UDP(sport=4000, dport=pa) / Raw(rtp(i, 0xd1d1)), seq_num=q)
                  for i, q in enumerate(seqs)]
        with tempfile.TemporaryDirectory() as tmp:
            wrpcap(f"{tmp}/a.pcap", frames)
            n = net.io(f"{tmp}/a.pcap", f"{tmp}/to_b.pcap", MEDIA, 4, len(seqs))
            assert n == 11, f"{n} reached the trunk: 11 expected, the late one refused"
            srtp_pcap("unprotect", base64.b64encode(key_b).decode(),
                      f"{tmp}/to_b.pcap", f"{tmp}/to_b_open.pcap", suite)
            assert payloads(f"{tmp}/to_b_open.pcap") == [rtp(i, 0xd1d1) for i in range(11)]
            wrpcap(f"{tmp}/b_plain.pcap", [Ether(src=net.mac_b, dst=net.mac_a) /
                                           IP(src="192.0.2.2", dst=MEDIA) /
                                           UDP(sport=5000, dport=pb) /
                                           Raw(rtp(i, 0xb2b2)) for i in range(20)])
            srtp_pcap("protect", KEY_A, f"{tmp}/b_plain.pcap", f"{tmp}/b.pcap", suite)
            n = net.io(f"{tmp}/b.pcap", f"{tmp}/to_a.pcap", MEDIA, 5, 20, proto="esp")
            back = esn_sa(ours["key"], 0x1000)
            got = [bytes(back.decrypt(p[IP])[UDP].payload)
                   for p in rdpcap(f"{tmp}/to_a.pcap")]
            assert got == [rtp(i, 0xb2b2) for i in range(20)], f"{n} of 20 reached the device"
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    (sa_in,) = [v for v in mgproc.esp_stats(rig.dp.text()).values()
                if v["packets"] == 11]
    # With ESN a packet left of the window is taken for the next 2^32
    # (RFC 4303 A2.2) and fails its ICV there. When 100 and 30 arrive in
    # one burst, 30's high half is inferred before 100 has moved the
    # window: its ICV passes, and the window, checked again once 100 is
    # in, refuses it as too old. Refused either way; the counter says
    # which (which burst a packet lands in is the scheduler's).
    refused = sa_in.get("esp_icv", 0) + sa_in.get("esp_too-old", 0)
    assert refused == 1 and sa_in["seq"] == 100, sa_in
    print("ESP (window=64, esn) on the device's leg, SRTP on the trunk's: "
          "libsrtp2 and scapy agree both ways; the late packet refused")


def profile_example_any_transport():
    """The profile's own example (../shared/SDP-IPSEC.md): a device offers
    one SA pair at session level (lifetime 2^30, kdr=24) with a mandatory
    sec precondition over m=application udp (not RTP): we answer at
    session level with our key, recv current, no a=rtcp line; the trunk
    gets plain udp. Payloads of every first byte (STUN-, DTLS-, RTP-like,
    anything) cross both ways, ESP on the device's side (scapy)."""
    from scapy.all import Ether, IP, UDP, Raw, wrpcap, rdpcap
    from scapy.layers.ipsec import ESP
    net = Netns()
    rig = None
    k = base64.b64encode(KEY_DEV).decode()
    offer = ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
             f"a=ipsec:1 ESP_AES_GCM_16_128 inline:{k}|2^30 spi=1000 kdr=24\r\n"
             "a=curr:sec e2e none\r\na=des:sec mandatory e2e sendrecv\r\n"
             "m=application 40000 udp vnd.example.sensor\r\n")
    answer = ("v=0\r\no=- 2 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
              "m=application 5000 udp vnd.example.sensor\r\n")
    payloads = [bytes([first]) + bytes((first * 7 + j) & 255 for j in range(60))
                for first in (0x00, 0x01, 0x16, 0x17, 0x80, 0x81, 0xc8, 0xff)] * 5
    try:
        rig = Rig("espapp", ctl_extra=["--next-hop-mac", net.mac_b],
                  vdevs=(f"net_af_packet0,iface={net.va}",), lcores="0,1")
        o = rig.ng.ask(command="offer", call_id="p1", from_tag="dev", sdp=offer)
        assert o[b"result"] == b"ok", o
        to_b = sdp_lines(o[b"sdp"])
        assert m_line(to_b)[2] == "udp" and not ipsec_lines(to_b), to_b
        a = rig.ng.ask(command="answer", call_id="p1", from_tag="dev", to_tag="trk",
                       sdp=answer)
        assert a[b"result"] == b"ok", a
        to_a = sdp_lines(a[b"sdp"])
        first_m = next(i for i, ln in enumerate(to_a) if ln.startswith("m="))
        (at,) = [i for i, ln in enumerate(to_a) if ln.startswith("a=ipsec:")]
        assert at < first_m, "not answered at session level"
        ours = parse_ipsec(to_a[at])
        assert ours["tag"] == 1 and "kdr=24" in ours["rest"], ours
        assert m_line(to_a)[2] == "udp" and m_line(to_a)[3] == ["vnd.example.sensor"], to_a
        assert not [ln for ln in to_a + to_b if ln.startswith("a=rtcp")], (to_a, to_b)
        assert "a=curr:sec e2e recv" in to_a, to_a
        pa, pb = m_line(to_a)[1], m_line(to_b)[1]
        sa_in = esp_sa(KEY_DEV, ours["spi"], 0, True)
        frames = [Ether(src=net.mac_b, dst=net.mac_a) /
                  sa_in.encrypt(IP(src="192.0.2.1", dst=MEDIA) /
                                UDP(sport=40000, dport=pa) / Raw(p), seq_num=i + 1)
                  for i, p in enumerate(payloads)]
        with tempfile.TemporaryDirectory() as tmp:
            wrpcap(f"{tmp}/a.pcap", frames)
            n = net.io(f"{tmp}/a.pcap", f"{tmp}/to_b.pcap", MEDIA, 10, len(payloads))
            got = [bytes(p[UDP].payload) for p in rdpcap(f"{tmp}/to_b.pcap")]
            assert got == payloads, f"{n} of {len(payloads)} reached the trunk"
            wrpcap(f"{tmp}/b.pcap", [Ether(src=net.mac_b, dst=net.mac_a) /
                                     IP(src="192.0.2.2", dst=MEDIA) /
                                     UDP(sport=5000, dport=pb) / Raw(p)
                                     for p in payloads])
            n = net.io(f"{tmp}/b.pcap", f"{tmp}/to_a.pcap", MEDIA, 10, len(payloads),
                       proto="esp")
            sa_out = esp_sa(ours["key"], 0x1000, 0, True)
            back = [bytes(sa_out.decrypt(p[IP])[UDP].payload)
                    for p in rdpcap(f"{tmp}/to_a.pcap") if p[ESP].spi == 0x1000]
            assert back == payloads, f"{n} of {len(payloads)} reached the device"
    finally:
        if rig is not None:
            assert rig.stop() == 0, rig.ctl.text()
        net.close()
    print(f"the profile's example: m=application udp under a session-level SA "
          f"pair with a sec precondition; {len(payloads)} payloads of 8 first "
          "bytes each way, ESP checked with scapy")


def hostile_ipsec_refused():
    rig = Rig("esphostile")
    ng = rig.ng
    k20 = base64.b64encode(KEY_DEV).decode()
    try:
        def offer(lines):
            return sdp("192.0.2.1", 4000, "RTP/AVP", "".join(ln + "\r\n" for ln in lines))
        cases = [
            (["a=ipsec:1 ESP_AES_GCM_16_999 inline:%s spi=1000" % k20], "unknown suite"),
            (["a=ipsec:1 ESP_AES_GCM_16_128 inline:%s spi=1000" % k20[:-8]],
             "needs 20 bytes"),
            (["a=ipsec:1 ESP_AES_GCM_16_128 inline:%s spi=0" % k20], "reserved"),
            (["a=ipsec:1 ESP_AES_GCM_16_128 inline:%s spi=ff" % k20], "reserved"),
            (["a=ipsec:1 ESP_AES_GCM_16_128 inline:%s|0 spi=1000" % k20], "lifetime"),
            (["a=ipsec:1 ESP_AES_GCM_16_128 inline:%s spi=1000 window=99999" % k20],
             "window"),
            (["a=ipsec:1 ESP_AES_GCM_16_128 inline:%s spi=1000" % k20,
              "a=ipsec:1 ESP_AES_GCM_16_256 inline:%s spi=1000" % base64.b64encode(
                  bytes(36)).decode()], "tag 1 twice"),
            (["a=ipsec:1 ESP_NULL_HMAC_SHA256_128 inline:%s spi=1000" %
              base64.b64encode(bytes(32)).decode()], "integrity-only"),
        ]
        for lines, why in cases:
            r = ng.ask(command="offer", call_id="h", from_tag="f", sdp=offer(lines))
            assert r[b"result"] == b"error" and why.encode() in r[b"error-reason"], (why, r)
            assert k20.encode() not in r[b"error-reason"]
        assert rig.stats()[b"current sessions"] == 0
        assert rig.stats()[b"ring requests"] == 0
        # Integrity-only with the policy's leave: taken.
        r = ng.ask(command="offer", call_id="h2", from_tag="f", SDES=["allow-null"],
                   sdp=offer(["a=ipsec:1 ESP_NULL_HMAC_SHA256_128 inline:%s spi=1000" %
                              base64.b64encode(bytes(32)).decode()]))
        assert r[b"result"] == b"ok", r
        # Two m= lines whose SA pairs share the party's SPI; a media line
        # reusing a session-level tag for other parameters.
        two = (f"v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
               f"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
               f"a=ipsec:1 ESP_AES_GCM_16_128 inline:{k20} spi=1000\r\n"
               f"m=video 4002 RTP/AVP 96\r\n"
               f"a=ipsec:1 ESP_AES_GCM_16_128 inline:{k20} spi=1000\r\n")
        bad(ng, "already another SA pair's", command="offer", call_id="h4",
            from_tag="f", sdp=two)
        conflict = (f"v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                    f"t=0 0\r\na=ipsec:1 ESP_AES_GCM_16_128 inline:{k20} spi=1000\r\n"
                    f"m=audio 4000 RTP/AVP 0\r\n"
                    f"a=ipsec:1 ESP_AES_GCM_16_128 inline:{k20} spi=2000\r\n")
        bad(ng, "give one tag two meanings", command="offer", call_id="h5",
            from_tag="f", sdp=conflict)
        # Session level: one SA pair for both m= lines, answered once at
        # session level; a sec precondition on the ESP leg reports recv.
        sess = (f"v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                f"t=0 0\r\na=ipsec:5 ESP_AES_GCM_16_128 inline:{k20} spi=1000\r\n"
                f"m=audio 4000 RTP/AVP 0\r\na=curr:sec e2e none\r\n"
                f"a=des:sec mandatory e2e sendrecv\r\n"
                f"m=video 4002 RTP/AVP 96\r\n")
        r = ng.ask(command="offer", call_id="h6", from_tag="f", sdp=sess)
        assert r[b"result"] == b"ok", r
        r = ng.ask(command="answer", call_id="h6", from_tag="f", to_tag="t",
                   sdp=sdp("192.0.2.2", 5000, "RTP/AVP") + "m=video 5002 RTP/AVP 96\r\n")
        assert r[b"result"] == b"ok", r
        lines = sdp_lines(r[b"sdp"])
        first_m = next(i for i, ln in enumerate(lines) if ln.startswith("m="))
        ipsec_at = [i for i, ln in enumerate(lines) if ln.startswith("a=ipsec:")]
        assert len(ipsec_at) == 1 and ipsec_at[0] < first_m, lines
        assert parse_ipsec(lines[ipsec_at[0]])["tag"] == 5
        assert "a=curr:sec e2e recv" in lines and "a=conf:sec e2e sendrecv" in lines, lines
        # A re-offer may bring new keys (a rekey), but not move the line
        # between session and media level: refused, the call as it was.
        requests = ng.ask(command="statistics")[b"totalstatistics"][b"ring requests"]
        moved = (f"v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                 f"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
                 f"a=ipsec:5 ESP_AES_GCM_16_128 inline:{k20} spi=1000\r\n"
                 f"a=curr:sec e2e none\r\na=des:sec mandatory e2e sendrecv\r\n"
                 f"m=video 4002 RTP/AVP 96\r\n")
        bad(ng, "moved a=ipsec between session and media level",
            command="offer", call_id="h6", from_tag="f", sdp=moved)
        r = ng.ask(command="offer", call_id="h6", from_tag="f", sdp=sess)
        assert r[b"result"] == b"ok", r
        r = ng.ask(command="answer", call_id="h6", from_tag="f", to_tag="t",
                   sdp=sdp("192.0.2.2", 5000, "RTP/AVP") + "m=video 5002 RTP/AVP 96\r\n")
        assert r[b"result"] == b"ok", r
        assert [parse_ipsec(ln) for ln in sdp_lines(r[b"sdp"]) if ln.startswith("a=ipsec:")] \
            == [parse_ipsec(lines[ipsec_at[0]])], "the agreed line changed"
        after = ng.ask(command="statistics")[b"totalstatistics"][b"ring requests"]
        assert after == requests, "a refused or repeated offer installed something"
    finally:
        assert rig.stop() == 0, rig.ctl.text()
    print("ESP in SDP: hostile a=ipsec offers refused with their reasons, "
          "nothing installed")


if __name__ == "__main__":
    globals()[sys.argv[1]]()
