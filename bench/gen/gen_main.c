/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mg_gen: N concurrent calls through a running mediagate, as an SBC sees
 * them, from one DPDK port (memif to the dataplane, af_packet, a NIC).
 *
 *   mg_gen <EAL args> -- --ng HOST:PORT --dst-mac MAC [--calls N]
 *          [--pps N | --flat-out] [--seconds S] [--window N] [--json]
 *          [--keep] [--drain-ms N] [--churn N [--churn-hold S]]
 *          [--trunk-srtp] [--rtcp-every N] [--rekey N] [--phone-esp]
 *
 * Each call: the generator's phone (10.100.x.y, SRTP with its own fresh
 * key, made by libsrtp2) and trunk (10.200.x.y, plain RTP), set up
 * through the ng protocol; then both directions at `pps` packets a second
 * each (G.711: 160-byte payloads), or flat out (as fast as the path
 * returns them, at most INFLIGHT_MAX on the way).
 * Everything that comes back is checked: the trunk's packets must be the
 * phone's plain, the phone's must open with the key mediagate gave it
 * (libsrtp2) and be the trunk's; each payload names its call, direction
 * and sequence number, and the send time of each is kept, so loss,
 * reordering and one-way latency are measured per direction. libsrtp2
 * stays off the timed path (gen_srtp.c): the phone's SRTP is made before
 * the run, and what reaches the phone is recorded and opened after it.
 * A stream sends at most --packets (default: what the pace needs, or
 * 2,000,000 / calls flat out). Ctrl-C stops early and keeps what was
 * measured. The calls are deleted at the end (--keep: not).
 * --churn N sets up N more calls a second while the traffic runs, each
 * deleted --churn-hold seconds later (gen_churn.c): the calls carrying
 * media must lose nothing meanwhile. --trunk-srtp makes the trunk speak
 * SRTP too, with its own key (SRTP to SRTP, other keys on each leg): its
 * packets are made and what reaches it is opened by libsrtp2 as the
 * phone's are. Each stream sends a sender report after every --rtcp-every
 * of its RTP packets (default 250: every 5 s at 50 pps; 0: none), SRTCP
 * from an SRTP end, muxed on the RTP port: each must come out as the
 * other end speaks it, opened and checked like the media. --rekey N
 * sends N re-INVITEs a second over the calls carrying media, each phone
 * offering a new SDES key and sending under it once the answer is back
 * (gen_rekey.c): the media must lose nothing across them. --phone-esp
 * makes the phone a device that offers ESP in SDP instead of SDES
 * (ESP_AES_GCM_16_128 in UDP on the media port, docs/esp-in-sdp.md): its
 * packets are made, and what reaches it opened, with OpenSSL (gen_esp.c).
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
 * what the path sustains with nothing dropped for want of a receiver.
 * Under the rx ring's 1024 slots (memif's default), so the dataplane
 * never finds the generator's ring full. */
#define INFLIGHT_MAX 768u

struct cfg {
	const char *ng;
	const char *engine;      /* the JSON's "engine": what is measured */
	struct rte_ether_addr dst_mac;
	uint32_t calls, pps, seconds, window, drain_ms, packets;
	uint32_t total_pps;      /* instead of pps: spread over every stream */
	uint32_t hostile_pct;    /* hostile packets per 100 of the phone's */
	uint32_t churn, churn_hold; /* calls a second set up and torn down */
	uint32_t rtcp_every;     /* RTP packets a stream sends per report */
	uint32_t rekey;          /* re-INVITEs with new keys a second */
	bool flat, json, keep, have_mac, trunk_srtp, phone_esp;
};

struct run {
	struct cfg cfg;
	struct mg_gen_call *c;
	uint16_t port;
	struct rte_ether_addr mac;
	struct rte_mempool *pool;
	struct rte_mbuf *pending[BURST];
	uint16_t npending;
	uint64_t hz, start, stop_tx, last_tx;
	uint64_t sent, arrived, tx_full, rx_other;
	uint64_t pause_max;  /* the loop's longest turn: were we the stall? */
	uint32_t rr;             /* next stream, round robin */
	struct mg_gen_pre pre;
	struct mg_gen_log log[2]; /* what reached each SRTP end, by stream
				   * (DOWN: the phone's), to open after */
	struct mg_gen_hist lat[2];
	uint32_t *per_s[2];      /* arrivals per second of the run, per dir */
	double setup_s;          /* the calls' offers and answers through ng */
	uint32_t hostile_tick, hostile_next;
	uint64_t hostile[MG_GEN_H_KINDS]; /* sent, by kind */
	uint32_t nsec;
	struct mg_gen_churn churn;
	struct mg_gen_rekey rekey;
};

static volatile bool stop;

/* Packets a second of one stream: --pps, or --total-pps shared by all
 * (a million calls held, each sending now and then). */
