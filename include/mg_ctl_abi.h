/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control <-> dataplane ABI: the shared-memory segment and the messages
 * carried on its two rings. Both processes include this file and nothing
 * else of each other; every layout change bumps MG_CTL_ABI_VERSION, and the
 * size table in the segment header is checked at attach so a dataplane and a
 * control plane built from different trees refuse each other at start-up
 * instead of misreading messages.
 *
 * Segment layout (one POSIX shm object, mode 0600):
 *
 *   [struct mg_ctl_shm, MG_CTL_SHM_HDR_SIZE bytes]
 *   [request ring:  control -> dataplane, MG_CTL_RING_SLOTS x mg_ctl_msg]
 *   [response ring: dataplane -> control, MG_CTL_RING_SLOTS x mg_ctl_msg]
 *
 * The rings are rte_rings set up with rte_ring_init() in place; they hold no
 * pointers, so each process may map the segment at any address. Both rings
 * are single-producer/single-consumer: one control process and one dataplane
 * main lcore, enforced by the OFD locks below.
 */
#ifndef MG_CTL_ABI_H
#define MG_CTL_ABI_H

#include <stdint.h>

#include "mg_esp.h"
#include "mg_srtp.h"

#define MG_CTL_ABI_VERSION 6u
#define MG_CTL_MAGIC 0x474e495254434d47ull /* "GMCTRING" little-endian */
#define MG_CTL_SHM_DEFAULT "/mediagate"
#define MG_CTL_SHM_NAME_MAX 64
#define MG_CTL_SHM_HDR_SIZE 4096u
#define MG_CTL_RING_SLOTS 4096u /* power of two; usable slots = this - 1 */
#define MG_CTL_MSG_SIZE 512u

/*
 * Ownership of the segment is shown by open-file-description byte locks on
 * the shm file (fcntl F_OFD_SETLK): the kernel drops them when the holder
 * dies, so liveness needs no pid guessing and a second process of the same
 * kind is refused.
 */
enum mg_ctl_lock_byte {
	MG_CTL_LOCK_CONTROL = 0,
	MG_CTL_LOCK_DATAPLANE = 1,
};

/* Message types. Requests flow control -> dataplane; every request gets
 * exactly one MG_CTL_ACK carrying the request's seq and a status. */
enum mg_ctl_type {
	MG_CTL_PING = 1,
	MG_CTL_ACK = 2,
	MG_CTL_SRTP_ADD = 3,   /* struct mg_ctl_srtp_add: a context by id */
	MG_CTL_SRTP_DEL = 4,   /* struct mg_ctl_id: a context no flow holds */
	MG_CTL_FLOW_ADD = 5,   /* struct mg_ctl_flow */
	MG_CTL_FLOW_DEL = 6,   /* struct mg_ctl_id: a flow and its contexts */
	MG_CTL_FLOW_STATS = 7, /* struct mg_ctl_id; ack: mg_ctl_flow_stats */
	MG_CTL_START = 8,      /* no payload: start rx held by --hold-rx */
	MG_CTL_LCORE_STATS = 9, /* struct mg_ctl_id: the first pipeline lcore
				 * with id >= it; ack: mg_ctl_lcore_stats,
				 * or ENOENT past the last */
	MG_CTL_EVENT = 10,     /* dataplane -> control, unasked, seq 0:
				* struct mg_ctl_event */
	MG_CTL_FLOW_MOD = 11,  /* struct mg_ctl_flow: replace flow `id`,
				* make-before-break (see below) */
	MG_CTL_ESP_ADD = 12,   /* struct mg_ctl_esp_add: an ESP SA by id */
	MG_CTL_ESP_DEL = 13,   /* struct mg_ctl_id */
	MG_CTL_ESP_STATS = 14, /* struct mg_ctl_id; ack: mg_ctl_esp_stats */
	MG_CTL_TYPE_MAX,
};

