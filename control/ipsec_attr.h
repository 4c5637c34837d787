/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The a=ipsec attribute of mediagate's ESP-in-SDP profile
 * (docs/esp-in-sdp.md), the part after "a=ipsec:":
 *
 *   <tag> <suite> inline:<base64>[|<lifetime>] spi=<hex>
 *         [mode=transport|tunnel] [encap=udp] [kdr=<n>] [window=<n>] [esn]
 *
 * The inline key material is what the author of the SDP sends with (the
 * cipher key, then the salt or nonce, then the HMAC key, as the suite
 * takes them); spi= is what the author receives on. So the SA from A to
 * B is A's key under B's SPI, and both SAs are known after one round
 * trip (mg_ipsec_policy).
 */
#ifndef MG_CTL_IPSEC_ATTR_H
#define MG_CTL_IPSEC_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mg_esp.h"

#define MG_IPSEC_KEY_MAX (MG_ESP_KEY_MAX + MG_ESP_SALT_LEN + \
			  MG_ESP_AUTH_KEY_MAX)

/* Secret: whoever holds one wipes it. */
struct mg_ipsec_attr {
	uint32_t tag;          /* 1..999999999 */
	uint16_t suite;        /* enum mg_esp_suite */
	uint8_t key_len;       /* bytes of key used: the suite's */
	uint8_t kdr;           /* 0: none; else MG_ESP_KDR_MIN..MAX */
	uint8_t key[MG_IPSEC_KEY_MAX];
	uint64_t lifetime;     /* packets; 0: the default (the maximum) */
	uint32_t spi;
	uint16_t window;       /* 0: the default */
	bool tunnel, udp, esn;
};

/* The suites the profile offers in SDP, strongest first (the others of
 * the engine are for static SAs). */
extern const enum mg_esp_suite mg_ipsec_sdp_suites[];
extern const size_t mg_ipsec_sdp_nsuites;

/* Parse s[0..len): 0, or -EINVAL with one line in err that never holds
 * key material. Refused: unknown or not-profile suite, key of the wrong
 * length or bad base64, SPI 0 or 1..255, SPI not a multiple of 256 with
 * kdr, lifetime 0 or past the maximum (2^32 - 1 without esn), window
 * outside 64..4096, kdr outside its range, unknown or repeated
 * parameters, a bad tag. */
int mg_ipsec_attr_parse(const char *s, size_t len, struct mg_ipsec_attr *a,
			char *err, size_t errlen);

/* The attribute value (without "a=ipsec:"), terminated; its length or
 * -ENOSPC. The output is secret: the caller wipes it. */
int mg_ipsec_attr_format(const struct mg_ipsec_attr *a, char *out,
			 size_t cap);

/* Fresh key material for a->suite from getrandom(2). 0 or -errno. */
int mg_ipsec_keygen(struct mg_ipsec_attr *a);

/*
 * The SA one side runs: outbound sends with `keys` (the attribute of the
 * side that sends) under `spi` (from the other side's attribute);
 * inbound receives with the other side's keys under our SPI. Mode,
 * encapsulation, kdr, esn and window come from the attribute the
 * answerer accepted, passed as `params`. local and remote are the c=
 * addresses (4 or 16 bytes as family says).
 */
void mg_ipsec_policy(const struct mg_ipsec_attr *keys, uint32_t spi,
		     const struct mg_ipsec_attr *params, bool inbound,
		     const uint8_t *local, const uint8_t *remote,
		     uint8_t family, struct mg_esp_sa_policy *p);

#endif /* MG_CTL_IPSEC_ATTR_H */
