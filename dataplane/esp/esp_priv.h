/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside the ESP engine: the SA layout, the per-burst slots and the replay
 * database shared by outbound and inbound. */
#ifndef MG_ESP_PRIV_H
#define MG_ESP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <rte_prefetch.h>

#include "mg_esp.h"

#define ESP_HDR_LEN 8      /* SPI, sequence number */
#define ESP_TRAILER_LEN 2  /* pad length, next header */
#define ESP_ICV_MAX 16
#define UDP_HDR_LEN 8
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define NAT_T_PORT 4500

#define IPPROTO_ESP_ 50
#define IPPROTO_UDP_ 17
#define IPPROTO_IPIP_ 4
#define IPPROTO_IPV6_ 41
#define IPPROTO_NONE_ 59

enum esp_cipher { ESP_C_NULL, ESP_C_GCM, ESP_C_CHACHA, ESP_C_CBC, ESP_C_CTR };
enum esp_auth { ESP_A_AEAD, ESP_A_SHA256, ESP_A_SHA1, ESP_A_MD5 };

struct esp_suite_desc {
	uint8_t cipher;   /* enum esp_cipher */
	uint8_t auth;     /* enum esp_auth */
};

extern const struct esp_suite_desc esp_suites[MG_ESP_SUITE_MAX];

/* The keys of one epoch, in the forms IPsec-MB takes. GCM's key data
 * (expanded key, then GHASH powers) overlays the AES-CBC/CTR and HMAC
 * forms, so a GCM packet reads the lines right after the SA header and
 * no pointer to them. */
struct esp_keys {
	union {
		struct gcm_key_data gcm;
		struct {
			uint8_t enc[16 * 15]; /* AES, or the ChaCha20 key */
			uint8_t dec[16 * 15]; /* AES-CBC decrypt */
			uint8_t ipad[32];     /* HMAC inner state */
			uint8_t opad[32];     /* HMAC outer state */
		};
	} __attribute__((aligned(64)));
	uint64_t epoch;            /* KDR: the epoch these are for, or
				    * UINT64_MAX */
	uint32_t pass;             /* KDR inbound: the burst that made them */
} __attribute__((aligned(64)));

/* KDR: the master key material an epoch's keys come from. */
struct esp_master {
	uint8_t key[MG_ESP_KEY_MAX + MG_ESP_AUTH_KEY_MAX]; /* key || auth */
	uint8_t len;
};

/*
 * One SA. The first line holds what every packet reads; the key sets
 * follow in the tail (one, or with KDR two outbound and three inbound:
 * epoch e uses set e % nb_keys), then their GCM key data, the KDR master
 * and (inbound) the replay buckets: bit (s & 63) of bucket (s >> 6) says
 * sequence number s was received, and moving the window clears the
 * buckets it crosses, as the SRTP engine and DPDK's lib/ipsec keep
 * windows. Only the owning lcore writes it, except `state` and
 * `stopped`, which mg_esp_sa_poll() sets.
 */
struct mg_esp_sa {
	uint32_t spi;              /* KDR: epoch 0's */
	uint16_t flags;
	uint8_t suite, cipher, auth;
	uint8_t key_len, iv_len, icv_len, block;
	uint8_t ttl;
	bool inbound, tunnel, esn, udp, outer_v6;
	volatile uint8_t stopped;  /* hard seconds lifetime passed */
	uint8_t kdr_log2, nb_keys;
	uint16_t window;           /* packets accepted behind seq */
	uint16_t bucket_mask;      /* buckets - 1 */
	uint16_t local_port, remote_port; /* network order */
	uint32_t group;            /* the caller's (policy.group) */
	uint16_t ip_id;            /* tunnel IPv4 outbound */
	uint32_t ip4_sum;          /* tunnel IPv4 outbound: the header's
				    * fixed words summed (version, TTL,
				    * protocol, addresses) */
	uint64_t seq;              /* outbound: last sent; inbound: top */
	uint64_t epoch;            /* KDR: outbound: of seq; inbound: the
				    * newest one a packet authenticated in */
	struct esp_keys *keys;     /* nb_keys sets, in the tail */
	uint64_t *bm;              /* inbound: the replay buckets */
	struct esp_master *master; /* KDR only */
	uint64_t hard_packets, hard_bytes; /* UINT64_MAX: none */
	uint64_t soft_packets, soft_bytes;
	uint32_t state;            /* enum mg_esp_sa_state, atomically */
	uint32_t size;             /* bytes allocated */
	uint8_t salt[MG_ESP_SALT_LEN];
	uint8_t local[16], remote[16];
	uint64_t born_ms;
	uint32_t soft_seconds, hard_seconds;
	struct mg_esp_stats stats;
	/* CBC: IVs are E_ivk(seq || iv_nonce) (NIST SP 800-38A App. C), with
	 * a random key of their own: unpredictable and never repeated. */
	uint8_t iv_nonce[8];
	uint8_t iv_enc[16 * 11] __attribute__((aligned(16)));
	/* keys[nb_keys]; KDR: the master; inbound: bucket_mask + 1
	 * buckets. */
	uint64_t tail[] __attribute__((aligned(64)));
} __attribute__((aligned(64)));

