/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Contexts carry session keys, so they live apart from the heap: in 2 MiB
 * anonymous mappings marked MADV_DONTDUMP (a crash dump of the dataplane
 * then holds no key), carved into 64-byte size classes with a free list
 * each. Mappings are never returned: context churn reuses them.
 *
 * Each chunk is 2 MiB aligned and asks for a transparent huge page: with
 * 100,000 contexts round-robin every packet's context is on another 4 KiB
 * page, and the TLB misses cost more than the cache misses. Where THP is
 * off the advice is ignored and 4 KiB pages work the same. A dataplane on
 * hugepages gives its own chunks instead (srtp_arena_set_chunk_source),
 * marked MADV_DONTDUMP the same way.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

#include "srtp_arena.h"

#define CHUNK (2u << 20)
#define CLASS_SIZE 64u
#define NB_CLASSES (SRTP_ARENA_MAX / CLASS_SIZE)

struct free_block {
	struct free_block *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct free_block *free_list[NB_CLASSES + 1];
static uint8_t *chunk_next, *chunk_end;
static void *(*source_alloc)(size_t size, size_t align);
static void (*source_free)(void *chunk);

void
srtp_arena_set_chunk_source(void *(*alloc)(size_t size, size_t align),
			    void (*free_chunk)(void *chunk))
{
	source_alloc = alloc;
	source_free = free_chunk;
}

/* A CHUNK-aligned CHUNK: map twice the size, give back the ends. */
static uint8_t *
map_aligned_chunk(void)
{
	uint8_t *p = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t head;

	if (p == MAP_FAILED)
		return NULL;
	head = (CHUNK - ((uintptr_t)p & (CHUNK - 1))) & (CHUNK - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + CHUNK, CHUNK - head);
	return p + head;
}

/* A chunk of the anonymous kind: THP asked for, faulted in at once. */
static uint8_t *
map_chunk(void)
{
	uint8_t *p = map_aligned_chunk();

	if (p == NULL)
		return NULL;
	if (madvise(p, CHUNK, MADV_DONTDUMP) != 0) {
		munmap(p, CHUNK);
		return NULL; /* refuse rather than hold keys dumpable */
	}
	(void)madvise(p, CHUNK, MADV_HUGEPAGE); /* advice only */
	/* Faulted in at once (Linux 5.14; older ones fault as they go):
	 * where THP is off that is one call, not 512 faults, a trap to the
	 * hypervisor each on a VM. */
	(void)madvise(p, CHUNK, MADV_POPULATE_WRITE);
	return p;
}

/* A block of the source's, carved as chunks are: many chunks at once,
 * as a heap pays for alignment (2 MiB aligned blocks of 2 MiB from
 * DPDK's heap took two hugepages each). */
static uint8_t *
source_block(void)
{
	uint8_t *p = source_alloc(SRTP_ARENA_SOURCE_BLOCK, CHUNK);

	if (p == NULL)
		return NULL;
	if (madvise(p, SRTP_ARENA_SOURCE_BLOCK, MADV_DONTDUMP) != 0) {
		source_free(p);
		return NULL;
	}
	return p;
}

static void *
carve(size_t bytes)
{
	void *p;

	if (chunk_next == NULL || (size_t)(chunk_end - chunk_next) < bytes) {
		size_t size = SRTP_ARENA_SOURCE_BLOCK;

		/* The source's pool may run dry (a hugepage reservation
		 * sized for fewer calls): anonymous memory then. */
		p = source_alloc != NULL ? source_block() : NULL;
		if (p == NULL) {
			p = map_chunk();
			size = CHUNK;
		}
		if (p == NULL)
			return NULL;
		chunk_next = p;
		chunk_end = chunk_next + size;
	}
	p = chunk_next;
	chunk_next += bytes;
	return p;
}

void *
srtp_secret_alloc(size_t size)
{
	size_t cls = (size + CLASS_SIZE - 1) / CLASS_SIZE;
	void *p;

	if (size == 0 || cls > NB_CLASSES)
		return NULL;
	pthread_mutex_lock(&lock);
	p = free_list[cls];
	if (p != NULL)
		free_list[cls] = free_list[cls]->next;
	else
		p = carve(cls * CLASS_SIZE);
	pthread_mutex_unlock(&lock);
	return p;
}

void
srtp_secret_free(void *p, size_t size)
{
	size_t cls = (size + CLASS_SIZE - 1) / CLASS_SIZE;
	struct free_block *b = p;

	if (p == NULL || cls == 0 || cls > NB_CLASSES)
		return;
	pthread_mutex_lock(&lock);
	b->next = free_list[cls];
	free_list[cls] = b;
	pthread_mutex_unlock(&lock);
}
