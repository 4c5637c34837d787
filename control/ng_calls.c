/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ng.h"
#include "ng_calls.h"
#include "sdp.h"

/* Big buffers of one request at a time, kept off the stack. */
static struct mg_sdp parsed;
static char sdp_out[MG_NG_MSG_MAX];

static bool
fail(struct mg_benc *e, const char *why)
{
	mg_benc_kv_cstr(e, "result", "error");
	mg_benc_kv_cstr(e, "error-reason", why);
	return false;
}

/* A string value: 1 found, 0 absent, -1 present with another type. */
static int
get_str(const struct mg_bdoc *doc, const struct mg_bnode *req,
	const char *key, const char **p, size_t *len)
{
	const struct mg_bnode *n = mg_bdict_get(doc, req, key);

	if (n == NULL)
		return 0;
	if (n->type != MG_B_STR)
		return -1;
	*p = n->v.s;
	*len = n->len;
	return 1;
}

/* The strings of a list value (or one string, as rtpengine also takes);
 * calls fn for each, stopping at a nonzero return. -1: wrong type. */
static int
each_str(const struct mg_bdoc *doc, const struct mg_bnode *req,
	 const char *key, int (*fn)(void *arg, const char *s, size_t len),
	 void *arg)
{
	const struct mg_bnode *n = mg_bdict_get(doc, req, key);
	int rc = 0;

	if (n == NULL)
		return 0;
	if (n->type == MG_B_STR)
		return fn(arg, n->v.s, n->len);
	if (n->type != MG_B_LIST)
		return -1;
	for (uint32_t i = n->child; i != MG_B_NONE && rc == 0;
	     i = doc->nodes[i].next) {
		const struct mg_bnode *c = &doc->nodes[i];

		if (c->type != MG_B_STR)
			return -1;
		rc = fn(arg, c->v.s, c->len);
	}
	return rc;
}

static bool
str_eq(const char *p, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(p, lit, len) == 0;
}

static int
sdes_flag(void *arg, const char *s, size_t len)
{
	int rc = mg_call_sdes_flag(arg, s, len);

	return rc < 0 ? rc : 0;
}

static int
esp_flag(void *arg, const char *s, size_t len)
{
	int rc = mg_call_esp_flag(arg, s, len);

	return rc < 0 ? rc : 0;
}

static int
replace_flag(void *arg, const char *s, size_t len)
{
	struct mg_call_opts *o = arg;

	if (str_eq(s, len, "origin"))
		o->replace_origin = true;
	return 0; /* session-connection and the rest: we always do those */
}

/* rtcp-mux: demux and reject are honoured (the other side is offered
 * none); offer, require and accept would make one side mux and the other
 * not, which the flows do not do: said in a warning. */
static int
mux_flag(void *arg, const char *s, size_t len)
{
	struct mg_call_opts *o = arg;

	if (str_eq(s, len, "demux") || str_eq(s, len, "reject"))
		o->demux = true;
	else if (str_eq(s, len, "offer") || str_eq(s, len, "require"))
		o->warning = "rtcp-mux offer/require not supported: rtcp-mux "
			     "as offered";
	return 0;
}

/* ICE: we do not speak it and always remove candidates (they would send
 * the parties around us); asking to force it gets a warning. */
static void
ice_flag(const struct mg_bdoc *doc, const struct mg_bnode *req,
	 struct mg_call_opts *o)
{
	const char *p;
	size_t len;

	if (get_str(doc, req, "ICE", &p, &len) == 1 &&
	    (str_eq(p, len, "force") || str_eq(p, len, "force-relay")))
		o->warning = "ICE not supported: candidates removed";
}

/* transport-protocol and the list keys that shape the SDP. */
static int
read_opts(const struct mg_bdoc *doc, const struct mg_bnode *req,
	  struct mg_call_opts *o, char *err, size_t errlen)
{
	static const char *const protos[] = { "RTP/AVP", "RTP/SAVP",
					       "RTP/AVPF", "RTP/SAVPF" };
	const char *p;
	size_t len;
	int rc = get_str(doc, req, "transport-protocol", &p, &len);

