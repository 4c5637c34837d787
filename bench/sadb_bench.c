/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sadb_bench: the inbound SA database's lookup (dataplane/pipeline/sadb.c)
 * with 1,000 / 100,000 / 1,000,000 SAs installed, side by side in one run:
 * bursts of 32 ESP packets to SPIs drawn at random from all installed,
 * each found with mg_sadb_lookup_burst() (parse the SPI and destination,
 * one rte_hash bulk lookup), cycles per packet. O(1) shows as a flat line;
 * what grows with the table is cache and TLB misses on a larger hash.
 *
 * The SAs are real (inbound ESP_NULL_HMAC_MD5_96, window 64: the smallest,
 * about 1.6 KB each, so 1,000,000 take about 1.6 GB); only their lookup
 * is timed. EAL runs in-process with --no-huge unless EAL arguments follow
 * "--". Each figure is the median of --samples runs of --seconds.
 *
 * Output: a human table, or with --json one object per line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include <intel-ipsec-mb.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "bench_clock.h"
#include "mg_esp.h"
#include "pipeline/sadb.h"

#define BURST 32
#define POOL 4096 /* packets prebuilt, SPIs random over the table */

static const uint8_t local4[16] = { 192, 0, 2, 1 };

struct run {
	IMB_MGR *mgr;
	struct rte_rcu_qsbr *rcu;
	uint8_t (*pkt)[48];
};

static struct mg_sadb *
fill(struct run *r, uint32_t n)
{
	struct mg_esp_sa_policy p = { .suite = MG_ESP_NULL_HMAC_MD5_96,
				      .flags = MG_ESP_F_INBOUND, .window = 64 };
	char err[128];
	struct mg_sadb *db = mg_sadb_create(n, r->rcu, err, sizeof(err));

	if (db == NULL) {
		fprintf(stderr, "sadb_bench: %s\n", err);
		exit(1);
	}
	memcpy(p.local, local4, 4);
	for (uint32_t i = 0; i < n; i++) {
		struct mg_esp_sa *sa;

		p.spi = 0x10000 + i;
		if (mg_esp_sa_create(r->mgr, &p, &sa) != 0 ||
		    mg_sadb_add(db, sa, local4, false) != 0) {
			fprintf(stderr, "sadb_bench: SA %u refused\n", i);
			exit(1);
		}
	}
	return db;
}

/* IPv4 + ESP header to a random installed SPI. */
static void
build(struct run *r, uint32_t n)
{
	for (int i = 0; i < POOL; i++) {
		uint8_t *b = r->pkt[i];
		uint32_t spi = 0x10000 + (uint32_t)(((uint64_t)rand() << 16 ^
						     (uint64_t)rand()) % n);

		memset(b, 0, 48);
		b[0] = 0x45;
		b[3] = 48;
		b[9] = 50;
		memcpy(b + 16, local4, 4);
		b[20] = (uint8_t)(spi >> 24);
		b[21] = (uint8_t)(spi >> 16);
		b[22] = (uint8_t)(spi >> 8);
		b[23] = (uint8_t)spi;
	}
}

static double
sample(struct run *r, struct mg_sadb *db, double seconds)
{
	struct mg_esp_pkt pk[BURST];
	uint64_t cyc = 0, pkts = 0, t_end = now_ns() + (uint64_t)(seconds * 1e9);
	uint32_t at = 0;

	do {
		for (int rep = 0; rep < 64; rep++) {
			uint64_t t0;

			for (int i = 0; i < BURST; i++) {
				pk[i] = (struct mg_esp_pkt){ .data = r->pkt[at],
							     .len = 48 };
				at = (at + 1) % POOL;
			}
			t0 = __rdtsc();
			if (mg_sadb_lookup_burst(db, pk, BURST) != BURST) {
				fprintf(stderr, "sadb_bench: a lookup missed\n");
				exit(1);
			}
			cyc += __rdtsc() - t0;
			pkts += BURST;
		}
	} while (now_ns() < t_end);
	return (double)cyc / (double)pkts;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 1000, 100000, 1000000 };
	char *eal_def[] = { argv[0], "--no-huge", "-m", "1024", "--no-pci",
			    "-l", "0", "--no-shconf", "--log-level", "*:error",
			    NULL };
	double seconds = 0.3, base = 0, cpp[9];
	int samples = 5, json = 0, opt, dd = 0;
	struct run r;
	uint64_t hz;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			dd = i;
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "seconds", required_argument, NULL, 's' },
		{ "samples", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	while ((opt = getopt_long(dd ? dd : argc, argv, "", lo, NULL)) != -1) {
		if (opt == 'j')
			json = 1;
		else if (opt == 's')
			seconds = atof(optarg);
		else if (opt == 'n')
			samples = atoi(optarg);
		else
			return 2;
	}
	if (samples < 1 || samples > 9 || seconds <= 0) {
		fprintf(stderr, "sadb_bench: --samples 1..9, --seconds > 0\n");
		return 2;
	}
	if (dd ? rte_eal_init(argc - dd, argv + dd) < 0 :
	    rte_eal_init(10, eal_def) < 0)
		return 1;
	r.mgr = alloc_mb_mgr(0);
	init_mb_mgr_auto(r.mgr, NULL);
	r.rcu = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), 64);
	rte_rcu_qsbr_init(r.rcu, 1);
	r.pkt = malloc(sizeof(*r.pkt) * POOL);
	hz = tsc_rate();
	if (!json)
		printf("%10s %12s %10s %8s\n", "SAs", "cyc/pkt", "Mlookups/s",
		       "/1k SAs");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct mg_sadb *db = fill(&r, sizes[s]);
		double med;

		build(&r, sizes[s]);
		for (int k = 0; k < samples; k++)
			cpp[k] = sample(&r, db, seconds);
		qsort(cpp, (size_t)samples, sizeof(cpp[0]), cmp_double);
		med = cpp[samples / 2];
		if (s == 0)
			base = med;
		if (json)
			printf("{\"bench\":\"sadb_bench\",\"engine\":\"mediagate\","
			       "\"op\":\"lookup\",\"contexts\":%u,\"mpps\":%.3f,"
			       "\"cycles_per_packet\":%.1f}\n", sizes[s],
			       (double)hz / med / 1e6, med);
		else
			printf("%10u %12.1f %10.2f %8.2f\n", sizes[s], med,
			       (double)hz / med / 1e6, base / med);
		mg_sadb_destroy(db);
	}
	free(r.pkt);
	rte_free(r.rcu);
	free_mb_mgr(r.mgr);
	rte_eal_cleanup();
	return 0;
}
