/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

struct sdp_parse {
	struct mg_sdp *sdp;
	char *err;
	size_t errlen;
};

static int
bad(struct sdp_parse *ps, unsigned int line, const char *why)
{
	snprintf(ps->err, ps->errlen, "SDP line %u: %s", line + 1, why);
	return -EINVAL;
}

static struct mg_sdp_str
str(const char *p, size_t len)
{
	return (struct mg_sdp_str){ p, (uint16_t)len };
}

static bool
is(struct mg_sdp_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len >= n && memcmp(s.p, lit, n) == 0;
}

/* The next space-separated field of s at *pos. */
static struct mg_sdp_str
field(struct mg_sdp_str s, uint16_t *pos)
{
	uint16_t b, e;

	for (b = *pos; b < s.len && s.p[b] == ' '; b++)
		;
	for (e = b; e < s.len && s.p[e] != ' '; e++)
		;
	*pos = e;
	return str(s.p + b, (size_t)(e - b));
}

/* Decimal, 1..max, nothing else. */
static bool
number(struct mg_sdp_str s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (s.len == 0 || s.len > 10)
		return false;
	for (uint16_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
	}
	*out = v;
	return v <= max;
}

static int
split_lines(struct sdp_parse *ps, const char *buf, size_t len)
{
	struct mg_sdp *sdp = ps->sdp;
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - buf) : len, n = e - i;

		if (n && buf[e - 1] == '\r') {
			n--;
			sdp->crlf = true;
		}
		if (n == 0 && nl == NULL)
			break;
		if (sdp->nlines == MG_SDP_LINES_MAX)
			return bad(ps, sdp->nlines, "too many lines");
		if (n > MG_SDP_LINE_LEN_MAX)
			return bad(ps, sdp->nlines, "line too long");
		if (n < 2 || buf[i + 1] != '=' || buf[i] < 'a' || buf[i] > 'z')
			return bad(ps, sdp->nlines, "not <type>=<value>");
		sdp->lines[sdp->nlines++] = str(buf + i, n);
		i = e + 1;
	}
	if (sdp->nlines == 0 || sdp->lines[0].len != 3 ||
	    memcmp(sdp->lines[0].p, "v=0", 3) != 0)
		return bad(ps, 0, "an SDP starts with v=0");
	return 0;
}

/* c=IN IP4 <addr> or c=IN IP6 <addr>, maybe /ttl after the address. */
static int
parse_c(struct sdp_parse *ps, uint16_t l, struct mg_sdp_str *addr,
	uint8_t *family)
{
	struct mg_sdp_str s = str(ps->sdp->lines[l].p + 2,
				  ps->sdp->lines[l].len - 2u);
	uint16_t pos = 0, n;
	struct mg_sdp_str net = field(s, &pos), type = field(s, &pos);

	*addr = field(s, &pos);
	if (!is(net, "IN") || net.len != 2 || type.len != 3 ||
	    !(is(type, "IP4") || is(type, "IP6")) || addr->len == 0)
		return bad(ps, l, "c= is not IN IP4|IP6 <address>");
	*family = type.p[2] == '4' ? 4 : 6;
	for (n = 0; n < addr->len && addr->p[n] != '/'; n++)
		;
	addr->len = n;
	return 0;
}

/* m=<media> <port>[/<n>] <proto> <fmt> ... */
static int
parse_m(struct sdp_parse *ps, uint16_t l, struct mg_sdp_media *m)
{
	struct mg_sdp_str s = str(ps->sdp->lines[l].p + 2,
				  ps->sdp->lines[l].len - 2u), port;
	uint16_t pos = 0, slash;
	unsigned long v, n = 1;

	m->type = field(s, &pos);
	port = field(s, &pos);
	m->proto = field(s, &pos);
	for (; pos < s.len && s.p[pos] == ' '; pos++)
		;
	m->fmts = str(s.p + pos, (size_t)(s.len - pos));
	for (slash = 0; slash < port.len && port.p[slash] != '/'; slash++)
		;
	if (slash < port.len &&
	    !number(str(port.p + slash + 1, port.len - slash - 1u), 65535, &n))
		return bad(ps, l, "bad port count in m=");
	if (m->type.len == 0 || !number(str(port.p, slash), 65535, &v) ||
	    m->proto.len == 0 || m->fmts.len == 0)
		return bad(ps, l, "m= is not <media> <port> <proto> <fmt>...");
	m->port = (uint16_t)v;
	m->nports = (uint16_t)n;
	m->rtcp_port = -1;
	return 0;
}

