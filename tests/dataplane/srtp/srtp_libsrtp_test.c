/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP engine against libsrtp2 (Debian's 2.5), an implementation this
 * project did not write. For every suite both support, thousands of random
 * RTP packets (sizes, CSRCs, header extensions, padding, markers) with
 * sequence numbers that cross a 16-bit wrap and are reordered within the
 * window, pushed through in random burst sizes:
 *   - our protect equals libsrtp2's protect, byte for byte;
 *   - libsrtp2 unprotects ours;
 *   - we unprotect libsrtp2's, getting the original packet back.
 * The MKI cases give both sides two master keys and send with the second,
 * which also pins down where each suite puts the MKI (RFC 7714 moves it
 * after the GCM tag).
 * AES-192 is left out: Debian's libsrtp2 derives its keys wrongly (cisco/
 * libsrtp issue 763); the RFC 6188 vectors in srtp_kdf_test cover it. So
 * is GCM with UNENCRYPTED_SRTP: libsrtp2's AEAD path encrypts whatever
 * the policy says; RFC 7714's own vectors (srtp_rfc7714_test) cover it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

#define NPKTS 3000
#define BUF 1600
#define SSRC 0x5eed1234u

struct suite_case {
	const char *name;
	enum mg_srtp_suite suite;
	uint16_t flags;
	void (*libsrtp_policy)(srtp_crypto_policy_t *p);
	uint8_t master_len;
	srtp_sec_serv_t sec_serv;
	srtp_sec_serv_t rtcp_sec_serv; /* 0: as the suite's setter says */
	uint8_t mki_len;               /* 0: one master, no MKI */
};

#define MASTER_BUF 46 /* key and salt, as libsrtp2 reads them */
static const uint8_t mki_ids[2][4] = { { 0xa1, 0xb2, 0xc3, 0xd4 },
				       { 0x01, 0x02, 0x03, 0x04 } };

static const struct suite_case cases[] = {
	{ "AES_CM_128_HMAC_SHA1_80", MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0,
	  srtp_crypto_policy_set_rtp_default, 16, sec_serv_conf_and_auth, 0, 0 },
	{ "AES_CM_128_HMAC_SHA1_32", MG_SRTP_AES_CM_128_HMAC_SHA1_32, 0,
	  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, 16, sec_serv_conf_and_auth, 0, 0 },
	{ "AES_256_CM_HMAC_SHA1_80", MG_SRTP_AES_256_CM_HMAC_SHA1_80, 0,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 32, sec_serv_conf_and_auth, 0, 0 },
	{ "AES_256_CM_HMAC_SHA1_32", MG_SRTP_AES_256_CM_HMAC_SHA1_32, 0,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32, 32, sec_serv_conf_and_auth, 0, 0 },
	{ "NULL_HMAC_SHA1_80", MG_SRTP_NULL_HMAC_SHA1_80, 0,
	  srtp_crypto_policy_set_null_cipher_hmac_sha1_80, 16, sec_serv_auth, 0, 0 },
	{ "AES_CM_128_HMAC_SHA1_80 UNENCRYPTED_SRTP",
	  MG_SRTP_AES_CM_128_HMAC_SHA1_80, MG_SRTP_F_UNENCRYPTED_SRTP,
	  srtp_crypto_policy_set_rtp_default, 16, sec_serv_auth, 0, 0 },
	{ "AES_CM_128_HMAC_SHA1_80 UNAUTHENTICATED_SRTP",
	  MG_SRTP_AES_CM_128_HMAC_SHA1_80, MG_SRTP_F_UNAUTHENTICATED_SRTP,
	  srtp_crypto_policy_set_rtp_default, 16, sec_serv_conf, 0, 0 },
	{ "AES_CM_128_HMAC_SHA1_80 UNENCRYPTED_SRTCP",
	  MG_SRTP_AES_CM_128_HMAC_SHA1_80, MG_SRTP_F_UNENCRYPTED_SRTCP,
	  srtp_crypto_policy_set_rtp_default, 16, sec_serv_conf_and_auth,
	  sec_serv_auth, 0 },
	{ "AES_CM_128_HMAC_SHA1_80 MKI 4", MG_SRTP_AES_CM_128_HMAC_SHA1_80, 0,
	  srtp_crypto_policy_set_rtp_default, 16, sec_serv_conf_and_auth, 0, 4 },
	{ "AES_CM_128_HMAC_SHA1_32 MKI 2", MG_SRTP_AES_CM_128_HMAC_SHA1_32, 0,
	  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, 16,
	  sec_serv_conf_and_auth, 0, 2 },
	{ "AEAD_AES_128_GCM", MG_SRTP_AEAD_AES_128_GCM, 0,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth, 16, sec_serv_conf_and_auth, 0, 0 },
	{ "AEAD_AES_256_GCM", MG_SRTP_AEAD_AES_256_GCM, 0,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth, 32, sec_serv_conf_and_auth, 0, 0 },
	{ "AEAD_AES_128_GCM UNENCRYPTED_SRTCP", MG_SRTP_AEAD_AES_128_GCM,
	  MG_SRTP_F_UNENCRYPTED_SRTCP, srtp_crypto_policy_set_aes_gcm_128_16_auth,
	  16, sec_serv_conf_and_auth, sec_serv_auth, 0 },
	{ "AEAD_AES_128_GCM MKI 4", MG_SRTP_AEAD_AES_128_GCM, 0,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth, 16, sec_serv_conf_and_auth,
	  0, 4 },
	{ "AEAD_AES_256_GCM MKI 1", MG_SRTP_AEAD_AES_256_GCM, 0,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth, 32, sec_serv_conf_and_auth,
	  0, 1 },
};

