/*
 * backend.h: the server's storage, behind one interface.
 *
 * Callers see organizations, certificates, events, the replay cache and
 * workspaces (vlobs and blocks), never SQL.  A backend is a table of function pointers over opaque state;
 * SQLite (backend-sqlite.c) is the embedded default, and a PostgreSQL
 * backend can be added without changing a caller.  Every operation is
 * safe to call from any thread at any time, and each one that writes is
 * one transaction: it happens whole or not at all.
 *
 * Rules every backend keeps (what makes several server processes on one
 * database correct):
 *   - (organization, index) is unique: the database, not a process's
 *     memory, decides which of two racing certificates wins; the loser
 *     gets SCEAU_ERR_CONFLICT and nothing of it is stored;
 *   - a certificate and its event are stored in the same transaction;
 *   - event ids increase over the whole server (not per organization);
 *   - (workspace, vlob, version) is unique and a version is stored only
 *     as the current one + 1; each stored version gets the workspace's
 *     next checkpoint and an event, in the same transaction;
 *   - a block is acknowledged only once its bytes are durable, and the
 *     index never names bytes that were not written (blockstore.h).
 *
 * Errors: SCEAU_ERR_ORG_UNKNOWN, SCEAU_ERR_EXISTS, SCEAU_ERR_CONFLICT,
 * SCEAU_ERR_BOOTSTRAP_TOKEN, SCEAU_ERR_ALREADY_BOOTSTRAPPED,
 * SCEAU_ERR_REPLAYED, SCEAU_ERR_RATE_LIMITED, SCEAU_ERR_TIMEOUT,
 * SCEAU_ERR_INTERRUPTED as documented per operation; SCEAU_ERR_STORE (with
 * a message) when the database fails, SCEAU_ERR_STORE_CORRUPT when what it
 * holds is impossible.
 */
#ifndef SCEAU_SRV_BACKEND_H
#define SCEAU_SRV_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "defs.h"
#include "hash.h"
#include "sign.h"

struct srv_blockstore;

#define SRV_REPLAY_KEY_LEN 16
#define SRV_EVENT_KIND_MAX 32
#define SRV_EVENT_DATA_MAX 1024

/* An organization as stored. */
struct srv_org {
	char org_id[SCEAU_ORG_ID_MAX + 1];
	uint64_t created_us;
	int frozen;
	int bootstrapped;
	int has_token; /* a bootstrap token is waiting to be used */
	uint8_t token_hash[SCEAU_SHA256_LEN];
	uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN]; /* set at bootstrap */
	uint64_t last_index; /* 0 before bootstrap */
};

/* A stored certificate.  Pointers are lent for the callback only. */
struct srv_cert_row {
	uint64_t index;
	const uint8_t *envelope;
	size_t envelope_len;
	const uint8_t *identity; /* NULL: no identity blob */
	size_t identity_len;
	uint64_t server_time; /* microseconds */
};

/* A stored event.  Strings are lent for the callback only. */
struct srv_event_row {
	uint64_t id;
	const char *kind; /* "certificate", "vlob" */
	const char *data; /* JSON text */
	const char
	    *realm_id; /* the workspace a "vlob" event is about, or NULL */
};

struct srv_org_usage {
	uint64_t certificates;
	/* envelopes and identity blobs, vlob versions, block bytes */
	uint64_t storage_bytes;
};

/*
 * One vlob version to store (vlob_put_batch).  The caller fills the
 * input; the backend fills the result: stored (then version and
 * checkpoint are the stored ones), or a conflict with the current
 * version (0: the vlob does not exist).
 */
struct srv_vlob_put {
	const char *vlob_id;
	uint64_t version; /* current + 1; 1 creates the vlob */
	const char *author; /* device id */
	const uint8_t *blob;
	size_t blob_len;
	/* Result. */
	int stored;
	uint64_t checkpoint;
	uint64_t current_version; /* when not stored */
};

/* A stored vlob version.  Pointers are lent for the callback only. */
struct srv_vlob_row {
	const char *vlob_id;
	uint64_t version;
	uint64_t checkpoint;
	uint64_t server_time; /* microseconds */
	const char *author;
	uint64_t size; /* bytes of blob */
	const uint8_t *blob; /* NULL in listings of versions */
};

/* Which version vlob_get reads. */
enum srv_vlob_which {
	SRV_VLOB_LATEST = 0,
	SRV_VLOB_VERSION, /* exactly version arg */
	SRV_VLOB_AT, /* the latest stored at or before server time arg */
};

