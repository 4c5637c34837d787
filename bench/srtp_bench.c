/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * srtp_bench: SRTP protect/unprotect on one core, side by side in one run.
 *
 *   mediagate          our engine (dataplane/srtp), bursts of 32
 *   libsrtp2           Debian's libsrtp2 (NSS backend), one call a packet,
 *                      one session per context so its stream list stays 1
 *   ipsec-mb-raw       the same crypto work with no SRTP framing, the
 *                      fastest way IPsec-MB 1.3 has: AES_CM_128_HMAC_SHA1_80
 *                      as a cipher burst then a hash burst; AEAD_AES_128_GCM
 *                      as one direct IMB_AES128_GCM_ENC/DEC call a packet
 *   ipsec-mb-raw-job   the same work as jobs (what our engine uses for GCM)
 *
 * Every iteration takes 32 packets round trip: protect (timed), then
 * unprotect (timed) back to the plaintext, so buffers are equally warm for
 * every engine and no copy is timed. Contexts are used round-robin, each
 * with its own sequence numbers. Each figure is the median of --samples
 * runs of --seconds each. Cycles are TSC cycles.
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
#include <srtp2/srtp.h>

#include "bench_clock.h"
#include "mg_srtp.h"

#define BURST 32
#define BUFSZ 2048
#define SSRC_BASE 0x10000000u

enum { SUITE_CM80, SUITE_GCM128, NSUITES };

static const struct {
	const char *name;
	enum mg_srtp_suite mg;
	void (*libsrtp)(srtp_crypto_policy_t *p);
} suites[NSUITES] = {
	[SUITE_CM80] = { "AES_CM_128_HMAC_SHA1_80",
			 MG_SRTP_AES_CM_128_HMAC_SHA1_80,
			 srtp_crypto_policy_set_rtp_default },
	[SUITE_GCM128] = { "AEAD_AES_128_GCM", MG_SRTP_AEAD_AES_128_GCM,
			   srtp_crypto_policy_set_aes_gcm_128_16_auth },
};

struct bench {
	IMB_MGR *mgr;
	int suite;
	uint32_t nctx;
	uint16_t bytes;
	uint32_t next_ctx;
	uint16_t *seq;          /* per context */
	uint8_t (*buf)[BUFSZ];  /* BURST buffers */
	uint16_t len[BURST];
	uint32_t ctx_of[BURST];
	void *state;            /* the engine's contexts */
};

struct engine {
	const char *name;
	int (*setup)(struct bench *b);
	void (*protect)(struct bench *b);
	void (*unprotect)(struct bench *b);
	void (*teardown)(struct bench *b);
};

static uint64_t tsc_hz;



static void
master_of(uint32_t ctx, uint8_t master[30])
{
	for (int i = 0; i < 30; i++)
		master[i] = (uint8_t)(ctx * 131 + i * 7 + 1);
}

/* Plain RTP for the next BURST packets: header with the context's next
 * sequence number, payload left as the last round trip restored it. */
static void
next_burst(struct bench *b)
{
	for (int i = 0; i < BURST; i++) {
		uint32_t c = b->next_ctx;
		uint8_t *p = b->buf[i];
		uint16_t s = b->seq[c]++;
		uint32_t ssrc = SSRC_BASE + c;

		b->next_ctx = (c + 1 == b->nctx) ? 0 : c + 1;
		b->ctx_of[i] = c;
		b->len[i] = b->bytes;
		p[0] = 0x80; p[1] = 0;
		p[2] = (uint8_t)(s >> 8); p[3] = (uint8_t)s;
		p[8] = (uint8_t)(ssrc >> 24); p[9] = (uint8_t)(ssrc >> 16);
		p[10] = (uint8_t)(ssrc >> 8); p[11] = (uint8_t)ssrc;
	}
}

/* --- mediagate ------------------------------------------------------- */

struct mg_state {
	struct mg_srtp_ctx **tx, **rx;
};

