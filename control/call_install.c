/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "call_install.h"
#include "ipsec_attr.h"

/* At most per call: per flow a delete, two contexts and the flow. */
#define CALL_PLAN_MAX (MG_CALL_MEDIA_MAX * 4 * 4)
/* A batch: one call's requests, or (replay) those of many calls, so the
 * ring stays full and the dataplane never waits for the next call. */
#define PLAN_MAX 4096

/* Requests in flight together, and whose they are. */
struct plan {
	struct mg_ctl_msg msg[PLAN_MAX];
	int32_t status[PLAN_MAX];
	struct mg_call *call[PLAN_MAX];
	uint8_t media[PLAN_MAX], side[PLAN_MAX], kind[PLAN_MAX];
	unsigned int n;
	struct mg_call *cur;  /* the call being planned */
};

static struct plan plan; /* 2 MB: off the stack */

static struct mg_ctl_msg *
plan_add(struct plan *p, uint16_t type, uint32_t len, uint32_t m, int s,
	 int k)
{
	struct mg_ctl_msg *msg = &p->msg[p->n];

	memset(msg, 0, sizeof(*msg));
	msg->h.type = type;
	msg->h.len = len;
	p->call[p->n] = p->cur;
	p->media[p->n] = (uint8_t)m;
	p->side[p->n] = (uint8_t)s;
	p->kind[p->n] = (uint8_t)k;
	p->n++;
	return msg;
}

static void
plan_id(struct plan *p, uint16_t type, uint32_t id, uint32_t m, int s, int k)
{
	plan_add(p, type, sizeof(struct mg_ctl_id), m, s, k)->u.id.id = id;
}

static void
plan_ctx(struct plan *p, uint32_t id, const struct mg_srtp_policy *pol,
	 uint32_t m, int s, int k)
{
	struct mg_ctl_msg *msg = plan_add(p, MG_CTL_SRTP_ADD,
					  sizeof(struct mg_ctl_srtp_add), m, s, k);

	msg->u.srtp_add.id = id;
	msg->u.srtp_add.policy = *pol;
}

/* Plan kinds beyond MG_MF_RTP/RTCP: the ESP SAs of a party, and those a
 * rekey retired. */
enum { KIND_ESP_IN = 2, KIND_ESP_OUT = 3, KIND_ESP_RETIRE = 4 };

/* The ESP a party has on m= line m (its SAs live in the owner's record,
 * one pair for the session with session-level binding), or NULL. */
static struct mg_side_esp *
esp_of(struct mg_call *call, uint32_t m, int s)
{
	struct mg_side_esp *e = &call->media[m].side[s].esp;

	if (e->theirs.suite == 0)
		return NULL;
	return &call->media[e->owner].side[s].esp;
}

/* SA id (and the SPI block it receives on) to be deleted once no flow
 * holds it. False when three are still waiting for their delete. */
static bool
esp_retire(struct mg_side_esp *e, uint32_t id, uint32_t block)
{
	if (id == 0)
		return true;
	for (int i = 0; i < 3; i++)
		if (e->sa_retire[i] == 0) {
			e->sa_retire[i] = id;
			e->retire_block[i] = block;
			return true;
		}
	return false;
}

/* A rekey's new pair replaces the installed one (make-before-break): the
 * old inbound SA drains beside the new one (rx_esp2), one draining
 * before it is retired, and the old outbound SA is retired once the
 * flows send by the new. */
static int
esp_rekey_ids(struct mg_side_esp *e)
{
	int free_slots = 0;

	for (int i = 0; i < 3; i++)
		free_slots += e->sa_retire[i] == 0;
	if (free_slots < 2)
		return -EBUSY;
	esp_retire(e, e->sa_drain, e->drain_block);
	esp_retire(e, e->sa_out, 0);
	e->sa_drain = e->sa_in;
	e->drain_block = e->in_block;
	e->drain_until_s = 0; /* set when the new pair is acked */
	e->sa_in = e->sa_out = 0;
	e->in_block = 0;
	e->replays = 0;
	return 0;
}

/* A dataplane that has none of the party's SAs (a new one, or a resync
 * that deleted them): what drained or waited for its delete is gone. */
static void
esp_forget_old(struct mg_calls *c, struct mg_side_esp *e)
{
	uint32_t ours = e->ours.spi >> 8;

	if (e->in_block != ours)
		mg_idpool_put(&c->spi_blocks, e->in_block);
	mg_idpool_put(&c->spi_blocks, e->drain_block);
	mg_idpool_put(&c->esp_ids, e->sa_drain);
	for (int i = 0; i < 3; i++) {
		mg_idpool_put(&c->spi_blocks, e->retire_block[i]);
		mg_idpool_put(&c->esp_ids, e->sa_retire[i]);
	}
	e->in_block = e->sa_drain = e->drain_block = 0;
	e->drain_until_s = 0;
	memset(e->sa_retire, 0, sizeof(e->sa_retire));
	memset(e->retire_block, 0, sizeof(e->retire_block));
}