static double
stream_pps(const struct cfg *c)
{
	return c->total_pps ? (double)c->total_pps / (2.0 * c->calls) :
			      (double)c->pps;
}

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
		c->spi_phone = 0x1000u + i; /* the SPI it receives on */
		if (getrandom(c->key_phone, MG_GEN_KEY_LEN, 0) != MG_GEN_KEY_LEN ||
		    getrandom(c->key_trunk, MG_GEN_KEY_LEN, 0) != MG_GEN_KEY_LEN ||
		    getrandom(c->key_phone2, MG_GEN_KEY_LEN, 0) != MG_GEN_KEY_LEN)
			return -1;
	}
	return 0;
}

/* The phone's packets made, the table of send times and the log of
 * arrivals sized, once the calls are up. */
static int
prepare(struct run *r)
{
	uint32_t k = r->cfg.packets, nr;

	if (k == 0)
		k = r->cfg.flat ? 2000000u / r->cfg.calls + 1 :
		    (uint32_t)(stream_pps(&r->cfg) * (r->cfg.seconds + 1)) + 1;
	nr = r->cfg.rtcp_every ? k / r->cfg.rtcp_every : 0;
	r->nsec = r->cfg.seconds + 2;
	r->per_s[0] = calloc(r->nsec, sizeof(uint32_t));
	r->per_s[1] = calloc(r->nsec, sizeof(uint32_t));
	fprintf(stderr, "mg_gen: the phone's %s, %u x %u packets, made with "
		"%s\n", r->cfg.phone_esp ? "ESP" : "SRTP", r->cfg.calls, k,
		r->cfg.phone_esp ? "OpenSSL" : "libsrtp2");
	r->pre.esp = r->cfg.phone_esp;
	r->pre.rtcp_every = r->cfg.rtcp_every;
	if (r->per_s[0] == NULL || r->per_s[1] == NULL ||
	    mg_gen_pre_build(&r->pre, r->c, r->cfg.calls, k, nr,
			     r->cfg.trunk_srtp, r->cfg.rekey != 0, &stop) != 0 ||
	    mg_gen_log_init(&r->log[MG_GEN_DOWN],
			    (size_t)r->cfg.calls * (k + nr)) != 0 ||
	    (r->cfg.trunk_srtp &&
	     mg_gen_log_init(&r->log[MG_GEN_UP],
			     (size_t)r->cfg.calls * (k + nr)) != 0))
		return fprintf(stderr, "mg_gen: %s\n", stop ? "stopped" :
			       "no memory or libsrtp2 failed (--packets)"), -1;
	return 0;
}

static void
calls_free(struct run *r)
{
	mg_gen_pre_free(&r->pre);
	mg_gen_log_free(&r->log[0]);
	mg_gen_log_free(&r->log[1]);
	free(r->per_s[0]);
	free(r->per_s[1]);
	if (r->c)
		explicit_bzero(r->c, r->cfg.calls * sizeof(*r->c));
	free(r->c);
}

/* ---- the port ---------------------------------------------------------- */

/* A memif client's start connects to the server, which may still be
 * taking down the last client's connection (runs back to back): a few
 * more tries, 5 s in all. */
static int
start_port(uint16_t port)
{
	for (int i = 0; i < 50 && !stop; i++) {
		if (rte_eth_dev_start(port) == 0)
			return 0;
		rte_delay_us_sleep(100000);
	}
	return -1;
}

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
	    start_port(r->port) != 0)
		return fprintf(stderr, "mg_gen: port 0 would not start\n"), -1;
	rte_eth_macaddr_get(r->port, &r->mac);
	rte_eth_promiscuous_enable(r->port);
	return 0;
}

/* As the memif server the port is up once the dataplane connects, and
 * the dataplane attaches to the control plane after that: wait for both
 * (30 s) before the first offer, which would be refused before. */
static int
wait_peer(struct run *r, struct mg_gen_ng *ng)
{
	uint64_t end = rte_get_timer_cycles() + 30 * rte_get_timer_hz();
	struct rte_eth_link link = { 0 };

	while (!stop && rte_get_timer_cycles() < end &&
	       (rte_eth_link_get_nowait(r->port, &link) != 0 ||
		link.link_status != RTE_ETH_LINK_UP))
		rte_delay_us_sleep(10000);
	if (link.link_status != RTE_ETH_LINK_UP)
		return fprintf(stderr, "mg_gen: port 0 link still down\n"), -1;
	if (mg_gen_ng_wait_dp(ng, 30, &stop) != 0)
		return fprintf(stderr, "mg_gen: the control plane has no "
			       "dataplane attached\n"), -1;
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

/* An mbuf with len bytes of UDP payload from stream (i, dir)'s end (the
 * phone for UP, the trunk for DOWN) to the dataplane's port for it; the
 * payload's address in *out. NULL: no mbuf. */
static struct rte_mbuf *
stream_mbuf(struct run *r, uint32_t i, int dir, uint16_t len, uint8_t **out)
{
	const size_t l2l4 = sizeof(struct rte_ether_hdr) +
			    sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);
	const struct mg_gen_call *c = &r->c[i];
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->pool);

	if (m == NULL)
		return NULL;
	*out = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2l4 + len)) + l2l4;
	if (dir == MG_GEN_UP)
		headers(m, r, c->phone_ip, c->phone_port, c->sbc_ip,
			c->sbc_phone_port, len);
	else
		headers(m, r, c->trunk_ip, c->trunk_port, c->sbc_ip,
			c->sbc_trunk_port, len);
	return m;
}

