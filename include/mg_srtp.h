/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP (RFC 3711, RFC 6188, RFC 7714) contexts and their burst transforms.
 *
 * The suite enum and struct mg_srtp_policy are plain data shared with the
 * control plane: the policy is what an install request carries. The
 * functions are the dataplane's SRTP engine (dataplane/srtp/), which runs
 * on Intel IPsec-MB one burst at a time.
 *
 * Threading: a context belongs to one lcore (the one that owns its flow);
 * an IPsec-MB manager belongs to one lcore. Nothing here locks.
 *
 * Memory: a context for one SSRC with one master key and the default
 * window is 1536 bytes in one block (a 320-byte header, 704 bytes of SRTP
 * and SRTCP session keys per master key, 512 bytes of replay window);
 * GCM suites add 2016 bytes per master key. Each SSRC of an any-SSRC
 * context costs 40 bytes plus its two windows (8 bytes times the power
 * of two above window / 64 each: 256 bytes for 1024 packets). Key-holding blocks are never in a core
 * dump and are wiped when the context is destroyed.
 */
#ifndef MG_SRTP_H
#define MG_SRTP_H

#include <stdint.h>

enum mg_srtp_suite {
	MG_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
	MG_SRTP_AES_CM_128_HMAC_SHA1_32,
	MG_SRTP_AES_192_CM_HMAC_SHA1_80,
	MG_SRTP_AES_192_CM_HMAC_SHA1_32,
	MG_SRTP_AES_256_CM_HMAC_SHA1_80,
	MG_SRTP_AES_256_CM_HMAC_SHA1_32,
	MG_SRTP_NULL_HMAC_SHA1_80,
	MG_SRTP_NULL_HMAC_SHA1_32,
	MG_SRTP_AEAD_AES_128_GCM,   /* RFC 7714: 16-byte tag, 12-byte salt */
	MG_SRTP_AEAD_AES_256_GCM,
	MG_SRTP_SUITE_MAX,
};

#define MG_SRTP_MASTER_KEY_MAX 32
#define MG_SRTP_MASTER_SALT_LEN 14
#define MG_SRTP_MKI_MAX 4         /* bytes; RFC 4568 allows up to 128 */
#define MG_SRTP_MASTERS_MAX 4     /* master keys a context selects by MKI */
#define MG_SRTP_WINDOW_MIN 64
#define MG_SRTP_WINDOW_MAX 4096
#define MG_SRTP_WINDOW_DEFAULT 1024
#define MG_SRTP_LIFETIME_MAX (1ull << 48) /* RFC 3711 §9.2 for SRTP */
#define MG_SRTCP_LIFETIME_MAX (1ull << 31) /* ... and for SRTCP */
#define MG_SRTP_KDR_LOG2_MAX 24   /* RFC 4568 §6.3.1: KDR = 2^n, n <= 24 */

enum mg_srtp_flags {
	MG_SRTP_F_UNENCRYPTED_SRTP = 1u << 0,    /* RFC 4568 §6.3.2 */
	MG_SRTP_F_UNENCRYPTED_SRTCP = 1u << 1,
	MG_SRTP_F_UNAUTHENTICATED_SRTP = 1u << 2,
	/* Any SSRC under these keys (RFC 3711 §3.2.3 key sharing, libsrtp's
	 * ssrc_any_*): `ssrc` is ignored and each SSRC gets its own replay
	 * state and SRTCP index, created on its first authenticated packet
	 * received (or its first protected one), up to `max_ssrcs`. */
	MG_SRTP_F_ANY_SSRC = 1u << 3,
};

#define MG_SRTP_SSRCS_DEFAULT 4   /* SSRCs an any-SSRC context tracks */
#define MG_SRTP_SSRCS_MAX 16

struct mg_srtp_master {
	uint8_t key[MG_SRTP_MASTER_KEY_MAX]; /* suite's key length is used */
	uint8_t salt[MG_SRTP_MASTER_SALT_LEN]; /* GCM suites: salt[0..12) */
	uint8_t mki[MG_SRTP_MKI_MAX];        /* mki_len bytes used */
};

/* What a context is made from. Secret: the creator wipes it after use. */
struct mg_srtp_policy {
	uint16_t suite;      /* enum mg_srtp_suite */
	uint16_t flags;      /* enum mg_srtp_flags */
	uint32_t ssrc;       /* the one SSRC this context protects */
	uint16_t window;     /* replay window in packets, 0: default */
	uint8_t kdr_log2;    /* key derivation rate 2^n (RFC 4568 KDR=n),
			      * 0: derive once (RFC 3711 rate 0) */
	uint8_t mki_len;     /* 0: no MKI in packets */
	uint8_t nb_masters;  /* 1..MG_SRTP_MASTERS_MAX */
	uint8_t active;      /* the master a protecting context sends with */
	uint8_t max_ssrcs;   /* with MG_SRTP_F_ANY_SSRC; 0: the default */
	uint8_t reserved;
	uint64_t lifetime;   /* packets per master key, 0: 2^48 */
	uint32_t roc;        /* SRTP rollover counter to start from, for a
			      * stream already running (rekey, restart); 0
			      * with MG_SRTP_F_ANY_SSRC */
	uint32_t reserved2;
	struct mg_srtp_master masters[MG_SRTP_MASTERS_MAX];
};

