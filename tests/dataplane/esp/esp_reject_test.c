/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the ESP engine refuses, and that refusing costs nothing: every bad
 * packet gets its own status and bumps exactly its own drop counter, and
 * the SA is left as it was (RFC 4303 §3.4.3: the window moves only for a
 * packet whose ICV verified), so the next good packet still goes through.
 * Replay and the window's edges (64 and 4096, and a model of the window
 * for sizes that are not multiples of 64), every byte of a packet
 * tampered with, truncation, wrong SPI, ESN inference across 2^32
 * (RFC 4303 Appendix A), sequence exhaustion, lifetimes in packets, bytes
 * and seconds both ways (and reached inside one burst), policies
 * mg_esp_sa_create refuses, too little room around a packet, trailers
 * our sender never makes (bad padding, dummy, TFC, wrong next header),
 * the status names, and a make-before-break rekey.
 *
 * Each case runs for AES-GCM-128 (RFC 4106) and AES-CBC-128 with
 * HMAC-SHA256-128 (RFC 3602, 4868), in tunnel and transport mode, over
 * IPv4 and IPv6 outer headers where the case depends on the header.
 * The sender is our own outbound: esp_kat_test checks it against
 * published vectors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <intel-ipsec-mb.h>

#include "mg_esp.h"
#include "esp_fixture.h"

#define SPI 0x5eed1234u
#define INNER_LEN 100
#define F_V6 MG_ESP_F_OUTER_V6

static const uint8_t inner_src[4] = { 10, 0, 0, 1 };
static const uint8_t inner_dst[4] = { 10, 0, 0, 2 };

/* The two suites every case runs with, in both modes and both IP
 * versions: flags are MG_ESP_F_TUNNEL and F_V6 (outer IPv6; in
 * transport mode the packet itself is IPv6). */
static const uint16_t suites[] = {
	MG_ESP_AES_GCM_16_128,
	MG_ESP_AES_CBC_128_HMAC_SHA256_128,
};
static const uint16_t modes[] = {
	MG_ESP_F_TUNNEL, 0, MG_ESP_F_TUNNEL | F_V6, F_V6,
};

/* A sender and a receiver made from one pair of policies. */
struct flow {
	struct mg_esp_sa_policy txp, rxp;
	struct mg_esp_sa *tx, *rx;
	bool tunnel, v6;
	uint64_t n;         /* packets made, for their contents */
};

struct sealed {
	uint8_t plain[BUF], wire[BUF];
	uint16_t plain_len, wire_len;
	uint64_t seq;
};

static const char *
mode_name(uint16_t flags)
{
	static char s[64];

	snprintf(s, sizeof(s), "%s%s%s", flags & MG_ESP_F_TUNNEL ?
		 "tunnel" : "transport", flags & F_V6 ? " IPv6" : " IPv4",
		 flags & MG_ESP_F_ESN ? " ESN" : "");
	return s;
}

static void
policy_init(struct mg_esp_sa_policy *p, uint16_t suite, uint16_t flags,
	    uint32_t spi, uint8_t seed)
{
	bool in = flags & MG_ESP_F_INBOUND, v6 = flags & F_V6;

	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->suite = suite;
	/* Transport mode has no outer header of its own: F_V6 only says
	 * which packets the test makes. */
	p->flags = (uint16_t)(flags & MG_ESP_F_TUNNEL ? flags : flags & ~F_V6);
	memcpy(p->local, v6 ? (in ? addr6_b : addr6_a) : (in ? addr_b : addr_a),
	       16);
	memcpy(p->remote, v6 ? (in ? addr6_a : addr6_b) :
			       (in ? addr_a : addr_b), 16);
	for (int i = 0; i < MG_ESP_KEY_MAX; i++)
		p->enc_key[i] = (uint8_t)(seed + 7 * i);
	for (int i = 0; i < MG_ESP_SALT_LEN; i++)
		p->salt[i] = (uint8_t)(seed ^ (13 * i + 1));
	for (int i = 0; i < MG_ESP_AUTH_KEY_MAX; i++)
		p->auth_key[i] = (uint8_t)(seed * 3 + 11 * i);
}

/* Fills txp and rxp; the SAs are made by flow_start. */
static void
flow_policies(struct flow *f, uint16_t suite, uint16_t flags,
	      uint16_t window)
{
	memset(f, 0, sizeof(*f));
	policy_init(&f->txp, suite, flags, SPI, 0x42);
	policy_init(&f->rxp, suite, flags | MG_ESP_F_INBOUND, SPI, 0x42);
	f->rxp.window = window;
	f->tunnel = flags & MG_ESP_F_TUNNEL;
	f->v6 = flags & F_V6;
}

static void
flow_start(struct flow *f)
{
	f->tx = sa_new(&f->txp);
	f->rx = sa_new(&f->rxp);
}

static void
flow_init(struct flow *f, uint16_t suite, uint16_t flags, uint16_t window)
{
	flow_policies(f, suite, flags, window);
	flow_start(f);
}

static uint16_t
l3_len(const struct flow *f)
{
	return f->v6 ? IP6_LEN : IP4_LEN;
}

/* Bytes lifetimes and stats count: the inner packet in tunnel mode,
 * what follows the IP header in transport mode. */
static uint16_t
counted(const struct flow *f, const struct sealed *s)
{
	return (uint16_t)(s->plain_len - (f->tunnel ? 0 : l3_len(f)));
}

/* An IP/UDP packet of INNER_LEN bytes whose payload depends on n. In
 * transport mode it is the packet on the wire, so it goes from a to b
 * in the flow's IP version; in tunnel mode it is IPv4 inside. */
static uint16_t
make_inner(const struct flow *f, uint64_t n, uint8_t *p)
{
	bool v6 = !f->tunnel && f->v6;
	uint16_t l3 = v6 ? IP6_LEN : IP4_LEN;
	uint8_t *u = p + l3;

	if (v6)
		ip6_build(p, INNER_LEN - IP6_LEN, PROTO_UDP, addr6_a, addr6_b);
	else
		ip4_build(p, INNER_LEN, PROTO_UDP,
			  f->tunnel ? inner_src : addr_a,
			  f->tunnel ? inner_dst : addr_b);
	put16(u, 5004);
	put16(u + 2, 5006);
	put16(u + 4, (uint16_t)(INNER_LEN - l3));
	put16(u + 6, 0);
	for (int i = l3 + 8; i < INNER_LEN; i++)
		p[i] = (uint8_t)(n * 31 + (uint64_t)i);
	return INNER_LEN;
}

static void
seal_with(struct flow *f, struct mg_esp_sa *tx, struct sealed *s)
{
	struct buf b;

	s->plain_len = make_inner(f, f->n++, s->plain);
	buf_load(&b, s->plain, s->plain_len, HEAD);
	expect_status(xform(tx, true, &b), MG_ESP_OK);
	memcpy(s->wire, b.data, b.len);
	s->wire_len = b.len;
	s->seq = mg_esp_sa_seq(tx);
}

static void
seal(struct flow *f, struct sealed *s)
{
	seal_with(f, f->tx, s);
}

/* A packet with sequence number seq, from a sender made for it. */
static void
seal_at(struct flow *f, uint64_t seq, struct sealed *s)
{
	struct mg_esp_sa_policy p = f->txp;
	struct mg_esp_sa *tx;

	p.seq = seq - 1;
	tx = sa_new(&p);
	seal_with(f, tx, s);
	assert_int_equal(s->seq, seq);
	sa_drop(tx);
}

/* Copies of s[0..n) through one inbound burst, packet i through sa[i]:
 * packet i must end as want[i] and give back its plaintext if OK, and
 * each SA's counters must move by exactly those outcomes (late is
 * checked by the callers that care). */
