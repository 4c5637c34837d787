/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP step of the pipeline: every unprotect of a burst in one engine
 * call per kind (RTP, RTCP), then every protect.
 *
 * A flow whose rx key was replaced (an SDES rekey) keeps the old context
 * as rx_ctx2 while the control plane lets it drain: the party goes on
 * sending under the old key until our answer reaches it, and what it sent
 * before is still on the wire. What the new context refuses is tried
 * again under the old one. The engine has by then written into the packet
 * (the ROC over the tag, a payload decrypted under the wrong key: IPsec-MB
 * chains hash and cipher, and GCM decrypts before the tag is compared),
 * so the packets of such a flow are copied aside before the first try and
 * put back for the second. Only draining flows pay for it.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "pipe_priv.h"

struct srtp_list {
	struct mg_srtp_pkt pk[MG_MAX_BURST];
	uint8_t idx[MG_MAX_BURST];
	uint16_t n;
};

/* What one pass needs beside its list: the packets copied aside (a bit
 * per burst index), and the first context's verdicts on them. */
struct second_try {
	uint64_t stashed;
	uint16_t first[MG_MAX_BURST];
	struct srtp_list again;
};

/* Packet i of the burst as entry j of l, under context c. */
static void
list_put(struct srtp_list *l, uint16_t j, struct burst *b, uint16_t i,
	 struct mg_srtp_ctx *c)
{
	struct rte_mbuf *m = b->mb[i];
	uint32_t cap = b->ps[i].pl_len + rte_pktmbuf_tailroom(m);

	l->pk[j] = (struct mg_srtp_pkt){
		.data = rte_pktmbuf_mtod_offset(m, uint8_t *, b->meta[i].pl_off),
		.len = b->ps[i].pl_len,
		.cap = (uint16_t)(cap > UINT16_MAX ? UINT16_MAX : cap),
		.ctx = c,
	};
	l->idx[j] = (uint8_t)i;
}

static void
list_add(struct srtp_list *l, struct burst *b, uint16_t i,
	 struct mg_srtp_ctx *c)
{
	list_put(l, l->n++, b, i, c);
}

static uint8_t *
stash_of(struct mg_pipe_lcore *pl, uint16_t i)
{
	return pl->stash + (size_t)i * MG_PIPE_STASH;
}

/* A draining flow's packet as it came, if it fits. */
static void
stash(struct mg_pipe_lcore *pl, struct burst *b, uint16_t i,
      struct second_try *t)
{
	uint16_t len = b->ps[i].pl_len;

	if (len > MG_PIPE_STASH)
		return;
	memcpy(stash_of(pl, i),
	       rte_pktmbuf_mtod_offset(b->mb[i], uint8_t *, b->meta[i].pl_off),
	       len);
	t->stashed |= 1ull << i;
}

/*
 * The burst's packets to unprotect (rx) or to protect into rtp and
 * rtcp, under their flow's rx or tx context; with t, a draining flow's
 * packets are stashed first. The counts stay in registers until the
 * end: l->n++ after a byte stored in idx[] would wait on that store for
 * every packet.
 */
static void
lists_fill(struct mg_pipe_lcore *pl, struct burst *b, struct srtp_list *rtp,
	   struct srtp_list *rtcp, bool rx, struct second_try *t)
{
	uint16_t nr = 0, nc = 0;

	for (uint16_t i = 0; i < b->n; i++) {
		struct mg_flow *f = b->ps[i].flow;

		if (f == NULL || !(rx ? flow_unprotects(f) : flow_protects(f)))
			continue;
		if (t != NULL && f->rx_ctx2 != NULL)
			stash(pl, b, i, t);
		if (b->meta[i].cls == MG_PKT_RTCP)
			list_put(rtcp, nc++, b, i, rx ? f->rx_ctx : f->tx_ctx);
		else
			list_put(rtp, nr++, b, i, rx ? f->rx_ctx : f->tx_ctx);
	}
	rtp->n = nr;
	rtcp->n = nc;
}

