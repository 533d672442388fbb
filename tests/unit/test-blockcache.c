/*
 * test-blockcache.c: the block cache: round trips of small and large
 * blocks, durability (a crash between append and commit, simulated by a
 * child process that exits without committing), abort, pack rollover,
 * corruption caught by the digest, upload bookkeeping, allocation
 * failures.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "blockcache.h"
#include "buf.h"
#include "errors.h"
#include "hash.h"
#include "testutil.h"

#define REALM_A "0123456789abcdef0123456789abcdef"
#define REALM_B "fedcba9876543210fedcba9876543210"
#define BIG (512 * 1024 + 28)
/* Commits pad packs to 4 KiB (direct I/O). */
#define PAD(n) (((n) + 4095) / 4096 * 4096)

struct fx {
	char dir[64];
	struct sceau_blockcache *c;
	uint8_t *buf; /* BIG bytes, scratch */
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static void
fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x2545f4914f6cdd1dULL + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

static void
make_id(uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], uint64_t seed)
{
	memset(id, 0, SCEAU_BLOCKCACHE_ID_LEN);
	memcpy(id, &seed, sizeof(seed));
	id[15] = 0xa5;
}

static uint64_t
next_seed(void)
{
	return ++rng_state;
}

/* Appends block `seed` of n bytes (content and id derived from seed). */
static int
put(struct sceau_blockcache *c, const char *realm, uint64_t seed, size_t n,
    uint8_t *scratch)
{
	uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], md[SCEAU_SHA256_LEN];

	fill(scratch, n, seed);
	make_id(id, seed);
	if (sceau_hash_sha256(scratch, n, md) != 0)
		return -1;
	return sceau_blockcache_append(c, realm, id, md, scratch, n);
}

/* Checks that block `seed` of n bytes reads back, digest verified. */
static void
check(struct sceau_blockcache *c, uint64_t seed, size_t n, uint8_t *scratch)
{
	uint8_t id[SCEAU_BLOCKCACHE_ID_LEN];
	uint8_t *want = malloc(n);
	size_t len = 0;

	assert_non_null(want);
	fill(want, n, seed);
	make_id(id, seed);
	assert_int_equal(sceau_blockcache_get(c, id, SCEAU_BLOCKCACHE_VERIFY,
	                     scratch, BIG, &len),
	    0);
	assert_int_equal(len, n);
	assert_memory_equal(scratch, want, n);
	free(want);
}

static int
absent(struct sceau_blockcache *c, uint64_t seed)
{
	uint8_t id[SCEAU_BLOCKCACHE_ID_LEN];

	make_id(id, seed);
	return sceau_blockcache_has(c, id) == 0;
}

