/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MG_DP_MEDIA_H
#define MG_DP_MEDIA_H

#include <stddef.h>

#include <rte_lcore.h>

#include "dp.h"
#include "events.h"
#include "pipeline/arp.h"
#include "pipeline/flow.h"
#include "pipeline/pipe.h"

struct mg_media {
	struct mg_tables t;
	struct mg_arp arp;
	struct mg_events events;
	struct mg_pipe_lcore pipe[RTE_MAX_LCORE];
	struct rte_ring *inboxes[RTE_MAX_LCORE]; /* by worker index */
	uint64_t next_scan_ns;     /* events: looked at no more often */
};

/* Tables, and a pipeline for every lcore that has streams (assign them
 * first); cksum_ports: the ports (a bit each) whose NIC computes IPv4
 * and UDP checksums on send. Returns 0 or -errno with one line in err. */
int mg_media_setup(struct mg_media *m, struct mg_lcore *lcores,
		   uint16_t nb_ports, const struct mg_dp_config *cfg,
		   uint64_t cksum_ports, char *err, size_t errlen);

/* With --tap: a TAP port per media port 0..nb_ports-1, with its MAC;
 * tap_of[p] gets its port id. Before the ports are started. */
int mg_media_probe_taps(const char *prefix, uint16_t nb_ports,
			uint16_t *tap_of, char *err, size_t errlen);

/* The ring's entry point in media mode: LCORE_STATS here, the rest to
 * the tables (mg_tables_apply). */
mg_ctl_status_t mg_media_apply(void *media, const struct mg_ctl_msg *req,
			       struct mg_ctl_msg *ack);

void mg_media_print_final(const struct mg_media *m);

/* The main lcore's share between ring polls: reclaim flows past their
 * grace period, look at flows for events (not on a turn that served
 * ring requests: ring_busy). */
void mg_media_tick(struct mg_media *m, struct mg_dp_ctl *ctl,
		   uint64_t now_ns, bool ring_busy);

/* After the lcores have stopped: frees every flow, wiping its keys. */
void mg_media_teardown(struct mg_media *m);

#endif /* MG_DP_MEDIA_H */
