/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound ESP (RFC 4303 §3.4): a burst is parsed and replay-checked
 * before any crypto (replays and strangers cost no AES), verified and
 * decrypted in one pass, then checked again and finished: trailer,
 * next header, the window moved and the lifetimes charged only for a
 * packet that passed every check, so a rejected one changes nothing.
 */
#include "esp_priv.h"

/*
 * RFC 4303 Appendix A2.2: the high half of a 64-bit sequence number from
 * the low half sent and the window's right edge. 0 (never valid) for a
 * number that would lie before the SA's first.
 */
static uint64_t
esn_infer(const struct mg_esp_sa *sa, uint32_t low)
{
	uint32_t tl = (uint32_t)sa->seq, th = (uint32_t)(sa->seq >> 32);
	uint32_t w = sa->window;

	if (tl >= w - 1) {
		if (low >= tl - (w - 1))
			return ((uint64_t)th << 32) | low;
		return ((uint64_t)(th + 1) << 32) | low;
	}
	if (low >= tl - (w - 1)) { /* wraps: the window spans two halves */
		if (th == 0)
			return 0;
		return ((uint64_t)(th - 1) << 32) | low;
	}
	return ((uint64_t)th << 32) | low;
}

static uint16_t
replay_check(struct mg_esp_sa *sa, uint64_t seq)
{
	uint64_t behind;

	if (seq == 0)
		return MG_ESP_E_TOO_OLD;
	if (seq > sa->seq)
		return MG_ESP_OK;
	behind = sa->seq - seq;
	if (behind >= sa->window)
		return MG_ESP_E_TOO_OLD;
	return (sa->bm[(seq >> 6) & sa->bucket_mask] >> (seq & 63)) & 1 ?
		MG_ESP_E_REPLAY : MG_ESP_OK;
}

static void
replay_commit(struct mg_esp_sa *sa, uint64_t seq)
{
	uint64_t *bm = sa->bm;
	uint64_t from = sa->seq >> 6, to = seq >> 6;

	if (seq > sa->seq) {
		/* Clear the buckets the window moves into (all, at most). */
		for (uint64_t b = from + 1; b <= to &&
		     b <= from + sa->bucket_mask + 1u; b++)
			bm[b & sa->bucket_mask] = 0;
		sa->seq = seq;
	} else {
		/* The right edge itself is unmarked on an SA started at a
		 * given sequence number: taking it is not late. */
		sa->stats.late += seq != sa->seq;
	}
	bm[to & sa->bucket_mask] |= 1ull << (seq & 63);
}

/* The outer header: its length, protocol and whether it is addressed to
 * a tunnel SA's local end. Trims pkt->len to the IP length. */
static uint16_t
outer_parse(const struct mg_esp_sa *sa, struct mg_esp_pkt *pkt,
	    struct esp_slot *s, uint8_t *proto)
{
	const uint8_t *p = pkt->data;
	uint16_t iplen = esp_ip_len(p, pkt->len);

	if (iplen == 0)
		return MG_ESP_E_IP;
	pkt->len = iplen;
	s->v6 = (p[0] >> 4) == 6;
	if (s->v6) {
		s->l3_len = esp_ipv6_walk(p, iplen, &s->nh_off);
		if (s->l3_len == 0)
			return MG_ESP_E_IP;
	} else {
		if (esp_get_be16(p + 6) & 0x3fff) /* a fragment */
			return MG_ESP_E_IP;
		s->l3_len = (uint16_t)((p[0] & 0x0f) * 4u);
		/* Not covered by the ICV, and transport mode hands it on. */
		if (esp_ip4_sum(p, s->l3_len) != 0xffff)
			return MG_ESP_E_IP;
		s->nh_off = 9;
	}
	*proto = p[s->nh_off];
	if (!sa->tunnel)
		return MG_ESP_OK;
	if (s->v6 != sa->outer_v6)
		return MG_ESP_E_SPI;
	if (s->v6 ? memcmp(p + 24, sa->local, 16) : memcmp(p + 16, sa->local, 4))
		return MG_ESP_E_SPI;
	return MG_ESP_OK;
}

/* Where the ESP header starts: after the IP header, or after the UDP
 * header of ESP-in-UDP (RFC 3948), which is also where keepalives and
 * IKE's non-ESP marker arrive. 0 with *st set if it does not. */