/* Stream (call, dir)'s next packet: the phone's made before the run, the
 * trunk's now; its send time noted. NULL when the stream has sent all it
 * can, or no mbuf. */
static struct rte_mbuf *
make_packet(struct run *r, uint32_t i, int dir)
{
	struct mg_gen_stream *s = &r->c[i].s[dir];
	bool srtp = dir == MG_GEN_UP || r->pre.down != NULL;
	uint32_t seq = s->sent;
	struct rte_mbuf *m;
	uint8_t *rtp;

	uint16_t len = dir == MG_GEN_UP ? r->pre.up_stride : MG_GEN_SRTP_LEN;

	if (seq >= r->pre.per_call ||
	    (m = stream_mbuf(r, i, dir, srtp ? len : MG_GEN_RTP_LEN,
			     &rtp)) == NULL)
		return NULL;
	if (srtp)
		memcpy(rtp, dir == MG_GEN_UP ?
		       mg_gen_pre_up_now(&r->pre, &r->c[i], i, seq) :
		       mg_gen_pre_down(&r->pre, i, seq), len);
	else
		mg_gen_rtp(rtp, i, dir, seq, 0);
	*mg_gen_pre_slot(&r->pre, i, dir, seq) = rte_rdtsc();
	s->sent++;
	r->sent++;
	return m;
}

/* After the phone of call i sent one: a hostile packet toward the same
 * port, one of each kind in turn (gen_hostile.c). NULL: none now. */
static struct rte_mbuf *
make_hostile(struct run *r, uint32_t i)
{
	const size_t l2l4 = sizeof(struct rte_ether_hdr) +
			    sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);
	const struct mg_gen_call *c = &r->c[i];
	uint32_t seq = c->s[MG_GEN_UP].sent; /* the next one; seq - 1 went */
	int kind = (int)(r->hostile_next % MG_GEN_H_KINDS);
	struct rte_mbuf *m;
	uint8_t *out;
	size_t len;

	r->hostile_tick += r->cfg.hostile_pct;
	if (r->hostile_tick < 100 || seq == 0)
		return NULL;
	if (seq >= r->pre.per_call && kind != MG_GEN_H_REPLAY)
		return NULL; /* nothing left to break: the stream is done */
	if ((m = rte_pktmbuf_alloc(r->pool)) == NULL)
		return NULL;
	r->hostile_tick -= 100;
	r->hostile_next++;
	out = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2l4 +
					    MG_GEN_SRTP_LEN)) + l2l4;
	len = mg_gen_hostile(out, kind, mg_gen_pre_up_now(&r->pre, c, i, seq - 1),
			     seq < r->pre.per_call ?
			     mg_gen_pre_up_now(&r->pre, c, i, seq) : out,
			     (uint32_t)r->hostile_next);
	rte_pktmbuf_trim(m, (uint16_t)(MG_GEN_SRTP_LEN - len));
	headers(m, r, c->phone_ip, c->phone_port, c->sbc_ip, c->sbc_phone_port,
		(uint16_t)len);
	r->hostile[kind]++;
	return m;
}

/* After stream (i, dir) sent one: its sender report, if one is due (every
 * rtcp_every of its packets): SRTCP made before the run from an SRTP
 * end, plain made now from the trunk. NULL: none now. */
static struct rte_mbuf *
make_rtcp(struct run *r, uint32_t i, int dir)
{
	struct mg_gen_stream *s = &r->c[i].s[dir];
	uint32_t every = r->cfg.rtcp_every, n;
	uint16_t len;
	const uint8_t *pre;
	struct rte_mbuf *m;
	uint8_t *out;

	if (every == 0 || s->sent % every != 0 ||
	    (n = s->sent / every - 1) >= r->pre.rtcp_per_call)
		return NULL;
	pre = r->pre.rtcp[dir] ? mg_gen_pre_rtcp(&r->pre, dir, i, n) : NULL;
	if (pre && dir == MG_GEN_UP && r->c[i].key_ver) /* its other key */
		pre = r->pre.rtcp2 + (pre - r->pre.rtcp[MG_GEN_UP]);
	len = dir == MG_GEN_UP && r->pre.esp ? MG_GEN_ESP_RTCP_LEN :
	      MG_GEN_SRTCP_LEN;
	m = stream_mbuf(r, i, dir, pre ? len : MG_GEN_RTCP_LEN, &out);
	if (m == NULL)
		return NULL;
	if (pre)
		memcpy(out, pre, len);
	else
		mg_gen_rtcp(out, i, dir, n);
	s->rtcp_sent++;
	return m;
}

