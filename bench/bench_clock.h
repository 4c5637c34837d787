/* SPDX-License-Identifier: BSD-3-Clause */
/* The clocks the benchmarks read: wall time, and the TSC's rate, so
 * cycles per packet are TSC cycles. */
#ifndef MG_BENCH_CLOCK_H
#define MG_BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* TSC ticks per second, over a 200 ms sleep. */
static inline uint64_t
tsc_rate(void)
{
	uint64_t t0 = now_ns(), c0 = __rdtsc();
	struct timespec d = { 0, 200000000 };

	nanosleep(&d, NULL);
	return (__rdtsc() - c0) * 1000000000ull / (now_ns() - t0);
}

#endif /* MG_BENCH_CLOCK_H */
