/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "bencode.h"

struct dec {
	const char *p, *end;
	struct mg_bdoc *doc;
	char *err;
	size_t errlen;
};

/* The reason; mg_bdecode() puts the position in front. */
static int
fail(struct dec *d, const char *why)
{
	snprintf(d->err, d->errlen, "%s", why);
	return -1;
}

/* Decimal digits up to `stop`: no sign, no leading zero but "0", and no
 * more than fits in 63 bits. */
static int
digits(struct dec *d, char stop, uint64_t *out)
{
	const char *s = d->p;
	uint64_t v = 0;

	while (d->p < d->end && *d->p >= '0' && *d->p <= '9') {
		if (v > (INT64_MAX - (uint64_t)(*d->p - '0')) / 10)
			return fail(d, "number too large");
		v = v * 10 + (uint64_t)(*d->p++ - '0');
	}
	if (d->p == s)
		return fail(d, "digits expected");
	if (d->p - s > 1 && *s == '0')
		return fail(d, "leading zero");
	if (d->p == d->end)
		return fail(d, "truncated");
	if (*d->p != stop)
		return fail(d, stop == ':' ? "':' expected" : "'e' expected");
	d->p++;
	*out = v;
	return 0;
}

static uint32_t
new_node(struct dec *d, uint8_t type)
{
	struct mg_bnode *n;

	if (d->doc->n == d->doc->cap)
		return MG_B_NONE;
	n = &d->doc->nodes[d->doc->n];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->child = MG_B_NONE;
	n->next = MG_B_NONE;
	return d->doc->n++;
}

static int value(struct dec *d, int depth, uint32_t *idx);

static int
integer(struct dec *d, uint32_t idx)
{
	bool neg = false;
	uint64_t v;

	d->p++; /* 'i' */
	if (d->p < d->end && *d->p == '-') {
		neg = true;
		d->p++;
	}
	if (digits(d, 'e', &v) != 0)
		return -1;
	if (neg && v == 0)
		return fail(d, "negative zero");
	d->doc->nodes[idx].v.i = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int
string(struct dec *d, uint32_t idx)
{
	uint64_t n;

	if (digits(d, ':', &n) != 0)
		return -1;
	if (n > (uint64_t)(d->end - d->p))
		return fail(d, "string runs past the end");
	d->doc->nodes[idx].len = (uint32_t)n;
	d->doc->nodes[idx].v.s = d->p;
	d->p += n;
	return 0;
}

/* The children of a list or dict, up to its 'e'. */
static int
container(struct dec *d, int depth, uint32_t idx, bool dict)
{
	uint32_t last = MG_B_NONE, child;

	d->p++; /* 'l' or 'd' */
	if (depth >= MG_B_DEPTH_MAX)
		return fail(d, "nested too deep");
	while (d->p < d->end && *d->p != 'e') {
		bool key = dict && d->doc->nodes[idx].len % 2 == 0;

		if (key && (*d->p < '0' || *d->p > '9'))
			return fail(d, "dictionary key is not a string");
		if (value(d, depth + 1, &child) != 0)
			return -1;
		if (last == MG_B_NONE)
			d->doc->nodes[idx].child = child;
		else
			d->doc->nodes[last].next = child;
		last = child;
		d->doc->nodes[idx].len++;
	}
	if (d->p == d->end)
		return fail(d, "truncated");
	if (dict && d->doc->nodes[idx].len % 2)
		return fail(d, "dictionary key without a value");
	d->p++; /* 'e' */
	return 0;
}

static int
value(struct dec *d, int depth, uint32_t *idx)
{
	char c;
	uint8_t type;

	if (d->p == d->end)
		return fail(d, "truncated");
	c = *d->p;
	type = c == 'i' ? MG_B_INT : c == 'l' ? MG_B_LIST :
	       c == 'd' ? MG_B_DICT : (c >= '0' && c <= '9') ? MG_B_STR : 0;
	if (type == 0)
		return fail(d, "not a bencode value");
	*idx = new_node(d, type);
	if (*idx == MG_B_NONE)
		return fail(d, "too many values");
	switch (type) {
	case MG_B_INT: return integer(d, *idx);
	case MG_B_STR: return string(d, *idx);
	case MG_B_LIST: return container(d, depth, *idx, false);
	default: return container(d, depth, *idx, true);
	}
}

long
mg_bdecode(const char *buf, size_t len, struct mg_bdoc *doc, char *err,
	   size_t errlen)
{
	struct dec d = { .p = buf, .end = buf + len, .doc = doc, .err = err,
			 .errlen = errlen };
	uint32_t root;

	doc->n = 0;
	if (value(&d, 0, &root) != 0) {
		char why[96];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "bad bencode at byte %ld: %s",
			 (long)(d.p - buf), why);
		doc->n = 0;
		return -1;
	}
	return (long)(d.p - buf);
}

bool
mg_bstr_is(const struct mg_bnode *n, const char *s)
{
	size_t l = strlen(s);

	return n != NULL && n->type == MG_B_STR && n->len == l &&
	       memcmp(n->v.s, s, l) == 0;
}

const struct mg_bnode *
mg_bdict_get(const struct mg_bdoc *doc, const struct mg_bnode *d,
	     const char *key)
{
	if (d == NULL || d->type != MG_B_DICT)
		return NULL;
	/* Keys and values alternate; a decoded dict has a value per key. */
	for (uint32_t k = d->child; k != MG_B_NONE;) {
		uint32_t v = doc->nodes[k].next;

		if (mg_bstr_is(&doc->nodes[k], key))
			return &doc->nodes[v];
		k = doc->nodes[v].next;
	}
	return NULL;
}

static void
put(struct mg_benc *e, const char *s, size_t n)
{
	if (e->overflow || n > e->cap - e->len) {
		e->overflow = true;
		return;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
}

void
mg_benc_str(struct mg_benc *e, const char *s, size_t len)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%zu:", len);

	put(e, num, (size_t)n);
	put(e, s, len);
}

void
mg_benc_cstr(struct mg_benc *e, const char *s)
{
	mg_benc_str(e, s, strlen(s));
}

void
mg_benc_int(struct mg_benc *e, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "i%llde", (long long)v);

	put(e, num, (size_t)n);
}

void
mg_benc_open(struct mg_benc *e, char kind)
{
	put(e, &kind, 1);
}

void
mg_benc_close(struct mg_benc *e)
{
	put(e, "e", 1);
}

void
mg_benc_kv_str(struct mg_benc *e, const char *key, const char *s, size_t len)
{
	mg_benc_cstr(e, key);
	mg_benc_str(e, s, len);
}

void
mg_benc_kv_cstr(struct mg_benc *e, const char *key, const char *s)
{
	mg_benc_cstr(e, key);
	mg_benc_cstr(e, s);
}

void
mg_benc_kv_int(struct mg_benc *e, const char *key, int64_t v)
{
	mg_benc_cstr(e, key);
	mg_benc_int(e, v);
}
