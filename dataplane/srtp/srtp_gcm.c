/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-GCM for SRTP and SRTCP (RFC 7714) on IPsec-MB. Version 1.3 has burst
 * calls for AES-CTR and HMAC but none for GCM; of the two ways it has, the
 * direct single-buffer call costs half what the job API does for the
 * same work (bench/srtp_bench, 172-byte packets, one core: 69 vs 128
 * cycles a packet), as GCM is not multi-buffered and a job only adds its
 * dispatch. So a GCM group is one pass of direct calls; they cannot fail.
 */
#include "srtp_priv.h"

static inline void
gcm_one(IMB_MGR *mgr, const struct mg_srtp_ctx *c, struct mg_srtp_pkt *pkt,
	const struct srtp_slot *slot, struct gcm_context_data *g,
	bool protect)
{
	uint8_t *p = pkt->data + slot->hdr_len;
	uint64_t len = slot->cipher ? slot->auth_len - slot->hdr_len : 0;
	const struct gcm_key_data *k = slot->k->gcm;

	if (c->key_len == 16 && protect)
		IMB_AES128_GCM_ENC(mgr, k, g, p, p, len, slot->iv, slot->aad,
				   slot->aad_len, slot->tag_out, SRTP_GCM_TAG_LEN);
	else if (c->key_len == 16)
		IMB_AES128_GCM_DEC(mgr, k, g, p, p, len, slot->iv, slot->aad,
				   slot->aad_len, slot->tag_out, SRTP_GCM_TAG_LEN);
	else if (protect)
		IMB_AES256_GCM_ENC(mgr, k, g, p, p, len, slot->iv, slot->aad,
				   slot->aad_len, slot->tag_out, SRTP_GCM_TAG_LEN);
	else
		IMB_AES256_GCM_DEC(mgr, k, g, p, p, len, slot->iv, slot->aad,
				   slot->aad_len, slot->tag_out, SRTP_GCM_TAG_LEN);
}

void
srtp_gcm_crypt(IMB_MGR *mgr, struct srtp_burst *b, struct mg_srtp_pkt *pkts,
	       uint16_t first, uint16_t cnt, bool protect)
{
	struct gcm_context_data g;

	for (uint16_t j = first; j < first + cnt; j++) {
		uint8_t i = b->pkt_of[j];

		gcm_one(mgr, pkts[i].ctx, &pkts[i], &b->slot[i], &g, protect);
		b->crypto_ok[j] = true;
	}
	/* The running GHASH and counter block of the last packet. */
	explicit_bzero(&g, sizeof(g));
}
