/*
 * blockcache.c: pack files of ciphertext blocks indexed by SQLite (see
 * blockcache.h for the layout and the durability rules).
 *
 * Why pack files: the straw man measured 512 KiB blobs in a WAL database
 * at 74 MB/s, pack files with an SQLite index at 411 MB/s (most of the
 * difference is the WAL's second write and the checkpoint's read-back).
 *
 * Write path: blocks are copied into an aligned staging buffer that goes
 * out with O_DIRECT, WBUF_CAP bytes per write.  Direct I/O skips the page
 * cache, and on this kind of machine (a VM handing freed memory back to
 * its host) page cache pages are fresh memory, the dearest thing there is:
 * dd of 256 MiB took 0.3 s direct against 1.2 s buffered, with a tenth of
 * the CPU time.  Direct I/O needs aligned offsets and lengths, so each
 * commit pads the pack to PACK_ALIGN bytes (at most 4 KiB lost per
 * commit) and the next batch starts aligned.  Where O_DIRECT is refused
 * (tmpfs) the same code writes through the page cache, asking the kernel
 * to start writeback every WRITEBACK_KICK bytes (sync_file_range) so that
 * the commit's fdatasync has little left to wait for.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alloc.h"
#include "blockcache.h"
#include "paths.h"
#include "errors.h"
#include "hash.h"
#include "i18n.h"
#include "log.h"
#include "secmem.h"

#define WBUF_CAP (1024 * 1024)
#define PACK_ALIGN 4096
#define WRITEBACK_KICK (8ULL * 1024 * 1024)
#define RFD_SLOTS 4
/* Blocks this large are read from the page cache if they are all there
 * (preadv2 RWF_NOWAIT says so at no cost), else with direct I/O through
 * rbuf: filling the page cache would cost fresh memory.  Small blocks are
 * read buffered, where readahead serves runs of them. */
#define DIRECT_READ_MIN (64 * 1024)
#define RBUF_CAP (SCEAU_BLOCKCACHE_BLOCK_MAX + 2 * PACK_ALIGN)
#define SCHEMA_VERSION 1
/* How long a writer waits for another one (a long import) to finish. */
#define LOCK_WAIT_MS (300 * 1000)

struct bc_row {
	uint8_t id[SCEAU_BLOCKCACHE_ID_LEN];
	uint8_t digest[SCEAU_BLOCKCACHE_DIGEST_LEN];
	char realm[SCEAU_BLOCKCACHE_REALM_LEN + 1];
	uint32_t pack;
	uint64_t offset;
	uint32_t length;
};

/* A pack the open batch wrote to: its length before, and now. */
struct bc_touched {
	uint32_t pack;
	uint64_t start, end;
};

/* Read descriptors of a pack: buffered, and direct (-2: not tried yet,
 * -1: refused by the file system). */
struct bc_rfd {
	uint32_t pack;
	int fd, dfd;
};

struct sceau_blockcache {
	char *packdir;
	int lock_fd; /* DIR/lock: flock(2) while writing or repairing */
	sqlite3 *db;
	sqlite3_stmt *st_insert, *st_pack, *st_lookup;
	uint64_t pack_size;

	/* The pack appends go to; cur_len counts buffered bytes too. */
	uint32_t cur;
	int cur_fd;
	uint64_t cur_len;
	uint64_t kicked; /* writeback started up to here (buffered) */
	int direct; /* cur_fd has O_DIRECT */

	int in_batch;
	int failed; /* an append failed: commit refuses */
	int new_pack; /* the batch created a pack file: sync the folder */
	uint8_t *wmem; /* the allocation holding wbuf */
	uint8_t *wbuf; /* WBUF_CAP bytes, aligned */
	size_t wlen; /* staged bytes: they go at cur_len - wlen */
	struct bc_row *rows;
	size_t nrows, caprows;
	struct bc_touched *touched;
	size_t ntouched, captouched;

	struct bc_rfd rfd[RFD_SLOTS];
	unsigned int rnext;
	uint8_t *rmem; /* the allocation holding rbuf */
	uint8_t *rbuf; /* RBUF_CAP bytes, aligned: direct reads */
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS packs ("
    "  pack INTEGER PRIMARY KEY,"
    "  length INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blocks ("
    "  id BLOB PRIMARY KEY,"
    "  realm TEXT NOT NULL,"
    "  pack INTEGER NOT NULL,"
    "  offset INTEGER NOT NULL,"
    "  length INTEGER NOT NULL,"
    "  digest BLOB NOT NULL,"
    "  uploaded INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS blocks_pending"
    "  ON blocks (realm, pack, offset) WHERE uploaded = 0;"
    "PRAGMA user_version = 1;";

static int
bc_db_error(struct sceau_blockcache *c, const char *what)
{
	int code = sqlite3_errcode(c->db);

	sceau_message("block cache: %s: %s", what, sqlite3_errmsg(c->db));
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return SCEAU_ERR_STORE_CORRUPT;
	return SCEAU_ERR_STORE;
}

static int
bc_exec(struct sceau_blockcache *c, const char *sql)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return bc_db_error(c, "exec");
	return 0;
}

static int
bc_sys_error(const char *what, const char *path)
{
	sceau_message("block cache: %s %s: %s", what, path, strerror(errno));
	return SCEAU_ERR_STORE;
}

static int
bc_realm_valid(const char *realm)
{
	size_t i;

	if (realm == NULL)
		return 0;
	for (i = 0; i < SCEAU_BLOCKCACHE_REALM_LEN; i++)
		if (!((realm[i] >= '0' && realm[i] <= '9') ||
		        (realm[i] >= 'a' && realm[i] <= 'f')))
			return 0;
	return realm[i] == '\0';
}

static void
bc_pack_path(
    const struct sceau_blockcache *c, uint32_t pack, char *path, size_t size)
{
	(void)snprintf(path, size, "%s/%08" PRIu32 ".pack", c->packdir, pack);
}

#define PATH_SIZE 4096

/* ---- opening and crash repair ---------------------------------------- */

static int
bc_mkdir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return bc_sys_error("cannot create", path);
	return 0;
}

