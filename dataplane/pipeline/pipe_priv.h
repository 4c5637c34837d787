/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside the media pipeline: a burst as its steps pass it on (pipe.c,
 * and the ESP steps in pipe_esp.c). */
#ifndef MG_DP_PIPE_PRIV_H
#define MG_DP_PIPE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "pipe.h"

struct rte_mbuf;

/* A packet's way through the burst. */
struct pkt_state {
	struct mg_flow *flow;   /* NULL: dropped (counted where decided) */
	uint16_t pl_len;        /* the payload as it is now */
	bool kernel;            /* not ours: to the exception TAP */
	bool gone;              /* handed to another lcore: not ours now */
};

struct burst {
	struct rte_mbuf *mb[MG_MAX_BURST];
	struct mg_pkt_meta meta[MG_MAX_BURST];
	struct pkt_state ps[MG_MAX_BURST];
	uint16_t n;
};

/* Look up the flows of packets at[0..k) of the burst (pipe.c). */
void pipe_lookup_some(struct mg_pipe_lcore *pl, struct burst *b,
		      const uint8_t *at, uint16_t k);

/* Give packet i to the worker that runs what it belongs to (pipe.c):
 * true if it went (or was dropped for a full inbox), so it is not this
 * lcore's any more. */
bool pipe_hand_off(struct mg_pipe_lcore *pl, struct burst *b, uint16_t i,
		   uint32_t owner_hash);

/* The ESP steps (pipe_esp.c): decapsulate what arrived through an SA,
 * before the flows are looked up again for the inner packets; protect
 * what a flow sends through an SA, after the header rewrite. */
void pipe_esp_rx(struct mg_pipe_lcore *pl, struct burst *b);
void pipe_esp_tx(struct mg_pipe_lcore *pl, struct burst *b);

#endif /* MG_DP_PIPE_PRIV_H */
