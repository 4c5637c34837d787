/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The headers a flow's packets leave with (out_hdr.c), against DPDK's own
 * checksum code as the oracle (rte_ipv4_cksum, rte_ipv4_udptcp_cksum,
 * rte_ipv6_udptcp_cksum, rte_raw_cksum): every payload length from 0 to
 * 300 and around an MTU, odd ones included, both families, the
 * configured destination and a latched one, random TOS and payload; and
 * the fields a port that computes checksums on send wants instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "pipeline/cksum.h"
#include "pipeline/out_hdr.h"

static const uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static struct mg_ctl_addr
addr(uint8_t family, const char *bytes, uint16_t port)
{
	struct mg_ctl_addr a = { .family = family };

	memcpy(a.ip, bytes, family == 4 ? 4 : 16);
	a.port = rte_cpu_to_be_16(port);
	return a;
}

/* A frame buffer with the payload at a 2-byte misaligned offset, as
 * after a VLAN tag was stripped or an IPv6 header replaced IPv4 ones. */
struct frame {
	uint8_t buf[2048];
	uint8_t *pl;
};

static void
fill(struct frame *fr, uint16_t len, unsigned int seed)
{
	srand(seed);
	fr->pl = fr->buf + 130;
	for (uint16_t i = 0; i < len; i++)
		fr->pl[i] = (uint8_t)rand();
}

static void
check_eth(const uint8_t *e, uint16_t type)
{
	const struct rte_ether_hdr *eth = (const void *)e;

	assert_memory_equal(eth->dst_addr.addr_bytes, dst_mac, 6);
	assert_memory_equal(eth->src_addr.addr_bytes, src_mac, 6);
	assert_int_equal(rte_be_to_cpu_16(eth->ether_type), type);
}

/* Without nic: the checksums DPDK computes over the whole packet. With
 * nic: what a port with checksum offload wants to find, an IPv4 header
 * checksum of 0 and the pseudo-header's sum in the UDP one (DPDK's
 * rte_ipv4_phdr_cksum, as its testpmd csum engine does). */
