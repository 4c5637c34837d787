/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ones' complement sum of a payload (RFC 1071), for the UDP checksum
 * of every packet the pipeline rewrites: the one checksum step that reads
 * the whole packet. Two ways to take it, picked once for the CPU.
 */
#ifndef MG_DP_CKSUM_H
#define MG_DP_CKSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A 16-bit word as it lies in memory: ones' complement sums do not care
 * about byte order as long as every word is read the same way and the
 * result is stored back the same way (RFC 1071 §2(B)). */
static inline uint32_t
mg_cksum_word(const uint8_t *p)
{
	uint16_t w;

	memcpy(&w, p, 2);
	return w;
}

/* End-around carries until 16 bits are left. */
static inline uint32_t
mg_cksum_fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/* The sum of len bytes, as 16-bit words read in memory order (a last odd
 * byte padded with a zero byte), folded to 16 bits. */
extern uint32_t (*mg_cksum_sum)(const uint8_t *p, uint32_t len);

/* The two ways, for tests and benchmarks: 32 bytes a step in SSE2
 * registers, and 64 a step in AVX-512 ones with the tail read masked.
 * The second may be called only where mg_cksum_has_avx512(). */
uint32_t mg_cksum_sum_sse2(const uint8_t *p, uint32_t len);
uint32_t mg_cksum_sum_avx512(const uint8_t *p, uint32_t len);
bool mg_cksum_has_avx512(void);

#endif /* MG_DP_CKSUM_H */
