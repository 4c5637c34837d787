/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mg_gen: N concurrent calls through a running mediagate, as an SBC sees
 * them, from one DPDK port (memif to the dataplane, af_packet, a NIC).
 *
 *   mg_gen <EAL args> -- --ng HOST:PORT --dst-mac MAC [--calls N]
 *          [--pps N | --flat-out] [--seconds S] [--window N] [--json]
 *          [--keep] [--drain-ms N]
 *
 * Each call: the generator's phone (10.100.x.y, SRTP with its own fresh
 * key, made by libsrtp2) and trunk (10.200.x.y, plain RTP), set up
 * through the ng protocol; then both directions at `pps` packets a second
 * each (G.711: 160-byte payloads), or flat out (as fast as the path
 * returns them, at most INFLIGHT_MAX on the way).
 * Everything that comes back is checked: the trunk's packets must be the
 * phone's plain, the phone's must open with the key mediagate gave it
 * (libsrtp2) and be the trunk's; each payload names its call, direction
 * and sequence number and carries its send time, so loss, reordering and
 * one-way latency are measured per direction. Ctrl-C stops early and
 * keeps what was measured. The calls are deleted at the end (--keep: not).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gen.h"

#define BURST 32
#define PER_IP 16000u           /* calls per generator address */
#define BASE_PORT 10000u
#define RTP_HDR 12
#define SRTP_TAG 10
/* Flat out, at most this many packets are out and not back: the rate is
 * what the path sustains with nothing dropped for want of a receiver
 * (the generator's own rx ring included). */
#define INFLIGHT_MAX 2048u

struct cfg {
	const char *ng;
	struct rte_ether_addr dst_mac;
	uint32_t calls, pps, seconds, window, drain_ms;
	bool flat, json, keep, have_mac;
};

struct run {
	struct cfg cfg;
	struct mg_gen_call *c;
	uint16_t port;
	struct rte_ether_addr mac;
	struct rte_mempool *pool;
	struct rte_mbuf *pending[BURST];
	uint16_t npending;
	uint64_t hz, start, stop_tx;
	uint64_t sent, received, tx_full, rx_other;
	uint32_t rr;             /* next stream, round robin */
	struct mg_gen_hist lat[2];
};

static volatile bool stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = true;
}

static uint32_t
addr_of(uint32_t net, uint32_t i)
{
	return htonl(net + 1u + i / PER_IP);
}

static uint16_t
port_of(uint32_t i)
{
	return htons((uint16_t)(BASE_PORT + 2u * (i % PER_IP)));
}

/* The call a packet to (ip, port) of the generator belongs to, and
 * whether that is its phone; -1 for none. */
static long
call_at(const struct run *r, uint32_t ip, uint16_t port, int *dir)
{
	uint32_t h = ntohl(ip), p = ntohs(port), net;
	uint32_t slot;

	if ((h >> 16) == (10u << 8 | 100u))
		*dir = MG_GEN_DOWN, net = 10u << 24 | 100u << 16; /* phone */
	else if ((h >> 16) == (10u << 8 | 200u))
		*dir = MG_GEN_UP, net = 10u << 24 | 200u << 16;   /* trunk */
	else
		return -1;
	if (p < BASE_PORT || (p - BASE_PORT) % 2 || h - net == 0)
		return -1;
	slot = (h - net - 1u) * PER_IP + (p - BASE_PORT) / 2u;
	return slot < r->cfg.calls ? (long)slot : -1;
}

static int
srtp_ctx(srtp_t *s, const uint8_t *key, bool inbound)
{
	srtp_policy_t p;

	memset(&p, 0, sizeof(p));
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.key = (unsigned char *)(uintptr_t)key;
	p.window_size = 1024;
	return srtp_create(s, &p) == srtp_err_status_ok ? 0 : -1;
}

