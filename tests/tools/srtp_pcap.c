/* SPDX-License-Identifier: BSD-3-Clause */
/* srtp_pcap: the independent SRTP oracle of the end-to-end tests. It
 * protects or unprotects the UDP payloads of a pcap file with libsrtp2, so a
 * test can feed the dataplane SRTP made by libsrtp2 and check the SRTP the
 * dataplane sends with libsrtp2.
 *
 * Usage:
 *   srtp_pcap protect|unprotect --suite NAME --key BASE64 --in IN.pcap
 *             --out OUT.pcap [--port N] [--allow-fail] [--window N]
 *
 * One libsrtp2 session (SSRC wildcard: any outbound to protect, any inbound
 * to unprotect) handles every packet. A UDP payload whose second byte is
 * 192..223 is RTCP (RFC 5761 section 4), anything else RTP. Packets that are
 * not Ethernet [802.1Q] IPv4|IPv6 UDP, IPv4 fragments, IPv6 packets with
 * extension headers, truncated captures and, with --port, packets to another
 * UDP destination port are copied unchanged. A rewritten packet gets new
 * IPv4 total length and header checksum or IPv6 payload length, UDP length
 * and UDP checksum; Ethernet padding after the IP datagram is dropped.
 * A packet libsrtp2 refuses is left out of the output and reported on
 * stderr with its 1-based index (Wireshark's frame number).
 *
 * Exit status: 0; 1 if some packet was refused and --allow-fail was not
 * given; 2 on a usage error or any failure to set up or to read or write
 * the files. */

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <srtp2/srtp.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

#define MAX_KEY_LEN 64
/* Largest UDP payload (65535 - 8) plus what libsrtp2 may append. */
#define PAYLOAD_BUF (65536 + SRTP_MAX_TRAILER_LEN + 64)
/* Headers before the payload: Ethernet, two VLAN tags, IPv4 with options,
 * UDP; the payload after them. */
#define FRAME_BUF (14 + 8 + 60 + 8 + PAYLOAD_BUF)

static const char *prog = "srtp_pcap";

struct suite {
	const char *name;
	void (*rtp)(srtp_crypto_policy_t *p);
	void (*rtcp)(srtp_crypto_policy_t *p);
	int rtp_tag_len; /* overrides the RTP setter's tag when > 0 */
	int key_len;     /* master key || master salt, in bytes */
};

/* For the _32 suites RTCP keeps an 80-bit tag (RFC 4568 section 6.2). */
static const struct suite suites[] = {
	{"AES_CM_128_HMAC_SHA1_80", srtp_crypto_policy_set_rtp_default,
	 srtp_crypto_policy_set_rtcp_default, 0, 30},
	{"AES_CM_128_HMAC_SHA1_32",
	 srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	 srtp_crypto_policy_set_rtcp_default, 0, 30},
	{"AES_256_CM_HMAC_SHA1_80",
	 srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	 srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 0, 46},
	{"AES_256_CM_HMAC_SHA1_32",
	 srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
	 srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 0, 46},
	{"AEAD_AES_128_GCM", srtp_crypto_policy_set_aes_gcm_128_16_auth,
	 srtp_crypto_policy_set_aes_gcm_128_16_auth, 0, 28},
	{"AEAD_AES_256_GCM", srtp_crypto_policy_set_aes_gcm_256_16_auth,
	 srtp_crypto_policy_set_aes_gcm_256_16_auth, 0, 44},
	{"NULL_HMAC_SHA1_80", srtp_crypto_policy_set_null_cipher_hmac_sha1_80,
	 srtp_crypto_policy_set_null_cipher_hmac_sha1_80, 0, 30},
	{"NULL_HMAC_SHA1_32", srtp_crypto_policy_set_null_cipher_hmac_sha1_80,
	 srtp_crypto_policy_set_null_cipher_hmac_sha1_80, 4, 30},
};

static const char *const err_names[] = {
	"ok", "fail", "bad_param", "alloc_fail", "dealloc_fail", "init_fail",
	"terminus", "auth_fail", "cipher_fail", "replay_fail", "replay_old",
	"algo_fail", "no_such_op", "no_ctx", "cant_check", "key_expired",
	"socket_err", "signal_err", "nonce_bad", "read_fail", "write_fail",
	"parse_err", "encode_err", "semaphore_err", "pfkey_err", "bad_mki",
	"pkt_idx_old", "pkt_idx_adv",
};