static void
open_burst_sas(struct flow *f, struct mg_esp_sa *const *sa,
	       const struct sealed *const *s, uint16_t n, const uint16_t *want)
{
	static struct buf b[MG_ESP_BURST_MAX];
	struct mg_esp_stats exp[MG_ESP_BURST_MAX];
	struct mg_esp_sa *uniq[MG_ESP_BURST_MAX];
	struct mg_esp_pkt p[MG_ESP_BURST_MAX];
	uint16_t ok, nu = 0;

	assert_true(n <= MG_ESP_BURST_MAX);
	for (uint16_t i = 0; i < n; i++) {
		uint16_t u = 0;

		while (u < nu && uniq[u] != sa[i])
			u++;
		if (u == nu) {
			uniq[nu] = sa[i];
			exp[nu++] = *mg_esp_sa_stats(sa[i]);
		}
		buf_load(&b[i], s[i]->wire, s[i]->wire_len, HEAD);
		p[i] = buf_pkt(&b[i], sa[i]);
		if (want[i] != MG_ESP_OK) {
			exp[u].drops[want[i]]++;
			continue;
		}
		exp[u].packets++;
		exp[u].bytes += counted(f, s[i]);
	}
	ok = mg_esp_inbound_burst(mgr, p, n);
	burst_done(b, p, n, ok);
	for (uint16_t i = 0; i < n; i++) {
		if (p[i].status != want[i])
			fail_msg("burst[%u] of %u: %s, want %s", i, n,
				 mg_esp_status_str(p[i].status),
				 mg_esp_status_str(want[i]));
		if (want[i] != MG_ESP_OK)
			continue;
		assert_int_equal(b[i].len, s[i]->plain_len);
		assert_memory_equal(b[i].data, s[i]->plain, b[i].len);
	}
	for (uint16_t u = 0; u < nu; u++) {
		exp[u].late = mg_esp_sa_stats(uniq[u])->late;
		assert_memory_equal(&exp[u], mg_esp_sa_stats(uniq[u]),
				    sizeof(exp[u]));
	}
}

static void
open_burst(struct flow *f, const struct sealed *const *s, uint16_t n,
	   const uint16_t *want)
{
	struct mg_esp_sa *sa[MG_ESP_BURST_MAX];

	for (uint16_t i = 0; i < n; i++)
		sa[i] = f->rx;
	open_burst_sas(f, sa, s, n, want);
}

static void
open1(struct flow *f, const struct sealed *s, uint16_t want)
{
	open_burst(f, &s, 1, &want);
}

/* Raw bytes through the receiver: must be refused with want, moving
 * only drops[want]. */
static void
refused_raw(struct mg_esp_sa *rx, const uint8_t *p, uint16_t len,
	    uint16_t want)
{
	struct mg_esp_stats exp = *mg_esp_sa_stats(rx);
	uint64_t seq = mg_esp_sa_seq(rx);
	struct buf b;

	buf_load(&b, p, len, HEAD);
	expect_status(xform(rx, false, &b), want);
	if (want == MG_ESP_OK)
		return;
	exp.drops[want]++;
	assert_memory_equal(&exp, mg_esp_sa_stats(rx), sizeof(exp));
	assert_int_equal(mg_esp_sa_seq(rx), seq);
}

/* The next packet still goes both ways. */
static void
roundtrip(struct flow *f)
{
	struct sealed s;

	seal(f, &s);
	open1(f, &s, MG_ESP_OK);
}

/* ---- replay and the window ---------------------------------------- */

/* Twice one after the other, then two copies in one burst: both pass
 * the check before crypto, so the second must be caught after the first
 * has committed its number. */
static void
replay_case(uint16_t suite, uint16_t flags)
{
	static const uint16_t want[] = { MG_ESP_OK, MG_ESP_E_REPLAY };
	const struct sealed *two[2];
	struct sealed s;
	struct flow f;

	print_message("replay: %s, %s\n", mg_esp_suite(suite)->name,
		      mode_name(flags));
	flow_init(&f, suite, flags, 0);
	seal(&f, &s);
	open1(&f, &s, MG_ESP_OK);
	open1(&f, &s, MG_ESP_E_REPLAY);
	roundtrip(&f);
	seal(&f, &s);
	two[0] = two[1] = &s;
	open_burst(&f, two, 2, want);
	roundtrip(&f);
	assert_int_equal(mg_esp_sa_stats(f.rx)->late, 0);
}

static void
replay(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++)
		for (size_t m = 0; m < NELEM(modes); m++)
			replay_case(suites[i], modes[m]);
}

/* Packets 1..8 delivered 8, 1, 7, 2, 6, 3, 5, 4: all accepted, seven
 * of them late, none twice. */
static void
reorder_case(uint16_t suite, uint16_t flags)
{
	static const uint8_t order[] = { 8, 1, 7, 2, 6, 3, 5, 4 };
	struct sealed s[9];
	struct flow f;

	print_message("reorder: %s, %s\n", mg_esp_suite(suite)->name,
		      mode_name(flags));
	flow_init(&f, suite, flags, 64);
	for (int i = 1; i <= 8; i++)
		seal(&f, &s[i]);
	for (size_t i = 0; i < NELEM(order); i++) {
		open1(&f, &s[order[i]], MG_ESP_OK);
		assert_int_equal(mg_esp_sa_stats(f.rx)->late, i);
		assert_int_equal(mg_esp_sa_seq(f.rx), 8);
	}
	for (int i = 1; i <= 8; i++)
		open1(&f, &s[i], MG_ESP_E_REPLAY);
	roundtrip(&f);
}

static void
reorder_within_window(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++)
		for (size_t m = 0; m < NELEM(modes); m++)
			reorder_case(suites[i], modes[m]);
}

/* With top T and window W, T - W is left of the window and T - W + 1 is
 * its last slot (RFC 4303 §3.4.3). Then the window jumps two buckets
 * and more: a number behind the new top that was never received is
 * accepted though its slot last held an older number, and one past the
 * window is too old. With ESN, a low half left of the window is the
 * next 2^32's (RFC 4303 Appendix A2.2, case A: Seql < Bl gives Th + 1):
 * so the ICV, which covers the high half, refuses it. */
static void
window_case(uint16_t suite, uint16_t flags, uint16_t w)
{
	const uint64_t top = 3u * w + 1000u;
	const uint16_t old = flags & MG_ESP_F_ESN ? MG_ESP_E_ICV :
						    MG_ESP_E_TOO_OLD;
	struct sealed edge, last_in, t, next, lap_late, lap_top, gone;
	struct flow f;
	uint64_t late;

	print_message("window %u: %s, %s\n", w, mg_esp_suite(suite)->name,
		      mode_name(flags));
	flow_init(&f, suite, flags, w);
	seal_at(&f, top - w, &edge);
	seal_at(&f, top - w + 1, &last_in);
	seal_at(&f, top, &t);
	seal_at(&f, top + 1, &next);
	seal_at(&f, top + 1 + 128 + w, &lap_late);
	seal_at(&f, top + 2 + 128 + w, &lap_top);
	seal_at(&f, top + 1 + 128, &gone);
	open1(&f, &t, MG_ESP_OK);
	open1(&f, &edge, old);
	late = mg_esp_sa_stats(f.rx)->late;
	open1(&f, &last_in, MG_ESP_OK);
	assert_int_equal(mg_esp_sa_stats(f.rx)->late, late + 1);
	open1(&f, &last_in, MG_ESP_E_REPLAY);
	open1(&f, &next, MG_ESP_OK);
	assert_int_equal(mg_esp_sa_stats(f.rx)->late, late + 1);
	open1(&f, &lap_top, MG_ESP_OK);
	open1(&f, &lap_late, MG_ESP_OK);
	assert_int_equal(mg_esp_sa_stats(f.rx)->late, late + 2);
	/* top + 1 + 128 is w + 1 behind lap_top: just out. */
	open1(&f, &gone, old);
	open1(&f, &t, old);
	assert_int_equal(mg_esp_sa_seq(f.rx), top + 2 + 128 + w);
	seal_at(&f, top + 3 + 128 + w, &next);
	open1(&f, &next, MG_ESP_OK);
}

static void
too_old(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++) {
		for (size_t m = 0; m < 2; m++) {
			window_case(suites[i], modes[m], MG_ESP_WINDOW_MIN);
			window_case(suites[i], modes[m], MG_ESP_WINDOW_MAX);
			window_case(suites[i], modes[m] | MG_ESP_F_ESN,
				    MG_ESP_WINDOW_MIN);
		}
	}
}

/* 1000 is new when the burst starts; 2000, ahead of it in the burst,
 * pushes it out of the window: too old, not a replay. */
static void
too_old_inside_one_burst(void **state)
{
	static const uint16_t want[] = { MG_ESP_OK, MG_ESP_E_TOO_OLD };
	struct sealed ahead, behind, next;
	const struct sealed *two[] = { &ahead, &behind };
	struct flow f;

	(void)state;
	flow_init(&f, MG_ESP_AES_GCM_16_128, MG_ESP_F_TUNNEL, 64);
	seal_at(&f, 1000, &behind);
	seal_at(&f, 2000, &ahead);
	seal_at(&f, 2001, &next);
	open_burst(&f, two, 2, want);
	open1(&f, &next, MG_ESP_OK);
}

