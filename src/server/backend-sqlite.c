/*
 * backend-sqlite.c: the embedded storage backend: one SQLite file.
 *
 * Connections: a fixed pool (database.pool, 4 by default) guarded by a
 * mutex and a condition variable.  An operation checks one connection out,
 * runs on it alone and gives it back, so each connection is used by one
 * thread at a time and may be opened without SQLite's own mutexes
 * (SQLITE_OPEN_NOMUTEX).  A pool rather than a connection per thread,
 * because libmicrohttpd runs a thread per client connection: threads come
 * and go with clients, while a pooled connection keeps its prepared
 * statements (prepared once, on first use, SQLITE_PREPARE_PERSISTENT) for
 * the life of the process.  WAL lets the pooled readers run beside the
 * one writer; writers take the write lock up front (BEGIN IMMEDIATE) so
 * that a transaction never fails half-way on a lock upgrade, and wait up
 * to busy_timeout for it.  An in-memory database (":memory:", for tests)
 * is private to its connection, so its pool has one connection.
 *
 * Schema: versioned in schema_version; the migrations below run in order,
 * in one transaction, at start.  A database newer than this program is
 * refused rather than misread.
 *
 * The replay cache lives in this process (replay.c): with one SQLite file
 * there is one server process.  Events are stored in the events table
 * and waiters are woken in-process after each commit.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "alloc.h"
#include "backend-sqlite.h"
#include "backend.h"
#include "blockstore.h"
#include "cert.h"
#include "errors.h"
#include "log.h"
#include "replay.h"

/* Ordered migrations: index i brings the schema to version i + 1. */
static const char *const sq_migrations[] = {
    /* 1: organizations, their certificates and their events. */
    "CREATE TABLE orgs ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " frozen INTEGER NOT NULL DEFAULT 0,"
    " bootstrapped INTEGER NOT NULL DEFAULT 0,"
    " token_hash BLOB,"
    " root_vk BLOB);"
    "CREATE TABLE certificates ("
    " org INTEGER NOT NULL REFERENCES orgs(id),"
    " idx INTEGER NOT NULL,"
    " envelope BLOB NOT NULL,"
    " identity BLOB,"
    " server_time INTEGER NOT NULL,"
    " PRIMARY KEY (org, idx)) WITHOUT ROWID;"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " org INTEGER NOT NULL REFERENCES orgs(id),"
    " kind TEXT NOT NULL,"
    " data TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX events_org ON events(org, id);",
    /*
     * 2: workspaces.  A realm row is made on its first write; its
     * checkpoint counts the vlob versions stored in it, and its byte
     * counters feed the organization's usage.  vlob_heads holds the
     * latest version of each vlob (conflict checks, changes); vlobs every
     * version, the blob last so that listings never read it; blocks the
     * index of the pack files (blockstore.h).  Events of a workspace name
     * it, so that streams pass them to its members only.
     */
    "CREATE TABLE realms ("
    " id INTEGER PRIMARY KEY,"
    " org INTEGER NOT NULL REFERENCES orgs(id),"
    " name TEXT NOT NULL,"
    " checkpoint INTEGER NOT NULL DEFAULT 0,"
    " last_time INTEGER NOT NULL DEFAULT 0,"
    " vlob_bytes INTEGER NOT NULL DEFAULT 0,"
    " block_bytes INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (org, name));"
    "CREATE TABLE vlob_heads ("
    " realm INTEGER NOT NULL REFERENCES realms(id),"
    " vlob TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " checkpoint INTEGER NOT NULL,"
    " PRIMARY KEY (realm, vlob)) WITHOUT ROWID;"
    "CREATE INDEX vlob_heads_checkpoint ON vlob_heads(realm, checkpoint);"
    "CREATE TABLE vlobs ("
    " id INTEGER PRIMARY KEY,"
    " realm INTEGER NOT NULL REFERENCES realms(id),"
    " vlob TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " checkpoint INTEGER NOT NULL,"
    " server_time INTEGER NOT NULL,"
    " author TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " blob BLOB NOT NULL,"
    " UNIQUE (realm, vlob, version));"
    "CREATE TABLE blocks ("
    " realm INTEGER NOT NULL REFERENCES realms(id),"
    " id BLOB NOT NULL,"
    " pack INTEGER NOT NULL,"
    " pack_offset INTEGER NOT NULL,"
    " length INTEGER NOT NULL,"
    " created INTEGER NOT NULL,"
    " PRIMARY KEY (realm, id)) WITHOUT ROWID;"
    "ALTER TABLE events ADD COLUMN realm TEXT;",
    /*
     * 3: invitations (only the hash of a token is kept) and the conduit
     * that relays their code exchange, one message per step and side.
     */
    "CREATE TABLE invitations ("
    " org INTEGER NOT NULL REFERENCES orgs(id),"
    " id TEXT NOT NULL,"
    " token_hash BLOB NOT NULL UNIQUE,"
    " kind INTEGER NOT NULL,"
    " email TEXT NOT NULL,"
    " inviter TEXT NOT NULL,"
    " created_by TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0,"
    " attempt INTEGER NOT NULL DEFAULT 1,"
    " aborted_by INTEGER NOT NULL DEFAULT 0,"
    " abort_reason TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (org, id)) WITHOUT ROWID;"
    "CREATE TABLE conduit ("
    " org INTEGER NOT NULL REFERENCES orgs(id),"
    " invitation TEXT NOT NULL,"
    " step INTEGER NOT NULL,"
    " side INTEGER NOT NULL,"
    " msg BLOB NOT NULL,"
    " PRIMARY KEY (org, invitation, step, side)) WITHOUT ROWID;",
    /*
     * 4: PKI enrollment: one enrollment link per organization (the hash
     * of its token), and the requests, signed on smartcards, kept whole.
     */
    "CREATE TABLE enroll_links ("
    " org INTEGER PRIMARY KEY REFERENCES orgs(id),"
    " token_hash BLOB NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE TABLE enroll_requests ("
    " org INTEGER NOT NULL REFERENCES orgs(id),"
    " id TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0,"
    " email TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " device_id TEXT NOT NULL,"
    " poll_hash BLOB NOT NULL,"
    " decided_by TEXT NOT NULL DEFAULT '',"
    " reason TEXT NOT NULL DEFAULT '',"
    " request BLOB NOT NULL,"
    " PRIMARY KEY (org, id),"
    " UNIQUE (org, device_id)) WITHOUT ROWID;"
    "CREATE INDEX enroll_requests_created ON enroll_requests(org, created);",
    /*
     * 5: the access log (doc/audit.md): records by sequence number, each
     * in its canonical encoding with its hash, and the signed checkpoints
     * keyed by the last record they cover.
     */
    "CREATE TABLE access_log ("
    " seq INTEGER PRIMARY KEY,"
    " record BLOB NOT NULL,"
    " hash BLOB NOT NULL);"
    "CREATE TABLE access_log_checkpoints ("
    " last_seq INTEGER PRIMARY KEY,"
    " first_seq INTEGER NOT NULL,"
    " body BLOB NOT NULL,"
    " signature BLOB NOT NULL);",
    /*
     * 6: histories (doc/audit.md): every version of a realm in the order
     * it was stored.
     */
    "CREATE INDEX vlobs_checkpoint ON vlobs(realm, checkpoint);",
};