/* Per-packet outcome. Every drop reason is distinct so it can be counted. */
enum mg_srtp_status {
	MG_SRTP_OK = 0,
	MG_SRTP_E_TRUNCATED,   /* shorter than its headers, MKI and tag */
	MG_SRTP_E_VERSION,     /* RTP version is not 2 */
	MG_SRTP_E_CSRC,        /* CSRC list runs past the packet */
	MG_SRTP_E_EXTENSION,   /* header extension runs past the packet */
	MG_SRTP_E_PADDING,     /* padding count is 0 or runs past the payload */
	MG_SRTP_E_NO_ROOM,     /* buffer cannot take the MKI and tag */
	MG_SRTP_E_SSRC,        /* not the SSRC of this context */
	MG_SRTP_E_MKI,         /* MKI matches no master key */
	MG_SRTP_E_AUTH,        /* tag does not verify */
	MG_SRTP_E_REPLAY,      /* index already received */
	MG_SRTP_E_TOO_OLD,     /* index left of the replay window */
	MG_SRTP_E_LIFETIME,    /* master key used up: rekey needed */
	MG_SRTP_E_CRYPTO,      /* IPsec-MB refused the job */
	MG_SRTP_E_CLEARTEXT,   /* SRTCP E flag clear, but policy encrypts */
	MG_SRTP_E_SSRC_LIMIT,  /* any-SSRC context already tracks max_ssrcs */
	MG_SRTP_STATUS_MAX,
};

struct mg_srtp_ctx;
struct IMB_MGR;

/* One packet of a burst. The engine reads and writes data[0..cap). */
struct mg_srtp_pkt {
	uint8_t *data;
	uint16_t len;   /* in: packet; out: after protect/unprotect */
	uint16_t cap;   /* bytes writable at data */
	uint16_t status; /* out: enum mg_srtp_status */
	uint16_t reserved;
	struct mg_srtp_ctx *ctx;
};

/* Per-context counters, written only by the owning lcore. */
struct mg_srtp_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t late;  /* accepted, but behind the highest index */
	uint64_t rtcp_packets; /* of packets, those that were SRTCP */
	uint64_t derivations; /* session keys derived again (KDR epochs) */
	uint64_t drops[MG_SRTP_STATUS_MAX];
};

/* Validate the policy, derive the session keys and make a context.
 * Returns 0, or -EINVAL (bad suite, lengths, window, counts) or -ENOMEM. */
int mg_srtp_ctx_create(struct IMB_MGR *mgr, const struct mg_srtp_policy *p,
		       struct mg_srtp_ctx **out);

/* Wipe every key byte and free. The caller ensures no lcore still uses it
 * (in the pipeline: after an RCU grace period). */
void mg_srtp_ctx_destroy(struct mg_srtp_ctx *ctx);

const struct mg_srtp_stats *mg_srtp_ctx_stats(const struct mg_srtp_ctx *ctx);

/* Start loading the two header lines of a context that every packet
 * reads first (the burst calls do so for all their packets). With many
 * contexts each is cold; a caller that knows a packet's context a step
 * before its burst call (the pipeline, when it admits the packet to its
 * flow) starts the load then, so it overlaps the steps between. */
static inline void
mg_srtp_ctx_prefetch(const struct mg_srtp_ctx *ctx)
{
	__builtin_prefetch(ctx);
	__builtin_prefetch((const char *)ctx + 64);
}

/* How much of its key lifetime the context has used, in thousandths: the
 * most worn of its master keys, SRTP or SRTCP (1000: used up). For the
 * main lcore watching: an estimate read while the owning lcore counts. */
uint32_t mg_srtp_ctx_used_permille(const struct mg_srtp_ctx *ctx);

/* Protect / unprotect n packets (n <= MG_SRTP_BURST_MAX) in one pass of
 * IPsec-MB jobs. Every packet gets a status; returns the number with
 * MG_SRTP_OK. A packet that fails is left for the caller to drop; its
 * context's state is unchanged by it. */
#define MG_SRTP_BURST_MAX 64
uint16_t mg_srtp_protect_burst(struct IMB_MGR *mgr, struct mg_srtp_pkt *pkts,
			       uint16_t n);
uint16_t mg_srtp_unprotect_burst(struct IMB_MGR *mgr,
				 struct mg_srtp_pkt *pkts, uint16_t n);

/* The same for SRTCP (RFC 3711 §3.4) with the context's SRTCP keys and
 * window: protect adds E||index, MKI and tag; unprotect checks and strips
 * them. The sender's SRTCP index starts at 0. */
uint16_t mg_srtcp_protect_burst(struct IMB_MGR *mgr, struct mg_srtp_pkt *pkts,
				uint16_t n);
uint16_t mg_srtcp_unprotect_burst(struct IMB_MGR *mgr,
				  struct mg_srtp_pkt *pkts, uint16_t n);

/* Which engine runs the contexts made from now on, for the whole
 * process: ours on IPsec-MB (the default), or libsrtp2 one packet at a
 * time, for comparison (bench/, the dataplane's --srtp-engine). Under
 * libsrtp2, policies with KDR, MKI, several master keys, unauthenticated
 * SRTP or NULL_HMAC_SHA1_32 are refused (-ENOTSUP from create). Set it
 * before any context is made. 0, -EINVAL or -EIO (libsrtp2 or NSS). */
enum mg_srtp_engine { MG_SRTP_ENGINE_IPSEC_MB = 0, MG_SRTP_ENGINE_LIBSRTP2 };
int mg_srtp_set_engine(enum mg_srtp_engine e);

const char *mg_srtp_status_str(enum mg_srtp_status s);

/* The same as one word, for counter names ("auth", "replay", ...). */
const char *mg_srtp_status_key(enum mg_srtp_status s);

#endif /* MG_SRTP_H */