/* Which SAs of the party's pair to install: none (installed), the
 * current ones again (a new dataplane, a resync, a failed install), or a
 * rekey's new ones. */
static int
esp_ids_for(struct mg_calls *c, struct mg_side_esp *e, bool all)
{
	if (all) {
		esp_forget_old(c, e);
		if (e->rekey)
			e->replays = 0;
		else if (e->sa_out != 0)
			e->replays++;
	} else if (e->rekey) {
		if (esp_rekey_ids(e) != 0)
			return -EBUSY;
	} else if (e->installed) {
		return 1;
	} else if (e->sa_out != 0) { /* installed before, maybe in part */
		e->replays++;
	}
	e->rekey = 0;
	if (e->group == 0)
		e->group = e->ours.spi >> 8;
	if (e->sa_in == 0)
		e->sa_in = mg_idpool_take(&c->esp_ids);
	if (e->sa_out == 0)
		e->sa_out = mg_idpool_take(&c->esp_ids);
	e->in_block = e->ours.spi >> 8;
	return e->sa_in == 0 || e->sa_out == 0 ? -ENOSPC : 0;
}

/* Epochs one install of a KDR outbound SA may use: its block's 256 give
 * 4 installs (a new dataplane each) that never share an epoch key. */
#define KDR_EPOCHS_PER_INSTALL 64u

/*
 * Where an outbound SA installed for the replays-th time starts, so its
 * IVs (sequence numbers, under the epoch's key with kdr) never repeat one
 * an earlier install sent: 2^28 (2^40 with ESN) further each time without
 * kdr; with kdr, a fresh quarter of the epochs, each install limited
 * (hard lifetime, soft at 90 %: the rekey event) to its quarter.
 */
static void
esp_out_start(const struct mg_side_esp *e, struct mg_esp_sa_policy *pol)
{
	uint64_t quarter;

	if (e->theirs.kdr == 0) {
		pol->seq = (uint64_t)e->replays << (e->theirs.esn ? 40 : 28);
		return;
	}
	quarter = (uint64_t)KDR_EPOCHS_PER_INSTALL << e->theirs.kdr;
	pol->seq = e->replays * quarter;
	if (pol->hard.packets == 0 || pol->hard.packets > quarter) {
		pol->hard.packets = quarter;
		pol->soft.packets = quarter - quarter / 10;
	}
}

/*
 * A party's SA pair, once, from the m= line that owns it: inbound with its
 * key under our SPI, outbound with ours under its SPI, ESP-in-UDP on the
 * party's media port, both in the pair's lcore group. An SA installed
 * again (a new dataplane, or a resync) starts its sequence numbers past
 * any the old one can have sent: the counter-mode IVs are sequence
 * numbers and must not repeat under a key (docs/esp-in-sdp.md).
 */
static int
plan_esp(struct mg_calls *c, struct mg_call *call, uint32_t m, int s,
	 const struct mg_install_env *env, bool all)
{
	struct mg_side *p = &call->media[m].side[s];
	struct mg_side_esp *e = &p->esp;
	const struct mg_ctl_addr *ma = &env->media[call->addr];
	struct mg_ctl_msg *msg;
	int rc;

	if (e->theirs.suite == 0 || e->owner != m)
		return 0;
	rc = esp_ids_for(c, e, all);
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	for (int dir = 0; dir < 2; dir++) {
		struct mg_esp_sa_policy *pol;

		msg = plan_add(&plan, MG_CTL_ESP_ADD, sizeof(struct mg_ctl_esp_add),
			       m, s, dir ? KIND_ESP_OUT : KIND_ESP_IN);
		msg->u.esp_add.id = dir ? e->sa_out : e->sa_in;
		msg->u.esp_add.family = ma->family;
		pol = &msg->u.esp_add.policy;
		if (dir)
			mg_ipsec_policy(&e->ours, e->theirs.spi, &e->theirs,
					false, ma->ip, p->rtp.ip, ma->family, pol);
		else
			mg_ipsec_policy(&e->theirs, e->ours.spi, &e->theirs,
					true, ma->ip, p->rtp.ip, ma->family, pol);
		pol->local_port = p->port;
		pol->remote_port = __builtin_bswap16(p->rtp.port);
		pol->group = e->group;
		if (dir)
			esp_out_start(e, pol);
	}
	e->installed = 0; /* until both are acked */
	return 0;
}

