/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPsec ESP (RFC 4303) security associations and their burst transforms.
 *
 * The suite enum and struct mg_esp_sa_policy are plain data shared with the
 * control plane: the policy is what an install request carries. The
 * functions are the dataplane's ESP engine (dataplane/esp/), which runs on
 * Intel IPsec-MB one burst at a time, on flat buffers: the caller passes
 * the IP packet and how much room there is around it, and gets back where
 * the result starts (outbound adds headers in front; inbound removes them).
 *
 * Threading: an SA belongs to one lcore (the one that owns its flow); an
 * IPsec-MB manager belongs to one lcore. mg_esp_sa_poll() is the one call
 * made from another lcore (the main one, watching lifetimes). Nothing
 * here locks.
 *
 * Why IPsec-MB directly and not librte_ipsec: see dataplane/esp/esp_sa.c.
 */
#ifndef MG_ESP_H
#define MG_ESP_H

#include <stdbool.h>
#include <stdint.h>

/* Names as docs/esp-in-sdp.md and the IANA IKEv2 registry spell them. */
enum mg_esp_suite {
	MG_ESP_AES_GCM_16_128 = 1,          /* RFC 4106: key 16, salt 4 */
	MG_ESP_AES_GCM_16_256,              /* key 32, salt 4 */
	MG_ESP_CHACHA20_POLY1305,           /* RFC 7634: key 32, salt 4 */
	MG_ESP_AES_CBC_128_HMAC_SHA256_128, /* RFC 3602, 4868: 16 + 32 */
	MG_ESP_AES_CBC_256_HMAC_SHA256_128, /* 32 + 32 */
	MG_ESP_AES_CTR_128_HMAC_SHA256_128, /* RFC 3686: 16, nonce 4, + 32 */
	MG_ESP_AES_CTR_256_HMAC_SHA256_128, /* 32, nonce 4, + 32 */
	MG_ESP_NULL_HMAC_SHA256_128,        /* RFC 4868: integrity only, 32 */
	/* 3GPP TS 33.203 (IMS access security) */
	MG_ESP_AES_CBC_128_HMAC_SHA1_96,    /* RFC 2404: 16 + 20 */
	MG_ESP_NULL_HMAC_SHA1_96,           /* 20 */
	MG_ESP_AES_CBC_128_HMAC_MD5_96,     /* RFC 2403: 16 + 16 */
	MG_ESP_NULL_HMAC_MD5_96,            /* 16 */
	MG_ESP_SUITE_MAX,
};

#define MG_ESP_KEY_MAX 32
#define MG_ESP_SALT_LEN 4
#define MG_ESP_AUTH_KEY_MAX 32
#define MG_ESP_WINDOW_MIN 64
#define MG_ESP_WINDOW_MAX 4096
#define MG_ESP_WINDOW_DEFAULT 1024
#define MG_ESP_TTL_DEFAULT 64
#define MG_ESP_KDR_MIN 8      /* an epoch outlasts a burst */
#define MG_ESP_KDR_MAX 48
#define MG_ESP_KDR_EPOCHS 256 /* epochs in an SPI block */

enum mg_esp_flags {
	MG_ESP_F_INBOUND = 1u << 0,  /* this SA receives; else it sends */
	MG_ESP_F_TUNNEL = 1u << 1,   /* tunnel mode; else transport */
	MG_ESP_F_ESN = 1u << 2,      /* 64-bit extended sequence numbers */
	MG_ESP_F_UDP_ENCAP = 1u << 3, /* ESP in UDP, RFC 3948 */
	MG_ESP_F_OUTER_V6 = 1u << 4, /* tunnel: outer header is IPv6 */
};

/* Soft and hard limits: 0 means none (for packets without ESN, the hard
 * limit is always at most 2^32 - 1 sequence numbers). Bytes count the
 * protected payload (the inner packet in tunnel mode). */
struct mg_esp_lifetime {
	uint64_t packets;
	uint64_t bytes;
	uint32_t seconds;
	uint32_t reserved;
};

