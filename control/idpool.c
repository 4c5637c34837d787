/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "idpool.h"

int
mg_idpool_init(struct mg_idpool *p, uint32_t first, uint32_t last,
	       uint32_t step)
{
	if (first == 0 || step == 0 || last < first)
		return -EINVAL;
	p->first = first;
	p->step = step;
	p->count = (last - first) / step + 1;
	p->next = 0;
	p->used = 0;
	p->bits = calloc((p->count + 63) / 64, sizeof(uint64_t));
	return p->bits ? 0 : -ENOMEM;
}

void
mg_idpool_free(struct mg_idpool *p)
{
	free(p->bits);
	p->bits = NULL;
}

static bool
taken(const struct mg_idpool *p, uint32_t k)
{
	return p->bits[k / 64] >> (k % 64) & 1;
}

/* A word at a time from `next`, wrapping once. */
uint32_t
mg_idpool_take(struct mg_idpool *p)
{
	uint32_t words = (p->count + 63) / 64;

	if (p->used == p->count)
		return 0;
	for (uint32_t i = 0; i <= words; i++) {
		uint32_t k = p->next, w = k / 64;
		uint64_t free_bits = ~p->bits[w] & (~0ull << (k % 64));

		if (free_bits != 0) {
			k = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
			if (k < p->count) {
				p->bits[w] |= 1ull << (k % 64);
				p->used++;
				p->next = k + 1 == p->count ? 0 : k + 1;
				return p->first + k * p->step;
			}
		}
		p->next = (w + 1) * 64 >= p->count ? 0 : (w + 1) * 64;
	}
	return 0;
}

static bool
index_of(const struct mg_idpool *p, uint32_t v, uint32_t *k)
{
	if (v < p->first || (v - p->first) % p->step != 0)
		return false;
	*k = (v - p->first) / p->step;
	return *k < p->count;
}

bool
mg_idpool_mark(struct mg_idpool *p, uint32_t v)
{
	uint32_t k;

	if (!index_of(p, v, &k) || taken(p, k))
		return false;
	p->bits[k / 64] |= 1ull << (k % 64);
	p->used++;
	return true;
}

void
mg_idpool_put(struct mg_idpool *p, uint32_t v)
{
	uint32_t k;

	if (!index_of(p, v, &k) || !taken(p, k))
		return;
	p->bits[k / 64] &= ~(1ull << (k % 64));
	p->used--;
}
