/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MG_DP_PORT_H
#define MG_DP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

struct mg_port_opts {
	/* A port that offers to compute IPv4 header and UDP checksums on
	 * send is asked to. */
	bool cksum;
	/* Until this timer cycle a port that fails to start is tried again
	 * (a memif client whose server is not up yet); 0: once. */
	uint64_t start_deadline;
	const volatile bool *quit;
};

/* Configure and start every probed port: nb_txq tx queues (one per
 * lcore that may send on it) and one rx queue, or want_rxq spread by RSS
 * on the ports 0..nb_rss-1 that can take that many (rxq_of[p] says how
 * many each got). *cksum_ports gets a bit per port id that computes
 * checksums as it sends. Returns the port count (> 0) or -errno with one
 * line in err. */
int mg_ports_start(struct rte_mempool *mp, uint16_t nb_txq, uint16_t want_rxq,
		   uint16_t nb_rss, uint16_t *rxq_of,
		   const struct mg_port_opts *o, uint64_t *cksum_ports,
		   char *err, size_t errlen);

/* The port a port forwards to: 0<->1, 2<->3, ...; a last odd port to
 * itself. */
uint16_t mg_port_pair(uint16_t port, uint16_t nb_ports);

/* Wait up to timeout_s for every port's link; returns how many are still
 * down and names them on stdout. Ports whose driver cannot tell count as
 * up. A memif client still down (not a zero-copy one) is started again
 * once a second: its server may have turned it away while setting up.
 * Not while workers poll the ports. */
unsigned int mg_ports_wait_link(uint16_t nb_ports, uint32_t timeout_s,
				const volatile bool *quit);

/* Does a port map this process's DPDK memory into its peer's (a memif
 * client with zero-copy=yes: the peer reads and writes our mbufs)? Then
 * nothing secret may live in that memory. */
bool mg_ports_share_memory(uint16_t nb_ports);

void mg_ports_stop(uint16_t nb_ports);

#endif /* MG_DP_PORT_H */
