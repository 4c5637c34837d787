/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pools of ports and ids: every value once until given back, round
 * robin (a value given back is the last to come again), pairs of ports
 * on even numbers, recovery marks, and exhaustion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../control/idpool.h"

static void
every_value_once_then_none(void **state)
{
	struct mg_idpool p;
	uint8_t *seen = calloc(1000, 1);

	(void)state;
	assert_int_equal(mg_idpool_init(&p, 1, 1000, 1), 0);
	for (int i = 0; i < 1000; i++) {
		uint32_t v = mg_idpool_take(&p);

		assert_in_range(v, 1, 1000);
		assert_int_equal(seen[v - 1]++, 0);
	}
	assert_int_equal(mg_idpool_take(&p), 0);
	mg_idpool_put(&p, 500);
	assert_int_equal(mg_idpool_take(&p), 500);
	mg_idpool_free(&p);
	free(seen);
}

static void
ports_are_even_and_round_robin(void **state)
{
	struct mg_idpool p;
	uint32_t a, b, c;

	(void)state;
	assert_int_equal(mg_idpool_init(&p, 30000, 30009, 2), 0);
	a = mg_idpool_take(&p);
	b = mg_idpool_take(&p);
	assert_int_equal(a, 30000);
	assert_int_equal(b, 30002);
	mg_idpool_put(&p, a);
	/* 30000 is free again, but the ones never used come first. */
	c = mg_idpool_take(&p);
	assert_int_equal(c, 30004);
	assert_int_equal(mg_idpool_take(&p), 30006);
	assert_int_equal(mg_idpool_take(&p), 30008);
	assert_int_equal(mg_idpool_take(&p), 30000);
	assert_int_equal(mg_idpool_take(&p), 0);
	/* Odd values and values outside are not in the pool. */
	mg_idpool_put(&p, 30001);
	mg_idpool_put(&p, 29998);
	assert_int_equal(p.used, 5);
	mg_idpool_free(&p);
}

static void
recovery_marks(void **state)
{
	struct mg_idpool p;

	(void)state;
	assert_int_equal(mg_idpool_init(&p, 1, 200, 1), 0);
	assert_true(mg_idpool_mark(&p, 7));
	assert_false(mg_idpool_mark(&p, 7));   /* twice: a clash */
	assert_false(mg_idpool_mark(&p, 201)); /* outside */
	assert_false(mg_idpool_mark(&p, 0));
	for (int i = 0; i < 199; i++)
		assert_int_not_equal(mg_idpool_take(&p), 7);
	assert_int_equal(mg_idpool_take(&p), 0);
	mg_idpool_free(&p);
	assert_int_equal(mg_idpool_init(&p, 0, 10, 1), -22);
	assert_int_equal(mg_idpool_init(&p, 10, 9, 1), -22);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_value_once_then_none),
		cmocka_unit_test(ports_are_even_and_round_robin),
		cmocka_unit_test(recovery_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
