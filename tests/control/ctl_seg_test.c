/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control segment, driven from both ends with the real code of each
 * (control/ctl_seg.c and dataplane/ctl_ring.c): creation, mode, refusals,
 * take-over after a control restart, ring back-pressure and bad requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_ring.h>

#include "../../control/ctl_ping.h"
#include "../../control/ctl_seg.h"
#include "../../dataplane/ctl_ring.h"

static char shm_name[64];
static char err[256];
static const struct mg_dp_summary sum = { .nb_ports = 2, .nb_lcores = 1 };

static int
setup(void **state)
{
	static int n;

	(void)state;
	snprintf(shm_name, sizeof(shm_name), "/mgtest-%d-%d", getpid(), n++);
	shm_unlink(shm_name);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	shm_unlink(shm_name);
	return 0;
}

static void
create_is_private_and_formatted(void **state)
{
	struct mg_ctl_seg seg;
	struct stat st;
	char path[128];

	(void)state;
	umask(0);
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_false(seg.reopened);
	snprintf(path, sizeof(path), "/dev/shm%s", shm_name);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(seg.shm->magic == MG_CTL_MAGIC);
	assert_int_equal(seg.shm->abi_version, MG_CTL_ABI_VERSION);
	assert_int_equal(seg.shm->ctl_pid, getpid());
	assert_false(mg_ctl_seg_dp_attached(&seg));
	mg_ctl_seg_close(&seg);
	umask(022);
}

static void
existing_wide_mode_is_narrowed(void **state)
{
	struct mg_ctl_seg seg;
	struct stat st;
	char path[128];
	int fd;

	(void)state;
	umask(0);
	fd = shm_open(shm_name, O_RDWR | O_CREAT, 0666);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "/dev/shm%s", shm_name);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	mg_ctl_seg_close(&seg);
	umask(022);
}

static void
bad_names_refused(void **state)
{
	static const char *const bad[] = {
		"", "/", "noslash", "/a/b",
		"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct mg_ctl_seg seg;
	struct mg_dp_ctl dp;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mg_ctl_seg_open(&seg, bad[i], err,
						 sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "bad segment name"));
		assert_int_equal(mg_dp_ctl_attach(&dp, bad[i], 1, err,
						  sizeof(err)), -EINVAL);
	}
}

static void
second_control_refused(void **state)
{
	struct mg_ctl_seg a, b;

	(void)state;
	assert_int_equal(mg_ctl_seg_open(&a, shm_name, err, sizeof(err)), 0);
	assert_int_equal(mg_ctl_seg_open(&b, shm_name, err, sizeof(err)),
			 -EBUSY);
	assert_non_null(strstr(err, "held by another mediagate-control"));
	/* The refused open left the first one's segment intact. */
	assert_true(a.shm->magic == MG_CTL_MAGIC);
	mg_ctl_seg_close(&a);
	assert_int_equal(mg_ctl_seg_open(&b, shm_name, err, sizeof(err)), 0);
	assert_true(b.reopened);
	mg_ctl_seg_close(&b);
}

static void
missing_segment_and_second_dataplane(void **state)
{
	struct mg_ctl_seg seg;
	struct mg_dp_ctl a, b;

	(void)state;
	assert_int_equal(mg_dp_ctl_attach(&a, shm_name, 1, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "start mediagate-control first"));
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_int_equal(mg_dp_ctl_attach(&a, shm_name, 7, err, sizeof(err)), 0);
	assert_true(mg_ctl_seg_dp_attached(&seg));
	assert_true(seg.shm->dp_epoch == 7);
	assert_int_equal(mg_dp_ctl_attach(&b, shm_name, 8, err, sizeof(err)),
			 -EBUSY);
	assert_non_null(strstr(err, "another mediagate-dataplane"));
	assert_true(seg.shm->dp_epoch == 7);
	mg_dp_ctl_detach(&a);
	assert_false(mg_ctl_seg_dp_attached(&seg));
	assert_int_equal(seg.shm->dp_pid, 0);
	mg_ctl_seg_close(&seg);
}

/* Each size-table field a foreign build could disagree on is refused. */
static void
abi_mismatch_refused(void **state)
{
	struct mg_ctl_seg seg;
	struct mg_dp_ctl dp;
	struct {
		size_t off;
		const char *why;
	} cases[] = {
		{ offsetof(struct mg_ctl_shm, magic), "bad magic" },
		{ offsetof(struct mg_ctl_shm, abi_version), "ABI version" },
		{ offsetof(struct mg_ctl_shm, msg_size), "size mismatch" },
		{ offsetof(struct mg_ctl_shm, ring_hdr_size), "size mismatch" },
		{ offsetof(struct mg_ctl_shm, req_off), "offsets" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err,
						 sizeof(err)), 0);
		((uint8_t *)seg.shm)[cases[i].off] ^= 0x5a;
		assert_int_equal(mg_dp_ctl_attach(&dp, shm_name, 1, err,
						  sizeof(err)), -EPROTO);
		assert_non_null(strstr(err, cases[i].why));
		mg_ctl_seg_close(&seg);
		/* No dataplane holds it: the next control reformats it. */
		assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err,
						 sizeof(err)), 0);
		assert_false(seg.reopened);
		mg_ctl_seg_close(&seg);
	}
}

