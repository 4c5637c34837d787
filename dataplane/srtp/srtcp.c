/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTCP (RFC 3711 §3.4): the compound RTCP packet is encrypted after its
 * first 8 bytes; E||SRTCP-index (31 bits) follows it in clear, then MKI and
 * the tag over header || payload || E||index. No index estimation: the
 * index travels in the packet. Same burst machinery as SRTP; the 4 bytes
 * the hash reads past auth_len are E||index itself.
 *
 * AES-GCM (RFC 7714 §9): header || ciphertext || tag || E||index || MKI,
 * the AAD being header || E||index; with E clear the whole packet and
 * E||index are AAD and nothing is encrypted.
 */
#include "srtp_priv.h"

#define RTCP_HDR_LEN 8
#define SRTCP_E_BIT 0x80000000u

static inline uint32_t
get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

/* RFC 3550 §6.4: the first RTCP packet's header is version 2. Its length
 * word is left to whoever parses RTCP: SRTCP protects the compound packet
 * as opaque bytes (as libsrtp2 does), and RFC 7714 §17's own test packet
 * claims 56 bytes in 52. The SSRC is the caller's to check. */
static uint16_t
rtcp_check(const uint8_t *p, uint16_t len)
{
	if (len < RTCP_HDR_LEN)
		return MG_SRTP_E_TRUNCATED;
	if ((p[0] >> 6) != 2)
		return MG_SRTP_E_VERSION;
	return MG_SRTP_OK;
}

/* Encrypted unless the policy says UNENCRYPTED_SRTCP or the suite has no
 * cipher (the NULL suites send E = 0, as libsrtp2 does). */
static inline bool
rtcp_encrypts(const struct mg_srtp_ctx *c)
{
	return c->key_len && !(c->flags & MG_SRTP_F_UNENCRYPTED_SRTCP);
}

/* Checks: header, room for E||index + MKI + tag (the tag may be written
 * 12 bytes long), the index space (2^31) and the key's SRTCP lifetime. */
/*
 * The AAD of a GCM packet whose payload ends at auth_len: header ||
 * E||index, built in the slot; or with E clear the packet itself with
 * E||index written after it (where the tag goes later), so the AAD is one
 * run of bytes as IPsec-MB wants. tag_out: where the tag is computed.
 */
static uint16_t
gcm_prepare(uint8_t *p, struct srtp_slot *slot, bool e, uint8_t *tag_out)
{
	srtp_gcm_iv(slot->k->salt, slot->ssrc, slot->idx, slot->iv);
	slot->tag_out = tag_out;
	if (e) {
		memcpy(slot->aad_buf, p, RTCP_HDR_LEN);
		put_be32(slot->aad_buf + RTCP_HDR_LEN, slot->ei);
		slot->aad = slot->aad_buf;
		slot->aad_len = RTCP_HDR_LEN + 4;
		return MG_SRTP_OK;
	}
	put_be32(p + slot->auth_len, slot->ei);
	slot->aad = p;
	slot->aad_len = slot->auth_len + 4;
	slot->tag_out = slot->tag; /* E||index holds the tag's place */
	return MG_SRTP_OK;
}

static uint16_t
protect_prepare(IMB_MGR *mgr, struct mg_srtp_pkt *pkt,
		struct srtp_slot *slot)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint16_t st = rtcp_check(pkt->data, pkt->len);
	uint32_t trailer = 4u + c->mki_len + c->rtcp_tag_len;
	bool e = rtcp_encrypts(c);
	struct srtp_stream *s;

	if (st != MG_SRTP_OK)
		return st;
	if (pkt->len + trailer > pkt->cap)
		return MG_SRTP_E_NO_ROOM;
	slot->base = &c->rtcp_keys[c->active];
	if (slot->base->used >= c->rtcp_lifetime)
		return MG_SRTP_E_LIFETIME;
	s = srtp_tx_stream(c, get_be32(pkt->data + 4), &st);
	if (s == NULL)
		return st;
	if (s->rtcp_next >= SRTCP_E_BIT)
		return MG_SRTP_E_LIFETIME;
	slot->k = srtp_epoch_keys(mgr, c, slot->base, true, s->rtcp_next, &st);
	if (slot->k == NULL)
		return st; /* the index is not spent: a deferred one comes back */
	slot->base->used++;
	slot->ssrc = s->ssrc;
	slot->idx = s->rtcp_next++;
	slot->hdr_len = RTCP_HDR_LEN;
	slot->auth_len = pkt->len;
	slot->cipher = e && pkt->len > RTCP_HDR_LEN;
	slot->auth = true;
	slot->ei = (uint32_t)slot->idx | (e ? SRTCP_E_BIT : 0);
	if (c->aead)
		return gcm_prepare(pkt->data, slot, e,
				   pkt->data + pkt->len + c->rtcp_tag_off);
	put_be32(pkt->data + pkt->len, slot->ei);
	srtp_cm_iv(slot->k->salt, slot->ssrc, slot->idx, slot->iv);
	slot->tag_out = pkt->len + 4u + c->mki_len + SRTP_HMAC_OUT_LEN <=
			pkt->cap ? pkt->data + pkt->len + 4 + c->mki_len :
				   slot->tag;
	return MG_SRTP_OK;
}

