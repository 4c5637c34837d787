/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calls.h"

#define CALLS_MAGIC 0x534c4c4143474d47ull /* "GMGCALLS" little-endian */
#define CALLS_VERSION 9u /* 3: flows carry ESP SA ids (ABI 5); 4: sec
			     * precondition tables; 5: ESP per party;
			     * 6: several ESP lines offered; 7: ESP rekey;
			     * 8: page-sized records, ESP offers at the end;
			     * 9: SRTP contexts drain after a rekey (ABI 6) */
/* SPI blocks of 256: 1 .. this (SPIs 0x100 .. 0xffffff00). */
#define SPI_BLOCKS 0xffffffu
#define HDR_BYTES 4096u

static uint32_t
hash_id(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a: call-ids are short strings */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static uint32_t *
chain_of(struct mg_calls *c, const char *id, size_t len)
{
	return &c->heads[hash_id(id, len) & (c->nb_heads - 1)];
}

/* Maps the state file; its descriptor stays open in *fdp for rebuild. */
static int
map_file(struct mg_calls *c, const struct mg_calls_config *cfg, int *fdp,
	 char *err, size_t errlen)
{
	size_t len = HDR_BYTES + (size_t)cfg->max_calls * sizeof(struct mg_call);
	struct stat st;
	void *m;
	int fd = open(cfg->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || fchmod(fd, 0600) != 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "state file %s: %s", cfg->path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	if (st.st_size != 0 && (size_t)st.st_size != len) {
		close(fd);
		snprintf(err, errlen, "state file %s was made for another "
			 "--max-calls or build (%lld bytes, want %zu): move "
			 "it away", cfg->path, (long long)st.st_size, len);
		return -EINVAL;
	}
	if (st.st_size == 0 && ftruncate(fd, (off_t)len) != 0) {
		snprintf(err, errlen, "state file %s: %s", cfg->path,
			 strerror(errno));
		close(fd);
		return -errno;
	}
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		snprintf(err, errlen, "state file %s: mmap: %s", cfg->path,
			 strerror(errno));
		close(fd);
		return -errno;
	}
	*fdp = fd;
	madvise(m, len, MADV_DONTDUMP); /* keys */
	c->hdr = m;
	c->slot = (struct mg_call *)((char *)m + HDR_BYTES);
	c->map_len = len;
	return 0;
}

static int
check_hdr(struct mg_calls *c, const struct mg_calls_config *cfg, char *err,
	  size_t errlen)
{
	struct mg_calls_file_hdr *h = c->hdr;

	if (h->magic == 0) {
		h->version = CALLS_VERSION;
		h->record_size = sizeof(struct mg_call);
		h->slots = cfg->max_calls;
		__atomic_store_n(&h->magic, CALLS_MAGIC, __ATOMIC_RELEASE);
		return 0;
	}
	if (h->magic != CALLS_MAGIC || h->version != CALLS_VERSION ||
	    h->record_size != sizeof(struct mg_call) ||
	    h->slots != cfg->max_calls) {
		snprintf(err, errlen, "state file %s is not this build's "
			 "(magic, version, record size or slots differ): "
			 "move it away", cfg->path);
		return -EINVAL;
	}
	return 0;
}

static int
make_pools(struct mg_calls *c, const struct mg_calls_config *cfg)
{
	uint32_t lo = (cfg->port_min + 1u) & ~1u;

	c->nb_addrs = cfg->nb_addrs;
	for (uint32_t a = 0; a < cfg->nb_addrs; a++)
		if (mg_idpool_init(&c->ports[a], lo, cfg->port_max - 1u, 2) != 0)
			return -ENOMEM;
	if (mg_idpool_init(&c->flow_ids, 1, cfg->max_flows, 1) != 0 ||
	    mg_idpool_init(&c->ctx_ids, 1, cfg->max_flows * 2, 1) != 0 ||
	    mg_idpool_init(&c->esp_ids, 1, cfg->max_flows * 2, 1) != 0 ||
	    mg_idpool_init(&c->spi_blocks, 1, SPI_BLOCKS, 1) != 0)
		return -ENOMEM;
	return 0;
}

void
mg_side_esp_each(const struct mg_side_esp *e,
		 const struct mg_ipsec_attr *offers,
		 void (*fn)(void *arg, int pool, uint32_t v), void *arg)
{
	uint32_t ours = e->ours.spi >> 8;
	uint32_t offer = e->offered ? offers[0].spi >> 8 : 0;
	uint32_t blocks[] = { ours, e->in_block != ours ? e->in_block : 0,
			      offer != ours ? offer : 0,
			      e->drain_block, e->retire_block[0],
			      e->retire_block[1], e->retire_block[2] };
	uint32_t ids[] = { e->sa_in, e->sa_out, e->sa_drain, e->sa_retire[0],
			   e->sa_retire[1], e->sa_retire[2] };

	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (blocks[i])
			fn(arg, 0, blocks[i]);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i])
			fn(arg, 1, ids[i]);
}

