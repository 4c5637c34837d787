/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the SRTCP engine (RFC 3711 §3.4) refuses, held to the same rule as
 * srtp_reject_test: every bad packet gets its own status, bumps exactly its
 * own drop counter, and leaves the context as it was, so the next good
 * packet still goes through. Tampering, replay, the window's left edge, a
 * cleared E flag, wrong keys and MKIs, lifetime, hostile headers, and the
 * tag SRTCP keeps under UNAUTHENTICATED_SRTP. The sender is our own
 * protect: srtp_libsrtp_test already checks it against libsrtp2.
 */
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
#define REJECT_PROTECT mg_srtcp_protect_burst
#define REJECT_UNPROTECT mg_srtcp_unprotect_burst
#include "reject_fixture.h"

#define E_BIT 0x80000000u

/* The test packet: one sender report with one report block (RC=1, PT 200),
 * 13 words, so the length word is 12. */
enum {
	OFF_LEN = 2,
	OFF_SSRC = 4,
	PLAIN_LEN = 52,
	TRAILER80 = 4 + 10, /* E||index, then the 10-byte tag, no MKI */
};

struct sealed {
	uint8_t plain[PLAIN_LEN], wire[BUF];
	uint16_t wire_len;
};

/* A sender and a receiver from one policy, and the SRTCP index the
 * sender must use next: a refused protect may not spend one. */
struct flow {
	struct mg_srtp_ctx *tx, *rx;
	uint32_t next;
};

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

/* `salt` varies the body so no two test packets share a plaintext. */
static void
make_rtcp(uint8_t *p, uint32_t salt)
{
	p[0] = 0x80 | 1;
	p[1] = 200;
	p[OFF_LEN] = 0;
	p[OFF_LEN + 1] = PLAIN_LEN / 4 - 1;
	be32(p + OFF_SSRC, SSRC);
	for (int i = 8; i < PLAIN_LEN; i++)
		p[i] = (uint8_t)(salt * 31 + i);
}

static void
flow_init(struct flow *f, uint16_t suite, uint16_t window, uint16_t flags)
{
	struct mg_srtp_policy p;

	policy_init(&p, suite, 0x42);
	p.window = window;
	p.flags = flags;
	f->tx = ctx_new(&p);
	f->rx = ctx_new(&p);
	f->next = 0;
}

/* Protect a fresh packet; returns the E||index it was sent with. */
static uint32_t
seal(struct mg_srtp_ctx *tx, uint32_t salt, struct sealed *s)
{
	make_rtcp(s->plain, salt);
	memcpy(s->wire, s->plain, PLAIN_LEN);
	s->wire_len = PLAIN_LEN;
	expect_status(xform(tx, true, s->wire, &s->wire_len, BUF), MG_SRTP_OK);
	/* GCM's trailer (tag 16, E||index, no MKI here) is the only 20-byte
	 * one: AES-CM's is at most 4 + 4 + 10. */
	return get32(s->wire + PLAIN_LEN + (s->wire_len - PLAIN_LEN == 20 ?
					    16 : 0));
}

/* Copies of s[0..n) unprotected in one burst: packet i must end as want[i],
 * give back its plaintext if OK, and the counters must move by exactly
 * those outcomes (late is checked where it matters). */
static void
open_burst(struct mg_srtp_ctx *rx, const struct sealed *const *s,
	   uint16_t n, const uint16_t *want)
{
	static uint8_t buf[MG_SRTP_BURST_MAX][BUF];
	struct mg_srtp_stats exp = *mg_srtp_ctx_stats(rx);
	struct mg_srtp_pkt b[MG_SRTP_BURST_MAX];
	uint16_t ok, good = 0;

	for (uint16_t i = 0; i < n; i++) {
		memcpy(buf[i], s[i]->wire, s[i]->wire_len);
		b[i] = (struct mg_srtp_pkt){ .data = buf[i],
			.len = s[i]->wire_len, .cap = BUF, .ctx = rx };
	}
	ok = mg_srtcp_unprotect_burst(mgr, b, n);
	for (uint16_t i = 0; i < n; i++) {
		if (b[i].status != want[i])
			fail_msg("burst[%u] of %u: %s, want %s", i, n,
				 mg_srtp_status_str(b[i].status),
				 mg_srtp_status_str(want[i]));
		if (want[i] != MG_SRTP_OK) {
			exp.drops[want[i]]++;
			continue;
		}
		assert_int_equal(b[i].len, PLAIN_LEN);
		assert_memory_equal(buf[i], s[i]->plain, b[i].len);
		exp.packets++;
		exp.rtcp_packets++;
		exp.bytes += b[i].len;
		good++;
	}
	assert_int_equal(ok, good);
	exp.late = mg_srtp_ctx_stats(rx)->late;
	assert_memory_equal(&exp, mg_srtp_ctx_stats(rx), sizeof(exp));
}

