/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP contexts: the suite table, session key derivation at creation,
 * wiping at destruction, and the replay database's commit step.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srtp_arena.h"
#include "srtp_kdf.h"
#include "srtp_priv.h"

/* Chosen once per context from this table, never per packet. */
const struct mg_srtp_suite_desc mg_srtp_suites[MG_SRTP_SUITE_MAX] = {
	[MG_SRTP_AES_CM_128_HMAC_SHA1_80] = { .key_len = 16, .tag_len = 10 },
	[MG_SRTP_AES_CM_128_HMAC_SHA1_32] = { .key_len = 16, .tag_len = 4 },
	[MG_SRTP_AES_192_CM_HMAC_SHA1_80] = { .key_len = 24, .tag_len = 10 },
	[MG_SRTP_AES_192_CM_HMAC_SHA1_32] = { .key_len = 24, .tag_len = 4 },
	[MG_SRTP_AES_256_CM_HMAC_SHA1_80] = { .key_len = 32, .tag_len = 10 },
	[MG_SRTP_AES_256_CM_HMAC_SHA1_32] = { .key_len = 32, .tag_len = 4 },
	/* The NULL cipher still derives a 128-bit key (RFC 4568 §6.2.1). */
	[MG_SRTP_NULL_HMAC_SHA1_80] = { .key_len = 0, .tag_len = 10 },
	[MG_SRTP_NULL_HMAC_SHA1_32] = { .key_len = 0, .tag_len = 4 },
	[MG_SRTP_AEAD_AES_128_GCM] = { .key_len = 16, .tag_len = 16,
				       .aead = true },
	[MG_SRTP_AEAD_AES_256_GCM] = { .key_len = 32, .tag_len = 16,
				       .aead = true },
};

static const char *const status_names[MG_SRTP_STATUS_MAX] = {
	[MG_SRTP_OK] = "ok",
	[MG_SRTP_E_TRUNCATED] = "truncated",
	[MG_SRTP_E_VERSION] = "bad RTP version",
	[MG_SRTP_E_CSRC] = "CSRC list past the end",
	[MG_SRTP_E_EXTENSION] = "header extension past the end",
	[MG_SRTP_E_PADDING] = "bad padding",
	[MG_SRTP_E_NO_ROOM] = "no room for MKI and tag",
	[MG_SRTP_E_SSRC] = "wrong SSRC",
	[MG_SRTP_E_MKI] = "unknown MKI",
	[MG_SRTP_E_AUTH] = "authentication failed",
	[MG_SRTP_E_REPLAY] = "replayed",
	[MG_SRTP_E_TOO_OLD] = "too old for the replay window",
	[MG_SRTP_E_LIFETIME] = "master key lifetime exhausted",
	[MG_SRTP_E_CRYPTO] = "crypto job failed",
	[MG_SRTP_E_CLEARTEXT] = "SRTCP not encrypted as policy requires",
	[MG_SRTP_E_SSRC_LIMIT] = "too many SSRCs for an any-SSRC context",
};

/* The window of an SSRC not seen yet: empty (index 0 reads bucket 0). */
static uint64_t fresh_bucket[1];
const struct srtp_replay srtp_replay_fresh = { .top = 0, .bm = fresh_bucket };

static const char *const status_keys[MG_SRTP_STATUS_MAX] = {
	[MG_SRTP_OK] = "ok",
	[MG_SRTP_E_TRUNCATED] = "truncated",
	[MG_SRTP_E_VERSION] = "version",
	[MG_SRTP_E_CSRC] = "csrc",
	[MG_SRTP_E_EXTENSION] = "extension",
	[MG_SRTP_E_PADDING] = "padding",
	[MG_SRTP_E_NO_ROOM] = "no_room",
	[MG_SRTP_E_SSRC] = "ssrc",
	[MG_SRTP_E_MKI] = "mki",
	[MG_SRTP_E_AUTH] = "auth",
	[MG_SRTP_E_REPLAY] = "replay",
	[MG_SRTP_E_TOO_OLD] = "too_old",
	[MG_SRTP_E_LIFETIME] = "lifetime",
	[MG_SRTP_E_CRYPTO] = "crypto",
	[MG_SRTP_E_CLEARTEXT] = "cleartext",
	[MG_SRTP_E_SSRC_LIMIT] = "ssrc_limit",
};