/* The SAs retired, after every flow that held them moved (FLOW_MOD is
 * make-before-break, and the dataplane frees an SA only after the
 * readers of the old flows are past). */
static void
plan_esp_retired(struct mg_call *call)
{
	for (uint32_t m = 0; m < call->nb_media; m++)
		for (int s = 0; s < 2; s++) {
			const struct mg_side_esp *e = &call->media[m].side[s].esp;

			if (e->owner != m)
				continue;
			for (int i = 0; i < 3; i++)
				if (e->sa_retire[i] != 0)
					plan_id(&plan, MG_CTL_ESP_DEL,
						e->sa_retire[i], m, s,
						KIND_ESP_RETIRE);
		}
}

static uint16_t
action_of(bool srtp_in, bool srtp_out)
{
	if (srtp_in)
		return srtp_out ? MG_FLOW_SRTP_TO_SRTP : MG_FLOW_SRTP_TO_RTP;
	return srtp_out ? MG_FLOW_RTP_TO_SRTP : MG_FLOW_RELAY;
}

static struct mg_ctl_addr
ours(const struct mg_ctl_addr *media, uint16_t port)
{
	struct mg_ctl_addr a = *media;

	a.port = __builtin_bswap16(port);
	return a;
}

/* ESP on the flow: what party s sends comes through its inbound SA (in
 * UDP to our RTP port with encap=udp); what goes to the other party goes
 * out through its outbound SA. */
static void
flow_esp(const struct mg_media_pair *mp, int s, int k, struct mg_ctl_flow *f)
{
	uint32_t m = (uint32_t)(mp - plan.cur->media);
	const struct mg_side_esp *ex = esp_of(plan.cur, m, s);
	const struct mg_side_esp *ey = esp_of(plan.cur, m, !s);

	f->rx_esp = ex ? ex->sa_in : 0;
	f->rx_esp2 = ex ? ex->sa_drain : 0;
	f->tx_esp = ey ? ey->sa_out : 0;
	if (ex && ex->theirs.udp && k == MG_MF_RTP)
		f->flags |= MG_FLOW_F_ESP_UDP;
}

/* The flow that takes what party s sends to our port (k = RTP) or port + 1
 * (k = RTCP, when s does not mux) and sends it on to the other party. */
static void
flow_of(const struct mg_media_pair *mp, int s, int k,
	const struct mg_install_env *env, const struct mg_ctl_addr *media,
	struct mg_ctl_flow *f)
{
	const struct mg_side *x = &mp->side[s], *y = &mp->side[!s];

	memset(f, 0, sizeof(*f));
	f->action = action_of(x->in.suite != 0, y->out.suite != 0);
	f->flags = (uint16_t)(env->strict ? MG_FLOW_F_STRICT : 0) |
		   MG_FLOW_F_LATCH | (k == MG_MF_RTCP ? MG_FLOW_F_RTCP : 0) |
		   (x->proto == MG_PROTO_UDP || y->proto == MG_PROTO_UDP ?
		    MG_FLOW_F_ANY_UDP : 0);
	f->local = ours(media, (uint16_t)(x->port + k));
	f->remote = k == MG_MF_RTCP ? x->rtcp : x->rtp;
	f->out_port = env->out_port;
	memcpy(f->out_dst_mac, env->next_hop_mac, 6);
	f->out_src = ours(media, (uint16_t)(y->port + (y->mux ? 0 : k)));
	f->out_dst = k == MG_MF_RTCP && !y->mux ? y->rtcp : y->rtp;
	f->peer = mp->flow[!s][k == MG_MF_RTCP && !y->mux ? MG_MF_RTCP :
			       MG_MF_RTP];
	f->id = mp->flow[s][k];
	flow_esp(mp, s, k, f);
}

static void
put_ids(struct mg_calls *c, struct mg_media_pair *mp, int s, int k)
{
	mg_idpool_put(&c->flow_ids, mp->flow[s][k]);
	mg_idpool_put(&c->ctx_ids, mp->rx_ctx[s][k]);
	mg_idpool_put(&c->ctx_ids, mp->tx_ctx[s][k]);
	mg_idpool_put(&c->ctx_ids, mp->installed[s][k].rx_ctx2);
	mp->flow[s][k] = mp->rx_ctx[s][k] = mp->tx_ctx[s][k] = 0;
	memset(&mp->installed[s][k], 0, sizeof(mp->installed[s][k]));
}

/* A context id when the action needs one, none when it does not. */
static bool
ctx_id(struct mg_calls *c, uint32_t *id, bool need)
{
	if (need && *id == 0)
		*id = mg_idpool_take(&c->ctx_ids);
	if (!need && *id != 0) {
		mg_idpool_put(&c->ctx_ids, *id);
		*id = 0;
	}
	return !need || *id != 0;
}