	if (rc < 0)
		return snprintf(err, errlen, "transport-protocol must be a "
				"string"), -EINVAL;
	if (rc > 0) {
		o->proto = -1;
		for (int i = 0; i < 4; i++)
			if (str_eq(p, len, protos[i]))
				o->proto = i;
		if (o->proto < 0)
			return snprintf(err, errlen, "transport-protocol "
					"'%.*s' not supported", (int)(len > 32 ?
					32 : len), p), -EINVAL;
	}
	rc = each_str(doc, req, "SDES", sdes_flag, o);
	if (rc < 0)
		return snprintf(err, errlen, "SDES: unknown crypto suite or "
				"not a list of strings"), -EINVAL;
	if (each_str(doc, req, "ESP", esp_flag, o) < 0)
		return snprintf(err, errlen, "ESP: a list of offer, udp, esn, "
				"kdr-N (N 8..48)"), -EINVAL;
	if (each_str(doc, req, "replace", replace_flag, o) < 0)
		return snprintf(err, errlen, "replace must be a list of "
				"strings"), -EINVAL;
	if (each_str(doc, req, "rtcp-mux", mux_flag, o) < 0)
		return snprintf(err, errlen, "rtcp-mux must be a list of "
				"strings"), -EINVAL;
	ice_flag(doc, req, o);
	return 0;
}

struct req {
	const char *call_id, *from_tag, *to_tag, *sdp;
	size_t call_id_len, from_tag_len, to_tag_len, sdp_len;
};

static int
read_ids(const struct mg_bdoc *doc, const struct mg_bnode *req,
	 struct req *r, bool need_tag, bool need_to_tag, bool need_sdp,
	 char *err, size_t errlen)
{
	if (get_str(doc, req, "call-id", &r->call_id, &r->call_id_len) != 1 ||
	    r->call_id_len == 0 || r->call_id_len > MG_CALL_ID_MAX)
		return snprintf(err, errlen, "No call-id in message (a string "
				"of 1..%d bytes)", MG_CALL_ID_MAX), -EINVAL;
	if (get_str(doc, req, "from-tag", &r->from_tag, &r->from_tag_len) < 0 ||
	    (need_tag && r->from_tag_len == 0) ||
	    r->from_tag_len > MG_CALL_TAG_MAX)
		return snprintf(err, errlen, "No from-tag in message (a string "
				"of 1..%d bytes)", MG_CALL_TAG_MAX), -EINVAL;
	if (get_str(doc, req, "to-tag", &r->to_tag, &r->to_tag_len) < 0 ||
	    (need_to_tag && r->to_tag_len == 0) ||
	    r->to_tag_len > MG_CALL_TAG_MAX)
		return snprintf(err, errlen, "No to-tag in message (a string "
				"of 1..%d bytes)", MG_CALL_TAG_MAX), -EINVAL;
	if (need_sdp && (get_str(doc, req, "sdp", &r->sdp, &r->sdp_len) != 1 ||
			 r->sdp_len == 0))
		return snprintf(err, errlen, "No SDP body in message"), -EINVAL;
	return 0;
}

static bool
tag_is(const char *tag, const char *p, size_t len)
{
	return len != 0 && strlen(tag) == len && memcmp(tag, p, len) == 0;
}

static void
set_tag(char *tag, const char *p, size_t len)
{
	memcpy(tag, p, len);
	tag[len] = '\0';
}

static uint64_t
wall_s(void)
{
	return (uint64_t)time(NULL);
}

/* Which party of the call sends this offer: the first offerer (named by
 * its first offer) or the one that answered it (named by the answer's
 * to-tag); -1 for anyone else. */