/*
 * The window against a model of RFC 4303 §3.4.3 for window sizes that
 * are and are not multiples of 64: a pseudo-random schedule of packets
 * ahead, behind (in and just out of the window) and repeated, each
 * outcome compared with the model's (a set of received numbers and the
 * top). Catches a bitmap too small for the window, whose slots would
 * then alias: old numbers forgotten (a replay let through) or new ones
 * taken for old (a good packet dropped).
 */
#define MODEL_STEPS 1500

static uint32_t
lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static unsigned
window_model_case(uint16_t w)
{
	static uint8_t seen[1u << 20];
	uint64_t top = 0, seq = 0, hist[64] = { 0 };
	uint32_t x = w;
	unsigned wrong = 0;
	struct sealed s;
	struct flow f;

	print_message("window model: %u\n", w);
	flow_init(&f, MG_ESP_AES_GCM_16_128, MG_ESP_F_TUNNEL, w);
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < MODEL_STEPS; i++) {
		uint32_t r = lcg(&x) % 10;
		uint16_t want;

		if (r < 4 || top == 0)
			seq = top + 1 +
			      lcg(&x) % (r == 0 ? 2u * w : w / 3u + 1);
		else if (r < 8)
			seq = top - lcg(&x) % (w + 8u);
		else
			seq = hist[lcg(&x) % 64];
		if (seq == 0 || seq >= sizeof(seen))
			continue;
		if (seq > top)
			want = MG_ESP_OK;
		else if (top - seq >= w)
			want = MG_ESP_E_TOO_OLD;
		else
			want = seen[seq] ? MG_ESP_E_REPLAY : MG_ESP_OK;
		seal_at(&f, seq, &s);
		{
			struct buf b;
			uint16_t st;

			buf_load(&b, s.wire, s.wire_len, HEAD);
			st = xform(f.rx, false, &b);
			if (st != want && wrong++ == 0)
				print_error("window %u, top %llu: seq %llu %s, "
					    "want %s\n", w,
					    (unsigned long long)top,
					    (unsigned long long)seq,
					    mg_esp_status_str(st),
					    mg_esp_status_str(want));
			if (st != want)
				return wrong;
		}
		if (want != MG_ESP_OK)
			continue;
		seen[seq] = 1;
		top = seq > top ? seq : top;
		hist[i % 64] = seq;
		assert_int_equal(mg_esp_sa_seq(f.rx), top);
	}
	return wrong;
}

static const uint16_t model_sizes[] = {
	64, 65, 100, 127, 128, 129, 200, 1000, 1024, 4000, 4095, 4096,
};

/* Every size is run, then the ones that went wrong are named. */
static void
window_model(void **state)
{
	const uint16_t *sizes = model_sizes;

	char bad[256] = "";
	size_t at = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(model_sizes); i++)
		if (window_model_case(sizes[i]) != 0)
			at += (size_t)snprintf(bad + at, sizeof(bad) - at,
					       " %u", sizes[i]);
	if (at != 0)
		fail_msg("the window went wrong for sizes%s", bad);
}

/*
 * The window's last slot, deterministically: a received, then the top
 * moved to a + w - 1, so a is the oldest number the window still holds,
 * for a at every offset within 64 (the window's bitmap words). a again
 * must be a replay, a - 1 too old. A bitmap of too few words for the
 * window gives a's word to the top's, forgetting a.
 */
static void
window_last_slot(void **state)
{
	char bad[256] = "";
	size_t at = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(model_sizes); i++) {
		uint16_t w = model_sizes[i];
		unsigned wrong = 0;

		for (uint64_t a = 640; a < 640 + 64; a++) {
			struct sealed first, top;
			struct flow f;
			struct buf b;

			flow_init(&f, MG_ESP_AES_GCM_16_128, MG_ESP_F_TUNNEL,
				  w);
			seal_at(&f, a, &first);
			seal_at(&f, a + w - 1, &top);
			open1(&f, &first, MG_ESP_OK);
			open1(&f, &top, MG_ESP_OK);
			buf_load(&b, first.wire, first.wire_len, HEAD);
			wrong += xform(f.rx, false, &b) != MG_ESP_E_REPLAY;
			seal_at(&f, a - 1, &first);
			buf_load(&b, first.wire, first.wire_len, HEAD);
			expect_status(xform(f.rx, false, &b), MG_ESP_E_TOO_OLD);
			sa_drop(f.rx);
			sa_drop(f.tx);
		}
		if (wrong != 0)
			at += (size_t)snprintf(bad + at, sizeof(bad) - at,
					       " %u (%u of 64)", w, wrong);
	}
	if (at != 0)
		fail_msg("replay of the window's oldest number let through "
			 "for sizes%s", bad);
}

/* ---- tampering ----------------------------------------------------- */

/*
 * What flipping bit 0 of byte pos of a sealed packet must give. The
 * outer header is not covered by the ICV, so the engine refuses only
 * what it parses (an IPv4 header keeps a right checksum after the flip,
 * which the test recomputes, except when the flip is in the checksum:
 * the engine checks it). The fields it does not look at give MG_ESP_OK.
 * Past the
 * header: the SPI is looked up, everything else (sequence number, IV,
 * ciphertext, trailer, ICV) is covered by the ICV. The sequence number
 * flipped lands ahead of the window in every case here, so it reaches
 * the ICV check (RFC 4303 §3.4.3: the replay check comes first).
 */
static uint16_t
flip_want(const struct flow *f, uint16_t pos)
{
	if (pos >= l3_len(f))
		return pos - l3_len(f) < 4 ? MG_ESP_E_SPI : MG_ESP_E_ICV;
	if (f->v6) {
		if (pos == 4 || pos == 5) /* payload length past the end */
			return MG_ESP_E_IP;
		if (pos == 6)             /* next header 51 (AH) */
			return MG_ESP_E_NOT_ESP;
		if (pos >= 24)            /* destination */
			return f->tunnel ? MG_ESP_E_SPI : MG_ESP_OK;
		return MG_ESP_OK;         /* class, flow, hop limit, source */
	}
	switch (pos) {
	case 0:             /* IHL 4 */
	case 2: case 3:     /* total length past the end */
	case 6: case 7:     /* a fragment (RFC 4303 §3.4.1) */
		return MG_ESP_E_IP;
	case 9:             /* protocol 51 (AH) */
		return MG_ESP_E_NOT_ESP;
	case 10: case 11:   /* the header checksum itself */
		return MG_ESP_E_IP;
	}
	if (pos >= 16)      /* destination: a tunnel's local end */
		return f->tunnel ? MG_ESP_E_SPI : MG_ESP_OK;
	return MG_ESP_OK;   /* TOS, ID, TTL, source */
}

/* An unprotected field changed: a fresh receiver takes the packet and
 * gives back the same inner packet (tunnel) or payload (transport). */
static void
flip_accepted(struct flow *f, const struct sealed *victim, const uint8_t *p)
{
	struct mg_esp_sa *rx = sa_new(&f->rxp);
	uint16_t l3 = l3_len(f);
	struct buf b;

	buf_load(&b, p, victim->wire_len, HEAD);
	expect_status(xform(rx, false, &b), MG_ESP_OK);
	assert_int_equal(b.len, victim->plain_len);
	if (f->tunnel)
		assert_memory_equal(b.data, victim->plain, b.len);
	else
		assert_memory_equal(b.data + l3, victim->plain + l3,
				    b.len - l3);
	sa_drop(rx);
}

