/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP as the engine parses and rewrites it, on the examples of RFC 8866
 * §5 and RFC 4568 §9.1: the owned fields come out right, the rewrite is
 * exactly the expected text (every other line byte for byte, the line
 * ends kept), and malformed SDP is refused with the line and the reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../control/sdp.h"

static struct mg_sdp sdp;
static char err[160], out[8192];

/* RFC 8866 §5. */
static const char rfc8866[] =
	"v=0\r\n"
	"o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n"
	"s=Call to John Smith\r\n"
	"i=SDP Offer #1\r\n"
	"u=http://www.jdoe.example.com/home.html\r\n"
	"e=Jane Doe <jane@jdoe.example.com>\r\n"
	"p=+1 617 555-6011\r\n"
	"c=IN IP4 198.51.100.1\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0\r\n"
	"m=audio 49180 RTP/AVP 0\r\n"
	"m=video 51372 RTP/AVP 99\r\n"
	"c=IN IP6 2001:db8::2\r\n"
	"a=rtpmap:99 h263-1998/90000\r\n";

/* RFC 4568 §9.1 (one line per attribute). */
static const char rfc4568[] =
	"v=0\n"
	"o=sam 2890844526 2890842807 IN IP4 10.47.16.5\n"
	"s=SRTP Discussion\n"
	"i=A discussion of Secure RTP\n"
	"u=http://www.example.com/seminars/srtp.pdf\n"
	"e=marge@example.com (Marge Simpson)\n"
	"c=IN IP4 168.2.17.12\n"
	"t=2873397496 2873404696\n"
	"m=audio 49170 RTP/SAVP 0\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 "
	"FEC_ORDER=FEC_SRTP\n"
	"a=crypto:2 F8_128_HMAC_SHA1_80 "
	"inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
	"inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 "
	"FEC_ORDER=FEC_SRTP\n";

/* ../shared/SDP-IPSEC.md's example offer, with a qos precondition (not
 * ours) and a media-level a=ipsec on a second m= line. */
static const char ipsec_offer[] =
	"v=0\n"
	"o=- 1 1 IN IP4 192.0.2.1\n"
	"s=-\n"
	"c=IN IP4 192.0.2.1\n"
	"t=0 0\n"
	"a=ipsec:1 ESP_AES_GCM_16_128 inline:KEY1|2^30 spi=1000 kdr=24\n"
	"a=ipsec:2 ESP_AES_CBC_128_HMAC_SHA256_128 inline:KEY2 spi=1000\n"
	"a=curr:sec e2e none\n"
	"a=des:sec mandatory e2e sendrecv\n"
	"m=application 40000 udp vnd.example.sensor\n"
	"m=audio 40002 RTP/AVP 0\n"
	"a=curr:qos e2e none\n"
	"a=ipsec:3 ESP_AES_GCM_16_256 inline:KEY3 spi=2000\n"
	"a=conf:sec e2e sendrecv\n";

