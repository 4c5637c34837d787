/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media mode: the lcores run the pipeline (pipeline/) instead of port-pair
 * forwarding, and the control ring feeds the flow table. Each pipeline
 * lcore has its own tx queue on every port and its own IPsec-MB manager,
 * and reports a quiescent state after every round of bursts.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp.h"
#include "media.h"
#include "port.h"
#include "srtp/srtp_arena.h"
#include "telemetry.h"

/* Relaxed stores: the telemetry thread and the main lcore read these. */
static inline void
poll_time(struct mg_pipe_lcore *pl, uint64_t ticks, bool busy)
{
	__atomic_store_n(&pl->st.poll_cycles, pl->st.poll_cycles + ticks,
			 __ATOMIC_RELAXED);
	if (busy) {
		__atomic_store_n(&pl->st.busy_cycles,
				 pl->st.busy_cycles + ticks, __ATOMIC_RELAXED);
		__atomic_store_n(&pl->st.busy_polls, pl->st.busy_polls + 1,
				 __ATOMIC_RELAXED);
	}
}

void
mg_media_poll(struct mg_lcore *lc)
{
	struct mg_pipe_lcore *pl = lc->pipe;
	uint64_t t0 = rte_rdtsc(), rx0 = pl->st.rx_pkts + pl->st.from_peers;

	if (!lc->hold_rx || __atomic_load_n(&pl->t->started, __ATOMIC_ACQUIRE))
		for (uint16_t i = 0; i < lc->nb_streams; i++) {
			struct mg_fwd_stream *s = lc->streams[i];
			uint64_t bytes = pl->st.rx_bytes;
			uint16_t sent, n = mg_pipe_burst(pl, s->rx_port,
							 s->rx_queue,
							 s->tap_port, s->spread,
							 &sent);

			if (s->tap_port != UINT16_MAX)
				mg_pipe_from_kernel(pl, s->tap_port, s->rx_port);
			/* A stream's tx: what of its rx went out, anywhere. */
			__atomic_store_n(&s->st.rx_pkts, s->st.rx_pkts + n,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&s->st.rx_bytes, s->st.rx_bytes +
					 (pl->st.rx_bytes - bytes), __ATOMIC_RELAXED);
			__atomic_store_n(&s->st.tx_pkts, s->st.tx_pkts + sent,
					 __ATOMIC_RELAXED);
		}
	if (pl->inbox != NULL) {
		uint16_t sent;

		mg_pipe_inbox(pl, &sent);
	}
	rte_rcu_qsbr_quiescent(pl->t->rcu, lc->lcore_id);
	poll_time(pl, rte_rdtsc() - t0,
		  pl->st.rx_pkts + pl->st.from_peers != rx0);
}

void
mg_media_lcore_online(struct mg_lcore *lc)
{
	rte_rcu_qsbr_thread_online(lc->pipe->t->rcu, lc->lcore_id);
}

void
mg_media_lcore_offline(struct mg_lcore *lc)
{
	rte_rcu_qsbr_thread_offline(lc->pipe->t->rcu, lc->lcore_id);
}

int
mg_media_probe_taps(const char *prefix, uint16_t nb_ports, uint16_t *tap_of,
		    char *err, size_t errlen)
{
	for (uint16_t p = 0; p < nb_ports; p++) {
		struct rte_ether_addr mac;
		char args[128], name[32];
		uint16_t id;

		snprintf(name, sizeof(name), "net_tap_mg%u", p);
		if (rte_eth_macaddr_get(p, &mac) != 0)
			memset(&mac, 0, sizeof(mac));
		/* The TAP answers ARP for the port's addresses: same MAC. */
		snprintf(args, sizeof(args), "%s,iface=%s%u,mac="
			 RTE_ETHER_ADDR_PRT_FMT, name, prefix, p,
			 RTE_ETHER_ADDR_BYTES(&mac));
		if (rte_dev_probe(args) != 0 ||
		    rte_eth_dev_get_port_by_name(name, &id) != 0) {
			snprintf(err, errlen, "cannot make TAP %s%u for port %u "
				 "(root? /dev/net/tun?)", prefix, p, p);
			return -ENODEV;
		}
		tap_of[p] = id;
	}
	return 0;
}

