/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipe_bench: the whole media pipeline of one lcore (rx burst, classify,
 * flow lookup, SRTP, header rewrite, tx burst) against the SRTP engine
 * alone on the same packets, side by side in one run, for 1, 10,000 and
 * 1,000,000 flows.
 *
 * Packets come from a ring-backed ethdev port and leave through another
 * ring: what is timed is mg_pipe_burst() for the pipeline, and the SRTP
 * burst call alone for "crypto-only", each over a burst of BURST (64,
 * the dataplane's) packets to as many consecutive flows. Rounds
 * alternate the two, so noise falls on both;
 * every flow sees one packet per round (SEQ = round), made once per round
 * with one sender context and copied to every flow's address: all flows
 * share one key for the bench, but each has its own context and window.
 * Building packets and draining the out ring are not timed.
 *
 * Rates are from the median burst of each side (this VM puts a long
 * tail of interrupts on both; the means are in the JSON too). Also the
 * service time of a burst through the pipeline, p50/p99/p99.9: how long a
 * packet waits for its burst to be processed, not a full system latency
 * at a given offered load (that is the traffic generator's, bench/ issue
 * 7).
 *
 * --old-key adds the worst case of an SDES rekey's drain: every flow has
 * a new context its packets fail (another key) and the old one that
 * opens them (rx_ctx2), as while a party still sends under its old key;
 * crypto-only is the engine opening them once.
 *
 * --bridged adds the flows as the control plane installs bridged calls:
 * in pairs, one leg SRTP->RTP and the other RTP->SRTP, each the other's
 * peer, latching; every burst half of each. Unlike the one-way figures,
 * the rewrite then reads the other leg's latched address, a line of a
 * flow that is cold at many calls. Crypto-only: one unprotect and one
 * protect call on the same packets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include <intel-ipsec-mb.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "pipeline/flow.h"
#include "pipeline/pipe.h"

#define BURST 64
#define RTP_LEN 172
#define HDR_LEN (14 + 20 + 8)
#define SSRC 0x5eedf00du

enum op { OP_UNPROTECT, OP_PROTECT, OP_OLD_KEY, OP_BRIDGED };

static const char *const op_json[] = { "unprotect", "protect",
				       "unprotect-old-key", "bridged" };
static const char *const op_name[] = { "srtp-to-rtp", "rtp-to-srtp",
				       "srtp-old-key", "srtp<->rtp" };

/* Which SRTP engine the figures run on (mg_srtp_set_engine). */
static const char *engine = "ipsec-mb";

static const char *
engine_json(void)
{
	return strcmp(engine, "libsrtp2") ? "mediagate" : "mediagate-libsrtp2";
}

static bool
opens(enum op op)
{
	return op != OP_PROTECT;
}

/* Whether flow f (from 1) takes SRTP in: bridged calls pair an odd flow
 * that does with the even one after it that does not. */
static bool
flow_opens(enum op op, uint32_t f)
{
	return op == OP_BRIDGED ? (f & 1) : opens(op);
}

struct bench {
	struct mg_tables t;
	struct mg_pipe_lcore pl;
	struct rte_mempool *mp;
	struct rte_ring *in, *out;
	uint16_t port;
	uint32_t nflows;
	enum op op;
	struct mg_srtp_ctx *sender;   /* makes the SRTP of each round */
	struct IMB_MGR *gen_mgr;      /* the sender's: it may run on another
				       * lcore than the pipeline */
	struct mg_srtp_ctx **crypto;  /* crypto-only: a context per flow */
	uint8_t pkt[2][BURST][256];   /* this round's payloads, by lap: */
	uint16_t pkt_len[2][BURST];   /* [0] RTP, [1] SRTP */
	uint64_t *lat;                /* pipeline burst cycles, per sample */
	uint64_t *clat;               /* crypto-only burst cycles */
	uint64_t nlat, nclat, maxlat;
};

static void
policy(struct mg_srtp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->suite = MG_SRTP_AES_CM_128_HMAC_SHA1_80;
	p->ssrc = SSRC;
	p->nb_masters = 1;
	for (int i = 0; i < 16; i++)
		p->masters[0].key[i] = (uint8_t)(i * 7 + 1);
	for (int i = 0; i < 14; i++)
		p->masters[0].salt[i] = (uint8_t)(i * 3 + 2);
}

static void
local_of(uint32_t f, struct mg_ctl_addr *a)
{
	uint32_t ip = htonl(0x0a000000u + f); /* 10.0.0.0 + f */

	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->port = htons(4000);
	memcpy(a->ip, &ip, 4);
}

static int
install(struct bench *b)
{
	struct mg_ctl_msg m, ack;
	struct mg_srtp_policy p;

	for (uint32_t f = 1; f <= b->nflows; f++) {
		memset(&m, 0, sizeof(m));
		m.h.type = MG_CTL_SRTP_ADD;
		m.h.len = sizeof(m.u.srtp_add);
		m.u.srtp_add.id = f;
		policy(&m.u.srtp_add.policy);
		if (mg_tables_apply(&b->t, &m, &ack) != 0)
			return fprintf(stderr, "srtp %u refused\n", f), -1;
		if (b->op == OP_OLD_KEY) { /* the new key: not the packets' */
			m.u.srtp_add.id = b->nflows + f;
			m.u.srtp_add.policy.masters[0].key[0] ^= 0xff;
			if (mg_tables_apply(&b->t, &m, &ack) != 0)
				return fprintf(stderr, "srtp %u refused\n",
					       b->nflows + f), -1;
		}
		memset(&m, 0, sizeof(m));
		m.h.type = MG_CTL_FLOW_ADD;
		m.h.len = sizeof(m.u.flow);
		m.u.flow.id = f;
		m.u.flow.action = flow_opens(b->op, f) ?
				  MG_FLOW_SRTP_TO_RTP : MG_FLOW_RTP_TO_SRTP;
		if (b->op == OP_OLD_KEY) {
			m.u.flow.rx_ctx = b->nflows + f;
			m.u.flow.rx_ctx2 = f;
		} else if (flow_opens(b->op, f)) {
			m.u.flow.rx_ctx = f;
		} else {
			m.u.flow.tx_ctx = f;
		}
		if (b->op == OP_BRIDGED) { /* as call_install.c makes them */
			m.u.flow.flags = MG_FLOW_F_LATCH;
			m.u.flow.peer = f & 1 ? f + 1 : f - 1;
		}
		local_of(f, &m.u.flow.local);
		m.u.flow.out_port = b->port;
		local_of(0x10000000u + f, &m.u.flow.out_src);
		local_of(0x20000000u + f, &m.u.flow.out_dst);
		if (mg_tables_apply(&b->t, &m, &ack) != 0)
			return fprintf(stderr, "flow %u refused\n", f), -1;
		policy(&p);
		if (mg_srtp_ctx_create(b->t.mgr, &p, &b->crypto[f]) != 0)
			return -1;
	}
	return 0;
}

/* This round's packets: RTP with SEQ = round * BURST + lap, where lap
 * counts how often a burst of the round has come round to the same flow
 * (fewer flows than a burst, or a last burst that wraps), and a copy
 * protected once if flows unprotect. */
static void
make_round(struct bench *b, uint32_t round)
{
	for (uint32_t lap = 0; lap < BURST; lap++) {
		uint8_t *d = b->pkt[0][lap];
		uint32_t seq = round * BURST + lap;
		struct mg_srtp_pkt p = { .data = b->pkt[1][lap],
					 .len = RTP_LEN,
					 .cap = sizeof(b->pkt[1][0]),
					 .ctx = b->sender };

		memset(d, 0xa5, RTP_LEN);
		d[0] = 0x80;
		d[1] = 0;
		d[2] = (uint8_t)(seq >> 8);
		d[3] = (uint8_t)seq;
		d[8] = SSRC >> 24; d[9] = (SSRC >> 16) & 0xff;
		d[10] = (SSRC >> 8) & 0xff; d[11] = SSRC & 0xff;
		b->pkt_len[0][lap] = RTP_LEN;
		if (opens(b->op)) {
			memcpy(p.data, d, RTP_LEN);
			mg_srtp_protect_burst(b->gen_mgr, &p, 1);
			b->pkt_len[1][lap] = p.len;
		}
	}
}

/* The frame of burst position i of a burst starting at flow index first. */
static struct rte_mbuf *
frame(struct bench *b, uint32_t first, int i, uint32_t *flow)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->mp);
	uint32_t lap = (first + (uint32_t)i) / b->nflows;
	uint32_t f = 1 + (first + (uint32_t)i) % b->nflows;
	bool srtp = flow_opens(b->op, f);
	uint16_t len = b->pkt_len[srtp][lap];
	uint32_t ip = htonl(0x0a000000u + f);
	uint8_t *h;

	*flow = f;
	h = (uint8_t *)rte_pktmbuf_append(m, HDR_LEN + len);
	memset(h, 0, HDR_LEN);
	h[12] = 0x08;
	h[14] = 0x45;
	h[16] = (uint8_t)((20 + 8 + len) >> 8);
	h[17] = (uint8_t)(20 + 8 + len);
	h[22] = 64;
	h[23] = 17;
	memcpy(h + 30, &ip, 4);
	h[34] = 0x1b; h[35] = 0x58;
	h[36] = 4000 >> 8; h[37] = 4000 & 0xff;
	h[38] = (uint8_t)((8 + len) >> 8);
	h[39] = (uint8_t)(8 + len);
	memcpy(h + HDR_LEN, b->pkt[srtp][lap], len);
	return m;
}