static bool
wanted(const struct mg_media_pair *mp, int s, int k)
{
	return !mp->rejected && mp->side[0].has_sdp && mp->side[1].has_sdp &&
	       (k == MG_MF_RTP || !mp->side[s].mux);
}

/* The context id a replacing flow has for one direction: none, the one
 * installed (its key did not change: the context goes on), or a fresh one
 * (the installed one is given back when the dataplane acks). */
static uint32_t
mod_ctx(struct mg_calls *c, bool need, bool key_new, uint32_t had)
{
	if (!need)
		return 0;
	if (had != 0 && !key_new)
		return had;
	return mg_idpool_take(&c->ctx_ids);
}

/* The unprotect context that drains beside the flow's (rx_ctx2): the one
 * a rekey just replaced, or the one draining since an earlier rekey
 * until its time is up; none where --srtp-drain is 0. A rekey while one
 * drains lets the older go: a party that rekeys twice in the time has
 * left the first key behind. */
static uint32_t
drain_ctx(const struct mg_install_env *env, const struct mg_media_pair *mp,
	  const struct mg_ctl_flow *f, const struct mg_ctl_flow *had)
{
	if (f->rx_ctx == 0 || env->srtp_drain_s == 0)
		return 0;
	if (had->rx_ctx != 0 && f->rx_ctx != had->rx_ctx)
		return had->rx_ctx;
	return mp->srtp_drain_until_s != 0 ? had->rx_ctx2 : 0;
}

/* An installed flow that changed: replaced make-before-break (FLOW_MOD),
 * with new contexts only where a key changed. */
static int
plan_mod(struct mg_calls *c, struct mg_media_pair *mp, uint32_t m, int s,
	 int k, struct mg_ctl_flow *f, const struct mg_install_env *env)
{
	const struct mg_ctl_flow *had = &mp->installed[s][k];
	bool rx = f->action == MG_FLOW_SRTP_TO_RTP ||
		  f->action == MG_FLOW_SRTP_TO_SRTP;
	bool tx = f->action == MG_FLOW_RTP_TO_SRTP ||
		  f->action == MG_FLOW_SRTP_TO_SRTP;

	f->rx_ctx = mod_ctx(c, rx, mp->keys_new[s] & MG_KEY_IN, had->rx_ctx);
	f->tx_ctx = mod_ctx(c, tx, mp->keys_new[!s] & MG_KEY_OUT, had->tx_ctx);
	if ((rx && f->rx_ctx == 0) || (tx && f->tx_ctx == 0))
		return -ENOSPC;
	f->rx_ctx2 = drain_ctx(env, mp, f, had);
	mp->rx_ctx[s][k] = f->rx_ctx;
	mp->tx_ctx[s][k] = f->tx_ctx;
	if (memcmp(f, had, sizeof(*f)) == 0)
		return 0;
	if (f->rx_ctx && f->rx_ctx != had->rx_ctx)
		plan_ctx(&plan, f->rx_ctx, &mp->side[s].in, m, s, k);
	if (f->tx_ctx && f->tx_ctx != had->tx_ctx)
		plan_ctx(&plan, f->tx_ctx, &mp->side[!s].out, m, s, k);
	plan_add(&plan, MG_CTL_FLOW_MOD, sizeof(*f), m, s, k)->u.flow = *f;
	return 0;
}

/* Plan one flow: left alone, replaced, added or deleted. */
static int
plan_flow(struct mg_calls *c, struct mg_media_pair *mp, uint32_t m, int s,
	  int k, const struct mg_install_env *env, bool all)
{
	struct mg_ctl_flow f;
	bool have = mp->installed[s][k].id != 0 && !all;

	/* A dataplane that has none of it has no old key to drain. */
	if (all && mp->installed[s][k].rx_ctx2 != 0) {
		mg_idpool_put(&c->ctx_ids, mp->installed[s][k].rx_ctx2);
		mp->installed[s][k].rx_ctx2 = 0;
	}

	if (!wanted(mp, s, k)) {
		if (have)
			plan_id(&plan, MG_CTL_FLOW_DEL, mp->flow[s][k], m, s, k);
		else
			put_ids(c, mp, s, k);
		return 0;
	}
	flow_of(mp, s, k, env, &env->media[plan.cur->addr], &f);
	if (have)
		return plan_mod(c, mp, m, s, k, &f, env);
	if (!ctx_id(c, &mp->rx_ctx[s][k], f.action == MG_FLOW_SRTP_TO_RTP ||
		    f.action == MG_FLOW_SRTP_TO_SRTP) ||
	    !ctx_id(c, &mp->tx_ctx[s][k], f.action == MG_FLOW_RTP_TO_SRTP ||
		    f.action == MG_FLOW_SRTP_TO_SRTP))
		return -ENOSPC;
	f.rx_ctx = mp->rx_ctx[s][k];
	f.tx_ctx = mp->tx_ctx[s][k];
	if (f.rx_ctx)
		plan_ctx(&plan, f.rx_ctx, &mp->side[s].in, m, s, k);
	if (f.tx_ctx)
		plan_ctx(&plan, f.tx_ctx, &mp->side[!s].out, m, s, k);
	plan_add(&plan, MG_CTL_FLOW_ADD, sizeof(f), m, s, k)->u.flow = f;
	return 0;
}