/* a=crypto:<tag> <suite> <key-params> [<session-params>] */
static int
parse_crypto(struct sdp_parse *ps, uint16_t l, struct mg_sdp_media *m)
{
	struct mg_sdp_str s = str(ps->sdp->lines[l].p + 9,
				  ps->sdp->lines[l].len - 9u);
	uint16_t pos = 0;
	struct mg_sdp_str tag = field(s, &pos);
	struct mg_sdp_crypto *c;
	unsigned long v;

	if (!number(tag, 999999999, &v))
		return bad(ps, l, "a=crypto tag is not 1-9 digits");
	for (uint8_t i = 0; i < m->ncrypto; i++)
		if (m->crypto[i].tag == v)
			return bad(ps, l, "duplicate a=crypto tag");
	if (m->ncrypto == MG_SDP_CRYPTO_MAX)
		return bad(ps, l, "too many a=crypto lines");
	c = &m->crypto[m->ncrypto];
	c->tag = (uint32_t)v;
	c->suite = field(s, &pos);
	for (; pos < s.len && s.p[pos] == ' '; pos++)
		;
	c->rest = str(s.p + pos, (size_t)(s.len - pos));
	c->line = l;
	if (c->suite.len == 0 || c->rest.len == 0)
		return bad(ps, l, "a=crypto needs a suite and key-params");
	m->ncrypto++;
	return 0;
}

/* a=ipsec: and a=curr:sec / a=des:sec / a=conf:sec: noted where they
 * are; 1 if the line was one of them. */
static int
sec_attr(struct sdp_parse *ps, uint16_t l, struct mg_sdp_sec *sec)
{
	struct mg_sdp_str a = ps->sdp->lines[l];

	if (is(a, "a=ipsec:")) {
		if (sec->nipsec == MG_SDP_IPSEC_MAX)
			return bad(ps, l, "too many a=ipsec lines");
		sec->ipsec[sec->nipsec++] = l;
		return 1;
	}
	if (is(a, "a=curr:sec ") || is(a, "a=des:sec ") ||
	    is(a, "a=conf:sec ")) {
		if (sec->nprec == MG_SDP_PREC_MAX)
			return bad(ps, l, "too many sec precondition lines");
		sec->prec[sec->nprec++] = l;
		return 1;
	}
	return 0;
}

/* An a= line of a media section that the engine owns. */
static int
media_attr(struct sdp_parse *ps, uint16_t l, struct mg_sdp_media *m)
{
	struct mg_sdp_str a = ps->sdp->lines[l];
	unsigned long v;
	int rc = sec_attr(ps, l, &m->sec);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (is(a, "a=crypto:"))
		return parse_crypto(ps, l, m);
	if (is(a, "a=rtcp-mux") && a.len == 10)
		m->rtcp_mux = true;
	else if (is(a, "a=rtcp:")) {
		uint16_t pos = 0;

		if (!number(field(str(a.p + 7, a.len - 7u), &pos), 65535, &v))
			return bad(ps, l, "bad a=rtcp port");
		m->rtcp_port = (int)v;
	} else if (is(a, "a=sendonly") && a.len == 10)
		m->dir = MG_SDP_SENDONLY;
	else if (is(a, "a=recvonly") && a.len == 10)
		m->dir = MG_SDP_RECVONLY;
	else if (is(a, "a=inactive") && a.len == 10)
		m->dir = MG_SDP_INACTIVE;
	return 0;
}

