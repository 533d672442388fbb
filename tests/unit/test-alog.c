/*
 * test-alog.c: access-log records and checkpoints (src/alog.c): the
 * encoding round trip and its refusals, and the verifier on exports
 * built here, clean and then with records removed, altered, swapped,
 * checkpoints forged, removed, or checked with another key.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "alog.h"
#include "buf.h"
#include "errors.h"
#include "testutil.h"

#define NREC 10
#define BATCH 4
#define NLINES 20

struct found {
	enum sceau_alog_violation what[16];
	uint64_t seq[16];
	size_t n;
};

static void
on_finding(void *arg, const struct sceau_alog_finding *f)
{
	struct found *fd = arg;

	if (fd->n < 16) {
		fd->what[fd->n] = f->what;
		fd->seq[fd->n] = f->seq;
	}
	fd->n++;
}

static void
sample(struct sceau_alog_record *r, uint64_t seq)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->time_us = 1700000000000000ULL + seq;
	r->kind = SCEAU_ALOG_REQUEST;
	(void)snprintf(r->org, sizeof(r->org), "%s", "acme");
	(void)snprintf(r->device, sizeof(r->device), "%s",
	    "0123456789abcdef0123456789abcdef");
	(void)snprintf(r->method, sizeof(r->method), "%s", "GET");
	(void)snprintf(
	    r->route, sizeof(r->route), "%s", "/v1/acme/certificates");
	r->status = 200;
	(void)snprintf(r->client, sizeof(r->client), "%s", "127.0.0.1");
}

static void
test_record_roundtrip(void **state)
{
	struct sceau_alog_record a, b;
	struct sceau_buf *e = sceau_buf_new();
	size_t i, n;

	(void)state;
	sample(&a, 7);
	a.prev[3] = 0x55;
	assert_int_equal(sceau_alog_record_encode(&a, e), 0);
	n = sceau_buf_len(e);
	assert_int_equal(sceau_alog_record_decode(sceau_buf_ptr(e), n, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Every truncation and a trailing byte are refused. */
	for (i = 0; i < n; i++)
		assert_int_equal(
		    sceau_alog_record_decode(sceau_buf_ptr(e), i, &b),
		    SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(sceau_buf_put_u8(e, 0), 0);
	assert_int_equal(sceau_alog_record_decode(sceau_buf_ptr(e), n + 1, &b),
	    SCEAU_ERR_INVALID_FORMAT);
	/* Seq 0, an unknown kind, a wrong magic. */
	sceau_buf_reset(e);
	a.seq = 0;
	assert_int_equal(sceau_alog_record_encode(&a, e), 0);
	assert_int_equal(
	    sceau_alog_record_decode(sceau_buf_ptr(e), sceau_buf_len(e), &b),
	    SCEAU_ERR_INVALID_FORMAT);
	sceau_buf_reset(e);
	a.seq = 1;
	a.kind = 9;
	assert_int_equal(sceau_alog_record_encode(&a, e), 0);
	assert_int_equal(
	    sceau_alog_record_decode(sceau_buf_ptr(e), sceau_buf_len(e), &b),
	    SCEAU_ERR_INVALID_FORMAT);
	sceau_buf_mutable_ptr(e)[0] = 'X';
	a.kind = SCEAU_ALOG_ADMIN;
	assert_int_equal(
	    sceau_alog_record_decode(sceau_buf_ptr(e), sceau_buf_len(e), &b),
	    SCEAU_ERR_INVALID_FORMAT);
	sceau_buf_free(e);
}

static void
test_record_limits(void **state)
{
	struct sceau_alog_record a;
	struct sceau_buf *e = sceau_buf_new();

	(void)state;
	sample(&a, 1);
	memset(a.route, 'a', SCEAU_ALOG_ROUTE_MAX);
	a.route[SCEAU_ALOG_ROUTE_MAX] = '\0';
	memset(a.client, 'c', SCEAU_ALOG_CLIENT_MAX);
	a.client[SCEAU_ALOG_CLIENT_MAX] = '\0';
	assert_int_equal(sceau_alog_record_encode(&a, e), 0);
	assert_true(sceau_buf_len(e) <= SCEAU_ALOG_RECORD_MAX);
	sceau_buf_free(e);
}

