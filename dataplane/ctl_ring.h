/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane's end of the control segment: attach, answer requests
 * between bursts, keep the heartbeat. Runs on the main lcore only. */
#ifndef MG_DP_CTL_RING_H
#define MG_DP_CTL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mg_ctl_abi.h"

struct rte_ring;

/* What the dataplane reports about itself in a ping ack. */
struct mg_dp_summary {
	uint32_t nb_ports;
	uint32_t nb_lcores;
	uint64_t rx_pkts;
	uint64_t tx_pkts;
};

struct mg_dp_ctl_stats {
	uint64_t requests;
	uint64_t acks;
	uint64_t bad_type;   /* unknown message type: acked EOPNOTSUPP */
	uint64_t bad_len;    /* payload length out of range: acked EINVAL */
	uint64_t backpressure; /* polls that left requests for lack of room */
	uint64_t events;     /* MG_CTL_EVENT sent */
};

/* Requests other than PING go to the dataplane's tables: status 0 or a
 * positive errno; EOPNOTSUPP for a type it does not know. May write the
 * ack's payload (and set its h.len). */
typedef mg_ctl_status_t (*mg_dp_ctl_apply_fn)(void *arg,
					      const struct mg_ctl_msg *req,
					      struct mg_ctl_msg *ack);

struct mg_dp_ctl {
	mg_dp_ctl_apply_fn apply; /* NULL: only PING is served */
	void *apply_arg;
	int fd;
	struct mg_ctl_shm *shm;
	size_t size;
	struct rte_ring *req;  /* we consume */
	struct rte_ring *resp; /* we produce */
	uint64_t epoch;
	struct mg_dp_ctl_stats stats;
	char name[MG_CTL_SHM_NAME_MAX];
};

/* Attach to the segment `name` created by mediagate-control. Returns 0, or
 * -ENOENT (no segment yet), -EBUSY (another dataplane is attached),
 * -EPROTO (incompatible or half-made segment), -EINVAL (bad name), -errno;
 * `err` says why in one line. Every failure may be retried later. */
int mg_dp_ctl_attach(struct mg_dp_ctl *c, const char *name, uint64_t epoch,
		     char *err, size_t errlen);

void mg_dp_ctl_detach(struct mg_dp_ctl *c);

static inline bool
mg_dp_ctl_attached(const struct mg_dp_ctl *c)
{
	return c->shm != NULL;
}

/* Answer up to one burst of requests and refresh the heartbeat. Requests
 * are only taken when there is room for their acks: a full ack ring holds
 * them back, it never loses one. Returns the number answered. */
unsigned int mg_dp_ctl_poll(struct mg_dp_ctl *c, uint64_t now_ns,
			    const struct mg_dp_summary *sum);

/* Put an event on the response ring, leaving room for a poll's acks:
 * 0, or -ENOBUFS (try again later). */
int mg_dp_ctl_event(struct mg_dp_ctl *c, const struct mg_ctl_event *e);

#endif /* MG_DP_CTL_RING_H */
