/* SPDX-License-Identifier: BSD-3-Clause */
/* The a=ipsec attribute (see ipsec_attr.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "b64.h"
#include "ipsec_attr.h"

const enum mg_esp_suite mg_ipsec_sdp_suites[] = {
	MG_ESP_AES_GCM_16_256,
	MG_ESP_CHACHA20_POLY1305,
	MG_ESP_AES_GCM_16_128,          /* mandatory to implement */
	MG_ESP_AES_CBC_128_HMAC_SHA256_128,
	MG_ESP_NULL_HMAC_SHA256_128,    /* integrity only: policy decides */
};
const size_t mg_ipsec_sdp_nsuites =
	sizeof(mg_ipsec_sdp_suites) / sizeof(mg_ipsec_sdp_suites[0]);

#define TAG_MAX 999999999u
#define LIFETIME_NO_ESN 0xffffffffull /* sequence numbers 1 .. 2^32 - 1 */

static uint8_t
key_len_of(enum mg_esp_suite s)
{
	const struct mg_esp_suite_info *i = mg_esp_suite(s);

	return (uint8_t)(i->key_len + i->salt_len + i->auth_key_len);
}

static bool
in_profile(enum mg_esp_suite s)
{
	for (size_t i = 0; i < mg_ipsec_sdp_nsuites; i++)
		if (mg_ipsec_sdp_suites[i] == s)
			return true;
	return false;
}

/* A token of s: [*at, *at + *len), skipping blanks; false at the end. */
static bool
token(const char *s, size_t n, size_t *pos, const char **at, size_t *len)
{
	size_t i = *pos, j;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return false;
	for (j = i; j < n && s[j] != ' ' && s[j] != '\t'; j++)
		;
	*at = s + i;
	*len = j - i;
	*pos = j;
	return true;
}

/* Digits only (base 10 or 16), into *v; false if empty, other
 * characters, or above max. */
static bool
number(const char *s, size_t len, int base, uint64_t max, uint64_t *v)
{
	char buf[24], *end;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '+' || buf[0] == '-' || buf[0] == ' ')
		return false;
	*v = strtoull(buf, &end, base);
	return *end == '\0' && *v <= max;
}

/* "2^n" (n <= 64) or a decimal count, not 0. */
static bool
lifetime(const char *s, size_t len, uint64_t *out)
{
	uint64_t n;

	if (len > 2 && s[0] == '2' && s[1] == '^') {
		if (!number(s + 2, len - 2, 10, 64, &n))
			return false;
		*out = n == 64 ? UINT64_MAX : 1ull << n;
		return true;
	}
	return number(s, len, 10, UINT64_MAX, out) && *out != 0;
}

static int
fail(char *err, size_t errlen, const char *why, const char *what, size_t n)
{
	snprintf(err, errlen, "a=ipsec: %s%.*s", why, (int)n, what);
	return -EINVAL;
}

/* inline:<base64>[|<lifetime>] */
static int
key_param(const char *t, size_t n, struct mg_ipsec_attr *a, char *err,
	  size_t errlen)
{
	const char *bar;
	size_t klen;
	int got;

	if (n < 7 || strncmp(t, "inline:", 7) != 0)
		return fail(err, errlen, "want inline: key material", "", 0);
	t += 7;
	n -= 7;
	bar = memchr(t, '|', n);
	klen = bar ? (size_t)(bar - t) : n;
	got = mg_b64_decode(t, klen, a->key, sizeof(a->key));
	if (got != (int)a->key_len) {
		explicit_bzero(a->key, sizeof(a->key));
		snprintf(err, errlen, "a=ipsec: %s needs %u bytes of key "
			 "material%s", mg_esp_suite(a->suite)->name, a->key_len,
			 got < 0 ? " (bad base64)" : "");
		return -EINVAL;
	}
	if (bar && !lifetime(bar + 1, n - klen - 1, &a->lifetime))
		return fail(err, errlen, "bad lifetime ", bar + 1, n - klen - 1);
	return 0;
}