static uint16_t
esp_locate(const struct mg_esp_sa *sa, struct mg_esp_pkt *pkt,
	   const struct esp_slot *s, uint8_t proto, uint16_t *st)
{
	const uint8_t *u = pkt->data + s->l3_len;
	uint16_t ulen, rest;

	if (proto == IPPROTO_ESP_ && !sa->udp)
		return s->l3_len;
	if (proto != IPPROTO_UDP_ || !sa->udp)
		return (uint16_t)(*st = MG_ESP_E_NOT_ESP, 0);
	if (s->l3_len + UDP_HDR_LEN > pkt->len)
		return (uint16_t)(*st = MG_ESP_E_TRUNCATED, 0);
	if (memcmp(u + 2, &sa->local_port, 2) != 0)
		return (uint16_t)(*st = MG_ESP_E_SPI, 0);
	ulen = esp_get_be16(u + 4);
	if (ulen < UDP_HDR_LEN || ulen > pkt->len - s->l3_len)
		return (uint16_t)(*st = MG_ESP_E_TRUNCATED, 0);
	rest = (uint16_t)(ulen - UDP_HDR_LEN);
	if (rest == 1 && u[UDP_HDR_LEN] == 0xff)
		return (uint16_t)(*st = MG_ESP_E_KEEPALIVE, 0);
	if (rest >= 4 && esp_get_be32(u + UDP_HDR_LEN) == 0)
		return (uint16_t)(*st = MG_ESP_E_NOT_ESP, 0);
	pkt->len = (uint16_t)(s->l3_len + ulen);
	return (uint16_t)(s->l3_len + UDP_HDR_LEN);
}

uint16_t
mg_esp_peek(const uint8_t *ip, uint16_t len, uint32_t *spi,
	    const uint8_t **dst, uint8_t *v6)
{
	uint16_t iplen = esp_ip_len(ip, len), l3, nh_off = 9, rest;
	uint8_t proto;

	if (iplen == 0)
		return MG_ESP_E_IP;
	*v6 = (ip[0] >> 4) == 6;
	l3 = *v6 ? esp_ipv6_walk(ip, iplen, &nh_off) :
		   (uint16_t)((ip[0] & 0x0f) * 4u);
	if (l3 == 0)
		return MG_ESP_E_IP;
	*dst = ip + (*v6 ? 24 : 16);
	proto = ip[nh_off];
	if (proto == IPPROTO_UDP_) {
		if (l3 + UDP_HDR_LEN > iplen)
			return MG_ESP_E_TRUNCATED;
		l3 += UDP_HDR_LEN;
		rest = (uint16_t)(iplen - l3);
		if (rest == 1 && ip[l3] == 0xff)
			return MG_ESP_E_KEEPALIVE;
	} else if (proto != IPPROTO_ESP_) {
		return MG_ESP_E_NOT_ESP;
	}
	if (l3 + ESP_HDR_LEN > iplen)
		return MG_ESP_E_TRUNCATED;
	*spi = esp_get_be32(ip + l3);
	return *spi == 0 ? MG_ESP_E_NOT_ESP : MG_ESP_OK;
}

/* Numbers inbound bursts on this lcore, so a key set derived for a
 * packet of this burst is not taken again for another. */
static __thread uint32_t esp_pass;

static struct esp_keys *
epoch_keys(const struct mg_esp_sa *sa, uint64_t e)
{
	for (uint8_t i = 0; i < sa->nb_keys; i++)
		if (sa->keys[i].epoch == e)
			return &sa->keys[i];
	return NULL;
}

/* A set that holds none of the open epochs (and, while a burst is in
 * flight, none a packet of it uses). */
static struct esp_keys *
spare_keys(const struct mg_esp_sa *sa, bool in_flight)
{
	for (uint8_t i = 0; i < sa->nb_keys; i++) {
		struct esp_keys *k = &sa->keys[i];

		if (k->epoch + 1 >= sa->epoch && k->epoch <= sa->epoch + 1)
			continue;
		if (in_flight && k->pass == esp_pass)
			continue;
		return k;
	}
	return NULL;
}

static struct esp_keys *
derive_into(IMB_MGR *mgr, struct mg_esp_sa *sa, uint64_t e, bool in_flight)
{
	struct esp_keys *k = spare_keys(sa, in_flight);

	if (k == NULL || esp_keys_epoch(mgr, sa, e, k) != 0)
		return NULL;
	k->pass = esp_pass;
	return k;
}

/*
 * The keys a packet's SPI asks for. With KDR (docs/esp-in-sdp.md) the
 * SPI names the epoch: the previous, current and next ones are open (so
 * the boundary loses nothing), a later one (after a long loss) is
 * derived when it comes, and it must be the epoch its sequence number
 * falls in.
 */
