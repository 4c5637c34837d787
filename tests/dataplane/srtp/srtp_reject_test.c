/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the SRTP engine refuses, and that refusing costs nothing: every bad
 * packet gets its own status and bumps exactly its own drop counter, and
 * the context is left as it was, so the next good packet still goes
 * through. Tampering, replay, the window's left edge, wrong keys and MKIs,
 * key lifetime, hostile headers, and policies mg_srtp_ctx_create refuses.
 * The sender is our own protect with the same policy: srtp_libsrtp_test
 * already checks it against libsrtp2.
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


/* The test packet: V=2, X, CC=1, one CSRC, a two-word header extension
 * and 60 bytes of payload, so every header field a flip can hit exists. */
enum {
	OFF_SSRC = 8,
	OFF_EXT_LEN = 18,
	OFF_PAYLOAD = 28,
	PLAIN_LEN = OFF_PAYLOAD + 60,
};


struct sealed {
	uint8_t plain[BUF], wire[BUF];
	uint16_t plain_len, wire_len;
};

/* A sender and a receiver made from one policy, and the next seq. */
struct flow {
	struct mg_srtp_ctx *tx, *rx;
	uint16_t seq;
};

static void
make_rtp(uint8_t *p, uint16_t seq)
{
	memset(p, 0, PLAIN_LEN);
	p[0] = 0x80 | 0x10 | 1;
	p[1] = 96;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	be32(p + 4, seq * 160u);
	be32(p + OFF_SSRC, SSRC);
	be32(p + 12, 0xc5c5c5c5);
	p[16] = 0xbe;
	p[17] = 0xde;
	p[OFF_EXT_LEN + 1] = 2;
	for (int i = 20; i < OFF_PAYLOAD; i++)
		p[i] = (uint8_t)(0x10 + i);
	for (int i = OFF_PAYLOAD; i < PLAIN_LEN; i++)
		p[i] = (uint8_t)(seq * 31 + i);
}

static void
flow_init(struct flow *f, uint16_t suite, uint16_t window)
{
	struct mg_srtp_policy p;

	policy_init(&p, suite, 0x42);
	p.window = window;
	f->tx = ctx_new(&p);
	f->rx = ctx_new(&p);
	f->seq = 100;
}

