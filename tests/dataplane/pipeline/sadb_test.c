/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inbound SA database, EAL in-process (--no-huge): 100,000 SAs found
 * by packets our outbound SAs made, keys by SPI and destination (IPv4 and
 * IPv6, tunnel and transport, ESP-in-UDP), refusals, and deletion that
 * frees only after the grace period.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <intel-ipsec-mb.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "pipeline/sadb.h"

#define NSAS 100000u

static IMB_MGR *mgr;
static struct rte_rcu_qsbr *rcu;

static const uint8_t local4[16] = { 192, 0, 2, 1 };
static const uint8_t remote4[16] = { 198, 51, 100, 7 };
static const uint8_t local6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t remote6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void
policy(struct mg_esp_sa_policy *p, uint32_t spi, uint16_t flags, bool v6)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->suite = MG_ESP_NULL_HMAC_SHA1_96;
	p->flags = flags | (v6 ? MG_ESP_F_OUTER_V6 : 0);
	p->window = 64;
	memset(p->auth_key, (int)(spi & 0xff), sizeof(p->auth_key));
	if (flags & MG_ESP_F_INBOUND) {
		memcpy(p->local, v6 ? local6 : local4, 16);
		memcpy(p->remote, v6 ? remote6 : remote4, 16);
	} else {
		memcpy(p->local, v6 ? remote6 : remote4, 16);
		memcpy(p->remote, v6 ? local6 : local4, 16);
	}
}

static struct mg_esp_sa *
sa_new(uint32_t spi, uint16_t flags, bool v6)
{
	struct mg_esp_sa_policy p;
	struct mg_esp_sa *sa = NULL;

	policy(&p, spi, flags, v6);
	assert_int_equal(mg_esp_sa_create(mgr, &p, &sa), 0);
	return sa;
}

/* RFC 1071 over an IPv4 header, written into it. */
static void
ip4_sum(uint8_t *h)
{
	uint32_t sum = 0;

	h[10] = h[11] = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	h[10] = (uint8_t)(~sum >> 8);
	h[11] = (uint8_t)~sum;
}

/* A packet to local from the peer's outbound SA of that SPI. */
static uint16_t
esp_packet(uint8_t *buf, uint32_t spi, uint16_t flags, bool v6,
	   struct mg_esp_pkt *out)
{
	struct mg_esp_sa *o = sa_new(spi, flags & ~MG_ESP_F_INBOUND, v6);
	uint8_t *d = buf + 128;
	struct mg_esp_pkt pk = { .data = d, .len = 48, .headroom = 128,
				 .tailroom = 256, .sa = o };

	memset(d, 0, 48);
	d[0] = 0x45;
	d[3] = 48;
	d[8] = 64;
	d[9] = 17;
	memcpy(d + 12, remote4, 4);
	memcpy(d + 16, local4, 4);
	ip4_sum(d);
	assert_int_equal(mg_esp_outbound_burst(mgr, &pk, 1), 1);
	mg_esp_sa_destroy(o);
	*out = pk;
	out->sa = NULL;
	return pk.len;
}

static void
test_many_found(void **state)
{
	static uint8_t bufs[64][512];
	struct mg_esp_pkt pk[64];
	struct mg_sadb *db;
	char err[128];
	const uint16_t fl = MG_ESP_F_INBOUND | MG_ESP_F_TUNNEL;

	(void)state;
	db = mg_sadb_create(NSAS, rcu, err, sizeof(err));
	assert_non_null(db);
	for (uint32_t i = 0; i < NSAS; i++)
		assert_int_equal(mg_sadb_add(db, sa_new(0x1000 + i, fl, i & 1),
					     i & 1 ? local6 : local4, i & 1), 0);
	assert_int_equal(mg_sadb_count(db), NSAS);
	/* A burst of packets to SAs spread across the table, found in one
	 * bulk lookup and accepted by the SA found. */
	for (uint16_t j = 0; j < 64; j++) {
		uint32_t i = (j * 1543u) % NSAS;

		esp_packet(bufs[j], 0x1000 + i, fl, i & 1, &pk[j]);
	}
	assert_int_equal(mg_sadb_lookup_burst(db, pk, 64), 64);
	for (uint16_t j = 0; j < 64; j++)
		assert_int_equal(mg_esp_sa_spi(pk[j].sa),
				 0x1000 + (j * 1543u) % NSAS);
	assert_int_equal(mg_esp_inbound_burst(mgr, pk, 64), 64);
	mg_sadb_destroy(db);
}

