/* SPDX-License-Identifier: BSD-3-Clause */
/* esp_tool: drive the ESP engine (include/mg_esp.h) from a script, so an
 * independent ESP implementation (scapy, in
 * tests/integration/test_esp_interop.py) can check what it makes and feed
 * it what it must take or refuse.
 *
 * Usage:
 *   esp_tool --dir out|in --suite NAME --spi N [--key HEX] [--salt HEX]
 *            [--auth-key HEX] [--tunnel --local IP --remote IP] [--esn]
 *            [--udp LPORT:RPORT] [--seq N] [--window N] [--ttl N]
 *            [--kdr N] [--headroom N] [--tailroom N]
 *
 * One SA, one IPsec-MB manager. Each stdin line is one IP packet in hex
 * (outbound: the packet to protect; inbound: the ESP packet from its IP
 * header on, ESP-in-UDP included); a blank line ends a burst, as does
 * MG_ESP_BURST_MAX packets or the end of input. Each packet is copied into a
 * buffer of its own (malloc'd to the byte, so AddressSanitizer sees any
 * write past the room given) with --headroom bytes in front and --tailroom
 * after (defaults: MG_ESP_HEADROOM_MAX and MG_ESP_TAILROOM_MAX, which the
 * header promises are enough). For each packet, in order, one line on
 * stdout:
 *   ok HEX     the result, from the IP header on
 *   err KEY    mg_esp_status_key() of the status
 * At the end, one JSON line on stderr: the SA's counters and its sequence
 * number (mg_esp_sa_seq), e.g.
 *   {"packets":3,"bytes":300,"late":0,"drops":{"icv":1},"seq":3}
 * with only the nonzero drops.
 *
 * Exit status: 0; 1 if the engine broke its contract (a burst's return
 * value not the number of MG_ESP_OK packets, a result outside the buffer);
 * 2 on bad arguments, bad input or a policy mg_esp_sa_create() refuses. */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "mg_esp.h"

#define EXIT_CONTRACT 1
#define EXIT_USAGE 2
#define PKT_MAX 65535

static const char *prog = "esp_tool";

struct opts {
	bool outbound;
	bool have_dir, have_spi;
	unsigned headroom, tailroom;
	const char *local, *remote;
	struct mg_esp_sa_policy p; /* secret: wiped once the SA is made */
};

/* One packet of a burst and the buffer it lives in. */
struct slot {
	uint8_t *buf;
	size_t cap;
};

