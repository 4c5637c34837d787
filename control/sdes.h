/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES (RFC 4568) crypto attributes to SRTP policies: the part of an
 * a=crypto line after its tag, "<suite> <key-params> [<session-params>]",
 * e.g. "AES_CM_128_HMAC_SHA1_80 inline:BASE64|2^20|1:4 KDR=4".
 */
#ifndef MG_CTL_SDES_H
#define MG_CTL_SDES_H

#include <stddef.h>

#include "mg_srtp.h"

/* The suite named as in SDP (RFC 4568, 6188, 7714), or 0. */
enum mg_srtp_suite mg_sdes_suite(const char *name, size_t len);

/* Parse `s` into *p (ssrc, window and flags not set by the line stay as
 * the caller put them). Returns 0, or -EINVAL / -ENOTSUP with one line in
 * err; *p holds no key material after a failure. */
int mg_sdes_parse(const char *s, struct mg_srtp_policy *p, char *err,
		  size_t errlen);

/* The suite's SDP name, or NULL. */
const char *mg_sdes_suite_name(enum mg_srtp_suite suite);

/* A fresh master key and salt for `suite` from getrandom(2) (drawn a
 * page at a time into memory out of core dumps): one master, no MKI, no
 * session parameters. 0, or -EINVAL (suite) / -errno. */
int mg_sdes_keygen(enum mg_srtp_suite suite, struct mg_srtp_policy *p);

/* "a=crypto:TAG SUITE inline:KEY||SALT" for p's first master, with the
 * session parameters p carries (UNENCRYPTED_*, UNAUTHENTICATED_SRTP,
 * KDR). Returns the length written (terminated), or -ENOSPC / -EINVAL.
 * The output is secret: the caller wipes it. */
int mg_sdes_format(const struct mg_srtp_policy *p, uint32_t tag, char *out,
		   size_t cap);

#endif /* MG_CTL_SDES_H */
