/*
 * alog.h: the server's access log (doc/audit.md): records, their hash
 * chain, signed checkpoints, the export format and its verifier.
 *
 * A record is encoded canonically (big-endian, length-prefixed strings
 * through buf.h) and carries the SHA-256 of the record before it; its own
 * hash is the SHA-256 of its encoding.  A checkpoint (first seq, last seq,
 * hash of the last record, time) is signed with the server's Ed25519 log
 * key.  The export is JSON lines: a header, then records and checkpoints
 * in sequence order, each checkpoint right after the last record it covers.
 *
 * The verifier takes the export one line at a time (nothing is kept but
 * a bounded window), so that exports of any size are checked in bounded
 * memory, and names each violation: removed, altered, reordered, bad
 * signature, malformed.
 */
#ifndef SCEAU_ALOG_H
#define SCEAU_ALOG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"
#include "hash.h"
#include "sign.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCEAU_ALOG_ORG_MAX 64
#define SCEAU_ALOG_DEVICE_MAX 32
#define SCEAU_ALOG_METHOD_MAX 8
#define SCEAU_ALOG_ROUTE_MAX 1024
#define SCEAU_ALOG_CLIENT_MAX 128
/* Longest encoded record and checkpoint, and longest export line. */
#define SCEAU_ALOG_RECORD_MAX 2048
#define SCEAU_ALOG_CHECKPOINT_LEN (4 + 1 + 8 + 8 + SCEAU_SHA256_LEN + 8)
#define SCEAU_ALOG_LINE_MAX 4096

enum sceau_alog_kind {
	SCEAU_ALOG_REQUEST = 1, /* a device's authenticated request */
	SCEAU_ALOG_ADMIN = 2, /* an administrator's action */
};

struct sceau_alog_record {
	uint64_t seq; /* 1, 2, 3... */
	uint8_t prev[SCEAU_SHA256_LEN]; /* zeros for seq 1 */
	uint64_t time_us;
	uint8_t kind; /* enum sceau_alog_kind */
	char org[SCEAU_ALOG_ORG_MAX + 1]; /* "" for server-wide admin */
	char device[SCEAU_ALOG_DEVICE_MAX + 1]; /* "" for admin */
	char method[SCEAU_ALOG_METHOD_MAX + 1];
	char route[SCEAU_ALOG_ROUTE_MAX + 1]; /* path, never the query */
	uint16_t status;
	char client[SCEAU_ALOG_CLIENT_MAX + 1];
};

struct sceau_alog_checkpoint {
	uint64_t first_seq, last_seq;
	uint8_t last_hash[SCEAU_SHA256_LEN];
	uint64_t time_us;
};

/* Appends the canonical encoding of rec to out.  SCEAU_ERR_INVALID_ARGUMENT
 * when a field is too long. */
int sceau_alog_record_encode(
    const struct sceau_alog_record *rec, struct sceau_buf *out) SCEAU_WUR;
/* Parses an encoding, whole.  SCEAU_ERR_INVALID_FORMAT. */
int sceau_alog_record_decode(
    const uint8_t *p, size_t n, struct sceau_alog_record *rec) SCEAU_WUR;
/* The hash of an encoded record (or checkpoint). */
int sceau_alog_hash(const uint8_t *p, size_t n, uint8_t out[SCEAU_SHA256_LEN])
    SCEAU_WUR;

int sceau_alog_checkpoint_encode(
    const struct sceau_alog_checkpoint *cp, struct sceau_buf *out) SCEAU_WUR;
int sceau_alog_checkpoint_decode(
    const uint8_t *p, size_t n, struct sceau_alog_checkpoint *cp) SCEAU_WUR;
/* Encodes cp into out and signs the encoding into sig. */
int sceau_alog_checkpoint_sign(const struct sceau_signkey *k,
    const struct sceau_alog_checkpoint *cp, struct sceau_buf *out,
    uint8_t sig[SCEAU_SIGN_SIG_LEN]) SCEAU_WUR;

/* Export lines (with their '\n'), appended to out. */
int sceau_alog_line_header(struct sceau_buf *out) SCEAU_WUR;
int sceau_alog_line_record(struct sceau_buf *out, const uint8_t *rec, size_t n,
    const uint8_t hash[SCEAU_SHA256_LEN]) SCEAU_WUR;
int sceau_alog_line_checkpoint(struct sceau_buf *out, const uint8_t *cp,
    size_t n, const uint8_t sig[SCEAU_SIGN_SIG_LEN]) SCEAU_WUR;

/* What the verifier found wrong. */
enum sceau_alog_violation {
	SCEAU_ALOG_MALFORMED = 1, /* a line that is not a record/checkpoint */
	SCEAU_ALOG_ALTERED, /* a record's contents or link changed */
	SCEAU_ALOG_REMOVED, /* records missing */
	SCEAU_ALOG_REORDERED, /* a record out of its place */
	SCEAU_ALOG_BAD_SIGNATURE, /* a checkpoint that does not verify */
	SCEAU_ALOG_CHECKPOINT_MISMATCH, /* signed, but not these records */
	SCEAU_ALOG_CHECKPOINT_REMOVED, /* a gap between two checkpoints */
};

/* "malformed", "altered"... (untranslated keyword). */
const char *sceau_alog_violation_name(enum sceau_alog_violation v);

/*
 * A violation: seq is the record concerned (for REMOVED, the first of
 * count missing records); line the export line; detail an English
 * sentence (lent for the callback only).
 */
struct sceau_alog_finding {
	enum sceau_alog_violation what;
	uint64_t seq;
	uint64_t count;
	uint64_t line;
	const char *detail;
};
typedef void (*sceau_alog_finding_cb)(
    void *arg, const struct sceau_alog_finding *f);

struct sceau_alog_summary {
	uint64_t records, checkpoints, violations;
	uint64_t first_seq, last_seq;
	uint64_t first_time_us, last_time_us;
	uint64_t signed_upto; /* last seq covered by a good checkpoint */
	uint64_t unsigned_tail; /* records after signed_upto */
};

struct sceau_alog_verifier;

/* A verifier pinned to the log key pk; cb gets each violation. */
int sceau_alog_verifier_new(const uint8_t pk[SCEAU_SIGN_PUBLIC_LEN],
    sceau_alog_finding_cb cb, void *arg, struct sceau_alog_verifier **out)
    SCEAU_WUR;
void sceau_alog_verifier_free(struct sceau_alog_verifier *v);
/*
 * The next line of the export (without its '\n').  Violations go to the
 * callback; returns 0, or SCEAU_ERR_ALLOC.
 */
int sceau_alog_verify_line(
    struct sceau_alog_verifier *v, const char *line, size_t n) SCEAU_WUR;
/* Ends the export: reports what is still missing, fills *s. */
void sceau_alog_verify_end(
    struct sceau_alog_verifier *v, struct sceau_alog_summary *s);

#ifdef __cplusplus
}
#endif

#endif /* SCEAU_ALOG_H */
