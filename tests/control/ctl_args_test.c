/* SPDX-License-Identifier: BSD-3-Clause */
/* mediagate-control's options: a table of good and bad command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../control/ctl_args.h"

#define MAXARGS 8

struct args_case {
	const char *argv[MAXARGS];
	int rc;
	const char *err; /* substring of the error line */
};

static const struct args_case cases[] = {
	{ { "p" }, 0, NULL },
	{ { "p", "--shm", "/x", "--ping-count", "3", "--ping-interval", "10" }, 0, NULL },
	{ { "p", "--help" }, 0, NULL },
	{ { "p", "--bogus" }, -1, "unknown option '--bogus'" },
	{ { "p", "--shm" }, -1, "missing value for option '--shm'" },
	{ { "p", "--shm", "noslash" }, -1, "bad segment name 'noslash'" },
	{ { "p", "--shm", "/a/b" }, -1, "bad segment name" },
	{ { "p", "--ping-interval", "0" }, -1, "--ping-interval: '0'" },
	{ { "p", "--ping-interval", "10x" }, -1, "not a number" },
	{ { "p", "--ping-count", "-1" }, -1, "not a number" },
	{ { "p", "--ping-count", "99999999999" }, -1, "not a number" },
	{ { "p", "--ack-timeout", "" }, -1, "not a number" },
	{ { "p", "--wait-dataplane", "86401" }, -1, "not a number" },
	{ { "p", "stray" }, -1, "unexpected argument 'stray'" },
	{ { "p", "--srtp-drain", "0", "--esp-drain", "5" }, 0, NULL },
	{ { "p", "--srtp-drain", "86401" }, -1, "--srtp-drain" },
	{ { "p", "--srtp-drain", "x" }, -1, "not a number" },
};

static void
table(void **state)
{
	struct mg_ctl_config cfg;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[MAXARGS + 1] = { 0 };
		int argc = 0;

		while (argc < MAXARGS && cases[i].argv[argc])
			argv[argc] = (char *)cases[i].argv[argc], argc++;
		err[0] = '\0';
		assert_int_equal(mg_ctl_args_parse(argc, argv, &cfg, err,
						   sizeof(err)), cases[i].rc);
		if (cases[i].err)
			assert_non_null(strstr(err, cases[i].err));
	}
}

static void
values_land(void **state)
{
	char *argv[] = { "p", "--shm", "/seg", "--ping-count", "3",
			 "--ack-timeout", "250", "--remove-on-exit", NULL };
	struct mg_ctl_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(mg_ctl_args_parse(8, argv, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.shm_name, "/seg");
	assert_int_equal(cfg.ping_count, 3);
	assert_int_equal(cfg.ack_timeout_ms, 250);
	assert_int_equal(cfg.ping_interval_ms, 1000);
	assert_true(cfg.remove_on_exit);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(values_land),
	};

	return cmocka_run_group_tests_name("ctl_args", tests, NULL, NULL);
}
