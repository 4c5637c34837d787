/* SPDX-License-Identifier: BSD-3-Clause */
/* The control plane's end of the shared-memory segment: it creates the
 * segment, produces requests and consumes acks and events. */
#ifndef MG_CTL_SEG_H
#define MG_CTL_SEG_H

#include <stdbool.h>
#include <stddef.h>

#include "mg_ctl_abi.h"

struct rte_ring;

struct mg_ctl_seg {
	int fd;
	struct mg_ctl_shm *shm;
	size_t size;
	struct rte_ring *req;  /* we produce */
	struct rte_ring *resp; /* we consume */
	bool reopened;         /* an existing valid segment was taken over */
	char name[MG_CTL_SHM_NAME_MAX];
};

/* Create the segment `name`, or take over an existing valid one (a control
 * plane restart: a running dataplane keeps its rings). Returns 0, or
 * -EINVAL (bad name), -EBUSY (another control process holds it), -EPROTO
 * (incompatible segment still used by a dataplane), -errno; `err` then says
 * why in one line. */
int mg_ctl_seg_open(struct mg_ctl_seg *seg, const char *name, char *err,
		    size_t errlen);

/* Unmap and release the control lock; the segment stays for a restart. */
void mg_ctl_seg_close(struct mg_ctl_seg *seg);

/* True when a dataplane process holds the segment. */
bool mg_ctl_seg_dp_attached(const struct mg_ctl_seg *seg);

/* 0, or -ENOBUFS when the request ring is full (back-pressure: retry). */
int mg_ctl_seg_send(struct mg_ctl_seg *seg, const struct mg_ctl_msg *m);

/* 0 with *m filled, or -EAGAIN when no ack or event is waiting. */
int mg_ctl_seg_recv(struct mg_ctl_seg *seg, struct mg_ctl_msg *m);

#endif /* MG_CTL_SEG_H */
