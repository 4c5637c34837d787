/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediagate-dataplane: EAL, ports, forwarding lcores, and the main lcore's
 * duties between bursts (control ring, heartbeat, stats, stop conditions).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ctl_ring.h"
#include "dp.h"
#include "dp_args.h"
#include "media.h"
#include "port.h"
#include "stats.h"

#define PROG "mediagate-dataplane"
#define CTL_POLL_NS 1000000ull      /* serve the ring every 1 ms */
/* After a request, serve the ring without sleeping for this long: a
 * control plane installing calls sends them back to back, and a 1 ms
 * sleep between each would cap it at a thousand requests a second. */
#define CTL_HOT_NS 20000000ull
#define CTL_RETRY_NS 1000000000ull  /* retry a failed attach every 1 s */

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
	mg_dp_quit = true;
}

struct dp {
	struct mg_dp_config cfg;
	uint16_t nb_ports;          /* media (or forwarding) ports */
	uint16_t nb_all_ports;      /* and the exception TAPs after them */
	uint16_t tap_of[MG_MAX_PORTS];
	uint16_t rxq_of[MG_MAX_PORTS];     /* rx queues (RSS) per media port */
	uint64_t cksum_ports;       /* a bit per port: the NIC sums on send */
	struct mg_fwd_stream more[MG_MAX_PORTS][MG_MAX_RXQ - 1];
	struct mg_fwd_stream streams[MG_MAX_PORTS];
	struct mg_lcore lcores[RTE_MAX_LCORE];
	struct mg_lcore *main_lc; /* non-NULL when no worker lcore exists */
	struct mg_dp_ctl ctl;
	struct mg_dp_ctl_stats ctl_total; /* over all attaches */
	uint64_t epoch;
	uint64_t next_attach_ns;
	char last_ctl_err[256];
	struct mg_fwd_stats prev[MG_MAX_PORTS];
	struct mg_media media;
	struct mg_fwd_stats tot;    /* for pings: summed each ms, not each turn */
	uint64_t tot_ns;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
give_stream(struct dp *d, unsigned int lc, struct mg_fwd_stream *s)
{
	struct mg_lcore *l = &d->lcores[lc];

	l->lcore_id = lc;
	l->streams[l->nb_streams++] = s;
}

/* Streams go round-robin to the worker lcores; with none, the main lcore
 * forwards between its control duties. A port spread over its rx queues
 * by RSS gives queue q to worker q. */
static void
assign_streams(struct dp *d)
{
	unsigned int workers[RTE_MAX_LCORE], nb_w = 0, lc;

	RTE_LCORE_FOREACH_WORKER(lc)
		workers[nb_w++] = lc;
	for (uint16_t p = 0; p < d->nb_ports; p++) {
		struct mg_fwd_stream *s = &d->streams[p];

		s->rx_port = p;
		s->tx_port = mg_port_pair(p, d->nb_ports);
		s->tap_port = d->tap_of[p];
		/* No RSS here: the distribution stage spreads its flows. */
		s->spread = d->cfg.media && d->rxq_of[p] == 1 && nb_w > 1;
		lc = nb_w ? workers[p % nb_w] : rte_get_main_lcore();
		if (d->rxq_of[p] > 1)
			lc = workers[0];
		give_stream(d, lc, s);
		for (uint16_t q = 1; q < d->rxq_of[p]; q++) {
			struct mg_fwd_stream *more = &d->more[p][q - 1];

			*more = *s;
			more->rx_queue = q;
			more->tap_port = UINT16_MAX; /* queue 0's lcore serves it */
			s->more = more;
			s = more;
			give_stream(d, workers[q % nb_w], more);
		}
	}
	d->main_lc = nb_w ? NULL : &d->lcores[rte_get_main_lcore()];
}

static void
launch_workers(struct dp *d)
{
	unsigned int lc;

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (d->lcores[lc].nb_streams || d->lcores[lc].pipe)
			rte_eal_remote_launch(mg_fwd_lcore_main, &d->lcores[lc],
					      lc);
	}
}

static void
ctl_try_attach(struct dp *d, uint64_t now)
{
	char err[256];

	if (d->cfg.no_ctl || mg_dp_ctl_attached(&d->ctl) ||
	    now < d->next_attach_ns)
		return;
	d->next_attach_ns = now + CTL_RETRY_NS;
	if (mg_dp_ctl_attach(&d->ctl, d->cfg.shm_name, d->epoch, err,
			     sizeof(err)) == 0) {
		if (d->cfg.media) {
			d->ctl.apply = mg_media_apply;
			d->ctl.apply_arg = &d->media;
		}
		printf(PROG ": attached to control segment %s (epoch %016llx)\n",
		       d->cfg.shm_name, (unsigned long long)d->epoch);
		d->last_ctl_err[0] = '\0';
		return;
	}
	/* Say each distinct reason once, not every second. */
	if (strcmp(err, d->last_ctl_err) != 0)
		printf(PROG ": %s; forwarding without control, retrying "
		       "every 1 s\n", err);
	snprintf(d->last_ctl_err, sizeof(d->last_ctl_err), "%s", err);
}

