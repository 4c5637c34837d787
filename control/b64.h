/* SPDX-License-Identifier: BSD-3-Clause */
/* Base64 (RFC 4648) for the keys SDP carries inline (SDES, ESP-in-SDP). */
#ifndef MG_CTL_B64_H
#define MG_CTL_B64_H

#include <stddef.h>
#include <stdint.h>

/* Decode len characters ('=' padding optional) into out; the length, or
 * -1 on a bad character, bad padding, or more than max bytes. */
int mg_b64_decode(const char *s, size_t len, uint8_t *out, size_t max);

/* Encode len bytes with padding; the characters written (not terminated):
 * 4 * ((len + 2) / 3). */
size_t mg_b64_encode(const uint8_t *in, size_t len, char *out);

#endif /* MG_CTL_B64_H */