/* RFC 4568 §6.2 and RFC 6188: a _32 suite's SRTCP keeps the 80-bit tag,
 * so libsrtp2's RTCP policy is the _80 one (libsrtp2's own _32 setter
 * would cut it). */
static void (*rtcp_setter(const struct suite_case *sc))(srtp_crypto_policy_t *)
{
	switch (sc->suite) {
	case MG_SRTP_AES_CM_128_HMAC_SHA1_32:
		return srtp_crypto_policy_set_rtp_default;
	case MG_SRTP_AES_256_CM_HMAC_SHA1_32:
		return srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80;
	case MG_SRTP_NULL_HMAC_SHA1_32:
		return srtp_crypto_policy_set_null_cipher_hmac_sha1_80;
	default:
		return sc->libsrtp_policy;
	}
}

/* libsrtp2 sends with the second master when there is an MKI, as ours. */
static srtp_err_status_t
lib_protect(srtp_t s, const struct suite_case *sc, uint8_t *p, int *len)
{
	return sc->mki_len ? srtp_protect_mki(s, p, len, 1, 1) :
			     srtp_protect(s, p, len);
}

static srtp_err_status_t
lib_unprotect(srtp_t s, const struct suite_case *sc, uint8_t *p, int *len)
{
	return sc->mki_len ? srtp_unprotect_mki(s, p, len, 1) :
			     srtp_unprotect(s, p, len);
}

static srtp_err_status_t
lib_protect_rtcp(srtp_t s, const struct suite_case *sc, uint8_t *p, int *len)
{
	return sc->mki_len ? srtp_protect_rtcp_mki(s, p, len, 1, 1) :
			     srtp_protect_rtcp(s, p, len);
}

static srtp_err_status_t
lib_unprotect_rtcp(srtp_t s, const struct suite_case *sc, uint8_t *p, int *len)
{
	return sc->mki_len ? srtp_unprotect_rtcp_mki(s, p, len, 1) :
			     srtp_unprotect_rtcp(s, p, len);
}