/*
 * Objects are named by the control plane with ids from 1 to the limits the
 * dataplane was started with (--max-flows; contexts: twice that). An id is
 * unique per kind until deleted. Acks: 0, or EINVAL (malformed), EEXIST
 * (id in use), ENOENT (no such id), EBUSY (a context a flow holds), ENOSPC
 * (id past the limit, or table full), ENOMEM.
 */
struct mg_ctl_id {
	uint32_t id;
	uint32_t reserved;
};

/* Secret: the dataplane wipes the ring slot it read this from. */
struct mg_ctl_srtp_add {
	uint32_t id;
	uint32_t reserved;
	struct mg_srtp_policy policy;
};

/*
 * An ESP SA (RFC 4303), ids 1 to twice --max-flows as for contexts. An
 * inbound one goes into the SA database under its SPI and policy.local
 * (of `family`): a SPI taken there is EEXIST. Secret: the dataplane wipes
 * the ring slot it read this from. Deleting an inbound SA wipes it once
 * no lcore can hold it; make-before-break rekeying installs the new SA
 * under its own SPI before the old one is deleted.
 */
struct mg_ctl_esp_add {
	uint32_t id;
	uint8_t family;   /* of policy.local: 4 or 6 */
	uint8_t reserved[3];
	struct mg_esp_sa_policy policy;
};

/* An SA's state (enum mg_esp_sa_state bits) and counters. */
struct mg_ctl_esp_stats {
	uint32_t id;
	uint32_t state;
	uint64_t seq;             /* outbound: last sent; inbound: highest */
	uint64_t packets, bytes, late;
	uint64_t drops[MG_ESP_STATUS_MAX]; /* by enum mg_esp_status */
};

/* An IPv4 or IPv6 address and UDP port, network byte order. */
struct mg_ctl_addr {
	uint8_t family;   /* 4 or 6; 0: unset */
	uint8_t reserved;
	uint16_t port;    /* network order */
	uint8_t ip[16];   /* IPv4 in the first 4 bytes */
};

/* What a flow does with the packets that arrive on it. */
enum mg_flow_action {
	MG_FLOW_DROP = 1,
	MG_FLOW_RELAY,         /* plain in, plain out */
	MG_FLOW_SRTP_TO_RTP,   /* unprotect with rx_ctx */
	MG_FLOW_RTP_TO_SRTP,   /* protect with tx_ctx */
	MG_FLOW_SRTP_TO_SRTP,  /* unprotect with rx_ctx, protect with tx_ctx */
	MG_FLOW_ACTION_MAX,
};

enum mg_flow_flags {
	MG_FLOW_F_LATCH = 1u << 0, /* learn `remote` from the first good packet */
	MG_FLOW_F_RTCP = 1u << 1,  /* an RTCP-only port (no rtcp-mux) */
	MG_FLOW_F_STRICT = 1u << 2, /* drop packets not from `remote` */
	MG_FLOW_F_ESP_UDP = 1u << 3, /* UDP to `local` is ESP-in-UDP (RFC
				      * 3948): decapsulated first, its inner
				      * packet then finds its own flow */
	MG_FLOW_F_ANY_UDP = 1u << 4, /* any UDP payload, not only RTP/RTCP
				      * (a transport that is not RTP, as
				      * under ESP): relay only */
};

/*
 * One call leg as the dataplane sees it: the packets that arrive at
 * `local` (from `remote`, if set) are acted on and sent from out_src to
 * out_dst on out_port, Ethernet addresses as given. RTP and RTCP share a
 * flow when muxed (RFC 5761); else the control plane adds one flow per
 * port, the RTCP one flagged. The flow owns its contexts from then on.
 */
