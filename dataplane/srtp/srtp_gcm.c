/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-GCM for SRTP and SRTCP (RFC 7714) on IPsec-MB's job API. Version 1.3
 * has burst calls for AES-CTR and HMAC but none for GCM, so the jobs of a
 * GCM group are written straight into the manager's queue, submitted one
 * after the other and collected as they complete.
 */
#include "srtp_priv.h"

void
srtp_gcm_job_fill(IMB_JOB *job, const struct mg_srtp_ctx *c,
		  struct mg_srtp_pkt *pkt, struct srtp_slot *slot,
		  bool protect)
{
	uint16_t clen = slot->cipher ? slot->auth_len - slot->hdr_len : 0;

	job->cipher_mode = IMB_CIPHER_GCM;
	job->hash_alg = IMB_AUTH_AES_GMAC;
	job->cipher_direction = protect ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = protect ? IMB_ORDER_CIPHER_HASH :
				     IMB_ORDER_HASH_CIPHER;
	job->enc_keys = slot->k->gcm;
	job->dec_keys = slot->k->gcm;
	job->key_len_in_bytes = c->key_len;
	job->src = pkt->data;
	job->dst = pkt->data + slot->hdr_len;
	job->cipher_start_src_offset_in_bytes = slot->hdr_len;
	job->msg_len_to_cipher_in_bytes = clen;
	job->hash_start_src_offset_in_bytes = slot->hdr_len;
	job->msg_len_to_hash_in_bytes = clen;
	job->iv = slot->iv;
	job->iv_len_in_bytes = SRTP_GCM_SALT_LEN;
	job->u.GCM.aad = slot->aad;
	job->u.GCM.aad_len_in_bytes = slot->aad_len;
	job->auth_tag_output = slot->tag_out;
	job->auth_tag_output_len_in_bytes = SRTP_GCM_TAG_LEN;
}

static void
gcm_collect(IMB_JOB *done, bool *crypto_ok)
{
	if (done != NULL)
		crypto_ok[(uintptr_t)done->user_data] =
			done->status == IMB_STATUS_COMPLETED;
}

void
srtp_gcm_crypt(IMB_MGR *mgr, struct srtp_burst *b, struct mg_srtp_pkt *pkts,
	       uint16_t first, uint16_t cnt, bool protect)
{
	IMB_JOB *job;

	for (uint16_t j = first; j < first + cnt; j++) {
		uint8_t i = b->pkt_of[j];

		/* A job the manager never hands back counts as failed. */
		b->crypto_ok[j] = false;
		job = IMB_GET_NEXT_JOB(mgr);
		srtp_gcm_job_fill(job, pkts[i].ctx, &pkts[i], &b->slot[i],
				  protect);
		job->user_data = (void *)(uintptr_t)j;
		gcm_collect(IMB_SUBMIT_JOB(mgr), b->crypto_ok);
		while ((job = IMB_GET_COMPLETED_JOB(mgr)) != NULL)
			gcm_collect(job, b->crypto_ok);
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		gcm_collect(job, b->crypto_ok);
}