static int
calls_make(struct run *r)
{
	r->c = calloc(r->cfg.calls, sizeof(*r->c));
	if (r->c == NULL)
		return -1;
	for (uint32_t i = 0; i < r->cfg.calls; i++) {
		struct mg_gen_call *c = &r->c[i];

		c->phone_ip = addr_of(10u << 24 | 100u << 16, i);
		c->trunk_ip = addr_of(10u << 24 | 200u << 16, i);
		c->phone_port = c->trunk_port = port_of(i);
		if (getrandom(c->key_phone, MG_GEN_KEY_LEN, 0) != MG_GEN_KEY_LEN ||
		    srtp_ctx(&c->tx, c->key_phone, false) != 0)
			return -1;
	}
	return 0;
}

/* The SBC's key is known once the call is answered. */
static int
calls_keyed(struct run *r)
{
	for (uint32_t i = 0; i < r->cfg.calls; i++) {
		struct mg_gen_call *c = &r->c[i];

		if (c->state == MG_GEN_READY &&
		    srtp_ctx(&c->rx, c->key_sbc, true) != 0)
			return -1;
	}
	return 0;
}

static void
calls_free(struct run *r)
{
	for (uint32_t i = 0; r->c && i < r->cfg.calls; i++) {
		if (r->c[i].tx)
			srtp_dealloc(r->c[i].tx);
		if (r->c[i].rx)
			srtp_dealloc(r->c[i].rx);
	}
	if (r->c)
		explicit_bzero(r->c, r->cfg.calls * sizeof(*r->c));
	free(r->c);
}

/* ---- the port ---------------------------------------------------------- */

static int
port_up(struct run *r)
{
	struct rte_eth_conf conf = { 0 };

	if (rte_eth_dev_count_avail() == 0)
		return fprintf(stderr, "mg_gen: no DPDK port (--vdev)\n"), -1;
	r->port = 0;
	r->pool = rte_pktmbuf_pool_create("gen", 16383, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (r->pool == NULL ||
	    rte_eth_dev_configure(r->port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(r->port, 0, 1024, rte_socket_id(), NULL,
				   r->pool) != 0 ||
	    rte_eth_tx_queue_setup(r->port, 0, 1024, rte_socket_id(),
				   NULL) != 0 ||
	    rte_eth_dev_start(r->port) != 0)
		return fprintf(stderr, "mg_gen: port 0 would not start\n"), -1;
	rte_eth_macaddr_get(r->port, &r->mac);
	rte_eth_promiscuous_enable(r->port);
	return 0;
}

/* ---- send -------------------------------------------------------------- */

static void
headers(struct rte_mbuf *m, const struct run *r, uint32_t src, uint16_t sport,
	uint32_t dst, uint16_t dport, uint16_t udp_payload)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	eh->dst_addr = r->cfg.dst_mac;
	eh->src_addr = r->mac;
	eh->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(sizeof(*ip) + sizeof(*u) +
					    udp_payload));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->src_port = sport;
	u->dst_port = dport;
	u->dgram_len = htons((uint16_t)(sizeof(*u) + udp_payload));
	u->dgram_cksum = 0;
}

/* Stream (call, dir)'s next packet; NULL if it could not be made. */
static struct rte_mbuf *
make_packet(struct run *r, uint32_t i, int dir)
{
	struct mg_gen_call *c = &r->c[i];
	struct mg_gen_stream *s = &c->s[dir];
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->pool);
	const size_t l2l4 = sizeof(struct rte_ether_hdr) +
			    sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);
	uint8_t *rtp;
	int len = RTP_HDR + MG_GEN_PAYLOAD;
	uint32_t seq = s->sent;

	if (m == NULL)
		return NULL;
	rtp = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2l4 + len +
							   SRTP_TAG));
	rtp += l2l4;
	rtp[0] = 0x80;
	rtp[1] = 0;
	rtp[2] = (uint8_t)(seq >> 8);
	rtp[3] = (uint8_t)seq;
	*(uint32_t *)(rtp + 4) = htonl(seq * 160u);
	*(uint32_t *)(rtp + 8) = htonl((dir ? 0x20000000u : 0x10000000u) | i);
	mg_gen_payload(rtp + RTP_HDR, i, dir, seq, rte_rdtsc());
	if (dir == MG_GEN_UP &&
	    srtp_protect(c->tx, rtp, &len) != srtp_err_status_ok) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	rte_pktmbuf_trim(m, (uint16_t)(RTP_HDR + MG_GEN_PAYLOAD + SRTP_TAG -
				       len));
	if (dir == MG_GEN_UP)
		headers(m, r, c->phone_ip, c->phone_port, c->sbc_ip,
			c->sbc_phone_port, (uint16_t)len);
	else
		headers(m, r, c->trunk_ip, c->trunk_port, c->sbc_ip,
			c->sbc_trunk_port, (uint16_t)len);
	s->sent++;
	r->sent++;
	return m;
}

