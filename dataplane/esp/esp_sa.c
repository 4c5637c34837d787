/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP security associations: the suite table, key expansion at creation,
 * wiping at destruction, lifetimes, and the helpers both directions use.
 *
 * Engine choice. DPDK's librte_ipsec (22.11) was the alternative: its SA
 * and replay code over a cryptodev (crypto_aesni_mb in CPU_CRYPTO mode,
 * which is IPsec-MB underneath). It was not taken because, besides the
 * rate bench/esp_bench measures side by side (see the README), it has no
 * packet or byte lifetimes, adds NAT-T only to outbound tunnels, cannot
 * run ChaCha20-Poly1305 as CPU crypto, works on mbufs only (our SRTP
 * engine and tests use flat buffers) and copies each packet's metadata
 * through rte_crypto_sym_vec per burst. IPsec-MB driven directly keeps
 * one burst machinery for SRTP and ESP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <rte_ip.h>

#include "../srtp/srtp_arena.h"
#include "esp_priv.h"

/* How each suite runs on IPsec-MB; chosen once per SA, never per packet.
 * The lengths are in esp_suites.c, which the control plane shares. */
const struct esp_suite_desc esp_suites[MG_ESP_SUITE_MAX] = {
	[MG_ESP_AES_GCM_16_128] = { ESP_C_GCM, ESP_A_AEAD },
	[MG_ESP_AES_GCM_16_256] = { ESP_C_GCM, ESP_A_AEAD },
	[MG_ESP_CHACHA20_POLY1305] = { ESP_C_CHACHA, ESP_A_AEAD },
	[MG_ESP_AES_CBC_128_HMAC_SHA256_128] = { ESP_C_CBC, ESP_A_SHA256 },
	[MG_ESP_AES_CBC_256_HMAC_SHA256_128] = { ESP_C_CBC, ESP_A_SHA256 },
	[MG_ESP_AES_CTR_128_HMAC_SHA256_128] = { ESP_C_CTR, ESP_A_SHA256 },
	[MG_ESP_AES_CTR_256_HMAC_SHA256_128] = { ESP_C_CTR, ESP_A_SHA256 },
	[MG_ESP_NULL_HMAC_SHA256_128] = { ESP_C_NULL, ESP_A_SHA256 },
	[MG_ESP_AES_CBC_128_HMAC_SHA1_96] = { ESP_C_CBC, ESP_A_SHA1 },
	[MG_ESP_NULL_HMAC_SHA1_96] = { ESP_C_NULL, ESP_A_SHA1 },
	[MG_ESP_AES_CBC_128_HMAC_MD5_96] = { ESP_C_CBC, ESP_A_MD5 },
	[MG_ESP_NULL_HMAC_MD5_96] = { ESP_C_NULL, ESP_A_MD5 },
};

static const char *const status_names[MG_ESP_STATUS_MAX] = {
	[MG_ESP_OK] = "ok",
	[MG_ESP_E_TRUNCATED] = "truncated",
	[MG_ESP_E_IP] = "bad IP header or length",
	[MG_ESP_E_NOT_ESP] = "not ESP",
	[MG_ESP_E_KEEPALIVE] = "NAT-T keepalive",
	[MG_ESP_E_SPI] = "not this SA's SPI, address or port",
	[MG_ESP_E_REPLAY] = "replayed",
	[MG_ESP_E_TOO_OLD] = "too old for the replay window",
	[MG_ESP_E_ICV] = "integrity check failed",
	[MG_ESP_E_PADDING] = "bad padding",
	[MG_ESP_E_NEXT_HEADER] = "bad next header",
	[MG_ESP_E_DUMMY] = "dummy packet (next header 59)",
	[MG_ESP_E_NO_ROOM] = "no room for headers or trailer",
	[MG_ESP_E_SEQ_EXHAUSTED] = "sequence numbers exhausted",
	[MG_ESP_E_LIFETIME] = "SA lifetime reached",
	[MG_ESP_E_CRYPTO] = "crypto job failed",
};

