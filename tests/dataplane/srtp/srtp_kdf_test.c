/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP KDF against published vectors only: RFC 3711 B.3 (and B.2, whose
 * keystream is the PRF with label 0 and r 0), RFC 6188 §7.2 and §7.4, and
 * the NIST SRTP-KDF cases with a key derivation rate that OpenSSL's
 * evpkdf_srtp.txt carries (SRTP and SRTCP labels).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../../dataplane/srtp/srtp_kdf.h"
#include "mb_mgr_fixture.h"


static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; s[0] && s[1] && n < cap; s += 2)
		out[n++] = (uint8_t)strtoul((char[]){ s[0], s[1], 0 }, NULL, 16);
	assert_int_equal(*s, '\0'); /* the vector fits and has even length */
	return n;
}

struct kdf_vec {
	const char *name, *key, *salt;
	uint64_t r;
	uint8_t label;
	const char *want;
};

static const struct kdf_vec vecs[] = {
	{ "RFC 3711 B.3 cipher key", "E1F97A0D3E018BE0D64FA32C06DE4139",
	  "0EC675AD498AFEEBB6960B3AABE6", 0, 0,
	  "C61E7A93744F39EE10734AFE3FF7A087" },
	{ "RFC 3711 B.3 cipher salt", "E1F97A0D3E018BE0D64FA32C06DE4139",
	  "0EC675AD498AFEEBB6960B3AABE6", 0, 2,
	  "30CBBC08863D8C85D49DB34A9AE1" },
	{ "RFC 3711 B.3 auth key (94 bytes)",
	  "E1F97A0D3E018BE0D64FA32C06DE4139", "0EC675AD498AFEEBB6960B3AABE6",
	  0, 1,
	  "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
	  "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
	  "6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2" },
	{ "RFC 3711 B.2 keystream blocks 0-2",
	  "2B7E151628AED2A6ABF7158809CF4F3C", "F0F1F2F3F4F5F6F7F8F9FAFBFCFD",
	  0, 0,
	  "E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB"
	  "41E95B3BB0A2E8DD477901E4FCA894C0" },
	{ "RFC 6188 7.2 AES-256 cipher key",
	  "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
	  "3b04803de51ee7c96423ab5b78d2", 0, 0,
	  "5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4" },
	{ "RFC 6188 7.2 AES-256 cipher salt",
	  "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
	  "3b04803de51ee7c96423ab5b78d2", 0, 2, "fa31791685ca444a9e07c6c64e93" },
	{ "RFC 6188 7.2 AES-256 auth key",
	  "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
	  "3b04803de51ee7c96423ab5b78d2", 0, 1,
	  "fd9c32d39ed5fbb5a9dc96b30818454d1313dc05" },
	{ "RFC 6188 7.4 AES-192 cipher key",
	  "73edc66c4fa15776fb57f9505c17136550ffda71f3e8e5f1",
	  "c8522f3acd4ce86d5add78edbb11", 0, 0,
	  "31874736a8f1143870c26e4857d8a5b2c4a354407faadabb" },
	{ "RFC 6188 7.4 AES-192 cipher salt",
	  "73edc66c4fa15776fb57f9505c17136550ffda71f3e8e5f1",
	  "c8522f3acd4ce86d5add78edbb11", 0, 2, "2372b82d639b6d8503a47adc0a6c" },
	{ "RFC 6188 7.4 AES-192 auth key",
	  "73edc66c4fa15776fb57f9505c17136550ffda71f3e8e5f1",
	  "c8522f3acd4ce86d5add78edbb11", 0, 1,
	  "355b10973cd95b9eacf4061c7e1a7151e7cfbfcb" },
	/* NIST SRTP KDF, kdr = 1 so r = index: SRTP labels, 48-bit index. */
	{ "NIST kdr=1 SRTP enc", "8C307F105F79D5D2C26B1A933AE22CD5",
	  "563B4C15458D977B68080242CEE1", 0x08284B49F520ull, 0,
	  "A920DF50EAA111D03FBE9B203121C07D" },
	{ "NIST kdr=1 SRTP auth", "8C307F105F79D5D2C26B1A933AE22CD5",
	  "563B4C15458D977B68080242CEE1", 0x08284B49F520ull, 1,
	  "A337DC070C0DAFA942F1E3A27ACD3C9917CE4B4D" },
	{ "NIST kdr=1 SRTP salt", "8C307F105F79D5D2C26B1A933AE22CD5",
	  "563B4C15458D977B68080242CEE1", 0x08284B49F520ull, 2,
	  "9E2BC99C86037F2AD98D72927428" },
	/* ... and SRTCP labels, 32-bit index. */
	{ "NIST kdr=1 SRTCP enc", "8C307F105F79D5D2C26B1A933AE22CD5",
	  "563B4C15458D977B68080242CEE1", 0x69B62109ull, 3,
	  "94D76CA7ADB05B8631CF62538D97BE74" },
	{ "NIST kdr=1 SRTCP auth", "8C307F105F79D5D2C26B1A933AE22CD5",
	  "563B4C15458D977B68080242CEE1", 0x69B62109ull, 4,
	  "FA02251D693645BC1001F83C5A13CB3E3D77F7EA" },
	{ "NIST kdr=1 SRTCP salt", "8C307F105F79D5D2C26B1A933AE22CD5",
	  "563B4C15458D977B68080242CEE1", 0x69B62109ull, 5,
	  "70C0481A04E3610EC8AF8623FA9B" },
};

