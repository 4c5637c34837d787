/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry callbacks run on DPDK's telemetry thread, beside the lcores.
 * Counters are read relaxed (written by one lcore each). Flows can be
 * deleted meanwhile, so the thread reads them as an RCU reader, online
 * only for the length of a callback: a flow it sees is not freed until
 * it goes offline.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>

#include "telemetry.h"

static struct mg_media *media; /* NULL: gone (at exit) */

#define U64(d, name, v) \
	rte_tel_data_add_dict_u64(d, name, __atomic_load_n(&(v), __ATOMIC_RELAXED))

static void
lcore_dict(struct rte_tel_data *d, const struct mg_pipe_stats *s)
{
	rte_tel_data_start_dict(d);
	U64(d, "rx_pkts", s->rx_pkts);
	U64(d, "rx_bytes", s->rx_bytes);
	U64(d, "tx_pkts", s->tx_pkts);
	U64(d, "tx_bytes", s->tx_bytes);
	U64(d, "no_flow", s->no_flow);
	U64(d, "drop_action", s->drop_action);
	U64(d, "drop_source", s->drop_source);
	U64(d, "drop_srtp", s->drop_srtp);
	U64(d, "srtp_old_key", s->srtp_old_key);
	U64(d, "drop_tx", s->drop_tx);
	U64(d, "drop_room", s->drop_room);
	U64(d, "tx_cksum_nic", s->tx_cksum_nic);
	U64(d, "to_kernel", s->to_kernel);
	U64(d, "from_kernel", s->from_kernel);
	U64(d, "drop_kernel", s->drop_kernel);
	U64(d, "handed_off", s->handed_off);
	U64(d, "from_peers", s->from_peers);
	U64(d, "arp_replies", s->arp_replies);
	U64(d, "drop_handoff", s->drop_handoff);
	U64(d, "esp_rx", s->esp_rx);
	U64(d, "esp_tx", s->esp_tx);
	U64(d, "drop_esp", s->drop_esp);
	U64(d, "esp_no_sa", s->esp_no_sa);
	U64(d, "esp_not_through", s->esp_not_through);
	U64(d, "esp_nat_moved", s->esp_nat_moved);
	U64(d, "poll_cycles", s->poll_cycles);
	U64(d, "busy_cycles", s->busy_cycles);
	U64(d, "busy_polls", s->busy_polls);
	for (int c = MG_PKT_STUN; c < MG_PKT_CLASS_MAX; c++)
		U64(d, mg_pkt_class_name(c), s->cls[c]);
}

static int
cmd_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mg_media *m = __atomic_load_n(&media, __ATOMIC_ACQUIRE);

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	if (m == NULL)
		return 0;
	for (unsigned int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		struct rte_tel_data *sub;
		char name[16];

		if (m->pipe[lc].mgr == NULL)
			continue;
		sub = rte_tel_data_alloc();
		if (sub == NULL)
			return -1;
		lcore_dict(sub, &m->pipe[lc].st);
		snprintf(name, sizeof(name), "%u", lc);
		rte_tel_data_add_dict_container(d, name, sub, 0);
	}
	return 0;
}

static int
cmd_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mg_media *m = __atomic_load_n(&media, __ATOMIC_ACQUIRE);
	struct rte_tel_data *ids;
	unsigned int listed = 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	if (m == NULL)
		return 0;
	U64(d, "flows", m->t.nb_flows);
	U64(d, "max_flows", m->t.max_flows);
	U64(d, "srtp_contexts", m->t.nb_ctx);
	U64(d, "flows_freed", m->t.freed);
	ids = rte_tel_data_alloc();
	if (ids == NULL)
		return -1;
	rte_tel_data_start_array(ids, RTE_TEL_U64_VAL);
	/* A telemetry reply is bounded: the first ids only. */
	for (uint32_t id = 1; id <= m->t.max_flows && listed < 1000; id++)
		if (__atomic_load_n(&m->t.flow_by_id[id], __ATOMIC_RELAXED)) {
			rte_tel_data_add_array_u64(ids, id);
			listed++;
		}
	rte_tel_data_add_dict_container(d, "ids", ids, 0);
	return 0;
}

static void
flow_dict(struct rte_tel_data *d, const struct mg_flow *f)
{
	U64(d, "id", f->id);
	U64(d, "action", f->action);
	U64(d, "rx_pkts", f->c.rx_pkts);
	U64(d, "rx_bytes", f->c.rx_bytes);
	U64(d, "tx_pkts", f->c.tx_pkts);
	U64(d, "tx_bytes", f->c.tx_bytes);
	U64(d, "latched", f->c.latched);
	U64(d, "drop_source", f->c.drop_source);
	U64(d, "drop_tx", f->c.drop_tx);
	for (int s = 1; s < MG_SRTP_STATUS_MAX; s++) {
		char name[40];

		snprintf(name, sizeof(name), "srtp_%s", mg_srtp_status_key(s));
		U64(d, name, f->c.drop_srtp[s]);
	}
}

static int
cmd_flow(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct mg_media *m = __atomic_load_n(&media, __ATOMIC_ACQUIRE);
	const struct mg_flow *f;
	unsigned long id;
	char *end;

	(void)cmd;
	if (m == NULL || params == NULL)
		return -1;
	id = strtoul(params, &end, 10);
	if (*end || id == 0 || id > m->t.max_flows)
		return -1;
	rte_tel_data_start_dict(d);
	rte_rcu_qsbr_thread_online(m->t.rcu, MG_TELEMETRY_RCU_ID);
	f = __atomic_load_n(&m->t.flow_by_id[id], __ATOMIC_ACQUIRE);
	if (f != NULL)
		flow_dict(d, f);
	rte_rcu_qsbr_thread_offline(m->t.rcu, MG_TELEMETRY_RCU_ID);
	return f != NULL ? 0 : -1;
}

int
mg_telemetry_init(struct mg_media *m)
{
	if (rte_rcu_qsbr_thread_register(m->t.rcu, MG_TELEMETRY_RCU_ID) != 0)
		return -1;
	__atomic_store_n(&media, m, __ATOMIC_RELEASE);
	if (rte_telemetry_register_cmd("/mediagate/lcores", cmd_lcores,
				       "Pipeline counters per lcore") != 0 ||
	    rte_telemetry_register_cmd("/mediagate/flows", cmd_flows,
				       "Flow counts and ids") != 0 ||
	    rte_telemetry_register_cmd("/mediagate/flow", cmd_flow,
				       "One flow's counters. Parameters: int id") != 0)
		return -1;
	return 0;
}

void
mg_telemetry_fini(void)
{
	struct mg_media *m = __atomic_exchange_n(&media, NULL, __ATOMIC_ACQ_REL);

	/* A callback that loaded the pointer before may still be online. */
	if (m != NULL)
		rte_rcu_qsbr_synchronize(m->t.rcu, RTE_QSBR_THRID_INVALID);
}