static uint16_t
epoch_check(IMB_MGR *mgr, struct mg_esp_sa *sa, struct esp_slot *s,
	    uint32_t spi)
{
	uint32_t e = spi - sa->spi;

	s->epoch = 0;
	if (sa->kdr_log2 == 0) {
		s->k = &sa->keys[0];
		return spi == sa->spi ? MG_ESP_OK : MG_ESP_E_SPI;
	}
	if (e >= MG_ESP_KDR_EPOCHS || s->seq == 0 ||
	    esp_epoch_of(sa, s->seq) != e)
		return MG_ESP_E_SPI;
	if (e + 1 < sa->epoch)
		return MG_ESP_E_TOO_OLD; /* closed: a later one authenticated */
	s->epoch = e;
	s->k = epoch_keys(sa, e);
	if (s->k == NULL)
		s->k = derive_into(mgr, sa, e, true);
	return s->k != NULL ? MG_ESP_OK : MG_ESP_E_SPI;
}

/* A packet of a later epoch authenticated: it becomes the current one,
 * those before the previous close, and the next is made ready. */
static void
epoch_advance(IMB_MGR *mgr, struct mg_esp_sa *sa, uint64_t e)
{
	sa->epoch = e;
	if (e + 1 < MG_ESP_KDR_EPOCHS && epoch_keys(sa, e + 1) == NULL)
		(void)derive_into(mgr, sa, e + 1, false);
}

static void
iv_load(const struct mg_esp_sa *sa, struct esp_slot *s, const uint8_t *wire)
{
	if (sa->cipher == ESP_C_CBC) {
		memcpy(s->iv, wire, 16);
		return;
	}
	memcpy(s->iv, sa->salt, 4);
	memcpy(s->iv + 4, wire, 8);
	memcpy(s->iv + 12, "\x00\x00\x00\x01", 4); /* CTR's first block */
}

static uint16_t
in_prepare(IMB_MGR *mgr, struct mg_esp_pkt *pkt, struct esp_slot *s)
{
	struct mg_esp_sa *sa = pkt->sa;
	uint16_t st = MG_ESP_OK, off, min;
	uint8_t proto;
	uint8_t *esp;

	if (sa == NULL || !sa->inbound)
		return MG_ESP_E_SPI;
	st = outer_parse(sa, pkt, s, &proto);
	if (st != MG_ESP_OK)
		return st;
	off = esp_locate(sa, pkt, s, proto, &st);
	if (off == 0)
		return st;
	min = (uint16_t)(ESP_HDR_LEN + sa->iv_len + ESP_TRAILER_LEN +
			 sa->icv_len);
	if (pkt->len < off + min)
		return MG_ESP_E_TRUNCATED;
	esp = pkt->data + off;
	s->cipher_len = (uint32_t)(pkt->len - off - ESP_HDR_LEN - sa->iv_len -
				   sa->icv_len);
	if ((s->cipher_len & (sa->block - 1u)) && sa->cipher == ESP_C_CBC)
		return MG_ESP_E_TRUNCATED;
	s->seq = sa->esn ? esn_infer(sa, esp_get_be32(esp + 4)) :
			   esp_get_be32(esp + 4);
	st = epoch_check(mgr, sa, s, esp_get_be32(esp));
	if (st != MG_ESP_OK)
		return st;
	st = replay_check(sa, s->seq);
	if (st != MG_ESP_OK)
		return st;
	if (!esp_lifetime_ok(sa))
		return MG_ESP_E_LIFETIME;
	s->esp = esp;
	s->payload = esp + ESP_HDR_LEN + sa->iv_len;
	s->icv = s->payload + s->cipher_len;
	memset(s->rx_icv, 0, sizeof(s->rx_icv));
	memcpy(s->rx_icv, s->icv, sa->icv_len);
	iv_load(sa, s, esp + ESP_HDR_LEN);
	if (sa->auth == ESP_A_AEAD)
		esp_aad(sa, s);
	else if (sa->esn) /* hashed after the ciphertext, not sent */
		esp_put_be32(s->icv, (uint32_t)(s->seq >> 32));
	return MG_ESP_OK;
}

/* RFC 4303 §2.4: the pad length fits and the padding is 1, 2, 3, ... */
static bool
trailer_ok(const struct esp_slot *s, uint8_t *pad)
{
	const uint8_t *t = s->payload + s->cipher_len - ESP_TRAILER_LEN;
	uint8_t n = t[0];

	if ((uint32_t)n + ESP_TRAILER_LEN > s->cipher_len)
		return false;
	for (uint8_t i = 0; i < n; i++)
		if (t[(int)i - n] != i + 1)
			return false;
	*pad = n;
	return true;
}

/* RFC 6040 normal mode: congestion marked on the outer header reaches
 * an inner one that is ECN-capable. */