#define SQ_ORG_COLUMNS                                                         \
	"SELECT o.name, o.created, o.frozen, o.bootstrapped, o.token_hash,"    \
	" o.root_vk, COALESCE((SELECT MAX(c.idx) FROM certificates c"          \
	" WHERE c.org = o.id), 0) FROM orgs o"

static const char *const sq_sql[SQ_NBASE] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_BEGIN_READ] = "BEGIN",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_ORG_INSERT] =
        "INSERT INTO orgs (name, created, token_hash) VALUES (?1, ?2, ?3)",
    [SQ_ORG_GET] = SQ_ORG_COLUMNS " WHERE o.name = ?1",
    [SQ_ORG_LIST] = SQ_ORG_COLUMNS " ORDER BY o.name",
    [SQ_ORG_ROW] =
        "SELECT id, bootstrapped, token_hash FROM orgs WHERE name = ?1",
    [SQ_ORG_FREEZE] = "UPDATE orgs SET frozen = ?2 WHERE name = ?1",
    [SQ_ORG_USAGE] = "SELECT COUNT(*), COALESCE(SUM(length(envelope) +"
                     " COALESCE(length(identity), 0)), 0) +"
                     " (SELECT COALESCE(SUM(vlob_bytes + block_bytes), 0)"
                     " FROM realms WHERE org = ?1)"
                     " FROM certificates WHERE org = ?1",
    [SQ_ORG_BOOTSTRAP] = "UPDATE orgs SET bootstrapped = 1,"
                         " token_hash = NULL, root_vk = ?2 WHERE id = ?1",
    [SQ_CERT_INSERT] = "INSERT INTO certificates (org, idx, envelope,"
                       " identity, server_time) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_CERT_LAST] =
        "SELECT COALESCE(MAX(idx), 0) FROM certificates WHERE org = ?1",
    [SQ_CERT_LIST] = "SELECT idx, envelope, identity, server_time"
                     " FROM certificates WHERE org = (SELECT id FROM orgs"
                     " WHERE name = ?1) AND idx >= ?2 ORDER BY idx LIMIT ?3",
    [SQ_EVENT_INSERT] = "INSERT INTO events (org, kind, data, created,"
                        " realm) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_EVENT_LIST] = "SELECT id, kind, data, realm FROM events WHERE org ="
                      " (SELECT id FROM orgs WHERE name = ?1) AND id > ?2"
                      " ORDER BY id LIMIT ?3",
    [SQ_EVENT_LAST] = "SELECT COALESCE(MAX(id), 0) FROM events WHERE org ="
                      " (SELECT id FROM orgs WHERE name = ?1)",
};