static void
incompatible_segment_in_use_not_reformatted(void **state)
{
	struct mg_ctl_seg seg;
	struct mg_dp_ctl dp;

	(void)state;
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_int_equal(mg_dp_ctl_attach(&dp, shm_name, 1, err, sizeof(err)),
			 0);
	seg.shm->abi_version = MG_CTL_ABI_VERSION + 1;
	mg_ctl_seg_close(&seg);
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)),
			 -EPROTO);
	assert_non_null(strstr(err, "stop that dataplane first"));
	/* The dataplane's mapping was not touched. */
	assert_int_equal(dp.shm->abi_version, MG_CTL_ABI_VERSION + 1);
	mg_dp_ctl_detach(&dp);
}

static void
ping_round_trip(void **state)
{
	struct mg_ctl_msg req, ack;
	struct mg_ctl_seg seg;
	struct mg_dp_ctl dp;

	(void)state;
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_int_equal(mg_dp_ctl_attach(&dp, shm_name, 42, err, sizeof(err)),
			 0);
	mg_ctl_ping_build(&req, 9);
	assert_int_equal(mg_ctl_seg_send(&seg, &req), 0);
	assert_int_equal(mg_dp_ctl_poll(&dp, 123, &sum), 1);
	assert_true(seg.shm->dp_heartbeat_ns == 123);
	assert_int_equal(mg_ctl_seg_recv(&seg, &ack), 0);
	assert_int_equal(ack.h.type, MG_CTL_ACK);
	assert_int_equal(ack.h.req_type, MG_CTL_PING);
	assert_int_equal(ack.h.seq, 9);
	assert_int_equal(ack.h.status, 0);
	assert_true(ack.h.epoch == 42);
	assert_true(ack.u.pong.nonce == req.u.ping.nonce);
	assert_int_equal(ack.u.pong.nb_ports, 2);
	assert_int_equal(mg_ctl_seg_recv(&seg, &ack), -EAGAIN);
	mg_dp_ctl_detach(&dp);
	mg_ctl_seg_close(&seg);
}

static void
bad_requests_acked_with_status(void **state)
{
	struct mg_ctl_msg req, ack;
	struct mg_ctl_seg seg;
	struct mg_dp_ctl dp;
	struct {
		uint16_t type;
		uint32_t len;
		int32_t status;
	} cases[] = {
		{ 0, 0, EOPNOTSUPP },
		{ MG_CTL_ACK, 0, EOPNOTSUPP },  /* a response is no request */
		{ 999, 16, EOPNOTSUPP },
		{ MG_CTL_PING, 3, EINVAL },
		{ MG_CTL_PING, MG_CTL_PAYLOAD_MAX + 1, EINVAL },
		{ MG_CTL_PING, UINT32_MAX, EINVAL },
	};

	(void)state;
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_int_equal(mg_dp_ctl_attach(&dp, shm_name, 1, err, sizeof(err)),
			 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mg_ctl_ping_build(&req, (uint32_t)i);
		req.h.type = cases[i].type;
		req.h.len = cases[i].len;
		assert_int_equal(mg_ctl_seg_send(&seg, &req), 0);
		assert_int_equal(mg_dp_ctl_poll(&dp, 1, &sum), 1);
		assert_int_equal(mg_ctl_seg_recv(&seg, &ack), 0);
		assert_int_equal(ack.h.seq, i);
		assert_int_equal(ack.h.status, cases[i].status);
	}
	assert_true(dp.stats.bad_type == 3);
	assert_true(dp.stats.bad_len == 3);
	mg_dp_ctl_detach(&dp);
	mg_ctl_seg_close(&seg);
}

/* Full rings hold requests back; nothing is lost or reordered. */
static void
full_rings_are_backpressure_not_loss(void **state)
{
	const uint32_t cap = MG_CTL_RING_SLOTS - 1;
	struct mg_ctl_msg req, ack;
	struct mg_ctl_seg seg;
	struct mg_dp_ctl dp;
	uint32_t seq = 0, next = 0;

	(void)state;
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_int_equal(mg_dp_ctl_attach(&dp, shm_name, 1, err, sizeof(err)),
			 0);
	/* Fill the ack ring through the dataplane, then the request ring. */
	while (dp.stats.acks < cap) {
		mg_ctl_ping_build(&req, seq);
		if (mg_ctl_seg_send(&seg, &req) == 0)
			seq++;
		mg_dp_ctl_poll(&dp, 1, &sum);
	}
	while (mg_ctl_seg_send(&seg, (mg_ctl_ping_build(&req, seq), &req)) == 0)
		seq++;
	assert_int_equal(seq, 2 * cap);
	assert_int_equal(mg_dp_ctl_poll(&dp, 1, &sum), 0);
	assert_true(dp.stats.backpressure > 0);
	/* Drain everything: every seq comes back once, in order. */
	while (next < seq) {
		while (mg_ctl_seg_recv(&seg, &ack) == 0) {
			assert_int_equal(ack.h.seq, next);
			next++;
		}
		mg_dp_ctl_poll(&dp, 1, &sum);
	}
	assert_true(dp.stats.acks == 2 * cap);
	mg_dp_ctl_detach(&dp);
	mg_ctl_seg_close(&seg);
}

