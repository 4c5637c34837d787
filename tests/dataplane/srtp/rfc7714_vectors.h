/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet-level AEAD-AES-GCM test vectors of RFC 7714 ("AES-GCM
 * Authenticated Encryption in the Secure Real-time Transport Protocol
 * (SRTP)", December 2015), section 16 (SRTP) and section 17 (SRTCP),
 * transcribed as bytes.  Every subsection that gives a packet is here:
 *
 *   16.1.1-16.1.4   SRTP  AEAD_AES_128_GCM  encrypt, decrypt, tag, verify
 *   16.2.1-16.2.4   SRTP  AEAD_AES_256_GCM  encrypt, decrypt, tag, verify
 *   17.1            SRTCP AEAD_AES_128_GCM  encrypt (E=1)
 *   17.2            SRTCP AEAD_AES_256_GCM  decrypt (E=1)
 *   17.3            SRTCP AEAD_AES_128_GCM  tag only (E=0)
 *   17.4            SRTCP AEAD_AES_256_GCM  tag verification (E=0)
 *
 * Section 17 gives no 128-bit decryption, no 256-bit encryption and no
 * 128-bit/256-bit counterpart of 17.3/17.4: only the four above.
 *
 * The keys and salts are SESSION keys and salts (RFC 7714 publishes no
 * master key and no KDF vector), so a test must key the AEAD transform
 * directly, past key derivation.  Tags are 16 octets; there is no MKI.
 *
 * Layout, as the RFC prints it:
 *   SRTP  E=1:  RTP header || ciphertext || tag
 *   SRTP  E=0:  RTP header || payload    || tag    (AAD = whole RTP packet,
 *               empty plaintext; RFC 7714 sections 16.x.3/16.x.4)
 *   SRTCP E=1:  first 8 octets || ciphertext || tag || ESRTCP word
 *   SRTCP E=0:  whole RTCP packet || tag || ESRTCP word
 * The ESRTCP word (E flag || 31-bit SRTCP index) comes AFTER the tag, the
 * reverse of RFC 3711's trailer-then-auth-tag order (RFC 7714 section 17
 * preamble; see also section 9).  None of the vectors carries an MKI.
 * AAD for SRTCP E=1 is first 8 octets || ESRTCP word; for E=0 it is the
 * whole RTCP packet || ESRTCP word.
 *
 * IVs (RFC 7714 sections 8.1 and 9.1):
 *   SRTP:  (00 00 || SSRC || ROC || SEQ) XOR salt
 *   SRTCP: (00 00 || SSRC || 00 00 || 0 || 31-bit SRTCP index) XOR salt
 *
 * Oddities in the RFC text itself, not reproduced here:
 *  - The section 17 preamble shows an RTCP packet (81c8000e ... 4e545031
 *    4e545031 ... 0000eb98 ...) that differs from the one every section 17
 *    vector actually encrypts (81c8000d ... 4e545031 4e545032 ...
 *    0000e930 ...).  The arrays below use the latter, which verifies.
 *  - 17.2 and 17.4 say "Key size = 16 octets" where the tag size is meant.
 *  - 16.x.2 "Verified and tagged packet" prints only the payload; the
 *    plaintext arrays below are full RTP packets (header || payload).
 *
 * Every vector was checked with an independent AES-GCM implementation:
 * IV and AAD formed from first principles match the arrays below, and
 * GCM over them reproduces each protected packet byte for byte.
 */
#ifndef MG_TEST_RFC7714_VECTORS_H
#define MG_TEST_RFC7714_VECTORS_H

#include <stddef.h>
#include <stdint.h>

enum rfc7714_direction {
	RFC7714_PROTECT = 0,	/* RFC shows plaintext -> protected */
	RFC7714_UNPROTECT = 1,	/* RFC shows protected -> plaintext */
};

