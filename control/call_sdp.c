/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_sdp.h"
#include "ipsec_attr.h"
#include "precond.h"
#include "sdes.h"

#define CRYPTO_TEXT 1024 /* a=crypto lines of one section, '\n'-separated */

/* Strongest first: AEAD before HMAC, long keys and tags before short. */
static const uint8_t preference[] = {
	MG_SRTP_AEAD_AES_256_GCM, MG_SRTP_AEAD_AES_128_GCM,
	MG_SRTP_AES_256_CM_HMAC_SHA1_80, MG_SRTP_AES_192_CM_HMAC_SHA1_80,
	MG_SRTP_AES_CM_128_HMAC_SHA1_80, MG_SRTP_AES_256_CM_HMAC_SHA1_32,
	MG_SRTP_AES_192_CM_HMAC_SHA1_32, MG_SRTP_AES_CM_128_HMAC_SHA1_32,
	MG_SRTP_NULL_HMAC_SHA1_80, MG_SRTP_NULL_HMAC_SHA1_32,
};

static const char *const proto_names[] = {
	[MG_PROTO_AVP] = "RTP/AVP", [MG_PROTO_SAVP] = "RTP/SAVP",
	[MG_PROTO_AVPF] = "RTP/AVPF", [MG_PROTO_SAVPF] = "RTP/SAVPF",
	[MG_PROTO_UDP] = "udp",
};

bool
mg_call_uses_prec(const struct mg_call *call)
{
	for (uint32_t m = 0; m < call->nb_media; m++)
		for (int s = 0; s < 2; s++)
			if (call->media[m].side[s].prec.flags &
			    MG_PREC_F_PRESENT)
				return true;
	return false;
}

uint32_t
mg_call_default_suites(void)
{
	uint32_t all = 0;

	for (unsigned int s = 1; s < MG_SRTP_SUITE_MAX; s++)
		all |= 1u << s;
	return all;
}

/* What makes a suite weak (enum mg_weak). */
static uint32_t
suite_weakness(unsigned int suite)
{
	switch (suite) {
	case MG_SRTP_AES_CM_128_HMAC_SHA1_32:
	case MG_SRTP_AES_192_CM_HMAC_SHA1_32:
	case MG_SRTP_AES_256_CM_HMAC_SHA1_32:
		return MG_WEAK_32BIT;
	case MG_SRTP_NULL_HMAC_SHA1_80:
		return MG_WEAK_NULL;
	case MG_SRTP_NULL_HMAC_SHA1_32:
		return MG_WEAK_NULL | MG_WEAK_32BIT;
	default:
		return 0;
	}
}

/* ... and what its session parameters add. */
static uint32_t
policy_weakness(const struct mg_srtp_policy *p)
{
	uint32_t w = suite_weakness(p->suite);

	if (p->flags & (MG_SRTP_F_UNENCRYPTED_SRTP | MG_SRTP_F_UNENCRYPTED_SRTCP))
		w |= MG_WEAK_NULL;
	if (p->flags & MG_SRTP_F_UNAUTHENTICATED_SRTP)
		w |= MG_WEAK_UNAUTH;
	return w;
}

static const char *
weakness_name(uint32_t w)
{
	if (w & MG_WEAK_NULL)
		return "no encryption";
	if (w & MG_WEAK_UNAUTH)
		return "no authentication";
	return "32-bit tags";
}

/* May we use this suite, with these weaknesses, under o's policy? */
static bool
allowed(const struct mg_call_opts *o, unsigned int suite, uint32_t weak)
{
	if (!(o->suites >> suite & 1))
		return false;
	return (weak & ~o->weak_ok) == 0 || (o->named >> suite & 1);
}

int
mg_call_weak_parse(const char *s, uint32_t *weak)
{
	static const struct { const char *n; uint32_t w; } names[] = {
		{ "32bit", MG_WEAK_32BIT }, { "null", MG_WEAK_NULL },
		{ "unauthenticated", MG_WEAK_UNAUTH }, { "all", MG_WEAK_ALL },
		{ "none", 0 },
	};

	*weak = 0;
	while (*s) {
		size_t n = strcspn(s, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].n) == n &&
			    strncmp(s, names[i].n, n) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -EINVAL;
		*weak |= names[i].w;
		s += n + (s[n] == ',');
	}
	return 0;
}

/* allow-32bit, allow-null, allow-unauthenticated, allow-weak. */
static int
allow_flag(struct mg_call_opts *o, const char *f, size_t len)
{
	static const struct { const char *n; uint32_t w; } names[] = {
		{ "allow-32bit", MG_WEAK_32BIT }, { "allow-null", MG_WEAK_NULL },
		{ "allow-unauthenticated", MG_WEAK_UNAUTH },
		{ "allow-weak", MG_WEAK_ALL },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].n) == len && memcmp(f, names[i].n, len) == 0) {
			o->weak_ok |= names[i].w;
			return 0;
		}
	if (len == 13 && memcmp(f, "sec-mandatory", 13) == 0)
		return o->sec_mandatory = true, 0;
	return 1;
}

int
mg_call_esp_flag(struct mg_call_opts *o, const char *f, size_t len)
{
	char num[8];
	char *end;
	unsigned long v;

	if (len == 5 && memcmp(f, "offer", 5) == 0)
		return o->esp_offer = true, 0;
	if (len == 3 && memcmp(f, "udp", 3) == 0)
		return o->esp_udp = true, 0;
	if (len == 3 && memcmp(f, "esn", 3) == 0)
		return o->esp_esn = true, 0;
	if (len == 5 && memcmp(f, "rekey", 5) == 0)
		return o->esp_rekey = true, 0;
	if (len > 4 && len < 4 + sizeof(num) && memcmp(f, "kdr-", 4) == 0) {
		memcpy(num, f + 4, len - 4);
		num[len - 4] = '\0';
		v = strtoul(num, &end, 10);
		if (*end || v < MG_ESP_KDR_MIN || v > MG_ESP_KDR_MAX)
			return -EINVAL;
		o->esp_kdr = (uint8_t)v;
		return 0;
	}
	return 1;
}