static int
bc_open_db(struct sceau_blockcache *c, const char *dir)
{
	char path[PATH_SIZE];
	int r;

	(void)snprintf(path, sizeof(path), "%s/blocks.db", dir);
	if ((r = sceau_paths_create_private(path)) != 0)
		return r;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		return c->db == NULL ? SCEAU_ERR_ALLOC : bc_db_error(c, "open");
	(void)sqlite3_busy_timeout(c->db, 10000);
	if ((r = bc_exec(c, "PRAGMA journal_mode=WAL")) != 0 ||
	    (r = bc_exec(c, "PRAGMA synchronous=FULL")) != 0 ||
	    (r = bc_exec(c, schema)) != 0)
		return r;
	if (sqlite3_prepare_v2(c->db,
	        "INSERT INTO blocks (id, realm, pack, offset, length, digest)"
	        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
	        -1, &c->st_insert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db,
	        "INSERT INTO packs (pack, length) VALUES (?, ?)"
	        " ON CONFLICT (pack) DO UPDATE SET length = excluded.length",
	        -1, &c->st_pack, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db,
	        "SELECT realm, pack, offset, length, digest, uploaded"
	        " FROM blocks WHERE id = ?",
	        -1, &c->st_lookup, NULL) != SQLITE_OK)
		return bc_db_error(c, "prepare");
	return 0;
}

/* Cuts a pack back to its committed length (garbage of a crash). */
static int
bc_repair_pack(struct sceau_blockcache *c, uint32_t pack, uint64_t length)
{
	char path[PATH_SIZE];
	struct stat st;

	bc_pack_path(c, pack, path, sizeof(path));
	if (stat(path, &st) != 0)
		return bc_sys_error("missing pack", path);
	if ((uint64_t)st.st_size > length) {
		debug_f("%s: truncating %" PRIu64 " uncommitted bytes", path,
		    (uint64_t)st.st_size - length);
		if (truncate(path, (off_t)length) != 0)
			return bc_sys_error("cannot truncate", path);
	} else if ((uint64_t)st.st_size < length) {
		/* Reads of the missing blocks report the corruption. */
		warn_f("%s: shorter than committed (%" PRIu64 " < %" PRIu64 ")",
		    path, (uint64_t)st.st_size, length);
	}
	return 0;
}

/* Removes pack files that no commit reached (numbers past the last). */
static int
bc_remove_orphans(struct sceau_blockcache *c, uint32_t last)
{
	char path[PATH_SIZE];
	struct dirent *de;
	unsigned long n;
	char *end;
	DIR *d;

	if ((d = opendir(c->packdir)) == NULL)
		return bc_sys_error("cannot read", c->packdir);
	while ((de = readdir(d)) != NULL) {
		errno = 0;
		n = strtoul(de->d_name, &end, 10);
		if (errno != 0 || end == de->d_name ||
		    strcmp(end, ".pack") != 0 || n <= last || n > UINT32_MAX)
			continue;
		bc_pack_path(c, (uint32_t)n, path, sizeof(path));
		debug_f("%s: removing a pack no commit reached", path);
		(void)unlink(path);
	}
	(void)closedir(d);
	return 0;
}

/*
 * The writer's lock: one writer at a time over every process and handle
 * (flock locks belong to an open file description: two handles in one
 * process exclude each other too).  A writer repairs and appends only
 * under it, so that another's batch in progress is never taken for the
 * garbage of a crash.
 */
static int
bc_lock(struct sceau_blockcache *c)
{
	struct timespec ts = {0, 20 * 1000000L};
	unsigned int waited = 0;

	while (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
			sceau_message("block cache: another writer holds it "
			              "(%u s)",
			    waited / 1000);
			return SCEAU_ERR_STORE;
		}
		(void)nanosleep(&ts, NULL);
		waited += 20;
	}
	return 0;
}

static void
bc_unlock(struct sceau_blockcache *c)
{
	if (c->lock_fd >= 0)
		(void)flock(c->lock_fd, LOCK_UN);
}

/* Opens DIR/lock (never the database: see sceau_paths_create_private). */
static int
bc_open_lock(struct sceau_blockcache *c, const char *dir)
{
	char path[PATH_SIZE];

	(void)snprintf(path, sizeof(path), "%s/lock", dir);
	c->lock_fd =
	    open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (c->lock_fd < 0)
		return bc_sys_error("cannot open", path);
	return 0;
}