static int
offer_side(struct mg_call *call, const struct req *r)
{
	if (call->tag[0][0] == '\0')
		set_tag(call->tag[0], r->from_tag, r->from_tag_len);
	if (tag_is(call->tag[0], r->from_tag, r->from_tag_len))
		return 0;
	if (tag_is(call->tag[1], r->from_tag, r->from_tag_len))
		return 1;
	return -1;
}

static void
reply_sdp(struct mg_benc *e, long n, const struct mg_call_opts *o)
{
	mg_benc_kv_cstr(e, "result", "ok");
	if (o->warning != NULL)
		mg_benc_kv_cstr(e, "warning", o->warning);
	mg_benc_kv_str(e, "sdp", sdp_out, (size_t)n);
	explicit_bzero(sdp_out, (size_t)n);
}

static bool
do_offer(struct mg_ng_calls *nc, const struct mg_bdoc *doc,
	 const struct mg_bnode *req, struct mg_benc *e)
{
	struct mg_call_opts o = nc->defaults;
	struct mg_call *call;
	struct req r = { 0 };
	char err[200];
	bool fresh = false;
	int from;
	long n;

	if (read_ids(doc, req, &r, true, false, true, err, sizeof(err)) != 0 ||
	    read_opts(doc, req, &o, err, sizeof(err)) != 0)
		return fail(e, err);
	if (mg_sdp_parse(r.sdp, r.sdp_len, &parsed, err, sizeof(err)) != 0) {
		nc->refused_sdp++;
		return fail(e, err);
	}
	call = mg_calls_find(nc->calls, r.call_id, r.call_id_len);
	if (call == NULL) {
		call = mg_calls_add(nc->calls, r.call_id, r.call_id_len);
		if (call == NULL)
			return fail(e, "Too many calls (--max-calls)");
		fresh = true;
		call->created_s = wall_s();
	}
	o.addr = nc->addr_text[call->addr];
	o.family = nc->env.media[call->addr].family;
	from = offer_side(call, &r);
	n = from < 0 ? (snprintf(err, sizeof(err), "from-tag matches neither "
				 "party of the call"), -EINVAL) :
	    mg_call_offer(nc->calls, call, from, &parsed, &o, sdp_out,
			  sizeof(sdp_out), err, sizeof(err));
	if (n < 0) {
		if (fresh)
			mg_calls_remove(nc->calls, call);
		nc->refused_sdp++;
		return fail(e, err);
	}
	call->last_signal_s = wall_s();
	nc->offers++;
	reply_sdp(e, n, &o);
	return true;
}

/*
 * The dataplane did not ack the call in time (a stall). Without sec
 * preconditions that is an error reply; with them the answer goes out
 * saying none of it is current yet (RFC 5027: no one is alerted before
 * media security works), and the call is brought in line when the
 * dataplane answers again; the party's next offer learns the rest.
 */
static long
behind_answer(struct mg_call *call, int side, struct mg_call_opts *o,
	      char *err, size_t errlen)
{
	char why[200];
	long n;

	if (!call->uncertain || !mg_call_uses_prec(call))
		return -EIO;
	o->dp_behind = true;
	n = mg_call_answer(NULL, call, side, &parsed, o, sdp_out,
			   sizeof(sdp_out), why, sizeof(why));
	if (n < 0)
		snprintf(err, errlen, "%s", why);
	else
		o->warning = "dataplane slow: security preconditions not met "
			     "yet";
	return n;
}

/* The flush's word on a pending answer's call. */
static void
pending_done(void *arg, struct mg_call *call, int rc, const char *err)
{
	struct mg_ng_calls *nc = arg;

	for (unsigned int k = 0; k < nc->npending; k++) {
		struct mg_ng_pending *p = &nc->pending[k];

		if (p->call != call || p->rc != 1)
			continue;
		p->rc = rc;
		snprintf(p->err, sizeof(p->err), "%s", err);
	}
}

