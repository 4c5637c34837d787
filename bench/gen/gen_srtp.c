/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsrtp2 off the timed path. Debian's libsrtp2 runs on NSS, whose cost
 * per packet grows with the number of live keys (from 100 to 1,000 calls
 * the generator fell from 132 to 16 kpps a direction, 75 % of it inside
 * NSS's softoken). So the phone's SRTP (and the trunk's, when it speaks
 * SRTP) is made before the run, one call at a time with only that call's
 * key alive, and what reaches an SRTP end is recorded as it arrives and
 * opened after the run, again one call at a time. The send times sit in a table by (call, direction, seq): the
 * payload of a pre-made packet cannot carry them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <nss.h>

#include "gen.h"

#define RTP_HDR 12

/* A big table, in transparent huge pages where the kernel gives them
 * (fewer TLB misses under --no-huge), faulted in now rather than while
 * the clock runs. NULL when there is no memory. */
static void *
big_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, len, MADV_HUGEPAGE); /* advice; fine if refused */
	memset(p, 0, len);
	return p;
}

static void
big_free(void *p, size_t len)
{
	if (p != NULL)
		munmap(p, len);
}

/*
 * libsrtp2's NSS backend opens an NSS context for every cipher it makes
 * (NSS_InitContext) and shuts it at dealloc; with nothing else holding
 * NSS up, each one loads and unloads the softoken (dlopen, mprotect, TLB
 * shootdowns: about half a millisecond a call, the prebuild of 300,000
 * calls did not end in 8 minutes). One context held for the process keeps
 * it loaded, and libsrtp2's then only count references.
 */
static NSSInitContext *nss_held;

int
mg_gen_srtp_init(void)
{
	if (srtp_init() != srtp_err_status_ok)
		return -1;
	nss_held = NSS_InitContext("", "", "", "", NULL, NSS_INIT_READONLY |
				   NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB |
				   NSS_INIT_FORCEOPEN | NSS_INIT_NOROOTINIT |
				   NSS_INIT_OPTIMIZESPACE);
	return nss_held ? 0 : -1;
}

void
mg_gen_srtp_fini(void)
{
	if (nss_held)
		NSS_ShutdownContext(nss_held);
	nss_held = NULL;
	srtp_shutdown();
}

int
mg_gen_srtp_ctx(srtp_t *s, const uint8_t *key, bool inbound)
{
	srtp_policy_t p;

	memset(&p, 0, sizeof(p));
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.key = (unsigned char *)(uintptr_t)key;
	p.window_size = 1024;
	return srtp_create(s, &p) == srtp_err_status_ok ? 0 : -1;
}

/* The RTP packet stream (call, dir) sends as number seq: header, then
 * the payload with no send time in it (0: the table has it). */
int
mg_gen_rtp(uint8_t *rtp, uint32_t call, int dir, uint32_t seq, uint64_t tsc)
{
	rtp[0] = 0x80;
	rtp[1] = 0;
	rtp[2] = (uint8_t)(seq >> 8);
	rtp[3] = (uint8_t)seq;
	rtp[4] = (uint8_t)((seq * 160u) >> 24);
	rtp[5] = (uint8_t)((seq * 160u) >> 16);
	rtp[6] = (uint8_t)((seq * 160u) >> 8);
	rtp[7] = (uint8_t)(seq * 160u);
	uint32_t ssrc = mg_gen_ssrc(call, dir);

	rtp[8] = (uint8_t)(ssrc >> 24);
	rtp[9] = (uint8_t)(ssrc >> 16);
	rtp[10] = (uint8_t)(ssrc >> 8);
	rtp[11] = (uint8_t)ssrc;
	mg_gen_payload(rtp + RTP_HDR, call, dir, seq, tsc);
	return RTP_HDR + MG_GEN_PAYLOAD;
}

/* One end's packets of call i into the table pkts, and its sender reports
 * into rtcp (if any), protected with key. */
