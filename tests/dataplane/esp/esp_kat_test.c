/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AEAD suites against published ESP packets (esp_vectors.h):
 * draft-mcgrew-gcm-test-01's AES-GCM cases (RFC 4106's companion vectors,
 * 128- and 256-bit keys, 32- and 64-bit sequence numbers) and RFC 7634
 * Appendix A's ChaCha20-Poly1305 packet.
 *
 * Inbound, exactly as published: the vector's ESP bytes behind an outer
 * IPv4 or IPv6 header go in, the vector's payload comes out, with the
 * sequence number (ESN: all 64 bits, inferred from the low 32 as RFC 4303
 * Appendix A says) taken into the window. Transport mode for the draft's
 * packets (next header 1), tunnel mode for RFC 7634's (next header 4).
 *
 * Outbound: our IV is the sequence number and no vector's IV is, so the
 * expected packets were computed offline by esp_vectors_gen.py with
 * python3-cryptography (see esp_vectors.h), byte for byte including the
 * outer header fields RFC 4303 and RFC 791 fix; then each goes back
 * through inbound.
 *
 * The HMAC suites (CBC, CTR, NULL with HMAC-SHA256/SHA1/MD5) have no
 * published ESP packets; the same script made some with
 * python3-cryptography from the RFCs' framing, run the same way.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <intel-ipsec-mb.h>

#include "mg_esp.h"
#include "esp_fixture.h"
#include "esp_vectors.h"

static bool
is_tunnel(const struct esp_vector *v)
{
	return v->nh == 4;
}

static void
vector_policy(const struct esp_vector *v, bool inbound, bool v6,
	      struct mg_esp_sa_policy *p)
{
	const struct mg_esp_suite_info *si = mg_esp_suite(v->suite);

	assert_non_null(si);
	memset(p, 0, sizeof(*p));
	p->spi = v->spi;
	p->suite = v->suite;
	p->flags = (uint16_t)((inbound ? MG_ESP_F_INBOUND : 0) |
			      (v->esn ? MG_ESP_F_ESN : 0) |
			      (is_tunnel(v) ? MG_ESP_F_TUNNEL : 0) |
			      (is_tunnel(v) && v6 ? MG_ESP_F_OUTER_V6 : 0));
	memcpy(p->local, v6 ? (inbound ? addr6_b : addr6_a) :
			      (inbound ? addr_b : addr_a), 16);
	memcpy(p->remote, v6 ? (inbound ? addr6_a : addr6_b) :
			       (inbound ? addr_a : addr_b), 16);
	/* Both sides stand just before the vector's packet: the sender
	 * sent seq - 1 last, the receiver received it. */
	p->seq = v->seq - 1;
	memcpy(p->enc_key, v->key, si->key_len);
	memcpy(p->salt, v->salt, sizeof(p->salt));
	memcpy(p->auth_key, v->auth_key, si->auth_key_len);
}

/* The outer header from a to b around the vector's ESP bytes. */
static uint16_t
wrap(const struct esp_vector *v, bool v6, uint8_t *out)
{
	uint16_t hl = v6 ? IP6_LEN : IP4_LEN;

	if (v6)
		ip6_build(out, v->esp_len, PROTO_ESP, addr6_a, addr6_b);
	else
		ip4_build(out, (uint16_t)(IP4_LEN + v->esp_len), PROTO_ESP,
			  addr_a, addr_b);
	memcpy(out + hl, v->esp, v->esp_len);
	return (uint16_t)(hl + v->esp_len);
}

/* What inbound must give back: the inner packet (tunnel), or the outer
 * header with ESP taken out and next header in its place (transport). */
static uint16_t
expected_plain(const struct esp_vector *v, bool v6, uint8_t *out)
{
	uint16_t hl = v6 ? IP6_LEN : IP4_LEN;

	if (is_tunnel(v)) {
		memcpy(out, v->payload, v->payload_len);
		return v->payload_len;
	}
	if (v6)
		ip6_build(out, v->payload_len, v->nh, addr6_a, addr6_b);
	else
		ip4_build(out, (uint16_t)(IP4_LEN + v->payload_len), v->nh,
			  addr_a, addr_b);
	memcpy(out + hl, v->payload, v->payload_len);
	return (uint16_t)(hl + v->payload_len);
}