static unsigned int
ctl_serve(struct dp *d, uint64_t now)
{
	struct mg_dp_summary sum;
	unsigned int n;

	ctl_try_attach(d, now);
	if (!mg_dp_ctl_attached(&d->ctl))
		return 0;
	if (now - d->tot_ns >= 1000000) {
		mg_stats_sum(d->streams, d->nb_ports, &d->tot);
		d->tot_ns = now;
	}
	sum = (struct mg_dp_summary){
		.nb_ports = d->nb_ports, .nb_lcores = rte_lcore_count(),
		.rx_pkts = d->tot.rx_pkts, .tx_pkts = d->tot.tx_pkts,
	};
	n = mg_dp_ctl_poll(&d->ctl, now, &sum);
	if (d->cfg.media)
		mg_media_tick(&d->media, &d->ctl, now, n > 0);
	return n;
}

/* Between polls of a busy ring: forward a burst, or let the control
 * plane (often on this core) run. */
static void
hot_pause(struct dp *d)
{
	if (d->main_lc != NULL)
		mg_fwd_poll(d->main_lc);
	else
		sched_yield();
}

static void
sleep_or_forward(struct dp *d, uint64_t until_ns)
{
	struct timespec ts = { 0, CTL_POLL_NS };

	if (d->main_lc == NULL) {
		nanosleep(&ts, NULL);
		return;
	}
	while (!mg_dp_quit && now_ns() < until_ns)
		mg_fwd_poll(d->main_lc);
}

static void
main_loop(struct dp *d)
{
	uint64_t start = now_ns(), now = start, last_stats = start;
	uint64_t interval = d->cfg.stats_interval_s * 1000000000ull;
	uint64_t hot_until = 0;

	while (!mg_dp_quit) {
		if (ctl_serve(d, now) > 0)
			hot_until = now + CTL_HOT_NS;
		if (now < hot_until)
			hot_pause(d);
		else
			sleep_or_forward(d, now + CTL_POLL_NS);
		now = now_ns();
		if (interval && now - last_stats >= interval) {
			mg_stats_print_rates(d->streams, d->nb_ports, d->prev,
					     (double)(now - last_stats) / 1e9);
			last_stats = now;
		}
		if (d->cfg.duration_s &&
		    now - start >= d->cfg.duration_s * 1000000000ull)
			mg_dp_quit = true;
	}
}

static void
ctl_stats_add(struct mg_dp_ctl_stats *t, const struct mg_dp_ctl_stats *s)
{
	t->requests += s->requests;
	t->acks += s->acks;
	t->bad_type += s->bad_type;
	t->bad_len += s->bad_len;
	t->backpressure += s->backpressure;
	t->events += s->events;
}

static void
shutdown_dp(struct dp *d)
{
	rte_eal_mp_wait_lcore();
	/* Nothing serves the ring from here on: let go of the segment now,
	 * not after the teardown (a second or more with a million flows),
	 * or the control plane takes a stopping dataplane for a hung one. */
	mg_dp_ctl_detach(&d->ctl);
	if (quit_signal)
		printf(PROG ": stopping on %s\n", strsignal(quit_signal));
	ctl_stats_add(&d->ctl_total, &d->ctl.stats);
	mg_stats_print_final(d->streams, d->nb_ports, &d->ctl_total);
	if (d->cfg.media) {
		mg_media_print_final(&d->media);
		mg_media_teardown(&d->media);
	}
	mg_ports_stop(d->nb_all_ports);
}

/* How many lcores may transmit on a port: one tx queue each. Streams go
 * one port per worker, round-robin (assign_streams). */
static uint16_t
nb_senders(const struct dp *d)
{
	unsigned int workers = rte_lcore_count() - 1;

	/* With RSS any worker may send on any port. */
	if (!d->cfg.media || workers == 0)
		return 1;
	return (uint16_t)(workers < MG_MAX_RXQ ? workers : MG_MAX_RXQ);
}