static void
seal(struct mg_srtp_ctx *tx, uint16_t seq, struct sealed *s)
{
	make_rtp(s->plain, seq);
	s->plain_len = PLAIN_LEN;
	memcpy(s->wire, s->plain, PLAIN_LEN);
	s->wire_len = PLAIN_LEN;
	expect_status(xform(tx, true, s->wire, &s->wire_len, BUF), MG_SRTP_OK);
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
	ok = mg_srtp_unprotect_burst(mgr, b, n);
	for (uint16_t i = 0; i < n; i++) {
		if (b[i].status != want[i])
			fail_msg("burst[%u] of %u: %s, want %s", i, n,
				 mg_srtp_status_str(b[i].status),
				 mg_srtp_status_str(want[i]));
		if (want[i] != MG_SRTP_OK) {
			exp.drops[want[i]]++;
			continue;
		}
		assert_int_equal(b[i].len, s[i]->plain_len);
		assert_memory_equal(buf[i], s[i]->plain, b[i].len);
		exp.packets++;
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

/* The next in-sequence packet still goes both ways. */
static void
roundtrip(struct flow *f)
{
	struct sealed s;

	seal(f->tx, f->seq++, &s);
	open1(f->rx, &s, MG_SRTP_OK);
}

/* What a flip at pos may legitimately be refused as. */
static uint32_t
flip_outcomes(uint16_t pos)
{
	if (pos == 0) /* V, P, X, CC: the header may no longer parse */
		return BIT(MG_SRTP_E_VERSION) | BIT(MG_SRTP_E_CSRC) |
		       BIT(MG_SRTP_E_EXTENSION) | BIT(MG_SRTP_E_AUTH);
	if (pos == 2 || pos == 3) /* seq: the index may point behind */
		return BIT(MG_SRTP_E_AUTH) | BIT(MG_SRTP_E_REPLAY) |
		       BIT(MG_SRTP_E_TOO_OLD);
	if (pos >= OFF_SSRC && pos < OFF_SSRC + 4)
		return BIT(MG_SRTP_E_SSRC);
	if (pos == OFF_EXT_LEN || pos == OFF_EXT_LEN + 1)
		return BIT(MG_SRTP_E_EXTENSION) | BIT(MG_SRTP_E_AUTH);
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

	flow_init(&f, suite, 0);
	for (int i = 0; i < 5; i++)
		roundtrip(&f);
	seal(f.tx, f.seq++, &victim);
	for (uint16_t pos = 0; pos < victim.wire_len; pos++) {
		for (size_t m = 0; m < NELEM(flips); m++) {
			uint8_t buf[BUF];

			memcpy(buf, victim.wire, victim.wire_len);
			buf[pos] ^= flips[m];
			auth += refused(f.rx, false, buf, victim.wire_len, BUF,
					flip_outcomes(pos)) == MG_SRTP_E_AUTH;
			total++;
		}
	}
	/* Only the SSRC, seq, first byte and extension length are parsed
	 * before the tag: everything else is caught by the tag alone. */
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

/* Delivered twice, one after the other, then two copies in one burst:
 * both copies pass the check before the jobs run, so the second must be
 * caught once the first has committed its index. */
static void
replay(void **state)
{
	static const uint16_t want[] = { MG_SRTP_OK, MG_SRTP_E_REPLAY };
	const struct sealed *two[2];
	struct sealed s;
	struct flow f;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0);
	seal(f.tx, f.seq++, &s);
	open1(f.rx, &s, MG_SRTP_OK);
	open1(f.rx, &s, MG_SRTP_E_REPLAY);
	roundtrip(&f);
	seal(f.tx, f.seq++, &s);
	two[0] = two[1] = &s;
	open_burst(f.rx, two, 2, want);
	roundtrip(&f);
}

/* RFC 3711 §3.3.2: with window 64 and top 1000, index 936 is left of
 * the window and 937 is its last slot. Then a jump of two 64-index
 * buckets: 1129 is behind the new top and never received, though the
 * slot it maps to held 1001 two laps ago. */
static void
too_old_and_late(void **state)
{
	struct sealed edge, last_in, top, next, lap_top, lap_late;
	struct flow f;
	uint64_t late;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 64);
	seal(f.tx, 1000 - 64, &edge);
	seal(f.tx, 1000 - 63, &last_in);
	seal(f.tx, 1000, &top);
	seal(f.tx, 1001, &next);
	seal(f.tx, 1001 + 128, &lap_late);
	seal(f.tx, 1001 + 129, &lap_top);
	open1(f.rx, &top, MG_SRTP_OK);
	open1(f.rx, &edge, MG_SRTP_E_TOO_OLD);
	late = mg_srtp_ctx_stats(f.rx)->late;
	open1(f.rx, &last_in, MG_SRTP_OK);
	assert_int_equal(mg_srtp_ctx_stats(f.rx)->late, late + 1);
	open1(f.rx, &next, MG_SRTP_OK);
	assert_int_equal(mg_srtp_ctx_stats(f.rx)->late, late + 1);
	open1(f.rx, &lap_top, MG_SRTP_OK);
	open1(f.rx, &lap_late, MG_SRTP_OK);
	assert_int_equal(mg_srtp_ctx_stats(f.rx)->late, late + 2);
}

/* 1000 is new when the burst starts; 2000, ahead of it in the burst,
 * pushes it out of the window. It was never received: too old, and
 * counted so, not as a replay. */
static void
too_old_inside_one_burst(void **state)
{
	static const uint16_t want[] = { MG_SRTP_OK, MG_SRTP_E_TOO_OLD };
	struct sealed ahead, behind, next;
	const struct sealed *two[] = { &ahead, &behind };
	struct flow f;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 64);
	seal(f.tx, 1000, &behind);
	seal(f.tx, 2000, &ahead);
	seal(f.tx, 2001, &next);
	open_burst(f.rx, two, 2, want);
	open1(f.rx, &next, MG_SRTP_OK);
}