static const char *const status_keys[MG_ESP_STATUS_MAX] = {
	[MG_ESP_OK] = "ok",
	[MG_ESP_E_TRUNCATED] = "truncated",
	[MG_ESP_E_IP] = "ip",
	[MG_ESP_E_NOT_ESP] = "not-esp",
	[MG_ESP_E_KEEPALIVE] = "keepalive",
	[MG_ESP_E_SPI] = "spi",
	[MG_ESP_E_REPLAY] = "replay",
	[MG_ESP_E_TOO_OLD] = "too-old",
	[MG_ESP_E_ICV] = "icv",
	[MG_ESP_E_PADDING] = "padding",
	[MG_ESP_E_NEXT_HEADER] = "next-header",
	[MG_ESP_E_DUMMY] = "dummy",
	[MG_ESP_E_NO_ROOM] = "no-room",
	[MG_ESP_E_SEQ_EXHAUSTED] = "seq-exhausted",
	[MG_ESP_E_LIFETIME] = "lifetime",
	[MG_ESP_E_CRYPTO] = "crypto",
};

const char *
mg_esp_status_str(enum mg_esp_status s)
{
	return (unsigned)s < MG_ESP_STATUS_MAX ? status_names[s] : "unknown";
}

const char *
mg_esp_status_key(enum mg_esp_status s)
{
	return (unsigned)s < MG_ESP_STATUS_MAX ? status_keys[s] : "unknown";
}

uint64_t
mg_esp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint16_t
window_buckets(uint16_t window)
{
	uint16_t b = 1;

	/* One more bucket than the window spans, so the bucket being
	 * filled never shares a slot with the oldest one still in it. */
	while (b <= (window + 62u) / 64u)
		b <<= 1;
	return b;
}

static bool
lifetime_ok(const struct mg_esp_lifetime *soft,
	    const struct mg_esp_lifetime *hard)
{
	if (hard->packets && soft->packets > hard->packets)
		return false;
	if (hard->bytes && soft->bytes > hard->bytes)
		return false;
	return !(hard->seconds && soft->seconds > hard->seconds);
}

static int
kdr_check(const struct mg_esp_sa_policy *p)
{
	if (p->kdr_log2 == 0)
		return 0;
	if (p->kdr_log2 < MG_ESP_KDR_MIN || p->kdr_log2 > MG_ESP_KDR_MAX)
		return -EINVAL;
	/* The receiver's SA database finds every epoch of the SA by the
	 * block its SPIs share (pipeline/sadb.c). */
	return p->spi % MG_ESP_KDR_EPOCHS ? -EINVAL : 0;
}

static int
policy_check(const struct mg_esp_sa_policy *p)
{
	const uint16_t known = MG_ESP_F_INBOUND | MG_ESP_F_TUNNEL |
		MG_ESP_F_ESN | MG_ESP_F_UDP_ENCAP | MG_ESP_F_OUTER_V6;

	if (mg_esp_suite(p->suite) == NULL || (p->flags & ~known))
		return -EINVAL;
	/* RFC 4303 §2.1: 0 is never sent, 1..255 are IANA's. */
	if (p->spi < 256)
		return -EINVAL;
	if (p->window != 0 && (p->window < MG_ESP_WINDOW_MIN ||
			       p->window > MG_ESP_WINDOW_MAX))
		return -EINVAL;
	if ((p->flags & MG_ESP_F_OUTER_V6) && !(p->flags & MG_ESP_F_TUNNEL))
		return -EINVAL;
	if (!(p->flags & MG_ESP_F_ESN) && p->seq > UINT32_MAX)
		return -EINVAL;
	if (kdr_check(p) != 0)
		return -EINVAL;
	return lifetime_ok(&p->soft, &p->hard) ? 0 : -EINVAL;
}

/* Where the parts of an SA's tail start, in bytes from the tail. */
struct sa_layout {
	uint8_t nb_keys;
	size_t master, buckets, size;
};

static void
sa_layout(const struct mg_esp_sa_policy *p, uint16_t buckets,
	  struct sa_layout *l)
{
	bool inbound = p->flags & MG_ESP_F_INBOUND;
	size_t at;