int
mg_call_sdes_flag(struct mg_call_opts *o, const char *f, size_t len)
{
	enum mg_srtp_suite s;

	if ((len == 3 && memcmp(f, "off", 3) == 0) ||
	    (len == 2 && memcmp(f, "no", 2) == 0)) {
		o->sdes_off = true;
		return 0;
	}
	if (len > 3 && memcmp(f, "no-", 3) == 0) {
		s = mg_sdes_suite(f + 3, len - 3);
		if (s == 0)
			return -EINVAL;
		o->suites &= ~(1u << s);
		return 0;
	}
	if (len > 5 && memcmp(f, "only-", 5) == 0) {
		s = mg_sdes_suite(f + 5, len - 5);
		if (s == 0)
			return -EINVAL;
		/* Several only- flags add up; the first one clears the rest.
		 * Naming a suite allows it, weak or not. */
		if (o->named == 0)
			o->suites = 0;
		o->suites |= 1u << s;
		o->named |= 1u << s;
		return 0;
	}
	return allow_flag(o, f, len);
}

static int
proto_of(struct mg_sdp_str s)
{
	for (unsigned int i = 0; i < sizeof(proto_names) / sizeof(*proto_names);
	     i++)
		if (strlen(proto_names[i]) == s.len &&
		    memcmp(proto_names[i], s.p, s.len) == 0)
			return (int)i;
	return -1;
}

static int
addr_of(struct mg_sdp_str a, uint8_t family, uint16_t port,
	struct mg_ctl_addr *out)
{
	char buf[64];

	if (a.len == 0 || a.len >= sizeof(buf))
		return -1;
	memcpy(buf, a.p, a.len);
	buf[a.len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(family == 6 ? AF_INET6 : AF_INET, buf, out->ip) != 1)
		return -1;
	out->family = family;
	out->port = htons(port);
	return 0;
}

/* Where a party takes media, from its m= section. */
static int
side_from_sdp(struct mg_side *s, const struct mg_sdp_media *m, int idx,
	      char *err, size_t errlen)
{
	int proto = proto_of(m->proto);
	int rtcp = m->rtcp_port >= 0 ? m->rtcp_port : m->port + 1;

	if (proto < 0)
		return snprintf(err, errlen, "m= line %d: transport %.*s not "
				"supported (RTP/AVP, RTP/SAVP, RTP/AVPF, "
				"RTP/SAVPF, udp)", idx + 1, m->proto.len,
				m->proto.p),
		       -ENOTSUP;
	if (addr_of(m->addr, m->family, m->port, &s->rtp) != 0 ||
	    addr_of(m->addr, m->family, (uint16_t)rtcp, &s->rtcp) != 0)
		return snprintf(err, errlen, "m= line %d: c= is not an IP "
				"address", idx + 1), -EINVAL;
	s->proto = (uint8_t)proto;
	/* Not RTP: one port, no RTCP beside it. */
	s->mux = m->rtcp_mux || proto == MG_PROTO_UDP;
	s->has_sdp = 1;
	return 0;
}

static bool
same_key(const struct mg_srtp_policy *a, const struct mg_srtp_policy *b)
{
	return a->suite == b->suite && a->flags == b->flags &&
	       a->kdr_log2 == b->kdr_log2 && a->mki_len == b->mki_len &&
	       a->nb_masters == b->nb_masters && a->lifetime == b->lifetime &&
	       a->window == b->window &&
	       memcmp(a->masters, b->masters, sizeof(a->masters)) == 0;
}

static int
rank(unsigned int suite)
{
	for (unsigned int i = 0; i < sizeof(preference); i++)
		if (preference[i] == suite)
			return (int)i;
	return 99;
}

/* The line's "<suite> <key-params> [<session-params>]", terminated, for
 * mg_sdes_parse; -1 if it does not fit (no suite's line is that long). */
static int
crypto_text(const struct mg_sdp_crypto *k, char *buf, size_t cap)
{
	const char *end = k->rest.len ? k->rest.p + k->rest.len :
			  k->suite.p + k->suite.len;
	size_t n = (size_t)(end - k->suite.p);

	if (n >= cap)
		return -1;
	memcpy(buf, k->suite.p, n);
	buf[n] = '\0';
	return 0;
}

static int
parse_line(const struct mg_sdp_crypto *k, struct mg_srtp_policy *p,
	   char *why, size_t whylen)
{
	char line[512];
	int rc;

	memset(p, 0, sizeof(*p));
	p->flags = MG_SRTP_F_ANY_SSRC;
	if (crypto_text(k, line, sizeof(line)) != 0)
		return snprintf(why, whylen, "a=crypto line too long"), -EINVAL;
	rc = mg_sdes_parse(line, p, why, whylen);
	explicit_bzero(line, sizeof(line));
	return rc;
}

/* The offerer's a=crypto line we take: the strongest suite policy allows
 * whose line parses. Its key becomes the party's `in`. */
static int
pick_offered(struct mg_media_pair *mp, int si, const struct mg_sdp_media *m,
	     const struct mg_call_opts *o, int idx, char *err, size_t errlen)
{
	struct mg_side *s = &mp->side[si];
	struct mg_srtp_policy p;
	int best = -1, best_rank = 99;
	char why[160] = "no a=crypto line";

	for (int i = 0; i < m->ncrypto; i++) {
		enum mg_srtp_suite su = mg_sdes_suite(m->crypto[i].suite.p,
						      m->crypto[i].suite.len);

		if (su == 0 || !(o->suites >> su & 1)) {
			snprintf(why, sizeof(why), "no allowed suite offered");
			continue;
		}
		if (parse_line(&m->crypto[i], &p, why, sizeof(why)) != 0)
			continue;
		if (!allowed(o, su, policy_weakness(&p))) {
			snprintf(why, sizeof(why), "only weaker protection "
				 "offered (%s): refused by policy; allow it "
				 "with --allow-weak or an SDES allow- flag",
				 weakness_name(policy_weakness(&p) & ~o->weak_ok));
			explicit_bzero(&p, sizeof(p));
			continue;
		}
		if (rank(su) < best_rank) {
			best_rank = rank(su);
			best = i;
		}
		explicit_bzero(&p, sizeof(p));
	}
	if (best < 0)
		return snprintf(err, errlen, "m= line %d: no usable a=crypto "
				"(%s)", idx + 1, why), -EINVAL;
	parse_line(&m->crypto[best], &p, why, sizeof(why));
	if (!same_key(&p, &s->in))
		mp->keys_new[si] |= MG_KEY_IN;
	s->in = p;
	s->in_tag = (uint16_t)m->crypto[best].tag;
	explicit_bzero(&p, sizeof(p));
	return 0;
}

/* The same answer again (our offer is settled: its keys were wiped): it
 * may only repeat the line taken, which changes nothing. */