/* The forged packet uses the seq the good one will: a refused packet
 * must not take its index. */
static void
wrong_master_key(void **state)
{
	struct mg_srtp_policy p;
	struct mg_srtp_ctx *other;
	struct sealed s;
	struct flow f;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0);
	policy_init(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0x99);
	other = ctx_new(&p);
	seal(other, f.seq, &s);
	open1(f.rx, &s, MG_SRTP_E_AUTH);
	roundtrip(&f);
}

/* RFC 3711 §3.1: the MKI is not authenticated, it only selects a key:
 * an unknown one is refused before crypto, the other master's fails auth. */
static void
wrong_mki(void **state)
{
	struct mg_srtp_ctx *tx[2], *rx;
	struct mg_srtp_policy p;
	struct sealed s;

	(void)state;
	policy_init(&p, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0x42);
	p.mki_len = 2;
	p.nb_masters = 2;
	p.masters[0].mki[1] = 1;
	p.masters[1].mki[1] = 2;
	rx = ctx_new(&p);
	tx[0] = ctx_new(&p);
	p.active = 1;
	tx[1] = ctx_new(&p);
	for (uint8_t m = 0; m < 2; m++) {
		uint8_t *mki;

		seal(tx[m], (uint16_t)(m + 1), &s);
		mki = s.wire + PLAIN_LEN; /* MKI, then the 10-byte tag */
		assert_int_equal(s.wire_len, PLAIN_LEN + 2 + 10);
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

/* A used-up master key protects nothing more, and a receiver refuses the
 * packet past its lifetime even when the sender allowed more. */
static void
lifetime_one_by_one(void **state)
{
	struct mg_srtp_ctx *tx = ctx_lifetime(5), *big = ctx_lifetime(10);
	struct mg_srtp_ctx *rx = ctx_lifetime(5);
	struct sealed s;
	uint8_t buf[BUF];

	(void)state;
	for (uint16_t seq = 1; seq <= 5; seq++) {
		seal(tx, seq, &s);
		open1(rx, &s, MG_SRTP_OK);
	}
	make_rtp(buf, 6);
	expect_status(refused(tx, true, buf, PLAIN_LEN, BUF,
			      BIT(MG_SRTP_E_LIFETIME)), MG_SRTP_E_LIFETIME);
	for (uint16_t seq = 6; seq <= 7; seq++) {
		seal(big, seq, &s);
		open1(rx, &s, MG_SRTP_E_LIFETIME);
	}
}

/* The same six packets in one burst each way: the check made before the
 * jobs run must count the packets ahead of it in the burst. */
static void
lifetime_in_one_burst(void **state)
{
	static const uint16_t want[6] = { [5] = MG_SRTP_E_LIFETIME };
	struct mg_srtp_ctx *tx = ctx_lifetime(5), *big = ctx_lifetime(10);
	struct mg_srtp_ctx *rx = ctx_lifetime(5);
	struct mg_srtp_pkt b[6];
	struct sealed s[6];
	const struct sealed *ps[6];
	uint8_t buf[6][BUF];

	(void)state;
	for (uint16_t i = 0; i < 6; i++) {
		make_rtp(buf[i], (uint16_t)(i + 1));
		b[i] = (struct mg_srtp_pkt){ .data = buf[i], .len = PLAIN_LEN,
					     .cap = BUF, .ctx = tx };
		seal(big, (uint16_t)(i + 1), &s[i]);
		ps[i] = &s[i];
	}
	assert_int_equal(mg_srtp_protect_burst(mgr, b, 6), 5);
	expect_status(b[5].status, MG_SRTP_E_LIFETIME);
	assert_int_equal(mg_srtp_ctx_stats(tx)->drops[MG_SRTP_E_LIFETIME], 1);
	open_burst(rx, ps, 6, want);
}

/* A packet that lies about its own layout. Bytes not named are 0; the
 * seq is the flow's next, so a refusal that took the index would break
 * the round trip after it. */
struct hostile {
	const char *name;
	bool protect;
	uint8_t b0;          /* V, P, X, CC */
	uint16_t len, cap;   /* cap 0: exactly len */
	uint16_t ext_words;  /* bytes 14-15: the length word when X, CC=0 */
	uint8_t last;        /* the last byte: padding count when P */
	uint32_t ssrc_xor;
	uint16_t want;
};

#define RX(name, b0, len, ext, ssrc_xor, st) \
	{ name, false, b0, len, 0, ext, 0, ssrc_xor, MG_SRTP_E_##st }
#define TX(name, b0, len, cap, last, st) \
	{ name, true, b0, len, cap, 0, last, 0, MG_SRTP_E_##st }

/* Unprotect with a 10-byte tag: the header must fit in len - 10. */
static const struct hostile hostile[] = {
	RX("1 byte", 0x80, 1, 0, 0, TRUNCATED),
	RX("header + tag - 1", 0x80, 21, 0, 0, TRUNCATED),
	RX("version 0", 0x00, 40, 0, 0, VERSION),
	RX("version 1", 0x40, 40, 0, 0, VERSION),
	RX("version 3", 0xc0, 40, 0, 0, VERSION),
	RX("CC=15 in 40 bytes", 0x8f, 40, 0, 0, CSRC),
	RX("CC=15, one byte short", 0x8f, 12 + 60 + 10 - 1, 0, 0, CSRC),
	RX("X, nothing after header", 0x90, 12 + 10, 0, 0, EXTENSION),
	RX("X, 3 bytes after header", 0x90, 15 + 10, 0, 0, EXTENSION),
	RX("X, length one word past", 0x90, 24 + 10, 3, 0, EXTENSION),
	RX("X, length 0xffff", 0x90, 60, 0xffff, 0, EXTENSION),
	RX("wrong SSRC", 0x80, 40, 0, 1, SSRC),
	TX("protect: header cut", 0x80, 11, BUF, 0, TRUNCATED),
	/* Headers are parsed before the room check: here cap == len. */
	TX("protect: X, 1 byte after header", 0x90, 13, 13, 0, EXTENSION),
	TX("protect: CC=1, 3 bytes of CSRC", 0x81, 15, 15, 0, CSRC),
	TX("protect: P, count 0", 0xa0, 40, BUF, 0, PADDING),
	TX("protect: P, count past payload", 0xa0, 40, BUF, 29, PADDING),
	TX("protect: P, count 255", 0xa0, 40, BUF, 255, PADDING),
	TX("protect: P, no payload", 0xa0, 12, BUF, 0, PADDING),
	TX("protect: cap == len", 0x80, 40, 40, 0, NO_ROOM),
	TX("protect: cap one short of tag", 0x80, 40, 49, 0, NO_ROOM),
};

static void
hostile_build(const struct hostile *h, uint16_t seq, uint8_t *p)
{
	memset(p, 0, BUF);
	p[0] = h->b0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	be32(p + OFF_SSRC, SSRC ^ h->ssrc_xor);
	p[14] = (uint8_t)(h->ext_words >> 8);
	p[15] = (uint8_t)h->ext_words;
	if (h->len > 16)
		p[h->len - 1] = h->last;
}

/* The buffer is exactly cap bytes from malloc, so under ASan any read or
 * write past it is reported. */
static void
hostile_headers(void **state)
{
	struct flow f;

	(void)state;
	flow_init(&f, MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0);
	for (size_t i = 0; i < NELEM(hostile); i++) {
		const struct hostile *h = &hostile[i];
		uint16_t cap = h->cap ? h->cap : h->len;
		uint8_t tmp[BUF];
		uint16_t st;

		scratch = malloc(cap);
		assert_non_null(scratch);
		hostile_build(h, f.seq, tmp);
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
}

#define S80 .suite = MG_SRTP_AES_CM_128_HMAC_SHA1_80
static const struct {
	const char *name;
	int want;
	struct mg_srtp_policy p; /* keys and SSRC are filled in */
} policies[] = {
	/* Accepted rows: each refused row differs from one only in its fault. */
	{ "baseline", 0, { S80, .nb_masters = 1 } },
	{ "window 64", 0, { S80, .nb_masters = 1, .window = 64 } },
	{ "every limit at its maximum", 0, { S80, .window = MG_SRTP_WINDOW_MAX,
	  .mki_len = MG_SRTP_MKI_MAX, .nb_masters = MG_SRTP_MASTERS_MAX,
	  .active = MG_SRTP_MASTERS_MAX - 1, .lifetime = MG_SRTP_LIFETIME_MAX } },
	{ "suite 0", -EINVAL, { .nb_masters = 1 } },
	{ "suite MAX", -EINVAL, { .suite = MG_SRTP_SUITE_MAX, .nb_masters = 1 } },
	{ "window 32", -EINVAL, { S80, .nb_masters = 1, .window = 32 } },
	{ "window 8192", -EINVAL, { S80, .nb_masters = 1, .window = 8192 } },
	{ "window 100", -EINVAL, { S80, .nb_masters = 1, .window = 100 } },
	{ "no masters", -EINVAL, { S80 } },
	{ "5 masters", -EINVAL, { S80, .nb_masters = 5, .mki_len = 2 } },
	{ "active == nb_masters", -EINVAL,
	  { S80, .nb_masters = 2, .mki_len = 2, .active = 2 } },
	{ "2 masters, no MKI", -EINVAL, { S80, .nb_masters = 2 } },
	{ "mki_len 5", -EINVAL, { S80, .nb_masters = 1, .mki_len = 5 } },
	{ "unknown flag", -EINVAL, { S80, .nb_masters = 1, .flags = 1u << 7 } },
	{ "lifetime 2^48 + 1", -EINVAL,
	  { S80, .nb_masters = 1, .lifetime = MG_SRTP_LIFETIME_MAX + 1 } },
	{ "kdr_log2 25", -EINVAL, { S80, .nb_masters = 1, .kdr_log2 = 25 } },
};

static void
bad_policies(void **state)
{
	struct mg_srtp_policy keys;

	(void)state;
	policy_init(&keys, 0, 0x42);
	for (uint8_t m = 0; m < MG_SRTP_MASTERS_MAX; m++)
		keys.masters[m].mki[0] = (uint8_t)(m + 1); /* distinct MKIs */
	for (size_t i = 0; i < NELEM(policies); i++) {
		struct mg_srtp_policy p = policies[i].p;
		struct mg_srtp_ctx *c = NULL;
		int rc;

		p.ssrc = SSRC;
		memcpy(p.masters, keys.masters, sizeof(p.masters));
		rc = mg_srtp_ctx_create(mgr, &p, &c);
		track(c);
		if (rc != policies[i].want)
			fail_msg("%s: %d, want %d", policies[i].name, rc,
				 policies[i].want);
		assert_true((c != NULL) == (rc == 0));
		free_all(NULL);
	}
	/* Two masters sharing an MKI: unprotect could not tell them apart. */
	{
		struct mg_srtp_policy p = { S80, .nb_masters = 2, .mki_len = 2,
					    .ssrc = SSRC };
		struct mg_srtp_ctx *c = NULL;

		memcpy(p.masters, keys.masters, sizeof(p.masters));
		p.masters[1].mki[0] = p.masters[0].mki[0];
		assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), -EINVAL);
		assert_null(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(tamper_every_byte, free_all),
		cmocka_unit_test_teardown(replay, free_all),
		cmocka_unit_test_teardown(too_old_and_late, free_all),
		cmocka_unit_test_teardown(too_old_inside_one_burst, free_all),
		cmocka_unit_test_teardown(wrong_master_key, free_all),
		cmocka_unit_test_teardown(wrong_mki, free_all),
		cmocka_unit_test_teardown(lifetime_one_by_one, free_all),
		cmocka_unit_test_teardown(lifetime_in_one_burst, free_all),
		cmocka_unit_test_teardown(hostile_headers, free_all),
		cmocka_unit_test_teardown(bad_policies, free_all),
	};

	return cmocka_run_group_tests_name("srtp_reject", tests, mb_mgr_setup,
					  mb_mgr_teardown);
}
