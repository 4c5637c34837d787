/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MG_CTL_ARGS_H
#define MG_CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calls.h"
#include "mg_ctl_abi.h"

struct mg_ctl_config {
	char shm_name[MG_CTL_SHM_NAME_MAX];
	uint32_t ping_interval_ms; /* between pings */
	uint32_t ping_count;       /* exit 0 after this many acks; 0: run on */
	uint32_t ack_timeout_ms;
	uint32_t wait_dp_s;        /* give up if no dataplane by then; 0: wait */
	uint32_t duration_s;       /* stop after; 0: until a signal */
	bool remove_on_exit;       /* unlink the segment if no dataplane uses it */
	const char *flows_path;    /* static flows to install, or NULL */
	bool start;                /* send MG_CTL_START after installing */
	bool churn;                /* re-install `churn` flows in a loop */
	bool lcore_stats;          /* print MG_CTL_LCORE_STATS after pings */
	const char *ng_addr;       /* ng protocol UDP address, or NULL */
	/* Calls over ng: */
	char media_addr[MG_CALL_ADDRS_MAX][64]; /* our media IPs, as SDP
						 * writes them */
	struct mg_ctl_addr media[MG_CALL_ADDRS_MAX]; /* the same, parsed */
	uint32_t nb_media_addrs;
	uint32_t media_port;       /* DPDK port id media leaves by */
	uint8_t next_hop_mac[6];
	bool have_mac;
	uint32_t port_min, port_max;
	uint32_t max_calls;
	uint32_t max_flows;        /* the dataplane's --max-flows */
	const char *state_path;    /* NULL: /dev/shm/<segment>.calls */
	bool strict_source;
	uint32_t allow_weak;       /* enum mg_weak the calls' policy allows */
	bool sec_mandatory;        /* optional sec preconditions made mandatory */
	uint32_t esp_drain_s;      /* an ESP rekey's old inbound SA lives on */
	uint32_t srtp_drain_s;     /* an SDES rekey's old rx contexts, too */
	bool help;
};

/* Fill *cfg from argv. Returns 0, or -1 with one line in err. */
int mg_ctl_args_parse(int argc, char **argv, struct mg_ctl_config *cfg,
		      char *err, size_t errlen);

extern const char mg_ctl_usage[];

#endif /* MG_CTL_ARGS_H */
