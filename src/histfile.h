/*
 * histfile.h: an organization's history export (doc/audit.md, "History
 * export"), written by a member's client (sceau org export-history), by
 * the server's administrator (sceau-server --export-history) and by the
 * bench's generator; read by sceau-audit.
 *
 * One JSON object per line: a header, the certificates in index order
 * (envelopes as signed, identity blobs when the exporter had them), each
 * workspace's vlob versions (as signed and still encrypted) in the order
 * the server stored them, the CRLs and OCSP responses the exporter's
 * computer used, and an end line with the counts.  Nothing in a line but
 * the signed bytes is trusted: a vlob's workspace, id, version and author
 * are read from its signed header, never from the line.
 */
#ifndef SCEAU_HISTFILE_H
#define SCEAU_HISTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "defs.h"

#define SCEAU_HIST_FORMAT "sceau-history"
#define SCEAU_HIST_VERSION 1
/* One line: a 4 MiB vlob in base64 plus its fields. */
#define SCEAU_HIST_LINE_MAX (6UL * 1024 * 1024)

enum sceau_hist_type {
	SCEAU_HIST_HEADER = 1,
	SCEAU_HIST_CERT,
	SCEAU_HIST_VLOB,
	SCEAU_HIST_CRL,
	SCEAU_HIST_OCSP,
	SCEAU_HIST_END,
};

/*
 * A line read back.  Byte fields are decoded into the reader's buffers
 * and lent until the next read.
 */
struct sceau_hist_item {
	enum sceau_hist_type type;
	uint64_t line; /* 1 for the first line */
	/* HEADER */
	char org_id[65];
	char exported_by[33]; /* a device id, or "server" */
	uint64_t exported_at; /* microseconds */
	/* CERT, VLOB */
	uint64_t server_time;
	uint64_t checkpoint; /* VLOB: its place in its workspace */
	const uint8_t *data; /* envelope, vlob, CRL or OCSP DER */
	size_t data_len;
	const uint8_t *identity; /* CERT: identity blob, NULL if absent */
	size_t identity_len;
	/* END */
	uint64_t n_certs, n_vlobs;
};

/* Lines appended to out (each with its '\n'). */
int sceau_hist_line_header(struct sceau_buf *out, const char *org_id,
    const char *exported_by, uint64_t exported_at) SCEAU_WUR;
int sceau_hist_line_cert(struct sceau_buf *out, uint64_t server_time,
    const uint8_t *env, size_t n, const uint8_t *identity, size_t ilen)
    SCEAU_WUR;
int sceau_hist_line_vlob(struct sceau_buf *out, uint64_t checkpoint,
    uint64_t server_time, const uint8_t *blob, size_t n) SCEAU_WUR;
/*
 * The same with the blob already in standard base64 (b64[0..n)), as the
 * server's history route sends it: only its alphabet is checked here
 * (SCEAU_ERR_BAD_BASE64), so that the line stays one JSON object; its
 * decoding is the reader's.
 */
int sceau_hist_line_vlob_b64(struct sceau_buf *out, uint64_t checkpoint,
    uint64_t server_time, const char *b64, size_t n) SCEAU_WUR;
/* type: SCEAU_HIST_CRL or SCEAU_HIST_OCSP. */
int sceau_hist_line_der(struct sceau_buf *out, enum sceau_hist_type type,
    const uint8_t *der, size_t n) SCEAU_WUR;
int sceau_hist_line_end(
    struct sceau_buf *out, uint64_t n_certs, uint64_t n_vlobs) SCEAU_WUR;

/*
 * Writes the lines in line to f and empties it: 0, or SCEAU_ERR_SYSTEM
 * (with a message) when f cannot be written.
 */
int sceau_hist_write(struct sceau_buf *line, FILE *f) SCEAU_WUR;

/* A reader of an export, one line at a time, memory bounded by a line. */
struct sceau_hist_reader;
int sceau_hist_reader_new(FILE *f, struct sceau_hist_reader **rp) SCEAU_WUR;
void sceau_hist_reader_free(struct sceau_hist_reader *r);
/*
 * The next line into *it: 1, 0 at the end of the file, or an error:
 * SCEAU_ERR_INVALID_FORMAT for a line that is not what it should be
 * (it->line says which; the next read goes on after it), or one that
 * stops the reading: SCEAU_ERR_LIMIT_EXCEEDED (a line too long),
 * _SYSTEM, _ALLOC.
 */
int sceau_hist_read(struct sceau_hist_reader *r, struct sceau_hist_item *it)
    SCEAU_WUR;
/* The type's keyword ("certificate", "vlob"...). */
const char *sceau_hist_type_name(enum sceau_hist_type t);

#endif /* SCEAU_HISTFILE_H */