/* Packets due by now (at the pace, or a burst flat out), round robin over
 * the streams of the calls that are up, after whatever the port did not
 * take last time. */
static void
send_due(struct run *r, uint64_t now)
{
	uint64_t due = r->cfg.flat ? r->arrived + INFLIGHT_MAX :
		(uint64_t)((double)(now - r->start) * 2.0 * r->cfg.calls *
			   stream_pps(&r->cfg) / (double)r->hz);
	uint32_t streams = 2 * r->cfg.calls;
	uint16_t tx;

	/* A call that failed to set up, or a stream that sent all it had,
	 * is passed over; a whole round of those ends the burst. */
	/* Room for a packet and what may follow it: its stream's report,
	 * a hostile one. */
	for (uint32_t idle = 0; r->npending + 3 <= BURST && r->sent < due &&
	     now < r->stop_tx && idle < streams;) {
		uint32_t i = r->rr / 2;
		int dir = (int)(r->rr % 2);
		struct rte_mbuf *m = NULL, *x;

		r->rr = r->rr + 1 == streams ? 0 : r->rr + 1;
		if (r->c[i].state == MG_GEN_READY)
			m = make_packet(r, i, dir);
		idle = m == NULL ? idle + 1 : 0;
		if (m == NULL)
			continue;
		r->pending[r->npending++] = m;
		if ((x = make_rtcp(r, i, dir)) != NULL)
			r->pending[r->npending++] = x;
		if (dir == MG_GEN_UP && r->cfg.hostile_pct &&
		    (x = make_hostile(r, i)) != NULL)
			r->pending[r->npending++] = x;
	}
	if (r->npending == 0)
		return;
	tx = rte_eth_tx_burst(r->port, 0, r->pending, r->npending);
	if (tx)
		r->last_tx = now;
	if (tx < r->npending)
		r->tx_full++;
	memmove(r->pending, r->pending + tx,
		(size_t)(r->npending - tx) * sizeof(r->pending[0]));
	r->npending = (uint16_t)(r->npending - tx);
}

/* ---- receive ----------------------------------------------------------- */

/* A packet of stream (call, dir) that came back right. */
static void
took(void *arg, uint32_t call, int dir, uint32_t seq, uint64_t sent,
     uint64_t got)
{
	struct run *r = arg;
	struct mg_gen_stream *s = &r->c[call].s[dir];
	uint64_t second = (got - r->start) / r->hz;

	s->received++;
	if (second < r->nsec)
		r->per_s[dir][second]++;
	if (seq < s->next_seq)
		s->reordered++;
	else
		s->next_seq = seq + 1;
	mg_gen_hist_add(&r->lat[dir], (got - sent) * 1000000000ull / r->hz);
}

/* Plain arrivals (the trunk's, unless it speaks SRTP) are checked now;
 * SRTP ones are logged, opened after the run. */
static void
receive(struct run *r, struct rte_mbuf *m, uint64_t now)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);
	const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
	const struct rte_udp_hdr *u;
	const uint8_t *rtp;
	uint32_t call, seq, len;
	uint64_t zero;
	int dir, d;
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
	rtp = (const uint8_t *)(u + 1);
	len = (uint32_t)ntohs(u->dgram_len) - (uint32_t)sizeof(*u);
	if (len < RTP_HDR || len > rte_pktmbuf_data_len(m) -
	    (uint32_t)(rtp - rte_pktmbuf_mtod(m, const uint8_t *))) {
		r->arrived++;
		r->c[i].s[dir].bad++;
		return;
	}
	/* Reports are not media: not what the flat-out window counts (under
	 * ESP, told by length). */
	if (r->cfg.phone_esp && dir == MG_GEN_DOWN ? len == MG_GEN_ESP_LEN :
	    !mg_gen_is_rtcp(rtp))
		r->arrived++;
	if (dir == MG_GEN_DOWN || r->cfg.trunk_srtp) {
		mg_gen_log_add(&r->log[dir], (uint32_t)i, rtp, len, now);
		return;
	}
	if (mg_gen_is_rtcp(rtp)) {
		uint32_t n;

		if (mg_gen_rtcp_check(rtp, len, &call, &d, &n) == 0 &&
		    call == (uint32_t)i && d == dir)
			r->c[i].s[dir].rtcp_received++;
		else
			r->c[i].s[dir].rtcp_bad++;
		return;
	}
	if (mg_gen_payload_check(rtp + RTP_HDR, len - RTP_HDR, &call, &d, &seq,
				 &zero) != 0 || call != (uint32_t)i || d != dir ||
	    seq >= r->pre.per_call) {
		r->c[i].s[dir].bad++;
		return;
	}
	took(r, call, dir, seq, mg_gen_pre_sent(&r->pre, call, dir, seq), now);
}

