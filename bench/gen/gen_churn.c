/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call churn while the traffic runs: the SIP server's side of calls that
 * come and go. A ring of slots, set up in order at `rate` a second and
 * deleted in the same order once `hold_s` seconds old; all of it from
 * the traffic loop, without blocking it (a non-blocking socket looked at
 * every 100 us). A slot whose setup is still in flight when its turn
 * comes round again holds the ring up: fewer started than asked is the
 * rate the SBC could not keep.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../bench_clock.h"
#include "gen.h"

#define POLL_NS 100000ull
#define RETRY_EVERY_NS 100000000ull
#define SLACK_S 3u              /* slots beyond rate x hold: in flight */

int
mg_gen_churn_open(struct mg_gen_churn *ch, const char *hostport,
		  uint32_t rate, uint32_t hold_s)
{
	int rc;

	memset(ch, 0, sizeof(*ch));
	ch->rate = rate;
	ch->hold_s = hold_s;
	ch->n = rate * (hold_s + SLACK_S);
	if (ch->n == 0)
		return -EINVAL;
	rc = mg_gen_ng_open(&ch->ng, hostport, 64);
	if (rc != 0)
		return rc;
	/* Call-ids of their own: "gen<pid>c-<slot>". */
	strncat(ch->ng.tag, "c", sizeof(ch->ng.tag) - strlen(ch->ng.tag) - 1);
	ch->c = calloc(ch->n, sizeof(*ch->c));
	ch->born_ns = calloc(ch->n, sizeof(*ch->born_ns));
	if (ch->c == NULL || ch->born_ns == NULL)
		return -ENOMEM;
	/* Their ends sit in 10.150/16: no media is sent to or from them. */
	for (uint32_t i = 0; i < ch->n; i++) {
		ch->c[i].phone_ip = htonl(10u << 24 | 150u << 16 | (1u + i / 16000u));
		ch->c[i].trunk_ip = ch->c[i].phone_ip;
		ch->c[i].phone_port = htons((uint16_t)(10000u + 2u * (i % 16000u)));
		ch->c[i].trunk_port = ch->c[i].phone_port;
	}
	return 0;
}

/* Setups due by now, each on the next slot if that one is free. */
static void
start_due(struct mg_gen_churn *ch, uint64_t t)
{
	uint64_t due = (t - ch->t0_ns) * ch->rate / 1000000000ull;

	while (ch->started < due) {
		struct mg_gen_call *c = &ch->c[ch->head];

		if (c->state != MG_GEN_NEW)
			return;
		/* A fresh key for every call, as a phone makes. */
		if (getrandom(c->key_phone, MG_GEN_KEY_LEN, 0) !=
		    MG_GEN_KEY_LEN)
			return;
		c->state = MG_GEN_OFFERED;
		c->round++;
		ch->born_ns[ch->head] = t;
		mg_gen_ng_send(&ch->ng, ch->c, ch->head, 0);
		ch->head = (ch->head + 1) % ch->n;
		ch->started++;
	}
}

/* The oldest calls, once held long enough, deleted in setup order; one
 * whose setup failed at once (the SBC may hold half of it). */
static void
delete_due(struct mg_gen_churn *ch, uint64_t t)
{
	uint64_t hold = (uint64_t)ch->hold_s * 1000000000ull;

	for (;;) {
		struct mg_gen_call *c = &ch->c[ch->tail];

		if (c->state != MG_GEN_FAILED &&
		    (c->state != MG_GEN_READY ||
		     t - ch->born_ns[ch->tail] < hold))
			return;
		c->state = MG_GEN_DELETING;
		mg_gen_ng_send(&ch->ng, ch->c, ch->tail, 2);
		ch->tail = (ch->tail + 1) % ch->n;
	}
}

static void
take_replies(struct mg_gen_churn *ch, uint64_t t)
{
	static char msg[8192];
	ssize_t len;
	uint32_t i;

	while ((len = recv(ch->ng.fd, msg, sizeof(msg) - 1, MSG_DONTWAIT)) >
	       0) {
		int stage = 0, r;

		msg[len] = '\0';
		r = mg_gen_ng_take(&ch->ng, ch->c, ch->n, msg, (size_t)len, &i,
				   &stage);
		explicit_bzero(msg, (size_t)len);
		if (r == MG_GEN_NG_FAILED && stage < 2)
			ch->failed++;
		if (r == MG_GEN_NG_DONE && stage == 2)
			ch->deleted++;
		if (r == MG_GEN_NG_DONE && stage == 1) {
			ch->up++;
			mg_gen_hist_add(&ch->setup, t - ch->born_ns[i]);
		}
	}
}

void
mg_gen_churn_poll(struct mg_gen_churn *ch)
{
	uint64_t t = now_ns();

	if (ch->c == NULL || t - ch->last_poll_ns < POLL_NS)
		return;
	if (ch->t0_ns == 0)
		ch->t0_ns = t; /* the rate counts from the traffic's start */
	ch->last_poll_ns = t;
	take_replies(ch, t);
	delete_due(ch, t);
	start_due(ch, t);
	if (t - ch->last_retry_ns > RETRY_EVERY_NS) {
		mg_gen_ng_retry(&ch->ng, ch->c, ch->n);
		ch->last_retry_ns = t;
	}
}

void
mg_gen_churn_close(struct mg_gen_churn *ch, const volatile bool *stop)
{
	uint64_t end = now_ns() + 3000000000ull;
	bool busy = true;

	if (ch->c == NULL)
		return;
	/* Setups and deletes in flight end first (or give up after 3 s). */
	while (busy && now_ns() < end && !*stop) {
		uint64_t t = now_ns();

		take_replies(ch, t);
		if (t - ch->last_retry_ns > RETRY_EVERY_NS) {
			mg_gen_ng_retry(&ch->ng, ch->c, ch->n);
			ch->last_retry_ns = t;
		}
		busy = false;
		for (uint32_t i = 0; i < ch->n && !busy; i++)
			busy = ch->c[i].state == MG_GEN_OFFERED ||
			       ch->c[i].state == MG_GEN_ANSWERED ||
			       ch->c[i].state == MG_GEN_DELETING;
		usleep(1000);
	}
	ch->deleted += (uint64_t)mg_gen_ng_delete(&ch->ng, ch->c, ch->n, stop);
	if (ch->ng.errors)
		fprintf(stderr, "mg_gen: churn: %llu refused, the first: %s\n",
			(unsigned long long)ch->ng.errors, ch->ng.first_error);
	explicit_bzero(ch->c, ch->n * sizeof(*ch->c)); /* keys */
	free(ch->c);
	free(ch->born_ns);
	close(ch->ng.fd);
	ch->c = NULL;
}
