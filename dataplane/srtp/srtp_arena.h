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

/* Where new memory comes from. By default, 2 MiB chunks (2 MiB aligned)
 * anonymous mappings that ask for transparent huge pages. A dataplane on
 * hugepages hands its hugepage allocator here: pages from the hugetlb
 * pool are the process's from the start and stay in the machine's pool
 * when a dataplane dies, where anonymous memory is given back to the
 * allocator (and, on a VM with free page reporting, to the host: the next
 * dataplane then waits for the host to back every page it touches; 100,000
 * calls replayed in 4 s instead of 0.9). The arena asks alloc for blocks
 * of SRTP_ARENA_SOURCE_BLOCK bytes, 2 MiB aligned; NULL when out of
 * memory, and the arena maps anonymous chunks meanwhile; free takes back
 * a block the arena could not mark (never otherwise). Set before the
 * first allocation, from one thread. */
#define SRTP_ARENA_SOURCE_BLOCK (32u << 20)
void srtp_arena_set_chunk_source(void *(*alloc)(size_t size, size_t align),
				 void (*free)(void *block));

#endif /* MG_SRTP_ARENA_H */
