/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key derivation rate (RFC 3711 §4.3.1): with KDR = 2^n the session keys
 * of packet index i are derived with r = i >> n, so they change every 2^n
 * packets (SRTCP: every 2^n SRTCP indices). A context keeps two key sets
 * per master, each holding one epoch r, so packets reordered across an
 * epoch boundary need no derivation; a third epoch replaces the older
 * set. A set used by a packet of the current burst pass is pinned (its
 * job still reads it); a packet that finds both pinned waits for the next
 * pass (SRTP_DEFER), which only a KDR of a few packets ever causes.
 *
 * A derivation costs a few microseconds (three PRF runs and a key
 * schedule): a forger can make us spend it per packet with far-off
 * indices, bounded by the index estimation (2^15 ahead of the highest).
 */
#include "srtp_priv.h"

/* The set to derive into: one that holds no epoch, else the older, of
 * those no packet of this pass uses; NULL if both are in use. */
static struct srtp_keys *
victim(struct srtp_keys *base, struct srtp_keys *alt)
{
	bool base_free = base->pass != srtp_pass;
	bool alt_free = alt->pass != srtp_pass;

	if (alt_free && (alt->epoch == UINT64_MAX || !base_free ||
			 alt->epoch < base->epoch))
		return alt;
	return base_free ? base : NULL;
}

struct srtp_keys *
srtp_epoch_keys_slow(IMB_MGR *mgr, struct mg_srtp_ctx *c,
		     struct srtp_keys *base, bool rtcp, uint64_t idx,
		     uint16_t *st)
{
	struct srtp_keys *set = rtcp ? c->rtcp_keys : c->keys;
	uint8_t m = (uint8_t)(base - set);
	struct srtp_keys *alt = rtcp ? &c->alt_rtcp_keys[m] : &c->alt_keys[m];
	uint64_t r = idx >> c->kdr_log2;
	struct srtp_keys *k;

	if (base->epoch == r)
		k = base;
	else if (alt->epoch == r)
		k = alt;
	else {
		k = victim(base, alt);
		if (k == NULL) {
			*st = SRTP_DEFER;
			return NULL;
		}
		if (srtp_keys_derive(mgr, c, m, rtcp, r, k) != 0) {
			k->epoch = UINT64_MAX; /* half-written: holds nothing */
			*st = MG_SRTP_E_CRYPTO;
			return NULL;
		}
		k->epoch = r;
		c->stats.derivations++;
	}
	k->pass = srtp_pass;
	return k;
}