static int
same_answer(struct mg_side *s, const struct mg_sdp_media *m, int idx,
	    char *err, size_t errlen)
{
	struct mg_srtp_policy p;
	char why[160];
	bool same;

	if (m->crypto[0].tag != s->in_tag ||
	    parse_line(&m->crypto[0], &p, why, sizeof(why)) != 0)
		return snprintf(err, errlen, "m= line %d: an answer to a "
				"settled offer must repeat its a=crypto line",
				idx + 1), -EINVAL;
	same = same_key(&p, &s->in);
	explicit_bzero(&p, sizeof(p));
	return same ? 0 : (snprintf(err, errlen, "m= line %d: an answer to a "
				    "settled offer must repeat its a=crypto "
				    "line", idx + 1), -EINVAL);
}

/* The answerer's a=crypto line: one of the tags we offered, same suite.
 * Its key becomes `in`, the key we offered under that tag `out`. */
static int
pick_answered(struct mg_media_pair *mp, int si, const struct mg_sdp_media *m,
	      const struct mg_call_opts *o, int idx, char *err, size_t errlen)
{
	struct mg_side *s = &mp->side[si];
	const struct mg_offered_key *k = NULL;
	struct mg_srtp_policy p, out;
	char why[160];
	enum mg_srtp_suite su;

	if (m->ncrypto != 1)
		return snprintf(err, errlen, "m= line %d: an SRTP answer needs "
				"exactly one a=crypto line, not %u", idx + 1,
				m->ncrypto), -EINVAL;
	for (int i = 0; i < s->nb_offered; i++)
		if (s->offered[i].tag == m->crypto[0].tag)
			k = &s->offered[i];
	if (s->nb_offered == 0 && s->in.suite != 0)
		return same_answer(s, m, idx, err, errlen);
	su = mg_sdes_suite(m->crypto[0].suite.p, m->crypto[0].suite.len);
	if (k == NULL || su != k->suite)
		return snprintf(err, errlen, "m= line %d: answered a=crypto "
				"tag %u with a suite we did not offer under it",
				idx + 1, m->crypto[0].tag), -EINVAL;
	if (parse_line(&m->crypto[0], &p, why, sizeof(why)) != 0)
		return snprintf(err, errlen, "m= line %d: %s", idx + 1, why),
		       -EINVAL;
	if (!allowed(o, su, policy_weakness(&p))) {
		uint32_t weak = policy_weakness(&p) & ~o->weak_ok;

		explicit_bzero(&p, sizeof(p));
		return snprintf(err, errlen, "m= line %d: the answer asks for "
				"weaker protection (%s): refused by policy",
				idx + 1, weakness_name(weak)), -EINVAL;
	}
	memset(&out, 0, sizeof(out));
	out.suite = k->suite;
	out.flags = (uint16_t)(MG_SRTP_F_ANY_SSRC |
			       (p.flags & (MG_SRTP_F_UNENCRYPTED_SRTP |
					   MG_SRTP_F_UNENCRYPTED_SRTCP |
					   MG_SRTP_F_UNAUTHENTICATED_SRTP)));
	out.kdr_log2 = p.kdr_log2;
	out.nb_masters = 1;
	memcpy(out.masters[0].key, k->key, sizeof(k->key));
	memcpy(out.masters[0].salt, k->salt, sizeof(k->salt));
	if (!same_key(&p, &s->in))
		mp->keys_new[si] |= MG_KEY_IN;
	if (!same_key(&out, &s->out))
		mp->keys_new[si] |= MG_KEY_OUT;
	s->in = p;
	s->in_tag = (uint16_t)m->crypto[0].tag;
	s->out = out;
	explicit_bzero(&p, sizeof(p));
	explicit_bzero(&out, sizeof(out));
	return 0;
}

/* Our key toward the offerer, answering its chosen line: the same suite
 * and session parameters (RFC 4568 §6.3); kept across renegotiations
 * while the suite and parameters stay. */
static int
answer_key(struct mg_media_pair *mp, int si)
{
	struct mg_side *s = &mp->side[si];
	struct mg_srtp_policy p;
	uint16_t flags = (uint16_t)(MG_SRTP_F_ANY_SSRC | (s->in.flags &
			(MG_SRTP_F_UNENCRYPTED_SRTP | MG_SRTP_F_UNENCRYPTED_SRTCP |
			 MG_SRTP_F_UNAUTHENTICATED_SRTP)));

	if (s->out.suite == s->in.suite && s->out.flags == flags &&
	    s->out.kdr_log2 == s->in.kdr_log2)
		return 0;
	if (mg_sdes_keygen(s->in.suite, &p) != 0)
		return -EIO;
	p.flags = flags;
	p.kdr_log2 = s->in.kdr_log2;
	s->out = p;
	mp->keys_new[si] |= MG_KEY_OUT;
	explicit_bzero(&p, sizeof(p));
	return 0;
}

/* The keys we offer a party, one a=crypto line each, strongest first;
 * the suite of the key it has now (a renegotiation) keeps that key. */
static int
offer_keys(struct mg_side *s, const struct mg_call_opts *o, char *text,
	   size_t cap)
{
	size_t len = 0;

	s->nb_offered = 0;
	for (unsigned int i = 0; i < sizeof(preference) &&
	     s->nb_offered < MG_CALL_OFFER_MAX; i++) {
		struct mg_offered_key *k = &s->offered[s->nb_offered];
		struct mg_srtp_policy p;
		int w;

		if (!allowed(o, preference[i], suite_weakness(preference[i])))
			continue;
		if (s->out.suite == preference[i])
			p = s->out;
		else if (mg_sdes_keygen(preference[i], &p) != 0)
			return -EIO;
		p.flags = 0;
		p.kdr_log2 = 0;
		k->suite = preference[i];
		k->tag = (uint16_t)(s->nb_offered + 1);
		memcpy(k->key, p.masters[0].key, sizeof(k->key));
		memcpy(k->salt, p.masters[0].salt, sizeof(k->salt));
		w = mg_sdes_format(&p, k->tag, text + len, cap - len);
		explicit_bzero(&p, sizeof(p));
		if (w < 0 || len + (size_t)w + 2 > cap)
			return -ENOSPC;
		len += (size_t)w;
		text[len++] = '\n';
		text[len] = '\0';
		s->nb_offered++;
	}
	return s->nb_offered ? 0 : -ENOENT;
}

