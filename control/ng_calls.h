/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The call commands of the ng protocol (offer, answer, delete, query,
 * list) with the dictionary keys and reply shapes of rtpengine: a request
 * is checked whole before anything changes, the dataplane has the call's
 * flows and contexts (acked) before an answer is replied to, and keys
 * rtpengine knows but this engine does not act on are ignored as
 * rtpengine ignores keys it does not know.
 */
#ifndef MG_CTL_NG_CALLS_H
#define MG_CTL_NG_CALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "bencode.h"
#include "call_install.h"
#include "call_sdp.h"
#include "ng.h"

/* An answer whose call rides in the burst's install (pipelined: one ring
 * round trip for the burst's answers): what its reply needs once the
 * acks are in. */
struct mg_ng_pending {
	struct mg_call *call;
	struct mg_call_opts o;
	long n;                         /* its SDP's length */
	int rc;                         /* the install's outcome; 1: none yet */
	char err[200];
	char sdp[MG_NG_MSG_MAX];        /* secret: wiped once replied */
};

#define MG_NG_PENDING_MAX 32            /* a burst of ng (NG_BATCH) */

struct mg_ng_calls {
	struct mg_calls *calls;
	struct mg_install_env env;
	struct mg_call_opts defaults;   /* suites; address per call: */
	const char *addr_text[MG_CALL_ADDRS_MAX];
	bool (*dp_ready)(void *arg);    /* a dataplane is attached */
	int (*flow_stats)(void *arg, uint32_t flow,
			  struct mg_ctl_flow_stats *out); /* 0 or -errno */
	void *arg;
	struct mg_install_stats ist;
	uint64_t offers, answers, deletes, refused_sdp;
	uint64_t esp_retired;           /* SAs retired after a rekey drained */
	uint64_t srtp_retired;          /* m= lines whose old SRTP contexts
					 * were let go after a rekey drained */
	/* Pipelined answers (with ng set: its deferral): MG_NG_PENDING_MAX
	 * of pending, npending of them waiting for the burst's end. */
	struct mg_ng *ng;
	struct mg_ng_pending *pending;
	unsigned int npending;
	uint64_t pipelined;             /* answers that waited for a burst */
};

/* Answer one of offer, answer, delete, query, list (true: result=ok). */
bool mg_ng_calls_handle(struct mg_ng_calls *nc, const struct mg_bdoc *doc,
			const struct mg_bnode *req, const struct mg_bnode *cmd,
			struct mg_benc *e);

/* The ng burst's end: the pending answers' installs sent in one batch
 * (mg_ng_end_fn); then each reply (mg_ng_finish_fn, token: its index). */
void mg_ng_calls_end(struct mg_ng_calls *nc);
bool mg_ng_calls_finish(struct mg_ng_calls *nc, uintptr_t token,
			struct mg_benc *e);

/* Install every live call in a dataplane that has none of them (after it
 * restarted): mg_calls_install_all. */
int mg_ng_calls_replay(struct mg_ng_calls *nc, uint32_t *failed, char *err,
		       size_t errlen);

/* The ESP SAs that drained long enough after a rekey: taken off their
 * flows and deleted. Once per ping interval. */
void mg_ng_calls_retire_drains(struct mg_ng_calls *nc);

#endif /* MG_CTL_NG_CALLS_H */
