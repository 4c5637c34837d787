/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside the SRTP engine: the context layout, RTP header parsing and the
 * replay database shared by protect and unprotect. */
#ifndef MG_SRTP_PRIV_H
#define MG_SRTP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "mg_srtp.h"

#define SRTP_AUTH_KEY_LEN 20   /* HMAC-SHA1 session key, RFC 3711 §8.2 */
#define SRTP_HMAC_OUT_LEN 12   /* IPsec-MB's shortest HMAC-SHA1 tag */
#define SRTP_GCM_TAG_LEN 16    /* RFC 7714 §14.2 */
#define SRTP_GCM_SALT_LEN 12   /* RFC 7714 §11: master and session salt */
#define SRTP_TAG_MAX 16
#define RTP_HDR_LEN 12

struct mg_srtp_suite_desc {
	uint8_t key_len;  /* AES key; 0 for the NULL cipher */
	uint8_t tag_len;  /* HMAC-SHA1 truncated to this, or the GCM tag */
	bool aead;        /* AES-GCM (RFC 7714) instead of AES-CM + HMAC */
};

extern const struct mg_srtp_suite_desc mg_srtp_suites[MG_SRTP_SUITE_MAX];

/* The session keys of one master key, in the forms IPsec-MB takes. The
 * GCM suites keep theirs (key schedule and GHASH powers, 1 KB) further
 * down the context's tail, so the AES-CM contexts stay small. */
struct srtp_keys {
	/* Line 0: all a GCM packet reads here, and an AES-CM one's salt. */
	uint8_t salt[MG_SRTP_MASTER_SALT_LEN]; /* GCM: 12 bytes used */
	uint8_t mki[MG_SRTP_MKI_MAX];
	uint32_t pass;  /* KDR: the burst pass whose packets use these keys */
	uint64_t used;  /* packets under this master, against lifetime
			 * (counted in the first set only, see srtp_kdr.c) */
	struct gcm_key_data *gcm; /* AEAD suites only (in the tail), else NULL */
	uint64_t epoch; /* KDR: r = index >> kdr_log2 these keys are for */
	uint8_t ipad[32] __attribute__((aligned(16))); /* SHA1(k ^ ipad) state */
	uint8_t opad[32] __attribute__((aligned(16))); /* SHA1(k ^ opad) state */
	/* Last, so AES-128 (176 of the 240 bytes) ends a line sooner. */
	uint8_t enc[16 * 15] __attribute__((aligned(16))); /* expanded AES */
};

/*
 * One context: the keys of its master keys (up to four, selected by MKI)
 * and the replay database of each SSRC: the highest index seen (`top`, 48
 * bits) and a ring of 64-bit buckets where bit (i & 63) of bucket (i >> 6)
 * says index i was received (as DPDK's lib/ipsec keeps ESP windows):
 * moving the window forward clears the buckets it crosses instead of
 * shifting all of them. SRTCP has keys and a window of its own.
 *
 * Size: a 320-byte header, 2 x 352 bytes of keys per master key (SRTP and
 * SRTCP), and per SSRC 40 bytes plus two sets of buckets, the next power
 * of two above window / 64 each (1024 packets: 2 x 256 bytes). So the
 * common context, one master and one SSRC with the default window, is
 * 1536 bytes in one block. GCM suites add 2 x 1008 bytes of GCM key data
 * per master key to the block; any-SSRC contexts keep their streams in a
 * second one. The header's first two lines hold all a packet touches of
 * it, the stream and the packet counters included.
 * Only the owning lcore touches it.
 *
 * Trailer layouts differ by suite, so they are offsets from the end of
 * the payload, set once at creation:
 *   SRTP   AES-CM: MKI, tag          GCM: tag, MKI (RFC 7714 §7)
 *   SRTCP  AES-CM: E||index, MKI, tag  GCM: tag, E||index, MKI (§9)
 */
struct srtp_replay {
	uint64_t top;   /* highest index received (or sent) */
	uint64_t *bm;   /* bucket_mask + 1 buckets, after the streams */
};

/* What one SSRC keeps: 40 bytes, plus its buckets. */
struct srtp_stream {
	uint32_t ssrc;
	uint32_t rtcp_next;   /* the SRTCP index the next protect uses */
	struct srtp_replay rtp, rtcp;
};

