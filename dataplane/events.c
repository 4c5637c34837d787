/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "events.h"

#define SWEEP_NS 1000000000ull   /* every flow looked at once a second */
/* ... unless there are too many: a look is a few cache misses (the flow,
 * its contexts), and the lcore that looks also forwards. A million calls
 * are 4 million flows, which would take it over; flows and SAs together
 * are looked at no faster than this, and a sweep takes longer. */
#define LOOKS_PER_S 250000u
#define LOOKS_PER_SCAN 256u      /* at most in one scan: no long stall */
#define IDS_PER_SCAN 16384u      /* free ids passed over, after a stall */
#define SOFT_PERMILLE 900u

/* What the last look at a flow saw (main lcore only). */
struct mg_flow_watch {
	const struct mg_flow *flow; /* a new flow under the id starts over */
	uint64_t auth, source, replay;
	uint8_t soft[2], hard[2];   /* told, per rx/tx context */
};

/* What has been told of an ESP SA (main lcore only). */
struct mg_esp_watch {
	const struct mg_esp_sa *sa; /* a new SA under the id starts over */
	uint32_t told;              /* enum mg_esp_sa_state bits */
};

/* Faulted in now, not by the sweep: on a VM a first touch is a trap to
 * the hypervisor, and the sweep runs between the ring's requests (a
 * restarted dataplane taking 100,000 calls paid for 20 MB of them). */
static void *
watch_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void
watch_free(void *p, size_t bytes)
{
	if (p != NULL)
		munmap(p, bytes);
}

int
mg_events_init(struct mg_events *ev, uint32_t max_flows, uint32_t max_esp,
	       uint32_t burst)
{
	memset(ev, 0, sizeof(*ev));
	ev->burst = burst;
	ev->max_flows = max_flows;
	ev->cursor = 1;
	ev->max_esp = max_esp;
	ev->esp_cursor = 1;
	ev->w = watch_alloc(((size_t)max_flows + 1) * sizeof(*ev->w));
	ev->ew = watch_alloc(((size_t)max_esp + 1) * sizeof(*ev->ew));
	return ev->w && ev->ew ? 0 : -ENOMEM;
}

void
mg_events_fini(struct mg_events *ev)
{
	watch_free(ev->w, ((size_t)ev->max_flows + 1) * sizeof(*ev->w));
	watch_free(ev->ew, ((size_t)ev->max_esp + 1) * sizeof(*ev->ew));
	ev->w = NULL;
	ev->ew = NULL;
}

