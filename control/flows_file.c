/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_spec.h"
#include "flows_file.h"
#include "hostport.h"
#include "sdes.h"

#define LINE_MAX_LEN 1024

/* "a.b.c.d:port" or "[v6]:port". */
static int
parse_addr(const char *s, struct mg_ctl_addr *a)
{
	char host[64];
	uint16_t port;

	memset(a, 0, sizeof(*a));
	if (mg_hostport_split(s, host, sizeof(host), &port) != 0)
		return -1;
	a->port = htons(port);
	if (inet_pton(AF_INET, host, a->ip) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, host, a->ip) == 1)
		a->family = 6;
	else
		return -1;
	return 0;
}

static int
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 0);
	if (*end || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static const char *const action_names[MG_FLOW_ACTION_MAX] = {
	[MG_FLOW_DROP] = "drop", [MG_FLOW_RELAY] = "relay",
	[MG_FLOW_SRTP_TO_RTP] = "srtp-to-rtp",
	[MG_FLOW_RTP_TO_SRTP] = "rtp-to-srtp",
	[MG_FLOW_SRTP_TO_SRTP] = "srtp-to-srtp",
};

static int
parse_action(const char *s, uint16_t *out)
{
	for (uint16_t a = 1; a < MG_FLOW_ACTION_MAX; a++)
		if (strcmp(s, action_names[a]) == 0)
			return *out = a, 0;
	return -1;
}

/* One "key=value" or flag of a flow line. */
static int
flow_field(const char *tok, struct mg_ctl_flow *f, uint32_t *out_port,
	   uint8_t *churn)
{
	const char *eq = strchr(tok, '=');
	const char *v = eq ? eq + 1 : NULL;
	size_t k = eq ? (size_t)(eq - tok) : strlen(tok);

#define KEY(name) (k == sizeof(name) - 1 && strncmp(tok, name, k) == 0)
	if (v == NULL) {
		if (KEY("latch"))
			return f->flags |= MG_FLOW_F_LATCH, 0;
		if (KEY("strict"))
			return f->flags |= MG_FLOW_F_STRICT, 0;
		if (KEY("rtcp"))
			return f->flags |= MG_FLOW_F_RTCP, 0;
		if (KEY("churn"))
			return *churn = 1, 0;
		if (KEY("esp-udp"))
			return f->flags |= MG_FLOW_F_ESP_UDP, 0;
		if (KEY("any-udp"))
			return f->flags |= MG_FLOW_F_ANY_UDP, 0;
		return -1;
	}
	if (KEY("local"))
		return parse_addr(v, &f->local);
	if (KEY("remote"))
		return parse_addr(v, &f->remote);
	if (KEY("out-src"))
		return parse_addr(v, &f->out_src);
	if (KEY("out-dst"))
		return parse_addr(v, &f->out_dst);
	if (KEY("out-smac"))
		return mg_mac_parse(v, f->out_src_mac);
	if (KEY("out-dmac"))
		return mg_mac_parse(v, f->out_dst_mac);
	if (KEY("action"))
		return parse_action(v, &f->action);
	if (KEY("rx"))
		return parse_u32(v, UINT32_MAX, &f->rx_ctx);
	if (KEY("tx"))
		return parse_u32(v, UINT32_MAX, &f->tx_ctx);
	if (KEY("rx2"))
		return parse_u32(v, UINT32_MAX, &f->rx_ctx2);
	if (KEY("peer"))
		return parse_u32(v, UINT32_MAX, &f->peer);
	if (KEY("rx-esp"))
		return parse_u32(v, UINT32_MAX, &f->rx_esp);
	if (KEY("tx-esp"))
		return parse_u32(v, UINT32_MAX, &f->tx_esp);
	if (KEY("rx-esp2"))
		return parse_u32(v, UINT32_MAX, &f->rx_esp2);
	if (KEY("out-port"))
		return parse_u32(v, 65535, out_port);
#undef KEY
	return -1;
}

static int
parse_flow(char *rest, struct mg_ctl_msg *m, uint8_t *churn, char *why,
	   size_t wl)
{
	struct mg_ctl_flow *f = &m->u.flow;
	uint32_t out_port = 0;
	char *save = NULL, *tok = strtok_r(rest, " \t", &save);

	m->h.type = MG_CTL_FLOW_ADD;
	m->h.len = sizeof(*f);
	if (tok == NULL || parse_u32(tok, UINT32_MAX, &f->id) != 0 || !f->id)
		return snprintf(why, wl, "flow needs an id"), -1;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
		if (flow_field(tok, f, &out_port, churn) != 0)
			return snprintf(why, wl, "bad flow field '%s'", tok), -1;
	f->out_port = (uint16_t)out_port;
	if (f->local.family == 0 || f->action == 0)
		return snprintf(why, wl, "flow needs local= and action="), -1;
	return 0;
}

static int
parse_srtp(char *rest, struct mg_ctl_msg *m, char *why, size_t wl)
{
	struct mg_ctl_srtp_add *a = &m->u.srtp_add;
	char *save = NULL, *tok = strtok_r(rest, " \t", &save);
	uint32_t v;

	m->h.type = MG_CTL_SRTP_ADD;
	m->h.len = sizeof(*a);
	if (tok == NULL || parse_u32(tok, UINT32_MAX, &a->id) != 0 || !a->id)
		return snprintf(why, wl, "srtp needs an id"), -1;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (mg_sdes_suite(tok, strlen(tok)) != 0) {
			/* The rest of the line is the SDES attribute. */
			if (save && *save)
				save[-1] = ' ';
			return mg_sdes_parse(tok, &a->policy, why, wl) ? -1 : 0;
		}
		if (strcmp(tok, "ssrc=any") == 0)
			a->policy.flags |= MG_SRTP_F_ANY_SSRC;
		else if (strncmp(tok, "ssrc=", 5) == 0 &&
			 parse_u32(tok + 5, UINT32_MAX, &a->policy.ssrc) == 0)
			;
		else if (strncmp(tok, "roc=", 4) == 0 &&
			 parse_u32(tok + 4, UINT32_MAX, &a->policy.roc) == 0)
			;
		else if (strncmp(tok, "window=", 7) == 0 &&
			 parse_u32(tok + 7, MG_SRTP_WINDOW_MAX, &v) == 0)
			a->policy.window = (uint16_t)v;
		else
			return snprintf(why, wl, "bad srtp field '%s'", tok), -1;
	}
	return snprintf(why, wl, "srtp needs a crypto suite and key"), -1;
}

