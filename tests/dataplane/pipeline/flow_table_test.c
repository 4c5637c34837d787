/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table as the control ring drives it, in-process with EAL
 * (--no-huge): every refusal has its errno and changes nothing; contexts
 * are owned by the flow that takes them; a deleted flow is freed only
 * after every reader has passed a quiescent point, and its ids are free
 * at once. Then the classifier on hand-made frames, hostile ones too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "pipeline/flow.h"
#include "pipeline/parse.h"

static struct mg_tables t;
static struct rte_mempool *mp;

static struct mg_ctl_msg
srtp_msg(uint32_t id, uint16_t suite)
{
	struct mg_ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.h.type = MG_CTL_SRTP_ADD;
	m.h.len = sizeof(m.u.srtp_add);
	m.u.srtp_add.id = id;
	m.u.srtp_add.policy.suite = suite;
	m.u.srtp_add.policy.ssrc = 0x1234;
	m.u.srtp_add.policy.nb_masters = 1;
	memset(m.u.srtp_add.policy.masters[0].key, 0x11, 32);
	return m;
}

static void
addr4(struct mg_ctl_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->port = htons(port);
	inet_pton(AF_INET, ip, a->ip);
}

static struct mg_ctl_msg
flow_msg(uint32_t id, uint16_t action, uint32_t rx, uint32_t tx,
	 uint16_t local_port)
{
	struct mg_ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.h.type = MG_CTL_FLOW_ADD;
	m.h.len = sizeof(m.u.flow);
	m.u.flow.id = id;
	m.u.flow.action = action;
	m.u.flow.rx_ctx = rx;
	m.u.flow.tx_ctx = tx;
	addr4(&m.u.flow.local, "10.0.0.1", local_port);
	addr4(&m.u.flow.out_src, "10.0.1.1", 5000);
	addr4(&m.u.flow.out_dst, "10.0.1.2", 6000);
	return m;
}

static struct mg_ctl_msg
id_msg(uint16_t type, uint32_t id)
{
	struct mg_ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.h.type = type;
	m.h.len = sizeof(m.u.id);
	m.u.id.id = id;
	return m;
}

static mg_ctl_status_t
apply(struct mg_ctl_msg m)
{
	struct mg_ctl_msg ack;

	memset(&ack, 0, sizeof(ack));
	return mg_tables_apply(&t, &m, &ack);
}

