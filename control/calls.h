/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session table: every call the ng protocol set up, kept in a file
 * mapped MAP_SHARED (mode 0600, never in a core dump) so that it is the
 * persisted state itself. A control plane that restarts maps the file
 * again and has every call back, with the ids of what it installed in
 * the dataplane; if the dataplane kept running (same epoch) nothing is
 * sent, else every call is installed again. The file holds keys, as the
 * dataplane's memory does: it lives where the segment's owner chose
 * (a tmpfs such as /run by default) and a call's record is wiped when the
 * call ends. A machine reboot loses the calls; so does the dataplane.
 *
 * Memory: struct mg_call is a fixed record of four pages, page-aligned in
 * a sparse file (MG_CALL_MEDIA_MAX m= lines). What a call uses sits at its
 * front: a call with one m= line writes only its first page, and nothing
 * reads the pages of a free slot (on tmpfs a read of a hole allocates it),
 * so a million calls of one m= line take 4 GB, not 16. The ESP lines we
 * offer a party live apart at the record's end, written only by calls
 * that offer ESP.
 */
#ifndef MG_CTL_CALLS_H
#define MG_CTL_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idpool.h"
#include "ipsec_attr.h"
#include "mg_ctl_abi.h"
#include "precond.h"

#define MG_CALL_ID_MAX 127
#define MG_CALL_TAG_MAX 63
#define MG_CALL_MEDIA_MAX 4
#define MG_CALL_OFFER_MAX 8    /* a=crypto lines we offer one party */
#define MG_CALL_ADDRS_MAX 64   /* media addresses (--media-addr): a
				 * million calls at 4 ports each need 64 */
#define MG_CALL_ESP_OFFERS 5   /* a=ipsec lines we offer one party:
				* every suite of the SDP profile */

enum mg_proto {
	MG_PROTO_AVP = 0,  /* RTP/AVP */
	MG_PROTO_SAVP,     /* RTP/SAVP */
	MG_PROTO_AVPF,     /* RTP/AVPF */
	MG_PROTO_SAVPF,    /* RTP/SAVPF */
	MG_PROTO_UDP,      /* udp: any payload, as under ESP in SDP (its
			    * profile: "any transport may sit under it") */
};

static inline bool
mg_proto_srtp(uint8_t p)
{
	return p == MG_PROTO_SAVP || p == MG_PROTO_SAVPF;
}

/* A key we offered one party: suite, tag and master (no MKI, no
 * session parameters). Secret. */
struct mg_offered_key {
	uint8_t suite;
	uint8_t reserved;
	uint16_t tag;
	uint8_t key[MG_SRTP_MASTER_KEY_MAX];
	uint8_t salt[MG_SRTP_MASTER_SALT_LEN];
};

/* ESP negotiated in SDP for one party (docs/esp-in-sdp.md): the line it
 * offered that we took (its key, the SPI it receives on, the parameters)
 * and ours toward it (our key, the SPI we receive on). With session-level
 * binding every m= line of the party holds the same, and the first one's
 * SAs serve them all. Secret. */
struct mg_side_esp {
	struct mg_ipsec_attr theirs;   /* suite 0: no ESP on this leg */
	struct mg_ipsec_attr ours;
	uint32_t sa_in, sa_out;        /* ESP ids in the dataplane, 0: none */
	uint32_t in_block;             /* SPI block sa_in receives on (ours.spi
					* names the next one during a rekey) */
	/* Rekey by offer/answer (make-before-break): the inbound SA the new
	 * pair replaced still takes what was in flight under the old keys
	 * (the flows' rx_esp2) until drain_until_s; then it is retired. */
	uint32_t sa_drain, drain_block;
	uint64_t drain_until_s;        /* CLOCK_REALTIME seconds */
	/* SAs no flow holds once the flows moved: deleted after them (and
	 * again at each install until acked); blocks given back with them. */
	uint32_t sa_retire[3], retire_block[3];
	uint32_t group;                /* lcore group of the pair and of every
					* pair replacing it (its first block) */
	uint8_t session;               /* bound at session level */
	uint8_t owner;                 /* m= index whose SAs these use */
	uint8_t installed;             /* sa_in and sa_out acked */
	uint8_t replays;               /* times installed into a new
					* dataplane: outbound sequence
					* numbers start past the old ones */
	/* We offered ESP: this many lines in `offers`, strongest first, each
	 * its own key under ours.spi, until the answer picks one. */
	uint8_t offered;
	uint8_t rekey;                 /* new keys agreed, not installed: a new
					* pair replaces sa_in and sa_out */
	uint8_t reserved[2];
	/* The `offered` lines themselves are the call's esp_offers[m][s]. */
};

/* Every SPI block and ESP id a party's ESP record holds (its owner m=
 * line's; `offers` its lines offered), for the pools: fn(arg, pool 0 =
 * blocks / 1 = ids, value) for each nonzero one. */