static void
ipsec_and_sec_preconditions(void **state)
{
	struct mg_sdp_out o;
	long n;
	static const char want[] =
		"v=0\n"
		"o=- 1 1 IN IP4 192.0.2.1\n"
		"s=-\n"
		"c=IN IP4 203.0.113.9\n"
		"t=0 0\n"
		"a=ipsec:1 OURS\n"
		"a=curr:sec e2e none\n"
		"a=des:sec mandatory e2e sendrecv\n"
		"m=application 50000 udp vnd.example.sensor\n"
		"a=rtcp:50001\n"
		"m=audio 50002 RTP/AVP 0\n"
		"a=curr:qos e2e none\n"
		"a=rtcp:50003\n"
		"a=ipsec:3 MINE\n"
		"a=curr:sec e2e sendrecv\n";

	(void)state;
	assert_int_equal(mg_sdp_parse(ipsec_offer, strlen(ipsec_offer), &sdp,
				      err, sizeof(err)), 0);
	assert_int_equal(sdp.sec.nipsec, 2);
	assert_int_equal(sdp.sec.ipsec[0], 5);
	assert_int_equal(sdp.sec.nprec, 2);
	assert_int_equal(sdp.media[0].sec.nipsec, 0);
	assert_int_equal(sdp.media[1].sec.nipsec, 1);
	assert_int_equal(sdp.media[1].sec.ipsec[0], 12);
	assert_int_equal(sdp.media[1].sec.nprec, 1); /* conf:sec, not qos */
	assert_int_equal(sdp.media[1].sec.prec[0], 13);
	memset(&o, 0, sizeof(o));
	o.addr = "203.0.113.9";
	o.family = 4;
	o.replace_sec = true;
	o.ipsec = "a=ipsec:1 OURS";
	o.prec = "a=curr:sec e2e none\na=des:sec mandatory e2e sendrecv";
	for (int i = 0; i < 2; i++) {
		o.media[i].port = (uint16_t)(50000 + 2 * i);
		o.media[i].drop_crypto = true;
		o.media[i].replace_sec = i == 1;
	}
	o.media[1].ipsec = "a=ipsec:3 MINE";
	o.media[1].prec = "a=curr:sec e2e sendrecv";
	n = mg_sdp_write(&sdp, &o, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	if (strcmp(out, want) != 0)
		fail_msg("got:\n%s\nwant:\n%s", out, want);
}

static void
too_many_sec_lines(void **state)
{
	char buf[2048];
	size_t len = 0;

	(void)state;
	len += (size_t)sprintf(buf, "v=0\nc=IN IP4 192.0.2.1\n");
	for (int i = 0; i <= MG_SDP_IPSEC_MAX; i++)
		len += (size_t)sprintf(buf + len, "a=ipsec:%d X\n", i + 1);
	assert_int_equal(mg_sdp_parse(buf, len, &sdp, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "too many a=ipsec lines"));
	len = (size_t)sprintf(buf, "v=0\nc=IN IP4 192.0.2.1\nm=audio 1 RTP/AVP 0\n");
	for (int i = 0; i <= MG_SDP_PREC_MAX; i++)
		len += (size_t)sprintf(buf + len, "a=des:sec optional e2e send\n");
	assert_int_equal(mg_sdp_parse(buf, len, &sdp, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "too many sec precondition lines"));
}

static bool
str_is(struct mg_sdp_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static void
rfc8866_parse_and_rewrite(void **state)
{
	static const char want[] =
		"v=0\r\n"
		"o=jdoe 3724394400 3724394405 IN IP4 203.0.113.1\r\n"
		"s=Call to John Smith\r\n"
		"i=SDP Offer #1\r\n"
		"u=http://www.jdoe.example.com/home.html\r\n"
		"e=Jane Doe <jane@jdoe.example.com>\r\n"
		"p=+1 617 555-6011\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0\r\n"
		"a=rtcp:30001\r\n"
		"m=audio 30002 RTP/AVP 0\r\n"
		"a=rtcp:30003\r\n"
		"m=video 30004 RTP/AVP 99\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"a=rtpmap:99 h263-1998/90000\r\n"
		"a=rtcp:30005\r\n";
	struct mg_sdp_out o = { .addr = "203.0.113.1", .family = 4,
				.replace_origin = true };
	long n;

	(void)state;
	if (mg_sdp_parse(rfc8866, sizeof(rfc8866) - 1, &sdp, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(sdp.crlf);
	assert_int_equal(sdp.nmedia, 3);
	assert_true(str_is(sdp.origin_addr, "198.51.100.1"));
	assert_true(str_is(sdp.media[0].addr, "198.51.100.1"));
	assert_false(sdp.media[0].has_c);
	assert_int_equal(sdp.media[1].port, 49180);
	assert_true(str_is(sdp.media[2].type, "video"));
	assert_true(str_is(sdp.media[2].addr, "2001:db8::2"));
	assert_int_equal(sdp.media[2].family, 6);
	assert_true(str_is(sdp.media[2].fmts, "99"));
	for (int i = 0; i < 3; i++)
		o.media[i].port = (uint16_t)(30000 + 2 * i);
	n = mg_sdp_write(&sdp, &o, out, sizeof(out));
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	/* Too small a buffer is refused, not cut. */
	assert_int_equal(mg_sdp_write(&sdp, &o, out, 100), -ENOSPC);
}

static void
rfc4568_crypto_and_conversion(void **state)
{
	struct mg_sdp_out o = { .addr = "2001:db8::7", .family = 6 };
	long n;

	(void)state;
	if (mg_sdp_parse(rfc4568, sizeof(rfc4568) - 1, &sdp, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(sdp.crlf);
	assert_int_equal(sdp.media[0].ncrypto, 2);
	assert_int_equal(sdp.media[0].crypto[0].tag, 1);
	assert_true(str_is(sdp.media[0].crypto[0].suite,
			   "AES_CM_128_HMAC_SHA1_80"));
	assert_true(str_is(sdp.media[0].crypto[0].rest,
			   "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 "
			   "FEC_ORDER=FEC_SRTP"));
	assert_int_equal(sdp.media[0].crypto[1].tag, 2);
	assert_true(str_is(sdp.media[0].crypto[1].suite, "F8_128_HMAC_SHA1_80"));
	/* Toward a PSTN trunk: plain RTP, no keys, rtcp-mux. */
	o.media[0] = (struct mg_sdp_media_out){ .port = 40000, .proto = "RTP/AVP",
		.drop_crypto = true, .rtcp_mux = true };
	n = mg_sdp_write(&sdp, &o, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_non_null(strstr(out, "\nc=IN IP6 2001:db8::7\n"));
	assert_non_null(strstr(out, "\nm=audio 40000 RTP/AVP 0\na=rtcp-mux\n"));
	assert_null(strstr(out, "a=crypto"));
	assert_non_null(strstr(out, "o=sam 2890844526 2890842807 IN IP4 10.47.16.5\n"));
	/* Toward an SRTP phone: our own key line instead of theirs. */
	o.media[0] = (struct mg_sdp_media_out){ .port = 40000,
		.crypto = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA" };
	n = mg_sdp_write(&sdp, &o, out, sizeof(out));
	out[n] = '\0';
	assert_non_null(strstr(out, "m=audio 40000 RTP/SAVP 0\na=rtcp:40001\n"
			       "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\n"));
	assert_null(strstr(out, "F8_128"));
}

static const struct {
	const char *sdp;
	const char *why;
} bad[] = {
	{ "", "starts with v=0" },
	{ "v=1\r\n", "starts with v=0" },
	{ "o=x 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", "starts with v=0" },
	{ "v=0\r\nthis is not sdp\r\n", "line 2: not <type>=<value>" },
	{ "v=0\r\nX=upper\r\n", "not <type>=<value>" },
	{ "v=0\r\no=x 1 1 IN IP4\r\n", "o= needs six fields" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n", "m= is not" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n", "m= is not" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP\r\n", "m= is not" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000/x RTP/AVP 0\r\n",
	  "bad port count" },
	{ "v=0\r\nm=audio 5000 RTP/AVP 0\r\n", "without a c=" },
	{ "v=0\r\nc=IN IP5 1.2.3.4\r\n", "c= is not IN IP4|IP6" },
	{ "v=0\r\nc=IN IP4\r\n", "c= is not" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/SAVP 0\r\n"
	  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n"
	  "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:BBBB\r\n",
	  "line 5: duplicate a=crypto tag" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/SAVP 0\r\n"
	  "a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n", "tag is not" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/SAVP 0\r\n"
	  "a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n",
	  "tag is not" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/SAVP 0\r\n"
	  "a=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n", "needs a suite and key" },
	{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp:x\r\n",
	  "bad a=rtcp port" },
};

static void
malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (mg_sdp_parse(bad[i].sdp, strlen(bad[i].sdp), &sdp, err,
				 sizeof(err)) != -EINVAL ||
		    strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': '%s', want '%s'", bad[i].sdp, err,
				 bad[i].why);
	}
}

/* Limits: a huge line, too many lines, too many sections; and every
 * prefix of a real SDP parses or is refused, never read past (ASan). */
static void
limits_and_prefixes(void **state)
{
	static char s[64 * 1024];
	size_t big = MG_SDP_LINE_LEN_MAX + 100, n = 0;

	(void)state;
	n = (size_t)sprintf(s, "v=0\r\na=");
	memset(s + n, 'x', big);
	n += big;
	assert_int_equal(mg_sdp_parse(s, n, &sdp, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line too long"));
	n = (size_t)sprintf(s, "v=0\r\n");
	for (int i = 0; i < MG_SDP_LINES_MAX + 5; i++)
		n += (size_t)sprintf(s + n, "a=x\r\n");
	assert_int_equal(mg_sdp_parse(s, n, &sdp, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too many lines"));
	n = (size_t)sprintf(s, "v=0\r\nc=IN IP4 1.2.3.4\r\n");
	for (int i = 0; i < MG_SDP_MEDIA_MAX + 1; i++)
		n += (size_t)sprintf(s + n, "m=audio %d RTP/AVP 0\r\n", 1000 + i);
	assert_int_equal(mg_sdp_parse(s, n, &sdp, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too many m= sections"));
	for (size_t len = 0; len < sizeof(rfc4568) - 1; len++) {
		char *p = malloc(len ? len : 1);

		if (p == NULL)
			fail_msg("no memory");
		memcpy(p, rfc4568, len);
		(void)mg_sdp_parse(p, len, &sdp, err, sizeof(err));
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc8866_parse_and_rewrite),
		cmocka_unit_test(rfc4568_crypto_and_conversion),
		cmocka_unit_test(malformed),
		cmocka_unit_test(limits_and_prefixes),
		cmocka_unit_test(ipsec_and_sec_preconditions),
		cmocka_unit_test(too_many_sec_lines),
	};

	return cmocka_run_group_tests_name("sdp", tests, NULL, NULL);
}
