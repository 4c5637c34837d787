/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "b64.h"
#include "sdes.h"

struct suite_name {
	const char *name;
	enum mg_srtp_suite suite;
	uint8_t key_len, salt_len;
};

static const struct suite_name suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", MG_SRTP_AES_CM_128_HMAC_SHA1_80, 16, 14 },
	{ "AES_CM_128_HMAC_SHA1_32", MG_SRTP_AES_CM_128_HMAC_SHA1_32, 16, 14 },
	{ "AES_192_CM_HMAC_SHA1_80", MG_SRTP_AES_192_CM_HMAC_SHA1_80, 24, 14 },
	{ "AES_192_CM_HMAC_SHA1_32", MG_SRTP_AES_192_CM_HMAC_SHA1_32, 24, 14 },
	{ "AES_256_CM_HMAC_SHA1_80", MG_SRTP_AES_256_CM_HMAC_SHA1_80, 32, 14 },
	{ "AES_256_CM_HMAC_SHA1_32", MG_SRTP_AES_256_CM_HMAC_SHA1_32, 32, 14 },
	{ "NULL_HMAC_SHA1_80", MG_SRTP_NULL_HMAC_SHA1_80, 16, 14 },
	{ "NULL_HMAC_SHA1_32", MG_SRTP_NULL_HMAC_SHA1_32, 16, 14 },
	{ "AEAD_AES_128_GCM", MG_SRTP_AEAD_AES_128_GCM, 16, 12 },
	{ "AEAD_AES_256_GCM", MG_SRTP_AEAD_AES_256_GCM, 32, 12 },
};

static const struct suite_name *
suite_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (strlen(suites[i].name) == len &&
		    strncmp(suites[i].name, name, len) == 0)
			return &suites[i];
	return NULL;
}

enum mg_srtp_suite
mg_sdes_suite(const char *name, size_t len)
{
	const struct suite_name *s = suite_by_name(name, len);

	return s ? s->suite : 0;
}

/* "2^n" or a decimal count. */
static int
parse_lifetime(const char *s, size_t len, uint64_t *out)
{
	char buf[32], *end;
	unsigned long long v;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '2' && buf[1] == '^') {
		v = strtoull(buf + 2, &end, 10);
		if (*end || end == buf + 2 || v > 48)
			return -1;
		*out = 1ull << v;
		return 0;
	}
	if (!isdigit((unsigned char)buf[0]))
		return -1;
	v = strtoull(buf, &end, 10);
	if (*end || v == 0)
		return -1;
	*out = v;
	return 0;
}

/* "MKI:LEN": the MKI value in LEN bytes (1..MG_SRTP_MKI_MAX here). */
static int
parse_mki(const char *s, size_t len, uint8_t mki[MG_SRTP_MKI_MAX],
	  uint8_t *mki_len)
{
	char buf[48], *colon, *end;
	unsigned long long v, l;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	colon = strchr(buf, ':');
	if (colon == NULL || colon == buf)
		return -1;
	*colon = '\0';
	v = strtoull(buf, &end, 10);
	if (*end)
		return -1;
	l = strtoull(colon + 1, &end, 10);
	if (*end || l == 0 || l > MG_SRTP_MKI_MAX ||
	    (l < 8 && v >> (8 * l) != 0))
		return -1;
	for (unsigned int i = 0; i < l; i++)
		mki[l - 1 - i] = (uint8_t)(v >> (8 * i));
	*mki_len = (uint8_t)l;
	return 0;
}

/* One key-param: inline:<key||salt>[|lifetime][|MKI:len]. */
static int
parse_key_param(const char *s, size_t len, const struct suite_name *sn,
		struct mg_srtp_policy *p, uint8_t *mki_len, char *err,
		size_t errlen)
{
	struct mg_srtp_master *m = &p->masters[p->nb_masters];
	uint8_t raw[64];
	const char *bar, *end = s + len;
	int n;

	if (len < 7 || strncmp(s, "inline:", 7) != 0)
		return snprintf(err, errlen, "key-param must start with "
				"inline:"), -EINVAL;
	s += 7;
	bar = memchr(s, '|', (size_t)(end - s));
	n = mg_b64_decode(s, (size_t)((bar ? bar : end) - s), raw, sizeof(raw));
	if (n != sn->key_len + sn->salt_len) {
		explicit_bzero(raw, sizeof(raw));
		return snprintf(err, errlen, "%s needs a %u-byte inline key, "
				"not %s", sn->name, sn->key_len + sn->salt_len,
				n < 0 ? "bad base64" : "that length"), -EINVAL;
	}
	memcpy(m->key, raw, sn->key_len);
	memcpy(m->salt, raw + sn->key_len, sn->salt_len);
	explicit_bzero(raw, sizeof(raw));
	while (bar != NULL) {
		const char *f = bar + 1, *fe;

		bar = memchr(f, '|', (size_t)(end - f));
		fe = bar ? bar : end;
		if (memchr(f, ':', (size_t)(fe - f)) != NULL) {
			if (parse_mki(f, (size_t)(fe - f), m->mki, mki_len) != 0)
				return snprintf(err, errlen, "bad MKI:length "
						"(length 1..%d)",
						MG_SRTP_MKI_MAX), -EINVAL;
		} else if (parse_lifetime(f, (size_t)(fe - f),
					  &p->lifetime) != 0) {
			return snprintf(err, errlen, "bad key lifetime"), -EINVAL;
		}
	}
	p->nb_masters++;
	return 0;
}