/* A control restart takes the segment over: the dataplane keeps its rings
 * and a request left in them is still answered. A producer killed
 * mid-enqueue (head ahead of tail) is repaired. */
static void
control_restart_takes_over(void **state)
{
	struct mg_ctl_msg req, ack;
	struct mg_ctl_seg seg;
	struct mg_dp_ctl dp;

	(void)state;
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_int_equal(mg_dp_ctl_attach(&dp, shm_name, 5, err, sizeof(err)),
			 0);
	mg_ctl_ping_build(&req, 77);
	assert_int_equal(mg_ctl_seg_send(&seg, &req), 0);
	seg.req->prod.head += 1; /* as if killed inside the next enqueue */
	mg_ctl_seg_close(&seg);
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_true(seg.reopened);
	assert_int_equal(seg.req->prod.head, seg.req->prod.tail);
	assert_int_equal(mg_dp_ctl_poll(&dp, 1, &sum), 1);
	assert_int_equal(mg_ctl_seg_recv(&seg, &ack), 0);
	assert_int_equal(ack.h.seq, 77);
	mg_dp_ctl_detach(&dp);
	mg_ctl_seg_close(&seg);
}

static void
ack_timeout_and_absent_dataplane(void **state)
{
	struct mg_ctl_wait_stats ws = { 0 };
	struct mg_ctl_msg req, ack;
	struct mg_ctl_seg seg;
	struct mg_dp_ctl dp;

	(void)state;
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	mg_ctl_ping_build(&req, 1);
	assert_int_equal(mg_ctl_request(&seg, &req, 50, &ack, &ws), -ENOTCONN);
	assert_int_equal(mg_dp_ctl_attach(&dp, shm_name, 3, err, sizeof(err)),
			 0);
	/* Attached but never polled: the wait ends at the deadline. */
	assert_int_equal(mg_ctl_request(&seg, &req, 50, &ack, &ws), -ETIMEDOUT);
	/* The late ack of seq 1 is skipped as stale while waiting for 2. */
	mg_dp_ctl_poll(&dp, 1, &sum);
	mg_ctl_ping_build(&req, 2);
	assert_int_equal(mg_ctl_request(&seg, &req, 50, &ack, &ws), -ETIMEDOUT);
	assert_true(ws.stale_acks >= 1);
	mg_dp_ctl_detach(&dp);
	mg_ctl_seg_close(&seg);
}

/* A real dataplane process that dies while control waits for its ack. */
static void
dataplane_death_while_waiting(void **state)
{
	struct mg_ctl_wait_stats ws = { 0 };
	struct mg_ctl_msg req, ack;
	struct mg_ctl_seg seg;
	int ready[2];
	pid_t pid;
	char c;
	int status;

	(void)state;
	assert_int_equal(mg_ctl_seg_open(&seg, shm_name, err, sizeof(err)), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mg_dp_ctl dp;

		if (mg_dp_ctl_attach(&dp, shm_name, 11, err, sizeof(err)) != 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		usleep(200000);
		_exit(0); /* dies without answering: the kernel drops the lock */
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	mg_ctl_ping_build(&req, 1);
	assert_int_equal(mg_ctl_request(&seg, &req, 10000, &ack, &ws), -EPIPE);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(ready[1]);
	mg_ctl_seg_close(&seg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(create_is_private_and_formatted, setup, teardown),
		cmocka_unit_test_setup_teardown(existing_wide_mode_is_narrowed, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_names_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(second_control_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_segment_and_second_dataplane, setup, teardown),
		cmocka_unit_test_setup_teardown(abi_mismatch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(incompatible_segment_in_use_not_reformatted, setup, teardown),
		cmocka_unit_test_setup_teardown(ping_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_requests_acked_with_status, setup, teardown),
		cmocka_unit_test_setup_teardown(full_rings_are_backpressure_not_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(control_restart_takes_over, setup, teardown),
		cmocka_unit_test_setup_teardown(ack_timeout_and_absent_dataplane, setup, teardown),
		cmocka_unit_test_setup_teardown(dataplane_death_while_waiting, setup, teardown),
	};

	return cmocka_run_group_tests_name("ctl_seg", tests, NULL, NULL);
}