static int
setup(struct dp *d)
{
	struct mg_port_opts popts = { .quit = &mg_dp_quit };
	struct rte_mempool *mp;
	char err[256];
	int rc;

	mp = rte_pktmbuf_pool_create("mg_mbufs", d->cfg.nb_mbufs, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, PROG ": cannot create a pool of %u mbufs: %s "
			"(raise -m or lower --mbufs)\n", d->cfg.nb_mbufs,
			rte_strerror(rte_errno));
		return -1;
	}
	d->nb_ports = rte_eth_dev_count_avail();
	for (uint16_t p = 0; p < MG_MAX_PORTS; p++)
		d->tap_of[p] = UINT16_MAX;
	if (d->cfg.media && d->cfg.tap_prefix[0] &&
	    (d->nb_ports > MG_MAX_PORTS / 2 ||
	     mg_media_probe_taps(d->cfg.tap_prefix, d->nb_ports, d->tap_of, err,
				 sizeof(err)) != 0)) {
		fprintf(stderr, PROG ": %s\n", d->nb_ports > MG_MAX_PORTS / 2 ?
			"too many ports for a TAP each" : err);
		return -1;
	}
	for (uint16_t p = 0; p < MG_MAX_PORTS; p++)
		d->rxq_of[p] = 1;
	popts.cksum = d->cfg.media && !d->cfg.tx_cksum_sw;
	if (d->cfg.wait_link_s)
		popts.start_deadline = rte_get_timer_cycles() +
			(uint64_t)d->cfg.wait_link_s * rte_get_timer_hz();
	rc = mg_ports_start(mp, nb_senders(d), d->cfg.media ? nb_senders(d) : 1,
			    d->nb_ports, d->rxq_of, &popts, &d->cksum_ports,
			    err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return -1;
	}
	d->nb_all_ports = (uint16_t)rc;
	while (getrandom(&d->epoch, sizeof(d->epoch), 0) < 0 || d->epoch == 0)
		;
	d->ctl.fd = -1;
	return 0;
}

/* EAL answers a bad option with its whole usage text on stdout; keep that
 * out so a bad argument ends in a few lines on stderr, ours last. */
static int
eal_init_quiet(int argc, char **argv)
{
	int saved = dup(STDOUT_FILENO);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int ret, err;

	fflush(stdout);
	if (saved >= 0 && null >= 0)
		dup2(null, STDOUT_FILENO);
	ret = rte_eal_init(argc, argv);
	err = rte_errno;
	fflush(stdout);
	if (saved >= 0 && null >= 0)
		dup2(saved, STDOUT_FILENO);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	rte_errno = err;
	return ret;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A peer that closes a socket we write to (memif's control channel,
	 * later the ng socket) must cost an EPIPE, not the process. */
	signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char **argv)
{
	static struct dp d; /* large: keep it off the stack */
	char err[256];
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Flows and per-SSRC state come and go with calls: keep the heap
	 * the main lcore allocates them from, so a busy control ring does
	 * not fault the same pages in again after every trim. */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	if (mg_dp_args_want_help(argc, argv)) {
		fputs(mg_dp_usage, stdout);
		return 0;
	}
	ret = eal_init_quiet(argc, argv);
	if (ret < 0) {
		fprintf(stderr, PROG ": %s: %s (see --help)\n",
			rte_errno == EINVAL ? "bad EAL arguments" :
			"EAL init failed", rte_strerror(rte_errno));
		return rte_errno == EINVAL ? 2 : 1;
	}
	if (mg_dp_args_parse(argc - ret, argv + ret, &d.cfg, err,
			     sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rte_eal_cleanup();
		return 2;
	}
	install_signals();
	if (setup(&d) != 0) {
		rte_eal_cleanup();
		return 1;
	}
	assign_streams(&d);
	if (d.cfg.media && mg_media_setup(&d.media, d.lcores, d.nb_ports, &d.cfg,
					  d.cksum_ports, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		mg_ports_stop(d.nb_ports);
		rte_eal_cleanup();
		return 1;
	}
	if (d.cfg.wait_link_s) {
		printf(PROG ": waiting up to %u s for port links\n",
		       d.cfg.wait_link_s);
		mg_ports_wait_link(d.nb_ports, d.cfg.wait_link_s, &mg_dp_quit);
	}
	if (d.cfg.media)
		printf(PROG ": %u ports, %u lcores, media pipeline, up to %u "
		       "flows, SRTP by %s%s\n", d.nb_ports, rte_lcore_count(),
		       d.cfg.max_flows, d.cfg.srtp_libsrtp2 ?
		       "libsrtp2 (a packet at a time)" : "IPsec-MB",
		       d.cfg.hold_rx ? ", rx held until "
		       "the control plane starts it" : "");
	if (d.cfg.media && mg_ports_share_memory(d.nb_ports))
		printf(PROG ": a zero-copy memif port shares this process's DPDK "
		       "memory with its peer: contexts and keys are kept out "
		       "of it\n");
	for (uint16_t p = 0; d.cfg.media && p < d.nb_ports; p++)
		if (d.cksum_ports >> p & 1)
			printf(PROG ": port %u computes IPv4 and UDP checksums "
			       "as it sends\n", p);
	if (!d.cfg.media)
		printf(PROG ": %u ports, %u lcores, forwarding\n", d.nb_ports,
		       rte_lcore_count());
	launch_workers(&d);
	if (d.main_lc != NULL && d.main_lc->pipe != NULL)
		mg_media_lcore_online(d.main_lc);
	main_loop(&d);
	if (d.main_lc != NULL && d.main_lc->pipe != NULL)
		mg_media_lcore_offline(d.main_lc);
	shutdown_dp(&d);
	rte_eal_cleanup();
	return 0;
}
