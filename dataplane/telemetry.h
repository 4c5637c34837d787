/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's counters in DPDK telemetry, next to DPDK's own
 * /ethdev/stats for ports: read them with dpdk-telemetry.py -f PREFIX.
 *   /mediagate/lcores        per pipeline lcore: rx, tx, every drop
 *   /mediagate/flows         flow and context counts, and the flow ids
 *   /mediagate/flow,ID       one flow's counters, each SRTP drop reason
 */
#ifndef MG_DP_TELEMETRY_H
#define MG_DP_TELEMETRY_H

#include "media.h"

/* The telemetry thread reads flows as an RCU reader under this id. */
#define MG_TELEMETRY_RCU_ID (RTE_MAX_LCORE - 1)

/* Register the commands; 0 or -1 (telemetry off: not fatal). */
int mg_telemetry_init(struct mg_media *m);

/* Before the tables go: no telemetry reader holds a flow afterwards. */
void mg_telemetry_fini(void);

#endif /* MG_DP_TELEMETRY_H */
