/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "call_install.h"

static int
send_req(const struct mg_install_env *env, struct mg_ctl_msg *m,
	 struct mg_install_stats *st, char *err, size_t errlen)
{
	int32_t status = 0;
	int rc = env->req(env->arg, m, &status);

	st->requests++;
	if (rc != 0)
		return snprintf(err, errlen, "dataplane gone: %s",
				strerror(-rc)), rc;
	if (status == 0)
		return 0;
	st->refused++;
	snprintf(err, errlen, "dataplane refused %s %u: %s",
		 m->h.type == MG_CTL_FLOW_ADD ? "flow" :
		 m->h.type == MG_CTL_SRTP_ADD ? "context" : "delete of flow",
		 m->u.id.id, strerror(status));
	return -EREMOTEIO;
}

static int
flow_del(const struct mg_install_env *env, uint32_t id,
	 struct mg_install_stats *st, char *err, size_t errlen)
{
	struct mg_ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.h.type = MG_CTL_FLOW_DEL;
	m.h.len = sizeof(m.u.id);
	m.u.id.id = id;
	return send_req(env, &m, st, err, errlen);
}

static int
ctx_add(const struct mg_install_env *env, uint32_t id,
	const struct mg_srtp_policy *p, struct mg_install_stats *st,
	char *err, size_t errlen)
{
	struct mg_ctl_msg m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.h.type = MG_CTL_SRTP_ADD;
	m.h.len = sizeof(m.u.srtp_add);
	m.u.srtp_add.id = id;
	m.u.srtp_add.policy = *p;
	rc = send_req(env, &m, st, err, errlen);
	explicit_bzero(&m, sizeof(m));
	return rc;
}

static void
ctx_del(const struct mg_install_env *env, uint32_t id,
	struct mg_install_stats *st)
{
	struct mg_ctl_msg m;
	char err[96];

	memset(&m, 0, sizeof(m));
	m.h.type = MG_CTL_SRTP_DEL;
	m.h.len = sizeof(m.u.id);
	m.u.id.id = id;
	send_req(env, &m, st, err, sizeof(err));
}

static uint16_t
action_of(bool srtp_in, bool srtp_out)
{
	if (srtp_in)
		return srtp_out ? MG_FLOW_SRTP_TO_SRTP : MG_FLOW_SRTP_TO_RTP;
	return srtp_out ? MG_FLOW_RTP_TO_SRTP : MG_FLOW_RELAY;
}

static struct mg_ctl_addr
ours(const struct mg_install_env *env, uint16_t port)
{
	struct mg_ctl_addr a = env->media;

	a.port = __builtin_bswap16(port);
	return a;
}

/* The flow that takes what party s sends to our port (k = RTP) or port + 1
 * (k = RTCP, when s does not mux) and sends it on to the other party. */
static void
flow_of(const struct mg_media_pair *mp, int s, int k,
	const struct mg_install_env *env, struct mg_ctl_flow *f)
{
	const struct mg_side *x = &mp->side[s], *y = &mp->side[!s];

	memset(f, 0, sizeof(*f));
	f->action = action_of(x->in.suite != 0, y->out.suite != 0);
	f->flags = (uint16_t)(env->strict ? MG_FLOW_F_STRICT : 0) |
		   MG_FLOW_F_LATCH | (k == MG_MF_RTCP ? MG_FLOW_F_RTCP : 0);
	f->local = ours(env, (uint16_t)(x->port + k));
	f->remote = k == MG_MF_RTCP ? x->rtcp : x->rtp;
	f->out_port = env->out_port;
	memcpy(f->out_dst_mac, env->next_hop_mac, 6);
	f->out_src = ours(env, (uint16_t)(y->port + (y->mux ? 0 : k)));
	f->out_dst = k == MG_MF_RTCP && !y->mux ? y->rtcp : y->rtp;
	f->peer = mp->flow[!s][k == MG_MF_RTCP && !y->mux ? MG_MF_RTCP :
			       MG_MF_RTP];
}

static void
put_ids(struct mg_calls *c, struct mg_media_pair *mp, int s, int k)
{
	mg_idpool_put(&c->flow_ids, mp->flow[s][k]);
	mg_idpool_put(&c->ctx_ids, mp->rx_ctx[s][k]);
	mg_idpool_put(&c->ctx_ids, mp->tx_ctx[s][k]);
	mp->flow[s][k] = mp->rx_ctx[s][k] = mp->tx_ctx[s][k] = 0;
	memset(&mp->installed[s][k], 0, sizeof(mp->installed[s][k]));
}

static bool
take_ids(struct mg_calls *c, struct mg_media_pair *mp, int s, int k,
	 const struct mg_ctl_flow *f)
{
	bool rx = f->action == MG_FLOW_SRTP_TO_RTP ||
		  f->action == MG_FLOW_SRTP_TO_SRTP;
	bool tx = f->action == MG_FLOW_RTP_TO_SRTP ||
		  f->action == MG_FLOW_SRTP_TO_SRTP;

	if (mp->flow[s][k] == 0)
		mp->flow[s][k] = mg_idpool_take(&c->flow_ids);
	if (rx && mp->rx_ctx[s][k] == 0)
		mp->rx_ctx[s][k] = mg_idpool_take(&c->ctx_ids);
	if (!rx && mp->rx_ctx[s][k]) {
		mg_idpool_put(&c->ctx_ids, mp->rx_ctx[s][k]);
		mp->rx_ctx[s][k] = 0;
	}
	if (tx && mp->tx_ctx[s][k] == 0)
		mp->tx_ctx[s][k] = mg_idpool_take(&c->ctx_ids);
	if (!tx && mp->tx_ctx[s][k]) {
		mg_idpool_put(&c->ctx_ids, mp->tx_ctx[s][k]);
		mp->tx_ctx[s][k] = 0;
	}
	return mp->flow[s][k] && (!rx || mp->rx_ctx[s][k]) &&
	       (!tx || mp->tx_ctx[s][k]);
}