struct rfc7714_vector {
	const char *name;		/* e.g. "RFC 7714 16.1.1 SRTP ..." */
	const char *section;		/* RFC 7714 subsection, e.g. "16.1.1" */
	enum rfc7714_direction direction;
	const uint8_t *key;		/* session key */
	size_t key_len;			/* 16 or 32 */
	const uint8_t *salt;		/* session salt, 12 octets */
	uint32_t ssrc;
	uint32_t roc_or_index;		/* ROC (SRTP) or 31-bit SRTCP index */
	const uint8_t *plain;		/* RTP/RTCP packet before protection */
	size_t plain_len;
	const uint8_t *protected_pkt;	/* SRTP/SRTCP packet, tag and trailer */
	size_t protected_len;
	const uint8_t *iv;		/* 12-octet IV the RFC lists */
	const uint8_t *aad;		/* AAD the RFC lists */
	size_t aad_len;
	uint8_t is_rtcp;
	uint8_t encrypted;		/* E: 1 = encrypted, 0 = tag only */
};

#define RFC7714_TAG_LEN 16
#define RFC7714_SALT_LEN 12
#define RFC7714_IV_LEN 12

/* Section 16: "The 16-octet (128-bit) key is 00 01 02 ... 0f". */
static const uint8_t rfc7714_key_128[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/* Section 16: "the 32-octet (256-bit) key is 00 01 02 ... 1f". */
static const uint8_t rfc7714_key_256[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* Section 16: salt 51756964 2070726f 2071756f, ASCII "Quid pro quo". */
static const uint8_t rfc7714_salt[12] = {
	0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f,
	0x20, 0x71, 0x75, 0x6f,
};

/* Section 16: the RTP packet all SRTP vectors use (12-octet header,
 * 38-octet payload "Gallia est omnis divisa in partes tres").  SSRC
 * 5501a0b2, SEQ f17b, ROC 0. */
static const uint8_t rfc7714_rtp_plain[50] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2, 0x47, 0x61, 0x6c, 0x6c,
	0x69, 0x61, 0x20, 0x65, 0x73, 0x74, 0x20, 0x6f,
	0x6d, 0x6e, 0x69, 0x73, 0x20, 0x64, 0x69, 0x76,
	0x69, 0x73, 0x61, 0x20, 0x69, 0x6e, 0x20, 0x70,
	0x61, 0x72, 0x74, 0x65, 0x73, 0x20, 0x74, 0x72,
	0x65, 0x73,
};

/* Sections 16 and 16.x.y "Form the IV": 51 75 3c 65 80 c2 72 6f 20 71 84 14. */
static const uint8_t rfc7714_rtp_iv[12] = {
	0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2, 0x72, 0x6f,
	0x20, 0x71, 0x84, 0x14,
};

/* Sections 16.1.1, 16.1.2, 16.2.1, 16.2.2: AAD = RTP header. */
static const uint8_t rfc7714_rtp_aad_enc[12] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2,
};

/* Sections 16.1.3, 16.1.4, 16.2.3, 16.2.4: AAD = whole RTP packet. */
static const uint8_t rfc7714_rtp_aad_tag[50] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2, 0x47, 0x61, 0x6c, 0x6c,
	0x69, 0x61, 0x20, 0x65, 0x73, 0x74, 0x20, 0x6f,
	0x6d, 0x6e, 0x69, 0x73, 0x20, 0x64, 0x69, 0x76,
	0x69, 0x73, 0x61, 0x20, 0x69, 0x6e, 0x20, 0x70,
	0x61, 0x72, 0x74, 0x65, 0x73, 0x20, 0x74, 0x72,
	0x65, 0x73,
};

/* Sections 16.1.1 and 16.1.2: encrypted and tagged packet, AES-128. */
static const uint8_t rfc7714_srtp_128_enc[66] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2, 0xf2, 0x4d, 0xe3, 0xa3,
	0xfb, 0x34, 0xde, 0x6c, 0xac, 0xba, 0x86, 0x1c,
	0x9d, 0x7e, 0x4b, 0xca, 0xbe, 0x63, 0x3b, 0xd5,
	0x0d, 0x29, 0x4e, 0x6f, 0x42, 0xa5, 0xf4, 0x7a,
	0x51, 0xc7, 0xd1, 0x9b, 0x36, 0xde, 0x3a, 0xdf,
	0x88, 0x33, 0x89, 0x9d, 0x7f, 0x27, 0xbe, 0xb1,
	0x6a, 0x91, 0x52, 0xcf, 0x76, 0x5e, 0xe4, 0x39,
	0x0c, 0xce,
};