static int
setup(void **state)
{
	char err[256];

	(void)state;
	if (mg_tables_create(&t, 8, RTE_MAX_LCORE, err, sizeof(err)) != 0)
		return -1;
	rte_rcu_qsbr_thread_register(t.rcu, 0);
	rte_rcu_qsbr_thread_online(t.rcu, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rte_rcu_qsbr_thread_offline(t.rcu, 0);
	mg_tables_destroy(&t);
	return 0;
}

static void
srtp_refusals(void **state)
{
	struct mg_ctl_msg m = srtp_msg(1, MG_SRTP_AES_CM_128_HMAC_SHA1_80);

	(void)state;
	m.h.len--;
	assert_int_equal(apply(m), EINVAL);
	assert_int_equal(apply(srtp_msg(0, 1)), EINVAL);
	assert_int_equal(apply(srtp_msg(17, 1)), ENOSPC); /* 2 x 8 contexts */
	assert_int_equal(apply(srtp_msg(1, 99)), EINVAL); /* no such suite */
	assert_int_equal(apply(srtp_msg(1, 1)), 0);
	assert_int_equal(apply(srtp_msg(1, 1)), EEXIST);
	assert_int_equal(apply(id_msg(MG_CTL_SRTP_DEL, 2)), ENOENT);
	assert_int_equal(apply(id_msg(MG_CTL_SRTP_DEL, 1)), 0);
	assert_int_equal(t.nb_ctx, 0);
	m = srtp_msg(1, 1);
	m.h.type = MG_CTL_TYPE_MAX;
	assert_int_equal(apply(m), EOPNOTSUPP);
}

static void
flow_refusals(void **state)
{
	struct mg_ctl_msg m;

	(void)state;
	assert_int_equal(apply(srtp_msg(1, 1)), 0);
	assert_int_equal(apply(srtp_msg(2, 1)), 0);
	/* Each action takes exactly the contexts it uses. */
	assert_int_equal(apply(flow_msg(1, MG_FLOW_RELAY, 1, 0, 4000)), EINVAL);
	assert_int_equal(apply(flow_msg(1, MG_FLOW_SRTP_TO_RTP, 0, 0, 4000)),
			 EINVAL);
	assert_int_equal(apply(flow_msg(1, MG_FLOW_SRTP_TO_SRTP, 1, 1, 4000)),
			 EINVAL);
	assert_int_equal(apply(flow_msg(1, 0, 0, 0, 4000)), EINVAL);
	assert_int_equal(apply(flow_msg(1, MG_FLOW_ACTION_MAX, 0, 0, 4000)),
			 EINVAL);
	assert_int_equal(apply(flow_msg(0, MG_FLOW_RELAY, 0, 0, 4000)), EINVAL);
	assert_int_equal(apply(flow_msg(9, MG_FLOW_RELAY, 0, 0, 4000)), ENOSPC);
	assert_int_equal(apply(flow_msg(1, MG_FLOW_SRTP_TO_RTP, 5, 0, 4000)),
			 ENOENT);
	m = flow_msg(1, MG_FLOW_RELAY, 0, 0, 4000);
	m.u.flow.out_dst.family = 6; /* out families differ */
	assert_int_equal(apply(m), EINVAL);
	m = flow_msg(1, MG_FLOW_RELAY, 0, 0, 4000);
	m.u.flow.local.port = 0;
	assert_int_equal(apply(m), EINVAL);
	m = flow_msg(1, MG_FLOW_RELAY, 0, 0, 4000);
	m.u.flow.flags = 0x80;
	assert_int_equal(apply(m), EINVAL);
	/* A transport that is not RTP has no SRTP to undo. */
	m = flow_msg(1, MG_FLOW_SRTP_TO_RTP, 1, 0, 4000);
	m.u.flow.flags = MG_FLOW_F_ANY_UDP;
	assert_int_equal(apply(m), EINVAL);
	assert_int_equal(t.nb_flows, 0);
	/* Now one that works, and what may not follow it. */
	assert_int_equal(apply(flow_msg(1, MG_FLOW_SRTP_TO_SRTP, 1, 2, 4000)), 0);
	assert_int_equal(apply(flow_msg(1, MG_FLOW_RELAY, 0, 0, 4002)), EEXIST);
	assert_int_equal(apply(flow_msg(2, MG_FLOW_RELAY, 0, 0, 4000)), EEXIST);
	assert_int_equal(apply(flow_msg(2, MG_FLOW_SRTP_TO_RTP, 1, 0, 4002)),
			 EBUSY);
	assert_int_equal(apply(id_msg(MG_CTL_SRTP_DEL, 1)), EBUSY);
	assert_int_equal(apply(srtp_msg(1, 1)), EEXIST);
	assert_int_equal(t.nb_flows, 1);
	assert_int_equal(t.nb_ctx, 2);
}

static void
stats_and_delete_after_grace(void **state)
{
	struct mg_ctl_msg ack;
	struct mg_ctl_msg q = id_msg(MG_CTL_FLOW_STATS, 1);
	uint64_t freed = t.freed;

	(void)state;
	memset(&ack, 0, sizeof(ack));
	assert_int_equal(mg_tables_apply(&t, &q, &ack), 0);
	assert_int_equal(ack.h.len, sizeof(ack.u.flow_stats));
	assert_int_equal(ack.u.flow_stats.id, 1);
	assert_int_equal(apply(id_msg(MG_CTL_FLOW_STATS, 3)), ENOENT);
	assert_int_equal(apply(id_msg(MG_CTL_FLOW_DEL, 3)), ENOENT);
	assert_int_equal(apply(id_msg(MG_CTL_FLOW_DEL, 1)), 0);
	assert_int_equal(apply(id_msg(MG_CTL_FLOW_DEL, 1)), ENOENT);
	/* Ids are free at once; the memory waits for the readers. */
	assert_int_equal(apply(srtp_msg(1, 1)), 0);
	assert_int_equal(apply(flow_msg(1, MG_FLOW_SRTP_TO_RTP, 1, 0, 4000)), 0);
	mg_tables_reclaim(&t);
	assert_int_equal(t.freed, freed); /* reader 0 has not moved on */
	rte_rcu_qsbr_quiescent(t.rcu, 0);
	mg_tables_reclaim(&t);
	assert_int_equal(t.freed, freed + 1);
	assert_int_equal(apply(id_msg(MG_CTL_FLOW_DEL, 1)), 0);
}

/* FLOW_MOD: a flow replaced in place. The hash gives the new flow at
 * once; a context id it keeps is the same context (state goes on); one it
 * takes anew frees the old id at once and the old context after grace. */
static void
replace_in_place(void **state)
{
	struct mg_ctl_msg m = flow_msg(3, MG_FLOW_SRTP_TO_RTP, 1, 0, 4010);
	struct mg_flow_key k;
	struct mg_srtp_ctx *kept;
	struct mg_flow *f = NULL;
	uint64_t freed;

	(void)state;
	rte_rcu_qsbr_quiescent(t.rcu, 0); /* what earlier tests deleted */
	mg_tables_reclaim(&t);
	freed = t.freed;
	assert_int_equal(apply(srtp_msg(1, 1)), 0);
	assert_int_equal(apply(srtp_msg(2, 1)), 0);
	assert_int_equal(apply(m), 0);
	kept = t.flow_by_id[3]->rx_ctx;
	m.h.type = MG_CTL_FLOW_MOD;
	m.u.flow.id = 4;
	assert_int_equal(apply(m), ENOENT);
	m.u.flow.id = 3;
	addr4(&m.u.flow.local, "10.0.0.1", 4012);
	assert_int_equal(apply(m), EINVAL);       /* a move is del + add */
	addr4(&m.u.flow.local, "10.0.0.1", 4010);
	m.u.flow.rx_ctx = 5;
	assert_int_equal(apply(m), ENOENT);
	m.u.flow.rx_ctx = 1;
	addr4(&m.u.flow.out_dst, "10.0.1.3", 6002);
	assert_int_equal(apply(m), 0);            /* same context: kept */
	assert_ptr_equal(t.flow_by_id[3]->rx_ctx, kept);
	assert_int_equal(t.ctx_owner[1], 3);
	mg_flow_key_of(&m.u.flow.local, &k);
	assert_true(rte_hash_lookup_data(t.hash, &k, (void **)&f) >= 0);
	assert_ptr_equal(f, t.flow_by_id[3]);
	assert_int_equal(f->out_dst.port, htons(6002));
	m.u.flow.rx_ctx = 2;                      /* a new key */
	assert_int_equal(apply(m), 0);
	assert_int_equal(t.ctx_owner[1], 0);      /* free at once */
	assert_int_equal(t.ctx_owner[2], 3);
	assert_int_equal(t.nb_flows, 1);
	assert_int_equal(t.nb_ctx, 1);
	assert_int_equal(apply(srtp_msg(1, 1)), 0); /* the id, reused */
	rte_rcu_qsbr_quiescent(t.rcu, 0);
	mg_tables_reclaim(&t);
	assert_int_equal(t.freed, freed + 2);     /* both replaced flows */
	assert_int_equal(apply(id_msg(MG_CTL_FLOW_DEL, 3)), 0);
	assert_int_equal(apply(id_msg(MG_CTL_SRTP_DEL, 1)), 0);
	rte_rcu_qsbr_quiescent(t.rcu, 0);
	mg_tables_reclaim(&t);
}

/* An SDES rekey, make-before-break: the new context takes rx_ctx and the
 * old one moves to rx_ctx2 (the same object: its replay state goes on),
 * then a later replacement without it destroys it after grace; a second
 * context only beside a first, each id once, none of another flow's. */
static void
rekey_keeps_old_context_draining(void **state)
{
	struct mg_ctl_msg m = flow_msg(5, MG_FLOW_SRTP_TO_RTP, 1, 0, 4020);
	struct mg_ctl_msg other = flow_msg(6, MG_FLOW_RTP_TO_SRTP, 0, 4, 4022);
	struct mg_srtp_ctx *old, *fresh;
	uint64_t freed;

	(void)state;
	rte_rcu_qsbr_quiescent(t.rcu, 0);
	mg_tables_reclaim(&t);
	freed = t.freed;
	for (uint32_t id = 1; id <= 4; id++)
		assert_int_equal(apply(srtp_msg(id, 1)), 0);
	assert_int_equal(apply(m), 0);
	assert_int_equal(apply(other), 0);
	old = t.flow_by_id[5]->rx_ctx;
	m.h.type = MG_CTL_FLOW_MOD;
	m.u.flow.rx_ctx = 2;
	m.u.flow.rx_ctx2 = 2;                     /* twice */
	assert_int_equal(apply(m), EINVAL);
	m.u.flow.rx_ctx2 = 4;                     /* another flow's */
	assert_int_equal(apply(m), EBUSY);
	m.u.flow.rx_ctx2 = 9;                     /* none */
	assert_int_equal(apply(m), ENOENT);
	m.u.flow.action = MG_FLOW_RTP_TO_SRTP;    /* nothing to unprotect */
	m.u.flow.rx_ctx = 0;
	m.u.flow.tx_ctx = 3;
	m.u.flow.rx_ctx2 = 1;
	assert_int_equal(apply(m), EINVAL);
	assert_ptr_equal(t.flow_by_id[5]->rx_ctx, old); /* nothing changed */
	assert_int_equal(t.nb_ctx, 4);
	m.u.flow.action = MG_FLOW_SRTP_TO_RTP;
	m.u.flow.rx_ctx = 2;
	m.u.flow.tx_ctx = 0;
	m.u.flow.rx_ctx2 = 1;                     /* the old one drains */
	assert_int_equal(apply(m), 0);
	fresh = t.flow_by_id[5]->rx_ctx;
	assert_ptr_not_equal(fresh, old);
	assert_ptr_equal(t.flow_by_id[5]->rx_ctx2, old);
	assert_int_equal(t.ctx_owner[1], 5);
	assert_int_equal(t.ctx_owner[2], 5);
	assert_null(t.ctx_by_id[2]);
	assert_int_equal(t.nb_ctx, 4);
	assert_int_equal(apply(id_msg(MG_CTL_SRTP_DEL, 1)), EBUSY);
	/* Another change while it drains: both go on. */
	addr4(&m.u.flow.out_dst, "10.0.1.3", 6004);
	assert_int_equal(apply(m), 0);
	assert_ptr_equal(t.flow_by_id[5]->rx_ctx, fresh);
	assert_ptr_equal(t.flow_by_id[5]->rx_ctx2, old);
	/* Drained: the old context goes, its id free at once. */
	m.u.flow.rx_ctx2 = 0;
	assert_int_equal(apply(m), 0);
	assert_null(t.flow_by_id[5]->rx_ctx2);
	assert_ptr_equal(t.flow_by_id[5]->rx_ctx, fresh);
	assert_int_equal(t.ctx_owner[1], 0);
	assert_int_equal(t.nb_ctx, 3);
	assert_int_equal(apply(srtp_msg(1, 1)), 0);  /* the id, reused */
	/* A second rekey straight after a first: the older is let go. */
	m.u.flow.rx_ctx = 1;
	m.u.flow.rx_ctx2 = 2;
	assert_int_equal(apply(m), 0);
	assert_ptr_equal(t.flow_by_id[5]->rx_ctx2, fresh);
	/* Delete: every context of the flow is free at once. */
	assert_int_equal(apply(id_msg(MG_CTL_FLOW_DEL, 5)), 0);
	assert_int_equal(t.ctx_owner[1], 0);
	assert_int_equal(t.ctx_owner[2], 0);
	assert_int_equal(apply(id_msg(MG_CTL_FLOW_DEL, 6)), 0);
	assert_int_equal(apply(id_msg(MG_CTL_SRTP_DEL, 3)), 0); /* never taken */
	assert_int_equal(t.nb_ctx, 0);
	rte_rcu_qsbr_quiescent(t.rcu, 0);
	mg_tables_reclaim(&t);
	/* 4 replaced, 2 deleted: every context wiped with its flow. */
	assert_int_equal(t.freed, freed + 6);
}

/* A frame: Ethernet (+ VLAN), IPv4, UDP, payload. */
static struct rte_mbuf *
frame4(bool vlan, uint8_t proto, uint16_t frag, const uint8_t *pl,
       uint16_t pl_len, int udp_len_delta, uint16_t pad)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;
	uint16_t l2 = vlan ? 18 : 14, ul = (uint16_t)(8 + pl_len);
	uint16_t len = (uint16_t)(l2 + 20 + ul);

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(len + pad));
	memset(p, 0, len + pad);
	p[12] = vlan ? 0x81 : 0x08;
	p[13] = 0x00;
	if (vlan) {
		p[16] = 0x08;
		p[17] = 0x00;
	}
	p += l2;
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + ul) >> 8);
	p[3] = (uint8_t)(20 + ul);
	p[6] = (uint8_t)(frag >> 8);
	p[7] = (uint8_t)frag;
	p[9] = proto;
	memcpy(p + 12, "\xc0\x00\x02\x0a", 4);
	memcpy(p + 16, "\x0a\x00\x00\x01", 4);
	p += 20;
	p[0] = 0x1b; p[1] = 0x58;        /* 7000 */
	p[2] = 0x0f; p[3] = 0xa0;        /* 4000 */
	p[4] = (uint8_t)((ul + udp_len_delta) >> 8);
	p[5] = (uint8_t)(ul + udp_len_delta);
	memcpy(p + 8, pl, pl_len);
	return m;
}