/* Where a block's bytes are: in which pack of its organization. */
struct srv_block_loc {
	uint64_t pack;
	uint64_t offset;
	uint32_t length;
};

/* One block of a batch to store (block_put_batch); data is lent. */
struct srv_block_put {
	const uint8_t *id; /* SRV_BLOCK_ID_LEN bytes */
	const uint8_t *frame; /* the whole frame: id, u32 length, data */
	const uint8_t *data;
	uint32_t length;
	int existing; /* result: it was stored before (same bytes) */
};

#define SRV_BLOCK_ID_LEN 16
#define SRV_BLOCK_FRAME_HEADER (SRV_BLOCK_ID_LEN + 4)

/*
 * An invitation (user or device) and the state of its exchange.  The
 * server keeps the SHA-256 of the token only.
 */
enum srv_invite_status {
	SRV_INVITE_PENDING = 0,
	SRV_INVITE_CANCELLED = 1,
	SRV_INVITE_FINISHED = 2,
};

#define SRV_INVITE_TEXT_MAX 254 /* email, inviter, abort reason */

struct srv_invite {
	char id[SCEAU_ID_LEN + 1];
	uint8_t token_hash[SCEAU_SHA256_LEN];
	int kind; /* enum sceau_invite_kind */
	char email[SRV_INVITE_TEXT_MAX + 1]; /* user invitations; or "" */
	char inviter[SRV_INVITE_TEXT_MAX + 1]; /* as the inviter said */
	char created_by[SCEAU_ID_LEN + 1]; /* inviter's user id */
	uint64_t created_us, expires_us;
	enum srv_invite_status status;
	uint64_t attempt; /* exchange attempt, from 1 */
	int aborted_by; /* 0, or the side (enum sceau_invite_side) */
	char abort_reason[SRV_INVITE_TEXT_MAX + 1];
};

/* What a side reads from the conduit (conduit_recv). */
enum srv_conduit_state {
	SRV_CONDUIT_READY = 0, /* the peer's message is there */
	SRV_CONDUIT_PENDING, /* not yet */
	SRV_CONDUIT_ABORTED, /* a side aborted this attempt */
	SRV_CONDUIT_RESTARTED, /* another attempt began */
};

/* A PKI enrollment request (doc/enrollment.md). */
enum srv_enroll_status {
	SRV_ENROLL_PENDING = 0,
	SRV_ENROLL_ACCEPTED = 1,
	SRV_ENROLL_REJECTED = 2,
};

struct srv_enroll_row {
	char id[SCEAU_ID_LEN + 1];
	uint64_t created_us;
	enum srv_enroll_status status;
	char email[SRV_INVITE_TEXT_MAX + 1];
	char user_id[SCEAU_ID_LEN + 1]; /* as requested */
	char device_id[SCEAU_ID_LEN + 1];
	uint8_t poll_hash[SCEAU_SHA256_LEN];
	char decided_by[SCEAU_ID_LEN + 1]; /* an admin's device, or "" */
	char reason[SRV_INVITE_TEXT_MAX + 1];
	const uint8_t *request; /* the envelope, lent to callbacks */
	size_t request_len;
};

/* Callbacks: a non-zero return stops the iteration and is returned. */
typedef int (*srv_org_cb)(void *arg, const struct srv_org *org);
typedef int (*srv_cert_cb)(void *arg, const struct srv_cert_row *row);
typedef int (*srv_event_cb)(void *arg, const struct srv_event_row *ev);
typedef int (*srv_vlob_cb)(void *arg, const struct srv_vlob_row *row);
/* vlob_get: row is NULL when ids[i] has no such version. */
typedef int (*srv_invite_cb)(void *arg, const struct srv_invite *inv);
typedef int (*srv_enroll_cb)(void *arg, const struct srv_enroll_row *row);
/*
 * An access-log entry, in order: a record (a: its encoding, b: its hash)
 * or, right after the record it ends at, a checkpoint (a: its encoding,
 * b: its signature).  Lent for the callback only.
 */
typedef int (*srv_alog_cb)(void *arg, int checkpoint, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen);
typedef int (*srv_vlob_get_cb)(
    void *arg, size_t i, const struct srv_vlob_row *row);

struct srv_backend;

struct srv_backend_ops {
	const char *name;

	/* Waits for nothing: callers have stopped using the backend. */
	void (*close)(struct srv_backend *be);