/* One burst through the pipeline; returns its cycles. */
static uint64_t
pipe_burst(struct bench *b, uint32_t first)
{
	struct rte_mbuf *mb[BURST];
	uint64_t t0, dt;
	unsigned int n;
	uint32_t f;

	for (int i = 0; i < BURST; i++)
		mb[i] = frame(b, first, i, &f);
	rte_ring_enqueue_bulk(b->in, (void **)mb, BURST, NULL);
	uint16_t sent;

	t0 = __rdtsc();
	mg_pipe_burst(&b->pl, b->port, 0, UINT16_MAX, false, &sent);
	dt = __rdtsc() - t0;
	rte_rcu_qsbr_quiescent(b->t.rcu, rte_lcore_id());
	n = rte_ring_dequeue_burst(b->out, (void **)mb, BURST, NULL);
	if (n != BURST) {
		fprintf(stderr, "pipe_bench: %u of %d packets came out\n", n,
			BURST);
		exit(1);
	}
	rte_pktmbuf_free_bulk(mb, n);
	if (b->nlat < b->maxlat)
		b->lat[b->nlat++] = dt;
	return dt;
}

/* The same packets through the engine alone: one call for what opens,
 * one for what is protected (either may be empty). */
static uint64_t
crypto_burst(struct bench *b, uint32_t first)
{
	struct rte_mbuf *mb[BURST];
	struct mg_srtp_pkt p[2][BURST];
	uint16_t n[2] = { 0, 0 }, ok;
	uint64_t t0, dt;

	for (int i = 0; i < BURST; i++) {
		uint32_t f;
		uint16_t len;
		bool in;

		mb[i] = frame(b, first, i, &f);
		in = flow_opens(b->op, f);
		len = (uint16_t)(rte_pktmbuf_data_len(mb[i]) - HDR_LEN);
		p[in][n[in]++] = (struct mg_srtp_pkt){
			.data = rte_pktmbuf_mtod_offset(mb[i], uint8_t *, HDR_LEN),
			.len = len,
			.cap = (uint16_t)(len + rte_pktmbuf_tailroom(mb[i])),
			.ctx = b->crypto[f] };
	}
	t0 = __rdtsc();
	ok = n[1] ? mg_srtp_unprotect_burst(b->pl.mgr, p[1], n[1]) : 0;
	ok += n[0] ? mg_srtp_protect_burst(b->pl.mgr, p[0], n[0]) : 0;
	dt = __rdtsc() - t0;
	rte_pktmbuf_free_bulk(mb, BURST);
	if (b->nclat < b->maxlat)
		b->clat[b->nclat++] = dt;
	for (int in = 0; ok != BURST && in < 2; in++)
		for (uint16_t j = 0; j < n[in]; j++)
			if (p[in][j].status != MG_SRTP_OK) {
				fprintf(stderr, "pipe_bench: crypto-only: %s\n",
					mg_srtp_status_str(p[in][j].status));
				exit(1);
			}
	return dt;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t tsc_hz;

static void
measure_tsc(void)
{
	uint64_t c0 = __rdtsc(), t0 = rte_get_timer_cycles();

	rte_delay_ms(100);
	tsc_hz = (__rdtsc() - c0) * rte_get_timer_hz() /
		 (rte_get_timer_cycles() - t0);
}

/* Rates from the median burst: this VM's neighbours and interrupts put
 * a long tail on both sides that would otherwise decide the mean. */
struct result {
	double pipe_cpp, crypto_cpp;       /* median burst / BURST */
	double pipe_mean, crypto_mean;     /* mean cycles per packet */
	double p50, p99, p999; /* ns per burst */
};

/* Rounds until `packets` per side have gone; every flow gets the same
 * number of packets per round. */
static struct result
run(struct bench *b, uint64_t packets)
{
	uint64_t pc = 0, cc = 0, done = 0;
	uint32_t round = 1;
	struct result r;

	b->nlat = b->nclat = 0;
	while (done < packets) {
		make_round(b, round++);
		for (uint32_t f = 0; f < b->nflows; f += BURST) {
			pc += pipe_burst(b, f);
			cc += crypto_burst(b, f);
			done += BURST;
		}
		if (round == 60000) {
			fprintf(stderr, "pipe_bench: too many rounds\n");
			break;
		}
	}
	for (uint32_t f = 1; b->op == OP_BRIDGED && f <= b->nflows; f++)
		if (!b->t.flow_by_id[f]->learned_valid) {
			fprintf(stderr, "pipe_bench: flow %u did not latch\n", f);
			exit(1);
		}
	qsort(b->lat, b->nlat, sizeof(uint64_t), cmp_u64);
	qsort(b->clat, b->nclat, sizeof(uint64_t), cmp_u64);
	r.pipe_mean = (double)pc / (double)done;
	r.crypto_mean = (double)cc / (double)done;
	r.pipe_cpp = (double)b->lat[b->nlat / 2] / BURST;
	r.crypto_cpp = (double)b->clat[b->nclat / 2] / BURST;
	r.p50 = (double)b->lat[b->nlat / 2] * 1e9 / (double)tsc_hz;
	r.p99 = (double)b->lat[b->nlat * 99 / 100] * 1e9 / (double)tsc_hz;
	r.p999 = (double)b->lat[b->nlat * 999 / 1000] * 1e9 / (double)tsc_hz;
	return r;
}

static int
start_port(struct bench *b)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(b->port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(b->port, 0, 1024, 0, NULL, b->mp) != 0 ||
	    rte_eth_tx_queue_setup(b->port, 0, 1024, 0, NULL) != 0)
		return -1;
	return rte_eth_dev_start(b->port);
}

