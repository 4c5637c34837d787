/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>

#include <rte_ethdev.h>

#include "stats.h"

/* A port's counters: its stream and those of its other rx queues. */
static void
load(const struct mg_fwd_stream *fs, struct mg_fwd_stats *out)
{
	*out = (struct mg_fwd_stats){ 0 };
	for (; fs != NULL; fs = fs->more) {
		const struct mg_fwd_stats *s = &fs->st;

		out->rx_pkts += __atomic_load_n(&s->rx_pkts, __ATOMIC_RELAXED);
		out->rx_bytes += __atomic_load_n(&s->rx_bytes, __ATOMIC_RELAXED);
		out->tx_pkts += __atomic_load_n(&s->tx_pkts, __ATOMIC_RELAXED);
		out->tx_drop += __atomic_load_n(&s->tx_drop, __ATOMIC_RELAXED);
	}
}

void
mg_stats_sum(const struct mg_fwd_stream *streams, uint16_t nb,
	     struct mg_fwd_stats *tot)
{
	struct mg_fwd_stats s;

	*tot = (struct mg_fwd_stats){ 0 };
	for (uint16_t i = 0; i < nb; i++) {
		load(&streams[i], &s);
		tot->rx_pkts += s.rx_pkts;
		tot->rx_bytes += s.rx_bytes;
		tot->tx_pkts += s.tx_pkts;
		tot->tx_drop += s.tx_drop;
	}
}

static void
port_name(uint16_t port, char *name, size_t len)
{
	if (rte_eth_dev_get_name_by_port(port, name) != 0)
		snprintf(name, len, "port%u", port);
}

void
mg_stats_print_rates(const struct mg_fwd_stream *streams, uint16_t nb,
		     struct mg_fwd_stats *prev, double secs)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct mg_fwd_stats s;

	for (uint16_t i = 0; i < nb; i++) {
		load(&streams[i], &s);
		port_name(streams[i].rx_port, name, sizeof(name));
		printf("port %u (%s) -> port %u: rx %" PRIu64 " pkts "
		       "(%.3f Mpps, %.1f Mbit/s), tx %" PRIu64 ", tx_drop %"
		       PRIu64 "\n", streams[i].rx_port, name,
		       streams[i].tx_port, s.rx_pkts,
		       (double)(s.rx_pkts - prev[i].rx_pkts) / secs / 1e6,
		       (double)(s.rx_bytes - prev[i].rx_bytes) * 8 / secs / 1e6,
		       s.tx_pkts, s.tx_drop);
		prev[i] = s;
	}
}

void
mg_stats_print_final(const struct mg_fwd_stream *streams, uint16_t nb,
		     const struct mg_dp_ctl_stats *ctl)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_stats es;
	struct mg_fwd_stats s;

	for (uint16_t i = 0; i < nb; i++) {
		load(&streams[i], &s);
		port_name(streams[i].rx_port, name, sizeof(name));
		if (rte_eth_stats_get(streams[i].rx_port, &es) != 0)
			es = (struct rte_eth_stats){ 0 };
		printf("mg-stats port=%u name=%s tx_port=%u rx_pkts=%" PRIu64
		       " rx_bytes=%" PRIu64 " tx_pkts=%" PRIu64 " tx_drop=%"
		       PRIu64 " imissed=%" PRIu64 " rx_nombuf=%" PRIu64 "\n",
		       streams[i].rx_port, name, streams[i].tx_port, s.rx_pkts,
		       s.rx_bytes, s.tx_pkts, s.tx_drop, es.imissed,
		       es.rx_nombuf);
	}
	printf("mg-stats ctl requests=%" PRIu64 " acks=%" PRIu64 " bad_type=%"
	       PRIu64 " bad_len=%" PRIu64 " backpressure=%" PRIu64 " events=%" PRIu64
	       "\n",
	       ctl->requests, ctl->acks, ctl->bad_type, ctl->bad_len,
	       ctl->backpressure, ctl->events);
}
