/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static flows: a file of SRTP contexts, ESP SAs and flows the control plane
 * installs in the dataplane when it attaches (and again after every
 * dataplane restart). For tests, benchmarks and fixed trunks; calls from
 * a SIP server come over the ng protocol instead. One object a line:
 *
 *   srtp ID [ssrc=HEX|any] [roc=N] [window=N] SUITE inline:KEY[|LT][|MKI:LEN] [PARAMS]
 *   esp ID in|out SUITE spi=HEX key=HEX ... (control/esp_spec.h)
 *   flow ID local=IP:PORT action=relay|srtp-to-rtp|rtp-to-srtp|srtp-to-srtp|drop
 *        [remote=IP:PORT] [rx=SRTP_ID [rx2=SRTP_ID]] [tx=SRTP_ID]
 *        [peer=FLOW_ID]
 *        out-port=N out-src=IP:PORT out-dst=IP:PORT out-dmac=MAC [out-smac=MAC]
 *        [rx-esp=ESP_ID [rx-esp2=ESP_ID]] [tx-esp=ESP_ID] [esp-udp]
 *        [any-udp]
 *        [latch] [strict] [rtcp] [churn]
 *
 * `churn` marks a flow that --churn deletes and installs again, with its
 * contexts, over and over while the others carry traffic (a test of the
 * dataplane's RCU path, not a feature of calls).
 * The SDES part is an a=crypto line without its tag (RFC 4568). IPv6
 * addresses go in brackets: [2001:db8::1]:5004. '#' starts a comment.
 */
#ifndef MG_CTL_FLOWS_FILE_H
#define MG_CTL_FLOWS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "mg_ctl_abi.h"

struct mg_flows_file {
	struct mg_ctl_msg *msgs;  /* SRTP_ADD and FLOW_ADD, in file order */
	uint8_t *churn;           /* per message: a `churn` flow */
	uint64_t *posted;         /* per message: the dataplane epoch an
				   * outbound ESP SA was first posted to */
	uint32_t nb_msgs;
	uint32_t nb_srtp, nb_flows, nb_esp;
};

/* Read and check the whole file. Returns 0, or -errno with "FILE:LINE:
 * why" in err. */
int mg_flows_file_load(const char *path, struct mg_flows_file *f, char *err,
		       size_t errlen);

/* Wipe the keys and free. */
void mg_flows_file_free(struct mg_flows_file *f);

#endif /* MG_CTL_FLOWS_FILE_H */
