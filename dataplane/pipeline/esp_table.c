/* SPDX-License-Identifier: BSD-3-Clause */
/* ESP SAs by id, as the control ring changes them (see esp_table.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_table.h"
#include "sadb.h"

int
mg_esp_table_init(struct mg_esp_table *e, uint32_t max,
		  struct rte_rcu_qsbr *rcu, char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->max = max;
	e->by_id = calloc((size_t)max + 1, sizeof(*e->by_id));
	if (e->by_id == NULL) {
		snprintf(err, errlen, "ESP table: out of memory for %u SAs",
			 max);
		return -ENOMEM;
	}
	e->sadb = mg_sadb_create(max, rcu, err, errlen);
	return e->sadb ? 0 : -ENOMEM;
}

/* Workers have stopped: every SA can go. */
void
mg_esp_table_fini(struct mg_esp_table *e)
{
	for (uint32_t i = 1; i <= e->max && e->by_id; i++)
		if (e->by_id[i].sa != NULL && !e->by_id[i].inbound)
			mg_esp_sa_destroy(e->by_id[i].sa);
	mg_sadb_destroy(e->sadb); /* the inbound ones, deferred or not */
	free(e->by_id);
	memset(e, 0, sizeof(*e));
}

void
mg_esp_table_reclaim(struct mg_esp_table *e)
{
	if (e->sadb != NULL)
		mg_sadb_reclaim(e->sadb);
}

static mg_ctl_status_t
esp_add(struct mg_esp_table *e, struct IMB_MGR *mgr,
	const struct mg_ctl_msg *req)
{
	const struct mg_ctl_esp_add *a = &req->u.esp_add;
	struct mg_esp_entry *ent;
	struct mg_esp_sa *sa;
	int rc;

	if (req->h.len != sizeof(*a) || a->id == 0 ||
	    (a->family != 4 && a->family != 6))
		return EINVAL;
	if (a->id > e->max)
		return ENOSPC;
	ent = &e->by_id[a->id];
	if (ent->sa != NULL)
		return EEXIST;
	rc = mg_esp_sa_create(mgr, &a->policy, &sa);
	if (rc != 0)
		return -rc;
	ent->inbound = a->policy.flags & MG_ESP_F_INBOUND;
	ent->v6 = a->family == 6;
	memset(ent->local, 0, sizeof(ent->local));
	memcpy(ent->local, a->policy.local, ent->v6 ? 16 : 4);
	if (ent->inbound) {
		rc = mg_sadb_add(e->sadb, sa, ent->local, ent->v6);
		if (rc != 0) {
			mg_esp_sa_destroy(sa);
			return -rc;
		}
	}
	ent->sa = sa;
	e->count++;
	return 0;
}

static mg_ctl_status_t
esp_del(struct mg_esp_table *e, const struct mg_ctl_msg *req)
{
	uint32_t id = req->u.id.id;
	struct mg_esp_entry *ent;

	if (req->h.len != sizeof(req->u.id) || id == 0 || id > e->max)
		return EINVAL;
	ent = &e->by_id[id];
	if (ent->sa == NULL)
		return ENOENT;
	if (ent->refs != 0)
		return EBUSY;
	/* Unlinked now, wiped once no lcore can hold it. */
	if (ent->inbound)
		mg_sadb_del(e->sadb, mg_esp_sa_spi(ent->sa), ent->local,
			    ent->v6);
	else
		mg_sadb_retire(e->sadb, ent->sa);
	memset(ent, 0, sizeof(*ent));
	e->count--;
	return 0;
}

struct mg_esp_sa *
mg_esp_table_hold(struct mg_esp_table *e, uint32_t id, bool inbound)
{
	struct mg_esp_entry *ent;

	if (id == 0 || id > e->max)
		return NULL;
	ent = &e->by_id[id];
	if (ent->sa == NULL || ent->inbound != inbound)
		return NULL;
	ent->refs++;
	return ent->sa;
}

/* A flow is unlinked before its SA can be deleted, and both are freed
 * after grace periods that start in that order: a reader that still
 * holds the flow is waited for before the SA goes. */
void
mg_esp_table_release(struct mg_esp_table *e, uint32_t id)
{
	if (id != 0 && id <= e->max && e->by_id[id].refs > 0)
		e->by_id[id].refs--;
}

static mg_ctl_status_t
esp_stats(struct mg_esp_table *e, const struct mg_ctl_msg *req,
	  struct mg_ctl_msg *ack)
{
	uint32_t id = req->u.id.id;
	struct mg_ctl_esp_stats *s = &ack->u.esp_stats;
	const struct mg_esp_stats *c;
	struct mg_esp_sa *sa;

	if (req->h.len != sizeof(req->u.id) || id == 0 || id > e->max)
		return EINVAL;
	sa = e->by_id[id].sa;
	if (sa == NULL)
		return ENOENT;
	c = mg_esp_sa_stats(sa);
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->state = mg_esp_sa_poll(sa, mg_esp_now_ms());
	s->seq = mg_esp_sa_seq(sa);
	s->packets = __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
	s->bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	s->late = __atomic_load_n(&c->late, __ATOMIC_RELAXED);
	for (int i = 0; i < MG_ESP_STATUS_MAX; i++)
		s->drops[i] = __atomic_load_n(&c->drops[i], __ATOMIC_RELAXED);
	ack->h.len = sizeof(*s);
	return 0;
}

mg_ctl_status_t
mg_esp_table_apply(struct mg_esp_table *e, struct IMB_MGR *mgr,
		   const struct mg_ctl_msg *req, struct mg_ctl_msg *ack)
{
	switch (req->h.type) {
	case MG_CTL_ESP_ADD: return esp_add(e, mgr, req);
	case MG_CTL_ESP_DEL: return esp_del(e, req);
	case MG_CTL_ESP_STATS: return esp_stats(e, req, ack);
	default: return EOPNOTSUPP;
	}
}