	/* KDR: outbound, a burst spans at most two epochs (one epoch is at
	 * least 256 packets); inbound, the previous, current and next, and
	 * one for a later epoch after a long loss (esp_in.c). */
	l->nb_keys = p->kdr_log2 == 0 ? 1 : inbound ? 4 : 2;
	at = l->nb_keys * sizeof(struct esp_keys);
	l->master = at;
	if (p->kdr_log2)
		at += (sizeof(struct esp_master) + 7) & ~(size_t)7;
	l->buckets = at;
	if (inbound)
		at += (size_t)buckets * sizeof(uint64_t);
	l->size = sizeof(struct mg_esp_sa) + at;
}

/* HMAC's inner and outer states after one block of key ^ pad
 * (RFC 2104), as IPsec-MB's HMAC jobs take them. */
static void
hmac_precompute(IMB_MGR *mgr, const struct mg_esp_sa *sa,
		struct esp_keys *k, const uint8_t *key, uint8_t len)
{
	uint8_t blk[64];

	for (int pass = 0; pass < 2; pass++) {
		uint8_t pad = pass ? 0x5c : 0x36;
		uint8_t *out = pass ? k->opad : k->ipad;

		memset(blk, pad, sizeof(blk));
		for (uint8_t i = 0; i < len; i++)
			blk[i] ^= key[i];
		if (sa->auth == ESP_A_SHA256)
			IMB_SHA256_ONE_BLOCK(mgr, blk, out);
		else if (sa->auth == ESP_A_SHA1)
			IMB_SHA1_ONE_BLOCK(mgr, blk, out);
		else
			IMB_MD5_ONE_BLOCK(mgr, blk, out);
	}
	explicit_bzero(blk, sizeof(blk));
}

/* One epoch's cipher and HMAC keys, expanded. */
static void
keys_load(IMB_MGR *mgr, const struct mg_esp_sa *sa, struct esp_keys *k,
	  const uint8_t *enc, const uint8_t *auth)
{
	switch (sa->cipher) {
	case ESP_C_GCM:
		if (sa->key_len == 16)
			IMB_AES128_GCM_PRE(mgr, enc, &k->gcm);
		else
			IMB_AES256_GCM_PRE(mgr, enc, &k->gcm);
		break;
	case ESP_C_CHACHA:
		memcpy(k->enc, enc, 32);
		break;
	case ESP_C_CBC:
	case ESP_C_CTR:
		if (sa->key_len == 16)
			IMB_AES_KEYEXP_128(mgr, enc, k->enc, k->dec);
		else
			IMB_AES_KEYEXP_256(mgr, enc, k->enc, k->dec);
		break;
	default:
		break;
	}
	if (sa->auth != ESP_A_AEAD)
		hmac_precompute(mgr, sa, k, auth,
				mg_esp_suite(sa->suite)->auth_key_len);
}

/*
 * KDR (docs/esp-in-sdp.md): epoch e's key material is
 * HKDF-SHA256(IKM = master key || master auth key, salt = the SA's salt
 * or nonce (none for CBC), info = "mediagate esp" || SPI_e || e), SPI_e
 * and e as 32-bit big-endian numbers, as many bytes as the suite's keys.
 */
static int
hkdf_epoch(const struct mg_esp_sa *sa, uint64_t e, uint8_t *out, size_t len)
{
	static const char label[] = "mediagate esp";
	uint8_t info[sizeof(label) - 1 + 8];
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	size_t salt_len = mg_esp_suite(sa->suite)->salt_len;
	int ok;

	memcpy(info, label, sizeof(label) - 1);
	esp_put_be32(info + sizeof(label) - 1, (uint32_t)(sa->spi + e));
	esp_put_be32(info + sizeof(label) + 3, (uint32_t)e);
	ok = c != NULL && EVP_PKEY_derive_init(c) > 0 &&
	     EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) > 0 &&
	     (salt_len == 0 ||
	      EVP_PKEY_CTX_set1_hkdf_salt(c, sa->salt, (int)salt_len) > 0) &&
	     EVP_PKEY_CTX_set1_hkdf_key(c, sa->master->key,
					sa->master->len) > 0 &&
	     EVP_PKEY_CTX_add1_hkdf_info(c, info, sizeof(info)) > 0 &&
	     EVP_PKEY_derive(c, out, &len) > 0;
	EVP_PKEY_CTX_free(c); /* OpenSSL cleanses its copy of the key */
	return ok ? 0 : -EIO;
}

