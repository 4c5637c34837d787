/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The a=ipsec attribute (control/ipsec_attr.c): the profile's own example
 * (../shared/SDP-IPSEC.md), round trips of fresh attributes, every hostile
 * attribute refused with a reason that holds no key material, and the SA
 * pair one round trip gives both ends, run through the ESP engine.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <intel-ipsec-mb.h>

#include "../../control/ipsec_attr.h"

#define K20 "AAECAwQFBgcICQoLDA0ODxAREhM=" /* 20 bytes: 00 01 .. 13 */
#define K48 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"

static int
parse(const char *s, struct mg_ipsec_attr *a, char *err)
{
	return mg_ipsec_attr_parse(s, strlen(s), a, err, 160);
}

static void
parses_the_fields(void **state)
{
	struct mg_ipsec_attr a;
	char err[160];

	(void)state;
	assert_int_equal(parse("7 ESP_AES_GCM_16_128 inline:" K20 "|2^30 "
			       "spi=1000 mode=tunnel encap=udp kdr=24 "
			       "window=2048 esn", &a, err), 0);
	assert_int_equal(a.tag, 7);
	assert_int_equal(a.suite, MG_ESP_AES_GCM_16_128);
	assert_int_equal(a.key_len, 20);
	assert_int_equal(a.key[0], 0);
	assert_int_equal(a.key[19], 0x13);
	assert_int_equal(a.lifetime, 1ull << 30);
	assert_int_equal(a.spi, 0x1000);
	assert_true(a.tunnel && a.udp && a.esn);
	assert_int_equal(a.kdr, 24);
	assert_int_equal(a.window, 2048);
	/* Defaults: transport, no encap, no kdr, default window. */
	assert_int_equal(parse("1 ESP_AES_CBC_128_HMAC_SHA256_128 inline:" K48
			       " spi=0x2000", &a, err), 0);
	assert_int_equal(a.key_len, 48);
	assert_false(a.tunnel || a.udp || a.esn || a.kdr || a.window ||
		     a.lifetime);
	/* 2^64 exists only with esn; decimal lifetimes too. */
	assert_int_equal(parse("1 ESP_AES_GCM_16_128 inline:" K20 "|2^64 "
			       "spi=1000 esn", &a, err), 0);
	assert_int_equal(a.lifetime, UINT64_MAX);
	assert_int_equal(parse("1 ESP_AES_GCM_16_128 inline:" K20 "|100000 "
			       "spi=1000", &a, err), 0);
	assert_int_equal(a.lifetime, 100000);
}

/* The brief's example offer carries an SDES-sized key (30 bytes) under
 * ESP_AES_GCM_16_128, whose table says 16 + 4: refused, as it must be. */
static void
briefs_example_key_is_sdes_sized(void **state)
{
	struct mg_ipsec_attr a;
	char err[160];

	(void)state;
	assert_int_equal(parse("1 ESP_AES_GCM_16_128 inline:WVNfX19zZW1jdGwgKC"
			       "kgewkyMjA7fQp9CnVubGVz|2^30 spi=1000 kdr=24",
			       &a, err), -EINVAL);
	assert_non_null(strstr(err, "needs 20 bytes"));
}

static const struct {
	const char *attr;
	const char *why;
} hostile[] = {
	{ "1 ESP_AES_GCM_16_999 inline:" K20 " spi=1000", "unknown suite" },
	{ "1 ESP_AES_CTR_128_HMAC_SHA256_128 inline:" K20 " spi=1000",
	  "unknown suite" },        /* the engine's, not the profile's */
	{ "1 ESP_AES_GCM_16_128 inline:AAECAwQFBgcICQoLDA0ODxAREg== spi=1000",
	  "needs 20 bytes" },       /* 19 bytes */
	{ "1 ESP_AES_GCM_16_128 inline:AAEC*wQFBgcICQoLDA0ODxAREhM= spi=1000",
	  "bad base64" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=0", "reserved" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=ff", "reserved" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1001 kdr=16",
	  "multiple of 256" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1zz", "bad spi" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=100000000", "bad spi" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 "|0 spi=1000", "bad lifetime" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 "|2^65 spi=1000 esn",
	  "bad lifetime" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 "|2^32 spi=1000",
	  "past 2^32 - 1 without esn" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 window=32", "window" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 window=100000",
	  "window" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 kdr=4", "kdr" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 kdr=49", "kdr" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 mode=beet", "mode" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 encap=tcp", "encap" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 pfs=1",
	  "unknown parameter pfs" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 spi=2000",
	  "repeated parameter spi" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000 esn=1",
	  "bad parameter" },
	{ "1 ESP_AES_GCM_16_128 inline:" K20, "no spi=" },
	{ "1 ESP_AES_GCM_16_128 " K20 " spi=1000", "inline:" },
	{ "0 ESP_AES_GCM_16_128 inline:" K20 " spi=1000", "bad tag" },
	{ "1000000000 ESP_AES_GCM_16_128 inline:" K20 " spi=1000", "bad tag" },
	{ "-1 ESP_AES_GCM_16_128 inline:" K20 " spi=1000", "bad tag" },
	{ "1", "no suite" },
	{ "", "bad tag" },
};