static void
usage(FILE *f)
{
	int s;

	fprintf(f,
		"usage: %s --dir out|in --suite NAME --spi N [--key HEX] "
		"[--salt HEX]\n"
		"          [--auth-key HEX] [--tunnel --local IP --remote IP] "
		"[--esn]\n"
		"          [--udp LPORT:RPORT] [--seq N] [--window N] "
		"[--ttl N]\n"
		"          [--headroom N] [--tailroom N]\n"
		"  --suite NAME   one of:", prog);
	for (s = 1; s < MG_ESP_SUITE_MAX; s++)
		fprintf(f, " %s", mg_esp_suite(s)->name);
	fprintf(f,
		"\n"
		"  --key, --salt (GCM, ChaCha20: salt; CTR: nonce), --auth-key:"
		" hex, the suite's lengths\n"
		"  --seq N        out: last sequence number sent; in: highest "
		"received (64-bit with --esn)\n"
		"  --udp L:R      ESP in UDP (RFC 3948), local and remote port "
		"(0: 4500)\n"
		"stdin: one hex IP packet a line, a blank line ends a burst; "
		"stdout: 'ok HEX' or 'err KEY' a packet;\n"
		"stderr at the end: the SA's counters as JSON\n"
		"exit status: 0 ok, 1 engine contract broken, 2 bad arguments "
		"or input\n");
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

static void __attribute__((format(printf, 1, 2), noreturn))
die_contract(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: engine contract broken: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_CONTRACT);
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits (n of them) to bytes. Returns the byte count, or -1 for an odd
 * count, a non-hex character or more than cap bytes. */
static long
hex_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t i;

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = hex_value((unsigned char)s[i]);
		int lo = hex_value((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static void
hex_arg(const char *opt, const char *s, uint8_t *out, size_t cap,
	size_t want)
{
	long n = hex_decode(s, strlen(s), out, cap);

	if (n < 0)
		die_usage("%s: not hex of at most %zu bytes", opt, cap);
	if ((size_t)n != want)
		die_usage("%s: %ld bytes, the suite takes %zu", opt, n, want);
}

/* Decimal or 0x hex, within lo..hi. */
static uint64_t
parse_num(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		die_usage("%s: not a number: '%s'", opt, s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end != '\0' || errno != 0)
		die_usage("%s: not a number: '%s'", opt, s);
	if (v < lo || v > hi)
		die_usage("%s: %s out of range %" PRIu64 "..%" PRIu64, opt, s,
			  lo, hi);
	return v;
}

static void
parse_ports(const char *s, struct mg_esp_sa_policy *p)
{
	const char *colon = strchr(s, ':');
	char lport[8];

	if (colon == NULL || (size_t)(colon - s) >= sizeof(lport))
		die_usage("--udp: want LPORT:RPORT, got '%s'", s);
	memcpy(lport, s, (size_t)(colon - s));
	lport[colon - s] = '\0';
	p->local_port = (uint16_t)parse_num("--udp", lport, 0, 65535);
	p->remote_port = (uint16_t)parse_num("--udp", colon + 1, 0, 65535);
	p->flags |= MG_ESP_F_UDP_ENCAP;
}

/* An IPv4 or IPv6 address into 16 bytes (IPv4 in the first 4). Returns
 * true for IPv6. */
static bool
parse_addr(const char *opt, const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET, s, out) == 1)
		return false;
	if (inet_pton(AF_INET6, s, out) == 1)
		return true;
	die_usage("%s: not an IPv4 or IPv6 address: '%s'", opt, s);
}

static void
parse_dir(const char *s, struct opts *o)
{
	if (strcmp(s, "out") == 0)
		o->outbound = true;
	else if (strcmp(s, "in") == 0)
		o->outbound = false;
	else
		die_usage("--dir: 'out' or 'in', not '%s'", s);
	o->have_dir = true;
}

/* The options that need the suite: keys, whose lengths it sets. */
struct key_args {
	const char *suite, *key, *salt, *auth_key;
};

static void
apply_keys(const struct key_args *k, struct mg_esp_sa_policy *p)
{
	const struct mg_esp_suite_info *si;

	if (k->suite == NULL) {
		usage(stderr);
		die_usage("--suite is required");
	}
	p->suite = (uint16_t)mg_esp_suite_by_name(k->suite);
	si = mg_esp_suite(p->suite);
	if (p->suite == 0 || si == NULL) {
		usage(stderr);
		die_usage("unknown suite '%s'", k->suite);
	}
	if ((k->key != NULL) != (si->key_len > 0))
		die_usage("--key: %s takes %s", si->name,
			  si->key_len ? "one" : "none (NULL cipher)");
	if ((k->salt != NULL) != (si->salt_len > 0))
		die_usage("--salt: %s takes %s", si->name,
			  si->salt_len ? "one (4 bytes)" : "none");
	if ((k->auth_key != NULL) != (si->auth_key_len > 0))
		die_usage("--auth-key: %s takes %s", si->name,
			  si->auth_key_len ? "one" : "none (AEAD)");
	if (k->key != NULL)
		hex_arg("--key", k->key, p->enc_key, sizeof(p->enc_key),
			si->key_len);
	if (k->salt != NULL)
		hex_arg("--salt", k->salt, p->salt, sizeof(p->salt),
			si->salt_len);
	if (k->auth_key != NULL)
		hex_arg("--auth-key", k->auth_key, p->auth_key,
			sizeof(p->auth_key), si->auth_key_len);
}

static void
apply_tunnel(struct opts *o)
{
	struct mg_esp_sa_policy *p = &o->p;
	bool v6l, v6r;

	if (!(p->flags & MG_ESP_F_TUNNEL)) {
		if (o->local != NULL || o->remote != NULL)
			die_usage("--local and --remote need --tunnel");
		return;
	}
	if (o->local == NULL || o->remote == NULL)
		die_usage("--tunnel needs --local and --remote");
	v6l = parse_addr("--local", o->local, p->local);
	v6r = parse_addr("--remote", o->remote, p->remote);
	if (v6l != v6r)
		die_usage("--local and --remote: one IPv4, one IPv6");
	if (v6l)
		p->flags |= MG_ESP_F_OUTER_V6;
}

static const struct option lopts[] = {
	{"dir", required_argument, NULL, 'd'},
	{"suite", required_argument, NULL, 's'},
	{"spi", required_argument, NULL, 'i'},
	{"key", required_argument, NULL, 'k'},
	{"salt", required_argument, NULL, 'S'},
	{"auth-key", required_argument, NULL, 'a'},
	{"tunnel", no_argument, NULL, 't'},
	{"local", required_argument, NULL, 'l'},
	{"remote", required_argument, NULL, 'r'},
	{"esn", no_argument, NULL, 'e'},
	{"udp", required_argument, NULL, 'u'},
	{"seq", required_argument, NULL, 'q'},
	{"window", required_argument, NULL, 'w'},
	{"ttl", required_argument, NULL, 'T'},
	{"kdr", required_argument, NULL, 'K'},
	{"headroom", required_argument, NULL, 'H'},
	{"tailroom", required_argument, NULL, 'R'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* The options that take a number or a flag. Returns false if opt is not
 * one of them. */
static bool
parse_policy_opt(int opt, const char *arg, struct opts *o)
{
	struct mg_esp_sa_policy *p = &o->p;

	switch (opt) {
	case 'i':
		p->spi = (uint32_t)parse_num("--spi", arg, 0, UINT32_MAX);
		o->have_spi = true;
		break;
	case 't':
		p->flags |= MG_ESP_F_TUNNEL;
		break;
	case 'e':
		p->flags |= MG_ESP_F_ESN;
		break;
	case 'u':
		parse_ports(arg, p);
		break;
	case 'q':
		p->seq = parse_num("--seq", arg, 0, UINT64_MAX);
		break;
	case 'w':
		p->window = (uint16_t)parse_num("--window", arg, 0, UINT16_MAX);
		break;
	case 'T':
		p->ttl = (uint8_t)parse_num("--ttl", arg, 0, 255);
		break;
	case 'K':
		p->kdr_log2 = (uint8_t)parse_num("--kdr", arg, 0, 255);
		break;
	case 'H':
		o->headroom = (unsigned)parse_num("--headroom", arg, 0,
						  UINT16_MAX);
		break;
	case 'R':
		o->tailroom = (unsigned)parse_num("--tailroom", arg, 0,
						  UINT16_MAX);
		break;
	default:
		return false;
	}
	return true;
}

/* The options that name something: kept as strings until the suite is
 * known. Returns false if opt is not one of them. */
static bool
parse_name_opt(int opt, const char *arg, struct opts *o, struct key_args *k)
{
	switch (opt) {
	case 'd':
		parse_dir(arg, o);
		break;
	case 's':
		k->suite = arg;
		break;
	case 'k':
		k->key = arg;
		break;
	case 'S':
		k->salt = arg;
		break;
	case 'a':
		k->auth_key = arg;
		break;
	case 'l':
		o->local = arg;
		break;
	case 'r':
		o->remote = arg;
		break;
	default:
		return false;
	}
	return true;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	struct key_args k = {0};
	int opt;

	o->headroom = MG_ESP_HEADROOM_MAX;
	o->tailroom = MG_ESP_TAILROOM_MAX;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		if (parse_policy_opt(opt, optarg, o) ||
		    parse_name_opt(opt, optarg, o, &k))
			continue;
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		usage(stderr);
		if (opt == ':')
			die_usage("option %s needs a value", argv[optind - 1]);
		die_usage("unknown option %s", argv[optind - 1]);
	}
	if (optind != argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!o->have_dir || !o->have_spi) {
		usage(stderr);
		die_usage("--dir and --spi are required");
	}
	if (!o->outbound)
		o->p.flags |= MG_ESP_F_INBOUND;
	apply_keys(&k, &o->p);
	apply_tunnel(o);
}

/* A line without its end of line and trailing blanks. */
static size_t
trim(char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
			 line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	line[n] = '\0';
	return n;
}

static void
print_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		putchar(digits[p[i] >> 4]);
		putchar(digits[p[i] & 0xf]);
	}
}

