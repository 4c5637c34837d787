/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Any-SSRC contexts (MG_SRTP_F_ANY_SSRC): one key, many SSRCs, each with
 * its own replay window and SRTCP index, made on the SSRC's first
 * authenticated packet. What must hold (libsrtp2 interop is in
 * srtp_libsrtp_test):
 *   - forgeries from new SSRCs take no slot; only authenticated ones do;
 *   - a full context refuses a new SSRC with its own status and counter
 *     and keeps serving the SSRCs it has;
 *   - windows are per SSRC; a new SSRC twice in one burst is one stream
 *     and one replay;
 *   - a refused protect takes no slot;
 *   - SRTCP numbers each SSRC from 0;
 *   - policies that ask for more than MG_SRTP_SSRCS_MAX are refused.
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
#define MAX_SSRCS 4

static void
any_policy(struct mg_srtp_policy *p, uint16_t suite, uint8_t max)
{
	policy_init(p, suite, 0x33);
	p->flags = MG_SRTP_F_ANY_SSRC;
	p->max_ssrcs = max;
}

/* A sender for any number of SSRCs the receiver under test may see. */
static struct mg_srtp_ctx *
big_sender(const struct mg_srtp_policy *rx_policy)
{
	struct mg_srtp_policy p = *rx_policy;

	p.max_ssrcs = MG_SRTP_SSRCS_MAX;
	return ctx_new(&p);
}

static void
make_rtp(uint8_t *p, uint32_t ssrc, uint16_t seq)
{
	memset(p, 0, PLAIN_LEN);
	p[0] = 0x80;
	p[1] = 0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	be32(p + 8, ssrc);
	for (int i = 12; i < PLAIN_LEN; i++)
		p[i] = (uint8_t)(seq + ssrc + i);
}

/* Protect one packet of ssrc/seq with tx into wire; returns its length. */
static uint16_t
seal(struct mg_srtp_ctx *tx, uint32_t ssrc, uint16_t seq, uint8_t *wire)
{
	uint16_t len = PLAIN_LEN;

	make_rtp(wire, ssrc, seq);
	expect_status(xform(tx, true, wire, &len, BUF), MG_SRTP_OK);
	return len;
}

static uint16_t
open1(struct mg_srtp_ctx *rx, const uint8_t *wire, uint16_t len)
{
	uint8_t buf[BUF];

	memcpy(buf, wire, len);
	return xform(rx, false, buf, &len, BUF);
}

static void
forgeries_take_no_slot(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *tx, *rx;
	uint8_t wire[BUF], authentic[BUF];
	uint16_t len;

	(void)state;
	any_policy(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, MAX_SSRCS);
	tx = big_sender(&p);
	rx = ctx_new(&p);
	/* An authentic packet with its SSRC rewritten: 20 forged SSRCs. */
	len = seal(tx, 0x2000, 7, authentic);
	for (uint32_t s = 0; s < 20; s++) {
		memcpy(wire, authentic, len);
		be32(wire + 8, 0x1000 + s);
		assert_int_equal(refused(rx, false, wire, len, BUF,
					 BIT(MG_SRTP_E_AUTH)), MG_SRTP_E_AUTH);
	}
	expect_status(open1(rx, authentic, len), MG_SRTP_OK);
	for (uint32_t s = 1; s < MAX_SSRCS; s++) {
		len = seal(tx, 0x2000 + s, 7, wire);
		expect_status(open1(rx, wire, len), MG_SRTP_OK);
	}
	/* A forgery from a fifth SSRC: the tag is checked before the slot. */
	len = seal(tx, 0x1000, 8, wire);
	wire[20] ^= 1;
	assert_int_equal(refused(rx, false, wire, len, BUF, BIT(MG_SRTP_E_AUTH)),
			 MG_SRTP_E_AUTH);
	len = seal(tx, 0x3000, 1, wire);
	assert_int_equal(refused(rx, false, wire, len, BUF,
				 BIT(MG_SRTP_E_SSRC_LIMIT)),
			 MG_SRTP_E_SSRC_LIMIT);
	/* Full, it still serves the SSRCs it has. */
	for (uint32_t s = 0; s < MAX_SSRCS; s++) {
		len = seal(tx, 0x2000 + s, 8, wire);
		expect_status(open1(rx, wire, len), MG_SRTP_OK);
	}
	assert_int_equal(mg_srtp_ctx_stats(rx)->packets, 2 * MAX_SSRCS);
}

static void
windows_are_per_ssrc(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *tx, *rx;
	uint8_t a[BUF], b[BUF], far[BUF];
	uint16_t la, lb, lf;

	(void)state;
	any_policy(&p, MG_SRTP_AEAD_AES_128_GCM, 0);
	p.window = 64;
	tx = ctx_new(&p);
	rx = ctx_new(&p);
	la = seal(tx, 0xa, 500, a);
	lb = seal(tx, 0xb, 500, b); /* same seq, other SSRC: no replay */
	expect_status(open1(rx, a, la), MG_SRTP_OK);
	expect_status(open1(rx, b, lb), MG_SRTP_OK);
	assert_int_equal(refused(rx, false, a, la, BUF, BIT(MG_SRTP_E_REPLAY)),
			 MG_SRTP_E_REPLAY);
	/* Late packets of both, sealed before B jumps 1000 ahead: then A's
	 * window has not moved and B's has. */
	la = seal(tx, 0xa, 480, a);
	lb = seal(tx, 0xb, 480, b);
	lf = seal(tx, 0xb, 1500, far);
	expect_status(open1(rx, far, lf), MG_SRTP_OK);
	expect_status(open1(rx, a, la), MG_SRTP_OK);
	assert_int_equal(refused(rx, false, b, lb, BUF, BIT(MG_SRTP_E_TOO_OLD)),
			 MG_SRTP_E_TOO_OLD);
}