	/* New organization, not bootstrapped.  SCEAU_ERR_EXISTS. */
	int (*org_create)(struct srv_backend *be, const char *org_id,
	    const uint8_t token_hash[SCEAU_SHA256_LEN], uint64_t created_us);
	/* SCEAU_ERR_ORG_UNKNOWN. */
	int (*org_get)(
	    struct srv_backend *be, const char *org_id, struct srv_org *out);
	/* Every organization in the order of their names. */
	int (*org_list)(struct srv_backend *be, srv_org_cb cb, void *arg);
	int (*org_set_frozen)(
	    struct srv_backend *be, const char *org_id, int frozen);
	int (*org_usage)(struct srv_backend *be, const char *org_id,
	    struct srv_org_usage *out);

	/*
	 * Bootstrap, in one transaction: the organization must still hold a
	 * token whose hash is token_hash (SCEAU_ERR_BOOTSTRAP_TOKEN) and not
	 * be bootstrapped (SCEAU_ERR_ALREADY_BOOTSTRAPPED); stores root_vk
	 * and certs[0..n) (indices 1..n), with one event each, and consumes
	 * the token.
	 */
	int (*bootstrap)(struct srv_backend *be, const char *org_id,
	    const uint8_t token_hash[SCEAU_SHA256_LEN],
	    const uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN],
	    const struct srv_cert_row *certs, size_t n);

	/*
	 * Appends one certificate and its event in one transaction.  Its
	 * index must be the organization's last index + 1: otherwise (a
	 * concurrent append won) SCEAU_ERR_CONFLICT.
	 */
	int (*cert_append)(struct srv_backend *be, const char *org_id,
	    const struct srv_cert_row *cert);

	/* Certificates with index >= from, at most limit, in index order. */
	int (*cert_list)(struct srv_backend *be, const char *org_id,
	    uint64_t from, uint64_t limit, srv_cert_cb cb, void *arg);

	/* Events of org_id with id > after, at most limit, in id order. */
	int (*event_list)(struct srv_backend *be, const char *org_id,
	    uint64_t after, uint64_t limit, srv_event_cb cb, void *arg);
	/* Highest event id of org_id (0 if none). */
	int (*event_last)(
	    struct srv_backend *be, const char *org_id, uint64_t *id);
	/*
	 * Waiting for events without polling: take a mark, read the events,
	 * then wait for anything stored after the mark.  event_wait returns
	 * 0 when events may have been stored since mark, SCEAU_ERR_TIMEOUT
	 * after timeout_ms, SCEAU_ERR_INTERRUPTED once interrupt was called.
	 */
	uint64_t (*event_mark)(struct srv_backend *be);
	int (*event_wait)(
	    struct srv_backend *be, uint64_t mark, uint64_t timeout_ms);
	/* Wakes every waiter, now and from now on (shutdown). */
	void (*interrupt)(struct srv_backend *be);

	/*
	 * Replay cache: records key until expires_ms (server clock, ms).
	 * SCEAU_ERR_REPLAYED if key is recorded and not expired at now_ms;
	 * SCEAU_ERR_RATE_LIMITED if the cache is full of live entries (it
	 * fails closed: forgetting a live entry would allow a replay).
	 */
	int (*replay_check)(struct srv_backend *be,
	    const uint8_t key[SRV_REPLAY_KEY_LEN], uint64_t expires_ms,
	    uint64_t now_ms);

	/*
	 * Workspaces.  The caller has checked the realm against the chain
	 * (it exists, the caller may read or write); the backend creates
	 * its row on first write.  A realm never written reads as empty
	 * (checkpoint 0, no vlob, no block).
	 */

	/*
	 * Stores a batch of vlob versions in one transaction: each item is
	 * stored if its version is the current one + 1 (items are taken in
	 * order, so one batch may hold versions 1 and 2 of a vlob), with
	 * server time now_us (never before the realm's last one), its
	 * author, its size, the realm's next checkpoint and a "vlob" event;
	 * the others are conflicts.  *checkpoint: the realm's checkpoint
	 * after the batch.  SCEAU_ERR_ORG_UNKNOWN.
	 */
	int (*vlob_put_batch)(struct srv_backend *be, const char *org_id,
	    const char *realm_id, struct srv_vlob_put *items, size_t n,
	    uint64_t now_us, uint64_t *checkpoint);
	/*
	 * Reads ids[0..n) (which version: which, arg), from one snapshot,
	 * calling cb(arg, i, row or NULL) in order; a non-zero return of
	 * cb stops and is returned.
	 */
	int (*vlob_get)(struct srv_backend *be, const char *org_id,
	    const char *realm_id, const char *const *ids, size_t n,
	    enum srv_vlob_which which, uint64_t which_arg, srv_vlob_get_cb cb,
	    void *arg);
	/* Every version of vlob_id, oldest first (blob NULL).  NOT_FOUND. */
	int (*vlob_versions)(struct srv_backend *be, const char *org_id,
	    const char *realm_id, const char *vlob_id, srv_vlob_cb cb,
	    void *arg);
	/*
	 * The latest version of each vlob changed after checkpoint since,
	 * at most limit, in checkpoint order (blob NULL); *checkpoint: the
	 * realm's current one, from the same snapshot.
	 */
	int (*realm_changes)(struct srv_backend *be, const char *org_id,
	    const char *realm_id, uint64_t since, uint64_t limit,
	    srv_vlob_cb cb, void *arg, uint64_t *checkpoint);
	/*
	 * Every version stored in realm_id after checkpoint after, at most
	 * limit, in checkpoint order, with its blob and vlob_id, from one
	 * snapshot (histories, doc/audit.md).  A non-zero return of cb
	 * stops and is returned.
	 */
	int (*vlob_history)(struct srv_backend *be, const char *org_id,
	    const char *realm_id, uint64_t after, uint64_t limit,
	    srv_vlob_cb cb, void *arg);
	/* The realms of org_id written to, in order of first write. */
	int (*realm_list)(struct srv_backend *be, const char *org_id,
	    int (*cb)(void *arg, const char *realm_id), void *arg);
	/* The realm's current checkpoint (0: nothing stored yet). */
	int (*realm_checkpoint)(struct srv_backend *be, const char *org_id,
	    const char *realm_id, uint64_t *checkpoint);

	/*
	 * Stores a batch of blocks: a block whose id is stored with the same
	 * bytes is marked existing; with other bytes, SCEAU_ERR_CONFLICT
	 * (naming it) and nothing of the batch is stored.  The new ones are
	 * appended to a pack, synced once, then indexed in one transaction.
	 */
	int (*block_put_batch)(struct srv_backend *be, const char *org_id,
	    const char *realm_id, struct srv_block_put *items, size_t n,
	    uint64_t now_us);
	/*
	 * Where the blocks ids[0..n) (SRV_BLOCK_ID_LEN bytes each, packed)
	 * are, into locs[0..n).  SCEAU_ERR_NOT_FOUND naming the first one
	 * missing (*missing: its position).  The bytes are read through
	 * be->blocks (blockstore.h).
	 */
	int (*block_locate)(struct srv_backend *be, const char *org_id,
	    const char *realm_id, const uint8_t *ids, size_t n,
	    struct srv_block_loc *locs, size_t *missing);

	/*
	 * Invitations (backend-sqlite-invites.c).  invite_create stores
	 * inv (pending, attempt 1); SCEAU_ERR_EXISTS when the organization
	 * holds a pending, unexpired invitation for the same email (user
	 * invitations) at now_us.
	 */
	int (*invite_create)(struct srv_backend *be, const char *org_id,
	    const struct srv_invite *inv, uint64_t now_us);
	/* By id, or (id NULL) by token hash.  SCEAU_ERR_INVITATION_UNKNOWN. */
	int (*invite_get)(struct srv_backend *be, const char *org_id,
	    const char *id, const uint8_t token_hash[SCEAU_SHA256_LEN],
	    struct srv_invite *out);
	/* The pending invitations, oldest first (expired ones too). */
	int (*invite_list)(struct srv_backend *be, const char *org_id,
	    srv_invite_cb cb, void *arg);
	/* Pending -> status.  SCEAU_ERR_INVITATION_CLOSED if not pending. */
	int (*invite_close)(struct srv_backend *be, const char *org_id,
	    const char *id, enum srv_invite_status status);

	/*
	 * The conduit of a pending invitation: each side leaves one message
	 * per step of an attempt, the other reads it.  conduit_send at
	 * step 1 begins a new attempt when this side already sent one, a
	 * later step exists, or the attempt was aborted (*attempt: the
	 * attempt after the call); a resend of the same bytes is accepted
	 * as it is.  At later steps *attempt must be the current one:
	 * otherwise *state is SRV_CONDUIT_RESTARTED (or _ABORTED), nothing
	 * stored; different bytes for a step already sent are
	 * SCEAU_ERR_CONFLICT.  Waiters are woken (event_wait).
	 */
	int (*conduit_send)(struct srv_backend *be, const char *org_id,
	    const char *id, int side, unsigned int step, uint64_t *attempt,
	    const uint8_t *msg, size_t len, enum srv_conduit_state *state);
	/* The peer's (not side's) message of step, appended to out. */
	int (*conduit_recv)(struct srv_backend *be, const char *org_id,
	    const char *id, int side, unsigned int step, uint64_t attempt,
	    struct sceau_buf *out, enum srv_conduit_state *state,
	    struct srv_invite *inv);
	/* side aborts attempt with reason; waiters are woken. */
	int (*conduit_abort)(struct srv_backend *be, const char *org_id,
	    const char *id, int side, uint64_t attempt, const char *reason);

	/*
	 * PKI enrollment (backend-sqlite-enroll.c).  The organization's
	 * enrollment link: its token's hash and expiry (set replaces;
	 * get: SCEAU_ERR_NOT_FOUND when none).
	 */
	int (*enroll_link_set)(struct srv_backend *be, const char *org_id,
	    const uint8_t token_hash[SCEAU_SHA256_LEN], uint64_t expires_us);
	int (*enroll_link_get)(struct srv_backend *be, const char *org_id,
	    uint8_t token_hash[SCEAU_SHA256_LEN], uint64_t *expires_us);
	/*
	 * Stores a pending request, unless the organization received
	 * max_recent requests since now_us - window_us or holds max_pending
	 * pending ones (SCEAU_ERR_RATE_LIMITED), or one for the same device
	 * id exists (SCEAU_ERR_EXISTS).
	 */
	int (*enroll_put)(struct srv_backend *be, const char *org_id,
	    const struct srv_enroll_row *row, uint64_t now_us,
	    uint64_t window_us, unsigned int max_recent,
	    unsigned int max_pending);
	/* One request (SCEAU_ERR_NOT_FOUND); cb sees it with its bytes. */
	int (*enroll_get)(struct srv_backend *be, const char *org_id,
	    const char *id, srv_enroll_cb cb, void *arg);
	/* The pending requests, oldest first. */
	int (*enroll_list)(struct srv_backend *be, const char *org_id,
	    srv_enroll_cb cb, void *arg);
	/* Pending -> status (SCEAU_ERR_CONFLICT if no longer pending). */
	int (*enroll_decide)(struct srv_backend *be, const char *org_id,
	    const char *id, enum srv_enroll_status status, const char *by,
	    const char *reason);

	/*
	 * The access log (alog.h, accesslog.h).  One writer appends (the
	 * server's log serializes); seq is unique (SCEAU_ERR_CONFLICT).
	 * last: the last record's seq and hash (0 and zeros when empty) and
	 * the last seq a checkpoint covers.  export: records and checkpoints
	 * in order (srv_alog_cb), from one read snapshot.
	 */
	int (*alog_last)(struct srv_backend *be, uint64_t *seq,
	    uint8_t hash[SCEAU_SHA256_LEN], uint64_t *signed_upto);
	int (*alog_append)(struct srv_backend *be, uint64_t seq,
	    const uint8_t *rec, size_t n, const uint8_t hash[SCEAU_SHA256_LEN]);
	int (*alog_checkpoint)(struct srv_backend *be, uint64_t first,
	    uint64_t last, const uint8_t *cp, size_t n,
	    const uint8_t sig[SCEAU_SIGN_SIG_LEN]);
	int (*alog_export)(struct srv_backend *be, srv_alog_cb cb, void *arg);
};

