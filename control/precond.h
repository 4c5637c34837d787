/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "sec" precondition (RFC 5027) on the precondition framework of
 * RFC 3312 (updated by RFC 4032), for one leg of a call: us and one
 * party, one m= line. We terminate keys per leg, so each leg has its own
 * status: the party's a=curr:sec, a=des:sec and a=conf:sec lines are
 * absorbed into that leg's table and never relayed; what the party gets
 * is written from the table (sdp.h: mg_sdp_media_out.prec).
 *
 * The table is RFC 3312's local status table for the end-to-end status
 * type, the only one "sec" has (RFC 5027 §3). Its directions are ours:
 * send is us to the party, recv the party to us. A direction is current
 * when both of its ends are in place:
 *   send: our outbound context is installed (the dataplane acked it) and
 *         the party says it can receive (its "recv", seen from our side);
 *   recv: our inbound context, holding the key the party sent us, is
 *         installed. The party's end is that key: it gave it in its SDP.
 * This is what RFC 5027 §4.1 shows for SDES: the answerer reports "recv"
 * before the offerer has its key, and "sendrecv" once the offerer said so.
 *
 * Pure logic: no I/O, no allocation, no globals.
 */
#ifndef MG_CTL_PRECOND_H
#define MG_CTL_PRECOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdp.h"

/* Direction bits; the SDP's direction-tag maps onto them. */
enum {
	MG_PREC_NONE = 0,
	MG_PREC_SEND = 1,
	MG_PREC_RECV = 2,
	MG_PREC_SENDRECV = 3,
};

/* strength-tag (RFC 3312). failure and unknown are only ever heard from
 * the party (in a refusal); we never author unknown: we know "sec". */
enum mg_prec_strength {
	MG_PREC_S_NONE = 0,
	MG_PREC_S_OPTIONAL,
	MG_PREC_S_MANDATORY,
	MG_PREC_S_FAILURE,
	MG_PREC_S_UNKNOWN,
};

enum mg_prec_kind { MG_PREC_CURR = 0, MG_PREC_DES, MG_PREC_CONF };

/* One parsed line, in its author's directions. */
struct mg_prec_attr {
	uint8_t kind;      /* enum mg_prec_kind */
	uint8_t strength;  /* enum mg_prec_strength; a=des only */
	uint8_t dirs;      /* MG_PREC_* bits */
};

/*
 * One SDP line without its line end ("a=des:sec mandatory e2e sendrecv").
 * 1: a sec line, in *a. 0: not ours: another attribute, or another
 * precondition type (qos, ...) that the writer relays byte for byte.
 * -EINVAL with a one-line reason in err: a sec line that breaks the
 * RFC 3312 grammar (missing or empty fields, trailing data, unknown
 * strength-tag, status-type or direction-tag), the segmented status
 * types local and remote ("undefined for sec", RFC 5027 §3), or a line
 * that reads as sec but that the writer would not recognise and would
 * relay ("SEC", a tab after sec). Keywords after the type are matched
 * without regard to case.
 */
int mg_prec_parse_line(const char *line, size_t len, struct mg_prec_attr *a,
		       char *err, size_t errlen);

/* What one SDP says about "sec" for one m= line, as its author sees it. */
struct mg_prec_sdp {
	bool present;      /* any a=curr:sec, a=des:sec or a=conf:sec */
	bool has_curr;
	uint8_t curr;      /* directions current */
	uint8_t conf;      /* directions it wants to be told about */
	uint8_t des[2];    /* [0] send, [1] recv: enum mg_prec_strength,
			    * the strongest line for that direction */
};

/*
 * The sec lines of media section m (m < 0: the session level) of sdp.
 * 0, or -EINVAL with a one-line reason naming the m= line: a bad line
 * (mg_prec_parse_line), or a repeated a=curr:sec (two current statuses
 * for one stream cannot both be true). RFC 3312 puts the attributes at
 * media level; the ESP profile's example (docs/esp-in-sdp.md) puts them
 * at session level, where they stand for every m= line without its own.
 */
int mg_prec_collect(const struct mg_sdp *sdp, int m, struct mg_prec_sdp *ps,
		    char *err, size_t errlen);

/*
 * The local status table of one leg and m= line, our directions. Small
 * and fixed: it is meant to live in the call record beside the side it
 * belongs to (calls.h). Zeroed is the initial state.
 */
