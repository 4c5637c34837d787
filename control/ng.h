/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ng control protocol of rtpengine over UDP, as Kamailio's and
 * OpenSIPS's rtpengine modules speak it: each datagram is "<cookie>
 * <bencoded dictionary>", each reply "<cookie> <bencoded dictionary>".
 * A request retransmitted with the same cookie (from the same peer) gets
 * the reply it got the first time, from a cache, and is not acted on
 * again. Malformed requests get an error reply and change nothing.
 */
#ifndef MG_CTL_NG_H
#define MG_CTL_NG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bencode.h"

#define MG_NG_MSG_MAX 65535
#define MG_NG_COOKIE_MAX 64
/* Replies kept for retransmissions: at 20,000 requests a second a slot
 * lives about 3 s, past Kamailio's 1 s retransmission timer. */
#define MG_NG_CACHE_SLOTS 65536
#define MG_NG_CACHE_NS (30ull * 1000000000ull) /* as rtpengine keeps them */

struct mg_ng_stats {
	uint64_t requests;     /* answered by a command handler */
	uint64_t cached;       /* retransmissions answered from the cache */
	uint64_t errors;       /* answered with result=error */
	uint64_t malformed;    /* no cookie, or bad bencode */
	uint64_t by_command[8]; /* ping, offer, answer, delete, query, list,
				 * statistics, other */
};

struct mg_ng_cache_slot;

/* Deferred replies: a handler that cannot answer before something the
 * whole burst shares is done (the dataplane's acks of the burst's call
 * installs) calls mg_ng_defer; once every request of the burst was
 * handled, end(arg) runs, then finish(arg, token, reply) writes each
 * deferred reply's dictionary as a handler would, and the replies go out
 * (and into the cache) in the order the requests came. */
typedef void (*mg_ng_end_fn)(void *arg);
typedef bool (*mg_ng_finish_fn)(void *arg, uintptr_t token,
				struct mg_benc *reply);

struct mg_ng {
	int fd;
	struct mg_ng_stats stats;
	struct mg_ng_cache_slot *cache; /* MG_NG_CACHE_SLOTS */
	struct mg_bnode nodes[1024];
	mg_ng_end_fn end;
	mg_ng_finish_fn finish;
	bool deferred;           /* the handler now running deferred */
	uintptr_t token;
	uint64_t deferred_total; /* replies that waited for the burst's end */
};

/* What answers a decoded request: fills the reply dictionary (between
 * mg_benc_open('d') and mg_benc_close(), done by the caller) and returns
 * true for result=ok, false after writing result=error itself. */
typedef bool (*mg_ng_handler_fn)(void *arg, const struct mg_bdoc *doc,
				 const struct mg_bnode *req,
				 struct mg_benc *reply);

/* Bind addr ("IP:PORT" or "[IPv6]:PORT"). 0, or -errno with err. */
int mg_ng_open(struct mg_ng *ng, const char *addr, char *err, size_t errlen);
/* The ng socket's receive buffer as the kernel sized it, in KB. */
int mg_ng_rcvbuf_kb(const struct mg_ng *ng);
void mg_ng_close(struct mg_ng *ng);

/* Let handlers defer replies (see mg_ng_end_fn); both are given the
 * handler's arg. */
void mg_ng_set_deferral(struct mg_ng *ng, mg_ng_end_fn end,
			mg_ng_finish_fn finish);
/* From a handler, instead of writing a reply: it comes from finish(token)
 * at the burst's end. Only with deferral set. */
void mg_ng_defer(struct mg_ng *ng, uintptr_t token);

/* Answer what has arrived, up to a burst; the handler is asked for every
 * command but ping, which is answered here. Returns datagrams handled. */
unsigned int mg_ng_poll(struct mg_ng *ng, uint64_t now_ns,
			mg_ng_handler_fn handler, void *arg);

/* Wait up to ms for a datagram (poll(2)); true if one is waiting. */
bool mg_ng_wait(const struct mg_ng *ng, unsigned int ms);

#endif /* MG_CTL_NG_H */
