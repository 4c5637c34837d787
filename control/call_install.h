/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's flows and SRTP contexts in the dataplane: what an answered
 * call needs, compared with what was installed for it, turned into
 * FLOW_DEL / SRTP_ADD / FLOW_ADD requests on the ring. A flow whose
 * addresses, action and keys did not change is left alone, so its
 * rollover counter and replay window go on.
 */
#ifndef MG_CTL_CALL_INSTALL_H
#define MG_CTL_CALL_INSTALL_H

#include <stdbool.h>
#include <stddef.h>

#include "calls.h"

/* Requests in flight together, in order, and their ack statuses: 0 when
 * all were acked (status[] set), or -errno when the dataplane is gone or
 * did not answer. The caller numbers them (h.seq). */
typedef int (*mg_ring_req_fn)(void *arg, struct mg_ctl_msg *req,
			      unsigned int n, int32_t *status);

struct mg_install_env {
	struct mg_ctl_addr media[MG_CALL_ADDRS_MAX]; /* our media addresses
				     * (port unused), by a call's `addr` */
	uint16_t out_port;          /* the DPDK port media leaves by */
	uint8_t next_hop_mac[6];    /* where frames go on that port */
	bool strict;                /* take packets only from the party's
				     * address (else latch the first) */
	uint32_t esp_drain_s;       /* a rekeyed ESP pair's old inbound SA
				     * takes packets this long (--esp-drain) */
	uint32_t srtp_drain_s;      /* an SDES rekey's old unprotect contexts
				     * too (--srtp-drain); 0: none kept */
	mg_ring_req_fn req;
	void *arg;
};

struct mg_install_stats {
	uint64_t requests, refused;
	uint64_t batches;           /* ring round trips that carried them */
};

/* A planned call's outcome: 0 installed, -EREMOTEIO refused (err: its
 * first refusal), or the ring's -errno (err says so). */
typedef void (*mg_install_done_fn)(void *arg, struct mg_call *call, int rc,
				   const char *err);

/* Bring the dataplane in line with the call. `all`: install everything,
 * as for a dataplane that has nothing (after its restart). 0, or -errno:
 * -EPIPE and the like when the ring failed (the call keeps what it had
 * marked installed), -EREMOTEIO when the dataplane refused a request
 * (reason in err). */
int mg_call_install(struct mg_calls *c, struct mg_call *call,
		    const struct mg_install_env *env, bool all,
		    struct mg_install_stats *st, char *err, size_t errlen);

/*
 * Pipelined installs: several calls' requests planned one after another
 * and sent in one batch, each call told its outcome by done when the
 * acks are in (the answers of a burst of ng requests go out together,
 * after one ring round trip instead of one each). mg_call_plan: the
 * number of requests planned for the call (0: nothing to change), or
 * -E2BIG (the batch is full: flush first) or -ENOSPC (out of ids; nothing
 * of it planned). Nothing else may use the ring's plan (mg_call_install,
 * _resync, _uninstall, _install_all) while calls are planned: flush
 * first. Flush returns as mg_call_install does for the whole batch.
 */
int mg_call_plan(struct mg_calls *c, struct mg_call *call,
		 const struct mg_install_env *env);
bool mg_calls_planned(void);
int mg_calls_flush_planned(struct mg_calls *c, const struct mg_install_env *env,
			   struct mg_install_stats *st, mg_install_done_fn done,
			   void *arg);

/* Every answered call, into a dataplane that has none of them (after its
 * restart), in batches of thousands of requests. Returns the calls
 * installed whole, or -errno when the ring failed; *failed counts calls
 * with a refused request (first reason in err). */
int mg_calls_install_all(struct mg_calls *c, const struct mg_install_env *env,
			 struct mg_install_stats *st, uint32_t *failed,
			 char *err, size_t errlen);

/* A call marked uncertain (a batch of it got no acks from a dataplane
 * that is still there): delete every flow id it holds, then install it
 * whole. 0, or -errno as mg_call_install. */
int mg_call_resync(struct mg_calls *c, struct mg_call *call,
		   const struct mg_install_env *env,
		   struct mg_install_stats *st, char *err, size_t errlen);

/* Delete every flow of the call (its contexts go with them). */
int mg_call_uninstall(struct mg_calls *c, struct mg_call *call,
		      const struct mg_install_env *env,
		      struct mg_install_stats *st);

#endif /* MG_CTL_CALL_INSTALL_H */