/* Derive (KDR) and expand the keys of epoch e into k (esp_sa.c).
 * Without KDR e is 0 and the keys are the policy's. */
int esp_keys_epoch(IMB_MGR *mgr, struct mg_esp_sa *sa, uint64_t e,
		   struct esp_keys *k);

/* Outbound: the set epoch e uses (a burst spans two epochs at most). */
static inline struct esp_keys *
esp_keys_of(const struct mg_esp_sa *sa, uint64_t e)
{
	return &sa->keys[sa->nb_keys == 1 ? 0 : e % sa->nb_keys];
}

static inline uint64_t
esp_epoch_of(const struct mg_esp_sa *sa, uint64_t seq)
{
	return sa->kdr_log2 ? (seq - 1) >> sa->kdr_log2 : 0;
}

/* What one packet keeps while its crypto is in flight. */
struct esp_slot {
	uint8_t iv[16];        /* counter block, nonce or CBC IV */
	uint8_t aad[12];       /* AEAD: SPI, [seq high,] seq low */
	uint8_t tag[ESP_ICV_MAX];    /* the ICV computed */
	uint8_t rx_icv[ESP_ICV_MAX]; /* inbound: the ICV received */
	uint8_t *esp;          /* ESP header in the packet */
	uint8_t *icv;          /* ICV in the packet */
	uint8_t *payload;      /* first byte after the IV */
	const struct esp_keys *k; /* of the packet's epoch */
	uint64_t epoch;        /* KDR: the packet's (0 without) */
	uint64_t seq;
	uint32_t cipher_len;   /* payload through next header */
	uint16_t l3_len;       /* IP header (and extensions) before ESP/UDP */
	uint16_t nh_off;       /* transport: the byte naming what follows */
	uint16_t body;         /* outbound: bytes protected */
	uint8_t aad_len;
	uint8_t nh;            /* outbound: next header to write */
	bool v6;               /* the (outer) IP header is IPv6 */
	bool ready;            /* crypto to do */
	bool ok;               /* crypto done (and, AEAD inbound, verified) */
};

struct esp_burst {
	struct esp_slot slot[MG_ESP_BURST_MAX];
};

/* One crypto pass over the slots marked ready: GCM as direct calls, the
 * rest as jobs. Sets slot->ok when the work was done. Outbound writes
 * each ICV in the packet; inbound leaves the computed one in slot->tag
 * for the caller to compare. */
void esp_crypt_burst(IMB_MGR *mgr, struct esp_burst *b,
		     struct mg_esp_pkt *pkts, uint16_t n, bool encrypt);

static inline uint16_t
esp_get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void
esp_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
esp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t
esp_get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

/* AEAD AAD (RFC 4106 §5, RFC 7634 §2.1): SPI || [seq high ||] seq low,
 * the SPI as on the wire (with KDR, the epoch's). */
static inline void
esp_aad(const struct mg_esp_sa *sa, struct esp_slot *s)
{
	esp_put_be32(s->aad, (uint32_t)(sa->spi + s->epoch));
	if (sa->esn) {
		esp_put_be32(s->aad + 4, (uint32_t)(s->seq >> 32));
		esp_put_be32(s->aad + 8, (uint32_t)s->seq);
		s->aad_len = 12;
	} else {
		esp_put_be32(s->aad + 4, (uint32_t)s->seq);
		s->aad_len = 8;
	}
}

/* Fixed-size compare of two ICVs, in time independent of where they
 * differ: two word compares under a length mask (len 12 or 16). */
static inline uint64_t
esp_icv_diff(const uint8_t a[ESP_ICV_MAX], const uint8_t b[ESP_ICV_MAX],
	     uint8_t len)
{
	uint64_t a0, a1, b0, b1, m1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	m1 = len >= 16 ? ~0ull : (1ull << (8 * (len - 8))) - 1;
	return (a0 ^ b0) | ((a1 ^ b1) & m1);
}

/* Count a packet against the SA's limits; raise SOFT once when one is
 * crossed. Returns false when a hard limit stops it. */
static inline bool
esp_lifetime_ok(const struct mg_esp_sa *sa)
{
	return !sa->stopped && sa->stats.packets < sa->hard_packets &&
	       sa->stats.bytes < sa->hard_bytes;
}

static inline void
esp_count(struct mg_esp_sa *sa, uint32_t bytes)
{
	sa->stats.packets++;
	sa->stats.bytes += bytes;
	if (__builtin_expect(sa->stats.packets == sa->soft_packets ||
			     (sa->stats.bytes >= sa->soft_bytes &&
			      sa->stats.bytes - bytes < sa->soft_bytes), 0))
		__atomic_fetch_or(&sa->state, MG_ESP_SA_SOFT,
				  __ATOMIC_RELAXED);
	if (__builtin_expect(!esp_lifetime_ok(sa), 0))
		__atomic_fetch_or(&sa->state, MG_ESP_SA_HARD,
				  __ATOMIC_RELAXED);
}