struct esp_mark {
	struct mg_calls *c;
	bool ok;
};

static void
esp_mark(void *arg, int pool, uint32_t v)
{
	struct esp_mark *k = arg;

	k->ok &= mg_idpool_mark(pool ? &k->c->esp_ids : &k->c->spi_blocks, v);
}

static void
esp_put(void *arg, int pool, uint32_t v)
{
	struct mg_calls *c = arg;

	mg_idpool_put(pool ? &c->esp_ids : &c->spi_blocks, v);
}

/* A recovered call takes its ports and ids back; one that clashes (a
 * file edited by hand, or pools made smaller) is dropped, not trusted. */
static bool
reclaim(struct mg_calls *c, struct mg_call *call)
{
	bool ok = call->addr < c->nb_addrs;

	for (uint32_t m = 0; ok && m < call->nb_media && m < MG_CALL_MEDIA_MAX;
	     m++) {
		struct mg_media_pair *mp = &call->media[m];

		for (int s = 0; s < 2; s++) {
			const struct mg_side_esp *e = &mp->side[s].esp;

			if (mp->side[s].port)
				ok &= mg_idpool_mark(&c->ports[call->addr],
						     mp->side[s].port);
			if (e->owner == m) {
				struct esp_mark k = { c, true };

				mg_side_esp_each(e, MG_CALL_ESP_OFFERS_OF(call, m, s),
						 esp_mark, &k);
				ok &= k.ok;
			}
			for (int k = 0; k < 2; k++) {
				if (mp->flow[s][k])
					ok &= mg_idpool_mark(&c->flow_ids,
							     mp->flow[s][k]);
				if (mp->rx_ctx[s][k])
					ok &= mg_idpool_mark(&c->ctx_ids,
							     mp->rx_ctx[s][k]);
				if (mp->tx_ctx[s][k])
					ok &= mg_idpool_mark(&c->ctx_ids,
							     mp->tx_ctx[s][k]);
				if (mp->installed[s][k].rx_ctx2)
					ok &= mg_idpool_mark(&c->ctx_ids,
						mp->installed[s][k].rx_ctx2);
			}
		}
	}
	return ok && call->nb_media <= MG_CALL_MEDIA_MAX;
}

static void
link_call(struct mg_calls *c, struct mg_call *call)
{
	uint32_t *head = chain_of(c, call->call_id, strlen(call->call_id));
	uint32_t i = (uint32_t)(call - c->slot);

	call->hash_next = *head;
	*head = i + 1;
	c->live[i / 64] |= 1ull << (i % 64);
	c->nb_calls++;
}

