/*
 * backend-sqlite-invites.c: invitations and the conduit of their code
 * exchange in the SQLite backend (backend.h).
 *
 * Every change of the conduit is one write transaction, followed by a
 * wake-up of the waiters (the same generation counter as events), so
 * that a side waiting for its peer's message reads it at once.
 */
#include "config.h"

#include <string.h>

#include "backend-sqlite.h"
#include "errors.h"

#define SQ_INV_COLS                                                            \
	"SELECT id, token_hash, kind, email, inviter, created_by, created,"    \
	" expires, status, attempt, aborted_by, abort_reason FROM invitations"

const char *const sq_invite_sql[SQ_NINVITE - SQ_NREALM] = {
    [SQ_INV_INSERT - SQ_NREALM] =
        "INSERT INTO invitations (org, id, token_hash, kind, email, inviter,"
        " created_by, created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9)",
    [SQ_INV_GET_ID - SQ_NREALM] = SQ_INV_COLS " WHERE org = ?1 AND id = ?2",
    [SQ_INV_GET_TOKEN - SQ_NREALM] =
        SQ_INV_COLS " WHERE org = ?1 AND token_hash = ?2",
    [SQ_INV_LIST - SQ_NREALM] =
        SQ_INV_COLS " WHERE org = ?1 AND status = 0 ORDER BY created, id",
    [SQ_INV_PENDING_EMAIL - SQ_NREALM] =
        "SELECT COUNT(*) FROM invitations WHERE org = ?1 AND status = 0"
        " AND kind = ?2 AND email = ?3 AND expires > ?4",
    [SQ_INV_CLOSE - SQ_NREALM] = "UPDATE invitations SET status = ?3"
                                 " WHERE org = ?1 AND id = ?2 AND status = 0",
    [SQ_INV_RESTART - SQ_NREALM] =
        "UPDATE invitations SET attempt = attempt + 1, aborted_by = 0,"
        " abort_reason = '' WHERE org = ?1 AND id = ?2",
    [SQ_INV_ABORT - SQ_NREALM] =
        "UPDATE invitations SET aborted_by = ?3, abort_reason = ?4"
        " WHERE org = ?1 AND id = ?2 AND attempt = ?5 AND aborted_by = 0",
    [SQ_CONDUIT_GET - SQ_NREALM] =
        "SELECT msg FROM conduit WHERE org = ?1 AND invitation = ?2"
        " AND step = ?3 AND side = ?4",
    [SQ_CONDUIT_PUT - SQ_NREALM] =
        "INSERT INTO conduit (org, invitation, step, side, msg)"
        " VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_CONDUIT_CLEAR - SQ_NREALM] =
        "DELETE FROM conduit WHERE org = ?1 AND invitation = ?2",
    [SQ_CONDUIT_LATER - SQ_NREALM] =
        "SELECT COUNT(*) FROM conduit WHERE org = ?1 AND invitation = ?2"
        " AND step > 1",
};

int
sq_col_text(sqlite3_stmt *st, int i, char *out, size_t max)
{
	const unsigned char *p = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);

	out[0] = '\0';
	if (p == NULL)
		return 0;
	if (n < 0 || (size_t)n > max || memchr(p, '\0', (size_t)n) != NULL)
		return sq_corrupt("text column too long");
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	return 0;
}

static int
sq_read_invite(sqlite3_stmt *st, struct srv_invite *v)
{
	int present, r;

	memset(v, 0, sizeof(*v));
	if ((r = sq_col_text(st, 0, v->id, SCEAU_ID_LEN)) != 0 ||
	    (r = sq_col_fixed(
	         st, 1, v->token_hash, sizeof(v->token_hash), &present)) != 0 ||
	    (r = sq_col_text(st, 3, v->email, SRV_INVITE_TEXT_MAX)) != 0 ||
	    (r = sq_col_text(st, 4, v->inviter, SRV_INVITE_TEXT_MAX)) != 0 ||
	    (r = sq_col_text(st, 5, v->created_by, SCEAU_ID_LEN)) != 0 ||
	    (r = sq_col_text(st, 11, v->abort_reason, SRV_INVITE_TEXT_MAX)) !=
	        0)
		return r;
	v->kind = sqlite3_column_int(st, 2);
	v->created_us = sq_col_u64(st, 6);
	v->expires_us = sq_col_u64(st, 7);
	v->status = (enum srv_invite_status)sqlite3_column_int(st, 8);
	v->attempt = sq_col_u64(st, 9);
	v->aborted_by = sqlite3_column_int(st, 10);
	return 0;
}

