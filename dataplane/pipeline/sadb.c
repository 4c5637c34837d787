/* SPDX-License-Identifier: BSD-3-Clause */
/* The inbound SA database (see sadb.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "sadb.h"

/* 8-byte aligned, padding zeroed: rte_hash_crc reads 8 bytes at a time. */
struct sa_key {
	uint8_t dst[16];  /* IPv4 in the first 4 bytes, the rest 0 */
	uint32_t spi;     /* KEY_BLOCK: the first of the block */
	uint8_t kind;     /* KEY_V6, KEY_BLOCK */
	uint8_t pad[3];
} __attribute__((aligned(8)));

/* A KDR SA sends epoch e on SPI spi + e (docs/esp-in-sdp.md), all in a
 * block of MG_ESP_KDR_EPOCHS it is filed under once. */
enum { KEY_V6 = 1, KEY_BLOCK = 2 };

_Static_assert(sizeof(struct sa_key) == 24, "hash key length");

struct mg_sadb {
	struct rte_hash *hash;       /* sa_key -> struct mg_esp_sa * */
	struct rte_rcu_qsbr_dq *dq;  /* deleted SAs, until grace is over */
	struct rte_rcu_qsbr *rcu;
	uint32_t count;
	uint32_t nb_blocks;          /* KDR SAs: a miss looks for a block */
	uint32_t dq_waiting;         /* in dq as last seen (flow_table.c) */
};

/* What waits out a grace period: the SA and its hash key slot (kept
 * until then so a reader mid-lookup never sees it reused; -1: none). */
struct deferred {
	int32_t pos;
	struct mg_esp_sa *sa;
};

static void
key_of(struct sa_key *k, uint32_t spi, const uint8_t *dst, bool v6)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->dst, dst, v6 ? 16 : 4);
	k->spi = spi;
	k->kind = v6 ? KEY_V6 : 0;
}

static void
block_key(struct sa_key *k)
{
	k->spi &= ~(uint32_t)(MG_ESP_KDR_EPOCHS - 1);
	k->kind |= KEY_BLOCK;
}

static void
deferred_free(void *arg, void *e, unsigned int n)
{
	struct mg_sadb *db = arg;
	struct deferred *d = e;

	for (unsigned int i = 0; i < n; i++) {
		if (d[i].pos >= 0)
			rte_hash_free_key_with_position(db->hash, d[i].pos);
		mg_esp_sa_destroy(d[i].sa); /* wipes the keys */
	}
}

struct mg_sadb *
mg_sadb_create(uint32_t max_sas, struct rte_rcu_qsbr *rcu, char *err,
	       size_t errlen)
{
	static unsigned int serial; /* EAL names are process-wide */
	unsigned int n = __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED);
	char hname[32], dname[32];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = max_sas < 8 ? 8 : max_sas,
		.key_len = sizeof(struct sa_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_NO_FREE_ON_DEL,
	};
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = dname,
		.size = hp.entries,
		.esize = sizeof(struct deferred),
		.trigger_reclaim_limit = 32,
		.max_reclaim_size = 256,
		.free_fn = deferred_free,
		.v = rcu,
	};
	struct mg_sadb *db = calloc(1, sizeof(*db));

	snprintf(hname, sizeof(hname), "mg_sadb%u", n);
	snprintf(dname, sizeof(dname), "mg_sadb_dq%u", n);
	if (db == NULL) {
		snprintf(err, errlen, "SA database: out of memory");
		return NULL;
	}
	dp.p = db;
	db->rcu = rcu;
	db->hash = rte_hash_create(&hp);
	db->dq = db->hash ? rte_rcu_qsbr_dq_create(&dp) : NULL;
	if (db->dq == NULL) {
		snprintf(err, errlen, "SA database: cannot make a hash of %u "
			 "entries: %s (give EAL more memory with -m)",
			 max_sas, rte_strerror(rte_errno));
		rte_hash_free(db->hash);
		free(db);
		return NULL;
	}
	return db;
}

void
mg_sadb_destroy(struct mg_sadb *db)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	if (db == NULL)
		return;
	rte_rcu_qsbr_dq_delete(db->dq); /* frees what it holds */
	while (rte_hash_iterate(db->hash, &key, &data, &it) >= 0)
		mg_esp_sa_destroy(data);
	rte_hash_free(db->hash);
	free(db);
}

/* A KDR SA's block must hold no other SA's SPI, or the exact match
 * would take its epochs' packets. */
static bool
block_taken(const struct mg_sadb *db, const struct mg_esp_sa *sa,
	    const uint8_t *local, bool v6)
{
	struct sa_key k;

	if (mg_esp_sa_kdr(sa) == 0)
		return false;
	for (uint32_t e = 1; e < MG_ESP_KDR_EPOCHS; e++) {
		key_of(&k, mg_esp_sa_spi(sa) + e, local, v6);
		if (rte_hash_lookup(db->hash, &k) >= 0)
			return true;
	}
	return false;
}

