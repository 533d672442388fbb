/*
 * backend-sqlite-alog.c: the access log in the SQLite backend
 * (backend.h, doc/audit.md).
 *
 * One row per record and per checkpoint; each append is its own short
 * transaction (under WAL with synchronous = NORMAL a commit does not
 * fsync, so a record costs one page write, not a disk flush).  The export
 * is one statement, hence one snapshot: records and checkpoints merged in
 * sequence order, a checkpoint right after the record it ends at.  SQLite
 * runs it as a merge of two scans in key order (EXPLAIN QUERY PLAN:
 * "MERGE (UNION ALL)"): rows stream out, nothing is sorted or copied.
 */
#include "config.h"

#include <string.h>

#include "backend-sqlite.h"
#include "errors.h"

const char *const sq_alog_sql[SQ_NSTMT - SQ_NENROLL] = {
    [SQ_ALOG_LAST - SQ_NENROLL] =
        "SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1",
    [SQ_ALOG_SIGNED - SQ_NENROLL] =
        "SELECT COALESCE(MAX(last_seq), 0) FROM access_log_checkpoints",
    [SQ_ALOG_INSERT - SQ_NENROLL] =
        "INSERT INTO access_log (seq, record, hash) VALUES (?1, ?2, ?3)",
    [SQ_ALOG_CP_INSERT - SQ_NENROLL] =
        "INSERT INTO access_log_checkpoints (last_seq, first_seq, body,"
        " signature) VALUES (?1, ?2, ?3, ?4)",
    [SQ_ALOG_EXPORT - SQ_NENROLL] =
        "SELECT seq, 0, record, hash FROM access_log UNION ALL"
        " SELECT last_seq, 1, body, signature FROM access_log_checkpoints"
        " ORDER BY 1, 2",
};

static int
sq_alog_last_conn(struct sq_conn *c, uint64_t *seq,
    uint8_t hash[SCEAU_SHA256_LEN], uint64_t *signed_upto)
{
	sqlite3_stmt *st;
	int r, rc, present = 0;

	if ((st = sq_stmt(c, SQ_ALOG_LAST, &r)) == NULL)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sq_col_u64(st, 0);
		r = sq_col_fixed(st, 1, hash, SCEAU_SHA256_LEN, &present);
		if (r == 0 && !present)
			r = sq_corrupt("access-log record without a hash");
	} else if (rc != SQLITE_DONE) {
		r = sq_fail(c, rc, "read the access log");
	}
	sq_done(st);
	if (r != 0 || (st = sq_stmt(c, SQ_ALOG_SIGNED, &r)) == NULL)
		return r;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*signed_upto = sq_col_u64(st, 0);
	else
		r = sq_fail(c, rc, "read the access-log checkpoints");
	sq_done(st);
	return r;
}

int
sq_alog_last(struct srv_backend *be, uint64_t *seq,
    uint8_t hash[SCEAU_SHA256_LEN], uint64_t *signed_upto)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	int r;

	*seq = 0;
	*signed_upto = 0;
	memset(hash, 0, SCEAU_SHA256_LEN);
	if ((r = sq_begin_read(c)) == 0) {
		r = sq_alog_last_conn(c, seq, hash, signed_upto);
		if (r == 0)
			r = sq_commit(c);
		else
			sq_rollback(c);
	}
	sq_put(s, c);
	return r;
}

/* An insert of its own (autocommit); a taken key is SCEAU_ERR_CONFLICT. */
static int
sq_alog_insert(struct sq_conn *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sq_done(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		sceau_message("%s: sequence number taken", what);
		return SCEAU_ERR_CONFLICT;
	}
	return rc == SQLITE_DONE ? 0 : sq_fail(c, rc, what);
}

int
sq_alog_append(struct srv_backend *be, uint64_t seq, const uint8_t *rec,
    size_t n, const uint8_t hash[SCEAU_SHA256_LEN])
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	sqlite3_stmt *st;
	int r;

	if ((st = sq_stmt(c, SQ_ALOG_INSERT, &r)) != NULL) {
		(void)sqlite3_bind_int64(st, 1, sq_clamp(seq));
		(void)sqlite3_bind_blob(st, 2, rec, (int)n, SQLITE_STATIC);
		(void)sqlite3_bind_blob(
		    st, 3, hash, SCEAU_SHA256_LEN, SQLITE_STATIC);
		r = sq_alog_insert(c, st, "append to the access log");
	}
	sq_put(s, c);
	return r;
}

int
sq_alog_checkpoint(struct srv_backend *be, uint64_t first, uint64_t last,
    const uint8_t *cp, size_t n, const uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	sqlite3_stmt *st;
	int r;

	if ((st = sq_stmt(c, SQ_ALOG_CP_INSERT, &r)) != NULL) {
		(void)sqlite3_bind_int64(st, 1, sq_clamp(last));
		(void)sqlite3_bind_int64(st, 2, sq_clamp(first));
		(void)sqlite3_bind_blob(st, 3, cp, (int)n, SQLITE_STATIC);
		(void)sqlite3_bind_blob(
		    st, 4, sig, SCEAU_SIGN_SIG_LEN, SQLITE_STATIC);
		r = sq_alog_insert(c, st, "store an access-log checkpoint");
	}
	sq_put(s, c);
	return r;
}

int
sq_alog_export(struct srv_backend *be, srv_alog_cb cb, void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	const uint8_t *a, *b;
	sqlite3_stmt *st;
	int r, rc = SQLITE_DONE;

	if ((st = sq_stmt(c, SQ_ALOG_EXPORT, &r)) == NULL)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* NULL blobs (an empty value) are passed as empty. */
		a = sqlite3_column_blob(st, 2);
		b = sqlite3_column_blob(st, 3);
		if ((r = cb(arg, sqlite3_column_int(st, 1),
		         a != NULL ? a : (const uint8_t *)"",
		         (size_t)sqlite3_column_bytes(st, 2),
		         b != NULL ? b : (const uint8_t *)"",
		         (size_t)sqlite3_column_bytes(st, 3))) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "export the access log");
	sq_done(st);
out:
	sq_put(s, c);
	return r;
}