/* Both copies pass the first check as a new SSRC; the first makes the
 * stream, the second finds it and is a replay. */
static void
new_ssrc_twice_in_one_burst(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *tx, *rx;
	struct mg_srtp_pkt pk[2];
	uint8_t wire[BUF], buf[2][BUF], more[BUF];
	uint16_t len, l2;

	(void)state;
	any_policy(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_32, 2);
	tx = big_sender(&p);
	rx = ctx_new(&p);
	len = seal(tx, 0x77, 9, wire);
	for (int i = 0; i < 2; i++) {
		memcpy(buf[i], wire, len);
		pk[i] = (struct mg_srtp_pkt){ .data = buf[i], .len = len,
					      .cap = BUF, .ctx = rx };
	}
	assert_int_equal(mg_srtp_unprotect_burst(mgr, pk, 2), 1);
	expect_status(pk[0].status, MG_SRTP_OK);
	expect_status(pk[1].status, MG_SRTP_E_REPLAY);
	/* One slot taken: a second SSRC still fits, a third does not. */
	l2 = seal(tx, 0x78, 9, more);
	expect_status(open1(rx, more, l2), MG_SRTP_OK);
	l2 = seal(tx, 0x79, 9, more);
	expect_status(open1(rx, more, l2), MG_SRTP_E_SSRC_LIMIT);
}

static void
refused_protect_takes_no_slot(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *tx;
	uint8_t wire[BUF];
	uint16_t len = PLAIN_LEN;

	(void)state;
	any_policy(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 2);
	tx = ctx_new(&p);
	make_rtp(wire, 0x55, 1);
	assert_int_equal(refused(tx, true, wire, PLAIN_LEN, PLAIN_LEN + 3,
				 BIT(MG_SRTP_E_NO_ROOM)), MG_SRTP_E_NO_ROOM);
	seal(tx, 0x56, 1, wire);
	seal(tx, 0x57, 1, wire);
	make_rtp(wire, 0x58, 1);
	assert_int_equal(refused(tx, true, wire, len, BUF,
				 BIT(MG_SRTP_E_SSRC_LIMIT)), MG_SRTP_E_SSRC_LIMIT);
	seal(tx, 0x56, 2, wire); /* the ones it has go on */
}

/* SRTCP: each SSRC's index starts at 0 (RFC 3711 §3.4). */
static void
srtcp_index_per_ssrc(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *tx, *rx;

	(void)state;
	any_policy(&p, MG_SRTP_AEAD_AES_256_GCM, 0);
	tx = ctx_new(&p);
	rx = ctx_new(&p);
	for (int round = 0; round < 3; round++)
		for (uint32_t ssrc = 0x100; ssrc < 0x103; ssrc++) {
			uint8_t d[BUF] = { 0x81, 200, 0, 6 };
			struct mg_srtp_pkt pk = { .data = d, .len = 28,
						  .cap = BUF, .ctx = tx };

			be32(d + 4, ssrc);
			assert_int_equal(mg_srtcp_protect_burst(mgr, &pk, 1), 1);
			/* GCM: tag, then E||index */
			assert_int_equal(d[28 + 16 + 3], round);
			pk.ctx = rx;
			assert_int_equal(mg_srtcp_unprotect_burst(mgr, &pk, 1), 1);
			assert_int_equal(pk.len, 28);
		}
	assert_int_equal(mg_srtp_ctx_stats(rx)->rtcp_packets, 9);
}

static void
policy_limits(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *c = NULL;

	(void)state;
	any_policy(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, MG_SRTP_SSRCS_MAX + 1);
	assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), -EINVAL);
	any_policy(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 2);
	p.flags = 0; /* a limit without any-SSRC means nothing */
	assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), -EINVAL);
	assert_null(c);
	/* The largest: 16 SSRCs with 4096-packet windows. */
	any_policy(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, MG_SRTP_SSRCS_MAX);
	p.window = MG_SRTP_WINDOW_MAX;
	ctx_new(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(forgeries_take_no_slot, free_all),
		cmocka_unit_test_teardown(windows_are_per_ssrc, free_all),
		cmocka_unit_test_teardown(new_ssrc_twice_in_one_burst, free_all),
		cmocka_unit_test_teardown(refused_protect_takes_no_slot, free_all),
		cmocka_unit_test_teardown(srtcp_index_per_ssrc, free_all),
		cmocka_unit_test_teardown(policy_limits, free_all),
	};

	return cmocka_run_group_tests_name("srtp_any_ssrc", tests, mb_mgr_setup,
					   mb_mgr_teardown);
}
