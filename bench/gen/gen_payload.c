/* SPDX-License-Identifier: BSD-3-Clause */
/* What a generated packet carries after its RTP header, and the check of
 * what comes back: every byte is a function of (call, direction, seq), so
 * a packet delivered to the wrong call, twice-decrypted, truncated or
 * changed anywhere fails. RTCP likewise: a sender report whose fields
 * name the call, direction and report number. */
#include <arpa/inet.h>
#include <string.h>

#include "gen.h"

#define HDR 20 /* call, dir, seq, tsc */

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint8_t
fill(uint32_t call, int dir, uint32_t seq, unsigned i)
{
	return (uint8_t)(call * 131u + (unsigned)dir * 61u + seq * 7u + i);
}

void
mg_gen_payload(uint8_t *p, uint32_t call, int dir, uint32_t seq,
	       uint64_t tsc)
{
	put32(p, call);
	put32(p + 4, (uint32_t)dir);
	put32(p + 8, seq);
	memcpy(p + 12, &tsc, 8);
	for (unsigned i = HDR; i < MG_GEN_PAYLOAD; i++)
		p[i] = fill(call, dir, seq, i);
}

int
mg_gen_payload_check(const uint8_t *p, uint32_t len, uint32_t *call,
		     int *dir, uint32_t *seq, uint64_t *tsc)
{
	if (len != MG_GEN_PAYLOAD)
		return -1;
	*call = get32(p);
	*dir = (int)get32(p + 4);
	*seq = get32(p + 8);
	memcpy(tsc, p + 12, 8);
	if (*dir != MG_GEN_UP && *dir != MG_GEN_DOWN)
		return -1;
	for (unsigned i = HDR; i < MG_GEN_PAYLOAD; i++)
		if (p[i] != fill(*call, *dir, *seq, i))
			return -1;
	return 0;
}

#define RTCP_MAGIC 0x6d675243u /* "mgRC" */

static void
put32be(uint8_t *p, uint32_t v)
{
	put32(p, htonl(v));
}

static uint32_t
get32be(const uint8_t *p)
{
	return ntohl(get32(p));
}

int
mg_gen_rtcp(uint8_t *p, uint32_t call, int dir, uint32_t n)
{
	p[0] = 0x80;                    /* V=2, no report blocks */
	p[1] = 200;                     /* SR */
	p[2] = 0;
	p[3] = MG_GEN_RTCP_LEN / 4 - 1;
	put32be(p + 4, mg_gen_ssrc(call, dir));
	put32be(p + 8, call);           /* NTP seconds */
	put32be(p + 12, n);             /* NTP fraction */
	put32be(p + 16, RTCP_MAGIC);    /* RTP timestamp */
	put32be(p + 20, n ^ RTCP_MAGIC); /* packets */
	put32be(p + 24, call ^ (uint32_t)dir); /* octets */
	return MG_GEN_RTCP_LEN;
}

int
mg_gen_rtcp_check(const uint8_t *p, uint32_t len, uint32_t *call, int *dir,
		  uint32_t *n)
{
	uint32_t ssrc;

	if (len != MG_GEN_RTCP_LEN || p[0] != 0x80 || p[1] != 200 ||
	    get32be(p + 16) != RTCP_MAGIC)
		return -1;
	ssrc = get32be(p + 4);
	*call = get32be(p + 8);
	*n = get32be(p + 12);
	*dir = (ssrc & 0x20000000u) ? MG_GEN_DOWN : MG_GEN_UP;
	return ssrc == mg_gen_ssrc(*call, *dir) &&
	       get32be(p + 20) == (*n ^ RTCP_MAGIC) &&
	       get32be(p + 24) == (*call ^ (uint32_t)*dir) ? 0 : -1;
}
