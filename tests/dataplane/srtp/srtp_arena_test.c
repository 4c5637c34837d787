/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys stay out of core dumps and die with their context: a context's
 * memory is in a mapping the kernel marks "dd" (MADV_DONTDUMP) in
 * /proc/self/smaps, and destroying it leaves zeros behind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "mg_srtp.h"
#include "../../../dataplane/srtp/srtp_arena.h"
#include "../../../dataplane/srtp/srtp_priv.h"
#include "mb_mgr_fixture.h"

/* The VmFlags of the mapping that holds p, from the kernel's own view. */
static int
vm_flags_of(const void *p, char *flags, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;
	unsigned long lo, hi;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') <
		    strchr(line, ' '))
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, len, "%s", line + 8);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static struct mg_srtp_ctx *
make_ctx(void)
{
	struct mg_srtp_policy p = { .suite = MG_SRTP_AES_CM_128_HMAC_SHA1_80,
				    .ssrc = 1, .nb_masters = 1 };
	struct mg_srtp_ctx *c = NULL;

	memset(p.masters[0].key, 0x11, sizeof(p.masters[0].key));
	memset(p.masters[0].salt, 0x22, sizeof(p.masters[0].salt));
	assert_int_equal(mg_srtp_ctx_create(mgr, &p, &c), 0);
	return c;
}

static void
context_memory_is_not_dumped(void **state)
{
	struct mg_srtp_ctx *c = make_ctx();
	char flags[512];
	char *heap = malloc(64);

	(void)state;
	assert_int_equal(vm_flags_of(c, flags, sizeof(flags)), 0);
	if (strstr(flags, " dd") == NULL)
		fail_msg("context mapping lacks the dd flag: %s", flags);
	/* The plain heap, for contrast, is dumped. */
	assert_non_null(heap);
	assert_int_equal(vm_flags_of(heap, flags, sizeof(flags)), 0);
	assert_null(strstr(flags, " dd"));
	free(heap);
	mg_srtp_ctx_destroy(c);
}

static void
destroy_wipes_every_key_byte(void **state)
{
	struct mg_srtp_ctx *c = make_ctx();
	size_t size = sizeof(*c) + 2 * c->nb_keys * sizeof(struct srtp_keys) +
		      2 * (c->bucket_mask + 1u) * sizeof(uint64_t);
	const uint8_t *b = (const uint8_t *)c;
	size_t nonzero = 0;

	(void)state;
	for (size_t i = 0; i < size; i++)
		nonzero += b[i] != 0;
	assert_true(nonzero > 32); /* derived keys are there */
	mg_srtp_ctx_destroy(c);
	/* The block stays mapped in its free list: only its first 8 bytes
	 * (the free-list link) may be nonzero now. */
	for (size_t i = sizeof(void *); i < size; i++)
		if (b[i] != 0)
			fail_msg("byte %zu of %zu survived destroy", i, size);
	/* And the next context of the same size reuses it. */
	c = make_ctx();
	assert_ptr_equal(c, b);
	mg_srtp_ctx_destroy(c);
}

static void
arena_bounds(void **state)
{
	(void)state;
	assert_null(srtp_secret_alloc(0));
	assert_null(srtp_secret_alloc(SRTP_ARENA_MAX + 1));
	void *p = srtp_secret_alloc(SRTP_ARENA_MAX);

	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 64, 0);
	srtp_secret_free(p, SRTP_ARENA_MAX);
}

/* A source of two blocks, as a dataplane's hugepage heap would be
 * (srtp_arena_set_chunk_source); then dry. */
#define TEST_CHUNK (2u << 20)
#define TEST_BLOCK SRTP_ARENA_SOURCE_BLOCK
static uint8_t *src_base;
static unsigned int src_given, src_asked;

static void *
test_source(size_t size, size_t align)
{
	src_asked++;
	if (size != TEST_BLOCK || align != TEST_CHUNK || src_given == 2)
		return NULL;
	return src_base + TEST_BLOCK * src_given++;
}

static void
test_source_free(void *chunk)
{
	(void)chunk;
	fail_msg("the arena gave back a chunk it could mark");
}

static bool
in_source(const void *p)
{
	return (const uint8_t *)p >= src_base &&
	       (const uint8_t *)p < src_base + 2 * TEST_BLOCK;
}

static void
chunks_from_the_source_marked_then_anonymous_when_dry(void **state)
{
	uint8_t *m = mmap(NULL, 2 * TEST_BLOCK + TEST_CHUNK,
			  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	enum { MAXB = (2 * TEST_BLOCK + TEST_CHUNK) / SRTP_ARENA_MAX + 2 };
	static void *blocks[MAXB];
	unsigned int n = 0, from_src = 0;
	char flags[512];

	(void)state;
	assert_true(m != MAP_FAILED);
	src_base = m + ((TEST_CHUNK - ((uintptr_t)m & (TEST_CHUNK - 1))) &
			(TEST_CHUNK - 1));
	assert_int_equal(vm_flags_of(src_base, flags, sizeof(flags)), 0);
	assert_null(strstr(flags, " dd")); /* the region starts dumpable */
	srtp_arena_set_chunk_source(test_source, test_source_free);
	/* The chunk in use runs out, both of the source's blocks are
	 * carved, and the arena goes on once it is dry. */
	while (n < MAXB) {
		blocks[n] = srtp_secret_alloc(SRTP_ARENA_MAX);
		assert_non_null(blocks[n]);
		from_src += in_source(blocks[n]);
		n++;
		if (src_asked > src_given)
			break;
	}
	assert_int_equal(src_given, 2);
	assert_int_equal(from_src, 2 * TEST_BLOCK / SRTP_ARENA_MAX);
	assert_false(in_source(blocks[n - 1]));
	assert_int_equal(vm_flags_of(src_base, flags, sizeof(flags)), 0);
	if (strstr(flags, " dd") == NULL)
		fail_msg("source chunk not marked: %s", flags);
	assert_int_equal(vm_flags_of(blocks[n - 1], flags, sizeof(flags)), 0);
	if (strstr(flags, " dd") == NULL)
		fail_msg("fallback chunk not marked: %s", flags);
	srtp_arena_set_chunk_source(NULL, NULL);
	for (unsigned int i = 0; i < n; i++)
		srtp_secret_free(blocks[i], SRTP_ARENA_MAX);
	/* The region stays mapped: its blocks are in the free list now. */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(context_memory_is_not_dumped),
		cmocka_unit_test(destroy_wipes_every_key_byte),
		cmocka_unit_test(arena_bounds),
		cmocka_unit_test(chunks_from_the_source_marked_then_anonymous_when_dry),
	};

	return cmocka_run_group_tests_name("srtp_arena", tests, mb_mgr_setup,
					   mb_mgr_teardown);
}
