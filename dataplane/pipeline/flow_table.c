/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table and the SRTP contexts waiting for a flow, as the control
 * ring changes them (main lcore). Contexts are installed first (SRTP_ADD,
 * by id), then a flow takes the ones it names (FLOW_ADD) and owns them:
 * they are wiped with the flow, after the RCU grace period that frees it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "flow.h"
#include "srtp/srtp_arena.h"

void
mg_flow_key_of(const struct mg_ctl_addr *a, struct mg_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	k->port = a->port;
	memcpy(k->ip, a->ip, a->family == 4 ? 4 : 16);
}

/* For a 24-byte key rte_hash would call memcmp. 0: equal. */
static int
key_cmp(const void *a, const void *b, size_t len __rte_unused)
{
	return !mg_flow_key_eq(a, b);
}

enum { KEEP_RX = 1, KEEP_TX = 2, KEEP_RX2 = 4 };

/* A flow and the contexts it owns, unless `keep` says a replacing flow
 * took them over. */
static void
flow_free(struct mg_tables *t, struct mg_flow *f, uint32_t keep)
{
	if (!(keep & KEEP_RX))
		mg_srtp_ctx_destroy(f->rx_ctx);
	if (!(keep & KEEP_TX))
		mg_srtp_ctx_destroy(f->tx_ctx);
	if (!(keep & KEEP_RX2))
		mg_srtp_ctx_destroy(f->rx_ctx2);
	srtp_secret_free(f, sizeof(*f));
	t->freed++;
}

/* What waits out a grace period: the flow and its hash key slot (the
 * hash keeps a deleted key's slot until told, so a reader mid-lookup
 * never sees it reused; -1: the key stays, a replacing flow has it). */
struct deferred {
	int32_t pos;
	uint32_t keep;
	struct mg_flow *f;
};

/* After the grace period: no worker can still hold them. */
static void
deferred_free(void *arg, void *e, unsigned int n)
{
	struct mg_tables *t = arg;
	struct deferred *d = e;

	for (unsigned int i = 0; i < n; i++) {
		if (d[i].pos >= 0)
			rte_hash_free_key_with_position(t->hash, d[i].pos);
		flow_free(t, d[i].f, d[i].keep);
	}
}