static int
mg_setup(struct bench *b)
{
	struct mg_state *s = calloc(1, sizeof(*s));
	struct mg_srtp_policy pol;
	uint8_t master[30];

	s->tx = calloc(b->nctx, sizeof(*s->tx));
	s->rx = calloc(b->nctx, sizeof(*s->rx));
	for (uint32_t c = 0; c < b->nctx; c++) {
		memset(&pol, 0, sizeof(pol));
		pol.suite = suites[b->suite].mg;
		pol.ssrc = SSRC_BASE + c;
		pol.nb_masters = 1;
		master_of(c, master);
		memcpy(pol.masters[0].key, master, 16);
		memcpy(pol.masters[0].salt, master + 16, 14);
		if (mg_srtp_ctx_create(b->mgr, &pol, &s->tx[c]) != 0 ||
		    mg_srtp_ctx_create(b->mgr, &pol, &s->rx[c]) != 0)
			return -1;
	}
	b->state = s;
	return 0;
}

static void
mg_run(struct bench *b, struct mg_srtp_ctx **ctx, bool protect)
{
	struct mg_srtp_pkt pk[BURST];
	uint16_t ok;

	for (int i = 0; i < BURST; i++)
		pk[i] = (struct mg_srtp_pkt){ .data = b->buf[i], .len = b->len[i],
			.cap = BUFSZ, .ctx = ctx[b->ctx_of[i]] };
	ok = protect ? mg_srtp_protect_burst(b->mgr, pk, BURST) :
		       mg_srtp_unprotect_burst(b->mgr, pk, BURST);
	if (ok != BURST) {
		fprintf(stderr, "mediagate: %s failed: %s\n",
			protect ? "protect" : "unprotect",
			mg_srtp_status_str(pk[0].status));
		exit(1);
	}
	for (int i = 0; i < BURST; i++)
		b->len[i] = pk[i].len;
}

static void mg_protect(struct bench *b) { mg_run(b, ((struct mg_state *)b->state)->tx, true); }
static void mg_unprotect(struct bench *b) { mg_run(b, ((struct mg_state *)b->state)->rx, false); }

static void
mg_teardown(struct bench *b)
{
	struct mg_state *s = b->state;

	for (uint32_t c = 0; c < b->nctx; c++) {
		mg_srtp_ctx_destroy(s->tx[c]);
		mg_srtp_ctx_destroy(s->rx[c]);
	}
	free(s->tx);
	free(s->rx);
	free(s);
}

/* --- libsrtp2 -------------------------------------------------------- */

struct ls_state {
	srtp_t *tx, *rx;
};

static int
ls_setup(struct bench *b)
{
	struct ls_state *s = calloc(1, sizeof(*s));
	uint8_t master[30];
	srtp_policy_t pol;

	s->tx = calloc(b->nctx, sizeof(*s->tx));
	s->rx = calloc(b->nctx, sizeof(*s->rx));
	for (uint32_t c = 0; c < b->nctx; c++) {
		memset(&pol, 0, sizeof(pol));
		suites[b->suite].libsrtp(&pol.rtp);
		suites[b->suite].libsrtp(&pol.rtcp);
		pol.ssrc.type = ssrc_specific;
		pol.ssrc.value = SSRC_BASE + c;
		master_of(c, master);
		pol.key = master;
		pol.window_size = 1024;
		if (srtp_create(&s->tx[c], &pol) != srtp_err_status_ok ||
		    srtp_create(&s->rx[c], &pol) != srtp_err_status_ok)
			return -1;
	}
	b->state = s;
	return 0;
}

static void
ls_run(struct bench *b, srtp_t *sess, bool protect)
{
	for (int i = 0; i < BURST; i++) {
		int len = b->len[i];
		srtp_err_status_t st = protect ?
			srtp_protect(sess[b->ctx_of[i]], b->buf[i], &len) :
			srtp_unprotect(sess[b->ctx_of[i]], b->buf[i], &len);

		if (st != srtp_err_status_ok) {
			fprintf(stderr, "libsrtp2: error %d\n", st);
			exit(1);
		}
		b->len[i] = (uint16_t)len;
	}
}

static void ls_protect(struct bench *b) { ls_run(b, ((struct ls_state *)b->state)->tx, true); }
static void ls_unprotect(struct bench *b) { ls_run(b, ((struct ls_state *)b->state)->rx, false); }