static uint64_t
rd(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Send one; false when the ring had no room (the caller keeps it). */
static bool
tell(struct mg_events *ev, struct mg_dp_ctl *ctl, uint32_t flow,
     uint16_t kind, uint16_t dir, uint64_t count, uint64_t total)
{
	struct mg_ctl_event e = { .flow = flow, .kind = kind, .dir = dir,
				  .count = count, .total = total };

	if (mg_dp_ctl_event(ctl, &e) != 0) {
		ev->deferred++;
		return false;
	}
	ev->sent[kind]++;
	return true;
}

/* A counter grown by a burst since the last look: told, then noted. */
static void
burst(struct mg_events *ev, struct mg_dp_ctl *ctl, uint32_t id,
      uint16_t kind, uint64_t now, uint64_t *seen)
{
	if (now - *seen >= ev->burst &&
	    tell(ev, ctl, id, kind, 0, now - *seen, now))
		*seen = now;
}

static void
expiry(struct mg_events *ev, struct mg_dp_ctl *ctl, const struct mg_flow *f,
       struct mg_flow_watch *w, int dir)
{
	const struct mg_srtp_ctx *c = dir ? f->tx_ctx : f->rx_ctx;
	uint32_t pm;

	if (c == NULL || w->hard[dir])
		return;
	pm = mg_srtp_ctx_used_permille(c);
	/* Soft always comes first, even when a look finds the key used up:
	 * it is what a control plane acts on (rekey). */
	if (pm >= SOFT_PERMILLE && !w->soft[dir])
		w->soft[dir] = tell(ev, ctl, f->id, MG_EV_SOFT_EXPIRY,
				    (uint16_t)dir, pm, pm);
	if (pm >= 1000 && w->soft[dir])
		w->hard[dir] = tell(ev, ctl, f->id, MG_EV_HARD_EXPIRY,
				    (uint16_t)dir, rd(&f->c.drop_srtp[
					MG_SRTP_E_LIFETIME]), pm);
}

static void
look(struct mg_events *ev, struct mg_dp_ctl *ctl, const struct mg_flow *f)
{
	struct mg_flow_watch *w = &ev->w[f->id];
	const struct mg_flow_counters *c = &f->c;

	if (w->flow != f) {
		memset(w, 0, sizeof(*w));
		w->flow = f;
	}
	burst(ev, ctl, f->id, MG_EV_AUTH_BURST,
	      rd(&c->drop_srtp[MG_SRTP_E_AUTH]), &w->auth);
	burst(ev, ctl, f->id, MG_EV_SOURCE_BURST, rd(&c->drop_source),
	      &w->source);
	burst(ev, ctl, f->id, MG_EV_REPLAY_BURST,
	      rd(&c->drop_srtp[MG_SRTP_E_REPLAY]) +
	      rd(&c->drop_srtp[MG_SRTP_E_TOO_OLD]), &w->replay);
	expiry(ev, ctl, f, w, 0);
	expiry(ev, ctl, f, w, 1);
}

/* The ESP state bits in the order they are told, and their events. */
static const struct {
	uint32_t bit;
	uint16_t kind;
} esp_kinds[] = {
	{ MG_ESP_SA_SOFT, MG_EV_ESP_SOFT_EXPIRY },
	{ MG_ESP_SA_HARD, MG_EV_ESP_HARD_EXPIRY },
	{ MG_ESP_SA_SEQ_EXHAUSTED, MG_EV_ESP_SEQ_EXHAUSTED },
};

static void
look_esp(struct mg_events *ev, struct mg_dp_ctl *ctl, uint32_t id,
	 struct mg_esp_sa *sa)
{
	struct mg_esp_watch *w = &ev->ew[id];
	uint64_t pkts = rd(&mg_esp_sa_stats(sa)->packets);
	uint32_t state;

	if (w->sa != sa) {
		w->sa = sa;
		w->told = 0;
	}
	/* This look is also what stops an SA at its hard time limit. */
	state = mg_esp_sa_poll(sa, mg_esp_now_ms());
	for (size_t i = 0; i < sizeof(esp_kinds) / sizeof(esp_kinds[0]); i++) {
		uint32_t bit = esp_kinds[i].bit;

		if (!(state & bit) || (w->told & bit))
			continue;
		if (!tell(ev, ctl, id, esp_kinds[i].kind, 0, pkts, pkts))
			return; /* in order: soft is told before hard */
		w->told |= bit;
	}
}

/* How many of n objects are due a look by now (each is looked at once a
 * sweep), at most n and IDS_PER_SCAN; the clock moves on only when some
 * are. */
static uint64_t
due_now(uint64_t *last_ns, uint64_t now_ns, uint32_t n)
{
	uint64_t due;

	if (*last_ns == 0 || now_ns < *last_ns)
		*last_ns = now_ns;
	due = (now_ns - *last_ns) * n / SWEEP_NS;
	if (due != 0)
		*last_ns = now_ns;
	due = due > n ? n : due;
	return due > IDS_PER_SCAN ? IDS_PER_SCAN : due;
}

/* Looks allowed now: LOOKS_PER_S, a scan's worth at most. */
static uint32_t
look_budget(struct mg_events *ev, uint64_t now_ns)
{
	uint64_t add;

	if (ev->budget_ns == 0 || now_ns < ev->budget_ns)
		ev->budget_ns = now_ns;
	add = (now_ns - ev->budget_ns) * LOOKS_PER_S / 1000000000ull;
	if (add != 0) {
		ev->budget_ns = now_ns;
		ev->budget = (uint32_t)(ev->budget + add > LOOKS_PER_SCAN ?
					LOOKS_PER_SCAN : ev->budget + add);
	}
	return ev->budget;
}

/* The ids 1 .. max in turn. */
static uint32_t
next_id(uint32_t id, uint32_t max)
{
	return id == max ? 1 : id + 1;
}

/* A tenth of the busy time still counts: the sweep slows, never stops
 * (it is what stops an ESP SA at its hard time limit). */
static void
busy_time(uint64_t *stamp, uint64_t now_ns)
{
	if (*stamp != 0 && now_ns > *stamp)
		*stamp = now_ns - (now_ns - *stamp) / 10;
}

void
mg_events_pause(struct mg_events *ev, uint64_t now_ns)
{
	busy_time(&ev->last_ns, now_ns);
	busy_time(&ev->esp_last_ns, now_ns);
	busy_time(&ev->budget_ns, now_ns);
}

void
mg_events_scan(struct mg_events *ev, const struct mg_tables *t,
	       struct mg_dp_ctl *ctl, uint64_t now_ns)
{
	uint64_t due;

	if (ev->burst == 0 || ev->w == NULL || look_budget(ev, now_ns) == 0)
		return;
	/* The ESP SAs at a pace of their own. */
	due = t->esp.by_id ? due_now(&ev->esp_last_ns, now_ns, ev->max_esp) : 0;
	for (; due > 0 && ev->budget > 0; due--) {
		struct mg_esp_sa *sa = t->esp.by_id[ev->esp_cursor].sa;

		if (sa != NULL) {
			look_esp(ev, ctl, ev->esp_cursor, sa);
			ev->budget--;
		}
		ev->esp_cursor = next_id(ev->esp_cursor, ev->max_esp);
	}
	for (due = due_now(&ev->last_ns, now_ns, ev->max_flows);
	     due > 0 && ev->budget > 0; due--) {
		const struct mg_flow *f = t->flow_by_id[ev->cursor];

		if (f != NULL) {
			look(ev, ctl, f);
			ev->budget--;
		}
		ev->cursor = next_id(ev->cursor, ev->max_flows);
	}
}