/* Run one burst and print its results, in order. Every result must lie in
 * its packet's buffer and the return value must count the good ones. */
static void
run_burst(IMB_MGR *mgr, bool outbound, struct mg_esp_pkt *pkts,
	  struct slot *slots, uint16_t n)
{
	uint16_t i, good = 0, k;

	if (n == 0)
		return;
	k = outbound ? mg_esp_outbound_burst(mgr, pkts, n)
		     : mg_esp_inbound_burst(mgr, pkts, n);
	for (i = 0; i < n; i++) {
		const struct mg_esp_pkt *pk = &pkts[i];

		if (pk->status >= MG_ESP_STATUS_MAX)
			die_contract("packet %u: status %u", i, pk->status);
		if (pk->status != MG_ESP_OK) {
			printf("err %s\n", mg_esp_status_key(pk->status));
			continue;
		}
		good++;
		if (pk->data < slots[i].buf ||
		    pk->data + pk->len > slots[i].buf + slots[i].cap)
			die_contract("packet %u: result outside its buffer "
				     "(offset %td, length %u, buffer %zu)", i,
				     pk->data - slots[i].buf, pk->len,
				     slots[i].cap);
		fputs("ok ", stdout);
		print_hex(pk->data, pk->len);
		putchar('\n');
	}
	if (k != good)
		die_contract("burst of %u returned %u, %u have MG_ESP_OK", n,
			     k, good);
	for (i = 0; i < n; i++) {
		free(slots[i].buf);
		slots[i].buf = NULL;
	}
	fflush(stdout);
}