struct mg_srtp_ctx {
	struct srtp_stream *streams; /* nb_streams in use of max_streams */
	uint8_t nb_streams, max_streams;
	bool any_ssrc;
	uint16_t flags;
	uint16_t window;      /* packets accepted behind top, multiple of 64 */
	uint8_t key_len;
	uint8_t tag_len;      /* SRTP; 0 with UNAUTHENTICATED_SRTP */
	uint8_t mki_len;
	uint8_t nb_keys;
	uint8_t active;
	uint8_t rtcp_tag_len; /* SRTCP is always authenticated */
	bool aead;
	uint8_t mki_off, tag_off;           /* SRTP trailer */
	uint8_t rtcp_ei_off, rtcp_mki_off, rtcp_tag_off; /* SRTCP trailer */
	uint16_t bucket_mask; /* buckets - 1 */
	uint8_t kdr_log2;     /* 0: keys derived once */
	uint8_t suite;
	uint64_t lifetime;
	uint64_t rtcp_lifetime; /* min(lifetime, 2^31), RFC 3711 §9.2 */
	struct srtp_keys *keys;      /* nb_keys, SRTP labels 0-2: in tail */
	struct srtp_keys *rtcp_keys; /* nb_keys, SRTCP labels 3-5: in tail */
	struct gcm_key_data *gcm;    /* GCM: 2 x nb_keys in tail, else NULL */
	/* A one-SSRC context keeps its stream here and its buckets in the
	 * tail; an any-SSRC one keeps max_streams of each in a block of its
	 * own (replay state, not secret). */
	struct srtp_stream own;
	struct mg_srtp_stats stats;
	/* KDR contexts only (else NULL): the master keys, kept to derive
	 * each epoch's session keys, and a second key set per master so two
	 * epochs can be live at once (srtp_kdr.c). */
	struct mg_srtp_master *masters;
	struct srtp_keys *alt_keys, *alt_rtcp_keys;
	/* Made under the libsrtp2 engine (srtp_lib.c): its sessions, which
	 * then do the work; else NULL. */
	struct srtp_lib *lib;
	/* keys[nb_keys], rtcp_keys[nb_keys], KDR: alt_keys[nb_keys],
	 * alt_rtcp_keys[nb_keys]; GCM: one gcm_key_data for each of those
	 * sets' keys; KDR: masters[nb_keys]; then 2 x (bucket_mask + 1)
	 * buckets of own (SRTP, SRTCP). */
	uint64_t tail[] __attribute__((aligned(64)));
} __attribute__((aligned(64)));

/* The libsrtp2 engine (srtp_lib.c), when mg_srtp_set_engine chose it. */
struct srtp_lib;
extern bool srtp_lib_engine;
int srtp_lib_create(const struct mg_srtp_policy *p, struct srtp_lib **out);
void srtp_lib_destroy(struct srtp_lib *l);
uint16_t srtp_lib_burst(struct mg_srtp_pkt *pkts, uint16_t n, bool protect,
			bool rtcp);

static inline struct srtp_stream *
srtp_stream_find(struct mg_srtp_ctx *c, uint32_t ssrc)
{
	for (uint8_t i = 0; i < c->nb_streams; i++)
		if (c->streams[i].ssrc == ssrc)
			return &c->streams[i];
	return NULL;
}

/* A new SSRC's state in an any-SSRC context, or NULL when it is full.
 * Its replay buckets are zero: they were never used. */
static inline struct srtp_stream *
srtp_stream_add(struct mg_srtp_ctx *c, uint32_t ssrc)
{
	struct srtp_stream *s;

	if (c->nb_streams == c->max_streams)
		return NULL;
	s = &c->streams[c->nb_streams++];
	s->ssrc = ssrc;
	return s;
}

/* The stream a packet of this SSRC is sent on, added if the context takes
 * any SSRC; NULL with *st set if there is none. */
static inline struct srtp_stream *
srtp_tx_stream(struct mg_srtp_ctx *c, uint32_t ssrc, uint16_t *st)
{
	struct srtp_stream *s = srtp_stream_find(c, ssrc);

	if (s == NULL && c->any_ssrc)
		s = srtp_stream_add(c, ssrc);
	if (s == NULL)
		*st = c->any_ssrc ? MG_SRTP_E_SSRC_LIMIT : MG_SRTP_E_SSRC;
	return s;
}

