/* SPDX-License-Identifier: BSD-3-Clause */
/* "IP:PORT", "[IPv6]:PORT" and MAC addresses, as the command line and
 * the flows file write them. */
#ifndef MG_CTL_HOSTPORT_H
#define MG_CTL_HOSTPORT_H

#include <stddef.h>
#include <stdint.h>

/* Split s into host (terminated) and a port of 1..65535. The host is not
 * checked as an address: inet_pton does that. Returns 0 or -1. */
int mg_hostport_split(const char *s, char *host, size_t hostlen,
		      uint16_t *port);

/* "aa:bb:cc:dd:ee:ff" into mac. Returns 0 or -1. */
int mg_mac_parse(const char *s, uint8_t mac[6]);

#endif /* MG_CTL_HOSTPORT_H */