static void
inbound_one(const struct esp_vector *v, bool v6)
{
	struct mg_esp_sa_policy p;
	struct mg_esp_sa *rx;
	uint8_t wire[BUF], plain[BUF];
	uint16_t wire_len, plain_len;
	struct buf b;

	print_message("%s (%s), outer IPv%d\n", v->name, v->source,
		      v6 ? 6 : 4);
	vector_policy(v, true, v6, &p);
	rx = sa_new(&p);
	wire_len = wrap(v, v6, wire);
	plain_len = expected_plain(v, v6, plain);
	buf_load(&b, wire, wire_len, HEAD);
	expect_status(xform(rx, false, &b), MG_ESP_OK);
	assert_int_equal(b.len, plain_len);
	assert_memory_equal(b.data, plain, plain_len);
	assert_int_equal(mg_esp_sa_seq(rx), v->seq);
	assert_int_equal(mg_esp_sa_stats(rx)->packets, 1);
	assert_int_equal(mg_esp_sa_stats(rx)->bytes, v->payload_len);
	assert_int_equal(mg_esp_sa_stats(rx)->late, 0);
	/* And once is all. */
	buf_load(&b, wire, wire_len, HEAD);
	expect_status(xform(rx, false, &b), MG_ESP_E_REPLAY);
	sa_drop(rx);
}

static void
vectors_inbound(void **state)
{
	(void)state;
	for (size_t i = 0; i < ESP_NB_VECTORS; i++) {
		inbound_one(&esp_vectors[i], false);
		inbound_one(&esp_vectors[i], true);
	}
}

/* RFC 4303 Appendix A2.2 from the other side of the window: the
 * receiver is already 10 ahead of the vector's packet, so the packet is
 * late, and its high 32 bits must be inferred as the top's, not the
 * next ones. Where the low 32 bits are 0 or small this is the case
 * that needs the subtraction done modulo 2^32. */
static void
vectors_inbound_late(void **state)
{
	(void)state;
	for (size_t i = 0; i < ESP_NB_VECTORS; i++) {
		const struct esp_vector *v = &esp_vectors[i];
		struct mg_esp_sa_policy p;
		struct mg_esp_sa *rx;
		uint8_t wire[BUF], plain[BUF];
		uint16_t wire_len, plain_len;
		struct buf b;

		if (!v->esn || v->seq > UINT64_MAX - 10)
			continue;
		print_message("%s, late by 10\n", v->name);
		vector_policy(v, true, false, &p);
		p.seq = v->seq + 10;
		rx = sa_new(&p);
		wire_len = wrap(v, false, wire);
		plain_len = expected_plain(v, false, plain);
		buf_load(&b, wire, wire_len, HEAD);
		expect_status(xform(rx, false, &b), MG_ESP_OK);
		assert_int_equal(b.len, plain_len);
		assert_memory_equal(b.data, plain, plain_len);
		assert_int_equal(mg_esp_sa_seq(rx), v->seq + 10);
		assert_int_equal(mg_esp_sa_stats(rx)->late, 1);
		sa_drop(rx);
	}
}