/* name=value or flag; each at most once (bit in *seen). */
static int
param(const char *t, size_t n, struct mg_ipsec_attr *a, uint32_t *seen,
      char *err, size_t errlen)
{
	static const char *const names[] = { "spi", "mode", "encap", "kdr",
					     "window", "esn" };
	const char *eq = memchr(t, '=', n);
	size_t k = eq ? (size_t)(eq - t) : n, vl = eq ? n - k - 1 : 0;
	const char *v = eq ? eq + 1 : NULL;
	uint64_t x;
	int i;

	for (i = 0; i < 6; i++)
		if (strlen(names[i]) == k && strncmp(t, names[i], k) == 0)
			break;
	if (i == 6)
		return fail(err, errlen, "unknown parameter ", t, k);
	if (*seen & (1u << i))
		return fail(err, errlen, "repeated parameter ", t, k);
	*seen |= 1u << i;
	if ((i == 5) != (v == NULL))
		return fail(err, errlen, "bad parameter ", t, n);
	switch (i) {
	case 0:
		if (vl > 2 && (v[1] == 'x' || v[1] == 'X') && v[0] == '0')
			v += 2, vl -= 2;
		if (!number(v, vl, 16, UINT32_MAX, &x))
			return fail(err, errlen, "bad spi ", v, vl);
		a->spi = (uint32_t)x;
		return 0;
	case 1:
		if (vl == 6 && strncmp(v, "tunnel", 6) == 0)
			return a->tunnel = true, 0;
		if (vl == 9 && strncmp(v, "transport", 9) == 0)
			return 0;
		return fail(err, errlen, "unknown mode ", v, vl);
	case 2:
		if (vl == 3 && strncmp(v, "udp", 3) == 0)
			return a->udp = true, 0;
		return fail(err, errlen, "unknown encap ", v, vl);
	case 3:
		if (!number(v, vl, 10, MG_ESP_KDR_MAX, &x) ||
		    x < MG_ESP_KDR_MIN)
			return fail(err, errlen, "kdr outside 8..48: ", v, vl);
		a->kdr = (uint8_t)x;
		return 0;
	case 4:
		if (!number(v, vl, 10, MG_ESP_WINDOW_MAX, &x) ||
		    x < MG_ESP_WINDOW_MIN)
			return fail(err, errlen, "window outside 64..4096: ", v,
				    vl);
		a->window = (uint16_t)x;
		return 0;
	default:
		a->esn = true;
		return 0;
	}
}

/* What only the whole attribute can say. */
static int
whole(struct mg_ipsec_attr *a, uint32_t seen, char *err, size_t errlen)
{
	if (!(seen & 1u))
		return fail(err, errlen, "no spi=", "", 0);
	if (a->spi < 256)
		return fail(err, errlen, "SPI 0 and 1-255 are reserved", "", 0);
	if (a->kdr && a->spi % MG_ESP_KDR_EPOCHS)
		return fail(err, errlen, "with kdr the SPI is a multiple of 256",
			    "", 0);
	if (!a->esn && a->lifetime > LIFETIME_NO_ESN)
		return fail(err, errlen, "lifetime past 2^32 - 1 without esn",
			    "", 0);
	return 0;
}

static int
parse(const char *s, size_t len, struct mg_ipsec_attr *a, char *err,
      size_t errlen)
{
	const char *t;
	size_t n, pos = 0;
	uint32_t seen = 0;
	uint64_t v;
	int rc;

	memset(a, 0, sizeof(*a));
	if (!token(s, len, &pos, &t, &n) || !number(t, n, 10, TAG_MAX, &v) ||
	    v == 0)
		return fail(err, errlen, "bad tag", "", 0);
	a->tag = (uint32_t)v;
	if (!token(s, len, &pos, &t, &n))
		return fail(err, errlen, "no suite", "", 0);
	{
		char name[40];

		snprintf(name, sizeof(name), "%.*s", (int)n, t);
		a->suite = (uint16_t)mg_esp_suite_by_name(name);
	}
	if (a->suite == 0 || !in_profile(a->suite))
		return fail(err, errlen, "unknown suite ", t, n);
	a->key_len = key_len_of(a->suite);
	if (!token(s, len, &pos, &t, &n))
		return fail(err, errlen, "no key", "", 0);
	rc = key_param(t, n, a, err, errlen);
	while (rc == 0 && token(s, len, &pos, &t, &n))
		rc = param(t, n, a, &seen, err, errlen);
	return rc == 0 ? whole(a, seen, err, errlen) : rc;
}