/* A received SSRC that has no state yet is checked against a window that
 * has seen nothing; its stream is made only once a packet authenticates. */
extern const struct srtp_replay srtp_replay_fresh;

/* RTP header, RFC 3550 §5.1: the byte offset of the payload, or 0 with
 * *st set. Never reads past len. */
static inline uint16_t
rtp_hdr_len(const uint8_t *p, uint16_t len, uint16_t *st)
{
	uint32_t hl = RTP_HDR_LEN;

	if (len < RTP_HDR_LEN)
		return (uint16_t)(*st = MG_SRTP_E_TRUNCATED, 0);
	if ((p[0] >> 6) != 2)
		return (uint16_t)(*st = MG_SRTP_E_VERSION, 0);
	hl += 4u * (p[0] & 0x0f);
	if (hl > len)
		return (uint16_t)(*st = MG_SRTP_E_CSRC, 0);
	if (p[0] & 0x10) {
		if (hl + 4 > len)
			return (uint16_t)(*st = MG_SRTP_E_EXTENSION, 0);
		hl += 4 + 4u * (((uint32_t)p[hl + 2] << 8) | p[hl + 3]);
		if (hl > len)
			return (uint16_t)(*st = MG_SRTP_E_EXTENSION, 0);
	}
	return (uint16_t)hl;
}

/* RFC 3550 §5.1: with P set, the last byte counts padding bytes including
 * itself; it may not be 0 nor reach into the header. */
static inline bool
rtp_padding_ok(const uint8_t *p, uint16_t hdr_len, uint16_t end)
{
	if (!(p[0] & 0x20))
		return true;
	return end > hdr_len && p[end - 1] != 0 && p[end - 1] <= end - hdr_len;
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
rtp_seq(const uint8_t *p)
{
	return (uint16_t)((p[2] << 8) | p[3]);
}

static inline uint32_t
rtp_ssrc(const uint8_t *p)
{
	return ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) |
	       ((uint32_t)p[10] << 8) | p[11];
}

/*
 * RFC 3711 Appendix A index estimation from the highest index `top`. Until
 * top passes 2^15 the ROC is taken as 0, as libsrtp does, so a stream that
 * starts low never guesses ROC -1; both ends must estimate alike or the
 * first packets after a reorder would not authenticate.
 */
static inline uint64_t
srtp_estimate_index(uint64_t top, uint16_t seq)
{
	uint32_t roc = (uint32_t)(top >> 16);
	int32_t s_l = (int32_t)(top & 0xffff);

	if (top <= 0x8000)
		return seq;
	if (s_l < 0x8000) {
		if ((int32_t)seq - s_l > 0x8000)
			roc--;
	} else if (s_l - 0x8000 > (int32_t)seq) {
		roc++;
	}
	return ((uint64_t)roc << 16) | seq;
}

/* RFC 3711 §3.3.2: is idx new, inside the window and unseen? */
static inline uint16_t
srtp_replay_check(const struct mg_srtp_ctx *c, const struct srtp_replay *r,
		  uint64_t idx)
{
	uint64_t behind;

	if (idx > r->top)
		return MG_SRTP_OK;
	behind = r->top - idx;
	if (behind >= c->window)
		return MG_SRTP_E_TOO_OLD;
	return (r->bm[(idx >> 6) & c->bucket_mask] >> (idx & 63)) & 1 ?
		MG_SRTP_E_REPLAY : MG_SRTP_OK;
}

/* Record idx as received. Only after it authenticated. */
static inline void
srtp_replay_commit(struct mg_srtp_ctx *c, struct srtp_replay *r, uint64_t idx)
{
	uint64_t from = r->top >> 6, to = idx >> 6;

	if (idx > r->top) {
		/* Clear the buckets the window moves into (all, at most). */
		for (uint64_t b = from + 1; b <= to && b <= from +
		     c->bucket_mask + 1u; b++)
			r->bm[b & c->bucket_mask] = 0;
		r->top = idx;
	} else {
		c->stats.late += (idx != r->top);
	}
	r->bm[to & c->bucket_mask] |= 1ull << (idx & 63);
}

