/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediagate-control: owns the control segment and talks to the dataplane:
 * liveness (ping/ack), static flows, and the calls a SIP server sets up
 * over the ng protocol, installed in the dataplane before they are
 * answered and installed again in a dataplane that restarted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ctl_args.h"
#include "ctl_ping.h"
#include "ctl_seg.h"
#include "flows_file.h"
#include "ng.h"
#include "ng_calls.h"

#define PROG "mediagate-control"

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: sleeps end early */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A peer that closes a socket we write to (memif's control channel,
	 * later the ng socket) must cost an EPIPE, not the process. */
	signal(SIGPIPE, SIG_IGN);
}

struct run {
	const struct mg_ctl_config *cfg;
	struct mg_ctl_seg *seg;
	uint64_t start_ns;
	uint64_t attached_epoch; /* 0 while no dataplane */
	int32_t dp_pid;
	uint32_t seq;
	uint32_t acks;
	struct mg_ctl_wait_stats ws;
	struct mg_flows_file flows;
	struct mg_ng *ng;       /* NULL without --ng */
	struct mg_calls calls;
	struct mg_ng_calls nc;
	char state_path[4096];
	uint64_t events[MG_EV_KIND_MAX];
	uint32_t refused;       /* static objects the dataplane refused */
	uint64_t churn_cycles;
};

static void
sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void report_failure(const struct run *r, int rc);

/* A call's requests, in flight together. */
static int
ring_req(void *arg, struct mg_ctl_msg *req, unsigned int n, int32_t *status)
{
	struct run *r = arg;
	int rc;

	if (r->attached_epoch == 0)
		return -ENOTCONN;
	for (unsigned int i = 0; i < n; i++)
		req[i].h.seq = ++r->seq;
	rc = mg_ctl_request_batch(r->seg, req, n, r->cfg->ack_timeout_ms,
				  status, &r->ws);
	if (rc != 0) {
		report_failure(r, rc);
		r->attached_epoch = 0;
	}
	return rc;
}

static int
ring_flow_stats(void *arg, uint32_t flow, struct mg_ctl_flow_stats *out)
{
	struct run *r = arg;
	struct mg_ctl_msg req, ack;
	int rc;

	if (r->attached_epoch == 0)
		return -ENOTCONN;
	memset(&req, 0, sizeof(req));
	req.h.type = MG_CTL_FLOW_STATS;
	req.h.len = sizeof(req.u.id);
	req.h.seq = ++r->seq;
	req.u.id.id = flow;
	rc = mg_ctl_request(r->seg, &req, r->cfg->ack_timeout_ms, &ack, &r->ws);
	if (rc != 0) {
		report_failure(r, rc);
		r->attached_epoch = 0;
		return rc;
	}
	if (ack.h.status != 0)
		return -ack.h.status;
	*out = ack.u.flow_stats;
	return 0;
}

static bool
dp_ready(void *arg)
{
	return ((struct run *)arg)->attached_epoch != 0;
}

/* ng requests other than ping. */
static void
ng_end(void *arg)
{
	struct run *r = arg;

	mg_ng_calls_end(&r->nc);
}

static bool
ng_finish(void *arg, uintptr_t token, struct mg_benc *e)
{
	struct run *r = arg;

	return mg_ng_calls_finish(&r->nc, token, e);
}

static bool
ng_handle(void *arg, const struct mg_bdoc *doc, const struct mg_bnode *req,
	  struct mg_benc *e)
{
	struct run *r = arg;
	const struct mg_bnode *cmd = mg_bdict_get(doc, req, "command");

