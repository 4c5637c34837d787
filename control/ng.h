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

struct mg_ng {
	int fd;
	struct mg_ng_stats stats;
	struct mg_ng_cache_slot *cache; /* MG_NG_CACHE_SLOTS */
	struct mg_bnode nodes[1024];
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

/* Answer what has arrived, up to a burst; the handler is asked for every
 * command but ping, which is answered here. Returns datagrams handled. */
unsigned int mg_ng_poll(struct mg_ng *ng, uint64_t now_ns,
			mg_ng_handler_fn handler, void *arg);

/* Wait up to ms for a datagram (poll(2)); true if one is waiting. */
bool mg_ng_wait(const struct mg_ng *ng, unsigned int ms);

#endif /* MG_CTL_NG_H */
