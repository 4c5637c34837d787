/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A rekey storm while the traffic runs: re-INVITEs from the phones with
 * new SDES keys, at `rate` a second over the calls carrying media, round
 * robin, from the traffic loop without blocking it (a non-blocking socket
 * of its own, looked at every 100 us). A call still in its last rekey
 * when its turn comes is passed over (counted: the rate the SBC could
 * not keep). The phone switches keys when the trunk's answer is back, so
 * what it sends while the SBC installs the new key and answers is under
 * the old one: the SBC must take both for a while.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../bench_clock.h"
#include "gen.h"

#define POLL_NS 100000ull
#define RETRY_NS 2000000000ull

int
mg_gen_rekey_open(struct mg_gen_rekey *rk, const char *hostport,
		  const char *tag, struct mg_gen_call *c, uint32_t n,
		  uint32_t rate)
{
	int rc;

	memset(rk, 0, sizeof(*rk));
	if (rate == 0 || n == 0)
		return -EINVAL;
	rc = mg_gen_ng_open(&rk->ng, hostport, 64);
	if (rc != 0)
		return rc;
	/* The calls' own call-ids: the setup's tag. */
	snprintf(rk->ng.tag, sizeof(rk->ng.tag), "%s", tag);
	rk->c = c;
	rk->n = n;
	rk->rate = rate;
	return 0;
}

/* Rekeys due by now, each on the next call that carries media and is
 * not rekeying still. */
static void
start_due(struct mg_gen_rekey *rk, uint64_t t)
{
	uint64_t due = (t - rk->t0_ns) * rk->rate / 1000000000ull;

	while (rk->started + rk->skipped < due) {
		struct mg_gen_call *c = &rk->c[rk->next];
		uint32_t i = rk->next;

		rk->next = rk->next + 1 == rk->n ? 0 : rk->next + 1;
		if (c->state != MG_GEN_READY || c->rekey_stage != 0) {
			rk->skipped++;
			continue;
		}
		c->rekeys++;
		c->rekey_stage = MG_GEN_NG_REOFFER;
		mg_gen_ng_send(&rk->ng, rk->c, i, MG_GEN_NG_REOFFER);
		c->rekey_sent_ns = c->ng_sent_ns;
		rk->started++;
	}
}

static void
take_replies(struct mg_gen_rekey *rk, uint64_t t)
{
	static char msg[8192];
	ssize_t len;
	uint32_t i;

	while ((len = recv(rk->ng.fd, msg, sizeof(msg) - 1, MSG_DONTWAIT)) >
	       0) {
		int r;

		msg[len] = '\0';
		r = mg_gen_ng_take_rekey(&rk->ng, rk->c, rk->n, msg,
					 (size_t)len, &i);
		explicit_bzero(msg, (size_t)len);
		if (r == MG_GEN_NG_FAILED)
			rk->failed++;
		if (r == MG_GEN_NG_DONE) {
			rk->done++;
			mg_gen_hist_add(&rk->lat, t - rk->c[i].rekey_sent_ns);
		}
	}
}

/* Requests 2 s without a reply: again, with the same cookie. */
static void
retry(struct mg_gen_rekey *rk, uint64_t t)
{
	for (uint32_t i = 0; i < rk->n; i++) {
		struct mg_gen_call *c = &rk->c[i];

		if (c->rekey_stage != 0 && t - c->ng_sent_ns > RETRY_NS) {
			mg_gen_ng_send(&rk->ng, rk->c, i, c->rekey_stage);
			rk->ng.retries++;
		}
	}
}

void
mg_gen_rekey_poll(struct mg_gen_rekey *rk)
{
	uint64_t t = now_ns();

	if (rk->c == NULL || t - rk->last_poll_ns < POLL_NS)
		return;
	if (rk->t0_ns == 0)
		rk->t0_ns = t; /* the rate counts from the traffic's start */
	rk->last_poll_ns = t;
	take_replies(rk, t);
	start_due(rk, t);
	if (t - rk->last_retry_ns > RETRY_NS / 20) {
		retry(rk, t);
		rk->last_retry_ns = t;
	}
}

void
mg_gen_rekey_close(struct mg_gen_rekey *rk, const volatile bool *stop)
{
	uint64_t end = now_ns() + 3000000000ull;
	bool busy = true;

	if (rk->c == NULL)
		return;
	while (busy && now_ns() < end && !*stop) {
		uint64_t t = now_ns();

		take_replies(rk, t);
		retry(rk, t);
		busy = false;
		for (uint32_t i = 0; i < rk->n && !busy; i++)
			busy = rk->c[i].rekey_stage != 0;
		usleep(1000);
	}
	if (rk->ng.errors)
		fprintf(stderr, "mg_gen: rekey: %llu refused, the first: %s\n",
			(unsigned long long)rk->ng.errors, rk->ng.first_error);
	close(rk->ng.fd);
	rk->c = NULL;
}
