/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's SIP server side: each call set up through the ng
 * protocol as Kamailio's rtpengine module would (offer with the phone's
 * SDP, RTP/SAVP and its own fresh key, the trunk's leg asked as RTP/AVP;
 * then the trunk's plain answer), `window` calls in flight at once, and
 * what the replies say taken: the dataplane's port toward each end and
 * its key toward the phone. Requests with no reply in 2 s are sent again
 * with the same cookie.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../bench_clock.h"
#include "b64.h"
#include "bencode.h"
#include "gen.h"
#include "hostport.h"

#define RETRY_NS 2000000000ull
#define NODES 512

struct ng_io {
	struct mg_gen_ng *ng;
	struct mg_gen_call *c;
	uint32_t n, finished, ok;
};

int
mg_gen_ng_open(struct mg_gen_ng *ng, const char *hostport, uint32_t window)
{
	char host[64];
	uint16_t port;
	struct sockaddr_in a = { .sin_family = AF_INET };

	if (mg_hostport_split(hostport, host, sizeof(host), &port) != 0 ||
	    inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -EINVAL;
	a.sin_port = htons(port);
	ng->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (ng->fd < 0 || connect(ng->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -errno;
	ng->window = window ? window : 64;
	snprintf(ng->tag, sizeof(ng->tag), "gen%d", (int)getpid());
	return 0;
}

/* The control plane's "statistics" says whether a dataplane is attached:
 * 1, 0, or -1 with no (good) reply in 200 ms. A server whose statistics
 * do not say (rtpengine: its media is its own) has nothing to wait for. */
static int
dp_attached(struct mg_gen_ng *ng)
{
	static const char body[] = "d7:command10:statisticse";
	/* rtpengine's statistics run to several KB and hundreds of nodes
	 * (a reply cut short would never decode). */
	static struct mg_bnode nodes[8 * NODES];
	static char msg[65536];
	struct mg_bdoc doc = { .nodes = nodes, .cap = 8 * NODES };
	const struct mg_bnode *st, *att;
	struct pollfd p = { .fd = ng->fd, .events = POLLIN };
	char req[64], err[80];
	size_t cookie = (size_t)snprintf(req, sizeof(req), "w-%s ", ng->tag);
	ssize_t len;

	memcpy(req + cookie, body, sizeof(body) - 1);
	(void)send(ng->fd, req, cookie + sizeof(body) - 1, 0);
	while (poll(&p, 1, 200) > 0) {
		len = recv(ng->fd, msg, sizeof(msg), 0);
		/* Only this request's reply: others are late ones. */
		if (len <= (ssize_t)cookie || memcmp(msg, req, cookie) != 0)
			continue;
		if (mg_bdecode(msg + cookie, (size_t)len - cookie, &doc, err,
			       sizeof(err)) < 0)
			return -1;
		if (!mg_bstr_is(mg_bdict_get(&doc, &nodes[0], "result"), "ok"))
			return -1;
		st = mg_bdict_get(&doc, &nodes[0], "totalstatistics");
		att = mg_bdict_get(&doc, st, "dataplane-attached");
		if (att == NULL)
			return 1;
		return att->type == MG_B_INT ? att->v.i != 0 : -1;
	}
	return -1;
}

int
mg_gen_ng_wait_dp(struct mg_gen_ng *ng, uint32_t timeout_s,
		  const volatile bool *stop)
{
	uint64_t end = now_ns() + (uint64_t)timeout_s * 1000000000ull;
	int att;

	while ((att = dp_attached(ng)) != 1 && !*stop && now_ns() < end)
		if (att == 0)
			poll(NULL, 0, 100);
	return att == 1 ? 0 : -1;
}

/* The phone's key an offer carries: a rekey's is the one it does not
 * send under yet. */
static const uint8_t *
offered_key(const struct mg_gen_call *c, int stage)
{
	bool other = stage == MG_GEN_NG_REOFFER;

	return (c->key_ver ^ other) ? c->key_phone2 : c->key_phone;
}

static void
put_sdp(struct mg_benc *e, const struct mg_gen_call *c, int stage,
	const struct mg_gen_ng *ng)
{
	char sdp[512], ip[INET_ADDRSTRLEN], key[48], crypto[128] = "";
	bool phone = stage == 0 || stage == MG_GEN_NG_REOFFER, savp = false;
	size_t k;

	inet_ntop(AF_INET, phone ? &c->phone_ip : &c->trunk_ip, ip, sizeof(ip));
	/* ESP in SDP: the key it sends with, the SPI it receives on. */
	if (phone && ng->phone_esp) {
		k = mg_b64_encode(c->key_phone, MG_GEN_ESP_KEY_LEN, key);
		key[k] = '\0';
		snprintf(crypto, sizeof(crypto), "a=ipsec:1 ESP_AES_GCM_16_128 "
			 "inline:%s spi=%x encap=udp\r\n", key, c->spi_phone);
	/* The trunk's answer takes the tag of the SBC's line for our suite. */
	} else if (phone || ng->trunk_srtp) {
		savp = true;
		k = mg_b64_encode(phone ? offered_key(c, stage) : c->key_trunk,
				  MG_GEN_KEY_LEN, key);
		key[k] = '\0';
		snprintf(crypto, sizeof(crypto), "a=crypto:%u "
			 "AES_CM_128_HMAC_SHA1_80 inline:%s\r\n",
			 phone ? 1u : c->trunk_tag, key);
	}
	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=%s 1 %u IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
		 "t=0 0\r\nm=audio %u RTP/%s 0\r\na=rtpmap:0 PCMU/8000\r\n"
		 "a=sendrecv\r\na=rtcp-mux\r\n%s",
		 phone ? "phone" : "trunk", 1u + c->rekeys, ip, ip,
		 ntohs(phone ? c->phone_port : c->trunk_port),
		 savp ? "SAVP" : "AVP", crypto);
	mg_benc_kv_cstr(e, "sdp", sdp);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(crypto, sizeof(crypto));
	explicit_bzero(sdp, sizeof(sdp));
}

/* "<i>-<stage>-<n>-<tag> d...e"; stage 0 offer, 1 answer, 2 delete, 3
 * and 4 a rekey's; n: the call's round (a rekey's: its count, so each
 * rekey has cookies of its own, not the last one's cached replies). The
 * call-id is the tag, i and the round. */
static size_t
request(struct mg_gen_ng *ng, const struct mg_gen_call *c, uint32_t i,
	int stage)
{
	struct mg_benc e = { .buf = ng->buf, .cap = sizeof(ng->buf) };
	bool offer = stage == 0 || stage == MG_GEN_NG_REOFFER;
	bool answer = stage == 1 || stage == MG_GEN_NG_REANSWER;
	char id[40];

	snprintf(id, sizeof(id), "%s-%u-%u", ng->tag, i, c->round);
	e.len = (size_t)snprintf(ng->buf, sizeof(ng->buf), "%u-%d-%u-%s ", i,
				 stage, stage >= MG_GEN_NG_REOFFER ? c->rekeys :
				 c->round, ng->tag);
	mg_benc_open(&e, 'd');
	mg_benc_kv_cstr(&e, "call-id", id);
	mg_benc_kv_cstr(&e, "command", offer ? "offer" : answer ? "answer" :
			"delete");
	mg_benc_kv_cstr(&e, "from-tag", "phone");
	if (answer || stage == MG_GEN_NG_REOFFER)
		mg_benc_kv_cstr(&e, "to-tag", "trunk");
	if (offer)
		mg_benc_kv_cstr(&e, "transport-protocol", ng->trunk_srtp ?
				"RTP/SAVP" : "RTP/AVP");
	if (offer || answer)
		put_sdp(&e, c, stage, ng);
	mg_benc_close(&e);
	return e.overflow ? 0 : e.len;
}

void
mg_gen_ng_send(struct mg_gen_ng *ng, struct mg_gen_call *c, uint32_t i,
	       int stage)
{
	size_t n = request(ng, &c[i], i, stage);

	if (n != 0)
		(void)send(ng->fd, ng->buf, n, 0);
	explicit_bzero(ng->buf, n);
	c[i].ng_sent_ns = now_ns();
}

/* The SBC's key in an SDP's a=crypto line for our suite (and its tag,
 * which an answer repeats); 0 or -1. */
static int
take_key(const char *text, uint8_t *key, uint16_t *tag)
{
	const char *k = strstr(text, " AES_CM_128_HMAC_SHA1_80 inline:");
	const char *t = k;

	if (k == NULL)
		return -1;
	while (t > text && t[-1] != ':')
		t--;
	*tag = (uint16_t)strtoul(t, NULL, 10);
	k += strlen(" AES_CM_128_HMAC_SHA1_80 inline:");
	return mg_b64_decode(k, strcspn(k, "|\r\n"), key, MG_GEN_KEY_LEN) ==
	       MG_GEN_KEY_LEN ? 0 : -1;
}

/* The SBC's a=ipsec line toward the ESP phone: its key (AES-128 and
 * salt) and the SPI it receives on; 0 or -1. */
static int
take_ipsec(const char *text, uint8_t *key, uint32_t *spi)
{
	const char *k = strstr(text, "a=ipsec:"), *s;

	if (k == NULL || strstr(k, " ESP_AES_GCM_16_128 ") == NULL ||
	    (s = strstr(k, " spi=")) == NULL || (k = strstr(k, "inline:")) == NULL)
		return -1;
	k += strlen("inline:");
	*spi = (uint32_t)strtoul(s + 5, NULL, 16);
	return mg_b64_decode(k, strcspn(k, "| \r\n"), key, MG_GEN_ESP_KEY_LEN) ==
	       MG_GEN_ESP_KEY_LEN ? 0 : -1;
}

/* The SDP's m= port and the SBC's a=crypto key toward the end it goes
 * to: the phone's always, the trunk's when it speaks SRTP. */
static int
take_sdp(const char *s, size_t len, struct mg_gen_call *c, int stage,
	 const struct mg_gen_ng *ng)
{
	char text[2048], ip[16], *m;
	unsigned port;
	int rc = 0;

	if (len >= sizeof(text))
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	m = strstr(text, "c=IN IP4 ");
	if (m == NULL || sscanf(m, "c=IN IP4 %15[0-9.]", ip) != 1 ||
	    inet_pton(AF_INET, ip, &c->sbc_ip) != 1)
		return -1;
	m = strstr(text, "m=audio ");
	if (m == NULL || sscanf(m, "m=audio %u", &port) != 1 || port > 65535)
		return -1;
	if (stage == 0) {
		c->sbc_trunk_port = htons((uint16_t)port);
		if (ng->trunk_srtp)
			rc = take_key(text, c->key_sbc_trunk, &c->trunk_tag);
	} else {
		uint16_t tag;

		c->sbc_phone_port = htons((uint16_t)port);
		rc = ng->phone_esp ? take_ipsec(text, c->key_sbc, &c->spi_sbc) :
				     take_key(text, c->key_sbc, &tag);
	}
	explicit_bzero(text, sizeof(text));
	return rc;
}

int
mg_gen_ng_take(struct mg_gen_ng *ng, struct mg_gen_call *calls, uint32_t n,
	       const char *msg, size_t len, uint32_t *call, int *stage_of)
{
	static struct mg_bnode nodes[NODES];
	struct mg_bdoc doc = { .nodes = nodes, .cap = NODES };
	const struct mg_bnode *res, *sdp;
	const char *sp = memchr(msg, ' ', len);
	struct mg_gen_call *c;
	unsigned i, round;
	int stage;
	char err[80], tag[16];

	if (sp == NULL ||
	    sscanf(msg, "%u-%d-%u-%15[^ ]", &i, &stage, &round, tag) != 4 ||
	    i >= n || strcmp(tag, ng->tag) != 0 || round != calls[i].round ||
	    mg_bdecode(sp + 1, len - (size_t)(sp + 1 - msg), &doc, err,
		       sizeof(err)) < 0)
		return MG_GEN_NG_NONE;
	c = &calls[i];
	*call = i;
	*stage_of = stage;
	if (c->state != (stage == 0 ? MG_GEN_OFFERED : stage == 1 ?
			 MG_GEN_ANSWERED : MG_GEN_DELETING))
		return MG_GEN_NG_NONE; /* a retransmission's second reply */
	res = mg_bdict_get(&doc, &nodes[0], "result");
	sdp = mg_bdict_get(&doc, &nodes[0], "sdp");
	if (stage == 2) {
		c->state = MG_GEN_NEW;
		return mg_bstr_is(res, "ok") ? MG_GEN_NG_DONE : MG_GEN_NG_FAILED;
	}
	if (!mg_bstr_is(res, "ok") || sdp == NULL || sdp->type != MG_B_STR ||
	    take_sdp(sdp->v.s, sdp->len, c, stage, ng) != 0) {
		const struct mg_bnode *why = mg_bdict_get(&doc, &nodes[0],
							  "error-reason");

		if (ng->errors++ == 0)
			snprintf(ng->first_error, sizeof(ng->first_error),
				 "%s: %.*s", stage ? "answer" : "offer",
				 why && why->type == MG_B_STR ? (int)why->len : 2,
				 why && why->type == MG_B_STR ? why->v.s : "no SDP");
		c->state = MG_GEN_FAILED;
		return MG_GEN_NG_FAILED;
	}
	if (stage == 1) {
		c->state = MG_GEN_READY;
		return MG_GEN_NG_DONE;
	}
	c->state = MG_GEN_ANSWERED;
	mg_gen_ng_send(ng, calls, i, 1);
	return MG_GEN_NG_MOVED;
}

/* A rekey's reply: the re-offer's sends the trunk's answer (MOVED); the
 * answer's, if our key toward the phone stayed, has the phone send
 * under its new key from now (DONE). */
static int
take_rekey(struct mg_gen_ng *ng, struct mg_gen_call *calls, uint32_t i,
	   int stage, const struct mg_bdoc *doc)
{
	const struct mg_bnode *res = mg_bdict_get(doc, &doc->nodes[0], "result");
	const struct mg_bnode *sdp = mg_bdict_get(doc, &doc->nodes[0], "sdp");
	struct mg_gen_call *c = &calls[i];
	uint8_t key[MG_GEN_KEY_LEN];
	const char *why = NULL;
	char text[2048];
	uint16_t tag;

	if (c->rekey_stage != stage)
		return MG_GEN_NG_NONE; /* a retransmission's second reply */
	if (!mg_bstr_is(res, "ok") || sdp == NULL || sdp->type != MG_B_STR ||
	    sdp->len >= sizeof(text))
		why = "refused";
	if (why == NULL && stage == MG_GEN_NG_REOFFER) {
		c->rekey_stage = MG_GEN_NG_REANSWER;
		mg_gen_ng_send(ng, calls, i, MG_GEN_NG_REANSWER);
		return MG_GEN_NG_MOVED;
	}
	if (why == NULL) {
		memcpy(text, sdp->v.s, sdp->len);
		text[sdp->len] = '\0';
		if (take_key(text, key, &tag) != 0 ||
		    memcmp(key, c->key_sbc, sizeof(key)) != 0)
			why = "the SBC's key toward the phone changed";
		explicit_bzero(text, sizeof(text));
		explicit_bzero(key, sizeof(key));
	}
	c->rekey_stage = 0;
	if (why != NULL) {
		if (ng->errors++ == 0)
			snprintf(ng->first_error, sizeof(ng->first_error),
				 "rekey: %s", why);
		return MG_GEN_NG_FAILED;
	}
	c->key_ver ^= 1;
	return MG_GEN_NG_DONE;
}

int
mg_gen_ng_take_rekey(struct mg_gen_ng *ng, struct mg_gen_call *calls,
		     uint32_t n, const char *msg, size_t len, uint32_t *call)
{
	static struct mg_bnode nodes[NODES];
	struct mg_bdoc doc = { .nodes = nodes, .cap = NODES };
	const char *sp = memchr(msg, ' ', len);
	unsigned i, count;
	int stage;
	char err[80], tag[16];

	if (sp == NULL ||
	    sscanf(msg, "%u-%d-%u-%15[^ ]", &i, &stage, &count, tag) != 4 ||
	    i >= n || strcmp(tag, ng->tag) != 0 || count != calls[i].rekeys ||
	    (stage != MG_GEN_NG_REOFFER && stage != MG_GEN_NG_REANSWER) ||
	    mg_bdecode(sp + 1, len - (size_t)(sp + 1 - msg), &doc, err,
		       sizeof(err)) < 0)
		return MG_GEN_NG_NONE;
	*call = i;
	return take_rekey(ng, calls, i, stage, &doc);
}

/* One reply of a stage: its call moves on, ends or fails. */
static void
take_reply(struct ng_io *io, const char *msg, size_t len)
{
	uint32_t i;
	int stage, r = mg_gen_ng_take(io->ng, io->c, io->n, msg, len, &i,
				      &stage);

	if (r == MG_GEN_NG_DONE || r == MG_GEN_NG_FAILED)
		io->finished++;
	io->ok += r == MG_GEN_NG_DONE;
}

/* Whatever waits for a reply for 2 s: again, with the same cookie. */
void
mg_gen_ng_retry(struct mg_gen_ng *ng, struct mg_gen_call *calls,
		uint32_t upto)
{
	uint64_t t = now_ns();

	for (uint32_t i = 0; i < upto; i++) {
		struct mg_gen_call *c = &calls[i];
		int stage = c->state == MG_GEN_OFFERED ? 0 :
			    c->state == MG_GEN_ANSWERED ? 1 :
			    c->state == MG_GEN_DELETING ? 2 : -1;

		if (stage >= 0 && t - c->ng_sent_ns > RETRY_NS) {
			mg_gen_ng_send(ng, calls, i, stage);
			ng->retries++;
		}
	}
}

static void
progress(const struct ng_io *io, int stage, uint64_t *last)
{
	if (now_ns() - *last < 1000000000ull)
		return;
	fprintf(stderr, "mg_gen: %s %u of %u calls\n",
		stage == 0 ? "set up" : "deleted", io->ok, io->n);
	*last = now_ns();
}

/* The calls through `stage` (0: set up, 2: delete), `window` at a time;
 * returns how many ended well. */
static long
run_stage(struct mg_gen_ng *ng, struct mg_gen_call *c, uint32_t n, int stage,
	  const volatile bool *stop)
{
	static struct ng_io io;
	static char msg[8192];
	uint32_t next = 0, sent = 0;
	uint64_t last = now_ns(), last_retry = now_ns();

	io = (struct ng_io){ .ng = ng, .c = c, .n = n };
	while (io.finished < n && !*stop) {
		while (next < n && sent - io.finished < ng->window) {
			if (stage == 2 && c[next].state != MG_GEN_READY) {
				next++;
				io.finished++;
				sent++;
				continue;
			}
			c[next].state = stage == 0 ? MG_GEN_OFFERED :
					MG_GEN_DELETING;
			mg_gen_ng_send(ng, c, next++, stage);
			sent++;
		}
		struct pollfd p = { .fd = ng->fd, .events = POLLIN };

		if (poll(&p, 1, 100) > 0) {
			ssize_t len = recv(ng->fd, msg, sizeof(msg) - 1, 0);

			if (len > 0)
				take_reply(&io, msg, (size_t)len);
			explicit_bzero(msg, len > 0 ? (size_t)len : 0);
		}
		if (now_ns() - last_retry > 100000000ull) {
			mg_gen_ng_retry(ng, c, next);
			last_retry = now_ns();
		}
		progress(&io, stage, &last);
	}
	return io.ok;
}

long
mg_gen_ng_setup(struct mg_gen_ng *ng, struct mg_gen_call *c, uint32_t n,
		const volatile bool *stop)
{
	return run_stage(ng, c, n, 0, stop);
}

long
mg_gen_ng_delete(struct mg_gen_ng *ng, struct mg_gen_call *c, uint32_t n,
		 const volatile bool *stop)
{
	return run_stage(ng, c, n, 2, stop);
}
