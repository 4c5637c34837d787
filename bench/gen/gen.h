/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mg_gen, the traffic generator: what its parts share. A call is what an
 * SBC carries between a phone that speaks SRTP and a PSTN trunk that
 * speaks plain RTP; the generator plays both ends on one DPDK port
 * (memif to a running dataplane, af_packet, a NIC), installs the calls
 * through the ng protocol as a SIP server would, sends both directions
 * at a G.711 pace (or flat out), and checks every packet that comes back:
 * payload, order, one-way latency.
 */
#ifndef MG_GEN_H
#define MG_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>

/* Streams of a call: what the phone sends (SRTP, to the dataplane's port
 * toward the phone, coming out plain at the trunk) and what the trunk
 * sends (plain, coming out as SRTP at the phone). */
enum { MG_GEN_UP = 0, MG_GEN_DOWN = 1 };

#define MG_GEN_PAYLOAD 160      /* G.711, 20 ms */
#define MG_GEN_KEY_LEN 30       /* AES_CM_128_HMAC_SHA1_80 master */
#define MG_GEN_ESP_KEY_LEN 20   /* ESP_AES_GCM_16_128: key and salt */

struct mg_gen_stream {
	uint32_t sent, received;
	uint32_t next_seq;       /* the next one expected back */
	uint32_t reordered;      /* came back behind one sent after it */
	uint32_t bad;            /* wrong payload, failed to unprotect */
	uint32_t rtcp_sent, rtcp_received, rtcp_bad; /* sender reports */
};

struct mg_gen_call {
	/* The generator's ends (network order). */
	uint32_t phone_ip, trunk_ip;
	uint16_t phone_port, trunk_port;
	/* The dataplane's address and ports toward each (network order),
	 * from the ng replies. */
	uint32_t sbc_ip;
	uint16_t sbc_phone_port, sbc_trunk_port;
	uint8_t state;           /* enum mg_gen_call_state */
	uint8_t key_phone[MG_GEN_KEY_LEN];   /* the phone's: it protects */
	uint8_t key_sbc[MG_GEN_KEY_LEN];     /* the SBC's toward the phone */
	/* --trunk-srtp: the trunk speaks SRTP too (SRTP to SRTP, other keys
	 * on each leg): its key, and the SBC's toward it. */
	uint8_t key_trunk[MG_GEN_KEY_LEN];
	uint8_t key_sbc_trunk[MG_GEN_KEY_LEN];
	uint16_t trunk_tag;      /* the a=crypto tag of the SBC's offer */
	/* --rekey: the phone's other key. Each rekey offers the one it does
	 * not send under and, once the answer is back, sends under it. */
	uint8_t key_phone2[MG_GEN_KEY_LEN];
	uint8_t key_ver;         /* 0: sends under key_phone, 1: key_phone2 */
	/* --phone-esp: the phone speaks ESP (its key: key_phone's first 20
	 * bytes; the SBC's: key_sbc's): the SPI it receives on, ours. */
	uint32_t spi_phone, spi_sbc;
	uint8_t rekey_stage;     /* MG_GEN_NG_REOFFER/REANSWER in flight, 0 */
	uint32_t rekeys;         /* rekeys started: their cookies carry it */
	uint64_t rekey_sent_ns;  /* when the re-offer went */
	struct mg_gen_stream s[2];
	uint64_t ng_sent_ns;
	uint32_t round;          /* a slot set up again is another call: its
				  * call-id and cookies carry this */
};

enum mg_gen_call_state {
	MG_GEN_NEW = 0, MG_GEN_OFFERED, MG_GEN_ANSWERED, MG_GEN_READY,
	MG_GEN_DELETING, MG_GEN_FAILED,
};

/* Log-linear histogram of nanoseconds (HDR-style: 2^k ranges, each cut
 * into 32 sub-buckets, so any value is within about 3 % of its bucket's
 * lower edge), 1 ns to about 68 s. */
#define MG_GEN_HIST_SUB 32
#define MG_GEN_HIST_EXP 36

struct mg_gen_hist {
	uint64_t n[MG_GEN_HIST_EXP][MG_GEN_HIST_SUB];
	uint64_t count, max;
};

