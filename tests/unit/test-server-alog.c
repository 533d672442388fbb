/*
 * test-server-alog.c: the server's access log (src/server/accesslog.c,
 * backend-sqlite-alog.c, the router's records): what is recorded, the
 * checkpoints by batch and at close, the chain across a reopening, the
 * log key file, and the export verified by src/alog.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accesslog.h"
#include "alloc.h"
#include "alog.h"
#include "errors.h"
#include "router.h"
#include "server.h"
#include "testutil.h"

#define ADMIN_TOKEN "test-admin-token-0123456789"

struct t {
	char dir[64];
	char db[96];
	struct srv_backend *be;
};

static void
t_open(struct t *t)
{
	struct srv_backend_config cfg = {
	    "sqlite", t->db, 2, 5000, 0, 100000, NULL};

	assert_int_equal(srv_backend_open(&cfg, &t->be), 0);
}

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	(void)snprintf(t->dir, sizeof(t->dir), "/tmp/sceau-alog.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	(void)snprintf(t->db, sizeof(t->db), "%s/server.db", t->dir);
	t_open(t);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;
	char cmd[128];

	srv_backend_close(t->be);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

struct collect {
	struct sceau_alog_verifier *v;
	struct sceau_buf *line;
	size_t records, checkpoints;
	uint64_t last_cp;
	struct sceau_alog_record rec; /* the last record */
	int findings;
};

static void
on_finding(void *arg, const struct sceau_alog_finding *f)
{
	struct collect *c = arg;

	print_message("# finding: %s\n", f->detail);
	c->findings++;
}

static int
on_row(void *arg, int cp, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	struct collect *c = arg;
	struct sceau_alog_checkpoint k;
	size_t n;

	sceau_buf_reset(c->line);
	if (cp) {
		assert_int_equal(blen, SCEAU_SIGN_SIG_LEN);
		assert_int_equal(sceau_alog_checkpoint_decode(a, alen, &k), 0);
		c->last_cp = k.last_seq;
		c->checkpoints++;
		assert_int_equal(
		    sceau_alog_line_checkpoint(c->line, a, alen, b), 0);
	} else {
		assert_int_equal(blen, SCEAU_SHA256_LEN);
		assert_int_equal(sceau_alog_record_decode(a, alen, &c->rec), 0);
		c->records++;
		assert_int_equal(
		    sceau_alog_line_record(c->line, a, alen, b), 0);
	}
	n = sceau_buf_len(c->line) - 1;
	return sceau_alog_verify_line(
	    c->v, (const char *)sceau_buf_ptr(c->line), n);
}

/* Exports the log and verifies it with pk. */
static void
t_export(struct t *t, const uint8_t *pk, struct collect *c,
    struct sceau_alog_summary *s)
{
	memset(c, 0, sizeof(*c));
	assert_non_null(c->line = sceau_buf_new());
	assert_int_equal(sceau_alog_verifier_new(pk, on_finding, c, &c->v), 0);
	assert_int_equal(sceau_alog_line_header(c->line), 0);
	assert_int_equal(
	    sceau_alog_verify_line(c->v, (const char *)sceau_buf_ptr(c->line),
	        sceau_buf_len(c->line) - 1),
	    0);
	assert_int_equal(t->be->ops->alog_export(t->be, on_row, c), 0);
	sceau_alog_verify_end(c->v, s);
	sceau_alog_verifier_free(c->v);
	sceau_buf_free(c->line);
}

static void
rec_sample(struct sceau_alog_record *r, int i)
{
	memset(r, 0, sizeof(*r));
	r->time_us = 1000 + (uint64_t)i;
	r->kind = SCEAU_ALOG_REQUEST;
	(void)snprintf(r->org, sizeof(r->org), "acme");
	(void)snprintf(r->method, sizeof(r->method), "GET");
	(void)snprintf(r->route, sizeof(r->route), "/v1/acme/whoami");
	r->status = 200;
}

