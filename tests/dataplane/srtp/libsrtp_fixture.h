/* SPDX-License-Identifier: BSD-3-Clause */
/* What the suites that check against libsrtp2 share: libsrtp2 started and
 * stopped around an IPsec-MB manager, and a seeded xorshift, so a failure
 * replays the same packets. The includer seeds `rng` to its taste. */
#ifndef MG_TEST_LIBSRTP_FIXTURE_H
#define MG_TEST_LIBSRTP_FIXTURE_H

#include <stdint.h>

#include <srtp2/srtp.h>

#include "mb_mgr_fixture.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static int
libsrtp_setup(void **state)
{
	if (srtp_init() != srtp_err_status_ok)
		return -1;
	return mb_mgr_setup(state);
}

static int
libsrtp_teardown(void **state)
{
	srtp_shutdown();
	return mb_mgr_teardown(state);
}

#endif /* MG_TEST_LIBSRTP_FIXTURE_H */