static void
hostile_attributes_refused(void **state)
{
	struct mg_ipsec_attr a;
	static const uint8_t zero[sizeof(a)];

	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		char err[160] = "";

		if (parse(hostile[i].attr, &a, err) != -EINVAL ||
		    strstr(err, hostile[i].why) == NULL)
			fail_msg("'%s': said '%s', want '%s'", hostile[i].attr,
				 err, hostile[i].why);
		/* No key in the reason, none left in the attribute. */
		assert_null(strstr(err, "AAEC"));
		assert_memory_equal(&a, zero, sizeof(a));
	}
}

static void
format_round_trips(void **state)
{
	char out[256], err[160];

	(void)state;
	for (size_t s = 0; s < mg_ipsec_sdp_nsuites; s++)
		for (int variant = 0; variant < 4; variant++) {
			struct mg_ipsec_attr a = {
				.tag = 42 + (uint32_t)variant,
				.suite = (uint16_t)mg_ipsec_sdp_suites[s],
				.spi = 0x12300 + (variant ? 0 : 1),
				.tunnel = variant & 1, .udp = variant & 2,
				.esn = variant == 3, .kdr = variant ? 20 : 0,
				.window = variant == 2 ? 4096 : 0,
				.lifetime = variant == 1 ? 1ull << 31 :
					    variant == 2 ? 123456 : 0,
			}, b;

			assert_int_equal(mg_ipsec_keygen(&a), 0);
			assert_true(mg_ipsec_attr_format(&a, out, sizeof(out)) > 0);
			if (parse(out, &b, err) != 0)
				fail_msg("'%s': %s", out, err);
			assert_memory_equal(&a, &b, sizeof(a));
		}
	assert_int_equal(mg_ipsec_attr_format(
		&(struct mg_ipsec_attr){ .tag = 1,
					 .suite = MG_ESP_AES_GCM_16_128,
					 .key_len = 20, .spi = 0x1000 },
		out, 20), -ENOSPC);
}

/* One offer/answer gives A and B their SA pairs: A's key under B's SPI
 * from A to B, B's key under A's SPI back. Each direction runs through
 * the engine: what one end sends the other takes. */
static void
one_round_trip_gives_both_sas(void **state)
{
	static const uint8_t ip_a[4] = { 192, 0, 2, 1 }, ip_b[4] = { 198, 51,
								   100, 2 };
	struct mg_ipsec_attr offer = { .tag = 1, .suite = MG_ESP_AES_GCM_16_128,
				       .spi = 0x1000, .kdr = 16,
				       .tunnel = true },
		answer = offer;
	struct mg_esp_sa_policy p;
	struct mg_esp_sa *a_out, *b_in, *b_out, *a_in;
	IMB_MGR *mgr = alloc_mb_mgr(0);

	(void)state;
	init_mb_mgr_auto(mgr, NULL);
	answer.spi = 0x2000;
	assert_int_equal(mg_ipsec_keygen(&offer), 0);
	assert_int_equal(mg_ipsec_keygen(&answer), 0);
	mg_ipsec_policy(&offer, answer.spi, &answer, false, ip_a, ip_b, 4, &p);
	assert_int_equal(mg_esp_sa_create(mgr, &p, &a_out), 0);
	mg_ipsec_policy(&offer, answer.spi, &answer, true, ip_b, ip_a, 4, &p);
	assert_int_equal(mg_esp_sa_create(mgr, &p, &b_in), 0);
	mg_ipsec_policy(&answer, offer.spi, &answer, false, ip_b, ip_a, 4, &p);
	assert_int_equal(mg_esp_sa_create(mgr, &p, &b_out), 0);
	mg_ipsec_policy(&answer, offer.spi, &answer, true, ip_a, ip_b, 4, &p);
	assert_int_equal(mg_esp_sa_create(mgr, &p, &a_in), 0);
	explicit_bzero(&p, sizeof(p));
	for (int dir = 0; dir < 2; dir++) {
		static uint8_t buf[512];
		uint8_t *d = buf + 128;
		struct mg_esp_pkt pk = { .data = d, .len = 28, .headroom = 128,
					 .tailroom = 256,
					 .sa = dir ? b_out : a_out };

		memset(d, 0, 28);
		d[0] = 0x45;
		d[3] = 28;
		d[9] = 17;
		assert_int_equal(mg_esp_outbound_burst(mgr, &pk, 1), 1);
		assert_int_equal(pk.data[20] << 24 | pk.data[21] << 16 |
				 pk.data[22] << 8 | pk.data[23],
				 dir ? 0x1000 : 0x2000); /* the receiver's SPI */
		pk.sa = dir ? a_in : b_in;
		assert_int_equal(mg_esp_inbound_burst(mgr, &pk, 1), 1);
		assert_int_equal(pk.len, 28);
	}
	mg_esp_sa_destroy(a_out);
	mg_esp_sa_destroy(b_in);
	mg_esp_sa_destroy(b_out);
	mg_esp_sa_destroy(a_in);
	free_mb_mgr(mgr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_the_fields),
		cmocka_unit_test(briefs_example_key_is_sdes_sized),
		cmocka_unit_test(hostile_attributes_refused),
		cmocka_unit_test(format_round_trips),
		cmocka_unit_test(one_round_trip_gives_both_sas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
