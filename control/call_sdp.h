/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offer/answer for one call, as the media engine between two parties sees
 * it (RFC 3264 with SDES, RFC 4568): the offer of one party is rewritten
 * for the other with our address, our ports and keys we made for that
 * party; the answer is rewritten back the same way. Each party gets its
 * own fresh keys (getrandom), never the other party's. SRTP on one side
 * and plain RTP on the other, or SRTP on both with different keys, per
 * the transport protocol asked for each side.
 *
 * A renegotiation that keeps a party's key keeps the key we gave it too,
 * so nothing changes in the dataplane and the rollover counter and replay
 * window go on; a new key starts clean.
 */
#ifndef MG_CTL_CALL_SDP_H
#define MG_CTL_CALL_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "calls.h"
#include "sdp.h"

/* What an offer or answer request asks for, besides the SDP. */
struct mg_call_opts {
	const char *addr;       /* our media address, as text */
	uint8_t family;         /* 4 or 6 */
	int proto;              /* transport-protocol for the other side,
				 * enum mg_proto, or -1: as offered */
	bool replace_origin;    /* replace: [origin] */
	bool sdes_off;          /* SDES: [off]: offer no a=crypto */
	bool demux;             /* rtcp-mux: [demux] or [reject]: offer the
				 * other side no rtcp-mux */
	const char *warning;    /* for the reply: a flag not acted on */
	uint32_t suites;        /* bit per enum mg_srtp_suite we may use */
	uint32_t named;         /* of those, named by an only- flag */
	uint32_t weak_ok;       /* enum mg_weak: weaker protection allowed */
	/* ESP: [offer, udp, esn, kdr-N, rekey]: offer the other party ESP in
	 * SDP (docs/esp-in-sdp.md), ESP-in-UDP, extended sequence numbers,
	 * key derivation every 2^N packets; in a re-offer, new keys and SPIs
	 * for the pair agreed before. */
	bool esp_offer, esp_udp, esp_esn, esp_rekey;
	uint8_t esp_kdr;
	/* The dataplane has not acked the call as it stands (a stall): no
	 * sec precondition direction is reported current. */
	bool dp_behind;
	/* Policy: a party's optional sec preconditions are upgraded to
	 * mandatory (--sec-mandatory, or the SDES flag sec-mandatory). */
	bool sec_mandatory;
};

/* Whether either party of the call uses sec preconditions. */
bool mg_call_uses_prec(const struct mg_call *call);

/* Apply an ESP flag to o: 0, 1 (unknown: ignored) or -EINVAL. */
int mg_call_esp_flag(struct mg_call_opts *o, const char *f, size_t len);

/*
 * Downgrade protection: what is weaker than the default policy takes. An
 * offer that allows only weaker protection is refused unless the policy
 * allows that kind (the command line's --allow-weak, a call's SDES flags
 * allow-32bit, allow-null, allow-unauthenticated, allow-weak; a suite
 * named by only-SUITE is allowed by that), and we offer none of it.
 */
enum mg_weak {
	MG_WEAK_32BIT = 1u << 0,  /* 32-bit SRTP tags */
	MG_WEAK_NULL = 1u << 1,   /* no encryption: NULL cipher,
				   * UNENCRYPTED_SRTP/SRTCP */
	MG_WEAK_UNAUTH = 1u << 2, /* UNAUTHENTICATED_SRTP */
	MG_WEAK_ALL = 7u,
};

/* "32bit,null,unauthenticated" (or "all", "none") into *weak; -EINVAL. */
int mg_call_weak_parse(const char *s, uint32_t *weak);

/* The suites used when nothing narrows them: every one (the weak ones
 * still need the policy's leave, mg_weak). */
uint32_t mg_call_default_suites(void);

/* Apply an SDES flag ("no-SUITE", "only-SUITE", "off", "allow-...") to
 * o; -EINVAL for an unknown suite name (unknown flags are ignored, as
 * rtpengine does, and return 1). */
int mg_call_sdes_flag(struct mg_call_opts *o, const char *f, size_t len);

/* The offer of party `from` (0 or 1) to the other: negotiate and write the
 * SDP for the other party into out. Ports come from c->ports. Returns the
 * length, or -errno with a one-line reason in err and the call as it was
 * for what the caller can observe (a new call is removed by the caller). */
long mg_call_offer(struct mg_calls *c, struct mg_call *call, int from,
		   const struct mg_sdp *sdp, const struct mg_call_opts *o,
		   char *out, size_t cap, char *err, size_t errlen);

/* The answer of party `from` to the pending offer; the SDP written is for
 * the offerer. The call becomes ANSWERED; the caller installs it. */
long mg_call_answer(struct mg_calls *c, struct mg_call *call, int from,
		    const struct mg_sdp *sdp, const struct mg_call_opts *o,
		    char *out, size_t cap, char *err, size_t errlen);

#endif /* MG_CTL_CALL_SDP_H */
