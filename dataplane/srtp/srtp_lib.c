/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The same contexts run by libsrtp2, one packet at a time: the engine of
 * most media planes built on libsrtp (one srtp_protect/srtp_unprotect per
 * packet), so the pipeline can be measured with it and with ours in the
 * same run (mg_srtp_set_engine). A context made under it holds two
 * libsrtp2 sessions, any-SSRC inbound and outbound, as it does not know
 * which way it will be used; what libsrtp2 cannot do (KDR, MKI, several
 * master keys, unauthenticated SRTP, NULL with 32-bit tags) is refused
 * at creation. Lifetimes and counters other than packets are libsrtp2's.
 */
#include <errno.h>
#include <stdlib.h>

#include <nss.h>
#include <srtp2/srtp.h>

#include "srtp_priv.h"

struct srtp_lib {
	srtp_t in, out;
};

bool srtp_lib_engine;
static NSSInitContext *nss_held;

int
mg_srtp_set_engine(enum mg_srtp_engine e)
{
	if (e == MG_SRTP_ENGINE_IPSEC_MB) {
		srtp_lib_engine = false;
		return 0;
	}
	if (e != MG_SRTP_ENGINE_LIBSRTP2)
		return -EINVAL;
	/* Once: libsrtp2's second srtp_init fails. Debian's libsrtp2 runs on
	 * NSS, which it would load and unload for every cipher it makes (see
	 * bench/gen/gen_srtp.c): held loaded. */
	if (nss_held == NULL) {
		if (srtp_init() != srtp_err_status_ok)
			return -EIO;
		nss_held = NSS_InitContext("", "", "", "", NULL,
					   NSS_INIT_READONLY | NSS_INIT_NOCERTDB |
					   NSS_INIT_NOMODDB | NSS_INIT_FORCEOPEN |
					   NSS_INIT_NOROOTINIT |
					   NSS_INIT_OPTIMIZESPACE);
		if (nss_held == NULL)
			return -EIO;
	}
	srtp_lib_engine = true;
	return 0;
}

/* The suite's SRTP and SRTCP transforms (SRTCP keeps an 80-bit tag with
 * the 32-bit suites, RFC 4568 §6.2); false: libsrtp2 has none. */
static bool
lib_suite(uint16_t suite, srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp)
{
	switch (suite) {
	case MG_SRTP_AES_CM_128_HMAC_SHA1_80:
	case MG_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_rtp_default(rtcp);
		break;
	case MG_SRTP_AES_192_CM_HMAC_SHA1_80:
	case MG_SRTP_AES_192_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(rtcp);
		break;
	case MG_SRTP_AES_256_CM_HMAC_SHA1_80:
	case MG_SRTP_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		break;
	case MG_SRTP_NULL_HMAC_SHA1_80:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtcp);
		break;
	case MG_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
		break;
	case MG_SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp);
		break;
	default:
		return false;
	}
	*rtp = *rtcp;
	if (suite == MG_SRTP_AES_CM_128_HMAC_SHA1_32)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
	else if (suite == MG_SRTP_AES_192_CM_HMAC_SHA1_32)
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(rtp);
	else if (suite == MG_SRTP_AES_256_CM_HMAC_SHA1_32)
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp);
	return true;
}

static int
lib_session(const struct mg_srtp_policy *p, bool inbound, srtp_t *out)
{
	const struct mg_srtp_suite_desc *sd = &mg_srtp_suites[p->suite];
	uint8_t key[MG_SRTP_MASTER_KEY_MAX + MG_SRTP_MASTER_SALT_LEN];
	bool any = p->flags & MG_SRTP_F_ANY_SSRC;
	srtp_policy_t sp;
	int rc = 0;

	*out = NULL;
	memset(&sp, 0, sizeof(sp));
	if (!lib_suite(p->suite, &sp.rtp, &sp.rtcp))
		return -ENOTSUP;
	if (p->flags & MG_SRTP_F_UNENCRYPTED_SRTP)
		sp.rtp.sec_serv = sec_serv_auth;
	if (p->flags & MG_SRTP_F_UNENCRYPTED_SRTCP)
		sp.rtcp.sec_serv = sec_serv_auth;
	memcpy(key, p->masters[0].key, sd->key_len);
	memcpy(key + sd->key_len, p->masters[0].salt,
	       sd->aead ? SRTP_GCM_SALT_LEN : MG_SRTP_MASTER_SALT_LEN);
	sp.key = key;
	sp.ssrc.type = any ? (inbound ? ssrc_any_inbound : ssrc_any_outbound) :
			     ssrc_specific;
	sp.ssrc.value = any ? 0 : p->ssrc;
	sp.window_size = p->window ? p->window : MG_SRTP_WINDOW_DEFAULT;
	if (srtp_create(out, &sp) != srtp_err_status_ok)
		rc = -EINVAL;
	else if (!any && p->roc &&
		 srtp_set_stream_roc(*out, p->ssrc, p->roc) != srtp_err_status_ok)
		rc = -EINVAL;
	if (rc != 0 && *out != NULL)
		srtp_dealloc(*out);
	explicit_bzero(key, sizeof(key));
	return rc;
}