static void
tamper_case(uint16_t suite, uint16_t flags)
{
	static const uint8_t esp_flips[] = { 0x01, 0x80, 0xff };
	struct sealed first, victim;
	unsigned counts[MG_ESP_STATUS_MAX] = { 0 };
	struct flow f;

	print_message("tamper: %s, %s\n", mg_esp_suite(suite)->name,
		      mode_name(flags));
	flow_init(&f, suite, flags, 0);
	seal(&f, &first);
	open1(&f, &first, MG_ESP_OK);
	seal(&f, &victim);
	/* flip_want's length cases assume an even length below 256. */
	assert_true(victim.wire_len < 256 && victim.wire_len % 2 == 0);
	for (uint16_t pos = 0; pos < victim.wire_len; pos++) {
		bool in_esp = pos >= l3_len(&f);

		for (size_t m = 0; m < (in_esp ? NELEM(esp_flips) : 1); m++) {
			uint8_t p[BUF];
			uint16_t want = flip_want(&f, pos);

			memcpy(p, victim.wire, victim.wire_len);
			p[pos] ^= esp_flips[m];
			if (!f.v6 && !in_esp && pos != 10 && pos != 11)
				ip4_fix_sum(p);
			counts[want]++;
			if (want == MG_ESP_OK) {
				flip_accepted(&f, &victim, p);
				continue;
			}
			refused_raw(f.rx, p, victim.wire_len, want);
		}
	}
	/* Past the SPI, only the ICV refused anything. */
	assert_int_equal(counts[MG_ESP_E_ICV], NELEM(esp_flips) *
			 (victim.wire_len - l3_len(&f) - 4u));
	assert_int_equal(mg_esp_sa_stats(f.rx)->packets, 1);
	open1(&f, &victim, MG_ESP_OK);
	roundtrip(&f);
}

static void
tamper_every_byte(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++) {
		for (size_t m = 0; m < NELEM(modes); m++) {
			tamper_case(suites[i], modes[m]);
			tamper_case(suites[i], modes[m] | MG_ESP_F_ESN);
		}
	}
}

/* A packet under another SPI (same keys) is not this SA's; under this
 * SPI with another key it fails the ICV. Neither moves the window. */
static void
wrong_spi_and_key(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++) {
		for (size_t m = 0; m < NELEM(modes); m++) {
			struct mg_esp_sa_policy p;
			struct sealed s;
			struct flow f;

			flow_init(&f, suites[i], modes[m], 0);
			p = f.txp;
			p.spi = SPI + 1;
			seal_with(&f, sa_new(&p), &s);
			open1(&f, &s, MG_ESP_E_SPI);
			p = f.txp;
			p.enc_key[0] ^= 1;
			p.auth_key[0] ^= 1;
			seal_with(&f, sa_new(&p), &s);
			open1(&f, &s, MG_ESP_E_ICV);
			assert_int_equal(mg_esp_sa_seq(f.rx), 0);
			roundtrip(&f);
		}
	}
}

/* Bytes after the IP length (an Ethernet minimum frame's padding) are
 * not the packet's: it is taken as the IP length says. */
static void
trailing_bytes(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++) {
		for (size_t m = 0; m < NELEM(modes); m++) {
			struct sealed s;
			struct flow f;
			struct buf b;

			flow_init(&f, suites[i], modes[m], 0);
			seal(&f, &s);
			memset(s.wire + s.wire_len, 0, 6);
			buf_load(&b, s.wire, (uint16_t)(s.wire_len + 6), HEAD);
			expect_status(xform(f.rx, false, &b), MG_ESP_OK);
			assert_int_equal(b.len, s.plain_len);
			assert_memory_equal(b.data, s.plain, b.len);
		}
	}
}

/*
 * Every length below the smallest packet a suite can make (IP header,
 * ESP header, IV, one block holding the trailer, ICV), the IP length
 * field saying the same. Below an IP header: not IP. Then, while the
 * ESP header, IV, trailer and ICV do not fit: truncated. CBC's
 * ciphertext is whole 16-byte blocks (RFC 3602 §3): a part block is
 * truncated too. GCM's is bytes: with the trailer and ICV in place a
 * short one is the ICV's to refuse (RFC 4303 §2.4's 4-byte alignment
 * is the sender's rule).
 */
static uint16_t
short_want(const struct flow *f, uint16_t len)
{
	const struct mg_esp_suite_info *si = mg_esp_suite(f->txp.suite);
	uint16_t l3 = l3_len(f);
	uint16_t fixed = (uint16_t)(l3 + ESP_HDR + si->iv_len + si->icv_len);

	if (len < l3)
		return MG_ESP_E_IP;
	if (len < fixed + 2)
		return MG_ESP_E_TRUNCATED;
	if (!si->aead && (len - fixed) % si->block != 0)
		return MG_ESP_E_TRUNCATED;
	return MG_ESP_E_ICV;
}

static void
truncated_case(uint16_t suite, uint16_t flags)
{
	const struct mg_esp_suite_info *si = mg_esp_suite(suite);
	struct sealed s;
	struct flow f;
	uint16_t min;

	print_message("truncated: %s, %s\n", si->name, mode_name(flags));
	flow_init(&f, suite, flags, 0);
	min = (uint16_t)(l3_len(&f) + ESP_HDR + si->iv_len + si->block +
			 si->icv_len);
	seal(&f, &s);
	assert_true(s.wire_len > min);
	for (uint16_t len = 0; len < min; len++) {
		uint8_t p[BUF];

		memcpy(p, s.wire, len);
		if (len >= l3_len(&f) && f.v6)
			put16(p + 4, (uint16_t)(len - IP6_LEN));
		if (len >= l3_len(&f) && !f.v6) {
			put16(p + 2, len);
			ip4_fix_sum(p);
		}
		refused_raw(f.rx, p, len, short_want(&f, len));
	}
	assert_int_equal(mg_esp_sa_stats(f.rx)->packets, 0);
	open1(&f, &s, MG_ESP_OK);
}

static void
truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++)
		for (size_t m = 0; m < NELEM(modes); m++)
			truncated_case(suites[i], modes[m]);
}

/* ---- ESN ----------------------------------------------------------- */

/*
 * RFC 4303 Appendix A: a stream from 2^32 - 5 to 2^32 + 6 arrives out of
 * order around the wrap, the receiver inferring each number's high half
 * from the low one. Then: replays across the wrap are caught, a number
 * 30 behind (in the window, never received) is taken as the old epoch's,
 * and one 100 behind, left of the window, is taken as the NEXT epoch's
 * (Appendix A2.2's rule), so it fails the ICV, the high half being in
 * it, rather than being called too old.
 */
static void
esn_wrap_case(uint16_t suite, uint16_t flags)
{
	static const uint8_t order[] = { 0, 2, 5, 1, 4, 7, 3, 6, 9, 8, 11, 10 };
	const uint64_t base = (1ull << 32) - 5;
	struct sealed s[12], old30, old100;
	uint64_t top = 0, late = 0;
	struct flow f;

	print_message("ESN wrap: %s, %s\n", mg_esp_suite(suite)->name,
		      mode_name(flags));
	flow_policies(&f, suite, flags | MG_ESP_F_ESN, 64);
	f.txp.seq = base - 1;
	f.rxp.seq = base - 1;
	flow_start(&f);
	for (int i = 0; i < 12; i++) {
		seal(&f, &s[i]);
		assert_int_equal(s[i].seq, base + (uint64_t)i);
		/* Only the low half is sent. */
		assert_int_equal(get32(s[i].wire + l3_len(&f) + 4),
				 (uint32_t)(base + (uint64_t)i));
	}
	for (size_t i = 0; i < NELEM(order); i++) {
		uint64_t seq = s[order[i]].seq;

		open1(&f, &s[order[i]], MG_ESP_OK);
		late += seq < top;
		top = seq > top ? seq : top;
		assert_int_equal(mg_esp_sa_seq(f.rx), top);
		assert_int_equal(mg_esp_sa_stats(f.rx)->late, late);
	}
	open1(&f, &s[1], MG_ESP_E_REPLAY);
	open1(&f, &s[5], MG_ESP_E_REPLAY);
	open1(&f, &s[11], MG_ESP_E_REPLAY);
	seal_at(&f, top - 30, &old30);
	seal_at(&f, top - 100, &old100);
	open1(&f, &old100, MG_ESP_E_ICV);
	open1(&f, &old30, MG_ESP_OK);
	assert_int_equal(mg_esp_sa_seq(f.rx), top);
	roundtrip(&f);
	assert_int_equal(mg_esp_sa_seq(f.rx), top + 1);
}

static void
esn_wrap(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++)
		for (size_t m = 0; m < NELEM(modes); m++)
			esn_wrap_case(suites[i], modes[m]);
}

/* Without ESN the last number is 2^32 - 1 (RFC 4303 §3.3.3): one packet
 * goes with it, the next is refused, and the owner is told. */