/* Install flow (s, k) afresh: its contexts, then the flow. */
static int
add_flow(struct mg_calls *c, struct mg_media_pair *mp, int s, int k,
	 struct mg_ctl_flow *f, const struct mg_install_env *env,
	 struct mg_install_stats *st, char *err, size_t errlen)
{
	struct mg_ctl_msg m;
	int rc = 0;

	if (!take_ids(c, mp, s, k, f))
		return snprintf(err, errlen, "out of flow or context ids "
				"(--max-flows)"), -ENOSPC;
	f->id = mp->flow[s][k];
	f->rx_ctx = mp->rx_ctx[s][k];
	f->tx_ctx = mp->tx_ctx[s][k];
	if (f->rx_ctx)
		rc = ctx_add(env, f->rx_ctx, &mp->side[s].in, st, err, errlen);
	if (rc == 0 && f->tx_ctx)
		rc = ctx_add(env, f->tx_ctx, &mp->side[!s].out, st, err, errlen);
	if (rc == 0) {
		memset(&m, 0, sizeof(m));
		m.h.type = MG_CTL_FLOW_ADD;
		m.h.len = sizeof(m.u.flow);
		m.u.flow = *f;
		rc = send_req(env, &m, st, err, errlen);
	}
	if (rc == 0) {
		mp->installed[s][k] = *f;
		return 0;
	}
	/* Refused: no context may stay behind without its flow. */
	if (rc == -EREMOTEIO) {
		if (f->rx_ctx)
			ctx_del(env, f->rx_ctx, st);
		if (f->tx_ctx)
			ctx_del(env, f->tx_ctx, st);
	}
	return rc;
}

static bool
wanted(const struct mg_media_pair *mp, int s, int k)
{
	return !mp->rejected && mp->side[0].has_sdp && mp->side[1].has_sdp &&
	       (k == MG_MF_RTP || !mp->side[s].mux);
}

/* One flow: left alone, replaced, added or deleted. */
static int
sync_flow(struct mg_calls *c, struct mg_media_pair *mp, int s, int k,
	  const struct mg_install_env *env, bool all,
	  struct mg_install_stats *st, char *err, size_t errlen)
{
	struct mg_ctl_flow f;
	bool have = mp->installed[s][k].id != 0;
	int rc;

	if (!wanted(mp, s, k)) {
		rc = have && !all ? flow_del(env, mp->flow[s][k], st, err,
					     errlen) : 0;
		if (rc == 0 || rc == -EREMOTEIO)
			put_ids(c, mp, s, k);
		return rc == -EREMOTEIO ? 0 : rc;
	}
	flow_of(mp, s, k, env, &f);
	f.id = mp->flow[s][k];
	f.rx_ctx = mp->rx_ctx[s][k];
	f.tx_ctx = mp->tx_ctx[s][k];
	if (have && !all && !mp->keys_new[s] && !mp->keys_new[!s] &&
	    memcmp(&f, &mp->installed[s][k], sizeof(f)) == 0)
		return 0;
	if (have && !all) {
		rc = flow_del(env, mp->flow[s][k], st, err, errlen);
		if (rc != 0 && rc != -EREMOTEIO)
			return rc;
		memset(&mp->installed[s][k], 0, sizeof(mp->installed[s][k]));
	}
	return add_flow(c, mp, s, k, &f, env, st, err, errlen);
}

/* Peers are named by id: both RTP flows get theirs before either is sent,
 * so the dataplane links them when the second arrives. */
static void
name_flows(struct mg_calls *c, struct mg_media_pair *mp)
{
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < 2; k++)
			if (wanted(mp, s, k) && mp->flow[s][k] == 0)
				mp->flow[s][k] = mg_idpool_take(&c->flow_ids);
}

int
mg_call_install(struct mg_calls *c, struct mg_call *call,
		const struct mg_install_env *env, bool all,
		struct mg_install_stats *st, char *err, size_t errlen)
{
	int rc = 0;

	if (call->state != MG_CALL_ANSWERED)
		return 0;
	for (uint32_t m = 0; m < call->nb_media && rc == 0; m++) {
		struct mg_media_pair *mp = &call->media[m];

		name_flows(c, mp);
		for (int s = 0; s < 2 && rc == 0; s++)
			for (int k = 0; k < 2 && rc == 0; k++)
				rc = sync_flow(c, mp, s, k, env, all, st, err,
					       errlen);
		if (rc == 0)
			mp->keys_new[0] = mp->keys_new[1] = 0;
	}
	return rc;
}

int
mg_call_uninstall(struct mg_calls *c, struct mg_call *call,
		  const struct mg_install_env *env, struct mg_install_stats *st)
{
	char err[128];
	int rc = 0;

	for (uint32_t m = 0; m < call->nb_media; m++)
		for (int s = 0; s < 2; s++)
			for (int k = 0; k < 2; k++) {
				struct mg_media_pair *mp = &call->media[m];

				if (rc == 0 && mp->installed[s][k].id != 0)
					rc = flow_del(env, mp->flow[s][k], st,
						      err, sizeof(err));
				if (rc == -EREMOTEIO)
					rc = 0; /* already gone: fine */
				put_ids(c, mp, s, k);
			}
	return rc;
}
