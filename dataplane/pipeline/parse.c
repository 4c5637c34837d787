/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "parse.h"

static const char *const class_names[MG_PKT_CLASS_MAX] = {
	[MG_PKT_RTP] = "rtp", [MG_PKT_RTCP] = "rtcp", [MG_PKT_STUN] = "stun",
	[MG_PKT_DTLS] = "dtls", [MG_PKT_OTHER_UDP] = "other_udp",
	[MG_PKT_NOT_IP] = "not_ip", [MG_PKT_NOT_UDP] = "not_udp",
	[MG_PKT_FRAGMENT] = "fragment", [MG_PKT_MALFORMED] = "malformed",
	[MG_PKT_ESP] = "esp",
};

const char *
mg_pkt_class_name(enum mg_pkt_class c)
{
	return (unsigned)c < MG_PKT_CLASS_MAX ? class_names[c] : "unknown";
}

/* RFC 7983 §7: the first byte of a UDP payload says what it is. */
static uint8_t
demux(const uint8_t *p, uint16_t len)
{
	if (len == 0)
		return MG_PKT_OTHER_UDP;
	if (p[0] >= 128 && p[0] <= 191) {
		/* RFC 5761 §4: RTCP packet types 192-223 never clash with RTP
		 * payload types once the marker bit is folded in. */
		if (len >= 2 && p[1] >= 192 && p[1] <= 223)
			return MG_PKT_RTCP;
		return MG_PKT_RTP;
	}
	if (p[0] <= 3)
		return MG_PKT_STUN;
	if (p[0] >= 20 && p[0] <= 63)
		return MG_PKT_DTLS;
	return MG_PKT_OTHER_UDP;
}

/* Ethernet with up to two 802.1Q/802.1ad tags: the L3 offset, or 0. */
static uint16_t
l2_len(const uint8_t *p, uint16_t len, uint16_t *type)
{
	uint16_t off = RTE_ETHER_HDR_LEN;

	if (len < off)
		return 0;
	*type = (uint16_t)(p[12] << 8 | p[13]);
	for (int tags = 0; tags < 2 && (*type == RTE_ETHER_TYPE_VLAN ||
					*type == RTE_ETHER_TYPE_QINQ); tags++) {
		if (len < off + 4)
			return 0;
		*type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4;
	}
	return off;
}

static uint8_t
parse_ipv4(const uint8_t *p, uint16_t len, uint16_t l3, struct mg_pkt_meta *m,
	   uint16_t *l4)
{
	const struct rte_ipv4_hdr *ip = (const void *)(p + l3);
	uint16_t ihl, tot;

	if (len < l3 + sizeof(*ip))
		return MG_PKT_MALFORMED;
	ihl = (uint16_t)((ip->version_ihl & 0x0f) * 4);
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < 20 || tot < ihl ||
	    l3 + tot > len)
		return MG_PKT_MALFORMED;
	if (rte_be_to_cpu_16(ip->fragment_offset) &
	    (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return MG_PKT_FRAGMENT;
	if (ip->next_proto_id == IPPROTO_ESP)
		return MG_PKT_ESP;
	if (ip->next_proto_id != IPPROTO_UDP)
		return MG_PKT_NOT_UDP;
	m->key.family = m->src.family = 4;
	memcpy(m->key.ip, &ip->dst_addr, 4);
	memcpy(m->src.ip, &ip->src_addr, 4);
	m->tos = ip->type_of_service;
	*l4 = (uint16_t)(l3 + ihl);
	/* The UDP length is checked against the IP one by the caller. */
	m->pl_len = (uint16_t)(tot - ihl);
	return MG_PKT_RTP;
}

static uint8_t
parse_ipv6(const uint8_t *p, uint16_t len, uint16_t l3, struct mg_pkt_meta *m,
	   uint16_t *l4)
{
	const struct rte_ipv6_hdr *ip = (const void *)(p + l3);
	uint16_t plen;

	if (len < l3 + sizeof(*ip))
		return MG_PKT_MALFORMED;
	plen = rte_be_to_cpu_16(ip->payload_len);
	if ((p[l3] >> 4) != 6 || l3 + sizeof(*ip) + plen > len)
		return MG_PKT_MALFORMED;
	if (ip->proto == IPPROTO_FRAGMENT)
		return MG_PKT_FRAGMENT;
	if (ip->proto == IPPROTO_ESP)
		return MG_PKT_ESP;
	if (ip->proto != IPPROTO_UDP) /* extension headers: not media */
		return MG_PKT_NOT_UDP;
	m->key.family = m->src.family = 6;
	memcpy(m->key.ip, ip->dst_addr, 16);
	memcpy(m->src.ip, ip->src_addr, 16);
	m->tos = (uint8_t)(rte_be_to_cpu_32(ip->vtc_flow) >> 20);
	*l4 = (uint16_t)(l3 + sizeof(*ip));
	m->pl_len = plen;
	return MG_PKT_RTP;
}

static uint8_t
parse_one(struct rte_mbuf *mb, struct mg_pkt_meta *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(mb, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(mb), type = 0, l3, l4 = 0, ulen;
	const struct rte_udp_hdr *udp;
	uint8_t cls;

	memset(&m->key, 0, sizeof(m->key));
	m->src.family = 0;
	m->esp = NULL;
	if (mb->nb_segs != 1)
		return MG_PKT_MALFORMED; /* media is small: one segment */
	l3 = l2_len(p, len, &type);
	if (l3 == 0)
		return MG_PKT_MALFORMED;
	m->l3_off = l3;
	if (type == RTE_ETHER_TYPE_IPV4)
		cls = parse_ipv4(p, len, l3, m, &l4);
	else if (type == RTE_ETHER_TYPE_IPV6)
		cls = parse_ipv6(p, len, l3, m, &l4);
	else
		return MG_PKT_NOT_IP;
	if (cls != MG_PKT_RTP)
		return cls;
	/* m->pl_len holds the L4 length the IP header gives. */
	if (m->pl_len < sizeof(*udp))
		return MG_PKT_MALFORMED;
	udp = (const void *)(p + l4);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) || ulen > m->pl_len)
		return MG_PKT_MALFORMED;
	m->key.port = udp->dst_port;
	m->src.port = udp->src_port;
	m->pl_off = (uint16_t)(l4 + sizeof(*udp));
	m->pl_len = (uint16_t)(ulen - sizeof(*udp));
	/* Ethernet pads short frames: the payload ends where UDP says.
	 * One segment, so it is trimmed here (rte_pktmbuf_trim would look
	 * for the last one on the mbuf's second cache line). */
	if (len != m->pl_off + m->pl_len) {
		uint16_t pad = (uint16_t)(len - m->pl_off - m->pl_len);

		mb->data_len = (uint16_t)(mb->data_len - pad);
		mb->pkt_len -= pad;
	}
	return demux(p + m->pl_off, m->pl_len);
}

uint64_t
mg_parse_burst(struct rte_mbuf **mb, uint16_t n, struct mg_pkt_meta *meta)
{
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(mb[i + 2], void *));
		bytes += rte_pktmbuf_pkt_len(mb[i]);
		meta[i].cls = parse_one(mb[i], &meta[i]);
	}
	return bytes;
}