/* The pending answers' installs, sent now (at the burst's end, or before
 * a request that needs their calls as they will be). */
static void
flush_pending(struct mg_ng_calls *nc)
{
	if (mg_calls_planned())
		mg_calls_flush_planned(nc->calls, &nc->env, &nc->ist,
				       pending_done, nc);
	for (unsigned int k = 0; k < nc->npending; k++)
		if (nc->pending[k].rc == 1)
			nc->pending[k].rc = 0;
}

void
mg_ng_calls_end(struct mg_ng_calls *nc)
{
	flush_pending(nc);
}

bool
mg_ng_calls_finish(struct mg_ng_calls *nc, uintptr_t token, struct mg_benc *e)
{
	struct mg_ng_pending *p = &nc->pending[token];
	bool ok = p->rc == 0;

	if (ok) {
		mg_benc_kv_cstr(e, "result", "ok");
		if (p->o.warning != NULL)
			mg_benc_kv_cstr(e, "warning", p->o.warning);
		mg_benc_kv_str(e, "sdp", p->sdp, (size_t)p->n);
	} else {
		fail(e, p->err);
	}
	explicit_bzero(p->sdp, (size_t)p->n);
	if (token + 1 == nc->npending)
		nc->npending = 0;
	return ok;
}

/* An answer's install put in the burst's batch, its reply deferred; false
 * if it is to be installed now instead (nothing to install, no room). */
static bool
defer_answer(struct mg_ng_calls *nc, struct mg_call *call,
	     const struct mg_call_opts *o, long n)
{
	struct mg_ng_pending *p;
	int k;

	if (nc->ng == NULL || nc->npending == MG_NG_PENDING_MAX ||
	    call->uncertain || mg_call_uses_prec(call))
		return false;
	k = mg_call_plan(nc->calls, call, &nc->env);
	if (k == -E2BIG) {
		flush_pending(nc);
		k = mg_call_plan(nc->calls, call, &nc->env);
	}
	if (k <= 0)
		return false;
	p = &nc->pending[nc->npending];
	p->call = call;
	p->o = *o;
	p->n = n;
	p->rc = 1;
	p->err[0] = '\0';
	memcpy(p->sdp, sdp_out, (size_t)n);
	explicit_bzero(sdp_out, (size_t)n);
	mg_ng_defer(nc->ng, nc->npending++);
	nc->pipelined++;
	return true;
}

/* A request for a call whose answer waits in the batch, or one that does
 * more than offers and answers: the batch goes first. */
static void
pending_first(struct mg_ng_calls *nc, const struct mg_bdoc *doc,
	      const struct mg_bnode *req, const struct mg_bnode *cmd)
{
	const char *id;
	size_t len;
	bool flush = !mg_bstr_is(cmd, "offer") && !mg_bstr_is(cmd, "answer");

	if (!mg_calls_planned())
		return;
	if (!flush && get_str(doc, req, "call-id", &id, &len) == 1)
		for (unsigned int k = 0; k < nc->npending && !flush; k++)
			flush = nc->pending[k].rc == 1 &&
				strlen(nc->pending[k].call->call_id) == len &&
				memcmp(nc->pending[k].call->call_id, id, len) == 0;
	if (flush)
		flush_pending(nc);
}

