/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ESP phone (--phone-esp): a device that offers its media over IPsec
 * in SDP (docs/esp-in-sdp.md: ESP_AES_GCM_16_128, transport mode, ESP in
 * UDP on the media ports). Its packets are made, and what reaches it is
 * opened, with OpenSSL's AES-GCM (RFC 4106: 16-byte key and 4-byte salt,
 * the 8-byte IV in the packet, SPI and sequence number as AAD, 16-byte
 * ICV): an implementation this project did not write. Off the timed path,
 * as the SRTP phone's are (gen_srtp.c).
 */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/evp.h>

#include "gen.h"

#define ESP_SALT 4
#define ESP_IV 8
#define UDP_HDR 8

/* A context for one key: AES-128-GCM with a 12-byte nonce, the key set. */
void *
mg_gen_esp_ctx(const uint8_t *key, bool seal)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

	if (x == NULL)
		return NULL;
	if ((seal ? EVP_EncryptInit_ex(x, EVP_aes_128_gcm(), NULL, NULL, NULL) :
	     EVP_DecryptInit_ex(x, EVP_aes_128_gcm(), NULL, NULL, NULL)) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    (seal ? EVP_EncryptInit_ex(x, NULL, NULL, key, NULL) :
	     EVP_DecryptInit_ex(x, NULL, NULL, key, NULL)) != 1) {
		EVP_CIPHER_CTX_free(x);
		return NULL;
	}
	return x;
}

void
mg_gen_esp_ctx_free(void *x)
{
	EVP_CIPHER_CTX_free(x); /* wipes the key schedule */
}

static void
nonce_of(const uint8_t *key, const uint8_t *iv, uint8_t nonce[12])
{
	memcpy(nonce, key + 16, ESP_SALT);
	memcpy(nonce + ESP_SALT, iv, ESP_IV);
}

uint32_t
mg_gen_esp_seal(void *ctx, const uint8_t *key, uint32_t spi, uint32_t seq,
		uint16_t sport, uint16_t dport, const uint8_t *pl, uint32_t len,
		uint8_t *out)
{
	EVP_CIPHER_CTX *x = ctx;
	uint8_t plain[MG_GEN_REC_MAX], nonce[12];
	uint32_t n = UDP_HDR + len, pad = (4 - (n + 2) % 4) % 4, body;
	uint8_t *iv = out + 8, *enc = out + 8 + ESP_IV;
	int outl;

	body = n + pad + 2;
	if (MG_GEN_ESP_HDR + body + MG_GEN_ESP_ICV > MG_GEN_REC_MAX)
		return 0;
	/* Transport mode: the inner UDP header (checksum 0, RFC 768 lets
	 * IPv4 do without), the payload, padding 1, 2, ..., its length and
	 * next header 17. */
	memcpy(plain, &sport, 2);
	memcpy(plain + 2, &dport, 2);
	plain[4] = (uint8_t)(n >> 8);
	plain[5] = (uint8_t)n;
	plain[6] = plain[7] = 0;
	memcpy(plain + UDP_HDR, pl, len);
	for (uint32_t k = 0; k < pad; k++)
		plain[n + k] = (uint8_t)(k + 1);
	plain[n + pad] = (uint8_t)pad;
	plain[n + pad + 1] = 17;
	spi = htonl(spi);
	memcpy(out, &spi, 4);
	out[4] = (uint8_t)(seq >> 24);
	out[5] = (uint8_t)(seq >> 16);
	out[6] = (uint8_t)(seq >> 8);
	out[7] = (uint8_t)seq;
	/* The IV: the sequence number, never twice under a key. */
	memset(iv, 0, 4);
	memcpy(iv + 4, out + 4, 4);
	nonce_of(key, iv, nonce);
	if (EVP_EncryptInit_ex(x, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(x, NULL, &outl, out, 8) != 1 ||
	    EVP_EncryptUpdate(x, enc, &outl, plain, (int)body) != 1 ||
	    EVP_EncryptFinal_ex(x, enc + outl, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, MG_GEN_ESP_ICV,
				enc + body) != 1)
		return 0;
	return MG_GEN_ESP_HDR + body + MG_GEN_ESP_ICV;
}

int
mg_gen_esp_open(void *ctx, const uint8_t *key, uint32_t spi, uint8_t *pkt,
		uint32_t len, uint8_t **pl, uint32_t *pl_len)
{
	EVP_CIPHER_CTX *x = ctx;
	uint8_t nonce[12], *enc = pkt + MG_GEN_ESP_HDR;
	uint32_t body, n;
	int outl;

	if (len < MG_GEN_ESP_HDR + UDP_HDR + 2 + MG_GEN_ESP_ICV ||
	    ntohl(*(const uint32_t *)(const void *)pkt) != spi)
		return -1;
	body = len - MG_GEN_ESP_HDR - MG_GEN_ESP_ICV;
	nonce_of(key, pkt + 8, nonce);
	if (EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(x, NULL, &outl, pkt, 8) != 1 ||
	    EVP_DecryptUpdate(x, enc, &outl, enc, (int)body) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, MG_GEN_ESP_ICV,
				enc + body) != 1 ||
	    EVP_DecryptFinal_ex(x, enc + outl, &outl) != 1)
		return -1;
	/* Next header UDP, padding within, the inner UDP length right. */
	if (enc[body - 1] != 17 || enc[body - 2] + 2u + UDP_HDR > body)
		return -1;
	n = body - 2 - enc[body - 2];
	if (((uint32_t)enc[4] << 8 | enc[5]) != n)
		return -1;
	*pl = enc + UDP_HDR;
	*pl_len = n - UDP_HDR;
	return 0;
}

/* The ESP sequence number of RTP packet q, and of report n: the phone
 * sends a report after every `every` packets, and the SBC's replay
 * window wants them numbered in that order. */
static uint32_t
seq_of_rtp(uint32_t q, uint32_t every)
{
	return q + 1 + (every ? q / every : 0);
}

static uint32_t
seq_of_rtcp(uint32_t n, uint32_t every)
{
	return (n + 1) * (every + 1);
}

int
mg_gen_esp_build(const struct mg_gen_pre *pre, uint32_t i,
		 const struct mg_gen_call *c)
{
	void *x = mg_gen_esp_ctx(c->key_phone, true);
	uint8_t pl[MG_GEN_REC_MAX];
	int rc = x ? 0 : -1;

	for (uint32_t q = 0; q < pre->per_call && rc == 0; q++) {
		int len = mg_gen_rtp(pl, i, MG_GEN_UP, q, 0);

		if (mg_gen_esp_seal(x, c->key_phone, c->spi_sbc,
				    seq_of_rtp(q, pre->rtcp_every), c->phone_port,
				    c->sbc_phone_port, pl, (uint32_t)len,
				    mg_gen_pre_up(pre, i, q)) != MG_GEN_ESP_LEN)
			rc = -1;
	}
	for (uint32_t n = 0; n < pre->rtcp_per_call && rc == 0; n++) {
		int len = mg_gen_rtcp(pl, i, MG_GEN_UP, n);

		if (mg_gen_esp_seal(x, c->key_phone, c->spi_sbc,
				    seq_of_rtcp(n, pre->rtcp_every),
				    c->phone_port, c->sbc_phone_port, pl,
				    (uint32_t)len,
				    mg_gen_pre_rtcp(pre, MG_GEN_UP, i, n)) !=
		    MG_GEN_ESP_RTCP_LEN)
			rc = -1;
	}
	mg_gen_esp_ctx_free(x);
	return rc;
}
