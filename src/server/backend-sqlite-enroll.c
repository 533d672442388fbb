/*
 * backend-sqlite-enroll.c: PKI enrollment in the SQLite backend
 * (backend.h): the organization's enrollment link and the requests.
 *
 * The rate limit is counted in the database, inside the transaction that
 * stores a request: it holds across restarts and several server
 * processes sharing one database.
 */
#include "config.h"

#include <string.h>

#include "backend-sqlite.h"
#include "errors.h"

#define SQ_ENROLL_COLS                                                         \
	"SELECT id, created, status, email, user_id, device_id, poll_hash,"    \
	" decided_by, reason, request FROM enroll_requests"

const char *const sq_enroll_sql[SQ_NENROLL - SQ_NINVITE] = {
    [SQ_ENROLL_LINK_SET - SQ_NINVITE] =
        "INSERT INTO enroll_links (org, token_hash, expires) VALUES"
        " (?1, ?2, ?3) ON CONFLICT (org) DO UPDATE SET"
        " token_hash = excluded.token_hash, expires = excluded.expires",
    [SQ_ENROLL_LINK_GET - SQ_NINVITE] =
        "SELECT token_hash, expires FROM enroll_links WHERE org = ?1",
    [SQ_ENROLL_COUNT - SQ_NINVITE] =
        "SELECT (SELECT COUNT(*) FROM enroll_requests WHERE org = ?1"
        " AND created > ?2), (SELECT COUNT(*) FROM enroll_requests"
        " WHERE org = ?1 AND status = 0), (SELECT COUNT(*) FROM"
        " enroll_requests WHERE org = ?1 AND device_id = ?3)",
    [SQ_ENROLL_INSERT - SQ_NINVITE] =
        "INSERT INTO enroll_requests (org, id, created, email, user_id,"
        " device_id, poll_hash, request) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
        " ?7, ?8)",
    [SQ_ENROLL_GET - SQ_NINVITE] = SQ_ENROLL_COLS " WHERE org = ?1 AND id = ?2",
    [SQ_ENROLL_LIST - SQ_NINVITE] =
        SQ_ENROLL_COLS " WHERE org = ?1 AND status = 0 ORDER BY created, id",
    [SQ_ENROLL_DECIDE - SQ_NINVITE] =
        "UPDATE enroll_requests SET status = ?3, decided_by = ?4,"
        " reason = ?5 WHERE org = ?1 AND id = ?2 AND status = 0",
};

/* A write transaction around fn(c, arg); commits when it returns 0. */
static int
sq_write(
    struct srv_backend *be, int (*fn)(struct sq_conn *c, void *arg), void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	int r;

	if ((r = sq_begin(c)) == 0) {
		if ((r = fn(c, arg)) == 0)
			r = sq_commit(c);
		else
			sq_rollback(c);
	}
	sq_put(s, c);
	return r;
}

struct link_args {
	const char *org_id;
	const uint8_t *hash;
	uint64_t expires;
};