void
mg_call_wipe(struct mg_call *call)
{
	uint32_t n = call->nb_media <= MG_CALL_MEDIA_MAX ? call->nb_media :
		     MG_CALL_MEDIA_MAX;

	if (call->esp_offered) {
		size_t bytes;
		void *p = mg_call_esp_offers_tail(call, n, &bytes);

		explicit_bzero(p, bytes);
	}
	/* Media before the header: cut short, it leaves no keys under a
	 * free state. */
	explicit_bzero(call->media, n * sizeof(call->media[0]));
	explicit_bzero(call, offsetof(struct mg_call, media));
}

struct mg_call *
mg_calls_next(struct mg_calls *c, uint32_t *i)
{
	uint32_t n = c->hdr != NULL ? c->hdr->slots : 0;

	while (*i < n) {
		uint64_t w = c->live[*i / 64] >> (*i % 64);

		if (w == 0) {
			*i = (*i | 63u) + 1;
			continue;
		}
		*i += (uint32_t)__builtin_ctzll(w);
		if (*i >= n)
			break;
		return &c->slot[(*i)++];
	}
	return NULL;
}

/* The recovered call's draining SAs and contexts, queued again. */
static void
requeue_drains(struct mg_calls *c, const struct mg_call *call)
{
	int rc = 0;

	for (uint32_t m = 0; m < call->nb_media; m++) {
		for (int s = 0; s < 2; s++) {
			const struct mg_side_esp *e = &call->media[m].side[s].esp;

			if (e->owner == m && e->sa_drain && e->drain_until_s)
				rc |= mg_calls_drain_add(c, call, m, s);
		}
		if (call->media[m].srtp_drain_until_s)
			rc |= mg_calls_srtp_drain_add(c, call, m);
	}
	if (rc != 0)
		fprintf(stderr, "mediagate-control: call %s: out of memory "
			"for what drains after its rekey\n", call->call_id);
}

static int
drain_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct mg_drain *)a)->until_s;
	uint64_t y = ((const struct mg_drain *)b)->until_s;

	return (x > y) - (x < y);
}

/*
 * The slots whose first page holds data in the state file: the only ones
 * that can hold a call. The rest are holes, free without being read (a
 * read would allocate them). A file system that cannot tell says all.
 */
static uint64_t *
slots_with_data(const struct mg_calls *c, int fd)
{
	uint32_t n = c->hdr->slots;
	uint64_t *has = calloc((n + 63u) / 64u, sizeof(*has));
	off_t end = (off_t)c->map_len, off = HDR_BYTES;
	const off_t size = sizeof(struct mg_call);

	while (has != NULL && off < end) {
		off_t d = lseek(fd, off, SEEK_DATA);
		off_t h = d < 0 ? end : lseek(fd, d, SEEK_HOLE);

		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0 || h < 0)
			d = HDR_BYTES, h = end;
		for (off_t i = (d - HDR_BYTES + size - 1) / size;
		     i < (h - HDR_BYTES + size - 1) / size && i < n; i++)
			has[i / 64] |= 1ull << (i % 64);
		off = h;
	}
	return has;
}

static void
rebuild(struct mg_calls *c, const uint64_t *has)
{
	for (uint32_t i = c->hdr->slots; i-- > 0;) {
		struct mg_call *call = &c->slot[i];

		if (!(has[i / 64] >> (i % 64) & 1)) {
			c->free_stack[c->nb_free++] = i;
			continue;
		}
		call->call_id[MG_CALL_ID_MAX] = '\0';
		if (mg_call_live(call) && reclaim(c, call)) {
			link_call(c, call);
			requeue_drains(c, call);
			c->recovered = true;
			continue;
		}
		if (mg_call_live(call))
			fprintf(stderr, "mediagate-control: dropped recovered "
				"call %s: its ports or ids clash\n",
				call->call_id);
		if (call->state != MG_CALL_FREE)
			mg_call_wipe(call);
		c->free_stack[c->nb_free++] = i;
	}
	if (c->nb_drains > 1)
		qsort(c->drains, c->nb_drains, sizeof(*c->drains), drain_cmp);
}