static bool
do_answer(struct mg_ng_calls *nc, const struct mg_bdoc *doc,
	  const struct mg_bnode *req, struct mg_benc *e)
{
	struct mg_call_opts o = nc->defaults;
	struct mg_call *call;
	struct req r = { 0 };
	char err[200];
	int side;
	long n;

	if (read_ids(doc, req, &r, true, true, true, err, sizeof(err)) != 0 ||
	    read_opts(doc, req, &o, err, sizeof(err)) != 0)
		return fail(e, err);
	call = mg_calls_find(nc->calls, r.call_id, r.call_id_len);
	if (call == NULL)
		return fail(e, "Unknown call-id");
	if (!tag_is(call->tag[call->offerer], r.from_tag, r.from_tag_len))
		return fail(e, "from-tag is not the offerer's");
	if (mg_sdp_parse(r.sdp, r.sdp_len, &parsed, err, sizeof(err)) != 0) {
		nc->refused_sdp++;
		return fail(e, err);
	}
	side = !call->offerer;
	o.addr = nc->addr_text[call->addr];
	o.family = nc->env.media[call->addr].family;
	o.dp_behind = call->uncertain;
	n = mg_call_answer(nc->calls, call, side, &parsed, &o, sdp_out,
			   sizeof(sdp_out), err, sizeof(err));
	if (n < 0) {
		nc->refused_sdp++;
		return fail(e, err);
	}
	/* A later answer from another fork of the call takes its place. */
	set_tag(call->tag[side], r.to_tag, r.to_tag_len);
	call->last_signal_s = wall_s();
	if (defer_answer(nc, call, &o, n)) {
		nc->answers++;
		return true;
	}
	if (mg_call_install(nc->calls, call, &nc->env, false, &nc->ist, err,
			    sizeof(err)) != 0) {
		explicit_bzero(sdp_out, (size_t)n);
		n = behind_answer(call, side, &o, err, sizeof(err));
		if (n < 0)
			return fail(e, err);
	}
	nc->answers++;
	reply_sdp(e, n, &o);
	return true;
}

struct totals {
	uint64_t pkts[2], bytes[2], errors[2]; /* [RTP, RTCP] */
};

static void
side_stats(struct mg_ng_calls *nc, const struct mg_call *call, int s,
	   struct totals *t)
{
	for (uint32_t m = 0; m < call->nb_media; m++)
		for (int k = 0; k < 2; k++) {
			struct mg_ctl_flow_stats st;
			uint64_t errs;

			if (call->media[m].installed[s][k].id == 0 ||
			    nc->flow_stats(nc->arg, call->media[m].flow[s][k],
					   &st) != 0)
				continue;
			errs = st.drop_source + st.drop_tx;
			for (int i = 1; i < MG_SRTP_STATUS_MAX; i++)
				errs += st.drop_srtp[i];
			t->pkts[k] += st.rx_pkts;
			t->bytes[k] += st.rx_bytes;
			t->errors[k] += errs;
		}
}

static void
put_counts(struct mg_benc *e, const char *key, const struct totals *t, int k)
{
	mg_benc_cstr(e, key);
	mg_benc_open(e, 'd');
	mg_benc_kv_int(e, "packets", (int64_t)t->pkts[k]);
	mg_benc_kv_int(e, "bytes", (int64_t)t->bytes[k]);
	mg_benc_kv_int(e, "errors", (int64_t)t->errors[k]);
	mg_benc_close(e);
}

static const char *
proto_name(uint8_t p)
{
	static const char *const n[] = { "RTP/AVP", "RTP/SAVP", "RTP/AVPF",
					 "RTP/SAVPF", "udp" };
	return p < 5 ? n[p] : "?";
}

/* rtpengine's query shape: created, last signal, tags with their medias,
 * totals; packets counted as received from each party. */
static void
put_call(struct mg_ng_calls *nc, const struct mg_call *call,
	 struct mg_benc *e)
{
	struct totals all = { 0 };