static int
link_set_txn(struct sq_conn *c, void *arg)
{
	struct link_args *a = arg;
	struct sq_org_row row;
	sqlite3_stmt *st;
	int r;

	if ((r = sq_org_row(c, a->org_id, &row)) != 0 ||
	    (st = sq_stmt(c, SQ_ENROLL_LINK_SET, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, row.id);
	(void)sqlite3_bind_blob(
	    st, 2, a->hash, SCEAU_SHA256_LEN, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 3, sq_clamp(a->expires));
	return sq_exec_stmt(c, st, "store enrollment link");
}

int
sq_enroll_link_set(struct srv_backend *be, const char *org_id,
    const uint8_t token_hash[SCEAU_SHA256_LEN], uint64_t expires_us)
{
	struct link_args a = {org_id, token_hash, expires_us};

	return sq_write(be, link_set_txn, &a);
}

int
sq_enroll_link_get(struct srv_backend *be, const char *org_id,
    uint8_t token_hash[SCEAU_SHA256_LEN], uint64_t *expires_us)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_org_row row;
	sqlite3_stmt *st = NULL;
	int r, rc, present = 0;

	if ((r = sq_org_row(c, org_id, &row)) != 0 ||
	    (st = sq_stmt(c, SQ_ENROLL_LINK_GET, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_int64(st, 1, row.id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r = sq_col_fixed(st, 0, token_hash, SCEAU_SHA256_LEN, &present);
		*expires_us = sq_col_u64(st, 1);
		if (r == 0 && !present)
			r = sq_corrupt("enrollment link without a token");
	} else if (rc == SQLITE_DONE) {
		r = SCEAU_ERR_NOT_FOUND;
	} else {
		r = sq_fail(c, rc, "read enrollment link");
	}
out:
	sq_done(st);
	sq_put(s, c);
	return r;
}

struct put_args {
	const char *org_id;
	const struct srv_enroll_row *row;
	uint64_t now, window;
	unsigned int max_recent, max_pending;
};

/* Counts recent, pending and same-device requests; refuses past limits. */
static int
put_limits(struct sq_conn *c, sqlite3_int64 org, const struct put_args *a)
{
	sqlite3_stmt *st;
	uint64_t recent, pending, same;
	int r, rc;

	if ((st = sq_stmt(c, SQ_ENROLL_COUNT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org);
	(void)sqlite3_bind_int64(
	    st, 2, sq_clamp(a->now > a->window ? a->now - a->window : 0));
	(void)sqlite3_bind_text(st, 3, a->row->device_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = sq_fail(c, rc, "count enrollment requests");
		sq_done(st);
		return r;
	}
	recent = sq_col_u64(st, 0);
	pending = sq_col_u64(st, 1);
	same = sq_col_u64(st, 2);
	sq_done(st);
	if (same > 0) {
		sceau_message(
		    "a request for device %s exists", a->row->device_id);
		return SCEAU_ERR_EXISTS;
	}
	if (recent >= a->max_recent || pending >= a->max_pending) {
		sceau_message("too many enrollment requests: try again later");
		return SCEAU_ERR_RATE_LIMITED;
	}
	return 0;
}

static int
put_txn(struct sq_conn *c, void *arg)
{
	struct put_args *a = arg;
	const struct srv_enroll_row *row = a->row;
	struct sq_org_row org;
	sqlite3_stmt *st;
	int r;

	if ((r = sq_org_row(c, a->org_id, &org)) != 0 ||
	    (r = put_limits(c, org.id, a)) != 0 ||
	    (st = sq_stmt(c, SQ_ENROLL_INSERT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org.id);
	(void)sqlite3_bind_text(st, 2, row->id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 3, sq_clamp(a->now));
	(void)sqlite3_bind_text(st, 4, row->email, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 5, row->user_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 6, row->device_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_blob(
	    st, 7, row->poll_hash, SCEAU_SHA256_LEN, SQLITE_STATIC);
	(void)sqlite3_bind_blob(
	    st, 8, row->request, (int)row->request_len, SQLITE_STATIC);
	return sq_exec_stmt(c, st, "store enrollment request");
}

int
sq_enroll_put(struct srv_backend *be, const char *org_id,
    const struct srv_enroll_row *row, uint64_t now_us, uint64_t window_us,
    unsigned int max_recent, unsigned int max_pending)
{
	struct put_args a = {
	    org_id, row, now_us, window_us, max_recent, max_pending};

	return sq_write(be, put_txn, &a);
}

static int
read_row(sqlite3_stmt *st, struct srv_enroll_row *row)
{
	int r, present;

	memset(row, 0, sizeof(*row));
	if ((r = sq_col_text(st, 0, row->id, SCEAU_ID_LEN)) != 0 ||
	    (r = sq_col_text(st, 3, row->email, SRV_INVITE_TEXT_MAX)) != 0 ||
	    (r = sq_col_text(st, 4, row->user_id, SCEAU_ID_LEN)) != 0 ||
	    (r = sq_col_text(st, 5, row->device_id, SCEAU_ID_LEN)) != 0 ||
	    (r = sq_col_fixed(
	         st, 6, row->poll_hash, SCEAU_SHA256_LEN, &present)) != 0 ||
	    (r = sq_col_text(st, 7, row->decided_by, SCEAU_ID_LEN)) != 0 ||
	    (r = sq_col_text(st, 8, row->reason, SRV_INVITE_TEXT_MAX)) != 0)
		return r;
	row->created_us = sq_col_u64(st, 1);
	row->status = (enum srv_enroll_status)sqlite3_column_int(st, 2);
	row->request = sqlite3_column_blob(st, 9);
	row->request_len = (size_t)sqlite3_column_bytes(st, 9);
	return row->request != NULL ? 0 : sq_corrupt("enrollment request");
}

/* Runs statement id of (org, [id]) and hands each row to cb. */
static int
rows(struct srv_backend *be, const char *org_id, const char *id,
    enum sq_stmt_id sid, srv_enroll_cb cb, void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct srv_enroll_row row;
	struct sq_org_row org;
	sqlite3_stmt *st = NULL;
	int r, rc, n = 0;

	if ((r = sq_org_row(c, org_id, &org)) != 0 ||
	    (st = sq_stmt(c, sid, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_int64(st, 1, org.id);
	if (id != NULL)
		(void)sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if ((r = read_row(st, &row)) != 0 || (r = cb(arg, &row)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "read enrollment requests");
	if (r == 0 && id != NULL && n == 0)
		r = SCEAU_ERR_NOT_FOUND;
out:
	sq_done(st);
	sq_put(s, c);
	return r;
}

int
sq_enroll_get(struct srv_backend *be, const char *org_id, const char *id,
    srv_enroll_cb cb, void *arg)
{
	return rows(be, org_id, id, SQ_ENROLL_GET, cb, arg);
}

int
sq_enroll_list(
    struct srv_backend *be, const char *org_id, srv_enroll_cb cb, void *arg)
{
	return rows(be, org_id, NULL, SQ_ENROLL_LIST, cb, arg);
}

struct decide_args {
	const char *org_id, *id, *by, *reason;
	enum srv_enroll_status status;
};

static int
decide_txn(struct sq_conn *c, void *arg)
{
	struct decide_args *a = arg;
	struct sq_org_row org;
	sqlite3_stmt *st;
	int r;

	if ((r = sq_org_row(c, a->org_id, &org)) != 0 ||
	    (st = sq_stmt(c, SQ_ENROLL_DECIDE, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org.id);
	(void)sqlite3_bind_text(st, 2, a->id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 3, (int)a->status);
	(void)sqlite3_bind_text(st, 4, a->by, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 5, a->reason, -1, SQLITE_STATIC);
	if ((r = sq_exec_stmt(c, st, "decide enrollment request")) != 0)
		return r;
	if (sqlite3_changes(c->db) != 1) {
		sceau_message("request %s is not pending", a->id);
		return SCEAU_ERR_CONFLICT;
	}
	return 0;
}

int
sq_enroll_decide(struct srv_backend *be, const char *org_id, const char *id,
    enum srv_enroll_status status, const char *by, const char *reason)
{
	struct decide_args a = {org_id, id, by, reason, status};

	return sq_write(be, decide_txn, &a);
}
