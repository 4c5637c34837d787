/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane's own options, after EAL's and a "--". */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dp_args.h"
#include "mg_cli.h"

const char mg_dp_usage[] =
	"usage: mediagate-dataplane [EAL options] -- [options]\n"
	"\n"
	"Forwards bursts between port pairs (0<->1, 2<->3, ...; a last odd port\n"
	"sends back out of itself) and serves the control segment.\n"
	"Any DPDK port works: --vdev net_ring0, --vdev net_pcap0,rx_pcap=in.pcap,\n"
	"--vdev net_memif0,role=server, --vdev net_af_packet0,iface=eth1, a NIC.\n"
	"Tests and machines without hugepages: add --no-huge -m 256 --no-pci.\n"
	"\n"
	"  --shm NAME              control segment (default " MG_CTL_SHM_DEFAULT ")\n"
	"  --no-ctl                run without a control plane\n"
	"  --duration SEC          stop after SEC seconds (0: until SIGINT/SIGTERM)\n"
	"  --stats-interval SEC    print port rates every SEC (default 1, 0: only\n"
	"                          the totals at exit)\n"
	"  --mbufs N               packet buffers in the pool (default 8191)\n"
	"  --wait-link SEC         before forwarding, wait up to SEC for every\n"
	"                          port's link, and try a port that will not\n"
	"                          start yet (a memif client before its server)\n"
	"                          again until then (default 0: do not wait)\n"
	"  --media                 run the media pipeline: classify, look up the\n"
	"                          flows the control plane installs, SRTP, rewrite\n"
	"                          (instead of forwarding between port pairs)\n"
	"  --max-flows N           flow table size with --media (default 65536)\n"
	"  --hold-rx               with --media, receive nothing until the control\n"
	"                          plane says start (mediagate-control --start)\n"
	"  --addr IP               with --media, a media address this dataplane owns:\n"
	"                          ARP requests for it are answered on every port\n"
	"                          (IPv4; up to 8 times)\n"
	"  --event-burst N         with --media, tell the control plane when a flow\n"
	"                          refuses N packets for one reason (auth, source,\n"
	"                          replay) between looks (every flow about once a\n"
	"                          second), and of SRTP keys at 90 and 100 percent of\n"
	"                          their lifetime (default 16; 0: no events)\n"
	"  --srtp-engine NAME      with --media, what runs SRTP: ipsec-mb (ours,\n"
	"                          a burst at a time: the default) or libsrtp2\n"
	"                          (one packet at a time, for comparison; no\n"
	"                          KDR, MKI or unauthenticated SRTP)\n"
	"  --tap PREFIX            with --media, a TAP interface PREFIX<N> per port\n"
	"                          N (same MAC): what the pipeline does not own\n"
	"                          (ARP, ICMP, ND, unknown UDP, ...) goes to the\n"
	"                          kernel, and what the kernel sends goes out of N\n"
	"  --tx-cksum MODE         with --media, who computes the IPv4 and UDP\n"
	"                          checksums of what goes out: auto (the port,\n"
	"                          if it offers to: the default) or sw (always\n"
	"                          the pipeline)\n"
	"  -h, --help              this text\n"
	"\n"
	"At exit one line per port: mg-stats port=P name=... rx_pkts=N ...\n"
	"Exit status: 0 done, 1 runtime failure, 2 bad arguments.\n";

enum {
	OPT_SHM = 256, OPT_NO_CTL, OPT_DURATION, OPT_STATS, OPT_MBUFS,
	OPT_WAIT_LINK, OPT_MEDIA, OPT_MAX_FLOWS, OPT_HOLD_RX, OPT_TAP, OPT_ADDR, OPT_EVENT_BURST,
	OPT_SRTP_ENGINE, OPT_TX_CKSUM,
};

static const struct option long_opts[] = {
	{ "shm", required_argument, NULL, OPT_SHM },
	{ "no-ctl", no_argument, NULL, OPT_NO_CTL },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stats-interval", required_argument, NULL, OPT_STATS },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "wait-link", required_argument, NULL, OPT_WAIT_LINK },
	{ "media", no_argument, NULL, OPT_MEDIA },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "hold-rx", no_argument, NULL, OPT_HOLD_RX },
	{ "tap", required_argument, NULL, OPT_TAP },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "event-burst", required_argument, NULL, OPT_EVENT_BURST },
	{ "srtp-engine", required_argument, NULL, OPT_SRTP_ENGINE },
	{ "tx-cksum", required_argument, NULL, OPT_TX_CKSUM },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* An option of two values, a (false) or b (true). */
