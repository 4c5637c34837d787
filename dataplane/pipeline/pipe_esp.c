/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP in the media pipeline. In: packets of IP protocol 50, and UDP to a
 * flow marked ESP-in-UDP, find their SA in the SA database (one bulk
 * lookup), go to the lcore that runs that SA, are verified and
 * decapsulated in one engine burst, and their inner packets are parsed
 * and looked up again as if they had arrived so, remembering the SA they
 * came through (a flow held to an SA takes nothing else). Out: what a
 * flow sends through an SA is protected in one engine burst after the
 * header rewrite, its Ethernet header put back in front of the result.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "esp_table.h"
#include "pipe_priv.h"
#include "sadb.h"

/* ESP, or ESP-in-UDP to a port that takes it, not yet decapsulated. */
static bool
is_esp(const struct burst *b, uint16_t i)
{
	const struct mg_flow *f = b->ps[i].flow;

	if (b->meta[i].cls == MG_PKT_ESP)
		return true;
	return f != NULL && (f->flags & MG_FLOW_F_ESP_UDP) &&
	       b->meta[i].esp == NULL;
}

/* The engine's view of a frame from offset off (its IP header) on. */
static struct mg_esp_pkt
esp_view(struct rte_mbuf *m, uint16_t off, struct mg_esp_sa *sa)
{
	uint8_t *data = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	uint32_t head = (uint32_t)(data - (uint8_t *)m->buf_addr);

	return (struct mg_esp_pkt){
		.data = data,
		.len = (uint16_t)(rte_pktmbuf_data_len(m) - off),
		.headroom = (uint16_t)(head > UINT16_MAX ? UINT16_MAX : head),
		.tailroom = rte_pktmbuf_tailroom(m),
		.sa = sa,
	};
}

/* The frame is now l2 (l2_len bytes, kept) then the IP packet the engine
 * left at pk->data; its EtherType follows that packet's version. */