/* Session parameters (RFC 4568 §6.3): those that change the transform are
 * taken, FEC_* are refused (not implemented), unknown ones are refused as
 * the RFC asks for a mandatory parameter it does not know. */
static int
parse_session_param(const char *s, size_t len, struct mg_srtp_policy *p,
		    char *err, size_t errlen)
{
	char buf[48], *end;
	unsigned long v;

	if (len >= sizeof(buf))
		return snprintf(err, errlen, "session parameter too long"), -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strcmp(buf, "UNENCRYPTED_SRTP") == 0)
		p->flags |= MG_SRTP_F_UNENCRYPTED_SRTP;
	else if (strcmp(buf, "UNENCRYPTED_SRTCP") == 0)
		p->flags |= MG_SRTP_F_UNENCRYPTED_SRTCP;
	else if (strcmp(buf, "UNAUTHENTICATED_SRTP") == 0)
		p->flags |= MG_SRTP_F_UNAUTHENTICATED_SRTP;
	else if (strncmp(buf, "KDR=", 4) == 0) {
		v = strtoul(buf + 4, &end, 10);
		if (*end || end == buf + 4 || v > MG_SRTP_KDR_LOG2_MAX)
			return snprintf(err, errlen, "KDR must be 0..%d",
					MG_SRTP_KDR_LOG2_MAX), -EINVAL;
		p->kdr_log2 = (uint8_t)v;
	} else if (strncmp(buf, "WSH=", 4) == 0) {
		/* A window size hint: take it, in whole 64-packet words. */
		v = strtoul(buf + 4, &end, 10);
		if (*end || end == buf + 4 || v < 64)
			return snprintf(err, errlen, "WSH must be at least 64"),
			       -EINVAL;
		v = (v + 63) / 64 * 64;
		p->window = (uint16_t)(v > MG_SRTP_WINDOW_MAX ?
				       MG_SRTP_WINDOW_MAX : v);
	} else {
		return snprintf(err, errlen, "session parameter %s not "
				"supported", buf), -ENOTSUP;
	}
	return 0;
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static size_t
token_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t')
		n++;
	return n;
}

static int
parse_key_params(const char *s, size_t len, const struct suite_name *sn,
		 struct mg_srtp_policy *p, char *err, size_t errlen)
{
	const char *end = s + len;
	uint8_t mki_len = 0, first_mki_len = 0;

	while (s < end) {
		const char *semi = memchr(s, ';', (size_t)(end - s));
		size_t n = (size_t)((semi ? semi : end) - s);
		int rc;

		if (p->nb_masters == MG_SRTP_MASTERS_MAX)
			return snprintf(err, errlen, "at most %d keys",
					MG_SRTP_MASTERS_MAX), -EINVAL;
		mki_len = 0;
		rc = parse_key_param(s, n, sn, p, &mki_len, err, errlen);
		if (rc != 0)
			return rc;
		if (p->nb_masters == 1)
			first_mki_len = mki_len;
		else if (mki_len != first_mki_len || mki_len == 0)
			return snprintf(err, errlen, "several keys need MKIs "
					"of one length"), -EINVAL;
		s += n + (semi != NULL);
	}
	p->mki_len = first_mki_len;
	return 0;
}

