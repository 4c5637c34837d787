/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostport.h"
#include "ng.h"

/* A reply kept for retransmissions of its request. Direct-mapped by
 * cookie and peer: a collision only costs a retransmission its cached
 * answer, which it then gets computed again. */
struct mg_ng_cache_slot {
	char cookie[MG_NG_COOKIE_MAX];
	uint8_t cookie_len;
	socklen_t peer_len;
	struct sockaddr_storage peer;
	uint64_t at_ns;
	char *reply;
	size_t reply_len;
};

static const char *const commands[7] = {
	"ping", "offer", "answer", "delete", "query", "list", "statistics",
};

static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	char host[64];
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	if (mg_hostport_split(s, host, sizeof(host), &port) != 0)
		return -1;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof(*v6);
		return 0;
	}
	return -1;
}

/*
 * Room for a burst of requests while the loop waits on the dataplane's
 * acks: with the default 208 KB the socket dropped requests under 1,000
 * call setups a second beside media (the SIP server's retransmission
 * then costs it seconds). Root may go past net.core.rmem_max; otherwise
 * the kernel caps it there. Best effort.
 */
#define NG_SOCKBUF (8 << 20)

static void
grow_buffers(int fd)
{
	int v = NG_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

int
mg_ng_rcvbuf_kb(const struct mg_ng *ng)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(ng->fd, SOL_SOCKET, SO_RCVBUF, &v, &l) != 0)
		return 0;
	return v / 1024;
}

int
mg_ng_open(struct mg_ng *ng, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(ng, 0, sizeof(*ng));
	ng->fd = -1;
	if (parse_addr(addr, &ss, &len) != 0) {
		snprintf(err, errlen, "--ng: '%s' is not IP:PORT or [IPv6]:PORT",
			 addr);
		return -EINVAL;
	}
	ng->cache = calloc(MG_NG_CACHE_SLOTS, sizeof(*ng->cache));
	ng->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);
	if (ng->cache == NULL || ng->fd < 0 ||
	    bind(ng->fd, (struct sockaddr *)&ss, len) != 0) {
		int e = errno ? errno : ENOMEM;

		snprintf(err, errlen, "ng socket %s: %s", addr, strerror(e));
		mg_ng_close(ng);
		return -e;
	}
	grow_buffers(ng->fd);
	return 0;
}

void
mg_ng_close(struct mg_ng *ng)
{
	if (ng->cache != NULL)
		for (unsigned int i = 0; i < MG_NG_CACHE_SLOTS; i++) {
			if (ng->cache[i].reply != NULL)
				explicit_bzero(ng->cache[i].reply,
					       ng->cache[i].reply_len);
			free(ng->cache[i].reply);
		}
	free(ng->cache);
	ng->cache = NULL;
	if (ng->fd >= 0)
		close(ng->fd);
	ng->fd = -1;
}

bool
mg_ng_wait(const struct mg_ng *ng, unsigned int ms)
{
	struct pollfd p = { .fd = ng->fd, .events = POLLIN };

	return poll(&p, 1, (int)ms) > 0;
}

static struct mg_ng_cache_slot *
slot_of(struct mg_ng *ng, const char *cookie, size_t clen,
	const struct sockaddr_storage *peer, socklen_t plen)
{
	const uint8_t *pb = (const uint8_t *)peer;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < clen; i++)
		h = (h ^ (uint8_t)cookie[i]) * 16777619u;
	for (socklen_t i = 0; i < plen; i++)
		h = (h ^ pb[i]) * 16777619u;
	return &ng->cache[h % MG_NG_CACHE_SLOTS];
}

static bool
cache_hit(const struct mg_ng_cache_slot *s, const char *cookie, size_t clen,
	  const struct sockaddr_storage *peer, socklen_t plen, uint64_t now)
{
	return s->reply != NULL && s->cookie_len == clen &&
	       memcmp(s->cookie, cookie, clen) == 0 && s->peer_len == plen &&
	       memcmp(&s->peer, peer, plen) == 0 &&
	       now - s->at_ns < MG_NG_CACHE_NS;
}

static void
cache_put(struct mg_ng_cache_slot *s, const char *cookie, size_t clen,
	  const struct sockaddr_storage *peer, socklen_t plen, uint64_t now,
	  const char *reply, size_t rlen)
{
	char *copy = malloc(rlen);

	if (copy == NULL)
		return; /* then it is simply not cached */
	if (s->reply != NULL)
		explicit_bzero(s->reply, s->reply_len); /* it may hold keys */
	free(s->reply);
	memcpy(copy, reply, rlen);
	memcpy(s->cookie, cookie, clen);
	s->cookie_len = (uint8_t)clen;
	s->peer = *peer;
	s->peer_len = plen;
	s->at_ns = now;
	s->reply = copy;
	s->reply_len = rlen;
}