static void
receive_burst(struct run *r)
{
	struct rte_mbuf *m[BURST];
	uint16_t n = rte_eth_rx_burst(r->port, 0, m, BURST);

	uint64_t now = n ? rte_rdtsc() : 0;

	for (uint16_t k = 0; k < n; k++) {
		receive(r, m[k], now);
		rte_pktmbuf_free(m[k]);
	}
}

/* ---- the run and its report ---------------------------------------------- */

/* Once a second on stderr (stdout may be JSON): how far the run is. */
static void
progress(const struct run *r, uint64_t now)
{
	if (now == r->start)
		return;
	fprintf(stderr, "mg_gen: %llu s left, %llu sent, %llu back\n",
		(unsigned long long)((r->stop_tx - now + r->hz / 2) / r->hz),
		(unsigned long long)r->sent, (unsigned long long)r->arrived);
}

static void
traffic(struct run *r)
{
	uint64_t drain = r->cfg.drain_ms * r->hz / 1000;
	uint64_t now, prev, tell;

	fprintf(stderr, "mg_gen: traffic for %u s\n", r->cfg.seconds);
	r->start = tell = rte_rdtsc();
	r->stop_tx = r->start + (uint64_t)r->cfg.seconds * r->hz;
	for (now = prev = r->start; !stop && now < r->stop_tx + drain;
	     prev = now, now = rte_rdtsc()) {
		if (now - prev > r->pause_max)
			r->pause_max = now - prev;
		if (now >= tell && now < r->stop_tx) {
			progress(r, now);
			tell += r->hz;
		}
		receive_burst(r);
		if (now < r->stop_tx) {
			send_due(r, now);
			if (r->cfg.churn)
				mg_gen_churn_poll(&r->churn);
			if (r->cfg.rekey)
				mg_gen_rekey_poll(&r->rekey);
		} else if (stop) {
			break;
		}
	}
	if (stop && now < r->stop_tx) /* Ctrl-C: what was sent may still come */
		for (uint64_t end = rte_rdtsc() + drain; rte_rdtsc() < end;)
			receive_burst(r);
	r->stop_tx = now < r->stop_tx ? now : r->stop_tx;
	/* Flat out, streams may have sent all they had before the end. */
	if (r->cfg.flat && r->last_tx > r->start && r->last_tx < r->stop_tx)
		r->stop_tx = r->last_tx;
	for (uint16_t k = 0; k < r->npending; k++)
		rte_pktmbuf_free(r->pending[k]);
	for (int d = 0; d < 2; d++) {
		if (r->log[d].rec == NULL)
			continue;
		if (mg_gen_log_verify(&r->log[d], r->c, r->cfg.calls, &r->pre,
				      d, took, r) != 0)
			fprintf(stderr, "mg_gen: the packets that reached the %s "
				"could not all be opened (memory, libsrtp2)\n",
				d == MG_GEN_DOWN ? "phone" : "trunk");
		if (r->log[d].dropped)
			fprintf(stderr, "mg_gen: %zu of the %s's packets past the "
				"log (counted lost)\n", r->log[d].dropped,
				d == MG_GEN_DOWN ? "phone" : "trunk");
	}
}

struct totals {
	uint64_t sent, received, reordered, bad;
	uint64_t rtcp_sent, rtcp_received, rtcp_bad;
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
		t.rtcp_sent += s->rtcp_sent;
		t.rtcp_received += s->rtcp_received;
		t.rtcp_bad += s->rtcp_bad;
	}
	return t;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of the whole seconds' arrivals, in kpps: a noisy machine
 * pauses a process now and then, and one pause moves a mean a lot. With
 * no whole second, the mean. */
static double
median_kpps(const struct run *r, int dir, double secs, double mean)
{
	uint32_t n = (uint32_t)secs, *v;
	double med;

	if (n == 0 || n > r->nsec || (v = malloc(n * sizeof(*v))) == NULL)
		return mean;
	memcpy(v, r->per_s[dir], n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_u32);
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + (double)v[n / 2]) / 2;
	free(v);
	return med / 1e3;
}

/* The hostile packets sent, by kind: JSON members, or a line. */
static void
print_hostile(const struct run *r, bool json)
{
	printf(json ? ",\"hostile_pct\":%u,\"hostile\":{" :
		      "hostile: %u per 100 of the phone's packets:",
	       r->cfg.hostile_pct);
	for (int k = 0; k < MG_GEN_H_KINDS; k++)
		printf(json ? "%s\"%s\":%llu" : "%s %s %llu",
		       k && json ? "," : "", mg_gen_hostile_name[k],
		       (unsigned long long)r->hostile[k]);
	printf(json ? "}" : "\n");
}