static void
ecn_decap(const uint8_t *outer, bool outer_v6, uint8_t *inner)
{
	uint8_t o = outer_v6 ? (uint8_t)((outer[1] >> 4) & 3) : outer[1] & 3;

	if (o != 3)
		return;
	if ((inner[0] >> 4) == 4 && (inner[1] & 3) != 0) {
		inner[1] |= 3;
		esp_ipv4_cksum(inner);
	} else if ((inner[0] >> 4) == 6 && ((inner[1] >> 4) & 3) != 0) {
		inner[1] |= 0x30;
	}
}

static uint16_t
tunnel_decap(struct mg_esp_pkt *pkt, struct esp_slot *s, uint16_t body,
	     uint8_t nh)
{
	uint8_t *in = s->payload;
	uint16_t ilen;

	if (nh != IPPROTO_IPIP_ && nh != IPPROTO_IPV6_)
		return MG_ESP_E_NEXT_HEADER;
	ilen = esp_ip_len(in, body);
	/* The inner version must be what next header said; TFC padding
	 * (RFC 4303 §2.7) may follow the inner packet, and is dropped. */
	if (ilen == 0 || (in[0] >> 4) != (nh == IPPROTO_IPIP_ ? 4 : 6))
		return MG_ESP_E_IP;
	ecn_decap(pkt->data, s->v6, in);
	pkt->data = in;
	pkt->len = ilen;
	return MG_ESP_OK;
}

/* Close the gap ESP (and UDP) left: the IP header moves up to the
 * payload and names its next header again. */
static uint16_t
transport_decap(struct mg_esp_pkt *pkt, struct esp_slot *s, uint16_t body,
		uint8_t nh)
{
	uint8_t *p = s->payload - s->l3_len;
	uint16_t total = (uint16_t)(s->l3_len + body);

	memmove(p, pkt->data, s->l3_len);
	if (s->v6) {
		p[s->nh_off] = nh;
		esp_put_be16(p + 4, (uint16_t)(total - IPV6_HDR_LEN));
	} else {
		esp_ipv4_set(p, nh, total);
	}
	pkt->data = p;
	pkt->len = total;
	return MG_ESP_OK;
}

static uint16_t
in_finish(IMB_MGR *mgr, struct mg_esp_pkt *pkt, struct esp_slot *s)
{
	struct mg_esp_sa *sa = pkt->sa;
	uint16_t st, body;
	uint8_t pad, nh;

	if (!s->ok)
		return MG_ESP_E_CRYPTO;
	if (esp_icv_diff(s->tag, s->rx_icv, sa->icv_len) != 0)
		return MG_ESP_E_ICV;
	/* Again: an earlier packet of this burst may have taken the number
	 * or the last of the lifetime. */
	st = replay_check(sa, s->seq);
	if (st != MG_ESP_OK)
		return st;
	if (!esp_lifetime_ok(sa))
		return MG_ESP_E_LIFETIME;
	if (!trailer_ok(s, &pad))
		return MG_ESP_E_PADDING;
	nh = s->payload[s->cipher_len - 1];
	if (nh == IPPROTO_NONE_)
		return MG_ESP_E_DUMMY;
	body = (uint16_t)(s->cipher_len - pad - ESP_TRAILER_LEN);
	st = sa->tunnel ? tunnel_decap(pkt, s, body, nh) :
			  transport_decap(pkt, s, body, nh);
	if (st != MG_ESP_OK)
		return st;
	replay_commit(sa, s->seq);
	esp_count(sa, sa->tunnel ? pkt->len : body); /* without TFC padding */
	if (s->epoch > sa->epoch)
		epoch_advance(mgr, sa, s->epoch);
	return MG_ESP_OK;
}

uint16_t
mg_esp_inbound_burst(IMB_MGR *mgr, struct mg_esp_pkt *pkts, uint16_t n)
{
	struct esp_burst b;

	if (n > MG_ESP_BURST_MAX)
		n = MG_ESP_BURST_MAX;
	esp_prefetch_burst(pkts, n);
	esp_pass++;
	for (uint16_t i = 0; i < n; i++) {
		pkts[i].status = in_prepare(mgr, &pkts[i], &b.slot[i]);
		b.slot[i].ready = pkts[i].status == MG_ESP_OK;
	}
	esp_crypt_burst(mgr, &b, pkts, n, false);
	for (uint16_t i = 0; i < n; i++)
		if (b.slot[i].ready)
			pkts[i].status = in_finish(mgr, &pkts[i], &b.slot[i]);
	return esp_tally(pkts, n);
}