static int
setup(struct bench *b, uint32_t nflows, enum op op)
{
	struct mg_srtp_policy p;
	struct rte_ring *rx[1], *tx[1];
	char err[256], name[32];
	static unsigned int serial;
	unsigned int seq = __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED);
	int port;

	memset(b, 0, sizeof(*b));
	b->nflows = nflows;
	b->op = op;
	snprintf(name, sizeof(name), "in%u", seq);
	b->in = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "out%u", seq);
	b->out = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "mbufs%u", seq);
	b->mp = rte_pktmbuf_pool_create(name, 4095, 0, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	rx[0] = b->in;
	tx[0] = b->out;
	snprintf(name, sizeof(name), "bench%u", seq);
	port = rte_eth_from_rings(name, rx, 1, tx, 1, 0);
	if (b->in == NULL || b->out == NULL || b->mp == NULL || port < 0)
		return fprintf(stderr, "rings/port: %d\n", port), -1;
	b->port = (uint16_t)port;
	if (start_port(b) != 0)
		return fprintf(stderr, "port %d does not start\n", port), -1;
	if (mg_tables_create(&b->t, nflows, RTE_MAX_LCORE, err, sizeof(err))) {
		fprintf(stderr, "pipe_bench: %s\n", err);
		return -1;
	}
	/* Ports are numbered up from 0: every earlier one is there too. */
	if (mg_pipe_lcore_init(&b->pl, rte_lcore_id(), 0, (uint16_t)(port + 1),
			       &b->t) != 0)
		return -1;
	rte_rcu_qsbr_thread_register(b->t.rcu, rte_lcore_id());
	rte_rcu_qsbr_thread_online(b->t.rcu, rte_lcore_id());
	b->crypto = calloc(nflows + 1u, sizeof(*b->crypto));
	b->maxlat = 1u << 20;
	b->lat = malloc(b->maxlat * sizeof(uint64_t));
	b->clat = malloc(b->maxlat * sizeof(uint64_t));
	policy(&p);
	if (b->crypto == NULL || b->lat == NULL || b->clat == NULL ||
	    (b->gen_mgr = alloc_mb_mgr(0)) == NULL)
		return -1;
	init_mb_mgr_auto(b->gen_mgr, NULL);
	if (mg_srtp_ctx_create(b->gen_mgr, &p, &b->sender) != 0)
		return -1;
	return install(b);
}