static int
parse_line(struct sdp_parse *ps, uint16_t l)
{
	struct mg_sdp *sdp = ps->sdp;
	struct mg_sdp_str s = sdp->lines[l];
	struct mg_sdp_media *m = sdp->nmedia ? &sdp->media[sdp->nmedia - 1] :
			 NULL;

	if (s.p[0] == 'm') {
		if (sdp->nmedia == MG_SDP_MEDIA_MAX)
			return bad(ps, l, "too many m= sections");
		if (m != NULL)
			m->end_line = l;
		m = &sdp->media[sdp->nmedia++];
		memset(m, 0, sizeof(*m));
		m->first_line = l;
		return parse_m(ps, l, m);
	}
	if (s.p[0] == 'c' && m == NULL)
		return parse_c(ps, l, &sdp->session_addr, &sdp->session_family);
	if (s.p[0] == 'c') {
		m->has_c = true;
		return parse_c(ps, l, &m->addr, &m->family);
	}
	if (s.p[0] == 'o' && m == NULL) {
		uint16_t pos = 0;
		struct mg_sdp_str rest = str(s.p + 2, s.len - 2u);

		sdp->origin = l;
		for (int f = 0; f < 6; f++)
			sdp->origin_addr = field(rest, &pos);
		if (sdp->origin_addr.len == 0)
			return bad(ps, l, "o= needs six fields");
		return 0;
	}
	if (s.p[0] == 'a' && m != NULL)
		return media_attr(ps, l, m);
	if (s.p[0] == 'a')
		return sec_attr(ps, l, &sdp->sec) < 0 ? -EINVAL : 0;
	return 0;
}

int
mg_sdp_parse(const char *buf, size_t len, struct mg_sdp *sdp, char *err,
	     size_t errlen)
{
	struct sdp_parse ps = { .sdp = sdp, .err = err, .errlen = errlen };
	int rc;

	memset(sdp, 0, offsetof(struct mg_sdp, media));
	sdp->origin = -1;
	rc = split_lines(&ps, buf, len);
	for (uint16_t l = 1; rc == 0 && l < sdp->nlines; l++)
		rc = parse_line(&ps, l);
	if (rc == 0 && sdp->nmedia)
		sdp->media[sdp->nmedia - 1].end_line = sdp->nlines;
	for (uint8_t i = 0; rc == 0 && i < sdp->nmedia; i++) {
		struct mg_sdp_media *m = &sdp->media[i];

		if (m->has_c)
			continue;
		if (sdp->session_addr.len == 0)
			return bad(&ps, m->first_line, "m= section without "
				   "a c= of its own or of the session");
		m->addr = sdp->session_addr;
		m->family = sdp->session_family;
	}
	return rc;
}

/* --- writing ------------------------------------------------------- */

struct wr {
	char *out;
	size_t len, cap;
	bool crlf, full;
};

static void
put(struct wr *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->out + w->len, s, n);
	w->len += n;
}

static void
endl(struct wr *w)
{
	put(w, w->crlf ? "\r\n" : "\n", w->crlf ? 2 : 1);
}

static void
putf(struct wr *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct wr *w, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(w, tmp, (size_t)(n < (int)sizeof(tmp) ? n : (int)sizeof(tmp) - 1));
}

static bool
ice_line(struct mg_sdp_str s)
{
	return is(s, "a=candidate:") || is(s, "a=ice-ufrag:") ||
	       is(s, "a=ice-pwd:") || is(s, "a=ice-options:") ||
	       is(s, "a=end-of-candidates") || is(s, "a=remote-candidates:");
}

/* '\n'-separated lines, each with the SDP's own line end. */
static void
put_lines(struct wr *w, const char *c)
{
	while (c != NULL && *c) {
		const char *nl = strchr(c, '\n');
		size_t n = nl ? (size_t)(nl - c) : strlen(c);

		put(w, c, n);
		endl(w);
		c += n + (nl != NULL);
	}
}

/* What the engine adds at the end of a section it rewrote: RTCP's port
 * (or rtcp-mux), the a=crypto lines it chose, and its a=ipsec and sec
 * precondition lines. */