/* A packet that authenticated on receive: move its window, charge its
 * key, strip the trailer, count it. */
static inline void
srtp_accept(struct mg_srtp_ctx *c, struct srtp_replay *r, struct srtp_keys *k,
	    struct mg_srtp_pkt *pkt, uint64_t idx, uint16_t auth_len,
	    bool rtcp)
{
	srtp_replay_commit(c, r, idx);
	k->used++;
	pkt->len = auth_len;
	c->stats.packets++;
	c->stats.rtcp_packets += rtcp;
	c->stats.bytes += pkt->len;
}

/* What one packet of a burst keeps while its job is in flight. */
struct srtp_slot {
	uint8_t iv[16];
	uint8_t tag[SRTP_TAG_MAX];      /* computed tag, unless tag_out */
	uint8_t *tag_out;               /* where the job writes the tag */
	uint8_t rx_tag[SRTP_TAG_MAX];   /* as received (unprotect) */
	const uint8_t *aad;             /* GCM: authenticated, not encrypted */
	uint16_t aad_len;
	uint8_t aad_buf[12];            /* GCM SRTCP: header || E||index */
	uint32_t ei;                    /* SRTCP: E||index as sent */
	uint32_t ssrc;
	struct srtp_stream *st;         /* NULL: a new SSRC (unprotect) */
	uint64_t idx;
	struct srtp_keys *base;         /* the master's keys: MKI, lifetime */
	struct srtp_keys *k;            /* the keys of idx's KDR epoch */
	uint16_t hdr_len;
	uint16_t auth_len;  /* bytes authenticated before the ROC/E||index */
	bool cipher;        /* the payload is encrypted */
	bool auth;          /* a tag is computed */
};

/* May a received packet with this index, under this key, go on? Asked
 * before the crypto (so replays cost nothing) and again after it. */
static inline uint16_t
srtp_rx_admit(const struct mg_srtp_ctx *c, const struct srtp_replay *r,
	      uint64_t lifetime, const struct srtp_slot *slot)
{
	uint16_t st = srtp_replay_check(c, r, slot->idx);

	if (st != MG_SRTP_OK)
		return st;
	return slot->base->used >= lifetime ? MG_SRTP_E_LIFETIME : MG_SRTP_OK;
}

/* A packet whose KDR epoch needs keys while both key sets of its master
 * are in use by packets of the same pass: it goes in the next pass. */
#define SRTP_DEFER 0xfffe

extern __thread uint32_t srtp_pass;

struct srtp_keys *srtp_epoch_keys_slow(IMB_MGR *mgr, struct mg_srtp_ctx *c,
				       struct srtp_keys *base, bool rtcp,
				       uint64_t idx, uint16_t *st);

/* The session keys for packet index idx under master `base`: base itself
 * unless the context re-derives keys every 2^kdr_log2 packets (RFC 3711
 * §4.3.1). NULL with *st = SRTP_DEFER or MG_SRTP_E_CRYPTO. */
static inline struct srtp_keys *
srtp_epoch_keys(IMB_MGR *mgr, struct mg_srtp_ctx *c, struct srtp_keys *base,
		bool rtcp, uint64_t idx, uint16_t *st)
{
	if (c->kdr_log2 == 0)
		return base;
	return srtp_epoch_keys_slow(mgr, c, base, rtcp, idx, st);
}

/* Derive the session keys of master m for epoch r into k (srtp_ctx.c). */
int srtp_keys_derive(IMB_MGR *mgr, const struct mg_srtp_ctx *c, uint8_t m,
		     bool rtcp, uint64_t r, struct srtp_keys *k);

/* Constant-size copies for the two tag lengths there are: inlined moves
 * instead of a library call per packet. */
static inline void
srtp_save_tag(uint8_t *dst, const uint8_t *src, uint8_t len)
{
	if (len == 10)
		memcpy(dst, src, 10);
	else if (len == 4)
		memcpy(dst, src, 4);
	else if (len == 16)
		memcpy(dst, src, 16);
	else
		memcpy(dst, src, len);
}

/* Whether the first len (<= 16) bytes of two 16-byte tag buffers differ,
 * in time independent of where: two word compares under a length mask
 * (a byte loop cost a fifth of unprotect). */