/* Checks every pack against the index; picks the current pack. */
static int
bc_recover(struct sceau_blockcache *c)
{
	sqlite3_stmt *st = NULL;
	uint64_t length = 0;
	uint32_t last = 0;
	int rc, r = 0;

	if (sqlite3_prepare_v2(c->db,
	        "SELECT pack, length FROM packs"
	        " ORDER BY pack",
	        -1, &st, NULL) != SQLITE_OK)
		return bc_db_error(c, "prepare");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last = (uint32_t)sqlite3_column_int64(st, 0);
		length = (uint64_t)sqlite3_column_int64(st, 1);
		if ((r = bc_repair_pack(c, last, length)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = bc_db_error(c, "packs");
	sqlite3_finalize(st);
	if (r == 0)
		r = bc_remove_orphans(c, last);
	/* Appends start aligned (direct I/O): else start a new pack. */
	if (last == 0 || length >= c->pack_size || length % PACK_ALIGN != 0) {
		c->cur = last + 1;
		c->cur_len = 0;
	} else {
		c->cur = last;
		c->cur_len = length;
	}
	c->kicked = c->cur_len;
	return r;
}

int
sceau_blockcache_open(const char *dir, const struct sceau_blockcache_opts *opts,
    struct sceau_blockcache **cp)
{
	struct sceau_blockcache *c;
	size_t i, n;
	int r;

	sceau_return_val_if_fail(cp != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*cp = NULL;
	sceau_return_val_if_fail(dir != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((n = strlen(dir)) == 0 || n > PATH_SIZE - 64)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((c = sceau_calloc(1, sizeof(*c))) == NULL)
		return SCEAU_ERR_ALLOC;
	c->cur_fd = -1;
	c->lock_fd = -1;
	for (i = 0; i < RFD_SLOTS; i++)
		c->rfd[i].fd = c->rfd[i].dfd = -1;
	c->pack_size = opts != NULL && opts->pack_size != 0
	    ? opts->pack_size
	    : SCEAU_BLOCKCACHE_PACK_SIZE;
	r = SCEAU_ERR_ALLOC;
	if ((c->packdir = sceau_malloc(n + sizeof("/packs"))) == NULL)
		goto fail;
	memcpy(c->packdir, dir, n);
	memcpy(c->packdir + n, "/packs", sizeof("/packs"));
	if ((r = bc_mkdir(dir)) != 0 || (r = bc_mkdir(c->packdir)) != 0 ||
	    (r = bc_open_lock(c, dir)) != 0 || (r = bc_open_db(c, dir)) != 0 ||
	    (r = bc_lock(c)) != 0)
		goto fail;
	r = bc_recover(c);
	bc_unlock(c);
	if (r != 0)
		goto fail;
	*cp = c;
	return 0;
fail:
	sceau_blockcache_close(c);
	return r;
}

static void
bc_close_rfds(struct sceau_blockcache *c, uint32_t from)
{
	size_t i;

	for (i = 0; i < RFD_SLOTS; i++) {
		if (c->rfd[i].fd >= 0 && c->rfd[i].pack >= from) {
			(void)close(c->rfd[i].fd);
			if (c->rfd[i].dfd >= 0)
				(void)close(c->rfd[i].dfd);
			c->rfd[i].fd = c->rfd[i].dfd = -1;
		}
	}
}

void
sceau_blockcache_close(struct sceau_blockcache *c)
{
	if (c == NULL)
		return;
	if (c->in_batch)
		sceau_blockcache_abort(c);
	bc_close_rfds(c, 0);
	if (c->cur_fd >= 0)
		(void)close(c->cur_fd);
	if (c->lock_fd >= 0)
		(void)close(c->lock_fd);
	sqlite3_finalize(c->st_insert);
	sqlite3_finalize(c->st_pack);
	sqlite3_finalize(c->st_lookup);
	if (c->db != NULL)
		(void)sqlite3_close(c->db);
	sceau_free(c->wmem);
	sceau_free(c->rmem);
	sceau_free(c->rows);
	sceau_free(c->touched);
	sceau_free(c->packdir);
	sceau_free(c);
}

/* ---- writing ----------------------------------------------------------- */

static int
bc_touch(struct sceau_blockcache *c, uint32_t pack, uint64_t start)
{
	struct bc_touched *t;
	size_t cap;

	if (c->ntouched == c->captouched) {
		cap = c->captouched == 0 ? 4 : c->captouched * 2;
		t = sceau_reallocarray(c->touched, cap, sizeof(*t));
		if (t == NULL)
			return SCEAU_ERR_ALLOC;
		c->touched = t;
		c->captouched = cap;
	}
	c->touched[c->ntouched].pack = pack;
	c->touched[c->ntouched].start = start;
	c->touched[c->ntouched].end = start;
	c->ntouched++;
	return 0;
}

int
sceau_blockcache_begin(struct sceau_blockcache *c)
{
	int r;

	sceau_return_val_if_fail(c != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (c->in_batch)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (c->wmem == NULL) {
		if ((c->wmem = sceau_malloc(WBUF_CAP + PACK_ALIGN)) == NULL)
			return SCEAU_ERR_ALLOC;
		c->wbuf = c->wmem +
		    (PACK_ALIGN - (uintptr_t)c->wmem % PACK_ALIGN) % PACK_ALIGN;
	}
	c->nrows = c->ntouched = 0;
	c->wlen = 0;
	c->failed = c->new_pack = 0;
	/*
	 * Another writer may have appended since: under the lock, the
	 * current pack and its length come from the index again (and what
	 * a writer that crashed left past them is cut).
	 */
	if ((r = bc_lock(c)) != 0)
		return r;
	if (c->cur_fd >= 0)
		(void)close(c->cur_fd);
	c->cur_fd = -1;
	if ((r = bc_recover(c)) != 0 ||
	    (r = bc_touch(c, c->cur, c->cur_len)) != 0) {
		bc_unlock(c);
		return r;
	}
	c->in_batch = 1;
	return 0;
}

/* Opens the current pack for appending (created when new). */
static int
bc_open_current(struct sceau_blockcache *c)
{
	char path[PATH_SIZE];
	int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;

	bc_pack_path(c, c->cur, path, sizeof(path));
	if (c->cur_len == 0) {
		flags |= O_CREAT | O_TRUNC;
		c->new_pack = 1;
	}
	c->direct = 1;
	c->cur_fd = open(path, flags | O_DIRECT, 0600);
	if (c->cur_fd < 0 && errno == EINVAL) {
		c->direct = 0;
		c->cur_fd = open(path, flags, 0600);
	}
	if (c->cur_fd < 0)
		return bc_sys_error("cannot open", path);
	return 0;
}

/* Asks the kernel to start writing back what was written since the last
 * kick: the commit's fdatasync then has little left to wait for. */
static void
bc_kick(struct sceau_blockcache *c, uint64_t written)
{
	if (c->direct || written - c->kicked < WRITEBACK_KICK)
		return;
#ifdef SYNC_FILE_RANGE_WRITE
	(void)sync_file_range(c->cur_fd, (off_t)c->kicked,
	    (off_t)(written - c->kicked), SYNC_FILE_RANGE_WRITE);
#endif
	c->kicked = written;
}

/* Writes the first n staged bytes (n aligned) at their place. */
static int
bc_write_out(struct sceau_blockcache *c, size_t n)
{
	uint64_t off = c->cur_len - c->wlen;
	int e;

	if ((e = sceau_pwrite_all(c->cur_fd, c->wbuf, n, off)) != 0) {
		sceau_message("block cache: pack write: %s", strerror(e));
		return SCEAU_ERR_STORE;
	}
	bc_kick(c, off + n);
	return 0;
}

/* Copies ct[0..n) into the staging buffer, writing it out when full. */
static int
bc_stage(struct sceau_blockcache *c, const uint8_t *ct, size_t n)
{
	size_t take;
	int r;

	while (n > 0) {
		take = SCEAU_MIN(n, WBUF_CAP - c->wlen);
		memcpy(c->wbuf + c->wlen, ct, take);
		c->wlen += take;
		c->cur_len += take;
		ct += take;
		n -= take;
		if (c->wlen == WBUF_CAP) {
			if ((r = bc_write_out(c, WBUF_CAP)) != 0)
				return r;
			c->wlen = 0;
		}
	}
	return 0;
}

/* Writes what is staged, padded to PACK_ALIGN with zeros. */
static int
bc_flush(struct sceau_blockcache *c)
{
	size_t pad;
	int r;

	if (c->wlen == 0)
		return 0;
	pad = (PACK_ALIGN - c->wlen % PACK_ALIGN) % PACK_ALIGN;
	memset(c->wbuf + c->wlen, 0, pad);
	if ((r = bc_write_out(c, c->wlen + pad)) != 0)
		return r;
	c->cur_len += pad;
	c->wlen = 0;
	return 0;
}

/* The current pack is full: make it durable, start the next one. */
static int
bc_roll(struct sceau_blockcache *c)
{
	int r;

	if ((r = bc_flush(c)) != 0)
		return r;
	if (fdatasync(c->cur_fd) != 0) {
		sceau_message("block cache: fdatasync: %s", strerror(errno));
		return SCEAU_ERR_STORE;
	}
	(void)close(c->cur_fd);
	c->cur_fd = -1;
	c->touched[c->ntouched - 1].end = c->cur_len;
	c->cur++;
	c->cur_len = c->kicked = 0;
	if ((r = bc_touch(c, c->cur, 0)) != 0)
		return r;
	return bc_open_current(c);
}

static int
bc_push_row(struct sceau_blockcache *c, const char *realm, const uint8_t *id,
    const uint8_t *digest, size_t n)
{
	struct bc_row *row;
	size_t cap;

	if (c->nrows == c->caprows) {
		cap = c->caprows == 0 ? 64 : c->caprows * 2;
		if ((row = sceau_reallocarray(c->rows, cap, sizeof(*row))) ==
		    NULL)
			return SCEAU_ERR_ALLOC;
		c->rows = row;
		c->caprows = cap;
	}
	row = &c->rows[c->nrows++];
	memcpy(row->id, id, sizeof(row->id));
	memcpy(row->digest, digest, sizeof(row->digest));
	memcpy(row->realm, realm, sizeof(row->realm));
	row->pack = c->cur;
	row->offset = c->cur_len;
	row->length = (uint32_t)n;
	return 0;
}

static int
bc_append(struct sceau_blockcache *c, const char *realm, const uint8_t *id,
    const uint8_t *digest, const uint8_t *ct, size_t n)
{
	int r;

	if (c->cur_fd < 0 && (r = bc_open_current(c)) != 0)
		return r;
	/* (Padding may take cur_len past an unaligned pack size.) */
	if (c->cur_len > 0 &&
	    (c->cur_len >= c->pack_size || n > c->pack_size - c->cur_len) &&
	    (r = bc_roll(c)) != 0)
		return r;
	if ((r = bc_push_row(c, realm, id, digest, n)) != 0)
		return r;
	return bc_stage(c, ct, n);
}

int
sceau_blockcache_append(struct sceau_blockcache *c, const char *realm,
    const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN],
    const uint8_t digest[SCEAU_BLOCKCACHE_DIGEST_LEN], const uint8_t *ct,
    size_t n)
{
	int r;

	sceau_return_val_if_fail(c != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (!c->in_batch || id == NULL || digest == NULL || ct == NULL ||
	    n == 0 || n > SCEAU_BLOCKCACHE_BLOCK_MAX || !bc_realm_valid(realm))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (c->failed)
		return c->failed;
	if ((r = bc_append(c, realm, id, digest, ct, n)) != 0)
		c->failed = r;
	return r;
}

size_t
sceau_blockcache_batch_mark(const struct sceau_blockcache *c)
{
	return c != NULL && c->in_batch ? c->nrows : 0;
}

void
sceau_blockcache_batch_rewind(struct sceau_blockcache *c, size_t mark)
{
	if (c != NULL && c->in_batch && mark < c->nrows)
		c->nrows = mark;
}

int
sceau_blockcache_in_batch(const struct sceau_blockcache *c)
{
	return c != NULL && c->in_batch;
}

/* ---- commit and abort -------------------------------------------------- */

static int
bc_insert_row(struct sceau_blockcache *c, const struct bc_row *row)
{
	sqlite3_stmt *st = c->st_insert;
	int rc;

	(void)sqlite3_reset(st);
	if (sqlite3_bind_blob(st, 1, row->id, sizeof(row->id), SQLITE_STATIC) !=
	        SQLITE_OK ||
	    sqlite3_bind_text(st, 2, row->realm, SCEAU_BLOCKCACHE_REALM_LEN,
	        SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, row->pack) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, (sqlite3_int64)row->offset) !=
	        SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, row->length) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 6, row->digest, sizeof(row->digest),
	        SQLITE_STATIC) != SQLITE_OK)
		return bc_db_error(c, "bind");
	rc = sqlite3_step(st);
	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : bc_db_error(c, "insert block");
}

static int
bc_insert_pack(struct sceau_blockcache *c, const struct bc_touched *t)
{
	sqlite3_stmt *st = c->st_pack;
	int rc;

	if (t->end == t->start)
		return 0;
	(void)sqlite3_reset(st);
	if (sqlite3_bind_int64(st, 1, t->pack) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (sqlite3_int64)t->end) != SQLITE_OK)
		return bc_db_error(c, "bind");
	rc = sqlite3_step(st);
	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : bc_db_error(c, "record pack");
}

/* Flushes and syncs the pack bytes of the batch. */
static int
bc_sync(struct sceau_blockcache *c)
{
	int r, dfd;

	if (c->cur_fd < 0)
		return 0;
	if ((r = bc_flush(c)) != 0)
		return r;
	c->touched[c->ntouched - 1].end = c->cur_len;
	if (c->cur_len > c->touched[c->ntouched - 1].start &&
	    fdatasync(c->cur_fd) != 0) {
		sceau_message("block cache: fdatasync: %s", strerror(errno));
		return SCEAU_ERR_STORE;
	}
	if (!c->new_pack)
		return 0;
	/* A new pack file's name must be durable too. */
	dfd = open(c->packdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		r = bc_sys_error("cannot sync", c->packdir);
		if (dfd >= 0)
			(void)close(dfd);
		return r;
	}
	(void)close(dfd);
	return 0;
}

/* The process's limit (sceau_blockcache_set_limit()); 0: none. */
static uint64_t bc_limit;

void
sceau_blockcache_set_limit(uint64_t bytes)
{
	bc_limit = bytes;
}

/* 0 when the batch's blocks fit under the limit with the committed ones. */
static int
bc_check_limit(struct sceau_blockcache *c)
{
	uint64_t blocks, bytes, add = 0;
	size_t i;
	int r;

	if (bc_limit == 0 || c->nrows == 0)
		return 0;
	for (i = 0; i < c->nrows; i++)
		add += c->rows[i].length;
	if ((r = sceau_blockcache_stats(c, &blocks, &bytes)) != 0)
		return r;
	if (bytes <= bc_limit && add <= bc_limit - bytes)
		return 0;
	sceau_message(_("policy: offline cache-max=%" PRIu64 " (the block "
	                "cache holds %" PRIu64 " bytes: %" PRIu64
	                " more would pass the limit)"),
	    bc_limit, bytes, add);
	return SCEAU_ERR_POLICY_REFUSED;
}

int
sceau_blockcache_commit(struct sceau_blockcache *c)
{
	size_t i;
	int r;

	sceau_return_val_if_fail(c != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (!c->in_batch)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = c->failed) != 0 || (r = bc_check_limit(c)) != 0 ||
	    (r = bc_sync(c)) != 0)
		goto fail;
	if ((r = bc_exec(c, "BEGIN IMMEDIATE")) != 0)
		goto fail;
	for (i = 0; i < c->nrows && r == 0; i++)
		r = bc_insert_row(c, &c->rows[i]);
	for (i = 0; i < c->ntouched && r == 0; i++)
		r = bc_insert_pack(c, &c->touched[i]);
	if (r == 0)
		r = bc_exec(c, "COMMIT");
	if (r != 0) {
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	c->in_batch = 0;
	c->nrows = c->ntouched = 0;
	bc_unlock(c);
	return 0;
fail:
	sceau_blockcache_abort(c);
	return r;
}

void
sceau_blockcache_abort(struct sceau_blockcache *c)
{
	char path[PATH_SIZE];
	size_t i;

	if (c == NULL || !c->in_batch)
		return;
	if (c->cur_fd >= 0)
		(void)close(c->cur_fd);
	c->cur_fd = -1;
	/* Packs the batch created go; the first one is cut back. */
	for (i = c->ntouched; i-- > 0;) {
		bc_pack_path(c, c->touched[i].pack, path, sizeof(path));
		if (c->touched[i].start == 0)
			(void)unlink(path);
		else if (truncate(path, (off_t)c->touched[i].start) != 0)
			warn_f(
			    "%s: cannot truncate: %s", path, strerror(errno));
	}
	bc_close_rfds(c, c->touched[0].pack);
	c->cur = c->touched[0].pack;
	c->cur_len = c->kicked = c->touched[0].start;
	c->nrows = c->ntouched = 0;
	c->wlen = 0;
	c->in_batch = 0;
	c->failed = 0;
	bc_unlock(c);
}

/* ---- reading ----------------------------------------------------------- */

static void
bc_entry_from_row(sqlite3_stmt *st, const uint8_t *id,
    struct sceau_blockcache_entry *e, int col)
{
	const unsigned char *realm = sqlite3_column_text(st, col);
	const void *digest = sqlite3_column_blob(st, col + 4);

	memset(e, 0, sizeof(*e));
	memcpy(e->id, id, sizeof(e->id));
	if (realm != NULL &&
	    sqlite3_column_bytes(st, col) == SCEAU_BLOCKCACHE_REALM_LEN)
		memcpy(e->realm, realm, SCEAU_BLOCKCACHE_REALM_LEN);
	e->pack = (uint32_t)sqlite3_column_int64(st, col + 1);
	e->offset = (uint64_t)sqlite3_column_int64(st, col + 2);
	e->length = (uint32_t)sqlite3_column_int64(st, col + 3);
	if (digest != NULL &&
	    sqlite3_column_bytes(st, col + 4) == SCEAU_BLOCKCACHE_DIGEST_LEN)
		memcpy(e->digest, digest, sizeof(e->digest));
	e->uploaded = sqlite3_column_int(st, col + 5) != 0;
}

int
sceau_blockcache_lookup(struct sceau_blockcache *c,
    const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], struct sceau_blockcache_entry *e)
{
	sqlite3_stmt *st;
	int rc, r;

	sceau_return_val_if_fail(
	    c != NULL && id != NULL && e != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	memset(e, 0, sizeof(*e));
	st = c->st_lookup;
	(void)sqlite3_reset(st);
	if (sqlite3_bind_blob(
	        st, 1, id, SCEAU_BLOCKCACHE_ID_LEN, SQLITE_STATIC) != SQLITE_OK)
		return bc_db_error(c, "bind");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		bc_entry_from_row(st, id, e, 0);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? SCEAU_ERR_NOT_FOUND
		                      : bc_db_error(c, "lookup");
	}
	(void)sqlite3_reset(st);
	return r;
}

