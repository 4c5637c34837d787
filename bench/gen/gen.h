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
#include <stdint.h>

#include <srtp2/srtp.h>

/* Streams of a call: what the phone sends (SRTP, to the dataplane's port
 * toward the phone, coming out plain at the trunk) and what the trunk
 * sends (plain, coming out as SRTP at the phone). */
enum { MG_GEN_UP = 0, MG_GEN_DOWN = 1 };

#define MG_GEN_PAYLOAD 160      /* G.711, 20 ms */
#define MG_GEN_KEY_LEN 30       /* AES_CM_128_HMAC_SHA1_80 master */

struct mg_gen_stream {
	uint32_t sent, received;
	uint32_t next_seq;       /* the next one expected back */
	uint32_t reordered;      /* came back behind one sent after it */
	uint32_t bad;            /* wrong payload, failed to unprotect */
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
	srtp_t tx, rx;           /* libsrtp2: protect up, unprotect down */
	struct mg_gen_stream s[2];
	uint64_t ng_sent_ns;
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
};

int mg_gen_ng_open(struct mg_gen_ng *ng, const char *hostport,
		   uint32_t window);
long mg_gen_ng_setup(struct mg_gen_ng *ng, struct mg_gen_call *c,
		     uint32_t n, const volatile bool *stop);
long mg_gen_ng_delete(struct mg_gen_ng *ng, struct mg_gen_call *c,
		      uint32_t n, const volatile bool *stop);

/* Packets: the payload a stream's packet seq carries (call, direction,
 * seq, the send time in TSC ticks, then a pattern of all three), and its
 * check. */
void mg_gen_payload(uint8_t *p, uint32_t call, int dir, uint32_t seq,
		    uint64_t tsc);
/* 0 and the fields, or -1 when the pattern does not hold. */
int mg_gen_payload_check(const uint8_t *p, uint32_t len, uint32_t *call,
			 int *dir, uint32_t *seq, uint64_t *tsc);

#endif /* MG_GEN_H */
