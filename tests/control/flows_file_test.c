/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The static flows file: a good file becomes the ring messages it names,
 * in order, addresses and MACs in network form; every malformed line is
 * refused with its file and line number, and no key is left behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../control/flows_file.h"

#define KEY "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

static char path[64];

static void
write_file(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/mg-flows-test-%d", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define AUTH "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
esp_line_fields(const struct mg_ctl_msg *m)
{
	const struct mg_ctl_esp_add *a = &m->u.esp_add;
	const struct mg_esp_sa_policy *p = &a->policy;
	uint8_t v6[16];

	assert_int_equal(m->h.type, MG_CTL_ESP_ADD);
	assert_int_equal(m->h.len, sizeof(*a));
	assert_int_equal(a->id, 9);
	assert_int_equal(a->family, 6);
	assert_int_equal(p->suite, MG_ESP_AES_CBC_128_HMAC_SHA256_128);
	assert_int_equal(p->spi, 0x1f00);
	assert_int_equal(p->flags, MG_ESP_F_INBOUND | MG_ESP_F_TUNNEL |
			 MG_ESP_F_ESN | MG_ESP_F_UDP_ENCAP | MG_ESP_F_OUTER_V6);
	assert_int_equal(p->local_port, 4501);
	assert_int_equal(p->remote_port, 4500);
	assert_int_equal(p->window, 4096);
	assert_int_equal(p->kdr_log2, 20);
	assert_int_equal(p->ttl, 9);
	assert_int_equal(p->seq, 77);
	assert_int_equal(p->soft.packets, 900);
	assert_int_equal(p->soft.seconds, 5);
	assert_int_equal(p->hard.packets, 1000);
	assert_int_equal(p->hard.bytes, 1048576);
	assert_memory_equal(p->enc_key, "\x00\x01\x02\x03\x04\x05\x06\x07"
			    "\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16);
	assert_int_equal(p->auth_key[0], 0x00);
	assert_int_equal(p->auth_key[31], 0xff);
	inet_pton(AF_INET6, "2001:db8::2", v6);
	assert_memory_equal(p->remote, v6, 16);
}

static void
good_file(void **state)
{
	struct mg_flows_file ff;
	const struct mg_ctl_flow *f;
	char err[256];
	uint8_t v6[16];

	(void)state;
	write_file("# a call\n\n"
		   "srtp 7 ssrc=0x11223344 window=2048 AES_CM_128_HMAC_SHA1_80 "
		   "inline:" KEY "|2^20 KDR=3\n"
		   "srtp 8 ssrc=any AES_CM_128_HMAC_SHA1_32 inline:" KEY "\n"
		   "flow 3 local=10.0.0.1:4000 action=srtp-to-srtp rx=7 tx=8 "
		   "rx2=12 peer=4 out-port=1 out-src=[2001:db8::1]:5004 "
		   "out-dst=[2001:db8::2]:6000 out-dmac=02:00:00:00:00:02 "
		   "out-smac=02:00:00:00:00:01 latch strict "
		   "remote=192.0.2.1:7000\n"
		   "esp 9 in ESP_AES_CBC_128_HMAC_SHA256_128 spi=1f00 "
		   "key=000102030405060708090a0b0c0d0e0f auth=" AUTH " "
		   "local=2001:db8::1 remote=2001:db8::2 tunnel esn udp=4501:4500 "
		   "window=4096 kdr=20 ttl=9 seq=77 soft=900p soft=5s hard=1000p "
		   "hard=1048576b\n");
	assert_int_equal(mg_flows_file_load(path, &ff, err, sizeof(err)), 0);
	assert_int_equal(ff.nb_msgs, 4);
	assert_int_equal(ff.nb_srtp, 2);
	assert_int_equal(ff.nb_flows, 1);
	assert_int_equal(ff.nb_esp, 1);
	esp_line_fields(&ff.msgs[3]);
	assert_int_equal(ff.msgs[0].h.type, MG_CTL_SRTP_ADD);
	assert_int_equal(ff.msgs[0].u.srtp_add.id, 7);
	assert_int_equal(ff.msgs[0].u.srtp_add.policy.ssrc, 0x11223344);
	assert_int_equal(ff.msgs[0].u.srtp_add.policy.window, 2048);
	assert_int_equal(ff.msgs[0].u.srtp_add.policy.kdr_log2, 3);
	assert_int_equal(ff.msgs[1].u.srtp_add.policy.flags, MG_SRTP_F_ANY_SSRC);
	f = &ff.msgs[2].u.flow;
	assert_int_equal(ff.msgs[2].h.type, MG_CTL_FLOW_ADD);
	assert_int_equal(f->id, 3);
	assert_int_equal(f->rx_ctx2, 12);
	assert_int_equal(f->action, MG_FLOW_SRTP_TO_SRTP);
	assert_int_equal(f->rx_ctx, 7);
	assert_int_equal(f->tx_ctx, 8);
	assert_int_equal(f->peer, 4);
	assert_int_equal(f->out_port, 1);
	assert_int_equal(f->flags, MG_FLOW_F_LATCH | MG_FLOW_F_STRICT);
	assert_int_equal(f->local.family, 4);
	assert_int_equal(f->local.port, htons(4000));
	assert_memory_equal(f->local.ip, "\x0a\x00\x00\x01", 4);
	assert_int_equal(f->out_dst.family, 6);
	inet_pton(AF_INET6, "2001:db8::2", v6);
	assert_memory_equal(f->out_dst.ip, v6, 16);
	assert_memory_equal(f->out_dst_mac, "\x02\0\0\0\0\x02", 6);
	mg_flows_file_free(&ff);
	unlink(path);
}

static const struct {
	const char *text;
	const char *why;
} bad[] = {
	{ "bogus line\n", ":1: a line is 'srtp ...', 'esp ...' or 'flow ...'" },
	{ "esp 1 in ESP_NULL_HMAC_MD5_96 spi=1000 auth=00 local=10.0.0.1\n",
	  "bad esp field 'auth'" },
	{ "esp 1 in ESP_NULL_HMAC_MD5_96 spi=xyz local=10.0.0.1\n",
	  "bad esp field 'spi'" },
	{ "esp 1 out ESP_AES_GCM_16_128 spi=1000 local=10.0.0.1\n",
	  "esp needs key= (16 bytes)" },
	{ "esp 1 out ESP_AES_GCM_16_128 spi=1000 local=10.0.0.1 udp=0:4500\n",
	  "bad esp field 'udp'" },
	{ "esp 1 out ESP_AES_GCM_16_128 spi=1000 local=10.0.0.1 window=5000\n",
	  "bad esp field 'window'" },
	{ "\nsrtp x AES_CM_128_HMAC_SHA1_80 inline:" KEY "\n", ":2: srtp needs an id" },
	{ "srtp 0 AES_CM_128_HMAC_SHA1_80 inline:" KEY "\n", "srtp needs an id" },
	{ "srtp 1 ssrc=zz AES_CM_128_HMAC_SHA1_80 inline:" KEY "\n",
	  "bad srtp field 'ssrc=zz'" },
	{ "srtp 1 window=5000 AES_CM_128_HMAC_SHA1_80 inline:" KEY "\n",
	  "bad srtp field" },
	{ "srtp 1 ssrc=1\n", "needs a crypto suite and key" },
	{ "srtp 1 AES_256_CM_HMAC_SHA1_80 inline:" KEY "\n", "46-byte inline key" },
	{ "flow 1 action=relay\n", "needs local= and action=" },
	{ "flow 1 local=10.0.0.1:4000\n", "needs local= and action=" },
	{ "flow 1 local=10.0.0.1 action=relay\n", "bad flow field 'local=10.0.0.1'" },
	{ "flow 1 local=10.0.0.1:0 action=relay\n", "bad flow field" },
	{ "flow 1 local=10.0.0.1:70000 action=relay\n", "bad flow field" },
	{ "flow 1 local=[::1:4000 action=relay\n", "bad flow field" },
	{ "flow 1 local=10.0.0.300:4000 action=relay\n", "bad flow field" },
	{ "flow 1 local=10.0.0.1:4000 action=teleport\n", "bad flow field 'action=teleport'" },
	{ "flow 1 local=10.0.0.1:4000 action=relay out-dmac=02:00:00:00:00\n",
	  "bad flow field" },
	{ "flow 1 local=10.0.0.1:4000 action=relay out-port=70000\n", "bad flow field" },
	{ "flow 1 local=10.0.0.1:4000 action=relay frobnicate\n",
	  "bad flow field 'frobnicate'" },
};

static void
bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mg_flows_file ff;
		char err[256] = "";

		write_file(bad[i].text);
		if (mg_flows_file_load(path, &ff, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i].text);
		if (strstr(err, bad[i].why) == NULL || strstr(err, path) == NULL)
			fail_msg("'%s': said '%s', want '%s'", bad[i].text, err,
				 bad[i].why);
		assert_null(ff.msgs);
	}
	unlink(path);
}

static void
missing_file(void **state)
{
	struct mg_flows_file ff;
	char err[256];

	(void)state;
	assert_int_equal(mg_flows_file_load("/nonexistent/flows", &ff, err,
					    sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file),
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(missing_file),
	};

	return cmocka_run_group_tests_name("flows_file", tests, NULL, NULL);
}
