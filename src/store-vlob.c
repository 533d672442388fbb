/*
 * store-vlob.c: the local store's workspaces: checkpoints, and for each
 * vlob its latest remote version (the signed blob) and this device's
 * local version (a manifest sealed under the workspace key), dirty until
 * pushed.  Statements are prepared once: imports and syncs write here
 * thousands of times per transaction.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "errors.h"
#include "store-internal.h"
#include "store.h"

int
store_stmt(struct sceau_store *s, enum store_stmt_id id, const char *sql,
    sqlite3_stmt **st)
{
	*st = NULL;
	if (s->stmts[id] == NULL &&
	    sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	        &s->stmts[id], NULL) != SQLITE_OK)
		return store_db_error(s, "prepare");
	(void)sqlite3_reset(s->stmts[id]);
	(void)sqlite3_clear_bindings(s->stmts[id]);
	*st = s->stmts[id];
	return 0;
}

void
store_stmts_finalize(struct sceau_store *s)
{
	size_t i;

	for (i = 0; i < STMT_MAX; i++) {
		if (s->stmts[i] != NULL)
			(void)sqlite3_finalize(s->stmts[i]);
		s->stmts[i] = NULL;
	}
}

/* Steps a cached statement that returns no row. */
static int
step_done(struct sceau_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_db_error(s, what);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) == SQLITE_OK
	    ? 0
	    : SCEAU_ERR_STORE;
}

static int
bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	if (p == NULL)
		return sqlite3_bind_null(st, i) == SQLITE_OK ? 0
		                                             : SCEAU_ERR_STORE;
	return sqlite3_bind_blob64(st, i, n == 0 ? "" : p, n, SQLITE_STATIC) ==
	        SQLITE_OK
	    ? 0
	    : SCEAU_ERR_STORE;
}

int
sceau_store_realm_checkpoint(
    struct sceau_store *s, const char *realm_id, uint64_t *checkpoint)
{
	sqlite3_stmt *st;
	int r, rc;

	*checkpoint = 0;
	if ((r = store_stmt(s, STMT_REALM_GET,
	         "SELECT checkpoint FROM realms WHERE realm_id = ?", &st)) !=
	        0 ||
	    (r = bind_text(st, 1, realm_id)) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*checkpoint = (uint64_t)sqlite3_column_int64(st, 0);
	(void)sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	    ? 0
	    : store_db_error(s, "read checkpoint");
}

int
sceau_store_realm_set_checkpoint(
    struct sceau_store *s, const char *realm_id, uint64_t checkpoint)
{
	sqlite3_stmt *st;
	int r;

	if (checkpoint > INT64_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = store_stmt(s, STMT_REALM_SET,
	         "INSERT INTO realms (realm_id, checkpoint) VALUES (?1, ?2) "
	         "ON CONFLICT (realm_id) DO UPDATE SET checkpoint = ?2",
	         &st)) != 0 ||
	    (r = bind_text(st, 1, realm_id)) != 0 ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)checkpoint) != SQLITE_OK)
		return r != 0 ? r : SCEAU_ERR_STORE;
	return step_done(s, st, "write checkpoint");
}

/* Appends a blob column to out when out and the value are not NULL. */
static int
column_to(sqlite3_stmt *st, int i, struct sceau_buf *out, int *present)
{
	*present = sqlite3_column_type(st, i) != SQLITE_NULL;
	if (out == NULL || !*present)
		return 0;
	return sceau_buf_put(out, sqlite3_column_blob(st, i),
	    (size_t)sqlite3_column_bytes(st, i));
}