int
esp_keys_epoch(IMB_MGR *mgr, struct mg_esp_sa *sa, uint64_t e,
	       struct esp_keys *k)
{
	uint8_t mat[MG_ESP_KEY_MAX + MG_ESP_AUTH_KEY_MAX];
	size_t klen = sa->key_len;
	size_t alen = mg_esp_suite(sa->suite)->auth_key_len;
	int rc = hkdf_epoch(sa, e, mat, klen + alen);

	if (rc == 0) {
		keys_load(mgr, sa, k, mat, mat + klen);
		k->epoch = e;
	}
	explicit_bzero(mat, sizeof(mat));
	return rc;
}

static int
iv_key_make(IMB_MGR *mgr, struct mg_esp_sa *sa)
{
	uint8_t ivk[16], scratch[16 * 11] __attribute__((aligned(16)));

	if (getrandom(ivk, sizeof(ivk), 0) != sizeof(ivk) ||
	    getrandom(sa->iv_nonce, sizeof(sa->iv_nonce), 0) !=
	    sizeof(sa->iv_nonce))
		return -EIO;
	IMB_AES_KEYEXP_128(mgr, ivk, sa->iv_enc, scratch);
	explicit_bzero(scratch, sizeof(scratch));
	explicit_bzero(ivk, sizeof(ivk));
	return 0;
}

/* The key sets an SA starts with: the policy's keys, or with KDR the
 * master kept and the epochs around the first sequence number. */
static int
keys_init(IMB_MGR *mgr, struct mg_esp_sa *sa,
	  const struct mg_esp_sa_policy *p)
{
	size_t klen = sa->key_len;
	size_t alen = mg_esp_suite(sa->suite)->auth_key_len;
	int rc = 0;

	memcpy(sa->salt, p->salt, sizeof(sa->salt));
	if (sa->cipher == ESP_C_CBC && !sa->inbound && iv_key_make(mgr, sa))
		return -EIO;
	if (sa->kdr_log2 == 0) {
		keys_load(mgr, sa, &sa->keys[0], p->enc_key, p->auth_key);
		return 0;
	}
	memcpy(sa->master->key, p->enc_key, klen);
	memcpy(sa->master->key + klen, p->auth_key, alen);
	sa->master->len = (uint8_t)(klen + alen);
	sa->epoch = sa->inbound ? esp_epoch_of(sa, sa->seq ? sa->seq : 1) :
				  esp_epoch_of(sa, sa->seq + 1);
	for (uint8_t i = 0; i < sa->nb_keys; i++)
		sa->keys[i].epoch = UINT64_MAX;
	/* Outbound: the first packet's epoch (set e % 2). Inbound: the
	 * previous, current and next in sets 0-2, set 3 spare. */
	if (!sa->inbound)
		return esp_keys_epoch(mgr, sa, sa->epoch,
				      esp_keys_of(sa, sa->epoch));
	for (uint64_t e = sa->epoch ? sa->epoch - 1 : 0, i = 0;
	     rc == 0 && e <= sa->epoch + 1; e++, i++)
		rc = esp_keys_epoch(mgr, sa, e, &sa->keys[i]);
	return rc;
}