	if (!mg_bstr_is(cmd, "statistics"))
		return mg_ng_calls_handle(&r->nc, doc, req, cmd, e);
	{
		mg_benc_kv_cstr(e, "result", "ok");
		mg_benc_cstr(e, "totalstatistics");
		mg_benc_open(e, 'd');
		mg_benc_kv_int(e, "requests", (int64_t)r->ng->stats.requests);
		mg_benc_kv_int(e, "retransmissions", (int64_t)r->ng->stats.cached);
		mg_benc_kv_int(e, "errors", (int64_t)r->ng->stats.errors);
		mg_benc_kv_int(e, "malformed", (int64_t)r->ng->stats.malformed);
		mg_benc_kv_int(e, "dataplane-attached", r->attached_epoch != 0);
		mg_benc_kv_int(e, "current sessions", r->calls.nb_calls);
		mg_benc_kv_int(e, "offers", (int64_t)r->nc.offers);
		mg_benc_kv_int(e, "answers", (int64_t)r->nc.answers);
		mg_benc_kv_int(e, "deletes", (int64_t)r->nc.deletes);
		mg_benc_kv_int(e, "ring requests", (int64_t)r->nc.ist.requests);
		mg_benc_kv_int(e, "ring refused", (int64_t)r->nc.ist.refused);
		mg_benc_kv_int(e, "ring batches", (int64_t)r->nc.ist.batches);
		mg_benc_kv_int(e, "pipelined answers", (int64_t)r->nc.pipelined);
		mg_benc_kv_int(e, "esp-retired", (int64_t)r->nc.esp_retired);
		mg_benc_kv_int(e, "srtp-retired", (int64_t)r->nc.srtp_retired);
		/* Drains still queued, ESP and SRTP (some replaced since,
		 * popped unread). */
		mg_benc_kv_int(e, "draining", (int64_t)r->calls.nb_drains);
		mg_benc_cstr(e, "events");
		mg_benc_open(e, 'd');
		mg_benc_kv_int(e, "auth-burst", (int64_t)r->events[MG_EV_AUTH_BURST]);
		mg_benc_kv_int(e, "source-burst",
			       (int64_t)r->events[MG_EV_SOURCE_BURST]);
		mg_benc_kv_int(e, "replay-burst",
			       (int64_t)r->events[MG_EV_REPLAY_BURST]);
		mg_benc_kv_int(e, "soft-expiry", (int64_t)r->events[MG_EV_SOFT_EXPIRY]);
		mg_benc_kv_int(e, "hard-expiry", (int64_t)r->events[MG_EV_HARD_EXPIRY]);
		mg_benc_kv_int(e, "esp-soft-expiry",
			       (int64_t)r->events[MG_EV_ESP_SOFT_EXPIRY]);
		mg_benc_kv_int(e, "esp-hard-expiry",
			       (int64_t)r->events[MG_EV_ESP_HARD_EXPIRY]);
		mg_benc_kv_int(e, "esp-seq-exhausted",
			       (int64_t)r->events[MG_EV_ESP_SEQ_EXHAUSTED]);
		mg_benc_close(e);
		mg_benc_close(e);
		return true;
	}
}

static const char *const event_names[MG_EV_KIND_MAX] = {
	[MG_EV_AUTH_BURST] = "authentication failures",
	[MG_EV_SOURCE_BURST] = "packets from an unknown source",
	[MG_EV_REPLAY_BURST] = "replayed or too old packets",
	[MG_EV_SOFT_EXPIRY] = "SRTP key soft expiry (permille of lifetime used)",
	[MG_EV_HARD_EXPIRY] = "SRTP key hard expiry (packets refused)",
	[MG_EV_ESP_SOFT_EXPIRY] = "ESP SA soft expiry (packets so far)",
	[MG_EV_ESP_HARD_EXPIRY] = "ESP SA hard expiry, stopped (packets so far)",
	[MG_EV_ESP_SEQ_EXHAUSTED] = "ESP SA out of sequence numbers (packets so far)",
};

/* What the dataplane tells unasked: counted, and said once per event
 * with the call it concerns. */
static void
on_event(void *arg, const struct mg_ctl_event *e)
{
	struct run *r = arg;
	struct mg_call *call = NULL;
	int side = 0;

	if (e->kind == 0 || e->kind >= MG_EV_KIND_MAX)
		return;
	r->events[e->kind]++;
	if (e->kind >= MG_EV_ESP_SOFT_EXPIRY) {
		printf(PROG ": event: esp SA %u: %llu %s\n", e->flow,
		       (unsigned long long)e->count, event_names[e->kind]);
		return;
	}
	if (r->ng != NULL)
		call = mg_calls_by_flow(&r->calls, e->flow, &side);
	if (call != NULL)
		printf(PROG ": event: flow %u (call %s, from party %s): %llu "
		       "%s\n", e->flow, call->call_id, call->tag[side],
		       (unsigned long long)e->count, event_names[e->kind]);
	else
		printf(PROG ": event: flow %u: %llu %s\n", e->flow,
		       (unsigned long long)e->count, event_names[e->kind]);
}

/* Wait ms, answering ng requests and taking events meanwhile (events
 * within 10 ms). */
