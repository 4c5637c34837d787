/* SPDX-License-Identifier: BSD-3-Clause */
/* The "sec" precondition of one leg (see precond.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "precond.h"

/* Indexed by enum mg_prec_strength, by direction bits, by kind. */
static const char *const strength_names[] = {
	"none", "optional", "mandatory", "failure", "unknown",
};
static const char *const dir_names[] = { "none", "send", "recv", "sendrecv" };
static const char *const kind_names[] = { "a=curr:", "a=des:", "a=conf:" };
static const char *const status_names[] = { "e2e", "local", "remote" };

#define NSTRENGTH 5
#define NDIR 4
#define NSTATUS 3
#define FIELDS_MAX 3   /* a=des: strength-tag status-type direction-tag */

struct tok {
	const char *p;
	size_t n;
};

/* The other side's view of the same directions: its send is our recv. */
static unsigned
flip(unsigned d)
{
	return ((d & MG_PREC_SEND) ? MG_PREC_RECV : 0u) |
	       ((d & MG_PREC_RECV) ? MG_PREC_SEND : 0u);
}

static unsigned
bit(int i)
{
	return i == 0 ? MG_PREC_SEND : MG_PREC_RECV;
}

/* RFC 3312: the stronger strength wins (none < optional < mandatory);
 * failure and unknown are a refusal and are kept, the first one heard. */
static uint8_t
stronger(uint8_t a, uint8_t b)
{
	if (a >= MG_PREC_S_FAILURE)
		return a;
	if (b >= MG_PREC_S_FAILURE)
		return b;
	return a > b ? a : b;
}

/* token-char of RFC 8866 §9. */
static bool
token_char(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a ||
	       c == 0x2b || c == 0x2d || c == 0x2e ||
	       (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
	       (c >= 0x5e && c <= 0x7e);
}

/* Index of t in names[0..n), ignoring case; -1 if none. */
static int
lookup(const char *const names[], int n, struct tok t)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == t.n &&
		    strncasecmp(names[i], t.p, t.n) == 0)
			return i;
	return -1;
}

/* A field for a reason: at most 24 bytes, what is not printable as '?',
 * so that the reason stays one line whatever the party sent. */
