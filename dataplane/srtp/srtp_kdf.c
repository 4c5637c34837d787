/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP key derivation function. The keystream's counter block is the
 * RFC's IV: x * 2^16, the low 16 bits counting blocks from zero. The
 * output is at most 256 bytes (16 blocks), so the count never carries out
 * of those 16 bits and a whole-block counter increment is the RFC's.
 * AES-128 encrypts the blocks one by one; AES-192/256 (rare) take one
 * IPsec-MB AES-CTR job, which has no single-block call for them.
 */
#include <errno.h>
#include <string.h>

#include "srtp_kdf.h"


int
mg_srtp_prf_init(IMB_MGR *mgr, struct mg_srtp_prf *prf, const uint8_t *key,
		 size_t key_len)
{
	/* Decryption keys are not needed for CTR, but the API writes them. */
	uint8_t dec[16 * 15] __attribute__((aligned(16)));

	switch (key_len) {
	case 16:
		IMB_AES_KEYEXP_128(mgr, key, prf->enc, dec);
		break;
	case 24:
		IMB_AES_KEYEXP_192(mgr, key, prf->enc, dec);
		break;
	case 32:
		IMB_AES_KEYEXP_256(mgr, key, prf->enc, dec);
		break;
	default:
		return -EINVAL;
	}
	prf->key_len = (uint8_t)key_len;
	explicit_bzero(dec, sizeof(dec));
	return 0;
}

void
mg_srtp_prf_wipe(struct mg_srtp_prf *prf)
{
	explicit_bzero(prf, sizeof(*prf));
}

/* RFC 3711 §4.3.1: key_id = label || r, right-aligned and XORed into the
 * salt; the IV is that value shifted left by 16 bits. */
static void
prf_iv(const uint8_t salt[MG_SRTP_SALT_LEN], uint8_t label, uint64_t r,
       unsigned int w, uint8_t iv[16])
{
	memcpy(iv, salt, MG_SRTP_SALT_LEN);
	iv[MG_SRTP_SALT_LEN - 1 - w] ^= label;
	for (unsigned int i = 0; i < w; i++)
		iv[MG_SRTP_SALT_LEN - 1 - i] ^= (uint8_t)(r >> (8 * i));
	iv[14] = 0;
	iv[15] = 0;
}

/* AES-128, the common case: each block of keystream is one AES of the
 * counter block (CFB of zeros is the same), with no job to submit and
 * flush; a context derives six keys of one or two blocks. */
static void
blocks_keystream(IMB_MGR *mgr, const struct mg_srtp_prf *prf, uint8_t iv[16],
		 uint8_t *out, size_t out_len)
{
	static const uint8_t zero[16];

	for (size_t off = 0; off < out_len; off += 16) {
		size_t n = out_len - off < 16 ? out_len - off : 16;

		IMB_AES128_CFB_ONE(mgr, out + off, zero, iv, prf->enc, n);
		iv[15]++; /* at most 16 blocks: the count stays in 16 bits */
	}
}

static int
ctr_keystream(IMB_MGR *mgr, const struct mg_srtp_prf *prf,
	      const uint8_t iv[16], uint8_t *out, size_t out_len)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);

	memset(out, 0, out_len); /* keystream = CTR encryption of zeros */
	job->cipher_mode = IMB_CIPHER_CNTR;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = prf->enc;
	job->key_len_in_bytes = prf->key_len;
	job->src = out;
	job->dst = out;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = out_len;
	job->iv = iv;
	job->iv_len_in_bytes = 16;
	job = IMB_SUBMIT_JOB(mgr);
	while (job == NULL)
		job = IMB_FLUSH_JOB(mgr);
	/* This manager has no other job in flight: what returns is ours. */
	return job->status == IMB_STATUS_COMPLETED ? 0 : -EIO;
}

int
mg_srtp_prf(IMB_MGR *mgr, const struct mg_srtp_prf *prf,
	    const uint8_t master_salt[MG_SRTP_SALT_LEN], uint8_t label,
	    uint64_t r, unsigned int r_len, uint8_t *out, size_t out_len)
{
	uint8_t iv[16];
	int rc = 0;

	if (label > MG_SRTP_LABEL_RTCP_SALT ||
	    (r_len != MG_SRTP_R_LEN && r_len != MG_SRTCP_R_LEN_NIST) ||
	    r >= 1ull << (8 * r_len) || out_len == 0 ||
	    out_len > MG_SRTP_KDF_OUT_MAX)
		return -EINVAL;
	prf_iv(master_salt, label, r, r_len, iv);
	if (prf->key_len == 16)
		blocks_keystream(mgr, prf, iv, out, out_len);
	else
		rc = ctr_keystream(mgr, prf, iv, out, out_len);
	explicit_bzero(iv, sizeof(iv));
	if (rc != 0)
		explicit_bzero(out, out_len);
	return rc;
}

int
mg_srtp_kdf(IMB_MGR *mgr, const uint8_t *master_key, size_t key_len,
	    const uint8_t master_salt[MG_SRTP_SALT_LEN], uint8_t label,
	    uint64_t r, unsigned int r_len, uint8_t *out, size_t out_len)
{
	struct mg_srtp_prf prf;
	int rc = mg_srtp_prf_init(mgr, &prf, master_key, key_len);

	if (rc == 0)
		rc = mg_srtp_prf(mgr, &prf, master_salt, label, r, r_len, out,
				 out_len);
	else if (out_len <= MG_SRTP_KDF_OUT_MAX)
		explicit_bzero(out, out_len);
	mg_srtp_prf_wipe(&prf);
	return rc;
}
