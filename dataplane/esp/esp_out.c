/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbound ESP (RFC 4303 §3.3): a burst is framed (headers written in the
 * headroom, padding and trailer in the tailroom, sequence numbers taken),
 * encrypted in one crypto pass, then finished (the IPv6 UDP checksum,
 * which covers the ciphertext). The protected bytes never move: in both
 * modes the payload is encrypted where it lies and the headers grow in
 * front of it.
 */
#include <rte_ip.h>

#include "esp_priv.h"

/* The per-packet IV (RFC 4106 §3.1, RFC 3686 §3.1, RFC 7634 §2): the
 * 64-bit sequence number, unique under the key. CBC needs an
 * unpredictable one (RFC 3602 §3): the SA's IV key encrypting it. */
static void
iv_make(IMB_MGR *mgr, const struct mg_esp_sa *sa, struct esp_slot *s,
	uint8_t *wire)
{
	uint8_t seq[8];

	esp_put_be32(seq, (uint32_t)(s->seq >> 32));
	esp_put_be32(seq + 4, (uint32_t)s->seq);
	if (sa->cipher == ESP_C_CBC) {
		static const uint8_t zero[16];

		memcpy(s->tag, seq, 8);
		memcpy(s->tag + 8, sa->iv_nonce, 8);
		IMB_AES128_CFB_ONE(mgr, s->iv, zero, s->tag, sa->iv_enc, 16);
		memcpy(wire, s->iv, 16);
		return;
	}
	if (sa->cipher == ESP_C_NULL)
		return;
	memcpy(s->iv, sa->salt, 4);
	memcpy(s->iv + 4, seq, 8);
	memcpy(s->iv + 12, "\x00\x00\x00\x01", 4); /* CTR's first block */
	memcpy(wire, seq, 8);
}

/* Take the next sequence number (and with KDR the keys of its epoch,
 * derived when it is a new one), or say why there is none. */
static uint16_t
seq_take(IMB_MGR *mgr, struct mg_esp_sa *sa, struct esp_slot *s)
{
	uint64_t next = sa->seq + 1, e;

	if (!esp_lifetime_ok(sa))
		return MG_ESP_E_LIFETIME;
	e = esp_epoch_of(sa, next);
	if (next == 0 || (!sa->esn && next > UINT32_MAX) ||
	    e >= MG_ESP_KDR_EPOCHS) {
		__atomic_fetch_or(&sa->state, MG_ESP_SA_SEQ_EXHAUSTED,
				  __ATOMIC_RELAXED);
		return MG_ESP_E_SEQ_EXHAUSTED;
	}
	if (e != sa->epoch) {
		/* The other set: packets of this burst framed before still
		 * use the current one, and a burst spans two epochs at most. */
		if (esp_keys_epoch(mgr, sa, e, esp_keys_of(sa, e)) != 0)
			return MG_ESP_E_CRYPTO;
		sa->epoch = e;
	}
	s->k = esp_keys_of(sa, e);
	s->epoch = e;
	sa->seq = next;
	s->seq = next;
	return MG_ESP_OK;
}

/* ESP header, IV, padding (1, 2, 3, ... RFC 4303 §2.4) and trailer
 * around body bytes at payload; esp points at where the header goes. */
static void
esp_frame(IMB_MGR *mgr, struct mg_esp_sa *sa, struct esp_slot *s,
	  uint8_t *esp, uint16_t body, uint8_t pad)
{
	uint8_t *t;

	s->esp = esp;
	s->payload = esp + ESP_HDR_LEN + sa->iv_len;
	esp_put_be32(esp, (uint32_t)(sa->spi + s->epoch)); /* KDR: SPI_e */
	esp_put_be32(esp + 4, (uint32_t)s->seq);
	iv_make(mgr, sa, s, esp + ESP_HDR_LEN);
	t = s->payload + body;
	for (uint8_t i = 0; i < pad; i++)
		t[i] = (uint8_t)(i + 1);
	t[pad] = pad;
	t[pad + 1] = s->nh;
	s->cipher_len = (uint32_t)body + pad + ESP_TRAILER_LEN;
	s->icv = s->payload + s->cipher_len;
	if (sa->auth == ESP_A_AEAD)
		esp_aad(sa, s);
	else if (sa->esn) /* hashed after the ciphertext, not sent */
		esp_put_be32(s->icv, (uint32_t)(s->seq >> 32));
	s->body = body;
	/* Counted now, so the next packet of the burst sees this one
	 * against the lifetimes. */
	esp_count(sa, body);
}