static void
wipe_offered(struct mg_side *s)
{
	explicit_bzero(s->offered, sizeof(s->offered));
	s->nb_offered = 0;
}

/* The a=ipsec lines being written (per m= line, then the session's):
 * secret too. */
static char ipsec_text_buf[MG_CALL_MEDIA_MAX + 1][1024];

/* The a=crypto lines being written, per m= line: secret. */
static char crypto_text_buf[MG_CALL_MEDIA_MAX][CRYPTO_TEXT];

/* After the m= lines were negotiated (n == 0): write the SDP; the lines'
 * text is wiped either way. */
static long
finish_sdp(long n, const struct mg_sdp *sdp, const struct mg_call_opts *o,
	   struct mg_sdp_out *so, char *out, size_t cap, char *err,
	   size_t errlen)
{
	if (n != 0) {
		explicit_bzero(crypto_text_buf, sizeof(crypto_text_buf));
		explicit_bzero(ipsec_text_buf, sizeof(ipsec_text_buf));
		return n;
	}
	so->addr = o->addr;
	so->family = o->family;
	so->replace_origin = o->replace_origin;
	/* Security attributes are per leg: none is relayed (sec_refused). */
	so->replace_sec = true;
	for (int i = 0; i < sdp->nmedia; i++)
		so->media[i].replace_sec = true;
	so->strip_ice = true; /* we do not speak ICE: candidates would
			       * send the parties around us */
	n = mg_sdp_write(sdp, so, out, cap);
	explicit_bzero(crypto_text_buf, sizeof(crypto_text_buf));
	explicit_bzero(ipsec_text_buf, sizeof(ipsec_text_buf));
	if (n < 0)
		snprintf(err, errlen, "rewritten SDP does not fit %zu bytes", cap);
	return n;
}

/* A port pair for the side, on the call's address, if it has none yet. */
static int
give_port(struct mg_idpool *ports, struct mg_side *s)
{
	if (s->port == 0)
		s->port = (uint16_t)mg_idpool_take(ports);
	return s->port ? 0 : -ENOSPC;
}

/* Ports the failed attempt took that the call did not have. */
static void
undo_ports(struct mg_calls *c, const struct mg_call *was,
	   const struct mg_call *tried)
{
	for (uint32_t m = 0; m < tried->nb_media; m++)
		for (int s = 0; s < 2; s++)
			if (tried->media[m].side[s].port &&
			    (m >= was->nb_media ||
			     was->media[m].side[s].port == 0))
				mg_idpool_put(&c->ports[tried->addr],
					      tried->media[m].side[s].port);
}

/* The SPI blocks and ESP ids a call's records hold, as (pool << 32 | v). */
struct esp_held {
	uint64_t v[MG_CALL_MEDIA_MAX * 2 * 16];
	unsigned int n;
};

static void
esp_hold(void *arg, int pool, uint32_t v)
{
	struct esp_held *h = arg;

	if (h->n < sizeof(h->v) / sizeof(h->v[0]))
		h->v[h->n++] = (uint64_t)pool << 32 | v;
}

static void
esp_held_by(const struct mg_call *call, struct esp_held *h)
{
	h->n = 0;
	for (uint32_t m = 0; m < call->nb_media; m++)
		for (int s = 0; s < 2; s++) {
			const struct mg_side_esp *e = &call->media[m].side[s].esp;

			if (e->owner == m && (e->theirs.suite || e->offered))
				mg_side_esp_each(e, MG_CALL_ESP_OFFERS_OF(call, m, s),
						 esp_hold, h);
		}
}

/* What `had` held and `has` does not goes back to the pools: after a
 * failed attempt (had: the attempt), or once one is taken (had: the
 * call before it; a rekey's keys replaced before they were installed). */
static void
esp_give_back(struct mg_calls *c, const struct mg_call *had,
	      const struct mg_call *has)
{
	static struct esp_held a, b;

	esp_held_by(had, &a);
	esp_held_by(has, &b);
	for (unsigned int i = 0; i < a.n; i++) {
		unsigned int j = 0;

		while (j < b.n && b.v[j] != a.v[i])
			j++;
		if (j == b.n)
			mg_idpool_put(a.v[i] >> 32 ? &c->esp_ids :
				      &c->spi_blocks, (uint32_t)a.v[i]);
	}
}

/* The sec precondition lines we write toward one party, per m= line:
 * its leg's status (precond.h), never the other leg's. */
static char prec_text_buf[MG_CALL_MEDIA_MAX][256];

/*
 * Our ends of a party's leg: the contexts its media is protected with.
 * The reply carrying these lines leaves only once the dataplane acked
 * them (the answer waits for the install), so what will be in place is
 * what is in place when the party reads it. A leg without SRTP has
 * nothing to secure it: its directions can never be current.
 */
static void
prec_local(struct mg_side *p, bool dp_behind)
{
	bool esp = p->esp.theirs.suite != 0;

	mg_prec_set_local(&p->prec, MG_PREC_RECV,
			  !dp_behind && (p->in.suite != 0 || esp));
	mg_prec_set_local(&p->prec, MG_PREC_SEND,
			  !dp_behind && (p->out.suite != 0 || esp));
	if (!mg_proto_srtp(p->proto) && !esp)
		mg_prec_fail(&p->prec, MG_PREC_SENDRECV);
}

/* Write a leg's lines for the m= line; an error when its mandatory
 * preconditions can never be met (the SIP server answers 580). */
static int
prec_lines(struct mg_side *p, bool answer, bool dp_behind, int idx,
	   struct mg_sdp_media_out *mo, char *text, char *err,
	   size_t errlen)
{
	const char *why = NULL;

	if (!(p->prec.flags & MG_PREC_F_PRESENT))
		return 0;
	prec_local(p, dp_behind);
	if (!mg_prec_possible(&p->prec, &why))
		return snprintf(err, errlen, "m= line %d: the sec precondition "
				"cannot be met: %s", idx + 1, why), -EINVAL;
	if (mg_prec_write(&p->prec, answer, text, 256) < 0)
		return snprintf(err, errlen, "m= line %d: sec precondition "
				"lines do not fit", idx + 1), -ENOSPC;
	mo->prec = text;
	return 0;
}

/* --- ESP in SDP (docs/esp-in-sdp.md), answerer role ----------------- */