int
sceau_blockcache_has(
    struct sceau_blockcache *c, const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN])
{
	struct sceau_blockcache_entry e;
	int r = sceau_blockcache_lookup(c, id, &e);

	if (r == SCEAU_ERR_NOT_FOUND)
		return 0;
	return r == 0 ? 1 : r;
}

/* The read descriptors of pack, from a small round-robin cache. */
static int
bc_read_fd(struct sceau_blockcache *c, uint32_t pack, struct bc_rfd **sp)
{
	char path[PATH_SIZE];
	struct bc_rfd *s;
	size_t i;
	int fd;

	for (i = 0; i < RFD_SLOTS; i++) {
		if (c->rfd[i].fd >= 0 && c->rfd[i].pack == pack) {
			*sp = &c->rfd[i];
			return 0;
		}
	}
	bc_pack_path(c, pack, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		(void)bc_sys_error("cannot open", path);
		return SCEAU_ERR_STORE_CORRUPT;
	}
	s = &c->rfd[c->rnext++ % RFD_SLOTS];
	if (s->fd >= 0)
		(void)close(s->fd);
	if (s->dfd >= 0)
		(void)close(s->dfd);
	s->pack = pack;
	s->fd = fd;
	s->dfd = -2;
	*sp = s;
	return 0;
}