/* A random RTP packet: CSRCs, extension, padding, marker, payload type. */
static uint16_t
make_rtp(uint8_t *p, uint16_t seq)
{
	uint8_t cc = rnd(4) == 0 ? (uint8_t)rnd(16) : 0;
	int ext = rnd(3) == 0, pad = rnd(4) == 0;
	uint16_t len = 12, ext_words = (uint16_t)rnd(8), payload = (uint16_t)rnd(1201);

	p[0] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | cc);
	p[1] = (uint8_t)(rnd(2) << 7 | rnd(128));
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	for (int i = 4; i < 8; i++)
		p[i] = (uint8_t)rnd(256);
	p[8] = SSRC >> 24; p[9] = (SSRC >> 16) & 0xff;
	p[10] = (SSRC >> 8) & 0xff; p[11] = SSRC & 0xff;
	for (int i = 0; i < 4 * cc; i++)
		p[len++] = (uint8_t)rnd(256);
	if (ext) {
		p[len++] = 0xbe; p[len++] = 0xde;
		p[len++] = 0; p[len++] = (uint8_t)ext_words;
		for (int i = 0; i < 4 * ext_words; i++)
			p[len++] = (uint8_t)rnd(256);
	}
	for (int i = 0; i < payload; i++)
		p[len++] = (uint8_t)rnd(256);
	if (pad) {
		uint8_t n = (uint8_t)(1 + rnd(16));

		for (int i = 0; i < n - 1; i++)
			p[len++] = 0;
		p[len++] = n;
	}
	return len;
}

/* Sequence numbers from just below the wrap, mostly in order, sometimes a
 * neighbour swap (reordering within the window). */
static void
make_seqs(uint16_t *seq, int n)
{
	uint16_t s = (uint16_t)(65536 - 1000 - rnd(500));

	for (int i = 0; i < n; i++)
		seq[i] = s++;
	for (int i = 1; i < n - 1; i++)
		if (rnd(10) == 0) {
			uint16_t t = seq[i];

			seq[i] = seq[i + 1];
			seq[i + 1] = t;
			i++;
		}
}

static srtp_t
libsrtp_session(const struct suite_case *sc, uint8_t master[2][MASTER_BUF],
		srtp_ssrc_type_t type)
{
	static srtp_master_key_t keys[2];
	static srtp_master_key_t *key_ptrs[2] = { &keys[0], &keys[1] };
	srtp_policy_t pol;
	srtp_t s;

	memset(&pol, 0, sizeof(pol));
	for (int i = 0; i < 2; i++)
		keys[i] = (srtp_master_key_t){ .key = master[i],
			.mki_id = (unsigned char *)mki_ids[i],
			.mki_size = sc->mki_len };
	sc->libsrtp_policy(&pol.rtp);
	rtcp_setter(sc)(&pol.rtcp);
	pol.rtp.sec_serv = sc->sec_serv;
	if (sc->rtcp_sec_serv)
		pol.rtcp.sec_serv = sc->rtcp_sec_serv;
	pol.ssrc.type = type;
	pol.ssrc.value = SSRC;
	pol.key = sc->mki_len ? NULL : master[0];
	pol.keys = sc->mki_len ? key_ptrs : NULL;
	pol.num_master_keys = sc->mki_len ? 2 : 0;
	pol.window_size = 1024;
	assert_int_equal(srtp_create(&s, &pol), srtp_err_status_ok);
	return s;
}

static struct mg_srtp_ctx *
our_ctx(const struct suite_case *sc, uint8_t master[2][MASTER_BUF],
	uint16_t more_flags)
{
	struct mg_srtp_policy pol;
	struct mg_srtp_ctx *c;

	memset(&pol, 0, sizeof(pol));
	pol.suite = sc->suite;
	pol.flags = sc->flags | more_flags;
	pol.ssrc = SSRC;
	pol.window = 1024;
	pol.nb_masters = sc->mki_len ? 2 : 1;
	pol.active = sc->mki_len ? 1 : 0;
	pol.mki_len = sc->mki_len;
	for (int i = 0; i < pol.nb_masters; i++) {
		memcpy(pol.masters[i].key, master[i], sc->master_len);
		memcpy(pol.masters[i].salt, master[i] + sc->master_len, 14);
		memcpy(pol.masters[i].mki, mki_ids[i], sc->mki_len);
	}
	assert_int_equal(mg_srtp_ctx_create(mgr, &pol, &c), 0);
	explicit_bzero(&pol, sizeof(pol));
	return c;
}

struct run {
	uint8_t (*plain)[BUF], (*ours)[BUF], (*theirs)[BUF];
	uint16_t plain_len[NPKTS], ours_len[NPKTS], theirs_len[NPKTS];
	uint16_t seq[NPKTS];
};