	mg_benc_kv_int(e, "created", (int64_t)call->created_s);
	mg_benc_kv_int(e, "last signal", (int64_t)call->last_signal_s);
	mg_benc_cstr(e, "tags");
	mg_benc_open(e, 'd');
	for (int s = 0; s < 2; s++) {
		struct totals t = { 0 };

		if (call->tag[s][0] == '\0')
			continue;
		side_stats(nc, call, s, &t);
		mg_benc_cstr(e, call->tag[s]);
		mg_benc_open(e, 'd');
		mg_benc_kv_cstr(e, "tag", call->tag[s]);
		mg_benc_kv_cstr(e, "in dialogue with", call->tag[!s]);
		mg_benc_cstr(e, "medias");
		mg_benc_open(e, 'l');
		for (uint32_t m = 0; m < call->nb_media; m++) {
			const struct mg_side *sd = &call->media[m].side[s];

			mg_benc_open(e, 'd');
			mg_benc_kv_int(e, "index", (int64_t)m + 1);
			mg_benc_kv_cstr(e, "protocol", proto_name(sd->proto));
			mg_benc_kv_int(e, "local port", sd->port);
			mg_benc_kv_int(e, "remote port",
				       __builtin_bswap16(sd->rtp.port));
			mg_benc_kv_cstr(e, "crypto suite", sd->in.suite ?
					(sd->in.suite <= MG_SRTP_AES_256_CM_HMAC_SHA1_32 ?
					 "AES_CM" : sd->in.suite >=
					 MG_SRTP_AEAD_AES_128_GCM ? "AEAD_GCM" :
					 "NULL") : "none");
			mg_benc_close(e);
		}
		mg_benc_close(e);
		put_counts(e, "RTP", &t, 0);
		put_counts(e, "RTCP", &t, 1);
		mg_benc_close(e);
		for (int k = 0; k < 2; k++) {
			all.pkts[k] += t.pkts[k];
			all.bytes[k] += t.bytes[k];
			all.errors[k] += t.errors[k];
		}
	}
	mg_benc_close(e);
	mg_benc_cstr(e, "totals");
	mg_benc_open(e, 'd');
	put_counts(e, "RTP", &all, 0);
	put_counts(e, "RTCP", &all, 1);
	mg_benc_close(e);
}

static bool
do_query_delete(struct mg_ng_calls *nc, const struct mg_bdoc *doc,
		const struct mg_bnode *req, struct mg_benc *e, bool del)
{
	struct mg_call *call;
	struct req r = { 0 };
	char err[200];

	if (read_ids(doc, req, &r, false, false, false, err, sizeof(err)) != 0)
		return fail(e, err);
	call = mg_calls_find(nc->calls, r.call_id, r.call_id_len);
	if (call == NULL || (r.from_tag_len && !tag_is(call->tag[0], r.from_tag,
						       r.from_tag_len) &&
			     !tag_is(call->tag[1], r.from_tag, r.from_tag_len)))
		return fail(e, "Unknown call-id or tag");
	mg_benc_kv_cstr(e, "result", "ok");
	put_call(nc, call, e);
	if (!del)
		return true;
	if (mg_call_uninstall(nc->calls, call, &nc->env, &nc->ist) != 0)
		mg_benc_kv_cstr(e, "warning", "dataplane unreachable: its "
				"flows go when it restarts");
	mg_calls_remove(nc->calls, call);
	nc->deletes++;
	return true;
}

static bool
do_list(struct mg_ng_calls *nc, const struct mg_bdoc *doc,
	const struct mg_bnode *req, struct mg_benc *e)
{
	const struct mg_bnode *lim = mg_bdict_get(doc, req, "limit");
	int64_t limit = 32;
	struct mg_calls *c = nc->calls;
	const struct mg_call *call;
	uint32_t i = 0;

	if (lim != NULL && (lim->type != MG_B_INT || lim->v.i < 0))
		return fail(e, "limit must be a non-negative integer");
	if (lim != NULL)
		limit = lim->v.i;
	mg_benc_kv_cstr(e, "result", "ok");
	mg_benc_cstr(e, "calls");
	mg_benc_open(e, 'l');
	while (limit > 0 && !e->overflow &&
	       (call = mg_calls_next(c, &i)) != NULL) {
		mg_benc_cstr(e, call->call_id);
		limit--;
	}
	mg_benc_close(e);
	return true;
}

