/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table: call legs keyed by where their packets arrive (address
 * family, local IP, local UDP port), in an rte_hash that workers read
 * lock-free while the main lcore writes it. A deleted flow is freed, and
 * its SRTP contexts wiped, only after every worker has passed a quiescent
 * point (rte_rcu_qsbr), so a packet in flight never sees freed memory.
 *
 * Threading: the main lcore alone adds and deletes (from the control
 * ring). A flow's packets arrive on one rx queue, so one worker lcore owns
 * its counters and its SRTP contexts (see mg_srtp.h: a context is used by
 * one lcore); the main lcore and telemetry only read counters.
 */
#ifndef MG_DP_FLOW_H
#define MG_DP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_hash_crc.h>

#include "esp_table.h"
#include "mg_ctl_abi.h"
#include "out_hdr.h"
#include "mg_srtp.h"

struct rte_hash;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

/* 8-byte aligned: rte_hash_crc reads it 8 bytes at a time. The padding
 * is part of the key, so every key is zeroed before it is filled. */
struct mg_flow_key {
	uint8_t ip[16];   /* IPv4 in the first 4 bytes, the rest 0 */
	uint16_t port;    /* network order */
	uint8_t family;   /* 4 or 6 */
	uint8_t pad[5];
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct mg_flow_key) == 24, "hash key length");

/* A key's hash as the table's own function, rte_hash_crc(k, 24, 0),
 * gives it: inline, so a burst's keys are hashed without a call each. */
static inline uint32_t
mg_flow_key_hash(const struct mg_flow_key *k)
{
	uint64_t w[3];

	memcpy(w, k, sizeof(w));
	return rte_hash_crc_8byte(w[2], rte_hash_crc_8byte(w[1],
			rte_hash_crc_8byte(w[0], 0)));
}

/* Three words at a time (the table's compare function too). */
static inline bool
mg_flow_key_eq(const struct mg_flow_key *a, const struct mg_flow_key *b)
{
	uint64_t x[3], y[3];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

/* Written only by the lcore that receives the flow; read relaxed. */
struct mg_flow_counters {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t latched;
	uint64_t drop_source;
	uint64_t drop_tx;
	uint64_t drop_srtp[MG_SRTP_STATUS_MAX];
	uint64_t drop_esp;
};

struct mg_flow {
	/* What workers read for every packet. */
	uint16_t action;            /* enum mg_flow_action */
	uint16_t flags;             /* enum mg_flow_flags */
	uint16_t out_port;
	uint8_t out_family;
	struct mg_srtp_ctx *rx_ctx; /* owned: wiped when the flow is freed */
	struct mg_srtp_ctx *tx_ctx;
	struct mg_srtp_ctx *rx_ctx2; /* owned: a draining one, tried second */
	struct mg_flow *peer;       /* read with acquire: NULL when gone */
	struct mg_esp_sa *rx_esp;   /* held, not owned: packets came through */
	struct mg_esp_sa *tx_esp;   /* held, not owned: packets go out by */
	struct mg_esp_sa *rx_esp2;  /* held: a draining one, also taken */
	/* Its second cache line: the headers its packets leave with. */
	struct mg_out_hdr out_hdr;
	uint32_t esp_owner;         /* with an SA: mg_esp_owner_hash */
	struct mg_ctl_addr out_dst; /* as configured (out_hdr has it too) */
	struct mg_ctl_addr remote;  /* configured source, family 0: any */
	/* The source learnt by latching: written once by the receiving
	 * worker, then `learned_valid` set with release. One cache line of
	 * their own: the other leg's worker reads them for every packet it
	 * sends this way (latched_dst), and prefetches the line. */
	uint32_t learned_valid __attribute__((aligned(64)));
	struct mg_ctl_addr learned;
	/* ...and, for what came through an SA, the outer source (a NAT's
	 * address and port): the paired outbound SA sends there. */
	struct mg_ctl_addr learned_outer;
	/* Main lcore only. */
	uint32_t id;
	uint32_t peer_id;
	uint32_t rx_ctx_id, tx_ctx_id, rx_ctx2_id;
	uint32_t rx_esp_id, tx_esp_id, rx_esp2_id;
	struct mg_flow_key key;
	struct mg_flow_counters c __attribute__((aligned(64)));
};

_Static_assert(offsetof(struct mg_flow, learned_outer) +
	       sizeof(struct mg_ctl_addr) <=
	       offsetof(struct mg_flow, learned_valid) + 64,
	       "what latched_dst reads is one cache line");

/* Everything the control plane installs, and the RCU that guards it. */
struct mg_tables {
	struct rte_hash *hash;        /* mg_flow_key -> struct mg_flow * */
	struct rte_rcu_qsbr *rcu;
	struct rte_rcu_qsbr_dq *dq;   /* deleted flows, until grace is over */
	struct IMB_MGR *mgr;          /* main lcore's, for key derivation */
	uint32_t max_flows;
	uint32_t max_ctx;             /* 2 x max_flows */
	uint32_t nb_flows, nb_ctx;
	struct mg_flow **flow_by_id;  /* [1 .. max_flows] */
	struct mg_srtp_ctx **ctx_by_id; /* [1 .. max_ctx], unowned ones */
	uint32_t *ctx_owner;          /* flow id holding the context, 0 */
	bool started;                 /* MG_CTL_START seen (--hold-rx) */
	uint64_t freed;               /* flows reclaimed after grace */
	uint32_t dq_waiting;          /* in dq as last seen: 0, no reclaim
				       * pass (each costs DPDK a log call) */
	struct mg_esp_table esp;      /* ESP SAs, ids [1 .. max_ctx] */
};

/* Create the tables for up to max_flows flows, readable by up to
 * max_readers lcores. Returns 0 or -errno with one line in err. */
int mg_tables_create(struct mg_tables *t, uint32_t max_flows,
		     unsigned int max_readers, char *err, size_t errlen);

void mg_tables_destroy(struct mg_tables *t);

/* The ring's entry point for SRTP_ADD/DEL, FLOW_ADD/DEL/MOD/STATS,
 * ESP_ADD/DEL/STATS, START. */
mg_ctl_status_t mg_tables_apply(void *tables, const struct mg_ctl_msg *req,
				struct mg_ctl_msg *ack);

/* Free what every reader has moved past; main lcore, between polls. */
void mg_tables_reclaim(struct mg_tables *t);

/* The hash key of a flow's local address. */
void mg_flow_key_of(const struct mg_ctl_addr *a, struct mg_flow_key *k);

#endif /* MG_DP_FLOW_H */
