/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libsrtp2 engine (mg_srtp_set_engine): contexts made under it run
 * through libsrtp2 a packet at a time, behind the same burst calls. Each
 * direction is checked against a context of our own engine on the same
 * keys (ours protects, libsrtp2's opens, and back), for SRTP and SRTCP,
 * AES-CM and GCM; replays, forgeries and short buffers get the statuses
 * and counters ours give; what libsrtp2 cannot do is refused at creation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <intel-ipsec-mb.h>

#include "mg_srtp.h"
#define REJECT_PROTECT mg_srtp_protect_burst
#define REJECT_UNPROTECT mg_srtp_unprotect_burst
#include "reject_fixture.h"

#define PLAIN_LEN 60

/* Our context and libsrtp2's on the same policy. */
static void
pair(uint16_t suite, struct mg_srtp_ctx **ours, struct mg_srtp_ctx **lib)
{
	struct mg_srtp_policy p;

	policy_init(&p, suite, 0x42);
	p.flags = MG_SRTP_F_ANY_SSRC;
	assert_int_equal(mg_srtp_set_engine(MG_SRTP_ENGINE_IPSEC_MB), 0);
	*ours = ctx_new(&p);
	assert_int_equal(mg_srtp_set_engine(MG_SRTP_ENGINE_LIBSRTP2), 0);
	*lib = ctx_new(&p);
	assert_int_equal(mg_srtp_set_engine(MG_SRTP_ENGINE_IPSEC_MB), 0);
}

static uint16_t
rtp(uint8_t *d, uint16_t seq)
{
	memset(d, 0, BUF);
	d[0] = 0x80;
	d[2] = (uint8_t)(seq >> 8);
	d[3] = (uint8_t)seq;
	be32(d + 8, SSRC);
	for (int i = 12; i < PLAIN_LEN; i++)
		d[i] = (uint8_t)(seq + i);
	return PLAIN_LEN;
}

static uint16_t
rtcp(uint8_t *d, uint8_t n)
{
	memset(d, 0, BUF);
	d[0] = 0x80;
	d[1] = 200;
	d[3] = 6;
	be32(d + 4, SSRC);
	memset(d + 8, n, 20);
	return 28;
}

static uint16_t
run(struct mg_srtp_ctx *c, bool protect, bool is_rtcp, uint8_t *d,
    uint16_t *len)
{
	struct mg_srtp_pkt p = { .data = d, .len = *len, .cap = BUF, .ctx = c };

	if (is_rtcp)
		(protect ? mg_srtcp_protect_burst : mg_srtcp_unprotect_burst)(
			mgr, &p, 1);
	else
		(protect ? mg_srtp_protect_burst : mg_srtp_unprotect_burst)(
			mgr, &p, 1);
	*len = p.len;
	return p.status;
}

/* from protects 20 packets (and 3 reports); to opens each to the plain. */
static void
one_way(struct mg_srtp_ctx *from, struct mg_srtp_ctx *to)
{
	uint8_t d[BUF], want[BUF];

	for (uint16_t seq = 100; seq < 120; seq++) {
		uint16_t len = rtp(d, seq);

		memcpy(want, d, len);
		expect_status(run(from, true, false, d, &len), MG_SRTP_OK);
		assert_true(len > PLAIN_LEN);
		expect_status(run(to, false, false, d, &len), MG_SRTP_OK);
		assert_int_equal(len, PLAIN_LEN);
		assert_memory_equal(d, want, PLAIN_LEN);
	}
	for (uint8_t n = 0; n < 3; n++) {
		uint16_t len = rtcp(d, n);

		memcpy(want, d, len);
		expect_status(run(from, true, true, d, &len), MG_SRTP_OK);
		expect_status(run(to, false, true, d, &len), MG_SRTP_OK);
		assert_int_equal(len, 28);
		assert_memory_equal(d, want, 28);
	}
}

static void
both_ways(uint16_t suite)
{
	struct mg_srtp_ctx *o_tx, *l_rx, *o_rx, *l_tx;

	pair(suite, &o_tx, &l_rx);
	pair(suite, &o_rx, &l_tx);
	one_way(o_tx, l_rx);
	one_way(l_tx, o_rx);
	assert_int_equal(mg_srtp_ctx_stats(l_rx)->packets, 23);
	assert_int_equal(mg_srtp_ctx_stats(l_rx)->rtcp_packets, 3);
	free_all(NULL);
}

static void
aes_cm_both_ways(void **state)
{
	(void)state;
	both_ways(MG_SRTP_AES_CM_128_HMAC_SHA1_80);
	both_ways(MG_SRTP_AES_CM_128_HMAC_SHA1_32);
	both_ways(MG_SRTP_AES_256_CM_HMAC_SHA1_80);
}

static void
gcm_both_ways(void **state)
{
	(void)state;
	both_ways(MG_SRTP_AEAD_AES_128_GCM);
	both_ways(MG_SRTP_AEAD_AES_256_GCM);
}

/* A replay, a broken tag, no room for the tag: refused and counted, as
 * our engine would. */
static void
refusals_counted(void **state)
{
	struct mg_srtp_ctx *ours, *lib;
	uint8_t d[BUF], copy[BUF];
	uint16_t len = rtp(d, 7), clen;

	(void)state;
	pair(MG_SRTP_AES_CM_128_HMAC_SHA1_80, &ours, &lib);
	expect_status(run(ours, true, false, d, &len), MG_SRTP_OK);
	memcpy(copy, d, len);
	clen = len;
	expect_status(run(lib, false, false, d, &len), MG_SRTP_OK);
	refused(lib, false, copy, clen, BUF, BIT(MG_SRTP_E_REPLAY));
	len = rtp(d, 8);
	expect_status(run(ours, true, false, d, &len), MG_SRTP_OK);
	d[len - 1] ^= 1;
	refused(lib, false, d, len, BUF, BIT(MG_SRTP_E_AUTH));
	len = rtp(d, 9);
	refused(lib, true, d, len, PLAIN_LEN + 4, BIT(MG_SRTP_E_NO_ROOM));
}

/* What libsrtp2 cannot run is refused at creation, not run wrong. */
static void
unsupported_refused(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *c = NULL;

	(void)state;
	assert_int_equal(mg_srtp_set_engine(MG_SRTP_ENGINE_LIBSRTP2), 0);
	policy_init(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 1);
	p.kdr_log2 = 4;
	assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), -ENOTSUP);
	policy_init(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 1);
	p.mki_len = 2;
	assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), -ENOTSUP);
	policy_init(&p, MG_SRTP_NULL_HMAC_SHA1_32, 1);
	assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), -ENOTSUP);
	assert_null(c);
	assert_int_equal(mg_srtp_set_engine(MG_SRTP_ENGINE_IPSEC_MB), 0);
	assert_int_equal(mg_srtp_set_engine((enum mg_srtp_engine)7), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(aes_cm_both_ways, free_all),
		cmocka_unit_test_teardown(gcm_both_ways, free_all),
		cmocka_unit_test_teardown(refusals_counted, free_all),
		cmocka_unit_test_teardown(unsupported_refused, free_all),
	};

	return cmocka_run_group_tests(tests, mb_mgr_setup, mb_mgr_teardown);
}