/* Sections 16.1.3 and 16.1.4: tagged packet, AES-128. */
static const uint8_t rfc7714_srtp_128_tag[66] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2, 0x47, 0x61, 0x6c, 0x6c,
	0x69, 0x61, 0x20, 0x65, 0x73, 0x74, 0x20, 0x6f,
	0x6d, 0x6e, 0x69, 0x73, 0x20, 0x64, 0x69, 0x76,
	0x69, 0x73, 0x61, 0x20, 0x69, 0x6e, 0x20, 0x70,
	0x61, 0x72, 0x74, 0x65, 0x73, 0x20, 0x74, 0x72,
	0x65, 0x73, 0x22, 0x49, 0x3f, 0x82, 0xd2, 0xbc,
	0xe3, 0x97, 0xe9, 0xd7, 0x9e, 0x3b, 0x19, 0xaa,
	0x42, 0x16,
};

/* Sections 16.2.1 and 16.2.2: encrypted and tagged packet, AES-256. */
static const uint8_t rfc7714_srtp_256_enc[66] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2, 0x32, 0xb1, 0xde, 0x78,
	0xa8, 0x22, 0xfe, 0x12, 0xef, 0x9f, 0x78, 0xfa,
	0x33, 0x2e, 0x33, 0xaa, 0xb1, 0x80, 0x12, 0x38,
	0x9a, 0x58, 0xe2, 0xf3, 0xb5, 0x0b, 0x2a, 0x02,
	0x76, 0xff, 0xae, 0x0f, 0x1b, 0xa6, 0x37, 0x99,
	0xb8, 0x7b, 0x7a, 0xa3, 0xdb, 0x36, 0xdf, 0xff,
	0xd6, 0xb0, 0xf9, 0xbb, 0x78, 0x78, 0xd7, 0xa7,
	0x6c, 0x13,
};

/* Sections 16.2.3 and 16.2.4: tagged packet, AES-256. */
static const uint8_t rfc7714_srtp_256_tag[66] = {
	0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3,
	0x55, 0x01, 0xa0, 0xb2, 0x47, 0x61, 0x6c, 0x6c,
	0x69, 0x61, 0x20, 0x65, 0x73, 0x74, 0x20, 0x6f,
	0x6d, 0x6e, 0x69, 0x73, 0x20, 0x64, 0x69, 0x76,
	0x69, 0x73, 0x61, 0x20, 0x69, 0x6e, 0x20, 0x70,
	0x61, 0x72, 0x74, 0x65, 0x73, 0x20, 0x74, 0x72,
	0x65, 0x73, 0xa8, 0x66, 0xd5, 0x91, 0x0f, 0x88,
	0x74, 0x63, 0x06, 0x7c, 0xee, 0xfe, 0xc4, 0x52,
	0x15, 0xd4,
};

/* Sections 17.1-17.4: the RTCP packet the vectors protect (SSRC
 * 4d617273, SRTCP index 000005d4).  Not the 81c8000e packet printed in
 * the section 17 preamble; see above. */
static const uint8_t rfc7714_rtcp_plain[52] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x4e, 0x54, 0x50, 0x31, 0x4e, 0x54, 0x50, 0x32,
	0x52, 0x54, 0x50, 0x20, 0x00, 0x00, 0x04, 0x2a,
	0x00, 0x00, 0xe9, 0x30, 0x4c, 0x75, 0x6e, 0x61,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef,
};

/* Section 17 "Form the IV": 51 75 24 05 52 03 72 6f 20 71 70 bb. */
static const uint8_t rfc7714_rtcp_iv[12] = {
	0x51, 0x75, 0x24, 0x05, 0x52, 0x03, 0x72, 0x6f,
	0x20, 0x71, 0x70, 0xbb,
};

/* Sections 17.1, 17.2: AAD = first 8 octets || ESRTCP word (E=1). */
static const uint8_t rfc7714_rtcp_aad_enc[12] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x80, 0x00, 0x05, 0xd4,
};

