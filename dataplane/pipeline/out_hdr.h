/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Ethernet, IP and UDP headers a flow's packets leave with. They are
 * the same for every packet of the flow but for a few fields, so they
 * are built once, when the flow is installed, and each packet gets a
 * copy with those fields filled in: the TOS (kept from what came in), the
 * lengths, the destination (a NATed party's latched address may replace
 * the configured one) and the checksums. The checksums start from sums
 * of the fixed words kept beside the copy, so a packet's header is never
 * summed whole: only its payload is.
 */
#ifndef MG_DP_OUT_HDR_H
#define MG_DP_OUT_HDR_H

#include <stdbool.h>
#include <stdint.h>

#include "mg_ctl_abi.h"

#define MG_OUT_HDR_MAX 62 /* Ethernet + IPv6 + UDP */

struct mg_out_hdr {
	/* Ones' complement sums (RFC 1071) of the words that never change:
	 * the IPv4 header's, and the UDP checksum's (pseudo-header source
	 * and protocol, source port). */
	uint32_t ip_sum;
	uint32_t udp_sum;
	uint32_t phdr_sum;     /* the pseudo-header's source and protocol */
	uint8_t len;           /* 42 (IPv4) or 62 (IPv6) */
	uint8_t family;        /* 4 or 6 */
	uint8_t pad[2];
	/* The headers with the TOS, lengths, destination and checksums 0:
	 * 16 bytes in, so IPv4's fit the flow's cache line (see flow.h). */
	uint8_t bytes[MG_OUT_HDR_MAX];
};

/* Build the headers for packets from src_mac/src to dst_mac/dst (both of
 * one family, checked by the caller). */
void mg_out_hdr_init(struct mg_out_hdr *h, const uint8_t src_mac[6],
		     const uint8_t dst_mac[6], const struct mg_ctl_addr *src,
		     const struct mg_ctl_addr *dst);

/*
 * Write the headers in the h->len bytes in front of the pl_len bytes of
 * payload at pl, with TOS or traffic class tos, to the destination they
 * were built for, or to `dst` if not NULL (where a NATed peer was found
 * to be, by latching; of h's family). The UDP checksum is computed over
 * the payload as it is now: IPv6 requires one, and IPv4 receivers that
 * check it are common. With nic, the port computes the checksums as it
 * sends (the caller sets RTE_MBUF_F_TX_IP_CKSUM, _UDP_CKSUM): the IPv4
 * one is left 0 and the UDP one gets the pseudo-header's sum, as DPDK's
 * offload contract asks.
 */
void mg_out_hdr_put(const struct mg_out_hdr *h, uint8_t *pl, uint16_t pl_len,
		    const struct mg_ctl_addr *dst, uint8_t tos, bool nic);

#endif /* MG_DP_OUT_HDR_H */