/* The invitation by id or token hash, in the caller's transaction. */
static int
sq_inv_get(struct sq_conn *c, sqlite3_int64 org, const char *id,
    const uint8_t *token_hash, struct srv_invite *out)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((st = sq_stmt(
	         c, id != NULL ? SQ_INV_GET_ID : SQ_INV_GET_TOKEN, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org);
	if (id != NULL)
		(void)sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	else
		(void)sqlite3_bind_blob(
		    st, 2, token_hash, SCEAU_SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = sq_read_invite(st, out);
	else if (rc == SQLITE_DONE)
		r = SCEAU_ERR_INVITATION_UNKNOWN;
	else
		r = sq_fail(c, rc, "read invitation");
	sq_done(st);
	return r;
}

static int
sq_count(struct sq_conn *c, sqlite3_stmt *st, uint64_t *n)
{
	int rc = sqlite3_step(st), r = 0;

	if (rc == SQLITE_ROW)
		*n = sq_col_u64(st, 0);
	else
		r = sq_fail(c, rc, "count");
	sq_done(st);
	return r;
}

static int
sq_invite_create_txn(struct sq_conn *c, const char *org_id,
    const struct srv_invite *inv, uint64_t now_us)
{
	struct sq_org_row row;
	sqlite3_stmt *st;
	uint64_t n = 0;
	int r;

	if ((r = sq_org_row(c, org_id, &row)) != 0)
		return r;
	if (inv->email[0] != '\0') {
		if ((st = sq_stmt(c, SQ_INV_PENDING_EMAIL, &r)) == NULL)
			return r;
		(void)sqlite3_bind_int64(st, 1, row.id);
		(void)sqlite3_bind_int(st, 2, inv->kind);
		(void)sqlite3_bind_text(st, 3, inv->email, -1, SQLITE_STATIC);
		(void)sqlite3_bind_int64(st, 4, sq_clamp(now_us));
		if ((r = sq_count(c, st, &n)) != 0)
			return r;
		if (n > 0) {
			sceau_message("%s already has a pending invitation: "
			              "cancel it first",
			    inv->email);
			return SCEAU_ERR_EXISTS;
		}
	}
	if ((st = sq_stmt(c, SQ_INV_INSERT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, row.id);
	(void)sqlite3_bind_text(st, 2, inv->id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_blob(
	    st, 3, inv->token_hash, sizeof(inv->token_hash), SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 4, inv->kind);
	(void)sqlite3_bind_text(st, 5, inv->email, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 6, inv->inviter, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 7, inv->created_by, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 8, sq_clamp(inv->created_us));
	(void)sqlite3_bind_int64(st, 9, sq_clamp(inv->expires_us));
	return sq_exec_stmt(c, st, "store invitation");
}

int
sq_invite_create(struct srv_backend *be, const char *org_id,
    const struct srv_invite *inv, uint64_t now_us)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	int r;

	if ((r = sq_begin(c)) == 0) {
		if ((r = sq_invite_create_txn(c, org_id, inv, now_us)) == 0)
			r = sq_commit(c);
		else
			sq_rollback(c);
	}
	sq_put(s, c);
	return r;
}

int
sq_invite_get(struct srv_backend *be, const char *org_id, const char *id,
    const uint8_t token_hash[SCEAU_SHA256_LEN], struct srv_invite *out)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_org_row row;
	int r;

	if ((r = sq_org_row(c, org_id, &row)) == 0)
		r = sq_inv_get(c, row.id, id, token_hash, out);
	sq_put(s, c);
	return r;
}

int
sq_invite_list(
    struct srv_backend *be, const char *org_id, srv_invite_cb cb, void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_org_row row;
	struct srv_invite v;
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = sq_org_row(c, org_id, &row)) != 0 ||
	    (st = sq_stmt(c, SQ_INV_LIST, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_int64(st, 1, row.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = sq_read_invite(st, &v)) != 0 || (r = cb(arg, &v)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "list invitations");
out:
	sq_done(st);
	sq_put(s, c);
	return r;
}

/* Runs a statement of (org, id, ...) already bound past ?2. */
static int
sq_inv_exec(struct sq_conn *c, sqlite3_stmt *st, sqlite3_int64 org,
    const char *id, const char *what)
{
	(void)sqlite3_bind_int64(st, 1, org);
	(void)sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	return sq_exec_stmt(c, st, what);
}

int
sq_invite_close(struct srv_backend *be, const char *org_id, const char *id,
    enum srv_invite_status status)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_org_row row;
	sqlite3_stmt *st;
	int r;

	if ((r = sq_begin(c)) != 0)
		goto out;
	if ((r = sq_org_row(c, org_id, &row)) == 0 &&
	    (st = sq_stmt(c, SQ_INV_CLOSE, &r)) != NULL) {
		(void)sqlite3_bind_int(st, 3, (int)status);
		if ((r = sq_inv_exec(c, st, row.id, id, "close invitation")) ==
		        0 &&
		    sqlite3_changes(c->db) != 1) {
			sceau_message("invitation %s is not pending", id);
			r = SCEAU_ERR_INVITATION_CLOSED;
		}
	}
	if (r == 0 && (st = sq_stmt(c, SQ_CONDUIT_CLEAR, &r)) != NULL)
		r = sq_inv_exec(c, st, row.id, id, "clear conduit");
	if (r == 0)
		r = sq_commit(c);
	else
		sq_rollback(c);
	if (r == 0)
		sq_wake(s);
out:
	sq_put(s, c);
	return r;
}

/*
 * The message of (step, side): *found 0 when none; with cmp, *same says
 * whether it equals cmp[0..cmplen); with out, it is appended there.
 */
static int
sq_conduit_get(struct sq_conn *c, sqlite3_int64 org, const char *id,
    unsigned int step, int side, const uint8_t *cmp, size_t cmplen,
    struct sceau_buf *out, int *found, int *same)
{
	sqlite3_stmt *st;
	const void *p;
	size_t n;
	int r, rc;

	*found = 0;
	if ((st = sq_stmt(c, SQ_CONDUIT_GET, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org);
	(void)sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 3, (int)step);
	(void)sqlite3_bind_int(st, 4, side);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		n = (size_t)sqlite3_column_bytes(st, 0);
		*found = 1;
		if (same != NULL)
			*same =
			    n == cmplen && (n == 0 || memcmp(p, cmp, n) == 0);
		if (out != NULL && n > 0)
			r = sceau_buf_put(out, p, n);
	} else if (rc != SQLITE_DONE) {
		r = sq_fail(c, rc, "read conduit");
	}
	sq_done(st);
	return r;
}

static int
sq_conduit_put(struct sq_conn *c, sqlite3_int64 org, const char *id,
    unsigned int step, int side, const uint8_t *msg, size_t len)
{
	sqlite3_stmt *st;
	int r;

	if ((st = sq_stmt(c, SQ_CONDUIT_PUT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int(st, 3, (int)step);
	(void)sqlite3_bind_int(st, 4, side);
	(void)sqlite3_bind_blob(st, 5, msg, (int)len, SQLITE_STATIC);
	return sq_inv_exec(c, st, org, id, "write conduit");
}

/* Step 1: a resend, a first message, or a new attempt. */
static int
sq_conduit_first(struct sq_conn *c, sqlite3_int64 org,
    const struct srv_invite *inv, int side, uint64_t *attempt,
    const uint8_t *msg, size_t len)
{
	sqlite3_stmt *st;
	uint64_t later = 0;
	int r, found, same = 0;

	if ((r = sq_conduit_get(
	         c, org, inv->id, 1, side, msg, len, NULL, &found, &same)) != 0)
		return r;
	if (found && same && inv->aborted_by == 0 && *attempt == inv->attempt) {
		return 0; /* the same message again */
	}
	if ((st = sq_stmt(c, SQ_CONDUIT_LATER, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org);
	(void)sqlite3_bind_text(st, 2, inv->id, -1, SQLITE_STATIC);
	if ((r = sq_count(c, st, &later)) != 0)
		return r;
	*attempt = inv->attempt;
	if (found || later > 0 || inv->aborted_by != 0) {
		if ((st = sq_stmt(c, SQ_CONDUIT_CLEAR, &r)) == NULL ||
		    (r = sq_inv_exec(c, st, org, inv->id, "clear conduit")) !=
		        0 ||
		    (st = sq_stmt(c, SQ_INV_RESTART, &r)) == NULL ||
		    (r = sq_inv_exec(c, st, org, inv->id, "restart")) != 0)
			return r;
		*attempt = inv->attempt + 1;
	}
	return sq_conduit_put(c, org, inv->id, 1, side, msg, len);
}

static int
sq_conduit_send_txn(struct sq_conn *c, const char *org_id, const char *id,
    int side, unsigned int step, uint64_t *attempt, const uint8_t *msg,
    size_t len, enum srv_conduit_state *state)
{
	struct sq_org_row row;
	struct srv_invite inv;
	int r, found, same = 0;

	*state = SRV_CONDUIT_READY;
	if ((r = sq_org_row(c, org_id, &row)) != 0 ||
	    (r = sq_inv_get(c, row.id, id, NULL, &inv)) != 0)
		return r;
	if (inv.status != SRV_INVITE_PENDING) {
		sceau_message("invitation %s is not pending", id);
		return SCEAU_ERR_INVITATION_CLOSED;
	}
	if (step == 1)
		return sq_conduit_first(
		    c, row.id, &inv, side, attempt, msg, len);
	if (*attempt != inv.attempt) {
		*state = SRV_CONDUIT_RESTARTED;
		return 0;
	}
	if (inv.aborted_by != 0) {
		*state = SRV_CONDUIT_ABORTED;
		return 0;
	}
	if ((r = sq_conduit_get(c, row.id, id, step, side, msg, len, NULL,
	         &found, &same)) != 0)
		return r;
	if (found && !same) {
		sceau_message(
		    "step %u was already sent, with other bytes", step);
		return SCEAU_ERR_CONFLICT;
	}
	if (found)
		return 0;
	return sq_conduit_put(c, row.id, id, step, side, msg, len);
}

int
sq_conduit_send(struct srv_backend *be, const char *org_id, const char *id,
    int side, unsigned int step, uint64_t *attempt, const uint8_t *msg,
    size_t len, enum srv_conduit_state *state)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	int r;

	if ((r = sq_begin(c)) == 0) {
		if ((r = sq_conduit_send_txn(c, org_id, id, side, step, attempt,
		         msg, len, state)) == 0)
			r = sq_commit(c);
		else
			sq_rollback(c);
	}
	sq_put(s, c);
	if (r == 0 && *state == SRV_CONDUIT_READY)
		sq_wake(s);
	return r;
}

int
sq_conduit_recv(struct srv_backend *be, const char *org_id, const char *id,
    int side, unsigned int step, uint64_t attempt, struct sceau_buf *out,
    enum srv_conduit_state *state, struct srv_invite *inv)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_org_row row;
	int r, found = 0, peer = side == 1 ? 2 : 1;

	*state = SRV_CONDUIT_PENDING;
	if ((r = sq_begin_read(c)) != 0)
		goto out;
	if ((r = sq_org_row(c, org_id, &row)) == 0 &&
	    (r = sq_inv_get(c, row.id, id, NULL, inv)) == 0) {
		if (inv->status != SRV_INVITE_PENDING) {
			sceau_message("invitation %s is not pending", id);
			r = SCEAU_ERR_INVITATION_CLOSED;
		} else if (attempt != inv->attempt) {
			*state = SRV_CONDUIT_RESTARTED;
		} else if (inv->aborted_by != 0) {
			*state = SRV_CONDUIT_ABORTED;
		} else if ((r = sq_conduit_get(c, row.id, id, step, peer, NULL,
		                0, out, &found, NULL)) == 0 &&
		    found) {
			*state = SRV_CONDUIT_READY;
		}
	}
	if (r == 0)
		r = sq_commit(c);
	else
		sq_rollback(c);
out:
	sq_put(s, c);
	return r;
}

int
sq_conduit_abort(struct srv_backend *be, const char *org_id, const char *id,
    int side, uint64_t attempt, const char *reason)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_org_row row;
	sqlite3_stmt *st;
	int r;

	if ((r = sq_begin(c)) != 0)
		goto out;
	if ((r = sq_org_row(c, org_id, &row)) == 0 &&
	    (st = sq_stmt(c, SQ_INV_ABORT, &r)) != NULL) {
		(void)sqlite3_bind_int(st, 3, side);
		(void)sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
		(void)sqlite3_bind_int64(st, 5, sq_clamp(attempt));
		r = sq_inv_exec(c, st, row.id, id, "abort exchange");
	}
	if (r == 0)
		r = sq_commit(c);
	else
		sq_rollback(c);
	if (r == 0)
		sq_wake(s);
out:
	sq_put(s, c);
	return r;
}