static int
build_stream(const struct mg_gen_pre *pre, uint32_t i, int dir,
	     const uint8_t *key, uint8_t *pkts, uint8_t *rtcp)
{
	srtp_t tx;
	int rc = 0;

	if (mg_gen_srtp_ctx(&tx, key, false) != 0)
		return -1;
	for (uint32_t q = 0; q < pre->per_call && rc == 0; q++) {
		uint8_t *p = pkts + ((size_t)q * pre->calls + i) *
				    pre->up_stride;
		int len = mg_gen_rtp(p, i, dir, q, 0);

		if (srtp_protect(tx, p, &len) != srtp_err_status_ok ||
		    len != MG_GEN_SRTP_LEN)
			rc = -1;
	}
	for (uint32_t n = 0; rtcp && n < pre->rtcp_per_call && rc == 0; n++) {
		uint8_t *p = rtcp + ((size_t)n * pre->calls + i) *
				    pre->rtcp_stride;
		int len = mg_gen_rtcp(p, i, dir, n);

		if (srtp_protect_rtcp(tx, p, &len) != srtp_err_status_ok ||
		    len != MG_GEN_SRTCP_LEN)
			rc = -1;
	}
	srtp_dealloc(tx);
	return rc;
}

int
mg_gen_pre_build(struct mg_gen_pre *pre, const struct mg_gen_call *c,
		 uint32_t calls, uint32_t per_call, uint32_t rtcp_per_call,
		 bool trunk_srtp, bool rekey, const volatile bool *stop)
{
	size_t n = (size_t)calls * per_call;

	pre->per_call = per_call;
	pre->rtcp_per_call = rtcp_per_call;
	pre->calls = calls;
	pre->up_stride = pre->esp ? MG_GEN_ESP_LEN : MG_GEN_SRTP_LEN;
	pre->rtcp_stride = pre->esp ? MG_GEN_ESP_RTCP_LEN : MG_GEN_SRTCP_LEN;
	pre->up_len = n * pre->up_stride;
	pre->tsc_len = n * 2 * sizeof(uint64_t);
	pre->rtcp_len = (size_t)calls * rtcp_per_call * pre->rtcp_stride;
	pre->up = big_alloc(pre->up_len);
	pre->down = trunk_srtp ? big_alloc(pre->up_len) : NULL;
	pre->up2 = rekey ? big_alloc(pre->up_len) : NULL;
	pre->rtcp2 = rekey && rtcp_per_call ? big_alloc(pre->rtcp_len) : NULL;
	pre->tx_tsc = big_alloc(pre->tsc_len);
	if (rtcp_per_call) {
		pre->rtcp[MG_GEN_UP] = big_alloc(pre->rtcp_len);
		pre->rtcp[MG_GEN_DOWN] = trunk_srtp ? big_alloc(pre->rtcp_len) :
						      NULL;
	}
	if (pre->up == NULL || pre->tx_tsc == NULL ||
	    (trunk_srtp && pre->down == NULL) || (rekey && pre->up2 == NULL) ||
	    (rekey && rtcp_per_call && pre->rtcp2 == NULL) ||
	    (rtcp_per_call && (pre->rtcp[MG_GEN_UP] == NULL ||
			       (trunk_srtp && pre->rtcp[MG_GEN_DOWN] == NULL))))
		return -1;
	for (uint32_t i = 0; i < calls; i++) {
		if (*stop)
			return -1; /* Ctrl-C: the calls are still deleted */
		if (c[i].state != MG_GEN_READY)
			continue;
		if (pre->esp) {
			if (mg_gen_esp_build(pre, i, &c[i]) != 0)
				return -1;
			continue;
		}
		if (build_stream(pre, i, MG_GEN_UP, c[i].key_phone, pre->up,
				 pre->rtcp[MG_GEN_UP]) != 0 ||
		    (rekey && build_stream(pre, i, MG_GEN_UP, c[i].key_phone2,
					   pre->up2, pre->rtcp2) != 0) ||
		    (trunk_srtp &&
		     build_stream(pre, i, MG_GEN_DOWN, c[i].key_trunk,
				  pre->down, pre->rtcp[MG_GEN_DOWN]) != 0))
			return -1;
	}
	return 0;
}