/* Peers are named by id: every flow gets its id before any is sent, so
 * the dataplane links a pair when the second of it arrives. */
static bool
name_flows(struct mg_calls *c, struct mg_media_pair *mp)
{
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 2; k++)
			if (wanted(mp, s, k) && mp->flow[s][k] == 0 &&
			    (mp->flow[s][k] = mg_idpool_take(&c->flow_ids)) == 0)
				return false;
	return true;
}

static const char *
what(uint16_t type)
{
	return type == MG_CTL_FLOW_ADD ? "flow" : type == MG_CTL_SRTP_ADD ?
	       "context" : type == MG_CTL_SRTP_DEL ? "context delete" :
	       type == MG_CTL_FLOW_MOD ? "flow replacement" :
	       type == MG_CTL_ESP_ADD ? "ESP SA" :
	       type == MG_CTL_ESP_DEL ? "ESP SA delete" : "flow delete";
}

/* The contexts taken just before refused flow i: nobody owns them now. */
static unsigned int
orphans(unsigned int i, struct mg_ctl_msg *undo, unsigned int nu)
{
	for (unsigned int j = i; j-- > 0 && plan.call[j] == plan.call[i] &&
	     plan.msg[j].h.type == MG_CTL_SRTP_ADD &&
	     plan.media[j] == plan.media[i] && plan.side[j] == plan.side[i] &&
	     plan.kind[j] == plan.kind[i];)
		if (plan.status[j] == 0)
			undo[nu++].u.id.id = plan.msg[j].u.srtp_add.id;
	return nu;
}

static bool
holds_ctx(const struct mg_ctl_flow *f, uint32_t id)
{
	return id == f->rx_ctx || id == f->tx_ctx || id == f->rx_ctx2;
}

/* A rekey's old contexts now drain beside the new: for env->srtp_drain_s
 * from now (the m= line's other drain, if any, ends then too). */
static void
srtp_drain_start(struct mg_calls *c, const struct mg_install_env *env,
		 struct mg_call *call, uint32_t m)
{
	struct mg_media_pair *mp = &call->media[m];
	uint32_t until = (uint32_t)time(NULL) + env->srtp_drain_s;

	if (mp->srtp_drain_until_s == until)
		return; /* queued for its other flow */
	mp->srtp_drain_until_s = until;
	if (mg_calls_srtp_drain_add(c, call, m) != 0)
		mp->srtp_drain_until_s = 1; /* due at the next look */
}

/* A replacement acked: the contexts the old flow had and the new one
 * does not are free. Refused: the old flow stands, with its ids; the
 * fresh ids go back (their contexts are deleted as orphans). */
static void
settle_mod(struct mg_calls *c, const struct mg_install_env *env,
	   struct mg_call *call, uint32_t m, int s, int k,
	   const struct mg_ctl_flow *f, bool ok)
{
	struct mg_media_pair *mp = &call->media[m];
	struct mg_ctl_flow *had = &mp->installed[s][k];
	const struct mg_ctl_flow *gone = ok ? had : f;
	const struct mg_ctl_flow *stays = ok ? f : had;
	const uint32_t ids[] = { gone->rx_ctx, gone->tx_ctx, gone->rx_ctx2 };

	for (int i = 0; i < 3; i++)
		if (ids[i] && !holds_ctx(stays, ids[i]))
			mg_idpool_put(&c->ctx_ids, ids[i]);
	mp->rx_ctx[s][k] = stays->rx_ctx;
	mp->tx_ctx[s][k] = stays->tx_ctx;
	if (ok && f->rx_ctx2 && f->rx_ctx2 != had->rx_ctx2)
		srtp_drain_start(c, env, call, m);
	if (ok)
		*had = *f;
}

/* Both SAs of a pair acked: a rekey's old inbound SA now drains, for
 * env->esp_drain_s from now, before it is retired. */
