/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_args.h"
#include "mg_ctl_shm.h"

const char mg_ctl_usage[] =
	"usage: mediagate-control [options]\n"
	"\n"
	"Creates the control segment shared with mediagate-dataplane, waits for\n"
	"a dataplane to attach and exchanges ping/ack with it.\n"
	"\n"
	"  --shm NAME             control segment (default " MG_CTL_SHM_DEFAULT ")\n"
	"  --ping-interval MS     time between pings (default 1000, 1..3600000)\n"
	"  --ping-count N         exit 0 after N acks (default 0: run until stopped)\n"
	"  --ack-timeout MS       wait this long for an ack (default 1000)\n"
	"  --wait-dataplane SEC   exit 1 if no dataplane attaches in time (0: wait)\n"
	"  --duration SEC         stop after SEC seconds (0: until SIGINT/SIGTERM)\n"
	"  --remove-on-exit       unlink the segment at exit if no dataplane uses it\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 done, 1 runtime failure, 2 bad arguments.\n";

enum {
	OPT_SHM = 256, OPT_PING_INTERVAL, OPT_PING_COUNT, OPT_ACK_TIMEOUT,
	OPT_WAIT_DP, OPT_DURATION, OPT_REMOVE,
};

static const struct option long_opts[] = {
	{ "shm", required_argument, NULL, OPT_SHM },
	{ "ping-interval", required_argument, NULL, OPT_PING_INTERVAL },
	{ "ping-count", required_argument, NULL, OPT_PING_COUNT },
	{ "ack-timeout", required_argument, NULL, OPT_ACK_TIMEOUT },
	{ "wait-dataplane", required_argument, NULL, OPT_WAIT_DP },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "remove-on-exit", no_argument, NULL, OPT_REMOVE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Decimal only, whole string, within [min, max]. */
static int
parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max,
	  uint32_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < min || v > max) {
		snprintf(err, errlen, "--%s: '%s' is not a number in %u..%u",
			 opt, s, min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
parse_one(int opt, const char *arg, struct mg_ctl_config *cfg, char *err,
	  size_t errlen)
{
	switch (opt) {
	case OPT_SHM:
		if (!mg_ctl_shm_name_valid(arg)) {
			snprintf(err, errlen, "--shm: bad segment name '%s': "
				 "want /NAME, under %d characters", arg,
				 MG_CTL_SHM_NAME_MAX);
			return -1;
		}
		snprintf(cfg->shm_name, sizeof(cfg->shm_name), "%s", arg);
		return 0;
	case OPT_PING_INTERVAL:
		return parse_u32("ping-interval", arg, 1, 3600000,
				 &cfg->ping_interval_ms, err, errlen);
	case OPT_PING_COUNT:
		return parse_u32("ping-count", arg, 0, UINT32_MAX,
				 &cfg->ping_count, err, errlen);
	case OPT_ACK_TIMEOUT:
		return parse_u32("ack-timeout", arg, 1, 3600000,
				 &cfg->ack_timeout_ms, err, errlen);
	case OPT_WAIT_DP:
		return parse_u32("wait-dataplane", arg, 0, 86400,
				 &cfg->wait_dp_s, err, errlen);
	case OPT_DURATION:
		return parse_u32("duration", arg, 0, UINT32_MAX,
				 &cfg->duration_s, err, errlen);
	case OPT_REMOVE:
		cfg->remove_on_exit = true;
		return 0;
	case 'h':
		cfg->help = true;
		return 0;
	}
	return -1;
}

int
mg_ctl_args_parse(int argc, char **argv, struct mg_ctl_config *cfg, char *err,
		  size_t errlen)
{
	int opt;

	*cfg = (struct mg_ctl_config){
		.shm_name = MG_CTL_SHM_DEFAULT,
		.ping_interval_ms = 1000,
		.ack_timeout_ms = 1000,
	};
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			snprintf(err, errlen, "%s option '%s' (see --help)",
				 opt == ':' ? "missing value for" : "unknown",
				 argv[optind - 1]);
			return -1;
		}
		if (parse_one(opt, optarg, cfg, err, errlen) != 0)
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)",
			 argv[optind]);
		return -1;
	}
	return 0;
}