static const char *
shown(struct tok t, char *buf, size_t cap)
{
	size_t n = t.n < 24 ? t.n : 24, i;

	for (i = 0; i < n && i + 1 < cap; i++)
		buf[i] = (t.p[i] >= 0x20 && t.p[i] < 0x7f) ? t.p[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int
fail(char *err, size_t errlen, int kind, const char *why, struct tok t)
{
	char b[32];

	snprintf(err, errlen, "%ssec: %s%s%s%s", kind_names[kind], why,
		 t.p ? " \"" : "", t.p ? shown(t, b, sizeof(b)) : "",
		 t.p ? "\"" : "");
	return -EINVAL;
}

static const struct tok none_tok = { NULL, 0 };

/* Which of ours the line is, and its value: -1 for any other line. */
static int
kind_of(const char *line, size_t len, struct tok *v)
{
	for (int k = 0; k < 3; k++) {
		size_t n = strlen(kind_names[k]);

		if (len >= n && memcmp(line, kind_names[k], n) == 0) {
			*v = (struct tok){ line + n, len - n };
			return k;
		}
	}
	return -1;
}

/*
 * The precondition-type at the start of v: 1 "sec" followed by a space
 * or the end (*rest: where), 0 another type, -EINVAL a line that reads
 * as sec but is not written so: the SDP writer recognises "a=curr:sec "
 * exactly and would relay anything else to the other leg.
 */
static int
sec_type(struct tok v, int kind, size_t *rest, char *err, size_t errlen)
{
	size_t i = 0, j;

	while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
		i++;
	for (j = i; j < v.n && token_char((unsigned char)v.p[j]); j++)
		;
	if (j - i != 3 || strncasecmp(v.p + i, "sec", 3) != 0)
		return 0;
	if (i == 0 && memcmp(v.p, "sec", 3) == 0 &&
	    (j == v.n || v.p[j] == ' ')) {
		*rest = j;
		return 1;
	}
	return fail(err, errlen, kind, "reads as the sec type but is not "
		    "written \"sec \"; refused, not relayed", none_tok);
}

/* The fields after the type, split on single spaces (RFC 3312's SP). */
static int
split(struct tok v, size_t pos, int kind, struct tok f[], int *n,
      char *err, size_t errlen)
{
	*n = 0;
	while (pos < v.n) {
		size_t end = pos + 1;

		while (end < v.n && v.p[end] != ' ')
			end++;
		if (end == pos + 1)
			return fail(err, errlen, kind, "empty field (two "
				    "spaces, or one at the end)", none_tok);
		struct tok t = { v.p + pos + 1, end - pos - 1 };

		if (*n == FIELDS_MAX)
			return fail(err, errlen, kind, "trailing data", t);
		f[(*n)++] = t;
		pos = end;
	}
	return 0;
}

/* status-type then direction-tag, the end of every kind. */
static int
status_dir(const struct tok f[2], int kind, struct mg_prec_attr *a,
	   char *err, size_t errlen)
{
	int s = lookup(status_names, NSTATUS, f[0]), d;

	if (s > 0) {
		snprintf(err, errlen, "%ssec: status-type %s is undefined for "
			 "sec (RFC 5027 §3: e2e only)", kind_names[kind],
			 status_names[s]);
		return -EINVAL;
	}
	if (s < 0)
		return fail(err, errlen, kind, "unknown status-type", f[0]);
	d = lookup(dir_names, NDIR, f[1]);
	if (d < 0)
		return fail(err, errlen, kind, "unknown direction-tag", f[1]);
	a->dirs = (uint8_t)d; /* dir_names is indexed by the bits */
	return 0;
}

int
mg_prec_parse_line(const char *line, size_t len, struct mg_prec_attr *a,
		   char *err, size_t errlen)
{
	static const char *const missing[2][FIELDS_MAX] = {
		{ "status-type", "direction-tag", "" },
		{ "strength-tag", "status-type", "direction-tag" },
	};
	struct tok v, f[FIELDS_MAX];
	int kind = kind_of(line, len, &v), n, rc, need;
	size_t rest;

	if (kind < 0)
		return 0;
	rc = sec_type(v, kind, &rest, err, errlen);
	if (rc <= 0)
		return rc;
	rc = split(v, rest, kind, f, &n, err, errlen);
	if (rc != 0)
		return rc;
	need = kind == MG_PREC_DES ? 3 : 2;
	if (n < need) {
		snprintf(err, errlen, "%ssec: missing %s", kind_names[kind],
			 missing[kind == MG_PREC_DES][n]);
		return -EINVAL;
	}
	a->kind = (uint8_t)kind;
	a->strength = MG_PREC_S_NONE;
	if (kind == MG_PREC_DES) {
		int s = lookup(strength_names, NSTRENGTH, f[0]);

		if (s < 0)
			return fail(err, errlen, kind, "unknown strength-tag",
				    f[0]);
		a->strength = (uint8_t)s;
	}
	/* The fields first: a misplaced field is named as such, not as
	 * trailing data. */
	if (status_dir(f + need - 2, kind, a, err, errlen) != 0)
		return -EINVAL;
	if (n > need)
		return fail(err, errlen, kind, "trailing data", f[need]);
	return 1;
}

/* One parsed line into what the SDP says. */
static int
add(struct mg_prec_sdp *ps, const struct mg_prec_attr *a, char *err,
    size_t errlen)
{
	ps->present = true;
	switch (a->kind) {
	case MG_PREC_CURR:
		if (ps->has_curr)
			return snprintf(err, errlen, "repeated a=curr:sec: "
					"which one is true?"), -EINVAL;
		ps->has_curr = true;
		ps->curr = a->dirs;
		return 0;
	case MG_PREC_DES:
		/* One line per direction or one for both (RFC 3312); two
		 * for one direction: the stronger, as a merge would. */
		for (int i = 0; i < 2; i++)
			if (a->dirs & bit(i))
				ps->des[i] = stronger(ps->des[i], a->strength);
		return 0;
	default:
		ps->conf |= a->dirs;
		return 0;
	}
}

int
mg_prec_collect(const struct mg_sdp *sdp, int m, struct mg_prec_sdp *ps,
		char *err, size_t errlen)
{
	uint16_t from = 0, end = sdp->nmedia ? sdp->media[0].first_line
					      : sdp->nlines;
	char why[160];

	memset(ps, 0, sizeof(*ps));
	if (m >= sdp->nmedia)
		return snprintf(err, errlen, "no m= line %d", m + 1), -EINVAL;
	if (m >= 0) {
		from = sdp->media[m].first_line;
		end = sdp->media[m].end_line;
	}
	for (uint16_t l = from; l < end; l++) {
		struct mg_sdp_str s = sdp->lines[l];
		struct mg_prec_attr a;
		int rc = mg_prec_parse_line(s.p, s.len, &a, why, sizeof(why));

		if (rc > 0)
			rc = add(ps, &a, why, sizeof(why));
		if (rc < 0) {
			if (m < 0)
				snprintf(err, errlen, "session level: %s", why);
			else
				snprintf(err, errlen, "m= line %d: %s", m + 1,
					 why);
			return rc;
		}
	}
	return 0;
}

void
mg_prec_desire(struct mg_prec_table *t, unsigned dirs,
	       enum mg_prec_strength s)
{
	for (int i = 0; i < 2; i++)
		if (dirs & bit(i))
			t->strength[i] = stronger(t->strength[i], (uint8_t)s);
	if (s != MG_PREC_S_NONE)
		t->flags |= MG_PREC_F_PRESENT;
}

void
mg_prec_upgrade(struct mg_prec_table *t)
{
	for (int i = 0; i < 2; i++)
		if (t->strength[i] == MG_PREC_S_OPTIONAL)
			t->strength[i] = MG_PREC_S_MANDATORY;
}

void
mg_prec_absorb(struct mg_prec_table *t, const struct mg_prec_sdp *ps,
	       bool offer)
{
	if (!ps->present) {
		if (!offer)
			t->flags |= MG_PREC_F_SILENT;
		return;
	}
	t->flags |= MG_PREC_F_PRESENT;
	t->flags &= (uint8_t)~MG_PREC_F_SILENT;
	if (ps->has_curr)
		t->remote = (uint8_t)(offer ? flip(ps->curr)
					    : (t->remote | flip(ps->curr)));
	/* Its send is our recv: des[0] is the author's send. */
	t->strength[0] = stronger(t->strength[0], ps->des[1]);
	t->strength[1] = stronger(t->strength[1], ps->des[0]);
	t->conf_party |= (uint8_t)flip(ps->conf);
	/* What it now says current is what we asked it to tell us. */
	t->conf_ours &= (uint8_t)~t->remote;
}

int
mg_prec_absorb_sdp(struct mg_prec_table *t, const struct mg_sdp *sdp, int m,
		   bool offer, char *err, size_t errlen)
{
	struct mg_prec_sdp ss, ps;
	int rc = mg_prec_collect(sdp, -1, &ss, err, errlen);

	if (rc == 0 && m < 0)
		return snprintf(err, errlen, "no m= line given"), -EINVAL;
	if (rc == 0)
		rc = mg_prec_collect(sdp, m, &ps, err, errlen);
	/* Session-level lines stand for an m= line that has none of its
	 * own (the ESP profile's example writes them there). */
	if (rc == 0)
		mg_prec_absorb(t, ps.present ? &ps : &ss, offer);
	return rc;
}

void
mg_prec_set_local(struct mg_prec_table *t, unsigned dirs, bool in_place)
{
	dirs &= MG_PREC_SENDRECV;
	t->local = (uint8_t)(in_place ? (t->local | dirs) : (t->local & ~dirs));
}

void
mg_prec_fail(struct mg_prec_table *t, unsigned dirs)
{
	t->failed |= (uint8_t)(dirs & MG_PREC_SENDRECV);
}

unsigned
mg_prec_current(const struct mg_prec_table *t)
{
	unsigned cur = t->local & MG_PREC_RECV;

	if ((t->local & MG_PREC_SEND) && (t->remote & MG_PREC_SEND))
		cur |= MG_PREC_SEND;
	return cur & ~(unsigned)t->failed;
}

/* The strength we hold to for direction i: a mandatory direction the key
 * management cannot secure is a failure. */
static uint8_t
effective(const struct mg_prec_table *t, int i)
{
	if (t->strength[i] == MG_PREC_S_MANDATORY && (t->failed & bit(i)))
		return MG_PREC_S_FAILURE;
	return t->strength[i];
}

/* Directions we want secured and still can. */
static unsigned
desired(const struct mg_prec_table *t)
{
	unsigned d = 0;

	for (int i = 0; i < 2; i++)
		if (effective(t, i) == MG_PREC_S_OPTIONAL ||
		    effective(t, i) == MG_PREC_S_MANDATORY)
			d |= bit(i);
	return d & ~(unsigned)t->failed;
}

bool
mg_prec_met(const struct mg_prec_table *t)
{
	unsigned cur = mg_prec_current(t);

	for (int i = 0; i < 2; i++) {
		uint8_t s = effective(t, i);

		if (s >= MG_PREC_S_FAILURE ||
		    (s == MG_PREC_S_MANDATORY && !(cur & bit(i))))
			return false;
	}
	return true;
}

bool
mg_prec_possible(const struct mg_prec_table *t, const char **why)
{
	const char *r = NULL;

	for (int i = 0; i < 2 && r == NULL; i++) {
		if (t->strength[i] == MG_PREC_S_FAILURE)
			r = "the party answered failure: it cannot meet the "
			    "sec precondition";
		else if (t->strength[i] == MG_PREC_S_UNKNOWN)
			r = "the party answered unknown: it does not support "
			    "the sec precondition";
		else if (effective(t, i) == MG_PREC_S_FAILURE)
			r = "no usable key management for a mandatory "
			    "direction";
	}
	/* Only the party can say it receives what we send (precond.h). */
	if (r == NULL && (t->flags & MG_PREC_F_SILENT) &&
	    t->strength[0] == MG_PREC_S_MANDATORY &&
	    !(mg_prec_current(t) & MG_PREC_SEND))
		r = "the party answered without sec preconditions: it will "
		    "never say it can receive";
	if (why)
		*why = r;
	return r == NULL;
}

bool
mg_prec_update_due(const struct mg_prec_table *t)
{
	return t->conf_party &&
	       (mg_prec_current(t) & t->conf_party) == t->conf_party;
}

struct out {
	char *p;
	size_t cap, len;
	bool over;
};

static void
line(struct out *o, const char *kind, const char *strength, unsigned dirs)
{
	int n = snprintf(o->p + o->len, o->cap - o->len, "%s%ssec %s%se2e %s",
			 o->len ? "\n" : "", kind, strength ? strength : "",
			 strength ? " " : "", dir_names[dirs]);

	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->over = true;
	else
		o->len += (size_t)n;
}

/* RFC 3312's local status table to SDP: one line when the strengths
 * agree, as every example of RFC 5027 has, else one per direction. */
static void
des_lines(struct out *o, const struct mg_prec_table *t)
{
	uint8_t s0 = effective(t, 0), s1 = effective(t, 1);

	if (s0 == s1) {
		line(o, "a=des:", strength_names[s0], MG_PREC_SENDRECV);
		return;
	}
	line(o, "a=des:", strength_names[s0], MG_PREC_SEND);
	if (!o->over)
		line(o, "a=des:", strength_names[s1], MG_PREC_RECV);
}

long
mg_prec_write(struct mg_prec_table *t, bool answer, char *out, size_t cap)
{
	struct out o = { out, cap, 0, cap == 0 };
	unsigned cur = mg_prec_current(t), want = desired(t), conf = 0;

	if (cap)
		out[0] = '\0';
	if (o.over || !(t->flags & MG_PREC_F_PRESENT))
		return o.over ? -ENOSPC : 0;
	line(&o, "a=curr:", NULL, cur);
	if (!o.over)
		des_lines(&o, t);
	if (answer && (cur & want) != want)
		conf = want;
	if (conf && !o.over)
		line(&o, "a=conf:", NULL, conf);
	if (o.over) {
		out[0] = '\0';
		return -ENOSPC;
	}
	if (answer)
		t->conf_ours = (uint8_t)conf;
	t->conf_party &= (uint8_t)~cur;
	return (long)o.len;
}