static void
teardown(struct bench *b)
{
	rte_rcu_qsbr_thread_offline(b->t.rcu, rte_lcore_id());
	for (uint32_t f = 1; f <= b->nflows; f++)
		mg_srtp_ctx_destroy(b->crypto[f]);
	mg_srtp_ctx_destroy(b->sender);
	free_mb_mgr(b->gen_mgr);
	mg_pipe_lcore_fini(&b->pl);
	mg_tables_destroy(&b->t);
	rte_eth_dev_stop(b->port);
	rte_eth_dev_close(b->port);
	rte_mempool_free(b->mp);
	rte_ring_free(b->in);
	rte_ring_free(b->out);
	free(b->crypto);
	free(b->lat);
	free(b->clat);
}

/* --- latency under a paced load ------------------------------------- */

static int ts_off = -1; /* mbuf dynfield: TSC when the packet was offered */

static uint64_t *
ts_of(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, ts_off, uint64_t *);
}

struct paced {
	struct bench *b;
	uint64_t interval;  /* TSC cycles between offered bursts */
	uint64_t bursts;
	uint64_t offered, delivered, refused;
	uint64_t *lat;      /* per delivered packet, cycles */
	uint64_t nlat, maxlat;
	bool done;
};

static void
drain(struct paced *pc)
{
	struct rte_mbuf *mb[BURST];
	unsigned int n = rte_ring_dequeue_burst(pc->b->out, (void **)mb, BURST,
						NULL);
	uint64_t now = __rdtsc();

	for (unsigned int i = 0; i < n; i++)
		if (pc->nlat < pc->maxlat)
			pc->lat[pc->nlat++] = now - *ts_of(mb[i]);
	pc->delivered += n;
	rte_pktmbuf_free_bulk(mb, n);
}

