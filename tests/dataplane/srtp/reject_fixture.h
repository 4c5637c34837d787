/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the SRTP and SRTCP rejection suites share: contexts freed by a
 * per-test teardown even when an assertion jumped out (no leak reports
 * under ASan), deterministic policies, and the check that a refused packet
 * moved exactly its own drop counter and nothing else.
 *
 * The includer defines REJECT_PROTECT and REJECT_UNPROTECT, the burst
 * calls under test, before including this file.
 */
#ifndef MG_TEST_REJECT_FIXTURE_H
#define MG_TEST_REJECT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_srtp.h"
#include "mb_mgr_fixture.h"

#define BUF 256
#define SSRC 0x5eed1234u
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(s) (1u << (s))

static struct mg_srtp_ctx *live[8];
static unsigned nb_live;
static uint8_t *scratch;

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
policy_init(struct mg_srtp_policy *p, uint16_t suite, uint8_t seed)
{
	memset(p, 0, sizeof(*p));
	p->suite = suite;
	p->ssrc = SSRC;
	p->nb_masters = 1;
	for (int m = 0; m < MG_SRTP_MASTERS_MAX; m++) {
		for (int i = 0; i < MG_SRTP_MASTER_KEY_MAX; i++)
			p->masters[m].key[i] = (uint8_t)(seed + 7 * i + 61 * m);
		for (int i = 0; i < MG_SRTP_MASTER_SALT_LEN; i++)
			p->masters[m].salt[i] = (uint8_t)(seed ^ (13 * i + m));
	}
}

static struct mg_srtp_ctx *
track(struct mg_srtp_ctx *c)
{
	assert_true(nb_live < NELEM(live));
	if (c != NULL)
		live[nb_live++] = c;
	return c;
}

static int
free_all(void **state)
{
	(void)state;
	while (nb_live > 0)
		mg_srtp_ctx_destroy(live[--nb_live]);
	free(scratch);
	scratch = NULL;
	return 0;
}

static struct mg_srtp_ctx *
ctx_new(const struct mg_srtp_policy *p)
{
	struct mg_srtp_ctx *c = NULL;

	assert_int_equal(mg_srtp_ctx_create(mgr, p, &c), 0);
	return track(c);
}

static void
expect_status(uint16_t got, uint16_t want)
{
	if (got != want)
		fail_msg("status %s, want %s", mg_srtp_status_str(got),
			 mg_srtp_status_str(want));
}

/* One packet through a burst of one. */
static uint16_t
xform(struct mg_srtp_ctx *c, bool protect, uint8_t *d, uint16_t *len,
      uint16_t cap)
{
	struct mg_srtp_pkt p = { .data = d, .len = *len, .cap = cap, .ctx = c };
	uint16_t ok = protect ? REJECT_PROTECT(mgr, &p, 1) :
				REJECT_UNPROTECT(mgr, &p, 1);

	assert_int_equal(ok, p.status == MG_SRTP_OK);
	*len = p.len;
	return p.status;
}

/* A packet that must be refused with one of `allowed`: the counters must
 * show that one drop and nothing else. Returns the status. */
static uint16_t
refused(struct mg_srtp_ctx *c, bool protect, uint8_t *d, uint16_t len,
	uint16_t cap, uint32_t allowed)
{
	struct mg_srtp_stats want = *mg_srtp_ctx_stats(c);
	uint16_t st = xform(c, protect, d, &len, cap);

	if (st >= MG_SRTP_STATUS_MAX || !(allowed & BIT(st)))
		fail_msg("refused with %s, not an allowed status",
			 mg_srtp_status_str(st));
	want.drops[st]++;
	assert_memory_equal(&want, mg_srtp_ctx_stats(c), sizeof(want));
	return st;
}

#endif /* MG_TEST_REJECT_FIXTURE_H */
