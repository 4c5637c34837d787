/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MG_DP_STATS_H
#define MG_DP_STATS_H

#include <stdint.h>

#include "ctl_ring.h"
#include "dp.h"

/* Totals over all streams (main lcore; relaxed reads of worker counters). */
void mg_stats_sum(const struct mg_fwd_stream *streams, uint16_t nb,
		  struct mg_fwd_stats *tot);

/* One line per port with rates since the previous call. */
void mg_stats_print_rates(const struct mg_fwd_stream *streams, uint16_t nb,
			  struct mg_fwd_stats *prev, double secs);

/* The machine-readable totals printed at exit. */
void mg_stats_print_final(const struct mg_fwd_stream *streams, uint16_t nb,
			  const struct mg_dp_ctl_stats *ctl);

#endif /* MG_DP_STATS_H */
