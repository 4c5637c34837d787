/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ng_bench: offer/answer pairs per second through the ng protocol, against
 * each engine named on the command line in turn, the same requests to
 * each, in one run (bench/ng_bench.sh starts mediagate with a running
 * dataplane and rtpengine-daemon beside it).
 *
 * A call is what a SIP server sends for one INVITE: an offer (the caller's
 * SDP, RTP/SAVP with one a=crypto line, the callee's leg asked as RTP/AVP)
 * and, once its reply came, the answer (the callee's plain SDP). `window`
 * calls are in flight at once, as a SIP proxy's many workers keep several
 * going. A round sets up `calls` calls, timed, then deletes them all,
 * timed apart; rounds alternate between the engines so that noise falls
 * on both. Requests that get no reply in 2 s are sent again with the same
 * cookie (the engines answer those from their caches) and counted.
 *
 * Reported: pairs/s per round for each engine, their median, and the
 * ratio of the medians; --json writes the same as one object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"
#include "bencode.h"
#include "hostport.h"

#define ENGINES_MAX 4
#define ROUNDS_MAX 64
#define RETRY_NS 2000000000ull

struct engine {
	const char *name;
	struct sockaddr_in addr;
	double pairs_s[ROUNDS_MAX];
	double deletes_s[ROUNDS_MAX];
	double ring_s[ROUNDS_MAX]; /* mediagate: ring requests acked per s */
	uint64_t errors, retries;
};

struct call {
	uint8_t stage;         /* 0 offer sent, 1 answer sent, 2 done */
	uint64_t sent_ns;
};

struct run {
	int fd;
	uint32_t calls, window, round;
	struct call *c;
	char buf[8192];
};

static const char offer_sdp[] =
	"v=0\r\no=caller 1 1 IN IP4 198.51.100.1\r\ns=-\r\n"
	"c=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

static const char answer_sdp[] =
	"v=0\r\no=callee 1 1 IN IP4 192.0.2.7\r\ns=-\r\n"
	"c=IN IP4 192.0.2.7\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";


/* "<round>-<call>-<stage> d...e": the cookie says whose reply it is. */
static size_t
request(struct run *r, uint32_t i, int stage)
{
	struct mg_benc e = { .buf = r->buf, .cap = sizeof(r->buf) };
	char id[32], cookie[40];

	snprintf(id, sizeof(id), "bench-%u-%u", r->round, i);
	/* The pid keeps two runs' cookies apart: the engines cache replies
	 * by cookie for 30 s and would answer a second run from the cache. */
	snprintf(cookie, sizeof(cookie), "%u-%u-%d-%d ", r->round, i, stage,
		 (int)getpid());
	e.len = (size_t)snprintf(r->buf, sizeof(r->buf), "%s", cookie);
	mg_benc_open(&e, 'd');
	if (stage == 0) {
		mg_benc_kv_cstr(&e, "call-id", id);
		mg_benc_kv_cstr(&e, "command", "offer");
		mg_benc_kv_cstr(&e, "from-tag", "caller");
		mg_benc_kv_cstr(&e, "sdp", offer_sdp);
		mg_benc_kv_cstr(&e, "transport-protocol", "RTP/AVP");
	} else if (stage == 1) {
		mg_benc_kv_cstr(&e, "call-id", id);
		mg_benc_kv_cstr(&e, "command", "answer");
		mg_benc_kv_cstr(&e, "from-tag", "caller");
		mg_benc_kv_cstr(&e, "sdp", answer_sdp);
		mg_benc_kv_cstr(&e, "to-tag", "callee");
	} else {
		mg_benc_kv_cstr(&e, "call-id", id);
		mg_benc_kv_cstr(&e, "command", "delete");
	}
	mg_benc_close(&e);
	return e.len;
}

static void
send_stage(struct run *r, const struct engine *en, uint32_t i, int stage)
{
	size_t n = request(r, i, stage);

	(void)sendto(r->fd, r->buf, n, 0, (const struct sockaddr *)&en->addr,
		     sizeof(en->addr));
	r->c[i].stage = (uint8_t)stage;
	r->c[i].sent_ns = now_ns();
}

/* One reply: which call and stage it is for, and whether it says ok. */
static int
parse_reply(const struct run *r, const char *msg, ssize_t len, uint32_t *i,
	    int *stage, int *ok)
{
	unsigned int rd, ci;
	int st;

	if (len <= 0 || sscanf(msg, "%u-%u-%d-", &rd, &ci, &st) != 3 ||
	    rd != r->round || ci >= r->calls)
		return -1;
	*i = ci;
	*stage = st;
	*ok = memmem(msg, (size_t)len, "6:result2:ok", 12) != NULL;
	return 0;
}

static void
retry_late(struct run *r, struct engine *en, int last_stage)
{
	uint64_t t = now_ns();

	for (uint32_t i = 0; i < r->calls; i++)
		if (r->c[i].stage <= last_stage && r->c[i].sent_ns &&
		    t - r->c[i].sent_ns > RETRY_NS) {
			send_stage(r, en, i, r->c[i].stage);
			en->retries++;
		}
}

/* Offers then answers for every call, `window` calls in flight; or the
 * deletes (stage 2), as many in flight. Returns the seconds it took. */
static double
phase(struct run *r, struct engine *en, int deletes)
{
	uint32_t next = 0, done = 0;
	uint64_t t0 = now_ns();
	static char msg[65536];

	memset(r->c, 0, r->calls * sizeof(*r->c));
	for (; next < r->calls && next < r->window; next++)
		send_stage(r, en, next, deletes ? 2 : 0);
	while (done < r->calls) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		uint32_t i;
		int stage, ok;
		ssize_t len;

		if (poll(&p, 1, 100) <= 0) {
			retry_late(r, en, deletes ? 2 : 1);
			continue;
		}
		len = recv(r->fd, msg, sizeof(msg) - 1, 0);
		if (parse_reply(r, msg, len, &i, &stage, &ok) != 0 ||
		    stage != r->c[i].stage)
			continue; /* a late duplicate */
		en->errors += !ok;
		if (stage == 0) {
			send_stage(r, en, i, 1);
			continue;
		}
		r->c[i].stage = 3;
		done++;
		if (next < r->calls)
			send_stage(r, en, next++, deletes ? 2 : 0);
	}
	return (double)(now_ns() - t0) / 1e9;
}

/* mediagate's statistics count ring requests; others have none (-1). */
static int64_t
ring_requests(struct run *r, const struct engine *en)
{
	static char msg[65536];
	static unsigned int asked;
	char req[64];
	int n = snprintf(req, sizeof(req), "stats%d-%u d7:command10:statisticse",
			 (int)getpid(), asked++);
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	const char *k;
	ssize_t len;

	(void)sendto(r->fd, req, (size_t)n, 0,
		     (const struct sockaddr *)&en->addr, sizeof(en->addr));
	while (poll(&p, 1, 2000) > 0) {
		len = recv(r->fd, msg, sizeof(msg) - 1, 0);
		if (len < n || memcmp(msg, req, (size_t)(strchr(req, ' ') - req)) != 0)
			continue; /* a late reply of the phase */
		msg[len] = '\0';
		k = strstr(msg, "13:ring requestsi");
		return k ? strtoll(k + 17, NULL, 10) : -1;
	}
	return -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, uint32_t n)
{
	double s[ROUNDS_MAX];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int
parse_engine(const char *arg, struct engine *en)
{
	const char *eq = strchr(arg, '=');
	char host[64];
	uint16_t port;

	if (eq == NULL || mg_hostport_split(eq + 1, host, sizeof(host),
					    &port) != 0 ||
	    inet_pton(AF_INET, host, &en->addr.sin_addr) != 1)
		return -1;
	en->name = strndup(arg, (size_t)(eq - arg));
	en->addr.sin_family = AF_INET;
	en->addr.sin_port = htons(port);
	return 0;
}

static void
report(const struct engine *en, uint32_t nb, uint32_t rounds,
       const struct run *r, int json)
{
	double base = median(en[0].pairs_s, rounds);

	if (json) {
		printf("{\"bench\":\"ng_offer_answer\",\"calls_per_round\":%u,"
		       "\"window\":%u,\"rounds\":%u,\"engines\":[", r->calls,
		       r->window, rounds);
		for (uint32_t e = 0; e < nb; e++)
			printf("%s{\"name\":\"%s\",\"pairs_per_s_median\":%.0f,"
			       "\"deletes_per_s_median\":%.0f,"
			       "\"ring_requests_per_s_median\":%.0f,\"errors\":%llu,"
			       "\"retries\":%llu,\"ratio_first_to_this\":%.2f}",
			       e ? "," : "", en[e].name,
			       median(en[e].pairs_s, rounds),
			       median(en[e].deletes_s, rounds),
			       median(en[e].ring_s, rounds),
			       (unsigned long long)en[e].errors,
			       (unsigned long long)en[e].retries,
			       base / median(en[e].pairs_s, rounds));
		printf("]}\n");
		return;
	}
	printf("ng offer/answer: %u calls a round, %u in flight, %u rounds, "
	       "medians\n", r->calls, r->window, rounds);
	printf("%-12s %12s %12s %14s %8s %8s %10s\n", "engine", "pairs/s",
	       "deletes/s", "ring req/s", "errors", "retries", "first/this");
	for (uint32_t e = 0; e < nb; e++)
		printf("%-12s %12.0f %12.0f %14.0f %8llu %8llu %10.2f\n",
		       en[e].name, median(en[e].pairs_s, rounds),
		       median(en[e].deletes_s, rounds),
		       median(en[e].ring_s, rounds),
		       (unsigned long long)en[e].errors,
		       (unsigned long long)en[e].retries,
		       base / median(en[e].pairs_s, rounds));
}

static const char usage[] =
	"usage: ng_bench --engine NAME=IP:PORT [--engine ...] [--calls N]\n"
	"                [--window N] [--rounds N] [--json] [--keep]\n";

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "calls", required_argument, NULL, 'c' },
		{ "window", required_argument, NULL, 'w' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct engine en[ENGINES_MAX];
	struct run r = { .calls = 2000, .window = 64 };
	uint32_t nb = 0, rounds = 5;
	int json = 0, keep = 0, opt;

	memset(en, 0, sizeof(en));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'e' && (nb == ENGINES_MAX ||
				   parse_engine(optarg, &en[nb++]) != 0)) {
			fprintf(stderr, "ng_bench: --engine NAME=IP:PORT\n");
			return 2;
		}
		if (opt == 'c')
			r.calls = (uint32_t)strtoul(optarg, NULL, 10);
		if (opt == 'w')
			r.window = (uint32_t)strtoul(optarg, NULL, 10);
		if (opt == 'r')
			rounds = (uint32_t)strtoul(optarg, NULL, 10);
		if (opt == 'j')
			json = 1;
		if (opt == 'k')
			keep = 1;
		if (opt == '?')
			return fputs(usage, stderr), 2;
	}
	if (nb == 0 || r.calls == 0 || r.window == 0 || rounds == 0 ||
	    rounds > ROUNDS_MAX)
		return fputs(usage, stderr), 2;
	r.c = calloc(r.calls, sizeof(*r.c));
	r.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (r.c == NULL || r.fd < 0)
		return perror("ng_bench"), 1;
	for (r.round = 0; r.round < rounds; r.round++)
		for (uint32_t e = 0; e < nb; e++) {
			int64_t before = ring_requests(&r, &en[e]);
			double t = phase(&r, &en[e], 0);
			int64_t after = ring_requests(&r, &en[e]);

			en[e].pairs_s[r.round] = r.calls / t;
			en[e].ring_s[r.round] = before < 0 ? -1 :
						(double)(after - before) / t;
			/* --keep: the last round's calls stay up (for
			 * bench/replay_bench.sh). */
			en[e].deletes_s[r.round] = keep && r.round + 1 == rounds ?
				0 : r.calls / phase(&r, &en[e], 1);
			if (!json)
				fprintf(stderr, "round %u %s: %.0f pairs/s\n",
					r.round + 1, en[e].name,
					en[e].pairs_s[r.round]);
		}
	report(en, nb, rounds, &r, json);
	free(r.c);
	close(r.fd);
	return 0;
}