int
mg_calls_open(struct mg_calls *c, const struct mg_calls_config *cfg,
	      char *err, size_t errlen)
{
	uint64_t *has = NULL;
	int rc, fd = -1;

	memset(c, 0, sizeof(*c));
	if (cfg->max_calls == 0 || cfg->port_max <= cfg->port_min + 1u ||
	    cfg->nb_addrs == 0 || cfg->nb_addrs > MG_CALL_ADDRS_MAX)
		return snprintf(err, errlen, "no calls, ports or addresses"),
		       -EINVAL;
	rc = map_file(c, cfg, &fd, err, errlen);
	if (rc == 0)
		rc = check_hdr(c, cfg, err, errlen);
	for (c->nb_heads = 64; rc == 0 && c->nb_heads < cfg->max_calls * 2;)
		c->nb_heads <<= 1;
	if (rc == 0) {
		c->heads = calloc(c->nb_heads, sizeof(*c->heads));
		c->free_stack = calloc(cfg->max_calls, sizeof(*c->free_stack));
		c->live = calloc((cfg->max_calls + 63u) / 64u,
				 sizeof(*c->live));
		has = slots_with_data(c, fd);
		if (c->heads == NULL || c->free_stack == NULL ||
		    c->live == NULL || has == NULL || make_pools(c, cfg) != 0)
			rc = (snprintf(err, errlen, "out of memory"), -ENOMEM);
	}
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		rebuild(c, has);
	else
		mg_calls_close(c);
	free(has);
	return rc;
}

void
mg_calls_close(struct mg_calls *c)
{
	if (c->hdr != NULL)
		munmap(c->hdr, c->map_len);
	free(c->heads);
	free(c->free_stack);
	free(c->live);
	free(c->drains);
	for (uint32_t a = 0; a < MG_CALL_ADDRS_MAX; a++)
		mg_idpool_free(&c->ports[a]);
	mg_idpool_free(&c->flow_ids);
	mg_idpool_free(&c->ctx_ids);
	mg_idpool_free(&c->esp_ids);
	mg_idpool_free(&c->spi_blocks);
	memset(c, 0, sizeof(*c));
}

struct mg_call *
mg_calls_find(struct mg_calls *c, const char *call_id, size_t len)
{
	if (len > MG_CALL_ID_MAX)
		return NULL;
	for (uint32_t i = *chain_of(c, call_id, len); i != 0;
	     i = c->slot[i - 1].hash_next) {
		struct mg_call *call = &c->slot[i - 1];

		if (strncmp(call->call_id, call_id, len) == 0 &&
		    call->call_id[len] == '\0')
			return call;
	}
	return NULL;
}

struct mg_call *
mg_calls_add(struct mg_calls *c, const char *call_id, size_t len)
{
	struct mg_call *call;

	if (len == 0 || len > MG_CALL_ID_MAX || c->nb_free == 0)
		return NULL;
	call = &c->slot[c->free_stack[--c->nb_free]];
	/* A free record is zero (wiped, or a hole): its first page is all
	 * that is cleared again, so the others stay unallocated. */
	memset(call, 0, mg_call_front_bytes(1));
	memcpy(call->call_id, call_id, len);
	for (uint32_t a = 1; a < c->nb_addrs; a++)
		if (c->ports[a].used < c->ports[call->addr].used)
			call->addr = a;
	call->state = MG_CALL_OFFERED;
	link_call(c, call);
	return call;
}

static void
unlink_call(struct mg_calls *c, struct mg_call *call)
{
	uint32_t me = (uint32_t)(call - c->slot) + 1;
	uint32_t *p = chain_of(c, call->call_id, strlen(call->call_id));

	while (*p != 0 && *p != me)
		p = &c->slot[*p - 1].hash_next;
	if (*p == me)
		*p = call->hash_next;
	c->live[(me - 1) / 64] &= ~(1ull << ((me - 1) % 64));
	c->nb_calls--;
}

