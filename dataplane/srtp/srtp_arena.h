/* SPDX-License-Identifier: BSD-3-Clause */
/* Memory for objects that hold keys: never in a core dump. */
#ifndef MG_SRTP_ARENA_H
#define MG_SRTP_ARENA_H

#include <stddef.h>

/* A 64-byte aligned block of at least size bytes (at most
 * SRTP_ARENA_MAX), from mappings marked MADV_DONTDUMP; NULL when out of
 * memory. Thread-safe; not for the packet path. */
#define SRTP_ARENA_MAX 16384
void *srtp_secret_alloc(size_t size);

/* Give back a block of the size it was allocated with. The caller has
 * wiped it; it stays mapped for the next allocation of its class. */
void srtp_secret_free(void *p, size_t size);

#endif /* MG_SRTP_ARENA_H */