static uint8_t
class_of(struct rte_mbuf *m, struct mg_pkt_meta *meta)
{
	mg_parse_burst(&m, 1, meta);
	rte_pktmbuf_free(m);
	return meta->cls;
}

static void
classify(void **state)
{
	static const uint8_t rtp[] = { 0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x12, 0x34 };
	static const uint8_t rtcp[] = { 0x80, 200, 0, 6 };
	static const uint8_t stun[] = { 0x00, 0x01, 0, 0 };
	static const uint8_t dtls[] = { 22, 0xfe, 0xfd };
	static const uint8_t other[] = { 0x50, 0 };
	struct mg_pkt_meta meta;
	struct rte_mbuf *m;

	(void)state;
	m = frame4(false, 17, 0, rtp, sizeof(rtp), 0, 10);
	mg_parse_burst(&m, 1, &meta);
	assert_int_equal(meta.cls, MG_PKT_RTP);
	assert_int_equal(meta.key.family, 4);
	assert_int_equal(meta.key.port, htons(4000));
	assert_memory_equal(meta.key.ip, "\x0a\x00\x00\x01\0\0\0\0", 8);
	assert_int_equal(meta.src.port, htons(7000));
	assert_int_equal(meta.pl_len, sizeof(rtp));
	/* Ethernet padding is cut where UDP ends. */
	assert_int_equal(rte_pktmbuf_data_len(m), meta.pl_off + meta.pl_len);
	rte_pktmbuf_free(m);
	assert_int_equal(class_of(frame4(true, 17, 0, rtp, sizeof(rtp), 0, 0),
				  &meta), MG_PKT_RTP);
	assert_int_equal(class_of(frame4(false, 17, 0, rtcp, sizeof(rtcp), 0, 0),
				  &meta), MG_PKT_RTCP);
	assert_int_equal(class_of(frame4(false, 17, 0, stun, sizeof(stun), 0, 0),
				  &meta), MG_PKT_STUN);
	assert_int_equal(class_of(frame4(false, 17, 0, dtls, sizeof(dtls), 0, 0),
				  &meta), MG_PKT_DTLS);
	assert_int_equal(class_of(frame4(false, 17, 0, other, sizeof(other), 0, 0),
				  &meta), MG_PKT_OTHER_UDP);
	assert_int_equal(class_of(frame4(false, 1, 0, rtp, sizeof(rtp), 0, 0),
				  &meta), MG_PKT_NOT_UDP);
	assert_int_equal(class_of(frame4(false, 17, 0x2000, rtp, sizeof(rtp), 0, 0),
				  &meta), MG_PKT_FRAGMENT);
	/* UDP claims more than IP carries; or less than its own header. */
	assert_int_equal(class_of(frame4(false, 17, 0, rtp, sizeof(rtp), 1, 0),
				  &meta), MG_PKT_MALFORMED);
	assert_int_equal(class_of(frame4(false, 17, 0, rtp, sizeof(rtp), -20, 0),
				  &meta), MG_PKT_MALFORMED);
}

