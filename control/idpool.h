/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pool of small integers handed out round-robin: the UDP port pairs of
 * calls (RTP even, RTCP the odd one above it) and the flow and context ids
 * the control plane names dataplane objects with. Round-robin so that a
 * number just given back is the last to be taken again: a straggling
 * packet of an ended call must not land in the next one.
 */
#ifndef MG_CTL_IDPOOL_H
#define MG_CTL_IDPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct mg_idpool {
	uint32_t first, step, count; /* values first + k * step, k < count */
	uint32_t next;               /* k to look at first */
	uint32_t used;
	uint64_t *bits;
};

/* Values first, first + step, ... up to last inclusive. 0 or -ENOMEM /
 * -EINVAL (empty range). */
int mg_idpool_init(struct mg_idpool *p, uint32_t first, uint32_t last,
		   uint32_t step);
void mg_idpool_free(struct mg_idpool *p);

/* A free value, or 0 when none is left (0 is never a value). */
uint32_t mg_idpool_take(struct mg_idpool *p);

/* Mark v taken (state recovered from disk); false if out of range or
 * already taken. */
bool mg_idpool_mark(struct mg_idpool *p, uint32_t v);

/* Give v back; values out of range or not taken are ignored. */
void mg_idpool_put(struct mg_idpool *p, uint32_t v);

#endif /* MG_CTL_IDPOOL_H */