static int
ipsec_rank(const struct mg_ipsec_attr *a)
{
	for (size_t i = 0; i < mg_ipsec_sdp_nsuites; i++)
		if (mg_ipsec_sdp_suites[i] == a->suite)
			return (int)i;
	return 99;
}

/* The strongest a=ipsec line of one level that policy allows, into *a.
 * Integrity-only ESP needs the policy's leave (MG_WEAK_NULL), as the
 * NULL SRTP suites do. A tag twice at one level is refused. */
static int
pick_ipsec(const struct mg_sdp *sdp, const struct mg_sdp_sec *sec,
	   const struct mg_call_opts *o, struct mg_ipsec_attr *a, char *why,
	   size_t wl)
{
	struct mg_ipsec_attr cand;
	uint32_t tags[MG_SDP_IPSEC_MAX];
	int best = 99;

	for (uint8_t i = 0; i < sec->nipsec; i++) {
		struct mg_sdp_str l = sdp->lines[sec->ipsec[i]];

		tags[i] = 0;
		if (mg_ipsec_attr_parse(l.p + 8, l.len - 8u, &cand, why, wl))
			continue;
		tags[i] = cand.tag;
		for (uint8_t j = 0; j < i; j++)
			if (tags[j] == cand.tag) {
				explicit_bzero(&cand, sizeof(cand));
				explicit_bzero(a, sizeof(*a));
				return snprintf(why, wl, "a=ipsec: tag %u twice",
						tags[i]), -EINVAL;
			}
		if (mg_esp_suite(cand.suite)->integrity_only &&
		    !(o->weak_ok & MG_WEAK_NULL))
			snprintf(why, wl, "a=ipsec: integrity-only ESP refused by "
				 "policy (allow it with allow-null)");
		else if (ipsec_rank(&cand) < best) {
			best = ipsec_rank(&cand);
			*a = cand;
		}
		explicit_bzero(&cand, sizeof(cand));
	}
	return best < 99 ? 0 : -EINVAL;
}

/* The same key material and SPI (and, when asked, the same parameters):
 * field by field, so padding never tells two equal lines apart. */
static bool
ipsec_same(const struct mg_ipsec_attr *a, const struct mg_ipsec_attr *b,
	   bool params)
{
	if (a->suite != b->suite || a->key_len != b->key_len ||
	    a->spi != b->spi || memcmp(a->key, b->key, a->key_len) != 0)
		return false;
	return !params || (a->tag == b->tag && a->kdr == b->kdr &&
			   a->lifetime == b->lifetime &&
			   a->window == b->window && a->tunnel == b->tunnel &&
			   a->udp == b->udp && a->esn == b->esn);
}

/* Our side of the pair: the accepted line's suite and parameters, a fresh
 * key, and an SPI block of our own (we receive on it). */
static int
ipsec_ours(struct mg_calls *c, const struct mg_ipsec_attr *theirs,
	   struct mg_ipsec_attr *ours)
{
	uint32_t block = mg_idpool_take(&c->spi_blocks);

	if (block == 0)
		return -ENOSPC;
	*ours = *theirs;
	ours->lifetime = 0;
	ours->spi = block << 8;
	return mg_ipsec_keygen(ours);
}

/* The tag of a media-level a=ipsec line said differently at session
 * level: the offer contradicts itself (media level may override the
 * session's lines, not reuse their tags for other parameters). */
static bool
levels_conflict(const struct mg_sdp *sdp, const struct mg_sdp_sec *media)
{
	for (uint8_t i = 0; i < media->nipsec; i++) {
		struct mg_sdp_str a = sdp->lines[media->ipsec[i]];
		size_t ta = strcspn(a.p, " ");

		for (uint8_t j = 0; j < sdp->sec.nipsec; j++) {
			struct mg_sdp_str b = sdp->lines[sdp->sec.ipsec[j]];
			size_t tb = strcspn(b.p, " ");

			if (ta == tb && memcmp(a.p, b.p, ta) == 0 &&
			    (a.len != b.len || memcmp(a.p, b.p, a.len) != 0))
				return true;
		}
	}
	return false;
}

/* A party's SPI on another of its SA pairs (media-level binding on two
 * m= lines): it could not tell them apart. */
static bool
spi_taken(const struct mg_call *t, int from, int idx, uint32_t spi)
{
	for (int m = 0; m < idx; m++) {
		const struct mg_side_esp *o = &t->media[m].side[from].esp;

		if (o->theirs.suite != 0 && o->owner == m &&
		    o->theirs.spi == spi && !o->session)
			return true;
	}
	return false;
}

/*
 * We offer ESP to a party (the ESP flag): every suite of the profile the
 * policy allows, strongest first (integrity-only ESP only with its
 * leave), each under its own fresh key, all under one SPI block of ours
 * (we receive on whichever the answer picks), with the parameters the
 * flags ask for; kept across re-offers until answered. Once a pair is
 * agreed, re-offers repeat our line, unless the rekey flag asks for new
 * keys: then the same offer again, on a new block, and the answer makes
 * a new pair (docs/esp-in-sdp.md, "Rekey").
 */
static int
offer_esp_toward(struct mg_calls *c, struct mg_call *t, int idx, int s,
		 const struct mg_call_opts *o)
{
	struct mg_side_esp *e = &t->media[idx].side[s].esp;
	struct mg_ipsec_attr *offers = MG_CALL_ESP_OFFERS_OF(t, idx, s);
	uint32_t block;
	uint8_t n = 0;

	if (!o->esp_offer || e->offered ||
	    (e->theirs.suite != 0 && !o->esp_rekey))
		return 0;
	block = mg_idpool_take(&c->spi_blocks);
	if (block == 0)
		return -ENOSPC;
	/* A rekey keeps the agreed pair (and ours) until the answer. */
	if (e->theirs.suite == 0)
		e->ours.spi = block << 8;
	t->esp_offered = 1;
	for (size_t i = 0; i < mg_ipsec_sdp_nsuites &&
	     n < MG_CALL_ESP_OFFERS; i++) {
		struct mg_ipsec_attr *a = &offers[n];

		if (mg_esp_suite(mg_ipsec_sdp_suites[i])->integrity_only &&
		    !(o->weak_ok & MG_WEAK_NULL))
			continue;
		*a = (struct mg_ipsec_attr){
			.tag = (uint32_t)n + 1, .suite = mg_ipsec_sdp_suites[i],
			.spi = block << 8, .udp = o->esp_udp,
			.esn = o->esp_esn, .kdr = o->esp_kdr,
		};
		if (mg_ipsec_keygen(a) != 0) {
			explicit_bzero(offers, sizeof(MG_CALL_ESP_OFFERS_OF(t, idx, s)));
			mg_idpool_put(&c->spi_blocks, block);
			if (e->theirs.suite == 0)
				e->ours.spi = 0;
			return -EIO;
		}
		n++;
	}
	e->offered = n;
	e->owner = (uint8_t)idx;
	return 0;
}

