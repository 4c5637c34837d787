/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_spec.h"
#include "hostport.h"

/* Exactly want bytes of hex. */
static int
hex_bytes(const char *s, uint8_t *out, size_t want)
{
	size_t n = strlen(s);

	if (n != 2 * want)
		return -1;
	for (size_t i = 0; i < want; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;

		out[i] = (uint8_t)strtoul(b, &end, 16);
		if (*end != '\0' || b[0] == '+' || b[0] == '-' || b[0] == ' ')
			return -1;
	}
	return 0;
}

/* Hex, with or without 0x. */
static int
hex_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
	      (*s >= 'A' && *s <= 'F')))
		return -1;
	v = strtoull(s, &end, 16);
	if (*end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 0);
	return *end == '\0' && *out <= max ? 0 : -1;
}

static int
addr(const char *s, uint8_t ip[16], uint8_t *family)
{
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, s, ip) == 1)
		return *family = 4, 0;
	if (inet_pton(AF_INET6, s, ip) == 1)
		return *family = 6, 0;
	return -1;
}

/* "N" followed by p, b or s, into the lifetime's field. */
static int
lifetime(const char *s, struct mg_esp_lifetime *l)
{
	size_t n = strlen(s);
	char num[24];
	unsigned long long v;

	if (n < 2 || n > sizeof(num))
		return -1;
	memcpy(num, s, n - 1);
	num[n - 1] = '\0';
	if (number(num, UINT64_MAX, &v) != 0 || v == 0)
		return -1;
	switch (s[n - 1]) {
	case 'p': l->packets = v; return 0;
	case 'b': l->bytes = v; return 0;
	case 's': return v > UINT32_MAX ? -1 : (l->seconds = (uint32_t)v, 0);
	default: return -1;
	}
}

static int
ports(const char *s, struct mg_esp_sa_policy *p)
{
	unsigned int l, r;
	char end;

	if (sscanf(s, "%u:%u%c", &l, &r, &end) != 2 || l == 0 || r == 0 ||
	    l > 65535 || r > 65535)
		return -1;
	p->local_port = (uint16_t)l;
	p->remote_port = (uint16_t)r;
	return 0;
}

/* One key=value or flag; keys are checked against the suite after. */
static int
field(const char *tok, struct mg_ctl_esp_add *a, uint8_t *rfam,
      const struct mg_esp_suite_info *si, bool *have_key)
{
	struct mg_esp_sa_policy *p = &a->policy;
	const char *eq = strchr(tok, '=');
	const char *v = eq ? eq + 1 : NULL;
	size_t k = eq ? (size_t)(eq - tok) : strlen(tok);
	unsigned long long n;

#define KEY(name) (k == sizeof(name) - 1 && strncmp(tok, name, k) == 0)
	if (v == NULL) {
		if (KEY("tunnel"))
			return p->flags |= MG_ESP_F_TUNNEL, 0;
		if (KEY("esn"))
			return p->flags |= MG_ESP_F_ESN, 0;
		if (KEY("udp"))
			return p->flags |= MG_ESP_F_UDP_ENCAP, 0;
		return -1;
	}
	if (KEY("spi"))
		return hex_u32(v, &p->spi);
	if (KEY("key"))
		return *have_key = true, hex_bytes(v, p->enc_key, si->key_len);
	if (KEY("salt"))
		return hex_bytes(v, p->salt, si->salt_len);
	if (KEY("auth"))
		return hex_bytes(v, p->auth_key, si->auth_key_len);
	if (KEY("local"))
		return addr(v, p->local, &a->family);
	if (KEY("remote"))
		return addr(v, p->remote, rfam);
	if (KEY("udp"))
		return p->flags |= MG_ESP_F_UDP_ENCAP, ports(v, p);
	if (KEY("window"))
		return number(v, MG_ESP_WINDOW_MAX, &n) ? -1 :
		       (p->window = (uint16_t)n, 0);
	if (KEY("kdr"))
		return number(v, MG_ESP_KDR_MAX, &n) ? -1 :
		       (p->kdr_log2 = (uint8_t)n, 0);
	if (KEY("ttl"))
		return number(v, 255, &n) ? -1 : (p->ttl = (uint8_t)n, 0);
	if (KEY("seq"))
		return number(v, UINT64_MAX, &n) ? -1 : (p->seq = n, 0);
	if (KEY("soft"))
		return lifetime(v, &p->soft);
	if (KEY("hard"))
		return lifetime(v, &p->hard);
#undef KEY
	return -1;
}

/* What the fields must say together (the dataplane checks the rest). */
static int
whole(struct mg_ctl_esp_add *a, uint8_t rfam, const struct mg_esp_suite_info *si,
      bool have_key, char *why, size_t wl)
{
	struct mg_esp_sa_policy *p = &a->policy;

	if (p->spi == 0)
		return snprintf(why, wl, "esp needs spi="), -1;
	if (si->key_len && !have_key)
		return snprintf(why, wl, "esp needs key= (%u bytes)",
				si->key_len), -1;
	if (a->family == 0)
		return snprintf(why, wl, "esp needs local="), -1;
	if (!(p->flags & MG_ESP_F_TUNNEL))
		return 0;
	if (rfam != a->family)
		return snprintf(why, wl, "a tunnel needs remote= of local='s "
				"family"), -1;
	if (a->family == 6)
		p->flags |= MG_ESP_F_OUTER_V6;
	return 0;
}

int
mg_esp_spec_parse(char *s, struct mg_ctl_esp_add *a, char *why, size_t wl)
{
	char *save = NULL, *tok = strtok_r(s, " \t", &save);
	const struct mg_esp_suite_info *si;
	bool have_key = false;
	uint8_t rfam = 0;

	if (tok == NULL || (strcmp(tok, "in") && strcmp(tok, "out")))
		return snprintf(why, wl, "esp needs in or out"), -1;
	if (tok[0] == 'i')
		a->policy.flags |= MG_ESP_F_INBOUND;
	tok = strtok_r(NULL, " \t", &save);
	si = tok ? mg_esp_suite(mg_esp_suite_by_name(tok)) : NULL;
	if (si == NULL)
		return snprintf(why, wl, "esp needs a suite (ESP_AES_GCM_16_128, "
				"...), not '%s'", tok ? tok : ""), -1;
	a->policy.suite = (uint16_t)mg_esp_suite_by_name(tok);
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
		if (field(tok, a, &rfam, si, &have_key) != 0)
			return snprintf(why, wl, "bad esp field '%.*s'",
					(int)strcspn(tok, "="), tok), -1;
	return whole(a, rfam, si, have_key, why, wl);
}