int
mg_gen_log_init(struct mg_gen_log *log, size_t cap)
{
	log->cap = cap;
	log->n = 0;
	log->dropped = 0;
	log->rec = big_alloc(cap * sizeof(*log->rec));
	return log->rec ? 0 : -1;
}

void
mg_gen_log_add(struct mg_gen_log *log, uint32_t call, const uint8_t *srtp,
	       uint32_t len, uint64_t tsc)
{
	struct mg_gen_rec *r;

	if (log->n == log->cap || len > sizeof(r->data)) {
		log->dropped++;
		return;
	}
	r = &log->rec[log->n++];
	r->call = call;
	r->len = (uint16_t)len;
	r->tsc = tsc;
	memcpy(r->data, srtp, len);
}

/* The log's records by call, arrival order kept (a counting sort). */
static uint32_t *
by_call(const struct mg_gen_log *log, uint32_t calls, uint32_t **start)
{
	uint32_t *first = calloc((size_t)calls + 1, sizeof(uint32_t));
	uint32_t *order = malloc((log->n ? log->n : 1) * sizeof(uint32_t));

	if (first == NULL || order == NULL) {
		free(first);
		free(order);
		return NULL;
	}
	for (size_t k = 0; k < log->n; k++)
		first[log->rec[k].call + 1]++;
	for (uint32_t i = 0; i < calls; i++)
		first[i + 1] += first[i];
	for (size_t k = 0; k < log->n; k++) {
		uint32_t i = log->rec[k].call;

		order[first[i]++] = (uint32_t)k;
	}
	/* first[i] now ends call i's run: shift back to starts. */
	memmove(first + 1, first, (size_t)calls * sizeof(uint32_t));
	first[0] = 0;
	*start = first;
	return order;
}

/* A logged SRTCP packet of call i's stream `want`, opened and checked. */
static void
open_rtcp(srtp_t rx, struct mg_gen_rec *r, struct mg_gen_call *c, uint32_t i,
	  int want)
{
	struct mg_gen_stream *s = &c->s[want];
	int len = r->len, dir;
	uint32_t call, n;

	if (srtp_unprotect_rtcp(rx, r->data, &len) == srtp_err_status_ok &&
	    mg_gen_rtcp_check(r->data, (uint32_t)len, &call, &dir, &n) == 0 &&
	    call == i && dir == want)
		s->rtcp_received++;
	else
		s->rtcp_bad++;
}

/* An opened RTP packet of call i's stream `want`: checked, taken. */
static void
take_rtp(const uint8_t *rtp, int len, struct mg_gen_call *c, uint32_t i,
	 int want, const struct mg_gen_pre *pre, uint64_t tsc,
	 void (*took)(void *arg, uint32_t call, int dir, uint32_t seq,
		      uint64_t sent, uint64_t got),
	 void *arg)
{
	uint32_t call, seq;
	uint64_t zero;
	int dir;

	if (len < RTP_HDR ||
	    mg_gen_payload_check(rtp + RTP_HDR, (uint32_t)(len - RTP_HDR),
				 &call, &dir, &seq, &zero) != 0 ||
	    call != i || dir != want || seq >= pre->per_call) {
		c[i].s[want].bad++;
		return;
	}
	took(arg, i, dir, seq, mg_gen_pre_sent(pre, i, dir, seq), tsc);
}

/* What reached the ESP phone of call i (records k0..k1 of order),
 * opened with the SBC's key under the phone's SPI. */