struct mg_ctl_flow {
	uint32_t id;
	uint16_t action;      /* enum mg_flow_action */
	uint16_t flags;       /* enum mg_flow_flags */
	struct mg_ctl_addr local;
	struct mg_ctl_addr remote;
	uint32_t rx_ctx;      /* SRTP context id for unprotect, 0: none */
	uint32_t tx_ctx;      /* SRTP context id for protect, 0: none */
	uint32_t peer;        /* the flow the other way, 0: none: what it
			       * latches becomes this flow's destination */
	uint16_t out_port;    /* DPDK port id */
	uint8_t out_src_mac[6];
	uint8_t out_dst_mac[6];
	uint16_t reserved;
	struct mg_ctl_addr out_src;
	struct mg_ctl_addr out_dst;
	/* ESP (ids of SAs installed by ESP_ADD, 0: none). rx_esp: an inbound
	 * SA the packets of this flow must have come through (decapsulated
	 * by it; a packet that did not is dropped). tx_esp: an outbound SA
	 * what the flow sends goes out through, after the header rewrite
	 * (transport mode: to out_dst; tunnel mode: inside the SA's tunnel).
	 * Several flows may share an SA (one SA pair for a session's media);
	 * an SA a flow holds is not deleted (EBUSY). rx_esp2: a second
	 * inbound SA the flow takes, the old one of a make-before-break
	 * rekey while it drains (FLOW_MOD moves it there, and later away).
	 * The flows of one SA run on one lcore, chosen by the SPI's block
	 * of 256: a rekey's new inbound SA takes an SPI in the old one's
	 * block (the receiver picks its SPIs). */
	uint32_t rx_esp;
	uint32_t tx_esp;
	uint32_t rx_esp2;
	/* A second SRTP context for unprotect, 0: none: the old one of an
	 * SDES rekey while it drains. What rx_ctx refuses is tried under
	 * it (FLOW_MOD moves the old rx_ctx here, and later away). */
	uint32_t rx_ctx2;
};

/*
 * FLOW_MOD replaces a flow without a moment in which its packets find no
 * flow: the new one takes the old one's place in the table at once, and
 * a packet sees either. Same local address (else EINVAL: a move is a
 * delete and an add). Each context id either names one the flow has in
 * the same direction (the context goes on, rollover counter and replay
 * window with it; rx_ctx and rx_ctx2 may trade theirs), or names a free
 * context the new flow takes, or is 0. A context of the old flow the new
 * one does not name is destroyed once no lcore can hold it, and its id is
 * free at once. Counters carry over, and a latched source while `remote`
 * stays the same.
 */

/* Per-flow counters: packets in, out, bytes, and each drop reason. */
struct mg_ctl_flow_stats {
	uint32_t id;
	uint32_t reserved;
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t latched;         /* times the remote address was learnt */
	uint64_t drop_source;     /* from an address the flow does not take */
	uint64_t drop_srtp[MG_SRTP_STATUS_MAX]; /* by enum mg_srtp_status */
	uint64_t drop_tx;         /* port tx queue full */
	uint64_t drop_esp;        /* not through rx_esp, or tx_esp refused
				   * (why: the SA's own counters) */
};

/* What the dataplane tells without being asked. A burst is at least the
 * dataplane's --event-burst packets (default 16) refused for one reason
 * on one flow since that flow was last looked at (every flow is, about
 * every second); expiry is per SRTP context, of the key's lifetime (RFC
 * 3711 §9.2 or the SDES lifetime): soft at 90 % used, hard when used up
 * (packets are refused from then on). An event that finds the ring full
 * is not lost: the flow is looked at again and the event comes later,
 * with what accumulated. */
enum mg_ctl_event_kind {
	MG_EV_AUTH_BURST = 1,   /* count: SRTP/SRTCP authentication failures */
	MG_EV_SOURCE_BURST,     /* count: packets from an address not taken */
	MG_EV_REPLAY_BURST,     /* count: replayed or too old */
	MG_EV_SOFT_EXPIRY,      /* count: permille of the lifetime used */
	MG_EV_HARD_EXPIRY,      /* count: packets refused for lifetime */
	/* ESP SAs: `flow` is the SA id; count: its packets so far. */
	MG_EV_ESP_SOFT_EXPIRY,  /* a soft lifetime (packets, bytes, time) */
	MG_EV_ESP_HARD_EXPIRY,  /* a hard one: the SA is stopped */
	MG_EV_ESP_SEQ_EXHAUSTED, /* outbound: no sequence number left */
	MG_EV_KIND_MAX,
};

