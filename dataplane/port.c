/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "dp.h"
#include "port.h"

#define RX_DESC 1024
#define TX_DESC 1024

uint16_t
mg_port_pair(uint16_t port, uint16_t nb_ports)
{
	uint16_t peer = port ^ 1;

	return peer < nb_ports ? peer : port;
}

/* How many rx queues the port gets: want_rxq if it can take them (and
 * hashes flows over them: RSS on IP and UDP, or a driver that spreads by
 * flow on its own, as af_packet's fanout does), else one. */
static uint16_t
rx_queues(uint16_t port, uint16_t want_rxq, struct rte_eth_conf *conf)
{
	struct rte_eth_dev_info info;

	if (want_rxq <= 1 || rte_eth_dev_info_get(port, &info) != 0 ||
	    info.max_rx_queues < want_rxq)
		return 1;
	if (info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP)) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	}
	return want_rxq;
}

/* The checksums a NIC computes as it sends, if it offers both: the
 * pipeline then writes the pseudo-header's sum instead of summing every
 * payload (out_hdr.c). Virtual ports (ring, memif, af_packet) do not. */
static uint64_t
tx_cksum_offloads(uint16_t port)
{
	const uint64_t both = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			      RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	struct rte_eth_dev_info info;

	if (port >= 64 || rte_eth_dev_info_get(port, &info) != 0 ||
	    (info.tx_offload_capa & both) != both)
		return 0;
	return both;
}

/* A port whose start fails may only lack its peer yet (a memif client
 * connects to its server's socket as it starts): tried again every
 * 100 ms until the deadline (0: once). */
static int
dev_start(uint16_t port, uint64_t deadline, const volatile bool *quit)
{
	int rc;

	while ((rc = rte_eth_dev_start(port)) != 0 && !*quit &&
	       rte_get_timer_cycles() < deadline)
		rte_delay_us_sleep(100000);
	return rc;
}

static int
port_start(uint16_t port, struct rte_mempool *mp, uint16_t nb_txq,
	   uint16_t nb_rxq, const struct mg_port_opts *o, char *err,
	   size_t errlen)
{
	struct rte_eth_conf conf;
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	memset(&conf, 0, sizeof(conf));
	nb_rxq = rx_queues(port, nb_rxq, &conf);
	if (o->cksum)
		conf.txmode.offloads = tx_cksum_offloads(port);
	rc = rte_eth_dev_configure(port, nb_rxq, nb_txq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; q < nb_rxq && rc == 0; q++)
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd,
					    socket < 0 ? 0 : (unsigned)socket,
					    NULL, mp);
	for (uint16_t q = 0; q < nb_txq && rc == 0; q++)
		rc = rte_eth_tx_queue_setup(port, q, nb_txd,
					    socket < 0 ? 0 : (unsigned)socket,
					    NULL);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: setup failed: %s", port,
			 strerror(-rc));
		return rc;
	}
	rc = dev_start(port, o->start_deadline, o->quit);
	if (rc != 0) {
		/* memif answers -1 whatever the cause: no errno to name. */
		snprintf(err, errlen, "port %u would not start%s", port,
			 o->start_deadline ? " before --wait-link ran out" :
			 " (a memif client whose server is not up yet: give "
			 "--wait-link)");
		return rc < 0 ? rc : -EIO;
	}
	/* Virtual ports without the notion answer -ENOTSUP: not an error. */
	(void)rte_eth_promiscuous_enable(port);
	return nb_rxq;
}

int
mg_ports_start(struct rte_mempool *mp, uint16_t nb_txq, uint16_t want_rxq,
	       uint16_t nb_rss, uint16_t *rxq_of, const struct mg_port_opts *o,
	       uint64_t *cksum_ports, char *err, size_t errlen)
{
	uint16_t nb = rte_eth_dev_count_avail();
	uint16_t port;
	int rc;

	if (nb == 0) {
		snprintf(err, errlen, "no DPDK ports: give one with --vdev "
			 "(e.g. --vdev net_ring0) or bind a NIC to a DPDK "
			 "driver");
		return -ENODEV;
	}
	if (nb > MG_MAX_PORTS) {
		snprintf(err, errlen, "%u ports found, at most %u supported",
			 nb, MG_MAX_PORTS);
		return -E2BIG;
	}
	RTE_ETH_FOREACH_DEV(port) {
		rc = port_start(port, mp, nb_txq, port < nb_rss ? want_rxq : 1,
				o, err, errlen);
		if (rc < 0)
			return rc;
		if (o->cksum && tx_cksum_offloads(port) != 0)
			*cksum_ports |= 1ull << port;
		if (port < nb_rss)
			rxq_of[port] = (uint16_t)rc;
	}
	return nb;
}

/* A memif port given `arg` among its device arguments? */
static bool
memif_has(uint16_t port, const char *arg)
{
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;

	if (rte_eth_dev_info_get(port, &info) != 0 ||
	    strcmp(info.driver_name, "net_memif") != 0)
		return false;
	da = rte_dev_devargs(info.device);
	return da != NULL && da->args != NULL && strstr(da->args, arg) != NULL;
}

/* A memif client (role=client) connects only as it starts: one whose
 * server turned it away (it connected while the server was still setting
 * its port up: "ID not found") stays down unless started again. Not a
 * zero-copy one: DPDK 22.11's memif closes the EAL's own memory file
 * descriptors as it stops such a port, and no later start can share the
 * memory again (the server's mmap fails with ENODEV). */
static bool
memif_client(uint16_t port)
{
	return memif_has(port, "role=client") &&
	       !memif_has(port, "zero-copy=yes");
}

bool
mg_ports_share_memory(uint16_t nb_ports)
{
	for (uint16_t p = 0; p < nb_ports; p++)
		if (memif_has(p, "zero-copy=yes"))
			return true;
	return false;
}

static bool
link_up(uint16_t port)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(port, &link) != 0 ||
	       link.link_status == RTE_ETH_LINK_UP;
}

/* Every memif client still down is started again (once a second). */
static void
restart_memif_clients(uint16_t nb_ports, uint64_t deadline,
		      const volatile bool *quit)
{
	for (uint16_t p = 0; p < nb_ports; p++) {
		if (link_up(p) || !memif_client(p))
			continue;
		(void)rte_eth_dev_stop(p);
		(void)dev_start(p, deadline, quit);
	}
}

static unsigned int
links_down(uint16_t nb_ports, bool report)
{
	unsigned int down = 0;
	char name[RTE_ETH_NAME_MAX_LEN];

	for (uint16_t p = 0; p < nb_ports; p++) {
		if (link_up(p))
			continue;
		down++;
		if (report && rte_eth_dev_get_name_by_port(p, name) == 0)
			printf("mediagate-dataplane: port %u (%s) link still "
			       "down\n", p, name);
	}
	return down;
}

unsigned int
mg_ports_wait_link(uint16_t nb_ports, uint32_t timeout_s,
		   const volatile bool *quit)
{
	uint64_t hz = rte_get_timer_hz(), now = rte_get_timer_cycles();
	uint64_t deadline = now + (uint64_t)timeout_s * hz;
	uint64_t restart = now + hz;

	while (links_down(nb_ports, false) != 0 && !*quit &&
	       (now = rte_get_timer_cycles()) < deadline) {
		if (now > restart) {
			restart_memif_clients(nb_ports, deadline, quit);
			restart = rte_get_timer_cycles() + hz;
		}
		rte_delay_us_sleep(10000);
	}
	return links_down(nb_ports, true);
}

void
mg_ports_stop(uint16_t nb_ports)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		if (port >= nb_ports)
			break;
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
}