static void
serve_for(struct run *r, uint32_t ms)
{
	uint64_t until = mg_ctl_now_ns() + ms * 1000000ull;

	for (uint64_t now = mg_ctl_now_ns(); now < until && !quit_signal;
	     now = mg_ctl_now_ns()) {
		uint64_t left = (until - now) / 1000000 + 1;
		unsigned int step = (unsigned int)(left < 10 ? left : 10);

		if (r->ng == NULL)
			sleep_ms(step);
		else if (mg_ng_wait(r->ng, step))
			mg_ng_poll(r->ng, mg_ctl_now_ns(), ng_handle, r);
		if (r->attached_epoch != 0)
			mg_ctl_drain(r->seg, &r->ws);
	}
}

static bool
out_of_time(const struct run *r)
{
	uint64_t el = mg_ctl_now_ns() - r->start_ns;

	return r->cfg->duration_s != 0 &&
	       el >= r->cfg->duration_s * 1000000000ull;
}

static void
report_ack(struct run *r, const struct mg_ctl_msg *ack)
{
	double rtt_us = (double)(mg_ctl_now_ns() - ack->u.pong.sent_ns) / 1e3;

	r->acks++;
	printf(PROG ": ping seq=%u acked status=%d rtt=%.1f us ports=%u "
	       "dataplane rx=%llu tx=%llu\n", ack->h.seq, ack->h.status,
	       rtt_us, ack->u.pong.nb_ports,
	       (unsigned long long)ack->u.pong.rx_pkts,
	       (unsigned long long)ack->u.pong.tx_pkts);
}

/* One ping and its ack; 0 or -errno. */
static int
ping(struct run *r, struct mg_ctl_msg *ack)
{
	struct mg_ctl_msg req;

	mg_ctl_ping_build(&req, ++r->seq);
	return mg_ctl_request(r->seg, &req, r->cfg->ack_timeout_ms, ack,
			      &r->ws);
}

/*
 * The epoch of the dataplane that holds the segment, from its own ack: a
 * dataplane writes its epoch a moment after it takes the lock, and until
 * then the segment still holds its dead predecessor's (taken for the new
 * one, the calls were once kept instead of replayed). 0, or -errno.
 */
static int
confirm_epoch(struct run *r)
{
	struct mg_ctl_msg ack;
	int rc = ping(r, &ack);

	if (rc != 0)
		return rc;
	r->attached_epoch = ack.h.epoch;
	r->dp_pid = __atomic_load_n(&r->seg->shm->dp_pid, __ATOMIC_ACQUIRE);
	report_ack(r, &ack); /* a ping like the others (--ping-count) */
	return 0;
}

/* Wait until a dataplane holds the segment. Returns 0, 1 to stop quietly,
 * or -1 when --wait-dataplane ran out. */
static int
wait_dataplane(struct run *r)
{
	uint64_t since = mg_ctl_now_ns();
	bool told = false;

	while (!mg_ctl_seg_dp_attached(r->seg) ||
	       __atomic_load_n(&r->seg->shm->dp_epoch, __ATOMIC_ACQUIRE) == 0 ||
	       confirm_epoch(r) != 0) {
		if (quit_signal || out_of_time(r))
			return 1;
		if (!told)
			printf(PROG ": waiting for a dataplane to attach to %s\n",
			       r->seg->name);
		told = true;
		if (r->cfg->wait_dp_s != 0 && mg_ctl_now_ns() - since >=
		    r->cfg->wait_dp_s * 1000000000ull) {
			fprintf(stderr, PROG ": no dataplane attached to %s "
				"within %u s\n", r->seg->name, r->cfg->wait_dp_s);
			return -1;
		}
		serve_for(r, 10);
	}
	printf(PROG ": dataplane attached: pid %d epoch %016llx\n", r->dp_pid,
	       (unsigned long long)r->attached_epoch);
	return 0;
}

static void
report_failure(const struct run *r, int rc)
{
	bool clean = __atomic_load_n(&r->seg->shm->dp_pid, __ATOMIC_ACQUIRE) == 0;

	if (rc == -ETIMEDOUT)
		fprintf(stderr, PROG ": no ack for ping seq=%u within %u ms "
			"(dataplane pid %d alive but not answering)\n", r->seq,
			r->cfg->ack_timeout_ms, r->dp_pid);
	else if (rc == -ECONNRESET)
		fprintf(stderr, PROG ": dataplane restarted while control "
			"waited for the ack of ping seq=%u\n", r->seq);
	else if (clean)
		printf(PROG ": dataplane pid %d detached (it stopped cleanly)\n",
		       r->dp_pid);
	else if (rc == -EPIPE)
		fprintf(stderr, PROG ": dataplane pid %d died while control "
			"waited for the ack of ping seq=%u\n", r->dp_pid, r->seq);
	else
		fprintf(stderr, PROG ": dataplane pid %d died\n", r->dp_pid);
}

