/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <string.h>

#include "call_sdp.h"
#include "ctl_args.h"
#include "hostport.h"
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
	"                         (IP:PORT or [IPv6]:PORT): ping, offer, answer,\n"
	"                         delete, query, list, statistics\n"
	"  --media-addr IP        with --ng: an address media comes to (the\n"
	"                         dataplane's --addr, written into SDP); up to 64,\n"
	"                         each with the whole port range: a call takes\n"
	"                         the one with the most ports free\n"
	"  --next-hop-mac MAC     with --ng: where media frames go (the router's\n"
	"                         or the peers' MAC on the media port)\n"
	"  --media-port N         DPDK port id media leaves by (default 0)\n"
	"  --port-min N           media ports (default 30000 .. 39999; RTP even,\n"
	"  --port-max N           RTCP the odd one above)\n"
	"  --max-calls N          calls held at once (default 10000)\n"
	"  --max-flows N          the dataplane's --max-flows (default 65536)\n"
	"  --state FILE           the call table, persisted across restarts\n"
	"                         (default /dev/shm/<segment name>.calls)\n"
	"  --strict-source        take media only from the address in SDP\n"
	"                         (default: latch the first authenticated source)\n"
	"  --allow-weak LIST      take and offer weaker protection: 32bit (SRTP\n"
	"                         tags), null (no encryption), unauthenticated,\n"
	"                         all, none (default: none; per call: the SDES\n"
	"                         flags allow-32bit, allow-null, ...)\n"
	"  --sec-mandatory        upgrade a party's optional sec preconditions\n"
	"                         (RFC 5027) to mandatory (per call: the SDES\n"
	"                         flag sec-mandatory)\n"
	"  --esp-drain SECONDS    after an ESP rekey, the old inbound SA still\n"
	"                         takes packets this long (default 30)\n"
	"  --srtp-drain SECONDS   after an SDES rekey, the old key still opens\n"
	"                         what the party sends this long: it sends\n"
	"                         under it until our answer reaches it (default\n"
	"                         30; 0: the new key alone at once)\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 done, 1 runtime failure, 2 bad arguments.\n";

enum {
	OPT_SHM = 256, OPT_PING_INTERVAL, OPT_PING_COUNT, OPT_ACK_TIMEOUT,
	OPT_WAIT_DP, OPT_DURATION, OPT_REMOVE, OPT_FLOWS, OPT_START, OPT_CHURN,
	OPT_LCORE_STATS, OPT_NG, OPT_MEDIA_ADDR, OPT_MAC, OPT_MEDIA_PORT,
	OPT_PORT_MIN, OPT_PORT_MAX, OPT_MAX_CALLS, OPT_MAX_FLOWS, OPT_STATE,
	OPT_STRICT,
	OPT_ALLOW_WEAK,
	OPT_SEC_MANDATORY,
	OPT_ESP_DRAIN,
	OPT_SRTP_DRAIN,
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
	{ "media-addr", required_argument, NULL, OPT_MEDIA_ADDR },
	{ "next-hop-mac", required_argument, NULL, OPT_MAC },
	{ "media-port", required_argument, NULL, OPT_MEDIA_PORT },
	{ "port-min", required_argument, NULL, OPT_PORT_MIN },
	{ "port-max", required_argument, NULL, OPT_PORT_MAX },
	{ "max-calls", required_argument, NULL, OPT_MAX_CALLS },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "strict-source", no_argument, NULL, OPT_STRICT },
	{ "allow-weak", required_argument, NULL, OPT_ALLOW_WEAK },
	{ "sec-mandatory", no_argument, NULL, OPT_SEC_MANDATORY },
	{ "esp-drain", required_argument, NULL, OPT_ESP_DRAIN },
	{ "srtp-drain", required_argument, NULL, OPT_SRTP_DRAIN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
parse_media_addr(const char *arg, struct mg_ctl_config *cfg, char *err,
		 size_t errlen)
{
	struct mg_ctl_addr *a = &cfg->media[cfg->nb_media_addrs];

	if (cfg->nb_media_addrs == MG_CALL_ADDRS_MAX)
		return mg_errf(err, errlen, -1, "--media-addr: at most %d",
			       MG_CALL_ADDRS_MAX);
	memset(a, 0, sizeof(*a));
	if (strlen(arg) >= sizeof(cfg->media_addr[0]))
		return mg_errf(err, errlen, -1, "--media-addr: too long");
	if (inet_pton(AF_INET, arg, a->ip) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, arg, a->ip) == 1)
		a->family = 6;
	else
		return mg_errf(err, errlen, -1, "--media-addr: '%s' is not an "
			       "IPv4 or IPv6 address", arg);
	strcpy(cfg->media_addr[cfg->nb_media_addrs++], arg);
	return 0;
}