int
mg_ipsec_attr_parse(const char *s, size_t len, struct mg_ipsec_attr *a,
		    char *err, size_t errlen)
{
	int rc = parse(s, len, a, err, errlen);

	if (rc != 0)
		explicit_bzero(a, sizeof(*a));
	return rc;
}

int
mg_ipsec_attr_format(const struct mg_ipsec_attr *a, char *out, size_t cap)
{
	char b64[4 * ((MG_IPSEC_KEY_MAX + 2) / 3) + 1], lt[32] = "";
	size_t n = mg_b64_encode(a->key, a->key_len, b64);
	const char *name = mg_esp_suite(a->suite) ?
			   mg_esp_suite(a->suite)->name : NULL;
	int w;

	if (name == NULL)
		return -EINVAL;
	b64[n] = '\0';
	if (a->lifetime == UINT64_MAX)
		snprintf(lt, sizeof(lt), "|2^64");
	else if (a->lifetime && !(a->lifetime & (a->lifetime - 1)))
		snprintf(lt, sizeof(lt), "|2^%d", __builtin_ctzll(a->lifetime));
	else if (a->lifetime)
		snprintf(lt, sizeof(lt), "|%llu",
			 (unsigned long long)a->lifetime);
	w = snprintf(out, cap, "%u %s inline:%s%s spi=%x%s%s", a->tag, name,
		     b64, lt, a->spi, a->tunnel ? " mode=tunnel" : "",
		     a->udp ? " encap=udp" : "");
	if (w >= 0 && (size_t)w < cap && a->kdr)
		w += snprintf(out + w, cap - (size_t)w, " kdr=%u", a->kdr);
	if (w >= 0 && (size_t)w < cap && a->window)
		w += snprintf(out + w, cap - (size_t)w, " window=%u", a->window);
	if (w >= 0 && (size_t)w < cap && a->esn)
		w += snprintf(out + w, cap - (size_t)w, " esn");
	explicit_bzero(b64, sizeof(b64));
	return w < 0 || (size_t)w >= cap ? -ENOSPC : w;
}

int
mg_ipsec_keygen(struct mg_ipsec_attr *a)
{
	if (mg_esp_suite(a->suite) == NULL)
		return -EINVAL;
	a->key_len = key_len_of(a->suite);
	if (getrandom(a->key, a->key_len, 0) != (ssize_t)a->key_len)
		return -EIO;
	return 0;
}

void
mg_ipsec_policy(const struct mg_ipsec_attr *keys, uint32_t spi,
		const struct mg_ipsec_attr *params, bool inbound,
		const uint8_t *local, const uint8_t *remote, uint8_t family,
		struct mg_esp_sa_policy *p)
{
	const struct mg_esp_suite_info *si = mg_esp_suite(keys->suite);
	size_t alen = family == 6 ? 16 : 4;

	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->suite = keys->suite;
	p->flags = (uint16_t)((inbound ? MG_ESP_F_INBOUND : 0) |
		   (params->tunnel ? MG_ESP_F_TUNNEL : 0) |
		   (params->tunnel && family == 6 ? MG_ESP_F_OUTER_V6 : 0) |
		   (params->esn ? MG_ESP_F_ESN : 0) |
		   (params->udp ? MG_ESP_F_UDP_ENCAP : 0));
	p->window = params->window;
	p->kdr_log2 = params->kdr;
	/* The lifetime is the key's: its sender's word, hard; soft at 90 %
	 * so the control plane can rekey first. */
	p->hard.packets = keys->lifetime == UINT64_MAX ? 0 : keys->lifetime;
	p->soft.packets = p->hard.packets - p->hard.packets / 10;
	memcpy(p->enc_key, keys->key, si->key_len);
	memcpy(p->salt, keys->key + si->key_len, si->salt_len);
	memcpy(p->auth_key, keys->key + si->key_len + si->salt_len,
	       si->auth_key_len);
	memcpy(p->local, local, alen);
	memcpy(p->remote, remote, alen);
}