/* One ping. Returns 0 to go on, 1 when done, -1 on a failure that ends a
 * --ping-count run; after a dataplane loss it clears attached_epoch. */
static int
ping_once(struct run *r)
{
	struct mg_ctl_msg ack;
	int rc = ping(r, &ack);

	if (rc == 0 && ack.h.epoch != r->attached_epoch) {
		/* Another dataplane answers: it has none of our calls. */
		fprintf(stderr, PROG ": dataplane epoch %016llx answers, not "
			"%016llx: attaching to it\n",
			(unsigned long long)ack.h.epoch,
			(unsigned long long)r->attached_epoch);
		r->attached_epoch = 0;
		return 0;
	}
	if (rc == 0) {
		report_ack(r, &ack);
		return (r->cfg->ping_count && r->acks >= r->cfg->ping_count);
	}
	report_failure(r, rc);
	if (rc != -ETIMEDOUT)
		r->attached_epoch = 0;
	return r->cfg->ping_count ? -1 : 0;
}

static const char *
what(uint16_t type)
{
	return type == MG_CTL_SRTP_ADD ? "srtp" : type == MG_CTL_FLOW_ADD ?
	       "flow" : type == MG_CTL_ESP_ADD ? "esp" : "start";
}

/* One request of the static set; 0, or -1 when the dataplane is gone. */
static int
install_one(struct run *r, struct mg_ctl_msg *req)
{
	struct mg_ctl_msg ack;
	int rc;

	req->h.seq = ++r->seq;
	rc = mg_ctl_request(r->seg, req, r->cfg->ack_timeout_ms, &ack, &r->ws);
	if (rc != 0) {
		report_failure(r, rc);
		r->attached_epoch = 0;
		return -1;
	}
	if (ack.h.status != 0) {
		r->refused++;
		fprintf(stderr, PROG ": dataplane refused %s %u: %s\n",
			what(req->h.type), req->u.id.id, strerror(ack.h.status));
	}
	return 0;
}

/*
 * A static outbound ESP SA starts at sequence number 1 in every dataplane
 * it is installed in, and its counter-mode IVs are the sequence numbers:
 * installed again under the same key in a restarted dataplane, it would
 * send the same IVs again (for GCM that gives the key away; RFC 4106 §8
 * warns against static keys for this reason). So it goes into the first
 * dataplane only: a seq= start would only move the repeat along. It counts
 * as gone in once it is posted, not once it is acked: an ack that times
 * out on a loaded machine does not mean the dataplane did not install it.
 */
static bool
reused_sequence(struct run *r, uint32_t i)
{
	const struct mg_ctl_msg *m = &r->flows.msgs[i];
	uint64_t *posted = &r->flows.posted[i];

	if (m->h.type != MG_CTL_ESP_ADD ||
	    (m->u.esp_add.policy.flags & MG_ESP_F_INBOUND))
		return false;
	if (*posted == 0 || *posted == r->attached_epoch) {
		*posted = r->attached_epoch;
		return false;
	}
	r->refused++;
	fprintf(stderr, PROG ": esp %u not installed again in a restarted "
		"dataplane: it would send its sequence numbers (and IVs) again "
		"under the same key; give it a new key\n", m->u.esp_add.id);
	return true;
}

/* The static flows, on every new dataplane: a restarted one has none. */
static void
install_static(struct run *r)
{
	struct mg_ctl_msg start;

	r->refused = 0;
	for (uint32_t i = 0; i < r->flows.nb_msgs; i++) {
		if (reused_sequence(r, i))
			continue;
		if (install_one(r, &r->flows.msgs[i]) != 0)
			return;
	}
	if (r->cfg->flows_path && r->flows.nb_esp)
		printf(PROG ": installed %u esp SAs from %s\n", r->flows.nb_esp,
		       r->cfg->flows_path);
	if (r->cfg->flows_path)
		printf(PROG ": installed %u srtp contexts and %u flows from %s "
		       "(%u refused)\n", r->flows.nb_srtp, r->flows.nb_flows,
		       r->cfg->flows_path, r->refused);
	if (!r->cfg->start)
		return;
	memset(&start, 0, sizeof(start));
	start.h.type = MG_CTL_START;
	if (install_one(r, &start) == 0)
		printf(PROG ": dataplane started\n");
}