static void
sa_fill(struct mg_esp_sa *sa, const struct mg_esp_sa_policy *p,
	uint16_t buckets)
{
	const struct esp_suite_desc *d = &esp_suites[p->suite];
	const struct mg_esp_suite_info *si = mg_esp_suite(p->suite);

	sa->spi = p->spi;
	sa->flags = p->flags;
	sa->suite = (uint8_t)p->suite;
	sa->cipher = d->cipher;
	sa->auth = d->auth;
	sa->key_len = si->key_len;
	sa->iv_len = si->iv_len;
	sa->icv_len = si->icv_len;
	sa->block = si->block;
	sa->ttl = p->ttl ? p->ttl : MG_ESP_TTL_DEFAULT;
	sa->kdr_log2 = p->kdr_log2;
	sa->inbound = p->flags & MG_ESP_F_INBOUND;
	sa->tunnel = p->flags & MG_ESP_F_TUNNEL;
	sa->esn = p->flags & MG_ESP_F_ESN;
	sa->udp = p->flags & MG_ESP_F_UDP_ENCAP;
	sa->outer_v6 = p->flags & MG_ESP_F_OUTER_V6;
	sa->window = p->window ? p->window : MG_ESP_WINDOW_DEFAULT;
	sa->bucket_mask = (uint16_t)(buckets - 1);
	sa->local_port = rte_cpu_to_be_16(p->local_port ? p->local_port :
					  NAT_T_PORT);
	sa->remote_port = rte_cpu_to_be_16(p->remote_port ? p->remote_port :
					   NAT_T_PORT);
	sa->seq = p->seq;
	sa->group = p->group;
	sa->hard_packets = p->hard.packets ? p->hard.packets : UINT64_MAX;
	sa->hard_bytes = p->hard.bytes ? p->hard.bytes : UINT64_MAX;
	sa->soft_packets = p->soft.packets ? p->soft.packets : UINT64_MAX;
	sa->soft_bytes = p->soft.bytes ? p->soft.bytes : UINT64_MAX;
	sa->soft_seconds = p->soft.seconds;
	sa->hard_seconds = p->hard.seconds;
	memcpy(sa->local, p->local, sizeof(sa->local));
	memcpy(sa->remote, p->remote, sizeof(sa->remote));
	sa->born_ms = mg_esp_now_ms();
	sa->ip4_sum = 0x4500u + ((uint32_t)sa->ttl << 8) +
		(sa->udp ? IPPROTO_UDP_ : IPPROTO_ESP_) +
		esp_get_be16(p->local) + esp_get_be16(p->local + 2) +
		esp_get_be16(p->remote) + esp_get_be16(p->remote + 2);
}

/* Point the SA at the parts of its tail. */
static void
sa_link(struct mg_esp_sa *sa, const struct sa_layout *l)
{
	uint8_t *t = (uint8_t *)sa->tail;

	sa->nb_keys = l->nb_keys;
	sa->keys = (struct esp_keys *)t;
	if (sa->kdr_log2)
		sa->master = (struct esp_master *)(t + l->master);
	if (sa->inbound)
		sa->bm = (uint64_t *)(t + l->buckets);
	sa->size = (uint32_t)l->size;
}

int
mg_esp_sa_create(IMB_MGR *mgr, const struct mg_esp_sa_policy *p,
		 struct mg_esp_sa **out)
{
	struct sa_layout l;
	uint16_t buckets;
	struct mg_esp_sa *sa;
	int rc = policy_check(p);

	if (rc != 0)
		return rc;
	buckets = window_buckets(p->window ? p->window :
				 MG_ESP_WINDOW_DEFAULT);
	sa_layout(p, buckets, &l);
	sa = srtp_secret_alloc(l.size);
	if (sa == NULL)
		return -ENOMEM;
	memset(sa, 0, l.size);
	sa_fill(sa, p, buckets);
	sa_link(sa, &l);
	rc = keys_init(mgr, sa, p);
	if (rc != 0) {
		explicit_bzero(sa, l.size);
		srtp_secret_free(sa, l.size);
		return rc;
	}
	*out = sa;
	return 0;
}

void
mg_esp_sa_destroy(struct mg_esp_sa *sa)
{
	size_t sz;

	if (sa == NULL)
		return;
	sz = sa->size;
	explicit_bzero(sa, sz);
	srtp_secret_free(sa, sz);
}

const struct mg_esp_stats *
mg_esp_sa_stats(const struct mg_esp_sa *sa)
{
	return &sa->stats;
}

/* The IPv4 tunnel header's checksum words follow the new address. */
static void
remote_set(struct mg_esp_sa *sa, const uint8_t *ip)
{
	size_t len = sa->outer_v6 ? 16 : 4;

	if (memcmp(sa->remote, ip, len) == 0)
		return;
	if (!sa->outer_v6)
		sa->ip4_sum = sa->ip4_sum - esp_get_be16(sa->remote) -
			esp_get_be16(sa->remote + 2) + esp_get_be16(ip) +
			esp_get_be16(ip + 2);
	memcpy(sa->remote, ip, len);
}