static void
ls_teardown(struct bench *b)
{
	struct ls_state *s = b->state;

	for (uint32_t c = 0; c < b->nctx; c++) {
		srtp_dealloc(s->tx[c]);
		srtp_dealloc(s->rx[c]);
	}
	free(s->tx);
	free(s->rx);
	free(s);
}

/* --- raw IPsec-MB ----------------------------------------------------- */

struct raw_keys {
	uint8_t enc[16 * 15] __attribute__((aligned(16)));
	uint8_t ipad[32] __attribute__((aligned(16)));
	uint8_t opad[32] __attribute__((aligned(16)));
	struct gcm_key_data gcm __attribute__((aligned(64)));
};

struct raw_state {
	struct raw_keys *k;
	IMB_JOB jobs[BURST];
	uint8_t iv[BURST][16];
	uint8_t tag[BURST][16];
};

/* Keys as our engine keeps them, for a fair fight at 100,000 contexts:
 * on transparent huge pages, and one set per direction, since a sender's
 * and a receiver's contexts are different memory. */
static void *
raw_key_memory(size_t size)
{
	void *p = NULL;

	if (posix_memalign(&p, 2u << 20, size) != 0)
		return NULL;
	(void)madvise(p, size, MADV_HUGEPAGE);
	return p;
}

static const struct raw_keys *
raw_key(const struct bench *b, const struct raw_state *s, int i, bool protect)
{
	return &s->k[b->ctx_of[i] + (protect ? 0 : b->nctx)];
}

static int
raw_setup(struct bench *b)
{
	struct raw_state *s = aligned_alloc(64, sizeof(*s));
	uint8_t master[30], dec[16 * 15] __attribute__((aligned(16))), blk[64];

	memset(s, 0, sizeof(*s));
	s->k = raw_key_memory(2 * b->nctx * sizeof(*s->k));
	if (s->k == NULL)
		return -1;
	for (uint32_t c = 0; c < 2 * b->nctx; c++) {
		master_of(c % b->nctx, master);
		if (b->suite == SUITE_GCM128) {
			IMB_AES128_GCM_PRE(b->mgr, master, &s->k[c].gcm);
			continue;
		}
		IMB_AES_KEYEXP_128(b->mgr, master, s->k[c].enc, dec);
		memset(blk, 0x36, 64);
		for (int i = 0; i < 20; i++)
			blk[i] ^= master[i % 30];
		IMB_SHA1_ONE_BLOCK(b->mgr, blk, s->k[c].ipad);
		memset(blk, 0x5c, 64);
		for (int i = 0; i < 20; i++)
			blk[i] ^= master[i % 30];
		IMB_SHA1_ONE_BLOCK(b->mgr, blk, s->k[c].opad);
	}
	b->state = s;
	return 0;
}

/* The work of one SRTP packet without its framing: CTR over the payload,
 * HMAC-SHA1 over header + payload + 4 bytes, a 12-byte tag aside. */
static void
raw_job(struct bench *b, struct raw_state *s, int i, IMB_JOB *j, bool protect)
{
	const struct raw_keys *k = raw_key(b, s, i, protect);
	uint16_t len = b->bytes;

	j->chain_order = protect ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	j->cipher_direction = protect ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	j->cipher_mode = IMB_CIPHER_CNTR;
	j->enc_keys = k->enc;
	j->dec_keys = k->enc;
	j->key_len_in_bytes = 16;
	j->src = b->buf[i];
	j->dst = b->buf[i] + 12;
	j->cipher_start_src_offset_in_bytes = 12;
	j->msg_len_to_cipher_in_bytes = len - 12u;
	j->iv = s->iv[i];
	j->iv_len_in_bytes = 16;
	j->hash_alg = IMB_AUTH_HMAC_SHA_1;
	j->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
	j->u.HMAC._hashed_auth_key_xor_opad = k->opad;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = len + 4u;
	j->auth_tag_output = s->tag[i];
	j->auth_tag_output_len_in_bytes = 12;
}

/* The work of one GCM SRTP packet: the 12-byte header as AAD, the payload
 * encrypted, a 16-byte tag aside. */