static void
open1(struct mg_srtp_ctx *rx, const struct sealed *s, uint16_t want)
{
	open_burst(rx, &s, 1, &want);
}

/* The next packet still goes both ways, with the index the sender owes. */
static void
roundtrip(struct flow *f)
{
	struct sealed s;
	uint32_t ei = seal(f->tx, f->next, &s);

	assert_int_equal(ei & ~E_BIT, f->next);
	f->next++;
	open1(f->rx, &s, MG_SRTP_OK);
}

/* What a flip at pos may legitimately be refused as; E||index sits at
 * PLAIN_LEN + ei_off (after the tag with GCM). */
static uint32_t
flip_outcomes(uint16_t pos, uint16_t ei_off)
{
	if (pos == 0) /* V, P, RC */
		return BIT(MG_SRTP_E_VERSION) | BIT(MG_SRTP_E_TRUNCATED) |
		       BIT(MG_SRTP_E_AUTH);
	if (pos == OFF_LEN || pos == OFF_LEN + 1)
		return BIT(MG_SRTP_E_TRUNCATED) | BIT(MG_SRTP_E_AUTH);
	if (pos >= OFF_SSRC && pos < OFF_SSRC + 4)
		return BIT(MG_SRTP_E_SSRC);
	if (pos >= PLAIN_LEN + ei_off && pos < PLAIN_LEN + ei_off + 4)
		return BIT(MG_SRTP_E_AUTH) | BIT(MG_SRTP_E_REPLAY) |
		       BIT(MG_SRTP_E_TOO_OLD) | BIT(MG_SRTP_E_CLEARTEXT);
	return BIT(MG_SRTP_E_AUTH);
}

/* Every single-bit flip and the all-ones flip of every byte. */
static const uint8_t flips[] = { 1, 2, 4, 8, 16, 32, 64, 128, 0xff };

static void
tamper_suite(uint16_t suite)
{
	struct flow f;
	struct sealed victim;
	unsigned total = 0, auth = 0;
	uint16_t ei_off = suite >= MG_SRTP_AEAD_AES_128_GCM ? 16 : 0;

	flow_init(&f, suite, 0, 0);
	for (int i = 0; i < 5; i++)
		roundtrip(&f);
	seal(f.tx, f.next++, &victim);
	for (uint16_t pos = 0; pos < victim.wire_len; pos++) {
		for (size_t m = 0; m < NELEM(flips); m++) {
			uint8_t buf[BUF];
			uint16_t st;

			memcpy(buf, victim.wire, victim.wire_len);
			buf[pos] ^= flips[m];
			st = refused(f.rx, false, buf, victim.wire_len, BUF,
				     flip_outcomes(pos, ei_off));
			if (pos == PLAIN_LEN + ei_off && (flips[m] & 0x80))
				expect_status(st, MG_SRTP_E_CLEARTEXT);
			auth += st == MG_SRTP_E_AUTH;
			total++;
		}
	}
	/* Only the header and E||index are read before the tag: everything
	 * else is caught by HMAC alone. */
	assert_true(auth * 4 > total * 3);
	open1(f.rx, &victim, MG_SRTP_OK);
	roundtrip(&f);
}

static void
tamper_every_byte(void **state)
{
	(void)state;
	tamper_suite(MG_SRTP_AES_CM_128_HMAC_SHA1_80);
	tamper_suite(MG_SRTP_AES_CM_128_HMAC_SHA1_32);
	tamper_suite(MG_SRTP_AEAD_AES_128_GCM);
	tamper_suite(MG_SRTP_AEAD_AES_256_GCM);
}

/* Delivered twice, then two copies in one burst: both pass the check made
 * before the jobs run, so the second must lose once the first commits. */