static inline uint64_t
srtp_tag_diff(const uint8_t a[SRTP_TAG_MAX], const uint8_t b[SRTP_TAG_MAX],
	      uint8_t len)
{
	uint64_t a0, a1, b0, b1, m0, m1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	m0 = len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
	m1 = len >= 16 ? ~0ull : len > 8 ? (1ull << (8 * (len - 8))) - 1 : 0;
	return ((a0 ^ b0) & m0) | ((a1 ^ b1) & m1);
}

/* The replay state a received packet is first checked against: its
 * SSRC's, or for an SSRC an any-SSRC context has not seen, an empty one.
 * Sets slot->ssrc and slot->st; NULL with E_SSRC for a foreign SSRC. */
static inline const struct srtp_replay *
srtp_rx_replay(struct mg_srtp_ctx *c, struct srtp_slot *slot, uint32_t ssrc,
	       bool rtcp)
{
	slot->ssrc = ssrc;
	slot->st = srtp_stream_find(c, ssrc);
	if (slot->st != NULL)
		return rtcp ? &slot->st->rtcp : &slot->st->rtp;
	return c->any_ssrc ? &srtp_replay_fresh : NULL;
}

/*
 * What every received packet is checked for once its crypto is done, in
 * arrival order: the tag, compared in constant time (a timing difference
 * would tell how much of a forgery was right); the SSRC's state, made now
 * for a new one; then, again, the window and the key's lifetime, since an
 * earlier packet of the same burst may have made the stream, taken this
 * index, moved the window past it, or used the key up. *r: the window.
 */
static inline uint16_t
srtp_rx_verdict(struct mg_srtp_ctx *c, struct srtp_slot *slot, bool rtcp,
		uint64_t lifetime, uint8_t tag_len, bool crypto_ok,
		struct srtp_replay **r)
{
	if (!crypto_ok)
		return MG_SRTP_E_CRYPTO;
	if (srtp_tag_diff(slot->tag, slot->rx_tag, tag_len))
		return MG_SRTP_E_AUTH;
	if (slot->st == NULL)
		slot->st = srtp_stream_find(c, slot->ssrc);
	if (slot->st == NULL)
		slot->st = srtp_stream_add(c, slot->ssrc);
	if (slot->st == NULL)
		return MG_SRTP_E_SSRC_LIMIT;
	*r = rtcp ? &slot->st->rtcp : &slot->st->rtp;
	return srtp_rx_admit(c, *r, lifetime, slot);
}

/* Jobs are grouped so each group is one cipher burst and one hash burst
 * of IPsec-MB: by AES key size (or no cipher) and by whether a tag is
 * computed, 4 x 2 groups; then AES-GCM-128 and -256 (see srtp_gcm.c). Most bursts fill one group. */
#define SRTP_GROUPS 10
#define SRTP_GROUP_GCM 8
#define SRTP_WAITING 0xfe   /* not prepared yet (or deferred) */
#define SRTP_NO_GROUP 0xff  /* refused, or done */

struct srtp_burst {
	IMB_JOB jobs[MG_SRTP_BURST_MAX];        /* in group order */
	struct srtp_slot slot[MG_SRTP_BURST_MAX]; /* in packet order */
	uint8_t group[MG_SRTP_BURST_MAX];       /* per packet */
	uint8_t job_of[MG_SRTP_BURST_MAX];      /* per packet */
	uint8_t pkt_of[MG_SRTP_BURST_MAX];      /* per job */
	bool crypto_ok[MG_SRTP_BURST_MAX];      /* per job */
};

uint8_t srtp_group_of(const struct mg_srtp_ctx *c, const struct srtp_slot *s);

/* Fill the jobs of the prepared packets, group by group, and run each
 * group through IPsec-MB's synchronous burst calls. */
void srtp_burst_crypt(IMB_MGR *mgr, struct srtp_burst *b,
		      struct mg_srtp_pkt *pkts, uint16_t n, bool protect);

#define SRTP_PREFETCH_AHEAD 4

/* The cache lines of a context's active keys and its window bucket that a
 * packet will touch: key schedule, HMAC pads, salt; for GCM only the
 * pointer to its key data, salt and counters. */