/* Every vector in one inbound burst, each packet with its own SA. */
static void
vectors_inbound_one_burst(void **state)
{
	static struct buf b[ESP_NB_VECTORS];
	struct mg_esp_pkt pk[ESP_NB_VECTORS];
	struct mg_esp_sa_policy p;
	uint8_t wire[BUF], plain[BUF];
	uint16_t ok;

	(void)state;
	for (size_t i = 0; i < ESP_NB_VECTORS; i++) {
		vector_policy(&esp_vectors[i], true, false, &p);
		buf_load(&b[i], wire, wrap(&esp_vectors[i], false, wire), HEAD);
		pk[i] = buf_pkt(&b[i], sa_new(&p));
	}
	ok = mg_esp_inbound_burst(mgr, pk, ESP_NB_VECTORS);
	burst_done(b, pk, ESP_NB_VECTORS, ok);
	for (size_t i = 0; i < ESP_NB_VECTORS; i++) {
		uint16_t len = expected_plain(&esp_vectors[i], false, plain);

		expect_status(pk[i].status, MG_ESP_OK);
		assert_int_equal(b[i].len, len);
		assert_memory_equal(b[i].data, plain, len);
	}
}

/* The outer header outbound writes: RFC 791 / 8200 fields checked one by
 * one; tunnel mode makes a new one from the policy, transport mode keeps
 * the inner one with protocol 50 and the new length. */
static void
check_outer(const struct esp_vector *v, bool v6, const uint8_t *h,
	    const uint8_t *inner, uint16_t esp_len, uint8_t ttl)
{
	const uint8_t *src = v6 ? addr6_a : addr_a;
	const uint8_t *dst = v6 ? addr6_b : addr_b;

	if (v6) {
		assert_int_equal(h[0] >> 4, 6);
		assert_int_equal(get16(h + 4), esp_len);
		assert_int_equal(h[6], PROTO_ESP);
		assert_int_equal(h[7], is_tunnel(v) ? ttl : inner[7]);
		assert_memory_equal(h + 8, src, 16);
		assert_memory_equal(h + 24, dst, 16);
		return;
	}
	assert_int_equal(h[0], 0x45);
	assert_int_equal(get16(h + 2), IP4_LEN + esp_len);
	assert_int_equal(get16(h + 6) & 0x3fff, 0);  /* no MF, offset 0 */
	assert_int_equal(h[8], is_tunnel(v) ? ttl : inner[8]);
	assert_int_equal(h[9], PROTO_ESP);
	assert_int_equal(ip4_sum(h), 0);
	assert_memory_equal(h + 12, src, 4);
	assert_memory_equal(h + 16, dst, 4);
	if (!is_tunnel(v)) {
		/* The rest of the inner header is kept. */
		assert_int_equal(h[1], inner[1]);
		assert_int_equal(get16(h + 4), get16(inner + 4));
	}
}

static void
outbound_one(const struct esp_vector *v, bool v6)
{
	uint16_t hl = v6 ? IP6_LEN : IP4_LEN;
	struct mg_esp_sa_policy p;
	struct mg_esp_sa *tx, *rx;
	uint8_t inner[BUF];
	uint16_t inner_len;
	struct buf b;

	print_message("%s outbound, outer IPv%d\n", v->name, v6 ? 6 : 4);
	vector_policy(v, false, v6, &p);
	p.ttl = 77;
	tx = sa_new(&p);
	inner_len = expected_plain(v, v6, inner);
	buf_load(&b, inner, inner_len, HEAD);
	expect_status(xform(tx, true, &b), MG_ESP_OK);
	if (v->out_len != 0) {
		assert_int_equal(b.len, hl + v->out_len);
		check_outer(v, v6, b.data, inner, v->out_len, 77);
		assert_memory_equal(b.data + hl, v->out, v->out_len);
	} else {
		/* A random IV (CBC): all but the IV, ciphertext and ICV
		 * is known, and so is the length. */
		assert_int_equal(b.len, hl + v->esp_len);
		check_outer(v, v6, b.data, inner, v->esp_len, 77);
		assert_memory_equal(b.data + hl, v->esp, ESP_HDR);
	}
	assert_int_equal(mg_esp_sa_seq(tx), v->seq);
	assert_int_equal(mg_esp_sa_stats(tx)->packets, 1);
	assert_int_equal(mg_esp_sa_stats(tx)->bytes, v->payload_len);

	/* And back. */
	vector_policy(v, true, v6, &p);
	rx = sa_new(&p);
	expect_status(xform(rx, false, &b), MG_ESP_OK);
	assert_int_equal(b.len, inner_len);
	if (is_tunnel(v)) {
		assert_memory_equal(b.data, inner, inner_len);
	} else {
		/* Transport: the header's own fields are the sender's. */
		assert_memory_equal(b.data + hl, inner + hl, inner_len - hl);
		assert_int_equal(b.data[v6 ? 6 : 9], v->nh);
	}
	sa_drop(rx);
	sa_drop(tx);
}