bool
mg_esp_sa_set_peer(struct mg_esp_sa *sa, int family, const uint8_t *ip,
		   uint16_t port_be)
{
	uint16_t port = sa->remote_port;
	uint8_t old[16];

	if (sa->inbound)
		return false;
	memcpy(old, sa->remote, sizeof(old));
	if (sa->udp && port_be != 0)
		sa->remote_port = port_be;
	if (sa->tunnel && family == (sa->outer_v6 ? 6 : 4))
		remote_set(sa, ip);
	return port != sa->remote_port ||
	       memcmp(old, sa->remote, sizeof(old)) != 0;
}

uint32_t
mg_esp_sa_group(const struct mg_esp_sa *sa)
{
	return sa->group;
}

uint32_t
mg_esp_sa_spi(const struct mg_esp_sa *sa)
{
	return sa->spi;
}

uint8_t
mg_esp_sa_kdr(const struct mg_esp_sa *sa)
{
	return sa->kdr_log2;
}

uint16_t
mg_esp_sa_flags(const struct mg_esp_sa *sa)
{
	return sa->flags;
}

uint64_t
mg_esp_sa_seq(const struct mg_esp_sa *sa)
{
	return sa->seq;
}

uint32_t
mg_esp_sa_poll(struct mg_esp_sa *sa, uint64_t now_ms)
{
	uint64_t age_s = now_ms > sa->born_ms ?
		(now_ms - sa->born_ms) / 1000u : 0;
	uint32_t add = 0;

	if (sa->soft_seconds && age_s >= sa->soft_seconds)
		add |= MG_ESP_SA_SOFT;
	if (sa->hard_seconds && age_s >= sa->hard_seconds) {
		add |= MG_ESP_SA_HARD;
		sa->stopped = 1;
	}
	if (add)
		__atomic_fetch_or(&sa->state, add, __ATOMIC_RELAXED);
	return __atomic_load_n(&sa->state, __ATOMIC_RELAXED);
}

uint16_t
esp_ipv6_walk(const uint8_t *p, uint16_t len, uint16_t *nh_off)
{
	uint16_t off = IPV6_HDR_LEN, at = 6;

	for (;;) {
		uint8_t nh = p[at];

		if (nh != 0 && nh != 43 && nh != 60)
			break;
		/* Hop-by-hop, routing, destination options: length in
		 * 8-byte units after the first 8 (RFC 8200 §4). */
		if (off + 8u > len)
			return 0;
		at = off;
		off = (uint16_t)(off + 8u + 8u * p[off + 1]);
		if (off > len)
			return 0;
	}
	if (p[at] == 44)
		return 0;
	*nh_off = at;
	return off;
}

/* In network byte order, as it goes in the packet. */
uint16_t
esp_udp6_cksum(const uint8_t *ip6, const uint8_t *udp, uint16_t len)
{
	uint8_t tail[8] = { 0 };
	uint32_t sum;
	uint16_t ck;

	/* Pseudo-header (RFC 8200 §8.1): addresses, length, next header. */
	esp_put_be32(tail, len);
	tail[7] = IPPROTO_UDP_;
	sum = __rte_raw_cksum(ip6 + 8, 32, 0);
	sum = __rte_raw_cksum(tail, sizeof(tail), sum);
	sum = __rte_raw_cksum(udp, len, sum);
	ck = (uint16_t)~__rte_raw_cksum_reduce(sum);
	return ck == 0 ? 0xffff : ck;
}

uint16_t
esp_ip_len(const uint8_t *p, uint16_t len)
{
	uint32_t hl, tot;

	if (len < IPV4_HDR_LEN)
		return 0;
	if ((p[0] >> 4) == 4) {
		hl = (p[0] & 0x0fu) * 4u;
		tot = esp_get_be16(p + 2);
		return hl >= IPV4_HDR_LEN && tot >= hl && tot <= len ?
			(uint16_t)tot : 0;
	}
	if ((p[0] >> 4) != 6 || len < IPV6_HDR_LEN)
		return 0;
	tot = IPV6_HDR_LEN + esp_get_be16(p + 4);
	return tot <= len ? (uint16_t)tot : 0;
}
