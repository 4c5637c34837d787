/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES crypto attributes (RFC 4568) to SRTP policies: the RFC's own
 * example line, every suite's key length, MKIs and lifetimes, session
 * parameters, and a table of malformed lines that must each be refused
 * with a reason and leave no key behind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../control/sdes.h"

/* RFC 4568 §9.1 example key: base64 of "YS___semctl () {\t220;}\n}\nunles". */
#define RFC_KEY "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

static void
rfc4568_example(void **state)
{
	static const char raw[] = "YS___semctl () {\t220;}\n}\nunles";
	struct mg_srtp_policy p;
	char err[160];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(mg_sdes_parse("AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY
				       "|2^20|1:4", &p, err, sizeof(err)), 0);
	assert_int_equal(p.suite, MG_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(p.nb_masters, 1);
	assert_memory_equal(p.masters[0].key, raw, 16);
	assert_memory_equal(p.masters[0].salt, raw + 16, 14);
	assert_int_equal(p.lifetime, 1ull << 20);
	assert_int_equal(p.mki_len, 4);
	assert_memory_equal(p.masters[0].mki, "\0\0\0\1", 4);
}

/* base64 of 0, 1, 2, ... n-1, as the lengths each suite needs. */
static const struct {
	const char *line;
	enum mg_srtp_suite suite;
	uint8_t key_len;
} suites[] = {
	{ "AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
	  MG_SRTP_AES_CM_128_HMAC_SHA1_32, 16 },
	{ "AES_192_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU=",
	  MG_SRTP_AES_192_CM_HMAC_SHA1_80, 24 },
	{ "AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss LS4=",
	  0, 0 }, /* space inside the key: refused below, not here */
	{ "AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw",
	  MG_SRTP_AEAD_AES_128_GCM, 16 },
	{ "AEAD_AES_256_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis=",
	  MG_SRTP_AEAD_AES_256_GCM, 32 },
	{ "NULL_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
	  MG_SRTP_NULL_HMAC_SHA1_80, 16 },
};

static void
every_suite_key_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct mg_srtp_policy p;
		char err[160];
		int rc;

		memset(&p, 0, sizeof(p));
		rc = mg_sdes_parse(suites[i].line, &p, err, sizeof(err));
		if (suites[i].suite == 0) {
			assert_int_not_equal(rc, 0);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: %s", suites[i].line, err);
		assert_int_equal(p.suite, suites[i].suite);
		for (uint8_t b = 0; b < suites[i].key_len; b++)
			assert_int_equal(p.masters[0].key[b], b);
		assert_int_equal(p.masters[0].salt[0], suites[i].key_len);
	}
}

static void
several_keys_and_session_params(void **state)
{
	struct mg_srtp_policy p;
	char err[160];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(mg_sdes_parse(
		"AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:2;inline:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2:2 KDR=10 "
		"UNENCRYPTED_SRTCP WSH=100", &p, err, sizeof(err)), 0);
	assert_int_equal(p.nb_masters, 2);
	assert_int_equal(p.mki_len, 2);
	assert_memory_equal(p.masters[1].mki, "\0\2", 2);
	assert_int_equal(p.masters[1].key[15], 15);
	assert_int_equal(p.kdr_log2, 10);
	assert_int_equal(p.flags, MG_SRTP_F_UNENCRYPTED_SRTCP);
	assert_int_equal(p.window, 128); /* 100 rounded to whole words */
}

static const struct {
	const char *line;
	const char *why;
} bad[] = {
	{ "", "unknown or unsupported crypto suite" },
	{ "F8_128_HMAC_SHA1_80 inline:" RFC_KEY, "unsupported crypto suite" },
	{ "AES_CM_128_HMAC_SHA1_80", "no key-params" },
	{ "AES_CM_128_HMAC_SHA1_80 " RFC_KEY, "must start with inline:" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:AAEC", "30-byte inline key" },
	{ "AES_256_CM_HMAC_SHA1_80 inline:" RFC_KEY, "46-byte inline key" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGV!",
	  "bad base64" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^49", "bad key lifetime" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|0", "bad key lifetime" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:32", "bad MKI" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|300:1", "bad MKI" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|x:1", "bad MKI" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY ";inline:" RFC_KEY,
	  "MKIs of one length" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:1;inline:" RFC_KEY "|2:2",
	  "MKIs of one length" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=25", "KDR must be" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " WSH=10", "WSH must be" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " FEC_ORDER=FEC_SRTP",
	  "not supported" },
	{ "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " BOGUS", "not supported" },
};

static void
malformed_lines_refused_without_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mg_srtp_policy p, zero;
		char err[160] = "";

		memset(&p, 0, sizeof(p));
		memset(&zero, 0, sizeof(zero));
		if (mg_sdes_parse(bad[i].line, &p, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i].line);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': said '%s', want '%s'", bad[i].line, err,
				 bad[i].why);
		assert_memory_equal(p.masters, zero.masters, sizeof(p.masters));
	}
}

/* What we write parses back: the RFC's own key comes out as the RFC's
 * base64 (its example line, our writer), and fresh keys of every suite
 * survive format -> parse byte for byte, with session parameters. */
static void
format_round_trips(void **state)
{
	static const char raw[] = "YS___semctl () {\t220;}\n}\nunles";
	struct mg_srtp_policy p, q, k1, k2;
	char line[256], err[160];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.suite = MG_SRTP_AES_CM_128_HMAC_SHA1_80;
	p.nb_masters = 1;
	memcpy(p.masters[0].key, raw, 16);
	memcpy(p.masters[0].salt, raw + 16, 14);
	int n = mg_sdes_format(&p, 1, line, sizeof(line));

	assert_int_equal(n, (int)strlen(line));
	assert_string_equal(line, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
			    RFC_KEY);
	for (int s = 1; s < MG_SRTP_SUITE_MAX; s++) {
		assert_int_equal(mg_sdes_keygen(s, &k1), 0);
		assert_int_equal(mg_sdes_keygen(s, &k2), 0);
		assert_memory_not_equal(&k1.masters[0], &k2.masters[0],
					sizeof(k1.masters[0]));
		k1.flags = MG_SRTP_F_UNENCRYPTED_SRTCP;
		k1.kdr_log2 = 12;
		assert_true(mg_sdes_format(&k1, 9, line, sizeof(line)) > 0);
		assert_non_null(strstr(line, mg_sdes_suite_name(s)));
		memset(&q, 0, sizeof(q));
		/* mg_sdes_parse takes the line after "a=crypto:9 ". */
		assert_int_equal(mg_sdes_parse(strchr(line, ' ') + 1, &q, err,
					       sizeof(err)), 0);
		assert_int_equal(q.suite, s);
		assert_int_equal(q.flags, MG_SRTP_F_UNENCRYPTED_SRTCP);
		assert_int_equal(q.kdr_log2, 12);
		assert_memory_equal(&q.masters[0], &k1.masters[0],
				    sizeof(q.masters[0]));
	}
	assert_int_equal(mg_sdes_format(&p, 1, line, 20), -ENOSPC);
	assert_int_equal(mg_sdes_keygen(0, &k1), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4568_example),
		cmocka_unit_test(every_suite_key_length),
		cmocka_unit_test(several_keys_and_session_params),
		cmocka_unit_test(malformed_lines_refused_without_keys),
		cmocka_unit_test(format_round_trips),
	};

	return cmocka_run_group_tests_name("sdes", tests, NULL, NULL);
}
