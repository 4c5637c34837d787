/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode, as the ng protocol of rtpengine carries it: integers, byte
 * strings, lists, dictionaries (keys are strings, in any order, as
 * rtpengine accepts them). The decoder builds a tree of nodes in the
 * caller's array (no allocation per node) that points into the input, with
 * limits on depth and size so a hostile datagram costs a bounded amount
 * and never crashes; the encoder appends to a fixed buffer.
 */
#ifndef MG_CTL_BENCODE_H
#define MG_CTL_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mg_bnode_type {
	MG_B_INT = 1,
	MG_B_STR,
	MG_B_LIST,
	MG_B_DICT,
};

#define MG_B_NONE UINT32_MAX
#define MG_B_DEPTH_MAX 32

struct mg_bnode {
	uint8_t type;          /* enum mg_bnode_type */
	uint32_t len;          /* string bytes, or children (a dict: keys and
				* values, alternating) */
	uint32_t child;        /* first child's index, or MG_B_NONE */
	uint32_t next;         /* next sibling's index, or MG_B_NONE */
	union {
		int64_t i;
		const char *s;   /* into the decoded buffer, not terminated */
	} v;
};

struct mg_bdoc {
	struct mg_bnode *nodes;
	uint32_t n, cap;
};

/* Decode one value from buf[0..len) into doc (nodes[0] is the root).
 * Returns the bytes it took, or -1 with a one-line reason in err:
 * truncated, a malformed integer or length, a dict key that is not a
 * string, nesting deeper than MG_B_DEPTH_MAX, more nodes than doc->cap. */
long mg_bdecode(const char *buf, size_t len, struct mg_bdoc *doc, char *err,
		size_t errlen);

/* The value of key in dict d, or NULL (also when d is not a dict). */
const struct mg_bnode *mg_bdict_get(const struct mg_bdoc *doc,
				    const struct mg_bnode *d, const char *key);

/* A string node equal to s? */
bool mg_bstr_is(const struct mg_bnode *n, const char *s);

/* The encoder: appends to buf; `overflow` is set (and nothing more is
 * written) once cap would be passed. */
struct mg_benc {
	char *buf;
	size_t len, cap;
	bool overflow;
};

void mg_benc_str(struct mg_benc *e, const char *s, size_t len);
void mg_benc_cstr(struct mg_benc *e, const char *s);
void mg_benc_int(struct mg_benc *e, int64_t v);
void mg_benc_open(struct mg_benc *e, char kind); /* 'd' or 'l' */
void mg_benc_close(struct mg_benc *e);
/* A dict entry: key then string / integer value. */
void mg_benc_kv_str(struct mg_benc *e, const char *key, const char *s,
		    size_t len);
void mg_benc_kv_cstr(struct mg_benc *e, const char *key, const char *s);
void mg_benc_kv_int(struct mg_benc *e, const char *key, int64_t v);

#endif /* MG_CTL_BENCODE_H */