/* The other lcore: offers a burst every `interval`, stamped, and takes
 * what comes out, so a packet's latency is queueing plus service. */
static int
producer(void *arg)
{
	struct paced *pc = arg;
	struct bench *b = pc->b;
	uint64_t next = __rdtsc(), sent = 0, end;
	uint32_t round = 1, first = 0;

	make_round(b, round);
	while (sent < pc->bursts) {
		struct rte_mbuf *mb[BURST];
		uint64_t now = __rdtsc();
		unsigned int n;
		uint32_t f;

		drain(pc);
		if (now < next)
			continue;
		for (int i = 0; i < BURST; i++) {
			mb[i] = frame(b, first, i, &f);
			*ts_of(mb[i]) = now;
		}
		n = rte_ring_enqueue_burst(b->in, (void **)mb, BURST, NULL);
		if (n < BURST)
			rte_pktmbuf_free_bulk(&mb[n], BURST - n);
		pc->offered += BURST;
		pc->refused += BURST - n;
		next += pc->interval;
		sent++;
		first += BURST;
		if (first >= b->nflows) {
			first = 0;
			make_round(b, ++round);
		}
	}
	end = __rdtsc() + tsc_hz / 10; /* what is still in flight */
	while (__rdtsc() < end)
		drain(pc);
	__atomic_store_n(&pc->done, true, __ATOMIC_RELEASE);
	return 0;
}