/* An inbox ring per pipeline lcore, for the distribution stage: any
 * worker may hand a packet to any other (multi-producer, one consumer). */
static int
make_inboxes(struct mg_media *m, uint16_t nb)
{
	uint16_t w = 0;

	for (unsigned int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		struct mg_pipe_lcore *pl = &m->pipe[lc];
		char name[RTE_RING_NAMESIZE];

		if (pl->mgr == NULL)
			continue;
		snprintf(name, sizeof(name), "mg_inbox%u", lc);
		pl->inbox = rte_ring_create(name, 1024, (int)rte_socket_id(),
					    RING_F_SC_DEQ);
		if (pl->inbox == NULL)
			return -1;
		m->inboxes[w] = pl->inbox;
		pl->worker = w++;
		pl->nb_workers = nb;
		pl->inboxes = m->inboxes;
	}
	return 0;
}

static void *
arena_chunk(size_t size, size_t align)
{
	return rte_malloc_socket("mg_arena", size, align, (int)rte_socket_id());
}

int
mg_media_setup(struct mg_media *m, struct mg_lcore *lcores, uint16_t nb_ports,
	       const struct mg_dp_config *cfg, uint64_t cksum_ports, char *err,
	       size_t errlen)
{
	uint16_t txq = 0;
	int rc;

	/* On hugepages, contexts, SAs and flows live in them too (why:
	 * srtp_arena.h); not if a port shares that memory with its peer
	 * process: the keys would be there. */
	if (rte_eal_has_hugepages() && !mg_ports_share_memory(nb_ports))
		srtp_arena_set_chunk_source(arena_chunk, rte_free);

	if (cfg->srtp_libsrtp2 &&
	    (rc = mg_srtp_set_engine(MG_SRTP_ENGINE_LIBSRTP2)) != 0) {
		snprintf(err, errlen, "--srtp-engine libsrtp2: libsrtp2 or NSS "
			 "did not start");
		return rc;
	}
	rc = mg_tables_create(&m->t, cfg->max_flows, RTE_MAX_LCORE, err,
			      errlen);
	if (rc != 0)
		return rc;
	if (mg_events_init(&m->events, cfg->max_flows, m->t.max_ctx,
			   cfg->event_burst) != 0) {
		snprintf(err, errlen, "no memory to watch %u flows",
			 cfg->max_flows);
		return -ENOMEM;
	}
	m->arp.nb_addrs = cfg->nb_addrs;
	memcpy(m->arp.addrs, cfg->addrs, sizeof(m->arp.addrs));
	for (uint16_t p = 0; p < nb_ports && p < RTE_MAX_ETHPORTS; p++)
		rte_eth_macaddr_get(p, &m->arp.mac[p]);
	/* Every worker gets a pipeline, ports or not: the distribution
	 * stage hands it flows from ports that cannot spread them. */
	for (unsigned int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		struct mg_lcore *l = &lcores[lc];

		if (!rte_lcore_is_enabled(lc) ||
		    (lc == rte_get_main_lcore() && rte_lcore_count() > 1))
			continue;
		l->lcore_id = lc;
		if (lc == MG_TELEMETRY_RCU_ID) {
			snprintf(err, errlen, "lcore %u is reserved", lc);
			return -EINVAL;
		}
		rc = mg_pipe_lcore_init(&m->pipe[lc], lc, txq++, nb_ports,
					&m->t);
		if (rc != 0 ||
		    rte_rcu_qsbr_thread_register(m->t.rcu, lc) != 0) {
			snprintf(err, errlen, "lcore %u: pipeline setup failed",
				 lc);
			return -ENOMEM;
		}
		l->pipe = &m->pipe[lc];
		l->pipe->arp = &m->arp;
		l->pipe->tx_cksum = cksum_ports;
		l->hold_rx = cfg->hold_rx;
	}
	if (txq > 1 && make_inboxes(m, txq) != 0) {
		snprintf(err, errlen, "no memory for the distribution rings");
		return -ENOMEM;
	}
	if (mg_telemetry_init(m) != 0)
		printf("mediagate-dataplane: telemetry unavailable: no "
		       "/mediagate/ commands\n");
	return 0;
}

