/*
 * store.c: the device's local SQLite store.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "log.h"
#include "paths.h"
#include "store.h"
#include "store-internal.h"

/*
 * Migrations, applied in order; entry i brings the schema to version i+1.
 * Never edit a released entry: add one.
 */
static const char *const migrations[] = {
    /* 1: settings and certificates. */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE certificates ("
    "  idx INTEGER PRIMARY KEY,"
    "  envelope BLOB NOT NULL,"
    "  identity BLOB,"
    "  server_time INTEGER NOT NULL);",
    /* 2: workspaces: checkpoints, and each vlob's remote and local state. */
    "CREATE TABLE realms ("
    "  realm_id TEXT PRIMARY KEY,"
    "  checkpoint INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE vlobs ("
    "  realm_id TEXT NOT NULL,"
    "  vlob_id TEXT NOT NULL,"
    "  remote_version INTEGER NOT NULL DEFAULT 0,"
    "  remote_blob BLOB,"
    "  local BLOB,"
    "  local_key_index INTEGER NOT NULL DEFAULT 0,"
    "  dirty INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (realm_id, vlob_id));"
    "CREATE INDEX vlobs_dirty ON vlobs (realm_id, dirty);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
store_db_error(struct sceau_store *s, const char *what)
{
	int code = sqlite3_errcode(s->db);

	sceau_message("local store: %s: %s", what, sqlite3_errmsg(s->db));
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return SCEAU_ERR_STORE_CORRUPT;
	return SCEAU_ERR_STORE;
}

static int
exec(struct sceau_store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_db_error(s, "exec");
	return 0;
}

static int
schema_version(struct sceau_store *s, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*v = 0;
	if (exec(s,
	        "CREATE TABLE IF NOT EXISTS schema_version "
	        "(version INTEGER NOT NULL)") != 0)
		return SCEAU_ERR_STORE;
	if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version",
	        -1, &st, NULL) != SQLITE_OK)
		return store_db_error(s, "schema version");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_db_error(s, "schema version");
}

static int
migrate(struct sceau_store *s)
{
	char sql[64];
	int v, r;

	if ((r = exec(s, "BEGIN IMMEDIATE")) != 0)
		return r;
	if ((r = schema_version(s, &v)) != 0)
		goto fail;
	if (v > NMIGRATIONS) {
		sceau_message("local store has schema %d, newer than this "
		              "program's %d",
		    v, NMIGRATIONS);
		r = SCEAU_ERR_STORE;
		goto fail;
	}
	for (; v < NMIGRATIONS; v++) {
		(void)snprintf(sql, sizeof(sql),
		    "INSERT INTO schema_version VALUES (%d)", v + 1);
		if ((r = exec(s, migrations[v])) != 0 ||
		    (r = exec(s, sql)) != 0)
			goto fail;
	}
	return exec(s, "COMMIT");
fail:
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Opens path (flags: SQLITE_OPEN_*) and migrates; WAL for a file. */
static int
open_db(const char *path, int flags, int wal, struct sceau_store **sp)
{
	struct sceau_store *s;
	int r;

	if ((s = sceau_calloc(1, sizeof(*s))) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sqlite3_open_v2(path, &s->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | flags,
	        NULL) != SQLITE_OK) {
		r = s->db == NULL ? SCEAU_ERR_ALLOC : store_db_error(s, "open");
		goto fail;
	}
	(void)sqlite3_busy_timeout(s->db, 10000);
	if ((wal &&
	        ((r = exec(s, "PRAGMA journal_mode=WAL")) != 0 ||
	            (r = exec(s, "PRAGMA synchronous=FULL")) != 0)) ||
	    (r = exec(s, "PRAGMA foreign_keys=ON")) != 0 ||
	    (r = migrate(s)) != 0)
		goto fail;
	*sp = s;
	return 0;
fail:
	sceau_store_close(s);
	return r;
}

int
sceau_store_open(const char *path, struct sceau_store **sp)
{
	int r;

	*sp = NULL;
	if ((r = sceau_paths_create_private(path)) != 0)
		return r;
	return open_db(path, 0, 1, sp);
}

int
sceau_store_open_memory(struct sceau_store **sp)
{
	*sp = NULL;
	return open_db(":memory:", SQLITE_OPEN_MEMORY, 0, sp);
}

void
sceau_store_close(struct sceau_store *s)
{
	if (s == NULL)
		return;
	store_stmts_finalize(s);
	if (s->db != NULL)
		(void)sqlite3_close(s->db);
	sceau_free(s);
}

int
sceau_store_schema_version(struct sceau_store *s)
{
	int v;

	return schema_version(s, &v) == 0 ? v : -1;
}

int
sceau_store_begin(struct sceau_store *s)
{
	int r;

	if (s->in_txn)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = exec(s, "BEGIN IMMEDIATE")) == 0)
		s->in_txn = 1;
	return r;
}

int
sceau_store_commit(struct sceau_store *s)
{
	int r;

	if (!s->in_txn)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = exec(s, "COMMIT")) != 0) {
		sceau_store_rollback(s);
		return r;
	}
	s->in_txn = 0;
	return 0;
}

void
sceau_store_rollback(struct sceau_store *s)
{
	if (!s->in_txn)
		return;
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = 0;
}

static int
prepare(struct sceau_store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return store_db_error(s, "prepare");
	return 0;
}