static void
esp_acked(struct mg_calls *c, const struct mg_install_env *env,
	  struct mg_call *call, uint32_t m, int s, int k)
{
	struct mg_side_esp *e = &call->media[m].side[s].esp;

	e->installed |= k == KIND_ESP_IN ? 1 : 2;
	if (e->installed != 3 || e->sa_drain == 0 || e->drain_until_s != 0)
		return;
	e->drain_until_s = (uint64_t)time(NULL) + env->esp_drain_s;
	if (mg_calls_drain_add(c, call, m, s) != 0)
		e->drain_until_s = 1; /* due at the next look: retired */
}

/* A retired SA is gone from the dataplane: its id and block are free. */
static void
esp_retired(struct mg_calls *c, struct mg_side_esp *e, uint32_t id)
{
	for (int i = 0; i < 3; i++)
		if (e->sa_retire[i] == id) {
			mg_idpool_put(&c->esp_ids, id);
			mg_idpool_put(&c->spi_blocks, e->retire_block[i]);
			e->sa_retire[i] = e->retire_block[i] = 0;
		}
}

/* What one ack says about its call: installed flows are noted. Returns
 * whether it was refused (a refused delete is no failure: gone is
 * gone). */
static bool
settle_one(struct mg_calls *c, const struct mg_install_env *env,
	   unsigned int i, struct mg_install_stats *st, char *err,
	   size_t errlen)
{
	const struct mg_ctl_msg *m = &plan.msg[i];
	struct mg_media_pair *mp = &plan.call[i]->media[plan.media[i]];
	int s = plan.side[i], k = plan.kind[i];
	bool ok = plan.status[i] == 0;

	/* A retired SA the dataplane still has (a flow refused to move
	 * off it) is deleted again at the next install: no failure. */
	if (k == KIND_ESP_RETIRE) {
		if (ok || plan.status[i] == ENOENT)
			esp_retired(c, &mp->side[s].esp, m->u.id.id);
		return false;
	}
	if (!ok) {
		st->refused++;
		if (err[0] == '\0')
			snprintf(err, errlen, "dataplane refused %s %u: %s",
				 what(m->h.type), m->u.id.id,
				 strerror(plan.status[i]));
	}
	if (m->h.type == MG_CTL_ESP_ADD) {
		if (ok)
			esp_acked(c, env, plan.call[i], plan.media[i], s, k);
		return !ok;
	}
	if (m->h.type == MG_CTL_ESP_DEL)
		return false;
	if (m->h.type == MG_CTL_FLOW_DEL) {
		/* Its contexts went with it, the draining one too. */
		mg_idpool_put(&c->ctx_ids, mp->installed[s][k].rx_ctx2);
		memset(&mp->installed[s][k], 0, sizeof(mp->installed[s][k]));
		if (!wanted(mp, s, k))
			put_ids(c, mp, s, k);
		return false;
	}
	if (m->h.type == MG_CTL_FLOW_ADD && ok)
		mp->installed[s][k] = m->u.flow;
	if (m->h.type == MG_CTL_FLOW_MOD)
		settle_mod(c, env, plan.call[i], plan.media[i], s, k,
			   &m->u.flow, ok);
	return !ok;
}

static void
keys_installed(struct mg_call *call)
{
	for (uint32_t m = 0; m < call->nb_media; m++)
		call->media[m].keys_new[0] = call->media[m].keys_new[1] = 0;
}

/* Each call of the plan once, with its outcome, for pipelined callers. */
static void
tell_calls(int rc, const char *err, mg_install_done_fn done, void *arg)
{
	for (unsigned int i = 0; done != NULL && i < plan.n; i++)
		if (i + 1 == plan.n || plan.call[i + 1] != plan.call[i])
			done(arg, plan.call[i], rc, err);
}

/* Send the plan; then what the acks say, call by call. A call none of
 * whose requests was refused has its keys installed; a refused flow
 * leaves no context behind (deleted in a second batch). Returns 0, the
 * ring's error, or -EREMOTEIO with the first refusal in err; *failed
 * counts the calls with a refusal; done (if any) hears of each call. */