/* Half of the pipeline's one-lcore rate, offered from another lcore. */
static int
run_paced(struct bench *b, const struct result *max, uint64_t packets,
	  unsigned int prod_lc, struct result *lat, double *offered_mpps,
	  double *delivered)
{
	struct paced pc = { .b = b, .bursts = packets / BURST,
			    .interval = (uint64_t)(2.0 * BURST * max->pipe_cpp),
			    .maxlat = packets };
	uint16_t sent;

	pc.lat = malloc(pc.maxlat * sizeof(uint64_t));
	if (pc.lat == NULL)
		return -1;
	rte_eal_remote_launch(producer, &pc, prod_lc);
	while (!__atomic_load_n(&pc.done, __ATOMIC_ACQUIRE)) {
		mg_pipe_burst(&b->pl, b->port, 0, UINT16_MAX, false, &sent);
		rte_rcu_qsbr_quiescent(b->t.rcu, rte_lcore_id());
	}
	rte_eal_wait_lcore(prod_lc);
	qsort(pc.lat, pc.nlat, sizeof(uint64_t), cmp_u64);
	memset(lat, 0, sizeof(*lat));
	if (pc.nlat) {
		lat->p50 = (double)pc.lat[pc.nlat / 2] * 1e9 / (double)tsc_hz;
		lat->p99 = (double)pc.lat[pc.nlat * 99 / 100] * 1e9 /
			   (double)tsc_hz;
		lat->p999 = (double)pc.lat[pc.nlat * 999 / 1000] * 1e9 /
			    (double)tsc_hz;
	}
	*offered_mpps = (double)tsc_hz / (2.0 * max->pipe_cpp) / 1e6;
	*delivered = pc.offered ? (double)pc.delivered / (double)pc.offered : 0;
	free(pc.lat);
	return 0;
}

/* One lcore's share of a figure: its own port, flows and tables. */
struct job {
	uint32_t flows;
	enum op op;
	uint64_t packets;
	struct result r;
	int rc;
};

static struct bench benches[RTE_MAX_LCORE];
static struct job jobs[RTE_MAX_LCORE];

static int
bench_lcore(void *arg)
{
	struct job *j = &jobs[rte_lcore_id()];
	struct bench *b = &benches[rte_lcore_id()];

	(void)arg;
	j->rc = setup(b, j->flows, j->op);
	if (j->rc == 0) {
		j->r = run(b, j->packets);
		teardown(b);
	}
	return j->rc;
}

/* A figure on n lcores at once, the flows split between them: rates add
 * up, ratios and burst times are the first lcore's. */
static int
run_on(unsigned int n, uint32_t flows, enum op op, uint64_t packets,
       struct result *sum)
{
	unsigned int lc, used = 0;

	RTE_LCORE_FOREACH(lc) {
		if (used++ == n)
			break;
		jobs[lc] = (struct job){ .flows = flows / n ? flows / n : 1,
					 .op = op, .packets = packets / n };
	}
	used = 0;
	RTE_LCORE_FOREACH_WORKER(lc)
		if (++used < n)
			rte_eal_remote_launch(bench_lcore, NULL, lc);
	bench_lcore(NULL);
	rte_eal_mp_wait_lcore();
	memset(sum, 0, sizeof(*sum));
	used = 0;
	RTE_LCORE_FOREACH(lc) {
		const struct result *r = &jobs[lc].r;

		if (used++ == n)
			break;
		if (jobs[lc].rc != 0)
			return -1;
		/* Rates add: sum 1 / cycles, then back to cycles. */
		sum->pipe_cpp += 1.0 / r->pipe_cpp;
		sum->crypto_cpp += 1.0 / r->crypto_cpp;
		if (used == 1) {
			sum->pipe_mean = r->pipe_mean;
			sum->crypto_mean = r->crypto_mean;
			sum->p50 = r->p50;
			sum->p99 = r->p99;
			sum->p999 = r->p999;
		}
	}
	sum->pipe_cpp = 1.0 / sum->pipe_cpp;
	sum->crypto_cpp = 1.0 / sum->crypto_cpp;
	return 0;
}

