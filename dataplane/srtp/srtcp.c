/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTCP (RFC 3711 §3.4): the compound RTCP packet is encrypted after its
 * first 8 bytes; E||SRTCP-index (31 bits) follows it in clear, then MKI and
 * the tag over header || payload || E||index. No index estimation: the
 * index travels in the packet. Same burst machinery as SRTP; the 4 bytes
 * the hash reads past auth_len are E||index itself.
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

/* RFC 3550 §6.4: the first RTCP packet's header: version 2, its length
 * word within the buffer, and the SSRC of this context. */
static uint16_t
rtcp_check(const struct mg_srtp_ctx *c, const uint8_t *p, uint16_t len)
{
	if (len < RTCP_HDR_LEN)
		return MG_SRTP_E_TRUNCATED;
	if ((p[0] >> 6) != 2)
		return MG_SRTP_E_VERSION;
	if (4u * ((((uint32_t)p[2] << 8) | p[3]) + 1) > len)
		return MG_SRTP_E_TRUNCATED;
	if (get_be32(p + 4) != c->ssrc)
		return MG_SRTP_E_SSRC;
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
static uint16_t
protect_prepare(struct mg_srtp_pkt *pkt, struct srtp_slot *slot)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint16_t st = rtcp_check(c, pkt->data, pkt->len);
	uint32_t trailer = 4u + c->mki_len + c->rtcp_tag_len;
	bool e = rtcp_encrypts(c);

	if (st != MG_SRTP_OK)
		return st;
	if (pkt->len + trailer > pkt->cap)
		return MG_SRTP_E_NO_ROOM;
	slot->k = &c->rtcp_keys[c->active];
	if (c->rtcp_next >= SRTCP_E_BIT || slot->k->used >= c->rtcp_lifetime)
		return MG_SRTP_E_LIFETIME;
	slot->k->used++;
	slot->idx = c->rtcp_next++;
	slot->hdr_len = RTCP_HDR_LEN;
	slot->auth_len = pkt->len;
	slot->cipher = e && pkt->len > RTCP_HDR_LEN;
	slot->auth = true;
	put_be32(pkt->data + pkt->len, (uint32_t)slot->idx | (e ? SRTCP_E_BIT : 0));
	srtp_cm_iv(slot->k->salt, c->ssrc, slot->idx, slot->iv);
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
	uint8_t *end = pkt->data + pkt->len + 4;

	if (!crypto_ok)
		return MG_SRTP_E_CRYPTO;
	if (c->mki_len)
		memcpy(end, slot->k->mki, c->mki_len);
	if (slot->tag_out == slot->tag)
		memcpy(end + c->mki_len, slot->tag, c->rtcp_tag_len);
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
unprotect_prepare(struct mg_srtp_pkt *pkt, struct srtp_slot *slot)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint16_t trailer = (uint16_t)(4 + c->mki_len + c->rtcp_tag_len), st;
	uint32_t ei;

	if (pkt->len < RTCP_HDR_LEN + trailer)
		return MG_SRTP_E_TRUNCATED;
	slot->auth_len = pkt->len - trailer;
	st = rtcp_check(c, pkt->data, slot->auth_len);
	if (st != MG_SRTP_OK)
		return st;
	slot->k = rtcp_key_by_mki(c, pkt->data + slot->auth_len + 4);
	if (slot->k == NULL)
		return MG_SRTP_E_MKI;
	ei = get_be32(pkt->data + slot->auth_len);
	/* E is authenticated, so only the peer could have cleared it; still
	 * a peer that stops encrypting breaks the negotiated policy. */
	if (!(ei & SRTCP_E_BIT) && rtcp_encrypts(c))
		return MG_SRTP_E_CLEARTEXT;
	slot->idx = ei & ~SRTCP_E_BIT;
	st = srtp_rx_admit(c, &c->rtcp, c->rtcp_lifetime, slot);
	if (st != MG_SRTP_OK)
		return st;
	slot->hdr_len = RTCP_HDR_LEN;
	slot->cipher = (ei & SRTCP_E_BIT) && c->key_len &&
		       slot->auth_len > RTCP_HDR_LEN;
	slot->auth = true;
	srtp_save_tag(slot->rx_tag, pkt->data + pkt->len - c->rtcp_tag_len,
		      c->rtcp_tag_len);
	srtp_cm_iv(slot->k->salt, c->ssrc, slot->idx, slot->iv);
	slot->tag_out = slot->tag;
	return MG_SRTP_OK;
}

static uint16_t
unprotect_finish(struct mg_srtp_pkt *pkt, struct srtp_slot *slot,
		 bool crypto_ok)
{
	struct mg_srtp_ctx *c = pkt->ctx;
	uint16_t st = srtp_rx_verdict(c, &c->rtcp, c->rtcp_lifetime, slot,
				      c->rtcp_tag_len, crypto_ok);

	if (st == MG_SRTP_OK)
		srtp_accept(c, &c->rtcp, slot->k, pkt, slot->idx, slot->auth_len);
	return st;
}

uint16_t
mg_srtcp_protect_burst(struct IMB_MGR *mgr, struct mg_srtp_pkt *pkts,
		       uint16_t n)
{
	return srtp_burst_run(mgr, pkts, n, true, protect_prepare,
			      protect_finish);
}

uint16_t
mg_srtcp_unprotect_burst(struct IMB_MGR *mgr, struct mg_srtp_pkt *pkts,
			 uint16_t n)
{
	return srtp_burst_run(mgr, pkts, n, false, unprotect_prepare,
			      unprotect_finish);
}