/* The options of calls over ng. */
static int
parse_media(int opt, const char *arg, struct mg_ctl_config *cfg, char *err,
	    size_t errlen)
{
	switch (opt) {
	case OPT_MEDIA_ADDR:
		return parse_media_addr(arg, cfg, err, errlen);
	case OPT_MAC:
		cfg->have_mac = mg_mac_parse(arg, cfg->next_hop_mac) == 0;
		return cfg->have_mac ? 0 : mg_errf(err, errlen, -1,
			"--next-hop-mac: '%s' is not aa:bb:cc:dd:ee:ff", arg);
	case OPT_MEDIA_PORT:
		return mg_cli_u32("media-port", arg, 0, 65535, &cfg->media_port,
				  err, errlen);
	case OPT_PORT_MIN:
		return mg_cli_u32("port-min", arg, 1024, 65534, &cfg->port_min,
				  err, errlen);
	case OPT_PORT_MAX:
		return mg_cli_u32("port-max", arg, 1025, 65535, &cfg->port_max,
				  err, errlen);
	case OPT_MAX_CALLS:
		return mg_cli_u32("max-calls", arg, 1, 4000000, &cfg->max_calls,
				  err, errlen);
	case OPT_MAX_FLOWS:
		return mg_cli_u32("max-flows", arg, 1, 16777216, &cfg->max_flows,
				  err, errlen);
	case OPT_STATE:
		cfg->state_path = arg;
		return 0;
	case OPT_STRICT:
		cfg->strict_source = true;
		return 0;
	case OPT_SEC_MANDATORY:
		cfg->sec_mandatory = true;
		return 0;
	case OPT_ESP_DRAIN:
		return mg_cli_u32("esp-drain", arg, 0, 86400, &cfg->esp_drain_s,
				  err, errlen);
	case OPT_SRTP_DRAIN:
		return mg_cli_u32("srtp-drain", arg, 0, 86400,
				  &cfg->srtp_drain_s, err, errlen);
	case OPT_ALLOW_WEAK:
		if (mg_call_weak_parse(arg, &cfg->allow_weak) != 0)
			return mg_errf(err, errlen, -1, "--allow-weak: a list "
				       "of 32bit, null, unauthenticated, all, "
				       "none; not '%s'", arg);
		return 0;
	}
	return -1;
}

/* What only makes sense together. */
static int
check_media(const struct mg_ctl_config *cfg, char *err, size_t errlen)
{
	if (cfg->port_max < cfg->port_min + 3)
		return mg_errf(err, errlen, -1, "--port-max must be at least "
			       "--port-min + 3 (two port pairs)");
	if (cfg->ng_addr && (cfg->nb_media_addrs == 0 || !cfg->have_mac))
		return mg_errf(err, errlen, -1, "--ng needs --media-addr and "
			       "--next-hop-mac: calls need somewhere to put "
			       "their media");
	return 0;
}

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
	return parse_media(opt, arg, cfg, err, errlen);
}

int
mg_ctl_args_parse(int argc, char **argv, struct mg_ctl_config *cfg, char *err,
		  size_t errlen)
{
	*cfg = (struct mg_ctl_config){
		.shm_name = MG_CTL_SHM_DEFAULT,
		.ping_interval_ms = 1000,
		.ack_timeout_ms = 1000,
		.port_min = 30000,
		.port_max = 39999,
		.max_calls = 10000,
		.esp_drain_s = 30,
		.srtp_drain_s = 30,
		.max_flows = 65536,
	};
	if (mg_cli_parse(argc, argv, long_opts, parse_one, cfg, err,
			 errlen) != 0)
		return -1;
	return cfg->help ? 0 : check_media(cfg, err, errlen);
}