static void
vectors_outbound(void **state)
{
	(void)state;
	for (size_t i = 0; i < ESP_NB_VECTORS; i++) {
		outbound_one(&esp_vectors[i], false);
		outbound_one(&esp_vectors[i], true);
	}
}

/* The HMAC suites against packets python3-cryptography made from the
 * RFCs' framing (esp_vectors.h says how): inbound as made, outbound
 * byte for byte where the IV is ours to fix (CTR, NULL), else all but
 * IV, ciphertext and ICV, and back. */
static void
hmac_vectors_inbound(void **state)
{
	(void)state;
	for (size_t i = 0; i < ESP_NB_HMAC_VECTORS; i++) {
		inbound_one(&esp_hmac_vectors[i], false);
		inbound_one(&esp_hmac_vectors[i], true);
	}
}

static void
hmac_vectors_outbound(void **state)
{
	(void)state;
	for (size_t i = 0; i < ESP_NB_HMAC_VECTORS; i++) {
		outbound_one(&esp_hmac_vectors[i], false);
		outbound_one(&esp_hmac_vectors[i], true);
	}
}

/* draft-mcgrew-gcm-test-01's 4th case uses SPI 0, which RFC 4303 §2.1
 * says is never sent: an SA for it is refused, whatever its key. */
static void
vector_spi_zero_refused(void **state)
{
	struct mg_esp_sa_policy p;
	struct mg_esp_sa *sa = NULL;

	(void)state;
	vector_policy(&esp_vectors[0], true, false, &p);
	p.spi = 0;
	p.seq = 0;
	assert_int_equal(mg_esp_sa_create(mgr, &p, &sa), -EINVAL);
	assert_null(sa);
}

/* The lengths mg_esp_suite() reports for the vectors' suites are the
 * RFCs': 4106 §3-§6 and 7634 §2 (key, 4-byte salt, 8-byte IV, 16-byte
 * ICV, 4-byte alignment). */
static void
suite_info(void **state)
{
	static const struct {
		uint16_t suite;
		uint8_t key;
	} want[] = {
		{ MG_ESP_AES_GCM_16_128, 16 },
		{ MG_ESP_AES_GCM_16_256, 32 },
		{ MG_ESP_CHACHA20_POLY1305, 32 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(want); i++) {
		const struct mg_esp_suite_info *si;

		si = mg_esp_suite(want[i].suite);

		assert_non_null(si);
		assert_int_equal(si->key_len, want[i].key);
		assert_int_equal(si->salt_len, 4);
		assert_int_equal(si->auth_key_len, 0);
		assert_int_equal(si->icv_len, 16);
		assert_int_equal(si->iv_len, 8);
		assert_int_equal(si->block, 4);
		assert_true(si->aead);
		assert_int_equal(mg_esp_suite_by_name(si->name), want[i].suite);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(suite_info),
		cmocka_unit_test_teardown(vectors_inbound, free_all),
		cmocka_unit_test_teardown(vectors_inbound_late, free_all),
		cmocka_unit_test_teardown(vectors_inbound_one_burst, free_all),
		cmocka_unit_test_teardown(vectors_outbound, free_all),
		cmocka_unit_test_teardown(hmac_vectors_inbound, free_all),
		cmocka_unit_test_teardown(hmac_vectors_outbound, free_all),
		cmocka_unit_test(vector_spi_zero_refused),
	};

	return cmocka_run_group_tests_name("esp_kat", tests, mb_mgr_setup,
					   mb_mgr_teardown);
}