void mg_gen_hist_add(struct mg_gen_hist *h, uint64_t ns);
/* The value at quantile q (0..1): the lower edge of its bucket. */
uint64_t mg_gen_hist_at(const struct mg_gen_hist *h, double q);

/* ng: install calls [0, n) through the ng server at addr:port (UDP),
 * `window` in flight; each call's dataplane ports and key toward the
 * phone filled in (state READY). Progress on stderr once a second.
 * Returns the calls installed; delete likewise the READY ones. */
struct mg_gen_ng {
	int fd;
	uint32_t window;
	uint64_t retries, errors;
	char tag[16];            /* call-id prefix: runs apart */
	char buf[8192];          /* the request being sent */
	char first_error[160];   /* the first refusal's error-reason */
	bool trunk_srtp;         /* the trunk's leg RTP/SAVP, with its key */
	bool phone_esp;          /* the phone offers ESP (a=ipsec), not SDES */
};

int mg_gen_ng_open(struct mg_gen_ng *ng, const char *hostport,
		   uint32_t window);
/* Wait up to timeout_s until the control plane has a dataplane attached
 * (it refuses offers before): 0, or -1 on time out or stop. */
int mg_gen_ng_wait_dp(struct mg_gen_ng *ng, uint32_t timeout_s,
		      const volatile bool *stop);
long mg_gen_ng_setup(struct mg_gen_ng *ng, struct mg_gen_call *c,
		     uint32_t n, const volatile bool *stop);
long mg_gen_ng_delete(struct mg_gen_ng *ng, struct mg_gen_call *c,
		      uint32_t n, const volatile bool *stop);

/* The steps those are made of, for callers that run their own loop (the
 * churn, the rekeys): call i's request for `stage` (0 offer, 1 answer,
 * 2 delete, MG_GEN_NG_REOFFER the phone's re-INVITE with its other key,
 * MG_GEN_NG_REANSWER the trunk's answer to it);
 * one reply taken (an offer's answered at once: MOVED), its call and
 * stage in *call and *stage; requests 2 s without a reply sent again,
 * for calls [0, upto). */
enum { MG_GEN_NG_NONE, MG_GEN_NG_MOVED, MG_GEN_NG_DONE, MG_GEN_NG_FAILED };
enum { MG_GEN_NG_REOFFER = 3, MG_GEN_NG_REANSWER = 4 };
void mg_gen_ng_send(struct mg_gen_ng *ng, struct mg_gen_call *c, uint32_t i,
		    int stage);
int mg_gen_ng_take(struct mg_gen_ng *ng, struct mg_gen_call *calls,
		   uint32_t n, const char *msg, size_t len, uint32_t *call,
		   int *stage);
void mg_gen_ng_retry(struct mg_gen_ng *ng, struct mg_gen_call *calls,
		     uint32_t upto);
/* A rekey's reply (stage REOFFER or REANSWER) as mg_gen_ng_take: DONE
 * when the phone now sends under its new key. */
int mg_gen_ng_take_rekey(struct mg_gen_ng *ng, struct mg_gen_call *calls,
			 uint32_t n, const char *msg, size_t len,
			 uint32_t *call);

/*
 * Call churn under load (gen_churn.c): `rate` calls set up each second
 * on their own ng socket while the traffic runs, each deleted `hold_s`
 * seconds after it came up, so about rate x hold_s are up at once. They
 * are set up like the others (SRTP toward the phone, plain toward the
 * trunk: flows and contexts installed and removed in the dataplane) but
 * carry no media: what is measured is that the calls carrying media lose
 * nothing meanwhile, the rate reached, and how long a setup took.
 */
struct mg_gen_churn {
	struct mg_gen_ng ng;
	struct mg_gen_call *c;   /* a ring of slots, set up in order */
	uint64_t *born_ns;       /* when each slot's offer went */
	uint32_t n, head, tail;  /* next to set up, next to delete */
	uint32_t rate, hold_s;
	uint64_t t0_ns, last_retry_ns, last_poll_ns;
	uint64_t started, up, deleted, failed;
	struct mg_gen_hist setup; /* offer sent to answer's reply, ns */
};