static void
replay(void **state)
{
	static const uint16_t want[] = { MG_SRTP_OK, MG_SRTP_E_REPLAY };
	const struct sealed *two[2];
	struct sealed s;
	struct flow f;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0, 0);
	seal(f.tx, f.next++, &s);
	open1(f.rx, &s, MG_SRTP_OK);
	open1(f.rx, &s, MG_SRTP_E_REPLAY);
	roundtrip(&f);
	seal(f.tx, f.next++, &s);
	two[0] = two[1] = &s;
	open_burst(f.rx, two, 2, want);
	roundtrip(&f);
}

/* RFC 3711 §3.3.2 on the 31-bit SRTCP index: with window 64 and top 100,
 * index 36 is left of the window and 37 is its last slot. */
static void
too_old_and_late(void **state)
{
	static struct sealed s[101];
	struct flow f;
	uint64_t late;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 64, 0);
	for (uint32_t i = 0; i < NELEM(s); i++)
		assert_int_equal(seal(f.tx, i, &s[i]), E_BIT | i);
	f.next = NELEM(s);
	open1(f.rx, &s[100], MG_SRTP_OK);
	open1(f.rx, &s[36], MG_SRTP_E_TOO_OLD);
	late = mg_srtp_ctx_stats(f.rx)->late;
	open1(f.rx, &s[37], MG_SRTP_OK);
	assert_int_equal(mg_srtp_ctx_stats(f.rx)->late, late + 1);
	roundtrip(&f);
	assert_int_equal(mg_srtp_ctx_stats(f.rx)->late, late + 1);
}

/* RFC 3711 §3.4: E=0 is allowed only where the policy does not encrypt.
 * Same keys throughout; each receiver takes index 0 first and index 1
 * next, so a refusal that took its index would show. */
static void
cleartext_downgrade(void **state)
{
	struct mg_srtp_ctx *tx_clear, *tx_enc, *rx_clear, *rx_enc;
	struct mg_srtp_policy p;
	struct sealed clear, enc0, enc1;

	(void)state;
	policy_init(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0x42);
	tx_enc = ctx_new(&p);
	rx_enc = ctx_new(&p);
	p.flags = MG_SRTP_F_UNENCRYPTED_SRTCP;
	tx_clear = ctx_new(&p);
	rx_clear = ctx_new(&p);
	assert_int_equal(seal(tx_clear, 0, &clear), 0);
	/* Sent as is, but still authenticated. */
	assert_memory_equal(clear.wire, clear.plain, PLAIN_LEN);
	assert_int_equal(clear.wire_len, PLAIN_LEN + TRAILER80);
	assert_int_equal(seal(tx_enc, 1, &enc0), E_BIT | 0);
	assert_int_equal(seal(tx_enc, 2, &enc1), E_BIT | 1);
	assert_memory_not_equal(enc0.wire + 8, enc0.plain + 8, PLAIN_LEN - 8);
	refused(rx_enc, false, clear.wire, clear.wire_len, BUF,
		BIT(MG_SRTP_E_CLEARTEXT));
	open1(rx_enc, &enc0, MG_SRTP_OK);
	/* E=1 to a receiver that allows clear: decryptable, so taken. */
	open1(rx_clear, &clear, MG_SRTP_OK);
	open1(rx_clear, &enc1, MG_SRTP_OK);
}

static void
mki_policy(struct mg_srtp_policy *p, uint8_t seed)
{
	policy_init(p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, seed);
	p->mki_len = 2;
	p->nb_masters = 2;
	p->masters[0].mki[1] = 1;
	p->masters[1].mki[1] = 2;
}

/* Another key under the right MKI fails the tag and does not take the
 * index. RFC 3711 §3.4: the MKI sits between E||index and the tag; an
 * unknown one is refused before crypto, the other master's fails the
 * tag. Master m sends index m (each sender starts at 0: m throwaway
 * packets first), so the two never collide in the receiver's window. */
