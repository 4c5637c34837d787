/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The persisted call table's memory: calls negotiated for real (SDP in,
 * offer and answer) and the state file's allocated blocks counted by the
 * kernel (st_blocks on tmpfs). A call of one m= line writes one page of
 * its record; ESP offers one more; a removed call is zero; reopening the
 * table reads no free slot (a read of a tmpfs hole would allocate it) and
 * finds every live call again.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../control/call_sdp.h"
#include "../../control/calls.h"
#include "../../control/sdp.h"

#define SLOTS 2000u
#define PAGE 4096L

static const char savp_offer[] =
	"v=0\r\no=- 1 1 IN IP4 198.51.100.1\r\ns=-\r\n"
	"c=IN IP4 198.51.100.1\r\nt=0 0\r\n"
	"m=audio 40000 RTP/SAVP 0\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
	"a=sendrecv\r\n";
static const char avp_answer[] =
	"v=0\r\no=- 2 1 IN IP4 203.0.113.1\r\ns=-\r\n"
	"c=IN IP4 203.0.113.1\r\nt=0 0\r\n"
	"m=audio 50000 RTP/AVP 0\r\na=sendrecv\r\n";

struct fixture {
	char path[64];
	struct mg_calls calls;
	struct mg_calls_config cfg;
};

static long
file_kb(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_blocks / 2;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[200];

	snprintf(f->path, sizeof(f->path), "/dev/shm/mg-calls-test-%d",
		 (int)getpid());
	unlink(f->path);
	f->cfg = (struct mg_calls_config){ .path = f->path,
		.max_calls = SLOTS, .port_min = 20000, .port_max = 40000,
		.nb_addrs = 1, .max_flows = 4 * SLOTS };
	assert_int_equal(mg_calls_open(&f->calls, &f->cfg, err, sizeof(err)),
			 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	mg_calls_close(&f->calls);
	unlink(f->path);
	free(f);
	return 0;
}

/* A call set up for real: the phone (party 0) offers SRTP, the trunk
 * answers plain; ESP offered toward the trunk when asked. */
static struct mg_call *
negotiate(struct fixture *f, const char *id, bool esp)
{
	static struct mg_sdp sdp;
	static char out[4096];
	struct mg_call_opts o = { .addr = "192.0.2.10", .family = 4,
				  .proto = MG_PROTO_AVP,
				  .suites = mg_call_default_suites(),
				  .esp_offer = esp };
	struct mg_call *call = mg_calls_add(&f->calls, id, strlen(id));
	char err[200] = "";

	assert_non_null(call);
	assert_int_equal(mg_sdp_parse(savp_offer, strlen(savp_offer), &sdp,
				      err, sizeof(err)), 0);
	if (mg_call_offer(&f->calls, call, 0, &sdp, &o, out, sizeof(out), err,
			  sizeof(err)) < 0)
		fail_msg("offer: %s", err);
	if (esp) {
		assert_non_null(strstr(out, "a=ipsec:"));
		return call;
	}
	assert_int_equal(mg_sdp_parse(avp_answer, strlen(avp_answer), &sdp,
				      err, sizeof(err)), 0);
	o.proto = -1;
	if (mg_call_answer(&f->calls, call, 1, &sdp, &o, out, sizeof(out),
			   err, sizeof(err)) < 0)
		fail_msg("answer: %s", err);
	assert_int_equal(call->state, MG_CALL_ANSWERED);
	assert_non_null(strstr(out, "a=crypto:1 AES_CM_128_HMAC_SHA1_80"));
	return call;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void
one_m_line_writes_one_page(void **state)
{
	struct fixture *f = *state;
	long kb0 = file_kb(f->path);
	char id[32];

	assert_int_equal(kb0, 4); /* the file's header page */
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "call-%d", i);
		(void)negotiate(f, id, false);
	}
	assert_int_equal(f->calls.nb_calls, 100);
	assert_int_equal(file_kb(f->path) - kb0, 100 * 4);
}

static void
esp_offer_writes_its_own_page_and_is_wiped(void **state)
{
	struct fixture *f = *state;
	long kb0 = file_kb(f->path);
	struct mg_call *call = negotiate(f, "esp-call", true);

	assert_true(call->esp_offered);
	assert_true(call->media[0].side[1].esp.offered > 0);
	assert_int_not_equal(MG_CALL_ESP_OFFERS_OF(call, 0, 1)[0].suite, 0);
	/* The front page and the offers' page at the record's end. */
	assert_int_equal(file_kb(f->path) - kb0, 2 * 4);
	mg_calls_remove(&f->calls, call);
	assert_int_equal(file_kb(f->path) - kb0, 2 * 4);
	assert_int_equal(f->calls.nb_calls, 0);
	/* Only what was written is read back: a read allocates too. */
	assert_true(all_zero(call, mg_call_front_bytes(1)));
	assert_true(all_zero(MG_CALL_ESP_OFFERS_OF(call, 0, 0),
			     sizeof(call->esp_offers[0])));
}

static void
removed_call_is_zero_and_its_slot_reused(void **state)
{
	struct fixture *f = *state;
	struct mg_call *a = negotiate(f, "a", false);
	long kb;

	mg_calls_remove(&f->calls, a);
	assert_true(all_zero(a, mg_call_front_bytes(1)));
	kb = file_kb(f->path);
	/* The slot comes back first: no new page. */
	assert_ptr_equal(negotiate(f, "b", false), a);
	assert_int_equal(file_kb(f->path), kb);
	assert_null(mg_calls_find(&f->calls, "a", 1));
	assert_ptr_equal(mg_calls_find(&f->calls, "b", 1), a);
}

