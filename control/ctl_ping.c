/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ctl_ping.h"

/* How long to sleep between polls of the ack ring: short next to the
 * dataplane's own poll period, long enough not to burn the shared core. */
#define WAIT_POLL_NS 50000
/* For this long after sending, yield instead: a dataplane serving the
 * ring acks in microseconds, often on the same core, and yielding lets
 * it run without paying a timer's slack. For the first few microseconds,
 * spin: a dataplane on another core acks in less than a syscall costs. */
#define WAIT_YIELD_NS 300000
#define WAIT_SPIN_NS 20000
/* Whether the dataplane still holds its lock costs a syscall: asked once
 * a millisecond while waiting, not on every look at the ring. */
#define LOCK_CHECK_NS 1000000

static mg_ctl_event_fn event_fn;
static void *event_arg;

void
mg_ctl_on_event(mg_ctl_event_fn fn, void *arg)
{
	event_fn = fn;
	event_arg = arg;
}

/* A message that is not the ack waited for: an event, or stale. */
static void
other(const struct mg_ctl_msg *m, struct mg_ctl_wait_stats *ws)
{
	if (m->h.type == MG_CTL_EVENT && m->h.len == sizeof(m->u.event)) {
		if (event_fn != NULL)
			event_fn(event_arg, &m->u.event);
		return;
	}
	ws->stale_acks++;
}

void
mg_ctl_drain(struct mg_ctl_seg *seg, struct mg_ctl_wait_stats *ws)
{
	struct mg_ctl_msg m;

	while (mg_ctl_seg_recv(seg, &m) == 0)
		other(&m, ws);
}

uint64_t
mg_ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
nap(uint64_t since_ns)
{
	struct timespec ts = { 0, WAIT_POLL_NS };

	uint64_t waited = mg_ctl_now_ns() - since_ns;

	if (waited < WAIT_SPIN_NS)
		for (int i = 0; i < 64; i++)
			__builtin_ia32_pause();
	else if (waited < WAIT_YIELD_NS)
		sched_yield();
	else
		nanosleep(&ts, NULL);
}

void
mg_ctl_ping_build(struct mg_ctl_msg *m, uint32_t seq)
{
	memset(m, 0, sizeof(*m));
	m->h.type = MG_CTL_PING;
	m->h.seq = seq;
	m->h.len = sizeof(m->u.ping);
	if (getrandom(&m->u.ping.nonce, sizeof(m->u.ping.nonce), 0) < 0)
		m->u.ping.nonce = seq;
	m->u.ping.sent_ns = mg_ctl_now_ns();
}

/* Why the wait must end early, or 0 to keep waiting; the lock is looked
 * at when *next_ns has passed (0: now). */
static int
peer_fault(struct mg_ctl_seg *seg, uint64_t epoch, uint64_t *next_ns)
{
	uint64_t now = mg_ctl_now_ns();

	if (now >= *next_ns) {
		*next_ns = now + LOCK_CHECK_NS;
		if (!mg_ctl_seg_dp_attached(seg))
			return -EPIPE;
	}
	if (__atomic_load_n(&seg->shm->dp_epoch, __ATOMIC_ACQUIRE) != epoch)
		return -ECONNRESET;
	return 0;
}

static int
send_until(struct mg_ctl_seg *seg, const struct mg_ctl_msg *req,
	   uint64_t deadline, uint64_t epoch, struct mg_ctl_wait_stats *ws)
{
	uint64_t next = 0;
	int rc;

	while (mg_ctl_seg_send(seg, req) == -ENOBUFS) {
		ws->ring_full++;
		rc = peer_fault(seg, epoch, &next);
		if (rc != 0)
			return rc;
		if (mg_ctl_now_ns() >= deadline)
			return -ETIMEDOUT;
		nap(0);
	}
	return 0;
}

int
mg_ctl_request(struct mg_ctl_seg *seg, const struct mg_ctl_msg *req,
	       unsigned int timeout_ms, struct mg_ctl_msg *ack,
	       struct mg_ctl_wait_stats *ws)
{
	uint64_t sent = mg_ctl_now_ns(), next = 0;
	uint64_t deadline = sent + timeout_ms * 1000000ull;
	uint64_t epoch = __atomic_load_n(&seg->shm->dp_epoch, __ATOMIC_ACQUIRE);
	int rc = peer_fault(seg, epoch, &next);

	if (rc == -EPIPE)
		return -ENOTCONN; /* gone before we sent anything */
	if (rc == 0)
		rc = send_until(seg, req, deadline, epoch, ws);
	while (rc == 0) {
		if (mg_ctl_seg_recv(seg, ack) == 0) {
			if (ack->h.type == MG_CTL_ACK && ack->h.seq == req->h.seq)
				return 0;
			other(ack, ws);
			continue;
		}
		rc = peer_fault(seg, epoch, &next);
		if (rc == 0 && mg_ctl_now_ns() >= deadline)
			rc = -ETIMEDOUT;
		if (rc == 0)
			nap(sent);
	}
	return rc;
}

/* The acks that have come for the batch, in order; others are stale. */
static void
take_acks(struct mg_ctl_seg *seg, const struct mg_ctl_msg *req,
	  unsigned int sent, unsigned int *acked, int32_t *status,
	  struct mg_ctl_wait_stats *ws)
{
	struct mg_ctl_msg ack;

	while (*acked < sent && mg_ctl_seg_recv(seg, &ack) == 0) {
		if (ack.h.type == MG_CTL_ACK &&
		    ack.h.seq == req[*acked].h.seq) {
			status[(*acked)++] = ack.h.status;
			continue;
		}
		other(&ack, ws);
	}
}

int
mg_ctl_request_batch(struct mg_ctl_seg *seg, const struct mg_ctl_msg *req,
		     unsigned int n, unsigned int timeout_ms, int32_t *status,
		     struct mg_ctl_wait_stats *ws)
{
	uint64_t start = mg_ctl_now_ns(), next = 0;
	uint64_t deadline = start + timeout_ms * 1000000ull;
	uint64_t epoch = __atomic_load_n(&seg->shm->dp_epoch, __ATOMIC_ACQUIRE);
	unsigned int sent = 0, acked = 0;
	int rc = peer_fault(seg, epoch, &next);

	if (rc == -EPIPE)
		return -ENOTCONN;
	while (rc == 0 && acked < n) {
		while (sent < n && mg_ctl_seg_send(seg, &req[sent]) == 0)
			sent++;
		if (sent < n)
			ws->ring_full++;
		take_acks(seg, req, sent, &acked, status, ws);
		if (acked == n)
			break;
		rc = peer_fault(seg, epoch, &next);
		if (rc == 0 && mg_ctl_now_ns() >= deadline)
			rc = -ETIMEDOUT;
		if (rc == 0)
			nap(start);
	}
	return rc;
}