static void
pack_path(const struct fx *f, unsigned int n, char *path, size_t size)
{
	(void)snprintf(path, size, "%s/packs/%08u.pack", f->dir, n);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static int
setup(void **state)
{
	static struct fx f;

	(void)snprintf(f.dir, sizeof(f.dir), "/tmp/sceau-bc.XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	assert_non_null(f.buf = malloc(BIG));
	assert_int_equal(sceau_blockcache_open(f.dir, NULL, &f.c), 0);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	sceau_blockcache_close(f->c);
	f->c = NULL;
	free(f->buf);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
reopen(struct fx *f, uint64_t pack_size)
{
	struct sceau_blockcache_opts o = {.pack_size = pack_size};

	sceau_blockcache_close(f->c);
	f->c = NULL;
	assert_int_equal(sceau_blockcache_open(f->dir, &o, &f->c), 0);
}

static void
test_layout_private(void **state)
{
	struct fx *f = *state;
	char path[128];
	struct stat st;

	assert_int_equal(stat(f->dir, &st), 0);
	(void)snprintf(path, sizeof(path), "%s/blocks.db", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	(void)snprintf(path, sizeof(path), "%s/packs", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void
test_small_and_large(void **state)
{
	struct fx *f = *state;
	uint64_t s0 = next_seed(), blocks, bytes, total = 0;
	size_t sizes[300], i;

	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	for (i = 0; i < 300; i++) {
		/* Mostly small, a large one every 50: both write paths. */
		sizes[i] = i % 50 == 7 ? BIG : 1 + (i * 977) % 9000;
		assert_int_equal(
		    put(f->c, REALM_A, s0 + i, sizes[i], f->buf), 0);
		total += sizes[i];
	}
	/* Not visible before the commit. */
	assert_true(absent(f->c, s0));
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	for (i = 0; i < 300; i++)
		check(f->c, s0 + i, sizes[i], f->buf);
	assert_int_equal(sceau_blockcache_stats(f->c, &blocks, &bytes), 0);
	assert_int_equal(blocks, 300);
	assert_int_equal(bytes, total);
	/* Durable across a reopen. */
	reopen(f, 0);
	for (i = 0; i < 300; i += 7)
		check(f->c, s0 + i, sizes[i], f->buf);
}

static void
test_lookup_and_get_buf(void **state)
{
	struct fx *f = *state;
	struct sceau_blockcache_entry e;
	uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], md[32];
	struct sceau_buf *b = sceau_buf_new();
	uint64_t s = next_seed();
	size_t len;

	assert_non_null(b);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_B, s, 1000, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	make_id(id, s);
	assert_int_equal(sceau_blockcache_lookup(f->c, id, &e), 0);
	assert_string_equal(e.realm, REALM_B);
	assert_int_equal(e.length, 1000);
	assert_int_equal(e.uploaded, 0);
	fill(f->buf, 1000, s);
	assert_int_equal(sceau_hash_sha256(f->buf, 1000, md), 0);
	assert_memory_equal(e.digest, md, 32);
	assert_int_equal(sceau_buf_put(b, "x", 1), 0);
	assert_int_equal(sceau_blockcache_get_buf(f->c, id, 0, b), 0);
	assert_int_equal(sceau_buf_len(b), 1001);
	assert_memory_equal(sceau_buf_ptr(b) + 1, f->buf, 1000);
	/* Too small a buffer, unknown id. */
	assert_int_equal(sceau_blockcache_get(f->c, id, 0, f->buf, 999, &len),
	    SCEAU_ERR_BUFFER_TOO_LARGE);
	id[0] ^= 1;
	assert_int_equal(sceau_blockcache_get(f->c, id, 0, f->buf, BIG, &len),
	    SCEAU_ERR_NOT_FOUND);
	assert_int_equal(sceau_blockcache_has(f->c, id), 0);
	sceau_buf_free(b);
}

static void
test_bad_arguments(void **state)
{
	struct fx *f = *state;
	uint8_t id[16] = {1}, md[32] = {0};

	assert_int_equal(
	    sceau_blockcache_append(f->c, REALM_A, id, md, f->buf, 10),
	    SCEAU_ERR_INVALID_ARGUMENT); /* no batch */
	assert_int_equal(
	    sceau_blockcache_commit(f->c), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(
	    sceau_blockcache_begin(f->c), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_blockcache_append(f->c, "0123", id, md, f->buf, 10),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_blockcache_append(
	        f->c, "0123456789ABCDEF0123456789abcdef", id, md, f->buf, 10),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_blockcache_append(f->c, REALM_A, id, md, f->buf, 0),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_blockcache_append(f->c, REALM_A, id, md, f->buf,
	                     SCEAU_BLOCKCACHE_BLOCK_MAX + 1),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_blockcache_mark_uploaded(f->c, &id, 1),
	    SCEAU_ERR_INVALID_ARGUMENT); /* in a batch */
	sceau_blockcache_abort(f->c);
	assert_int_equal(sceau_blockcache_in_batch(f->c), 0);
	{
		struct sceau_blockcache *c2 = NULL;

		assert_int_equal(sceau_blockcache_open("", NULL, &c2),
		    SCEAU_ERR_INVALID_ARGUMENT);
		assert_null(c2);
	}
}

/*
 * A child appends (large blocks reach the pack file at once) and "dies"
 * without committing; the parent finds garbage past the committed
 * length, and a reopen cuts it away.
 */
static void
test_crash_before_commit(void **state)
{
	struct fx *f = *state;
	uint64_t s0 = next_seed(), s1 = next_seed(), s2 = next_seed();
	char path[128];
	off_t committed;
	pid_t pid;
	int st;

	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s0, 5000, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	pack_path(f, 1, path, sizeof(path));
	committed = file_size(path);
	assert_int_equal(committed, PAD(5000));
	sceau_blockcache_close(f->c);
	f->c = NULL;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sceau_blockcache *c;

		/* Three large blocks: more than the staging buffer. */
		if (sceau_blockcache_open(f->dir, NULL, &c) != 0 ||
		    sceau_blockcache_begin(c) != 0 ||
		    put(c, REALM_A, s1, BIG, f->buf) != 0 ||
		    put(c, REALM_A, s1 + 100, BIG, f->buf) != 0 ||
		    put(c, REALM_A, s1 + 200, BIG, f->buf) != 0 ||
		    put(c, REALM_A, s2, 100, f->buf) != 0)
			_exit(1);
		_exit(0); /* the crash: no commit, no close */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(file_size(path) > committed);

	reopen(f, 0);
	assert_int_equal(file_size(path), committed);
	check(f->c, s0, 5000, f->buf);
	assert_true(absent(f->c, s1));
	assert_true(absent(f->c, s2));
	/* Appending goes on where the committed bytes end. */
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s2, 100, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	assert_int_equal(file_size(path), committed + PAD(100));
	check(f->c, s2, 100, f->buf);
}

/* Same, when the dying batch had rolled over to packs of its own. */
static void
test_crash_after_rollover(void **state)
{
	struct fx *f = *state;
	uint64_t s0 = next_seed(), s1 = next_seed();
	char p1[128], p2[128], p3[128];
	pid_t pid;
	int st, i;

	reopen(f, 1024 * 1024);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s0, BIG, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	sceau_blockcache_close(f->c);
	f->c = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sceau_blockcache_opts o = {.pack_size = 1024 * 1024};
		struct sceau_blockcache *c;

		if (sceau_blockcache_open(f->dir, &o, &c) != 0 ||
		    sceau_blockcache_begin(c) != 0)
			_exit(1);
		for (i = 0; i < 4; i++)
			if (put(c, REALM_A, s1 + (uint64_t)i * 1000, BIG,
			        f->buf) != 0)
				_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pack_path(f, 1, p1, sizeof(p1));
	pack_path(f, 2, p2, sizeof(p2));
	pack_path(f, 3, p3, sizeof(p3));
	assert_true(file_size(p2) > 0 && file_size(p3) > 0);
	reopen(f, 1024 * 1024);
	assert_int_equal(file_size(p1), PAD(BIG));
	assert_int_equal(file_size(p2), -1);
	assert_int_equal(file_size(p3), -1);
	check(f->c, s0, BIG, f->buf);
	assert_true(absent(f->c, s1));
}

static void
test_abort_truncates(void **state)
{
	struct fx *f = *state;
	uint64_t s0 = next_seed(), s1 = next_seed();
	char path[128];

	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s0, 3000, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s1, BIG, f->buf), 0);
	assert_int_equal(put(f->c, REALM_A, s1 + 10, BIG, f->buf), 0);
	assert_int_equal(put(f->c, REALM_A, s1 + 20, BIG, f->buf), 0);
	pack_path(f, 1, path, sizeof(path));
	assert_true(file_size(path) > PAD(3000));
	sceau_blockcache_abort(f->c);
	assert_int_equal(file_size(path), PAD(3000));
	assert_true(absent(f->c, s1));
	check(f->c, s0, 3000, f->buf);
	/* A batch that rewinds its last rows indexes only the others. */
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s1, 10, f->buf), 0);
	assert_int_equal(sceau_blockcache_batch_mark(f->c), 1);
	assert_int_equal(put(f->c, REALM_A, s1 + 1, 10, f->buf), 0);
	sceau_blockcache_batch_rewind(f->c, 1);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	check(f->c, s1, 10, f->buf);
	assert_true(absent(f->c, s1 + 1));
}

/*
 * Two handles on one cache (sceau-agent's sync thread and a command):
 * a handle opened before the other's commit neither truncates nor
 * removes what that one committed, whether its own batch commits or
 * aborts, and both read everything.
 */
static void
test_two_handles(void **state)
{
	struct fx *f = *state;
	struct sceau_blockcache *b = NULL;
	uint64_t s0 = next_seed(), s1 = next_seed(), s2 = next_seed();

	/* b opens on an empty cache: its view is "pack 1, empty". */
	assert_int_equal(sceau_blockcache_open(f->dir, NULL, &b), 0);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s0, 5000, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	/* b's batch that aborts must not take pack 1 for its own. */
	assert_int_equal(sceau_blockcache_begin(b), 0);
	assert_int_equal(put(b, REALM_A, s1, 7000, f->buf), 0);
	sceau_blockcache_abort(b);
	check(f->c, s0, 5000, f->buf);
	check(b, s0, 5000, f->buf);
	/* b's batch that commits appends after a's. */
	assert_int_equal(sceau_blockcache_begin(b), 0);
	assert_int_equal(put(b, REALM_A, s2, BIG, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(b), 0);
	check(f->c, s0, 5000, f->buf);
	check(f->c, s2, BIG, f->buf);
	/* a appends again, after b: nothing of b's is overwritten. */
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s1, 7000, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	check(b, s2, BIG, f->buf);
	check(b, s1, 7000, f->buf);
	sceau_blockcache_close(b);
	/* A reopened cache finds all three. */
	reopen(f, 0);
	check(f->c, s0, 5000, f->buf);
	check(f->c, s1, 7000, f->buf);
	check(f->c, s2, BIG, f->buf);
}

/*
 * A batch holds the writers' lock: another process's begin waits until
 * the commit, then appends after it.
 */
static void
test_writers_take_turns(void **state)
{
	struct fx *f = *state;
	uint64_t s0 = next_seed(), s1 = next_seed();
	int st, pfd[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s0, 9000, f->buf), 0);
	if ((pid = fork()) == 0) {
		struct sceau_blockcache *b = NULL;
		int ok;

		(void)close(pfd[0]);
		ok = sceau_blockcache_open(f->dir, NULL, &b) == 0;
		/* Opened while the parent holds the lock: the open waited. */
		if (write(pfd[1], "o", 1) != 1)
			_exit(3);
		ok = ok && sceau_blockcache_begin(b) == 0 &&
		    put(b, REALM_A, s1, 4000, f->buf) == 0 &&
		    sceau_blockcache_commit(b) == 0;
		sceau_blockcache_close(b);
		_exit(ok ? 0 : 1);
	}
	assert_true(pid > 0);
	(void)close(pfd[1]);
	/* The child cannot open (its repair needs the lock) until commit. */
	{
		struct pollfd p = {pfd[0], POLLIN, 0};

		assert_int_equal(poll(&p, 1, 300), 0);
	}
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	(void)close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	check(f->c, s0, 9000, f->buf);
	check(f->c, s1, 4000, f->buf);
}

static void
test_rollover(void **state)
{
	struct fx *f = *state;
	uint64_t s0 = next_seed();
	char path[128];
	unsigned int i;

	reopen(f, 1024 * 1024);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	for (i = 0; i < 7; i++)
		assert_int_equal(
		    put(f->c, REALM_A, s0 + i * 1000, 300 * 1000, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	/* Three blocks of 300 KB per 1 MiB pack. */
	pack_path(f, 1, path, sizeof(path));
	assert_int_equal(file_size(path), PAD(900 * 1000));
	pack_path(f, 3, path, sizeof(path));
	assert_int_equal(file_size(path), PAD(300 * 1000));
	for (i = 0; i < 7; i++)
		check(f->c, s0 + i * 1000, 300 * 1000, f->buf);
	/* After a reopen, appends continue in the last pack. */
	reopen(f, 1024 * 1024);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s0 + 9000, 1000, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	assert_int_equal(file_size(path), PAD(300 * 1000) + PAD(1000));
	check(f->c, s0 + 9000, 1000, f->buf);
	check(f->c, s0, 300 * 1000, f->buf);
}

static void
test_corruption(void **state)
{
	struct fx *f = *state;
	uint8_t id[SCEAU_BLOCKCACHE_ID_LEN];
	uint64_t s = next_seed();
	char path[128];
	size_t len;
	int fd;

	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s, 4096, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	make_id(id, s);
	pack_path(f, 1, path, sizeof(path));
	assert_true((fd = open(path, O_RDWR)) >= 0);
	assert_int_equal(pwrite(fd, "\xff\xfe", 2, 1000), 2);
	/* Without verification the bytes come back as stored... */
	assert_int_equal(
	    sceau_blockcache_get(f->c, id, 0, f->buf, BIG, &len), 0);
	/* ...with it, the digest catches the change. */
	assert_int_equal(sceau_blockcache_get(f->c, id, SCEAU_BLOCKCACHE_VERIFY,
	                     f->buf, BIG, &len),
	    SCEAU_ERR_STORE_CORRUPT);
	/* A large block (read with direct I/O) too. */
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s + 1, BIG, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	assert_int_equal(pwrite(fd, "\xff", 1, 4096 + BIG - 1), 1);
	make_id(id, s + 1);
	assert_int_equal(sceau_blockcache_get(f->c, id, SCEAU_BLOCKCACHE_VERIFY,
	                     f->buf, BIG, &len),
	    SCEAU_ERR_STORE_CORRUPT);
	/* A pack cut short is corrupt too, for both kinds of read. */
	assert_int_equal(ftruncate(fd, 4096 + 1000), 0);
	assert_int_equal(sceau_blockcache_get(f->c, id, 0, f->buf, BIG, &len),
	    SCEAU_ERR_STORE_CORRUPT);
	assert_int_equal(ftruncate(fd, 2000), 0);
	assert_int_equal(close(fd), 0);
	make_id(id, s);
	assert_int_equal(sceau_blockcache_get(f->c, id, 0, f->buf, BIG, &len),
	    SCEAU_ERR_STORE_CORRUPT);
}

struct listing {
	uint8_t ids[8][SCEAU_BLOCKCACHE_ID_LEN];
	uint64_t last_pos;
	size_t n;
	int ordered;
};

static int
collect(void *arg, const struct sceau_blockcache_entry *e)
{
	struct listing *l = arg;
	uint64_t pos = ((uint64_t)e->pack << 40) | e->offset;

	if (l->n > 0 && pos <= l->last_pos)
		l->ordered = 0;
	l->last_pos = pos;
	if (l->n < 8)
		memcpy(l->ids[l->n], e->id, SCEAU_BLOCKCACHE_ID_LEN);
	l->n++;
	return 0;
}

static int
stop_early(void *arg, const struct sceau_blockcache_entry *e)
{
	(void)arg;
	(void)e;
	return 42;
}

static void
test_pending(void **state)
{
	struct fx *f = *state;
	struct listing l;
	uint64_t s0 = next_seed();
	size_t count, i;

	reopen(f, 1024 * 1024);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(put(f->c, i % 2 ? REALM_B : REALM_A, s0 + i,
		                     400 * 1000, f->buf),
		    0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	memset(&l, 0, sizeof(l));
	l.ordered = 1;
	assert_int_equal(
	    sceau_blockcache_pending(f->c, REALM_A, 0, collect, &l, &count), 0);
	assert_int_equal(count, 3);
	assert_int_equal(l.n, 3);
	assert_true(l.ordered);
	memset(&l, 0, sizeof(l));
	assert_int_equal(
	    sceau_blockcache_pending(f->c, REALM_A, 2, collect, &l, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(sceau_blockcache_pending(
	                     f->c, REALM_A, 0, stop_early, NULL, &count),
	    42);
	/* Listing on from an entry: the blocks after it, in order. */
	{
		struct sceau_blockcache_entry first;
		struct listing l2;

		assert_int_equal(
		    sceau_blockcache_lookup(f->c, l.ids[0], &first), 0);
		memset(&l2, 0, sizeof(l2));
		l2.ordered = 1;
		assert_int_equal(sceau_blockcache_pending_after(f->c, REALM_A,
		                     &first, 0, collect, &l2, &count),
		    0);
		assert_int_equal(count, 2);
		assert_true(l2.ordered);
		assert_memory_equal(
		    l2.ids[0], l.ids[1], SCEAU_BLOCKCACHE_ID_LEN);
		memset(&l2, 0, sizeof(l2));
		assert_int_equal(sceau_blockcache_pending_after(f->c, REALM_A,
		                     NULL, 0, collect, &l2, &count),
		    0);
		assert_int_equal(count, 3);
	}
	/* Marking two leaves one. */
	assert_int_equal(sceau_blockcache_mark_uploaded(
	                     f->c, (const uint8_t(*)[16])l.ids, 2),
	    0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(
	    sceau_blockcache_pending(f->c, REALM_A, 0, collect, &l, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(
	    sceau_blockcache_pending(f->c, REALM_B, 0, collect, &l, &count), 0);
	assert_int_equal(count, 3);
	assert_int_equal(
	    sceau_blockcache_pending(f->c, "nothex", 0, collect, &l, &count),
	    SCEAU_ERR_INVALID_ARGUMENT);
}

static void
test_duplicate_id_keeps_first(void **state)
{
	struct fx *f = *state;
	uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], md[32] = {0};
	uint64_t s = next_seed();
	size_t len;

	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	assert_int_equal(put(f->c, REALM_A, s, 700, f->buf), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	make_id(id, s);
	assert_int_equal(sceau_blockcache_begin(f->c), 0);
	memset(f->buf, 0, 50);
	assert_int_equal(
	    sceau_blockcache_append(f->c, REALM_A, id, md, f->buf, 50), 0);
	assert_int_equal(sceau_blockcache_commit(f->c), 0);
	assert_int_equal(
	    sceau_blockcache_get(f->c, id, 0, f->buf, BIG, &len), 0);
	assert_int_equal(len, 700);
	check(f->c, s, 700, f->buf);
}

struct torture {
	const char *dir;
	uint8_t *buf;
	uint64_t seed;
};

static int
torture_run(void *arg)
{
	struct torture *t = arg;
	struct sceau_blockcache *c = NULL;
	int r, i;

	if ((r = sceau_blockcache_open(t->dir, NULL, &c)) != 0)
		return r;
	if ((r = sceau_blockcache_begin(c)) != 0)
		goto out;
	/* Enough rows to grow the row array a few times. */
	for (i = 0; i < 200 && r == 0; i++)
		r = put(c, REALM_A, t->seed + (uint64_t)i, 100, t->buf);
	if (r == 0)
		r = sceau_blockcache_commit(c);
out:
	sceau_blockcache_close(c);
	return r;
}

static void
test_alloc_failures(void **state)
{
	struct fx *f = *state;
	struct torture t = {f->dir, f->buf, next_seed()};

	sceau_blockcache_close(f->c);
	f->c = NULL;
	(void)tu_alloc_torture(torture_run, &t, 100);
	reopen(f, 0);
	check(f->c, t.seed + 199, 100, f->buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_layout_private, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_small_and_large, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_lookup_and_get_buf, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_crash_before_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_crash_after_rollover, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_abort_truncates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollover, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_handles, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_writers_take_turns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corruption, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pending, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_duplicate_id_keeps_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_alloc_failures, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("blockcache", tests, NULL, NULL);
}
