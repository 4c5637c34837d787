/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key derivation rate (RFC 3711 §4.3.1) and a starting ROC, against
 * libsrtp2. libsrtp2 has no KDR, but the RFC's PRF input is
 * (label || r) XOR master_salt with r = index DIV 2^n in its last six
 * bytes, so the session keys of epoch r under salt s are those of epoch 0
 * under salt s ^ r: libsrtp2 given that salt is an oracle for every
 * epoch. (GCM's 12-byte salt can carry r only when r is a multiple of
 * 2^16; the GCM case starts the stream there.) For each packet:
 *   - our protect equals libsrtp2's, with the ROC set by srtp_set_stream_roc;
 *   - libsrtp2 unprotects ours; we unprotect ours, bursts of random sizes,
 *     reordered across epoch boundaries;
 *   - keys are derived once per epoch, not per packet;
 * and KDR = 2 (an epoch every 2 packets) makes bursts that span many
 * epochs, which take extra passes and must still all go through.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <intel-ipsec-mb.h>
#include <srtp2/srtp.h>

#include "mg_srtp.h"
#include "libsrtp_fixture.h"

#define NPKTS 600
#define NRTCP 200
#define BUF 512
#define SSRC 0x0badcafeu

struct kcase {
	const char *name;
	enum mg_srtp_suite suite;
	void (*libsrtp_policy)(srtp_crypto_policy_t *p);
	uint8_t key_len, salt_len;
	uint8_t kdr_log2;
	uint64_t first;  /* index of the first packet: its SEQ below 2^15
			  * unless its ROC is 0, as a ROC set to start from
			  * makes the upper half of SEQ the ROC before
			  * (libsrtp2's srtp_set_stream_roc does the same) */
};

static const struct kcase cases[] = {
	{ "AES_CM_128_HMAC_SHA1_80 KDR=2^4 across a ROC wrap",
	  MG_SRTP_AES_CM_128_HMAC_SHA1_80, srtp_crypto_policy_set_rtp_default,
	  16, 14, 4, 65536 - 300 },
	{ "AES_256_CM_HMAC_SHA1_32 KDR=2^7", MG_SRTP_AES_256_CM_HMAC_SHA1_32,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32, 32, 14, 7, 1000 },
	{ "AES_CM_128_HMAC_SHA1_80 KDR=2^1", MG_SRTP_AES_CM_128_HMAC_SHA1_80,
	  srtp_crypto_policy_set_rtp_default, 16, 14, 1, 70000 },
	{ "AEAD_AES_128_GCM KDR=2^4 at epoch 2^16", MG_SRTP_AEAD_AES_128_GCM,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth, 16, 12, 4,
	  1ull << 20 },
};

/* RFC 3711 §4.3.1: r right-aligned in the 112-bit key_id. */
static void
salt_of_epoch(const uint8_t *salt, uint64_t r, uint8_t out[14])
{
	memcpy(out, salt, 14);
	for (int i = 0; i < 6; i++)
		out[13 - i] ^= (uint8_t)(r >> (8 * i));
}

/* libsrtp2 as of epoch r, its stream at ROC roc; NULL when this suite's
 * salt cannot carry r. */
static srtp_t
oracle(const struct kcase *kc, const uint8_t *key, const uint8_t *salt,
       uint64_t r, uint32_t roc)
{
	uint8_t master[64], s[14];
	srtp_policy_t pol;
	srtp_t sess;

	salt_of_epoch(salt, r, s);
	if (kc->salt_len == 12 && (s[12] || s[13]))
		return NULL;
	memcpy(master, key, kc->key_len);
	memcpy(master + kc->key_len, s, kc->salt_len);
	memset(&pol, 0, sizeof(pol));
	kc->libsrtp_policy(&pol.rtp);
	kc->libsrtp_policy(&pol.rtcp);
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = SSRC;
	pol.key = master;
	pol.window_size = 1024;
	assert_int_equal(srtp_create(&sess, &pol), srtp_err_status_ok);
	assert_int_equal(srtp_set_stream_roc(sess, SSRC, roc),
			 srtp_err_status_ok);
	return sess;
}

static struct mg_srtp_ctx *
our_ctx(const struct kcase *kc, const uint8_t *key, const uint8_t *salt,
	uint32_t roc)
{
	struct mg_srtp_policy pol;
	struct mg_srtp_ctx *c;

	memset(&pol, 0, sizeof(pol));
	pol.suite = kc->suite;
	pol.ssrc = SSRC;
	pol.nb_masters = 1;
	pol.kdr_log2 = kc->kdr_log2;
	pol.roc = roc;
	memcpy(pol.masters[0].key, key, kc->key_len);
	memcpy(pol.masters[0].salt, salt, kc->salt_len);
	assert_int_equal(mg_srtp_ctx_create(mgr, &pol, &c), 0);
	return c;
}

