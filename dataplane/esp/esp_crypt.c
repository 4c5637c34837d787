/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One crypto pass for a burst of ESP packets. AES-GCM goes as IPsec-MB's
 * direct single-buffer calls: 1.3 has no GCM burst call, and the direct
 * call measured half the cost of a job for the SRTP engine (GCM is not
 * multi-buffered, so a job only adds dispatch). Everything else (CBC,
 * CTR and NULL with HMAC, ChaCha20-Poly1305) goes as chained jobs, whose
 * multi-buffer HMAC and CBC-decrypt lanes fill across the burst's SAs.
 */
#include "esp_priv.h"

static void
gcm_one(IMB_MGR *mgr, const struct mg_esp_sa *sa, struct esp_slot *s,
	struct gcm_context_data *g, bool encrypt)
{
	uint8_t *p = s->payload;
	uint8_t *tag = encrypt ? s->icv : s->tag;

	if (sa->key_len == 16 && encrypt)
		IMB_AES128_GCM_ENC(mgr, &s->k->gcm, g, p, p, s->cipher_len, s->iv,
				   s->aad, s->aad_len, tag, ESP_ICV_MAX);
	else if (sa->key_len == 16)
		IMB_AES128_GCM_DEC(mgr, &s->k->gcm, g, p, p, s->cipher_len, s->iv,
				   s->aad, s->aad_len, tag, ESP_ICV_MAX);
	else if (encrypt)
		IMB_AES256_GCM_ENC(mgr, &s->k->gcm, g, p, p, s->cipher_len, s->iv,
				   s->aad, s->aad_len, tag, ESP_ICV_MAX);
	else
		IMB_AES256_GCM_DEC(mgr, &s->k->gcm, g, p, p, s->cipher_len, s->iv,
				   s->aad, s->aad_len, tag, ESP_ICV_MAX);
	s->ok = true;
}

static const IMB_HASH_ALG hash_alg[] = {
	[ESP_A_SHA256] = IMB_AUTH_HMAC_SHA_256,
	[ESP_A_SHA1] = IMB_AUTH_HMAC_SHA_1,
	[ESP_A_MD5] = IMB_AUTH_MD5,
};

static const IMB_CIPHER_MODE cipher_mode[] = {
	[ESP_C_NULL] = IMB_CIPHER_NULL,
	[ESP_C_CBC] = IMB_CIPHER_CBC,
	[ESP_C_CTR] = IMB_CIPHER_CNTR,
	[ESP_C_CHACHA] = IMB_CIPHER_CHACHA20_POLY1305,
};

/* HMAC suites: the ICV covers the ESP header, IV and ciphertext, and
 * with ESN the high sequence bits after them (RFC 4303 §2.2.1), which
 * the slot's owner has written where the ICV goes. */
static void
job_fill(IMB_JOB *job, const struct mg_esp_sa *sa, struct esp_slot *s,
	 bool encrypt)
{
	uint8_t *end = s->payload + s->cipher_len;

	job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH :
				     IMB_ORDER_HASH_CIPHER;
	job->cipher_mode = cipher_mode[sa->cipher];
	job->enc_keys = s->k->enc;
	job->dec_keys = sa->cipher == ESP_C_CBC ? s->k->dec : s->k->enc;
	job->key_len_in_bytes = sa->cipher == ESP_C_NULL ? 0 : sa->key_len;
	job->src = s->esp;
	job->dst = s->payload;
	job->cipher_start_src_offset_in_bytes = (uint64_t)(s->payload - s->esp);
	job->msg_len_to_cipher_in_bytes = s->cipher_len;
	job->iv = s->iv;
	job->auth_tag_output = encrypt ? s->icv : s->tag;
	job->auth_tag_output_len_in_bytes = sa->icv_len;
	if (sa->cipher == ESP_C_CHACHA) {
		job->iv_len_in_bytes = 12;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->u.CHACHA20_POLY1305.aad = s->aad;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = s->aad_len;
		job->hash_start_src_offset_in_bytes =
			job->cipher_start_src_offset_in_bytes;
		job->msg_len_to_hash_in_bytes = s->cipher_len;
		return;
	}
	job->iv_len_in_bytes = sa->cipher == ESP_C_NULL ? 0 : 16;
	job->hash_alg = hash_alg[sa->auth];
	job->u.HMAC._hashed_auth_key_xor_ipad = s->k->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = s->k->opad;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = (uint64_t)(end - s->esp) +
					(sa->esn ? 4u : 0u);
}

static void
job_done(struct esp_burst *b, IMB_JOB *job)
{
	struct esp_slot *s = &b->slot[(uintptr_t)job->user_data];

	s->ok = job->status == IMB_STATUS_COMPLETED;
}

void
esp_crypt_burst(IMB_MGR *mgr, struct esp_burst *b, struct mg_esp_pkt *pkts,
		uint16_t n, bool encrypt)
{
	struct gcm_context_data g;
	IMB_JOB *job;
	bool jobs = false;

	for (uint16_t i = 0; i < n; i++) {
		struct esp_slot *s = &b->slot[i];
		const struct mg_esp_sa *sa = pkts[i].sa;

		if (!s->ready)
			continue;
		if (sa->cipher == ESP_C_GCM) {
			gcm_one(mgr, sa, s, &g, encrypt);
			continue;
		}
		job = IMB_GET_NEXT_JOB(mgr);
		job_fill(job, sa, s, encrypt);
		job->user_data = (void *)(uintptr_t)i;
		s->ok = false;
		jobs = true;
		for (job = IMB_SUBMIT_JOB(mgr); job != NULL;
		     job = IMB_GET_COMPLETED_JOB(mgr))
			job_done(b, job);
	}
	while (jobs && (job = IMB_FLUSH_JOB(mgr)) != NULL)
		job_done(b, job);
	/* The running GHASH and counter block of the last GCM packet. */
	explicit_bzero(&g, sizeof(g));
}
