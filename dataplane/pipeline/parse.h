/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify a burst: Ethernet (up to two VLAN tags), IPv4 or IPv6, UDP or
 * ESP (protocol 50, with no IPv6 extension header before it), and
 * what the UDP payload is by its first byte (RFC 7983): RTP/RTCP (128-191;
 * RTCP by packet type 192-223, RFC 5761 §4), STUN (0-3), DTLS (20-63).
 * Never reads past the packet; every refusal has its own class.
 */
#ifndef MG_DP_PARSE_H
#define MG_DP_PARSE_H

#include <stdint.h>

#include "flow.h"

struct rte_mbuf;

enum mg_pkt_class {
	MG_PKT_RTP = 0,
	MG_PKT_RTCP,
	MG_PKT_STUN,       /* ICE is not ours yet: counted, dropped */
	MG_PKT_DTLS,
	MG_PKT_OTHER_UDP,  /* first byte neither media nor demuxable */
	MG_PKT_NOT_IP,     /* ARP and the like: the kernel's */
	MG_PKT_NOT_UDP,    /* ICMP, ESP, TCP, ... */
	MG_PKT_FRAGMENT,
	MG_PKT_MALFORMED,  /* a header that lies about its length */
	MG_PKT_ESP,        /* IP protocol 50: to the ESP step */
	MG_PKT_CLASS_MAX,
};

_Static_assert(MG_PKT_CLASS_MAX <= MG_CTL_PKT_CLASSES, "ring counters");

/* What the pipeline keeps of one packet between its steps. */
struct mg_pkt_meta {
	struct mg_flow_key key;  /* destination: the flow's local address */
	struct mg_ctl_addr src;  /* source, for latching and strict checks */
	uint16_t l3_off;         /* IP header offset in the frame */
	uint16_t pl_off;         /* UDP payload offset in the frame */
	uint16_t pl_len;
	uint8_t cls;             /* enum mg_pkt_class */
	uint8_t tos;             /* IPv4 TOS / IPv6 traffic class, kept */
	struct mg_esp_sa *esp;   /* the SA it was decapsulated by, or NULL */
	struct mg_ctl_addr outer; /* with esp: the source it came from
				   * (outer address, NAT-T UDP port) */
};

const char *mg_pkt_class_name(enum mg_pkt_class c);

/* Fill meta[i] for mb[i]; a packet of a media class has a valid key.
 * Returns the bytes of the frames as they came (before a frame's
 * Ethernet padding is trimmed). */
uint64_t mg_parse_burst(struct rte_mbuf **mb, uint16_t n,
			struct mg_pkt_meta *meta);

#endif /* MG_DP_PARSE_H */
