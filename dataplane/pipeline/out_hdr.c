/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "cksum.h"
#include "out_hdr.h"

#define IP4_OFF RTE_ETHER_HDR_LEN
#define UDP4_OFF (IP4_OFF + (int)sizeof(struct rte_ipv4_hdr))
#define UDP6_OFF (IP4_OFF + (int)sizeof(struct rte_ipv6_hdr))

_Static_assert(UDP6_OFF + sizeof(struct rte_udp_hdr) == MG_OUT_HDR_MAX,
	       "IPv6 headers fill the copy");

static inline uint32_t
words(const uint8_t *p, unsigned int len)
{
	uint32_t s = 0;

	for (unsigned int i = 0; i < len; i += 2)
		s += mg_cksum_word(p + i);
	return s;
}

static inline uint16_t
complement(uint64_t s)
{
	return (uint16_t)~mg_cksum_fold(s);
}

/* The UDP checksum: 0 would say "none", so it is sent as 0xffff. */
static inline uint16_t
udp_field(uint64_t s)
{
	uint16_t c = complement(s);

	return c == 0 ? 0xffff : c;
}

void
mg_out_hdr_init(struct mg_out_hdr *h, const uint8_t src_mac[6],
		const uint8_t dst_mac[6], const struct mg_ctl_addr *src,
		const struct mg_ctl_addr *dst)
{
	uint8_t *ip = h->bytes + IP4_OFF;
	static const uint8_t proto[2] = { 0, IPPROTO_UDP };
	uint16_t type;

	memset(h, 0, sizeof(*h));
	h->family = dst->family;
	memcpy(h->bytes, dst_mac, RTE_ETHER_ADDR_LEN);
	memcpy(h->bytes + RTE_ETHER_ADDR_LEN, src_mac,
	       RTE_ETHER_ADDR_LEN);
	type = rte_cpu_to_be_16(dst->family == 4 ? RTE_ETHER_TYPE_IPV4 :
						   RTE_ETHER_TYPE_IPV6);
	memcpy(h->bytes + 12, &type, 2);
	if (dst->family == 4) {
		struct rte_ipv4_hdr *v4 = (void *)ip;
		uint8_t *udp = h->bytes + UDP4_OFF;

		h->len = UDP4_OFF + sizeof(struct rte_udp_hdr);
		v4->version_ihl = RTE_IPV4_VHL_DEF;
		v4->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		v4->time_to_live = 64;
		v4->next_proto_id = IPPROTO_UDP;
		memcpy(&v4->src_addr, src->ip, 4);
		memcpy(udp, &src->port, 2);
		/* What mg_out_hdr_put does not fill: the first word (version
		 * and TOS) and the length are summed per packet. */
		h->ip_sum = words(ip + 4, 6) + words(ip + 12, 4);
		h->phdr_sum = words(src->ip, 4) + mg_cksum_word(proto);
		h->udp_sum = h->phdr_sum + mg_cksum_word(udp);
		memcpy(&v4->dst_addr, dst->ip, 4);
		memcpy(udp + 2, &dst->port, 2);
	} else {
		struct rte_ipv6_hdr *v6 = (void *)ip;
		uint8_t *udp = h->bytes + UDP6_OFF;

		h->len = UDP6_OFF + sizeof(struct rte_udp_hdr);
		v6->proto = IPPROTO_UDP;
		v6->hop_limits = 64;
		memcpy(v6->src_addr, src->ip, 16);
		memcpy(udp, &src->port, 2);
		h->phdr_sum = words(src->ip, 16) + mg_cksum_word(proto);
		h->udp_sum = h->phdr_sum + mg_cksum_word(udp);
		memcpy(v6->dst_addr, dst->ip, 16);
		memcpy(udp + 2, &dst->port, 2);
	}
}

/*
 * The headers but the UDP checksum, for a datagram of ulen bytes (in
 * network order); returns the sum of the destination's address, and its
 * port's in *port_sum: what the UDP checksum needs of them. Sums are
 * taken from what is written, not read back from the packet: a narrow
 * load of bytes just stored wide can stall.
 */
static uint32_t
put4(const struct mg_out_hdr *h, uint8_t *e, uint16_t ulen,
     const struct mg_ctl_addr *dst, uint8_t tos, bool nic, uint32_t *port_sum)
{
	uint8_t *ip = e + IP4_OFF, *udp = e + UDP4_OFF;
	const uint8_t *to = dst ? dst->ip : h->bytes + IP4_OFF + 16;
	const uint8_t *port = dst ? (const uint8_t *)&dst->port :
				    h->bytes + UDP4_OFF + 2;
	const uint8_t vt[2] = { h->bytes[IP4_OFF], tos };
	uint16_t tot = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ulen) + 20));
	uint32_t to_sum = mg_cksum_word(to) + mg_cksum_word(to + 2);
	uint16_t c = 0;

	memcpy(e, h->bytes, UDP4_OFF + 8);
	ip[1] = tos;
	memcpy(ip + 2, &tot, 2);
	memcpy(ip + 16, to, 4);
	memcpy(udp + 2, port, 2);
	memcpy(udp + 4, &ulen, 2);
	if (!nic)
		c = complement((uint64_t)h->ip_sum + mg_cksum_word(vt) + tot + to_sum);
	memcpy(ip + 10, &c, 2);
	*port_sum = mg_cksum_word(port);
	return to_sum;
}

static uint32_t
put6(const struct mg_out_hdr *h, uint8_t *e, uint16_t ulen,
     const struct mg_ctl_addr *dst, uint8_t tc, uint32_t *port_sum)
{
	uint8_t *ip = e + IP4_OFF, *udp = e + UDP6_OFF;
	const uint8_t *to = dst ? dst->ip : h->bytes + IP4_OFF + 24;
	const uint8_t *port = dst ? (const uint8_t *)&dst->port :
				    h->bytes + UDP6_OFF + 2;
	uint32_t vtc = rte_cpu_to_be_32(6u << 28 | (uint32_t)tc << 20);

	memcpy(e, h->bytes, UDP6_OFF + 8);
	memcpy(ip, &vtc, 4);
	memcpy(ip + 4, &ulen, 2); /* the payload is the UDP datagram */
	memcpy(ip + 24, to, 16);
	memcpy(udp + 2, port, 2);
	memcpy(udp + 4, &ulen, 2);
	*port_sum = mg_cksum_word(port);
	return words(to, 16);
}

void
mg_out_hdr_put(const struct mg_out_hdr *h, uint8_t *pl, uint16_t pl_len,
	       const struct mg_ctl_addr *dst, uint8_t tos, bool nic)
{
	uint16_t ulen = rte_cpu_to_be_16((uint16_t)(pl_len + 8)), c;
	uint32_t port, to = h->family == 4 ?
		put4(h, pl - h->len, ulen, dst, tos, nic, &port) :
		put6(h, pl - h->len, ulen, dst, tos, &port);

	/* The NIC sums the UDP header and payload itself, onto the
	 * pseudo-header's sum it finds in the field. */
	if (nic)
		c = (uint16_t)mg_cksum_fold((uint64_t)h->phdr_sum + to + ulen);
	else
		c = udp_field((uint64_t)h->udp_sum + to + port + 2u * ulen +
			      mg_cksum_sum(pl, pl_len));
	memcpy(pl - 2, &c, 2);
}
