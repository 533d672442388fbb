/*
 * alog.c: access-log records, checkpoints, export lines and the verifier
 * (alog.h, doc/audit.md).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "alog.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "secmem.h"

#define ALOG_RECORD_MAGIC "SCAR"
#define ALOG_CHECKPOINT_MAGIC "SCAC"
#define ALOG_VERSION 1
#define ALOG_FORMAT "sceau-access-log"
/* Records remembered for links across a reorder, and gaps awaiting one. */
#define ALOG_RING 64
#define ALOG_GAPS 256

static int
alog_put_field(struct sceau_buf *b, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		return SCEAU_ERR_INVALID_ARGUMENT;
	return sceau_buf_put_string(b, s, n);
}

int
sceau_alog_record_encode(
    const struct sceau_alog_record *rec, struct sceau_buf *out)
{
	int r;

	if ((r = sceau_buf_put(out, ALOG_RECORD_MAGIC, 4)) != 0 ||
	    (r = sceau_buf_put_u8(out, ALOG_VERSION)) != 0 ||
	    (r = sceau_buf_put_u64(out, rec->seq)) != 0 ||
	    (r = sceau_buf_put(out, rec->prev, SCEAU_SHA256_LEN)) != 0 ||
	    (r = sceau_buf_put_u64(out, rec->time_us)) != 0 ||
	    (r = sceau_buf_put_u8(out, rec->kind)) != 0 ||
	    (r = alog_put_field(out, rec->org, SCEAU_ALOG_ORG_MAX)) != 0 ||
	    (r = alog_put_field(out, rec->device, SCEAU_ALOG_DEVICE_MAX)) !=
	        0 ||
	    (r = alog_put_field(out, rec->method, SCEAU_ALOG_METHOD_MAX)) !=
	        0 ||
	    (r = alog_put_field(out, rec->route, SCEAU_ALOG_ROUTE_MAX)) != 0 ||
	    (r = sceau_buf_put_u16(out, rec->status)) != 0 ||
	    (r = alog_put_field(out, rec->client, SCEAU_ALOG_CLIENT_MAX)) != 0)
		return r;
	return 0;
}

/* A string field of at most max bytes, no NUL, into out[max + 1]. */
static int
alog_get_field(struct sceau_buf *b, char *out, size_t max)
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = sceau_buf_get_string_direct(b, max, &p, &n)) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	if (memchr(p, '\0', n) != NULL)
		return SCEAU_ERR_INVALID_FORMAT;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
alog_magic(struct sceau_buf *b, const char *magic)
{
	uint8_t m[4], ver;

	if (sceau_buf_get(b, m, 4) != 0 || memcmp(m, magic, 4) != 0 ||
	    sceau_buf_get_u8(b, &ver) != 0 || ver != ALOG_VERSION)
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}