void mg_side_esp_each(const struct mg_side_esp *e,
		      const struct mg_ipsec_attr *offers,
		      void (*fn)(void *arg, int pool, uint32_t v), void *arg);

/* One party of one m= line. */
struct mg_side {
	struct mg_ctl_addr rtp, rtcp;  /* where it takes media (its SDP) */
	uint16_t port;                 /* ours toward it; RTCP on port + 1 */
	uint8_t proto;                 /* enum mg_proto of its m= line */
	uint8_t mux;                   /* RTCP on the RTP port (RFC 5761) */
	uint8_t has_sdp;
	uint8_t nb_offered;            /* keys in `offered`, until answered */
	uint16_t in_tag;               /* a=crypto tag of `in` */
	struct mg_srtp_policy in;      /* its key: we unprotect (suite 0: plain) */
	struct mg_srtp_policy out;     /* ours toward it: we protect */
	struct mg_offered_key offered[MG_CALL_OFFER_MAX];
	/* The "sec" precondition (RFC 5027) of this leg: it ends here, as
	 * its keys do, and is never relayed to the other party. */
	struct mg_prec_table prec;
	struct mg_side_esp esp;
};

/* What is installed for one m= line: a flow per party and RTP/RTCP port
 * (RTCP only when that party does not mux), each with its contexts. */
enum { MG_MF_RTP = 0, MG_MF_RTCP = 1 };

struct mg_media_pair {
	struct mg_side side[2];
	uint32_t flow[2][2];           /* [side][MG_MF_*], 0: none */
	uint32_t rx_ctx[2][2], tx_ctx[2][2];
	struct mg_ctl_flow installed[2][2]; /* as sent, to tell what changed;
					* its rx_ctx2: a context draining */
	uint8_t rejected;              /* port 0 in the offer or answer */
	uint8_t keys_new[2];           /* per side: MG_KEY_IN / MG_KEY_OUT
					* replaced since the last install */
	uint8_t reserved;
	/* An SDES rekey's old unprotect contexts (the flows' rx_ctx2) take
	 * what the party still sends under the old key until then (either
	 * side's: the later one's time serves both). CLOCK_REALTIME
	 * seconds, 0: none draining. */
	uint32_t srtp_drain_until_s;
};

enum { MG_KEY_IN = 1, MG_KEY_OUT = 2 };

enum mg_call_state { MG_CALL_FREE = 0, MG_CALL_OFFERED, MG_CALL_ANSWERED };

struct mg_call {
	uint8_t state;                 /* enum mg_call_state */
	uint8_t nb_media;              /* never falls (RFC 3264 8.2) */
	uint8_t offerer;               /* side of the pending offer */
	uint8_t uncertain;             /* a batch of its requests got no
					* acks: the dataplane may have any of
					* them (resynced when it answers) */
	uint8_t esp_offered;           /* esp_offers was written (wiped with
					* the call, copied by attempts) */
	uint8_t reserved[3];
	uint32_t hash_next;            /* slot index + 1 of the next in the
					* chain, 0: end (rebuilt at load) */
	uint32_t addr;                 /* media address (index) of all its
					* ports */
	uint64_t created_s, last_signal_s; /* CLOCK_REALTIME seconds */
	char call_id[MG_CALL_ID_MAX + 1];
	char tag[2][MG_CALL_TAG_MAX + 1]; /* [0] the first offer's from-tag */
	struct mg_media_pair media[MG_CALL_MEDIA_MAX];
	/* The a=ipsec lines we offer party s of m= line m (its esp.offered
	 * of them) until the answer picks one: MG_CALL_ESP_OFFERS_OF. The
	 * last m= line's come first, so that the first lines' sit together
	 * in the record's last page. */
	struct mg_ipsec_attr esp_offers[MG_CALL_MEDIA_MAX][2][MG_CALL_ESP_OFFERS];
};

#define MG_CALL_ESP_OFFERS_OF(call, m, s) \
	((call)->esp_offers[MG_CALL_MEDIA_MAX - 1 - (m)][s])

#define MG_CALL_PAGE 4096u
_Static_assert(sizeof(struct mg_call) % MG_CALL_PAGE == 0,
	       "a call record is whole pages, so records stay page-aligned");
_Static_assert(offsetof(struct mg_call, media[1]) <= MG_CALL_PAGE,
	       "a call of one m= line fits its record's first page");
_Static_assert(offsetof(struct mg_call, esp_offers[MG_CALL_MEDIA_MAX - 1]) >=
	       sizeof(struct mg_call) - MG_CALL_PAGE,
	       "the first m= line's ESP offers fit the record's last page");

struct mg_calls_file_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t record_size;          /* sizeof(struct mg_call) */
	uint32_t slots;
	uint32_t reserved;
	uint64_t dp_epoch;             /* the dataplane that holds our flows */
};

/* What drains after a rekey, due for retirement: an inbound SA, or the
 * old SRTP contexts of an m= line. */
