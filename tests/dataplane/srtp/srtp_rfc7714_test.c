/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-GCM SRTP and SRTCP against the packet vectors of RFC 7714 §16 and
 * §17, exactly: the IV the RFC lists, protect giving the RFC's packet
 * byte for byte, unprotect giving the RFC's plaintext back, in both
 * directions for every vector (the RFC prints each in one), for the
 * encrypted and the tag-only forms. Then every byte of each protected
 * packet is flipped once and must be refused without moving the window.
 *
 * The RFC publishes session keys, not master keys, so the contexts are
 * made with a throwaway master and then keyed with srtp_gcm_set_keys().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <intel-ipsec-mb.h>

#include "mg_srtp.h"
#include "../../../dataplane/srtp/srtp_priv.h"
#include "mb_mgr_fixture.h"
#include "rfc7714_vectors.h"

#define BUF 256

static struct mg_srtp_ctx *
vector_ctx(const struct rfc7714_vector *v)
{
	struct mg_srtp_policy pol;
	struct mg_srtp_ctx *c;
	struct srtp_keys *k;

	memset(&pol, 0, sizeof(pol));
	pol.suite = v->key_len == 16 ? MG_SRTP_AEAD_AES_128_GCM :
				       MG_SRTP_AEAD_AES_256_GCM;
	pol.ssrc = v->ssrc;
	pol.nb_masters = 1;
	if (!v->encrypted)
		pol.flags = v->is_rtcp ? MG_SRTP_F_UNENCRYPTED_SRTCP :
					 MG_SRTP_F_UNENCRYPTED_SRTP;
	assert_int_equal(mg_srtp_ctx_create(mgr, &pol, &c), 0);
	k = v->is_rtcp ? &c->rtcp_keys[0] : &c->keys[0];
	srtp_gcm_set_keys(mgr, k, v->key, (uint8_t)v->key_len, v->salt);
	/* The sender's SRTCP index is the vector's; SRTP's ROC is 0 in all
	 * of them, where a new context starts. */
	c->streams[0].rtcp_next = v->roc_or_index;
	return c;
}

static uint16_t
run(struct mg_srtp_ctx *c, const struct rfc7714_vector *v, uint8_t *buf,
    uint16_t len, int protect)
{
	struct mg_srtp_pkt p = { .data = buf, .len = len, .cap = BUF, .ctx = c };

	if (v->is_rtcp)
		(protect ? mg_srtcp_protect_burst : mg_srtcp_unprotect_burst)(
			mgr, &p, 1);
	else
		(protect ? mg_srtp_protect_burst : mg_srtp_unprotect_burst)(
			mgr, &p, 1);
	if (p.status != MG_SRTP_OK)
		return 0;
	return p.len;
}

static void
iv_is_the_rfcs(const struct rfc7714_vector *v)
{
	uint8_t iv[16];
	uint64_t idx = v->is_rtcp ? v->roc_or_index :
		       ((uint64_t)v->roc_or_index << 16) |
		       (uint16_t)(v->plain[2] << 8 | v->plain[3]);

	srtp_gcm_iv(v->salt, v->ssrc, idx, iv);
	assert_memory_equal(iv, v->iv, RFC7714_IV_LEN);
}

static void
vectors_protect_and_unprotect(void **state)
{
	(void)state;
	for (size_t i = 0; i < RFC7714_NB_VECTORS; i++) {
		const struct rfc7714_vector *v = &rfc7714_vectors[i];
		struct mg_srtp_ctx *tx = vector_ctx(v), *rx = vector_ctx(v);
		uint8_t buf[BUF];
		uint16_t len;

		print_message("%s\n", v->name);
		iv_is_the_rfcs(v);
		memcpy(buf, v->plain, v->plain_len);
		len = run(tx, v, buf, (uint16_t)v->plain_len, 1);
		assert_int_equal(len, v->protected_len);
		assert_memory_equal(buf, v->protected_pkt, len);
		memcpy(buf, v->protected_pkt, v->protected_len);
		len = run(rx, v, buf, (uint16_t)v->protected_len, 0);
		assert_int_equal(len, v->plain_len);
		assert_memory_equal(buf, v->plain, len);
		mg_srtp_ctx_destroy(tx);
		mg_srtp_ctx_destroy(rx);
	}
}

/* A flipped byte anywhere is refused, and refusals leave the window alone:
 * the untouched packet still goes through afterwards. */
static void
every_flipped_byte_is_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < RFC7714_NB_VECTORS; i++) {
		const struct rfc7714_vector *v = &rfc7714_vectors[i];
		struct mg_srtp_ctx *rx = vector_ctx(v);
		uint8_t buf[BUF];

		for (size_t pos = 0; pos < v->protected_len; pos++) {
			memcpy(buf, v->protected_pkt, v->protected_len);
			buf[pos] ^= 0x01;
			if (run(rx, v, buf, (uint16_t)v->protected_len, 0) != 0)
				fail_msg("%s: byte %zu flipped was accepted",
					 v->name, pos);
		}
		assert_int_equal(mg_srtp_ctx_stats(rx)->packets, 0);
		memcpy(buf, v->protected_pkt, v->protected_len);
		assert_int_equal(run(rx, v, buf, (uint16_t)v->protected_len, 0),
				 v->plain_len);
		mg_srtp_ctx_destroy(rx);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vectors_protect_and_unprotect),
		cmocka_unit_test(every_flipped_byte_is_refused),
	};

	return cmocka_run_group_tests_name("srtp_rfc7714", tests, mb_mgr_setup,
					   mb_mgr_teardown);
}