/* The line of ours an answer's line takes: offered under its tag with
 * its suite (or, once agreed, the one agreed). */
static const struct mg_ipsec_attr *
offered_line(const struct mg_side_esp *e, const struct mg_ipsec_attr *offers,
	     const struct mg_ipsec_attr *a)
{
	if (!e->offered)
		return a->tag == e->ours.tag && a->suite == e->ours.suite ?
		       &e->ours : NULL;
	for (uint8_t i = 0; i < e->offered; i++)
		if (offers[i].tag == a->tag && offers[i].suite == a->suite)
			return &offers[i];
	return NULL;
}

/* The answer to our ESP offer: the line with our tag and suite, its key
 * and SPI; the parameters stay ours (the answerer does not choose them).
 * A party that answers without it refused the ESP it was asked for. */
static int
answer_esp(const struct mg_sdp *sdp, int idx, struct mg_call *t, int s,
	   char *err, size_t errlen)
{
	struct mg_ipsec_attr *offers = MG_CALL_ESP_OFFERS_OF(t, idx, s);
	const struct mg_sdp_sec *sec = sdp->media[idx].sec.nipsec ?
				       &sdp->media[idx].sec : &sdp->sec;
	struct mg_side_esp *e = &t->media[idx].side[s].esp;
	struct mg_ipsec_attr a;
	char why[160] = "no a=ipsec line";
	int rc = -EINVAL;

	if (!e->offered && e->theirs.suite == 0)
		return 0;
	for (uint8_t i = 0; i < sec->nipsec && rc != 0; i++) {
		struct mg_sdp_str l = sdp->lines[sec->ipsec[i]];

		if (mg_ipsec_attr_parse(l.p + 8, l.len - 8u, &a, why,
					sizeof(why)) != 0)
			continue;
		const struct mg_ipsec_attr *k = offered_line(e, offers, &a);

		if (k == NULL) {
			snprintf(why, sizeof(why), "a=ipsec tag %u is not one "
				 "we offered", a.tag);
		} else if (!e->offered) {
			/* Our line repeated: the same key and SPI from it. */
			if (ipsec_same(&a, &e->theirs, false))
				rc = 0;
			else
				snprintf(why, sizeof(why), "ESP keys changed "
					 "under our old SPI: a rekey needs "
					 "ours new too (the ESP flag rekey)");
		} else {
			/* First agreed, or a rekey's new pair. */
			e->rekey = e->theirs.suite != 0;
			e->ours = *k;
			a.tunnel = k->tunnel;
			a.udp = k->udp;
			a.esn = k->esn;
			a.kdr = k->kdr;
			a.window = k->window;
			e->theirs = a;
			e->owner = (uint8_t)idx;
			e->offered = 0;
			explicit_bzero(offers, sizeof(MG_CALL_ESP_OFFERS_OF(t, idx, s)));
			rc = 0;
		}
		explicit_bzero(&a, sizeof(a));
	}
	if (rc != 0)
		snprintf(err, errlen, "m= line %d: the answer to our ESP offer: "
			 "%s", idx + 1, why);
	return rc;
}

/*
 * The line a party offers becomes its side of the pair, with a fresh side
 * of ours: a new key and SPI block. Over a pair in the dataplane it is a
 * rekey: the new pair is installed beside it at the answer (call
 * install: make-before-break). Keys an earlier re-offer brought and no
 * answer installed are simply replaced.
 */
static int
take_theirs(struct mg_calls *c, struct mg_side_esp *e,
	    const struct mg_ipsec_attr *a, int idx)
{
	struct mg_ipsec_attr ours;

	if (ipsec_ours(c, a, &ours) != 0)
		return -ENOSPC;
	e->rekey = e->in_block != 0;
	e->theirs = *a;
	e->ours = ours;
	e->owner = (uint8_t)idx;
	explicit_bzero(&ours, sizeof(ours));
	return 0;
}

/*
 * The offerer's ESP for m= line idx: its media-level lines, else the
 * session's (one SA pair for every m= line: the first line that uses it
 * owns the SAs). A re-offer that repeats what was agreed (the same key
 * material) installs nothing; new key material is a rekey.
 */
static int
offer_esp(struct mg_calls *c, struct mg_call *t, int from, int idx,
	  const struct mg_sdp *sdp, const struct mg_call_opts *o,
	  int *session_owner, char *err, size_t errlen)
{
	const struct mg_sdp_sec *sec = sdp->media[idx].sec.nipsec ?
				       &sdp->media[idx].sec : &sdp->sec;
	struct mg_side_esp *e = &t->media[idx].side[from].esp;
	struct mg_ipsec_attr a;
	char why[160] = "";
	int rc;

	if (sec->nipsec == 0) {
		if (e->theirs.suite != 0)
			return snprintf(err, errlen, "m= line %d: a re-offer "
					"may not drop ESP (not supported yet)",
					idx + 1), -ENOTSUP;
		return 0;
	}
	if (sec != &sdp->sec && levels_conflict(sdp, sec))
		return snprintf(err, errlen, "m= line %d: a=ipsec lines of the "
				"session and of the m= line give one tag two "
				"meanings", idx + 1), -EINVAL;
	if (pick_ipsec(sdp, sec, o, &a, why, sizeof(why)) != 0)
		return snprintf(err, errlen, "m= line %d: no usable a=ipsec "
				"(%s)", idx + 1, why), -EINVAL;
	if (spi_taken(t, from, idx, a.spi)) {
		uint32_t spi = a.spi;

		explicit_bzero(&a, sizeof(a));
		return snprintf(err, errlen, "m= line %d: a=ipsec SPI %x is "
				"already another SA pair's", idx + 1, spi),
		       -EINVAL;
	}
	if (e->theirs.suite != 0 && e->session != (sec == &sdp->sec)) {
		explicit_bzero(&a, sizeof(a));
		return snprintf(err, errlen, "m= line %d: a re-offer moved "
				"a=ipsec between session and media level",
				idx + 1), -ENOTSUP;
	}
	if (e->theirs.suite != 0 && ipsec_same(&a, &e->theirs, true)) {
		explicit_bzero(&a, sizeof(a));
		return 0;
	}
	e->session = sec == &sdp->sec;
	if (e->session && *session_owner >= 0) {
		*e = t->media[*session_owner].side[from].esp;
		if (t->esp_offered)
			memcpy(MG_CALL_ESP_OFFERS_OF(t, idx, from),
			       MG_CALL_ESP_OFFERS_OF(t, *session_owner, from),
			       sizeof(t->esp_offers[0][0]));
		explicit_bzero(&a, sizeof(a));
		return 0;
	}
	rc = take_theirs(c, e, &a, idx);
	if (rc == 0 && e->session)
		*session_owner = idx;
	explicit_bzero(&a, sizeof(a));
	if (rc != 0)
		return snprintf(err, errlen, "no SPI or key for ESP"), rc;
	return 0;
}