int
srtp_lib_create(const struct mg_srtp_policy *p, struct srtp_lib **out)
{
	struct srtp_lib *l;

	if (p->kdr_log2 || p->mki_len || p->nb_masters != 1 ||
	    (p->flags & MG_SRTP_F_UNAUTHENTICATED_SRTP))
		return -ENOTSUP;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	if (lib_session(p, true, &l->in) != 0) {
		free(l);
		return -ENOTSUP;
	}
	if (lib_session(p, false, &l->out) != 0) {
		srtp_dealloc(l->in);
		free(l);
		return -ENOTSUP;
	}
	*out = l;
	return 0;
}

void
srtp_lib_destroy(struct srtp_lib *l)
{
	if (l == NULL)
		return;
	srtp_dealloc(l->in);  /* libsrtp2 wipes its keys */
	srtp_dealloc(l->out);
	free(l);
}

static uint16_t
status_of(srtp_err_status_t e)
{
	switch (e) {
	case srtp_err_status_ok: return MG_SRTP_OK;
	case srtp_err_status_auth_fail: return MG_SRTP_E_AUTH;
	case srtp_err_status_replay_fail: return MG_SRTP_E_REPLAY;
	case srtp_err_status_replay_old: return MG_SRTP_E_TOO_OLD;
	case srtp_err_status_no_ctx: return MG_SRTP_E_SSRC;
	case srtp_err_status_key_expired: return MG_SRTP_E_LIFETIME;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err: return MG_SRTP_E_TRUNCATED;
	default: return MG_SRTP_E_CRYPTO;
	}
}

/* One packet through libsrtp2. It writes its trailer past len unasked:
 * the room for it is checked first (its tag and SRTCP's E||index; no
 * MKI: refused at creation). */
static uint16_t
lib_one(struct mg_srtp_pkt *pkt, bool protect, bool rtcp)
{
	struct srtp_lib *l = pkt->ctx->lib;
	int len = pkt->len;
	srtp_err_status_t e;

	if (l == NULL) /* a burst mixing engines: not ours to run */
		return MG_SRTP_E_CRYPTO;
	if (protect && (uint32_t)pkt->len + SRTP_MAX_TAG_LEN + 4 > pkt->cap)
		return MG_SRTP_E_NO_ROOM;
	if (protect)
		e = rtcp ? srtp_protect_rtcp(l->out, pkt->data, &len) :
			   srtp_protect(l->out, pkt->data, &len);
	else
		e = rtcp ? srtp_unprotect_rtcp(l->in, pkt->data, &len) :
			   srtp_unprotect(l->in, pkt->data, &len);
	if (e == srtp_err_status_ok)
		pkt->len = (uint16_t)len;
	return status_of(e);
}

uint16_t
srtp_lib_burst(struct mg_srtp_pkt *pkts, uint16_t n, bool protect, bool rtcp)
{
	uint16_t ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct mg_srtp_stats *s = &pkts[i].ctx->stats;

		pkts[i].status = lib_one(&pkts[i], protect, rtcp);
		if (pkts[i].status != MG_SRTP_OK) {
			s->drops[pkts[i].status]++;
			continue;
		}
		s->packets++;
		s->bytes += pkts[i].len;
		s->rtcp_packets += rtcp;
		ok++;
	}
	return ok;
}