/* Every prefix of a good frame: refused (or at most a shorter UDP
 * packet), never read past its end (ASan watches). */
static void
truncated_frames(void **state)
{
	static const uint8_t rtp[] = { 0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x12, 0x34 };
	struct mg_pkt_meta meta;

	(void)state;
	for (uint16_t cut = 0; cut < 14 + 20 + 8 + sizeof(rtp); cut++) {
		struct rte_mbuf *m = frame4(false, 17, 0, rtp, sizeof(rtp), 0, 0);

		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - cut));
		mg_parse_burst(&m, 1, &meta);
		if (cut < 14)
			assert_int_equal(meta.cls, MG_PKT_MALFORMED);
		else
			assert_true(meta.cls == MG_PKT_MALFORMED);
		rte_pktmbuf_free(m);
	}
	/* ARP is the kernel's. */
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 60);

		memset(p, 0, 60);
		p[12] = 0x08;
		p[13] = 0x06;
		assert_int_equal(class_of(m, &meta), MG_PKT_NOT_IP);
	}
}

/* The burst lookup hashes keys inline: it must give what the table's own
 * function (rte_hash_crc) gave when the flow went in, or no flow is
 * ever found; and keys that differ anywhere compare unequal. */
static void
inline_hash_is_the_tables(void **state)
{
	struct mg_ctl_addr a = { .family = 4, .port = htons(4000),
				 .ip = { 10, 0, 0, 1 } };
	struct mg_flow_key k, k2;
	int32_t pos;

	(void)state;
	for (unsigned int i = 0; i < 1000; i++) {
		a.family = i % 2 ? 6 : 4;
		a.port = htons((uint16_t)(i * 7919));
		for (unsigned int j = 0; j < 16; j++)
			a.ip[j] = (uint8_t)(i * 31 + j * 17);
		mg_flow_key_of(&a, &k);
		assert_int_equal(mg_flow_key_hash(&k),
				 rte_hash_crc(&k, sizeof(k), 0));
	}
	/* Through the table: a flow found by its key, not by a key that
	 * differs in the last byte of an IPv6 address or in the port. */
	a.family = 6;
	mg_flow_key_of(&a, &k);
	assert_true(rte_hash_add_key(t.hash, &k) >= 0);
	assert_true(rte_hash_lookup_with_hash(t.hash, &k,
					      mg_flow_key_hash(&k)) >= 0);
	k2 = k;
	k2.ip[15] ^= 1;
	assert_int_equal(rte_hash_lookup(t.hash, &k2), -ENOENT);
	k2 = k;
	k2.port ^= 1;
	assert_int_equal(rte_hash_lookup(t.hash, &k2), -ENOENT);
	pos = rte_hash_del_key(t.hash, &k);
	assert_true(pos >= 0);
	rte_hash_free_key_with_position(t.hash, pos);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "128", "--no-pci", "-l", "0",
			"--log-level", "*:error", "--file-prefix",
			"mg-flow-table-test", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(srtp_refusals),
		cmocka_unit_test(flow_refusals),
		cmocka_unit_test(stats_and_delete_after_grace),
		cmocka_unit_test(replace_in_place),
		cmocka_unit_test(rekey_keeps_old_context_draining),
		cmocka_unit_test(classify),
		cmocka_unit_test(truncated_frames),
		cmocka_unit_test(inline_hash_is_the_tables),
	};
	int rc;

	(void)argc;
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	mp = rte_pktmbuf_pool_create("test", 255, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL)
		return 1;
	rc = cmocka_run_group_tests_name("flow_table", tests, setup, teardown);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return rc;
}
