/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside the media pipeline: a burst as its steps pass it on (pipe.c,
 * the ESP steps in pipe_esp.c, the SRTP one in pipe_srtp.c). */
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

/* Steps a burst may need after the lookup: each is a pass over the
 * burst, skipped when no packet was found to need it. */
enum burst_need {
	NEED_ESP_RX = 1, /* ESP, or to an ESP-in-UDP port */
	NEED_KERNEL = 2, /* to the exception TAP (or ARP answered) */
	NEED_ESP_TX = 4, /* a flow that sends through an SA */
	NEED_UNPROTECT = 8,
	NEED_PROTECT = 16,
};

struct burst {
	struct rte_mbuf *mb[MG_MAX_BURST];
	struct mg_pkt_meta meta[MG_MAX_BURST];
	struct pkt_state ps[MG_MAX_BURST];
	uint16_t n;
	uint8_t need;    /* enum burst_need */
};

static inline bool
flow_unprotects(const struct mg_flow *f)
{
	return f->action == MG_FLOW_SRTP_TO_RTP ||
	       f->action == MG_FLOW_SRTP_TO_SRTP;
}

static inline bool
flow_protects(const struct mg_flow *f)
{
	return f->action == MG_FLOW_RTP_TO_SRTP ||
	       f->action == MG_FLOW_SRTP_TO_SRTP;
}

/* What an admitted packet of flow f needs of the steps after admit. */
static inline uint8_t
flow_needs(const struct mg_flow *f)
{
	return (uint8_t)((f->tx_esp != NULL ? NEED_ESP_TX : 0) |
			 (flow_unprotects(f) ? NEED_UNPROTECT : 0) |
			 (flow_protects(f) ? NEED_PROTECT : 0));
}

/* RFC-less but universal SBC practice: the first good packet tells
 * where a NATed endpoint really is; the flow the other way sends there. */
static inline void
pipe_latch(struct mg_flow *f, const struct mg_pkt_meta *m)
{
	if (!(f->flags & MG_FLOW_F_LATCH) ||
	    __atomic_load_n(&f->learned_valid, __ATOMIC_RELAXED))
		return;
	f->learned = m->src;
	if (m->esp != NULL)
		f->learned_outer = m->outer;
	__atomic_store_n(&f->learned_valid, 1, __ATOMIC_RELEASE);
	f->c.latched++;
}

/*
 * A run of one flow's packets in a burst, counted when the run ends:
 * one flow's counters added to a packet at a time make each add wait for
 * the store before it. Counters are this lcore's alone (flow.h), and
 * readers see them a burst late at most.
 */
struct flow_run {
	uint64_t *pkts;
	uint64_t *bytes;
	uint64_t n, len;
};

static inline void
run_end(struct flow_run *r)
{
	if (r->pkts == NULL)
		return;
	*r->pkts += r->n;
	*r->bytes += r->len;
	r->pkts = NULL;
}

/* One more packet of len bytes on counters pkts/bytes. */
static inline void
run_add(struct flow_run *r, uint64_t *pkts, uint64_t *bytes, uint32_t len)
{
	if (pkts != r->pkts) {
		run_end(r);
		r->pkts = pkts;
		r->bytes = bytes;
		r->n = r->len = 0;
	}
	r->n++;
	r->len += len;
}

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

/* The SRTP step (pipe_srtp.c): every unprotect of the burst, then every
 * protect, one engine burst per kind; a draining flow's refusals are
 * tried again under its old context. */
void pipe_srtp(struct mg_pipe_lcore *pl, struct burst *b);

#endif /* MG_DP_PIPE_PRIV_H */