/* Which verdict a packet both contexts refused is counted under: the old
 * context's, unless the packet is not of the old key either (its tag,
 * MKI or SSRC do not fit it), when the new context's says more. */
static uint16_t
both_refused(uint16_t first, uint16_t second)
{
	if (second == MG_SRTP_E_AUTH || second == MG_SRTP_E_MKI ||
	    second == MG_SRTP_E_SSRC || second == MG_SRTP_E_SSRC_LIMIT)
		return first;
	return second;
}

static void
refuse(struct mg_pipe_lcore *pl, struct burst *b, uint16_t i, uint16_t st)
{
	b->ps[i].flow->c.drop_srtp[st]++;
	pl->st.drop_srtp++;
	b->ps[i].flow = NULL;
}

/* Run one engine burst and take its verdicts back to the packets. With
 * t: the first try of unprotects, whose stashed refusals go to t->again
 * as they came. */
static void
list_run(struct mg_pipe_lcore *pl, struct burst *b, struct srtp_list *l,
	 uint16_t (*fn)(struct IMB_MGR *, struct mg_srtp_pkt *, uint16_t),
	 bool rx, struct second_try *t)
{
	if (l->n == 0)
		return;
	fn(pl->mgr, l->pk, l->n);
	for (uint16_t j = 0; j < l->n; j++) {
		uint16_t i = l->idx[j], st = l->pk[j].status;
		struct mg_flow *f = b->ps[i].flow;

		if (st == MG_SRTP_OK) {
			b->ps[i].pl_len = l->pk[j].len;
			if (rx)
				pipe_latch(f, &b->meta[i]);
		} else if (t != NULL && (t->stashed & (1ull << i))) {
			memcpy(l->pk[j].data, stash_of(pl, i), b->ps[i].pl_len);
			t->first[i] = st;
			list_add(&t->again, b, i, f->rx_ctx2);
		} else {
			refuse(pl, b, i, st);
		}
	}
}

/* The second try, under the draining contexts. */
static void
again_run(struct mg_pipe_lcore *pl, struct burst *b, struct second_try *t,
	  uint16_t (*fn)(struct IMB_MGR *, struct mg_srtp_pkt *, uint16_t))
{
	struct srtp_list *l = &t->again;

	if (l->n == 0)
		return;
	fn(pl->mgr, l->pk, l->n);
	for (uint16_t j = 0; j < l->n; j++) {
		uint16_t i = l->idx[j], st = l->pk[j].status;

		if (st != MG_SRTP_OK) {
			refuse(pl, b, i, both_refused(t->first[i], st));
			continue;
		}
		pl->st.srtp_old_key++;
		b->ps[i].pl_len = l->pk[j].len;
		pipe_latch(b->ps[i].flow, &b->meta[i]);
	}
	l->n = 0;
}

static void
unprotect(struct mg_pipe_lcore *pl, struct burst *b)
{
	struct srtp_list rtp, rtcp;
	struct second_try t;

	if (!(b->need & NEED_UNPROTECT))
		return;
	t.stashed = 0;
	t.again.n = 0;
	lists_fill(pl, b, &rtp, &rtcp, true, &t);
	list_run(pl, b, &rtp, mg_srtp_unprotect_burst, true, &t);
	again_run(pl, b, &t, mg_srtp_unprotect_burst);
	list_run(pl, b, &rtcp, mg_srtcp_unprotect_burst, true, &t);
	again_run(pl, b, &t, mg_srtcp_unprotect_burst);
}

void
pipe_srtp(struct mg_pipe_lcore *pl, struct burst *b)
{
	struct srtp_list rtp, rtcp;

	unprotect(pl, b);
	if (!(b->need & NEED_PROTECT))
		return;
	lists_fill(pl, b, &rtp, &rtcp, false, NULL);
	list_run(pl, b, &rtp, mg_srtp_protect_burst, false, NULL);
	list_run(pl, b, &rtcp, mg_srtcp_protect_burst, false, NULL);
}