static void
test_batches_and_reopen(void **state)
{
	struct t *t = *state;
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN], seed[SCEAU_SIGN_SEED_LEN];
	struct sceau_alog_summary s;
	struct sceau_alog_record r;
	struct sceau_signkey *k;
	struct srv_alog *l;
	struct collect c;
	int i;

	assert_int_equal(srv_alog_key_load(NULL, 0, &k), 0);
	sceau_sign_public(k, pk);
	sceau_sign_seed(k, seed); /* the same key after the restart */
	assert_int_equal(srv_alog_open(t->be, k, 3, 3600000, &l), 0);
	for (i = 1; i <= 7; i++) {
		rec_sample(&r, i);
		assert_int_equal(srv_alog_append(l, &r), 0);
		assert_int_equal(r.seq, (uint64_t)i);
	}
	/* Two batches signed, the seventh waits. */
	t_export(t, pk, &c, &s);
	assert_int_equal(c.findings, 0);
	assert_int_equal(c.checkpoints, 2);
	assert_int_equal(s.signed_upto, 6);
	assert_int_equal(s.unsigned_tail, 1);
	srv_alog_close(l);
	t_export(t, pk, &c, &s);
	assert_int_equal(s.signed_upto, 7);
	assert_int_equal(s.unsigned_tail, 0);
	/* Reopened (a restart): the chain continues at 8. */
	srv_backend_close(t->be);
	t_open(t);
	assert_int_equal(sceau_sign_from_seed(seed, &k), 0);
	assert_int_equal(srv_alog_open(t->be, k, 3, 3600000, &l), 0);
	rec_sample(&r, 8);
	assert_int_equal(srv_alog_append(l, &r), 0);
	assert_int_equal(r.seq, 8);
	srv_alog_close(l);
	t_export(t, pk, &c, &s);
	assert_int_equal(c.findings, 0);
	assert_int_equal(c.records, 8);
	assert_int_equal(c.checkpoints, 4);
	assert_int_equal(s.violations, 0);
	assert_int_equal(s.signed_upto, 8);
	/* A second writer of seq 8 is refused. */
	assert_int_equal(t->be->ops->alog_append(t->be, 8, (const uint8_t *)"x",
	                     1, (const uint8_t *)"h"),
	    SCEAU_ERR_CONFLICT);
}

static void
dispatch(struct srv_ctx *ctx, const char *target, const char *auth)
{
	struct srv_request rq = {
	    "GET", target, auth, NULL, NULL, 0, NULL, "192.0.2.7"};
	struct srv_response resp;

	srv_dispatch(ctx, &rq, &resp);
	srv_resp_clear(&resp);
}

static void
test_router_records(void **state)
{
	struct t *t = *state;
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_alog_summary s;
	struct srv_settings set;
	struct sceau_signkey *k;
	struct srv_ctx *ctx;
	struct collect c;

	memset(&set, 0, sizeof(set));
	set.admin_enabled = 1;
	assert_int_equal(
	    sceau_hash_sha256(ADMIN_TOKEN, strlen(ADMIN_TOKEN), set.admin_hash),
	    0);
	set.max_body = 1 << 20;
	assert_int_equal(srv_ctx_new(&set, t->be, &ctx), 0);
	assert_int_equal(srv_alog_key_load(NULL, 0, &k), 0);
	sceau_sign_public(k, pk);
	assert_int_equal(srv_alog_open(t->be, k, 256, 3600000, &ctx->alog), 0);
	/* Anonymous, refused, and an unknown route: not recorded. */
	dispatch(ctx, "/v1/health", NULL);
	dispatch(ctx, "/v1/admin/organizations", "Bearer wrong-token-xxxxxxx");
	dispatch(ctx, "/v1/nowhere", "Bearer " ADMIN_TOKEN);
	/* The administrator's: recorded, once authenticated. */
	dispatch(ctx, "/v1/admin/organizations", "Bearer " ADMIN_TOKEN);
	dispatch(
	    ctx, "/v1/admin/organizations/acme/stats", "Bearer " ADMIN_TOKEN);
	srv_alog_close(ctx->alog);
	ctx->alog = NULL;
	srv_ctx_free(ctx);
	t_export(t, pk, &c, &s);
	assert_int_equal(c.findings, 0);
	assert_int_equal(c.records, 2);
	assert_int_equal(c.checkpoints, 1);
	/* The last: the stats of an unknown organization, refused after
	 * authentication, so recorded with its status. */
	assert_int_equal(c.rec.kind, SCEAU_ALOG_ADMIN);
	assert_string_equal(c.rec.org, "acme");
	assert_string_equal(c.rec.device, "");
	assert_string_equal(c.rec.method, "GET");
	assert_string_equal(c.rec.route, "/v1/admin/organizations/acme/stats");
	assert_int_equal(c.rec.status, 404);
	assert_string_equal(c.rec.client, "192.0.2.7");
}

static void
test_key_file(void **state)
{
	struct t *t = *state;
	uint8_t pk1[SCEAU_SIGN_PUBLIC_LEN], pk2[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_signkey *k;
	char path[128];
	struct stat sb;

	(void)snprintf(path, sizeof(path), "%s/log.key", t->dir);
	assert_int_equal(srv_alog_key_load(path, 0, &k), SCEAU_ERR_NOT_FOUND);
	assert_null(k);
	assert_int_equal(srv_alog_key_load(path, 1, &k), 0);
	sceau_sign_public(k, pk1);
	sceau_sign_free(k);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(srv_alog_key_load(path, 1, &k), 0);
	sceau_sign_public(k, pk2);
	sceau_sign_free(k);
	assert_memory_equal(pk1, pk2, sizeof(pk1));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(
	    srv_alog_key_load(path, 1, &k), SCEAU_ERR_INSECURE_FILE);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(srv_alog_key_load(path, 1, &k), SCEAU_ERR_KEY_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_batches_and_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_router_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("server-alog", tests, NULL, NULL);
}