static void
check_v4(const struct mg_out_hdr *h, struct frame *fr, uint16_t len,
	 const struct mg_ctl_addr *src, const struct mg_ctl_addr *to,
	 uint8_t tos, bool nic)
{
	uint8_t *e = fr->pl - h->len;
	struct rte_ipv4_hdr *ip = (void *)(e + RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	uint16_t ip_ck, udp_ck;

	assert_int_equal(h->len, 42);
	check_eth(e, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(ip->version_ihl, 0x45);
	assert_int_equal(ip->type_of_service, tos);
	assert_int_equal(rte_be_to_cpu_16(ip->total_length), len + 28);
	assert_int_equal(rte_be_to_cpu_16(ip->fragment_offset),
			 RTE_IPV4_HDR_DF_FLAG);
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
	assert_memory_equal(&ip->src_addr, src->ip, 4);
	assert_memory_equal(&ip->dst_addr, to->ip, 4);
	assert_int_equal(udp->src_port, src->port);
	assert_int_equal(udp->dst_port, to->port);
	assert_int_equal(rte_be_to_cpu_16(udp->dgram_len), len + 8);
	ip_ck = ip->hdr_checksum;
	udp_ck = udp->dgram_cksum;
	if (nic) {
		assert_int_equal(ip_ck, 0);
		assert_int_equal(udp_ck, rte_ipv4_phdr_cksum(ip, 0));
		return;
	}
	ip->hdr_checksum = 0;
	udp->dgram_cksum = 0;
	assert_int_equal(ip_ck, rte_ipv4_cksum(ip));
	assert_int_equal(udp_ck, rte_ipv4_udptcp_cksum(ip, udp));
	ip->hdr_checksum = ip_ck;
	udp->dgram_cksum = udp_ck;
}

static void
check_v6(const struct mg_out_hdr *h, struct frame *fr, uint16_t len,
	 const struct mg_ctl_addr *src, const struct mg_ctl_addr *to,
	 uint8_t tc, bool nic)
{
	uint8_t *e = fr->pl - h->len;
	struct rte_ipv6_hdr *ip = (void *)(e + RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (void *)(ip + 1);
	uint16_t udp_ck;

	assert_int_equal(h->len, 62);
	check_eth(e, RTE_ETHER_TYPE_IPV6);
	assert_int_equal(rte_be_to_cpu_32(ip->vtc_flow),
			 6u << 28 | (uint32_t)tc << 20);
	assert_int_equal(rte_be_to_cpu_16(ip->payload_len), len + 8);
	assert_int_equal(ip->proto, IPPROTO_UDP);
	assert_int_equal(ip->hop_limits, 64);
	assert_memory_equal(ip->src_addr, src->ip, 16);
	assert_memory_equal(ip->dst_addr, to->ip, 16);
	assert_int_equal(udp->src_port, src->port);
	assert_int_equal(udp->dst_port, to->port);
	assert_int_equal(rte_be_to_cpu_16(udp->dgram_len), len + 8);
	udp_ck = udp->dgram_cksum;
	if (nic) {
		assert_int_equal(udp_ck, rte_ipv6_phdr_cksum(ip, 0));
		return;
	}
	udp->dgram_cksum = 0;
	assert_int_equal(udp_ck, rte_ipv6_udptcp_cksum(ip, udp));
	udp->dgram_cksum = udp_ck;
}

/* Every length from 0 to 300, and 1400 to 1500. */
static uint16_t
nth_len(unsigned int i)
{
	return (uint16_t)(i <= 300 ? i : 1400 + (i - 301));
}

#define LENGTHS (301 + 101)

typedef void (*check_fn)(const struct mg_out_hdr *, struct frame *, uint16_t,
			 const struct mg_ctl_addr *, const struct mg_ctl_addr *,
			 uint8_t, bool);

/* Every length, to the configured destination and to a latched one,
 * checksums by us and left to the NIC. */
static void
each_length(const struct mg_ctl_addr *src, const struct mg_ctl_addr *dst,
	    const struct mg_ctl_addr *nat, check_fn check)
{
	struct mg_out_hdr h;
	static struct frame fr;

	mg_out_hdr_init(&h, src_mac, dst_mac, src, dst);
	for (unsigned int i = 0; i < LENGTHS; i++) {
		uint16_t len = nth_len(i);
		uint8_t tos = (uint8_t)(i * 37);

		fill(&fr, len, i);
		for (int nic = 0; nic < 2; nic++) {
			mg_out_hdr_put(&h, fr.pl, len, NULL, tos, nic);
			check(&h, &fr, len, src, dst, tos, nic);
			mg_out_hdr_put(&h, fr.pl, len, nat, tos, nic);
			check(&h, &fr, len, src, nat, tos, nic);
		}
	}
}

static void
headers_v4_match_dpdk(void **state)
{
	struct mg_ctl_addr src = addr(4, "\x0a\x00\x00\x01", 30000);
	struct mg_ctl_addr dst = addr(4, "\xc0\xa8\x01\x63", 4000);
	struct mg_ctl_addr nat = addr(4, "\xcb\x00\x71\xfe", 61001);

	(void)state;
	each_length(&src, &dst, &nat, check_v4);
}

static void
headers_v6_match_dpdk(void **state)
{
	struct mg_ctl_addr src = addr(6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01",
				      30000);
	struct mg_ctl_addr dst = addr(6, "\x20\x01\x0d\xb8\xff\xff\0\0\0\0\0\0\0\0\xab\xcd",
				      4000);
	struct mg_ctl_addr nat = addr(6, "\xfd\x00\0\0\0\0\0\0\x12\x34\0\0\0\0\0\x09",
				      65535);

	(void)state;
	each_length(&src, &dst, &nat, check_v6);
}

/* A datagram whose sum comes out as 0xffff has the checksum 0, which
 * says "no checksum" in IPv4: RFC 768 sends it as 0xffff. The payload's
 * last word is chosen to get there. */
static void
zero_checksum_goes_out_as_ffff(void **state)
{
	struct mg_ctl_addr src = addr(4, "\x0a\x00\x00\x01", 30000);
	struct mg_ctl_addr dst = addr(4, "\x0a\x00\x00\x02", 4000);
	struct mg_out_hdr h;
	static struct frame fr;
	uint16_t len = 160, c, w;

	(void)state;
	mg_out_hdr_init(&h, src_mac, dst_mac, &src, &dst);
	fill(&fr, len, 99);
	fr.pl[len - 2] = fr.pl[len - 1] = 0;
	mg_out_hdr_put(&h, fr.pl, len, NULL, 0, false);
	memcpy(&c, fr.pl - 2, 2);
	/* c = ~s with the last word 0; adding ~s makes the sum 0xffff. */
	w = c;
	memcpy(fr.pl + len - 2, &w, 2);
	mg_out_hdr_put(&h, fr.pl, len, NULL, 0, false);
	memcpy(&c, fr.pl - 2, 2);
	assert_int_equal(c, 0xffff);
	check_v4(&h, &fr, len, &src, &dst, 0, false);
}

/* One way of taking the payload sum, any alignment and length (the
 * masked tail of every size, the whole 64 KB a datagram may carry),
 * against rte_raw_cksum. */
static void
sum_matches(uint32_t (*sum)(const uint8_t *, uint32_t))
{
	static uint8_t buf[65536 + 64];

	srand(5);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (uint32_t off = 0; off < 8; off++)
		for (uint32_t len = 0; len < 1500; len += 1 + len / 64) {
			uint32_t s = sum(buf + off, len);

			assert_true(s <= 0xffff);
			/* Both fold to the same 16 bits (0 and 0xffff are the
			 * same number in ones' complement). */
			assert_int_equal(s % 0xffff,
					 rte_raw_cksum(buf + off, len) % 0xffff);
		}
	for (uint32_t len = 0; len <= 130; len++)
		assert_int_equal(sum(buf + 3, len) % 0xffff,
				 rte_raw_cksum(buf + 3, len) % 0xffff);
	assert_int_equal(sum(buf + 1, 65535) % 0xffff,
			 rte_raw_cksum(buf + 1, 65535) % 0xffff);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(sum(buf, 1500) % 0xffff,
			 rte_raw_cksum(buf, 1500) % 0xffff);
	assert_int_equal(sum(buf, 65535) % 0xffff,
			 rte_raw_cksum(buf, 65535) % 0xffff);
}

static void
sum_sse2_matches_rte_raw_cksum(void **state)
{
	(void)state;
	sum_matches(mg_cksum_sum_sse2);
}

static void
sum_avx512_matches_rte_raw_cksum(void **state)
{
	(void)state;
	if (!mg_cksum_has_avx512())
		skip();
	sum_matches(mg_cksum_sum_avx512);
}

/* What the pipeline calls is one of the two. */
static void
sum_picked_matches_rte_raw_cksum(void **state)
{
	(void)state;
	sum_matches(mg_cksum_sum);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headers_v4_match_dpdk),
		cmocka_unit_test(headers_v6_match_dpdk),
		cmocka_unit_test(zero_checksum_goes_out_as_ffff),
		cmocka_unit_test(sum_sse2_matches_rte_raw_cksum),
		cmocka_unit_test(sum_avx512_matches_rte_raw_cksum),
		cmocka_unit_test(sum_picked_matches_rte_raw_cksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