/* "a=ipsec:..." for our side, terminated. */
static int
ipsec_line(const struct mg_ipsec_attr *a, char *out, size_t cap)
{
	int n;

	if (cap < 9)
		return -ENOSPC;
	memcpy(out, "a=ipsec:", 8);
	n = mg_ipsec_attr_format(a, out + 8, cap - 8);
	return n < 0 ? n : n + 8;
}

/* Our a=ipsec toward a party with ESP, in an offer or an answer to it:
 * at media level in its m= line, or once at session level. */
static int
esp_toward(const struct mg_call *t, int idx, int s, struct mg_sdp_out *so)
{
	const struct mg_side_esp *e = &t->media[idx].side[s].esp;
	const struct mg_ipsec_attr *offers = MG_CALL_ESP_OFFERS_OF(t, idx, s);
	char *buf = ipsec_text_buf[e->session ? MG_CALL_MEDIA_MAX : idx];

	if ((e->theirs.suite == 0 && !e->offered) ||
	    (e->session && so->ipsec != NULL))
		return 0;
	if (e->offered) {
		size_t len = 0;

		for (uint8_t i = 0; i < e->offered; i++) {
			int w = ipsec_line(&offers[i], buf + len,
					   sizeof(ipsec_text_buf[0]) - len - 1);

			if (w < 0)
				return -ENOSPC;
			len += (size_t)w;
			buf[len++] = '\n';
			buf[len] = '\0';
		}
	} else if (ipsec_line(&e->ours, buf, sizeof(ipsec_text_buf[0])) < 0) {
		return -ENOSPC;
	}
	if (e->session)
		so->ipsec = buf;
	else
		so->media[idx].ipsec = buf;
	return 0;
}

static int
offer_media(struct mg_idpool *ports, struct mg_media_pair *mp, int from,
	    int idx, const struct mg_sdp *sdp,
	    const struct mg_sdp_media *m, const struct mg_call_opts *o,
	    struct mg_sdp_media_out *mo, char *text, char *err, size_t errlen)
{
	struct mg_side *x = &mp->side[from], *y = &mp->side[!from];
	int rc;

	mp->rejected = m->port == 0;
	mo->port = 0;
	mo->drop_crypto = true;
	if (mp->rejected)
		return 0;
	rc = side_from_sdp(x, m, idx, err, errlen);
	if (rc == 0)
		rc = mg_prec_absorb_sdp(&x->prec, sdp, idx, true, err, errlen);
	if (rc == 0 && o->sec_mandatory)
		mg_prec_upgrade(&x->prec);
	if (rc == 0 && mg_proto_srtp(x->proto))
		rc = pick_offered(mp, from, m, o, idx, err, errlen);
	if (rc == 0 && (x->prec.flags & MG_PREC_F_PRESENT) &&
	    !mg_proto_srtp(x->proto) && x->esp.theirs.suite == 0 &&
	    !mg_prec_met(&x->prec) &&
	    (x->prec.strength[0] == MG_PREC_S_MANDATORY ||
	     x->prec.strength[1] == MG_PREC_S_MANDATORY))
		return snprintf(err, errlen, "m= line %d: a mandatory sec "
				"precondition on a leg without media security "
				"(%.*s)", idx + 1, m->proto.len, m->proto.p),
		       -EINVAL;
	if (rc != 0)
		return rc;
	if (!mg_proto_srtp(x->proto) && x->in.suite) {
		explicit_bzero(&x->in, sizeof(x->in));
		mp->keys_new[from] |= MG_KEY_IN;
	}
	/* transport-protocol converts RTP profiles; other transports pass. */
	y->proto = (uint8_t)(o->proto >= 0 && x->proto != MG_PROTO_UDP ?
			     o->proto : x->proto);
	if (give_port(ports, x) != 0 || give_port(ports, y) != 0)
		return snprintf(err, errlen, "no free media ports"), -ENOSPC;
	mo->port = y->port;
	mo->proto = proto_names[y->proto];
	mo->rtcp_mux = x->mux && !o->demux;
	mo->no_rtcp = y->proto == MG_PROTO_UDP;
	mo->drop_crypto = !mg_proto_srtp(y->proto) || o->sdes_off;
	rc = prec_lines(y, false, o->dp_behind, idx, mo, prec_text_buf[idx],
			err, errlen);
	if (rc != 0 || mo->drop_crypto)
		return rc;
	rc = offer_keys(y, o, text, CRYPTO_TEXT);
	if (rc != 0)
		return snprintf(err, errlen, "m= line %d: %s", idx + 1,
				rc == -ENOENT ? "SDES flags leave no suite to "
				"offer" : "cannot make keys"), rc;
	mo->crypto = text;
	return 0;
}

static long
negotiate_offer(struct mg_calls *c, struct mg_call *t, int from,
		const struct mg_sdp *sdp, const struct mg_call_opts *o,
		char *out, size_t cap, char *err, size_t errlen)
{
	struct mg_sdp_out so;
	long n = 0;

	if (sdp->nmedia > MG_CALL_MEDIA_MAX)
		return snprintf(err, errlen, "%u m= lines: at most %d per call",
				sdp->nmedia, MG_CALL_MEDIA_MAX), -E2BIG;
	if (sdp->nmedia < t->nb_media)
		return snprintf(err, errlen, "an offer may not remove m= lines "
				"(RFC 3264 §8.2): had %u, now %u", t->nb_media,
				sdp->nmedia), -EINVAL;
	memset(&so, 0, sizeof(so));
	t->nb_media = sdp->nmedia;
	for (int i = 0, owner = -1; i < sdp->nmedia && n == 0; i++) {
		if (sdp->media[i].port != 0)
			n = offer_esp(c, t, from, i, sdp, o, &owner, err,
				      errlen);
		if (n == 0)
			n = offer_media(&c->ports[t->addr], &t->media[i], from,
					i, sdp, &sdp->media[i], o, &so.media[i],
					crypto_text_buf[i], err, errlen);
		if (n == 0 && !t->media[i].rejected)
			n = offer_esp_toward(c, t, i, !from,
					     o);
		if (n == 0 && !t->media[i].rejected)
			n = esp_toward(t, i, !from, &so);
	}
	return finish_sdp(n, sdp, o, &so, out, cap, err, errlen);
}