struct mg_drain {
	uint32_t slot;                 /* the call's */
	uint8_t m, s;                  /* the owner m= line and party */
	uint8_t srtp;                  /* the m= line's SRTP contexts */
	uint8_t reserved;
	uint32_t id;                   /* sa_drain when queued */
	uint64_t until_s;
};

struct mg_calls {
	struct mg_calls_file_hdr *hdr;
	struct mg_call *slot;          /* hdr->slots records */
	size_t map_len;
	uint64_t *live;                /* a bit per slot: scans read only
					* live records */
	uint32_t *heads;               /* hash chains: slot index + 1 */
	uint32_t nb_heads;             /* power of two */
	uint32_t *free_stack, nb_free;
	uint32_t nb_calls;
	bool recovered;                /* the file held calls at open */
	uint32_t nb_addrs;
	struct mg_idpool ports[MG_CALL_ADDRS_MAX]; /* per media address */
	struct mg_idpool flow_ids, ctx_ids;
	struct mg_idpool esp_ids;      /* the dataplane's ESP SA ids */
	struct mg_idpool spi_blocks;   /* our SPIs: block << 8 (256-aligned,
					* as kdr needs) */
	/* Draining SAs and SRTP contexts in the order they are due
	 * (rebuilt from the records at open). */
	struct mg_drain *drains;
	uint32_t drain_cap, drain_head, nb_drains;
};

struct mg_calls_config {
	const char *path;              /* the state file */
	uint32_t max_calls;
	uint16_t port_min, port_max;   /* media ports: even RTP, odd RTCP */
	uint32_t nb_addrs;             /* media addresses, each with them all */
	uint32_t max_flows;            /* the dataplane's --max-flows */
};

/* Map (creating if needed) the state file and rebuild the index, the port
 * and id pools from the calls it holds. A file made for another record
 * size or slot count is refused. 0, or -errno with a reason in err. */
int mg_calls_open(struct mg_calls *c, const struct mg_calls_config *cfg,
		  char *err, size_t errlen);
void mg_calls_close(struct mg_calls *c);

/* The call with this id, or NULL. */
struct mg_call *mg_calls_find(struct mg_calls *c, const char *call_id,
			      size_t len);

/* A new empty call (state OFFERED) on the media address with the most
 * free ports, or NULL when the table is full or the id is too long. */
struct mg_call *mg_calls_add(struct mg_calls *c, const char *call_id,
			     size_t len);

/* Forget a call: its ports and ids go back to the pools and the record is
 * wiped (it holds keys). The caller deleted its dataplane objects. */
void mg_calls_remove(struct mg_calls *c, struct mg_call *call);

/* Queue party s's draining SA of m= line m (its sa_drain and
 * drain_until_s). -ENOMEM if the queue cannot grow. */
int mg_calls_drain_add(struct mg_calls *c, const struct mg_call *call,
		       uint32_t m, int s);

/* Queue m= line m's draining SRTP contexts (its srtp_drain_until_s).
 * -ENOMEM if the queue cannot grow. */
int mg_calls_srtp_drain_add(struct mg_calls *c, const struct mg_call *call,
			    uint32_t m);

/* The first queued drain if it is due at now_s (taken off), else false.
 * It may name an SA retired since: compare with the record. */
bool mg_calls_drain_due(struct mg_calls *c, uint64_t now_s,
			struct mg_drain *d);

/* The call a flow id belongs to (and which party's packets it takes:
 * *side), or NULL. A scan: for events, which are rare. */
struct mg_call *mg_calls_by_flow(struct mg_calls *c, uint32_t flow,
				 int *side);

static inline bool
mg_call_live(const struct mg_call *call)
{
	return call->state != MG_CALL_FREE;
}

/* The front of a call's record that holds its first nb_media m= lines:
 * all of it that a call without ESP offers ever writes. */
static inline size_t
mg_call_front_bytes(uint32_t nb_media)
{
	return offsetof(struct mg_call, media) +
	       nb_media * sizeof(struct mg_media_pair);
}

/* Where the ESP offers of a call's first nb_media m= lines are (its
 * esp_offers' tail), and how many bytes. */
static inline struct mg_ipsec_attr *
mg_call_esp_offers_tail(struct mg_call *call, uint32_t nb_media,
			size_t *bytes)
{
	*bytes = nb_media * sizeof(call->esp_offers[0]);
	return call->esp_offers[MG_CALL_MEDIA_MAX - nb_media][0];
}

/* What a call record holds zeroed (it holds keys): its front and, if it
 * offered ESP, its offered lines; the rest was never written, and is not
 * touched (a free record stays unallocated). */
void mg_call_wipe(struct mg_call *call);

/* Every live call in slot order, for replay, list and resync: the first
 * at slot *i or after (and *i moves past it), or NULL at the end. Free
 * slots are never read. */
struct mg_call *mg_calls_next(struct mg_calls *c, uint32_t *i);

#endif /* MG_CTL_CALLS_H */