static int
one_of(const char *opt, const char *arg, const char *a, const char *b,
       bool *is_b, char *err, size_t errlen)
{
	if (strcmp(arg, a) != 0 && strcmp(arg, b) != 0) {
		snprintf(err, errlen, "--%s: '%s' is not %s or %s", opt, arg,
			 a, b);
		return -1;
	}
	*is_b = strcmp(arg, b) == 0;
	return 0;
}

static int
parse_addr(const char *arg, struct mg_dp_config *cfg, char *err,
	   size_t errlen)
{
	struct in_addr a;

	if (inet_pton(AF_INET, arg, &a) != 1) {
		snprintf(err, errlen, "--addr: '%s' is not an IPv4 address "
			 "(IPv6 neighbour discovery goes by --tap)", arg);
		return -1;
	}
	if (cfg->nb_addrs == MG_DP_ADDRS_MAX) {
		snprintf(err, errlen, "--addr: at most %d", MG_DP_ADDRS_MAX);
		return -1;
	}
	cfg->addrs[cfg->nb_addrs++] = a.s_addr;
	return 0;
}

static int
parse_one(int opt, const char *arg, void *c, char *err, size_t errlen)
{
	struct mg_dp_config *cfg = c;

	switch (opt) {
	case OPT_SHM:
		return mg_cli_shm_name(arg, cfg->shm_name, sizeof(cfg->shm_name),
				       err, errlen);
	case OPT_NO_CTL:
		cfg->no_ctl = true;
		return 0;
	case OPT_DURATION:
		return mg_cli_u32("duration", arg, 0, UINT32_MAX,
				  &cfg->duration_s, err, errlen);
	case OPT_STATS:
		return mg_cli_u32("stats-interval", arg, 0, 86400,
				  &cfg->stats_interval_s, err, errlen);
	case OPT_MBUFS:
		return mg_cli_u32("mbufs", arg, 1023, 16777215,
				  &cfg->nb_mbufs, err, errlen);
	case OPT_WAIT_LINK:
		return mg_cli_u32("wait-link", arg, 0, 3600, &cfg->wait_link_s,
				  err, errlen);
	case OPT_MEDIA:
		cfg->media = true;
		return 0;
	case OPT_MAX_FLOWS:
		return mg_cli_u32("max-flows", arg, 1, 16777216, &cfg->max_flows,
				  err, errlen);
	case OPT_HOLD_RX:
		cfg->hold_rx = true;
		return 0;
	case OPT_TAP:
		/* IFNAMSIZ is 16: room for the prefix, a port number, a NUL. */
		if (*arg == '\0' || strlen(arg) > 12 ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
		    strlen(arg)) {
			snprintf(err, errlen, "--tap: '%s' is not an interface "
				 "name prefix (1-12 of a-z 0-9 _ -)", arg);
			return -1;
		}
		snprintf(cfg->tap_prefix, sizeof(cfg->tap_prefix), "%s", arg);
		return 0;
	case OPT_ADDR:
		return parse_addr(arg, cfg, err, errlen);
	case OPT_EVENT_BURST:
		return mg_cli_u32("event-burst", arg, 0, 1000000,
				  &cfg->event_burst, err, errlen);
	case OPT_SRTP_ENGINE:
		return one_of("srtp-engine", arg, "ipsec-mb", "libsrtp2",
			      &cfg->srtp_libsrtp2, err, errlen);
	case OPT_TX_CKSUM:
		return one_of("tx-cksum", arg, "auto", "sw", &cfg->tx_cksum_sw,
			      err, errlen);
	case 'h':
		cfg->help = true;
		return 0;
	}
	return -1;
}

int
mg_dp_args_parse(int argc, char **argv, struct mg_dp_config *cfg, char *err,
		 size_t errlen)
{
	*cfg = (struct mg_dp_config){
		.shm_name = MG_CTL_SHM_DEFAULT,
		.stats_interval_s = 1,
		.nb_mbufs = 8191,
		.max_flows = 65536,
		.event_burst = 16,
	};
	return mg_cli_parse(argc, argv, long_opts, parse_one, cfg, err,
			    errlen);
}

bool
mg_dp_args_want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}