static void
test_keys_and_refusals(void **state)
{
	static uint8_t buf[4][512];
	struct mg_esp_pkt pk[4];
	struct mg_sadb *db;
	char err[128];
	const uint16_t fl = MG_ESP_F_INBOUND | MG_ESP_F_TUNNEL;
	struct mg_esp_sa *a = sa_new(0x2000, fl, false);
	struct mg_esp_sa *dup = sa_new(0x2000, fl, false);
	struct mg_esp_sa *other = sa_new(0x2000, fl, true);

	(void)state;
	db = mg_sadb_create(16, rcu, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(mg_sadb_add(db, a, local4, false), 0);
	/* The same SPI at the same address is refused; at another address
	 * (here the IPv6 one) it is another SA. */
	assert_int_equal(mg_sadb_add(db, dup, local4, false), -EEXIST);
	mg_esp_sa_destroy(dup);
	assert_int_equal(mg_sadb_add(db, other, local6, true), 0);
	assert_ptr_equal(mg_sadb_find(db, 0x2000, local4, false), a);
	assert_ptr_equal(mg_sadb_find(db, 0x2000, local6, true), other);
	assert_null(mg_sadb_find(db, 0x2001, local4, false));
	assert_null(mg_sadb_find(db, 0x2000, remote4, false));

	/* Unknown SPI, not ESP, truncated, a keepalive: each says why. */
	esp_packet(buf[0], 0x2999, fl, false, &pk[0]);
	esp_packet(buf[1], 0x2000, fl, false, &pk[1]);
	pk[1].data[9] = 6;                      /* TCP, not ESP */
	esp_packet(buf[2], 0x2000, fl, false, &pk[2]);
	pk[2].len = 24;
	pk[2].data[3] = 24;                     /* IP length too */
	memcpy(buf[3], "\x45\x00\x00\x1d\0\0\0\0\x40\x11\0\0"
	       "\xc6\x33\x64\x07\xc0\x00\x02\x01"
	       "\x11\x94\x11\x94\x00\x09\x00\x00\xff", 29);
	pk[3] = (struct mg_esp_pkt){ .data = buf[3], .len = 29 };
	assert_int_equal(mg_sadb_lookup_burst(db, pk, 4), 0);
	assert_int_equal(pk[0].status, MG_ESP_E_SPI);
	assert_int_equal(pk[1].status, MG_ESP_E_NOT_ESP);
	assert_int_equal(pk[2].status, MG_ESP_E_TRUNCATED);
	assert_int_equal(pk[3].status, MG_ESP_E_KEEPALIVE);
	for (int i = 0; i < 4; i++)
		assert_null(pk[i].sa);
	mg_sadb_destroy(db);
}

/* A deleted SA is gone from lookups at once, but its memory (and keys)
 * stay until the reader that may hold it reports a quiescent state. */
static void
test_delete_waits_for_grace(void **state)
{
	static uint8_t buf[512];
	struct mg_esp_pkt pk;
	struct mg_sadb *db;
	char err[128];
	const uint16_t fl = MG_ESP_F_INBOUND;
	struct mg_esp_sa *a;

	(void)state;
	db = mg_sadb_create(16, rcu, err, sizeof(err));
	assert_non_null(db);
	a = sa_new(0x3000, fl, false);
	assert_int_equal(mg_sadb_add(db, a, local4, false), 0);
	rte_rcu_qsbr_thread_register(rcu, 0);
	rte_rcu_qsbr_thread_online(rcu, 0);
	esp_packet(buf, 0x3000, fl, false, &pk);
	assert_int_equal(mg_sadb_lookup_burst(db, &pk, 1), 1); /* held */
	assert_int_equal(mg_sadb_del(db, 0x3000, local4, false), 0);
	assert_int_equal(mg_sadb_del(db, 0x3000, local4, false), -ENOENT);
	assert_null(mg_sadb_find(db, 0x3000, local4, false));
	mg_sadb_reclaim(db);
	/* The reader has not passed a quiescent point: still usable. */
	assert_int_equal(mg_esp_sa_spi(pk.sa), 0x3000);
	assert_int_equal(mg_esp_inbound_burst(mgr, &pk, 1), 1);
	assert_int_equal(mg_esp_sa_stats(pk.sa)->packets, 1);
	rte_rcu_qsbr_quiescent(rcu, 0);
	mg_sadb_reclaim(db);
	rte_rcu_qsbr_thread_offline(rcu, 0);
	rte_rcu_qsbr_thread_unregister(rcu, 0);
	/* Reclaimed: the arena keeps the block mapped, wiped (its first
	 * word now links the free list). */
	assert_int_equal(mg_esp_sa_stats(pk.sa)->packets, 0);
	mg_sadb_destroy(db);
}

/* A KDR SA sends each epoch on its own SPI of one block: every epoch is
 * found by the block, and the block is the SA's alone. */
static void
test_kdr_block(void **state)
{
	static uint8_t bufs[32][512];
	struct mg_esp_sa_policy p;
	struct mg_esp_pkt pk[32];
	struct mg_esp_sa *out, *in, *taken, *over;
	struct mg_sadb *db;
	char err[128];
	uint32_t epochs = 0;

	(void)state;
	db = mg_sadb_create(16, rcu, err, sizeof(err));
	assert_non_null(db);
	policy(&p, 0x10000, MG_ESP_F_INBOUND, false);
	p.kdr_log2 = 8;
	assert_int_equal(mg_esp_sa_create(mgr, &p, &in), 0);
	p.flags = 0;
	memcpy(p.local, remote4, 16);
	memcpy(p.remote, local4, 16);
	assert_int_equal(mg_esp_sa_create(mgr, &p, &out), 0);
	assert_int_equal(mg_sadb_add(db, in, local4, false), 0);
	/* Another SA inside the block, or a block over one: refused. */
	taken = sa_new(0x10005, MG_ESP_F_INBOUND, false);
	assert_int_equal(mg_sadb_add(db, taken, local4, false), -EEXIST);
	mg_esp_sa_destroy(taken);
	taken = sa_new(0x20003, MG_ESP_F_INBOUND, false);
	assert_int_equal(mg_sadb_add(db, taken, local4, false), 0);
	policy(&p, 0x20000, MG_ESP_F_INBOUND, false);
	p.kdr_log2 = 8;
	assert_int_equal(mg_esp_sa_create(mgr, &p, &over), 0);
	assert_int_equal(mg_sadb_add(db, over, local4, false), -EEXIST);
	mg_esp_sa_destroy(over);

	for (int round = 0; round < 40; round++) {
		for (int j = 0; j < 32; j++) {
			uint8_t *d = bufs[j] + 128;

			memset(d, 0, 48);
			d[0] = 0x45;
			d[3] = 48;
			d[9] = 17;
			memcpy(d + 12, remote4, 4);
			memcpy(d + 16, local4, 4);
			ip4_sum(d);
			pk[j] = (struct mg_esp_pkt){ .data = d, .len = 48,
				.headroom = 128, .tailroom = 256, .sa = out };
		}
		assert_int_equal(mg_esp_outbound_burst(mgr, pk, 32), 32);
		/* A packet of another SPI, not in the block, is unknown. */
		pk[31].data[20] ^= 0x40;
		epochs |= 1u << (pk[0].data[20 + 3] & 0xff);
		assert_int_equal(mg_sadb_lookup_burst(db, pk, 32), 31);
		assert_int_equal(pk[31].status, MG_ESP_E_SPI);
		for (int j = 0; j < 31; j++)
			assert_ptr_equal(pk[j].sa, in);
		assert_int_equal(mg_esp_inbound_burst(mgr, pk, 31), 31);
	}
	assert_int_equal(epochs, 0x1f); /* 1280 packets: epochs 0-4 */
	assert_int_equal(mg_sadb_del(db, 0x10001, local4, false), -ENOENT);
	assert_int_equal(mg_sadb_del(db, 0x10000, local4, false), 0);
	assert_null(mg_sadb_find(db, 0x10002, local4, false));
	mg_esp_sa_destroy(out);
	mg_sadb_destroy(db);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "512", "--no-pci", "-l",
			"0", "--log-level", "*:error", "--file-prefix",
			"mg-sadb-test", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_found),
		cmocka_unit_test(test_keys_and_refusals),
		cmocka_unit_test(test_delete_waits_for_grace),
		cmocka_unit_test(test_kdr_block),
	};
	int rc;

	(void)argc;
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	mgr = alloc_mb_mgr(0);
	init_mb_mgr_auto(mgr, NULL);
	rcu = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), 64);
	rte_rcu_qsbr_init(rcu, 1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_free(rcu);
	free_mb_mgr(mgr);
	rte_eal_cleanup();
	return rc;
}
