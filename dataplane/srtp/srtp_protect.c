/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP protect (RFC 3711 §3.3): encrypt the payload with AES-CM, append
 * the MKI and the HMAC-SHA1 tag over header || payload || ROC; or (RFC
 * 7714) encrypt it with AES-GCM, the header as AAD, and append the tag
 * and the MKI.
 */
#include "srtp_priv.h"

/* Checks, in order: header fits (version, CSRC, extension), padding is
 * sane, the buffer takes MKI + tag (and the ROC the hash reads), the
 * master key has life left, the SSRC is the context's (or gets a stream
 * in an any-SSRC context: checked last, so no refused packet takes a
 * slot), the index is not reused. The index is committed here: a sender
 * decides it, as libsrtp does. */
static uint16_t
protect_prepare(IMB_MGR *mgr, struct mg_srtp_pkt *pkt,
		struct srtp_slot *slot)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint16_t st = MG_SRTP_OK, hl, trailer;
	struct srtp_stream *s;
	uint64_t idx;

	hl = rtp_hdr_len(pkt->data, pkt->len, &st);
	if (hl == 0)
		return st;
	if (!rtp_padding_ok(pkt->data, hl, pkt->len))
		return MG_SRTP_E_PADDING;
	trailer = c->mki_len + c->tag_len;
	/* AES-CM hashes the ROC from the 4 bytes after the payload. */
	if ((uint32_t)pkt->len + (trailer > 4 || c->aead ? trailer : 4) >
	    pkt->cap)
		return MG_SRTP_E_NO_ROOM;
	slot->base = &c->keys[c->active];
	if (slot->base->used >= c->lifetime)
		return MG_SRTP_E_LIFETIME;
	s = srtp_tx_stream(c, rtp_ssrc(pkt->data), &st);
	if (s == NULL)
		return st;
	idx = srtp_estimate_index(s->rtp.top, rtp_seq(pkt->data));
	st = srtp_replay_check(c, &s->rtp, idx);
	if (st != MG_SRTP_OK)
		return st;
	slot->k = srtp_epoch_keys(mgr, c, slot->base, false, idx, &st);
	if (slot->k == NULL)
		return st; /* nothing committed: a deferred packet comes back */
	slot->base->used++;
	srtp_replay_commit(c, &s->rtp, idx);
	slot->idx = idx;
	slot->hdr_len = hl;
	slot->auth_len = pkt->len;
	slot->cipher = c->key_len && hl < pkt->len &&
		       !(c->flags & MG_SRTP_F_UNENCRYPTED_SRTP);
	slot->auth = c->tag_len != 0;
	if (c->aead) {
		srtp_gcm_iv(slot->k->salt, s->ssrc, idx, slot->iv);
		slot->aad = pkt->data;
		slot->aad_len = slot->cipher ? hl : pkt->len;
		slot->tag_out = pkt->data + pkt->len + c->tag_off;
		return MG_SRTP_OK;
	}
	srtp_cm_iv(slot->k->salt, s->ssrc, idx, slot->iv);
	/* With room for all 12 bytes IPsec-MB makes, the tag goes straight to
	 * its place (the 2 extra bytes land in spare room and are cut). */
	slot->tag_out = (uint32_t)pkt->len + c->mki_len + SRTP_HMAC_OUT_LEN <=
			pkt->cap ? pkt->data + pkt->len + c->mki_len : slot->tag;
	put_be32(pkt->data + pkt->len, (uint32_t)(idx >> 16)); /* ROC */
	return MG_SRTP_OK;
}

static uint16_t
protect_finish(struct mg_srtp_pkt *pkt, struct srtp_slot *slot,
	       bool crypto_ok)
{
	struct mg_srtp_ctx *c = pkt->ctx;

	if (!crypto_ok)
		return MG_SRTP_E_CRYPTO;
	/* AES-CM: the MKI goes where the hashed ROC sat. */
	if (c->mki_len)
		memcpy(pkt->data + pkt->len + c->mki_off, slot->base->mki,
		       c->mki_len);
	if (slot->tag_out == slot->tag)
		memcpy(pkt->data + pkt->len + c->tag_off, slot->tag, c->tag_len);
	pkt->len = (uint16_t)(pkt->len + c->mki_len + c->tag_len);
	c->stats.packets++;
	c->stats.bytes += pkt->len;
	return MG_SRTP_OK;
}

uint16_t
mg_srtp_protect_burst(struct IMB_MGR *mgr, struct mg_srtp_pkt *pkts,
		      uint16_t n)
{
	if (n && pkts[0].ctx->lib != NULL) /* made under libsrtp2 */
		return srtp_lib_burst(pkts, n, true, false);
	return srtp_burst_run(mgr, pkts, n, true, protect_prepare,
			      protect_finish);
}