/* The churn: JSON members, or a line. Its rate is the setups answered
 * over the seconds of traffic. */
static void
print_churn(const struct run *r, double secs, bool json)
{
	const struct mg_gen_churn *ch = &r->churn;
	double p50 = (double)mg_gen_hist_at(&ch->setup, 0.5) / 1e6;
	double p99 = (double)mg_gen_hist_at(&ch->setup, 0.99) / 1e6;

	printf(json ? ",\"churn_per_s\":%u,\"churn_hold_s\":%u,"
		      "\"churn_started\":%llu,\"churn_up\":%llu,"
		      "\"churn_deleted\":%llu,\"churn_failed\":%llu,"
		      "\"churn_up_per_s\":%.1f,\"churn_setup_p50_ms\":%.2f,"
		      "\"churn_setup_p99_ms\":%.2f" :
		      "churn: %u calls a second asked, held %u s: %llu started, "
		      "%llu set up, %llu deleted, %llu failed; %.1f set up a "
		      "second, setup p50 %.2f ms, p99 %.2f ms\n",
	       r->cfg.churn, r->cfg.churn_hold, (unsigned long long)ch->started,
	       (unsigned long long)ch->up, (unsigned long long)ch->deleted,
	       (unsigned long long)ch->failed, (double)ch->up / secs, p50, p99);
}

/* The rekey storm: JSON members, or a line. Its rate is the rekeys
 * answered over the seconds of traffic. */
static void
print_rekey(const struct run *r, double secs, bool json)
{
	const struct mg_gen_rekey *rk = &r->rekey;
	double p50 = (double)mg_gen_hist_at(&rk->lat, 0.5) / 1e6;
	double p99 = (double)mg_gen_hist_at(&rk->lat, 0.99) / 1e6;

	printf(json ? ",\"rekey_per_s\":%u,\"rekey_started\":%llu,"
		      "\"rekey_done\":%llu,\"rekey_failed\":%llu,"
		      "\"rekey_skipped\":%llu,\"rekey_done_per_s\":%.1f,"
		      "\"rekey_p50_ms\":%.2f,\"rekey_p99_ms\":%.2f" :
		      "rekey: %u a second asked: %llu started, %llu done, "
		      "%llu failed, %llu passed over (still rekeying); %.1f done "
		      "a second, re-offer to answer p50 %.2f ms, p99 %.2f ms\n",
	       r->cfg.rekey, (unsigned long long)rk->started,
	       (unsigned long long)rk->done, (unsigned long long)rk->failed,
	       (unsigned long long)rk->skipped, (double)rk->done / secs, p50,
	       p99);
}

/* Arrivals second by second, as a JSON array, for the plots. */
static void
print_series(const struct run *r, int dir, double secs)
{
	uint32_t n = (uint32_t)secs + 1;

	printf("[");
	for (uint32_t k = 0; k < n && k < r->nsec; k++)
		printf("%s%u", k ? "," : "", r->per_s[dir][k]);
	printf("]");
}