/* Reads n bytes at off; a short read is corruption. */
static int
bc_pread(int fd, uint8_t *dst, size_t n, uint64_t off)
{
	ssize_t got;

	while (n > 0) {
		got = pread(fd, dst, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? SCEAU_ERR_STORE
			               : SCEAU_ERR_STORE_CORRUPT;
		dst += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/*
 * Direct read of [off, off + n): the aligned span around it goes to rbuf,
 * then the block to dst.  1 if direct I/O is not available (read
 * buffered instead).
 */
static int
bc_pread_direct(struct sceau_blockcache *c, struct bc_rfd *s, uint8_t *dst,
    size_t n, uint64_t off)
{
	char path[PATH_SIZE];
	uint64_t start = off - off % PACK_ALIGN;
	size_t span = (size_t)(off - start) + n;
	int r;

	span += (PACK_ALIGN - span % PACK_ALIGN) % PACK_ALIGN;
	if (s->dfd == -2) {
		bc_pack_path(c, s->pack, path, sizeof(path));
		s->dfd =
		    open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECT);
		if (s->dfd < 0)
			s->dfd = -1;
	}
	if (s->dfd < 0 || span > RBUF_CAP)
		return 1;
	if (c->rmem == NULL) {
		if ((c->rmem = sceau_malloc(RBUF_CAP + PACK_ALIGN)) == NULL)
			return SCEAU_ERR_ALLOC;
		c->rbuf = c->rmem +
		    (PACK_ALIGN - (uintptr_t)c->rmem % PACK_ALIGN) % PACK_ALIGN;
	}
	/* The pack ends aligned, so the span is there unless truncated. */
	if ((r = bc_pread(s->dfd, c->rbuf, span, start)) != 0)
		return r;
	memcpy(dst, c->rbuf + (off - start), n);
	return 0;
}

/* 1 if [off, off + n) was read whole from the page cache, else 0. */
static int
bc_pread_cached(int fd, uint8_t *dst, size_t n, uint64_t off)
{
#ifdef RWF_NOWAIT
	struct iovec iov = {.iov_base = dst, .iov_len = n};

	return preadv2(fd, &iov, 1, (off_t)off, RWF_NOWAIT) == (ssize_t)n;
#else
	(void)fd;
	(void)dst;
	(void)n;
	(void)off;
	return 0;
#endif
}

static int
bc_read_block(struct sceau_blockcache *c,
    const struct sceau_blockcache_entry *e, uint8_t *dst)
{
	struct bc_rfd *s;
	int r;

	if ((r = bc_read_fd(c, e->pack, &s)) != 0)
		return r;
	r = 1;
	if (e->length >= DIRECT_READ_MIN &&
	    !bc_pread_cached(s->fd, dst, e->length, e->offset))
		r = bc_pread_direct(c, s, dst, e->length, e->offset);
	if (r == 1)
		r = bc_pread(s->fd, dst, e->length, e->offset);
	if (r == SCEAU_ERR_STORE || r == SCEAU_ERR_STORE_CORRUPT)
		sceau_message("block cache: pack %" PRIu32 " at %" PRIu64
		              ": %s",
		    e->pack, e->offset,
		    r == SCEAU_ERR_STORE ? strerror(errno) : "short");
	return r;
}

static int
bc_check_digest(const struct sceau_blockcache_entry *e, const uint8_t *p)
{
	uint8_t md[SCEAU_SHA256_LEN];
	int r;

	if ((r = sceau_hash_sha256(p, e->length, md)) != 0)
		return r;
	if (sceau_timingsafe_bcmp(md, e->digest, sizeof(md)) != 0) {
		sceau_message("block cache: block in pack %" PRIu32
		              " at %" PRIu64 ": digest mismatch",
		    e->pack, e->offset);
		return SCEAU_ERR_STORE_CORRUPT;
	}
	return 0;
}

int
sceau_blockcache_get(struct sceau_blockcache *c,
    const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], unsigned int flags, uint8_t *dst,
    size_t cap, size_t *lenp)
{
	struct sceau_blockcache_entry e;
	int r;

	sceau_return_val_if_fail(lenp != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*lenp = 0;
	sceau_return_val_if_fail(dst != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = sceau_blockcache_lookup(c, id, &e)) != 0)
		return r;
	if (e.length == 0 || e.length > SCEAU_BLOCKCACHE_BLOCK_MAX)
		return SCEAU_ERR_STORE_CORRUPT;
	if (e.length > cap)
		return SCEAU_ERR_BUFFER_TOO_LARGE;
	if ((r = bc_read_block(c, &e, dst)) != 0)
		return r;
	if ((flags & SCEAU_BLOCKCACHE_VERIFY) &&
	    (r = bc_check_digest(&e, dst)) != 0)
		return r;
	*lenp = e.length;
	return 0;
}

int
sceau_blockcache_get_buf(struct sceau_blockcache *c,
    const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], unsigned int flags,
    struct sceau_buf *out)
{
	struct sceau_blockcache_entry e;
	size_t len;
	uint8_t *p;
	int r;

	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = sceau_blockcache_lookup(c, id, &e)) != 0)
		return r;
	if (e.length == 0 || e.length > SCEAU_BLOCKCACHE_BLOCK_MAX)
		return SCEAU_ERR_STORE_CORRUPT;
	if ((r = sceau_buf_reserve(out, e.length, &p)) != 0)
		return r;
	if ((r = sceau_blockcache_get(c, id, flags, p, e.length, &len)) != 0 ||
	    len != e.length) {
		(void)sceau_buf_consume_end(out, e.length);
		return r != 0 ? r : SCEAU_ERR_STORE_CORRUPT;
	}
	return 0;
}