/* An attempt works on a copy of what the call wrote (its front and,
 * if it offered ESP, those lines); the rest is zero in both. */
static void
attempt_copy(struct mg_call *to, struct mg_call *from)
{
	memcpy(to, from, mg_call_front_bytes(from->nb_media));
	if (from->esp_offered) {
		size_t bytes;
		void *src = mg_call_esp_offers_tail(from, from->nb_media,
						    &bytes);

		memcpy(mg_call_esp_offers_tail(to, from->nb_media, &bytes),
		       src, bytes);
	}
}

long
mg_call_offer(struct mg_calls *c, struct mg_call *call, int from,
	      const struct mg_sdp *sdp, const struct mg_call_opts *o,
	      char *out, size_t cap, char *err, size_t errlen)
{
	static struct mg_call t; /* 16 kB: the attempt, kept off the stack */
	long n;

	attempt_copy(&t, call);
	n = negotiate_offer(c, &t, from, sdp, o, out, cap, err, errlen);
	if (n < 0) {
		undo_ports(c, call, &t);
		esp_give_back(c, &t, call);
	} else {
		t.offerer = (uint8_t)from;
		esp_give_back(c, call, &t);
		attempt_copy(call, &t);
	}
	mg_call_wipe(&t);
	return n;
}

static int
answer_media(struct mg_media_pair *mp, int from, int idx,
	     const struct mg_sdp *sdp, const struct mg_sdp_media *m,
	     const struct mg_call_opts *o,
	     struct mg_sdp_media_out *mo, char *text, char *err,
	     size_t errlen)
{
	struct mg_side *y = &mp->side[from], *x = &mp->side[!from];
	int rc, w;

	mo->port = 0;
	mo->drop_crypto = true;
	if (mp->rejected || m->port == 0) {
		mp->rejected = 1;
		return 0;
	}
	rc = side_from_sdp(y, m, idx, err, errlen);
	if (rc == 0)
		rc = mg_prec_absorb_sdp(&y->prec, sdp, idx, false, err,
					errlen);
	if (rc == 0 && mg_proto_srtp(y->proto))
		rc = pick_answered(mp, from, m, o, idx, err, errlen);
	if (rc != 0)
		return rc;
	if (!mg_proto_srtp(y->proto) && (y->in.suite || y->out.suite)) {
		explicit_bzero(&y->in, sizeof(y->in));
		explicit_bzero(&y->out, sizeof(y->out));
		mp->keys_new[from] |= MG_KEY_IN | MG_KEY_OUT;
	}
	wipe_offered(y);
	/* RTCP-mux holds for both parties or neither: the offerer's RTCP
	 * goes to the answerer's RTP port only if that one muxes. */
	x->mux = x->mux && y->mux;
	y->mux = x->mux;
	mo->port = x->port;
	mo->proto = proto_names[x->proto];
	mo->rtcp_mux = x->mux;
	mo->no_rtcp = x->proto == MG_PROTO_UDP;
	mo->drop_crypto = !mg_proto_srtp(x->proto);
	if (mo->drop_crypto) {
		if (x->out.suite)
			mp->keys_new[!from] |= MG_KEY_OUT;
		explicit_bzero(&x->out, sizeof(x->out));
		return prec_lines(x, true, o->dp_behind, idx, mo,
				  prec_text_buf[idx], err, errlen);
	}
	if (answer_key(mp, !from) != 0)
		return snprintf(err, errlen, "cannot make keys"), -EIO;
	w = mg_sdes_format(&x->out, x->in_tag, text, CRYPTO_TEXT);
	if (w < 0)
		return snprintf(err, errlen, "cannot write a=crypto"), -EIO;
	mo->crypto = text;
	return prec_lines(x, true, o->dp_behind, idx, mo, prec_text_buf[idx],
			  err, errlen);
}

static long
negotiate_answer(struct mg_call *t, int from, const struct mg_sdp *sdp,
		 const struct mg_call_opts *o, char *out, size_t cap,
		 char *err, size_t errlen)
{
	struct mg_sdp_out so;
	long n = 0;

	if (sdp->nmedia != t->nb_media)
		return snprintf(err, errlen, "the answer has %u m= lines, the "
				"offer had %u (RFC 3264 §6)", sdp->nmedia,
				t->nb_media), -EINVAL;
	memset(&so, 0, sizeof(so));
	for (int i = 0; i < sdp->nmedia && n == 0; i++) {
		if (!t->media[i].rejected && sdp->media[i].port != 0)
			n = answer_esp(sdp, i, t, from, err, errlen);
		if (n == 0)
			n = answer_media(&t->media[i], from, i, sdp,
					 &sdp->media[i], o, &so.media[i],
					 crypto_text_buf[i], err, errlen);
		if (n == 0 && !t->media[i].rejected)
			n = esp_toward(t, i, !from, &so);
	}
	return finish_sdp(n, sdp, o, &so, out, cap, err, errlen);
}

long
mg_call_answer(struct mg_calls *c, struct mg_call *call, int from,
	       const struct mg_sdp *sdp, const struct mg_call_opts *o,
	       char *out, size_t cap, char *err, size_t errlen)
{
	static struct mg_call t;
	long n;

	if (call->state == MG_CALL_FREE || from == (int)call->offerer)
		return snprintf(err, errlen, "no offer from the other party "
				"to answer"), -ENOENT;
	attempt_copy(&t, call);
	n = negotiate_answer(&t, from, sdp, o, out, cap, err, errlen);
	if (n >= 0) {
		t.state = MG_CALL_ANSWERED;
		esp_give_back(c, call, &t);
		attempt_copy(call, &t);
	}
	mg_call_wipe(&t);
	return n;
}
