/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop: one rx burst per stream, straight to its pair's tx.
 * The media actions (classify, look up, crypto, rewrite) slot in between
 * rx and tx as burst steps.
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp.h"

volatile bool mg_dp_quit;

static inline void
fwd_stream(struct mg_fwd_stream *s)
{
	struct rte_mbuf *mb[MG_MAX_BURST];
	uint64_t bytes = 0;
	uint16_t n, sent, i;

	n = rte_eth_rx_burst(s->rx_port, 0, mb, MG_MAX_BURST);
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(mb[i]);
	sent = rte_eth_tx_burst(s->tx_port, 0, mb, n);
	if (unlikely(sent < n))
		rte_pktmbuf_free_bulk(&mb[sent], n - sent);
	/* Relaxed stores: the main lcore reads these for printing only. */
	__atomic_store_n(&s->st.rx_pkts, s->st.rx_pkts + n, __ATOMIC_RELAXED);
	__atomic_store_n(&s->st.rx_bytes, s->st.rx_bytes + bytes,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&s->st.tx_pkts, s->st.tx_pkts + sent, __ATOMIC_RELAXED);
	__atomic_store_n(&s->st.tx_drop, s->st.tx_drop + (n - sent),
			 __ATOMIC_RELAXED);
}

void
mg_fwd_poll(struct mg_lcore *lc)
{
	if (lc->pipe != NULL) {
		mg_media_poll(lc);
		return;
	}
	for (uint16_t i = 0; i < lc->nb_streams; i++)
		fwd_stream(lc->streams[i]);
}

int
mg_fwd_lcore_main(void *arg)
{
	struct mg_lcore *lc = arg;

	if (lc->pipe != NULL)
		mg_media_lcore_online(lc);
	while (!__atomic_load_n(&mg_dp_quit, __ATOMIC_RELAXED))
		mg_fwd_poll(lc);
	if (lc->pipe != NULL)
		mg_media_lcore_offline(lc);
	return 0;
}