static void
error_reply(struct mg_benc *e, const char *why)
{
	mg_benc_kv_cstr(e, "result", "error");
	mg_benc_kv_cstr(e, "error-reason", why);
}

static unsigned int
command_index(const struct mg_bnode *cmd)
{
	for (unsigned int i = 0; i < 7; i++)
		if (mg_bstr_is(cmd, commands[i]))
			return i;
	return 7;
}

void
mg_ng_set_deferral(struct mg_ng *ng, mg_ng_end_fn end, mg_ng_finish_fn finish)
{
	ng->end = end;
	ng->finish = finish;
}

void
mg_ng_defer(struct mg_ng *ng, uintptr_t token)
{
	ng->deferred = true;
	ng->token = token;
}

/* The dictionary of the reply to a decoded body; left open when the
 * handler deferred it (ng->deferred). */
static void
answer(struct mg_ng *ng, const char *body, size_t blen, struct mg_benc *e,
       mg_ng_handler_fn handler, void *arg)
{
	struct mg_bdoc doc = { .nodes = ng->nodes,
			       .cap = sizeof(ng->nodes) / sizeof(ng->nodes[0]) };
	char err[160];
	const struct mg_bnode *cmd;
	unsigned int ci;

	mg_benc_open(e, 'd');
	if (mg_bdecode(body, blen, &doc, err, sizeof(err)) < 0 ||
	    doc.nodes[0].type != MG_B_DICT) {
		ng->stats.malformed++;
		ng->stats.errors++;
		error_reply(e, doc.n ? "Request is not a dictionary" : err);
		mg_benc_close(e);
		return;
	}
	cmd = mg_bdict_get(&doc, &doc.nodes[0], "command");
	ci = command_index(cmd);
	ng->stats.by_command[ci]++;
	if (cmd == NULL || cmd->type != MG_B_STR) {
		ng->stats.errors++;
		error_reply(e, "No command given");
	} else if (ci == 0) {
		mg_benc_kv_cstr(e, "result", "pong");
	} else if (!handler(arg, &doc, &doc.nodes[0], e) && !ng->deferred) {
		ng->stats.errors++;
	}
	ng->stats.requests++;
	if (!ng->deferred)
		mg_benc_close(e);
}

/* A reply that is not too large for a datagram, or the error saying so,
 * closed. */
static size_t
close_reply(struct mg_benc *e, char *out, size_t clen)
{
	if (!e->overflow)
		return e->len;
	*e = (struct mg_benc){ .buf = out, .cap = MG_NG_MSG_MAX, .len = clen + 1 };
	mg_benc_open(e, 'd');
	error_reply(e, "Reply too large");
	mg_benc_close(e);
	return e->len;
}

#define NG_BATCH 32

/* A reply left open for the burst's end: where it is and whose. */
struct ng_later {
	unsigned int in, out;   /* the request's and the reply's buffers */
	size_t clen, len;       /* cookie length; the reply so far */
	struct mg_ng_cache_slot *slot;
	uintptr_t token;
};

/* One poll's datagrams and their replies: each kept whole (MG_NG_MSG_MAX)
 * so that one recvmmsg and one sendmmsg carry a burst of requests. */
struct ng_batch {
	char in[NG_BATCH][MG_NG_MSG_MAX + 1];
	char out[NG_BATCH][MG_NG_MSG_MAX];
	struct sockaddr_storage peer[NG_BATCH];
	struct mmsghdr rmsg[NG_BATCH], smsg[NG_BATCH];
	struct iovec riov[NG_BATCH], siov[NG_BATCH];
	struct ng_later later[NG_BATCH];
	unsigned int nlater;
};

static struct ng_batch batch;

/* One datagram: a cookie, a space, a bencoded dictionary. Returns the
 * reply's length in out (0: no reply). */