static mg_ctl_status_t
lcore_stats(struct mg_media *m, const struct mg_ctl_msg *req,
	    struct mg_ctl_msg *ack)
{
	struct mg_ctl_lcore_stats *o = &ack->u.lcore_stats;

	if (req->h.len != sizeof(req->u.id))
		return EINVAL;
	for (unsigned int lc = req->u.id.id; lc < RTE_MAX_LCORE; lc++) {
		const struct mg_pipe_stats *s = &m->pipe[lc].st;

		if (m->pipe[lc].mgr == NULL)
			continue;
		memset(o, 0, sizeof(*o));
		o->lcore = lc;
#define L(f) o->f = __atomic_load_n(&s->f, __ATOMIC_RELAXED)
		L(rx_pkts); L(rx_bytes); L(tx_pkts); L(tx_bytes);
		L(no_flow); L(drop_action); L(drop_source); L(drop_srtp);
		L(drop_tx); L(drop_room); L(to_kernel); L(from_kernel);
		L(drop_kernel);
#undef L
		o->nb_classes = MG_PKT_CLASS_MAX;
		for (int c = 0; c < MG_PKT_CLASS_MAX; c++)
			o->drop_class[c] = __atomic_load_n(&s->cls[c],
							   __ATOMIC_RELAXED);
		ack->h.len = sizeof(*o);
		return 0;
	}
	return ENOENT;
}

mg_ctl_status_t
mg_media_apply(void *media, const struct mg_ctl_msg *req,
	       struct mg_ctl_msg *ack)
{
	struct mg_media *m = media;

	if (req->h.type == MG_CTL_LCORE_STATS)
		return lcore_stats(m, req, ack);
	return mg_tables_apply(&m->t, req, ack);
}

/* Per ESP SA (up to 256): its counters and each drop reason. */
static void
print_esp_final(const struct mg_esp_table *e)
{
	for (uint32_t id = 1, shown = 0; id <= e->max && shown < 256; id++) {
		const struct mg_esp_sa *sa = e->by_id[id].sa;
		const struct mg_esp_stats *c;

		if (sa == NULL)
			continue;
		shown++;
		c = mg_esp_sa_stats(sa);
		printf("mg-esp id=%u spi=0x%x %s packets=%llu bytes=%llu "
		       "late=%llu seq=%llu", id, mg_esp_sa_spi(sa),
		       e->by_id[id].inbound ? "in" : "out",
		       (unsigned long long)c->packets,
		       (unsigned long long)c->bytes,
		       (unsigned long long)c->late,
		       (unsigned long long)mg_esp_sa_seq(sa));
		for (int st = 1; st < MG_ESP_STATUS_MAX; st++)
			if (c->drops[st])
				printf(" esp_%s=%llu", mg_esp_status_key(st),
				       (unsigned long long)c->drops[st]);
		printf("\n");
	}
}