int
mg_tables_create(struct mg_tables *t, uint32_t max_flows,
		 unsigned int max_readers, char *err, size_t errlen)
{
	struct rte_hash_parameters hp = {
		.name = "mg_flows",
		.entries = max_flows < 8 ? 8 : max_flows,
		.key_len = sizeof(struct mg_flow_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_NO_FREE_ON_DEL,
	};
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = "mg_flow_dq",
		.size = max_flows < 8 ? 8 : max_flows,
		.esize = sizeof(struct deferred),
		.trigger_reclaim_limit = 32,
		.max_reclaim_size = 256,
		.free_fn = deferred_free,
		.p = t,
	};
	size_t sz = rte_rcu_qsbr_get_memsize(max_readers);
	/* Names are global in EAL: one process may hold several tables (the
	 * benchmark gives each lcore its own). */
	static unsigned int serial;
	unsigned int n = __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED);
	char hname[32], dname[32];

	snprintf(hname, sizeof(hname), "mg_flows%u", n);
	snprintf(dname, sizeof(dname), "mg_flow_dq%u", n);
	hp.name = hname;
	dp.name = dname;
	memset(t, 0, sizeof(*t));
	t->max_flows = max_flows;
	t->max_ctx = 2 * max_flows;
	t->flow_by_id = calloc(max_flows + 1u, sizeof(*t->flow_by_id));
	t->ctx_by_id = calloc(t->max_ctx + 1u, sizeof(*t->ctx_by_id));
	t->ctx_owner = calloc(t->max_ctx + 1u, sizeof(*t->ctx_owner));
	t->rcu = rte_zmalloc("mg_rcu", sz, RTE_CACHE_LINE_SIZE);
	t->mgr = alloc_mb_mgr(0);
	if (!t->flow_by_id || !t->ctx_by_id || !t->ctx_owner || !t->rcu ||
	    !t->mgr) {
		snprintf(err, errlen, "flow table: out of memory for %u flows",
			 max_flows);
		return -ENOMEM;
	}
	init_mb_mgr_auto(t->mgr, NULL);
	rte_rcu_qsbr_init(t->rcu, max_readers);
	t->hash = rte_hash_create(&hp);
	dp.v = t->rcu;
	t->dq = rte_rcu_qsbr_dq_create(&dp);
	if (t->hash == NULL || t->dq == NULL) {
		snprintf(err, errlen, "flow table: cannot make a hash of %u "
			 "entries: %s (give EAL more memory with -m)",
			 max_flows, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rte_hash_set_cmp_func(t->hash, key_cmp);
	return mg_esp_table_init(&t->esp, t->max_ctx, t->rcu, err, errlen);
}

/* Workers have stopped and gone offline: every deferred flow can go. */
void
mg_tables_destroy(struct mg_tables *t)
{
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_delete(t->dq); /* frees what it holds */
	mg_esp_table_fini(&t->esp);
	for (uint32_t i = 1; i <= t->max_flows && t->flow_by_id; i++)
		if (t->flow_by_id[i] != NULL)
			flow_free(t, t->flow_by_id[i], 0);
	for (uint32_t i = 1; i <= t->max_ctx && t->ctx_by_id; i++)
		mg_srtp_ctx_destroy(t->ctx_by_id[i]);
	rte_hash_free(t->hash);
	rte_free(t->rcu);
	if (t->mgr)
		free_mb_mgr(t->mgr);
	free(t->flow_by_id);
	free(t->ctx_by_id);
	free(t->ctx_owner);
	memset(t, 0, sizeof(*t));
}

void
mg_tables_reclaim(struct mg_tables *t)
{
	unsigned int pending = 0;

	/* Enqueueing reclaims in batches; this makes the flows deleted in a
	 * quiet period go too. Between polls of the ring: only when some
	 * wait. */
	if (t->dq_waiting != 0) {
		(void)rte_rcu_qsbr_dq_reclaim(t->dq, 256, NULL, &pending, NULL);
		t->dq_waiting = pending;
	}
	mg_esp_table_reclaim(&t->esp);
}

static mg_ctl_status_t
srtp_add(struct mg_tables *t, const struct mg_ctl_msg *req)
{
	const struct mg_ctl_srtp_add *a = &req->u.srtp_add;
	uint32_t id = a->id;
	int rc;

	if (req->h.len != sizeof(*a) || id == 0)
		return EINVAL;
	if (id > t->max_ctx)
		return ENOSPC;
	if (t->ctx_by_id[id] != NULL || t->ctx_owner[id] != 0)
		return EEXIST;
	/* One context, one flow, one lcore: no sharing to get wrong. */
	rc = mg_srtp_ctx_create(t->mgr, &a->policy, &t->ctx_by_id[id]);
	if (rc != 0)
		return -rc == ENOTSUP ? EINVAL : -rc;
	t->nb_ctx++;
	return 0;
}

static mg_ctl_status_t
srtp_del(struct mg_tables *t, const struct mg_ctl_msg *req)
{
	uint32_t id = req->u.id.id;

	if (req->h.len != sizeof(req->u.id) || id == 0 || id > t->max_ctx)
		return EINVAL;
	if (t->ctx_owner[id] != 0)
		return EBUSY;
	if (t->ctx_by_id[id] == NULL)
		return ENOENT;
	/* Unowned: no flow, so no worker, can hold it. */
	mg_srtp_ctx_destroy(t->ctx_by_id[id]);
	t->ctx_by_id[id] = NULL;
	t->nb_ctx--;
	return 0;
}

static bool
addr_ok(const struct mg_ctl_addr *a, bool may_be_unset)
{
	if (a->family == 0)
		return may_be_unset;
	return (a->family == 4 || a->family == 6) && a->port != 0;
}

/* Let go of the SAs a flow held (at its unlinking: see
 * mg_esp_table_release for why not later). */
static void
flow_release_esp(struct mg_tables *t, struct mg_flow *f)
{
	mg_esp_table_release(&t->esp, f->rx_esp_id);
	mg_esp_table_release(&t->esp, f->tx_esp_id);
	mg_esp_table_release(&t->esp, f->rx_esp2_id);
	f->rx_esp_id = f->tx_esp_id = f->rx_esp2_id = 0;
}

/* What an action needs: the contexts it names and nothing else (a
 * second one to unprotect with only beside a first), each once. */
static bool
flow_shape_ok(const struct mg_ctl_flow *f)
{
	bool rx = f->rx_ctx != 0, tx = f->tx_ctx != 0;

	if ((f->rx_ctx2 && (!rx || f->rx_ctx2 == f->rx_ctx ||
			    f->rx_ctx2 == f->tx_ctx)) ||
	    (rx && f->rx_ctx == f->tx_ctx))
		return false;

	if (f->action == 0 || f->action >= MG_FLOW_ACTION_MAX ||
	    (f->flags & ~(MG_FLOW_F_LATCH | MG_FLOW_F_RTCP | MG_FLOW_F_STRICT |
			  MG_FLOW_F_ESP_UDP | MG_FLOW_F_ANY_UDP)))
		return false;
	/* A payload that is not RTP has no SRTP to undo or apply. */
	if ((f->flags & MG_FLOW_F_ANY_UDP) && f->action != MG_FLOW_RELAY &&
	    f->action != MG_FLOW_DROP)
		return false;
	if (!addr_ok(&f->local, false) || !addr_ok(&f->remote, true))
		return false;
	if (f->action == MG_FLOW_DROP)
		return !rx && !tx;
	if (!addr_ok(&f->out_src, false) || !addr_ok(&f->out_dst, false) ||
	    f->out_src.family != f->out_dst.family)
		return false;
	switch (f->action) {
	case MG_FLOW_RELAY: return !rx && !tx;
	case MG_FLOW_SRTP_TO_RTP: return rx && !tx;
	case MG_FLOW_RTP_TO_SRTP: return !rx && tx;
	default: return rx && tx;
	}
}

/* A context id a new flow may take: installed and held by no flow. */
static mg_ctl_status_t
ctx_takeable(const struct mg_tables *t, uint32_t id)
{
	if (id == 0)
		return 0;
	if (id > t->max_ctx)
		return ENOENT;
	if (t->ctx_owner[id])
		return EBUSY;
	return t->ctx_by_id[id] ? 0 : ENOENT;
}

static struct mg_flow *
flow_make(struct mg_tables *t, const struct mg_ctl_flow *m)
{
	/* From the SRTP engine's arena: 2 MiB pages and a free list, so a
	 * restarted dataplane taking every call at once does not fault the
	 * heap in page by page (and no key-holding neighbour is dumped). */
	struct mg_flow *f = srtp_secret_alloc(sizeof(*f));

	if (f == NULL)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->id = m->id;
	f->action = m->action;
	f->flags = m->flags;
	f->out_port = m->out_port;
	f->out_family = m->out_dst.family;
	if (m->action != MG_FLOW_DROP)
		mg_out_hdr_init(&f->out_hdr, m->out_src_mac, m->out_dst_mac,
				&m->out_src, &m->out_dst);
	f->out_dst = m->out_dst;
	f->remote = m->remote;
	f->peer_id = m->peer;
	f->rx_ctx_id = m->rx_ctx;
	f->tx_ctx_id = m->tx_ctx;
	f->rx_ctx2_id = m->rx_ctx2;
	/* Free ones; those a replaced flow had come from it (flow_inherit). */
	f->rx_ctx = m->rx_ctx ? t->ctx_by_id[m->rx_ctx] : NULL;
	f->tx_ctx = m->tx_ctx ? t->ctx_by_id[m->tx_ctx] : NULL;
	f->rx_ctx2 = m->rx_ctx2 ? t->ctx_by_id[m->rx_ctx2] : NULL;
	mg_flow_key_of(&m->local, &f->key);
	return f;
}

/* The SAs a flow names, held for it: 0, or ENOENT (no such SA of that
 * direction). The lcore that runs them follows from the SA. */
static mg_ctl_status_t
flow_hold_esp(struct mg_tables *t, struct mg_flow *f,
	      const struct mg_ctl_flow *m)
{
	const struct mg_esp_sa *by;

	if (m->rx_esp) {
		f->rx_esp = mg_esp_table_hold(&t->esp, m->rx_esp, true);
		if (f->rx_esp == NULL)
			return ENOENT;
		f->rx_esp_id = m->rx_esp;
	}
	if (m->tx_esp) {
		f->tx_esp = mg_esp_table_hold(&t->esp, m->tx_esp, false);
		if (f->tx_esp == NULL) {
			flow_release_esp(t, f);
			return ENOENT;
		}
		f->tx_esp_id = m->tx_esp;
	}
	if (m->rx_esp2) {
		f->rx_esp2 = mg_esp_table_hold(&t->esp, m->rx_esp2, true);
		if (f->rx_esp2 == NULL || !m->rx_esp) {
			flow_release_esp(t, f);
			return f->rx_esp2 ? EINVAL : ENOENT;
		}
		f->rx_esp2_id = m->rx_esp2;
	}
	/* Where it came in decides, else where it goes out. */
	by = f->rx_esp ? f->rx_esp : f->tx_esp;
	if (by != NULL)
		f->esp_owner = mg_esp_owner_hash(by);
	return 0;
}

/* Tie the two directions of a call, whichever came second. */
static void
flow_link_peer(struct mg_tables *t, struct mg_flow *f)
{
	struct mg_flow *p;

	if (f->peer_id == 0 || f->peer_id > t->max_flows)
		return;
	p = t->flow_by_id[f->peer_id];
	if (p == NULL)
		return;
	__atomic_store_n(&f->peer, p, __ATOMIC_RELEASE);
	if (p->peer_id == f->id)
		__atomic_store_n(&p->peer, f, __ATOMIC_RELEASE);
}

/* A free context taken by flow `id`, or one let go (to no one: its id is
 * free at once, the context itself goes with its flow). */
static void
ctx_own(struct mg_tables *t, uint32_t ctx, uint32_t id)
{
	if (ctx == 0)
		return;
	t->ctx_owner[ctx] = id;
	if (id != 0)
		t->ctx_by_id[ctx] = NULL;
	else
		t->nb_ctx--;
}

static mg_ctl_status_t
flow_add(struct mg_tables *t, const struct mg_ctl_msg *req)
{
	const struct mg_ctl_flow *m = &req->u.flow;
	mg_ctl_status_t st;
	struct mg_flow *f;

	if (req->h.len != sizeof(*m) || m->id == 0 || !flow_shape_ok(m))
		return EINVAL;
	if (m->id > t->max_flows)
		return ENOSPC;
	if (t->flow_by_id[m->id] != NULL)
		return EEXIST;
	st = ctx_takeable(t, m->rx_ctx);
	if (st == 0)
		st = ctx_takeable(t, m->tx_ctx);
	if (st == 0)
		st = ctx_takeable(t, m->rx_ctx2);
	if (st != 0)
		return st;
	f = flow_make(t, m);
	if (f == NULL)
		return ENOMEM;
	st = rte_hash_lookup(t->hash, &f->key) >= 0 ? EEXIST : /* taken */
	     flow_hold_esp(t, f, m);
	if (st == 0 && rte_hash_add_key_data(t->hash, &f->key, f) != 0) {
		flow_release_esp(t, f);
		st = ENOSPC;
	}
	if (st != 0) {
		srtp_secret_free(f, sizeof(*f));
		return st;
	}
	__atomic_store_n(&t->flow_by_id[m->id], f, __ATOMIC_RELEASE);
	t->nb_flows++;
	/* The flow owns them now: out of the table of free contexts. */
	ctx_own(t, m->rx_ctx, m->id);
	ctx_own(t, m->tx_ctx, m->id);
	ctx_own(t, m->rx_ctx2, m->id);
	flow_link_peer(t, f);
	return 0;
}

/* The defer queue is sized for every flow, so this is only for a bug:
 * wait out the grace period here rather than free under a reader. */
static void
defer_the_hard_way(struct mg_tables *t, struct deferred *d)
{
	rte_rcu_qsbr_synchronize(t->rcu, RTE_QSBR_THRID_INVALID);
	deferred_free(t, d, 1);
}

static mg_ctl_status_t
flow_del(struct mg_tables *t, const struct mg_ctl_msg *req)
{
	uint32_t id = req->u.id.id;
	struct deferred d = { 0 };
	struct mg_flow *f;

	if (req->h.len != sizeof(req->u.id) || id == 0 || id > t->max_flows)
		return EINVAL;
	f = t->flow_by_id[id];
	if (f == NULL)
		return ENOENT;
	if (f->peer != NULL && f->peer->peer == f)
		__atomic_store_n(&f->peer->peer, NULL, __ATOMIC_RELEASE);
	/* The contexts go with the flow; their ids are free at once. */
	ctx_own(t, f->rx_ctx_id, 0);
	ctx_own(t, f->tx_ctx_id, 0);
	ctx_own(t, f->rx_ctx2_id, 0);
	__atomic_store_n(&t->flow_by_id[id], NULL, __ATOMIC_RELEASE);
	t->nb_flows--;
	flow_release_esp(t, f);
	/* Freed once every reader is past it. */
	d.pos = rte_hash_del_key(t->hash, &f->key);
	d.f = f;
	if (d.pos < 0)
		flow_free(t, f, 0); /* not in the hash: no reader can see it */
	else if (rte_rcu_qsbr_dq_enqueue(t->dq, &d) != 0)
		defer_the_hard_way(t, &d);
	else
		t->dq_waiting++;
	return 0;
}

/* A context of the replacing flow: one the old flow has in the same
 * direction (kept), or a free one. */
static mg_ctl_status_t
ctx_for_mod(struct mg_tables *t, uint32_t want, uint32_t had, uint32_t had2)
{
	return want == 0 || want == had || (had2 && want == had2) ? 0 :
	       ctx_takeable(t, want);
}

/* An unprotect context of the replacing flow from the old one's two, and
 * which of them it keeps from destruction (0: a free one, taken). */
static struct mg_srtp_ctx *
rx_kept(const struct mg_flow *o, uint32_t id, uint32_t *keep)
{
	if (id != 0 && id == o->rx_ctx_id) {
		*keep |= KEEP_RX;
		return o->rx_ctx;
	}
	if (id != 0 && id == o->rx_ctx2_id) {
		*keep |= KEEP_RX2;
		return o->rx_ctx2;
	}
	return NULL;
}

/* The replacing flow takes the old one's counters, latch and kept
 * contexts; `keep` says which of the old one's live on. */
static uint32_t
flow_inherit(struct mg_flow *f, const struct mg_flow *o)
{
	struct mg_srtp_ctx *c;
	uint32_t keep = 0;

	f->c = o->c;
	/* A source learnt stays learnt while the party's address in SDP
	 * stays; a new address (the party moved) is learnt afresh. */
	if (f->flags & MG_FLOW_F_LATCH &&
	    memcmp(&f->remote, &o->remote, sizeof(f->remote)) == 0 &&
	    __atomic_load_n(&o->learned_valid, __ATOMIC_ACQUIRE)) {
		f->learned = o->learned;
		f->learned_outer = o->learned_outer;
		f->learned_valid = 1;
	}
	if ((c = rx_kept(o, f->rx_ctx_id, &keep)) != NULL)
		f->rx_ctx = c;
	if ((c = rx_kept(o, f->rx_ctx2_id, &keep)) != NULL)
		f->rx_ctx2 = c;
	if (f->tx_ctx_id && f->tx_ctx_id == o->tx_ctx_id) {
		f->tx_ctx = o->tx_ctx;
		keep |= KEEP_TX;
	}
	return keep;
}

/* Context ownership after a replacement: ids the old flow let go are
 * free, ids the new one took from the free table are owned. */
static void
owners_swap(struct mg_tables *t, const struct mg_flow *f,
	    const struct mg_flow *o, uint32_t keep)
{
	if (!(keep & KEEP_RX))
		ctx_own(t, o->rx_ctx_id, 0);
	if (!(keep & KEEP_RX2))
		ctx_own(t, o->rx_ctx2_id, 0);
	if (!(keep & KEEP_TX))
		ctx_own(t, o->tx_ctx_id, 0);
	if (f->rx_ctx_id != o->rx_ctx_id && f->rx_ctx_id != o->rx_ctx2_id)
		ctx_own(t, f->rx_ctx_id, f->id);
	if (f->rx_ctx2_id != o->rx_ctx_id && f->rx_ctx2_id != o->rx_ctx2_id)
		ctx_own(t, f->rx_ctx2_id, f->id);
	if (f->tx_ctx_id != o->tx_ctx_id)
		ctx_own(t, f->tx_ctx_id, f->id);
}

static mg_ctl_status_t
flow_mod(struct mg_tables *t, const struct mg_ctl_msg *req)
{
	const struct mg_ctl_flow *m = &req->u.flow;
	struct deferred d = { .pos = -1 };
	struct mg_flow *o, *f;
	struct mg_flow_key k;
	mg_ctl_status_t st;

	if (req->h.len != sizeof(*m) || m->id == 0 || m->id > t->max_flows ||
	    !flow_shape_ok(m))
		return EINVAL;
	o = t->flow_by_id[m->id];
	if (o == NULL)
		return ENOENT;
	mg_flow_key_of(&m->local, &k);
	if (memcmp(&k, &o->key, sizeof(k)) != 0)
		return EINVAL;
	st = ctx_for_mod(t, m->rx_ctx, o->rx_ctx_id, o->rx_ctx2_id);
	if (st == 0)
		st = ctx_for_mod(t, m->rx_ctx2, o->rx_ctx_id, o->rx_ctx2_id);
	if (st == 0)
		st = ctx_for_mod(t, m->tx_ctx, o->tx_ctx_id, 0);
	if (st != 0)
		return st;
	f = flow_make(t, m);
	if (f == NULL)
		return ENOMEM;
	st = flow_hold_esp(t, f, m);
	if (st != 0) {
		srtp_secret_free(f, sizeof(*f));
		return st;
	}
	d.keep = flow_inherit(f, o);
	/* The swap: a lookup finds the old flow or the new one. An SA
	 * changed here is the atomic outbound switch of a rekey. */
	if (rte_hash_add_key_data(t->hash, &f->key, f) != 0) {
		flow_release_esp(t, f);
		srtp_secret_free(f, sizeof(*f));
		return ENOSPC;
	}
	flow_release_esp(t, o);
	__atomic_store_n(&t->flow_by_id[m->id], f, __ATOMIC_RELEASE);
	owners_swap(t, f, o, d.keep);
	if (o->peer != NULL && o->peer->peer == o)
		__atomic_store_n(&o->peer->peer, NULL, __ATOMIC_RELEASE);
	flow_link_peer(t, f);
	d.f = o;
	if (rte_rcu_qsbr_dq_enqueue(t->dq, &d) != 0)
		defer_the_hard_way(t, &d);
	else
		t->dq_waiting++;
	return 0;
}

static mg_ctl_status_t
flow_stats(struct mg_tables *t, const struct mg_ctl_msg *req,
	   struct mg_ctl_msg *ack)
{
	uint32_t id = req->u.id.id;
	struct mg_ctl_flow_stats *s = &ack->u.flow_stats;
	const struct mg_flow *f;

	if (req->h.len != sizeof(req->u.id) || id == 0 || id > t->max_flows)
		return EINVAL;
	f = t->flow_by_id[id];
	if (f == NULL)
		return ENOENT;
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->rx_pkts = __atomic_load_n(&f->c.rx_pkts, __ATOMIC_RELAXED);
	s->rx_bytes = __atomic_load_n(&f->c.rx_bytes, __ATOMIC_RELAXED);
	s->tx_pkts = __atomic_load_n(&f->c.tx_pkts, __ATOMIC_RELAXED);
	s->tx_bytes = __atomic_load_n(&f->c.tx_bytes, __ATOMIC_RELAXED);
	s->latched = __atomic_load_n(&f->c.latched, __ATOMIC_RELAXED);
	s->drop_source = __atomic_load_n(&f->c.drop_source, __ATOMIC_RELAXED);
	s->drop_tx = __atomic_load_n(&f->c.drop_tx, __ATOMIC_RELAXED);
	s->drop_esp = __atomic_load_n(&f->c.drop_esp, __ATOMIC_RELAXED);
	for (int i = 0; i < MG_SRTP_STATUS_MAX; i++)
		s->drop_srtp[i] = __atomic_load_n(&f->c.drop_srtp[i],
						  __ATOMIC_RELAXED);
	ack->h.len = sizeof(*s);
	return 0;
}

mg_ctl_status_t
mg_tables_apply(void *arg, const struct mg_ctl_msg *req,
		struct mg_ctl_msg *ack)
{
	struct mg_tables *t = arg;

	switch (req->h.type) {
	case MG_CTL_SRTP_ADD: return srtp_add(t, req);
	case MG_CTL_SRTP_DEL: return srtp_del(t, req);
	case MG_CTL_FLOW_ADD: return flow_add(t, req);
	case MG_CTL_FLOW_DEL: return flow_del(t, req);
	case MG_CTL_FLOW_MOD: return flow_mod(t, req);
	case MG_CTL_FLOW_STATS: return flow_stats(t, req, ack);
	case MG_CTL_ESP_ADD:
	case MG_CTL_ESP_DEL:
	case MG_CTL_ESP_STATS:
		return mg_esp_table_apply(&t->esp, t->mgr, req, ack);
	case MG_CTL_START:
		t->started = true;
		return 0;
	default: return EOPNOTSUPP;
	}
}