/* Our protect in random burst sizes. */
static void
protect_ours(struct run *r, struct mg_srtp_ctx *c)
{
	struct mg_srtp_pkt b[MG_SRTP_BURST_MAX];

	for (int i = 0; i < NPKTS;) {
		uint16_t n = (uint16_t)(1 + rnd(MG_SRTP_BURST_MAX));

		if (n > NPKTS - i)
			n = (uint16_t)(NPKTS - i);
		for (uint16_t j = 0; j < n; j++) {
			memcpy(r->ours[i + j], r->plain[i + j], r->plain_len[i + j]);
			b[j] = (struct mg_srtp_pkt){ .data = r->ours[i + j],
				.len = r->plain_len[i + j], .cap = BUF, .ctx = c };
		}
		assert_int_equal(mg_srtp_protect_burst(mgr, b, n), n);
		for (uint16_t j = 0; j < n; j++)
			r->ours_len[i + j] = b[j].len;
		i += n;
	}
}

static void
unprotect_theirs_with_ours(struct run *r, struct mg_srtp_ctx *c)
{
	struct mg_srtp_pkt b[MG_SRTP_BURST_MAX];
	static uint8_t buf[MG_SRTP_BURST_MAX][BUF];

	for (int i = 0; i < NPKTS;) {
		uint16_t n = (uint16_t)(1 + rnd(MG_SRTP_BURST_MAX));

		if (n > NPKTS - i)
			n = (uint16_t)(NPKTS - i);
		for (uint16_t j = 0; j < n; j++) {
			memcpy(buf[j], r->theirs[i + j], r->theirs_len[i + j]);
			b[j] = (struct mg_srtp_pkt){ .data = buf[j],
				.len = r->theirs_len[i + j], .cap = BUF, .ctx = c };
		}
		mg_srtp_unprotect_burst(mgr, b, n);
		for (uint16_t j = 0; j < n; j++) {
			if (b[j].status != MG_SRTP_OK)
				fail_msg("packet %d seq %u: %s", i + j, r->seq[i + j],
					 mg_srtp_status_str(b[j].status));
			assert_int_equal(b[j].len, r->plain_len[i + j]);
			assert_memory_equal(buf[j], r->plain[i + j], b[j].len);
		}
		i += n;
	}
}

static void
one_suite(const struct suite_case *sc)
{
	static struct run r;
	static uint8_t plain[NPKTS][BUF], ours[NPKTS][BUF], theirs[NPKTS][BUF];
	uint8_t master[2][MASTER_BUF];
	srtp_t tx, rx;
	struct mg_srtp_ctx *ctx_tx, *ctx_rx;

	r.plain = plain; r.ours = ours; r.theirs = theirs;
	for (size_t i = 0; i < sizeof(master); i++)
		master[i / MASTER_BUF][i % MASTER_BUF] = (uint8_t)rnd(256);
	make_seqs(r.seq, NPKTS);
	for (int i = 0; i < NPKTS; i++)
		r.plain_len[i] = make_rtp(plain[i], r.seq[i]);
	tx = libsrtp_session(sc, master, ssrc_specific);
	rx = libsrtp_session(sc, master, ssrc_specific);
	ctx_tx = our_ctx(sc, master, 0);
	ctx_rx = our_ctx(sc, master, 0);
	protect_ours(&r, ctx_tx);
	for (int i = 0; i < NPKTS; i++) {
		int len = r.plain_len[i];

		memcpy(theirs[i], plain[i], len);
		assert_int_equal(lib_protect(tx, sc, theirs[i], &len), srtp_err_status_ok);
		r.theirs_len[i] = (uint16_t)len;
		if (len != r.ours_len[i] || memcmp(theirs[i], ours[i], len) != 0)
			fail_msg("%s: packet %d (seq %u, %d bytes) differs from libsrtp2",
				 sc->name, i, r.seq[i], len);
		/* libsrtp2 unprotects what we made. Not for conf-only: its
		 * protect appends no tag (as RFC 4568 says) but its unprotect
		 * still strips tag_len bytes, so it cannot read its own output
		 * either; equality above and our unprotect below cover it. */
		if (!(sc->sec_serv & sec_serv_auth))
			continue;
		len = r.ours_len[i];
		assert_int_equal(lib_unprotect(rx, sc, ours[i], &len), srtp_err_status_ok);
		if (len != r.plain_len[i])
			fail_msg("%s: libsrtp2 unprotect of packet %d (seq %u, byte0 %02x, last %02x): %d bytes, want %u",
				 sc->name, i, r.seq[i], plain[i][0], plain[i][r.plain_len[i] - 1], len, r.plain_len[i]);
		assert_memory_equal(ours[i], plain[i], len);
	}
	unprotect_theirs_with_ours(&r, ctx_rx);
	assert_true(mg_srtp_ctx_stats(ctx_rx)->packets == NPKTS);
	assert_true(mg_srtp_ctx_stats(ctx_rx)->late > 0);
	srtp_dealloc(tx);
	srtp_dealloc(rx);
	mg_srtp_ctx_destroy(ctx_tx);
	mg_srtp_ctx_destroy(ctx_rx);
}

