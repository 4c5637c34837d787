/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "ctl_args.h"
#include "mg_cli.h"

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
	"  --flows FILE           install the SRTP contexts and flows of FILE when\n"
	"                         a dataplane attaches, again after each restart\n"
	"                         (format: control/flows_file.h)\n"
	"  --start                then tell a dataplane run with --hold-rx to start\n"
	"  --churn                then delete and install the flows marked churn\n"
	"                         (and their contexts) over and over, between pings\n"
	"  --lcore-stats          after each ping, ask for and print the counters of\n"
	"                         every pipeline lcore\n"
	"  --ng ADDR              answer rtpengine's ng protocol on UDP ADDR\n"
	"                         (IP:PORT or [IPv6]:PORT): ping and statistics\n"
	"                         today; offer/answer/delete/query/list refused\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 done, 1 runtime failure, 2 bad arguments.\n";

enum {
	OPT_SHM = 256, OPT_PING_INTERVAL, OPT_PING_COUNT, OPT_ACK_TIMEOUT,
	OPT_WAIT_DP, OPT_DURATION, OPT_REMOVE, OPT_FLOWS, OPT_START, OPT_CHURN,
	OPT_LCORE_STATS, OPT_NG,
};

static const struct option long_opts[] = {
	{ "shm", required_argument, NULL, OPT_SHM },
	{ "ping-interval", required_argument, NULL, OPT_PING_INTERVAL },
	{ "ping-count", required_argument, NULL, OPT_PING_COUNT },
	{ "ack-timeout", required_argument, NULL, OPT_ACK_TIMEOUT },
	{ "wait-dataplane", required_argument, NULL, OPT_WAIT_DP },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "remove-on-exit", no_argument, NULL, OPT_REMOVE },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "start", no_argument, NULL, OPT_START },
	{ "churn", no_argument, NULL, OPT_CHURN },
	{ "lcore-stats", no_argument, NULL, OPT_LCORE_STATS },
	{ "ng", required_argument, NULL, OPT_NG },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
parse_one(int opt, const char *arg, void *c, char *err, size_t errlen)
{
	struct mg_ctl_config *cfg = c;

	switch (opt) {
	case OPT_SHM:
		return mg_cli_shm_name(arg, cfg->shm_name, sizeof(cfg->shm_name),
				       err, errlen);
	case OPT_PING_INTERVAL:
		return mg_cli_u32("ping-interval", arg, 1, 3600000,
				  &cfg->ping_interval_ms, err, errlen);
	case OPT_PING_COUNT:
		return mg_cli_u32("ping-count", arg, 0, UINT32_MAX,
				  &cfg->ping_count, err, errlen);
	case OPT_ACK_TIMEOUT:
		return mg_cli_u32("ack-timeout", arg, 1, 3600000,
				  &cfg->ack_timeout_ms, err, errlen);
	case OPT_WAIT_DP:
		return mg_cli_u32("wait-dataplane", arg, 0, 86400,
				  &cfg->wait_dp_s, err, errlen);
	case OPT_DURATION:
		return mg_cli_u32("duration", arg, 0, UINT32_MAX,
				  &cfg->duration_s, err, errlen);
	case OPT_REMOVE:
		cfg->remove_on_exit = true;
		return 0;
	case OPT_FLOWS:
		cfg->flows_path = arg;
		return 0;
	case OPT_START:
		cfg->start = true;
		return 0;
	case OPT_CHURN:
		cfg->churn = true;
		return 0;
	case OPT_LCORE_STATS:
		cfg->lcore_stats = true;
		return 0;
	case OPT_NG:
		cfg->ng_addr = arg;
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
	*cfg = (struct mg_ctl_config){
		.shm_name = MG_CTL_SHM_DEFAULT,
		.ping_interval_ms = 1000,
		.ack_timeout_ms = 1000,
	};
	return mg_cli_parse(argc, argv, long_opts, parse_one, cfg, err,
			    errlen);
}
