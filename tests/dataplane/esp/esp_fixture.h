/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the ESP engine tests share: SAs freed by a per-test teardown even
 * when an assertion jumped out, packet buffers fenced by guard bytes the
 * engine must never touch, IPv4/IPv6 headers built and checked here from
 * the RFCs (not with the engine's own helpers), and one-packet bursts.
 */
#ifndef MG_TEST_ESP_FIXTURE_H
#define MG_TEST_ESP_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_esp.h"
#include "../srtp/mb_mgr_fixture.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(s) (1u << (s))

#define BUF 512
#define GUARD 64
#define GUARD_BYTE 0xa5
/* Where a packet starts in its buffer: room for whatever outbound adds. */
#define HEAD MG_ESP_HEADROOM_MAX

#define IP4_LEN 20
#define IP6_LEN 40
#define ESP_HDR 8
#define PROTO_ESP 50
#define PROTO_UDP 17

/* The sender's and the receiver's outer addresses (RFC 5737, 3849). */
static const uint8_t addr_a[16] = { 198, 51, 100, 1 };
static const uint8_t addr_b[16] = { 203, 0, 113, 2 };
static const uint8_t addr6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
static const uint8_t addr6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b };

/* A packet buffer with guard bytes either side of it. */
struct buf {
	uint8_t lo[GUARD];
	uint8_t mem[BUF];
	uint8_t hi[GUARD];
	uint8_t *data;
	uint16_t len;
};

static struct mg_esp_sa *live[256];
static unsigned nb_live;

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* RFC 1071 over an IPv4 header: 0 when the checksum in it is right. */
static inline uint16_t
ip4_sum(const uint8_t *ip)
{
	uint32_t s = 0;

	for (int i = 0; i < IP4_LEN; i += 2)
		s += get16(ip + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void
ip4_fix_sum(uint8_t *ip)
{
	put16(ip + 10, 0);
	put16(ip + 10, ip4_sum(ip));
}

/* An IPv4 header, no options, not a fragment. */
static inline void
ip4_build(uint8_t *ip, uint16_t total, uint8_t proto, const uint8_t *src,
	  const uint8_t *dst)
{
	memset(ip, 0, IP4_LEN);
	ip[0] = 0x45;
	put16(ip + 2, total);
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	ip4_fix_sum(ip);
}

static inline void
ip6_build(uint8_t *ip, uint16_t payload, uint8_t nh, const uint8_t *src,
	  const uint8_t *dst)
{
	memset(ip, 0, IP6_LEN);
	ip[0] = 0x60;
	put16(ip + 4, payload);
	ip[6] = nh;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/* Puts len bytes at mem + head; guards and the rest of mem get filler. */
static inline void
buf_load(struct buf *b, const uint8_t *p, uint16_t len, uint16_t head)
{
	memset(b->lo, GUARD_BYTE, sizeof(b->lo));
	memset(b->hi, GUARD_BYTE, sizeof(b->hi));
	memset(b->mem, 0xcc, sizeof(b->mem));
	assert_true(head + len <= BUF);
	memcpy(b->mem + head, p, len);
	b->data = b->mem + head;
	b->len = len;
}

static inline void
guards_intact(const struct buf *b)
{
	for (int i = 0; i < GUARD; i++)
		if (b->lo[i] != GUARD_BYTE || b->hi[i] != GUARD_BYTE)
			fail_msg("a guard byte was written (%s, %d)",
				 b->lo[i] != GUARD_BYTE ? "before" : "after",
				 i);
}

static inline void
expect_status(uint16_t got, uint16_t want)
{
	if (got != want)
		fail_msg("status %s, want %s", mg_esp_status_str(got),
			 mg_esp_status_str(want));
}

/* The pkt descriptor of a buffer: all of mem around the packet is room. */
static inline struct mg_esp_pkt
buf_pkt(struct buf *b, struct mg_esp_sa *sa)
{
	return (struct mg_esp_pkt){ .data = b->data, .len = b->len,
		.headroom = (uint16_t)(b->data - b->mem),
		.tailroom = (uint16_t)(BUF - (b->data - b->mem) - b->len),
		.sa = sa };
}

/* After a burst: the count returned matches the statuses, results lie
 * inside their buffers and nothing outside the buffers was written. */
static inline void
burst_done(struct buf *b, struct mg_esp_pkt *p, uint16_t n, uint16_t ok)
{
	uint16_t good = 0;

	for (uint16_t i = 0; i < n; i++) {
		guards_intact(&b[i]);
		assert_true(p[i].status < MG_ESP_STATUS_MAX);
		if (p[i].status != MG_ESP_OK)
			continue;
		good++;
		assert_true(p[i].data >= b[i].mem);
		assert_true(p[i].data + p[i].len <= b[i].mem + BUF);
		b[i].data = p[i].data;
		b[i].len = p[i].len;
	}
	assert_int_equal(ok, good);
}

/* One packet through a burst of one; on success b holds the result. */
static inline uint16_t
xform(struct mg_esp_sa *sa, bool outbound, struct buf *b)
{
	struct mg_esp_pkt p = buf_pkt(b, sa);
	uint16_t ok = outbound ? mg_esp_outbound_burst(mgr, &p, 1) :
				 mg_esp_inbound_burst(mgr, &p, 1);

	burst_done(b, &p, 1, ok);
	return p.status;
}

static inline struct mg_esp_sa *
track(struct mg_esp_sa *sa)
{
	assert_true(nb_live < NELEM(live));
	live[nb_live++] = sa;
	return sa;
}

/* Destroys a tracked SA before the teardown would. */
static inline void
sa_drop(struct mg_esp_sa *sa)
{
	for (unsigned i = 0; i < nb_live; i++) {
		if (live[i] != sa)
			continue;
		live[i] = live[--nb_live];
		mg_esp_sa_destroy(sa);
		return;
	}
	fail_msg("SA not tracked");
}

static inline int
free_all(void **state)
{
	(void)state;
	while (nb_live > 0)
		mg_esp_sa_destroy(live[--nb_live]);
	return 0;
}

static inline struct mg_esp_sa *
sa_new(const struct mg_esp_sa_policy *p)
{
	struct mg_esp_sa *sa = NULL;
	int rc = mg_esp_sa_create(mgr, p, &sa);

	if (rc != 0)
		fail_msg("mg_esp_sa_create: %d", rc);
	assert_non_null(sa);
	return track(sa);
}

#endif /* MG_TEST_ESP_FIXTURE_H */