static void
seq_exhausted(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++) {
		for (size_t m = 0; m < 2; m++) {
			struct sealed s;
			struct flow f;
			struct buf b;
			uint8_t plain[BUF];
			uint16_t len;

			flow_policies(&f, suites[i], modes[m], 0);
			f.txp.seq = 0xfffffffe;
			f.rxp.seq = 0xfffffff0;
			flow_start(&f);
			assert_int_equal(mg_esp_sa_poll(f.tx, mg_esp_now_ms()),
					 0);
			seal(&f, &s);
			assert_int_equal(s.seq, 0xffffffffu);
			open1(&f, &s, MG_ESP_OK);
			len = make_inner(&f, 7, plain);
			buf_load(&b, plain, len, HEAD);
			expect_status(xform(f.tx, true, &b),
				      MG_ESP_E_SEQ_EXHAUSTED);
			assert_int_equal(mg_esp_sa_seq(f.tx), 0xffffffffu);
			assert_int_equal(mg_esp_sa_stats(f.tx)->packets, 1);
			assert_int_equal(mg_esp_sa_stats(f.tx)->drops
					 [MG_ESP_E_SEQ_EXHAUSTED], 1);
			assert_int_equal(mg_esp_sa_poll(f.tx, mg_esp_now_ms()),
					 MG_ESP_SA_SEQ_EXHAUSTED);
			/* And stays so. */
			buf_load(&b, plain, len, HEAD);
			expect_status(xform(f.tx, true, &b),
				      MG_ESP_E_SEQ_EXHAUSTED);
		}
	}
}

/* ---- lifetimes ----------------------------------------------------- */

enum { LT_PACKETS, LT_BYTES };

static void
set_limit(struct mg_esp_lifetime *l, int kind, uint64_t packets,
	  uint64_t per_packet)
{
	if (kind == LT_PACKETS)
		l->packets = packets;
	else
		l->bytes = packets * per_packet;
}

/*
 * Soft at 3 packets' worth, hard at 5, on the sender or the receiver:
 * SOFT shows once the third is through and traffic goes on; the fifth
 * goes and stops the SA (HARD), the sixth is refused as LIFETIME and
 * leaves the SA as it was. Byte limits are multiples of a packet, so
 * counting before or after a packet gives the same answer.
 */
static void
lifetime_case(uint16_t suite, uint16_t flags, int kind, bool inbound)
{
	struct mg_esp_lifetime *soft, *hard;
	struct mg_esp_sa *sa;
	struct sealed s[7];
	uint16_t per;
	struct flow f;

	print_message("lifetime %s %s: %s, %s\n",
		      kind == LT_PACKETS ? "packets" : "bytes",
		      inbound ? "inbound" : "outbound",
		      mg_esp_suite(suite)->name, mode_name(flags));
	flow_policies(&f, suite, flags, 0);
	per = (uint16_t)(f.tunnel ? INNER_LEN : INNER_LEN - l3_len(&f));
	soft = inbound ? &f.rxp.soft : &f.txp.soft;
	hard = inbound ? &f.rxp.hard : &f.txp.hard;
	set_limit(soft, kind, 3, per);
	set_limit(hard, kind, 5, per);
	flow_start(&f);
	sa = inbound ? f.rx : f.tx;
	for (int i = 1; i <= 5; i++) {
		seal(&f, &s[i]);
		open1(&f, &s[i], MG_ESP_OK);
		assert_int_equal(mg_esp_sa_stats(sa)->bytes, (uint64_t)i * per);
		assert_int_equal(mg_esp_sa_poll(sa, mg_esp_now_ms()),
				 (i >= 3 ? MG_ESP_SA_SOFT : 0) |
				 (i >= 5 ? MG_ESP_SA_HARD : 0));
	}
	if (inbound) {
		struct mg_esp_stats before;

		seal(&f, &s[6]);
		before = *mg_esp_sa_stats(f.rx);
		open1(&f, &s[6], MG_ESP_E_LIFETIME);
		before.drops[MG_ESP_E_LIFETIME]++;
		assert_memory_equal(&before, mg_esp_sa_stats(f.rx),
				    sizeof(before));
		assert_int_equal(mg_esp_sa_seq(f.rx), 5);
	} else {
		uint8_t plain[BUF];
		uint16_t len = make_inner(&f, 99, plain);
		struct buf b;

		buf_load(&b, plain, len, HEAD);
		expect_status(xform(f.tx, true, &b), MG_ESP_E_LIFETIME);
		assert_int_equal(mg_esp_sa_seq(f.tx), 5);
		assert_int_equal(mg_esp_sa_stats(f.tx)->packets, 5);
		assert_int_equal(mg_esp_sa_stats(f.tx)->drops
				 [MG_ESP_E_LIFETIME], 1);
	}
	assert_int_equal(mg_esp_sa_poll(sa, mg_esp_now_ms()),
			 MG_ESP_SA_SOFT | MG_ESP_SA_HARD);
}

static void
lifetimes_packets_bytes(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++)
		for (size_t m = 0; m < 2; m++)
			for (int kind = LT_PACKETS; kind <= LT_BYTES; kind++) {
				lifetime_case(suites[i], modes[m], kind, false);
				lifetime_case(suites[i], modes[m], kind, true);
			}
}

/* A soft byte limit crossed in the middle of a packet counts as reached
 * by that packet. */
static void
soft_bytes_crossed(void **state)
{
	struct flow f;

	(void)state;
	flow_policies(&f, MG_ESP_AES_GCM_16_128, MG_ESP_F_TUNNEL, 0);
	f.txp.soft.bytes = 2 * INNER_LEN + 1;
	f.rxp.soft.bytes = 2 * INNER_LEN + 1;
	flow_start(&f);
	roundtrip(&f);
	roundtrip(&f);
	assert_int_equal(mg_esp_sa_poll(f.tx, mg_esp_now_ms()), 0);
	assert_int_equal(mg_esp_sa_poll(f.rx, mg_esp_now_ms()), 0);
	roundtrip(&f);
	assert_int_equal(mg_esp_sa_poll(f.tx, mg_esp_now_ms()),
			 MG_ESP_SA_SOFT);
	assert_int_equal(mg_esp_sa_poll(f.rx, mg_esp_now_ms()),
			 MG_ESP_SA_SOFT);
	roundtrip(&f);
}

/* Soft at 10 s, hard at 20 s, as mg_esp_sa_poll sees the clock: nothing
 * at 9, SOFT at 10 with traffic going on, HARD at 20 and both directions
 * refuse as LIFETIME. */
static void
lifetime_seconds(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++) {
		struct sealed s;
		struct flow f;
		uint64_t now;

		flow_policies(&f, suites[i], MG_ESP_F_TUNNEL, 0);
		f.txp.soft.seconds = f.rxp.soft.seconds = 10;
		f.txp.hard.seconds = f.rxp.hard.seconds = 20;
		flow_start(&f);
		now = mg_esp_now_ms();
		assert_int_equal(mg_esp_sa_poll(f.tx, now + 9000), 0);
		assert_int_equal(mg_esp_sa_poll(f.rx, now + 9000), 0);
		roundtrip(&f);
		assert_int_equal(mg_esp_sa_poll(f.tx, now + 10000),
				 MG_ESP_SA_SOFT);
		assert_int_equal(mg_esp_sa_poll(f.rx, now + 10000),
				 MG_ESP_SA_SOFT);
		roundtrip(&f);
		seal(&f, &s);
		assert_int_equal(mg_esp_sa_poll(f.rx, now + 20000),
				 MG_ESP_SA_SOFT | MG_ESP_SA_HARD);
		open1(&f, &s, MG_ESP_E_LIFETIME);
		assert_int_equal(mg_esp_sa_seq(f.rx), 2);
		assert_int_equal(mg_esp_sa_poll(f.tx, now + 20000),
				 MG_ESP_SA_SOFT | MG_ESP_SA_HARD);
		{
			uint8_t plain[BUF];
			uint16_t len = make_inner(&f, 5, plain);
			struct buf b;

			buf_load(&b, plain, len, HEAD);
			expect_status(xform(f.tx, true, &b),
				      MG_ESP_E_LIFETIME);
			assert_int_equal(mg_esp_sa_seq(f.tx), 3);
		}
	}
}

/* ---- policies ------------------------------------------------------ */

