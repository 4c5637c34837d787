/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane's own types: configuration, forwarding streams, lcores. */
#ifndef MG_DP_H
#define MG_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "mg_ctl_abi.h"

#define MG_MAX_BURST 64
#define MG_MAX_PORTS 32
#define MG_MAX_RXQ 8   /* rx queues a port is spread over (RSS) */

#define MG_DP_ADDRS_MAX 8

struct mg_dp_config {
	char shm_name[MG_CTL_SHM_NAME_MAX];
	bool no_ctl;               /* run without a control plane */
	uint32_t duration_s;       /* stop after; 0: until a signal */
	uint32_t stats_interval_s; /* print rates every N s; 0: only at exit */
	uint32_t nb_mbufs;
	uint32_t wait_link_s;      /* hold forwarding until links are up */
	bool media;                /* the media pipeline, not port pairs */
	uint32_t max_flows;
	bool hold_rx;              /* media: no rx before MG_CTL_START */
	char tap_prefix[13];       /* media: exception TAPs, "" for none */
	uint32_t addrs[MG_DP_ADDRS_MAX]; /* media: IPv4 we answer ARP for,
					  * network order */
	uint8_t nb_addrs;
	uint32_t event_burst;      /* media: packets refused that make an
				    * event; 0: no events */
	bool srtp_libsrtp2;        /* media: SRTP by libsrtp2, per packet
				    * (a comparison, not for production) */
	bool tx_cksum_sw;          /* media: never ask a NIC for checksums */
	bool help;
};

/* Counters of one stream, written only by the lcore that owns the stream
 * (no atomics on the packet path), read by the main lcore with relaxed
 * loads for printing. */
struct mg_fwd_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_drop; /* tx ring full: freed */
};

/* rx on one port queue, tx to its pair. One stream per port today: each
 * port has one rx queue and one tx queue, and only the lcore polling a
 * port's pair ever transmits on it, so tx needs no lock. */
struct mg_fwd_stream {
	uint16_t rx_port;
	uint16_t tx_port;
	uint16_t tap_port;         /* media: its exception TAP, or UINT16_MAX */
	uint16_t rx_queue;
	bool spread;               /* media: hand other workers' flows over */
	/* media with RSS: the stream of the port's next rx queue, polled by
	 * another lcore; stats add them up per port. */
	struct mg_fwd_stream *more;
	struct mg_fwd_stats st;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct mg_fwd_stream) == 64,
	       "one stream per cache line: lcores never share a line");

struct mg_pipe_lcore;

struct mg_lcore {
	unsigned int lcore_id;
	uint16_t nb_streams;
	struct mg_fwd_stream *streams[MG_MAX_PORTS];
	struct mg_pipe_lcore *pipe; /* media mode: this lcore's pipeline */
	bool hold_rx;
};

/* Media mode (media.c): one burst of each stream through the pipeline,
 * then a quiescent point for the flow table's RCU. */
void mg_media_poll(struct mg_lcore *lc);
void mg_media_lcore_online(struct mg_lcore *lc);
void mg_media_lcore_offline(struct mg_lcore *lc);

/* Set by signals or --duration; workers poll it between bursts. */
extern volatile bool mg_dp_quit;

/* Forward one burst on each stream of lc. */
void mg_fwd_poll(struct mg_lcore *lc);

/* rte_eal_remote_launch() entry: mg_fwd_poll until mg_dp_quit. */
int mg_fwd_lcore_main(void *arg);

#endif /* MG_DP_H */
