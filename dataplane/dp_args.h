/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MG_DP_ARGS_H
#define MG_DP_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "dp.h"

/* Parse the options after EAL's (argv[0] is the program name). Returns 0,
 * or -1 with one line in err. */
int mg_dp_args_parse(int argc, char **argv, struct mg_dp_config *cfg,
		     char *err, size_t errlen);

/* True if --help/-h is anywhere on the line: answered before EAL starts, so
 * help needs no ports, memory or privileges. */
bool mg_dp_args_want_help(int argc, char **argv);

extern const char mg_dp_usage[];

#endif /* MG_DP_ARGS_H */