int
sceau_alog_record_decode(
    const uint8_t *p, size_t n, struct sceau_alog_record *rec)
{
	struct sceau_buf *b;
	int r = SCEAU_ERR_INVALID_FORMAT;

	memset(rec, 0, sizeof(*rec));
	if (n > SCEAU_ALOG_RECORD_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (alog_magic(b, ALOG_RECORD_MAGIC) != 0 ||
	    sceau_buf_get_u64(b, &rec->seq) != 0 ||
	    sceau_buf_get(b, rec->prev, SCEAU_SHA256_LEN) != 0 ||
	    sceau_buf_get_u64(b, &rec->time_us) != 0 ||
	    sceau_buf_get_u8(b, &rec->kind) != 0 ||
	    alog_get_field(b, rec->org, SCEAU_ALOG_ORG_MAX) != 0 ||
	    alog_get_field(b, rec->device, SCEAU_ALOG_DEVICE_MAX) != 0 ||
	    alog_get_field(b, rec->method, SCEAU_ALOG_METHOD_MAX) != 0 ||
	    alog_get_field(b, rec->route, SCEAU_ALOG_ROUTE_MAX) != 0 ||
	    sceau_buf_get_u16(b, &rec->status) != 0 ||
	    alog_get_field(b, rec->client, SCEAU_ALOG_CLIENT_MAX) != 0)
		goto out;
	if (sceau_buf_len(b) != 0 || rec->seq == 0 ||
	    (rec->kind != SCEAU_ALOG_REQUEST && rec->kind != SCEAU_ALOG_ADMIN))
		goto out;
	r = 0;
out:
	sceau_buf_free(b);
	return r;
}

int
sceau_alog_hash(const uint8_t *p, size_t n, uint8_t out[SCEAU_SHA256_LEN])
{
	return sceau_hash_sha256(p, n, out);
}

int
sceau_alog_checkpoint_encode(
    const struct sceau_alog_checkpoint *cp, struct sceau_buf *out)
{
	int r;

	if ((r = sceau_buf_put(out, ALOG_CHECKPOINT_MAGIC, 4)) != 0 ||
	    (r = sceau_buf_put_u8(out, ALOG_VERSION)) != 0 ||
	    (r = sceau_buf_put_u64(out, cp->first_seq)) != 0 ||
	    (r = sceau_buf_put_u64(out, cp->last_seq)) != 0 ||
	    (r = sceau_buf_put(out, cp->last_hash, SCEAU_SHA256_LEN)) != 0 ||
	    (r = sceau_buf_put_u64(out, cp->time_us)) != 0)
		return r;
	return 0;
}

int
sceau_alog_checkpoint_decode(
    const uint8_t *p, size_t n, struct sceau_alog_checkpoint *cp)
{
	struct sceau_buf *b;
	int r = SCEAU_ERR_INVALID_FORMAT;

	memset(cp, 0, sizeof(*cp));
	if (n != SCEAU_ALOG_CHECKPOINT_LEN)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (alog_magic(b, ALOG_CHECKPOINT_MAGIC) == 0 &&
	    sceau_buf_get_u64(b, &cp->first_seq) == 0 &&
	    sceau_buf_get_u64(b, &cp->last_seq) == 0 &&
	    sceau_buf_get(b, cp->last_hash, SCEAU_SHA256_LEN) == 0 &&
	    sceau_buf_get_u64(b, &cp->time_us) == 0 && sceau_buf_len(b) == 0 &&
	    cp->first_seq >= 1 && cp->first_seq <= cp->last_seq)
		r = 0;
	sceau_buf_free(b);
	return r;
}

int
sceau_alog_checkpoint_sign(const struct sceau_signkey *k,
    const struct sceau_alog_checkpoint *cp, struct sceau_buf *out,
    uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	size_t off = sceau_buf_len(out);
	int r;

	if ((r = sceau_alog_checkpoint_encode(cp, out)) != 0)
		return r;
	return sceau_sign(
	    k, sceau_buf_ptr(out) + off, sceau_buf_len(out) - off, sig);
}

int
sceau_alog_line_header(struct sceau_buf *out)
{
	return sceau_buf_putf(out, "{\"format\":\"%s\",\"version\":%d}\n",
	    ALOG_FORMAT, ALOG_VERSION);
}

int
sceau_alog_line_record(struct sceau_buf *out, const uint8_t *rec, size_t n,
    const uint8_t hash[SCEAU_SHA256_LEN])
{
	int r;

	if ((r = sceau_buf_put(out, "{\"record\":\"", 11)) != 0 ||
	    (r = sceau_enc_b64_put(out, rec, n, SCEAU_B64_STD)) != 0 ||
	    (r = sceau_buf_put(out, "\",\"hash\":\"", 10)) != 0 ||
	    (r = sceau_enc_hex_put(out, hash, SCEAU_SHA256_LEN)) != 0 ||
	    (r = sceau_buf_put(out, "\"}\n", 3)) != 0)
		return r;
	return 0;
}

int
sceau_alog_line_checkpoint(struct sceau_buf *out, const uint8_t *cp, size_t n,
    const uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	int r;

	if ((r = sceau_buf_put(out, "{\"checkpoint\":\"", 15)) != 0 ||
	    (r = sceau_enc_b64_put(out, cp, n, SCEAU_B64_STD)) != 0 ||
	    (r = sceau_buf_put(out, "\",\"signature\":\"", 15)) != 0 ||
	    (r = sceau_enc_b64_put(
	         out, sig, SCEAU_SIGN_SIG_LEN, SCEAU_B64_STD)) != 0 ||
	    (r = sceau_buf_put(out, "\"}\n", 3)) != 0)
		return r;
	return 0;
}

const char *
sceau_alog_violation_name(enum sceau_alog_violation v)
{
	switch (v) {
	case SCEAU_ALOG_MALFORMED:
		return "malformed";
	case SCEAU_ALOG_ALTERED:
		return "altered";
	case SCEAU_ALOG_REMOVED:
		return "removed";
	case SCEAU_ALOG_REORDERED:
		return "reordered";
	case SCEAU_ALOG_BAD_SIGNATURE:
		return "bad-signature";
	case SCEAU_ALOG_CHECKPOINT_MISMATCH:
		return "checkpoint-mismatch";
	case SCEAU_ALOG_CHECKPOINT_REMOVED:
		return "checkpoint-removed";
	default:
		return "unknown";
	}
}

/* ------------------------------------------------------------ verifier */

/*
 * A record seen: the hash it states and the hash of its contents (the
 * same unless it was altered: the next record may link to either, and
 * one alteration is reported once).
 */
struct alog_known {
	uint64_t seq; /* 0: empty slot */
	uint8_t hash[SCEAU_SHA256_LEN];
	uint8_t computed[SCEAU_SHA256_LEN];
};

struct alog_gap {
	uint64_t first, last;
};

struct sceau_alog_verifier {
	struct sceau_verifykey *vk;
	sceau_alog_finding_cb cb;
	void *arg;
	uint64_t line;
	int header;
	uint64_t expected; /* next seq in order */
	struct alog_known ring[ALOG_RING];
	struct alog_gap gaps[ALOG_GAPS];
	size_t ngaps;
	/* The record on the line before (what a checkpoint must cover). */
	uint64_t last_line_seq;
	uint8_t last_line_hash[SCEAU_SHA256_LEN];
	/* A checkpoint since the last good one failed its signature (what
	 * it covered is reported already, not again as removed). */
	int bad_checkpoint;
	struct sceau_alog_summary sum;
};

int
sceau_alog_verifier_new(const uint8_t pk[SCEAU_SIGN_PUBLIC_LEN],
    sceau_alog_finding_cb cb, void *arg, struct sceau_alog_verifier **out)
{
	struct sceau_alog_verifier *v;
	int r;

	*out = NULL;
	if ((v = sceau_calloc(1, sizeof(*v))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_verifykey_new(pk, &v->vk)) != 0) {
		sceau_free(v);
		return r;
	}
	v->cb = cb;
	v->arg = arg;
	v->expected = 1;
	*out = v;
	return 0;
}

void
sceau_alog_verifier_free(struct sceau_alog_verifier *v)
{
	if (v == NULL)
		return;
	sceau_verifykey_free(v->vk);
	sceau_free(v);
}

static void alog_report(struct sceau_alog_verifier *v,
    enum sceau_alog_violation what, uint64_t seq, uint64_t count,
    const char *fmt, ...) SCEAU_PRINTF(5, 6);

static void
alog_report(struct sceau_alog_verifier *v, enum sceau_alog_violation what,
    uint64_t seq, uint64_t count, const char *fmt, ...)
{
	struct sceau_alog_finding f;
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	f.what = what;
	f.seq = seq;
	f.count = count;
	f.line = v->line;
	f.detail = detail;
	v->sum.violations++;
	if (v->cb != NULL)
		v->cb(v->arg, &f);
}

static const struct alog_known *
alog_ring_get(const struct sceau_alog_verifier *v, uint64_t seq)
{
	const struct alog_known *k = &v->ring[seq % ALOG_RING];

	return seq != 0 && k->seq == seq ? k : NULL;
}

static void
alog_ring_put(struct sceau_alog_verifier *v, uint64_t seq,
    const uint8_t hash[SCEAU_SHA256_LEN],
    const uint8_t computed[SCEAU_SHA256_LEN])
{
	struct alog_known *k = &v->ring[seq % ALOG_RING];

	k->seq = seq;
	memcpy(k->hash, hash, SCEAU_SHA256_LEN);
	memcpy(k->computed, computed, SCEAU_SHA256_LEN);
}

/* Gaps: records not seen (yet); reported removed unless they turn up. */
static void
alog_gap_flush(struct sceau_alog_verifier *v, size_t i)
{
	const struct alog_gap *g = &v->gaps[i];

	alog_report(v, SCEAU_ALOG_REMOVED, g->first, g->last - g->first + 1,
	    "record(s) %llu to %llu missing", (unsigned long long)g->first,
	    (unsigned long long)g->last);
	memmove(&v->gaps[i], &v->gaps[i + 1],
	    (v->ngaps - i - 1) * sizeof(v->gaps[0]));
	v->ngaps--;
}

static void
alog_gap_add(struct sceau_alog_verifier *v, uint64_t first, uint64_t last)
{
	if (v->ngaps == ALOG_GAPS)
		alog_gap_flush(v, 0);
	v->gaps[v->ngaps].first = first;
	v->gaps[v->ngaps].last = last;
	v->ngaps++;
}

/* 1 if seq was in a gap (now filled: it came late), else 0. */
static int
alog_gap_fill(struct sceau_alog_verifier *v, uint64_t seq)
{
	struct alog_gap *g;
	size_t i;

	for (i = 0; i < v->ngaps; i++) {
		g = &v->gaps[i];
		if (seq < g->first || seq > g->last)
			continue;
		if (g->first == g->last) {
			memmove(g, g + 1, (v->ngaps - i - 1) * sizeof(*g));
			v->ngaps--;
		} else if (seq == g->first) {
			g->first++;
		} else if (seq == g->last) {
			g->last--;
		} else {
			uint64_t last = g->last;

			g->last = seq - 1;
			alog_gap_add(v, seq + 1, last);
		}
		return 1;
	}
	return 0;
}

/* Checks rec's link to the record before it, when that one is known. */
static void
alog_check_link(
    struct sceau_alog_verifier *v, const struct sceau_alog_record *rec)
{
	static const uint8_t zero[SCEAU_SHA256_LEN];
	const struct alog_known *k;
	const uint8_t *want, *alt;

	if (rec->seq == 1) {
		want = alt = zero;
	} else if ((k = alog_ring_get(v, rec->seq - 1)) != NULL) {
		want = k->hash;
		alt = k->computed;
	} else {
		return;
	}
	/* A link that matches neither: record seq - 1 was changed and its
	 * hash recomputed (changing only this link would gain nothing). */
	if (sceau_timingsafe_bcmp(rec->prev, want, SCEAU_SHA256_LEN) != 0 &&
	    sceau_timingsafe_bcmp(rec->prev, alt, SCEAU_SHA256_LEN) != 0)
		alog_report(v, SCEAU_ALOG_ALTERED, rec->seq - 1, 1,
		    "record %llu altered: record %llu does not link to it",
		    (unsigned long long)(rec->seq - 1),
		    (unsigned long long)rec->seq);
}

/* Places rec in the sequence; its link is checked unless its own
 * contents are already known altered (self_ok 0). */
static void
alog_place(struct sceau_alog_verifier *v, const struct sceau_alog_record *rec,
    int self_ok)
{
	if (rec->seq == v->expected) {
		if (self_ok)
			alog_check_link(v, rec);
		v->expected = rec->seq + 1;
	} else if (rec->seq > v->expected) {
		alog_gap_add(v, v->expected, rec->seq - 1);
		v->expected = rec->seq + 1;
	} else if (alog_gap_fill(v, rec->seq)) {
		alog_report(v, SCEAU_ALOG_REORDERED, rec->seq, 1,
		    "record %llu appears after record %llu",
		    (unsigned long long)rec->seq,
		    (unsigned long long)v->last_line_seq);
		if (self_ok)
			alog_check_link(v, rec);
	} else {
		alog_report(v, SCEAU_ALOG_REORDERED, rec->seq, 1,
		    "record %llu appears again after record %llu",
		    (unsigned long long)rec->seq,
		    (unsigned long long)v->last_line_seq);
	}
}

static void
alog_record(struct sceau_alog_verifier *v, const struct sceau_buf *raw,
    const char *hash_hex)
{
	uint8_t h[SCEAU_SHA256_LEN], stated[SCEAU_SHA256_LEN];
	struct sceau_alog_record rec;
	int self_ok;

	if (sceau_alog_record_decode(
	        sceau_buf_ptr(raw), sceau_buf_len(raw), &rec) != 0 ||
	    sceau_enc_hex_decode_fixed(hash_hex, stated, sizeof(stated)) != 0 ||
	    sceau_alog_hash(sceau_buf_ptr(raw), sceau_buf_len(raw), h) != 0) {
		alog_report(v, SCEAU_ALOG_MALFORMED, v->last_line_seq + 1, 1,
		    "line %llu: not a valid record",
		    (unsigned long long)v->line);
		return;
	}
	v->sum.records++;
	self_ok = sceau_timingsafe_bcmp(h, stated, sizeof(h)) == 0;
	if (!self_ok)
		alog_report(v, SCEAU_ALOG_ALTERED, rec.seq, 1,
		    "record %llu altered: its contents do not match its hash",
		    (unsigned long long)rec.seq);
	alog_place(v, &rec, self_ok);
	alog_ring_put(v, rec.seq, stated, h);
	if (v->sum.first_seq == 0 || rec.seq < v->sum.first_seq)
		v->sum.first_seq = rec.seq;
	if (rec.seq > v->sum.last_seq)
		v->sum.last_seq = rec.seq;
	if (v->sum.first_time_us == 0 || rec.time_us < v->sum.first_time_us)
		v->sum.first_time_us = rec.time_us;
	if (rec.time_us > v->sum.last_time_us)
		v->sum.last_time_us = rec.time_us;
	v->last_line_seq = rec.seq;
	memcpy(v->last_line_hash, stated, sizeof(stated));
}

static void
alog_checkpoint(struct sceau_alog_verifier *v, const struct sceau_buf *raw,
    const struct sceau_buf *sig)
{
	struct sceau_alog_checkpoint cp;
	unsigned long long after = (unsigned long long)v->last_line_seq;

	v->sum.checkpoints++;
	/* The signature first: nothing of an unsigned checkpoint is read. */
	if (sceau_buf_len(sig) != SCEAU_SIGN_SIG_LEN ||
	    sceau_verifykey_verify(v->vk, sceau_buf_ptr(raw),
	        sceau_buf_len(raw), sceau_buf_ptr(sig)) != 0) {
		alog_report(v, SCEAU_ALOG_BAD_SIGNATURE, v->last_line_seq, 1,
		    "its signature does not verify with the pinned key "
		    "(altered, or signed by another log key)");
		v->bad_checkpoint = 1;
		return;
	}
	if (sceau_alog_checkpoint_decode(
	        sceau_buf_ptr(raw), sceau_buf_len(raw), &cp) != 0) {
		alog_report(v, SCEAU_ALOG_MALFORMED, v->last_line_seq, 1,
		    "checkpoint after record %llu: signed but not valid",
		    after);
		return;
	}
	if (cp.last_seq > v->sum.last_seq && cp.last_seq >= v->expected) {
		/* Signed records that are not in the export: the end of a
		 * batch was removed. */
		alog_gap_add(v, v->expected, cp.last_seq);
		v->expected = cp.last_seq + 1;
	} else if (cp.last_seq != v->last_line_seq ||
	    sceau_timingsafe_bcmp(
	        cp.last_hash, v->last_line_hash, SCEAU_SHA256_LEN) != 0) {
		alog_report(v, SCEAU_ALOG_CHECKPOINT_MISMATCH, cp.last_seq, 1,
		    "the checkpoint signed for records %llu to %llu does not "
		    "match record %llu as exported",
		    (unsigned long long)cp.first_seq,
		    (unsigned long long)cp.last_seq,
		    (unsigned long long)cp.last_seq);
		v->bad_checkpoint = 1;
		return;
	}
	if (cp.first_seq > v->sum.signed_upto + 1 && !v->bad_checkpoint)
		alog_report(v, SCEAU_ALOG_CHECKPOINT_REMOVED,
		    v->sum.signed_upto + 1,
		    cp.first_seq - v->sum.signed_upto - 1,
		    "no checkpoint for records %llu to %llu: the next one "
		    "starts at %llu",
		    (unsigned long long)(v->sum.signed_upto + 1),
		    (unsigned long long)(cp.first_seq - 1),
		    (unsigned long long)cp.first_seq);
	else if (cp.first_seq <= v->sum.signed_upto)
		alog_report(v, SCEAU_ALOG_CHECKPOINT_MISMATCH, cp.first_seq, 1,
		    "checkpoint for records %llu to %llu overlaps the one "
		    "before it, which ended at %llu",
		    (unsigned long long)cp.first_seq,
		    (unsigned long long)cp.last_seq,
		    (unsigned long long)v->sum.signed_upto);
	v->sum.signed_upto = cp.last_seq;
	v->bad_checkpoint = 0;
}

static int
alog_b64(const json_t *j, const char *key, size_t max, struct sceau_buf *out)
{
	const char *s;

	if (sceau_json_get_string(j, key, max, &s) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	return sceau_enc_b64_decode(s, strlen(s), SCEAU_B64_STD, out);
}

static int
alog_header(struct sceau_alog_verifier *v, const json_t *j)
{
	const char *fmt;
	int64_t ver;

	v->header = 1;
	if (sceau_json_get_string(j, "format", 64, &fmt) != 0 ||
	    strcmp(fmt, ALOG_FORMAT) != 0 ||
	    sceau_json_get_int(j, "version", 1, 1, &ver) != 0) {
		alog_report(v, SCEAU_ALOG_MALFORMED, 0, 0,
		    "line 1: not a sceau access-log export");
		return 0;
	}
	return 0;
}

static int
alog_entry(struct sceau_alog_verifier *v, const json_t *j)
{
	struct sceau_buf *a = sceau_buf_new(), *b = sceau_buf_new();
	const char *hex;
	int r = 0;

	if (a == NULL || b == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if (json_object_get(j, "record") != NULL &&
	    alog_b64(j, "record", SCEAU_ALOG_LINE_MAX, a) == 0 &&
	    sceau_json_get_string(j, "hash", 64, &hex) == 0)
		alog_record(v, a, hex);
	else if (json_object_get(j, "checkpoint") != NULL &&
	    alog_b64(j, "checkpoint", 256, a) == 0 &&
	    alog_b64(j, "signature", 256, b) == 0)
		alog_checkpoint(v, a, b);
	else
		alog_report(v, SCEAU_ALOG_MALFORMED, v->last_line_seq + 1, 1,
		    "line %llu: neither a record nor a checkpoint",
		    (unsigned long long)v->line);
out:
	sceau_buf_free(a);
	sceau_buf_free(b);
	return r;
}

int
sceau_alog_verify_line(
    struct sceau_alog_verifier *v, const char *line, size_t n)
{
	static const struct sceau_json_limits lim = {
	    SCEAU_ALOG_LINE_MAX, 1, SCEAU_ALOG_LINE_MAX, 16};
	json_t *j = NULL;
	int r;

	v->line++;
	if (sceau_json_parse(line, n, &lim, &j) != 0 || !json_is_object(j)) {
		json_decref(j);
		alog_report(v, SCEAU_ALOG_MALFORMED, v->last_line_seq + 1, 1,
		    "line %llu: not a JSON object of the export",
		    (unsigned long long)v->line);
		v->header = 1;
		return 0;
	}
	r = v->header ? alog_entry(v, j) : alog_header(v, j);
	json_decref(j);
	return r;
}

void
sceau_alog_verify_end(
    struct sceau_alog_verifier *v, struct sceau_alog_summary *s)
{
	if (!v->header)
		alog_report(v, SCEAU_ALOG_MALFORMED, 0, 0, "empty export");
	while (v->ngaps > 0)
		alog_gap_flush(v, 0);
	v->sum.unsigned_tail = v->sum.last_seq > v->sum.signed_upto
	    ? v->sum.last_seq - v->sum.signed_upto
	    : 0;
	*s = v->sum;
}
