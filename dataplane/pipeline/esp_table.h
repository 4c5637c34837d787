/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's ESP SAs as the control ring installs them (main lcore):
 * every SA by the id the control plane gave it, and the inbound ones also
 * in the SA database workers find them in. Deleted SAs are wiped after
 * the RCU grace period the flows use.
 */
#ifndef MG_DP_ESP_TABLE_H
#define MG_DP_ESP_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mg_ctl_abi.h"

struct mg_sadb;
struct rte_rcu_qsbr;
struct IMB_MGR;

struct mg_esp_entry {
	struct mg_esp_sa *sa;
	uint8_t local[16];   /* inbound: its key in the SA database */
	bool v6, inbound;
	uint32_t refs;       /* flows holding it: not deleted while > 0 */
};

struct mg_esp_table {
	struct mg_sadb *sadb;
	struct mg_esp_entry *by_id;  /* [1 .. max] */
	uint32_t max, count;
};

int mg_esp_table_init(struct mg_esp_table *e, uint32_t max,
		      struct rte_rcu_qsbr *rcu, char *err, size_t errlen);
void mg_esp_table_fini(struct mg_esp_table *e);

/* ESP_ADD, ESP_DEL, ESP_STATS from the ring. */
mg_ctl_status_t mg_esp_table_apply(struct mg_esp_table *e,
				   struct IMB_MGR *mgr,
				   const struct mg_ctl_msg *req,
				   struct mg_ctl_msg *ack);

/* Free what every reader has moved past; main lcore, between polls. */
void mg_esp_table_reclaim(struct mg_esp_table *e);

/* A flow takes (or lets go of) SA id: the SA, or NULL if there is none
 * of that direction (inbound: true for an rx_esp). */
struct mg_esp_sa *mg_esp_table_hold(struct mg_esp_table *e, uint32_t id,
				    bool inbound);
void mg_esp_table_release(struct mg_esp_table *e, uint32_t id);

/* The worker that handles an SA and the flows held to it: one per SA so
 * its sequence numbers and window are never shared. The SA's group when
 * it has one (the control plane gives both SAs of a pair, and every SA
 * that replaces them, one group); else its SPI's block, so the epochs of
 * a KDR SA share an owner. */
static inline uint32_t
mg_esp_owner_hash(const struct mg_esp_sa *sa)
{
	uint32_t g = mg_esp_sa_group(sa);

	return (g ? g : mg_esp_sa_spi(sa) / MG_ESP_KDR_EPOCHS) * 2654435761u;
}

#endif /* MG_DP_ESP_TABLE_H */