int mg_gen_churn_open(struct mg_gen_churn *ch, const char *hostport,
		      uint32_t rate, uint32_t hold_s);
/* From the traffic loop: at most every 100 us, non-blocking. */
void mg_gen_churn_poll(struct mg_gen_churn *ch);
/* The churn calls still up deleted (their replies waited for). */
void mg_gen_churn_close(struct mg_gen_churn *ch, const volatile bool *stop);

/*
 * A rekey storm under load (gen_rekey.c): `rate` re-INVITEs a second
 * over the calls carrying media, round robin, on their own ng socket: the
 * phone offers a new key (SDES), the trunk answers, and the phone sends
 * under the new key from when the answer is back, as a phone does. Its
 * packets under the old key still on the way, and those it sent while
 * the answer was, must all come through: what is measured is that the
 * media loses nothing, the rate reached and how long a rekey took. The
 * SBC's key toward the phone must stay (same suite: RFC 4568 lets it).
 */
struct mg_gen_rekey {
	struct mg_gen_ng ng;
	struct mg_gen_call *c;   /* the calls carrying media */
	uint32_t n, next, rate;
	uint64_t t0_ns, last_retry_ns, last_poll_ns;
	uint64_t started, done, failed, skipped, key_changed;
	struct mg_gen_hist lat;  /* re-offer sent to the answer's reply, ns */
};

int mg_gen_rekey_open(struct mg_gen_rekey *rk, const char *hostport,
		      const char *tag, struct mg_gen_call *c, uint32_t n,
		      uint32_t rate);
/* From the traffic loop: at most every 100 us, non-blocking. */
void mg_gen_rekey_poll(struct mg_gen_rekey *rk);
/* Rekeys in flight waited for (3 s at most); the socket closed. */
void mg_gen_rekey_close(struct mg_gen_rekey *rk, const volatile bool *stop);

/* SRTP off the timed path (gen_srtp.c): the phone's packets made before
 * the run, one call at a time, and the send time of every packet in a
 * table by (call, direction, seq). */
#define MG_GEN_RTP_LEN (12 + MG_GEN_PAYLOAD)
#define MG_GEN_SRTP_LEN (MG_GEN_RTP_LEN + 10)
#define MG_GEN_RTCP_LEN 28      /* a sender report, no report blocks */
#define MG_GEN_SRTCP_LEN (MG_GEN_RTCP_LEN + 4 + 10) /* E|index, tag */
/* ESP in UDP (gen_esp.c): SPI, sequence number and IV; the inner UDP
 * header and payload padded with its pad length and next header to 4
 * bytes; the ICV. */
#define MG_GEN_ESP_HDR 16
#define MG_GEN_ESP_ICV 16
#define MG_GEN_ESP_BODY(n) (((8u + (n) + 2u + 3u) / 4u) * 4u)
#define MG_GEN_ESP_LEN (MG_GEN_ESP_HDR + MG_GEN_ESP_BODY(MG_GEN_RTP_LEN) + \
			MG_GEN_ESP_ICV)
#define MG_GEN_ESP_RTCP_LEN (MG_GEN_ESP_HDR + \
			     MG_GEN_ESP_BODY(MG_GEN_RTCP_LEN) + MG_GEN_ESP_ICV)
#define MG_GEN_REC_MAX MG_GEN_ESP_LEN /* the longest packet an end takes */

/*
 * Sequence-major, [seq][call]: the sender goes round the calls, so it reads
 * and writes these in address order, not a page apart per packet (with 4k
 * pages a TLB miss each, which cost a fifth of the flat-out rate).
 */