static void
raw_gcm_job(struct bench *b, struct raw_state *s, int i, IMB_JOB *j,
	    bool protect)
{
	uint16_t len = b->bytes;

	j->chain_order = protect ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	j->cipher_direction = protect ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	j->cipher_mode = IMB_CIPHER_GCM;
	j->hash_alg = IMB_AUTH_AES_GMAC;
	j->enc_keys = &raw_key(b, s, i, protect)->gcm;
	j->dec_keys = &raw_key(b, s, i, protect)->gcm;
	j->key_len_in_bytes = 16;
	j->src = b->buf[i];
	j->dst = b->buf[i] + 12;
	j->cipher_start_src_offset_in_bytes = 12;
	j->msg_len_to_cipher_in_bytes = len - 12u;
	j->hash_start_src_offset_in_bytes = 12;
	j->msg_len_to_hash_in_bytes = len - 12u;
	j->iv = s->iv[i];
	j->iv_len_in_bytes = 12;
	j->u.GCM.aad = b->buf[i];
	j->u.GCM.aad_len_in_bytes = 12;
	j->auth_tag_output = s->tag[i];
	j->auth_tag_output_len_in_bytes = 16;
}

/* IPsec-MB 1.3's fastest GCM: the direct single-buffer call. */
static void
raw_gcm_direct(struct bench *b, bool protect)
{
	struct raw_state *s = b->state;
	struct gcm_context_data ctx;

	for (int i = 0; i < BURST; i++) {
		const struct gcm_key_data *k = &raw_key(b, s, i, protect)->gcm;
		uint8_t *p = b->buf[i];
		uint64_t len = b->bytes - 12u;

		if (protect)
			IMB_AES128_GCM_ENC(b->mgr, k, &ctx, p + 12, p + 12, len,
					   s->iv[i], p, 12, s->tag[i], 16);
		else
			IMB_AES128_GCM_DEC(b->mgr, k, &ctx, p + 12, p + 12, len,
					   s->iv[i], p, 12, s->tag[i], 16);
	}
}

static void
raw_burst(struct bench *b, bool protect)
{
	struct raw_state *s = b->state;
	uint32_t done;

	if (b->suite == SUITE_GCM128) {
		raw_gcm_direct(b, protect);
		return;
	}
	for (int i = 0; i < BURST; i++)
		raw_job(b, s, i, &s->jobs[i], protect);

	if (protect) {
		done = IMB_SUBMIT_CIPHER_BURST(b->mgr, s->jobs, BURST,
					       IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT,
					       IMB_KEY_128_BYTES);
		done += IMB_SUBMIT_HASH_BURST(b->mgr, s->jobs, BURST,
					      IMB_AUTH_HMAC_SHA_1);
	} else {
		done = IMB_SUBMIT_HASH_BURST(b->mgr, s->jobs, BURST,
					     IMB_AUTH_HMAC_SHA_1);
		done += IMB_SUBMIT_CIPHER_BURST(b->mgr, s->jobs, BURST,
						IMB_CIPHER_CNTR, IMB_DIR_DECRYPT,
						IMB_KEY_128_BYTES);
	}
	/* A refused burst returns 0 and would look fast: never let it. */
	if (done != 2 * BURST) {
		fprintf(stderr, "ipsec-mb-raw: burst refused (%s)\n",
			imb_get_strerror(imb_get_errno(b->mgr)));
		exit(1);
	}
}

static void
raw_job_done(const IMB_JOB *j)
{
	if (j->status != IMB_STATUS_COMPLETED) {
		fprintf(stderr, "ipsec-mb-raw-job: job failed (status %d)\n",
			j->status);
		exit(1);
	}
}

static void
raw_chained(struct bench *b, bool protect)
{
	struct raw_state *s = b->state;
	IMB_JOB *j;
	/* A job that fails would look fast: stop on the first. */

	for (int i = 0; i < BURST; i++) {
		j = IMB_GET_NEXT_JOB(b->mgr);
		if (b->suite == SUITE_GCM128)
			raw_gcm_job(b, s, i, j, protect);
		else
			raw_job(b, s, i, j, protect);
		j = IMB_SUBMIT_JOB(b->mgr);
		while (j != NULL) {
			raw_job_done(j);
			j = IMB_GET_COMPLETED_JOB(b->mgr);
		}
	}
	while ((j = IMB_FLUSH_JOB(b->mgr)) != NULL)
		raw_job_done(j);
}

