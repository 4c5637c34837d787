/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * esp_bench: IPsec ESP (RFC 4303) with AES-GCM-128 (RFC 4106), tunnel mode
 * over IPv4, on one core, side by side in one run:
 *
 *   mediagate      our engine (dataplane/esp): mg_esp_outbound_burst() and
 *                  mg_esp_inbound_burst() on bursts of 32 flat buffers
 *   ipsec-mb-raw   the same crypto with no ESP framing, the fastest GCM
 *                  IPsec-MB 1.3 has: one direct IMB_AES128_GCM_ENC/DEC call
 *                  a packet (12-byte IV, 8-byte AAD, 16-byte tag) in place
 *                  over exactly what ESP encrypts (inner packet, padding,
 *                  trailer), the tag written after it; decrypt compares it
 *   librte_ipsec   DPDK 22.11's lib/ipsec on the crypto_aesni_mb PMD in
 *                  RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO mode, on mbufs:
 *                  rte_ipsec_pkt_cpu_prepare() then rte_ipsec_pkt_process()
 *                  per run of packets of one SA, as ipsec-secgw's
 *                  ipsec_process_cpu_group() does
 *
 * Every iteration takes 32 inner packets (IPv4/UDP, --sizes bytes) round
 * trip: outbound ("encrypt", timed), then inbound ("decrypt", timed) back
 * to the same inner packets, so buffers are equally warm for every engine
 * and nothing is copied. Each inbound SA is the mirror of its outbound one
 * (same key, salt, SPI; local and remote swapped), with a 1024-packet
 * replay window. The packets of a burst go to consecutive SAs of one order
 * of all --contexts SAs (each SA once a lap, so each sees its sequence
 * numbers in order). By default that order is shuffled once: with 100,000
 * SAs consecutive packets then touch unrelated SA memory, as real traffic
 * does (100,000 calls' packets arrive interleaved), and no prefetcher can
 * stream it. --order sequential walks the SAs in the order they were made,
 * as srtp_bench does: far kinder at 100,000 SAs, since SA memory is laid
 * out in that order too. SAs live where each engine puts them: mediagate's
 * in its own arena; the raw keys (1,008-byte gcm_key_data, one per SA and
 * direction) and librte_ipsec's rte_ipsec_sa and rte_ipsec_session arrays
 * in one block each (transparent huge pages), as ipsec-secgw keeps its SA
 * table; cryptodev sessions (1,408 bytes each) in their mempool. The 32
 * packet buffers are reused.
 *
 * Checks, so that no figure measures failures: every burst's count of good
 * packets (any failure aborts with the packet, SA, status and a command
 * that reproduces it); and once per sample, untimed, that the first
 * burst's ESP is sound (outer IPv4 header and checksum, the SA's addresses
 * and SPI, RFC 4106 length: payload and trailer padded to 4 bytes, 8-byte
 * IV, 16-byte ICV; not the plaintext) and that the last burst came back to
 * the exact inner packets, where they were.
 *
 * librte_ipsec: everything asked of it works here (DPDK 22.11, Debian 12),
 * for 1 and for 100,000 SA pairs. What it takes and what it does not do:
 *  - rte_cryptodev_sym_cpu_crypto_process() is not called here: lib/ipsec
 *    calls it itself, inside rte_ipsec_pkt_cpu_prepare() (cpu_crypto_bulk()
 *    in lib/ipsec/misc.h), once per SA run. rte_ipsec_pkt_process() then
 *    checks each packet's crypto status and, inbound, the padding and next
 *    header, strips ESP and moves the replay window.
 *  - The aesni_mb PMD serves CPU crypto with IPsec-MB jobs (submit, then
 *    flush) on a per-lcore manager of its own, not direct GCM calls; the
 *    tag goes to a stack buffer and is copied, or compared with memcmp()
 *    (aesni_mb_process_bulk(), verify_sync_dgst()).
 *  - lib/ipsec leaves the outer IPv4 header checksum to the NIC: this bench
 *    computes it in software after rte_ipsec_pkt_process(), timed, as
 *    ipsec-secgw does on a port without the offload. Inbound, lib/ipsec
 *    does not check the outer header at all (nor does this bench add it).
 *  - A session takes packets of one SA only: a burst spread over 32 SAs is
 *    32 call pairs of one packet, which is part of its many-SA figures.
 *  - rte_ipsec_sa_init() can return success having zeroed the SA (when the
 *    crypto set-up fails): every SA's type is checked after it.
 *  - The SA lookup (rte_ipsec_sad) is no engine's part here: every engine
 *    is handed its SA with the packet.
 *
 * Interoperation, checked once before measuring when both mediagate and
 * librte_ipsec run, at every --sizes: librte_ipsec decrypts a burst
 * mediagate encrypted (same key, salt, SPI; sequence numbers 1..32) to the
 * exact inner packets, and mediagate one librte_ipsec encrypted. Both take
 * the sequence number as the 8-byte IV. The result is printed above the
 * table (on stderr with --json).
 *
 * EAL runs in-process, only if librte_ipsec is wanted: with
 * "--no-huge -m 512 --no-shconf --vdev crypto_aesni_mb0 --no-pci -l 0
 * --log-level=*:error" (-m grows past 150,000 SA pairs) unless EAL
 * arguments follow "--": then those alone, and hugepages may be used; name
 * a crypto_aesni_mb vdev among them. (--in-memory would be the usual way
 * to leave no files, but 22.11 refuses it beside --no-huge.)
 *
 * Each figure is the median of --samples runs of --seconds each; samples of
 * every engine are interleaved, so noise from the rest of the machine falls
 * on all alike, and ratios are medians of per-sample ratios. Cycles are TSC
 * cycles per packet.
 *
 * Output: a human table, or with --json one object per line per figure.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#include <intel-ipsec-mb.h>
#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
/* rte_ipsec_group.h (included by rte_ipsec.h) has a VLA; we build -Wvla. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_ipsec.h>
#pragma GCC diagnostic pop
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "bench_clock.h"
#include "mg_esp.h"

#define BURST 32
#define BUFSZ 2048
#define HEADROOM RTE_PKTMBUF_HEADROOM  /* 128, as in an mbuf */
#define OUTER_LEN (20 + 8 + 8)         /* outer IPv4, ESP header, IV */
#define ICV_LEN 16
#define WINDOW 1024
#define SPI_BASE 0x100000u
#define MAX_SIZES 8
#define MAX_CTX 4
#define MAX_SAMPLES 15
#define SUITE_NAME "ESP_AES_GCM_16_128"
/* Where the cryptodev finds the IV of an asynchronous op (unused by CPU
 * crypto, but the session wants it), as ipsec-secgw puts it. */
#define IV_OFFSET (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

struct bench {
	IMB_MGR *mgr;
	uint32_t nctx;
	uint16_t bytes;         /* inner packet */
	const uint8_t *tmpl;    /* the inner packet every buffer holds */
	uint8_t *buf;           /* BURST slots of BUFSZ, packet at HEADROOM */
	const uint32_t *order;  /* SA use order: a permutation of 0..nctx-1 */
	uint32_t next;
	uint32_t sa_of[BURST];
	void *state;            /* the engine's SAs */
};