static inline void
srtp_prefetch_keys(const struct mg_srtp_ctx *c)
{
	const struct srtp_keys *k = &c->keys[c->active];

	/* AES-128 uses 11 round keys, AES-256 15 (16 bytes each). */
	size_t end = c->aead ? 1 : offsetof(struct srtp_keys, enc) +
				   16u * (c->key_len / 4 + 7);

	for (size_t off = 0; off < end; off += 64)
		__builtin_prefetch((const char *)k + off);
	__builtin_prefetch(&c->own.rtp.bm[((c->own.rtp.top + 1) >> 6) &
					   c->bucket_mask]);
}

/* Second stage for GCM, once the pointer has arrived: the key schedule
 * and the first GHASH powers, what a packet of a few hundred bytes reads
 * (100,000 contexts at 172 bytes ran at half the one-context rate
 * without it). */
#define SRTP_GCM_PREFETCH_AHEAD 2
static inline void
srtp_prefetch_gcm(const struct mg_srtp_ctx *c)
{
	const char *g;

	if (c->gcm == NULL)
		return;
	g = (const char *)&c->gcm[c->active];
	for (size_t off = 0; off < 512; off += 64)
		__builtin_prefetch(g + off);
}

typedef uint16_t (*srtp_prepare_fn)(IMB_MGR *, struct mg_srtp_pkt *,
				    struct srtp_slot *);
typedef uint16_t (*srtp_finish_fn)(struct mg_srtp_pkt *, struct srtp_slot *,
				   bool crypto_ok);

/* Prepare the waiting packets; *again if one must wait for the next
 * pass. */
static inline __attribute__((always_inline)) void
srtp_burst_prepare(IMB_MGR *mgr, struct srtp_burst *b,
		   struct mg_srtp_pkt *pkts, uint16_t n,
		   srtp_prepare_fn prepare, bool *again)
{
	for (uint16_t i = 0; i < n; i++) {
		uint16_t st;

		if (i + SRTP_PREFETCH_AHEAD < n)
			srtp_prefetch_keys(pkts[i + SRTP_PREFETCH_AHEAD].ctx);
		if (i + SRTP_GCM_PREFETCH_AHEAD < n)
			srtp_prefetch_gcm(pkts[i + SRTP_GCM_PREFETCH_AHEAD].ctx);
		if (b->group[i] != SRTP_WAITING)
			continue;
		st = prepare(mgr, &pkts[i], &b->slot[i]);
		if (st == SRTP_DEFER) {
			*again = true;
			continue;
		}
		pkts[i].status = st;
		b->group[i] = SRTP_NO_GROUP;
		if (st == MG_SRTP_OK)
			b->group[i] = srtp_group_of(pkts[i].ctx, &b->slot[i]);
		else
			pkts[i].ctx->stats.drops[st]++;
	}
}

/* Finish this pass's packets in arrival order; returns how many passed. */
static inline __attribute__((always_inline)) uint16_t
srtp_burst_finish(struct srtp_burst *b, struct mg_srtp_pkt *pkts,
		  uint16_t n, srtp_finish_fn finish)
{
	uint16_t ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (b->group[i] >= SRTP_GROUPS)
			continue;
		b->group[i] = SRTP_NO_GROUP;
		pkts[i].status = finish(&pkts[i], &b->slot[i],
					b->crypto_ok[b->job_of[i]]);
		if (pkts[i].status == MG_SRTP_OK)
			ok++;
		else
			pkts[i].ctx->stats.drops[pkts[i].status]++;
	}
	return ok;
}

/*
 * The shape of both transforms: check every packet (prepare), one crypto
 * pass for the burst, then complete every packet in arrival order
 * (finish), so a later duplicate in the same burst loses to the earlier.
 * Every drop is counted here, once, whichever step refused the packet.
 * Only a KDR context whose packets span more than two key epochs in one
 * burst takes a second pass, for those that did not fit. Inline, so
 * prepare and finish inline into it.
 */