/* The SRTP_ADD of context id, from the static set. */
static struct mg_ctl_msg *
static_ctx(struct run *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->flows.nb_msgs; i++)
		if (r->flows.msgs[i].h.type == MG_CTL_SRTP_ADD &&
		    r->flows.msgs[i].u.srtp_add.id == id)
			return &r->flows.msgs[i];
	return NULL;
}

/* Delete one static flow and install it again with fresh contexts. */
static int
churn_flow(struct run *r, struct mg_ctl_msg *flow)
{
	struct mg_ctl_msg del;
	uint32_t ctx[2] = { flow->u.flow.rx_ctx, flow->u.flow.tx_ctx };

	memset(&del, 0, sizeof(del));
	del.h.type = MG_CTL_FLOW_DEL;
	del.h.len = sizeof(del.u.id);
	del.u.id.id = flow->u.flow.id;
	if (install_one(r, &del) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		struct mg_ctl_msg *c = ctx[i] ? static_ctx(r, ctx[i]) : NULL;

		if (c != NULL && install_one(r, c) != 0)
			return -1;
	}
	return install_one(r, flow);
}

/* One pass over the `churn` flows; then the ping loop goes on. */
static void
churn_once(struct run *r)
{
	for (uint32_t i = 0; i < r->flows.nb_msgs; i++)
		if (r->flows.churn[i] && churn_flow(r, &r->flows.msgs[i]) != 0)
			return;
	r->churn_cycles++;
}

/* Every pipeline lcore's counters, asked one after the other. */
static void
report_lcores(struct run *r)
{
	struct mg_ctl_msg req, ack;
	uint32_t from = 0;

	while (r->attached_epoch != 0) {
		memset(&req, 0, sizeof(req));
		req.h.type = MG_CTL_LCORE_STATS;
		req.h.len = sizeof(req.u.id);
		req.h.seq = ++r->seq;
		req.u.id.id = from;
		if (mg_ctl_request(r->seg, &req, r->cfg->ack_timeout_ms, &ack,
				   &r->ws) != 0 || ack.h.status != 0)
			return;
		printf(PROG ": lcore %u rx_pkts=%llu tx_pkts=%llu no_flow=%llu "
		       "drop_srtp=%llu drop_source=%llu to_kernel=%llu\n",
		       ack.u.lcore_stats.lcore,
		       (unsigned long long)ack.u.lcore_stats.rx_pkts,
		       (unsigned long long)ack.u.lcore_stats.tx_pkts,
		       (unsigned long long)ack.u.lcore_stats.no_flow,
		       (unsigned long long)ack.u.lcore_stats.drop_srtp,
		       (unsigned long long)ack.u.lcore_stats.drop_source,
		       (unsigned long long)ack.u.lcore_stats.to_kernel);
		from = ack.u.lcore_stats.lcore + 1;
	}
}

/* Between pings: sleep, or churn for the same time. */
static void
pause_or_churn(struct run *r)
{
	uint64_t until = mg_ctl_now_ns() + r->cfg->ping_interval_ms * 1000000ull;

	if (!r->cfg->churn) {
		serve_for(r, r->cfg->ping_interval_ms);
		return;
	}
	while (r->attached_epoch != 0 && !quit_signal &&
	       mg_ctl_now_ns() < until)
		churn_once(r);
}

/* The calls whose requests went unacked by this same dataplane (it
 * stalled): brought in line now that it answers. */
static void
resync_uncertain(struct run *r)
{
	struct mg_call *call;
	char err[200];

	for (uint32_t i = 0; r->attached_epoch &&
	     (call = mg_calls_next(&r->calls, &i)) != NULL;) {
		if (!call->uncertain)
			continue;
		if (mg_call_resync(&r->calls, call, &r->nc.env, &r->nc.ist, err,
				   sizeof(err)) != 0)
			fprintf(stderr, PROG ": call %s not resynced: %s\n",
				call->call_id, err);
	}
}

/* A dataplane that just attached: the one that has our calls (the
 * control plane restarted), or a new one that must be given them all. */