static int
verify_esp(struct mg_gen_log *log, const uint32_t *order, uint32_t k0,
	   uint32_t k1, struct mg_gen_call *c, uint32_t i,
	   const struct mg_gen_pre *pre,
	   void (*took)(void *arg, uint32_t call, int dir, uint32_t seq,
			uint64_t sent, uint64_t got),
	   void *arg)
{
	void *x = mg_gen_esp_ctx(c[i].key_sbc, false);
	struct mg_gen_stream *s = &c[i].s[MG_GEN_DOWN];

	if (x == NULL)
		return -1;
	for (uint32_t k = k0; k < k1; k++) {
		struct mg_gen_rec *r = &log->rec[order[k]];
		uint32_t len, call, n;
		uint8_t *pl;
		int dir;

		if (mg_gen_esp_open(x, c[i].key_sbc, c[i].spi_phone, r->data,
				    r->len, &pl, &len) != 0) {
			s->bad++;
		} else if (len >= 2 && mg_gen_is_rtcp(pl)) {
			bool ok = mg_gen_rtcp_check(pl, len, &call, &dir, &n) == 0 &&
				  call == i && dir == MG_GEN_DOWN;

			s->rtcp_received += ok;
			s->rtcp_bad += !ok;
		} else {
			take_rtp(pl, (int)len, c, i, MG_GEN_DOWN, pre, r->tsc,
				 took, arg);
		}
	}
	mg_gen_esp_ctx_free(x);
	return 0;
}

int
mg_gen_log_verify(struct mg_gen_log *log, struct mg_gen_call *c,
		  uint32_t calls, const struct mg_gen_pre *pre, int want,
		  void (*took)(void *arg, uint32_t call, int dir, uint32_t seq,
			       uint64_t sent, uint64_t got),
		  void *arg)
{
	uint32_t *start, *order = by_call(log, calls, &start);

	if (order == NULL)
		return -1;
	for (uint32_t i = 0; i < calls; i++) {
		srtp_t rx;

		if (start[i] == start[i + 1])
			continue;
		if (pre->esp && want == MG_GEN_DOWN) {
			if (verify_esp(log, order, start[i], start[i + 1], c, i,
				       pre, took, arg) != 0)
				break;
			continue;
		}
		if (mg_gen_srtp_ctx(&rx, want == MG_GEN_DOWN ? c[i].key_sbc :
				    c[i].key_sbc_trunk, true) != 0)
			break;
		for (uint32_t k = start[i]; k < start[i + 1]; k++) {
			struct mg_gen_rec *r = &log->rec[order[k]];
			int len = r->len;

			if (len >= 2 && mg_gen_is_rtcp(r->data)) {
				open_rtcp(rx, r, &c[i], i, want);
				continue;
			}
			if (srtp_unprotect(rx, r->data, &len) != srtp_err_status_ok) {
				c[i].s[want].bad++;
				continue;
			}
			take_rtp(r->data, len, c, i, want, pre, r->tsc, took, arg);
		}
		srtp_dealloc(rx);
	}
	free(start);
	free(order);
	return 0;
}

void
mg_gen_pre_free(struct mg_gen_pre *pre)
{
	big_free(pre->up, pre->up_len);
	big_free(pre->down, pre->up_len);
	big_free(pre->tx_tsc, pre->tsc_len);
	big_free(pre->rtcp[0], pre->rtcp_len);
	big_free(pre->rtcp[1], pre->rtcp_len);
	big_free(pre->up2, pre->up_len);
	big_free(pre->rtcp2, pre->rtcp_len);
	pre->up = pre->down = pre->rtcp[0] = pre->rtcp[1] = NULL;
	pre->up2 = pre->rtcp2 = NULL;
	pre->tx_tsc = NULL;
}

void
mg_gen_log_free(struct mg_gen_log *log)
{
	big_free(log->rec, log->cap * sizeof(*log->rec));
	log->rec = NULL;
}
