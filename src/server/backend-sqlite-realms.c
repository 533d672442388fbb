/*
 * backend-sqlite-realms.c: workspaces in the SQLite backend: vlob
 * versions, their checkpoints and events, and the index of the blocks
 * whose bytes live in the blockstore (blockstore.h).
 *
 * A batch of vlobs is one write transaction: each item's version is
 * checked against vlob_heads and, if it is the next one, stored with the
 * realm's next checkpoint and an event.  A batch of blocks is written in
 * three steps, none of them holding a pooled connection across file I/O:
 * look the ids up (read), append the new frames to a pack and sync it
 * once, then index them in one write transaction.  Two batches racing for
 * one new id both write it; the index keeps the first and the second
 * finds it there inside its transaction (same bytes: existing).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "backend-sqlite.h"
#include "blockstore.h"
#include "encoding.h"
#include "errors.h"
#include "log.h"

#define SQ_VLOB_COLS                                                           \
	"SELECT version, checkpoint, server_time, author, size, blob"          \
	" FROM vlobs WHERE realm = ?1 AND vlob = ?2"

const char *const sq_realm_sql[SQ_NREALM - SQ_NBASE] = {
    [SQ_REALM_GET - SQ_NBASE] =
        "SELECT r.id, r.checkpoint, r.last_time FROM realms r"
        " JOIN orgs o ON o.id = r.org WHERE o.name = ?1 AND r.name = ?2",
    [SQ_REALM_INSERT - SQ_NBASE] =
        "INSERT OR IGNORE INTO realms (org, name) VALUES (?1, ?2)",
    [SQ_REALM_VLOBS - SQ_NBASE] =
        "UPDATE realms SET checkpoint = ?2, last_time = ?3,"
        " vlob_bytes = vlob_bytes + ?4 WHERE id = ?1",
    [SQ_REALM_BLOCKS - SQ_NBASE] =
        "UPDATE realms SET block_bytes = block_bytes + ?2 WHERE id = ?1",
    [SQ_HEAD_GET - SQ_NBASE] =
        "SELECT version FROM vlob_heads WHERE realm = ?1 AND vlob = ?2",
    [SQ_HEAD_SET - SQ_NBASE] =
        "INSERT INTO vlob_heads (realm, vlob, version, checkpoint)"
        " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (realm, vlob) DO UPDATE"
        " SET version = excluded.version, checkpoint = excluded.checkpoint",
    [SQ_VLOB_INSERT - SQ_NBASE] =
        "INSERT INTO vlobs (realm, vlob, version, checkpoint, server_time,"
        " author, size, blob) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [SQ_VLOB_LATEST - SQ_NBASE] = SQ_VLOB_COLS " ORDER BY version DESC LIMIT 1",
    [SQ_VLOB_VERSION - SQ_NBASE] = SQ_VLOB_COLS " AND version = ?3",
    [SQ_VLOB_AT - SQ_NBASE] =
        SQ_VLOB_COLS " AND server_time <= ?3 ORDER BY version DESC LIMIT 1",
    [SQ_VLOB_VERSIONS - SQ_NBASE] =
        "SELECT version, checkpoint, server_time, author, size FROM vlobs"
        " WHERE realm = ?1 AND vlob = ?2 ORDER BY version",
    [SQ_CHANGES - SQ_NBASE] =
        "SELECT vlob, version, checkpoint FROM vlob_heads WHERE realm = ?1"
        " AND checkpoint > ?2 ORDER BY checkpoint LIMIT ?3",
    [SQ_HISTORY - SQ_NBASE] =
        "SELECT version, checkpoint, server_time, author, size, blob, vlob"
        " FROM vlobs WHERE realm = ?1 AND checkpoint > ?2"
        " ORDER BY checkpoint LIMIT ?3",
    [SQ_REALM_LIST - SQ_NBASE] =
        "SELECT r.name FROM realms r JOIN orgs o ON o.id = r.org"
        " WHERE o.name = ?1 ORDER BY r.id",
    [SQ_BLOCK_GET - SQ_NBASE] = "SELECT pack, pack_offset, length FROM"
                                " blocks WHERE realm = ?1 AND id = ?2",
    [SQ_BLOCK_INSERT - SQ_NBASE] =
        "INSERT INTO blocks (realm, id, pack, pack_offset, length, created)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (realm, id) DO NOTHING",
};

/* A realm's row (exists = 0: never written). */
struct sq_realm {
	int exists;
	sqlite3_int64 id;
	uint64_t checkpoint;
	uint64_t last_time;
};