static void
print_latency(uint32_t flows, enum op op, const struct result *max,
	      uint64_t packets, int json)
{
	static struct bench b;
	struct result lat;
	double offered, delivered;
	unsigned int prod = rte_get_next_lcore(rte_lcore_id(), 1, 0);

	if (setup(&b, flows, op) != 0 ||
	    run_paced(&b, max, packets, prod, &lat, &offered, &delivered) != 0) {
		fprintf(stderr, "pipe_bench: latency run failed\n");
		exit(1);
	}
	teardown(&b);
	if (json)
		printf("{\"bench\":\"pipeline-latency\",\"engine\":\"%s\","
		       "\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"op\":\"%s\","
		       "\"bytes\":%d,\"contexts\":%u,\"flows\":%u,"
		       "\"offered_mpps\":%.4f,\"delivered\":%.4f,"
		       "\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f}\n",
		       engine_json(), op_json[op], RTP_LEN, flows, flows,
		       offered, delivered, lat.p50, lat.p99, lat.p999);
	else
		printf("%-9s %9u %6s %-12s   latency at half rate (%.2f Mpps "
		       "offered, %.1f%% delivered): p50 %.1f us, p99 %.1f us, "
		       "p99.9 %.1f us\n", engine, flows, "", op_name[op], offered,
		       delivered * 100, lat.p50 / 1e3, lat.p99 / 1e3,
		       lat.p999 / 1e3);
}

/* One figure: the pipeline and the engine alone on n lcores, printed;
 * then its latency at half the rate, if asked. */
static int
figure(uint32_t flows, enum op op, unsigned int n, uint64_t packets, int json,
       bool latency)
{
	struct result r;

	if (op == OP_BRIDGED) /* whole calls on every lcore */
		flows = (flows + 2 * n - 1) / (2 * n) * (2 * n);
	if (run_on(n, flows, op, packets, &r) != 0) {
		fprintf(stderr, "pipe_bench: set-up of %u flows failed "
			"(memory? see --help)\n", flows);
		return -1;
	}
	if (json)
		printf("{\"bench\":\"pipeline\",\"engine\":\"%s\","
		       "\"suite\":\"AES_CM_128_HMAC_SHA1_80\",\"op\":\"%s\","
		       "\"bytes\":%d,\"contexts\":%u,\"flows\":%u,"
		       "\"calls\":%u,\"lcores\":%u,"
		       "\"mpps\":%.4f,\"cycles_per_packet\":%.1f,"
		       "\"crypto_only_mpps\":%.4f,\"vs_crypto\":%.3f,"
		       "\"mean_cycles_per_packet\":%.1f,"
		       "\"crypto_only_mean_cycles\":%.1f,"
		       "\"burst_p50_ns\":%.0f,\"burst_p99_ns\":%.0f,"
		       "\"burst_p999_ns\":%.0f}\n", engine_json(),
		       op_json[op], RTP_LEN, flows, flows,
		       op == OP_BRIDGED ? flows / 2 : 0, n,
		       (double)tsc_hz / r.pipe_cpp / 1e6, r.pipe_cpp,
		       (double)tsc_hz / r.crypto_cpp / 1e6,
		       r.crypto_cpp / r.pipe_cpp, r.pipe_mean,
		       r.crypto_mean, r.p50, r.p99, r.p999);
	else
		printf("%-9s %9u %6u %-12s %10.3f %9.1f %10.3f %9.1f "
		       "%8.2f %9.0f %9.0f %9.0f\n", engine, flows, n,
		       op_name[op], (double)tsc_hz / r.pipe_cpp / 1e6,
		       r.pipe_cpp, (double)tsc_hz / r.crypto_cpp / 1e6,
		       r.crypto_cpp, r.crypto_cpp / r.pipe_cpp,
		       r.p50, r.p99, r.p999);
	if (latency)
		print_latency(flows, op, &r, packets, json);
	return 0;
}