struct engine {
	const char *name;
	int (*setup)(struct bench *b);
	void (*encrypt)(struct bench *b);
	void (*decrypt)(struct bench *b);
	/* Untimed, once per sample: NULL if the ESP the last encrypt made
	 * (resp. the inner packets the last decrypt gave back) are right,
	 * else what is wrong. */
	const char *(*check_out)(struct bench *b);
	const char *(*check_in)(struct bench *b);
	void (*teardown)(struct bench *b);
};

static uint64_t tsc_hz;



/* --- packets and SAs ---------------------------------------------------- */

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

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* One's complement sum of a 20-byte IPv4 header, folded: 0xffff when its
 * checksum is right. */
static uint16_t
ipv4_sum(const uint8_t *ip)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += get16(ip + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The inner packet: IPv4 (DF, TTL 64) and UDP (RTP ports), len bytes. */
static void
make_inner(uint8_t *p, uint16_t len)
{
	static const uint8_t src[4] = { 172, 16, 0, 1 }, dst[4] = { 172, 16, 0, 2 };

	memset(p, 0, 28);
	p[0] = 0x45;
	put16(p + 2, len);
	put16(p + 4, 0x1234);
	p[6] = 0x40;
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, (uint16_t)~ipv4_sum(p));
	put16(p + 20, 5004);
	put16(p + 22, 5006);
	put16(p + 24, (uint16_t)(len - 20));
	for (int i = 28; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

/* ESP payload and trailer, padded to 4 bytes (RFC 4303 §2.4, RFC 4106 §3). */
static uint16_t
esp_clen(uint16_t inner)
{
	return (uint16_t)((inner + 2 + 3) & ~3);
}

static uint16_t
esp_len(uint16_t inner)
{
	return (uint16_t)(OUTER_LEN + esp_clen(inner) + ICV_LEN);
}

/* What an SA pair (outbound and its inbound mirror) is made of. The
 * addresses are the sender's: outbound local -> remote. */
struct sa_keys {
	uint32_t spi;
	uint8_t key[16], salt[4];
	uint8_t local[4], remote[4];
};

static void
sa_keys_of(uint32_t c, struct sa_keys *k)
{
	static const uint8_t local[4] = { 10, 0, 0, 1 };

	k->spi = SPI_BASE + c;
	for (int i = 0; i < 16; i++)
		k->key[i] = (uint8_t)(c * 131 + i * 7 + 1);
	for (int i = 0; i < 4; i++)
		k->salt[i] = (uint8_t)(c * 17 + i * 5 + 3);
	memcpy(k->local, local, 4);
	k->remote[0] = 10;
	k->remote[1] = (uint8_t)(128 | c >> 16);
	k->remote[2] = (uint8_t)(c >> 8);
	k->remote[3] = (uint8_t)c;
}

/* The ESP packet an engine made for SA c from the template: see the
 * header comment. NULL if sound, else what is wrong. */
static const char *
esp_wrong(const struct bench *b, const uint8_t *p, uint16_t len, uint32_t c)
{
	struct sa_keys k;

	sa_keys_of(c, &k);
	explicit_bzero(k.key, sizeof(k.key));
	if (len != esp_len(b->bytes))
		return "length not RFC 4106's (4-byte padding, 8-byte IV, 16-byte ICV)";
	if (p[0] != 0x45 || p[9] != 50)
		return "not IPv4 (no options) carrying ESP";
	if (get16(p + 2) != len || ipv4_sum(p) != 0xffff)
		return "outer IPv4 total length or checksum";
	if (memcmp(p + 12, k.local, 4) != 0 || memcmp(p + 16, k.remote, 4) != 0)
		return "outer addresses not the SA's";
	if (get32(p + 20) != k.spi)
		return "SPI not the SA's";
	if (memcmp(p + OUTER_LEN, b->tmpl, b->bytes) == 0)
		return "payload not encrypted";
	return NULL;
}

static uint8_t *
slot(const struct bench *b, int i)
{
	return b->buf + (size_t)i * BUFSZ;
}

/* Every SA once per lap, in a shuffled order fixed for the run (or in
 * the order they were made). */
static uint32_t *
sa_order(uint32_t n, bool shuffle)
{
	uint32_t *o = malloc(n * sizeof(*o));
	uint64_t x = 0x9e3779b97f4a7c15ull;

	if (o == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		o[i] = i;
	for (uint32_t i = shuffle ? n - 1 : 0; i > 0; i--) {
		uint32_t j, t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (uint32_t)(x % (i + 1));
		t = o[i];
		o[i] = o[j];
		o[j] = t;
	}
	return o;
}

static void
next_burst(struct bench *b)
{
	for (int i = 0; i < BURST; i++) {
		b->sa_of[i] = b->order[b->next];
		b->next = b->next + 1 == b->nctx ? 0 : b->next + 1;
	}
}

/* Per-SA state of the engines we build ourselves, as an engine keeps it:
 * one block, on transparent huge pages. */
static void *
sa_memory(size_t size)
{
	void *p = NULL;

	size = (size + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	if (posix_memalign(&p, 2u << 20, size) != 0)
		return NULL;
	(void)madvise(p, size, MADV_HUGEPAGE);
	memset(p, 0, size);
	return p;
}

static const char *
inner_wrong(const struct bench *b, const uint8_t *p, uint16_t len, int i)
{
	if (p != slot(b, i) + HEADROOM)
		return "inner packet not where it was";
	if (len != b->bytes || memcmp(p, b->tmpl, len) != 0)
		return "inner packet not the one sent";
	return NULL;
}

/* --- mediagate --------------------------------------------------------- */

struct mg_state {
	struct mg_esp_sa **out, **in;
	struct mg_esp_pkt pk[BURST];
};

static void
mg_policy(uint32_t c, bool inbound, struct mg_esp_sa_policy *p)
{
	struct sa_keys k;

	sa_keys_of(c, &k);
	memset(p, 0, sizeof(*p));
	p->spi = k.spi;
	p->suite = MG_ESP_AES_GCM_16_128;
	p->flags = MG_ESP_F_TUNNEL | (inbound ? MG_ESP_F_INBOUND : 0);
	p->window = inbound ? WINDOW : 0;
	memcpy(p->local, inbound ? k.remote : k.local, 4);
	memcpy(p->remote, inbound ? k.local : k.remote, 4);
	memcpy(p->enc_key, k.key, sizeof(k.key));
	memcpy(p->salt, k.salt, sizeof(k.salt));
	explicit_bzero(&k, sizeof(k));
}

static int
mg_setup(struct bench *b)
{
	struct mg_state *s = calloc(1, sizeof(*s));
	struct mg_esp_sa_policy p;
	uint32_t c;
	int rc = 0;

	if (s == NULL)
		return -ENOMEM;
	b->state = s;
	s->out = calloc(b->nctx, sizeof(*s->out));
	s->in = calloc(b->nctx, sizeof(*s->in));
	if (s->out == NULL || s->in == NULL)
		return -ENOMEM;
	for (c = 0; c < b->nctx && rc == 0; c++) {
		mg_policy(c, false, &p);
		rc = mg_esp_sa_create(b->mgr, &p, &s->out[c]);
		if (rc == 0) {
			mg_policy(c, true, &p);
			rc = mg_esp_sa_create(b->mgr, &p, &s->in[c]);
		}
	}
	explicit_bzero(&p, sizeof(p));
	if (rc != 0)
		fprintf(stderr, "mediagate: mg_esp_sa_create: %s (SA %u of %u)\n",
			strerror(-rc), c, b->nctx);
	return rc;
}

static void
mg_fail(const struct bench *b, const char *what, uint16_t ok)
{
	const struct mg_state *s = b->state;

	fprintf(stderr, "mediagate: %s: %u of %d packets OK (%u-byte inner, %u SAs)\n",
		what, ok, BURST, b->bytes, b->nctx);
	for (int i = 0, shown = 0; i < BURST && shown < 4; i++)
		if (s->pk[i].status != MG_ESP_OK && ++shown)
			fprintf(stderr, "  packet %d, SA %u: %s\n", i, b->sa_of[i],
				mg_esp_status_str(s->pk[i].status));
	fprintf(stderr, "reproduce: esp_bench --engines mediagate --sizes %u "
		"--contexts %u --samples 1 --seconds 0.01\n", b->bytes, b->nctx);
	exit(1);
}

static void
mg_encrypt(struct bench *b)
{
	struct mg_state *s = b->state;
	uint16_t ok;

	for (int i = 0; i < BURST; i++)
		s->pk[i] = (struct mg_esp_pkt){ .data = slot(b, i) + HEADROOM,
			.len = b->bytes, .headroom = HEADROOM,
			.tailroom = (uint16_t)(BUFSZ - HEADROOM - b->bytes),
			.sa = s->out[b->sa_of[i]] };
	ok = mg_esp_outbound_burst(b->mgr, s->pk, BURST);
	if (ok != BURST)
		mg_fail(b, "outbound", ok);
}

static void
mg_decrypt(struct bench *b)
{
	struct mg_state *s = b->state;
	uint16_t ok;

	for (int i = 0; i < BURST; i++) {
		struct mg_esp_pkt *k = &s->pk[i];

		k->headroom = (uint16_t)(k->data - slot(b, i));
		k->tailroom = (uint16_t)(BUFSZ - k->headroom - k->len);
		k->sa = s->in[b->sa_of[i]];
	}
	ok = mg_esp_inbound_burst(b->mgr, s->pk, BURST);
	if (ok != BURST)
		mg_fail(b, "inbound", ok);
}

static const char *
mg_check_out(struct bench *b)
{
	struct mg_state *s = b->state;
	const char *w = NULL;

	for (int i = 0; i < BURST && w == NULL; i++)
		w = esp_wrong(b, s->pk[i].data, s->pk[i].len, b->sa_of[i]);
	return w;
}

static const char *
mg_check_in(struct bench *b)
{
	struct mg_state *s = b->state;
	const char *w = NULL;

	for (int i = 0; i < BURST && w == NULL; i++)
		w = inner_wrong(b, s->pk[i].data, s->pk[i].len, i);
	return w;
}

static void
mg_teardown(struct bench *b)
{
	struct mg_state *s = b->state;

	for (uint32_t c = 0; s != NULL && c < b->nctx; c++) {
		if (s->out != NULL && s->out[c] != NULL)
			mg_esp_sa_destroy(s->out[c]);
		if (s->in != NULL && s->in[c] != NULL)
			mg_esp_sa_destroy(s->in[c]);
	}
	if (s != NULL) {
		free(s->out);
		free(s->in);
	}
	free(s);
	b->state = NULL;
}

/* --- raw IPsec-MB -------------------------------------------------------- */

struct raw_state {
	/* [0, nctx): the senders' keys; [nctx, 2 nctx): the receivers'.
	 * One set per direction, as sender and receiver SAs are different
	 * memory in any engine. */
	struct gcm_key_data *k;
	uint8_t iv[BURST][12];
};

static int
raw_setup(struct bench *b)
{
	struct raw_state *s = calloc(1, sizeof(*s));
	struct sa_keys k;

	if (s == NULL)
		return -ENOMEM;
	b->state = s;
	s->k = sa_memory(2 * (size_t)b->nctx * sizeof(*s->k));
	if (s->k == NULL)
		return -ENOMEM;
	for (uint32_t c = 0; c < 2 * b->nctx; c++) {
		sa_keys_of(c % b->nctx, &k);
		IMB_AES128_GCM_PRE(b->mgr, k.key, &s->k[c]);
	}
	explicit_bzero(&k, sizeof(k));
	for (int i = 0; i < BURST; i++)
		memset(s->iv[i], i + 1, sizeof(s->iv[i]));
	return 0;
}

/* In place over the ESP payload and trailer; the AAD (SPI, sequence
 * number) where the ESP header would be, the tag where the ICV would. */
static void
raw_encrypt(struct bench *b)
{
	struct raw_state *s = b->state;
	struct gcm_context_data ctx;
	uint64_t clen = esp_clen(b->bytes);

	for (int i = 0; i < BURST; i++) {
		uint8_t *p = slot(b, i) + HEADROOM;

		IMB_AES128_GCM_ENC(b->mgr, &s->k[b->sa_of[i]], &ctx, p, p, clen,
				   s->iv[i], p - 16, 8, p + clen, ICV_LEN);
	}
}

static void
raw_decrypt(struct bench *b)
{
	struct raw_state *s = b->state;
	struct gcm_context_data ctx;
	uint64_t clen = esp_clen(b->bytes);

	for (int i = 0; i < BURST; i++) {
		uint8_t *p = slot(b, i) + HEADROOM;
		uint64_t tag[2], icv[2];

		IMB_AES128_GCM_DEC(b->mgr, &s->k[b->nctx + b->sa_of[i]], &ctx, p,
				   p, clen, s->iv[i], p - 16, 8, (uint8_t *)tag,
				   ICV_LEN);
		memcpy(icv, p + clen, ICV_LEN);
		if (((tag[0] ^ icv[0]) | (tag[1] ^ icv[1])) != 0) {
			fprintf(stderr, "ipsec-mb-raw: tag mismatch (packet %d, SA %u)\n",
				i, b->sa_of[i]);
			exit(1);
		}
	}
}

static const char *
raw_check_out(struct bench *b)
{
	for (int i = 0; i < BURST; i++)
		if (memcmp(slot(b, i) + HEADROOM, b->tmpl, b->bytes) == 0)
			return "payload not encrypted";
	return NULL;
}

static const char *
raw_check_in(struct bench *b)
{
	const char *w = NULL;

	for (int i = 0; i < BURST && w == NULL; i++)
		w = inner_wrong(b, slot(b, i) + HEADROOM, b->bytes, i);
	return w;
}

static void
raw_teardown(struct bench *b)
{
	struct raw_state *s = b->state;

	if (s != NULL && s->k != NULL) {
		explicit_bzero(s->k, 2 * (size_t)b->nctx * sizeof(*s->k));
		free(s->k);
	}
	free(s);
	b->state = NULL;
}

/* --- librte_ipsec -------------------------------------------------------- */

/* Made once: EAL, the crypto_aesni_mb device, the pools. */
static struct {
	bool up;
	uint8_t dev;
	struct rte_mempool *sess_pool, *mbuf_pool;
} ri;

struct ri_state {
	/* [0, nctx): outbound; [nctx, 2 nctx): inbound */
	struct rte_ipsec_session *ss;
	uint8_t *sa_mem;
	size_t sa_mem_size;
	uint32_t out_size, in_size;  /* one rte_ipsec_sa, cache-line rounded */
	struct rte_mbuf *m[BURST];
};

/* EAL memory for the default arguments: 512 MB, or more when the
 * cryptodev sessions (1,408 bytes each on crypto_aesni_mb, two per SA
 * pair) would not fit in it beside the rest. */
static char eal_mem[16] = "512";
static char *eal_default[] = { "esp_bench", "--no-huge", "-m", eal_mem,
	"--no-shconf", "--vdev", "crypto_aesni_mb0", "--no-pci", "-l", "0",
	"--log-level=*:error", NULL };

static void
eal_mem_for(uint32_t max_sas)
{
	uint64_t mb = ((uint64_t)max_sas * 2 * 2048 >> 20) + 128;

	if (mb > 512)
		snprintf(eal_mem, sizeof(eal_mem), "%llu", (unsigned long long)mb);
}

static int
ri_device(void)
{
	struct rte_cryptodev_config conf = { .socket_id = (int)rte_socket_id(),
					     .nb_queue_pairs = 1 };
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 128 };
	struct rte_cryptodev_info info;
	uint8_t devs[8];

	if (rte_cryptodev_devices_get("crypto_aesni_mb", devs, 8) == 0) {
		fprintf(stderr, "librte_ipsec: no crypto_aesni_mb device "
			"(EAL arguments need --vdev crypto_aesni_mb0)\n");
		return -ENODEV;
	}
	ri.dev = devs[0];
	rte_cryptodev_info_get(ri.dev, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO)) {
		fprintf(stderr, "librte_ipsec: crypto_aesni_mb has no CPU crypto\n");
		return -ENOTSUP;
	}
	if (rte_cryptodev_configure(ri.dev, &conf) != 0 ||
	    rte_cryptodev_queue_pair_setup(ri.dev, 0, &qp, conf.socket_id) != 0 ||
	    rte_cryptodev_start(ri.dev) != 0) {
		fprintf(stderr, "librte_ipsec: crypto_aesni_mb set-up failed\n");
		return -EIO;
	}
	return 0;
}

/* EAL in-process with args (argv[0] first), the device and pools for
 * max_sas SA pairs. */
static int
ri_init(int argc, char **argv, uint32_t max_sas)
{
	uint32_t nsess = 2 * max_sas + 4;
	int rc;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "librte_ipsec: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	rc = ri_device();
	if (rc != 0)
		return rc;
	ri.sess_pool = rte_cryptodev_sym_session_pool_create("esp_bench_sess",
		nsess, rte_cryptodev_sym_get_private_session_size(ri.dev), 0, 0,
		(int)rte_socket_id());
	ri.mbuf_pool = rte_pktmbuf_pool_create("esp_bench_mbuf", 4 * BURST, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (ri.sess_pool == NULL || ri.mbuf_pool == NULL) {
		fprintf(stderr, "librte_ipsec: no memory for %u sessions of %u "
			"bytes (more EAL memory: -- -m ...)\n", nsess,
			rte_cryptodev_sym_get_private_session_size(ri.dev));
		return -ENOMEM;
	}
	ri.up = true;
	return 0;
}

/* The SA parameters of SA c; xf and outer must live as long as prm. */
static void
ri_prm(uint32_t c, bool inbound, const struct sa_keys *k,
       struct rte_ipsec_sa_prm *prm, struct rte_crypto_sym_xform *xf,
       struct rte_ipv4_hdr *outer)
{
	memset(xf, 0, sizeof(*xf));
	xf->type = RTE_CRYPTO_SYM_XFORM_AEAD;
	xf->aead.op = inbound ? RTE_CRYPTO_AEAD_OP_DECRYPT :
				RTE_CRYPTO_AEAD_OP_ENCRYPT;
	xf->aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
	xf->aead.key.data = k->key;
	xf->aead.key.length = sizeof(k->key);
	xf->aead.iv.offset = IV_OFFSET;
	xf->aead.iv.length = 12;
	xf->aead.digest_length = ICV_LEN;
	xf->aead.aad_length = 8;

	memset(outer, 0, sizeof(*outer));
	outer->version_ihl = RTE_IPV4_VHL_DEF;
	outer->time_to_live = 64;
	outer->next_proto_id = IPPROTO_ESP;
	memcpy(&outer->src_addr, k->local, 4);
	memcpy(&outer->dst_addr, k->remote, 4);

	memset(prm, 0, sizeof(*prm));
	prm->userdata = c;
	prm->ipsec_xform.spi = k->spi;
	memcpy(&prm->ipsec_xform.salt, k->salt, 4); /* nonce bytes 0..3 */
	prm->ipsec_xform.direction = inbound ? RTE_SECURITY_IPSEC_SA_DIR_INGRESS :
					       RTE_SECURITY_IPSEC_SA_DIR_EGRESS;
	prm->ipsec_xform.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	prm->ipsec_xform.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
	prm->ipsec_xform.tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
	prm->ipsec_xform.replay_win_sz = inbound ? WINDOW : 0;
	prm->crypto_xform = xf;
	prm->tun.hdr_len = sizeof(*outer);
	prm->tun.hdr_l3_off = 0;
	prm->tun.next_proto = IPPROTO_IPIP;
	prm->tun.hdr = outer;
}

/* One SA and its CPU-crypto session. */
static int
ri_sa_make(struct rte_ipsec_session *ss, struct rte_ipsec_sa *sa,
	   uint32_t size, uint32_t c, bool inbound)
{
	const uint64_t mask = RTE_IPSEC_SATP_IPV_MASK | RTE_IPSEC_SATP_PROTO_MASK |
		RTE_IPSEC_SATP_DIR_MASK | RTE_IPSEC_SATP_MODE_MASK;
	const uint64_t want = RTE_IPSEC_SATP_IPV4 | RTE_IPSEC_SATP_PROTO_ESP |
		RTE_IPSEC_SATP_MODE_TUNLV4 |
		(inbound ? RTE_IPSEC_SATP_DIR_IB : RTE_IPSEC_SATP_DIR_OB);
	struct rte_crypto_sym_xform xf;
	struct rte_ipsec_sa_prm prm;
	struct rte_ipv4_hdr outer;
	struct sa_keys k;
	int rc;

	sa_keys_of(c, &k);
	ri_prm(c, inbound, &k, &prm, &xf, &outer);
	rc = rte_ipsec_sa_init(sa, &prm, size);
	/* Success can mean "zeroed" (lib/ipsec/sa.c): check the type. */
	if (rc >= 0 && (rte_ipsec_sa_type(sa) & mask) != want)
		rc = -ENOTSUP;
	if (rc >= 0) {
		ss->sa = sa;
		ss->type = RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO;
		ss->crypto.dev_id = ri.dev;
		ss->crypto.ses = rte_cryptodev_sym_session_create(ri.dev, &xf,
								  ri.sess_pool);
		rc = ss->crypto.ses == NULL ? -rte_errno : 0;
	}
	if (rc >= 0)
		rc = rte_ipsec_session_prepare(ss);
	explicit_bzero(&k, sizeof(k));
	return rc < 0 ? rc : 0;
}

static int
ri_sizes(struct ri_state *s)
{
	struct rte_crypto_sym_xform xf;
	struct rte_ipsec_sa_prm prm;
	struct rte_ipv4_hdr outer;
	struct sa_keys k;
	int out, in;

	sa_keys_of(0, &k);
	ri_prm(0, false, &k, &prm, &xf, &outer);
	out = rte_ipsec_sa_size(&prm);
	ri_prm(0, true, &k, &prm, &xf, &outer);
	in = rte_ipsec_sa_size(&prm);
	explicit_bzero(&k, sizeof(k));
	if (out < 0 || in < 0)
		return out < 0 ? out : in;
	s->out_size = RTE_ALIGN_CEIL((uint32_t)out, RTE_CACHE_LINE_SIZE);
	s->in_size = RTE_ALIGN_CEIL((uint32_t)in, RTE_CACHE_LINE_SIZE);
	return 0;
}

static struct rte_ipsec_sa *
ri_sa(const struct ri_state *s, uint32_t nctx, uint32_t c, bool inbound)
{
	size_t off = inbound ? (size_t)nctx * s->out_size + (size_t)c * s->in_size :
			       (size_t)c * s->out_size;

	return (struct rte_ipsec_sa *)(s->sa_mem + off);
}

/* The inner packet in each mbuf, at the default headroom. */
static void
ri_fill(const struct bench *b, struct ri_state *s)
{
	for (int i = 0; i < BURST; i++) {
		struct rte_mbuf *m = s->m[i];

		rte_pktmbuf_reset(m);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), b->tmpl, b->bytes);
		m->data_len = b->bytes;
		m->pkt_len = b->bytes;
		m->l2_len = 0;
		m->l3_len = 20;
	}
}

static int
ri_setup(struct bench *b)
{
	struct ri_state *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	b->state = s;
	if (!ri.up)
		return -ENODEV;
	rc = ri_sizes(s);
	if (rc != 0)
		return rc;
	s->sa_mem_size = (size_t)b->nctx * (s->out_size + s->in_size);
	s->sa_mem = sa_memory(s->sa_mem_size);
	s->ss = sa_memory(2 * (size_t)b->nctx * sizeof(*s->ss));
	if (s->sa_mem == NULL || s->ss == NULL)
		return -ENOMEM;
	for (uint32_t c = 0; c < 2 * b->nctx && rc == 0; c++) {
		bool in = c >= b->nctx;
		uint32_t sa = in ? c - b->nctx : c;

		rc = ri_sa_make(&s->ss[c], ri_sa(s, b->nctx, sa, in),
				in ? s->in_size : s->out_size, sa, in);
		if (rc != 0)
			fprintf(stderr, "librte_ipsec: %s SA %u: %s\n",
				in ? "inbound" : "outbound", sa, strerror(-rc));
	}
	if (rc == 0 && rte_pktmbuf_alloc_bulk(ri.mbuf_pool, s->m, BURST) != 0)
		rc = -ENOMEM;
	if (rc == 0)
		ri_fill(b, s);
	return rc;
}

static void
ri_fail(const struct bench *b, bool inbound, int first, int n, uint16_t k)
{
	fprintf(stderr, "librte_ipsec: %s: %u of %d packets of SA %u OK: %s "
		"(%u-byte inner, %u SAs)\n", inbound ? "inbound" : "outbound",
		k, n, b->sa_of[first], rte_strerror(rte_errno), b->bytes, b->nctx);
	exit(1);
}

/* One call pair per run of packets of one SA, as ipsec-secgw's
 * ipsec_process_cpu_group(); the crypto happens inside prepare. */
static void
ri_run(struct bench *b, bool inbound)
{
	struct ri_state *s = b->state;
	const struct rte_ipsec_session *ss;
	uint32_t base = inbound ? b->nctx : 0;
	uint16_t k;
	int i, j;

	for (i = 0; i < BURST; i = j) {
		ss = &s->ss[base + b->sa_of[i]];
		for (j = i + 1; j < BURST && b->sa_of[j] == b->sa_of[i]; j++)
			;
		k = rte_ipsec_pkt_cpu_prepare(ss, s->m + i, (uint16_t)(j - i));
		k = rte_ipsec_pkt_process(ss, s->m + i, k);
		if (k != j - i)
			ri_fail(b, inbound, i, j - i, k);
	}
	if (inbound)
		return;
	/* lib/ipsec leaves the outer checksum to the NIC's offload. */
	for (i = 0; i < BURST; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(s->m[i],
							   struct rte_ipv4_hdr *);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

static void ri_encrypt(struct bench *b) { ri_run(b, false); }
static void ri_decrypt(struct bench *b) { ri_run(b, true); }

static const char *
ri_check_out(struct bench *b)
{
	struct ri_state *s = b->state;
	const char *w = NULL;

	for (int i = 0; i < BURST && w == NULL; i++)
		w = esp_wrong(b, rte_pktmbuf_mtod(s->m[i], uint8_t *),
			      s->m[i]->data_len, b->sa_of[i]);
	return w;
}

static const char *
ri_check_in(struct bench *b)
{
	struct ri_state *s = b->state;

	for (int i = 0; i < BURST; i++) {
		struct rte_mbuf *m = s->m[i];

		if (m->data_off != HEADROOM || m->pkt_len != b->bytes ||
		    m->data_len != b->bytes ||
		    memcmp(rte_pktmbuf_mtod(m, uint8_t *), b->tmpl, b->bytes) != 0)
			return "inner packet not the one sent";
	}
	return NULL;
}

static void
ri_teardown(struct bench *b)
{
	struct ri_state *s = b->state;

	if (s == NULL)
		return;
	for (uint32_t c = 0; s->ss != NULL && c < 2 * b->nctx; c++) {
		if (s->ss[c].crypto.ses != NULL)
			rte_cryptodev_sym_session_free(ri.dev, s->ss[c].crypto.ses);
		if (s->ss[c].sa != NULL)
			rte_ipsec_sa_fini(s->ss[c].sa);
	}
	if (s->m[0] != NULL)
		rte_pktmbuf_free_bulk(s->m, BURST);
	free(s->ss);
	free(s->sa_mem);
	free(s);
	b->state = NULL;
}

enum { E_MG, E_RAW, E_RI, NENGINES };

static const struct engine engines[NENGINES] = {
	[E_MG] = { "mediagate", mg_setup, mg_encrypt, mg_decrypt,
		   mg_check_out, mg_check_in, mg_teardown },
	[E_RAW] = { "ipsec-mb-raw", raw_setup, raw_encrypt, raw_decrypt,
		    raw_check_out, raw_check_in, raw_teardown },
	[E_RI] = { "librte_ipsec", ri_setup, ri_encrypt, ri_decrypt,
		   ri_check_out, ri_check_in, ri_teardown },
};

/* --- interoperation ------------------------------------------------------ */

/* mediagate encrypts a burst for SA 0; librte_ipsec decrypts it. */
static const char *
interop_mg_to_ri(struct bench *mg, struct bench *rb)
{
	struct mg_state *ms = mg->state;
	struct ri_state *rs = rb->state;
	uint16_t k;

	mg_encrypt(mg);
	for (int i = 0; i < BURST; i++) {
		struct rte_mbuf *m = rs->m[i];

		rte_pktmbuf_reset(m);
		m->data_off = HEADROOM - OUTER_LEN;
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), ms->pk[i].data, ms->pk[i].len);
		m->data_len = ms->pk[i].len;
		m->pkt_len = ms->pk[i].len;
		m->l2_len = 0;
		m->l3_len = 20;
	}
	k = rte_ipsec_pkt_cpu_prepare(&rs->ss[1], rs->m, BURST);
	k = rte_ipsec_pkt_process(&rs->ss[1], rs->m, k);
	if (k != BURST)
		return rte_strerror(rte_errno);
	return ri_check_in(rb);
}

/* librte_ipsec encrypts a burst for SA 0; mediagate decrypts it. */
static const char *
interop_ri_to_mg(struct bench *mg, struct bench *rb)
{
	struct mg_state *ms = mg->state;
	struct ri_state *rs = rb->state;
	uint16_t ok;

	ri_fill(rb, rs);
	ri_encrypt(rb);
	for (int i = 0; i < BURST; i++) {
		struct rte_mbuf *m = rs->m[i];
		uint8_t *p = slot(mg, i) + HEADROOM - OUTER_LEN;

		memcpy(p, rte_pktmbuf_mtod(m, uint8_t *), m->data_len);
		ms->pk[i] = (struct mg_esp_pkt){ .data = p, .len = m->data_len,
			.headroom = HEADROOM - OUTER_LEN,
			.tailroom = (uint16_t)(BUFSZ - HEADROOM + OUTER_LEN - m->data_len),
			.sa = ms->in[0] };
	}
	ok = mg_esp_inbound_burst(mg->mgr, ms->pk, BURST);
	for (int i = 0; i < BURST; i++)
		if (ms->pk[i].status != MG_ESP_OK)
			return mg_esp_status_str(ms->pk[i].status);
	return ok == BURST ? mg_check_in(mg) : "count of good packets wrong";
}

/* Once per size, with one fresh SA pair per engine (same key, salt, SPI):
 * whether each side takes the other's ESP. Prints one line a direction. */
static void
interop(const struct bench *proto, const uint16_t *sizes, int nsizes, FILE *f)
{
	const char *w[2] = { NULL, NULL };
	static const uint32_t zero;
	int si;

	for (si = 0; si < nsizes && w[0] == NULL && w[1] == NULL; si++) {
		struct bench mg = *proto, rb = *proto;
		uint8_t tmpl[BUFSZ];

		make_inner(tmpl, sizes[si]);
		for (int i = 0; i < BURST; i++)
			memcpy(slot(proto, i) + HEADROOM, tmpl, sizes[si]);
		mg.nctx = rb.nctx = 1;
		mg.bytes = rb.bytes = sizes[si];
		mg.tmpl = rb.tmpl = tmpl;
		mg.order = rb.order = &zero;
		if (mg_setup(&mg) != 0 || ri_setup(&rb) != 0) {
			fprintf(stderr, "interop: set-up failed\n");
			exit(1);
		}
		next_burst(&mg);
		next_burst(&rb);
		w[0] = interop_mg_to_ri(&mg, &rb);
		w[1] = interop_ri_to_mg(&mg, &rb);
		mg_teardown(&mg);
		ri_teardown(&rb);
	}
	si = si > 0 ? si - 1 : 0;
	fprintf(f, "interop: librte_ipsec decrypts mediagate's ESP: %s%s%s\n",
		w[0] ? "NO (" : "yes", w[0] ? w[0] : "", w[0] ? ")" : "");
	fprintf(f, "interop: mediagate decrypts librte_ipsec's ESP: %s%s%s\n",
		w[1] ? "NO (" : "yes", w[1] ? w[1] : "", w[1] ? ")" : "");
	if (w[0] || w[1])
		fprintf(f, "interop: failed at %u bytes\n", sizes[si]);
}

/* --- measurement ------------------------------------------------------- */

struct figure {
	double cpp[2]; /* cycles per packet: [0] encrypt, [1] decrypt */
};

static void
check(const struct bench *b, const struct engine *e, const char *w,
      const char *when)
{
	if (w == NULL)
		return;
	fprintf(stderr, "%s: %s wrong: %s (%u-byte inner, %u SAs)\n", e->name,
		when, w, b->bytes, b->nctx);
	fprintf(stderr, "reproduce: esp_bench --engines %s --sizes %u "
		"--contexts %u --samples 1 --seconds 0.01\n", e->name, b->bytes,
		b->nctx);
	exit(1);
}

static struct figure
sample(struct bench *b, const struct engine *e, double seconds)
{
	uint64_t cyc[2] = { 0, 0 }, pkts = 0, t_end, t0;

	t_end = now_ns() + (uint64_t)(seconds * 1e9);
	next_burst(b);
	e->encrypt(b);
	check(b, e, e->check_out(b), "ESP after outbound");
	e->decrypt(b);
	do {
		for (int r = 0; r < 64; r++) {
			next_burst(b);
			t0 = __rdtsc();
			e->encrypt(b);
			cyc[0] += __rdtsc() - t0;
			t0 = __rdtsc();
			e->decrypt(b);
			cyc[1] += __rdtsc() - t0;
			pkts += BURST;
		}
	} while (now_ns() < t_end);
	check(b, e, e->check_in(b), "inner packet after inbound");
	return (struct figure){ { (double)cyc[0] / pkts, (double)cyc[1] / pkts } };
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct opts {
	int json;
	int samples;
	double seconds;
	uint32_t contexts[MAX_CTX];
	int ncontexts;
	uint16_t sizes[MAX_SIZES];
	int nsizes;
	bool on[NENGINES];
	bool sequential;  /* --order sequential */
	int eal_argc;
	char **eal_argv;
};

/* [size][ctx][engine][op]: cycles per packet (median), and the median of
 * per-sample speed ratios to ipsec-mb-raw. 0: not measured. */
static double results[MAX_SIZES][MAX_CTX][NENGINES][2];
static double vs_raw[MAX_SIZES][MAX_CTX][NENGINES][2];

static const char *const op_name[2] = { "encrypt", "decrypt" };

static void
ratio_store(const struct opts *o, int si, int ci, int ei, int op,
	    double s[][2][MAX_SAMPLES])
{
	double r[MAX_SAMPLES];

	if (s[E_RAW][op][0] == 0)
		return;
	for (int k = 0; k < o->samples; k++)
		r[k] = s[E_RAW][op][k] / s[ei][op][k];
	qsort(r, o->samples, sizeof(double), cmp_double);
	vs_raw[si][ci][ei][op] = r[o->samples / 2];
}

/* This engine's speed at contexts[ci] over its one-SA speed, 0 if there
 * is no one-SA figure (or this is it). */
static double
vs_one_sa(const struct opts *o, int si, int ci, int ei, int op)
{
	for (int c1 = 0; c1 < o->ncontexts; c1++)
		if (o->contexts[c1] == 1 && c1 != ci &&
		    results[si][c1][ei][op] != 0)
			return results[si][c1][ei][op] / results[si][ci][ei][op];
	return 0;
}

static void
json_ratio(char *out, size_t n, double v)
{
	if (v == 0)
		snprintf(out, n, "null");
	else
		snprintf(out, n, "%.3f", v);
}

static void
print_json(const struct opts *o, int si, int ci, int ei, int op)
{
	double cpp = results[si][ci][ei][op];
	char r1[16], r2[16];

	json_ratio(r1, sizeof(r1), vs_raw[si][ci][ei][op]);
	json_ratio(r2, sizeof(r2), vs_one_sa(o, si, ci, ei, op));
	printf("{\"bench\":\"esp\",\"engine\":\"%s\",\"suite\":\"%s\","
	       "\"mode\":\"tunnel-ipv4\",\"op\":\"%s\",\"bytes\":%u,"
	       "\"contexts\":%u,\"mpps\":%.4f,\"cycles_per_packet\":%.1f,"
	       "\"vs_raw\":%s,\"vs_one_sa\":%s,\"order\":\"%s\",\"burst\":%d,"
	       "\"samples\":%d,\"seconds\":%.3f,\"tsc_hz\":%llu}\n",
	       engines[ei].name, SUITE_NAME, op_name[op], o->sizes[si],
	       o->contexts[ci], (double)tsc_hz / cpp / 1e6, cpp, r1, r2,
	       o->sequential ? "sequential" : "shuffled", BURST, o->samples,
	       o->seconds, (unsigned long long)tsc_hz);
	fflush(stdout);
}

static void
table_row(const struct opts *o, int si, int ci, int ei, int op)
{
	double cpp = results[si][ci][ei][op];
	double r1 = vs_raw[si][ci][ei][op], r2 = vs_one_sa(o, si, ci, ei, op);
	char a[16] = "-", c[16] = "-";

	if (r1 != 0 && ei != E_RAW)
		snprintf(a, sizeof(a), "%.2f", r1);
	if (r2 != 0)
		snprintf(c, sizeof(c), "%.2f", r2);
	printf("%6u %7u %-8s %-13s %8.3f %8.1f %6s %6s\n", o->sizes[si],
	       o->contexts[ci], op_name[op], engines[ei].name,
	       (double)tsc_hz / cpp / 1e6, cpp, a, c);
}

static void
print_table(const struct opts *o)
{
	printf("ESP %s, tunnel mode, IPv4 in IPv4, one core, bursts of %d, "
	       "SAs %s,\nmedian of %d x %.2f s, TSC %.2f GHz\n\n", SUITE_NAME,
	       BURST, o->sequential ? "in sequence" : "shuffled", o->samples,
	       o->seconds, (double)tsc_hz / 1e9);
	printf("%6s %7s %-8s %-13s %8s %8s %6s %6s\n", "bytes", "SAs", "op",
	       "engine", "Mpps", "cyc/pkt", "/raw", "/1 SA");
	for (int si = 0; si < o->nsizes; si++)
		for (int ci = 0; ci < o->ncontexts; ci++)
			for (int op = 0; op < 2; op++)
				for (int ei = 0; ei < NENGINES; ei++)
					if (results[si][ci][ei][op] != 0)
						table_row(o, si, ci, ei, op);
	printf("\nbytes: the inner IPv4 packet; ESP adds 36 bytes in front and "
	       "2-5 + 16 after.\n/raw: speed over ipsec-mb-raw's (the median "
	       "of per-sample ratios); /1 SA: speed\nover the same engine's "
	       "with one SA. Higher is faster.\n");
}

/* The targets for mediagate, as measured (nothing is asserted). */
static void
print_targets(const struct opts *o)
{
	static const struct { uint16_t bytes; double min; } raw_t[] = {
		{ 1420, 0.85 }, { 172, 0.75 } };

	printf("\nTargets (mediagate):\n");
	for (int si = 0; si < o->nsizes; si++)
		for (int ci = 0; ci < o->ncontexts; ci++)
			for (int op = 0; op < 2; op++) {
				double r = vs_raw[si][ci][E_MG][op];
				double s1 = vs_one_sa(o, si, ci, E_MG, op);

				for (size_t t = 0; t < 2; t++)
					if (o->sizes[si] == raw_t[t].bytes &&
					    o->contexts[ci] == 1 && r != 0)
						printf("  %4u B, 1 SA, %s: %.2f of raw "
						       "(target %.2f) %s\n", o->sizes[si],
						       op_name[op], r, raw_t[t].min,
						       r >= raw_t[t].min ? "met" : "MISSED");
				if (o->contexts[ci] == 100000 && s1 != 0)
					printf("  %4u B, 100000 SAs, %s: %.2f of 1 SA "
					       "(target 0.80) %s\n", o->sizes[si],
					       op_name[op], s1,
					       s1 >= 0.80 ? "met" : "MISSED");
			}
}

static void
run_samples(const struct opts *o, struct bench *b, const bool *on,
	    double s[][2][MAX_SAMPLES])
{
	for (int k = 0; k < o->samples; k++)
		for (int ei = 0; ei < NENGINES; ei++) {
			struct figure f;

			if (!on[ei])
				continue;
			f = sample(&b[ei], &engines[ei], o->seconds);
			s[ei][0][k] = f.cpp[0];
			s[ei][1][k] = f.cpp[1];
		}
}

static void
run_config(const struct opts *o, const struct bench *proto, int si, int ci)
{
	struct bench b[NENGINES];
	double s[NENGINES][2][MAX_SAMPLES];
	uint8_t tmpl[BUFSZ];
	uint32_t *order = sa_order(o->contexts[ci], !o->sequential);

	if (order == NULL)
		exit(1);
	memset(s, 0, sizeof(s));
	make_inner(tmpl, o->sizes[si]);
	for (int ei = 0; ei < NENGINES; ei++) {
		if (!o->on[ei])
			continue;
		b[ei] = *proto;
		b[ei].nctx = o->contexts[ci];
		b[ei].bytes = o->sizes[si];
		b[ei].tmpl = tmpl;
		b[ei].order = order;
		for (int i = 0; i < BURST; i++)
			memcpy(slot(&b[ei], i) + HEADROOM, tmpl, o->sizes[si]);
		if (engines[ei].setup(&b[ei]) != 0) {
			fprintf(stderr, "%s: set-up failed (%u SAs)\n",
				engines[ei].name, b[ei].nctx);
			exit(1);
		}
		sample(&b[ei], &engines[ei], o->seconds / 4); /* warm up */
	}
	run_samples(o, b, o->on, s);
	for (int ei = 0; ei < NENGINES; ei++) {
		if (!o->on[ei])
			continue;
		for (int op = 0; op < 2; op++) {
			ratio_store(o, si, ci, ei, op, s);
			qsort(s[ei][op], o->samples, sizeof(double), cmp_double);
			results[si][ci][ei][op] = s[ei][op][o->samples / 2];
			if (o->json)
				print_json(o, si, ci, ei, op);
		}
		engines[ei].teardown(&b[ei]);
	}
	free(order);
}

/* --- options and main ------------------------------------------------- */

static const char usage[] =
	"usage: esp_bench [--json] [--samples N] [--seconds S] [--sizes A,B]\n"
	"                 [--contexts A,B] [--engines E,F]\n"
	"                 [--order shuffled|sequential] [-- EAL arguments]\n"
	"Engines: mediagate, ipsec-mb-raw, librte_ipsec (default: all)\n"
	"--order: which SA each packet goes to: every SA once a lap, in an order\n"
	"shuffled once (default: unrelated SA memory packet after packet, as real\n"
	"traffic) or in the order the SAs were made (the prefetcher streams them).\n"
	"Defaults: 5 samples of 0.3 s, sizes 64,172,512,1420 (inner packet),\n"
	"contexts 1,100000 (SA pairs). EAL (librte_ipsec only) defaults to\n"
	"  --no-huge -m 512 --no-shconf --vdev crypto_aesni_mb0 --no-pci -l 0\n"
	"  --log-level=*:error\n"
	"(-m grows past 150,000 SA pairs: 4 kB each) and arguments after --\n"
	"replace these (include a crypto_aesni_mb vdev and enough -m).\n";

static int
parse_list(const char *s, uint32_t *out, int max, uint32_t lo, uint32_t hi)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v < lo || v > hi || (*end && *end != ','))
			return -1;
		out[n++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	return *s ? -1 : n;
}

static int
parse_engines(const char *s, bool *on)
{
	memset(on, 0, NENGINES * sizeof(*on));
	while (*s) {
		size_t n = strcspn(s, ",");
		int e;

		for (e = 0; e < NENGINES; e++)
			if (strlen(engines[e].name) == n &&
			    strncmp(s, engines[e].name, n) == 0)
				break;
		if (e == NENGINES)
			return -1;
		on[e] = true;
		s += n + (s[n] == ',');
	}
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "samples", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "contexts", required_argument, NULL, 'c' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "engines", required_argument, NULL, 'e' },
		{ "order", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t sz[MAX_SIZES];
	int opt, rc = 0;

	*o = (struct opts){ .samples = 5, .seconds = 0.3,
		.contexts = { 1, 100000 }, .ncontexts = 2,
		.sizes = { 64, 172, 512, 1420 }, .nsizes = 4,
		.on = { true, true, true } };
	while (rc == 0 && (opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'j': o->json = 1; break;
		case 'e': rc = parse_engines(optarg, o->on); break;
		case 'o':
			o->sequential = strcmp(optarg, "sequential") == 0;
			rc = o->sequential || strcmp(optarg, "shuffled") == 0 ? 0 : -1;
			break;
		case 'n': o->samples = atoi(optarg); break;
		case 's': o->seconds = atof(optarg); break;
		case 'c':
			o->ncontexts = parse_list(optarg, o->contexts, MAX_CTX,
						  1, 1000000);
			break;
		case 'z':
			o->nsizes = parse_list(optarg, sz, MAX_SIZES, 28,
					       BUFSZ - HEADROOM - 64);
			for (int i = 0; i < o->nsizes; i++)
				o->sizes[i] = (uint16_t)sz[i];
			break;
		case 'h': fputs(usage, stdout); exit(0);
		default: return -1;
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0)
			return -1;
		/* EAL's argv[0] is the program's. */
		o->eal_argc = argc - optind + 1;
		o->eal_argv = argv + optind - 1;
		o->eal_argv[0] = argv[0];
	} else {
		o->eal_argc = (int)(sizeof(eal_default) / sizeof(eal_default[0])) - 1;
		o->eal_argv = eal_default;
	}
	if (rc != 0 || o->samples < 1 || o->samples > MAX_SAMPLES ||
	    !(o->seconds > 0) || o->ncontexts < 1 || o->nsizes < 1)
		return -1;
	return 0;
}

static uint32_t
max_contexts(const struct opts *o)
{
	uint32_t m = 1;

	for (int i = 0; i < o->ncontexts; i++)
		if (o->contexts[i] > m)
			m = o->contexts[i];
	return m;
}

int
main(int argc, char **argv)
{
	struct bench proto;
	struct opts o;

	if (parse_opts(argc, argv, &o) != 0) {
		fputs(usage, stderr);
		return 2;
	}
	if (o.eal_argv == eal_default)
		eal_mem_for(max_contexts(&o));
	if (o.on[E_RI] && ri_init(o.eal_argc, o.eal_argv, max_contexts(&o)) != 0)
		return 1;
	tsc_hz = tsc_rate();
	memset(&proto, 0, sizeof(proto));
	proto.mgr = alloc_mb_mgr(0);
	if (proto.mgr == NULL)
		return 1;
	init_mb_mgr_auto(proto.mgr, NULL);
	proto.buf = aligned_alloc(64, BURST * BUFSZ);
	if (proto.buf == NULL)
		return 1;
	memset(proto.buf, 0, BURST * BUFSZ);
	if (o.on[E_MG] && o.on[E_RI])
		interop(&proto, o.sizes, o.nsizes, o.json ? stderr : stdout);
	for (int si = 0; si < o.nsizes; si++)
		for (int ci = 0; ci < o.ncontexts; ci++)
			run_config(&o, &proto, si, ci);
	if (!o.json) {
		printf("\n");
		print_table(&o);
		if (o.on[E_MG])
			print_targets(&o);
	}
	free(proto.buf);
	free_mb_mgr(proto.mgr);
	if (ri.up) {
		rte_cryptodev_stop(ri.dev);
		rte_eal_cleanup();
	}
	return 0;
}