static const char *
err_name(srtp_err_status_t e)
{
	if ((unsigned)e < sizeof(err_names) / sizeof(err_names[0]))
		return err_names[e];
	return "unknown";
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: %s protect|unprotect --suite NAME --key BASE64 "
		"--in IN.pcap --out OUT.pcap\n"
		"          [--port N] [--allow-fail] [--window N]\n"
		"  --suite NAME   one of:", prog);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		fprintf(f, " %s", suites[i].name);
	fprintf(f,
		"\n"
		"  --key BASE64   SDES inline key: base64(master key || master "
		"salt)\n"
		"  --port N       only process UDP packets to destination port "
		"N; copy others\n"
		"  --allow-fail   exit 0 even if libsrtp2 refused packets\n"
		"  --window N     replay window size, 64..32767 (default "
		"1024)\n"
		"exit status: 0 ok, 1 packets refused, 2 usage or I/O error\n");
}

static void __attribute__((format(printf, 1, 2), noreturn))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 (RFC 4648 section 4) with '=' padding, which may be left
 * out. Returns the decoded length, or exits with a usage error. */
static size_t
b64_decode(const char *s, uint8_t *out, size_t cap)
{
	size_t len = strlen(s), n = 0, i, pad = 0;
	uint32_t acc = 0;
	int bits = 0;

	while (pad < 2 && len > 0 && s[len - 1] == '=') {
		len--;
		pad++;
	}
	if (len == 0)
		die_usage("--key: empty base64 key");
	if (pad > 0 && (len + pad) % 4 != 0)
		die_usage("--key: bad base64 padding");
	if (len % 4 == 1)
		die_usage("--key: bad base64 length (%zu characters)", len);
	for (i = 0; i < len; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0) {
			if (s[i] == '|' || s[i] == ':')
				die_usage("--key: bad base64 character '%c' at "
					  "offset %zu (give the key alone, "
					  "without inline: or |lifetime|MKI)",
					  s[i], i);
			die_usage("--key: bad base64 character 0x%02x at "
				  "offset %zu", (unsigned char)s[i], i);
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				die_usage("--key: key too long");
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		die_usage("--key: bad base64 (nonzero bits after the last "
			  "byte)");
	return n;
}

static unsigned long
parse_num(const char *opt, const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		die_usage("%s: not a number: '%s'", opt, s);
	v = strtoul(s, &end, 10);
	if (*end != '\0')
		die_usage("%s: not a number: '%s'", opt, s);
	if (v < lo || v > hi)
		die_usage("%s: %s out of range %lu..%lu", opt, s, lo, hi);
	return v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ones' complement sum; every chunk but the last must have an even
 * length. */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	while (n > 1) {
		sum += get16(p);
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (uint64_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

enum verdict { V_COPY, V_DONE, V_REFUSED };

struct ctx {
	srtp_t srtp;
	bool protect;
	long port; /* -1: every port */
	uint8_t payload[PAYLOAD_BUF];
	uint8_t frame[FRAME_BUF];
};

/* Process one frame. V_DONE: ctx->frame holds *out_len bytes to write.
 * V_REFUSED: *err is libsrtp2's error, or srtp_err_status_ok if the result
 * would not fit an IP datagram. */
static enum verdict
process(struct ctx *c, const uint8_t *pkt, size_t len, size_t *out_len,
	srtp_err_status_t *err, bool *is_rtcp)
{
	size_t off = 14, ip, l4, l4_avail, ip_hlen, ulen_new;
	uint16_t type, ulen;
	bool v4;
	int n, tags;
	uint64_t sum;
	uint16_t ck;

	if (len < off)
		return V_COPY;
	type = get16(pkt + 12);
	for (tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8); tags++) {
		if (len < off + 4)
			return V_COPY;
		type = get16(pkt + off + 2);
		off += 4;
	}
	ip = off;
	if (type == 0x0800) {
		uint16_t tot;

		v4 = true;
		if (len < ip + 20 || pkt[ip] >> 4 != 4)
			return V_COPY;
		ip_hlen = (size_t)(pkt[ip] & 0xf) * 4;
		tot = get16(pkt + ip + 2);
		if (ip_hlen < 20 || tot < ip_hlen || len < ip + tot)
			return V_COPY;
		if ((get16(pkt + ip + 6) & 0x3fff) != 0) /* MF or offset */
			return V_COPY;
		if (pkt[ip + 9] != 17)
			return V_COPY;
		l4_avail = tot - ip_hlen;
	} else if (type == 0x86dd) {
		uint16_t plen;

		v4 = false;
		ip_hlen = 40;
		if (len < ip + 40 || pkt[ip] >> 4 != 6)
			return V_COPY;
		plen = get16(pkt + ip + 4);
		if (plen == 0 || len < ip + 40 + plen) /* 0: jumbogram */
			return V_COPY;
		if (pkt[ip + 6] != 17) /* extension headers not handled */
			return V_COPY;
		l4_avail = plen;
	} else {
		return V_COPY;
	}
	l4 = ip + ip_hlen;
	if (l4_avail < 8)
		return V_COPY;
	ulen = get16(pkt + l4 + 4);
	if (ulen < 8 || ulen > l4_avail)
		return V_COPY;
	if (c->port >= 0 && get16(pkt + l4 + 2) != c->port)
		return V_COPY;

	n = ulen - 8;
	memcpy(c->payload, pkt + l4 + 8, (size_t)n);
	*is_rtcp = n >= 2 && c->payload[1] >= 192 && c->payload[1] <= 223;
	if (c->protect)
		*err = *is_rtcp ? srtp_protect_rtcp(c->srtp, c->payload, &n)
				: srtp_protect(c->srtp, c->payload, &n);
	else
		*err = *is_rtcp ? srtp_unprotect_rtcp(c->srtp, c->payload, &n)
				: srtp_unprotect(c->srtp, c->payload, &n);
	if (*err != srtp_err_status_ok)
		return V_REFUSED;
	if (n < 0 || (size_t)n > 65535 - 8 - (v4 ? ip_hlen : 0))
		return V_REFUSED;
	ulen_new = 8 + (size_t)n;

	memcpy(c->frame, pkt, l4 + 8);
	memcpy(c->frame + l4 + 8, c->payload, (size_t)n);
	*out_len = l4 + ulen_new;

	if (v4) {
		put16(c->frame + ip + 2, (uint16_t)(ip_hlen + ulen_new));
		put16(c->frame + ip + 10, 0);
		put16(c->frame + ip + 10,
		      csum_fold(csum_add(0, c->frame + ip, ip_hlen)));
		sum = csum_add(0, c->frame + ip + 12, 8); /* addresses */
	} else {
		put16(c->frame + ip + 4, (uint16_t)ulen_new);
		sum = csum_add(0, c->frame + ip + 8, 32); /* addresses */
	}
	sum += 17 + ulen_new; /* pseudo-header: protocol, UDP length */
	put16(c->frame + l4 + 4, (uint16_t)ulen_new);
	put16(c->frame + l4 + 6, 0);
	ck = csum_fold(csum_add(sum, c->frame + l4, ulen_new));
	put16(c->frame + l4 + 6, ck == 0 ? 0xffff : ck);
	return V_DONE;
}

/* pcap_open_offline() hands out microseconds; keep a nanosecond file's
 * timestamps exact by reading and writing it in nanoseconds. */
static unsigned
file_precision(const char *path)
{
	unsigned char m[4];
	FILE *f;
	size_t got;

	if (strcmp(path, "-") == 0)
		return PCAP_TSTAMP_PRECISION_MICRO;
	f = fopen(path, "rb");
	if (f == NULL)
		return PCAP_TSTAMP_PRECISION_MICRO;
	got = fread(m, 1, sizeof(m), f);
	fclose(f);
	if (got == 4 && ((m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c &&
			  m[3] == 0x4d) ||
			 (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 &&
			  m[3] == 0xa1)))
		return PCAP_TSTAMP_PRECISION_NANO;
	return PCAP_TSTAMP_PRECISION_MICRO;
}

static struct ctx c;

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"suite", required_argument, NULL, 's'},
		{"key", required_argument, NULL, 'k'},
		{"in", required_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'},
		{"port", required_argument, NULL, 'p'},
		{"allow-fail", no_argument, NULL, 'a'},
		{"window", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *suite_name = NULL, *key_b64 = NULL, *in_path = NULL;
	const char *out_path = NULL, *mode;
	const struct suite *suite = NULL;
	unsigned long window = 1024, npkt = 0, ndone = 0, nref = 0, ncopy = 0;
	bool allow_fail = false;
	uint8_t key[MAX_KEY_LEN];
	size_t key_len, i;
	srtp_policy_t policy;
	srtp_err_status_t err;
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *in, *dead;
	pcap_dumper_t *dump;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned prec;
	int opt, r;

	c.port = -1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			suite_name = optarg;
			break;
		case 'k':
			key_b64 = optarg;
			break;
		case 'i':
			in_path = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'p':
			c.port = (long)parse_num("--port", optarg, 0, 65535);
			break;
		case 'a':
			allow_fail = true;
			break;
		case 'w':
			window = parse_num("--window", optarg, 64, 0x7fff);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			usage(stderr);
			die_usage("option %s needs a value", argv[optind - 1]);
		default:
			usage(stderr);
			die_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		die_usage(optind >= argc ? "protect or unprotect?"
					 : "one mode (protect|unprotect) "
					   "expected");
	}
	mode = argv[optind];
	if (strcmp(mode, "protect") == 0)
		c.protect = true;
	else if (strcmp(mode, "unprotect") == 0)
		c.protect = false;
	else
		die_usage("unknown mode '%s' (protect|unprotect)", mode);
	if (suite_name == NULL || key_b64 == NULL || in_path == NULL ||
	    out_path == NULL) {
		usage(stderr);
		die_usage("--suite, --key, --in and --out are required");
	}
	if (strcmp(out_path, "-") == 0)
		die_usage("--out -: stdout carries the summary line");
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (strcmp(suites[i].name, suite_name) == 0)
			suite = &suites[i];
	if (suite == NULL) {
		usage(stderr);
		die_usage("unknown suite '%s'", suite_name);
	}
	key_len = b64_decode(key_b64, key, sizeof(key));
	if (key_len != (size_t)suite->key_len)
		die_usage("--key: %zu bytes, %s needs %d (master key || "
			  "master salt)", key_len, suite->name, suite->key_len);

	err = srtp_init();
	if (err != srtp_err_status_ok) {
		fprintf(stderr, "%s: srtp_init: error %d (%s)\n", prog, err,
			err_name(err));
		return EXIT_USAGE;
	}
	memset(&policy, 0, sizeof(policy));
	suite->rtp(&policy.rtp);
	suite->rtcp(&policy.rtcp);
	if (suite->rtp_tag_len > 0)
		policy.rtp.auth_tag_len = suite->rtp_tag_len;
	if (policy.rtp.cipher_key_len != suite->key_len) {
		fprintf(stderr, "%s: internal: libsrtp2 wants %d key bytes for "
			"%s, table says %d\n", prog, policy.rtp.cipher_key_len,
			suite->name, suite->key_len);
		return EXIT_USAGE;
	}
	policy.ssrc.type = c.protect ? ssrc_any_outbound : ssrc_any_inbound;
	policy.key = key;
	policy.window_size = window;
	policy.allow_repeat_tx = 0;
	policy.next = NULL;
	err = srtp_create(&c.srtp, &policy);
	if (err != srtp_err_status_ok) {
		fprintf(stderr, "%s: srtp_create (%s): error %d (%s)\n", prog,
			suite->name, err, err_name(err));
		return EXIT_USAGE;
	}

	prec = file_precision(in_path);
	in = pcap_open_offline_with_tstamp_precision(in_path, prec, errbuf);
	if (in == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, in_path, errbuf);
		return EXIT_USAGE;
	}
	if (pcap_datalink(in) != DLT_EN10MB) {
		fprintf(stderr, "%s: %s: link type %s, only Ethernet (EN10MB) "
			"is handled\n", prog, in_path,
			pcap_datalink_val_to_name(pcap_datalink(in)));
		return EXIT_USAGE;
	}
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, prec);
	if (dead == NULL) {
		fprintf(stderr, "%s: pcap_open_dead failed\n", prog);
		return EXIT_USAGE;
	}
	dump = pcap_dump_open(dead, out_path);
	if (dump == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, out_path,
			pcap_geterr(dead));
		return EXIT_USAGE;
	}

	while ((r = pcap_next_ex(in, &h, &data)) == 1) {
		struct pcap_pkthdr oh;
		enum verdict v = V_COPY;
		size_t out_len = 0;
		bool rtcp = false;

		npkt++;
		err = srtp_err_status_ok;
		if (h->caplen == h->len) /* else truncated: copy */
			v = process(&c, data, h->caplen, &out_len, &err, &rtcp);
		switch (v) {
		case V_COPY:
			ncopy++;
			pcap_dump((u_char *)dump, h, data);
			break;
		case V_DONE:
			ndone++;
			oh = *h;
			oh.caplen = oh.len = (bpf_u_int32)out_len;
			pcap_dump((u_char *)dump, &oh, c.frame);
			break;
		case V_REFUSED:
			nref++;
			if (err != srtp_err_status_ok)
				fprintf(stderr, "%s: packet %lu: %s refused: "
					"error %d (%s)\n", prog, npkt,
					c.protect ? (rtcp ? "srtp_protect_rtcp"
							  : "srtp_protect")
						  : (rtcp ? "srtp_unprotect_rtcp"
							  : "srtp_unprotect"),
					err, err_name(err));
			else
				fprintf(stderr, "%s: packet %lu: result too "
					"long for an IP datagram\n", prog,
					npkt);
			break;
		}
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "%s: %s: packet %lu: %s\n", prog, in_path,
			npkt + 1, pcap_geterr(in));
		return EXIT_USAGE;
	}
	if (pcap_dump_flush(dump) != 0) {
		fprintf(stderr, "%s: %s: write failed\n", prog, out_path);
		return EXIT_USAGE;
	}
	pcap_dump_close(dump);
	pcap_close(dead);
	pcap_close(in);
	srtp_dealloc(c.srtp);
	srtp_shutdown();
	memset(key, 0, sizeof(key));

	printf("%s: %lu packets, %lu processed, %lu refused, %lu copied\n",
	       prog, npkt, ndone, nref, ncopy);
	if (fflush(stdout) != 0)
		return EXIT_USAGE;
	return nref > 0 && !allow_fail ? EXIT_REFUSED : 0;
}