/* A compound RTCP packet: SR or RR header with a true length word, then
 * random report blocks and items. */
static uint16_t
make_rtcp(uint8_t *p)
{
	uint16_t words = (uint16_t)(1 + rnd(200)); /* after the first word */

	p[0] = (uint8_t)(0x80 | rnd(32));
	p[1] = rnd(2) ? 200 : 201;
	p[2] = (uint8_t)(words >> 8);
	p[3] = (uint8_t)words;
	p[4] = SSRC >> 24; p[5] = (SSRC >> 16) & 0xff;
	p[6] = (SSRC >> 8) & 0xff; p[7] = SSRC & 0xff;
	for (int i = 8; i < 4 * (words + 1); i++)
		p[i] = (uint8_t)rnd(256);
	return (uint16_t)(4 * (words + 1));
}

#define NRTCP 500

/* SRTCP both ways against libsrtp2. libsrtp2 numbers its first SRTCP
 * packet 1 where RFC 3711 §3.4 says 0, so our sender spends index 0 on a
 * packet of its own first and the two streams then match byte for byte. */
static void
one_suite_rtcp(const struct suite_case *sc)
{
	static uint8_t plain[NRTCP][BUF], ours[NRTCP][BUF], theirs[NRTCP][BUF];
	uint16_t plen[NRTCP], tlen[NRTCP];
	struct mg_srtp_pkt b[MG_SRTP_BURST_MAX];
	struct mg_srtp_ctx *tx, *rx;
	uint8_t master[2][MASTER_BUF];
	srtp_t ltx, lrx;

	for (size_t i = 0; i < sizeof(master); i++)
		master[i / MASTER_BUF][i % MASTER_BUF] = (uint8_t)rnd(256);
	ltx = libsrtp_session(sc, master, ssrc_specific);
	lrx = libsrtp_session(sc, master, ssrc_specific);
	tx = our_ctx(sc, master, 0);
	rx = our_ctx(sc, master, 0);
	b[0] = (struct mg_srtp_pkt){ .data = ours[0], .len = make_rtcp(ours[0]),
				     .cap = BUF, .ctx = tx };
	assert_int_equal(mg_srtcp_protect_burst(mgr, b, 1), 1);
	for (int i = 0; i < NRTCP;) {
		uint16_t n = (uint16_t)(1 + rnd(MG_SRTP_BURST_MAX));

		if (n > NRTCP - i)
			n = (uint16_t)(NRTCP - i);
		for (uint16_t j = 0; j < n; j++) {
			plen[i + j] = make_rtcp(plain[i + j]);
			memcpy(ours[i + j], plain[i + j], plen[i + j]);
			b[j] = (struct mg_srtp_pkt){ .data = ours[i + j],
				.len = plen[i + j], .cap = BUF, .ctx = tx };
		}
		assert_int_equal(mg_srtcp_protect_burst(mgr, b, n), n);
		for (uint16_t j = 0; j < n; j++) {
			int len = plen[i + j];
			int k = i + j;

			memcpy(theirs[k], plain[k], len);
			assert_int_equal(lib_protect_rtcp(ltx, sc, theirs[k], &len),
					 srtp_err_status_ok);
			tlen[k] = (uint16_t)len;
			if (len != b[j].len || memcmp(theirs[k], ours[k], len))
				fail_msg("%s: SRTCP packet %d differs from libsrtp2",
					 sc->name, k);
			/* libsrtp2 2.5 looks for an SRTCP MKI as if the tag
			 * were RTP's: with a _32 suite it cannot read even its
			 * own packets (bad_mki). Byte equality above stands
			 * for it there. */
			if (sc->mki_len && rtcp_setter(sc) != sc->libsrtp_policy)
				continue;
			assert_int_equal(lib_unprotect_rtcp(lrx, sc, ours[k], &len),
					 srtp_err_status_ok);
			assert_int_equal(len, plen[k]);
			assert_memory_equal(ours[k], plain[k], len);
		}
		/* We unprotect libsrtp2's, a burst at a time. */
		for (uint16_t j = 0; j < n; j++)
			b[j] = (struct mg_srtp_pkt){ .data = theirs[i + j],
				.len = tlen[i + j], .cap = BUF, .ctx = rx };
		assert_int_equal(mg_srtcp_unprotect_burst(mgr, b, n), n);
		for (uint16_t j = 0; j < n; j++) {
			assert_int_equal(b[j].len, plen[i + j]);
			assert_memory_equal(theirs[i + j], plain[i + j], plen[i + j]);
		}
		i += n;
	}
	assert_true(mg_srtp_ctx_stats(rx)->rtcp_packets == NRTCP);
	srtp_dealloc(ltx);
	srtp_dealloc(lrx);
	mg_srtp_ctx_destroy(tx);
	mg_srtp_ctx_destroy(rx);
}

