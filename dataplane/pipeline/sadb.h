/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inbound SA database: ESP SAs keyed by what RFC 4301 §4.1 lets a
 * receiver match on, the SPI and the destination address (the local end
 * of a tunnel, or the local address a transport SA's packets come to),
 * in an rte_hash that workers read lock-free in bulk while the main lcore
 * writes it. A deleted SA is wiped and freed only after every worker has
 * passed a quiescent point of the RCU variable the flows use, so a packet
 * in flight never sees freed keys.
 *
 * The receiver picks SPIs (mediagate's ESP-in-SDP profile), so an SPI is
 * unique per local address; make-before-break rekeying holds the old and
 * the new inbound SA side by side under their two SPIs.
 */
#ifndef MG_DP_SADB_H
#define MG_DP_SADB_H

#include <stdbool.h>
#include <stdint.h>

#include "mg_esp.h"

struct mg_sadb;
struct rte_rcu_qsbr;

/* Up to max_sas SAs, deleted ones reclaimed through rcu. Returns NULL
 * with one line in err. */
struct mg_sadb *mg_sadb_create(uint32_t max_sas, struct rte_rcu_qsbr *rcu,
			       char *err, size_t errlen);

/* Every SA still in it is destroyed (workers have stopped). */
void mg_sadb_destroy(struct mg_sadb *db);

/* Main lcore only. local: IPv4 in the first 4 bytes. The database owns
 * the SA from then on. -EEXIST (SPI taken at that address), -ENOSPC. */
int mg_sadb_add(struct mg_sadb *db, struct mg_esp_sa *sa,
		const uint8_t local[16], bool v6);

/* Main lcore only: unlink the SA and destroy it after the grace period.
 * -ENOENT if there is none. */
int mg_sadb_del(struct mg_sadb *db, uint32_t spi, const uint8_t local[16],
		bool v6);

/* Main lcore only: destroy an SA that is not in the database (an
 * outbound one) after the grace period, as deleted ones are. */
void mg_sadb_retire(struct mg_sadb *db, struct mg_esp_sa *sa);

struct mg_esp_sa *mg_sadb_find(const struct mg_sadb *db, uint32_t spi,
			       const uint8_t local[16], bool v6);

uint32_t mg_sadb_count(const struct mg_sadb *db);

/* Free what every reader has moved past; main lcore, between polls. */
void mg_sadb_reclaim(struct mg_sadb *db);

/*
 * Workers: find the SA of each of n packets (n <= MG_ESP_BURST_MAX) in
 * one bulk lookup. pkts[i].data points at the outer IP header of ESP, or
 * of ESP-in-UDP (a packet that came to a NAT-T port). Sets pkts[i].sa;
 * a packet without one gets it NULL and a status saying why
 * (MG_ESP_E_SPI for an unknown SPI, E_IP, E_TRUNCATED, E_NOT_ESP,
 * E_KEEPALIVE). Returns the number found.
 */
uint16_t mg_sadb_lookup_burst(const struct mg_sadb *db,
			      struct mg_esp_pkt *pkts, uint16_t n);

#endif /* MG_DP_SADB_H */
