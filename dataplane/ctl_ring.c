/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attach to the control segment and serve its request ring. Uses rte_ring
 * only, no EAL services, so the unit tests drive it in-process against the
 * real control side.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_ring_peek_zc.h>

#include "ctl_ring.h"
#include "mg_cli.h"
#include "mg_ctl_shm.h"

#define CTL_POLL_BURST 16u

static int
map_and_check(struct mg_dp_ctl *c, char *err, size_t errlen)
{
	size_t rsz = (size_t)rte_ring_get_memsize_elem(MG_CTL_MSG_SIZE,
						       MG_CTL_RING_SLOTS);
	enum mg_ctl_shm_fault fault;
	struct stat st;

	if (fstat(c->fd, &st) != 0)
		return mg_errf(err, errlen, -errno, "cannot stat segment %s: %s",
			    c->name, strerror(errno));
	if ((size_t)st.st_size < MG_CTL_SHM_HDR_SIZE)
		return mg_errf(err, errlen, -EPROTO, "segment %s is not ready: %s",
			    c->name, mg_ctl_shm_fault_str(MG_CTL_SHM_TOO_SMALL));
	c->size = (size_t)st.st_size;
	c->shm = mg_ctl_shm_map(c->fd, c->size);
	if (c->shm == NULL)
		return mg_errf(err, errlen, -errno, "cannot map segment %s: %s",
			    c->name, strerror(errno));
	/* Acquire pairs with the control plane's release of the magic. */
	(void)__atomic_load_n(&c->shm->magic, __ATOMIC_ACQUIRE);
	fault = mg_ctl_shm_check(c->shm, c->size, sizeof(struct rte_ring), rsz);
	if (fault != MG_CTL_SHM_OK)
		return mg_errf(err, errlen, -EPROTO,
			    "segment %s refused: %s (dataplane ABI %u)",
			    c->name, mg_ctl_shm_fault_str(fault),
			    MG_CTL_ABI_VERSION);
	return 0;
}

/* A previous dataplane killed inside a dequeue or enqueue leaves head ahead
 * of tail on our side of a ring; roll it back so the operation is redone. */
static void
repair_own_side(struct mg_dp_ctl *c)
{
	c->req->cons.head = c->req->cons.tail;
	c->resp->prod.head = c->resp->prod.tail;
}

int
mg_dp_ctl_attach(struct mg_dp_ctl *c, const char *name, uint64_t epoch,
		 char *err, size_t errlen)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (!mg_ctl_shm_name_valid(name))
		return mg_errf(err, errlen, -EINVAL, "bad segment name '%s'", name);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (c->fd < 0)
		return mg_errf(err, errlen, -errno, errno == ENOENT ?
			    "control segment %s not found: start "
			    "mediagate-control first" :
			    "cannot open control segment %s", name);
	rc = mg_ctl_shm_lock(c->fd, MG_CTL_LOCK_DATAPLANE);
	if (rc == -EBUSY)
		rc = mg_errf(err, errlen, rc, "another mediagate-dataplane is "
			  "attached to %s", name);
	else if (rc != 0)
		rc = mg_errf(err, errlen, rc, "cannot lock segment %s: %s", name,
			  strerror(-rc));
	else
		rc = map_and_check(c, err, errlen);
	if (rc != 0) {
		mg_dp_ctl_detach(c);
		return rc;
	}
	c->req = (struct rte_ring *)((char *)c->shm + c->shm->req_off);
	c->resp = (struct rte_ring *)((char *)c->shm + c->shm->resp_off);
	c->epoch = epoch;
	repair_own_side(c);
	__atomic_store_n(&c->shm->dp_pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->shm->dp_attach_count, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->shm->dp_epoch, epoch, __ATOMIC_RELEASE);
	return 0;
}

void
mg_dp_ctl_detach(struct mg_dp_ctl *c)
{
	if (c->shm != NULL) {
		if (c->epoch != 0)
			__atomic_store_n(&c->shm->dp_pid, 0, __ATOMIC_RELEASE);
		munmap(c->shm, c->size);
		c->shm = NULL;
	}
	if (c->fd >= 0)
		close(c->fd); /* drops the dataplane lock */
	c->fd = -1;
}

typedef mg_ctl_status_t (*ctl_handler_t)(struct mg_dp_ctl *c,
					 const struct mg_ctl_msg *req,
					 struct mg_ctl_msg *ack,
					 const struct mg_dp_summary *sum);

static mg_ctl_status_t
handle_ping(struct mg_dp_ctl *c, const struct mg_ctl_msg *req,
	    struct mg_ctl_msg *ack, const struct mg_dp_summary *sum)
{
	(void)c;
	if (req->h.len != sizeof(req->u.ping))
		return EINVAL;
	ack->u.pong.nonce = req->u.ping.nonce;
	ack->u.pong.sent_ns = req->u.ping.sent_ns;
	ack->u.pong.nb_ports = sum->nb_ports;
	ack->u.pong.nb_lcores = sum->nb_lcores;
	ack->u.pong.rx_pkts = sum->rx_pkts;
	ack->u.pong.tx_pkts = sum->tx_pkts;
	ack->h.len = sizeof(ack->u.pong);
	return 0;
}