const char *
mg_srtp_status_key(enum mg_srtp_status s)
{
	return (unsigned)s < MG_SRTP_STATUS_MAX ? status_keys[s] : "unknown";
}

const char *
mg_srtp_status_str(enum mg_srtp_status s)
{
	return (unsigned)s < MG_SRTP_STATUS_MAX ? status_names[s] : "unknown";
}

const struct mg_srtp_stats *
mg_srtp_ctx_stats(const struct mg_srtp_ctx *ctx)
{
	return &ctx->stats;
}

static uint32_t
permille(const struct srtp_keys *k, uint64_t lifetime)
{
	uint64_t used = __atomic_load_n(&k->used, __ATOMIC_RELAXED);

	/* lifetime >= 1; used <= lifetime, so no overflow past 2^54. */
	return used >= lifetime ? 1000 : (uint32_t)(used * 1000 / lifetime);
}

uint32_t
mg_srtp_ctx_used_permille(const struct mg_srtp_ctx *ctx)
{
	uint32_t worst = 0;

	for (uint8_t i = 0; i < ctx->nb_keys; i++) {
		uint32_t a = permille(&ctx->keys[i], ctx->lifetime);
		uint32_t b = permille(&ctx->rtcp_keys[i], ctx->rtcp_lifetime);

		if (a > worst)
			worst = a;
		if (b > worst)
			worst = b;
	}
	return worst;
}

static int
policy_check(const struct mg_srtp_policy *p)
{
	uint32_t w = p->window ? p->window : MG_SRTP_WINDOW_DEFAULT;

	if (p->suite == 0 || p->suite >= MG_SRTP_SUITE_MAX)
		return -EINVAL;
	if (w < MG_SRTP_WINDOW_MIN || w > MG_SRTP_WINDOW_MAX || w % 64)
		return -EINVAL;
	if (p->nb_masters == 0 || p->nb_masters > MG_SRTP_MASTERS_MAX ||
	    p->active >= p->nb_masters || p->mki_len > MG_SRTP_MKI_MAX ||
	    (p->nb_masters > 1 && p->mki_len == 0))
		return -EINVAL;
	if (p->lifetime > MG_SRTP_LIFETIME_MAX)
		return -EINVAL;
	/* Two masters with one MKI: unprotect could not tell them apart. */
	for (uint8_t i = 0; i < p->nb_masters; i++)
		for (uint8_t j = 0; j < i; j++)
			if (memcmp(p->masters[i].mki, p->masters[j].mki,
				   p->mki_len) == 0)
				return -EINVAL;
	if (p->flags & ~(MG_SRTP_F_UNENCRYPTED_SRTP |
			 MG_SRTP_F_UNENCRYPTED_SRTCP |
			 MG_SRTP_F_UNAUTHENTICATED_SRTP | MG_SRTP_F_ANY_SSRC))
		return -EINVAL;
	if (p->max_ssrcs > MG_SRTP_SSRCS_MAX ||
	    (p->max_ssrcs && !(p->flags & MG_SRTP_F_ANY_SSRC)) ||
	    (p->roc && (p->flags & MG_SRTP_F_ANY_SSRC)))
		return -EINVAL;
	/* An AEAD authenticates whatever it encrypts: GCM can leave the
	 * payload clear (RFC 7714 §16.1.3 tags it as AAD) but cannot skip
	 * the tag. */
	if (mg_srtp_suites[p->suite].aead &&
	    (p->flags & MG_SRTP_F_UNAUTHENTICATED_SRTP))
		return -EINVAL;
	if (p->kdr_log2 > MG_SRTP_KDR_LOG2_MAX)
		return -EINVAL;
	return 0;
}