static void raw_protect(struct bench *b) { raw_burst(b, true); }
static void raw_unprotect(struct bench *b) { raw_burst(b, false); }
static void rawj_protect(struct bench *b) { raw_chained(b, true); }
static void rawj_unprotect(struct bench *b) { raw_chained(b, false); }

static void
raw_teardown(struct bench *b)
{
	struct raw_state *s = b->state;

	explicit_bzero(s->k, 2 * b->nctx * sizeof(*s->k));
	free(s->k);
	free(s);
}

static const struct engine engines[] = {
	{ "mediagate", mg_setup, mg_protect, mg_unprotect, mg_teardown },
	{ "libsrtp2", ls_setup, ls_protect, ls_unprotect, ls_teardown },
	{ "ipsec-mb-raw", raw_setup, raw_protect, raw_unprotect, raw_teardown },
	{ "ipsec-mb-raw-job", raw_setup, rawj_protect, rawj_unprotect, raw_teardown },
};
#define NENGINES (sizeof(engines) / sizeof(engines[0]))

/* --- measurement ------------------------------------------------------ */

struct figure {
	double cpp[2]; /* cycles per packet: [0] protect, [1] unprotect */
};

static struct figure
sample(struct bench *b, const struct engine *e, double seconds)
{
	uint64_t cyc[2] = { 0, 0 }, pkts = 0, t_end;
	uint64_t t0;

	t_end = now_ns() + (uint64_t)(seconds * 1e9);
	do {
		for (int r = 0; r < 64; r++) {
			next_burst(b);
			t0 = __rdtsc();
			e->protect(b);
			cyc[0] += __rdtsc() - t0;
			t0 = __rdtsc();
			e->unprotect(b);
			cyc[1] += __rdtsc() - t0;
			pkts += BURST;
		}
	} while (now_ns() < t_end);
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
	uint32_t contexts[4];
	int ncontexts;
	uint16_t sizes[4];
	int nsizes;
	const char *engines; /* comma list of names, NULL: all */
	int suites[NSUITES];
	int nsuites;
	uint32_t libsrtp_max; /* contexts above which libsrtp2 is skipped */
};

static bool
engine_wanted(const struct opts *o, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = o->engines; p != NULL && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return o->engines == NULL;
}

/* [suite][size][ctx][engine][op]: cycles per packet. */
static double results[NSUITES][4][4][NENGINES][2];
/* Median over samples of (baseline cpp / engine cpp): [0] libsrtp2,
 * [1] the faster raw IPsec-MB way of that sample. 0: not measured. */
static double ratios[NSUITES][4][4][NENGINES][2][2];

static int cmp_double(const void *a, const void *b);

static void
ratio_store(const struct opts *o, int su, int si, int ci, size_t ei, int op,
	    double s[][2][16])
{
	double r[2][16];
	int n[2] = { 0, 0 };

	for (int k = 0; k < o->samples; k++) {
		double raw = s[2][op][k], rj = s[3][op][k];

		if (raw == 0 || (rj != 0 && rj < raw))
			raw = rj;
		if (s[1][op][k] != 0)
			r[0][n[0]++] = s[1][op][k] / s[ei][op][k];
		if (raw != 0)
			r[1][n[1]++] = raw / s[ei][op][k];
	}
	for (int w = 0; w < 2; w++) {
		if (n[w] == 0)
			continue;
		qsort(r[w], n[w], sizeof(double), cmp_double);
		ratios[su][si][ci][ei][op][w] = r[w][n[w] / 2];
	}
}

static void
print_json(const struct opts *o, int su, int si, int ci, size_t ei, int op)
{
	double cpp = results[su][si][ci][ei][op];

	printf("{\"bench\":\"srtp\",\"engine\":\"%s\",\"suite\":"
	       "\"%s\",\"op\":\"%s\",\"bytes\":%u,"
	       "\"contexts\":%u,\"mpps\":%.4f,\"cycles_per_packet\":%.1f,"
	       "\"vs_libsrtp2\":%.3f,\"vs_raw\":%.3f,"
	       "\"samples\":%d,\"tsc_hz\":%llu}\n", engines[ei].name,
	       suites[su].name, op ? "unprotect" : "protect", o->sizes[si], o->contexts[ci],
	       (double)tsc_hz / cpp / 1e6, cpp, ratios[su][si][ci][ei][op][0],
	       ratios[su][si][ci][ei][op][1], o->samples,
	       (unsigned long long)tsc_hz);
}