int
mg_sadb_add(struct mg_sadb *db, struct mg_esp_sa *sa, const uint8_t local[16],
	    bool v6)
{
	struct sa_key k;
	int rc;

	key_of(&k, mg_esp_sa_spi(sa), local, v6);
	if (mg_esp_sa_kdr(sa))
		block_key(&k);
	if (mg_sadb_find(db, mg_esp_sa_spi(sa), local, v6) != NULL ||
	    rte_hash_lookup(db->hash, &k) >= 0 || block_taken(db, sa, local, v6))
		return -EEXIST;
	rc = rte_hash_add_key_data(db->hash, &k, sa);
	if (rc < 0)
		return rc == -ENOSPC ? -ENOSPC : rc;
	db->count++;
	db->nb_blocks += mg_esp_sa_kdr(sa) != 0;
	return 0;
}

struct mg_esp_sa *
mg_sadb_find(const struct mg_sadb *db, uint32_t spi, const uint8_t local[16],
	     bool v6)
{
	struct sa_key k;
	void *data;

	key_of(&k, spi, local, v6);
	if (rte_hash_lookup_data(db->hash, &k, &data) >= 0)
		return data;
	if (db->nb_blocks == 0)
		return NULL;
	block_key(&k);
	return rte_hash_lookup_data(db->hash, &k, &data) >= 0 ? data : NULL;
}

static void
defer(struct mg_sadb *db, struct deferred *d)
{
	if (rte_rcu_qsbr_dq_enqueue(db->dq, d) != 0) {
		/* Sized for every SA, so only for a bug: wait it out here
		 * rather than free under a reader. */
		rte_rcu_qsbr_synchronize(db->rcu, RTE_QSBR_THRID_INVALID);
		deferred_free(db, d, 1);
		return;
	}
	db->dq_waiting++;
}

int
mg_sadb_del(struct mg_sadb *db, uint32_t spi, const uint8_t local[16],
	    bool v6)
{
	struct deferred d;
	struct sa_key k;

	key_of(&k, spi, local, v6);
	if (rte_hash_lookup_data(db->hash, &k, (void **)&d.sa) < 0) {
		block_key(&k);
		if (rte_hash_lookup_data(db->hash, &k, (void **)&d.sa) < 0 ||
		    mg_esp_sa_spi(d.sa) != spi)
			return -ENOENT;
		db->nb_blocks--;
	}
	d.pos = rte_hash_del_key(db->hash, &k);
	db->count--;
	defer(db, &d);
	return 0;
}

void
mg_sadb_retire(struct mg_sadb *db, struct mg_esp_sa *sa)
{
	struct deferred d = { .pos = -1, .sa = sa };

	defer(db, &d);
}

uint32_t
mg_sadb_count(const struct mg_sadb *db)
{
	return db->count;
}

void
mg_sadb_reclaim(struct mg_sadb *db)
{
	unsigned int pending = 0;

	if (db->dq_waiting == 0)
		return;
	(void)rte_rcu_qsbr_dq_reclaim(db->dq, 256, NULL, &pending, NULL);
	db->dq_waiting = pending;
}

/* The SAs the hit packets map to; the rest keep MG_ESP_E_SPI. */
static uint16_t
place(struct mg_esp_pkt *pkts, const uint8_t *at, uint16_t m, uint64_t hits,
      void *const *data)
{
	uint16_t found = 0;

	for (uint16_t j = 0; j < m; j++) {
		struct mg_esp_pkt *p = &pkts[at[j]];

		if (!(hits & (1ull << j)))
			continue;
		p->sa = data[j];
		p->status = MG_ESP_OK;
		found++;
	}
	return found;
}

uint16_t
mg_sadb_lookup_burst(const struct mg_sadb *db, struct mg_esp_pkt *pkts,
		     uint16_t n)
{
	struct sa_key keys[MG_ESP_BURST_MAX];
	const void *kp[MG_ESP_BURST_MAX];
	void *data[MG_ESP_BURST_MAX];
	uint8_t at[MG_ESP_BURST_MAX];
	uint64_t hits = 0;
	uint16_t m = 0, found = 0;

	if (n > MG_ESP_BURST_MAX)
		n = MG_ESP_BURST_MAX;
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *dst;
		uint32_t spi;
		uint8_t v6;

		pkts[i].sa = NULL;
		pkts[i].status = mg_esp_peek(pkts[i].data, pkts[i].len, &spi,
					     &dst, &v6);
		if (pkts[i].status != MG_ESP_OK)
			continue;
		pkts[i].status = MG_ESP_E_SPI; /* until found */
		key_of(&keys[m], spi, dst, v6);
		kp[m] = &keys[m];
		at[m++] = (uint8_t)i;
	}
	if (m > 0)
		rte_hash_lookup_bulk_data(db->hash, kp, m, &hits, data);
	found = place(pkts, at, m, hits, data);
	if (found == m || db->nb_blocks == 0)
		return found;
	/* Misses may be KDR epochs: look again by their SPI block. */
	for (uint16_t j = 0; j < m; j++)
		if (!(hits & (1ull << j)))
			block_key(&keys[j]);
	hits = 0;
	rte_hash_lookup_bulk_data(db->hash, kp, m, &hits, data);
	for (uint16_t j = 0; j < m; j++)
		if (pkts[at[j]].sa != NULL)
			hits &= ~(1ull << j);
	found += place(pkts, at, m, hits, data);
	return found;
}