/* Packets due by now (at the pace, or a burst flat out), round robin over
 * the streams of the calls that are up, after whatever the port did not
 * take last time. */
static void
send_due(struct run *r, uint64_t now)
{
	uint64_t due = r->cfg.flat ? r->received + INFLIGHT_MAX :
		(now - r->start) * 2ull * r->cfg.calls * r->cfg.pps / r->hz;
	uint32_t streams = 2 * r->cfg.calls;
	uint16_t tx;

	while (r->npending < BURST && r->sent < due && now < r->stop_tx) {
		uint32_t i = r->rr / 2;
		int dir = (int)(r->rr % 2);
		struct rte_mbuf *m = NULL;

		r->rr = r->rr + 1 == streams ? 0 : r->rr + 1;
		if (r->c[i].state == MG_GEN_READY)
			m = make_packet(r, i, dir);
		else
			due--; /* a call that failed to set up sends nothing */
		if (m != NULL)
			r->pending[r->npending++] = m;
	}
	if (r->npending == 0)
		return;
	tx = rte_eth_tx_burst(r->port, 0, r->pending, r->npending);
	if (tx < r->npending)
		r->tx_full++;
	memmove(r->pending, r->pending + tx,
		(size_t)(r->npending - tx) * sizeof(r->pending[0]));
	r->npending = (uint16_t)(r->npending - tx);
}

/* ---- receive ----------------------------------------------------------- */

static void
took(struct run *r, struct mg_gen_stream *s, uint32_t seq, uint64_t tsc,
     int dir)
{
	uint64_t now = rte_rdtsc();

	s->received++;
	r->received++;
	if (seq < s->next_seq)
		s->reordered++;
	else
		s->next_seq = seq + 1;
	mg_gen_hist_add(&r->lat[dir], (now - tsc) * 1000000000ull / r->hz);
}

static void
receive(struct run *r, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);
	const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
	const struct rte_udp_hdr *u;
	uint8_t *rtp;
	uint32_t call, seq;
	uint64_t tsc;
	int dir, d, len;
	long i;

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*ip) + sizeof(*u) +
	    RTP_HDR || eh->ether_type != htons(RTE_ETHER_TYPE_IPV4) ||
	    ip->next_proto_id != IPPROTO_UDP || ip->version_ihl != 0x45) {
		r->rx_other++;
		return;
	}
	u = (const void *)(ip + 1);
	i = call_at(r, ip->dst_addr, u->dst_port, &dir);
	if (i < 0) {
		r->rx_other++;
		return;
	}
	rtp = (uint8_t *)(u + 1);
	len = (int)(ntohs(u->dgram_len) - sizeof(*u));
	if (len < RTP_HDR ||
	    (uint32_t)len > rte_pktmbuf_data_len(m) - (uint32_t)(rtp -
					rte_pktmbuf_mtod(m, uint8_t *)) ||
	    (dir == MG_GEN_DOWN &&
	     srtp_unprotect(r->c[i].rx, rtp, &len) != srtp_err_status_ok) ||
	    mg_gen_payload_check(rtp + RTP_HDR, (uint32_t)(len - RTP_HDR),
				 &call, &d, &seq, &tsc) != 0 ||
	    call != (uint32_t)i || d != dir) {
		r->c[i].s[dir].bad++;
		return;
	}
	took(r, &r->c[i].s[dir], seq, tsc, dir);
}