static uint16_t
make_rtp(uint8_t *p, uint16_t seq)
{
	uint16_t len = (uint16_t)(12 + 20 + rnd(200));

	p[0] = 0x80;
	p[1] = 0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	for (int i = 4; i < 8; i++)
		p[i] = (uint8_t)rnd(256);
	p[8] = SSRC >> 24; p[9] = (SSRC >> 16) & 0xff;
	p[10] = (SSRC >> 8) & 0xff; p[11] = SSRC & 0xff;
	for (int i = 12; i < len; i++)
		p[i] = (uint8_t)rnd(256);
	return len;
}

/* Packets i and i+1 swapped now and then: reordering across epochs. */
static void
make_order(uint64_t *idx, int n, uint64_t first)
{
	for (int i = 0; i < n; i++)
		idx[i] = first + (uint64_t)i;
	for (int i = 0; i + 1 < n; i++)
		if (rnd(6) == 0) {
			uint64_t t = idx[i];

			idx[i] = idx[i + 1];
			idx[i + 1] = t;
			i++;
		}
}

/* Run pk through fn in bursts of 1..64, all must pass. */
static void
in_bursts(uint16_t (*fn)(struct IMB_MGR *, struct mg_srtp_pkt *, uint16_t),
	  struct mg_srtp_pkt *pk, int n, const char *what)
{
	for (int i = 0; i < n;) {
		uint16_t b = (uint16_t)(1 + rnd(MG_SRTP_BURST_MAX));

		if (b > n - i)
			b = (uint16_t)(n - i);
		if (fn(mgr, &pk[i], b) != b)
			for (uint16_t j = 0; j < b; j++)
				if (pk[i + j].status != MG_SRTP_OK)
					fail_msg("%s packet %d: %s", what, i + j,
						 mg_srtp_status_str(pk[i + j].status));
		i += b;
	}
}

static void
one_srtp_case(const struct kcase *kc)
{
	static uint8_t plain[NPKTS][BUF], ours[NPKTS][BUF], theirs[BUF];
	static struct mg_srtp_pkt pk[NPKTS];
	static uint64_t idx[NPKTS];
	static uint16_t plen[NPKTS];
	uint8_t key[32], salt[14] = { 0 };
	uint32_t roc0 = (uint32_t)(kc->first >> 16);
	struct mg_srtp_ctx *tx, *rx;
	uint64_t epochs = 0, last_r = UINT64_MAX;
	int checked = 0;

	print_message("%s\n", kc->name);
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)rnd(256);
	for (int i = 0; i < kc->salt_len; i++)
		salt[i] = (uint8_t)rnd(256);
	tx = our_ctx(kc, key, salt, roc0);
	rx = our_ctx(kc, key, salt, roc0);
	make_order(idx, NPKTS, kc->first);
	for (int i = 0; i < NPKTS; i++) {
		plen[i] = make_rtp(plain[i], (uint16_t)idx[i]);
		memcpy(ours[i], plain[i], plen[i]);
		pk[i] = (struct mg_srtp_pkt){ .data = ours[i], .len = plen[i],
					      .cap = BUF, .ctx = tx };
	}
	in_bursts(mg_srtp_protect_burst, pk, NPKTS, "protect");
	for (int i = 0; i < NPKTS; i++) {
		uint64_t r = idx[i] >> kc->kdr_log2;
		srtp_t otx = oracle(kc, key, salt, r, (uint32_t)(idx[i] >> 16));
		srtp_t orx = oracle(kc, key, salt, r, (uint32_t)(idx[i] >> 16));
		int len = plen[i];

		epochs += r != last_r;
		last_r = r;
		if (otx == NULL)
			continue;
		memcpy(theirs, plain[i], plen[i]);
		assert_int_equal(srtp_protect(otx, theirs, &len), srtp_err_status_ok);
		if (len != pk[i].len || memcmp(theirs, ours[i], len) != 0)
			fail_msg("%s: index %llu (epoch %llu) differs from libsrtp2",
				 kc->name, (unsigned long long)idx[i],
				 (unsigned long long)r);
		memcpy(theirs, ours[i], pk[i].len);
		len = pk[i].len;
		assert_int_equal(srtp_unprotect(orx, theirs, &len),
				 srtp_err_status_ok);
		assert_memory_equal(theirs, plain[i], plen[i]);
		srtp_dealloc(otx);
		srtp_dealloc(orx);
		checked++;
	}
	assert_true(checked >= 16);
	for (int i = 0; i < NPKTS; i++)
		pk[i].ctx = rx;
	in_bursts(mg_srtp_unprotect_burst, pk, NPKTS, "unprotect");
	for (int i = 0; i < NPKTS; i++) {
		assert_int_equal(pk[i].len, plen[i]);
		assert_memory_equal(ours[i], plain[i], plen[i]);
	}
	/* Once per epoch, give or take the reordered edges: not per packet. */
	assert_true(mg_srtp_ctx_stats(rx)->derivations <= 2 * epochs + 2);
	assert_true(mg_srtp_ctx_stats(tx)->derivations <= 2 * epochs + 2);
	mg_srtp_ctx_destroy(tx);
	mg_srtp_ctx_destroy(rx);
}

static void
srtp_epochs_match_libsrtp(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		one_srtp_case(&cases[i]);
}