struct sq_state *
sq_state(struct srv_backend *be)
{
	return be->state;
}

/* ------------------------------------------------------------- errors */

int
sq_fail(struct sq_conn *c, int rc, const char *what)
{
	sceau_message("database: %s: %s", what,
	    c != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	return SCEAU_ERR_STORE;
}

int
sq_corrupt(const char *what)
{
	sceau_message("database: %s", what);
	return SCEAU_ERR_STORE_CORRUPT;
}

/* ---------------------------------------------------------- the pool */

struct sq_conn *
sq_get(struct sq_state *s)
{
	struct sq_conn *c = NULL;
	unsigned int i;

	(void)pthread_mutex_lock(&s->pool_lock);
	for (;;) {
		for (i = 0; i < s->nconns && c == NULL; i++) {
			if (!s->conns[i].busy)
				c = &s->conns[i];
		}
		if (c != NULL)
			break;
		(void)pthread_cond_wait(&s->pool_cond, &s->pool_lock);
	}
	c->busy = 1;
	(void)pthread_mutex_unlock(&s->pool_lock);
	return c;
}

void
sq_put(struct sq_state *s, struct sq_conn *c)
{
	(void)pthread_mutex_lock(&s->pool_lock);
	c->busy = 0;
	(void)pthread_cond_signal(&s->pool_cond);
	(void)pthread_mutex_unlock(&s->pool_lock);
}

/* The prepared statement id of c, reset and unbound, or NULL. */
sqlite3_stmt *
sq_stmt(struct sq_conn *c, enum sq_stmt_id id, int *r)
{
	int rc;

	if (c->st[id] == NULL) {
		rc = sqlite3_prepare_v3(c->db,
		    id < SQ_NBASE         ? sq_sql[id]
		        : id < SQ_NREALM  ? sq_realm_sql[id - SQ_NBASE]
		        : id < SQ_NINVITE ? sq_invite_sql[id - SQ_NREALM]
		        : id < SQ_NENROLL ? sq_enroll_sql[id - SQ_NINVITE]
		                          : sq_alog_sql[id - SQ_NENROLL],
		    -1, SQLITE_PREPARE_PERSISTENT, &c->st[id], NULL);
		if (rc != SQLITE_OK) {
			*r = sq_fail(c, rc, "prepare");
			return NULL;
		}
	}
	*r = 0;
	return c->st[id];
}

void
sq_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

/* Runs a statement without result rows (BEGIN, COMMIT, UPDATE...). */
int
sq_exec_stmt(struct sq_conn *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sq_done(st);
	if (rc != SQLITE_DONE)
		return sq_fail(c, rc, what);
	return 0;
}

static int
sq_simple(struct sq_conn *c, enum sq_stmt_id id, const char *what)
{
	sqlite3_stmt *st;
	int r;

	if ((st = sq_stmt(c, id, &r)) == NULL)
		return r;
	return sq_exec_stmt(c, st, what);
}

int
sq_begin(struct sq_conn *c)
{
	return sq_simple(c, SQ_BEGIN, "begin");
}

int
sq_begin_read(struct sq_conn *c)
{
	return sq_simple(c, SQ_BEGIN_READ, "begin");
}

int
sq_commit(struct sq_conn *c)
{
	return sq_simple(c, SQ_COMMIT, "commit");
}

void
sq_rollback(struct sq_conn *c)
{
	/* Only when a transaction is open: ROLLBACK alone is an error. */
	if (!sqlite3_get_autocommit(c->db))
		(void)sq_simple(c, SQ_ROLLBACK, "rollback");
}

uint64_t
sq_col_u64(sqlite3_stmt *st, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(st, i);

	return v < 0 ? 0 : (uint64_t)v;
}

int
sq_col_fixed(sqlite3_stmt *st, int i, uint8_t *out, size_t n, int *present)
{
	const void *p;

	*present = 0;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return 0;
	p = sqlite3_column_blob(st, i);
	if (p == NULL || (size_t)sqlite3_column_bytes(st, i) != n)
		return sq_corrupt("blob of the wrong size");
	memcpy(out, p, n);
	*present = 1;
	return 0;
}

/* ----------------------------------------------------- organizations */

static int
sq_read_org(sqlite3_stmt *st, struct srv_org *o)
{
	const unsigned char *name = sqlite3_column_text(st, 0);
	int has_vk, r;

	memset(o, 0, sizeof(*o));
	if (name == NULL ||
	    (size_t)sqlite3_column_bytes(st, 0) > SCEAU_ORG_ID_MAX)
		return sq_corrupt("organization name");
	(void)snprintf(o->org_id, sizeof(o->org_id), "%s", name);
	o->created_us = sq_col_u64(st, 1);
	o->frozen = sqlite3_column_int(st, 2) != 0;
	o->bootstrapped = sqlite3_column_int(st, 3) != 0;
	if ((r = sq_col_fixed(st, 4, o->token_hash, sizeof(o->token_hash),
	         &o->has_token)) != 0 ||
	    (r = sq_col_fixed(
	         st, 5, o->root_vk, sizeof(o->root_vk), &has_vk)) != 0)
		return r;
	if (o->bootstrapped != has_vk)
		return sq_corrupt("root key and bootstrap state disagree");
	o->last_index = sq_col_u64(st, 6);
	return 0;
}

static int
sq_org_create(struct srv_backend *be, const char *org_id,
    const uint8_t token_hash[SCEAU_SHA256_LEN], uint64_t created_us)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	sqlite3_stmt *st;
	int r, rc;

	if ((st = sq_stmt(c, SQ_ORG_INSERT, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)created_us);
	(void)sqlite3_bind_blob(
	    st, 3, token_hash, SCEAU_SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		sceau_message("organization %s exists", org_id);
		r = SCEAU_ERR_EXISTS;
	} else if (rc != SQLITE_DONE) {
		r = sq_fail(c, rc, "create organization");
	}
	sq_done(st);
out:
	sq_put(s, c);
	return r;
}

static int
sq_org_get(struct srv_backend *be, const char *org_id, struct srv_org *out)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	sqlite3_stmt *st;
	int r, rc;

	memset(out, 0, sizeof(*out));
	if ((st = sq_stmt(c, SQ_ORG_GET, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = sq_read_org(st, out);
	else if (rc == SQLITE_DONE)
		r = SCEAU_ERR_ORG_UNKNOWN;
	else
		r = sq_fail(c, rc, "read organization");
	sq_done(st);
out:
	sq_put(s, c);
	return r;
}

static int
sq_org_list(struct srv_backend *be, srv_org_cb cb, void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct srv_org o;
	sqlite3_stmt *st;
	int r, rc;

	if ((st = sq_stmt(c, SQ_ORG_LIST, &r)) == NULL)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = sq_read_org(st, &o)) != 0 || (r = cb(arg, &o)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "list organizations");
	sq_done(st);
out:
	sq_put(s, c);
	return r;
}

static int
sq_org_set_frozen(struct srv_backend *be, const char *org_id, int frozen)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	sqlite3_stmt *st;
	int r;

	if ((st = sq_stmt(c, SQ_ORG_FREEZE, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 2, frozen ? 1 : 0);
	if ((r = sq_exec_stmt(c, st, "freeze")) == 0 &&
	    sqlite3_changes(c->db) == 0)
		r = SCEAU_ERR_ORG_UNKNOWN;
out:
	sq_put(s, c);
	return r;
}

int
sq_org_row(struct sq_conn *c, const char *org_id, struct sq_org_row *row)
{
	sqlite3_stmt *st;
	int r, rc;

	memset(row, 0, sizeof(*row));
	if ((st = sq_stmt(c, SQ_ORG_ROW, &r)) == NULL)
		return r;
	(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row->id = sqlite3_column_int64(st, 0);
		row->bootstrapped = sqlite3_column_int(st, 1) != 0;
		r = sq_col_fixed(st, 2, row->token_hash,
		    sizeof(row->token_hash), &row->has_token);
	} else if (rc == SQLITE_DONE) {
		r = SCEAU_ERR_ORG_UNKNOWN;
	} else {
		r = sq_fail(c, rc, "read organization");
	}
	sq_done(st);
	return r;
}

static int
sq_org_usage(
    struct srv_backend *be, const char *org_id, struct srv_org_usage *out)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct sq_org_row row;
	sqlite3_stmt *st;
	int r, rc;

	memset(out, 0, sizeof(*out));
	if ((r = sq_org_row(c, org_id, &row)) != 0 ||
	    (st = sq_stmt(c, SQ_ORG_USAGE, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_int64(st, 1, row.id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->certificates = sq_col_u64(st, 0);
		out->storage_bytes = sq_col_u64(st, 1);
	} else {
		r = sq_fail(c, rc, "usage");
	}
	sq_done(st);
out:
	sq_put(s, c);
	return r;
}

/* ------------------------------------------------ certificates, events */

void
sq_wake(struct sq_state *s)
{
	(void)pthread_mutex_lock(&s->ev_lock);
	s->ev_gen++;
	(void)pthread_cond_broadcast(&s->ev_cond);
	(void)pthread_mutex_unlock(&s->ev_lock);
}

uint64_t
sq_now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
sq_insert_event(struct sq_conn *c, sqlite3_int64 org, const char *kind,
    const char *data, const char *realm_id)
{
	sqlite3_stmt *st;
	int r;

	if ((st = sq_stmt(c, SQ_EVENT_INSERT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org);
	(void)sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 3, data, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 4, (sqlite3_int64)sq_now_us());
	if (realm_id != NULL)
		(void)sqlite3_bind_text(st, 5, realm_id, -1, SQLITE_STATIC);
	return sq_exec_stmt(c, st, "store event");
}

/* Inserts a certificate and its event (inside a transaction). */
static int
sq_insert_cert(
    struct sq_conn *c, sqlite3_int64 org, const struct srv_cert_row *cert)
{
	char data[64];
	sqlite3_stmt *st;
	int r, rc;

	if ((st = sq_stmt(c, SQ_CERT_INSERT, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)cert->index);
	(void)sqlite3_bind_blob(
	    st, 3, cert->envelope, (int)cert->envelope_len, SQLITE_STATIC);
	if (cert->identity != NULL)
		(void)sqlite3_bind_blob(st, 4, cert->identity,
		    (int)cert->identity_len, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 5, (sqlite3_int64)cert->server_time);
	rc = sqlite3_step(st);
	sq_done(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return SCEAU_ERR_CONFLICT;
	if (rc != SQLITE_DONE)
		return sq_fail(c, rc, "store certificate");
	(void)snprintf(data, sizeof(data), "{\"index\":%llu}",
	    (unsigned long long)cert->index);
	return sq_insert_event(c, org, "certificate", data, NULL);
}

static int
sq_last_index(struct sq_conn *c, sqlite3_int64 org, uint64_t *last)
{
	sqlite3_stmt *st;
	int r, rc;

	*last = 0;
	if ((st = sq_stmt(c, SQ_CERT_LAST, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, org);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*last = sq_col_u64(st, 0);
	else
		r = sq_fail(c, rc, "last index");
	sq_done(st);
	return r;
}

static int
sq_bootstrap_txn(struct sq_conn *c, const char *org_id,
    const uint8_t token_hash[SCEAU_SHA256_LEN],
    const uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN],
    const struct srv_cert_row *certs, size_t n)
{
	struct sq_org_row row;
	sqlite3_stmt *st;
	size_t i;
	int r;

	if ((r = sq_org_row(c, org_id, &row)) != 0)
		return r;
	if (row.bootstrapped)
		return SCEAU_ERR_ALREADY_BOOTSTRAPPED;
	/* Hashes of random tokens: no secret timing to protect here. */
	if (!row.has_token ||
	    memcmp(row.token_hash, token_hash, SCEAU_SHA256_LEN) != 0)
		return SCEAU_ERR_BOOTSTRAP_TOKEN;
	if ((st = sq_stmt(c, SQ_ORG_BOOTSTRAP, &r)) == NULL)
		return r;
	(void)sqlite3_bind_int64(st, 1, row.id);
	(void)sqlite3_bind_blob(
	    st, 2, root_vk, SCEAU_SIGN_PUBLIC_LEN, SQLITE_STATIC);
	if ((r = sq_exec_stmt(c, st, "bootstrap")) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (certs[i].index != i + 1)
			return SCEAU_ERR_INVALID_ARGUMENT;
		if ((r = sq_insert_cert(c, row.id, &certs[i])) != 0)
			return r;
	}
	return 0;
}

static int
sq_bootstrap(struct srv_backend *be, const char *org_id,
    const uint8_t token_hash[SCEAU_SHA256_LEN],
    const uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN],
    const struct srv_cert_row *certs, size_t n)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	int r;

	if ((r = sq_begin(c)) == 0 &&
	    (r = sq_bootstrap_txn(c, org_id, token_hash, root_vk, certs, n)) ==
	        0)
		r = sq_commit(c);
	if (r != 0)
		sq_rollback(c);
	sq_put(s, c);
	if (r == 0)
		sq_wake(s);
	return r;
}

static int
sq_cert_append_txn(
    struct sq_conn *c, const char *org_id, const struct srv_cert_row *cert)
{
	struct sq_org_row row;
	uint64_t last;
	int r;

	if ((r = sq_org_row(c, org_id, &row)) != 0 ||
	    (r = sq_last_index(c, row.id, &last)) != 0)
		return r;
	if (!row.bootstrapped)
		return SCEAU_ERR_NOT_BOOTSTRAPPED;
	/* The write lock is held (BEGIN IMMEDIATE): last cannot move. */
	if (cert->index != last + 1) {
		sceau_message("index %llu is not the next one (%llu)",
		    (unsigned long long)cert->index,
		    (unsigned long long)last + 1);
		return SCEAU_ERR_CONFLICT;
	}
	return sq_insert_cert(c, row.id, cert);
}

static int
sq_cert_append(
    struct srv_backend *be, const char *org_id, const struct srv_cert_row *cert)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	int r;

	if ((r = sq_begin(c)) == 0 &&
	    (r = sq_cert_append_txn(c, org_id, cert)) == 0)
		r = sq_commit(c);
	if (r != 0)
		sq_rollback(c);
	sq_put(s, c);
	if (r == 0)
		sq_wake(s);
	return r;
}

static int
sq_read_cert(sqlite3_stmt *st, struct srv_cert_row *row)
{
	memset(row, 0, sizeof(*row));
	row->index = sq_col_u64(st, 0);
	row->envelope = sqlite3_column_blob(st, 1);
	row->envelope_len = (size_t)sqlite3_column_bytes(st, 1);
	if (row->envelope == NULL)
		return sq_corrupt("empty certificate");
	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		row->identity = sqlite3_column_blob(st, 2);
		row->identity_len = (size_t)sqlite3_column_bytes(st, 2);
		/* An empty blob reads as NULL: keep "present" visible. */
		if (row->identity == NULL)
			row->identity = (const uint8_t *)"";
	}
	row->server_time = sq_col_u64(st, 3);
	return 0;
}

sqlite3_int64
sq_clamp(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

static int
sq_cert_list(struct srv_backend *be, const char *org_id, uint64_t from,
    uint64_t limit, srv_cert_cb cb, void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct srv_cert_row row;
	sqlite3_stmt *st;
	int r, rc;

	if ((st = sq_stmt(c, SQ_CERT_LIST, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, sq_clamp(from));
	(void)sqlite3_bind_int64(st, 3, sq_clamp(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = sq_read_cert(st, &row)) != 0 ||
		    (r = cb(arg, &row)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "list certificates");
	sq_done(st);
out:
	sq_put(s, c);
	return r;
}

static int
sq_event_list(struct srv_backend *be, const char *org_id, uint64_t after,
    uint64_t limit, srv_event_cb cb, void *arg)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	struct srv_event_row ev;
	sqlite3_stmt *st;
	int r, rc;

	if ((st = sq_stmt(c, SQ_EVENT_LIST, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, sq_clamp(after));
	(void)sqlite3_bind_int64(st, 3, sq_clamp(limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ev.id = sq_col_u64(st, 0);
		ev.kind = (const char *)sqlite3_column_text(st, 1);
		ev.data = (const char *)sqlite3_column_text(st, 2);
		ev.realm_id = (const char *)sqlite3_column_text(st, 3);
		if (ev.kind == NULL || ev.data == NULL ||
		    strlen(ev.kind) > SRV_EVENT_KIND_MAX ||
		    strlen(ev.data) > SRV_EVENT_DATA_MAX ||
		    (ev.realm_id != NULL &&
		        !sceau_cert_id_valid(ev.realm_id))) {
			r = sq_corrupt("event");
			break;
		}
		if ((r = cb(arg, &ev)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(c, rc, "list events");
	sq_done(st);
out:
	sq_put(s, c);
	return r;
}

static int
sq_event_last(struct srv_backend *be, const char *org_id, uint64_t *id)
{
	struct sq_state *s = sq_state(be);
	struct sq_conn *c = sq_get(s);
	sqlite3_stmt *st;
	int r, rc;

	*id = 0;
	if ((st = sq_stmt(c, SQ_EVENT_LAST, &r)) == NULL)
		goto out;
	(void)sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = sq_col_u64(st, 0);
	else
		r = sq_fail(c, rc, "last event");
	sq_done(st);
out:
	sq_put(s, c);
	return r;
}

static uint64_t
sq_event_mark(struct srv_backend *be)
{
	struct sq_state *s = sq_state(be);
	uint64_t g;

	(void)pthread_mutex_lock(&s->ev_lock);
	g = s->ev_gen;
	(void)pthread_mutex_unlock(&s->ev_lock);
	return g;
}

static void
sq_deadline(uint64_t timeout_ms, struct timespec *ts)
{
	(void)clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(timeout_ms / 1000);
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int
sq_event_wait(struct srv_backend *be, uint64_t mark, uint64_t timeout_ms)
{
	struct sq_state *s = sq_state(be);
	struct timespec ts;
	int r = 0;

	sq_deadline(timeout_ms, &ts);
	(void)pthread_mutex_lock(&s->ev_lock);
	while (!s->interrupted && s->ev_gen == mark) {
		if (pthread_cond_timedwait(&s->ev_cond, &s->ev_lock, &ts) ==
		    ETIMEDOUT) {
			r = SCEAU_ERR_TIMEOUT;
			break;
		}
	}
	if (s->interrupted)
		r = SCEAU_ERR_INTERRUPTED;
	(void)pthread_mutex_unlock(&s->ev_lock);
	return r;
}

static void
sq_interrupt(struct srv_backend *be)
{
	struct sq_state *s = sq_state(be);

	(void)pthread_mutex_lock(&s->ev_lock);
	s->interrupted = 1;
	(void)pthread_cond_broadcast(&s->ev_cond);
	(void)pthread_mutex_unlock(&s->ev_lock);
}

static int
sq_replay_check(struct srv_backend *be, const uint8_t key[SRV_REPLAY_KEY_LEN],
    uint64_t expires_ms, uint64_t now_ms)
{
	return srv_replay_check(sq_state(be)->replay, key, expires_ms, now_ms);
}

/* ------------------------------------------------ opening and closing */

static void
sq_conn_close(struct sq_conn *c)
{
	size_t i;

	for (i = 0; i < SQ_NSTMT; i++)
		(void)sqlite3_finalize(c->st[i]);
	if (c->db != NULL)
		(void)sqlite3_close(c->db);
	memset(c, 0, sizeof(*c));
}

static int
sq_pragma(struct sq_conn *c, const char *sql)
{
	char *err = NULL;
	int rc;

	if ((rc = sqlite3_exec(c->db, sql, NULL, NULL, &err)) != SQLITE_OK) {
		sceau_message("database: %s: %s", sql,
		    err != NULL ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return SCEAU_ERR_STORE;
	}
	return 0;
}

/*
 * synchronous=NORMAL in WAL mode: a commit is written to the WAL but
 * fsynced only at checkpoints.  The database is never corrupted, and a
 * crash of the server process loses nothing (the kernel holds the
 * writes); only a power loss or a kernel crash may roll back the last
 * transactions.  Clients keep their own copy of every certificate and
 * detect such a rollback (SCEAU_ERR_CHAIN_ROLLBACK), then post again, so
 * the fsync per commit that FULL costs buys little here.  Operators who
 * want it set database.synchronous = full.
 */
static int
sq_conn_open(const struct srv_backend_config *cfg, struct sq_conn *c)
{
	char sql[96];
	int rc, r;

	memset(c, 0, sizeof(*c));
	rc = sqlite3_open_v2(cfg->path, &c->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		sceau_message("database %s: %s", cfg->path,
		    c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sq_conn_close(c);
		return SCEAU_ERR_STORE;
	}
	(void)sqlite3_extended_result_codes(c->db, 1);
	(void)sqlite3_busy_timeout(
	    c->db, (int)SCEAU_MIN(cfg->busy_timeout_ms, (uint64_t)INT32_MAX));
	(void)snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s",
	    cfg->synchronous_full ? "FULL" : "NORMAL");
	if ((r = sq_pragma(c, "PRAGMA journal_mode = WAL")) != 0 ||
	    (r = sq_pragma(c, sql)) != 0 ||
	    (r = sq_pragma(c, "PRAGMA foreign_keys = ON")) != 0 ||
	    (r = sq_pragma(c, "PRAGMA trusted_schema = OFF")) != 0) {
		sq_conn_close(c);
		return r;
	}
	return 0;
}

static int
sq_version_cb(void *arg, int ncol, char **vals, char **names)
{
	long long v = 0;

	(void)names;
	if (ncol == 1 && vals[0] != NULL && sscanf(vals[0], "%lld", &v) == 1 &&
	    v >= 0)
		*(long long *)arg = v;
	return 0;
}

static int
sq_migrate_txn(struct sq_conn *c)
{
	long long version = -1;
	char sql[128];
	size_t i;
	int r;

	if ((r = sq_pragma(c,
	         "CREATE TABLE IF NOT EXISTS schema_version"
	         " (version INTEGER NOT NULL,"
	         " applied INTEGER NOT NULL)")) != 0)
		return r;
	if (sqlite3_exec(c->db,
	        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
	        sq_version_cb, &version, NULL) != SQLITE_OK ||
	    version < 0)
		return sq_fail(c, SQLITE_ERROR, "schema version");
	if ((unsigned long long)version > SCEAU_NELEM(sq_migrations)) {
		sceau_message("database schema version %lld is newer than this "
		              "server's (%zu)",
		    version, SCEAU_NELEM(sq_migrations));
		return SCEAU_ERR_STORE;
	}
	for (i = (size_t)version; i < SCEAU_NELEM(sq_migrations); i++) {
		(void)snprintf(sql, sizeof(sql),
		    "INSERT INTO schema_version VALUES (%zu, %llu)", i + 1,
		    (unsigned long long)sq_now_us());
		if ((r = sq_pragma(c, sq_migrations[i])) != 0 ||
		    (r = sq_pragma(c, sql)) != 0)
			return r;
		info_f("database schema migrated to version %zu", i + 1);
	}
	return 0;
}

static int
sq_migrate(struct sq_conn *c)
{
	int r;

	if ((r = sq_pragma(c, "BEGIN IMMEDIATE")) != 0)
		return r;
	if ((r = sq_migrate_txn(c)) == 0)
		return sq_pragma(c, "COMMIT");
	sq_rollback(c);
	return r;
}

static void
sq_close(struct srv_backend *be)
{
	struct sq_state *s;
	unsigned int i;

	if (be == NULL || (s = sq_state(be)) == NULL)
		return;
	for (i = 0; i < s->nconns; i++)
		sq_conn_close(&s->conns[i]);
	sceau_free(s->conns);
	srv_blockstore_close(s->be.blocks);
	srv_replay_free(s->replay);
	(void)pthread_cond_destroy(&s->ev_cond);
	(void)pthread_mutex_destroy(&s->ev_lock);
	(void)pthread_cond_destroy(&s->pool_cond);
	(void)pthread_mutex_destroy(&s->pool_lock);
	sceau_free(s);
}

static const struct srv_backend_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .org_create = sq_org_create,
    .org_get = sq_org_get,
    .org_list = sq_org_list,
    .org_set_frozen = sq_org_set_frozen,
    .org_usage = sq_org_usage,
    .bootstrap = sq_bootstrap,
    .cert_append = sq_cert_append,
    .cert_list = sq_cert_list,
    .event_list = sq_event_list,
    .event_last = sq_event_last,
    .event_mark = sq_event_mark,
    .event_wait = sq_event_wait,
    .interrupt = sq_interrupt,
    .replay_check = sq_replay_check,
    .vlob_put_batch = sq_vlob_put_batch,
    .vlob_get = sq_vlob_get,
    .vlob_versions = sq_vlob_versions,
    .realm_changes = sq_realm_changes,
    .vlob_history = sq_vlob_history,
    .realm_list = sq_realm_list,
    .realm_checkpoint = sq_realm_checkpoint,
    .block_put_batch = sq_block_put_batch,
    .block_locate = sq_block_locate,
    .invite_create = sq_invite_create,
    .invite_get = sq_invite_get,
    .invite_list = sq_invite_list,
    .invite_close = sq_invite_close,
    .conduit_send = sq_conduit_send,
    .conduit_recv = sq_conduit_recv,
    .conduit_abort = sq_conduit_abort,
    .enroll_link_set = sq_enroll_link_set,
    .enroll_link_get = sq_enroll_link_get,
    .enroll_put = sq_enroll_put,
    .enroll_get = sq_enroll_get,
    .enroll_list = sq_enroll_list,
    .enroll_decide = sq_enroll_decide,
    .alog_last = sq_alog_last,
    .alog_append = sq_alog_append,
    .alog_checkpoint = sq_alog_checkpoint,
    .alog_export = sq_alog_export,
};

static int
sq_sync_init(struct sq_state *s)
{
	pthread_condattr_t ca;
	int ok;

	if (pthread_condattr_init(&ca) != 0)
		return SCEAU_ERR_SYSTEM;
	/* Waits measure time on the monotonic clock, not the wall clock. */
	ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	    pthread_mutex_init(&s->pool_lock, NULL) == 0 &&
	    pthread_cond_init(&s->pool_cond, NULL) == 0 &&
	    pthread_mutex_init(&s->ev_lock, NULL) == 0 &&
	    pthread_cond_init(&s->ev_cond, &ca) == 0;
	(void)pthread_condattr_destroy(&ca);
	return ok ? 0 : SCEAU_ERR_SYSTEM;
}

static int
sq_open_pool(const struct srv_backend_config *cfg, struct sq_state *s)
{
	unsigned int i, n = cfg->pool_size == 0 ? 1 : cfg->pool_size;
	int r;

	if (strcmp(cfg->path, ":memory:") == 0)
		n = 1;
	if ((s->conns = sceau_calloc(n, sizeof(*s->conns))) == NULL)
		return SCEAU_ERR_ALLOC;
	/* The first connection creates or migrates the schema alone. */
	if ((r = sq_conn_open(cfg, &s->conns[0])) != 0)
		return r;
	s->nconns = 1;
	if ((r = sq_migrate(&s->conns[0])) != 0)
		return r;
	for (i = 1; i < n; i++) {
		if ((r = sq_conn_open(cfg, &s->conns[i])) != 0)
			return r;
		s->nconns++;
	}
	return 0;
}

int
srv_sqlite_open(const struct srv_backend_config *cfg, struct srv_backend **out)
{
	struct sq_state *s;
	int r;

	*out = NULL;
	if (cfg->path == NULL || cfg->path[0] == '\0') {
		sceau_message("database: no path");
		return SCEAU_ERR_CONFIG;
	}
	if (!sqlite3_threadsafe()) {
		sceau_message("SQLite was built without thread support");
		return SCEAU_ERR_NOT_SUPPORTED;
	}
	if ((s = sceau_calloc(1, sizeof(*s))) == NULL)
		return SCEAU_ERR_ALLOC;
	s->be.ops = &sq_ops;
	s->be.state = s;
	if ((r = sq_sync_init(s)) != 0) {
		sceau_free(s);
		return r;
	}
	if ((r = srv_replay_new(cfg->replay_max, &s->replay)) != 0 ||
	    (r = srv_packs_open(cfg->blocks_dir, &s->be.blocks)) != 0 ||
	    (r = sq_open_pool(cfg, s)) != 0) {
		sq_close(&s->be);
		return r;
	}
	*out = &s->be;
	return 0;
}
