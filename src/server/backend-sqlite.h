/*
 * backend-sqlite.h: what the files of the SQLite backend share (not a
 * public interface: callers use backend.h).
 *
 * backend-sqlite.c: the pool, statements, schema, organizations,
 * certificates and events; backend-sqlite-realms.c: workspaces (vlobs,
 * block index).  Statements are numbered in one enum and prepared once
 * per pooled connection.
 */
#ifndef SCEAU_SRV_BACKEND_SQLITE_H
#define SCEAU_SRV_BACKEND_SQLITE_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "backend.h"

enum sq_stmt_id {
	SQ_BEGIN,
	SQ_BEGIN_READ,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_ORG_INSERT,
	SQ_ORG_GET,
	SQ_ORG_LIST,
	SQ_ORG_ROW,
	SQ_ORG_FREEZE,
	SQ_ORG_USAGE,
	SQ_ORG_BOOTSTRAP,
	SQ_CERT_INSERT,
	SQ_CERT_LAST,
	SQ_CERT_LIST,
	SQ_EVENT_INSERT,
	SQ_EVENT_LIST,
	SQ_EVENT_LAST,
	SQ_NBASE,
	/* backend-sqlite-realms.c */
	SQ_REALM_GET = SQ_NBASE,
	SQ_REALM_INSERT,
	SQ_REALM_VLOBS,
	SQ_REALM_BLOCKS,
	SQ_HEAD_GET,
	SQ_HEAD_SET,
	SQ_VLOB_INSERT,
	SQ_VLOB_LATEST,
	SQ_VLOB_VERSION,
	SQ_VLOB_AT,
	SQ_VLOB_VERSIONS,
	SQ_CHANGES,
	SQ_HISTORY,
	SQ_REALM_LIST,
	SQ_BLOCK_GET,
	SQ_BLOCK_INSERT,
	SQ_NREALM,
	/* backend-sqlite-invites.c */
	SQ_INV_INSERT = SQ_NREALM,
	SQ_INV_GET_ID,
	SQ_INV_GET_TOKEN,
	SQ_INV_LIST,
	SQ_INV_PENDING_EMAIL,
	SQ_INV_CLOSE,
	SQ_INV_RESTART,
	SQ_INV_ABORT,
	SQ_CONDUIT_GET,
	SQ_CONDUIT_PUT,
	SQ_CONDUIT_CLEAR,
	SQ_CONDUIT_LATER,
	SQ_NINVITE,
	/* backend-sqlite-enroll.c */
	SQ_ENROLL_LINK_SET = SQ_NINVITE,
	SQ_ENROLL_LINK_GET,
	SQ_ENROLL_COUNT,
	SQ_ENROLL_INSERT,
	SQ_ENROLL_GET,
	SQ_ENROLL_LIST,
	SQ_ENROLL_DECIDE,
	SQ_NENROLL,
	/* backend-sqlite-alog.c */
	SQ_ALOG_LAST = SQ_NENROLL,
	SQ_ALOG_SIGNED,
	SQ_ALOG_INSERT,
	SQ_ALOG_CP_INSERT,
	SQ_ALOG_EXPORT,
	SQ_NSTMT
};

/* SQL of the statements SQ_NBASE.. (backend-sqlite-realms.c). */
extern const char *const sq_realm_sql[SQ_NREALM - SQ_NBASE];
/* SQL of the statements SQ_NREALM.. (backend-sqlite-invites.c). */
extern const char *const sq_invite_sql[SQ_NINVITE - SQ_NREALM];
/* SQL of the statements SQ_NINVITE.. (backend-sqlite-enroll.c). */
extern const char *const sq_enroll_sql[SQ_NENROLL - SQ_NINVITE];
/* SQL of the statements SQ_NENROLL.. (backend-sqlite-alog.c). */
extern const char *const sq_alog_sql[SQ_NSTMT - SQ_NENROLL];

struct sq_conn {
	sqlite3 *db;
	sqlite3_stmt *st[SQ_NSTMT];
	int busy;
};

struct srv_replay;

struct sq_state {
	struct srv_backend be;
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	struct sq_conn *conns;
	unsigned int nconns;
	/* Events: generation bumped after each commit that stored one. */
	pthread_mutex_t ev_lock;
	pthread_cond_t ev_cond;
	uint64_t ev_gen;
	int interrupted;
	struct srv_replay *replay;
};

/* Row id, bootstrap state and token hash of an organization. */
struct sq_org_row {
	sqlite3_int64 id;
	int bootstrapped;
	int has_token;
	uint8_t token_hash[SCEAU_SHA256_LEN];
};

struct sq_state *sq_state(struct srv_backend *be);

/* SCEAU_ERR_STORE with the database's message; SCEAU_ERR_STORE_CORRUPT. */
int sq_fail(struct sq_conn *c, int rc, const char *what);
int sq_corrupt(const char *what);

/* A pooled connection, for one operation of this thread. */
struct sq_conn *sq_get(struct sq_state *s);
void sq_put(struct sq_state *s, struct sq_conn *c);

/* The prepared statement id of c (reset and unbound after sq_done). */
sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt_id id, int *r);
void sq_done(sqlite3_stmt *st);
/* Runs st (no result rows), then sq_done. */
int sq_exec_stmt(struct sq_conn *c, sqlite3_stmt *st, const char *what);

/* Write transaction (BEGIN IMMEDIATE), read transaction (snapshot). */
int sq_begin(struct sq_conn *c);
int sq_begin_read(struct sq_conn *c);
int sq_commit(struct sq_conn *c);
void sq_rollback(struct sq_conn *c);

