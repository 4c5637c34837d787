/* SPDX-License-Identifier: BSD-3-Clause */
/* Latency histogram: constant memory, O(1) add, percentiles to within
 * one sub-bucket (HdrHistogram's idea with a fixed precision). */
#include "gen.h"

/* Range k holds [2^k, 2^(k+1)) for k >= 5, cut into 32 equal buckets;
 * values under 32 sit in range 0 one per bucket. */
static void
bucket_of(uint64_t v, unsigned *k, unsigned *s)
{
	unsigned b;

	if (v < MG_GEN_HIST_SUB) {
		*k = 0;
		*s = (unsigned)v;
		return;
	}
	b = 63u - (unsigned)__builtin_clzll(v); /* v in [2^b, 2^(b+1)) */
	*k = b - 4u;                            /* b >= 5: k >= 1 */
	*s = (unsigned)(v >> (b - 5u)) & (MG_GEN_HIST_SUB - 1);
	if (*k >= MG_GEN_HIST_EXP) {
		*k = MG_GEN_HIST_EXP - 1;
		*s = MG_GEN_HIST_SUB - 1;
	}
}

static uint64_t
lower_edge(unsigned k, unsigned s)
{
	unsigned b = k + 4u;

	if (k == 0)
		return s;
	return (1ull << b) + ((uint64_t)s << (b - 5u));
}

void
mg_gen_hist_add(struct mg_gen_hist *h, uint64_t ns)
{
	unsigned k, s;

	bucket_of(ns, &k, &s);
	h->n[k][s]++;
	h->count++;
	if (ns > h->max)
		h->max = ns;
}

uint64_t
mg_gen_hist_at(const struct mg_gen_hist *h, double q)
{
	uint64_t want, seen = 0;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(q * (double)h->count);
	if (want >= h->count)
		return h->max;
	for (unsigned k = 0; k < MG_GEN_HIST_EXP; k++)
		for (unsigned s = 0; s < MG_GEN_HIST_SUB; s++) {
			seen += h->n[k][s];
			if (seen > want)
				return lower_edge(k, s);
		}
	return h->max;
}