/* Sections 17.3, 17.4: AAD = whole RTCP packet || ESRTCP word (E=0). */
static const uint8_t rfc7714_rtcp_aad_tag[56] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x4e, 0x54, 0x50, 0x31, 0x4e, 0x54, 0x50, 0x32,
	0x52, 0x54, 0x50, 0x20, 0x00, 0x00, 0x04, 0x2a,
	0x00, 0x00, 0xe9, 0x30, 0x4c, 0x75, 0x6e, 0x61,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x05, 0xd4,
};

/* Section 17.1: encrypted and tagged packet, AES-128, E=1. */
static const uint8_t rfc7714_srtcp_128_enc[72] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x63, 0xe9, 0x48, 0x85, 0xdc, 0xda, 0xb6, 0x7c,
	0xa7, 0x27, 0xd7, 0x66, 0x2f, 0x6b, 0x7e, 0x99,
	0x7f, 0xf5, 0xc0, 0xf7, 0x6c, 0x06, 0xf3, 0x2d,
	0xc6, 0x76, 0xa5, 0xf1, 0x73, 0x0d, 0x6f, 0xda,
	0x4c, 0xe0, 0x9b, 0x46, 0x86, 0x30, 0x3d, 0xed,
	0x0b, 0xb9, 0x27, 0x5b, 0xc8, 0x4a, 0xa4, 0x58,
	0x96, 0xcf, 0x4d, 0x2f, 0xc5, 0xab, 0xf8, 0x72,
	0x45, 0xd9, 0xea, 0xde, 0x80, 0x00, 0x05, 0xd4,
};

/* Section 17.2: packet to verify and decrypt, AES-256, E=1. */
static const uint8_t rfc7714_srtcp_256_enc[72] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0xd5, 0x0a, 0xe4, 0xd1, 0xf5, 0xce, 0x5d, 0x30,
	0x4b, 0xa2, 0x97, 0xe4, 0x7d, 0x47, 0x0c, 0x28,
	0x2c, 0x3e, 0xce, 0x5d, 0xbf, 0xfe, 0x0a, 0x50,
	0xa2, 0xea, 0xa5, 0xc1, 0x11, 0x05, 0x55, 0xbe,
	0x84, 0x15, 0xf6, 0x58, 0xc6, 0x1d, 0xe0, 0x47,
	0x6f, 0x1b, 0x6f, 0xad, 0x1d, 0x1e, 0xb3, 0x0c,
	0x44, 0x46, 0x83, 0x9f, 0x57, 0xff, 0x6f, 0x6c,
	0xb2, 0x6a, 0xc3, 0xbe, 0x80, 0x00, 0x05, 0xd4,
};

/* Section 17.3: tagged packet, AES-128, E=0. */
static const uint8_t rfc7714_srtcp_128_tag[72] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x4e, 0x54, 0x50, 0x31, 0x4e, 0x54, 0x50, 0x32,
	0x52, 0x54, 0x50, 0x20, 0x00, 0x00, 0x04, 0x2a,
	0x00, 0x00, 0xe9, 0x30, 0x4c, 0x75, 0x6e, 0x61,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0x84, 0x1d, 0xd9, 0x68,
	0x3d, 0xd7, 0x8e, 0xc9, 0x2a, 0xe5, 0x87, 0x90,
	0x12, 0x5f, 0x62, 0xb3, 0x00, 0x00, 0x05, 0xd4,
};

/* Section 17.4: packet to verify, AES-256, E=0. */
static const uint8_t rfc7714_srtcp_256_tag[72] = {
	0x81, 0xc8, 0x00, 0x0d, 0x4d, 0x61, 0x72, 0x73,
	0x4e, 0x54, 0x50, 0x31, 0x4e, 0x54, 0x50, 0x32,
	0x52, 0x54, 0x50, 0x20, 0x00, 0x00, 0x04, 0x2a,
	0x00, 0x00, 0xe9, 0x30, 0x4c, 0x75, 0x6e, 0x61,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
	0xde, 0xad, 0xbe, 0xef, 0x91, 0xdb, 0x4a, 0xfb,
	0xfe, 0xee, 0x5a, 0x97, 0x8f, 0xab, 0x43, 0x93,
	0xed, 0x26, 0x15, 0xfe, 0x00, 0x00, 0x05, 0xd4,
};