/* SRTCP: r = SRTCP index >> n. libsrtp2 cannot be told an SRTCP index to
 * send with, but it verifies and decrypts any: it unprotects ours. */
static void
srtcp_epochs_match_libsrtp(void **state)
{
	static uint8_t plain[NRTCP][BUF], ours[NRTCP][BUF], theirs[BUF];
	static struct mg_srtp_pkt pk[NRTCP];
	const struct kcase *kc = &cases[0];
	uint8_t key[16], salt[14];
	struct mg_srtp_ctx *tx, *rx;

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)rnd(256);
	for (int i = 0; i < 14; i++)
		salt[i] = (uint8_t)rnd(256);
	tx = our_ctx(kc, key, salt, 0);
	rx = our_ctx(kc, key, salt, 0);
	for (int i = 0; i < NRTCP; i++) {
		uint16_t words = (uint16_t)(1 + rnd(40));

		plain[i][0] = 0x80;
		plain[i][1] = 200;
		plain[i][2] = 0;
		plain[i][3] = (uint8_t)words;
		plain[i][4] = SSRC >> 24; plain[i][5] = (SSRC >> 16) & 0xff;
		plain[i][6] = (SSRC >> 8) & 0xff; plain[i][7] = SSRC & 0xff;
		for (int j = 8; j < 4 * (words + 1); j++)
			plain[i][j] = (uint8_t)rnd(256);
		memcpy(ours[i], plain[i], 4u * (words + 1));
		pk[i] = (struct mg_srtp_pkt){ .data = ours[i],
			.len = (uint16_t)(4 * (words + 1)), .cap = BUF, .ctx = tx };
	}
	in_bursts(mg_srtcp_protect_burst, pk, NRTCP, "SRTCP protect");
	for (int i = 0; i < NRTCP; i++) {
		srtp_t orx = oracle(kc, key, salt, (uint64_t)i >> kc->kdr_log2, 0);
		int len = pk[i].len;

		memcpy(theirs, ours[i], pk[i].len);
		if (srtp_unprotect_rtcp(orx, theirs, &len) != srtp_err_status_ok)
			fail_msg("SRTCP index %d: libsrtp2 refuses ours", i);
		assert_memory_equal(theirs, plain[i], len);
		srtp_dealloc(orx);
		pk[i].ctx = rx;
	}
	in_bursts(mg_srtcp_unprotect_burst, pk, NRTCP, "SRTCP unprotect");
	for (int i = 0; i < NRTCP; i++)
		assert_memory_equal(ours[i], plain[i], pk[i].len);
	mg_srtp_ctx_destroy(tx);
	mg_srtp_ctx_destroy(rx);
}

/* A stream rekeyed mid-call starts from the ROC it has reached: ours and
 * libsrtp2's srtp_set_stream_roc agree on the index of the next packets,
 * including those just below the ROC boundary. */
static void
starting_roc_matches_libsrtp(void **state)
{
	const struct kcase plain_case = { "no KDR", MG_SRTP_AES_CM_128_HMAC_SHA1_80,
		srtp_crypto_policy_set_rtp_default, 16, 14, 0, 0 };
	static const uint16_t seqs[] = { 5, 6, 0xfff0, 7, 8, 0xffff, 9, 700 };
	uint8_t key[16], salt[14], a[BUF], b[BUF];
	struct mg_srtp_ctx *tx;
	srtp_t lib;

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)rnd(256);
	for (int i = 0; i < 14; i++)
		salt[i] = (uint8_t)rnd(256);
	tx = our_ctx(&plain_case, key, salt, 7);
	lib = oracle(&plain_case, key, salt, 0, 7);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		uint16_t len = make_rtp(a, seqs[i]);
		int llen = len;
		struct mg_srtp_pkt p = { .data = a, .len = len, .cap = BUF,
					 .ctx = tx };

		memcpy(b, a, len);
		assert_int_equal(mg_srtp_protect_burst(mgr, &p, 1), 1);
		assert_int_equal(srtp_protect(lib, b, &llen), srtp_err_status_ok);
		assert_int_equal(llen, p.len);
		assert_memory_equal(a, b, p.len);
	}
	srtp_dealloc(lib);
	mg_srtp_ctx_destroy(tx);
}

static void
bad_policies(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *c = NULL;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.suite = MG_SRTP_AES_CM_128_HMAC_SHA1_80;
	p.nb_masters = 1;
	p.kdr_log2 = MG_SRTP_KDR_LOG2_MAX + 1;
	assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), -EINVAL);
	p.kdr_log2 = MG_SRTP_KDR_LOG2_MAX;
	p.flags = MG_SRTP_F_ANY_SSRC;
	p.roc = 1; /* a ROC is per stream: not for any SSRC */
	assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), -EINVAL);
	assert_null(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(srtp_epochs_match_libsrtp),
		cmocka_unit_test(srtcp_epochs_match_libsrtp),
		cmocka_unit_test(starting_roc_matches_libsrtp),
		cmocka_unit_test(bad_policies),
	};

	return cmocka_run_group_tests_name("srtp_kdr", tests, libsrtp_setup,
					   libsrtp_teardown);
}