static void
wrong_key_and_mki(void **state)
{
	struct mg_srtp_ctx *tx[2], *rx;
	struct mg_srtp_policy p;
	struct sealed s;

	(void)state;
	mki_policy(&p, 0x99);
	assert_int_equal(seal(ctx_new(&p), 0, &s), E_BIT | 0);
	mki_policy(&p, 0x42);
	rx = ctx_new(&p);
	open1(rx, &s, MG_SRTP_E_AUTH);
	tx[0] = ctx_new(&p);
	p.active = 1;
	tx[1] = ctx_new(&p);
	for (uint8_t m = 0; m < 2; m++) {
		uint8_t *mki = s.wire + PLAIN_LEN + 4;

		for (uint8_t i = 0; i < m; i++)
			seal(tx[m], 99, &s);
		assert_int_equal(seal(tx[m], m, &s), E_BIT | m);
		assert_int_equal(s.wire_len, PLAIN_LEN + 4 + 2 + 10);
		assert_int_equal(mki[0], 0);
		assert_int_equal(mki[1], m + 1);
		mki[1] = 3;
		open1(rx, &s, MG_SRTP_E_MKI);
		mki[1] = (uint8_t)(2 - m);
		open1(rx, &s, MG_SRTP_E_AUTH);
		mki[1] = (uint8_t)(m + 1);
		open1(rx, &s, MG_SRTP_OK);
	}
}

static struct mg_srtp_ctx *
ctx_lifetime(uint64_t lifetime)
{
	struct mg_srtp_policy p;

	policy_init(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0x42);
	p.lifetime = lifetime;
	return ctx_new(&p);
}

/* A used-up master protects nothing more, and a receiver refuses the
 * packet past its own lifetime even when the sender allowed more: one
 * by one, and in one burst, where the check made before the jobs run
 * must count the packets ahead of it. */
static void
lifetime(void **state)
{
	static const uint16_t want[4] = { [3] = MG_SRTP_E_LIFETIME };
	struct mg_srtp_ctx *tx = ctx_lifetime(3), *big = ctx_lifetime(10);
	struct mg_srtp_ctx *rx = ctx_lifetime(3), *rx_burst = ctx_lifetime(3);
	const struct sealed *ps[4];
	struct sealed s[4];
	uint8_t buf[BUF];

	(void)state;
	for (uint32_t i = 0; i < 4; i++) {
		seal(big, i, &s[i]);
		ps[i] = &s[i];
	}
	open_burst(rx_burst, ps, 4, want);
	for (uint32_t i = 0; i < 3; i++) {
		seal(tx, i, &s[0]);
		open1(rx, &s[0], MG_SRTP_OK);
	}
	make_rtcp(buf, 3);
	refused(tx, true, buf, PLAIN_LEN, BUF, BIT(MG_SRTP_E_LIFETIME));
	open1(rx, &s[3], MG_SRTP_E_LIFETIME);
}

/* A packet that lies about its own layout. Bytes not named are 0. */
struct hostile {
	const char *name;
	bool protect;
	uint8_t b0;          /* V, P, RC */
	uint16_t len, cap;   /* cap 0: exactly len */
	uint16_t words;      /* the length word */
	uint32_t ssrc_xor;
	uint16_t want;
};

