/* SPDX-License-Identifier: BSD-3-Clause */
#include "b64.h"

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64 (RFC 4648, '=' padding optional) into out; returns the length or
 * -1 on a bad character, bad padding or more than max bytes. */
int
mg_b64_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	size_t n = 0, bits = 0, i = 0;

	for (; i < len && s[i] != '='; i++) {
		int v = b64_val(s[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	for (; i < len; i++)
		if (s[i] != '=')
			return -1;
	/* Leftover bits must be zero: else the text is not canonical. */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (int)n;
}

size_t
mg_b64_encode(const uint8_t *in, size_t len, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[n++] = tab[v >> 18 & 63];
		out[n++] = tab[v >> 12 & 63];
		out[n++] = left > 1 ? tab[v >> 6 & 63] : '=';
		out[n++] = left > 2 ? tab[v & 63] : '=';
	}
	return n;
}
