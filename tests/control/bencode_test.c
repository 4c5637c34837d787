/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode as the ng protocol uses it: rtpengine's own message shapes
 * decode to the right tree; the encoder's output decodes back; and every
 * kind of malformed input (each prefix of a valid message, bad numbers,
 * lengths past the end, non-string keys, nesting and size bombs) is
 * refused with a reason, within its limits, reading nothing past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../control/bencode.h"

static struct mg_bnode nodes[256];
static struct mg_bdoc doc = { .nodes = nodes, .cap = 256 };
static char err[160];

/* An offer as Kamailio's rtpengine module sends it (keys unsorted). */
static const char offer[] =
	"d7:command5:offer3:sdp29:v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n7:"
	"call-id6:abc1238:from-tag3:ft15:flagsl13:trust-addresse7:rep"
	"lacel6:origin18:session-connectione18:transport-protocol7:RT"
	"P/AVP4:SDESl20:no-NULL_HMAC_SHA1_80ee";

static void
rtpengine_offer(void **state)
{
	const struct mg_bnode *root, *v;
	long used;

	/* Heap copy, exactly sized: ASan sees any read past it. */
	char *buf = malloc(sizeof(offer) - 1);

	(void)state;
	memcpy(buf, offer, sizeof(offer) - 1);
	used = mg_bdecode(buf, sizeof(offer) - 1, &doc, err, sizeof(err));
	if (used < 0) {
		free(buf);
		fail_msg("%s", err);
	}
	assert_int_equal(used, sizeof(offer) - 1);
	root = &nodes[0];
	assert_int_equal(root->type, MG_B_DICT);
	assert_true(mg_bstr_is(mg_bdict_get(&doc, root, "command"), "offer"));
	assert_true(mg_bstr_is(mg_bdict_get(&doc, root, "call-id"), "abc123"));
	v = mg_bdict_get(&doc, root, "sdp");
	assert_non_null(v);
	assert_int_equal(v->len, 29);
	assert_memory_equal(v->v.s, "v=0\r\no=", 7);
	v = mg_bdict_get(&doc, root, "replace");
	assert_int_equal(v->type, MG_B_LIST);
	assert_int_equal(v->len, 2);
	assert_true(mg_bstr_is(&nodes[nodes[v->child].next], "session-connection"));
	assert_null(mg_bdict_get(&doc, root, "to-tag"));
	assert_null(mg_bdict_get(&doc, v, "x")); /* not a dict */
	free(buf);
}

static void
encoder_round_trip(void **state)
{
	char out[256];
	struct mg_benc e = { .buf = out, .cap = sizeof(out) };
	const struct mg_bnode *v;

	(void)state;
	mg_benc_open(&e, 'd');
	mg_benc_kv_cstr(&e, "result", "ok");
	mg_benc_kv_int(&e, "created", -1234567890123ll);
	mg_benc_cstr(&e, "warnings");
	mg_benc_open(&e, 'l');
	mg_benc_str(&e, "a\0b", 3);
	mg_benc_close(&e);
	mg_benc_close(&e);
	assert_false(e.overflow);
	assert_int_equal(mg_bdecode(out, e.len, &doc, err, sizeof(err)),
			 (long)e.len);
	assert_true(mg_bstr_is(mg_bdict_get(&doc, &nodes[0], "result"), "ok"));
	v = mg_bdict_get(&doc, &nodes[0], "created");
	assert_int_equal(v->type, MG_B_INT);
	assert_true(v->v.i == -1234567890123ll);
	v = mg_bdict_get(&doc, &nodes[0], "warnings");
	assert_int_equal(nodes[v->child].len, 3);
	assert_memory_equal(nodes[v->child].v.s, "a\0b", 3);
	/* A full buffer stops writing and says so. */
	e = (struct mg_benc){ .buf = out, .cap = 5 };
	mg_benc_kv_cstr(&e, "result", "ok");
	assert_true(e.overflow);
	assert_true(e.len <= 5);
}

/* Every proper prefix of the offer is refused as truncated or with a
 * reason; none reads past its end (each is an exact heap copy). */
static void
every_prefix_refused(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(offer) - 1; n++) {
		char *buf = malloc(n ? n : 1);

		memcpy(buf, offer, n);
		if (mg_bdecode(buf, n, &doc, err, sizeof(err)) >= 0)
			fail_msg("prefix of %zu bytes accepted", n);
		assert_non_null(strstr(err, "bad bencode at byte"));
		assert_int_equal(doc.n, 0);
		free(buf);
	}
}

static const struct {
	const char *in;
	const char *why;
} bad[] = {
	{ "", "truncated" },
	{ "x", "not a bencode value" },
	{ "i12", "truncated" },
	{ "ie", "digits expected" },
	{ "i-0e", "negative zero" },
	{ "i007e", "leading zero" },
	{ "i1.5e", "'e' expected" },
	{ "i9223372036854775808e", "number too large" },
	{ "i99999999999999999999999e", "number too large" },
	{ "5:abc", "string runs past the end" },
	{ "05:abcde", "leading zero" },
	{ "3abc", "':' expected" },
	{ "99999999999999999999:", "number too large" },
	{ "4294967296:x", "string runs past the end" },
	{ "di1e1:ae", "dictionary key is not a string" },
	{ "dl1:ae1:be", "dictionary key is not a string" },
	{ "d1:ae", "dictionary key without a value" },
	{ "d1:a", "truncated" },
	{ "l", "truncated" },
	{ "le", NULL }, /* valid: an empty list */
	{ "de", NULL },
};

static void
malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long rc = mg_bdecode(bad[i].in, strlen(bad[i].in), &doc, err,
				     sizeof(err));

		if (bad[i].why == NULL) {
			assert_int_equal(rc, (long)strlen(bad[i].in));
			continue;
		}
		if (rc >= 0 || strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': %ld '%s', want '%s'", bad[i].in, rc, err,
				 bad[i].why);
	}
}

static void
bombs(void **state)
{
	char deep[2 * MG_B_DEPTH_MAX + 8], many[4 * 300 + 3];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < MG_B_DEPTH_MAX + 2; i++)
		deep[n++] = 'l';
	assert_true(mg_bdecode(deep, n, &doc, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "nested too deep"));
	/* Exactly at the limit is fine. */
	n = 0;
	for (int i = 0; i < MG_B_DEPTH_MAX; i++)
		deep[n++] = 'l';
	for (int i = 0; i < MG_B_DEPTH_MAX; i++)
		deep[n++] = 'e';
	assert_int_equal(mg_bdecode(deep, n, &doc, err, sizeof(err)), (long)n);
	/* More values than nodes. */
	n = 0;
	many[n++] = 'l';
	for (int i = 0; i < 300; i++) {
		memcpy(many + n, "i1e", 3);
		n += 3;
	}
	many[n++] = 'e';
	assert_true(mg_bdecode(many, n, &doc, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "too many values"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rtpengine_offer),
		cmocka_unit_test(encoder_round_trip),
		cmocka_unit_test(every_prefix_refused),
		cmocka_unit_test(malformed),
		cmocka_unit_test(bombs),
	};

	return cmocka_run_group_tests_name("bencode", tests, NULL, NULL);
}