bool
mg_ng_calls_handle(struct mg_ng_calls *nc, const struct mg_bdoc *doc,
		   const struct mg_bnode *req, const struct mg_bnode *cmd,
		   struct mg_benc *e)
{
	bool need_dp = mg_bstr_is(cmd, "offer") || mg_bstr_is(cmd, "answer");

	pending_first(nc, doc, req, cmd);
	if (need_dp && !nc->dp_ready(nc->arg))
		return fail(e, "No dataplane attached: media cannot be set up");
	if (mg_bstr_is(cmd, "offer"))
		return do_offer(nc, doc, req, e);
	if (mg_bstr_is(cmd, "answer"))
		return do_answer(nc, doc, req, e);
	if (mg_bstr_is(cmd, "delete"))
		return do_query_delete(nc, doc, req, e, true);
	if (mg_bstr_is(cmd, "query"))
		return do_query_delete(nc, doc, req, e, false);
	if (mg_bstr_is(cmd, "list"))
		return do_list(nc, doc, req, e);
	return fail(e, "Unrecognized command");
}

/* A drained SA leaves its flows (FLOW_MOD without rx_esp2) and is deleted
 * after them; if the install fails it stays retired in the record and is
 * deleted at the call's next one. */
static void
retire_drain(struct mg_ng_calls *nc, const struct mg_drain *d)
{
	struct mg_call *call = &nc->calls->slot[d->slot];
	struct mg_side_esp *e;
	char err[200];
	int i = 0;

	if (!mg_call_live(call) || d->m >= call->nb_media)
		return;
	e = &call->media[d->m].side[d->s].esp;
	if (e->owner != d->m || e->sa_drain != d->id)
		return; /* retired or replaced since */
	while (i < 3 && e->sa_retire[i] != 0)
		i++;
	if (i == 3) { /* the last retired still wait for their delete */
		e->drain_until_s = wall_s() + 1;
		mg_calls_drain_add(nc->calls, call, d->m, d->s);
		return;
	}
	e->sa_retire[i] = e->sa_drain;
	e->retire_block[i] = e->drain_block;
	e->sa_drain = e->drain_block = 0;
	e->drain_until_s = 0;
	if (mg_call_install(nc->calls, call, &nc->env, false, &nc->ist, err,
			    sizeof(err)) != 0)
		fprintf(stderr, "mediagate-control: call %s: the SA drained "
			"after a rekey not yet retired: %s\n", call->call_id,
			err);
	nc->esp_retired++;
}

/* An m= line's old SRTP contexts drained: its flows are replaced
 * without them (their contexts go with the old flows). If the install
 * fails, the time is up all the same: the call's next install lets
 * them go. */
static void
retire_srtp_drain(struct mg_ng_calls *nc, const struct mg_drain *d)
{
	struct mg_call *call = &nc->calls->slot[d->slot];
	char err[200];

	if (!mg_call_live(call) || d->m >= call->nb_media ||
	    call->media[d->m].srtp_drain_until_s != d->until_s)
		return; /* gone, or drains longer since another rekey */
	call->media[d->m].srtp_drain_until_s = 0;
	if (mg_call_install(nc->calls, call, &nc->env, false, &nc->ist, err,
			    sizeof(err)) != 0)
		fprintf(stderr, "mediagate-control: call %s: the old SRTP "
			"key drained after a rekey not yet let go: %s\n",
			call->call_id, err);
	nc->srtp_retired++;
}

void
mg_ng_calls_retire_drains(struct mg_ng_calls *nc)
{
	struct mg_drain d;
	uint64_t now = wall_s();

	while (mg_calls_drain_due(nc->calls, now, &d)) {
		if (d.srtp)
			retire_srtp_drain(nc, &d);
		else
			retire_drain(nc, &d);
	}
}

int
mg_ng_calls_replay(struct mg_ng_calls *nc, uint32_t *failed, char *err,
		   size_t errlen)
{
	return mg_calls_install_all(nc->calls, &nc->env, &nc->ist, failed, err,
				    errlen);
}
