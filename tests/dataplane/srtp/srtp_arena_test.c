/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys stay out of core dumps and die with their context: a context's
 * memory is in a mapping the kernel marks "dd" (MADV_DONTDUMP) in
 * /proc/self/smaps, and destroying it leaves zeros behind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(context_memory_is_not_dumped),
		cmocka_unit_test(destroy_wipes_every_key_byte),
		cmocka_unit_test(arena_bounds),
	};

	return cmocka_run_group_tests_name("srtp_arena", tests, mb_mgr_setup,
					   mb_mgr_teardown);
}