static void
reopen_reads_no_free_slot_and_finds_every_call(void **state)
{
	struct fixture *f = *state;
	const char *ids[] = { "one", "two", "three", "four", "five" };
	struct mg_call *call;
	char err[200];
	uint32_t i = 0, n = 0;
	long kb;

	for (int k = 0; k < 5; k++)
		(void)negotiate(f, ids[k], false);
	mg_calls_remove(&f->calls, mg_calls_find(&f->calls, "three", 5));
	kb = file_kb(f->path);
	mg_calls_close(&f->calls);
	assert_int_equal(mg_calls_open(&f->calls, &f->cfg, err, sizeof(err)),
			 0);
	assert_true(f->calls.recovered);
	assert_int_equal(f->calls.nb_calls, 4);
	assert_int_equal(file_kb(f->path), kb);
	while ((call = mg_calls_next(&f->calls, &i)) != NULL) {
		assert_int_equal(call->state, MG_CALL_ANSWERED);
		assert_ptr_equal(mg_calls_find(&f->calls, call->call_id,
					       strlen(call->call_id)), call);
		n++;
	}
	assert_int_equal(n, 4);
	assert_null(mg_calls_find(&f->calls, "three", 5));
	/* The slots free at reopen are taken again, and still no page is
	 * allocated beyond what the calls write. */
	for (int k = 0; k < 10; k++) {
		char id[16];

		snprintf(id, sizeof(id), "more-%d", k);
		(void)negotiate(f, id, false);
	}
	assert_int_equal(file_kb(f->path), kb + 9 * 4);
}

static void
iterator_walks_sparse_slots(void **state)
{
	struct fixture *f = *state;
	struct mg_call *c[200], *call;
	uint32_t i = 0, n = 0;
	char id[16];

	for (int k = 0; k < 200; k++) {
		snprintf(id, sizeof(id), "it-%d", k);
		c[k] = mg_calls_add(&f->calls, id, strlen(id));
		assert_non_null(c[k]);
	}
	for (int k = 0; k < 200; k++)
		if (k % 7 != 3)
			mg_calls_remove(&f->calls, c[k]);
	while ((call = mg_calls_next(&f->calls, &i)) != NULL) {
		int k = atoi(call->call_id + 3);

		assert_int_equal(k % 7, 3);
		n++;
	}
	assert_int_equal(n, f->calls.nb_calls);
	assert_int_equal(n, 29);
}

/* A call whose old SRTP context drains after a rekey, across a restart
 * of the control plane: the draining context's id stays taken (the
 * dataplane still holds it) and the drain is queued again. */
static void
reopen_keeps_srtp_drain(void **state)
{
	struct fixture *f = *state;
	struct mg_call *call = negotiate(f, "rekeyed", false);
	struct mg_drain d;
	uint32_t id, drain_id = mg_idpool_take(&f->calls.ctx_ids);
	char err[200];

	assert_int_not_equal(drain_id, 0);
	call->media[0].installed[0][0].id = 1;
	call->media[0].installed[0][0].rx_ctx2 = drain_id;
	call->media[0].srtp_drain_until_s = 12345;
	mg_calls_close(&f->calls);
	assert_int_equal(mg_calls_open(&f->calls, &f->cfg, err, sizeof(err)),
			 0);
	assert_int_equal(f->calls.nb_drains, 1);
	assert_false(mg_calls_drain_due(&f->calls, 12344, &d));
	assert_true(mg_calls_drain_due(&f->calls, 12345, &d));
	assert_int_equal(d.srtp, 1);
	assert_int_equal(d.m, 0);
	assert_int_equal(d.until_s, 12345);
	while ((id = mg_idpool_take(&f->calls.ctx_ids)) != 0)
		assert_int_not_equal(id, drain_id);
}

/* SAs and SRTP contexts drain for times of their own: the queue gives
 * them back in time order whatever order they came in. */
static void
drains_come_due_in_time_order(void **state)
{
	struct fixture *f = *state;
	struct mg_call *call = negotiate(f, "drains", false);
	const uint64_t times[] = { 100, 50, 70, 50, 200, 10 };
	struct mg_drain d;
	uint64_t last = 0;
	int n = 0;

	for (int i = 0; i < 6; i++) {
		if (i % 2) {
			call->media[0].srtp_drain_until_s = (uint32_t)times[i];
			assert_int_equal(mg_calls_srtp_drain_add(&f->calls,
								 call, 0), 0);
		} else {
			call->media[0].side[0].esp.sa_drain = 7;
			call->media[0].side[0].esp.drain_until_s = times[i];
			assert_int_equal(mg_calls_drain_add(&f->calls, call,
							    0, 0), 0);
		}
	}
	assert_false(mg_calls_drain_due(&f->calls, 9, &d));
	while (mg_calls_drain_due(&f->calls, 1000, &d)) {
		assert_true(d.until_s >= last);
		assert_int_equal(d.srtp, d.until_s == 50 || d.until_s == 10);
		last = d.until_s;
		n++;
	}
	assert_int_equal(n, 6);
	assert_int_equal(last, 200);
	call->media[0].side[0].esp.sa_drain = 0;
	call->media[0].side[0].esp.drain_until_s = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(one_m_line_writes_one_page,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			esp_offer_writes_its_own_page_and_is_wiped, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			removed_call_is_zero_and_its_slot_reused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			reopen_reads_no_free_slot_and_finds_every_call, setup,
			teardown),
		cmocka_unit_test_setup_teardown(iterator_walks_sparse_slots,
						setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_keeps_srtp_drain,
						setup, teardown),
		cmocka_unit_test_setup_teardown(drains_come_due_in_time_order,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
