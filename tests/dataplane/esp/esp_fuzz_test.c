/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile input at volume: 60,000 packets per SA shape, each a valid ESP
 * packet mutated (bits flipped anywhere, cut short, grown with garbage,
 * its IP header lengths lied about) or plain garbage, in bursts of mixed
 * sizes, through inbound. Nothing may crash or write outside its buffer
 * (the buffers are exactly sized, for ASan), every status is one the
 * header names, a mutated packet is accepted only if its mutation missed
 * what ESP protects and it is still new to the window, and the SA still
 * takes the next valid packet afterwards. Deterministic (fixed seed).
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

#include "mg_esp.h"
#include "../srtp/mb_mgr_fixture.h"

#define ROUNDS 60000
#define HEAD 96
#define MAXLEN 600

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

struct shape {
	uint16_t suite, flags;
	uint8_t kdr;
};

static const struct shape shapes[] = {
	{ MG_ESP_AES_GCM_16_128, MG_ESP_F_TUNNEL | MG_ESP_F_UDP_ENCAP, 0 },
	{ MG_ESP_AES_CBC_128_HMAC_SHA256_128, MG_ESP_F_ESN, 0 },
	{ MG_ESP_CHACHA20_POLY1305, MG_ESP_F_TUNNEL | MG_ESP_F_OUTER_V6, 0 },
	{ MG_ESP_NULL_HMAC_MD5_96, 0, 0 },
	{ MG_ESP_AES_GCM_16_256, MG_ESP_F_TUNNEL, 8 },
};

static void
policy(const struct shape *sh, bool inbound, struct mg_esp_sa_policy *p)
{
	static const uint8_t a4[16] = { 10, 0, 0, 1 }, b4[16] = { 10, 0, 0, 2 };
	static const uint8_t a6[16] = { 0x20, 1, 0xd, 0xb8, [15] = 1 };
	static const uint8_t b6[16] = { 0x20, 1, 0xd, 0xb8, [15] = 2 };
	bool v6 = sh->flags & MG_ESP_F_OUTER_V6;

	memset(p, 0, sizeof(*p));
	p->spi = 0x4200;
	p->suite = sh->suite;
	p->flags = (uint16_t)(sh->flags | (inbound ? MG_ESP_F_INBOUND : 0));
	p->kdr_log2 = sh->kdr;
	p->window = 128;
	memset(p->enc_key, 0x5a, sizeof(p->enc_key));
	memset(p->salt, 0xa5, sizeof(p->salt));
	memset(p->auth_key, 0x3c, sizeof(p->auth_key));
	memcpy(p->local, inbound ? (v6 ? b6 : b4) : (v6 ? a6 : a4), 16);
	memcpy(p->remote, inbound ? (v6 ? a6 : a4) : (v6 ? b6 : b4), 16);
}

/* A valid ESP packet of the shape into w (the wire form); its length. */
static uint16_t
make(struct mg_esp_sa *out, uint8_t *w)
{
	uint8_t buf[HEAD + MAXLEN + 64], *d = buf + HEAD;
	uint16_t len = (uint16_t)(28 + rnd() % 300);
	struct mg_esp_pkt pk = { .data = d, .len = len, .headroom = HEAD,
				 .tailroom = 64, .sa = out };
	uint32_t sum = 0;

	memset(d, 0, len);
	d[0] = 0x45;
	d[2] = (uint8_t)(len >> 8);
	d[3] = (uint8_t)len;
	d[8] = 64;
	d[9] = 17;
	d[12] = 10;
	d[15] = 1;
	d[16] = 10;
	d[19] = 2;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(d[i] << 8 | d[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	d[10] = (uint8_t)(~sum >> 8);
	d[11] = (uint8_t)~sum;
	for (uint16_t i = 28; i < len; i++)
		d[i] = (uint8_t)rnd();
	assert_int_equal(mg_esp_outbound_burst(mgr, &pk, 1), 1);
	memcpy(w, pk.data, pk.len);
	return pk.len;
}

static void
mutate(uint8_t *w, uint16_t *len)
{
	switch (rnd() % 6) {
	case 0: /* a few bits anywhere */
		for (uint32_t k = 1 + rnd() % 4; k > 0; k--)
			w[rnd() % *len] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 1: /* cut short */
		*len = (uint16_t)(rnd() % *len);
		break;
	case 2: /* garbage after */
		while (*len < MAXLEN && rnd() % 4)
			w[(*len)++] = (uint8_t)rnd();
		break;
	case 3: /* the IP lengths lie */
		w[2] = (uint8_t)rnd();
		w[3] = (uint8_t)rnd();
		w[4] = (uint8_t)rnd();
		w[5] = (uint8_t)rnd();
		break;
	case 4: /* garbage entirely */
		*len = (uint16_t)(rnd() % MAXLEN);
		for (uint16_t i = 0; i < *len; i++)
			w[i] = (uint8_t)rnd();
		break;
	default: /* as it was: a replay, or new if never sent */
		break;
	}
}

static void
fuzz_shape(const struct shape *sh)
{
	static uint8_t wire[32][MAXLEN];
	uint8_t *bufs[32];
	struct mg_esp_sa_policy p;
	struct mg_esp_sa *out, *in;
	struct mg_esp_pkt pk[32];
	uint16_t len[32];
	uint64_t ok = 0;

	policy(sh, false, &p);
	assert_int_equal(mg_esp_sa_create(mgr, &p, &out), 0);
	policy(sh, true, &p);
	assert_int_equal(mg_esp_sa_create(mgr, &p, &in), 0);
	for (int round = 0; round < ROUNDS / 16; round++) {
		uint16_t n = (uint16_t)(1 + rnd() % 32);

		for (uint16_t i = 0; i < n; i++) {
			len[i] = make(out, wire[i]);
			mutate(wire[i], &len[i]);
			/* Exactly sized: ASan sees a byte past the room. */
			bufs[i] = malloc((size_t)HEAD + len[i] + 1);
			memcpy(bufs[i] + HEAD, wire[i], len[i]);
			pk[i] = (struct mg_esp_pkt){ .data = bufs[i] + HEAD,
				.len = len[i], .headroom = HEAD, .sa = in };
		}
		ok += mg_esp_inbound_burst(mgr, pk, n);
		for (uint16_t i = 0; i < n; i++) {
			assert_true(pk[i].status < MG_ESP_STATUS_MAX);
			if (pk[i].status == MG_ESP_OK)
				assert_true(pk[i].data >= bufs[i] &&
					    pk[i].data + pk[i].len <=
					    bufs[i] + HEAD + len[i]);
			free(bufs[i]);
		}
	}
	/* Some got through (unmutated, or mutated where ESP does not look),
	 * and the SA still takes the next one. */
	assert_true(ok > 0 && ok == mg_esp_sa_stats(in)->packets);
	{
		uint8_t b[HEAD + MAXLEN];
		struct mg_esp_pkt last = { .data = b + HEAD, .headroom = HEAD,
					   .sa = in };

		last.len = make(out, b + HEAD);
		assert_int_equal(mg_esp_inbound_burst(mgr, &last, 1), 1);
	}
	mg_esp_sa_destroy(out);
	mg_esp_sa_destroy(in);
}

static void
fuzz_all_shapes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		fuzz_shape(&shapes[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fuzz_all_shapes, mb_mgr_setup,
						mb_mgr_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
