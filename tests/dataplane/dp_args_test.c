/* SPDX-License-Identifier: BSD-3-Clause */
/* mediagate-dataplane's own options (after EAL's): a table of cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../dataplane/dp_args.h"

#define MAXARGS 8

struct args_case {
	const char *argv[MAXARGS];
	int rc;
	const char *err;
};

static const struct args_case cases[] = {
	{ { "p" }, 0, NULL },
	{ { "p", "--no-ctl", "--duration", "5", "--stats-interval", "0" }, 0, NULL },
	{ { "p", "--shm", "/m", "--mbufs", "1023" }, 0, NULL },
	{ { "p", "--bogus" }, -1, "unknown option '--bogus'" },
	{ { "p", "--media", "--max-flows", "1000000", "--hold-rx", "--tap", "mg" }, 0, NULL },
	{ { "p", "--max-flows", "0" }, -1, "--max-flows: '0'" },
	{ { "p", "--max-flows", "16777217" }, -1, "--max-flows" },
	{ { "p", "--tap", "" }, -1, "not an interface name prefix" },
	{ { "p", "--tap", "thirteenchars" }, -1, "not an interface name prefix" },
	{ { "p", "--tap", "a/b" }, -1, "not an interface name prefix" },
	{ { "p", "--duration" }, -1, "missing value for option '--duration'" },
	{ { "p", "--duration", "1.5" }, -1, "--duration: '1.5' is not a number" },
	{ { "p", "--stats-interval", "86401" }, -1, "not a number" },
	{ { "p", "--mbufs", "10" }, -1, "--mbufs: '10'" },
	{ { "p", "--mbufs", "+2000" }, -1, "not a number" },
	{ { "p", "--shm", "x" }, -1, "bad segment name 'x'" },
	{ { "p", "--wait-link", "5" }, 0, NULL },
	{ { "p", "--media", "--srtp-engine", "libsrtp2" }, 0, NULL },
	{ { "p", "--srtp-engine", "ipsec-mb" }, 0, NULL },
	{ { "p", "--srtp-engine", "openssl" }, -1, "--srtp-engine: 'openssl'" },
	{ { "p", "--media", "--tx-cksum", "sw" }, 0, NULL },
	{ { "p", "--tx-cksum", "auto" }, 0, NULL },
	{ { "p", "--tx-cksum", "hw" }, -1, "--tx-cksum: 'hw' is not auto or sw" },
	{ { "p", "--wait-link", "3601" }, -1, "--wait-link: '3601'" },
	{ { "p", "extra" }, -1, "unexpected argument 'extra'" },
};

static void
table(void **state)
{
	struct mg_dp_config cfg;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[MAXARGS + 1] = { 0 };
		int argc = 0;

		while (argc < MAXARGS && cases[i].argv[argc])
			argv[argc] = (char *)cases[i].argv[argc], argc++;
		err[0] = '\0';
		assert_int_equal(mg_dp_args_parse(argc, argv, &cfg, err,
						  sizeof(err)), cases[i].rc);
		if (cases[i].err)
			assert_non_null(strstr(err, cases[i].err));
	}
}

static void
help_found_anywhere(void **state)
{
	char *a[] = { "p", "--no-huge", "--", "-h", NULL };
	char *b[] = { "p", "--help", NULL };
	char *c[] = { "p", "--no-huge", "--", "--no-ctl", NULL };

	(void)state;
	assert_true(mg_dp_args_want_help(4, a));
	assert_true(mg_dp_args_want_help(2, b));
	assert_false(mg_dp_args_want_help(4, c));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(help_found_anywhere),
	};

	return cmocka_run_group_tests_name("dp_args", tests, NULL, NULL);
}