static void
receive_burst(struct run *r)
{
	struct rte_mbuf *m[BURST];
	uint16_t n = rte_eth_rx_burst(r->port, 0, m, BURST);

	for (uint16_t k = 0; k < n; k++) {
		receive(r, m[k]);
		rte_pktmbuf_free(m[k]);
	}
}

/* ---- the run and its report ---------------------------------------------- */

static void
traffic(struct run *r)
{
	uint64_t drain = r->cfg.drain_ms * r->hz / 1000;
	uint64_t now;

	r->start = rte_rdtsc();
	r->stop_tx = r->start + (uint64_t)r->cfg.seconds * r->hz;
	for (now = r->start; !stop && now < r->stop_tx + drain;
	     now = rte_rdtsc()) {
		receive_burst(r);
		if (now < r->stop_tx)
			send_due(r, now);
		else if (stop)
			break;
	}
	if (stop && now < r->stop_tx) /* Ctrl-C: what was sent may still come */
		for (uint64_t end = rte_rdtsc() + drain; rte_rdtsc() < end;)
			receive_burst(r);
	r->stop_tx = now < r->stop_tx ? now : r->stop_tx;
	for (uint16_t k = 0; k < r->npending; k++)
		rte_pktmbuf_free(r->pending[k]);
}

struct totals {
	uint64_t sent, received, reordered, bad;
};

static struct totals
sum_dir(const struct run *r, int dir)
{
	struct totals t = { 0 };

	for (uint32_t i = 0; i < r->cfg.calls; i++) {
		const struct mg_gen_stream *s = &r->c[i].s[dir];

		t.sent += s->sent;
		t.received += s->received;
		t.reordered += s->reordered;
		t.bad += s->bad;
	}
	return t;
}

static void
report(const struct run *r, uint32_t up, double secs)
{
	static const char *const name[2] = { "srtp-to-rtp", "rtp-to-srtp" };

	if (!r->cfg.json)
		printf("%-12s %6s %10s %10s %8s %8s %6s %9s %9s %9s %9s\n",
		       "direction", "calls", "sent", "received", "lost",
		       "reorder", "bad", "kpps", "p50 us", "p99 us",
		       "p99.9 us");
	for (int d = 0; d < 2; d++) {
		struct totals t = sum_dir(r, d);
		const struct mg_gen_hist *h = &r->lat[d];
		double p50 = (double)mg_gen_hist_at(h, 0.5) / 1000.0;
		double p99 = (double)mg_gen_hist_at(h, 0.99) / 1000.0;
		double p999 = (double)mg_gen_hist_at(h, 0.999) / 1000.0;
		/* What never came back; a corrupted one came back (bad). */
		uint64_t lost = t.sent > t.received + t.bad ?
				t.sent - t.received - t.bad : 0;

		if (r->cfg.json)
			printf("{\"bench\":\"mg_gen\",\"engine\":\"mediagate\","
			       "\"op\":\"%s\",\"suite\":\"AES_CM_128_HMAC_SHA1_80\","
			       "\"calls\":%u,\"pps_per_stream\":%u,\"flat_out\":%s,"
			       "\"seconds\":%.3f,\"sent\":%llu,\"received\":%llu,"
			       "\"lost\":%llu,\"reordered\":%llu,\"bad\":%llu,"
			       "\"kpps\":%.3f,\"lat_p50_us\":%.1f,"
			       "\"lat_p99_us\":%.1f,\"lat_p999_us\":%.1f,"
			       "\"lat_max_us\":%.1f}\n", name[d], up,
			       r->cfg.pps, r->cfg.flat ? "true" : "false", secs,
			       (unsigned long long)t.sent,
			       (unsigned long long)t.received,
			       (unsigned long long)lost,
			       (unsigned long long)t.reordered,
			       (unsigned long long)t.bad,
			       (double)t.received / secs / 1e3, p50, p99, p999,
			       (double)h->max / 1000.0);
		else
			printf("%-12s %6u %10llu %10llu %8llu %8llu %6llu %9.1f "
			       "%9.1f %9.1f %9.1f\n", name[d], up,
			       (unsigned long long)t.sent,
			       (unsigned long long)t.received,
			       (unsigned long long)lost,
			       (unsigned long long)t.reordered,
			       (unsigned long long)t.bad,
			       (double)t.received / secs / 1e3, p50, p99, p999);
	}
}