/* RFC 2104 inner and outer pads, hashed once so each packet costs only its
 * own blocks. */
static void
hmac_pads(IMB_MGR *mgr, const uint8_t *key, struct srtp_keys *k)
{
	uint8_t block[64] __attribute__((aligned(16)));

	memset(block, 0x36, sizeof(block));
	for (int i = 0; i < SRTP_AUTH_KEY_LEN; i++)
		block[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(mgr, block, k->ipad);
	memset(block, 0x5c, sizeof(block));
	for (int i = 0; i < SRTP_AUTH_KEY_LEN; i++)
		block[i] ^= key[i];
	IMB_SHA1_ONE_BLOCK(mgr, block, k->opad);
	explicit_bzero(block, sizeof(block));
}

static int
expand_aes(IMB_MGR *mgr, const uint8_t *key, uint8_t len, uint8_t *enc)
{
	uint8_t dec[16 * 15] __attribute__((aligned(16)));

	if (len == 16)
		IMB_AES_KEYEXP_128(mgr, key, enc, dec);
	else if (len == 24)
		IMB_AES_KEYEXP_192(mgr, key, enc, dec);
	else if (len == 32)
		IMB_AES_KEYEXP_256(mgr, key, enc, dec);
	explicit_bzero(dec, sizeof(dec));
	return 0;
}

void
srtp_gcm_set_keys(IMB_MGR *mgr, struct srtp_keys *k, const uint8_t *key,
		  uint8_t key_len, const uint8_t salt[SRTP_GCM_SALT_LEN])
{
	if (key_len == 16)
		IMB_AES128_GCM_PRE(mgr, key, k->gcm);
	else
		IMB_AES256_GCM_PRE(mgr, key, k->gcm);
	memcpy(k->salt, salt, SRTP_GCM_SALT_LEN);
}

/* RFC 7714 §11: the AES-CM PRF with the 96-bit master salt padded with
 * zeros to 112 bits; an encryption key and a 12-byte salt, no auth key.
 * The GCM key data (schedule and GHASH powers) gets a block of its own. */
static int
derive_gcm_keys(IMB_MGR *mgr, const struct mg_srtp_suite_desc *sd,
		const struct mg_srtp_master *m, const struct mg_srtp_prf *prf,
		uint8_t base, uint64_t r, struct srtp_keys *k)
{
	uint8_t salt[MG_SRTP_MASTER_SALT_LEN] = { 0 }, enc[32];
	uint8_t sess_salt[SRTP_GCM_SALT_LEN];
	int rc;

	memcpy(salt, m->salt, SRTP_GCM_SALT_LEN);
	rc = mg_srtp_prf(mgr, prf, salt, base, r, MG_SRTP_R_LEN, enc,
			 sd->key_len);
	if (rc == 0)
		rc = mg_srtp_prf(mgr, prf, salt, base + 2, r, MG_SRTP_R_LEN,
				 sess_salt, sizeof(sess_salt));
	if (rc == 0)
		srtp_gcm_set_keys(mgr, k, enc, sd->key_len, sess_salt);
	explicit_bzero(enc, sizeof(enc));
	explicit_bzero(sess_salt, sizeof(sess_salt));
	explicit_bzero(salt, sizeof(salt));
	return rc;
}

/* The AES-CM suites' three session keys of one key set (labels base to
 * base + 2), the HMAC pads precomputed. */
static int
derive_cm_keys(IMB_MGR *mgr, const struct mg_srtp_suite_desc *sd,
	       const struct mg_srtp_master *m, const struct mg_srtp_prf *prf,
	       uint8_t base, uint64_t r, struct srtp_keys *k)
{
	uint8_t enc[32], auth[SRTP_AUTH_KEY_LEN];
	int rc;

	rc = mg_srtp_prf(mgr, prf, m->salt, base, r, MG_SRTP_R_LEN, enc,
			 prf->key_len);
	if (rc == 0)
		rc = mg_srtp_prf(mgr, prf, m->salt, base + 1, r,
				 MG_SRTP_R_LEN, auth, sizeof(auth));
	if (rc == 0)
		rc = mg_srtp_prf(mgr, prf, m->salt, base + 2, r,
				 MG_SRTP_R_LEN, k->salt, sizeof(k->salt));
	if (rc == 0 && sd->key_len)
		rc = expand_aes(mgr, enc, sd->key_len, k->enc);
	if (rc == 0)
		hmac_pads(mgr, auth, k);
	explicit_bzero(enc, sizeof(enc));
	explicit_bzero(auth, sizeof(auth));
	return rc;
}

static int
derive_set(IMB_MGR *mgr, const struct mg_srtp_suite_desc *sd,
	   const struct mg_srtp_master *m, const struct mg_srtp_prf *prf,
	   uint8_t mki_len, uint8_t base, uint64_t r, struct srtp_keys *k)
{
	memcpy(k->mki, m->mki, mki_len);
	return sd->aead ? derive_gcm_keys(mgr, sd, m, prf, base, r, k) :
			  derive_cm_keys(mgr, sd, m, prf, base, r, k);
}

/* RFC 3711 §4.3: the session keys of one master key for epoch r (index
 * DIV key_derivation_rate; 0 without KDR): SRTP's (labels 0-2) into rtp,
 * SRTCP's (3-5) into rtcp, either NULL when not wanted. The master's
 * schedule is expanded once for all of them. */
static int
derive_keys(IMB_MGR *mgr, const struct mg_srtp_suite_desc *sd,
	    const struct mg_srtp_master *m, uint8_t mki_len, uint64_t r,
	    struct srtp_keys *rtp, struct srtp_keys *rtcp)
{
	struct mg_srtp_prf prf;
	int rc;

	/* NULL cipher suites still derive with an AES-128 PRF. */
	rc = mg_srtp_prf_init(mgr, &prf, m->key, sd->key_len ? sd->key_len : 16);
	if (rc == 0 && rtp != NULL)
		rc = derive_set(mgr, sd, m, &prf, mki_len,
				MG_SRTP_LABEL_RTP_ENC, r, rtp);
	if (rc == 0 && rtcp != NULL)
		rc = derive_set(mgr, sd, m, &prf, mki_len,
				MG_SRTP_LABEL_RTCP_ENC, r, rtcp);
	mg_srtp_prf_wipe(&prf);
	return rc;
}

/* Where MKI, tag and E||index sit after the payload (see srtp_priv.h). */
static void
trailer_layout(struct mg_srtp_ctx *c, bool aead)
{
	c->aead = aead;
	if (aead) {
		c->tag_off = 0;
		c->mki_off = SRTP_GCM_TAG_LEN;
		c->rtcp_tag_off = 0;
		c->rtcp_ei_off = SRTP_GCM_TAG_LEN;
		c->rtcp_mki_off = SRTP_GCM_TAG_LEN + 4;
	} else {
		c->mki_off = 0;
		c->tag_off = c->mki_len;
		c->rtcp_ei_off = 0;
		c->rtcp_mki_off = 4;
		c->rtcp_tag_off = (uint8_t)(4 + c->mki_len);
	}
}

int
srtp_keys_derive(IMB_MGR *mgr, const struct mg_srtp_ctx *c, uint8_t m,
		 bool rtcp, uint64_t r, struct srtp_keys *k)
{
	return derive_keys(mgr, &mg_srtp_suites[c->suite], &c->masters[m],
			   c->mki_len, r, rtcp ? NULL : k, rtcp ? k : NULL);
}

/* What a context's block holds; its size and layout follow from it. */
struct ctx_shape {
	uint8_t nb;       /* master keys */
	uint8_t sets;     /* key sets per master: SRTP, SRTCP (and 2 alt) */
	bool aead;
	bool kdr;
	uint32_t buckets; /* per window of the own stream; 0: any-SSRC */
};

static struct ctx_shape
shape_of(uint8_t nb, bool aead, bool kdr, uint32_t buckets)
{
	return (struct ctx_shape){ .nb = nb, .sets = kdr ? 4 : 2,
				   .aead = aead, .kdr = kdr,
				   .buckets = buckets };
}

static size_t
ctx_size(const struct ctx_shape *s)
{
	size_t keys = (size_t)s->sets * s->nb;

	return sizeof(struct mg_srtp_ctx) + keys * sizeof(struct srtp_keys) +
	       (s->aead ? keys * sizeof(struct gcm_key_data) : 0) +
	       2 * s->buckets * sizeof(uint64_t) +
	       (s->kdr ? s->nb * sizeof(struct mg_srtp_master) : 0);
}

/* Point the key sets into the tail, in the order ctx_size counts them;
 * returns where the own stream's buckets go. */
static uint64_t *
tail_layout(struct mg_srtp_ctx *c, const struct ctx_shape *s)
{
	struct srtp_keys *k = (struct srtp_keys *)c->tail;
	uint32_t nkeys = (uint32_t)s->sets * s->nb;
	uint64_t *bm;

	c->keys = k;
	c->rtcp_keys = k + s->nb;
	if (s->kdr) {
		c->alt_keys = k + 2 * s->nb;
		c->alt_rtcp_keys = k + 3 * s->nb;
		for (uint32_t i = 2 * s->nb; i < nkeys; i++)
			k[i].epoch = UINT64_MAX; /* holds no epoch yet */
	}
	bm = (uint64_t *)(k + nkeys);
	if (s->aead) {
		c->gcm = (struct gcm_key_data *)(k + nkeys);
		for (uint32_t i = 0; i < nkeys; i++)
			k[i].gcm = &c->gcm[i];
		bm = (uint64_t *)(c->gcm + nkeys);
	}
	if (s->kdr)
		c->masters = (struct mg_srtp_master *)(bm + 2 * s->buckets);
	return bm;
}

static size_t
streams_size(uint8_t n, uint32_t buckets)
{
	size_t size = n * (sizeof(struct srtp_stream) +
			   2 * buckets * sizeof(uint64_t));

	return (size + 63) & ~(size_t)63; /* aligned_alloc wants a multiple */
}

/* The streams of an any-SSRC context: from the arena when they fit (2 MiB
 * pages, a free list per size: a restarted dataplane takes a hundred
 * thousand calls at once, and the heap's page faults and aligned
 * searches cost more than the keys), else the heap. */
static void *
streams_alloc(size_t size)
{
	return size <= SRTP_ARENA_MAX ? srtp_secret_alloc(size) :
	       aligned_alloc(64, size);
}

static void
streams_free(void *p, size_t size)
{
	if (size <= SRTP_ARENA_MAX)
		srtp_secret_free(p, size);
	else
		free(p);
}

/* n streams, each with an SRTP and an SRTCP window of `buckets` words,
 * the windows after the streams. The one-SSRC case lives in the context
 * itself; more come from a block of their own (replay state, not keys). */
static int
streams_init(struct mg_srtp_ctx *c, const struct mg_srtp_policy *p,
	     uint32_t buckets, uint64_t *bm)
{
	uint8_t n = p->max_ssrcs ? p->max_ssrcs : MG_SRTP_SSRCS_DEFAULT;

	if (!(p->flags & MG_SRTP_F_ANY_SSRC)) {
		c->streams = &c->own;
		c->own.ssrc = p->ssrc;
		/* As libsrtp's srtp_set_stream_roc: the index ROC * 2^16 is
		 * the highest seen, so the estimate starts in that ROC. */
		c->own.rtp.top = (uint64_t)p->roc << 16;
		c->own.rtp.bm = bm;
		c->own.rtcp.bm = bm + buckets;
		c->nb_streams = c->max_streams = 1;
		return 0;
	}
	c->any_ssrc = true;
	c->max_streams = n;
	c->streams = streams_alloc(streams_size(n, buckets));
	if (c->streams == NULL)
		return -ENOMEM;
	memset(c->streams, 0, streams_size(n, buckets));
	bm = (uint64_t *)(c->streams + n);
	for (uint8_t i = 0; i < n; i++) {
		c->streams[i].rtp.bm = bm + 2 * i * buckets;
		c->streams[i].rtcp.bm = bm + (2 * i + 1) * buckets;
	}
	return 0;
}

int
mg_srtp_ctx_create(struct IMB_MGR *mgr, const struct mg_srtp_policy *p,
		   struct mg_srtp_ctx **out)
{
	const struct mg_srtp_suite_desc *sd;
	struct mg_srtp_ctx *c;
	uint32_t window, buckets, own_buckets;
	struct ctx_shape shape;
	uint64_t *bm;
	size_t size;
	int rc = policy_check(p);

	if (rc != 0)
		return rc;
	sd = &mg_srtp_suites[p->suite];
	window = p->window ? p->window : MG_SRTP_WINDOW_DEFAULT;
	buckets = 1;
	while (buckets < window / 64 + 1)
		buckets <<= 1;
	own_buckets = (p->flags & MG_SRTP_F_ANY_SSRC) ? 0 : buckets;
	shape = shape_of(p->nb_masters, sd->aead, p->kdr_log2 != 0,
			 own_buckets);
	size = ctx_size(&shape);
	c = srtp_secret_alloc(size);
	if (c == NULL)
		return -ENOMEM;
	memset(c, 0, size);
	bm = tail_layout(c, &shape);
	if (shape.kdr)
		memcpy(c->masters, p->masters, p->nb_masters * sizeof(*c->masters));
	c->kdr_log2 = p->kdr_log2;
	c->suite = (uint8_t)p->suite;
	c->flags = p->flags;
	c->window = (uint16_t)window;
	c->bucket_mask = (uint16_t)(buckets - 1);
	c->key_len = sd->key_len;
	c->tag_len = (p->flags & MG_SRTP_F_UNAUTHENTICATED_SRTP) ? 0 : sd->tag_len;
	c->mki_len = p->mki_len;
	c->nb_keys = p->nb_masters;
	c->active = p->active;
	c->lifetime = p->lifetime ? p->lifetime : MG_SRTP_LIFETIME_MAX;
	c->rtcp_lifetime = c->lifetime < MG_SRTCP_LIFETIME_MAX ? c->lifetime :
			   MG_SRTCP_LIFETIME_MAX;
	/* RFC 4568 §6.2, RFC 6188 §3: the _32 suites keep an 80-bit tag
	 * for SRTCP; only SRTP's is cut to 32 bits. */
	c->rtcp_tag_len = sd->aead ? sd->tag_len : 10;
	trailer_layout(c, sd->aead);
	rc = streams_init(c, p, buckets, bm);
	for (uint8_t i = 0; i < p->nb_masters && rc == 0; i++)
		rc = derive_keys(mgr, sd, &p->masters[i], p->mki_len, 0,
				 &c->keys[i], &c->rtcp_keys[i]);
	if (rc == 0 && srtp_lib_engine)
		rc = srtp_lib_create(p, &c->lib);
	if (rc != 0) {
		mg_srtp_ctx_destroy(c);
		return rc;
	}
	*out = c;
	return 0;
}

void
mg_srtp_ctx_destroy(struct mg_srtp_ctx *ctx)
{
	struct ctx_shape shape;
	size_t size;

	if (ctx == NULL)
		return;
	shape = shape_of(ctx->nb_keys, ctx->aead, ctx->kdr_log2 != 0,
			 ctx->any_ssrc ? 0 : ctx->bucket_mask + 1u);
	size = ctx_size(&shape);
	if (ctx->any_ssrc)
		streams_free(ctx->streams, streams_size(ctx->max_streams,
							ctx->bucket_mask + 1u));
	srtp_lib_destroy(ctx->lib);
	explicit_bzero(ctx, size);
	srtp_secret_free(ctx, size);
}
