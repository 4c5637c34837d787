/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP for the media addresses the dataplane owns (--addr): a request for
 * one of them is answered from the port it came in on, in place, so a
 * router or a peer on the link finds the media address with no kernel
 * involved (on a NIC DPDK owns, the kernel does not see the link; with
 * --tap it would answer only for addresses put on the TAP by hand).
 */
#ifndef MG_DP_ARP_H
#define MG_DP_ARP_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#define MG_ARP_ADDRS_MAX 8

struct rte_mbuf;

struct mg_arp {
	uint8_t nb_addrs;
	rte_be32_t addrs[MG_ARP_ADDRS_MAX];
	struct rte_ether_addr mac[RTE_MAX_ETHPORTS]; /* each port's own */
};

/* Turn the requests for our addresses among pkts[0..n) into replies and
 * send them out of `port` on `txq`; each one taken is set to NULL (sent or
 * freed). Returns how many were answered; *dropped counts replies the tx
 * queue had no room for. */
uint16_t mg_arp_answer(const struct mg_arp *a, uint16_t port, uint16_t txq,
		       struct rte_mbuf **pkts, uint16_t n, uint64_t *dropped);

#endif /* MG_DP_ARP_H */
