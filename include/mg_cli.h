/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command-line contract both executables keep: options are parsed
 * strictly (whole decimal numbers in range, known options only), and every
 * refusal is one line naming the option and the bad value, ending in exit
 * status 2. Shared so the two programs answer bad arguments alike.
 */
#ifndef MG_CLI_H
#define MG_CLI_H

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mg_ctl_shm.h"

/* Format one error line into err and return rc. */
static inline int __attribute__((format(printf, 4, 5)))
mg_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Decimal only, the whole string, within [min, max]. */
static inline int
mg_cli_u32(const char *opt, const char *s, uint32_t min, uint32_t max,
	   uint32_t *out, char *err, size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < min || v > max)
		return mg_errf(err, errlen, -1,
			       "--%s: '%s' is not a number in %u..%u", opt, s,
			       min, max);
	*out = (uint32_t)v;
	return 0;
}

static inline int
mg_cli_shm_name(const char *s, char *out, size_t outlen, char *err,
		size_t errlen)
{
	if (!mg_ctl_shm_name_valid(s))
		return mg_errf(err, errlen, -1, "--shm: bad segment name '%s': "
			       "want /NAME, under %d characters", s,
			       MG_CTL_SHM_NAME_MAX);
	snprintf(out, outlen, "%s", s);
	return 0;
}

/* Applies one recognised option to the program's config. */
typedef int (*mg_cli_opt_fn)(int opt, const char *arg, void *cfg, char *err,
			     size_t errlen);

/* Run getopt_long over argv (argv[0] is the program), handing each option
 * to fn. Unknown options, missing values and stray arguments are refused. */
static inline int
mg_cli_parse(int argc, char **argv, const struct option *opts,
	     mg_cli_opt_fn fn, void *cfg, char *err, size_t errlen)
{
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return mg_errf(err, errlen, -1, "%s option '%s' (see "
				       "--help)", opt == ':' ?
				       "missing value for" : "unknown",
				       argv[optind - 1]);
		if (fn(opt, optarg, cfg, err, errlen) != 0)
			return -1;
	}
	if (optind < argc)
		return mg_errf(err, errlen, -1, "unexpected argument '%s' (see "
			       "--help)", argv[optind]);
	return 0;
}

#endif /* MG_CLI_H */