static int
flush(struct mg_calls *c, const struct mg_install_env *env,
      struct mg_install_stats *st, uint32_t *failed, char *err,
      size_t errlen, mg_install_done_fn done, void *arg)
{
	static struct mg_ctl_msg undo[PLAN_MAX];
	static int32_t undo_status[PLAN_MAX];
	unsigned int nu = 0;
	bool refused = false;
	char cerr[200] = "";
	int rc = 0;

	err[0] = '\0';
	if (plan.n != 0) {
		st->requests += plan.n;
		st->batches++;
		rc = env->req(env->arg, plan.msg, plan.n, plan.status);
	}
	for (unsigned int i = 0; i < plan.n && rc == 0; i++) {
		bool no = settle_one(c, env, i, st, cerr, sizeof(cerr));

		if (no && (plan.msg[i].h.type == MG_CTL_FLOW_ADD ||
			   plan.msg[i].h.type == MG_CTL_FLOW_MOD))
			nu = orphans(i, undo, nu);
		refused |= no;
		if (i + 1 == plan.n || plan.call[i + 1] != plan.call[i]) {
			if (!refused)
				keys_installed(plan.call[i]);
			if (done != NULL)
				done(arg, plan.call[i], refused ? -EREMOTEIO : 0,
				     cerr);
			if (err[0] == '\0' && cerr[0] != '\0')
				snprintf(err, errlen, "%s", cerr);
			*failed += refused;
			refused = false;
			cerr[0] = '\0';
		}
	}
	if (rc != 0) {
		snprintf(err, errlen, "dataplane gone: %s", strerror(-rc));
		for (unsigned int i = 0; i < plan.n; i++)
			plan.call[i]->uncertain = 1;
		tell_calls(rc, err, done, arg);
	} else if (err[0] != '\0')
		rc = -EREMOTEIO;
	for (unsigned int i = 0; i < nu; i++)
		undo[i].h = (struct mg_ctl_hdr){ .type = MG_CTL_SRTP_DEL,
						 .len = sizeof(struct mg_ctl_id) };
	if (nu != 0) {
		st->requests += nu;
		env->req(env->arg, undo, nu, undo_status);
	}
	explicit_bzero(plan.msg, plan.n * sizeof(plan.msg[0]));
	plan.n = 0;
	return rc;
}

/* Add a call's requests to the plan. 0, or -ENOSPC out of ids. */
static int
plan_call(struct mg_calls *c, struct mg_call *call,
	  const struct mg_install_env *env, bool all)
{
	int rc = 0;

	plan.cur = call;
	for (uint32_t m = 0; m < call->nb_media && rc == 0; m++) {
		struct mg_media_pair *mp = &call->media[m];

		if (!name_flows(c, mp))
			rc = -ENOSPC;
		for (int s = 0; s < 2 && rc == 0 && !mp->rejected; s++)
			rc = plan_esp(c, call, m, s, env, all);
		for (int s = 0; s < 2 && rc == 0; s++)
			for (int k = 0; k < 2 && rc == 0; k++)
				rc = plan_flow(c, mp, m, s, k, env, all);
	}
	if (rc == 0)
		plan_esp_retired(call);
	return rc;
}

int
mg_call_install(struct mg_calls *c, struct mg_call *call,
		const struct mg_install_env *env, bool all,
		struct mg_install_stats *st, char *err, size_t errlen)
{
	uint32_t failed = 0;

	if (call->state != MG_CALL_ANSWERED)
		return 0;
	plan.n = 0;
	if (plan_call(c, call, env, all) != 0) {
		explicit_bzero(plan.msg, plan.n * sizeof(plan.msg[0]));
		plan.n = 0;
		return snprintf(err, errlen, "out of flow or context ids "
				"(--max-flows)"), -ENOSPC;
	}
	return flush(c, env, st, &failed, err, errlen, NULL, NULL);
}

int
mg_call_plan(struct mg_calls *c, struct mg_call *call,
	     const struct mg_install_env *env)
{
	unsigned int n0 = plan.n;

	if (call->state != MG_CALL_ANSWERED)
		return 0;
	if (plan.n + CALL_PLAN_MAX > PLAN_MAX)
		return -E2BIG;
	if (plan_call(c, call, env, false) != 0) {
		explicit_bzero(&plan.msg[n0], (plan.n - n0) * sizeof(plan.msg[0]));
		plan.n = n0;
		return -ENOSPC;
	}
	return (int)(plan.n - n0);
}

bool
mg_calls_planned(void)
{
	return plan.n != 0;
}

int
mg_calls_flush_planned(struct mg_calls *c, const struct mg_install_env *env,
		       struct mg_install_stats *st, mg_install_done_fn done,
		       void *arg)
{
	uint32_t failed = 0;
	char err[200];

	return flush(c, env, st, &failed, err, sizeof(err), done, arg);
}