struct mg_ctl_event {
	uint32_t flow;            /* the flow id */
	uint16_t kind;            /* enum mg_ctl_event_kind */
	uint16_t dir;             /* expiry: 0 the rx context, 1 the tx one */
	uint64_t count;
	uint64_t total;           /* the flow's counter for it, all time */
};

/* Ack status: 0 or a positive errno value, so it prints with strerror(). */
typedef int32_t mg_ctl_status_t;

struct mg_ctl_hdr {
	uint16_t type;     /* enum mg_ctl_type */
	uint16_t req_type; /* in an ack: the type of the request acked */
	mg_ctl_status_t status;
	uint32_t seq;      /* chosen by control, echoed by the ack */
	uint32_t len;      /* bytes of payload used */
	uint64_t epoch;    /* in an ack: the epoch of the acking dataplane */
};

struct mg_ctl_ping {
	uint64_t nonce;
	uint64_t sent_ns; /* CLOCK_MONOTONIC of the sender */
};

struct mg_ctl_pong {
	uint64_t nonce; /* echoed */
	uint64_t sent_ns; /* echoed */
	uint32_t nb_ports;
	uint32_t nb_lcores;
	uint64_t rx_pkts; /* dataplane totals at the time of the ack */
	uint64_t tx_pkts;
};

/* One pipeline lcore's counters (the dataplane's mg-pipe line). */
#define MG_CTL_PKT_CLASSES 16
struct mg_ctl_lcore_stats {
	uint32_t lcore;
	uint32_t nb_classes;      /* entries of drop_class used */
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t no_flow, drop_action, drop_source, drop_srtp;
	uint64_t drop_tx, drop_room;
	uint64_t to_kernel, from_kernel, drop_kernel;
	uint64_t drop_class[MG_CTL_PKT_CLASSES]; /* by the dataplane's class */
};

#define MG_CTL_PAYLOAD_MAX (MG_CTL_MSG_SIZE - sizeof(struct mg_ctl_hdr))

struct mg_ctl_msg {
	struct mg_ctl_hdr h;
	union {
		struct mg_ctl_ping ping;
		struct mg_ctl_pong pong;
		struct mg_ctl_id id;
		struct mg_ctl_srtp_add srtp_add;
		struct mg_ctl_flow flow;
		struct mg_ctl_flow_stats flow_stats;
		struct mg_ctl_lcore_stats lcore_stats;
		struct mg_ctl_event event;
		struct mg_ctl_esp_add esp_add;
		struct mg_ctl_esp_stats esp_stats;
		uint8_t raw[MG_CTL_PAYLOAD_MAX];
	} u;
};

_Static_assert(sizeof(struct mg_ctl_hdr) == 24, "ring header is ABI");
_Static_assert(sizeof(struct mg_ctl_srtp_add) == 240, "ABI");
_Static_assert(sizeof(struct mg_ctl_flow) == 132, "ABI");
_Static_assert(sizeof(struct mg_ctl_flow_stats) == 200, "ABI");
_Static_assert(sizeof(struct mg_ctl_lcore_stats) == 240, "ABI");
_Static_assert(sizeof(struct mg_ctl_event) == 24, "ABI");
_Static_assert(sizeof(struct mg_ctl_esp_stats) == 168, "ABI");
_Static_assert(sizeof(struct mg_ctl_esp_add) == 192, "ABI");
_Static_assert(sizeof(struct mg_ctl_msg) == MG_CTL_MSG_SIZE,
	       "ring element size is ABI");