static void
section_tail(struct wr *w, const struct mg_sdp_media_out *mo)
{
	if (mo->no_rtcp)
		;
	else if (mo->rtcp_mux)
		put(w, "a=rtcp-mux", 10), endl(w);
	else
		putf(w, "a=rtcp:%u", mo->port + 1u), endl(w);
	put_lines(w, mo->drop_crypto ? NULL : mo->crypto);
	put_lines(w, mo->replace_sec ? mo->ipsec : NULL);
	put_lines(w, mo->replace_sec ? mo->prec : NULL);
}

static bool
sec_line(struct mg_sdp_str s)
{
	return is(s, "a=ipsec:") || is(s, "a=curr:sec ") ||
	       is(s, "a=des:sec ") || is(s, "a=conf:sec ");
}

/* The line as the engine writes it; false: leave it out. */
static bool
line_out(struct wr *w, const struct mg_sdp *sdp, const struct mg_sdp_out *o,
	 uint16_t l, int mi)
{
	struct mg_sdp_str s = sdp->lines[l];
	const struct mg_sdp_media *m = mi >= 0 ? &sdp->media[mi] : NULL;
	const struct mg_sdp_media_out *mo = mi >= 0 ? &o->media[mi] : NULL;
	const char *ipv = o->family == 4 ? "IP4" : "IP6";

	if (s.p[0] == 'c') {
		putf(w, "c=IN %s %s", ipv, o->addr);
		return true;
	}
	if (s.p[0] == 'o' && l == sdp->origin && o->replace_origin) {
		uint16_t pos = 0;
		struct mg_sdp_str rest = str(s.p + 2, s.len - 2u), f[3];

		for (int i = 0; i < 3; i++)
			f[i] = field(rest, &pos);
		putf(w, "o=%.*s %.*s %.*s IN %s %s", f[0].len, f[0].p,
		     f[1].len, f[1].p, f[2].len, f[2].p, ipv, o->addr);
		return true;
	}
	if (s.p[0] == 'm' && m != NULL) {
		const char *proto = mo->proto;

		putf(w, "m=%.*s %u", m->type.len, m->type.p, mo->port);
		if (m->nports > 1)
			putf(w, "/%u", m->nports);
		if (proto)
			putf(w, " %s", proto);
		else
			putf(w, " %.*s", m->proto.len, m->proto.p);
		putf(w, " %.*s", m->fmts.len, m->fmts.p);
		return true;
	}
	if (m != NULL && (is(s, "a=rtcp:") || (is(s, "a=rtcp-mux") && s.len == 10)))
		return false; /* written again at the section's end */
	if (m != NULL && is(s, "a=crypto:") && (mo->crypto || mo->drop_crypto))
		return false;
	if (sec_line(s) && (m != NULL ? mo->replace_sec : o->replace_sec))
		return false;
	if (o->strip_ice && ice_line(s))
		return false;
	put(w, s.p, s.len);
	return true;
}

long
mg_sdp_write(const struct mg_sdp *sdp, const struct mg_sdp_out *o, char *out,
	     size_t cap)
{
	struct wr w = { .out = out, .cap = cap, .crlf = sdp->crlf };
	int mi = -1;

	for (uint16_t l = 0; l < sdp->nlines; l++) {
		if (mi + 1 < sdp->nmedia && l == sdp->media[mi + 1].first_line) {
			if (mi < 0 && o->replace_sec) {
				put_lines(&w, o->ipsec);
				put_lines(&w, o->prec);
			}
			mi++;
		}
		if (line_out(&w, sdp, o, l, mi))
			endl(&w);
		if (mi >= 0 && l + 1 == sdp->media[mi].end_line)
			section_tail(&w, &o->media[mi]);
	}
	if (sdp->nmedia == 0 && o->replace_sec) {
		put_lines(&w, o->ipsec);
		put_lines(&w, o->prec);
	}
	return w.full ? -ENOSPC : (long)w.len;
}