static int
sq_realm_get(struct sq_conn *c, const char *org_id, const char *realm_id,
    struct sq_realm *rm)
{
	sqlite3_stmt *st;
	int r, rc;

	memset(rm, 0, sizeof(*rm));
	if ((st = sq_stmt(c, SQ_REALM_GET, &r)) == NULL)
		return r;
	(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 2, realm_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rm->exists = 1;
		rm->id = sqlite3_column_int64(st, 0);
		rm->checkpoint = sq_col_u64(st, 1);
		rm->last_time = sq_col_u64(st, 2);
	} else if (rc != SQLITE_DONE) {
		r = sq_fail(c, rc, "read workspace");
	}
	sq_done(st);
	return r;
}

/* The realm's row, made on first write (inside a write transaction). */
static int
sq_realm_make(struct sq_conn *c, const char *org_id, const char *realm_id,
    sqlite3_int64 *org, struct sq_realm *rm)
{
	struct sq_org_row row;
	sqlite3_stmt *st;
	int r;

	if ((r = sq_org_row(c, org_id, &row)) != 0 ||
	    (r = sq_realm_get(c, org_id, realm_id, rm)) != 0)
		return r;
	*org = row.id;
	if (rm->exists)
		return 0;
	if ((st = sq_stmt(c, SQ_REALM_INSERT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, row.id);
	(void)sqlite3_bind_text(st, 2, realm_id, -1, SQLITE_STATIC);
	if ((r = sq_exec_stmt(c, st, "create workspace")) != 0 ||
	    (r = sq_realm_get(c, org_id, realm_id, rm)) != 0)
		return r;
	return rm->exists ? 0 : sq_corrupt("workspace row vanished");
}

/* ------------------------------------------------------ storing vlobs */

static int
sq_head_get(struct sq_conn *c, sqlite3_int64 realm, const char *vlob_id,
    uint64_t *version)
{
	sqlite3_stmt *st;
	int r, rc;

	*version = 0;
	if ((st = sq_stmt(c, SQ_HEAD_GET, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, realm);
	(void)sqlite3_bind_text(st, 2, vlob_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sq_col_u64(st, 0);
	else if (rc != SQLITE_DONE)
		r = sq_fail(c, rc, "read vlob");
	sq_done(st);
	return r;
}

static int
sq_vlob_insert(struct sq_conn *c, sqlite3_int64 realm,
    const struct srv_vlob_put *it, uint64_t checkpoint, uint64_t t)
{
	sqlite3_stmt *st;
	int r;

	if ((st = sq_stmt(c, SQ_VLOB_INSERT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, realm);
	(void)sqlite3_bind_text(st, 2, it->vlob_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 3, sq_clamp(it->version));
	(void)sqlite3_bind_int64(st, 4, sq_clamp(checkpoint));
	(void)sqlite3_bind_int64(st, 5, sq_clamp(t));
	(void)sqlite3_bind_text(st, 6, it->author, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 7, (sqlite3_int64)it->blob_len);
	(void)sqlite3_bind_blob(
	    st, 8, it->blob, (int)it->blob_len, SQLITE_STATIC);
	if ((r = sq_exec_stmt(c, st, "store vlob")) != 0)
		return r;
	if ((st = sq_stmt(c, SQ_HEAD_SET, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, realm);
	(void)sqlite3_bind_text(st, 2, it->vlob_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 3, sq_clamp(it->version));
	(void)sqlite3_bind_int64(st, 4, sq_clamp(checkpoint));
	return sq_exec_stmt(c, st, "store vlob head");
}

/* One item of a batch: stored as the next version, or a conflict. */
static int
sq_vlob_put_one(struct sq_conn *c, sqlite3_int64 org, const char *realm_id,
    struct sq_realm *rm, struct srv_vlob_put *it, uint64_t t)
{
	char data[SRV_EVENT_DATA_MAX];
	uint64_t cur;
	int r;

	it->stored = 0;
	if ((r = sq_head_get(c, rm->id, it->vlob_id, &cur)) != 0)
		return r;
	it->current_version = cur;
	if (it->version != cur + 1)
		return 0;
	if ((r = sq_vlob_insert(c, rm->id, it, rm->checkpoint + 1, t)) != 0)
		return r;
	rm->checkpoint++;
	(void)snprintf(data, sizeof(data),
	    "{\"realm_id\":\"%s\",\"vlob_id\":\"%s\",\"version\":%llu,"
	    "\"checkpoint\":%llu}",
	    realm_id, it->vlob_id, (unsigned long long)it->version,
	    (unsigned long long)rm->checkpoint);
	if ((r = sq_insert_event(c, org, "vlob", data, realm_id)) != 0)
		return r;
	it->stored = 1;
	it->checkpoint = rm->checkpoint;
	it->current_version = it->version;
	return 0;
}

static int
sq_vlob_put_txn(struct sq_conn *c, const char *org_id, const char *realm_id,
    struct srv_vlob_put *items, size_t n, uint64_t now_us, size_t *stored)
{
	struct sq_realm rm;
	sqlite3_int64 org;
	sqlite3_stmt *st;
	uint64_t t, bytes = 0;
	size_t i;
	int r;

	*stored = 0;
	if ((r = sq_realm_make(c, org_id, realm_id, &org, &rm)) != 0)
		return r;
	/* Server times never go back within a workspace. */
	t = SCEAU_MAX(now_us, rm.last_time);
	for (i = 0; i < n; i++) {
		if ((r = sq_vlob_put_one(
		         c, org, realm_id, &rm, &items[i], t)) != 0)
			return r;
		if (items[i].stored) {
			(*stored)++;
			bytes += items[i].blob_len;
		}
	}
	if (*stored == 0)
		return 0;
	if ((st = sq_stmt(c, SQ_REALM_VLOBS, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, rm.id);
	(void)sqlite3_bind_int64(st, 2, sq_clamp(rm.checkpoint));
	(void)sqlite3_bind_int64(st, 3, sq_clamp(t));
	(void)sqlite3_bind_int64(st, 4, sq_clamp(bytes));
	return sq_exec_stmt(c, st, "update workspace");
}

int
sq_vlob_put_batch(struct srv_backend *be, const char *org_id,
    const char *realm_id, struct srv_vlob_put *items, size_t n, uint64_t now_us,
    uint64_t *checkpoint)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_realm rm;
	size_t stored = 0;
	int r;

	*checkpoint = 0;
	if ((r = sq_begin(c)) == 0 &&
	    (r = sq_vlob_put_txn(
	         c, org_id, realm_id, items, n, now_us, &stored)) == 0 &&
	    (r = sq_realm_get(c, org_id, realm_id, &rm)) == 0 &&
	    (r = sq_commit(c)) == 0)
		*checkpoint = rm.checkpoint;
	if (r != 0)
		sq_rollback(c);
	sq_put(s, c);
	if (r == 0 && stored > 0)
		sq_wake(s);
	return r;
}

/* ----------------------------------------------------- reading vlobs */

/* A row of SQ_VLOB_COLS (or of SQ_VLOB_VERSIONS: with_blob = 0). */
static int
sq_read_vlob(sqlite3_stmt *st, const char *vlob_id, int with_blob,
    struct srv_vlob_row *row)
{
	memset(row, 0, sizeof(*row));
	row->vlob_id = vlob_id;
	row->version = sq_col_u64(st, 0);
	row->checkpoint = sq_col_u64(st, 1);
	row->server_time = sq_col_u64(st, 2);
	row->author = (const char *)sqlite3_column_text(st, 3);
	row->size = sq_col_u64(st, 4);
	if (row->author == NULL)
		return sq_corrupt("vlob without author");
	if (!with_blob)
		return 0;
	row->blob = sqlite3_column_blob(st, 5);
	if (row->blob == NULL ||
	    (uint64_t)sqlite3_column_bytes(st, 5) != row->size)
		return sq_corrupt("vlob blob and size disagree");
	return 0;
}

static int
sq_vlob_get_one(struct sq_conn *c, const struct sq_realm *rm,
    const char *vlob_id, enum srv_vlob_which which, uint64_t warg, size_t i,
    srv_vlob_get_cb cb, void *arg)
{
	static const enum sq_stmt_id ids[] = {
	    [SRV_VLOB_LATEST] = SQ_VLOB_LATEST,
	    [SRV_VLOB_VERSION] = SQ_VLOB_VERSION,
	    [SRV_VLOB_AT] = SQ_VLOB_AT,
	};
	struct srv_vlob_row row;
	sqlite3_stmt *st;
	int r, rc;

	if (!rm->exists)
		return cb(arg, i, NULL);
	if ((st = sq_stmt(c, ids[which], &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, rm->id);
	(void)sqlite3_bind_text(st, 2, vlob_id, -1, SQLITE_STATIC);
	if (which != SRV_VLOB_LATEST)
		(void)sqlite3_bind_int64(st, 3, sq_clamp(warg));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((r = sq_read_vlob(st, vlob_id, 1, &row)) == 0)
			r = cb(arg, i, &row);
	} else if (rc == SQLITE_DONE) {
		r = cb(arg, i, NULL);
	} else {
		r = sq_fail(c, rc, "read vlob");
	}
	sq_done(st);
	return r;
}

int
sq_vlob_get(struct srv_backend *be, const char *org_id, const char *realm_id,
    const char *const *ids, size_t n, enum srv_vlob_which which,
    uint64_t which_arg, srv_vlob_get_cb cb, void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_realm rm;
	size_t i;
	int r;

	if (which > SRV_VLOB_AT) {
		sq_put(s, c);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	/* One snapshot for the whole reply. */
	if ((r = sq_begin_read(c)) == 0 &&
	    (r = sq_realm_get(c, org_id, realm_id, &rm)) == 0) {
		for (i = 0; i < n && r == 0; i++)
			r = sq_vlob_get_one(
			    c, &rm, ids[i], which, which_arg, i, cb, arg);
	}
	sq_rollback(c); /* ends the read transaction */
	sq_put(s, c);
	return r;
}

int
sq_vlob_versions(struct srv_backend *be, const char *org_id,
    const char *realm_id, const char *vlob_id, srv_vlob_cb cb, void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct srv_vlob_row row;
	struct sq_realm rm;
	sqlite3_stmt *st = NULL;
	size_t found = 0;
	int r, rc = SQLITE_DONE;

	if ((r = sq_realm_get(c, org_id, realm_id, &rm)) != 0 || !rm.exists ||
	    (st = sq_stmt(c, SQ_VLOB_VERSIONS, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_int64(st, 1, rm.id);
	(void)sqlite3_bind_text(st, 2, vlob_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		found++;
		if ((r = sq_read_vlob(st, vlob_id, 0, &row)) != 0 ||
		    (r = cb(arg, &row)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "list vlob versions");
	sq_done(st);
out:
	sq_put(s, c);
	if (r == 0 && found == 0) {
		sceau_message("no vlob %s", vlob_id);
		r = SCEAU_ERR_NOT_FOUND;
	}
	return r;
}

static int
sq_changes_rows(struct sq_conn *c, sqlite3_int64 realm, uint64_t since,
    uint64_t limit, srv_vlob_cb cb, void *arg)
{
	struct srv_vlob_row row;
	sqlite3_stmt *st;
	int r, rc;

	if ((st = sq_stmt(c, SQ_CHANGES, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, realm);
	(void)sqlite3_bind_int64(st, 2, sq_clamp(since));
	(void)sqlite3_bind_int64(st, 3, sq_clamp(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.vlob_id = (const char *)sqlite3_column_text(st, 0);
		row.version = sq_col_u64(st, 1);
		row.checkpoint = sq_col_u64(st, 2);
		if (row.vlob_id == NULL) {
			r = sq_corrupt("vlob head without id");
			break;
		}
		if ((r = cb(arg, &row)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "list changes");
	sq_done(st);
	return r;
}

int
sq_realm_changes(struct srv_backend *be, const char *org_id,
    const char *realm_id, uint64_t since, uint64_t limit, srv_vlob_cb cb,
    void *arg, uint64_t *checkpoint)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_realm rm;
	int r;

	*checkpoint = 0;
	if ((r = sq_begin_read(c)) == 0 &&
	    (r = sq_realm_get(c, org_id, realm_id, &rm)) == 0 && rm.exists) {
		*checkpoint = rm.checkpoint;
		r = sq_changes_rows(c, rm.id, since, limit, cb, arg);
	}
	sq_rollback(c);
	sq_put(s, c);
	return r;
}

static int
sq_history_rows(struct sq_conn *c, sqlite3_int64 realm, uint64_t after,
    uint64_t limit, srv_vlob_cb cb, void *arg)
{
	struct srv_vlob_row row;
	sqlite3_stmt *st;
	int r = 0, rc;

	if ((st = sq_stmt(c, SQ_HISTORY, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, realm);
	(void)sqlite3_bind_int64(st, 2, sq_clamp(after));
	(void)sqlite3_bind_int64(st, 3, sq_clamp(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 6);

		if (id == NULL) {
			r = sq_corrupt("vlob without id");
			break;
		}
		if ((r = sq_read_vlob(st, id, 1, &row)) != 0 ||
		    (r = cb(arg, &row)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "read a workspace's history");
	sq_done(st);
	return r;
}

int
sq_vlob_history(struct srv_backend *be, const char *org_id,
    const char *realm_id, uint64_t after, uint64_t limit, srv_vlob_cb cb,
    void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_realm rm;
	int r;

	if ((r = sq_begin_read(c)) == 0 &&
	    (r = sq_realm_get(c, org_id, realm_id, &rm)) == 0 && rm.exists)
		r = sq_history_rows(c, rm.id, after, limit, cb, arg);
	sq_rollback(c);
	sq_put(s, c);
	return r;
}

int
sq_realm_list(struct srv_backend *be, const char *org_id,
    int (*cb)(void *arg, const char *realm_id), void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	sqlite3_stmt *st;
	int r = 0, rc = SQLITE_DONE;

	if ((st = sq_stmt(c, SQ_REALM_LIST, &r)) != NULL) {
		(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id =
			    (const char *)sqlite3_column_text(st, 0);

			if (id == NULL) {
				r = sq_corrupt("workspace without name");
				break;
			}
			if ((r = cb(arg, id)) != 0)
				break;
		}
		if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
			r = sq_fail(c, rc, "list workspaces");
		sq_done(st);
	}
	sq_put(s, c);
	return r;
}

int
sq_realm_checkpoint(struct srv_backend *be, const char *org_id,
    const char *realm_id, uint64_t *checkpoint)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_realm rm;
	int r;

	r = sq_realm_get(c, org_id, realm_id, &rm);
	sq_put(s, c);
	*checkpoint = r == 0 ? rm.checkpoint : 0;
	return r;
}

/* ------------------------------------------------------------- blocks */

/* Where block id is in realm (loc->length 0: nowhere). */
static int
sq_block_get(struct sq_conn *c, sqlite3_int64 realm, const uint8_t *id,
    struct srv_block_loc *loc)
{
	sqlite3_stmt *st;
	int r, rc;

	memset(loc, 0, sizeof(*loc));
	if ((st = sq_stmt(c, SQ_BLOCK_GET, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, realm);
	(void)sqlite3_bind_blob(st, 2, id, SRV_BLOCK_ID_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		loc->pack = sq_col_u64(st, 0);
		loc->offset = sq_col_u64(st, 1);
		loc->length =
		    (uint32_t)SCEAU_MIN(sq_col_u64(st, 2), UINT32_MAX);
		if (loc->length == 0)
			r = sq_corrupt("empty block in the index");
	} else if (rc != SQLITE_DONE) {
		r = sq_fail(c, rc, "read block index");
	}
	sq_done(st);
	return r;
}

/* 1 if the stored block at loc holds the bytes of it, 0 if not. */
static int
sq_block_same(struct srv_blockstore *bs, const char *org_id,
    const struct srv_block_loc *loc, const struct srv_block_put *it)
{
	struct srv_pack_reader *rd = NULL;
	uint8_t *b;
	int r;

	if (loc->length != it->length)
		return 0;
	if ((b = sceau_malloc(loc->length)) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = bs->ops->reader_open(bs, org_id, loc->pack, &rd)) == 0 &&
	    (r = bs->ops->read(rd, loc->offset, b, loc->length)) == 0)
		r = memcmp(b, it->data, it->length) == 0;
	bs->ops->reader_close(rd);
	sceau_free(b);
	return r;
}

static int
sq_block_conflict(const uint8_t *id)
{
	char hex[2 * SRV_BLOCK_ID_LEN + 1];

	sceau_enc_hex_fixed(id, SRV_BLOCK_ID_LEN, hex);
	sceau_message("block %s exists with other bytes", hex);
	return SCEAU_ERR_CONFLICT;
}

/* The batch's blocks stored already: existing, or a conflict. */
static int
sq_blocks_known(struct sq_state *s, const char *org_id, const char *realm_id,
    struct srv_block_put *items, size_t n, struct srv_block_loc *locs)
{
	struct sq_conn *c = sq_get(s);
	struct sq_realm rm;
	size_t i;
	int r;

	if ((r = sq_begin_read(c)) == 0 &&
	    (r = sq_realm_get(c, org_id, realm_id, &rm)) == 0 && rm.exists) {
		for (i = 0; i < n && r == 0; i++) {
			if (!items[i].existing)
				r = sq_block_get(
				    c, rm.id, items[i].id, &locs[i]);
		}
	}
	sq_rollback(c);
	sq_put(s, c);
	/* Compared without a connection: reads of packs take time. */
	for (i = 0; i < n && r == 0; i++) {
		if (items[i].existing || locs[i].length == 0)
			continue;
		if ((r = sq_block_same(
		         s->be.blocks, org_id, &locs[i], &items[i])) == 0)
			return sq_block_conflict(items[i].id);
		if (r == 1) {
			items[i].existing = 1;
			r = 0;
		}
	}
	return r;
}

/*
 * Appends the frames of the new blocks (consecutive frames in one
 * vector) and syncs the pack once; locs[i] of each new block: where its
 * bytes went.  *nnew: how many.
 */
static int
sq_blocks_write(struct srv_pack_writer *w, struct srv_blockstore *bs,
    struct srv_block_put *items, size_t n, struct srv_block_loc *locs,
    size_t *nnew)
{
	struct iovec *iov;
	uint64_t pack, start, pos = 0;
	size_t i, niov = 0, flen;
	int r;

	*nnew = 0;
	if ((iov = sceau_calloc(n, sizeof(*iov))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		if (items[i].existing)
			continue;
		flen = SRV_BLOCK_FRAME_HEADER + (size_t)items[i].length;
		if (niov > 0 &&
		    (const uint8_t *)iov[niov - 1].iov_base +
		            iov[niov - 1].iov_len ==
		        items[i].frame)
			iov[niov - 1].iov_len += flen;
		else
			iov[niov++] = (struct iovec){
			    (void *)(uintptr_t)items[i].frame, flen};
		locs[i].offset = pos + SRV_BLOCK_FRAME_HEADER;
		locs[i].length = items[i].length;
		pos += flen;
		(*nnew)++;
	}
	r = 0;
	if (niov > 0 &&
	    (r = bs->ops->append(w, iov, niov, &pack, &start)) == 0 &&
	    (r = bs->ops->sync(w)) == 0) {
		for (i = 0; i < n; i++) {
			if (!items[i].existing) {
				locs[i].pack = pack;
				locs[i].offset += start;
			}
		}
	}
	sceau_free(iov);
	return r;
}

static int
sq_block_insert(struct sq_conn *c, sqlite3_int64 realm,
    const struct srv_block_put *it, const struct srv_block_loc *loc,
    uint64_t now_us, int *inserted)
{
	sqlite3_stmt *st;
	int r;

	if ((st = sq_stmt(c, SQ_BLOCK_INSERT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, realm);
	(void)sqlite3_bind_blob(st, 2, it->id, SRV_BLOCK_ID_LEN, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 3, sq_clamp(loc->pack));
	(void)sqlite3_bind_int64(st, 4, sq_clamp(loc->offset));
	(void)sqlite3_bind_int64(st, 5, (sqlite3_int64)loc->length);
	(void)sqlite3_bind_int64(st, 6, sq_clamp(now_us));
	if ((r = sq_exec_stmt(c, st, "index block")) != 0)
		return r;
	*inserted = sqlite3_changes(c->db) == 1;
	return 0;
}

/* Indexes the new blocks; one stored meanwhile by another batch is
 * compared with ours. */
static int
sq_blocks_index_txn(struct sq_state *s, struct sq_conn *c, const char *org_id,
    const char *realm_id, struct srv_block_put *items, size_t n,
    const struct srv_block_loc *locs, uint64_t now_us, size_t *ninserted)
{
	struct srv_block_loc other;
	struct sq_realm rm;
	sqlite3_int64 org;
	sqlite3_stmt *st;
	uint64_t bytes = 0;
	size_t i;
	int r, ins;

	*ninserted = 0;
	if ((r = sq_realm_make(c, org_id, realm_id, &org, &rm)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (items[i].existing)
			continue;
		if ((r = sq_block_insert(
		         c, rm.id, &items[i], &locs[i], now_us, &ins)) != 0)
			return r;
		if (ins) {
			(*ninserted)++;
			bytes += items[i].length;
			continue;
		}
		if ((r = sq_block_get(c, rm.id, items[i].id, &other)) != 0 ||
		    (r = sq_block_same(
		         s->be.blocks, org_id, &other, &items[i])) < 0)
			return r;
		if (r == 0)
			return sq_block_conflict(items[i].id);
		items[i].existing = 1;
	}
	if ((st = sq_stmt(c, SQ_REALM_BLOCKS, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, rm.id);
	(void)sqlite3_bind_int64(st, 2, sq_clamp(bytes));
	return sq_exec_stmt(c, st, "update workspace");
}

static int
sq_blocks_index(struct sq_state *s, const char *org_id, const char *realm_id,
    struct srv_block_put *items, size_t n, const struct srv_block_loc *locs,
    uint64_t now_us, size_t *ninserted)
{
	struct sq_conn *c = sq_get(s);
	int r;

	if ((r = sq_begin(c)) == 0 &&
	    (r = sq_blocks_index_txn(s, c, org_id, realm_id, items, n, locs,
	         now_us, ninserted)) == 0)
		r = sq_commit(c);
	if (r != 0)
		sq_rollback(c);
	sq_put(s, c);
	return r;
}

int
sq_block_put_batch(struct srv_backend *be, const char *org_id,
    const char *realm_id, struct srv_block_put *items, size_t n,
    uint64_t now_us)
{
	struct sq_state *s = sq_state(be);
	struct srv_blockstore *bs = be->blocks;
	struct srv_pack_writer *w = NULL;
	struct srv_block_loc *locs;
	size_t i, nnew = 0, ninserted = 0;
	int r;

	if (n == 0)
		return 0;
	if ((locs = sceau_calloc(n, sizeof(*locs))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sq_blocks_known(s, org_id, realm_id, items, n, locs)) != 0)
		goto out;
	for (i = 0; i < n && items[i].existing; i++)
		;
	if (i == n)
		goto out; /* every block is there already */
	memset(locs, 0, n * sizeof(*locs));
	if ((r = bs->ops->writer_get(bs, org_id, &w)) != 0 ||
	    (r = sq_blocks_write(w, bs, items, n, locs, &nnew)) != 0 ||
	    nnew == 0)
		goto out;
	r = sq_blocks_index(
	    s, org_id, realm_id, items, n, locs, now_us, &ninserted);
out:
	/* Bytes no index row names are dropped (best effort). */
	if (w != NULL)
		bs->ops->writer_put(w, r == 0 && ninserted > 0);
	sceau_free(locs);
	return r;
}

int
sq_block_locate(struct srv_backend *be, const char *org_id,
    const char *realm_id, const uint8_t *ids, size_t n,
    struct srv_block_loc *locs, size_t *missing)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	char hex[2 * SRV_BLOCK_ID_LEN + 1];
	struct sq_realm rm;
	size_t i = 0;
	int r;

	*missing = 0;
	if ((r = sq_begin_read(c)) == 0 &&
	    (r = sq_realm_get(c, org_id, realm_id, &rm)) == 0 && rm.exists) {
		for (i = 0; i < n && r == 0; i++) {
			r = sq_block_get(
			    c, rm.id, ids + i * SRV_BLOCK_ID_LEN, &locs[i]);
			if (r == 0 && locs[i].length == 0)
				break;
		}
	}
	sq_rollback(c);
	sq_put(s, c);
	if (r == 0 && i < n) {
		*missing = i;
		sceau_enc_hex_fixed(
		    ids + i * SRV_BLOCK_ID_LEN, SRV_BLOCK_ID_LEN, hex);
		sceau_message("no block %s", hex);
		r = SCEAU_ERR_NOT_FOUND;
	}
	return r;
}