static void
print_table(const struct opts *o, int su)
{
	printf("SRTP %s, one core, bursts of %d, median of %d x %.2f s, "
	       "TSC %.2f GHz\n\n", suites[su].name, BURST, o->samples,
	       o->seconds, (double)tsc_hz / 1e9);
	printf("%6s %8s %-10s %-17s %9s %9s %11s %10s\n", "bytes", "contexts",
	       "op", "engine", "Mpps", "cyc/pkt", "/libsrtp2", "/raw");
	for (int si = 0; si < o->nsizes; si++)
		for (int ci = 0; ci < o->ncontexts; ci++)
			for (int op = 0; op < 2; op++)
				for (size_t ei = 0; ei < NENGINES; ei++) {
					double cpp = results[su][si][ci][ei][op];
					double vs_ls = ratios[su][si][ci][ei][op][0];
					double vs_raw = ratios[su][si][ci][ei][op][1];
					char r1[16] = "-", r2[16] = "-";

					if (!engine_wanted(o, engines[ei].name) ||
					    cpp == 0)
						continue;
					if (vs_ls != 0)
						snprintf(r1, sizeof(r1), "%.2fx", vs_ls);
					if (vs_raw != 0)
						snprintf(r2, sizeof(r2), "%.2fx", vs_raw);
					printf("%6u %8u %-10s %-17s %9.3f %9.1f "
					       "%10s %9s\n", o->sizes[si],
					       o->contexts[ci],
					       op ? "unprotect" : "protect",
					       engines[ei].name,
					       (double)tsc_hz / cpp / 1e6, cpp,
					       r1, r2);
				}
	printf("\n");
}

static void
print_footer(const struct opts *o)
{
	printf("/libsrtp2 and /raw are speed ratios (higher is faster), the "
	       "median of per-sample ratios;\nsamples of all engines are "
	       "interleaved. raw is the faster of the two IPsec-MB ways.\n"
	       "libsrtp2 is Debian's build on NSS; it is not run above %u "
	       "contexts (see --help).\n", o->libsrtp_max);
}

/* Sample k of every engine is taken back to back, so noise from the rest
 * of the machine falls on all engines alike; figures are medians over k,
 * and ratios are medians of the per-sample ratios. */
static void
run_config(const struct opts *o, struct bench *proto, int su, int si, int ci)
{
	struct bench b[NENGINES];
	double s[NENGINES][2][16];
	bool on[NENGINES];

	memset(s, 0, sizeof(s));

	for (size_t ei = 0; ei < NENGINES; ei++) {
		/* NSS scans its session list on every create: libsrtp2 setup
		 * grows with the square of the count. */
		on[ei] = engine_wanted(o, engines[ei].name) &&
			 !(ei == 1 && o->contexts[ci] > o->libsrtp_max);
		if (!on[ei])
			continue;
		b[ei] = *proto;
		b[ei].suite = su;
		b[ei].nctx = o->contexts[ci];
		b[ei].bytes = o->sizes[si];
		b[ei].seq = calloc(b[ei].nctx, sizeof(*b[ei].seq));
		if (engines[ei].setup(&b[ei]) != 0) {
			fprintf(stderr, "%s: setup failed\n", engines[ei].name);
			exit(1);
		}
		sample(&b[ei], &engines[ei], o->seconds / 4); /* warm up */
	}
	for (int k = 0; k < o->samples; k++)
		for (size_t ei = 0; ei < NENGINES; ei++) {
			struct figure f;

			if (!on[ei])
				continue;
			f = sample(&b[ei], &engines[ei], o->seconds);
			s[ei][0][k] = f.cpp[0];
			s[ei][1][k] = f.cpp[1];
		}
	for (size_t ei = 0; ei < NENGINES; ei++) {
		if (!on[ei])
			continue;
		for (int op = 0; op < 2; op++) {
			ratio_store(o, su, si, ci, ei, op, s);
			qsort(s[ei][op], o->samples, sizeof(double), cmp_double);
			results[su][si][ci][ei][op] = s[ei][op][o->samples / 2];
			if (o->json)
				print_json(o, su, si, ci, ei, op);
		}
		engines[ei].teardown(&b[ei]);
		free(b[ei].seq);
	}
}