#define RX(name, b0, len, words, ssrc_xor, st) \
	{ name, false, b0, len, 0, words, ssrc_xor, MG_SRTP_E_##st }
#define TX(name, b0, len, cap, words, st) \
	{ name, true, b0, len, cap, words, 0, MG_SRTP_E_##st }

/* Unprotect with a 10-byte tag: the RTCP packet is len - 14 bytes. */
static const struct hostile hostile[] = {
	RX("1 byte", 0x80, 1, 0, 0, TRUNCATED),
	RX("header + trailer - 1", 0x80, 8 + TRAILER80 - 1, 0, 0, TRUNCATED),
	RX("version 1", 0x40, 32 + TRAILER80, 7, 0, VERSION),
	/* No rows for a lying length word: that is the RTCP parser's
	 * business, not SRTCP's, which protects the compound packet as
	 * opaque bytes (RFC 7714 §17's own packet claims 56 bytes in 52). */
	RX("wrong SSRC", 0x80, 32 + TRAILER80, 7, 1, SSRC),
	TX("protect: 7 bytes", 0x80, 7, BUF, 0, TRUNCATED),
	TX("protect: version 1", 0x40, 32, BUF, 7, VERSION),
	TX("protect: cap == len", 0x80, 32, 32, 7, NO_ROOM),
	TX("protect: cap one short of tag", 0x80, 32, 32 + TRAILER80 - 1, 7,
	   NO_ROOM),
};

static void
hostile_build(const struct hostile *h, uint8_t *p)
{
	memset(p, 0, BUF);
	p[0] = h->b0;
	p[1] = 200;
	p[OFF_LEN] = (uint8_t)(h->words >> 8);
	p[OFF_LEN + 1] = (uint8_t)h->words;
	be32(p + OFF_SSRC, SSRC ^ h->ssrc_xor);
	be32(p + 32, E_BIT); /* E||index where an RX row's trailer starts */
}

/* Protect into a buffer of exactly len + E||index + tag: fits, and the
 * 12-byte tag IPsec-MB writes must not land past it. */
static void
exact_fit(struct flow *f)
{
	struct sealed s = { .wire_len = PLAIN_LEN };

	scratch = malloc(PLAIN_LEN + TRAILER80);
	assert_non_null(scratch);
	make_rtcp(s.plain, f->next);
	memcpy(scratch, s.plain, PLAIN_LEN);
	expect_status(xform(f->tx, true, scratch, &s.wire_len,
			    PLAIN_LEN + TRAILER80), MG_SRTP_OK);
	assert_int_equal(s.wire_len, PLAIN_LEN + TRAILER80);
	assert_int_equal(get32(scratch + PLAIN_LEN), E_BIT | f->next++);
	memcpy(s.wire, scratch, s.wire_len);
	open1(f->rx, &s, MG_SRTP_OK);
}

/* The buffer is exactly cap bytes from malloc, so under ASan any read or
 * write past it is reported. */
static void
hostile_headers(void **state)
{
	struct flow f;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0, 0);
	for (size_t i = 0; i < NELEM(hostile); i++) {
		const struct hostile *h = &hostile[i];
		uint16_t cap = h->cap ? h->cap : h->len;
		uint8_t tmp[BUF];
		uint16_t st;

		scratch = malloc(cap);
		assert_non_null(scratch);
		hostile_build(h, tmp);
		memcpy(scratch, tmp, h->len);
		st = refused(h->protect ? f.tx : f.rx, h->protect, scratch,
			     h->len, cap, ~BIT(MG_SRTP_OK));
		if (st != h->want)
			fail_msg("%s: %s, want %s", h->name,
				 mg_srtp_status_str(st),
				 mg_srtp_status_str(h->want));
		free(scratch);
		scratch = NULL;
		roundtrip(&f);
	}
	exact_fit(&f);
	roundtrip(&f);
}

/* RFC 3711 §3.4: SRTCP authentication is mandatory, so the flag that
 * drops the SRTP tag leaves the SRTCP tag and its check in place. */
static void
unauthenticated_srtp_keeps_srtcp_tag(void **state)
{
	static const uint16_t where[] = { 1, 8, PLAIN_LEN - 1,
					  PLAIN_LEN + 4, PLAIN_LEN + 13 };
	struct sealed victim;
	struct flow f;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0,
		  MG_SRTP_F_UNAUTHENTICATED_SRTP);
	roundtrip(&f);
	seal(f.tx, f.next++, &victim);
	assert_int_equal(victim.wire_len, PLAIN_LEN + TRAILER80);
	for (size_t i = 0; i < NELEM(where); i++) {
		uint8_t buf[BUF];

		memcpy(buf, victim.wire, victim.wire_len);
		buf[where[i]] ^= 0x01;
		refused(f.rx, false, buf, victim.wire_len, BUF,
			BIT(MG_SRTP_E_AUTH));
	}
	open1(f.rx, &victim, MG_SRTP_OK);
	roundtrip(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(tamper_every_byte, free_all),
		cmocka_unit_test_teardown(replay, free_all),
		cmocka_unit_test_teardown(too_old_and_late, free_all),
		cmocka_unit_test_teardown(cleartext_downgrade, free_all),
		cmocka_unit_test_teardown(wrong_key_and_mki, free_all),
		cmocka_unit_test_teardown(lifetime, free_all),
		cmocka_unit_test_teardown(hostile_headers, free_all),
		cmocka_unit_test_teardown(unauthenticated_srtp_keeps_srtcp_tag,
					  free_all),
	};

	return cmocka_run_group_tests_name("srtcp_reject", tests, mb_mgr_setup,
					  mb_mgr_teardown);
}