/* ---- upload bookkeeping ------------------------------------------------ */

static int
bc_pending_rows(struct sceau_blockcache *c, sqlite3_stmt *st,
    sceau_blockcache_cb cb, void *arg, size_t *countp)
{
	struct sceau_blockcache_entry e;
	const void *id;
	int rc, r = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_blob(st, 0);
		if (id == NULL ||
		    sqlite3_column_bytes(st, 0) != SCEAU_BLOCKCACHE_ID_LEN)
			return SCEAU_ERR_STORE_CORRUPT;
		bc_entry_from_row(st, id, &e, 1);
		(*countp)++;
		if ((r = cb(arg, &e)) != 0)
			return r;
	}
	return rc == SQLITE_DONE ? 0 : bc_db_error(c, "pending");
}

int
sceau_blockcache_pending(struct sceau_blockcache *c, const char *realm,
    size_t limit, sceau_blockcache_cb cb, void *arg, size_t *countp)
{
	return sceau_blockcache_pending_after(
	    c, realm, NULL, limit, cb, arg, countp);
}

int
sceau_blockcache_pending_after(struct sceau_blockcache *c, const char *realm,
    const struct sceau_blockcache_entry *after, size_t limit,
    sceau_blockcache_cb cb, void *arg, size_t *countp)
{
	sqlite3_stmt *st = NULL;
	size_t count = 0;
	int r;

	if (countp != NULL)
		*countp = 0;
	sceau_return_val_if_fail(
	    c != NULL && cb != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (!bc_realm_valid(realm))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (sqlite3_prepare_v2(c->db,
	        "SELECT id, realm, pack, offset, length, digest, uploaded"
	        " FROM blocks WHERE realm = ?1 AND uploaded = 0"
	        " AND (pack > ?3 OR (pack = ?3 AND offset > ?4))"
	        " ORDER BY pack, offset LIMIT ?2",
	        -1, &st, NULL) != SQLITE_OK)
		return bc_db_error(c, "prepare");
	if (sqlite3_bind_text(st, 1, realm, SCEAU_BLOCKCACHE_REALM_LEN,
	        SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2,
	        limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64)limit) !=
	        SQLITE_OK ||
	    sqlite3_bind_int64(st, 3,
	        after != NULL ? (sqlite3_int64)after->pack : -1) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4,
	        after != NULL ? (sqlite3_int64)after->offset : -1) != SQLITE_OK)
		r = bc_db_error(c, "bind");
	else
		r = bc_pending_rows(c, st, cb, arg, &count);
	sqlite3_finalize(st);
	if (countp != NULL)
		*countp = count;
	return r;
}