static uint16_t
protect_finish(struct mg_srtp_pkt *pkt, struct srtp_slot *slot,
	       bool crypto_ok)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint8_t *end = pkt->data + pkt->len;

	if (!crypto_ok)
		return MG_SRTP_E_CRYPTO;
	if (slot->tag_out == slot->tag)
		memcpy(end + c->rtcp_tag_off, slot->tag, c->rtcp_tag_len);
	put_be32(end + c->rtcp_ei_off, slot->ei);
	if (c->mki_len)
		memcpy(end + c->rtcp_mki_off, slot->base->mki, c->mki_len);
	pkt->len = (uint16_t)(pkt->len + 4 + c->mki_len + c->rtcp_tag_len);
	c->stats.packets++;
	c->stats.rtcp_packets++;
	c->stats.bytes += pkt->len;
	return MG_SRTP_OK;
}

static struct srtp_keys *
rtcp_key_by_mki(struct mg_srtp_ctx *c, const uint8_t *mki)
{
	if (c->mki_len == 0)
		return &c->rtcp_keys[0];
	for (uint8_t i = 0; i < c->nb_keys; i++)
		if (memcmp(c->keys[i].mki, mki, c->mki_len) == 0)
			return &c->rtcp_keys[i];
	return NULL;
}

/* Checks: room for header and trailer, header, MKI, E flag against the
 * policy, index neither replayed nor too old, key's SRTCP lifetime. */
static uint16_t
unprotect_prepare(IMB_MGR *mgr, struct mg_srtp_pkt *pkt,
		  struct srtp_slot *slot)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint16_t trailer = (uint16_t)(4 + c->mki_len + c->rtcp_tag_len), st;
	const struct srtp_replay *r;
	uint32_t ei;

	if (pkt->len < RTCP_HDR_LEN + trailer)
		return MG_SRTP_E_TRUNCATED;
	slot->auth_len = pkt->len - trailer;
	st = rtcp_check(pkt->data, slot->auth_len);
	if (st != MG_SRTP_OK)
		return st;
	r = srtp_rx_replay(c, slot, get_be32(pkt->data + 4), true);
	if (r == NULL)
		return MG_SRTP_E_SSRC;
	slot->base = rtcp_key_by_mki(c, pkt->data + slot->auth_len +
				     c->rtcp_mki_off);
	if (slot->base == NULL)
		return MG_SRTP_E_MKI;
	ei = get_be32(pkt->data + slot->auth_len + c->rtcp_ei_off);
	/* E is authenticated, so only the peer could have cleared it; still
	 * a peer that stops encrypting breaks the negotiated policy. */
	if (!(ei & SRTCP_E_BIT) && rtcp_encrypts(c))
		return MG_SRTP_E_CLEARTEXT;
	slot->idx = ei & ~SRTCP_E_BIT;
	st = srtp_rx_admit(c, r, c->rtcp_lifetime, slot);
	if (st != MG_SRTP_OK)
		return st;
	slot->k = srtp_epoch_keys(mgr, c, slot->base, true, slot->idx, &st);
	if (slot->k == NULL)
		return st;
	slot->hdr_len = RTCP_HDR_LEN;
	slot->cipher = (ei & SRTCP_E_BIT) && c->key_len &&
		       slot->auth_len > RTCP_HDR_LEN;
	slot->auth = true;
	slot->ei = ei;
	srtp_save_tag(slot->rx_tag, pkt->data + slot->auth_len +
		      c->rtcp_tag_off, c->rtcp_tag_len);
	if (c->aead)
		return gcm_prepare(pkt->data, slot, ei & SRTCP_E_BIT,
				   slot->tag);
	srtp_cm_iv(slot->k->salt, slot->ssrc, slot->idx, slot->iv);
	slot->tag_out = slot->tag;
	return MG_SRTP_OK;
}

static uint16_t
unprotect_finish(struct mg_srtp_pkt *pkt, struct srtp_slot *slot,
		 bool crypto_ok)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	struct srtp_replay *r;
	uint16_t st = srtp_rx_verdict(c, slot, true, c->rtcp_lifetime,
				      c->rtcp_tag_len, crypto_ok, &r);

	if (st == MG_SRTP_OK)
		srtp_accept(c, r, slot->base, pkt, slot->idx, slot->auth_len,
			    true);
	return st;
}

uint16_t
mg_srtcp_protect_burst(struct IMB_MGR *mgr, struct mg_srtp_pkt *pkts,
		       uint16_t n)
{
	if (n && pkts[0].ctx->lib != NULL) /* made under libsrtp2 */
		return srtp_lib_burst(pkts, n, true, true);
	return srtp_burst_run(mgr, pkts, n, true, protect_prepare,
			      protect_finish);
}

uint16_t
mg_srtcp_unprotect_burst(struct IMB_MGR *mgr, struct mg_srtp_pkt *pkts,
			 uint16_t n)
{
	if (n && pkts[0].ctx->lib != NULL) /* made under libsrtp2 */
		return srtp_lib_burst(pkts, n, false, true);
	return srtp_burst_run(mgr, pkts, n, false, unprotect_prepare,
			      unprotect_finish);
}
