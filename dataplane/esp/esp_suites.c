/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ESP suites by name and their lengths: plain data, shared by the
 * dataplane's engine and the control plane (which parses suites from
 * SDP and static SA lines), so it needs no IPsec-MB.
 */
#include <string.h>

#include "mg_esp.h"

#define INFO(n, k, s, a, icv, iv, blk, ae, io) \
	{ .name = (n), .key_len = (k), .salt_len = (s), .auth_key_len = (a), \
	  .icv_len = (icv), .iv_len = (iv), .block = (blk), .aead = (ae), \
	  .integrity_only = (io) }

/*            name, key, salt, auth key, ICV, IV, block, AEAD, NULL cipher */
static const struct mg_esp_suite_info infos[MG_ESP_SUITE_MAX] = {
	[MG_ESP_AES_GCM_16_128] = INFO("ESP_AES_GCM_16_128",
		16, 4, 0, 16, 8, 4, 1, 0),
	[MG_ESP_AES_GCM_16_256] = INFO("ESP_AES_GCM_16_256",
		32, 4, 0, 16, 8, 4, 1, 0),
	[MG_ESP_CHACHA20_POLY1305] = INFO("ESP_CHACHA20_POLY1305",
		32, 4, 0, 16, 8, 4, 1, 0),
	[MG_ESP_AES_CBC_128_HMAC_SHA256_128] = INFO("ESP_AES_CBC_128_HMAC_SHA256_128",
		16, 0, 32, 16, 16, 16, 0, 0),
	[MG_ESP_AES_CBC_256_HMAC_SHA256_128] = INFO("ESP_AES_CBC_256_HMAC_SHA256_128",
		32, 0, 32, 16, 16, 16, 0, 0),
	[MG_ESP_AES_CTR_128_HMAC_SHA256_128] = INFO("ESP_AES_CTR_128_HMAC_SHA256_128",
		16, 4, 32, 16, 8, 4, 0, 0),
	[MG_ESP_AES_CTR_256_HMAC_SHA256_128] = INFO("ESP_AES_CTR_256_HMAC_SHA256_128",
		32, 4, 32, 16, 8, 4, 0, 0),
	[MG_ESP_NULL_HMAC_SHA256_128] = INFO("ESP_NULL_HMAC_SHA256_128",
		0, 0, 32, 16, 0, 4, 0, 1),
	[MG_ESP_AES_CBC_128_HMAC_SHA1_96] = INFO("ESP_AES_CBC_128_HMAC_SHA1_96",
		16, 0, 20, 12, 16, 16, 0, 0),
	[MG_ESP_NULL_HMAC_SHA1_96] = INFO("ESP_NULL_HMAC_SHA1_96",
		0, 0, 20, 12, 0, 4, 0, 1),
	[MG_ESP_AES_CBC_128_HMAC_MD5_96] = INFO("ESP_AES_CBC_128_HMAC_MD5_96",
		16, 0, 16, 12, 16, 16, 0, 0),
	[MG_ESP_NULL_HMAC_MD5_96] = INFO("ESP_NULL_HMAC_MD5_96",
		0, 0, 16, 12, 0, 4, 0, 1),
};

const struct mg_esp_suite_info *
mg_esp_suite(enum mg_esp_suite s)
{
	if ((unsigned)s == 0 || (unsigned)s >= MG_ESP_SUITE_MAX)
		return NULL;
	return &infos[s];
}

enum mg_esp_suite
mg_esp_suite_by_name(const char *name)
{
	for (int s = 1; s < MG_ESP_SUITE_MAX; s++)
		if (strcmp(infos[s].name, name) == 0)
			return (enum mg_esp_suite)s;
	return 0;
}