static const char usage[] =
	"usage: pipe_bench [EAL options] -- [--json] [--flows A,B,C] [--packets N]\n"
	"                  [--scale] [--latency] [--old-key] [--bridged]\n"
	"                  [--libsrtp2]\n"
	"--libsrtp2: every figure again with libsrtp2 as the SRTP engine, one\n"
	"packet at a time (its crypto-only column: libsrtp2 alone).\n"
	"--scale: each figure on one lcore, then on every lcore of -l at once\n"
	"(flows and packets split between them, each lcore its own port).\n"
	"--latency: then per-packet latency with half the one-lcore rate offered\n"
	"from a second lcore (needs -l with two lcores).\n"
	"--old-key: also SRTP->RTP with every packet under a rekey's old key\n"
	"(the new context refuses it, the draining one opens it).\n"
	"--bridged: also the flows paired as bridged calls (one leg SRTP->RTP,\n"
	"the other RTP->SRTP, latching, each the other's peer), half of each\n"
	"burst each way; flows rounded up to whole calls.\n"
	"Defaults: flows 1,10000,1000000; 2,000,000 packets per figure (at\n"
	"least one round over every flow). 1,000,000 flows take about 3 GB\n"
	"and a minute of set-up: give EAL -m 1024 or hugepages.\n";

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "flows", required_argument, NULL, 'f' },
		{ "packets", required_argument, NULL, 'n' },
		{ "scale", no_argument, NULL, 's' },
		{ "latency", no_argument, NULL, 'l' },
		{ "old-key", no_argument, NULL, 'o' },
		{ "bridged", no_argument, NULL, 'b' },
		{ "libsrtp2", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t flows[4] = { 1, 10000, 1000000 }, nf = 3;
	uint64_t packets = 2000000;
	int json = 0, scale = 0, latency = 0, old_key = 0, bridged = 0;
	int libsrtp2 = 0, opt;
	enum op ops[4] = { OP_UNPROTECT, OP_PROTECT };
	unsigned int nops = 2;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'n': packets = strtoull(optarg, NULL, 10); break;
		case 's': scale = 1; break;
		case 'l': latency = 1; break;
		case 'o': old_key = 1; break;
		case 'b': bridged = 1; break;
		case 'L': libsrtp2 = 1; break;
		case 'f': {
			char *s = optarg, *end;

			for (nf = 0; *s && nf < 4; nf++) {
				flows[nf] = (uint32_t)strtoul(s, &end, 10);
				if (end == s || flows[nf] == 0)
					return fputs(usage, stderr), 2;
				s = *end == ',' ? end + 1 : end;
			}
			break;
		}
		default:
			fputs(usage, opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (old_key)
		ops[nops++] = OP_OLD_KEY;
	if (bridged)
		ops[nops++] = OP_BRIDGED;
	measure_tsc();
	if (latency) {
		static const struct rte_mbuf_dynfield ts = {
			.name = "mg_bench_offered_tsc", .size = sizeof(uint64_t),
			.align = __alignof__(uint64_t),
		};

		ts_off = rte_mbuf_dynfield_register(&ts);
		if (ts_off < 0 || rte_lcore_count() < 2)
			return fputs("pipe_bench: --latency needs -l with two "
				     "lcores\n", stderr), 2;
	}
	if (!json)
		printf("pipeline vs SRTP engine alone, 172-byte RTP, "
		       "AES_CM_128_HMAC_SHA1_80, bursts of %d, TSC %.2f GHz\n\n"
		       "%-9s %9s %6s %-12s %10s %9s %10s %9s %8s %9s %9s %9s\n",
		       BURST, (double)tsc_hz / 1e9, "engine", "flows", "lcores",
		       "op", "pipe Mpps",
		       "cyc/pkt", "crypto Mpps", "cyc/pkt", "ratio",
		       "p50 ns", "p99 ns", "p99.9 ns");
	for (int e = 0; e < (libsrtp2 ? 2 : 1); e++) {
		if (mg_srtp_set_engine(e ? MG_SRTP_ENGINE_LIBSRTP2 :
				       MG_SRTP_ENGINE_IPSEC_MB) != 0)
			return fputs("pipe_bench: libsrtp2 did not start\n",
				     stderr), 1;
		engine = e ? "libsrtp2" : "ipsec-mb";
		for (uint32_t i = 0; i < nf; i++)
			for (unsigned int o = 0; o < nops; o++)
				for (unsigned int n = 1;
				     n <= (scale ? rte_lcore_count() : 1);
				     n = n == rte_lcore_count() ? n + 1 :
					 rte_lcore_count())
					if (figure(flows[i], ops[o], n,
						   packets, json,
						   latency && n == 1) != 0)
						return 1;
	}
	rte_eal_cleanup();
	return 0;
}