struct mg_gen_pre {
	uint8_t *up;             /* [seq][call]: up_stride bytes each */
	uint8_t *up2;            /* the same under key_phone2 (--rekey), or
				  * NULL */
	uint8_t *rtcp2;          /* the phone's reports under key_phone2 */
	uint8_t *down;           /* the trunk's, when it speaks SRTP; or NULL */
	uint8_t *rtcp[2];        /* [n][call] SRTCP reports of each SRTP end
				  * (rtcp_stride bytes each), or NULL */
	uint16_t up_stride;      /* the phone's packets: SRTP or ESP */
	uint16_t rtcp_stride;    /* its reports: SRTCP or ESP */
	bool esp;                /* the phone speaks ESP */
	uint32_t rtcp_every;     /* RTP packets before each report (ESP:
				  * they share the sequence numbers) */
	uint32_t rtcp_per_call;  /* reports a stream can send */
	size_t rtcp_len;
	uint64_t *tx_tsc;        /* [seq][call][dir]: 0 until sent */
	uint32_t per_call;       /* packets a stream can send */
	uint32_t calls;
	size_t up_len, tsc_len;  /* mapped bytes (down: up_len too) */
};

static inline uint64_t *
mg_gen_pre_slot(const struct mg_gen_pre *p, uint32_t call, int dir,
		uint32_t seq)
{
	return &p->tx_tsc[((size_t)seq * p->calls + call) * 2 + (size_t)dir];
}

static inline uint8_t *
mg_gen_pre_up(const struct mg_gen_pre *p, uint32_t call, uint32_t seq)
{
	return p->up + ((size_t)seq * p->calls + call) * p->up_stride;
}

/* The phone's packet seq under the key it sends with now. */
static inline uint8_t *
mg_gen_pre_up_now(const struct mg_gen_pre *p, const struct mg_gen_call *c,
		  uint32_t call, uint32_t seq)
{
	return (c->key_ver ? p->up2 : p->up) +
	       ((size_t)seq * p->calls + call) * p->up_stride;
}

static inline uint8_t *
mg_gen_pre_down(const struct mg_gen_pre *p, uint32_t call, uint32_t seq)
{
	return p->down + ((size_t)seq * p->calls + call) * MG_GEN_SRTP_LEN;
}

static inline uint8_t *
mg_gen_pre_rtcp(const struct mg_gen_pre *p, int dir, uint32_t call,
		uint32_t n)
{
	return p->rtcp[dir] + ((size_t)n * p->calls + call) * p->rtcp_stride;
}

static inline uint64_t
mg_gen_pre_sent(const struct mg_gen_pre *p, uint32_t call, int dir,
		uint32_t seq)
{
	return *mg_gen_pre_slot(p, call, dir, seq);
}

/* What reached an SRTP end (the phone; the trunk too with --trunk-srtp),
 * as it arrived: opened after the run. */
struct mg_gen_rec {
	uint32_t call;
	uint16_t len;
	uint64_t tsc;
	uint8_t data[MG_GEN_REC_MAX];
};

struct mg_gen_log {
	struct mg_gen_rec *rec;
	size_t n, cap, dropped;
};

/* The hostile mix (gen_hostile.c): kinds in turn. */
enum { MG_GEN_H_REPLAY, MG_GEN_H_AUTH, MG_GEN_H_GARBAGE, MG_GEN_H_TRUNC,
       MG_GEN_H_KINDS };
extern const char *const mg_gen_hostile_name[MG_GEN_H_KINDS];
/* A hostile packet of `kind` at out (MG_GEN_SRTP_LEN bytes of room), made
 * from the phone's previous and next SRTP packets; its length. */
size_t mg_gen_hostile(uint8_t *out, int kind, const uint8_t *prev,
		      const uint8_t *next, uint32_t salt);

/* libsrtp2 up, with NSS held loaded (see gen_srtp.c); 0 or -1. */
int mg_gen_srtp_init(void);
void mg_gen_srtp_fini(void);
int mg_gen_srtp_ctx(srtp_t *s, const uint8_t *key, bool inbound);
/* RTP header and payload of stream (call, dir)'s packet seq at rtp; its
 * length. */
int mg_gen_rtp(uint8_t *rtp, uint32_t call, int dir, uint32_t seq,
	       uint64_t tsc);
/* Every READY call's phone packets 0 .. per_call - 1, protected with its
 * key by libsrtp2 (and the trunk's with its key, if trunk_srtp). 0, or
 * -1 (memory, libsrtp2). */
