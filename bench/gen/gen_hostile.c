/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hostile mix: packets a phone's side of an SBC meets besides its
 * media, sent among the valid ones toward the dataplane's port for the
 * phone. None of them may come out at the trunk, and none may cost a
 * valid packet: the generator's loss and payload checks say the second,
 * the dataplane's drop counters the first.
 */
#include <string.h>

#include "gen.h"

#define RTP_HDR 12

const char *const mg_gen_hostile_name[MG_GEN_H_KINDS] = {
	"replay", "auth", "garbage", "truncated",
};

size_t
mg_gen_hostile(uint8_t *out, int kind, const uint8_t *prev,
	       const uint8_t *next, uint32_t salt)
{
	switch (kind) {
	case MG_GEN_H_REPLAY: /* one the dataplane already took */
		memcpy(out, prev, MG_GEN_SRTP_LEN);
		return MG_GEN_SRTP_LEN;
	case MG_GEN_H_AUTH:   /* the next one, its tag broken */
		memcpy(out, next, MG_GEN_SRTP_LEN);
		out[MG_GEN_SRTP_LEN - 1] ^= 0x5a;
		return MG_GEN_SRTP_LEN;
	case MG_GEN_H_GARBAGE: /* no protocol of RFC 7983's first bytes */
		for (size_t k = 0; k < MG_GEN_SRTP_LEN; k++) {
			salt = salt * 1103515245u + 12345u;
			out[k] = (uint8_t)(salt >> 16);
		}
		out[0] = 0xff;
		return MG_GEN_SRTP_LEN;
	default:              /* an RTP header cut short */
		memcpy(out, next, RTP_HDR - 4);
		return RTP_HDR - 4;
	}
}