int
mg_sdes_parse(const char *s, struct mg_srtp_policy *p, char *err,
	      size_t errlen)
{
	const struct suite_name *sn;
	size_t n;
	int rc;

	s = skip_space(s);
	n = token_len(s);
	sn = suite_by_name(s, n);
	if (sn == NULL) {
		snprintf(err, errlen, "unknown or unsupported crypto suite "
			 "%.*s", (int)(n > 40 ? 40 : n), s);
		return -ENOTSUP;
	}
	p->suite = (uint16_t)sn->suite;
	p->nb_masters = 0;
	s = skip_space(s + n);
	n = token_len(s);
	rc = n ? parse_key_params(s, n, sn, p, err, errlen) :
		 (snprintf(err, errlen, "no key-params"), -EINVAL);
	for (s = skip_space(s + n); rc == 0 && *s; s = skip_space(s + n)) {
		n = token_len(s);
		rc = parse_session_param(s, n, p, err, errlen);
	}
	if (rc != 0)
		explicit_bzero(p->masters, sizeof(p->masters));
	return rc;
}

const char *
mg_sdes_suite_name(enum mg_srtp_suite suite)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].suite == suite)
			return suites[i].name;
	return NULL;
}

static const struct suite_name *
suite_by_id(unsigned int suite)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if ((unsigned int)suites[i].suite == suite)
			return &suites[i];
	return NULL;
}

/* Random bytes for keys, a page of getrandom(2) output at a time (one
 * syscall per ~100 keys instead of one per key). The page is kept out of
 * core dumps, and each byte is wiped as it is handed out. */
#define POOL_BYTES 4096u

static int
random_bytes(uint8_t *out, size_t n)
{
	static uint8_t *pool;
	static size_t pos = POOL_BYTES;

	if (pool == NULL) {
		void *p = mmap(NULL, POOL_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -ENOMEM;
		madvise(p, POOL_BYTES, MADV_DONTDUMP);
		pool = p;
	}
	if (n > POOL_BYTES)
		return -EINVAL;
	if (POOL_BYTES - pos < n) {
		ssize_t got = getrandom(pool, POOL_BYTES, 0);

		/* A page from an initialised pool never comes back short. */
		if (got != (ssize_t)POOL_BYTES)
			return got < 0 ? -errno : -EIO;
		pos = 0;
	}
	memcpy(out, pool + pos, n);
	explicit_bzero(pool + pos, n);
	pos += n;
	return 0;
}

int
mg_sdes_keygen(enum mg_srtp_suite suite, struct mg_srtp_policy *p)
{
	const struct suite_name *sn = suite_by_id(suite);
	struct mg_srtp_master *m = &p->masters[0];
	uint8_t raw[MG_SRTP_MASTER_KEY_MAX + MG_SRTP_MASTER_SALT_LEN];
	size_t need;
	int rc;

	if (sn == NULL)
		return -EINVAL;
	need = (size_t)sn->key_len + sn->salt_len;
	rc = random_bytes(raw, need);
	if (rc != 0) {
		explicit_bzero(raw, sizeof(raw));
		return rc;
	}
	memset(p, 0, sizeof(*p));
	p->suite = (uint16_t)suite;
	p->nb_masters = 1;
	memcpy(m->key, raw, sn->key_len);
	memcpy(m->salt, raw + sn->key_len, sn->salt_len);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int
mg_sdes_format(const struct mg_srtp_policy *p, uint32_t tag, char *out,
	       size_t cap)
{
	const struct suite_name *sn = suite_by_id(p->suite);
	uint8_t raw[MG_SRTP_MASTER_KEY_MAX + MG_SRTP_MASTER_SALT_LEN];
	char b64[72];
	size_t n;
	int w;

	if (sn == NULL || p->nb_masters == 0)
		return -EINVAL;
	memcpy(raw, p->masters[0].key, sn->key_len);
	memcpy(raw + sn->key_len, p->masters[0].salt, sn->salt_len);
	n = mg_b64_encode(raw, (size_t)sn->key_len + sn->salt_len, b64);
	explicit_bzero(raw, sizeof(raw));
	w = snprintf(out, cap, "a=crypto:%u %s inline:%.*s%s%s%s", tag,
		     sn->name, (int)n, b64,
		     p->flags & MG_SRTP_F_UNENCRYPTED_SRTP ?
		     " UNENCRYPTED_SRTP" : "",
		     p->flags & MG_SRTP_F_UNENCRYPTED_SRTCP ?
		     " UNENCRYPTED_SRTCP" : "",
		     p->flags & MG_SRTP_F_UNAUTHENTICATED_SRTP ?
		     " UNAUTHENTICATED_SRTP" : "");
	explicit_bzero(b64, sizeof(b64));
	if (w > 0 && (size_t)w < cap && p->kdr_log2)
		w += snprintf(out + w, cap - (size_t)w, " KDR=%u", p->kdr_log2);
	if (w < 0 || (size_t)w >= cap) {
		explicit_bzero(out, cap);
		return -ENOSPC;
	}
	return w;
}