/* What an SA is made from. Secret: the creator wipes it after use. */
struct mg_esp_sa_policy {
	uint32_t spi;        /* != 0; 1..255 are reserved by IANA */
	uint16_t suite;      /* enum mg_esp_suite */
	uint16_t flags;      /* enum mg_esp_flags */
	uint16_t window;     /* inbound replay window in packets, 0: default */
	uint8_t ttl;         /* tunnel outbound: outer TTL / hop limit, 0: 64 */
	/* Key derivation at predefined points (docs/esp-in-sdp.md): every
	 * 2^kdr_log2 packets the SA moves to epoch e + 1, sent on SPI
	 * spi + e under a key derived from these. 0: none; else
	 * MG_ESP_KDR_MIN..MG_ESP_KDR_MAX, spi a multiple of
	 * MG_ESP_KDR_EPOCHS, and the SA's life within that many epochs. */
	uint8_t kdr_log2;
	/* UDP encapsulation: the local and remote port (host order), 0: 4500. */
	uint16_t local_port, remote_port;
	/* For the caller, kept with the SA (as librte_ipsec's userdata):
	 * the pipeline runs SAs of one group on one lcore, so a rekey's new
	 * SA lands where the old one runs. 0: the SPI's block decides. */
	uint32_t group;
	/* Tunnel: the outer addresses, local and remote (IPv4 in the first 4
	 * bytes). Outbound uses them as source and destination; inbound
	 * checks the destination is local. */
	uint8_t local[16], remote[16];
	/* Outbound: the last sequence number sent (the next is seq + 1);
	 * inbound: the highest one received (the replay window's right
	 * edge, nothing in it marked). 0 for a new SA; else to continue a
	 * running one after a restart. With ESN the high 32 bits count. */
	uint64_t seq;
	struct mg_esp_lifetime soft, hard;
	uint8_t enc_key[MG_ESP_KEY_MAX];   /* suite's length used */
	uint8_t salt[MG_ESP_SALT_LEN];     /* GCM, ChaCha20: salt; CTR: nonce */
	uint8_t auth_key[MG_ESP_AUTH_KEY_MAX];
};

/* Per-packet outcome. Every drop reason is distinct so it can be counted. */
enum mg_esp_status {
	MG_ESP_OK = 0,
	MG_ESP_E_TRUNCATED,   /* headers, IV, trailer or ICV past the end */
	MG_ESP_E_IP,          /* not IPv4/IPv6, or its lengths are wrong */
	MG_ESP_E_NOT_ESP,     /* inbound: not ESP, or a non-ESP marker */
	MG_ESP_E_KEEPALIVE,   /* NAT-T keepalive (RFC 3948 §2.3): consumed */
	MG_ESP_E_SPI,         /* SPI, tunnel address or port not the SA's */
	MG_ESP_E_REPLAY,      /* sequence number already received */
	MG_ESP_E_TOO_OLD,     /* left of the replay window */
	MG_ESP_E_ICV,         /* integrity check failed */
	MG_ESP_E_PADDING,     /* pad length past the payload, or pad bytes
			       * not 1, 2, 3, ... (RFC 4303 §2.4) */
	MG_ESP_E_NEXT_HEADER, /* next header not what the mode carries */
	MG_ESP_E_DUMMY,       /* next header 59: TFC dummy, discarded */
	MG_ESP_E_NO_ROOM,     /* outbound: too little head- or tailroom, or
			       * the result would pass 65535 bytes */
	MG_ESP_E_SEQ_EXHAUSTED, /* outbound without ESN: 2^32 would be next */
	MG_ESP_E_LIFETIME,    /* hard lifetime reached: the SA is stopped */
	MG_ESP_E_CRYPTO,      /* IPsec-MB refused the job */
	MG_ESP_STATUS_MAX,
};

struct mg_esp_sa;
struct IMB_MGR;

/* One packet of a burst. data points at the IP header: the inner packet
 * outbound, the outer one inbound (ESP-in-UDP included). The engine may
 * write headroom bytes before data and tailroom bytes after data + len. */
struct mg_esp_pkt {
	uint8_t *data;      /* out: where the result starts */
	uint16_t len;       /* out: its length */
	uint16_t headroom;
	uint16_t tailroom;
	uint16_t status;    /* out: enum mg_esp_status */
	struct mg_esp_sa *sa;
};

/* Per-SA counters, written only by the owning lcore. */
struct mg_esp_stats {
	uint64_t packets;
	uint64_t bytes;   /* protected payload, as lifetimes count it */
	uint64_t late;    /* accepted, but behind the highest received */
	uint64_t drops[MG_ESP_STATUS_MAX];
};

/* Lengths a suite takes, for parsers and tests. */
struct mg_esp_suite_info {
	const char *name;    /* "ESP_AES_GCM_16_128", ... */
	uint8_t key_len;     /* cipher key, 0: NULL cipher */
	uint8_t salt_len;    /* 4 or 0 */
	uint8_t auth_key_len; /* HMAC key, 0: AEAD */
	uint8_t icv_len;
	uint8_t iv_len;      /* in each packet */
	uint8_t block;       /* payload + trailer is a multiple of this */
	uint8_t aead;
	uint8_t integrity_only; /* NULL cipher */
};

/* NULL for an unknown suite. */
const struct mg_esp_suite_info *mg_esp_suite(enum mg_esp_suite s);

/* The suite of that name, or 0. */
enum mg_esp_suite mg_esp_suite_by_name(const char *name);

/* Validate the policy, expand the keys and make an SA. Returns 0, or
 * -EINVAL (suite, SPI, window, lifetimes, flags) or -ENOMEM. */
