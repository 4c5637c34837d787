/* SPDX-License-Identifier: BSD-3-Clause */
/* A request/ack exchange over the control segment, with the dataplane's
 * liveness watched while waiting. */
#ifndef MG_CTL_PING_H
#define MG_CTL_PING_H

#include <stdint.h>

#include "ctl_seg.h"

struct mg_ctl_wait_stats {
	uint64_t stale_acks;   /* acks for a seq we no longer wait for */
	uint64_t ring_full;    /* sends delayed by a full request ring */
};

/* Send `req` (its seq set by the caller) and wait up to timeout_ms for its
 * ack, which is copied to *ack. Returns 0, or
 *   -ETIMEDOUT   no ack in time (the dataplane lives but does not answer,
 *                or the request ring stayed full);
 *   -ENOTCONN    no dataplane was attached; nothing was sent;
 *   -EPIPE       the dataplane process went away while we waited;
 *   -ECONNRESET  a new dataplane replaced the one we sent to. */
int mg_ctl_request(struct mg_ctl_seg *seg, const struct mg_ctl_msg *req,
		   unsigned int timeout_ms, struct mg_ctl_msg *ack,
		   struct mg_ctl_wait_stats *ws);

/* Several requests in flight at once, in order (their seqs set by the
 * caller, increasing): each is sent as soon as the ring has room, and
 * status[i] gets the status of req[i]'s ack. Returns 0 once every ack
 * came, or the errors of mg_ctl_request (then status is partial). */
int mg_ctl_request_batch(struct mg_ctl_seg *seg, const struct mg_ctl_msg *req,
			 unsigned int n, unsigned int timeout_ms,
			 int32_t *status, struct mg_ctl_wait_stats *ws);

/* Events (MG_CTL_EVENT) come on the response ring between acks: every
 * wait hands them to fn, as does mg_ctl_drain between requests. */
typedef void (*mg_ctl_event_fn)(void *arg, const struct mg_ctl_event *e);
void mg_ctl_on_event(mg_ctl_event_fn fn, void *arg);

/* Take what waits on the response ring while no request is out: events
 * (anything else is a stale ack). */
void mg_ctl_drain(struct mg_ctl_seg *seg, struct mg_ctl_wait_stats *ws);

/* Build a ping request with the given seq. */
void mg_ctl_ping_build(struct mg_ctl_msg *m, uint32_t seq);

uint64_t mg_ctl_now_ns(void);

#endif /* MG_CTL_PING_H */