/* Key sharing (RFC 3711 §3.2.3): three SSRCs under one master key,
 * interleaved, each with its own sequence numbers across the wrap; we
 * make any SSRC's state as it comes, libsrtp2 with ssrc_any_outbound and
 * ssrc_any_inbound. */
#define NSSRC 3

static void
one_suite_any_ssrc(const struct suite_case *sc)
{
	static struct run r;
	static uint8_t plain[NPKTS][BUF], ours[NPKTS][BUF], theirs[NPKTS][BUF];
	uint8_t master[2][MASTER_BUF];
	uint16_t seq[NSSRC];
	struct mg_srtp_ctx *tx, *rx;
	srtp_t ltx, lrx;

	r.plain = plain; r.ours = ours; r.theirs = theirs;
	for (size_t i = 0; i < sizeof(master); i++)
		master[i / MASTER_BUF][i % MASTER_BUF] = (uint8_t)rnd(256);
	for (int s = 0; s < NSSRC; s++)
		seq[s] = (uint16_t)(65536 - 300 - rnd(300));
	for (int i = 0; i < NPKTS; i++) {
		int s = (int)rnd(NSSRC);
		uint32_t ssrc = SSRC + (uint32_t)s;

		r.seq[i] = seq[s]++;
		r.plain_len[i] = make_rtp(plain[i], r.seq[i]);
		plain[i][8] = (uint8_t)(ssrc >> 24); plain[i][9] = (uint8_t)(ssrc >> 16);
		plain[i][10] = (uint8_t)(ssrc >> 8); plain[i][11] = (uint8_t)ssrc;
	}
	ltx = libsrtp_session(sc, master, ssrc_any_outbound);
	lrx = libsrtp_session(sc, master, ssrc_any_inbound);
	tx = our_ctx(sc, master, MG_SRTP_F_ANY_SSRC);
	rx = our_ctx(sc, master, MG_SRTP_F_ANY_SSRC);
	protect_ours(&r, tx);
	for (int i = 0; i < NPKTS; i++) {
		int len = r.plain_len[i];

		memcpy(theirs[i], plain[i], len);
		assert_int_equal(lib_protect(ltx, sc, theirs[i], &len),
				 srtp_err_status_ok);
		r.theirs_len[i] = (uint16_t)len;
		if (len != r.ours_len[i] || memcmp(theirs[i], ours[i], len) != 0)
			fail_msg("%s any SSRC: packet %d differs from libsrtp2",
				 sc->name, i);
		len = r.ours_len[i];
		assert_int_equal(lib_unprotect(lrx, sc, ours[i], &len),
				 srtp_err_status_ok);
		assert_int_equal(len, r.plain_len[i]);
	}
	unprotect_theirs_with_ours(&r, rx);
	assert_true(mg_srtp_ctx_stats(rx)->packets == NPKTS);
	srtp_dealloc(ltx);
	srtp_dealloc(lrx);
	mg_srtp_ctx_destroy(tx);
	mg_srtp_ctx_destroy(rx);
}