struct srv_backend {
	const struct srv_backend_ops *ops;
	void *state;
	/* Where block bytes live (blockstore.h); owned by the backend. */
	struct srv_blockstore *blocks;
};

/* What a backend is opened with (from the [database] section). */
struct srv_backend_config {
	const char *kind; /* "sqlite" */
	const char *path; /* SQLite file; ":memory:" for tests */
	unsigned int pool_size; /* connections */
	uint64_t busy_timeout_ms;
	int synchronous_full; /* SQLite: synchronous=FULL, not NORMAL */
	size_t replay_max; /* replay cache entries */
	/* Block packs: a directory, or NULL to keep them in memory (tests). */
	const char *blocks_dir;
};

/*
 * Opens the backend named by cfg->kind, creating or migrating its schema.
 * SCEAU_ERR_CONFIG for an unknown kind.
 */
int srv_backend_open(
    const struct srv_backend_config *cfg, struct srv_backend **out) SCEAU_WUR;
/* Closes be; NULL is allowed. */
void srv_backend_close(struct srv_backend *be);

/* The SQLite backend (backend-sqlite.c). */
int srv_sqlite_open(
    const struct srv_backend_config *cfg, struct srv_backend **out) SCEAU_WUR;

#endif /* SCEAU_SRV_BACKEND_H */