/* Copy one input packet into a buffer of its own with the room asked
 * for. */
static void
load_packet(const struct opts *o, struct mg_esp_sa *sa, const char *hex,
	    size_t n, unsigned long lineno, struct mg_esp_pkt *pk,
	    struct slot *sl)
{
	static uint8_t tmp[PKT_MAX];
	long len = hex_decode(hex, n, tmp, sizeof(tmp));

	if (len < 0)
		die_usage("stdin line %lu: not hex of at most %d bytes",
			  lineno, PKT_MAX);
	sl->cap = o->headroom + (size_t)len + o->tailroom;
	sl->buf = malloc(sl->cap ? sl->cap : 1);
	if (sl->buf == NULL)
		die_usage("out of memory");
	/* Whatever the engine reads of the room it did not write shows. */
	memset(sl->buf, 0xa5, sl->cap);
	memcpy(sl->buf + o->headroom, tmp, (size_t)len);
	*pk = (struct mg_esp_pkt){
		.data = sl->buf + o->headroom,
		.len = (uint16_t)len,
		.headroom = (uint16_t)o->headroom,
		.tailroom = (uint16_t)o->tailroom,
		.status = UINT16_MAX,
		.sa = sa,
	};
}

static void
run_input(IMB_MGR *mgr, struct mg_esp_sa *sa, const struct opts *o)
{
	static struct mg_esp_pkt pkts[MG_ESP_BURST_MAX];
	static struct slot slots[MG_ESP_BURST_MAX];
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned long lineno = 0;
	uint16_t n = 0;

	while ((got = getline(&line, &cap, stdin)) >= 0) {
		size_t len = trim(line, (size_t)got);

		lineno++;
		if (len == 0 || n == MG_ESP_BURST_MAX) {
			run_burst(mgr, o->outbound, pkts, slots, n);
			n = 0;
		}
		if (len == 0)
			continue;
		load_packet(o, sa, line, len, lineno, &pkts[n], &slots[n]);
		n++;
	}
	run_burst(mgr, o->outbound, pkts, slots, n);
	free(line);
}

static void
print_stats(const struct mg_esp_sa *sa)
{
	const struct mg_esp_stats *st = mg_esp_sa_stats(sa);
	const char *sep = "";
	int s;

	fprintf(stderr, "{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"late\":%" PRIu64 ",\"drops\":{", st->packets, st->bytes,
		st->late);
	for (s = 1; s < MG_ESP_STATUS_MAX; s++) {
		if (st->drops[s] == 0)
			continue;
		fprintf(stderr, "%s\"%s\":%" PRIu64, sep,
			mg_esp_status_key(s), st->drops[s]);
		sep = ",";
	}
	fprintf(stderr, "},\"seq\":%" PRIu64 "}\n", mg_esp_sa_seq(sa));
}

int
main(int argc, char **argv)
{
	static struct opts o;
	struct mg_esp_sa *sa = NULL;
	IMB_MGR *mgr;
	int r;

	parse_args(argc, argv, &o);
	mgr = alloc_mb_mgr(0);
	if (mgr == NULL) {
		explicit_bzero(&o.p, sizeof(o.p));
		die_usage("alloc_mb_mgr failed");
	}
	init_mb_mgr_auto(mgr, NULL);
	r = mg_esp_sa_create(mgr, &o.p, &sa);
	explicit_bzero(&o.p, sizeof(o.p));
	if (r != 0) {
		free_mb_mgr(mgr);
		die_usage("the engine refused the policy: %s (%d)",
			  strerror(-r), r);
	}
	run_input(mgr, sa, &o);
	print_stats(sa);
	mg_esp_sa_destroy(sa);
	free_mb_mgr(mgr);
	if (fflush(stdout) != 0)
		return EXIT_USAGE;
	return 0;
}