static void
test_checkpoint_roundtrip(void **state)
{
	struct sceau_alog_checkpoint a = {3, 9, {1, 2, 3}, 42}, b;
	uint8_t sig[SCEAU_SIGN_SIG_LEN], pk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_buf *e = sceau_buf_new();
	struct sceau_signkey *k;

	(void)state;
	assert_int_equal(sceau_sign_generate(&k), 0);
	sceau_sign_public(k, pk);
	assert_int_equal(sceau_alog_checkpoint_sign(k, &a, e, sig), 0);
	assert_int_equal(sceau_buf_len(e), SCEAU_ALOG_CHECKPOINT_LEN);
	assert_int_equal(
	    sceau_sign_verify(pk, sceau_buf_ptr(e), sceau_buf_len(e), sig), 0);
	assert_int_equal(sceau_alog_checkpoint_decode(
	                     sceau_buf_ptr(e), sceau_buf_len(e), &b),
	    0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* first > last is refused. */
	sceau_buf_reset(e);
	a.first_seq = 10;
	assert_int_equal(sceau_alog_checkpoint_encode(&a, e), 0);
	assert_int_equal(sceau_alog_checkpoint_decode(
	                     sceau_buf_ptr(e), sceau_buf_len(e), &b),
	    SCEAU_ERR_INVALID_FORMAT);
	sceau_sign_free(k);
	sceau_buf_free(e);
}

/* An export of NREC records, a checkpoint every BATCH and at the end. */
struct exp {
	char *line[NLINES];
	size_t n;
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
};

static void
exp_add(struct exp *x, struct sceau_buf *b)
{
	assert_true(x->n < NLINES);
	assert_non_null(x->line[x->n] = sceau_buf_dup_cstring(b));
	/* Without the newline: the verifier takes lines without it. */
	x->line[x->n][strlen(x->line[x->n]) - 1] = '\0';
	x->n++;
	sceau_buf_reset(b);
}

static void
exp_build(struct exp *x)
{
	struct sceau_buf *b = sceau_buf_new(), *e = sceau_buf_new();
	uint8_t h[SCEAU_SHA256_LEN] = {0}, sig[SCEAU_SIGN_SIG_LEN];
	struct sceau_alog_checkpoint cp;
	struct sceau_alog_record r;
	struct sceau_signkey *k;
	uint64_t seq, from = 1;

	memset(x, 0, sizeof(*x));
	assert_int_equal(sceau_sign_generate(&k), 0);
	sceau_sign_public(k, x->pk);
	assert_int_equal(sceau_alog_line_header(b), 0);
	exp_add(x, b);
	for (seq = 1; seq <= NREC; seq++) {
		sample(&r, seq);
		memcpy(r.prev, h, sizeof(h));
		sceau_buf_reset(e);
		assert_int_equal(sceau_alog_record_encode(&r, e), 0);
		assert_int_equal(
		    sceau_alog_hash(sceau_buf_ptr(e), sceau_buf_len(e), h), 0);
		assert_int_equal(sceau_alog_line_record(
		                     b, sceau_buf_ptr(e), sceau_buf_len(e), h),
		    0);
		exp_add(x, b);
		if (seq % BATCH != 0 && seq != NREC)
			continue;
		cp.first_seq = from;
		cp.last_seq = seq;
		memcpy(cp.last_hash, h, sizeof(h));
		cp.time_us = r.time_us;
		sceau_buf_reset(e);
		assert_int_equal(sceau_alog_checkpoint_sign(k, &cp, e, sig), 0);
		assert_int_equal(sceau_alog_line_checkpoint(b, sceau_buf_ptr(e),
		                     sceau_buf_len(e), sig),
		    0);
		exp_add(x, b);
		from = seq + 1;
	}
	sceau_sign_free(k);
	sceau_buf_free(b);
	sceau_buf_free(e);
}

static void
exp_free(struct exp *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		sceau_free(x->line[i]);
}

/* The line of record seq (records 1..4 are lines 1..4, checkpoint 5...). */
static size_t
line_of(uint64_t seq)
{
	return (size_t)(seq + (seq - 1) / BATCH);
}

static void
exp_verify(const struct exp *x, const uint8_t *pk, struct found *fd,
    struct sceau_alog_summary *s)
{
	struct sceau_alog_verifier *v;
	size_t i;

	memset(fd, 0, sizeof(*fd));
	assert_int_equal(sceau_alog_verifier_new(
	                     pk != NULL ? pk : x->pk, on_finding, fd, &v),
	    0);
	for (i = 0; i < x->n; i++)
		if (x->line[i] != NULL)
			assert_int_equal(sceau_alog_verify_line(
			                     v, x->line[i], strlen(x->line[i])),
			    0);
	sceau_alog_verify_end(v, s);
	sceau_alog_verifier_free(v);
}

static void
test_verify_clean(void **state)
{
	struct sceau_alog_summary s;
	struct found fd;
	struct exp x;

	(void)state;
	exp_build(&x);
	assert_int_equal(x.n, 1 + NREC + 3);
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 0);
	assert_int_equal(s.violations, 0);
	assert_int_equal(s.records, NREC);
	assert_int_equal(s.checkpoints, 3);
	assert_int_equal(s.first_seq, 1);
	assert_int_equal(s.last_seq, NREC);
	assert_int_equal(s.signed_upto, NREC);
	assert_int_equal(s.unsigned_tail, 0);
	/* Without the last checkpoint: an unsigned tail, not an error. */
	sceau_free(x.line[x.n - 1]);
	x.line[--x.n] = NULL;
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 0);
	assert_int_equal(s.signed_upto, 8);
	assert_int_equal(s.unsigned_tail, 2);
	exp_free(&x);
}