static size_t
serve(struct mg_ng *ng, const char *msg, size_t len,
      const struct sockaddr_storage *peer, socklen_t plen, uint64_t now,
      mg_ng_handler_fn handler, void *arg, char *out)
{
	const char *sp = memchr(msg, ' ', len < MG_NG_COOKIE_MAX + 1 ?
				len : MG_NG_COOKIE_MAX + 1);
	struct mg_ng_cache_slot *slot;
	struct mg_benc e = { .buf = out, .cap = MG_NG_MSG_MAX };
	size_t clen;

	if (sp == NULL || sp == msg) {
		ng->stats.malformed++; /* no cookie: nothing to answer to */
		return 0;
	}
	clen = (size_t)(sp - msg);
	slot = slot_of(ng, msg, clen, peer, plen);
	if (cache_hit(slot, msg, clen, peer, plen, now)) {
		ng->stats.cached++;
		memcpy(out, slot->reply, slot->reply_len);
		return slot->reply_len;
	}
	memcpy(out, msg, clen + 1); /* the reply starts "cookie " too */
	e.len = clen + 1;
	ng->deferred = false;
	answer(ng, sp + 1, len - clen - 1, &e, handler, arg);
	if (ng->deferred) {
		struct ng_later *l = &batch.later[batch.nlater++];

		*l = (struct ng_later){ .clen = clen, .len = e.len,
					.slot = slot, .token = ng->token };
		return SIZE_MAX;
	}
	e.len = close_reply(&e, out, clen);
	cache_put(slot, msg, clen, peer, plen, now, out, e.len);
	return e.len;
}

/* The burst's deferred replies, finished and cached. */
static void
finish_later(struct mg_ng *ng, struct ng_batch *b, uint64_t now, void *arg)
{
	if (b->nlater == 0)
		return;
	ng->end(arg);
	for (unsigned int k = 0; k < b->nlater; k++) {
		struct ng_later *l = &b->later[k];
		char *out = b->out[l->out];
		struct mg_benc e = { .buf = out, .cap = MG_NG_MSG_MAX,
				     .len = l->len };

		if (!ng->finish(arg, l->token, &e))
			ng->stats.errors++;
		mg_benc_close(&e);
		e.len = close_reply(&e, out, l->clen);
		cache_put(l->slot, b->in[l->in], l->clen, &b->peer[l->in],
			  b->rmsg[l->in].msg_hdr.msg_namelen, now, out, e.len);
		b->siov[l->out].iov_len = e.len;
		explicit_bzero(b->in[l->in], l->clen); /* the cookie kept */
	}
	ng->deferred_total += b->nlater;
	b->nlater = 0;
}

unsigned int
mg_ng_poll(struct mg_ng *ng, uint64_t now_ns, mg_ng_handler_fn handler,
	   void *arg)
{
	struct ng_batch *b = &batch;
	unsigned int ns = 0;
	int n;

	for (int i = 0; i < NG_BATCH; i++) {
		b->riov[i] = (struct iovec){ b->in[i], sizeof(b->in[i]) };
		b->rmsg[i].msg_hdr = (struct msghdr){
			.msg_name = &b->peer[i], .msg_namelen = sizeof(b->peer[i]),
			.msg_iov = &b->riov[i], .msg_iovlen = 1 };
	}
	n = recvmmsg(ng->fd, b->rmsg, NG_BATCH, MSG_DONTWAIT, NULL);
	b->nlater = 0;
	for (int i = 0; i < n; i++) {
		size_t len = serve(ng, b->in[i], b->rmsg[i].msg_len, &b->peer[i],
				   b->rmsg[i].msg_hdr.msg_namelen, now_ns,
				   handler, arg, b->out[ns]);
		size_t keep = 0;

		if (len == SIZE_MAX) { /* deferred: its cookie kept for the cache */
			b->later[b->nlater - 1].in = (unsigned int)i;
			b->later[b->nlater - 1].out = ns;
			keep = b->later[b->nlater - 1].clen;
			len = 0; /* its length when finished */
		}
		/* Offers carry keys in, answers out: none stays behind. */
		explicit_bzero(b->in[i] + keep, b->rmsg[i].msg_len - keep);
		if (len == 0 && keep == 0)
			continue;
		b->siov[ns] = (struct iovec){ b->out[ns], len };
		b->smsg[ns].msg_hdr = (struct msghdr){
			.msg_name = &b->peer[i],
			.msg_namelen = b->rmsg[i].msg_hdr.msg_namelen,
			.msg_iov = &b->siov[ns], .msg_iovlen = 1 };
		ns++;
	}
	finish_later(ng, b, now_ns, arg);
	if (ns != 0)
		(void)sendmmsg(ng->fd, b->smsg, ns, 0);
	for (unsigned int i = 0; i < ns; i++)
		explicit_bzero(b->out[i], b->siov[i].iov_len);
	return n > 0 ? (unsigned int)n : 0;
}
