/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events for the control plane (MG_CTL_EVENT on the response ring): the
 * main lcore looks at every flow about once a second, a slice per poll
 * (at most 250,000 flows and SAs a second: above that a sweep takes
 * longer, 16 s for a million calls' 4 million flows, so that looking
 * never takes the lcore from forwarding), and tells of bursts of refused
 * packets (authentication, source, replay) and of SRTP keys nearing or at
 * the end of their lifetime; ESP SAs are
 * looked at as often, for their soft and hard lifetimes (the seconds ones
 * are enforced by that look) and sequence numbers. Counters are
 * compared with what the last look saw; an event that finds the ring
 * without room is not lost, only later.
 */
#ifndef MG_DP_EVENTS_H
#define MG_DP_EVENTS_H

#include <stdint.h>

#include "ctl_ring.h"
#include "pipeline/flow.h"

struct mg_flow_watch;
struct mg_esp_watch;

struct mg_events {
	uint32_t burst;            /* packets that make a burst; 0: off */
	uint32_t max_flows;
	uint32_t cursor;           /* next flow id to look at */
	uint64_t last_ns;
	uint64_t budget_ns;        /* looks allowed: refilled since then */
	uint32_t budget;
	struct mg_flow_watch *w;   /* [1 .. max_flows] */
	uint32_t max_esp;
	uint32_t esp_cursor;
	uint64_t esp_last_ns;
	struct mg_esp_watch *ew;   /* [1 .. max_esp] */
	uint64_t sent[MG_EV_KIND_MAX];
	uint64_t deferred;         /* events the ring had no room for yet */
};

/* 0, or -ENOMEM. */
int mg_events_init(struct mg_events *ev, uint32_t max_flows,
		   uint32_t max_esp, uint32_t burst);
void mg_events_fini(struct mg_events *ev);

/* The time until now counts a tenth toward looks and flows due: the
 * main lcore spent it serving the ring. The sweep runs in the lcore's
 * idle time and slows down while the ring is busy (a restarted dataplane
 * taking 100,000 calls spent 12 % of the replay looking at the flows it
 * had just installed, in the gaps between batches). */
void mg_events_pause(struct mg_events *ev, uint64_t now_ns);

/* Look at the flows and SAs due by now (main lcore, attached to
 * control). */
void mg_events_scan(struct mg_events *ev, const struct mg_tables *t,
		    struct mg_dp_ctl *ctl, uint64_t now_ns);

#endif /* MG_DP_EVENTS_H */