/* Into the queue in time order: from its end, as times mostly come in
 * order (SAs and contexts drain for times of their own). */
static int
drain_queue(struct mg_calls *c, const struct mg_drain *nd)
{
	struct mg_drain *d;
	uint32_t i;

	if (c->nb_drains == c->drain_cap) {
		uint32_t cap = c->drain_cap ? c->drain_cap * 2 : 64;

		d = calloc(cap, sizeof(*d));
		if (d == NULL)
			return -ENOMEM;
		for (i = 0; i < c->nb_drains; i++)
			d[i] = c->drains[(c->drain_head + i) % c->drain_cap];
		free(c->drains);
		c->drains = d;
		c->drain_cap = cap;
		c->drain_head = 0;
	}
	for (i = c->nb_drains++; i > 0; i--) {
		struct mg_drain *prev = &c->drains[(c->drain_head + i - 1) %
						   c->drain_cap];

		if (prev->until_s <= nd->until_s)
			break;
		c->drains[(c->drain_head + i) % c->drain_cap] = *prev;
	}
	c->drains[(c->drain_head + i) % c->drain_cap] = *nd;
	return 0;
}

int
mg_calls_drain_add(struct mg_calls *c, const struct mg_call *call,
		   uint32_t m, int s)
{
	const struct mg_side_esp *e = &call->media[m].side[s].esp;
	struct mg_drain d = { .slot = (uint32_t)(call - c->slot),
			      .m = (uint8_t)m, .s = (uint8_t)s,
			      .id = e->sa_drain, .until_s = e->drain_until_s };

	return drain_queue(c, &d);
}

int
mg_calls_srtp_drain_add(struct mg_calls *c, const struct mg_call *call,
			uint32_t m)
{
	struct mg_drain d = { .slot = (uint32_t)(call - c->slot),
			      .m = (uint8_t)m, .srtp = 1,
			      .until_s = call->media[m].srtp_drain_until_s };

	return drain_queue(c, &d);
}

bool
mg_calls_drain_due(struct mg_calls *c, uint64_t now_s, struct mg_drain *d)
{
	if (c->nb_drains == 0 || c->drains[c->drain_head].until_s > now_s)
		return false;
	*d = c->drains[c->drain_head];
	c->drain_head = (c->drain_head + 1) % c->drain_cap;
	c->nb_drains--;
	return true;
}

void
mg_calls_remove(struct mg_calls *c, struct mg_call *call)
{
	unlink_call(c, call);
	for (uint32_t m = 0; m < call->nb_media && m < MG_CALL_MEDIA_MAX;
	     m++) {
		struct mg_media_pair *mp = &call->media[m];

		for (int s = 0; s < 2; s++) {
			const struct mg_side_esp *e = &mp->side[s].esp;

			mg_idpool_put(&c->ports[call->addr],
				      mp->side[s].port);
			if (e->owner == m)
				mg_side_esp_each(e, MG_CALL_ESP_OFFERS_OF(call, m, s),
						 esp_put, c);
			for (int k = 0; k < 2; k++) {
				mg_idpool_put(&c->flow_ids, mp->flow[s][k]);
				mg_idpool_put(&c->ctx_ids, mp->rx_ctx[s][k]);
				mg_idpool_put(&c->ctx_ids, mp->tx_ctx[s][k]);
			}
		}
	}
	mg_call_wipe(call);
	c->free_stack[c->nb_free++] = (uint32_t)(call - c->slot);
}

struct mg_call *
mg_calls_by_flow(struct mg_calls *c, uint32_t flow, int *side)
{
	struct mg_call *call;

	for (uint32_t i = 0; flow != 0 && (call = mg_calls_next(c, &i));)
		for (uint32_t m = 0; m < call->nb_media; m++)
			for (int s = 0; s < 2; s++)
				if (call->media[m].flow[s][0] == flow ||
				    call->media[m].flow[s][1] == flow) {
					*side = s;
					return call;
				}
	return NULL;
}