static int
parse_esp(char *rest, struct mg_ctl_msg *m, char *why, size_t wl)
{
	struct mg_ctl_esp_add *a = &m->u.esp_add;
	char *save = NULL, *tok = strtok_r(rest, " \t", &save);

	m->h.type = MG_CTL_ESP_ADD;
	m->h.len = sizeof(*a);
	if (tok == NULL || parse_u32(tok, UINT32_MAX, &a->id) != 0 || !a->id)
		return snprintf(why, wl, "esp needs an id"), -1;
	return mg_esp_spec_parse(save ? save : (char *)"", a, why, wl);
}

static int
parse_line(char *line, struct mg_ctl_msg *m, uint8_t *churn, char *why,
	   size_t wl)
{
	char *p = line + strspn(line, " \t");

	memset(m, 0, sizeof(*m));
	*churn = 0;
	if (strncmp(p, "srtp ", 5) == 0)
		return parse_srtp(p + 5, m, why, wl);
	if (strncmp(p, "flow ", 5) == 0)
		return parse_flow(p + 5, m, churn, why, wl);
	if (strncmp(p, "esp ", 4) == 0)
		return parse_esp(p + 4, m, why, wl);
	snprintf(why, wl, "a line is 'srtp ...', 'esp ...' or 'flow ...'");
	return -1;
}

static int
grow(struct mg_flows_file *f, uint32_t *cap)
{
	uint32_t n = *cap ? 2 * *cap : 64;
	struct mg_ctl_msg *m = realloc(f->msgs, n * sizeof(*m));
	uint8_t *c;
	uint64_t *p;

	if (m == NULL)
		return -1;
	f->msgs = m;
	c = realloc(f->churn, n);
	if (c == NULL)
		return -1;
	f->churn = c;
	p = realloc(f->posted, n * sizeof(*p));
	if (p == NULL)
		return -1;
	f->posted = p;
	*cap = n;
	return 0;
}

static bool
blank(const char *s)
{
	s += strspn(s, " \t\r\n");
	return *s == '\0' || *s == '#';
}

int
mg_flows_file_load(const char *path, struct mg_flows_file *f, char *err,
		   size_t errlen)
{
	char line[LINE_MAX_LEN], why[160];
	uint32_t cap = 0, lineno = 0;
	FILE *fp = fopen(path, "r");
	int rc = 0;

	memset(f, 0, sizeof(*f));
	if (fp == NULL)
		return snprintf(err, errlen, "%s: %s", path, strerror(errno)),
		       -errno;
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (blank(line))
			continue;
		if (f->nb_msgs == cap && grow(f, &cap) != 0) {
			rc = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			break;
		}
		f->posted[f->nb_msgs] = 0;
		if (parse_line(line, &f->msgs[f->nb_msgs], &f->churn[f->nb_msgs],
			       why, sizeof(why))) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			rc = -EINVAL;
			break;
		}
		switch (f->msgs[f->nb_msgs++].h.type) {
		case MG_CTL_SRTP_ADD: f->nb_srtp++; break;
		case MG_CTL_ESP_ADD: f->nb_esp++; break;
		default: f->nb_flows++; break;
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(fp);
	if (rc != 0)
		mg_flows_file_free(f);
	return rc;
}

void
mg_flows_file_free(struct mg_flows_file *f)
{
	if (f->msgs != NULL)
		explicit_bzero(f->msgs, (size_t)f->nb_msgs * sizeof(*f->msgs));
	free(f->msgs);
	free(f->churn);
	free(f->posted);
	memset(f, 0, sizeof(*f));
}