/* ESP (gen_esp.c), with OpenSSL: a context for a 20-byte key (AES-128
 * and salt), to seal or to open; NULL without memory. */
void *mg_gen_esp_ctx(const uint8_t *key, bool seal);
void mg_gen_esp_ctx_free(void *ctx);
/* The ESP-in-UDP payload of inner UDP (sport, dport: network order) with
 * pl, under spi and seq, at out (MG_GEN_REC_MAX bytes): its length, 0 if
 * it failed. */
uint32_t mg_gen_esp_seal(void *ctx, const uint8_t *key, uint32_t spi,
			 uint32_t seq, uint16_t sport, uint16_t dport,
			 const uint8_t *pl, uint32_t len, uint8_t *out);
/* Open one in place: 0 and the inner UDP payload, or -1 (not for spi,
 * ICV, trailer). */
int mg_gen_esp_open(void *ctx, const uint8_t *key, uint32_t spi,
		    uint8_t *pkt, uint32_t len, uint8_t **pl,
		    uint32_t *pl_len);
/* Call i's ESP phone packets and reports into pre (its up and rtcp[UP]
 * tables), under its key and the SBC's SPI, sequence numbers in the order
 * they are sent. 0 or -1. */
int mg_gen_esp_build(const struct mg_gen_pre *pre, uint32_t i,
		     const struct mg_gen_call *c);

int mg_gen_pre_build(struct mg_gen_pre *pre, const struct mg_gen_call *c,
		     uint32_t calls, uint32_t per_call, uint32_t rtcp_per_call,
		     bool trunk_srtp, bool rekey, const volatile bool *stop);
int mg_gen_log_init(struct mg_gen_log *log, size_t cap);
void mg_gen_log_add(struct mg_gen_log *log, uint32_t call,
		    const uint8_t *srtp, uint32_t len, uint64_t tsc);
/* Open every logged packet of stream `dir` (DOWN: what reached the
 * phone; UP: the trunk) with the SBC's key toward that end (libsrtp2,
 * one call at a time, in arrival order) and check it; took() for each
 * good RTP one, bad counted in the call's stream (SRTCP: its rtcp_
 * counters). */
int mg_gen_log_verify(struct mg_gen_log *log, struct mg_gen_call *c,
		      uint32_t calls, const struct mg_gen_pre *pre, int dir,
		      void (*took)(void *arg, uint32_t call, int dir,
				   uint32_t seq, uint64_t sent, uint64_t got),
		      void *arg);
void mg_gen_pre_free(struct mg_gen_pre *pre);
void mg_gen_log_free(struct mg_gen_log *log);

/* A stream's SSRC: its call and direction. */
static inline uint32_t
mg_gen_ssrc(uint32_t call, int dir)
{
	return (call & 0x0fffffffu) | (dir ? 0x20000000u : 0x10000000u);
}

/* RTCP: stream (call, dir)'s sender report number n (MG_GEN_RTCP_LEN
 * bytes at p), and its check (0 and the fields, or -1). */
int mg_gen_rtcp(uint8_t *p, uint32_t call, int dir, uint32_t n);
int mg_gen_rtcp_check(const uint8_t *p, uint32_t len, uint32_t *call,
		      int *dir, uint32_t *n);
/* An RTP or RTCP packet (RFC 5761: the second byte, past the marker bit,
 * 64..95 is an RTCP type). */
static inline bool
mg_gen_is_rtcp(const uint8_t *p)
{
	return (p[1] & 0x7f) >= 64 && (p[1] & 0x7f) <= 95;
}

/* Packets: the payload a stream's packet seq carries (call, direction,
 * seq, the send time in TSC ticks, then a pattern of all three), and its
 * check. */
void mg_gen_payload(uint8_t *p, uint32_t call, int dir, uint32_t seq,
		    uint64_t tsc);
/* 0 and the fields, or -1 when the pattern does not hold. */
int mg_gen_payload_check(const uint8_t *p, uint32_t len, uint32_t *call,
			 int *dir, uint32_t *seq, uint64_t *tsc);

#endif /* MG_GEN_H */
