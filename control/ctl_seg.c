/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Creating and owning the control segment. The control plane is the only
 * process that creates or re-initialises it; the dataplane only attaches.
 * No EAL here: rte_ring_init() works on plain shared memory.
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

#include "ctl_seg.h"
#include "mg_cli.h"
#include "mg_ctl_shm.h"

static size_t
ring_mem_size(void)
{
	return (size_t)rte_ring_get_memsize_elem(MG_CTL_MSG_SIZE,
						 MG_CTL_RING_SLOTS);
}

static size_t
seg_size(void)
{
	return MG_CTL_SHM_HDR_SIZE + 2 * ring_mem_size();
}

static int
init_ring(struct mg_ctl_seg *seg, uint64_t off, const char *tag)
{
	char rname[RTE_RING_NAMESIZE];

	snprintf(rname, sizeof(rname), "mg%s%s", tag, seg->name + 1);
	return rte_ring_init((struct rte_ring *)((char *)seg->shm + off),
			     rname, MG_CTL_RING_SLOTS,
			     RING_F_SP_ENQ | RING_F_SC_DEQ);
}

/* Lay out a fresh segment. Must only run with no dataplane attached: the
 * ftruncate to zero wipes whatever a previous user left, keys included. */
static int
seg_format(struct mg_ctl_seg *seg)
{
	struct mg_ctl_shm *s;
	size_t rsz = ring_mem_size();
	int rc;

	if (ftruncate(seg->fd, 0) != 0 ||
	    ftruncate(seg->fd, (off_t)seg_size()) != 0)
		return -errno;
	seg->size = seg_size();
	seg->shm = mg_ctl_shm_map(seg->fd, seg->size);
	if (seg->shm == NULL)
		return -errno;
	s = seg->shm;
	s->abi_version = MG_CTL_ABI_VERSION;
	s->hdr_size = MG_CTL_SHM_HDR_SIZE;
	s->msg_size = MG_CTL_MSG_SIZE;
	s->ring_slots = MG_CTL_RING_SLOTS;
	s->ring_hdr_size = sizeof(struct rte_ring);
	s->seg_size = seg->size;
	s->req_off = MG_CTL_SHM_HDR_SIZE;
	s->resp_off = MG_CTL_SHM_HDR_SIZE + rsz;
	rc = init_ring(seg, s->req_off, "q");
	if (rc == 0)
		rc = init_ring(seg, s->resp_off, "a");
	if (rc != 0)
		return rc;
	/* Magic last: a dataplane that attaches mid-format sees no magic. */
	__atomic_store_n(&s->magic, MG_CTL_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

/* A control plane killed inside an enqueue or dequeue leaves head ahead of
 * tail on its side of a ring; roll head back so the half-done operation is
 * redone instead of leaving a hole (stale slots) in the ring. */
static void
repair_own_side(struct mg_ctl_seg *seg)
{
	seg->req->prod.head = seg->req->prod.tail;
	seg->resp->cons.head = seg->resp->cons.tail;
}

/* Map an existing segment and check it. Returns 0 if usable, 1 if it must
 * be formatted anew, -errno on a system error. */
static int
seg_try_reuse(struct mg_ctl_seg *seg, enum mg_ctl_shm_fault *fault)
{
	struct stat st;

	*fault = MG_CTL_SHM_TOO_SMALL;
	if (fstat(seg->fd, &st) != 0)
		return -errno;
	if ((size_t)st.st_size != seg_size())
		return 1;
	seg->size = seg_size();
	seg->shm = mg_ctl_shm_map(seg->fd, seg->size);
	if (seg->shm == NULL)
		return -errno;
	*fault = mg_ctl_shm_check(seg->shm, seg->size, sizeof(struct rte_ring),
				  ring_mem_size());
	if (*fault == MG_CTL_SHM_OK)
		return 0;
	munmap(seg->shm, seg->size);
	seg->shm = NULL;
	return 1;
}

static int
seg_setup(struct mg_ctl_seg *seg, char *err, size_t errlen)
{
	enum mg_ctl_shm_fault fault;
	int rc = seg_try_reuse(seg, &fault);

	if (rc < 0)
		return mg_errf(err, errlen, rc, "cannot map segment %s: %s",
			    seg->name, strerror(-rc));
	seg->reopened = (rc == 0);
	if (rc == 1) {
		if (mg_ctl_shm_lock_held(seg->fd, MG_CTL_LOCK_DATAPLANE))
			return mg_errf(err, errlen, -EPROTO,
				    "segment %s is in use by a dataplane but "
				    "is incompatible (%s): stop that dataplane "
				    "first", seg->name,
				    mg_ctl_shm_fault_str(fault));
		rc = seg_format(seg);
		if (rc != 0)
			return mg_errf(err, errlen, rc,
				    "cannot format segment %s: %s", seg->name,
				    strerror(-rc));
	}
	seg->req = (struct rte_ring *)((char *)seg->shm + seg->shm->req_off);
	seg->resp = (struct rte_ring *)((char *)seg->shm + seg->shm->resp_off);
	if (seg->reopened)
		repair_own_side(seg);
	__atomic_store_n(&seg->shm->ctl_pid, (int32_t)getpid(),
			 __ATOMIC_RELEASE);
	return 0;
}

int
mg_ctl_seg_open(struct mg_ctl_seg *seg, const char *name, char *err,
		size_t errlen)
{
	int rc;

	memset(seg, 0, sizeof(*seg));
	seg->fd = -1;
	if (!mg_ctl_shm_name_valid(name))
		return mg_errf(err, errlen, -EINVAL,
			    "bad segment name '%s': want /NAME, under 64 "
			    "characters, one '/'", name);
	snprintf(seg->name, sizeof(seg->name), "%s", name);
	seg->fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (seg->fd < 0)
		return mg_errf(err, errlen, -errno, "cannot open segment %s: %s",
			    name, strerror(errno));
	/* shm_open's mode only applies on creation: force 0600 on a segment
	 * left by someone else, as it will carry keys. */
	rc = fchmod(seg->fd, 0600) == 0 ? mg_ctl_shm_lock(seg->fd,
		MG_CTL_LOCK_CONTROL) : -errno;
	if (rc == -EBUSY)
		mg_errf(err, errlen, rc, "segment %s is held by another "
		     "mediagate-control (only one may run per segment)", name);
	else if (rc != 0)
		mg_errf(err, errlen, rc, "cannot lock segment %s: %s", name,
		     strerror(-rc));
	else
		rc = seg_setup(seg, err, errlen);
	if (rc != 0)
		mg_ctl_seg_close(seg);
	return rc;
}

void
mg_ctl_seg_close(struct mg_ctl_seg *seg)
{
	if (seg->shm != NULL) {
		__atomic_store_n(&seg->shm->ctl_pid, 0, __ATOMIC_RELEASE);
		munmap(seg->shm, seg->size);
		seg->shm = NULL;
	}
	if (seg->fd >= 0)
		close(seg->fd); /* drops the control lock */
	seg->fd = -1;
}

bool
mg_ctl_seg_dp_attached(const struct mg_ctl_seg *seg)
{
	return mg_ctl_shm_lock_held(seg->fd, MG_CTL_LOCK_DATAPLANE);
}

int
mg_ctl_seg_send(struct mg_ctl_seg *seg, const struct mg_ctl_msg *m)
{
	if (rte_ring_sp_enqueue_elem(seg->req, (void *)(uintptr_t)m,
				     MG_CTL_MSG_SIZE) != 0)
		return -ENOBUFS;
	return 0;
}

int
mg_ctl_seg_recv(struct mg_ctl_seg *seg, struct mg_ctl_msg *m)
{
	if (rte_ring_sc_dequeue_elem(seg->resp, m, MG_CTL_MSG_SIZE) != 0)
		return -EAGAIN;
	return 0;
}