uint64_t sq_col_u64(sqlite3_stmt *st, int i);
sqlite3_int64 sq_clamp(uint64_t v);
/* A blob column of exactly n bytes (*present 0 when NULL). */
int sq_col_fixed(sqlite3_stmt *st, int i, uint8_t *out, size_t n, int *present);
/* A text column of at most max bytes into out[max + 1] ("" when NULL). */
int sq_col_text(sqlite3_stmt *st, int i, char *out, size_t max);
uint64_t sq_now_us(void);

/* SCEAU_ERR_ORG_UNKNOWN. */
int sq_org_row(struct sq_conn *c, const char *org_id, struct sq_org_row *row);

/* Inserts an event (in the caller's transaction); realm_id may be NULL. */
int sq_insert_event(struct sq_conn *c, sqlite3_int64 org, const char *kind,
    const char *data, const char *realm_id);

/* Wakes event waiters (after a commit that stored events). */
void sq_wake(struct sq_state *s);

/* The enrollment operations (backend.h), in backend-sqlite-enroll.c. */
int sq_enroll_link_set(struct srv_backend *be, const char *org_id,
    const uint8_t token_hash[SCEAU_SHA256_LEN], uint64_t expires_us);
int sq_enroll_link_get(struct srv_backend *be, const char *org_id,
    uint8_t token_hash[SCEAU_SHA256_LEN], uint64_t *expires_us);
int sq_enroll_put(struct srv_backend *be, const char *org_id,
    const struct srv_enroll_row *row, uint64_t now_us, uint64_t window_us,
    unsigned int max_recent, unsigned int max_pending);
int sq_enroll_get(struct srv_backend *be, const char *org_id, const char *id,
    srv_enroll_cb cb, void *arg);
int sq_enroll_list(
    struct srv_backend *be, const char *org_id, srv_enroll_cb cb, void *arg);
int sq_enroll_decide(struct srv_backend *be, const char *org_id, const char *id,
    enum srv_enroll_status status, const char *by, const char *reason);
/* The access log (backend.h), in backend-sqlite-alog.c. */
int sq_alog_last(struct srv_backend *be, uint64_t *seq,
    uint8_t hash[SCEAU_SHA256_LEN], uint64_t *signed_upto);
int sq_alog_append(struct srv_backend *be, uint64_t seq, const uint8_t *rec,
    size_t n, const uint8_t hash[SCEAU_SHA256_LEN]);
int sq_alog_checkpoint(struct srv_backend *be, uint64_t first, uint64_t last,
    const uint8_t *cp, size_t n, const uint8_t sig[SCEAU_SIGN_SIG_LEN]);
int sq_alog_export(struct srv_backend *be, srv_alog_cb cb, void *arg);
/* The invitation operations (backend.h), in backend-sqlite-invites.c. */
int sq_invite_create(struct srv_backend *be, const char *org_id,
    const struct srv_invite *inv, uint64_t now_us);
int sq_invite_get(struct srv_backend *be, const char *org_id, const char *id,
    const uint8_t token_hash[SCEAU_SHA256_LEN], struct srv_invite *out);
int sq_invite_list(
    struct srv_backend *be, const char *org_id, srv_invite_cb cb, void *arg);
int sq_invite_close(struct srv_backend *be, const char *org_id, const char *id,
    enum srv_invite_status status);
int sq_conduit_send(struct srv_backend *be, const char *org_id, const char *id,
    int side, unsigned int step, uint64_t *attempt, const uint8_t *msg,
    size_t len, enum srv_conduit_state *state);
int sq_conduit_recv(struct srv_backend *be, const char *org_id, const char *id,
    int side, unsigned int step, uint64_t attempt, struct sceau_buf *out,
    enum srv_conduit_state *state, struct srv_invite *inv);
int sq_conduit_abort(struct srv_backend *be, const char *org_id, const char *id,
    int side, uint64_t attempt, const char *reason);
/* The workspace operations (backend.h), in backend-sqlite-realms.c. */
int sq_vlob_put_batch(struct srv_backend *be, const char *org_id,
    const char *realm_id, struct srv_vlob_put *items, size_t n, uint64_t now_us,
    uint64_t *checkpoint);
int sq_vlob_get(struct srv_backend *be, const char *org_id,
    const char *realm_id, const char *const *ids, size_t n,
    enum srv_vlob_which which, uint64_t which_arg, srv_vlob_get_cb cb,
    void *arg);
int sq_vlob_versions(struct srv_backend *be, const char *org_id,
    const char *realm_id, const char *vlob_id, srv_vlob_cb cb, void *arg);
int sq_vlob_history(struct srv_backend *be, const char *org_id,
    const char *realm_id, uint64_t after, uint64_t limit, srv_vlob_cb cb,
    void *arg);
int sq_realm_list(struct srv_backend *be, const char *org_id,
    int (*cb)(void *arg, const char *realm_id), void *arg);
int sq_realm_changes(struct srv_backend *be, const char *org_id,
    const char *realm_id, uint64_t since, uint64_t limit, srv_vlob_cb cb,
    void *arg, uint64_t *checkpoint);
int sq_realm_checkpoint(struct srv_backend *be, const char *org_id,
    const char *realm_id, uint64_t *checkpoint);
int sq_block_put_batch(struct srv_backend *be, const char *org_id,
    const char *realm_id, struct srv_block_put *items, size_t n,
    uint64_t now_us);
int sq_block_locate(struct srv_backend *be, const char *org_id,
    const char *realm_id, const uint8_t *ids, size_t n,
    struct srv_block_loc *locs, size_t *missing);

#endif /* SCEAU_SRV_BACKEND_SQLITE_H */