static void
udp_put(const struct mg_esp_sa *sa, uint8_t *u, uint16_t len)
{
	memcpy(u, &sa->local_port, 2);
	memcpy(u + 2, &sa->remote_port, 2);
	esp_put_be16(u + 4, len);
	u[6] = u[7] = 0; /* IPv4: none (RFC 3948 §2.1); IPv6: after crypto */
}

/* The outer header of a tunnel: DSCP and ECN copied from the inner one
 * (RFC 4301 §5.1.2.1, RFC 6040 normal mode), DF too for IPv4 in IPv4. */
static void
outer_put(struct mg_esp_sa *sa, uint8_t *o, const uint8_t *inner,
	  uint16_t total)
{
	bool in_v6 = (inner[0] >> 4) == 6;
	uint8_t tos = in_v6 ? (uint8_t)((inner[0] << 4) | (inner[1] >> 4)) :
			      inner[1];
	uint8_t proto = sa->udp ? IPPROTO_UDP_ : IPPROTO_ESP_;

	if (sa->outer_v6) {
		esp_put_be32(o, 0x60000000u | ((uint32_t)tos << 20));
		esp_put_be16(o + 4, (uint16_t)(total - IPV6_HDR_LEN));
		o[6] = proto;
		o[7] = sa->ttl;
		memcpy(o + 8, sa->local, 16);
		memcpy(o + 24, sa->remote, 16);
		return;
	}
	o[0] = 0x45;
	o[1] = tos;
	esp_put_be16(o + 2, total);
	esp_put_be16(o + 4, sa->ip_id);
	o[6] = in_v6 ? 0 : (inner[6] & 0x40); /* DF */
	o[7] = 0;
	o[8] = sa->ttl;
	o[9] = proto;
	memcpy(o + 12, sa->local, 4);
	memcpy(o + 16, sa->remote, 4);
	/* Summed from the values, not read back from the bytes just
	 * written (that stalled store forwarding: 8 % of a packet). */
	esp_put_be16(o + 10, esp_fold(sa->ip4_sum + tos + total +
				      sa->ip_id + ((uint32_t)o[6] << 8)));
	sa->ip_id++;
}

static uint8_t
pad_len(const struct mg_esp_sa *sa, uint16_t body)
{
	/* Blocks are 4 or 16: a mask, not a division (6 % of a packet). */
	return (uint8_t)(-(body + ESP_TRAILER_LEN) & (sa->block - 1));
}

/* Room for hdr bytes in front and the trailer after the packet's own
 * iplen bytes (bytes of pkt->len past those count as tailroom). */
static bool
room_ok(const struct mg_esp_sa *sa, const struct mg_esp_pkt *pkt,
	uint16_t hdr, uint16_t iplen, uint8_t pad)
{
	uint32_t after = (uint32_t)pkt->tailroom + pkt->len - iplen;
	uint32_t trailer = (uint32_t)pad + ESP_TRAILER_LEN + sa->icv_len;

	/* And the result must still be an IP packet: 65535 bytes at most. */
	return pkt->headroom >= hdr && after >= trailer &&
	       (uint32_t)hdr + iplen + trailer <= UINT16_MAX;
}

static uint16_t
tunnel_frame(IMB_MGR *mgr, struct mg_esp_sa *sa, struct mg_esp_pkt *pkt,
	     struct esp_slot *s, uint16_t body)
{
	uint16_t outer = sa->outer_v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
	uint16_t udp = sa->udp ? UDP_HDR_LEN : 0;
	uint16_t hdr = (uint16_t)(outer + udp + ESP_HDR_LEN + sa->iv_len);
	uint8_t pad = pad_len(sa, body);
	uint8_t *o = pkt->data - hdr;
	uint16_t st, total;

	if (!room_ok(sa, pkt, hdr, body, pad))
		return MG_ESP_E_NO_ROOM;
	st = seq_take(mgr, sa, s);
	if (st != MG_ESP_OK)
		return st;
	s->nh = (pkt->data[0] >> 4) == 6 ? IPPROTO_IPV6_ : IPPROTO_IPIP_;
	total = (uint16_t)(hdr + body + pad + ESP_TRAILER_LEN + sa->icv_len);
	outer_put(sa, o, pkt->data, total);
	if (udp)
		udp_put(sa, o + outer, (uint16_t)(total - outer));
	s->l3_len = outer;
	s->v6 = sa->outer_v6;
	esp_frame(mgr, sa, s, o + outer + udp, body, pad);
	pkt->data = o;
	pkt->len = total;
	return MG_ESP_OK;
}

