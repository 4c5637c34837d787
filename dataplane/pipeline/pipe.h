/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media pipeline of one lcore: rx burst -> classify -> bulk flow
 * lookup -> ESP decapsulation (and a second lookup for what came out) ->
 * SRTP unprotect (one engine burst for RTP, one for RTCP) -> latch ->
 * SRTP protect -> header rewrite for the other leg -> ESP -> tx burst
 * per port. Packets the pipeline does not own are counted and dropped
 * (the kernel exception path comes with the TAP port).
 */
#ifndef MG_DP_PIPE_H
#define MG_DP_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "parse.h"

/* Per-lcore counters: written by the lcore, read relaxed. */
struct mg_pipe_stats {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t no_flow;        /* media-looking UDP to no installed flow */
	uint64_t drop_action;    /* flows whose action is DROP */
	uint64_t drop_source;    /* not from the address the flow takes */
	uint64_t drop_srtp;      /* refused by the SRTP engine (by reason:
				  * per flow) */
	uint64_t srtp_old_key;   /* opened by a flow's draining context
				  * after its new one refused them (the
				  * old key of a rekey, still in flight) */
	uint64_t drop_tx;        /* tx queue full */
	uint64_t drop_room;      /* no headroom for the out headers */
	uint64_t tx_cksum_nic;   /* checksums left to the port (offload) */
	uint64_t to_kernel;      /* not ours: sent to the exception TAP */
	uint64_t from_kernel;    /* sent by the kernel: out of the port */
	uint64_t drop_kernel;    /* TAP or port queue full */
	uint64_t handed_off;     /* distribution: to the owning worker */
	uint64_t drop_handoff;   /* that worker's inbox full */
	uint64_t from_peers;     /* taken from this lcore's inbox */
	uint64_t arp_replies;    /* ARP requests for --addr answered */
	uint64_t esp_rx;         /* ESP packets decapsulated */
	uint64_t esp_tx;         /* packets sent out through an ESP SA */
	uint64_t drop_esp;       /* refused by ESP (why: per SA), or not
				  * through the SA its flow takes */
	uint64_t esp_no_sa;      /* of those: no SA has the SPI */
	uint64_t esp_not_through; /* of those: not through the flow's SA */
	uint64_t esp_nat_moved;   /* outbound SAs sent on to where their
				   * pair's packets came from (NAT-T) */
	uint64_t cls[MG_PKT_CLASS_MAX]; /* packets not media, by class */
	/* TSC ticks in polls, and of those in polls that found packets,
	 * and how many those were: how busy the lcore is and how full its
	 * bursts (as OVS's pmd-stats and VPP's runtime tell). A poll finds
	 * a packet or two long before the lcore is short of time; bursts
	 * near full are what says it is. */
	uint64_t poll_cycles, busy_cycles, busy_polls;
};

struct rte_ring;
struct mg_arp;

/* The longest SRTP packet a flow with a draining context tries under
 * both keys; a longer one has only the new key's verdict. */
#define MG_PIPE_STASH 2048u

struct mg_pipe_lcore {
	unsigned int lcore_id;
	uint16_t txq;             /* this lcore's tx queue on every port */
	uint16_t nb_ports;
	/* The distribution stage: this lcore is worker `worker` of
	 * nb_workers; inboxes[w] takes what worker w owns. */
	uint16_t worker, nb_workers;
	struct rte_ring *inbox;
	struct rte_ring **inboxes;
	struct IMB_MGR *mgr;      /* this lcore's IPsec-MB manager */
	struct mg_tables *t;
	const struct mg_arp *arp; /* our addresses, NULL: none */
	uint64_t tx_cksum;        /* a bit per port id: its NIC computes the
				   * IPv4 and UDP checksums as it sends */
	uint8_t *stash;           /* MG_MAX_BURST x MG_PIPE_STASH bytes: a
				   * draining flow's packets as they came,
				   * for its second context (pipe_srtp.c) */
	struct mg_pipe_stats st __attribute__((aligned(64)));
};

/* Make lcore state (its IPsec-MB manager, its stash); 0 or -ENOMEM. */
int mg_pipe_lcore_init(struct mg_pipe_lcore *pl, unsigned int lcore_id,
		       uint16_t txq, uint16_t nb_ports, struct mg_tables *t);
void mg_pipe_lcore_fini(struct mg_pipe_lcore *pl);

/* One rx burst from (port, queue) through the pipeline; what it does
 * not own goes to tap (UINT16_MAX: dropped, counted by class). With
 * spread (a port that cannot hash flows over queues, several workers)
 * other workers' flows go to their inboxes. Returns the packets received;
 * *sent: how many went out of a media port from this lcore. */
uint16_t mg_pipe_burst(struct mg_pipe_lcore *pl, uint16_t port,
		       uint16_t queue, uint16_t tap, bool spread,
		       uint16_t *sent);

/* One burst from this lcore's inbox (what other workers handed it). */
uint16_t mg_pipe_inbox(struct mg_pipe_lcore *pl, uint16_t *sent);

/* The worker a flow belongs to when the distribution stage chooses. */
uint16_t mg_pipe_owner(const struct mg_flow_key *k, uint16_t nb_workers);

/* The kernel's side of the exception path: a burst from the TAP out of
 * its port. */
void mg_pipe_from_kernel(struct mg_pipe_lcore *pl, uint16_t tap,
			 uint16_t port);

#endif /* MG_DP_PIPE_H */