/* Lines the tests read: per lcore, then per flow (up to 256 of them). */
void
mg_media_print_final(const struct mg_media *m)
{
	for (unsigned int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const struct mg_pipe_stats *s = &m->pipe[lc].st;

		if (m->pipe[lc].mgr == NULL)
			continue;
		printf("mg-pipe lcore=%u rx_pkts=%llu tx_pkts=%llu no_flow=%llu "
		       "drop_action=%llu drop_source=%llu drop_srtp=%llu "
		       "drop_tx=%llu drop_room=%llu to_kernel=%llu "
		       "from_kernel=%llu drop_kernel=%llu handed_off=%llu "
		       "from_peers=%llu drop_handoff=%llu arp_replies=%llu "
		       "esp_rx=%llu esp_tx=%llu drop_esp=%llu esp_no_sa=%llu "
		       "esp_not_through=%llu esp_nat_moved=%llu srtp_old_key=%llu "
		       "tx_cksum_nic=%llu "
		       "poll_cycles=%llu busy_cycles=%llu busy_polls=%llu", lc,
		       (unsigned long long)s->rx_pkts,
		       (unsigned long long)s->tx_pkts,
		       (unsigned long long)s->no_flow,
		       (unsigned long long)s->drop_action,
		       (unsigned long long)s->drop_source,
		       (unsigned long long)s->drop_srtp,
		       (unsigned long long)s->drop_tx,
		       (unsigned long long)s->drop_room,
		       (unsigned long long)s->to_kernel,
		       (unsigned long long)s->from_kernel,
		       (unsigned long long)s->drop_kernel,
		       (unsigned long long)s->handed_off,
		       (unsigned long long)s->from_peers,
		       (unsigned long long)s->drop_handoff,
		       (unsigned long long)s->arp_replies,
		       (unsigned long long)s->esp_rx,
		       (unsigned long long)s->esp_tx,
		       (unsigned long long)s->drop_esp,
		       (unsigned long long)s->esp_no_sa,
		       (unsigned long long)s->esp_not_through,
		       (unsigned long long)s->esp_nat_moved,
		       (unsigned long long)s->srtp_old_key,
		       (unsigned long long)s->tx_cksum_nic,
		       (unsigned long long)s->poll_cycles,
		       (unsigned long long)s->busy_cycles,
		       (unsigned long long)s->busy_polls);
		for (int c = MG_PKT_STUN; c < MG_PKT_CLASS_MAX; c++)
			printf(" %s=%llu", mg_pkt_class_name(c),
			       (unsigned long long)s->cls[c]);
		printf("\n");
	}
	for (uint32_t id = 1, shown = 0; id <= m->t.max_flows && shown < 256;
	     id++) {
		const struct mg_flow *f = m->t.flow_by_id[id];

		if (f == NULL)
			continue;
		shown++;
		printf("mg-flow id=%u rx_pkts=%llu tx_pkts=%llu latched=%llu "
		       "drop_source=%llu drop_tx=%llu", id,
		       (unsigned long long)f->c.rx_pkts,
		       (unsigned long long)f->c.tx_pkts,
		       (unsigned long long)f->c.latched,
		       (unsigned long long)f->c.drop_source,
		       (unsigned long long)f->c.drop_tx);
		for (int st = 1; st < MG_SRTP_STATUS_MAX; st++)
			if (f->c.drop_srtp[st])
				printf(" srtp_%s=%llu", mg_srtp_status_key(st),
				       (unsigned long long)f->c.drop_srtp[st]);
		if (f->c.drop_esp)
			printf(" drop_esp=%llu",
			       (unsigned long long)f->c.drop_esp);
		printf("\n");
	}
	print_esp_final(&m->t.esp);
}

void
mg_media_teardown(struct mg_media *m)
{
	mg_events_fini(&m->events);
	mg_telemetry_fini();
	for (unsigned int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		struct rte_mbuf *mb;

		while (m->pipe[lc].inbox != NULL &&
		       rte_ring_dequeue(m->pipe[lc].inbox, (void **)&mb) == 0)
			rte_pktmbuf_free(mb);
		rte_ring_free(m->pipe[lc].inbox);
	}
	for (unsigned int lc = 0; lc < RTE_MAX_LCORE; lc++)
		mg_pipe_lcore_fini(&m->pipe[lc]);
	mg_tables_destroy(&m->t);
}

void
mg_media_tick(struct mg_media *m, struct mg_dp_ctl *ctl, uint64_t now_ns,
	      bool ring_busy)
{
	mg_tables_reclaim(&m->t);
	/* Not on a turn that served the ring: see mg_events_pause. */
	if (ring_busy) {
		mg_events_pause(&m->events, now_ns);
		return;
	}
	/* Its budget is per second: every 100 us is as often as it needs. */
	if (now_ns < m->next_scan_ns)
		return;
	m->next_scan_ns = now_ns + 100000;
	if (mg_dp_ctl_attached(ctl))
		mg_events_scan(&m->events, &m->t, ctl, now_ns);
}
