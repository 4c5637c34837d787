/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "arp.h"

static bool
ours(const struct mg_arp *a, rte_be32_t ip)
{
	for (uint8_t i = 0; i < a->nb_addrs; i++)
		if (a->addrs[i] == ip)
			return true;
	return false;
}

/* An Ethernet/IPv4 ARP request for one of our addresses (no VLAN: the
 * parser hands VLAN-tagged ARP to the kernel as it is). */
static struct rte_arp_hdr *
request_for_us(const struct mg_arp *a, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*ah) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) ||
	    ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != 4 ||
	    ah->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    !ours(a, ah->arp_data.arp_tip))
		return NULL;
	return ah;
}

/* RFC 826: swap sender and target, put our MAC as the sender. */
static void
make_reply(struct rte_mbuf *m, struct rte_arp_hdr *ah,
	   const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_ipv4 *d = &ah->arp_data;
	rte_be32_t ip = d->arp_tip;

	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	d->arp_tip = d->arp_sip;
	d->arp_sha = *mac;
	d->arp_sip = ip;
	eh->dst_addr = d->arp_tha;
	eh->src_addr = *mac;
}

/* ARP is rare next to media: each reply goes out on its own. */
uint16_t
mg_arp_answer(const struct mg_arp *a, uint16_t port, uint16_t txq,
	      struct rte_mbuf **pkts, uint16_t n, uint64_t *dropped)
{
	uint16_t k = 0;

	if (a == NULL || a->nb_addrs == 0 || port >= RTE_MAX_ETHPORTS)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_arp_hdr *ah = request_for_us(a, pkts[i]);

		if (ah == NULL)
			continue;
		make_reply(pkts[i], ah, &a->mac[port]);
		if (rte_eth_tx_burst(port, txq, &pkts[i], 1) != 1) {
			(*dropped)++;
			rte_pktmbuf_free(pkts[i]);
		}
		pkts[i] = NULL;
		k++;
	}
	return k;
}