/* The IP header stays in front; ESP (and UDP) go between it and what it
 * carried, which it now names as next header. */
static uint16_t
transport_frame(IMB_MGR *mgr, struct mg_esp_sa *sa, struct mg_esp_pkt *pkt,
		struct esp_slot *s, uint16_t iplen)
{
	uint8_t *p = pkt->data;
	bool v6 = (p[0] >> 4) == 6;
	uint16_t l3, nh_off = 9, udp = sa->udp ? UDP_HDR_LEN : 0;
	uint16_t ins = (uint16_t)(udp + ESP_HDR_LEN + sa->iv_len);
	uint16_t body, total, st;
	uint8_t pad;

	if (v6) {
		l3 = esp_ipv6_walk(p, iplen, &nh_off);
	} else {
		/* IPsec protects whole packets: no fragments here. */
		l3 = (esp_get_be16(p + 6) & 0x3fff) ? 0 :
			(uint16_t)((p[0] & 0x0f) * 4u);
	}
	if (l3 == 0)
		return MG_ESP_E_IP;
	body = (uint16_t)(iplen - l3);
	pad = pad_len(sa, body);
	if (!room_ok(sa, pkt, ins, iplen, pad))
		return MG_ESP_E_NO_ROOM;
	st = seq_take(mgr, sa, s);
	if (st != MG_ESP_OK)
		return st;
	s->nh = p[nh_off];
	memmove(p - ins, p, l3);
	p -= ins;
	total = (uint16_t)(l3 + ins + body + pad + ESP_TRAILER_LEN +
			   sa->icv_len);
	if (v6) {
		p[nh_off] = sa->udp ? IPPROTO_UDP_ : IPPROTO_ESP_;
		esp_put_be16(p + 4, (uint16_t)(total - IPV6_HDR_LEN));
	} else {
		esp_ipv4_set(p, sa->udp ? IPPROTO_UDP_ : IPPROTO_ESP_, total);
	}
	if (udp)
		udp_put(sa, p + l3, (uint16_t)(total - l3));
	s->l3_len = l3;
	s->v6 = v6;
	esp_frame(mgr, sa, s, p + l3 + udp, body, pad);
	pkt->data = p;
	pkt->len = total;
	return MG_ESP_OK;
}

static uint16_t
out_prepare(IMB_MGR *mgr, struct mg_esp_pkt *pkt, struct esp_slot *s)
{
	struct mg_esp_sa *sa = pkt->sa;
	uint16_t iplen;

	if (sa == NULL || sa->inbound)
		return MG_ESP_E_SPI;
	iplen = esp_ip_len(pkt->data, pkt->len);
	if (iplen == 0)
		return MG_ESP_E_IP;
	if (sa->tunnel)
		return tunnel_frame(mgr, sa, pkt, s, iplen);
	return transport_frame(mgr, sa, pkt, s, iplen);
}

static uint16_t
out_finish(struct mg_esp_pkt *pkt, struct esp_slot *s)
{
	struct mg_esp_sa *sa = pkt->sa;

	if (!s->ok) {
		sa->stats.packets--;
		sa->stats.bytes -= s->body;
		return MG_ESP_E_CRYPTO;
	}
	if (sa->udp && s->v6) {
		uint8_t *u = pkt->data + s->l3_len;
		uint16_t ulen = (uint16_t)(pkt->len - s->l3_len);
		/* Summed in network order: stored as it is. */
		uint16_t ck = esp_udp6_cksum(pkt->data, u, ulen);

		memcpy(u + 6, &ck, 2);
	}
	return MG_ESP_OK;
}

uint16_t
mg_esp_outbound_burst(IMB_MGR *mgr, struct mg_esp_pkt *pkts, uint16_t n)
{
	struct esp_burst b;

	if (n > MG_ESP_BURST_MAX)
		n = MG_ESP_BURST_MAX;
	esp_prefetch_burst(pkts, n);
	for (uint16_t i = 0; i < n; i++) {
		pkts[i].status = out_prepare(mgr, &pkts[i], &b.slot[i]);
		b.slot[i].ready = pkts[i].status == MG_ESP_OK;
	}
	esp_crypt_burst(mgr, &b, pkts, n, true);
	for (uint16_t i = 0; i < n; i++)
		if (b.slot[i].ready)
			pkts[i].status = out_finish(&pkts[i], &b.slot[i]);
	/* The slots hold nothing secret: IVs and ICVs go on the wire. */
	return esp_tally(pkts, n);
}