static void
published_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t key[32], salt[MG_SRTP_SALT_LEN], want[128], got[128];
		size_t klen = unhex(vecs[i].key, key, sizeof(key));
		size_t n = unhex(vecs[i].want, want, sizeof(want));

		assert_int_equal(unhex(vecs[i].salt, salt, sizeof(salt)),
				 MG_SRTP_SALT_LEN);
		memset(got, 0xee, sizeof(got));
		/* The NIST SRTCP cases take the index as 32 bits. */
		unsigned int rl = vecs[i].label >= MG_SRTP_LABEL_RTCP_ENC ?
			MG_SRTCP_R_LEN_NIST : MG_SRTP_R_LEN;

		assert_int_equal(mg_srtp_kdf(mgr, key, klen, salt,
					     vecs[i].label, vecs[i].r, rl, got,
					     n), 0);
		if (memcmp(got, want, n) != 0)
			fail_msg("%s: derived bytes differ", vecs[i].name);
		assert_int_equal(got[n], 0xee); /* nothing written past n */
	}
}

/* The same vectors through one expanded schedule per master key, kept
 * across the labels that share it (as a context derives its six keys). */
static void
one_schedule_serves_every_label(void **state)
{
	struct mg_srtp_prf prf;
	const char *key_hex = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t key[32], salt[MG_SRTP_SALT_LEN], want[128], got[128];
		size_t klen = unhex(vecs[i].key, key, sizeof(key));
		size_t n = unhex(vecs[i].want, want, sizeof(want));
		unsigned int rl = vecs[i].label >= MG_SRTP_LABEL_RTCP_ENC ?
			MG_SRTCP_R_LEN_NIST : MG_SRTP_R_LEN;

		unhex(vecs[i].salt, salt, sizeof(salt));
		if (key_hex == NULL || strcmp(key_hex, vecs[i].key) != 0) {
			if (key_hex != NULL)
				mg_srtp_prf_wipe(&prf);
			assert_int_equal(mg_srtp_prf_init(mgr, &prf, key, klen),
					 0);
			key_hex = vecs[i].key;
		}
		memset(got, 0xee, sizeof(got));
		assert_int_equal(mg_srtp_prf(mgr, &prf, salt, vecs[i].label,
					     vecs[i].r, rl, got, n), 0);
		if (memcmp(got, want, n) != 0)
			fail_msg("%s: derived bytes differ", vecs[i].name);
		assert_int_equal(got[n], 0xee);
	}
	mg_srtp_prf_wipe(&prf);
	assert_int_equal(mg_srtp_prf_init(mgr, &prf, (const uint8_t *)"k", 1),
			 -EINVAL);
}

static void
bad_parameters_refused_and_output_wiped(void **state)
{
	static const uint8_t key[32], salt[MG_SRTP_SALT_LEN];
	uint8_t out[MG_SRTP_KDF_OUT_MAX + 1];

	(void)state;
	assert_int_equal(mg_srtp_kdf(mgr, key, 15, salt, 0, 0, 6, out, 16), -EINVAL);
	assert_int_equal(mg_srtp_kdf(mgr, key, 0, salt, 0, 0, 6, out, 16), -EINVAL);
	assert_int_equal(mg_srtp_kdf(mgr, key, 16, salt, 6, 0, 6, out, 16), -EINVAL);
	assert_int_equal(mg_srtp_kdf(mgr, key, 16, salt, 0, 1ull << 48, 6, out, 16),
			 -EINVAL);
	assert_int_equal(mg_srtp_kdf(mgr, key, 16, salt, 3, 1ull << 32, 4, out, 16),
			 -EINVAL);
	assert_int_equal(mg_srtp_kdf(mgr, key, 16, salt, 0, 0, 6, out, 0), -EINVAL);
	assert_int_equal(mg_srtp_kdf(mgr, key, 16, salt, 0, 0, 6, out,
				     sizeof(out)), -EINVAL);
	assert_int_equal(mg_srtp_kdf(mgr, key, 16, salt, 0, 0, 5, out, 16),
			 -EINVAL);
	assert_int_equal(mg_srtp_kdf(mgr, key, 16, salt, 0, (1ull << 48) - 1,
				     6, out, MG_SRTP_KDF_OUT_MAX), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(published_vectors),
		cmocka_unit_test(one_schedule_serves_every_label),
		cmocka_unit_test(bad_parameters_refused_and_output_wiped),
	};

	return cmocka_run_group_tests_name("srtp_kdf", tests, mb_mgr_setup,
					  mb_mgr_teardown);
}