static inline __attribute__((always_inline)) uint16_t
srtp_burst_run(IMB_MGR *mgr, struct mg_srtp_pkt *pkts, uint16_t n,
	       bool protect, srtp_prepare_fn prepare, srtp_finish_fn finish)
{
	struct srtp_burst b;
	uint16_t ok = 0;
	bool again;

	if (n > MG_SRTP_BURST_MAX)
		n = MG_SRTP_BURST_MAX; /* the caller's contract; never overrun */
	/* With many contexts each packet's is cold: start every load now,
	 * both lines of the header a packet touches. */
	for (uint16_t i = 0; i < n; i++) {
		mg_srtp_ctx_prefetch(pkts[i].ctx);
		b.group[i] = SRTP_WAITING;
	}
	do {
		again = false;
		srtp_pass++;
		srtp_burst_prepare(mgr, &b, pkts, n, prepare, &again);
		srtp_burst_crypt(mgr, &b, pkts, n, protect);
		ok += srtp_burst_finish(&b, pkts, n, finish);
	} while (again);
	/* An IV gives the session salt away to whoever knows the SSRC and
	 * index: leave none on the stack (the barrier keeps the stores from
	 * being dropped as dead). Tags are sent in clear anyway. */
	for (uint16_t i = 0; i < n; i++)
		memset(b.slot[i].iv, 0, sizeof(b.slot[i].iv));
	__asm__ volatile("" : : "r"(b.slot) : "memory");
	return ok;
}

/* RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16),
 * as two big-endian 64-bit halves: the SSRC lands in bytes 4..7, the
 * 48-bit index in bytes 8..13, bytes 14..15 are the block counter. */
static inline void
srtp_cm_iv(const uint8_t salt[MG_SRTP_MASTER_SALT_LEN], uint32_t ssrc,
	   uint64_t idx, uint8_t iv[16])
{
	uint64_t hi, lo = 0;

	memcpy(&hi, salt, 8);
	memcpy(&lo, salt + 8, 6);
	hi = __builtin_bswap64(hi) ^ ssrc;
	lo = __builtin_bswap64(lo) ^ (idx << 16);
	hi = __builtin_bswap64(hi);
	lo = __builtin_bswap64(lo);
	memcpy(iv, &hi, 8);
	memcpy(iv + 8, &lo, 8);
}

/* RFC 7714 §8.1 / §9.1: IV = (00 00 || SSRC || index) XOR salt, the
 * index 48 bits: ROC || SEQ for SRTP, 0 || SRTCP index for SRTCP. */
static inline void
srtp_gcm_iv(const uint8_t salt[SRTP_GCM_SALT_LEN], uint32_t ssrc,
	    uint64_t idx, uint8_t iv[16])
{
	/* Big-endian halves: SSRC in bytes 2..5, the index in 6..11. */
	uint64_t hi = ((uint64_t)ssrc << 16) | (idx >> 32);
	uint32_t lo = (uint32_t)idx;
	uint64_t s_hi;
	uint32_t s_lo;

	memcpy(&s_hi, salt, 8);
	memcpy(&s_lo, salt + 8, 4);
	hi = __builtin_bswap64(hi) ^ s_hi;
	lo = __builtin_bswap32(lo) ^ s_lo;
	memcpy(iv, &hi, 8);
	memcpy(iv + 8, &lo, 4);
}

/* One SRTP or SRTCP job: cipher over [hdr_len, auth_len), HMAC-SHA1 over
 * [0, auth_len + 4): the 4 bytes after auth_len hold the ROC (SRTP, put
 * there for the hash) or E||index (SRTCP, part of the packet). */
void srtp_job_fill(IMB_JOB *job, const struct mg_srtp_ctx *c,
		   struct mg_srtp_pkt *pkt, struct srtp_slot *slot,
		   bool protect);

/* Key k (of a GCM context) with a GCM session key and 12-byte session
 * salt. Creation derives them; the RFC 7714 known-answer tests, which
 * publish session keys, call it directly. */
void srtp_gcm_set_keys(IMB_MGR *mgr, struct srtp_keys *k, const uint8_t *key,
		       uint8_t key_len, const uint8_t salt[SRTP_GCM_SALT_LEN]);

/* AES-GCM for the jobs [first, first + cnt) of a burst: AAD slot->aad,
 * cipher over [hdr_len, auth_len) when slot->cipher (else GMAC of the AAD
 * alone), the 16-byte tag to tag_out; crypto_ok[j] set for each. */
void srtp_gcm_crypt(IMB_MGR *mgr, struct srtp_burst *b,
		    struct mg_srtp_pkt *pkts, uint16_t first, uint16_t cnt,
		    bool protect);

#endif /* MG_SRTP_PRIV_H */