/* ---- arguments ----------------------------------------------------------- */

static int
num(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct cfg *c)
{
	static const struct option opts[] = {
		{ "ng", required_argument, NULL, 'n' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "calls", required_argument, NULL, 'c' },
		{ "pps", required_argument, NULL, 'p' },
		{ "flat-out", no_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "drain-ms", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int o, bad = 0;

	*c = (struct cfg){ .calls = 100, .pps = 50, .seconds = 10,
			   .window = 64, .drain_ms = 500 };
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': c->ng = optarg; break;
		case 'm': bad |= rte_ether_unformat_addr(optarg, &c->dst_mac);
			  c->have_mac = true; break;
		case 'c': bad |= num(optarg, 1, 4000000, &c->calls); break;
		case 'p': bad |= num(optarg, 1, 100000, &c->pps); break;
		case 'f': c->flat = true; break;
		case 's': bad |= num(optarg, 1, 86400, &c->seconds); break;
		case 'w': bad |= num(optarg, 1, 65536, &c->window); break;
		case 'd': bad |= num(optarg, 0, 60000, &c->drain_ms); break;
		case 'j': c->json = true; break;
		case 'k': c->keep = true; break;
		default: bad = 1;
		}
	}
	if (bad || c->ng == NULL || !c->have_mac || optind != argc) {
		fprintf(stderr, "usage: mg_gen <EAL args> -- --ng HOST:PORT "
			"--dst-mac MAC [--calls N] [--pps N | --flat-out] "
			"[--seconds S] [--window N] [--drain-ms N] [--json] "
			"[--keep]\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct run r;
	struct mg_gen_ng ng = { 0 };
	long up;
	int n = rte_eal_init(argc, argv), rc = 1;

	if (n < 0)
		return fprintf(stderr, "mg_gen: EAL init failed\n"), 2;
	if (parse_args(argc - n, argv + n, &r.cfg) != 0)
		return rte_eal_cleanup(), 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r.hz = rte_get_tsc_hz();
	if (srtp_init() != srtp_err_status_ok || port_up(&r) != 0 ||
	    calls_make(&r) != 0 ||
	    mg_gen_ng_open(&ng, r.cfg.ng, r.cfg.window) != 0) {
		fprintf(stderr, "mg_gen: cannot start (port, libsrtp2, ng)\n");
		goto out;
	}
	up = mg_gen_ng_setup(&ng, r.c, r.cfg.calls, &stop);
	fprintf(stderr, "mg_gen: %ld of %u calls up (%llu ng retries, %llu "
		"refused)\n", up, r.cfg.calls, (unsigned long long)ng.retries,
		(unsigned long long)ng.errors);
	if (up > 0 && !stop && calls_keyed(&r) == 0) {
		traffic(&r);
		report(&r, (uint32_t)up, (double)(r.stop_tx - r.start) /
		       (double)r.hz);
		rc = 0;
	}
	if (!r.cfg.keep) {
		stop = false;
		mg_gen_ng_delete(&ng, r.c, r.cfg.calls, &stop);
	}
out:
	calls_free(&r);
	if (r.pool != NULL) {
		rte_eth_dev_stop(r.port);
		rte_eth_dev_close(r.port);
	}
	rte_eal_cleanup();
	return rc;
}