/*
 * Ask for the SA lines a burst will read (the header's first three, and
 * the first key set's first seven: GCM's expanded key and the GHASH
 * powers a media packet uses) before framing any of it. With many SAs
 * their misses then overlap instead of stalling one packet at a time.
 * The key set sits right after the header, so no pointer is followed.
 */
static inline void
esp_prefetch_burst(const struct mg_esp_pkt *pkts, uint16_t n)
{
	const struct mg_esp_sa *last = NULL;

	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)pkts[i].sa;

		if (pkts[i].sa == last) /* a trunk's burst: one SA */
			continue;
		last = pkts[i].sa;
		for (int l = 0; l < 3; l++)
			rte_prefetch0(p + 64 * l);
		p += sizeof(struct mg_esp_sa);
		for (int l = 0; l < 7; l++)
			rte_prefetch0(p + 64 * l);
	}
}

/* Count each failed packet's drop on its SA; the number that passed. */
static inline uint16_t
esp_tally(const struct mg_esp_pkt *pkts, uint16_t n)
{
	uint16_t ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (pkts[i].status == MG_ESP_OK)
			ok++;
		else if (pkts[i].sa != NULL)
			pkts[i].sa->stats.drops[pkts[i].status]++;
	}
	return ok;
}

/* Walk IPv6 extension headers an ESP header may follow (hop-by-hop,
 * routing, destination options). Returns the offset of the header after
 * them and sets *nh_off to the byte naming it, or 0 if they run past len
 * or include a fragment header (IPsec works on whole packets). */
uint16_t esp_ipv6_walk(const uint8_t *p, uint16_t len, uint16_t *nh_off);

/* The ones' complement sum of an IPv4 header (hl bytes, a multiple of
 * 4) folded to 16 bits: 0xffff when its checksum is right. 32-bit words
 * into one 64-bit accumulator; DPDK 22.11's rte_raw_cksum adds 2 bytes a
 * step and cost 8 % of a 172-byte packet. Byte order does not matter to
 * the sum (RFC 1071). */
static inline uint16_t
esp_ip4_sum(const uint8_t *p, uint16_t hl)
{
	uint64_t acc = 0;
	uint32_t w;

	for (uint16_t i = 0; i < hl; i += 4) {
		memcpy(&w, p + i, 4);
		acc += w;
	}
	acc = (acc >> 32) + (acc & 0xffffffffu);
	acc = (acc >> 32) + (acc & 0xffffffffu);
	acc = (acc >> 16) + (acc & 0xffffu);
	acc = (acc >> 16) + (acc & 0xffffu);
	return (uint16_t)acc;
}

/* A 32-bit ones' complement sum folded and complemented: a checksum. */
static inline uint16_t
esp_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffffu);
	sum = (sum >> 16) + (sum & 0xffffu);
	return (uint16_t)~sum;
}

/* RFC 1624: the checksum of a header one 16-bit word of which went from
 * old to new (host order values). */
static inline void
esp_ipv4_cksum_adjust(uint8_t *ip, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~esp_get_be16(ip + 10);

	sum += (uint16_t)~old;
	sum += new;
	esp_put_be16(ip + 10, esp_fold(sum));
}

/* A new protocol and total length in an IPv4 header, its checksum
 * updated for the two words that changed. */
static inline void
esp_ipv4_set(uint8_t *ip, uint8_t proto, uint16_t total)
{
	uint16_t old_tl = esp_get_be16(ip + 2), old_pr = esp_get_be16(ip + 8);

	ip[9] = proto;
	esp_put_be16(ip + 2, total);
	esp_ipv4_cksum_adjust(ip, old_tl, total);
	esp_ipv4_cksum_adjust(ip, old_pr, esp_get_be16(ip + 8));
}

/* Recompute an IPv4 header's checksum. */
static inline void
esp_ipv4_cksum(uint8_t *ip)
{
	uint16_t ck;

	ip[10] = ip[11] = 0;
	ck = (uint16_t)~esp_ip4_sum(ip, (uint16_t)((ip[0] & 0x0f) * 4u));
	memcpy(ip + 10, &ck, 2);
}

/* The UDP checksum of udp[0..len) under an IPv6 header's addresses. */
uint16_t esp_udp6_cksum(const uint8_t *ip6, const uint8_t *udp, uint16_t len);

/* An IP packet's own length (IPv4 total length, IPv6 40 + payload
 * length), checked against the len bytes there are: 0 if it is not a
 * sound IPv4 or IPv6 header. */
uint16_t esp_ip_len(const uint8_t *p, uint16_t len);


#endif /* MG_ESP_PRIV_H */
