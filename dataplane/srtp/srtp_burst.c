/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running a burst of SRTP packets through IPsec-MB: every packet that
 * passes its checks becomes one job; the manager keeps many in flight and
 * hands them back in submission order, so a whole burst costs one pass.
 */
#include "srtp_priv.h"

static void
complete(IMB_JOB *job, srtp_finish_fn finish)
{
	struct mg_srtp_pkt *pkt = job->user_data;

	pkt->status = finish(pkt, job->user_data2, job);
}

uint16_t
srtp_burst_run(IMB_MGR *mgr, struct mg_srtp_pkt *pkts, uint16_t n,
	       srtp_prepare_fn prepare, srtp_finish_fn finish)
{
	struct srtp_slot slot[MG_SRTP_BURST_MAX];
	uint16_t ok = 0;
	IMB_JOB *job;

	if (n > MG_SRTP_BURST_MAX)
		n = MG_SRTP_BURST_MAX; /* the caller's contract; never overrun */
	for (uint16_t i = 0; i < n; i++) {
		job = IMB_GET_NEXT_JOB(mgr);
		pkts[i].status = prepare(&pkts[i], &slot[i], job);
		if (pkts[i].status != MG_SRTP_OK)
			continue;
		job->user_data = &pkts[i];
		job->user_data2 = &slot[i];
		job = IMB_SUBMIT_JOB(mgr);
		while (job != NULL) {
			complete(job, finish);
			job = IMB_GET_COMPLETED_JOB(mgr);
		}
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		complete(job, finish);
	for (uint16_t i = 0; i < n; i++)
		ok += (pkts[i].status == MG_SRTP_OK);
	/* The slots held tags and IVs: leave none on the stack. */
	explicit_bzero(slot, sizeof(slot));
	return ok;
}

void
srtp_job_fill(IMB_JOB *job, const struct mg_srtp_ctx *c,
	      struct mg_srtp_pkt *pkt, struct srtp_slot *slot, bool protect)
{
	bool cipher = c->key_len != 0 && slot->auth_len > slot->hdr_len &&
		      !(c->flags & MG_SRTP_F_UNENCRYPTED_SRTP);

	job->chain_order = protect ? IMB_ORDER_CIPHER_HASH :
				     IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = protect ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->cipher_mode = cipher ? IMB_CIPHER_CNTR : IMB_CIPHER_NULL;
	job->enc_keys = slot->k->enc;
	job->dec_keys = slot->k->enc; /* CTR decrypts by encrypting */
	job->key_len_in_bytes = cipher ? c->key_len : 0;
	job->src = pkt->data;
	job->dst = pkt->data + slot->hdr_len;
	job->cipher_start_src_offset_in_bytes = slot->hdr_len;
	job->msg_len_to_cipher_in_bytes = slot->auth_len - slot->hdr_len;
	job->iv = slot->iv;
	job->iv_len_in_bytes = 16;
	if (c->tag_len == 0) {
		job->hash_alg = IMB_AUTH_NULL;
		return;
	}
	job->hash_alg = IMB_AUTH_HMAC_SHA_1;
	job->u.HMAC._hashed_auth_key_xor_ipad = slot->k->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = slot->k->opad;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = slot->auth_len + 4u;
	/* IPsec-MB 1.3 will not make a 10-byte tag: take 12, keep tag_len. */
	job->auth_tag_output = slot->tag;
	job->auth_tag_output_len_in_bytes = SRTP_HMAC_OUT_LEN;
}
