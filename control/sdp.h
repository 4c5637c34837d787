/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP (RFC 8866) as a media engine sees it: the lines it owns are parsed
 * (o=, c= at session and media level, m=, a=rtcp, a=rtcp-mux, a=crypto,
 * the direction attributes, ICE candidates), everything else is kept to
 * be written back byte for byte. Parsing points into the caller's buffer
 * and never allocates; limits on lines and media sections bound the work.
 */
#ifndef MG_CTL_SDP_H
#define MG_CTL_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MG_SDP_LINES_MAX 512
#define MG_SDP_MEDIA_MAX 16
#define MG_SDP_CRYPTO_MAX 16   /* a=crypto lines per m= section */
#define MG_SDP_LINE_LEN_MAX 4096
#define MG_SDP_IPSEC_MAX 8     /* a=ipsec lines per level */
#define MG_SDP_PREC_MAX 8      /* sec precondition lines per level */

struct mg_sdp_str {
	const char *p;
	uint16_t len;
};

enum mg_sdp_dir { MG_SDP_SENDRECV = 0, MG_SDP_SENDONLY, MG_SDP_RECVONLY,
		  MG_SDP_INACTIVE };

struct mg_sdp_crypto {
	uint32_t tag;
	struct mg_sdp_str suite;
	struct mg_sdp_str rest;  /* key-params and session parameters */
	uint16_t line;
};

/* The a=ipsec lines (docs/esp-in-sdp.md) and the "sec" precondition
 * lines (a=curr:sec, a=des:sec, a=conf:sec; RFC 5027) of one level, the
 * session's or a media section's: where they are, for the negotiation to
 * read and the writer to replace. The values are parsed there. */
struct mg_sdp_sec {
	uint8_t nipsec, nprec;
	uint16_t ipsec[MG_SDP_IPSEC_MAX];  /* line indices */
	uint16_t prec[MG_SDP_PREC_MAX];
};

struct mg_sdp_media {
	uint16_t first_line, end_line;  /* [m= line, next section) */
	struct mg_sdp_str type;         /* audio, video, ... */
	uint16_t port, nports;          /* nports: 1 unless "port/n" */
	struct mg_sdp_str proto;        /* RTP/AVP, RTP/SAVP, ... */
	struct mg_sdp_str fmts;         /* the formats, as written */
	struct mg_sdp_str addr;         /* from c=, this level or session */
	uint8_t family;                 /* 4 or 6 */
	bool has_c;                     /* a c= line of its own */
	int rtcp_port;                  /* a=rtcp, or -1 */
	bool rtcp_mux;
	enum mg_sdp_dir dir;
	uint8_t ncrypto;
	struct mg_sdp_crypto crypto[MG_SDP_CRYPTO_MAX];
	struct mg_sdp_sec sec;
};

struct mg_sdp {
	struct mg_sdp_str lines[MG_SDP_LINES_MAX]; /* without line ends */
	uint16_t nlines;
	bool crlf;                    /* the line ends it used */
	int origin;                   /* the o= line */
	struct mg_sdp_str origin_addr;
	struct mg_sdp_str session_addr; /* session-level c=, or empty */
	uint8_t session_family;
	struct mg_sdp_sec sec;            /* session level */
	uint8_t nmedia;
	struct mg_sdp_media media[MG_SDP_MEDIA_MAX];
};

/* Parse; 0 or -EINVAL with a one-line reason in err (first line not v=0,
 * a line that is not x=, too many lines or sections, a bad m= or c=, a
 * media section with no address, a bad or duplicate a=crypto tag, too
 * many a=ipsec or sec precondition lines at one level). */
int mg_sdp_parse(const char *buf, size_t len, struct mg_sdp *sdp, char *err,
		 size_t errlen);

/* What the engine puts in place of what it owns, per media section. */
struct mg_sdp_media_out {
	uint16_t port;
	const char *proto;           /* NULL: as it was */
	const char *crypto;          /* a=crypto lines to write, each without
				      * its line end, '\n'-separated; NULL:
				      * keep the section's own */
	bool drop_crypto;            /* write none (plain RTP leg) */
	bool rtcp_mux;               /* write a=rtcp-mux; else a=rtcp:port+1 */
	bool no_rtcp;                /* neither: not RTP (transport udp) */
	/* a=ipsec and sec precondition lines: with `replace_sec` the
	 * section's own are left out and these written (each without its
	 * line end, '\n'-separated; NULL: none). */
	bool replace_sec;
	const char *ipsec;
	const char *prec;
};

struct mg_sdp_out {
	const char *addr;            /* c= (and o= if replace_origin) */
	uint8_t family;
	bool replace_origin;
	bool strip_ice;              /* drop a=candidate, a=ice-*, a=end-of-candidates */
	/* The same at session level, written before the first m= line. */
	bool replace_sec;
	const char *ipsec;
	const char *prec;
	struct mg_sdp_media_out media[MG_SDP_MEDIA_MAX];
};

/* Write sdp with what it owns replaced; every other line as it was.
 * Returns the length, or -ENOSPC if cap is too small. */
long mg_sdp_write(const struct mg_sdp *sdp, const struct mg_sdp_out *o,
		  char *out, size_t cap);

#endif /* MG_CTL_SDP_H */