static void
bad_policies(void **state)
{
	struct mg_esp_sa_policy good, p;
	struct mg_esp_sa *sa;

	(void)state;
	policy_init(&good, MG_ESP_AES_GCM_16_128,
		    MG_ESP_F_INBOUND | MG_ESP_F_TUNNEL, SPI, 1);
	sa_drop(sa_new(&good));

#define REFUSED(what)                                                      \
	do {                                                               \
		sa = NULL;                                                 \
		if (mg_esp_sa_create(mgr, &p, &sa) != -EINVAL)             \
			fail_msg("accepted: %s", what);                    \
		assert_null(sa);                                           \
	} while (0)
#define ACCEPTED(what)                                                     \
	do {                                                               \
		sa = NULL;                                                 \
		if (mg_esp_sa_create(mgr, &p, &sa) != 0)                   \
			fail_msg("refused: %s", what);                     \
		sa_drop(track(sa));                                        \
	} while (0)

	p = good, p.spi = 0;
	REFUSED("SPI 0");
	for (uint32_t spi = 1; spi <= 255; spi++) {
		p = good, p.spi = spi;
		REFUSED("SPI 1..255");
	}
	p = good, p.spi = 256;
	ACCEPTED("SPI 256");
	p = good, p.spi = 0xffffffff;
	ACCEPTED("SPI 2^32 - 1");
	p = good, p.suite = 0;
	REFUSED("suite 0");
	p = good, p.suite = MG_ESP_SUITE_MAX;
	REFUSED("suite MAX");
	p = good, p.suite = 0xffff;
	REFUSED("suite 0xffff");
	p = good, p.window = 1;
	REFUSED("window 1");
	p = good, p.window = MG_ESP_WINDOW_MIN - 1;
	REFUSED("window 63");
	p = good, p.window = MG_ESP_WINDOW_MIN;
	ACCEPTED("window 64");
	p = good, p.window = MG_ESP_WINDOW_MAX;
	ACCEPTED("window 4096");
	p = good, p.window = MG_ESP_WINDOW_MAX + 1;
	REFUSED("window 4097");
	p = good, p.window = 0xffff;
	REFUSED("window 65535");
	p = good, p.soft.packets = 10, p.hard.packets = 9;
	REFUSED("hard packets < soft");
	p = good, p.soft.bytes = 10000, p.hard.bytes = 9999;
	REFUSED("hard bytes < soft");
	p = good, p.soft.seconds = 60, p.hard.seconds = 59;
	REFUSED("hard seconds < soft");
	p = good, p.soft.packets = 10, p.hard.packets = 0;
	ACCEPTED("soft packets without hard");
	p = good, p.soft.packets = 9, p.hard.packets = 10;
	ACCEPTED("soft < hard");
	p = good, p.flags |= 1u << 15;
	REFUSED("unknown flag");
#undef REFUSED
#undef ACCEPTED
}

/* ---- room around the packet ---------------------------------------- */

/* Outbound with exactly head bytes in front and tail after: what lies
 * outside [data - head, data + len + tail) must not change. */
static uint16_t
room_run(struct flow *f, uint16_t head, uint16_t tail)
{
	uint8_t plain[BUF], before[BUF];
	struct mg_esp_pkt p;
	struct buf b;
	uint16_t len = make_inner(f, 3, plain), ok, lo, hi;

	buf_load(&b, plain, len, HEAD);
	p = buf_pkt(&b, f->tx);
	p.headroom = head;
	p.tailroom = tail;
	memcpy(before, b.mem, BUF);
	ok = mg_esp_outbound_burst(mgr, &p, 1);
	assert_int_equal(ok, p.status == MG_ESP_OK);
	guards_intact(&b);
	lo = (uint16_t)(HEAD - head);
	hi = (uint16_t)(HEAD + len + tail);
	assert_memory_equal(b.mem, before, lo);
	assert_memory_equal(b.mem + hi, before + hi, BUF - hi);
	if (p.status == MG_ESP_OK) {
		assert_true(p.data >= b.mem + lo);
		assert_true(p.data + p.len <= b.mem + hi);
	}
	return p.status;
}

static void
no_room_case(uint16_t suite, uint16_t flags)
{
	const struct mg_esp_suite_info *si = mg_esp_suite(suite);
	struct flow f;
	uint16_t head, tail, body, pad;
	uint64_t drops;

	print_message("room: %s, %s\n", si->name, mode_name(flags));
	flow_init(&f, suite, flags, 0);
	body = (uint16_t)(f.tunnel ? INNER_LEN : INNER_LEN - l3_len(&f));
	pad = (uint16_t)((si->block - (body + 2) % si->block) % si->block);
	head = (uint16_t)((f.tunnel ? l3_len(&f) : 0) + ESP_HDR + si->iv_len);
	tail = (uint16_t)(pad + 2 + si->icv_len);
	assert_true(head <= MG_ESP_HEADROOM_MAX && tail <= MG_ESP_TAILROOM_MAX);
	for (uint16_t h = 0; h < head; h++)
		expect_status(room_run(&f, h, MG_ESP_TAILROOM_MAX),
			      MG_ESP_E_NO_ROOM);
	for (uint16_t t = 0; t < tail; t++)
		expect_status(room_run(&f, MG_ESP_HEADROOM_MAX, t),
			      MG_ESP_E_NO_ROOM);
	drops = mg_esp_sa_stats(f.tx)->drops[MG_ESP_E_NO_ROOM];
	assert_int_equal(drops, head + tail);
	assert_int_equal(mg_esp_sa_seq(f.tx), 0);
	assert_int_equal(mg_esp_sa_stats(f.tx)->packets, 0);
	/* Exactly enough is enough, and no number was lost. */
	expect_status(room_run(&f, head, tail), MG_ESP_OK);
	assert_int_equal(mg_esp_sa_seq(f.tx), 1);
	roundtrip(&f);
}

static void
no_room(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++)
		for (size_t m = 0; m < NELEM(modes); m++)
			no_room_case(suites[i], modes[m]);
}

/* ---- limits reached inside one burst ------------------------------- */

/* Hard at 5 packets, a burst of 8 each way: the first 5 go, the other
 * 3 are refused as LIFETIME; without ESN from 2^32 - 3, a burst of 4
 * gets 2 numbers and 2 refusals. */
static void
limits_inside_one_burst(void **state)
{
	static const uint16_t want[8] = {
		MG_ESP_OK, MG_ESP_OK, MG_ESP_OK, MG_ESP_OK, MG_ESP_OK,
		MG_ESP_E_LIFETIME, MG_ESP_E_LIFETIME, MG_ESP_E_LIFETIME,
	};
	static struct buf b[8];
	struct mg_esp_pkt p[8];
	struct sealed s[8];
	const struct sealed *in[8];
	uint8_t plain[BUF];
	struct flow f;
	uint16_t len, ok;

	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++) {
		/* Outbound. */
		flow_policies(&f, suites[i], MG_ESP_F_TUNNEL, 0);
		f.txp.hard.packets = 5;
		flow_start(&f);
		len = make_inner(&f, 1, plain);
		for (int k = 0; k < 8; k++) {
			buf_load(&b[k], plain, len, HEAD);
			p[k] = buf_pkt(&b[k], f.tx);
		}
		ok = mg_esp_outbound_burst(mgr, p, 8);
		burst_done(b, p, 8, ok);
		for (int k = 0; k < 8; k++)
			expect_status(p[k].status, want[k]);
		assert_int_equal(mg_esp_sa_seq(f.tx), 5);
		assert_int_equal(mg_esp_sa_stats(f.tx)->packets, 5);
		assert_int_equal(mg_esp_sa_stats(f.tx)->drops
				 [MG_ESP_E_LIFETIME], 3);
		/* Inbound. */
		flow_policies(&f, suites[i], MG_ESP_F_TUNNEL, 0);
		f.rxp.hard.packets = 5;
		flow_start(&f);
		for (int k = 0; k < 8; k++) {
			seal(&f, &s[k]);
			in[k] = &s[k];
		}
		open_burst(&f, in, 8, want);
		assert_int_equal(mg_esp_sa_seq(f.rx), 5);
		/* Exhaustion. */
		flow_policies(&f, suites[i], 0, 0);
		f.txp.seq = 0xfffffffd;
		flow_start(&f);
		len = make_inner(&f, 1, plain);
		for (int k = 0; k < 4; k++) {
			buf_load(&b[k], plain, len, HEAD);
			p[k] = buf_pkt(&b[k], f.tx);
		}
		ok = mg_esp_outbound_burst(mgr, p, 4);
		burst_done(b, p, 4, ok);
		for (int k = 0; k < 4; k++)
			expect_status(p[k].status, k < 2 ? MG_ESP_OK :
				      MG_ESP_E_SEQ_EXHAUSTED);
		assert_int_equal(get32(b[1].data + IP4_LEN + 4), 0xffffffffu);
		assert_int_equal(mg_esp_sa_poll(f.tx, mg_esp_now_ms()),
				 MG_ESP_SA_SEQ_EXHAUSTED);
	}
}