static void
reframe(struct rte_mbuf *m, const uint8_t *l2, uint16_t l2_len,
	const struct mg_esp_pkt *pk)
{
	uint8_t *start = pk->data - l2_len;
	uint16_t type = (pk->data[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 :
						   RTE_ETHER_TYPE_IPV4;

	memmove(start, l2, l2_len);
	start[l2_len - 2] = (uint8_t)(type >> 8);
	start[l2_len - 1] = (uint8_t)type;
	m->data_off = (uint16_t)(start - (uint8_t *)m->buf_addr);
	m->data_len = (uint16_t)(l2_len + pk->len);
	m->pkt_len = m->data_len;
}

static void
rx_refused(struct mg_pipe_lcore *pl, struct burst *b, uint16_t i,
	   uint16_t status)
{
	pl->st.drop_esp++;
	if (status == MG_ESP_E_SPI)
		pl->st.esp_no_sa++;
	/* IKE's non-ESP marker on a NAT-T port: the kernel's (an IKE daemon
	 * there would answer); the rest is dropped. */
	b->ps[i].kernel = status == MG_ESP_E_NOT_ESP;
	if (b->ps[i].kernel)
		b->need |= NEED_KERNEL;
	b->ps[i].flow = NULL;
}

/* Found SAs run where they belong: hand the others off; the rest stay
 * in the engine's list, compacted. */
static uint16_t
keep_owned(struct mg_pipe_lcore *pl, struct burst *b, struct mg_esp_pkt *pk,
	   uint8_t *at, uint16_t n)
{
	uint16_t k = 0;

	for (uint16_t j = 0; j < n; j++) {
		if (pk[j].sa == NULL) {
			rx_refused(pl, b, at[j], pk[j].status);
			continue;
		}
		if (pipe_hand_off(pl, b, at[j],
				  mg_esp_owner_hash(pk[j].sa)))
			continue;
		pk[k] = pk[j];
		at[k++] = at[j];
	}
	return k;
}

void
pipe_esp_rx(struct mg_pipe_lcore *pl, struct burst *b)
{
	struct mg_esp_pkt pk[MG_MAX_BURST];
	struct mg_ctl_addr outer[MG_MAX_BURST];
	uint8_t at[MG_MAX_BURST], again[MG_MAX_BURST];
	uint16_t n = 0, k, na = 0;

	if (!(b->need & NEED_ESP_RX))
		return;
	for (uint16_t i = 0; i < b->n; i++) {
		if (b->mb[i] == NULL || !is_esp(b, i))
			continue;
		b->ps[i].flow = NULL;
		b->ps[i].kernel = false;
		pk[n] = esp_view(b->mb[i], b->meta[i].l3_off, NULL);
		outer[i] = b->meta[i].src;
		if (b->meta[i].cls == MG_PKT_ESP)
			outer[i].port = 0;
		at[n++] = (uint8_t)i;
	}
	if (n == 0)
		return;
	mg_sadb_lookup_burst(pl->t->esp.sadb, pk, n);
	k = keep_owned(pl, b, pk, at, n);
	mg_esp_inbound_burst(pl->mgr, pk, k);
	for (uint16_t j = 0; j < k; j++) {
		struct rte_mbuf *m = b->mb[at[j]];

		if (pk[j].status != MG_ESP_OK) {
			rx_refused(pl, b, at[j], pk[j].status);
			continue;
		}
		pl->st.esp_rx++;
		reframe(m, rte_pktmbuf_mtod(m, uint8_t *),
			b->meta[at[j]].l3_off, &pk[j]);
		mg_parse_burst(&m, 1, &b->meta[at[j]]);
		b->meta[at[j]].esp = pk[j].sa;
		b->meta[at[j]].outer = outer[at[j]];
		b->ps[at[j]].pl_len = b->meta[at[j]].pl_len;
		if (b->meta[at[j]].cls <= MG_PKT_OTHER_UDP)
			again[na++] = at[j];
		else
			pl->st.cls[b->meta[at[j]].cls]++;
	}
	pipe_lookup_some(pl, b, again, na);
	/* What came out of a tunnel to no flow is not the kernel's. */
	for (uint16_t j = 0; j < na; j++)
		b->ps[again[j]].kernel = false;
}

/* NAT-T: the outbound SA sends where the packets of its pair came from,
 * once the flow the other way latched them (a NAT rewrote the outer
 * source; the inner one, encrypted, still says what the SDP said). */
static void
follow_nat(struct mg_pipe_lcore *pl, const struct mg_flow *f)
{
	const struct mg_flow *p = __atomic_load_n(&f->peer, __ATOMIC_ACQUIRE);
	const struct mg_ctl_addr *o;

	if (p == NULL || !__atomic_load_n(&p->learned_valid, __ATOMIC_ACQUIRE))
		return;
	o = &p->learned_outer;
	if (o->family == 0)
		return;
	if (mg_esp_sa_set_peer(f->tx_esp, o->family, o->ip, o->port))
		pl->st.esp_nat_moved++;
}

void
pipe_esp_tx(struct mg_pipe_lcore *pl, struct burst *b)
{
	struct mg_esp_pkt pk[MG_MAX_BURST];
	uint8_t l2[MG_MAX_BURST][RTE_ETHER_HDR_LEN];
	uint8_t at[MG_MAX_BURST];
	uint16_t n = 0;

	if (!(b->need & NEED_ESP_TX))
		return;
	for (uint16_t i = 0; i < b->n; i++) {
		struct mg_flow *f = b->ps[i].flow;

		if (f == NULL || f->tx_esp == NULL)
			continue;
		follow_nat(pl, f);
		/* The rewrite made a plain Ethernet header: kept aside, as
		 * the engine writes over it. */
		memcpy(l2[n], rte_pktmbuf_mtod(b->mb[i], uint8_t *),
		       RTE_ETHER_HDR_LEN);
		pk[n] = esp_view(b->mb[i], RTE_ETHER_HDR_LEN, f->tx_esp);
		at[n++] = (uint8_t)i;
	}
	if (n == 0)
		return;
	mg_esp_outbound_burst(pl->mgr, pk, n);
	for (uint16_t j = 0; j < n; j++) {
		uint16_t i = at[j];

		if (pk[j].status != MG_ESP_OK) {
			b->ps[i].flow->c.drop_esp++;
			pl->st.drop_esp++;
			b->ps[i].flow = NULL;
			continue;
		}
		pl->st.esp_tx++;
		reframe(b->mb[i], l2[j], RTE_ETHER_HDR_LEN, &pk[j]);
	}
}