int mg_esp_sa_create(struct IMB_MGR *mgr, const struct mg_esp_sa_policy *p,
		     struct mg_esp_sa **out);

/* Wipe every key byte and free. The caller ensures no lcore still uses it
 * (in the pipeline: after an RCU grace period). */
void mg_esp_sa_destroy(struct mg_esp_sa *sa);

const struct mg_esp_stats *mg_esp_sa_stats(const struct mg_esp_sa *sa);

uint32_t mg_esp_sa_spi(const struct mg_esp_sa *sa);
uint32_t mg_esp_sa_group(const struct mg_esp_sa *sa); /* policy.group */
uint8_t mg_esp_sa_kdr(const struct mg_esp_sa *sa);  /* kdr_log2, 0: none */
uint16_t mg_esp_sa_flags(const struct mg_esp_sa *sa);

/* Outbound: the last sequence number sent; inbound: the highest one
 * received (both 64-bit with ESN). */
uint64_t mg_esp_sa_seq(const struct mg_esp_sa *sa);

/* Outbound, from the lcore that runs the SA: where the peer really is,
 * as NAT-T latching learnt it from packets that authenticated on the
 * paired inbound SA (RFC 3948 §3.1: a NAT in the path rewrote their
 * source). With UDP encapsulation the destination port becomes port_be
 * (network order, 0: kept); in tunnel mode the outer destination becomes
 * ip when family (4 or 6) is the SA's outer one. Transport mode takes its
 * address from the packet. Returns true if anything changed. */
bool mg_esp_sa_set_peer(struct mg_esp_sa *sa, int family, const uint8_t *ip,
			uint16_t port_be);

/* What the owner of an SA is told, as bits. */
enum mg_esp_sa_state {
	MG_ESP_SA_SOFT = 1u << 0,    /* a soft limit was reached: rekey */
	MG_ESP_SA_HARD = 1u << 1,    /* a hard limit: the SA is stopped */
	MG_ESP_SA_SEQ_EXHAUSTED = 1u << 2, /* outbound sequence space used */
};

/* Milliseconds on the clock the seconds lifetimes run on. */
uint64_t mg_esp_now_ms(void);

/* From the main lcore: check the seconds lifetimes at now_ms (stopping
 * the SA at the hard one) and return the state bits. */
uint32_t mg_esp_sa_poll(struct mg_esp_sa *sa, uint64_t now_ms);

/*
 * Outbound: add the ESP header, IV, padding, trailer and ICV (and in
 * tunnel mode the outer IP header, with ESP-in-UDP the UDP header) to n
 * IP packets (n <= MG_ESP_BURST_MAX) in one pass of IPsec-MB.
 * Inbound: check, verify, decrypt and strip them again; tunnel mode
 * leaves the inner packet, transport mode the IP header with ESP removed.
 * Every packet gets a status; returns the number with MG_ESP_OK. A packet
 * that fails is left for the caller to drop; its SA's state is unchanged
 * by it (its buffer may not be), save that an outbound MG_ESP_E_CRYPTO
 * (IPsec-MB refusing a job it was built to take) spends its sequence
 * number: a gap, which receivers take. A packet refused after its ICV
 * verified (padding, next header, inner packet) does not move the window
 * either. With ESN, a sequence number left of the window is read as one
 * of the next 2^32 (RFC 4303 A2.2) and so fails as MG_ESP_E_ICV.
 */
#define MG_ESP_BURST_MAX 64
uint16_t mg_esp_outbound_burst(struct IMB_MGR *mgr, struct mg_esp_pkt *pkts,
			       uint16_t n);
uint16_t mg_esp_inbound_burst(struct IMB_MGR *mgr, struct mg_esp_pkt *pkts,
			      uint16_t n);

/* The SPI and destination address of an ESP or ESP-in-UDP packet (any
 * UDP port: the caller knows it came to a NAT-T one), to find its SA by.
 * *dst points into the packet (4 or 16 bytes, as *v6 says). Returns
 * MG_ESP_OK or why it has none: E_IP, E_TRUNCATED, E_NOT_ESP,
 * E_KEEPALIVE. */
uint16_t mg_esp_peek(const uint8_t *ip, uint16_t len, uint32_t *spi,
		     const uint8_t **dst, uint8_t *v6);

/* Most bytes outbound adds in front (IPv6 + UDP + ESP + CBC IV) and after
 * (padding up to a block, pad length, next header, ICV). */
#define MG_ESP_HEADROOM_MAX (40 + 8 + 8 + 16)
#define MG_ESP_TAILROOM_MAX (15 + 2 + 16)

const char *mg_esp_status_str(enum mg_esp_status s);

/* The same as one word, for counter names ("icv", "replay", ...). */
const char *mg_esp_status_key(enum mg_esp_status s);

#endif /* MG_ESP_H */
