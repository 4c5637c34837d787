/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP unprotect (RFC 3711 §3.3): find the master key by MKI, estimate the
 * index, refuse replays before spending crypto on them, authenticate
 * header || payload || ROC, decrypt, and only then move the replay window.
 */
#include "srtp_priv.h"

static struct srtp_keys *
key_by_mki(struct mg_srtp_ctx *c, const uint8_t *mki)
{
	for (uint8_t i = 0; i < c->nb_keys; i++)
		if (memcmp(c->keys[i].mki, mki, c->mki_len) == 0)
			return &c->keys[i];
	return NULL;
}

/*
 * A burst's packets are estimated against their stream's state before the
 * burst. That is what one at a time would give, except while the state
 * still says ROC 0 and SEQ below 2^15 (a fresh stream: the estimate is
 * the SEQ itself): there, an earlier packet of the same burst with a SEQ
 * above 2^15 would, once accepted, make a later SEQ near 0 the next ROC's.
 * Such a later packet waits for the next pass, when the earlier one has
 * been accepted or refused. The earlier ones are kept per pass, and only
 * there: a stream leaves that state with its first SEQ above 2^15, so
 * the table is empty but for a stream's first packets.
 */
static __thread struct {
	uint32_t pass;
	uint16_t n;
	struct {
		const struct mg_srtp_ctx *c;
		uint32_t ssrc;
		uint16_t seq;
	} e[MG_SRTP_BURST_MAX];
} high;

static bool
after_a_wrap(const struct mg_srtp_ctx *c, uint32_t ssrc, uint16_t seq)
{
	if (high.pass != srtp_pass) {
		high.pass = srtp_pass;
		high.n = 0;
	}
	if (seq > 0x8000) {
		if (high.n < MG_SRTP_BURST_MAX)
			high.e[high.n++] = (typeof(high.e[0])){ c, ssrc, seq };
		return false;
	}
	for (uint16_t i = 0; i < high.n; i++)
		if (high.e[i].c == c && high.e[i].ssrc == ssrc &&
		    srtp_estimate_index(high.e[i].seq, seq) != seq)
			return true;
	return false;
}

/* Checks, in order: room for header, MKI and tag; header fits; SSRC; MKI
 * known; index neither replayed nor too old; master key has life left. */
static uint16_t
unprotect_prepare(IMB_MGR *mgr, struct mg_srtp_pkt *pkt,
		  struct srtp_slot *slot)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint16_t st = MG_SRTP_OK, trailer = c->mki_len + c->tag_len, hl;
	const struct srtp_replay *r;

	if (pkt->len < RTP_HDR_LEN + trailer)
		return MG_SRTP_E_TRUNCATED;
	slot->auth_len = pkt->len - trailer;
	hl = rtp_hdr_len(pkt->data, slot->auth_len, &st);
	if (hl == 0)
		return st;
	r = srtp_rx_replay(c, slot, rtp_ssrc(pkt->data), false);
	if (r == NULL)
		return MG_SRTP_E_SSRC;
	slot->base = c->mki_len ? key_by_mki(c, pkt->data + slot->auth_len +
						 c->mki_off) : &c->keys[0];
	if (slot->base == NULL)
		return MG_SRTP_E_MKI;
	/* Unauthenticated SRTP has no trailer to hold the ROC the hash needs;
	 * it has no hash either. */
	if (c->tag_len && !c->aead && (uint32_t)slot->auth_len + 4 > pkt->cap)
		return MG_SRTP_E_NO_ROOM;
	if (r->top <= 0x8000 &&
	    after_a_wrap(c, slot->ssrc, rtp_seq(pkt->data)))
		return SRTP_DEFER;
	slot->idx = srtp_estimate_index(r->top, rtp_seq(pkt->data));
	st = srtp_rx_admit(c, r, c->lifetime, slot);
	if (st != MG_SRTP_OK)
		return st;
	slot->k = srtp_epoch_keys(mgr, c, slot->base, false, slot->idx, &st);
	if (slot->k == NULL)
		return st;
	slot->hdr_len = hl;
	slot->cipher = c->key_len && hl < slot->auth_len &&
		       !(c->flags & MG_SRTP_F_UNENCRYPTED_SRTP);
	slot->auth = c->tag_len != 0;
	srtp_save_tag(slot->rx_tag, pkt->data + slot->auth_len + c->tag_off,
		      c->tag_len);
	slot->tag_out = slot->tag;
	if (c->aead) {
		srtp_gcm_iv(slot->k->salt, slot->ssrc, slot->idx, slot->iv);
		slot->aad = pkt->data;
		slot->aad_len = slot->cipher ? hl : slot->auth_len;
		return MG_SRTP_OK;
	}
	if (c->tag_len)
		put_be32(pkt->data + slot->auth_len, (uint32_t)(slot->idx >> 16));
	srtp_cm_iv(slot->k->salt, slot->ssrc, slot->idx, slot->iv);
	return MG_SRTP_OK;
}

static uint16_t
unprotect_verdict(struct mg_srtp_pkt *pkt, struct srtp_slot *slot,
		  bool crypto_ok, struct srtp_replay **r)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint16_t st = srtp_rx_verdict(c, slot, false, c->lifetime, c->tag_len,
				      crypto_ok, r);

	if (st == MG_SRTP_OK &&
	    !rtp_padding_ok(pkt->data, slot->hdr_len, slot->auth_len))
		return MG_SRTP_E_PADDING;
	return st;
}

static uint16_t
unprotect_finish(struct mg_srtp_pkt *pkt, struct srtp_slot *slot,
		 bool crypto_ok)
{
	struct srtp_replay *r;
	uint16_t st = unprotect_verdict(pkt, slot, crypto_ok, &r);

	if (st == MG_SRTP_OK)
		srtp_accept(pkt->ctx, r, slot->base, pkt, slot->idx,
			    slot->auth_len, false);
	return st;
}

uint16_t
mg_srtp_unprotect_burst(struct IMB_MGR *mgr, struct mg_srtp_pkt *pkts,
			uint16_t n)
{
	if (n && pkts[0].ctx->lib != NULL) /* made under libsrtp2 */
		return srtp_lib_burst(pkts, n, false, false);
	return srtp_burst_run(mgr, pkts, n, false, unprotect_prepare,
			      unprotect_finish);
}