static void
run_all(const struct opts *o)
{
	struct bench proto;

	memset(&proto, 0, sizeof(proto));
	proto.mgr = alloc_mb_mgr(0);
	init_mb_mgr_auto(proto.mgr, NULL);
	/* One buffer set per engine would change nothing: they run one at a
	 * time and each round trip restores the plaintext. */
	proto.buf = aligned_alloc(64, BURST * BUFSZ);
	memset(proto.buf, 0xa5, BURST * BUFSZ);
	for (int k = 0; k < o->nsuites; k++)
		for (int si = 0; si < o->nsizes; si++)
			for (int ci = 0; ci < o->ncontexts; ci++)
				run_config(o, &proto, o->suites[k], si, ci);
	free(proto.buf);
	free_mb_mgr(proto.mgr);
}

static const char usage[] =
	"usage: srtp_bench [--json] [--samples N] [--seconds S]\n"
	"                  [--contexts A,B] [--sizes X,Y] [--engines E,F]\n"
	"                  [--libsrtp-max N] [--suites S,T]\n"
	"Engines: mediagate, libsrtp2, ipsec-mb-raw, ipsec-mb-raw-job\n"
	"Suites: AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM (default: both)\n"
	"libsrtp2 is skipped above --libsrtp-max contexts (default 10000): on\n"
	"NSS its setup time grows with the square of the session count.\n"
	"Defaults: 5 samples of 0.3 s, contexts 1,100000, sizes 172,1212\n";

static int
parse_list(const char *s, uint32_t *out, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v == 0 || v > 10000000)
			return -1;
		out[n++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return *s ? -1 : n;
}

static int
parse_suites(const char *s, struct opts *o)
{
	o->nsuites = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		int k;

		for (k = 0; k < NSUITES; k++)
			if (strlen(suites[k].name) == n &&
			    strncmp(s, suites[k].name, n) == 0)
				break;
		if (k == NSUITES || o->nsuites == NSUITES)
			return -1;
		o->suites[o->nsuites++] = k;
		s += n + (s[n] == ',');
	}
	return o->nsuites;
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
		{ "libsrtp-max", required_argument, NULL, 'm' },
		{ "suites", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t sz[4];
	int opt;

	*o = (struct opts){ .samples = 5, .seconds = 0.3,
		.contexts = { 1, 100000 }, .ncontexts = 2,
		.sizes = { 172, 1212 }, .nsizes = 2, .libsrtp_max = 10000,
		.suites = { SUITE_CM80, SUITE_GCM128 }, .nsuites = NSUITES };
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'j': o->json = 1; break;
		case 'e': o->engines = optarg; break;
		case 'u': o->nsuites = parse_suites(optarg, o); break;
		case 'm': o->libsrtp_max = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'n': o->samples = atoi(optarg); break;
		case 's': o->seconds = atof(optarg); break;
		case 'c': o->ncontexts = parse_list(optarg, o->contexts, 4); break;
		case 'z':
			o->nsizes = parse_list(optarg, sz, 4);
			for (int i = 0; i < o->nsizes; i++)
				o->sizes[i] = (uint16_t)sz[i];
			break;
		case 'h': fputs(usage, stdout); exit(0);
		default: return -1;
		}
	}
	if (o->samples < 1 || o->samples > 15 || o->seconds <= 0 ||
	    o->ncontexts < 1 || o->nsizes < 1 || o->nsuites < 1)
		return -1;
	for (int i = 0; i < o->nsizes; i++)
		if (o->sizes[i] < 12 || o->sizes[i] > BUFSZ - 64)
			return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;

	if (parse_opts(argc, argv, &o) != 0) {
		fputs(usage, stderr);
		return 2;
	}
	if (srtp_init() != srtp_err_status_ok)
		return 1;
	tsc_hz = tsc_rate();
	run_all(&o);
	if (!o.json) {
		for (int k = 0; k < o.nsuites; k++)
			print_table(&o, o.suites[k]);
		print_footer(&o);
	}
	srtp_shutdown();
	return 0;
}