/* One handler per request type, chosen by table, not by a switch. */
static const ctl_handler_t handlers[MG_CTL_TYPE_MAX] = {
	[MG_CTL_PING] = handle_ping,
};

static void
answer(struct mg_dp_ctl *c, const struct mg_ctl_msg *req,
       struct mg_ctl_msg *ack, const struct mg_dp_summary *sum)
{
	ctl_handler_t h = req->h.type < MG_CTL_TYPE_MAX ?
		handlers[req->h.type] : NULL;

	memset(&ack->h, 0, sizeof(ack->h));
	ack->h.type = MG_CTL_ACK;
	ack->h.req_type = req->h.type;
	ack->h.seq = req->h.seq;
	ack->h.epoch = c->epoch;
	if (req->h.len > MG_CTL_PAYLOAD_MAX) {
		c->stats.bad_len++;
		ack->h.status = EINVAL;
		return;
	}
	if (h != NULL)
		ack->h.status = h(c, req, ack, sum);
	else if (c->apply != NULL)
		ack->h.status = c->apply(c->apply_arg, req, ack);
	else
		ack->h.status = EOPNOTSUPP;
	if (ack->h.status == EOPNOTSUPP)
		c->stats.bad_type++;
	else if (ack->h.status == EINVAL)
		c->stats.bad_len++;
}

/* Take up to max requests out of the ring and wipe the slots they sat in:
 * install requests carry keys, and the segment outlives this process. */
static unsigned int
dequeue_wiping(struct rte_ring *r, struct mg_ctl_msg *req, unsigned int max)
{
	struct rte_ring_zc_data zcd;
	unsigned int n;

	n = rte_ring_dequeue_zc_burst_elem_start(r, MG_CTL_MSG_SIZE, max, &zcd,
						 NULL);
	if (n == 0)
		return 0;
	memcpy(req, zcd.ptr1, (size_t)zcd.n1 * MG_CTL_MSG_SIZE);
	explicit_bzero(zcd.ptr1, (size_t)zcd.n1 * MG_CTL_MSG_SIZE);
	if (n > zcd.n1) {
		memcpy(req + zcd.n1, zcd.ptr2,
		       (size_t)(n - zcd.n1) * MG_CTL_MSG_SIZE);
		explicit_bzero(zcd.ptr2, (size_t)(n - zcd.n1) * MG_CTL_MSG_SIZE);
	}
	rte_ring_dequeue_zc_elem_finish(r, n);
	return n;
}

int
mg_dp_ctl_event(struct mg_dp_ctl *c, const struct mg_ctl_event *e)
{
	struct mg_ctl_msg m;

	if (!mg_dp_ctl_attached(c) ||
	    rte_ring_free_count(c->resp) <= 2 * CTL_POLL_BURST)
		return -ENOBUFS;
	memset(&m, 0, sizeof(m));
	m.h.type = MG_CTL_EVENT;
	m.h.len = sizeof(*e);
	m.h.epoch = c->epoch;
	m.u.event = *e;
	if (rte_ring_sp_enqueue_elem(c->resp, &m, MG_CTL_MSG_SIZE) != 0)
		return -ENOBUFS;
	c->stats.events++;
	return 0;
}

unsigned int
mg_dp_ctl_poll(struct mg_dp_ctl *c, uint64_t now_ns,
	       const struct mg_dp_summary *sum)
{
	struct mg_ctl_msg req[CTL_POLL_BURST];
	struct mg_ctl_msg ack[CTL_POLL_BURST];
	unsigned int room, n, i;

	__atomic_store_n(&c->shm->dp_heartbeat_ns, now_ns, __ATOMIC_RELEASE);
	room = rte_ring_free_count(c->resp);
	if (room < CTL_POLL_BURST && !rte_ring_empty(c->req))
		c->stats.backpressure++;
	n = dequeue_wiping(c->req, req, RTE_MIN(room, CTL_POLL_BURST));
	if (n == 0)
		return 0; /* nothing on the stack to wipe either */
	for (i = 0; i < n; i++)
		answer(c, &req[i], &ack[i], sum);
	/* Cannot fall short: we are the only producer and checked room. */
	n = rte_ring_sp_enqueue_bulk_elem(c->resp, ack, MG_CTL_MSG_SIZE, n,
					  NULL);
	c->stats.requests += n;
	c->stats.acks += n;
	/* Requests carry keys: leave none on the stack. */
	explicit_bzero(req, (size_t)i * sizeof(req[0]));
	return n;
}