/* Steps a statement that returns no row; finalizes it. */
static int
step_done(struct sceau_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), r = 0;

	if (rc != SQLITE_DONE)
		r = store_db_error(s, what);
	sqlite3_finalize(st);
	return r;
}

static int
bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	if (p == NULL)
		return sqlite3_bind_null(st, i) == SQLITE_OK ? 0
		                                             : SCEAU_ERR_STORE;
	/* An empty blob must still be a blob, not NULL. */
	return sqlite3_bind_blob64(
	           st, i, n == 0 ? "" : p, n, SQLITE_TRANSIENT) == SQLITE_OK
	    ? 0
	    : SCEAU_ERR_STORE;
}

int
sceau_store_meta_set(
    struct sceau_store *s, const char *key, const void *v, size_t n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(
	         s, "INSERT OR REPLACE INTO meta VALUES (?, ?)", &st)) != 0)
		return r;
	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    bind_blob(st, 2, v, n) != 0) {
		sqlite3_finalize(st);
		return SCEAU_ERR_STORE;
	}
	return step_done(s, st, "meta set");
}

int
sceau_store_meta_get(
    struct sceau_store *s, const char *key, struct sceau_buf *out)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(s, "SELECT value FROM meta WHERE key = ?", &st)) != 0)
		return r;
	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		sqlite3_finalize(st);
		return SCEAU_ERR_STORE;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = sceau_buf_put(out, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	else
		r = rc == SQLITE_DONE ? SCEAU_ERR_NOT_FOUND
		                      : store_db_error(s, "meta get");
	sqlite3_finalize(st);
	return r;
}

int
sceau_store_cert_put(struct sceau_store *s, uint64_t index, const uint8_t *env,
    size_t n, const uint8_t *identity, size_t idn, uint64_t server_time)
{
	sqlite3_stmt *st;
	int r;

	if (index == 0 || index > INT64_MAX || server_time > INT64_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = prepare(
	         s, "INSERT INTO certificates VALUES (?, ?, ?, ?)", &st)) != 0)
		return r;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)index) != SQLITE_OK ||
	    bind_blob(st, 2, env, n) != 0 ||
	    bind_blob(st, 3, identity, idn) != 0 ||
	    sqlite3_bind_int64(st, 4, (sqlite3_int64)server_time) !=
	        SQLITE_OK) {
		sqlite3_finalize(st);
		return SCEAU_ERR_STORE;
	}
	return step_done(s, st, "store certificate");
}

int
sceau_store_cert_set_identity(
    struct sceau_store *s, uint64_t index, const uint8_t *identity, size_t idn)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(s,
	         "UPDATE certificates SET identity = ? WHERE idx = ?", &st)) !=
	    0)
		return r;
	if (bind_blob(st, 1, identity, idn) != 0 ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)index) != SQLITE_OK) {
		sqlite3_finalize(st);
		return SCEAU_ERR_STORE;
	}
	return step_done(s, st, "set identity");
}

int
sceau_store_cert_last(struct sceau_store *s, uint64_t *index)
{
	sqlite3_stmt *st;
	int r, rc;

	*index = 0;
	if ((r = prepare(s, "SELECT coalesce(max(idx), 0) FROM certificates",
	         &st)) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*index = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_db_error(s, "last certificate");
}

/* Appends a blob column to out (nothing for NULL). */
static int
column_to_buf(sqlite3_stmt *st, int i, struct sceau_buf *out)
{
	if (out == NULL || sqlite3_column_type(st, i) == SQLITE_NULL)
		return 0;
	return sceau_buf_put(out, sqlite3_column_blob(st, i),
	    (size_t)sqlite3_column_bytes(st, i));
}

int
sceau_store_cert_get(struct sceau_store *s, uint64_t index,
    struct sceau_buf *env, struct sceau_buf *identity, uint64_t *server_time)
{
	sqlite3_stmt *st;
	int r, rc;

	if (server_time != NULL)
		*server_time = 0;
	if ((r = prepare(s,
	         "SELECT envelope, identity, server_time FROM certificates "
	         "WHERE idx = ?",
	         &st)) != 0)
		return r;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)index) != SQLITE_OK) {
		sqlite3_finalize(st);
		return SCEAU_ERR_STORE;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((r = column_to_buf(st, 0, env)) == 0)
			r = column_to_buf(st, 1, identity);
		if (server_time != NULL)
			*server_time = (uint64_t)sqlite3_column_int64(st, 2);
	} else {
		r = rc == SQLITE_DONE ? SCEAU_ERR_NOT_FOUND
		                      : store_db_error(s, "read certificate");
	}
	sqlite3_finalize(st);
	return r;
}

int
sceau_store_cert_foreach(
    struct sceau_store *s, uint64_t from, sceau_store_cert_cb cb, void *arg)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(s,
	         "SELECT idx, envelope, identity, server_time FROM "
	         "certificates "
	         "WHERE idx >= ? ORDER BY idx",
	         &st)) != 0)
		return r;
	if (sqlite3_bind_int64(st, 1, (sqlite3_int64)from) != SQLITE_OK) {
		sqlite3_finalize(st);
		return SCEAU_ERR_STORE;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *id = sqlite3_column_blob(st, 2);

		r = cb(arg, (uint64_t)sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), id,
		    id == NULL ? 0 : (size_t)sqlite3_column_bytes(st, 2),
		    (uint64_t)sqlite3_column_int64(st, 3));
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_db_error(s, "read certificates");
	sqlite3_finalize(st);
	return r;
}