static void
test_verify_removed(void **state)
{
	struct sceau_alog_summary s;
	struct found fd;
	struct exp x;

	(void)state;
	exp_build(&x);
	sceau_free(x.line[line_of(3)]);
	x.line[line_of(3)] = NULL;
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_REMOVED);
	assert_int_equal(fd.seq[0], 3);
	/* The last of a batch: its checkpoint names it. */
	sceau_free(x.line[line_of(8)]);
	x.line[line_of(8)] = NULL;
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 2);
	assert_int_equal(fd.what[1], SCEAU_ALOG_REMOVED);
	assert_int_equal(fd.seq[1], 8);
	exp_free(&x);
}

static void
test_verify_swapped(void **state)
{
	struct sceau_alog_summary s;
	struct found fd;
	struct exp x;
	char *t;

	(void)state;
	exp_build(&x);
	t = x.line[line_of(2)];
	x.line[line_of(2)] = x.line[line_of(3)];
	x.line[line_of(3)] = t;
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_REORDERED);
	assert_int_equal(fd.seq[0], 2);
	/* A record twice. */
	exp_free(&x);
	exp_build(&x);
	sceau_free(x.line[line_of(6)]);
	assert_non_null(x.line[line_of(6)] = sceau_strdup(x.line[line_of(2)]));
	exp_verify(&x, NULL, &fd, &s);
	assert_true(fd.n >= 2);
	assert_int_equal(fd.what[0], SCEAU_ALOG_REORDERED);
	assert_int_equal(fd.seq[0], 2);
	exp_free(&x);
}

/* Replaces the base64 character at offset off of line i. */
static void
flip_b64(struct exp *x, size_t i, size_t off)
{
	char *p = strchr(x->line[i], ':') + 2 + off;

	*p = *p == 'A' ? 'B' : 'A';
}