/* ---- trailers our sender never makes -------------------------------- */

/*
 * ESP packets framed here, encrypted with IPsec-MB's AES-GCM directly
 * (RFC 4106: nonce = salt || IV, AAD = SPI || seq), so the trailer can
 * be anything: RFC 4303 §2.4 padding, §2.6 next header 59, §2.7 TFC
 * padding, and a tunnel's next header and inner packet disagreeing.
 */
static uint16_t
craft(const struct flow *f, uint64_t seq, const uint8_t *pt, uint16_t len,
      uint8_t *out)
{
	struct gcm_key_data key __attribute__((aligned(16)));
	struct gcm_context_data ctx;
	uint8_t nonce[12], aad[8], *esp = out + IP4_LEN;
	uint16_t total = (uint16_t)(IP4_LEN + ESP_HDR + 8 + len + 16);

	IMB_AES128_GCM_PRE(mgr, f->txp.enc_key, &key);
	ip4_build(out, total, PROTO_ESP, addr_a, addr_b);
	put32(esp, f->txp.spi);
	put32(esp + 4, (uint32_t)seq);
	put32(esp + 8, 0);
	put32(esp + 12, (uint32_t)seq);
	memcpy(nonce, f->txp.salt, 4);
	memcpy(nonce + 4, esp + 8, 8);
	memcpy(aad, esp, 8);
	IMB_AES128_GCM_ENC(mgr, &key, &ctx, esp + 16, pt, len, nonce, aad,
			   sizeof(aad), esp + 16 + len, 16);
	return total;
}

struct trailer_case {
	const char *what;
	uint16_t flags;     /* MG_ESP_F_TUNNEL or transport */
	uint8_t tfc;        /* zero bytes after the payload */
	uint8_t pad;        /* pad length field */
	uint8_t pad_bad;    /* pad bytes 1, 2, ... but this one is 0xee */
	uint8_t nh;
	uint8_t inner_v6;   /* the inner packet is IPv6 (else IPv4) */
	int8_t inner_len;   /* added to the inner packet's length field */
	uint16_t want;
};

static const struct trailer_case trailer_cases[] = {
	{ "well formed", MG_ESP_F_TUNNEL, 0, 2, 0, 4, 0, 0, MG_ESP_OK },
	{ "TFC padding (§2.7)", MG_ESP_F_TUNNEL, 20, 2, 0, 4, 0, 0,
	  MG_ESP_OK },
	{ "255 pad bytes", MG_ESP_F_TUNNEL, 0, 255, 0, 4, 0, 0, MG_ESP_OK },
	{ "pad byte 1 not 1", MG_ESP_F_TUNNEL, 0, 2, 1, 4, 0, 0,
	  MG_ESP_E_PADDING },
	{ "pad byte 2 not 2", MG_ESP_F_TUNNEL, 0, 6, 2, 4, 0, 0,
	  MG_ESP_E_PADDING },
	{ "last pad byte wrong", MG_ESP_F_TUNNEL, 0, 6, 6, 4, 0, 0,
	  MG_ESP_E_PADDING },
	/* pad_bad 255: no pad bytes written, only the length. */
	{ "pad length past the payload", MG_ESP_F_TUNNEL, 0, 255, 255, 4, 0,
	  0, MG_ESP_E_PADDING },
	{ "dummy (§2.6)", MG_ESP_F_TUNNEL, 0, 2, 0, 59, 0, 0, MG_ESP_E_DUMMY },
	{ "dummy, transport", 0, 0, 2, 0, 59, 0, 0, MG_ESP_E_DUMMY },
	{ "UDP in a tunnel", MG_ESP_F_TUNNEL, 0, 2, 0, 17, 0, 0,
	  MG_ESP_E_NEXT_HEADER },
	{ "next header 41, IPv4 inside", MG_ESP_F_TUNNEL, 0, 2, 0, 41, 0, 0,
	  MG_ESP_E_IP },
	{ "next header 4, IPv6 inside", MG_ESP_F_TUNNEL, 0, 2, 0, 4, 1, 0,
	  MG_ESP_E_IP },
	{ "next header 41, IPv6 inside", MG_ESP_F_TUNNEL, 0, 2, 0, 41, 1, 0,
	  MG_ESP_OK },
	{ "inner length past the payload", MG_ESP_F_TUNNEL, 0, 2, 0, 4, 0, 1,
	  MG_ESP_E_IP },
	{ "transport, protocol 6", 0, 0, 2, 0, 6, 0, 0, MG_ESP_OK },
};

static void
trailer_one(const struct trailer_case *c)
{
	uint8_t pt[BUF], wire[BUF], inner[BUF];
	uint16_t ilen, len = 0, wire_len;
	struct flow f;
	struct buf b;

	print_message("trailer: %s\n", c->what);
	flow_init(&f, MG_ESP_AES_GCM_16_128, c->flags, 0);
	if (c->inner_v6) {
		ilen = 60;
		ip6_build(inner, ilen - IP6_LEN, PROTO_UDP, addr6_a, addr6_b);
	} else {
		ilen = 64;
		ip4_build(inner, ilen, PROTO_UDP, inner_src, inner_dst);
	}
	for (int i = c->inner_v6 ? IP6_LEN : IP4_LEN; i < ilen; i++)
		inner[i] = (uint8_t)i;
	if (c->inner_len && !c->inner_v6) {
		put16(inner + 2, (uint16_t)(ilen + c->inner_len));
		ip4_fix_sum(inner);
	}
	memcpy(pt, inner, ilen);
	len = ilen;
	memset(pt + len, 0, c->tfc);
	len += c->tfc;
	for (int i = 1; i <= c->pad && c->pad_bad != 255; i++)
		pt[len++] = (uint8_t)(i == c->pad_bad ? 0xee : i);
	pt[len++] = c->pad;
	pt[len++] = c->nh;
	wire_len = craft(&f, 1, pt, len, wire);
	if (c->want != MG_ESP_OK) {
		refused_raw(f.rx, wire, wire_len, c->want);
		assert_int_equal(mg_esp_sa_stats(f.rx)->packets, 0);
		roundtrip(&f);  /* number 1 was not taken */
		return;
	}
	buf_load(&b, wire, wire_len, HEAD);
	expect_status(xform(f.rx, false, &b), MG_ESP_OK);
	if (c->flags & MG_ESP_F_TUNNEL) {
		assert_int_equal(b.len, ilen);
		assert_memory_equal(b.data, inner, ilen);
	} else {
		assert_int_equal(b.len, IP4_LEN + ilen + c->tfc);
		assert_int_equal(b.data[9], c->nh);
		assert_memory_equal(b.data + IP4_LEN, pt, ilen + c->tfc);
	}
}

static void
trailers(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(trailer_cases); i++)
		trailer_one(&trailer_cases[i]);
}

/* ---- names --------------------------------------------------------- */

static void
status_names(void **state)
{
	(void)state;
	for (int i = 0; i < MG_ESP_STATUS_MAX; i++) {
		const char *s = mg_esp_status_str((enum mg_esp_status)i);
		const char *k = mg_esp_status_key((enum mg_esp_status)i);

		assert_non_null(s);
		assert_non_null(k);
		assert_true(s[0] != '\0' && k[0] != '\0');
		assert_null(strpbrk(k, " \t\n"));
		for (int j = 0; j < i; j++) {
			assert_string_not_equal(
				s, mg_esp_status_str((enum mg_esp_status)j));
			assert_string_not_equal(
				k, mg_esp_status_key((enum mg_esp_status)j));
		}
	}
}

/* ---- rekey --------------------------------------------------------- */

/*
 * Make-before-break at engine level: the receiver has inbound SAs A and
 * B installed, the sender switches from outbound A to outbound B (new
 * SPI, new key) in the middle of a burst, and the network reorders each
 * burst so some of A's last packets arrive after B's first. The
 * receiver picks the SA per packet by SPI, as an SA database would.
 * Nothing may be lost or refused.
 */