int
sceau_store_vlob_get(struct sceau_store *s, const char *realm_id,
    const char *vlob_id, struct sceau_store_vlob *v)
{
	sqlite3_stmt *st;
	int r, rc, present;

	v->remote_version = 0;
	v->has_remote = v->has_local = v->dirty = 0;
	v->local_key_index = 0;
	if ((r = store_stmt(s, STMT_VLOB_GET,
	         "SELECT remote_version, remote_blob, local, local_key_index, "
	         "dirty FROM vlobs WHERE realm_id = ? AND vlob_id = ?",
	         &st)) != 0 ||
	    (r = bind_text(st, 1, realm_id)) != 0 ||
	    (r = bind_text(st, 2, vlob_id)) != 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		(void)sqlite3_reset(st);
		return rc == SQLITE_DONE ? SCEAU_ERR_NOT_FOUND
		                         : store_db_error(s, "read vlob");
	}
	v->remote_version = (uint64_t)sqlite3_column_int64(st, 0);
	if ((r = column_to(st, 1, v->remote_blob, &present)) == 0) {
		v->has_remote = present;
		r = column_to(st, 2, v->local, &present);
		v->has_local = present;
	}
	v->local_key_index = (uint32_t)sqlite3_column_int64(st, 3);
	v->dirty = sqlite3_column_int(st, 4) != 0;
	(void)sqlite3_reset(st);
	return r;
}

int
sceau_store_vlob_set_local(struct sceau_store *s, const char *realm_id,
    const char *vlob_id, const uint8_t *sealed, size_t n, uint32_t key_index)
{
	sqlite3_stmt *st;
	int r;

	if ((r = store_stmt(s, STMT_VLOB_SET_LOCAL,
	         "INSERT INTO vlobs (realm_id, vlob_id, local, "
	         "local_key_index, "
	         "dirty) VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (realm_id, "
	         "vlob_id) DO UPDATE SET local = ?3, local_key_index = ?4, "
	         "dirty = 1",
	         &st)) != 0 ||
	    (r = bind_text(st, 1, realm_id)) != 0 ||
	    (r = bind_text(st, 2, vlob_id)) != 0 ||
	    (r = bind_blob(st, 3, sealed, n)) != 0 ||
	    sqlite3_bind_int64(st, 4, key_index) != SQLITE_OK)
		return r != 0 ? r : SCEAU_ERR_STORE;
	return step_done(s, st, "write local vlob");
}

int
sceau_store_vlob_set_remote(struct sceau_store *s, const char *realm_id,
    const char *vlob_id, uint64_t version, const uint8_t *blob, size_t n,
    int clean)
{
	sqlite3_stmt *st;
	int r;

	if (version == 0 || version > INT64_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	/* clean: the local change was pushed (or replaced): forget it. */
	r = clean
	    ? store_stmt(s, STMT_VLOB_SET_REMOTE_CLEAN,
	          "INSERT INTO vlobs (realm_id, vlob_id, remote_version, "
	          "remote_blob) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (realm_id, "
	          "vlob_id) DO UPDATE SET remote_version = ?3, remote_blob = "
	          "?4, "
	          "local = NULL, local_key_index = 0, dirty = 0",
	          &st)
	    : store_stmt(s, STMT_VLOB_SET_REMOTE,
	          "INSERT INTO vlobs (realm_id, vlob_id, remote_version, "
	          "remote_blob) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (realm_id, "
	          "vlob_id) DO UPDATE SET remote_version = ?3, remote_blob = "
	          "?4",
	          &st);
	if (r != 0 || (r = bind_text(st, 1, realm_id)) != 0 ||
	    (r = bind_text(st, 2, vlob_id)) != 0 ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)version) != SQLITE_OK ||
	    (r = bind_blob(st, 4, blob, n)) != 0)
		return r != 0 ? r : SCEAU_ERR_STORE;
	return step_done(s, st, "write remote vlob");
}

int
sceau_store_vlob_dirty(struct sceau_store *s, const char *realm_id,
    sceau_store_vlob_cb cb, void *arg)
{
	sqlite3_stmt *st;
	int r = 0, rc;

	if (sqlite3_prepare_v2(s->db,
	        "SELECT vlob_id FROM vlobs WHERE realm_id = ? AND dirty = 1 "
	        "ORDER BY vlob_id",
	        -1, &st, NULL) != SQLITE_OK)
		return store_db_error(s, "prepare");
	if (bind_text(st, 1, realm_id) != 0) {
		sqlite3_finalize(st);
		return SCEAU_ERR_STORE;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = cb(arg, (const char *)sqlite3_column_text(st, 0))) !=
		    0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_db_error(s, "list dirty vlobs");
	sqlite3_finalize(st);
	return r;
}