static void
test_verify_altered(void **state)
{
	struct sceau_alog_summary s;
	struct found fd;
	struct exp x;
	char *h;

	(void)state;
	/* A byte of the route (past the fixed fields). */
	exp_build(&x);
	flip_b64(&x, line_of(5), 100);
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_ALTERED);
	assert_int_equal(fd.seq[0], 5);
	exp_free(&x);
	/* The stated hash. */
	exp_build(&x);
	h = strstr(x.line[line_of(6)], "\"hash\":\"") + 8;
	*h = *h == '0' ? '1' : '0';
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_ALTERED);
	assert_int_equal(fd.seq[0], 6);
	exp_free(&x);
	/* Garbage instead of a record. */
	exp_build(&x);
	sceau_free(x.line[line_of(2)]);
	assert_non_null(x.line[line_of(2)] = sceau_strdup("{\"record\":1}"));
	exp_verify(&x, NULL, &fd, &s);
	assert_true(fd.n >= 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_MALFORMED);
	exp_free(&x);
}

static void
test_verify_checkpoints(void **state)
{
	uint8_t other[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_alog_summary s;
	struct sceau_signkey *k;
	struct found fd;
	struct exp x;

	(void)state;
	/* A signature altered. */
	exp_build(&x);
	{
		char *p =
		    strstr(x.line[line_of(4) + 1], "\"signature\":\"") + 13;

		*p = *p == 'A' ? 'B' : 'A';
	}
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_BAD_SIGNATURE);
	assert_int_equal(fd.seq[0], 4);
	assert_int_equal(s.signed_upto, NREC);
	exp_free(&x);
	/* Another key: every checkpoint. */
	exp_build(&x);
	assert_int_equal(sceau_sign_generate(&k), 0);
	sceau_sign_public(k, other);
	sceau_sign_free(k);
	exp_verify(&x, other, &fd, &s);
	assert_int_equal(fd.n, 3);
	assert_int_equal(fd.what[2], SCEAU_ALOG_BAD_SIGNATURE);
	assert_int_equal(s.signed_upto, 0);
	assert_int_equal(s.unsigned_tail, NREC);
	/* A checkpoint removed. */
	sceau_free(x.line[line_of(4) + 1]);
	x.line[line_of(4) + 1] = NULL;
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_CHECKPOINT_REMOVED);
	assert_int_equal(fd.seq[0], 1);
	exp_free(&x);
	/* A checkpoint moved before its last record. */
	exp_build(&x);
	{
		char *t = x.line[line_of(4)];

		x.line[line_of(4)] = x.line[line_of(4) + 1];
		x.line[line_of(4) + 1] = t;
	}
	exp_verify(&x, NULL, &fd, &s);
	assert_true(fd.n >= 1);
	exp_free(&x);
}

static void
test_verify_header(void **state)
{
	struct sceau_alog_summary s;
	struct found fd;
	struct exp x;

	(void)state;
	exp_build(&x);
	sceau_free(x.line[0]);
	assert_non_null(x.line[0] = sceau_strdup("{\"format\":\"other\"}"));
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_MALFORMED);
	exp_free(&x);
	/* Empty. */
	memset(&x, 0, sizeof(x));
	exp_verify(&x, NULL, &fd, &s);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.what[0], SCEAU_ALOG_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_roundtrip),
	    cmocka_unit_test(test_record_limits),
	    cmocka_unit_test(test_checkpoint_roundtrip),
	    cmocka_unit_test(test_verify_clean),
	    cmocka_unit_test(test_verify_removed),
	    cmocka_unit_test(test_verify_swapped),
	    cmocka_unit_test(test_verify_altered),
	    cmocka_unit_test(test_verify_checkpoints),
	    cmocka_unit_test(test_verify_header),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("alog", tests, NULL, NULL);
}
