/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ring.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "arp.h"
#include "pipe.h"
#include "pipe_priv.h"

int
mg_pipe_lcore_init(struct mg_pipe_lcore *pl, unsigned int lcore_id,
		   uint16_t txq, uint16_t nb_ports, struct mg_tables *t)
{
	memset(pl, 0, sizeof(*pl));
	pl->lcore_id = lcore_id;
	pl->txq = txq;
	pl->nb_ports = nb_ports;
	pl->t = t;
	pl->mgr = alloc_mb_mgr(0);
	if (pl->mgr == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(pl->mgr, NULL);
	pl->stash = aligned_alloc(64, MG_MAX_BURST * MG_PIPE_STASH);
	if (pl->stash == NULL) {
		mg_pipe_lcore_fini(pl);
		return -ENOMEM;
	}
	return 0;
}

void
mg_pipe_lcore_fini(struct mg_pipe_lcore *pl)
{
	if (pl->mgr != NULL)
		free_mb_mgr(pl->mgr);
	pl->mgr = NULL;
	free(pl->stash);
	pl->stash = NULL;
}

static bool
addr_eq(const struct mg_ctl_addr *a, const struct mg_ctl_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

/* Who may send on this flow: a strict flow takes only its latched or
 * configured remote; others take anyone (latching learns the first). */
static bool
source_ok(const struct mg_flow *f, const struct mg_ctl_addr *src)
{
	if (!(f->flags & MG_FLOW_F_STRICT))
		return true;
	if (__atomic_load_n(&f->learned_valid, __ATOMIC_ACQUIRE))
		return addr_eq(&f->learned, src);
	return f->remote.family == 0 || addr_eq(&f->remote, src);
}

/* Not UDP (ARP, ICMP, ND), or IP fragments: the kernel's. */
static bool
kernels(uint8_t cls)
{
	return cls == MG_PKT_NOT_IP || cls == MG_PKT_NOT_UDP ||
	       cls == MG_PKT_FRAGMENT;
}

/*
 * The flows of packets at[0..k): one bulk lookup. To no flow: the
 * kernel's (SIP, DNS, anything to an address that is not a call's). A
 * packet to the same address as the one before it takes that one's
 * answer: a busy stream's packets come in runs (a trunk, a port that
 * batches), and its lookup is the cost of a whole run, not of each
 * packet. A compare is all it costs when they do not.
 */
void
pipe_lookup_some(struct mg_pipe_lcore *pl, struct burst *b,
		 const uint8_t *at, uint16_t k)
{
	const void *keys[MG_MAX_BURST];
	void *data[MG_MAX_BURST];
	hash_sig_t sig[MG_MAX_BURST];
	uint8_t u[MG_MAX_BURST];
	const struct mg_flow_key *prev = NULL;
	uint64_t hits = 0;
	uint16_t m = 0;
	uint8_t need = 0; /* kept apart: b->need would wait on each store */

	if (k == 0)
		return;
	for (uint16_t j = 0; j < k; j++) {
		const struct mg_flow_key *key = &b->meta[at[j]].key;

		if (prev == NULL || !mg_flow_key_eq(key, prev)) {
			keys[m] = key;
			sig[m++] = mg_flow_key_hash(key);
			prev = key;
		}
		u[j] = (uint8_t)(m - 1);
	}
	rte_hash_lookup_with_hash_bulk_data(pl->t->hash, keys, sig, m, &hits,
					    data);
	for (uint16_t j = 0; j < k; j++) {
		struct mg_flow *f = data[u[j]];
		uint16_t i = at[j];
		uint8_t cls = b->meta[i].cls;

		if (!(hits & (1ull << u[j]))) {
			pl->st.no_flow++;
			b->ps[i].kernel = true;
			need |= NEED_KERNEL;
		} else if (cls > MG_PKT_RTCP &&
			   !(f->flags & (MG_FLOW_F_ESP_UDP | MG_FLOW_F_ANY_UDP))) {
			pl->st.cls[cls]++;
		} else {
			if (f->flags & MG_FLOW_F_ESP_UDP)
				need |= NEED_ESP_RX;
			/* What its packets read and write: the first line,
			 * the headers they leave with, the counters. */
			if (j == 0 || u[j] != u[j - 1]) {
				rte_prefetch0(f);
				rte_prefetch0(&f->out_hdr);
				rte_prefetch0(&f->c);
			}
			b->ps[i].flow = f;
		}
	}
	b->need |= need;
}

/*
 * Every UDP packet is looked up. To a flow: RTP and RTCP go on (and
 * anything to an ESP-in-UDP port, for the ESP step, or to a flow of a
 * transport that is not RTP, relayed as it is); what else reaches a
 * media port (STUN, DTLS, other first bytes: we do not speak ICE or
 * DTLS-SRTP yet) is counted by class and dropped. ESP goes to its step.
 */
static void
lookup(struct mg_pipe_lcore *pl, struct burst *b)
{
	uint8_t at[MG_MAX_BURST], need = 0;
	uint16_t k = 0;

	for (uint16_t i = 0; i < b->n; i++) {
		uint8_t cls = b->meta[i].cls;

		b->ps[i].flow = NULL;
		b->ps[i].pl_len = b->meta[i].pl_len;
		b->ps[i].kernel = kernels(cls);
		b->ps[i].gone = false;
		if (cls > MG_PKT_OTHER_UDP) {
			pl->st.cls[cls]++;
			need |= (b->ps[i].kernel ? NEED_KERNEL : 0) |
				(cls == MG_PKT_ESP ? NEED_ESP_RX : 0);
			continue;
		}
		at[k++] = (uint8_t)i;
	}
	b->need = need;
	pipe_lookup_some(pl, b, at, k);
}

/* Hand a flow held to an SA to the lcore that runs the SA; count what
 * came in on each flow; refuse what did not come through its SA, or
 * what its source or action refuses; latch plain flows (SRTP ones latch
 * once authenticated). */
static void
admit(struct mg_pipe_lcore *pl, struct burst *b)
{
	struct flow_run run = { .pkts = NULL };
	uint8_t need = 0;

	for (uint16_t i = 0; i < b->n; i++) {
		struct mg_flow *f = b->ps[i].flow;

		if (f == NULL)
			continue;
		/* A flow sending through an SA runs on the SA's lcore. */
		if (f->tx_esp && !f->rx_esp &&
		    pipe_hand_off(pl, b, i, f->esp_owner))
			continue;
		run_add(&run, &f->c.rx_pkts, &f->c.rx_bytes,
			b->meta[i].pl_len);
		if (b->meta[i].esp != f->rx_esp &&
		    (b->meta[i].esp == NULL || b->meta[i].esp != f->rx_esp2)) {
			/* Not through the SA the flow takes (plain to an ESP
			 * flow, or through another SA): refused. */
			f->c.drop_esp++;
			pl->st.drop_esp++;
			pl->st.esp_not_through++;
			b->ps[i].flow = NULL;
		} else if (!source_ok(f, &b->meta[i].src)) {
			f->c.drop_source++;
			pl->st.drop_source++;
			b->ps[i].flow = NULL;
		} else if (f->action == MG_FLOW_DROP) {
			pl->st.drop_action++;
			b->ps[i].flow = NULL;
		} else if (f->rx_ctx == NULL) {
			pipe_latch(f, &b->meta[i]);
			if (f->tx_ctx != NULL)
				mg_srtp_ctx_prefetch(f->tx_ctx);
		} else {
			mg_srtp_ctx_prefetch(f->rx_ctx);
			if (f->tx_ctx != NULL)
				mg_srtp_ctx_prefetch(f->tx_ctx);
		}
		if (b->ps[i].flow == NULL)
			continue;
		need |= flow_needs(f);
		/* What rewrite's latched_dst reads of the other leg, cold
		 * with many calls (its packets go the other way). */
		if (f->peer != NULL)
			rte_prefetch0(&f->peer->learned_valid);
	}
	run_end(&run);
	b->need |= need;
}

/* Where the other leg is, if not where we were told: what its flow
 * latched (NULL: the flow's headers already say). */
static const struct mg_ctl_addr *
latched_dst(const struct mg_flow *f)
{
	const struct mg_flow *p = __atomic_load_n(&f->peer, __ATOMIC_ACQUIRE);

	if (p != NULL && __atomic_load_n(&p->learned_valid, __ATOMIC_ACQUIRE) &&
	    p->learned.family == f->out_family)
		return &p->learned;
	return NULL;
}

/*
 * The flow's headers for the other leg, right in front of the payload
 * (the address family may change, so their length may too), with the
 * checksums left to the port if it computes them (not for what an SA
 * will carry: the NIC would see ESP). Returns false without headroom.
 */
static bool
rewrite(struct mg_pipe_lcore *pl, struct rte_mbuf *m,
	const struct mg_pkt_meta *meta, const struct mg_flow *f,
	uint16_t pl_len)
{
	uint16_t hl = f->out_hdr.len;
	uint32_t start = (uint32_t)m->data_off + meta->pl_off;
	bool nic = f->out_port < 64 && (pl->tx_cksum >> f->out_port & 1) &&
		   f->tx_esp == NULL;

	if (start < hl)
		return false;
	m->data_off = (uint16_t)(start - hl);
	m->data_len = (uint16_t)(hl + pl_len);
	m->pkt_len = m->data_len;
	mg_out_hdr_put(&f->out_hdr, rte_pktmbuf_mtod_offset(m, uint8_t *, hl),
		       pl_len, latched_dst(f), meta->tos, nic);
	if (nic) {
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = (uint64_t)(hl - RTE_ETHER_HDR_LEN - 8);
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM |
			       (f->out_family == 4 ?
				RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM :
				RTE_MBUF_F_TX_IPV6);
		pl->st.tx_cksum_nic++;
	}
	return true;
}

/* Send k packets of flows of[], of len[] bytes, on port; what a full
 * queue leaves is freed and counted on its flow. */
static uint16_t
tx_port(struct mg_pipe_lcore *pl, uint16_t port, struct rte_mbuf **out,
	struct mg_flow **of, const uint32_t *len, uint16_t k)
{
	uint16_t sent = port < pl->nb_ports ?
			rte_eth_tx_burst(port, pl->txq, out, k) : 0;
	struct flow_run run = { .pkts = NULL };
	uint64_t bytes = 0;

	/* What was sent is the PMD's now (the other end of a ring may
	 * already have freed it): its lengths were read before. */
	for (uint16_t j = 0; j < sent; j++) {
		run_add(&run, &of[j]->c.tx_pkts, &of[j]->c.tx_bytes, len[j]);
		bytes += len[j];
	}
	run_end(&run);
	for (uint16_t j = sent; j < k; j++) {
		of[j]->c.drop_tx++;
		rte_pktmbuf_free(out[j]);
	}
	pl->st.tx_bytes += bytes;
	pl->st.tx_pkts += sent;
	pl->st.drop_tx += (uint64_t)(k - sent);
	return sent;
}

/* Gather the packets at[0..n) of the burst that go out of port into
 * out/of/len, the others back into at[]; returns how many went in. */
static uint16_t
gather(struct burst *b, uint16_t port, uint8_t *at, uint16_t *n,
       struct rte_mbuf **out, struct mg_flow **of, uint32_t *len)
{
	uint16_t k = 0, left = 0;

	for (uint16_t j = 0; j < *n; j++) {
		struct mg_flow *f = b->ps[at[j]].flow;

		if (f->out_port != port) {
			at[left++] = at[j];
			continue;
		}
		of[k] = f;
		out[k] = b->mb[at[j]];
		len[k] = rte_pktmbuf_pkt_len(out[k]);
		k++;
	}
	*n = left;
	return k;
}

/* Out: one tx burst per port, all in one pass when they go out of the
 * first one's port (the usual case; the others go round again); what
 * was dropped on the way is freed in bulk. */
static uint16_t
tx_out(struct mg_pipe_lcore *pl, struct burst *b)
{
	struct rte_mbuf *out[MG_MAX_BURST], *gone[MG_MAX_BURST];
	struct mg_flow *of[MG_MAX_BURST];
	uint32_t len[MG_MAX_BURST];
	uint8_t at[MG_MAX_BURST];
	uint16_t n = 0, ng = 0, k = 0, total = 0, port = UINT16_MAX;

	for (uint16_t i = 0; i < b->n; i++) {
		struct mg_flow *f = b->ps[i].flow;

		if (b->mb[i] == NULL)
			continue;
		if (f == NULL) {
			gone[ng++] = b->mb[i];
			continue;
		}
		if (port == UINT16_MAX)
			port = f->out_port;
		if (f->out_port != port) {
			at[n++] = (uint8_t)i;
			continue;
		}
		of[k] = f;
		out[k] = b->mb[i];
		len[k] = rte_pktmbuf_pkt_len(out[k]);
		k++;
	}
	if (ng != 0)
		rte_pktmbuf_free_bulk(gone, ng);
	if (k != 0)
		total += tx_port(pl, port, out, of, len, k);
	while (n != 0) {
		port = b->ps[at[0]].flow->out_port;
		k = gather(b, port, at, &n, out, of, len);
		total += tx_port(pl, port, out, of, len, k);
	}
	return total;
}

/* Hand the kernel what is its, as it came (headers untouched); ARP for
 * our own addresses is answered here first. */
static void
to_kernel(struct mg_pipe_lcore *pl, struct burst *b, uint16_t port,
	  uint16_t tap)
{
	struct rte_mbuf *k[MG_MAX_BURST];
	uint16_t n = 0, sent = 0, left = 0;

	if (!(b->need & NEED_KERNEL))
		return;
	for (uint16_t i = 0; i < b->n; i++)
		if (b->ps[i].kernel) {
			k[n++] = b->mb[i];
			b->mb[i] = NULL;
		}
	if (n == 0)
		return;
	if (pl->arp != NULL && (left = mg_arp_answer(pl->arp, port, pl->txq,
						     k, n, &pl->st.drop_tx)) != 0) {
		pl->st.arp_replies += left;
		left = 0;
		for (uint16_t i = 0; i < n; i++)
			if (k[i] != NULL)
				k[left++] = k[i];
		n = left;
	}
	if (tap != UINT16_MAX)
		sent = rte_eth_tx_burst(tap, pl->txq, k, n);
	pl->st.to_kernel += sent;
	if (tap != UINT16_MAX)
		pl->st.drop_kernel += n - sent;
	if (sent < n)
		rte_pktmbuf_free_bulk(&k[sent], n - sent);
}

void
mg_pipe_from_kernel(struct mg_pipe_lcore *pl, uint16_t tap, uint16_t port)
{
	struct rte_mbuf *mb[MG_MAX_BURST];
	uint16_t n = rte_eth_rx_burst(tap, 0, mb, MG_MAX_BURST), sent;

	if (n == 0)
		return;
	sent = rte_eth_tx_burst(port, pl->txq, mb, n);
	pl->st.from_kernel += sent;
	pl->st.drop_kernel += n - sent;
	if (sent < n)
		rte_pktmbuf_free_bulk(&mb[sent], n - sent);
}

bool
pipe_hand_off(struct mg_pipe_lcore *pl, struct burst *b, uint16_t i,
	      uint32_t owner_hash)
{
	uint16_t w;

	if (pl->nb_workers <= 1)
		return false;
	w = (uint16_t)(owner_hash % pl->nb_workers);
	if (w == pl->worker)
		return false;
	if (rte_ring_enqueue(pl->inboxes[w], b->mb[i]) == 0) {
		pl->st.handed_off++;
	} else {
		pl->st.drop_handoff++;
		rte_pktmbuf_free(b->mb[i]);
	}
	b->mb[i] = NULL;
	b->ps[i].flow = NULL;
	b->ps[i].kernel = false;
	b->ps[i].gone = true;
	return true;
}

/*
 * The distribution stage, for a port whose packets all arrive on one rx
 * queue while several workers run: a flow belongs to the worker its key
 * hashes to (as RSS would pick), so its SRTP contexts stay on one lcore.
 * Packets of other workers' flows go to their inbox rings, parsed again
 * there; the rest stay in this burst. What is not UDP stays here, with the
 * port's TAP.
 */
static void
distribute(struct mg_pipe_lcore *pl, struct burst *b)
{
	uint16_t keep = 0;

	for (uint16_t i = 0; i < b->n; i++) {
		uint32_t w;

		if (b->meta[i].cls > MG_PKT_OTHER_UDP)
			w = pl->worker;
		else
			w = mg_pipe_owner(&b->meta[i].key, pl->nb_workers);
		if (w != pl->worker) {
			if (rte_ring_enqueue(pl->inboxes[w], b->mb[i]) == 0) {
				pl->st.handed_off++;
			} else {
				pl->st.drop_handoff++;
				rte_pktmbuf_free(b->mb[i]);
			}
			continue;
		}
		b->mb[keep] = b->mb[i];
		b->meta[keep++] = b->meta[i];
	}
	b->n = keep;
}

/* The burst after rx and parse: (hand off), look up, act, rewrite, send. */
static uint16_t
process(struct mg_pipe_lcore *pl, struct burst *b, uint16_t port,
	uint16_t tap, bool spread, uint16_t *sent)
{
	if (spread)
		distribute(pl, b);
	lookup(pl, b);
	pipe_esp_rx(pl, b);
	admit(pl, b);
	pipe_srtp(pl, b);
	to_kernel(pl, b, port, tap);
	for (uint16_t i = 0; i < b->n; i++) {
		if (b->mb[i] == NULL || b->ps[i].flow == NULL)
			continue;
		if (!rewrite(pl, b->mb[i], &b->meta[i], b->ps[i].flow,
			     b->ps[i].pl_len)) {
			pl->st.drop_room++;
			b->ps[i].flow = NULL;
		}
	}
	pipe_esp_tx(pl, b);
	*sent = tx_out(pl, b);
	return b->n;
}

uint16_t
mg_pipe_owner(const struct mg_flow_key *k, uint16_t nb_workers)
{
	return (uint16_t)(mg_flow_key_hash(k) % nb_workers);
}

uint16_t
mg_pipe_inbox(struct mg_pipe_lcore *pl, uint16_t *sent)
{
	struct burst b;

	*sent = 0;
	if (pl->inbox == NULL)
		return 0;
	b.n = (uint16_t)rte_ring_sc_dequeue_burst(pl->inbox, (void **)b.mb,
						  MG_MAX_BURST, NULL);
	if (b.n == 0)
		return 0;
	pl->st.from_peers += b.n;
	mg_parse_burst(b.mb, b.n, b.meta);
	return process(pl, &b, UINT16_MAX, UINT16_MAX, false, sent);
}

uint16_t
mg_pipe_burst(struct mg_pipe_lcore *pl, uint16_t port, uint16_t queue,
	      uint16_t tap, bool spread, uint16_t *sent)
{
	struct burst b;
	uint16_t n;

	*sent = 0;
	b.n = rte_eth_rx_burst(port, queue, b.mb, MG_MAX_BURST);
	/* Some PMDs give at most 32 a call (memif): a port that is that
	 * busy is asked again, for one burst through the engines. */
	if (b.n >= MG_MAX_BURST / 2 && b.n < MG_MAX_BURST)
		b.n += rte_eth_rx_burst(port, queue, b.mb + b.n,
					MG_MAX_BURST - b.n);
	if (b.n == 0)
		return 0;
	n = b.n;
	pl->st.rx_pkts += b.n;
	pl->st.rx_bytes += mg_parse_burst(b.mb, b.n, b.meta);
	process(pl, &b, port, tap, spread && pl->nb_workers > 1, sent);
	return n;
}