struct mg_prec_table {
	uint8_t flags;        /* MG_PREC_F_* */
	uint8_t local;        /* our ends in place: dataplane acks */
	uint8_t remote;       /* current as the party said, our directions */
	uint8_t conf_party;   /* the party wants to be told of these */
	uint8_t conf_ours;    /* we asked the party to tell us of these */
	uint8_t failed;       /* no usable key management: never current */
	uint8_t strength[2];  /* desired, merged: [0] send, [1] recv */
};

enum {
	MG_PREC_F_PRESENT = 1,  /* sec preconditions are in use on this leg */
	MG_PREC_F_SILENT = 2,   /* the party's last answer had no sec line */
};

_Static_assert(sizeof(struct mg_prec_table) == 8,
	       "mg_prec_table is stored per side and m= line");

static inline void
mg_prec_init(struct mg_prec_table *t)
{
	*t = (struct mg_prec_table){ 0 };
}

/* Our own wish for dirs (policy, or the other leg's request): the
 * stronger of it and what the table holds wins, never a downgrade
 * (RFC 3312). */
void mg_prec_desire(struct mg_prec_table *t, unsigned dirs,
		    enum mg_prec_strength s);

/* Policy: every optional direction becomes mandatory (RFC 3312 lets
 * either side upgrade a strength, never downgrade it). */
void mg_prec_upgrade(struct mg_prec_table *t);

/*
 * The party's SDP, flipped to our directions: its send is our recv.
 * Strengths merge, the stronger winning; failure and unknown stay (the
 * party refused). Its current status replaces the table's from an offer
 * (RFC 4032 lets an offer lower it) and only adds from an answer. Its
 * conf requests add up until we have reported those directions current.
 * An answer with no sec line marks the party silent: it will never
 * confirm anything.
 */
void mg_prec_absorb(struct mg_prec_table *t, const struct mg_prec_sdp *ps,
		    bool offer);

/* mg_prec_collect (session level and section m) then mg_prec_absorb; on
 * error the table is as it was. */
int mg_prec_absorb_sdp(struct mg_prec_table *t, const struct mg_sdp *sdp,
		       int m, bool offer, char *err, size_t errlen);

/* Our end of dirs is in place (the dataplane acked the context), or no
 * longer is (removed, or replaced by a new key not yet acked). */
void mg_prec_set_local(struct mg_prec_table *t, unsigned dirs,
		       bool in_place);

/* The key management cannot secure dirs (the offered one is unsupported,
 * or it failed): they are never current. A mandatory direction is then
 * reported as failure; an optional one stays unmet and does not block. */
void mg_prec_fail(struct mg_prec_table *t, unsigned dirs);

/* The directions current now, as defined at the top. */
unsigned mg_prec_current(const struct mg_prec_table *t);

/* Every mandatory direction is current (true when nothing is mandatory:
 * optional preconditions never hold a session up). False once failed. */
bool mg_prec_met(const struct mg_prec_table *t);

/* False when the mandatory preconditions can never be met, with the
 * reason in *why: the party answered failure or unknown, a mandatory
 * direction has no key management, or the party answered without sec
 * preconditions while our send direction waits for its word. The
 * session is then refused (580 Precondition Failure in SIP). */
bool mg_prec_possible(const struct mg_prec_table *t, const char **why);

/* The party asked (a=conf) to be told of directions that are now all
 * current: send it an updated offer (UPDATE or PRACK). */
bool mg_prec_update_due(const struct mg_prec_table *t);

/*
 * The lines we send the party, our directions, e2e, '\n'-separated (as
 * mg_sdp_media_out.prec takes them) and NUL-terminated, in the order of
 * RFC 5027's examples: a=curr:sec, then a=des:sec (one sendrecv line
 * when both directions have one strength, else send then recv), then,
 * in an answer whose desired directions are not all current, a=conf:sec
 * for all of them: an answerer has no later offer of its own to learn
 * the rest from. Nothing ("") when sec preconditions
 * are not in use on this leg. Returns the length, or -ENOSPC with the
 * table as it was; else records the conf asked and clears the party's
 * requests that the written current status answers.
 */
long mg_prec_write(struct mg_prec_table *t, bool answer, char *out,
		   size_t cap);

#endif /* MG_CTL_PRECOND_H */