_Static_assert(MG_CTL_MSG_SIZE % 4 == 0, "rte_ring elements are 4-byte units");

/*
 * Segment header. The first block (magic .. resp_off) is written once by
 * the creating control process and is read-only afterwards; the size table
 * in it is what attach checks. The rest is live state, read and written with
 * __atomic builtins.
 */
struct mg_ctl_shm {
	uint64_t magic;
	uint32_t abi_version;
	uint32_t hdr_size;      /* MG_CTL_SHM_HDR_SIZE */
	uint32_t msg_size;      /* sizeof(struct mg_ctl_msg) */
	uint32_t ring_slots;
	uint32_t ring_hdr_size; /* sizeof(struct rte_ring) of the creator */
	uint32_t reserved0;
	uint64_t seg_size;
	uint64_t req_off;       /* offset of the control -> dataplane ring */
	uint64_t resp_off;      /* offset of the dataplane -> control ring */

	/* live state */
	int32_t ctl_pid;           /* written by control */
	int32_t dp_pid;            /* written by the dataplane, 0 when detached */
	uint64_t dp_epoch;         /* new random value on every dataplane start */
	uint64_t dp_heartbeat_ns;  /* CLOCK_MONOTONIC, refreshed on every poll */
	uint64_t dp_attach_count;  /* how many dataplane starts this segment saw */
};

_Static_assert(sizeof(struct mg_ctl_shm) <= MG_CTL_SHM_HDR_SIZE,
	       "segment header must fit its block");

/* Why a segment was refused at attach; distinct so the message can say. */
enum mg_ctl_shm_fault {
	MG_CTL_SHM_OK = 0,
	MG_CTL_SHM_TOO_SMALL,
	MG_CTL_SHM_BAD_MAGIC,
	MG_CTL_SHM_BAD_ABI,
	MG_CTL_SHM_BAD_SIZES,
	MG_CTL_SHM_BAD_LAYOUT,
};

static inline enum mg_ctl_shm_fault
mg_ctl_shm_check(const struct mg_ctl_shm *s, uint64_t seg_size,
		 uint32_t ring_hdr_size, uint64_t ring_mem_size)
{
	if (seg_size < MG_CTL_SHM_HDR_SIZE)
		return MG_CTL_SHM_TOO_SMALL;
	if (s->magic != MG_CTL_MAGIC)
		return MG_CTL_SHM_BAD_MAGIC;
	if (s->abi_version != MG_CTL_ABI_VERSION)
		return MG_CTL_SHM_BAD_ABI;
	if (s->hdr_size != MG_CTL_SHM_HDR_SIZE ||
	    s->msg_size != MG_CTL_MSG_SIZE ||
	    s->ring_slots != MG_CTL_RING_SLOTS ||
	    s->ring_hdr_size != ring_hdr_size)
		return MG_CTL_SHM_BAD_SIZES;
	if (s->seg_size != seg_size || s->req_off != MG_CTL_SHM_HDR_SIZE ||
	    s->resp_off != s->req_off + ring_mem_size ||
	    s->resp_off + ring_mem_size != seg_size)
		return MG_CTL_SHM_BAD_LAYOUT;
	return MG_CTL_SHM_OK;
}

static inline const char *
mg_ctl_shm_fault_str(enum mg_ctl_shm_fault f)
{
	switch (f) {
	case MG_CTL_SHM_OK: return "ok";
	case MG_CTL_SHM_TOO_SMALL: return "segment smaller than its header";
	case MG_CTL_SHM_BAD_MAGIC: return "not a mediagate segment (bad magic)";
	case MG_CTL_SHM_BAD_ABI: return "ABI version mismatch";
	case MG_CTL_SHM_BAD_SIZES: return "message or ring size mismatch";
	case MG_CTL_SHM_BAD_LAYOUT: return "ring offsets do not match the segment";
	}
	return "unknown fault";
}

#endif /* MG_CTL_ABI_H */