static void
sync_calls(struct run *r)
{
	uint64_t t0 = mg_ctl_now_ns();
	char err[200] = "";
	uint32_t failed = 0;
	int n;

	if (r->ng == NULL || r->attached_epoch == 0)
		return;
	if (r->calls.hdr->dp_epoch == r->attached_epoch) {
		resync_uncertain(r);
		printf(PROG ": %u calls kept: the dataplane still has them\n",
		       r->calls.nb_calls);
		return;
	}
	n = mg_ng_calls_replay(&r->nc, &failed, err, sizeof(err));
	if (n < 0 || r->attached_epoch == 0) {
		fprintf(stderr, PROG ": replay stopped: %s\n", err);
		return;
	}
	r->calls.hdr->dp_epoch = r->attached_epoch;
	printf(PROG ": replayed %d calls into dataplane epoch %016llx in "
	       "%.1f ms\n", n, (unsigned long long)r->attached_epoch,
	       (double)(mg_ctl_now_ns() - t0) / 1e6);
	if (failed)
		fprintf(stderr, PROG ": %u calls not replayed whole: %s\n",
			failed, err);
}

static int
run_loop(struct run *r)
{
	int rc = 0;

	while (rc == 0 && !quit_signal && !out_of_time(r)) {
		if (r->attached_epoch == 0) {
			rc = wait_dataplane(r);
			if (rc == 0 && r->attached_epoch != 0)
				install_static(r);
			sync_calls(r);
			continue;
		}
		rc = ping_once(r);
		/* A dataplane that stopped answering: keep answering ng
		 * (with errors) a ping interval before trying it again. */
		if (rc == 0 && r->attached_epoch == 0)
			serve_for(r, r->cfg->ping_interval_ms);
		if (rc == 0 && r->attached_epoch != 0 && r->ng != NULL)
			mg_ng_calls_retire_drains(&r->nc);
		if (rc == 0 && r->cfg->lcore_stats)
			report_lcores(r);
		if (rc == 0 && r->attached_epoch != 0)
			pause_or_churn(r);
	}
	return rc < 0 ? 1 : 0;
}

/* The call table, and what installing needs to know. */
static int
open_calls(struct run *r, char *err, size_t errlen)
{
	const struct mg_ctl_config *cfg = r->cfg;
	struct mg_calls_config cc = {
		.path = r->state_path, .max_calls = cfg->max_calls,
		.port_min = (uint16_t)cfg->port_min,
		.port_max = (uint16_t)cfg->port_max,
		.max_flows = cfg->max_flows, .nb_addrs = cfg->nb_media_addrs,
	};
	struct mg_ng_calls *nc = &r->nc;
	int rc;

	if (cfg->state_path)
		snprintf(r->state_path, sizeof(r->state_path), "%s",
			 cfg->state_path);
	else
		snprintf(r->state_path, sizeof(r->state_path), "/dev/shm%s.calls",
			 cfg->shm_name);
	rc = mg_calls_open(&r->calls, &cc, err, errlen);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < r->flows.nb_msgs; i++) {
		const struct mg_ctl_msg *m = &r->flows.msgs[i];

		/* Static objects keep their ids: calls get others. */
		mg_idpool_mark(m->h.type == MG_CTL_FLOW_ADD ?
			       &r->calls.flow_ids : &r->calls.ctx_ids,
			       m->u.id.id);
	}
	nc->calls = &r->calls;
	nc->env = (struct mg_install_env){
		.out_port = (uint16_t)cfg->media_port,
		.strict = cfg->strict_source, .req = ring_req, .arg = r,
		.esp_drain_s = cfg->esp_drain_s,
		.srtp_drain_s = cfg->srtp_drain_s,
	};
	for (uint32_t a = 0; a < cfg->nb_media_addrs; a++) {
		nc->env.media[a] = cfg->media[a];
		nc->addr_text[a] = cfg->media_addr[a];
	}
	memcpy(nc->env.next_hop_mac, cfg->next_hop_mac, 6);
	nc->defaults = (struct mg_call_opts){
		.proto = -1, .suites = mg_call_default_suites(),
		.weak_ok = cfg->allow_weak,
		.sec_mandatory = cfg->sec_mandatory,
	};
	nc->dp_ready = dp_ready;
	nc->flow_stats = ring_flow_stats;
	nc->arg = r;
	/* A burst's answers share one ring round trip (see ng_calls.h). */
	nc->pending = calloc(MG_NG_PENDING_MAX, sizeof(*nc->pending));
	if (nc->pending == NULL)
		return snprintf(err, errlen, "no memory"), -ENOMEM;
	nc->ng = r->ng;
	mg_ng_set_deferral(r->ng, ng_end, ng_finish);
	printf(PROG ": call table %s: %u calls %s, media %s%s ports %u-%u\n",
	       cc.path, r->calls.nb_calls, r->calls.recovered ? "recovered" :
	       "(new)", cfg->media_addr[0], cfg->nb_media_addrs > 1 ?
	       " (and more)" : "", cfg->port_min, cfg->port_max);
	return 0;
}

