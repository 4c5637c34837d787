/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lock and mapping protocol of the control segment, shared by both
 * processes because it is part of the ABI: which byte each side locks, and
 * that the mapping is kept out of core dumps (the rings carry key material
 * once contexts are installed).
 */
#ifndef MG_CTL_SHM_H
#define MG_CTL_SHM_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mg_ctl_abi.h"

/* POSIX shm names: one leading '/', no other, short enough for the ring
 * names derived from them. */
static inline bool
mg_ctl_shm_name_valid(const char *name)
{
	size_t len = strnlen(name, MG_CTL_SHM_NAME_MAX);

	return len >= 2 && len < MG_CTL_SHM_NAME_MAX && name[0] == '/' &&
	       strchr(name + 1, '/') == NULL;
}

/* Take byte `which` of the segment for this open file description.
 * Returns 0, -EBUSY if another process holds it, or -errno. The lock goes
 * away with the descriptor, including when the holder is killed. */
static inline int
mg_ctl_shm_lock(int fd, enum mg_ctl_lock_byte which)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET,
		.l_start = (off_t)which, .l_len = 1,
	};

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return (errno == EAGAIN || errno == EACCES) ? -EBUSY : -errno;
}

/* True when some other open file description holds byte `which`: the
 * process of that kind is alive and attached. */
static inline bool
mg_ctl_shm_lock_held(int fd, enum mg_ctl_lock_byte which)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET,
		.l_start = (off_t)which, .l_len = 1,
	};

	if (fcntl(fd, F_OFD_GETLK, &fl) != 0)
		return false;
	return fl.l_type != F_UNLCK;
}

/* Map `size` bytes of the segment shared and read-write, excluded from core
 * dumps. Returns NULL with errno set on failure. */
static inline void *
mg_ctl_shm_map(int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, size, MADV_DONTDUMP) != 0) {
		int e = errno;

		munmap(p, size);
		errno = e;
		return NULL;
	}
	return p;
}

#endif /* MG_CTL_SHM_H */