int
mg_calls_install_all(struct mg_calls *c, const struct mg_install_env *env,
		     struct mg_install_stats *st, uint32_t *failed, char *err,
		     size_t errlen)
{
	struct mg_call *call;
	uint32_t n = 0, i = 0;
	int rc = 0;

	*failed = 0;
	plan.n = 0;
	while (rc == 0 && (call = mg_calls_next(c, &i)) != NULL) {
		if (call->state != MG_CALL_ANSWERED)
			continue;
		if (plan.n + CALL_PLAN_MAX > PLAN_MAX) {
			rc = flush(c, env, st, failed, err, errlen, NULL, NULL);
			rc = rc == -EREMOTEIO ? 0 : rc;
		}
		call->uncertain = 0; /* a new dataplane has nothing of it */
		if (rc == 0 && plan_call(c, call, env, true) != 0)
			(*failed)++;
		n++;
	}
	if (rc == 0)
		rc = flush(c, env, st, failed, err, errlen, NULL, NULL);
	return rc == -EREMOTEIO ? (int)(n - *failed) :
	       rc == 0 ? (int)(n - *failed) : rc;
}

/* A party's SAs go after every flow that held them. */
static void
plan_esp_gone(const struct mg_media_pair *mp, uint32_t m, int s)
{
	const struct mg_side_esp *e = &mp->side[s].esp;

	if (e->theirs.suite == 0 || e->owner != m)
		return;
	if (e->sa_in != 0)
		plan_id(&plan, MG_CTL_ESP_DEL, e->sa_in, m, s, KIND_ESP_IN);
	if (e->sa_out != 0)
		plan_id(&plan, MG_CTL_ESP_DEL, e->sa_out, m, s, KIND_ESP_OUT);
	if (e->sa_drain != 0)
		plan_id(&plan, MG_CTL_ESP_DEL, e->sa_drain, m, s, KIND_ESP_IN);
	for (int i = 0; i < 3; i++)
		if (e->sa_retire[i] != 0)
			plan_id(&plan, MG_CTL_ESP_DEL, e->sa_retire[i], m, s,
				KIND_ESP_IN);
}

static void
plan_gone(const struct mg_media_pair *mp, uint32_t m, int s, int k, int pass)
{
	if (pass == 0 && mp->flow[s][k] != 0)
		plan_id(&plan, MG_CTL_FLOW_DEL, mp->flow[s][k], m, s, k);
	if (pass == 1 && mp->rx_ctx[s][k] != 0)
		plan_id(&plan, MG_CTL_SRTP_DEL, mp->rx_ctx[s][k], m, s, k);
	if (pass == 1 && mp->tx_ctx[s][k] != 0)
		plan_id(&plan, MG_CTL_SRTP_DEL, mp->tx_ctx[s][k], m, s, k);
	if (pass == 1 && k == 0)
		plan_esp_gone(mp, m, s);
}

int
mg_call_resync(struct mg_calls *c, struct mg_call *call,
	       const struct mg_install_env *env, struct mg_install_stats *st,
	       char *err, size_t errlen)
{
	uint32_t failed = 0;
	int rc;

	/* Whatever of it the dataplane took: deleted, flows first (their
	 * contexts go with them), then contexts left without a flow
	 * (ENOENT for the rest is fine)... */
	plan.n = 0;
	plan.cur = call;
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t m = 0; m < call->nb_media; m++)
			for (int s = 0; s < 2; s++)
				for (int k = 0; k < 2; k++)
					plan_gone(&call->media[m], m, s, k,
						  pass);
	rc = flush(c, env, st, &failed, err, errlen, NULL, NULL);
	if (rc != 0 && rc != -EREMOTEIO)
		return rc;
	/* ... then all of it again. */
	call->uncertain = 0;
	rc = mg_call_install(c, call, env, true, st, err, errlen);
	return rc;
}

int
mg_call_uninstall(struct mg_calls *c, struct mg_call *call,
		  const struct mg_install_env *env, struct mg_install_stats *st)
{
	int rc = 0;

	plan.n = 0;
	plan.cur = call;
	for (uint32_t m = 0; m < call->nb_media; m++)
		for (int s = 0; s < 2; s++)
			for (int k = 0; k < 2; k++) {
				struct mg_media_pair *mp = &call->media[m];

				if (mp->installed[s][k].id != 0)
					plan_id(&plan, MG_CTL_FLOW_DEL,
						mp->flow[s][k], m, s, k);
				put_ids(c, mp, s, k);
			}
	for (uint32_t m = 0; m < call->nb_media; m++)
		for (int s = 0; s < 2; s++) {
			struct mg_side_esp *e = &call->media[m].side[s].esp;

			plan_esp_gone(&call->media[m], m, s);
			if (e->owner == m) {
				esp_forget_old(c, e);
				mg_idpool_put(&c->esp_ids, e->sa_in);
				mg_idpool_put(&c->esp_ids, e->sa_out);
				e->sa_in = e->sa_out = 0;
				e->installed = 0;
			}
		}
	if (plan.n != 0) {
		st->requests += plan.n;
		rc = env->req(env->arg, plan.msg, plan.n, plan.status);
	}
	plan.n = 0;
	return rc;
}
