/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 3711 §4.3 key derivation with the AES-CM PRF (also RFC 6188 for
 * AES-192/256 and RFC 7714 §11 for AES-GCM), on Intel IPsec-MB. */
#ifndef MG_SRTP_KDF_H
#define MG_SRTP_KDF_H

#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

#define MG_SRTP_SALT_LEN 14       /* master salt of the AES-CM/GCM KDF */
#define MG_SRTP_KDF_OUT_MAX 256   /* longest key one derivation yields */

/* RFC 3711 §4.3.1 / §4.3.2 labels. */
enum mg_srtp_label {
	MG_SRTP_LABEL_RTP_ENC = 0,
	MG_SRTP_LABEL_RTP_AUTH = 1,
	MG_SRTP_LABEL_RTP_SALT = 2,
	MG_SRTP_LABEL_RTCP_ENC = 3,
	MG_SRTP_LABEL_RTCP_AUTH = 4,
	MG_SRTP_LABEL_RTCP_SALT = 5,
};

/*
 * out[0..out_len) = PRF_n(master_key, (label || r) XOR master_salt), where
 * r = index DIV key_derivation_rate (0 when the rate is 0), r_len bytes
 * wide (6 or 4). key_len is 16, 24 or 32. Returns 0, or -EINVAL for a bad
 * length, label, width or r, -EIO if IPsec-MB refused the job. Wipes its
 * own key schedule and counter block before returning.
 *
 * The width of r moves the label byte, so it matters even when r is 0.
 * RFC 3711 §4.3.2 is read two ways for SRTCP: libsrtp2, and so the peers
 * SBCs meet, take r as 48 bits for every label (MG_SRTP_R_LEN); NIST
 * SP 800-135 §5.3 and OpenSSL take the 32-bit SRTCP index
 * (MG_SRTCP_R_LEN_NIST). The engine uses the first, for interop.
 */
#define MG_SRTP_R_LEN 6
#define MG_SRTCP_R_LEN_NIST 4
int mg_srtp_kdf(IMB_MGR *mgr, const uint8_t *master_key, size_t key_len,
		const uint8_t master_salt[MG_SRTP_SALT_LEN], uint8_t label,
		uint64_t r, unsigned int r_len, uint8_t *out, size_t out_len);

/*
 * The same PRF for several labels under one master key (a context derives
 * six): the schedule is expanded once. mg_srtp_prf_init returns -EINVAL
 * for a key_len other than 16, 24, 32; mg_srtp_prf checks and returns as
 * mg_srtp_kdf; the schedule is a secret: wipe it when done.
 */
struct mg_srtp_prf {
	uint8_t enc[16 * 15] __attribute__((aligned(16)));
	uint8_t key_len;
};
int mg_srtp_prf_init(IMB_MGR *mgr, struct mg_srtp_prf *prf,
		     const uint8_t *master_key, size_t key_len);
int mg_srtp_prf(IMB_MGR *mgr, const struct mg_srtp_prf *prf,
		const uint8_t master_salt[MG_SRTP_SALT_LEN], uint8_t label,
		uint64_t r, unsigned int r_len, uint8_t *out, size_t out_len);
void mg_srtp_prf_wipe(struct mg_srtp_prf *prf);

#endif /* MG_SRTP_KDF_H */