static const struct rfc7714_vector rfc7714_vectors[] = {
	/* RFC 7714 section 16.1.1: SRTP AEAD_AES_128_GCM Encryption */
	{
		.name = "RFC 7714 16.1.1 SRTP AEAD_AES_128_GCM Encryption",
		.section = "16.1.1",
		.direction = RFC7714_PROTECT,
		.key = rfc7714_key_128,
		.key_len = sizeof(rfc7714_key_128),
		.salt = rfc7714_salt,
		.ssrc = 0x5501a0b2u,
		.roc_or_index = 0x00000000u,
		.plain = rfc7714_rtp_plain,
		.plain_len = sizeof(rfc7714_rtp_plain),
		.protected_pkt = rfc7714_srtp_128_enc,
		.protected_len = sizeof(rfc7714_srtp_128_enc),
		.iv = rfc7714_rtp_iv,
		.aad = rfc7714_rtp_aad_enc,
		.aad_len = sizeof(rfc7714_rtp_aad_enc),
		.is_rtcp = 0,
		.encrypted = 1,
	},
	/* RFC 7714 section 16.1.2: SRTP AEAD_AES_128_GCM Decryption */
	{
		.name = "RFC 7714 16.1.2 SRTP AEAD_AES_128_GCM Decryption",
		.section = "16.1.2",
		.direction = RFC7714_UNPROTECT,
		.key = rfc7714_key_128,
		.key_len = sizeof(rfc7714_key_128),
		.salt = rfc7714_salt,
		.ssrc = 0x5501a0b2u,
		.roc_or_index = 0x00000000u,
		.plain = rfc7714_rtp_plain,
		.plain_len = sizeof(rfc7714_rtp_plain),
		.protected_pkt = rfc7714_srtp_128_enc,
		.protected_len = sizeof(rfc7714_srtp_128_enc),
		.iv = rfc7714_rtp_iv,
		.aad = rfc7714_rtp_aad_enc,
		.aad_len = sizeof(rfc7714_rtp_aad_enc),
		.is_rtcp = 0,
		.encrypted = 1,
	},
	/* RFC 7714 section 16.1.3: SRTP AEAD_AES_128_GCM Authentication Tagging */
	{
		.name = "RFC 7714 16.1.3 SRTP AEAD_AES_128_GCM Authentication Tagging",
		.section = "16.1.3",
		.direction = RFC7714_PROTECT,
		.key = rfc7714_key_128,
		.key_len = sizeof(rfc7714_key_128),
		.salt = rfc7714_salt,
		.ssrc = 0x5501a0b2u,
		.roc_or_index = 0x00000000u,
		.plain = rfc7714_rtp_plain,
		.plain_len = sizeof(rfc7714_rtp_plain),
		.protected_pkt = rfc7714_srtp_128_tag,
		.protected_len = sizeof(rfc7714_srtp_128_tag),
		.iv = rfc7714_rtp_iv,
		.aad = rfc7714_rtp_aad_tag,
		.aad_len = sizeof(rfc7714_rtp_aad_tag),
		.is_rtcp = 0,
		.encrypted = 0,
	},
	/* RFC 7714 section 16.1.4: SRTP AEAD_AES_128_GCM Tag Verification */
	{
		.name = "RFC 7714 16.1.4 SRTP AEAD_AES_128_GCM Tag Verification",
		.section = "16.1.4",
		.direction = RFC7714_UNPROTECT,
		.key = rfc7714_key_128,
		.key_len = sizeof(rfc7714_key_128),
		.salt = rfc7714_salt,
		.ssrc = 0x5501a0b2u,
		.roc_or_index = 0x00000000u,
		.plain = rfc7714_rtp_plain,
		.plain_len = sizeof(rfc7714_rtp_plain),
		.protected_pkt = rfc7714_srtp_128_tag,
		.protected_len = sizeof(rfc7714_srtp_128_tag),
		.iv = rfc7714_rtp_iv,
		.aad = rfc7714_rtp_aad_tag,
		.aad_len = sizeof(rfc7714_rtp_aad_tag),
		.is_rtcp = 0,
		.encrypted = 0,
	},
	/* RFC 7714 section 16.2.1: SRTP AEAD_AES_256_GCM Encryption */
	{
		.name = "RFC 7714 16.2.1 SRTP AEAD_AES_256_GCM Encryption",
		.section = "16.2.1",
		.direction = RFC7714_PROTECT,
		.key = rfc7714_key_256,
		.key_len = sizeof(rfc7714_key_256),
		.salt = rfc7714_salt,
		.ssrc = 0x5501a0b2u,
		.roc_or_index = 0x00000000u,
		.plain = rfc7714_rtp_plain,
		.plain_len = sizeof(rfc7714_rtp_plain),
		.protected_pkt = rfc7714_srtp_256_enc,
		.protected_len = sizeof(rfc7714_srtp_256_enc),
		.iv = rfc7714_rtp_iv,
		.aad = rfc7714_rtp_aad_enc,
		.aad_len = sizeof(rfc7714_rtp_aad_enc),
		.is_rtcp = 0,
		.encrypted = 1,
	},
	/* RFC 7714 section 16.2.2: SRTP AEAD_AES_256_GCM Decryption */
	{
		.name = "RFC 7714 16.2.2 SRTP AEAD_AES_256_GCM Decryption",
		.section = "16.2.2",
		.direction = RFC7714_UNPROTECT,
		.key = rfc7714_key_256,
		.key_len = sizeof(rfc7714_key_256),
		.salt = rfc7714_salt,
		.ssrc = 0x5501a0b2u,
		.roc_or_index = 0x00000000u,
		.plain = rfc7714_rtp_plain,
		.plain_len = sizeof(rfc7714_rtp_plain),
		.protected_pkt = rfc7714_srtp_256_enc,
		.protected_len = sizeof(rfc7714_srtp_256_enc),
		.iv = rfc7714_rtp_iv,
		.aad = rfc7714_rtp_aad_enc,
		.aad_len = sizeof(rfc7714_rtp_aad_enc),
		.is_rtcp = 0,
		.encrypted = 1,
	},
	/* RFC 7714 section 16.2.3: SRTP AEAD_AES_256_GCM Authentication Tagging */
	{
		.name = "RFC 7714 16.2.3 SRTP AEAD_AES_256_GCM Authentication Tagging",
		.section = "16.2.3",
		.direction = RFC7714_PROTECT,
		.key = rfc7714_key_256,
		.key_len = sizeof(rfc7714_key_256),
		.salt = rfc7714_salt,
		.ssrc = 0x5501a0b2u,
		.roc_or_index = 0x00000000u,
		.plain = rfc7714_rtp_plain,
		.plain_len = sizeof(rfc7714_rtp_plain),
		.protected_pkt = rfc7714_srtp_256_tag,
		.protected_len = sizeof(rfc7714_srtp_256_tag),
		.iv = rfc7714_rtp_iv,
		.aad = rfc7714_rtp_aad_tag,
		.aad_len = sizeof(rfc7714_rtp_aad_tag),
		.is_rtcp = 0,
		.encrypted = 0,
	},
	/* RFC 7714 section 16.2.4: SRTP AEAD_AES_256_GCM Tag Verification */
	{
		.name = "RFC 7714 16.2.4 SRTP AEAD_AES_256_GCM Tag Verification",
		.section = "16.2.4",
		.direction = RFC7714_UNPROTECT,
		.key = rfc7714_key_256,
		.key_len = sizeof(rfc7714_key_256),
		.salt = rfc7714_salt,
		.ssrc = 0x5501a0b2u,
		.roc_or_index = 0x00000000u,
		.plain = rfc7714_rtp_plain,
		.plain_len = sizeof(rfc7714_rtp_plain),
		.protected_pkt = rfc7714_srtp_256_tag,
		.protected_len = sizeof(rfc7714_srtp_256_tag),
		.iv = rfc7714_rtp_iv,
		.aad = rfc7714_rtp_aad_tag,
		.aad_len = sizeof(rfc7714_rtp_aad_tag),
		.is_rtcp = 0,
		.encrypted = 0,
	},
	/* RFC 7714 section 17.1: SRTCP AEAD_AES_128_GCM Encryption and Tagging */
	{
		.name = "RFC 7714 17.1 SRTCP AEAD_AES_128_GCM Encryption and Tagging",
		.section = "17.1",
		.direction = RFC7714_PROTECT,
		.key = rfc7714_key_128,
		.key_len = sizeof(rfc7714_key_128),
		.salt = rfc7714_salt,
		.ssrc = 0x4d617273u,
		.roc_or_index = 0x000005d4u,
		.plain = rfc7714_rtcp_plain,
		.plain_len = sizeof(rfc7714_rtcp_plain),
		.protected_pkt = rfc7714_srtcp_128_enc,
		.protected_len = sizeof(rfc7714_srtcp_128_enc),
		.iv = rfc7714_rtcp_iv,
		.aad = rfc7714_rtcp_aad_enc,
		.aad_len = sizeof(rfc7714_rtcp_aad_enc),
		.is_rtcp = 1,
		.encrypted = 1,
	},
	/* RFC 7714 section 17.2: SRTCP AEAD_AES_256_GCM Verification and Decryption */
	{
		.name = "RFC 7714 17.2 SRTCP AEAD_AES_256_GCM Verification and Decryption",
		.section = "17.2",
		.direction = RFC7714_UNPROTECT,
		.key = rfc7714_key_256,
		.key_len = sizeof(rfc7714_key_256),
		.salt = rfc7714_salt,
		.ssrc = 0x4d617273u,
		.roc_or_index = 0x000005d4u,
		.plain = rfc7714_rtcp_plain,
		.plain_len = sizeof(rfc7714_rtcp_plain),
		.protected_pkt = rfc7714_srtcp_256_enc,
		.protected_len = sizeof(rfc7714_srtcp_256_enc),
		.iv = rfc7714_rtcp_iv,
		.aad = rfc7714_rtcp_aad_enc,
		.aad_len = sizeof(rfc7714_rtcp_aad_enc),
		.is_rtcp = 1,
		.encrypted = 1,
	},
	/* RFC 7714 section 17.3: SRTCP AEAD_AES_128_GCM Tagging Only */
	{
		.name = "RFC 7714 17.3 SRTCP AEAD_AES_128_GCM Tagging Only",
		.section = "17.3",
		.direction = RFC7714_PROTECT,
		.key = rfc7714_key_128,
		.key_len = sizeof(rfc7714_key_128),
		.salt = rfc7714_salt,
		.ssrc = 0x4d617273u,
		.roc_or_index = 0x000005d4u,
		.plain = rfc7714_rtcp_plain,
		.plain_len = sizeof(rfc7714_rtcp_plain),
		.protected_pkt = rfc7714_srtcp_128_tag,
		.protected_len = sizeof(rfc7714_srtcp_128_tag),
		.iv = rfc7714_rtcp_iv,
		.aad = rfc7714_rtcp_aad_tag,
		.aad_len = sizeof(rfc7714_rtcp_aad_tag),
		.is_rtcp = 1,
		.encrypted = 0,
	},
	/* RFC 7714 section 17.4: SRTCP AEAD_AES_256_GCM Tag Verification */
	{
		.name = "RFC 7714 17.4 SRTCP AEAD_AES_256_GCM Tag Verification",
		.section = "17.4",
		.direction = RFC7714_UNPROTECT,
		.key = rfc7714_key_256,
		.key_len = sizeof(rfc7714_key_256),
		.salt = rfc7714_salt,
		.ssrc = 0x4d617273u,
		.roc_or_index = 0x000005d4u,
		.plain = rfc7714_rtcp_plain,
		.plain_len = sizeof(rfc7714_rtcp_plain),
		.protected_pkt = rfc7714_srtcp_256_tag,
		.protected_len = sizeof(rfc7714_srtcp_256_tag),
		.iv = rfc7714_rtcp_iv,
		.aad = rfc7714_rtcp_aad_tag,
		.aad_len = sizeof(rfc7714_rtcp_aad_tag),
		.is_rtcp = 1,
		.encrypted = 0,
	},
};

#define RFC7714_NB_VECTORS (sizeof(rfc7714_vectors) / sizeof(rfc7714_vectors[0]))

#endif /* MG_TEST_RFC7714_VECTORS_H */