static struct mg_esp_sa *
by_spi(struct mg_esp_sa *const *rx, size_t n, const struct sealed *s,
       uint16_t l3)
{
	const uint8_t *dst = NULL;
	uint32_t spi = 0;
	uint8_t v6 = 0;

	expect_status(mg_esp_peek(s->wire, s->wire_len, &spi, &dst, &v6),
		      MG_ESP_OK);
	assert_int_equal(spi, get32(s->wire + l3));
	assert_int_equal(v6, l3 == IP6_LEN);
	assert_ptr_equal(dst, s->wire + (v6 ? 24 : 16));
	for (size_t i = 0; i < n; i++)
		if (mg_esp_sa_spi(rx[i]) == spi)
			return rx[i];
	fail_msg("no SA for SPI %08x", spi);
	return NULL;
}

static void
rekey_case(uint16_t suite, uint16_t flags)
{
	enum { TOTAL = 256, BURST = 32, SWITCH = 140 };
	static struct sealed s[TOTAL];
	struct mg_esp_sa_policy pa, pb;
	struct mg_esp_sa *txa, *txb, *rx[2];
	struct flow f;
	uint16_t want[BURST] = { 0 };

	print_message("rekey: %s, %s\n", mg_esp_suite(suite)->name,
		      mode_name(flags));
	flow_policies(&f, suite, flags, 64);
	pa = f.txp;
	pb = f.txp;
	pb.spi = SPI + 0x100;
	for (int i = 0; i < MG_ESP_KEY_MAX; i++)
		pb.enc_key[i] ^= 0x5a;
	for (int i = 0; i < MG_ESP_AUTH_KEY_MAX; i++)
		pb.auth_key[i] ^= 0xa5;
	pb.salt[0] ^= 0xff;
	txa = sa_new(&pa);
	txb = sa_new(&pb);
	pa.flags |= MG_ESP_F_INBOUND;
	pb.flags |= MG_ESP_F_INBOUND;
	memcpy(pa.local, f.rxp.local, 16);
	memcpy(pa.remote, f.rxp.remote, 16);
	memcpy(pb.local, f.rxp.local, 16);
	memcpy(pb.remote, f.rxp.remote, 16);
	pa.window = pb.window = 64;
	rx[0] = sa_new(&pa);
	rx[1] = sa_new(&pb);
	for (int i = 0; i < TOTAL; i++)
		seal_with(&f, i < SWITCH ? txa : txb, &s[i]);
	assert_int_equal(mg_esp_sa_seq(txa), SWITCH);
	assert_int_equal(mg_esp_sa_seq(txb), TOTAL - SWITCH);
	for (int first = 0; first < TOTAL; first += BURST) {
		const struct sealed *in[BURST];
		struct mg_esp_sa *sa[BURST];

		/* Each burst arrives in pairs swapped, and the burst
		 * where the switch happens back to front. */
		for (int j = 0; j < BURST; j++) {
			int k = first <= SWITCH && SWITCH < first + BURST ?
				first + BURST - 1 - j : first + (j ^ 1);

			in[j] = &s[k];
			sa[j] = by_spi(rx, 2, &s[k], l3_len(&f));
		}
		open_burst_sas(&f, sa, in, BURST, want);
	}
	assert_int_equal(mg_esp_sa_stats(rx[0])->packets, SWITCH);
	assert_int_equal(mg_esp_sa_stats(rx[1])->packets, TOTAL - SWITCH);
	assert_int_equal(mg_esp_sa_seq(rx[0]), SWITCH);
	assert_int_equal(mg_esp_sa_seq(rx[1]), TOTAL - SWITCH);
	for (int r = 0; r < 2; r++)
		for (int st = 1; st < MG_ESP_STATUS_MAX; st++)
			assert_int_equal(mg_esp_sa_stats(rx[r])->drops[st], 0);
}

static void
rekey_make_before_break(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(suites); i++)
		for (size_t m = 0; m < NELEM(modes); m++)
			rekey_case(suites[i], modes[m]);
}

/* ---- NAT-T: the outbound SA follows where its pair's packets came from */

/* Where a sealed packet goes: the outer destination and, in UDP, the
 * destination port (0: not in UDP). The IPv4 header must still sum. */
static void
wire_dst(const struct flow *f, const struct sealed *s, uint8_t *ip,
	 uint16_t *port)
{
	bool v6 = f->v6;
	uint16_t l3 = v6 ? IP6_LEN : IP4_LEN;
	uint8_t proto = v6 ? s->wire[6] : s->wire[9];

	memcpy(ip, v6 ? s->wire + 24 : s->wire + 16, v6 ? 16 : 4);
	*port = proto == PROTO_UDP ? get16(s->wire + l3 + 2) : 0;
	if (!v6)
		assert_int_equal(ip4_sum(s->wire), 0);
}

static void
nat_case(uint16_t flags)
{
	static const uint8_t nat4[16] = { 192, 0, 2, 77 };
	static const uint8_t nat6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xaa,
					  [15] = 0x77 };
	bool v6 = flags & F_V6, tunnel = flags & MG_ESP_F_TUNNEL;
	bool udp = flags & MG_ESP_F_UDP_ENCAP;
	const uint8_t *nat = v6 ? nat6 : nat4;
	struct sealed s;
	struct flow f;
	uint8_t ip[16];
	uint16_t port;

	flow_init(&f, MG_ESP_AES_GCM_16_128, flags, 0);
	/* Inbound SAs have no peer to follow; another family is ignored. */
	assert_false(mg_esp_sa_set_peer(f.rx, 4, nat4, 0x3412));
	seal(&f, &s);
	wire_dst(&f, &s, ip, &port);
	assert_int_equal(port, udp ? 4500 : 0);
	assert_true(mg_esp_sa_set_peer(f.tx, v6 ? 6 : 4, nat, 0x797a) ==
		    (udp || tunnel));
	assert_false(mg_esp_sa_set_peer(f.tx, v6 ? 6 : 4, nat, 0x797a));
	assert_false(mg_esp_sa_set_peer(f.tx, v6 ? 4 : 6, nat6, 0));
	seal(&f, &s);
	wire_dst(&f, &s, ip, &port);
	assert_int_equal(port, udp ? 0x7a79 : 0);
	if (tunnel)
		assert_memory_equal(ip, nat, v6 ? 16 : 4);
	else /* transport: the packet's own address, untouched */
		assert_memory_equal(ip, v6 ? addr6_b : addr_b, v6 ? 16 : 4);
}

static void
peer_follows_nat(void **state)
{
	static const uint16_t cases[] = {
		MG_ESP_F_UDP_ENCAP,
		MG_ESP_F_UDP_ENCAP | F_V6,
		MG_ESP_F_TUNNEL,
		MG_ESP_F_TUNNEL | MG_ESP_F_UDP_ENCAP,
		MG_ESP_F_TUNNEL | MG_ESP_F_UDP_ENCAP | F_V6,
		0,
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		nat_case(cases[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(replay, free_all),
		cmocka_unit_test_teardown(reorder_within_window, free_all),
		cmocka_unit_test_teardown(too_old, free_all),
		cmocka_unit_test_teardown(too_old_inside_one_burst, free_all),
		cmocka_unit_test_teardown(window_model, free_all),
		cmocka_unit_test_teardown(window_last_slot, free_all),
		cmocka_unit_test_teardown(tamper_every_byte, free_all),
		cmocka_unit_test_teardown(wrong_spi_and_key, free_all),
		cmocka_unit_test_teardown(trailing_bytes, free_all),
		cmocka_unit_test_teardown(truncated, free_all),
		cmocka_unit_test_teardown(esn_wrap, free_all),
		cmocka_unit_test_teardown(seq_exhausted, free_all),
		cmocka_unit_test_teardown(lifetimes_packets_bytes, free_all),
		cmocka_unit_test_teardown(soft_bytes_crossed, free_all),
		cmocka_unit_test_teardown(lifetime_seconds, free_all),
		cmocka_unit_test_teardown(bad_policies, free_all),
		cmocka_unit_test_teardown(no_room, free_all),
		cmocka_unit_test_teardown(limits_inside_one_burst, free_all),
		cmocka_unit_test_teardown(trailers, free_all),
		cmocka_unit_test(status_names),
		cmocka_unit_test_teardown(rekey_make_before_break, free_all),
		cmocka_unit_test_teardown(peer_follows_nat, free_all),
	};

	return cmocka_run_group_tests_name("esp_reject", tests, mb_mgr_setup,
					   mb_mgr_teardown);
}