static void
report(const struct run *r, uint32_t up, double secs)
{
	static const char *const plain_trunk[2] = { "srtp-to-rtp",
						    "rtp-to-srtp" };
	/* Both legs SRTP: up is the phone's way to the trunk. */
	static const char *const srtp_trunk[2] = { "srtp-to-srtp-up",
						   "srtp-to-srtp-down" };
	static const char *const esp_phone[2] = { "esp-to-rtp", "rtp-to-esp" };
	const char *const *name = r->cfg.trunk_srtp ? srtp_trunk :
				  r->cfg.phone_esp ? esp_phone : plain_trunk;
	const char *suite = r->cfg.phone_esp ? "ESP_AES_GCM_16_128" :
			    "AES_CM_128_HMAC_SHA1_80";

	if (!r->cfg.json)
		printf("%-12s %6s %10s %10s %8s %8s %6s %9s %9s %9s %9s "
		       "%9s\n", "direction", "calls", "sent", "received", "lost",
		       "reorder", "bad", "kpps", "kpps/s md", "p50 us",
		       "p99 us", "p99.9 us");
	for (int d = 0; d < 2; d++) {
		struct totals t = sum_dir(r, d);
		const struct mg_gen_hist *h = &r->lat[d];
		double p50 = (double)mg_gen_hist_at(h, 0.5) / 1000.0;
		double p99 = (double)mg_gen_hist_at(h, 0.99) / 1000.0;
		double p999 = (double)mg_gen_hist_at(h, 0.999) / 1000.0;
		/* What never came back; a corrupted one came back (bad). */
		uint64_t lost = t.sent > t.received + t.bad ?
				t.sent - t.received - t.bad : 0;
		double kpps = (double)t.received / secs / 1e3;
		double med = median_kpps(r, d, secs, kpps);

		if (r->cfg.json) {
			printf("{\"bench\":\"mg_gen\",\"engine\":\"%s\","
			       "\"op\":\"%s\",\"suite\":\"%s\","
			       "\"calls\":%u,\"pps_per_stream\":%.3f,\"flat_out\":%s,"
			       "\"hugepages\":%s,\"setup_s\":%.2f,"
			       "\"seconds\":%.3f,\"sent\":%llu,\"received\":%llu,"
			       "\"lost\":%llu,\"reordered\":%llu,\"bad\":%llu,"
			       "\"kpps\":%.3f,\"kpps_median_1s\":%.3f,"
			       "\"lat_p50_us\":%.1f,"
			       "\"lat_p99_us\":%.1f,\"lat_p999_us\":%.1f,"
			       "\"lat_max_us\":%.1f,\"gen_pause_max_us\":%.1f,"
			       "\"gen_tx_full\":%llu,\"extra\":%llu", r->cfg.engine,
			       name[d], suite, up,
			       stream_pps(&r->cfg), r->cfg.flat ? "true" : "false",
			       rte_eal_has_hugepages() ? "true" : "false",
			       r->setup_s, secs,
			       (unsigned long long)t.sent,
			       (unsigned long long)t.received,
			       (unsigned long long)lost,
			       (unsigned long long)t.reordered,
			       (unsigned long long)t.bad, kpps, med, p50, p99,
			       p999, (double)h->max / 1000.0,
			       (double)r->pause_max * 1e6 / (double)r->hz,
			       (unsigned long long)r->tx_full,
			       /* more back than sent: a duplicate got out */
			       (unsigned long long)(t.received > t.sent ?
						    t.received - t.sent : 0));
			printf(",\"rtcp_every\":%u,\"rtcp_sent\":%llu,"
			       "\"rtcp_received\":%llu,\"rtcp_bad\":%llu,"
			       "\"per_second\":",
			       r->cfg.rtcp_every,
			       (unsigned long long)t.rtcp_sent,
			       (unsigned long long)t.rtcp_received,
			       (unsigned long long)t.rtcp_bad);
			print_series(r, d, secs);
			if (r->cfg.hostile_pct)
				print_hostile(r, true);
			if (r->cfg.churn)
				print_churn(r, secs, true);
			if (r->cfg.rekey)
				print_rekey(r, secs, true);
			printf("}\n");
		} else
			printf("%-12s %6u %10llu %10llu %8llu %8llu %6llu %9.1f "
			       "%9.1f %9.1f %9.1f %9.1f\n", name[d], up,
			       (unsigned long long)t.sent,
			       (unsigned long long)t.received,
			       (unsigned long long)lost,
			       (unsigned long long)t.reordered,
			       (unsigned long long)t.bad, kpps, med, p50, p99,
			       p999);
	}
	if (!r->cfg.json && r->cfg.hostile_pct)
		print_hostile(r, false);
	if (!r->cfg.json && r->cfg.churn)
		print_churn(r, secs, false);
	if (!r->cfg.json && r->cfg.rekey)
		print_rekey(r, secs, false);
	if (!r->cfg.json)
		printf("generator: longest turn of its loop %.1f us, port full "
		       "%llu times\n", (double)r->pause_max * 1e6 / (double)r->hz,
		       (unsigned long long)r->tx_full);
}

