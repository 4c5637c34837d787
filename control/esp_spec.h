/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An ESP SA written out as text, for static SAs (IKE-less trunks, the
 * flows file) and tests:
 *
 *   in|out SUITE spi=HEX key=HEX [salt=HEX] [auth=HEX] local=IP [remote=IP]
 *          [tunnel] [esn] [udp[=LPORT:RPORT]] [window=N] [kdr=N] [ttl=N]
 *          [seq=N] [soft=N(p|b|s)] [hard=N(p|b|s)]
 *
 * SUITE as mg_esp.h names it (ESP_AES_GCM_16_128, ...); key, salt (GCM,
 * ChaCha20: the salt; CTR: the nonce) and auth (the HMAC key) in hex, of
 * the suite's lengths. local is this end (an inbound SA is found under it
 * and its SPI); tunnel mode takes remote as the far end, and the outer
 * family from local. Lifetimes: p packets, b bytes, s seconds; several
 * of each kind may be given.
 */
#ifndef MG_CTL_ESP_SPEC_H
#define MG_CTL_ESP_SPEC_H

#include <stddef.h>

#include "mg_ctl_abi.h"

/* Fill a (id untouched) from the tokens of s (modified). Returns 0, or
 * -1 with why. The caller wipes a: it holds keys. */
int mg_esp_spec_parse(char *s, struct mg_ctl_esp_add *a, char *why,
		      size_t wl);

#endif /* MG_CTL_ESP_SPEC_H */