static void
finish(struct mg_ctl_seg *seg, const struct mg_ctl_config *cfg)
{
	bool dp = mg_ctl_seg_dp_attached(seg);

	mg_ctl_seg_close(seg);
	if (cfg->remove_on_exit && !dp && shm_unlink(cfg->shm_name) == 0)
		printf(PROG ": removed segment %s\n", cfg->shm_name);
}

int
main(int argc, char **argv)
{
	struct mg_ctl_config cfg;
	struct mg_ctl_seg seg;
	char err[256];
	struct run r;
	int rc;

	memset(&seg, 0, sizeof(seg));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mg_ctl_args_parse(argc, argv, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return 2;
	}
	if (cfg.help) {
		fputs(mg_ctl_usage, stdout);
		return 0;
	}
	install_signals();
	mg_ctl_on_event(on_event, &r);
	r = (struct run){ .cfg = &cfg, .seg = &seg, .start_ns = mg_ctl_now_ns() };
	if (cfg.flows_path && mg_flows_file_load(cfg.flows_path, &r.flows, err,
						 sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return 2;
	}
	if (cfg.ng_addr) {
		static struct mg_ng ng; /* its node array is large */

		rc = mg_ng_open(&ng, cfg.ng_addr, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, PROG ": %s\n", err);
			mg_flows_file_free(&r.flows);
			return rc == -EINVAL ? 2 : 1;
		}
		r.ng = &ng;
		printf(PROG ": ng protocol on udp %s (receive buffer %d KB)\n",
		       cfg.ng_addr, mg_ng_rcvbuf_kb(r.ng));
	}
	if (mg_ctl_seg_open(&seg, cfg.shm_name, err, sizeof(err)) != 0 ||
	    (r.ng != NULL && open_calls(&r, err, sizeof(err)) != 0)) {
		fprintf(stderr, PROG ": %s\n", err);
		mg_flows_file_free(&r.flows);
		if (r.ng != NULL)
			mg_ng_close(r.ng);
		if (seg.shm != NULL)
			mg_ctl_seg_close(&seg);
		return 1;
	}
	printf(PROG ": segment %s %s (mode 0600, ABI %u)\n", seg.name,
	       seg.reopened ? "taken over" : "created", MG_CTL_ABI_VERSION);
	rc = run_loop(&r);
	if (quit_signal)
		printf(PROG ": stopping on %s\n", strsignal(quit_signal));
	printf(PROG ": acks=%u stale_acks=%llu ring_full=%llu churn_cycles=%llu "
	       "refused=%u\n", r.acks, (unsigned long long)r.ws.stale_acks,
	       (unsigned long long)r.ws.ring_full,
	       (unsigned long long)r.churn_cycles, r.refused);
	if (r.ng != NULL) {
		printf(PROG ": ng requests=%llu retransmissions=%llu errors=%llu "
		       "malformed=%llu\n",
		       (unsigned long long)r.ng->stats.requests,
		       (unsigned long long)r.ng->stats.cached,
		       (unsigned long long)r.ng->stats.errors,
		       (unsigned long long)r.ng->stats.malformed);
		mg_ng_close(r.ng);
		printf(PROG ": calls=%u offers=%llu answers=%llu deletes=%llu\n",
		       r.calls.nb_calls, (unsigned long long)r.nc.offers,
		       (unsigned long long)r.nc.answers,
		       (unsigned long long)r.nc.deletes);
		/* With no call left the state is nothing worth keeping. */
		if (cfg.remove_on_exit && r.calls.nb_calls == 0 &&
		    unlink(r.state_path) == 0)
			printf(PROG ": removed state file %s\n", r.state_path);
		mg_calls_close(&r.calls);
		free(r.nc.pending); /* wiped as each reply went */
	}
	finish(&seg, &cfg);
	mg_flows_file_free(&r.flows);
	return rc;
}