/* The rekey storm's socket, if asked: on the setup's call-ids. */
static int
rekeys_open(struct run *r, const struct mg_gen_ng *ng)
{
	if (r->cfg.rekey == 0 ||
	    mg_gen_rekey_open(&r->rekey, r->cfg.ng, ng->tag, r->c,
			      r->cfg.calls, r->cfg.rekey) == 0)
		return 0;
	fprintf(stderr, "mg_gen: cannot start the rekeys (ng)\n");
	return -1;
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
		{ "packets", required_argument, NULL, 'P' },
		{ "engine", required_argument, NULL, 'e' },
		{ "total-pps", required_argument, NULL, 't' },
		{ "hostile", required_argument, NULL, 'H' },
		{ "churn", required_argument, NULL, 'C' },
		{ "churn-hold", required_argument, NULL, 'h' },
		{ "trunk-srtp", no_argument, NULL, 'S' },
		{ "rtcp-every", required_argument, NULL, 'R' },
		{ "rekey", required_argument, NULL, 'K' },
		{ "phone-esp", no_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	int o, bad = 0;

	*c = (struct cfg){ .calls = 100, .pps = 50, .seconds = 10,
			   .window = 64, .drain_ms = 500, .engine = "mediagate",
			   .churn_hold = 2, .rtcp_every = 250 };
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': c->ng = optarg; break;
		case 'm': bad |= rte_ether_unformat_addr(optarg, &c->dst_mac);
			  c->have_mac = true; break;
		case 'c': bad |= num(optarg, 1, 4000000, &c->calls); break;
		case 'p': bad |= num(optarg, 1, 100000, &c->pps); break;
		case 't': bad |= num(optarg, 1, 100000000, &c->total_pps);
			  break;
		case 'f': c->flat = true; break;
		case 's': bad |= num(optarg, 1, 86400, &c->seconds); break;
		case 'w': bad |= num(optarg, 1, 65536, &c->window); break;
		case 'd': bad |= num(optarg, 0, 60000, &c->drain_ms); break;
		case 'j': c->json = true; break;
		case 'e': c->engine = optarg; break;
		case 'H': bad |= num(optarg, 0, 100, &c->hostile_pct); break;
		case 'C': bad |= num(optarg, 0, 100000, &c->churn); break;
		case 'h': bad |= num(optarg, 1, 3600, &c->churn_hold); break;
		case 'k': c->keep = true; break;
		case 'S': c->trunk_srtp = true; break;
		case 'R': bad |= num(optarg, 0, 1000000, &c->rtcp_every); break;
		case 'K': bad |= num(optarg, 0, 100000, &c->rekey); break;
		case 'E': c->phone_esp = true; break;
		case 'P': bad |= num(optarg, 1, 100000000, &c->packets); break;
		default: bad = 1;
		}
	}
	/* It goes into the JSON as it is. */
	if (strspn(c->engine, "abcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    strlen(c->engine) || c->engine[0] == '\0')
		bad = 1;
	/* The trunk's leg keeps its keys: a rekey is the phone's, by SDES. */
	if (c->rekey && (c->trunk_srtp || c->phone_esp)) {
		fprintf(stderr, "mg_gen: --rekey is the SDES phone's re-INVITE; "
			"not with --trunk-srtp or --phone-esp\n");
		bad = 1;
	}
	if (c->phone_esp && (c->trunk_srtp || c->hostile_pct)) {
		fprintf(stderr, "mg_gen: --phone-esp: not with --trunk-srtp or "
			"--hostile\n");
		bad = 1;
	}
	if (bad || c->ng == NULL || !c->have_mac || optind != argc) {
		fprintf(stderr, "usage: mg_gen <EAL args> -- --ng HOST:PORT "
			"--dst-mac MAC [--calls N] [--pps N | --total-pps N | "
			"--flat-out] "
			"[--seconds S] [--window N] [--drain-ms N] [--json] "
			"[--keep] [--packets N] [--engine NAME] [--hostile PCT] "
			"[--churn N] [--churn-hold S] [--trunk-srtp] "
			"[--rtcp-every N] [--rekey N] [--phone-esp]\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct run r;
	struct mg_gen_ng ng = { 0 };
	uint64_t t0;
	long up;
	int n = rte_eal_init(argc, argv), rc = 1;

	if (n < 0)
		return fprintf(stderr, "mg_gen: EAL init failed\n"), 2;
	if (parse_args(argc - n, argv + n, &r.cfg) != 0)
		return rte_eal_cleanup(), 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r.hz = rte_get_tsc_hz();
	if (mg_gen_srtp_init() != 0 || port_up(&r) != 0 ||
	    calls_make(&r) != 0 ||
	    mg_gen_ng_open(&ng, r.cfg.ng, r.cfg.window) != 0) {
		fprintf(stderr, "mg_gen: cannot start (port, libsrtp2, ng)\n");
		goto out;
	}
	if (wait_peer(&r, &ng) != 0)
		goto out;
	ng.trunk_srtp = r.cfg.trunk_srtp;
	ng.phone_esp = r.cfg.phone_esp;
	t0 = rte_rdtsc();
	up = mg_gen_ng_setup(&ng, r.c, r.cfg.calls, &stop);
	r.setup_s = (double)(rte_rdtsc() - t0) / (double)r.hz;
	fprintf(stderr, "mg_gen: %ld of %u calls up in %.1f s, %.0f a second "
		"(%llu ng retries, %llu refused)\n", up, r.cfg.calls, r.setup_s,
		(double)up / r.setup_s, (unsigned long long)ng.retries,
		(unsigned long long)ng.errors);
	if (ng.errors)
		fprintf(stderr, "mg_gen: the first refusal: %s\n",
			ng.first_error);
	if (up > 0 && !stop && r.cfg.churn &&
	    mg_gen_churn_open(&r.churn, r.cfg.ng, r.cfg.churn,
			      r.cfg.churn_hold) != 0) {
		fprintf(stderr, "mg_gen: cannot start the churn (ng, memory)\n");
		up = 0;
	}
	if (up > 0 && !stop && prepare(&r) == 0 && rekeys_open(&r, &ng) == 0) {
		traffic(&r);
		mg_gen_churn_close(&r.churn, &stop);
		mg_gen_rekey_close(&r.rekey, &stop);
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
	mg_gen_srtp_fini();
	if (r.pool != NULL) {
		rte_eth_dev_stop(r.port);
		rte_eth_dev_close(r.port);
	}
	rte_eal_cleanup();
	return rc;
}