int
sceau_blockcache_mark_uploaded(struct sceau_blockcache *c,
    const uint8_t (*ids)[SCEAU_BLOCKCACHE_ID_LEN], size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r;

	sceau_return_val_if_fail(
	    c != NULL && (ids != NULL || n == 0), SCEAU_ERR_INVALID_ARGUMENT);
	if (c->in_batch)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (n == 0)
		return 0;
	if (sqlite3_prepare_v2(c->db,
	        "UPDATE blocks SET uploaded = 1 WHERE id = ?", -1, &st,
	        NULL) != SQLITE_OK)
		return bc_db_error(c, "prepare");
	if ((r = bc_exec(c, "BEGIN IMMEDIATE")) != 0)
		goto out;
	for (i = 0; i < n && r == 0; i++) {
		(void)sqlite3_reset(st);
		if (sqlite3_bind_blob(st, 1, ids[i], SCEAU_BLOCKCACHE_ID_LEN,
		        SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE)
			r = bc_db_error(c, "mark uploaded");
	}
	if (r == 0)
		r = bc_exec(c, "COMMIT");
	if (r != 0)
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	return r;
}

int
sceau_blockcache_stats(
    struct sceau_blockcache *c, uint64_t *blocks, uint64_t *bytes)
{
	sqlite3_stmt *st = NULL;
	int r = 0;

	sceau_return_val_if_fail(c != NULL && blocks != NULL && bytes != NULL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	*blocks = *bytes = 0;
	if (sqlite3_prepare_v2(c->db,
	        "SELECT count(*), coalesce(sum(length), 0) FROM blocks", -1,
	        &st, NULL) != SQLITE_OK)
		return bc_db_error(c, "prepare");
	if (sqlite3_step(st) == SQLITE_ROW) {
		*blocks = (uint64_t)sqlite3_column_int64(st, 0);
		*bytes = (uint64_t)sqlite3_column_int64(st, 1);
	} else {
		r = bc_db_error(c, "stats");
	}
	sqlite3_finalize(st);
	return r;
}