/*
 * A fresh context whose very first burst crosses the 16-bit wrap, as when
 * a call's first packets queued up while its flow was being installed:
 * every packet is read as if the ones before it in the burst had come
 * alone (RFC 3711 §3.3.1: s_l is the first packet's SEQ), not all against
 * the state before the burst, which would give the ones after the wrap a
 * ROC of 0. With `forge`, the first packet's tag is broken: it is refused
 * and the others are read without it, as libsrtp2 reads them.
 */
#define NWRAP 32

static void
first_burst_wraps(const struct suite_case *sc, uint16_t flags, bool forge)
{
	static uint8_t plain[NWRAP][BUF], theirs[NWRAP][BUF];
	struct mg_srtp_pkt b[NWRAP];
	uint8_t master[2][MASTER_BUF];
	uint16_t plen[NWRAP];
	struct mg_srtp_ctx *rx;
	srtp_t ltx;

	for (size_t i = 0; i < sizeof(master); i++)
		master[i / MASTER_BUF][i % MASTER_BUF] = (uint8_t)rnd(256);
	ltx = libsrtp_session(sc, master, flags ? ssrc_any_outbound :
						  ssrc_specific);
	rx = our_ctx(sc, master, flags);
	for (int i = 0; i < NWRAP; i++) {
		int len;

		plen[i] = make_rtp(plain[i], (uint16_t)(65536 - NWRAP / 2 + i));
		len = plen[i];
		memcpy(theirs[i], plain[i], len);
		assert_int_equal(lib_protect(ltx, sc, theirs[i], &len),
				 srtp_err_status_ok);
		b[i] = (struct mg_srtp_pkt){ .data = theirs[i],
			.len = (uint16_t)len, .cap = BUF, .ctx = rx };
	}
	if (forge)
		theirs[0][b[0].len - 1] ^= 0x01;
	assert_int_equal(mg_srtp_unprotect_burst(mgr, b, NWRAP),
			 NWRAP - (forge ? 1 : 0));
	for (int i = forge ? 1 : 0; i < NWRAP; i++) {
		if (b[i].status != MG_SRTP_OK)
			fail_msg("%s: packet %d (seq %u) of the first burst: %s",
				 sc->name, i, (65536 - NWRAP / 2 + i) & 0xffff,
				 mg_srtp_status_str(b[i].status));
		assert_int_equal(b[i].len, plen[i]);
		assert_memory_equal(theirs[i], plain[i], plen[i]);
	}
	if (forge)
		assert_int_equal(b[0].status, MG_SRTP_E_AUTH);
	srtp_dealloc(ltx);
	mg_srtp_ctx_destroy(rx);
}

static void
fresh_context_first_burst_wraps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!(cases[i].sec_serv & sec_serv_auth) || cases[i].mki_len)
			continue;
		for (int forge = 0; forge < 2; forge++) {
			first_burst_wraps(&cases[i], 0, forge);
			first_burst_wraps(&cases[i], MG_SRTP_F_ANY_SSRC, forge);
		}
	}
}

static void
any_ssrc_cross_check(void **state)
{
	(void)state;
	one_suite_any_ssrc(&cases[0]);  /* AES_CM_128_HMAC_SHA1_80 */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].suite == MG_SRTP_AEAD_AES_128_GCM &&
		    cases[i].mki_len)
			one_suite_any_ssrc(&cases[i]);
}

static void
cross_check_every_suite(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		one_suite(&cases[i]);
}

static void
srtcp_cross_check_every_suite(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		one_suite_rtcp(&cases[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cross_check_every_suite),
		cmocka_unit_test(srtcp_cross_check_every_suite),
		cmocka_unit_test(any_ssrc_cross_check),
		cmocka_unit_test(fresh_context_first_burst_wraps),
	};

	return cmocka_run_group_tests_name("srtp_libsrtp", tests, libsrtp_setup,
					   libsrtp_teardown);
}
