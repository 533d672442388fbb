/*
 * test-pipeline.c: the encryption pipeline over the block cache: round
 * trips (empty, 1 byte, exactly one block, one block + 1, several MiB,
 * many small files in one stream), descriptors as doc/workspaces.md says,
 * tampering (a flipped byte, blocks swapped between files or within one,
 * a short block) refused with the failing block named, per-file failures,
 * bounded memory, shutdown on error paths, allocation failures.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "aead.h"
#include "alloc.h"
#include "blockcache.h"
#include "errors.h"
#include "hash.h"
#include "manifest.h"
#include "pipeline.h"
#include "testutil.h"

#define REALM "00112233445566778899aabbccddeeff"
#define BS SCEAU_BLOCK_SIZE

struct fx {
	char dir[64];
	struct sceau_blockcache *c;
	unsigned int nfile;
};

static void
fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x2545f4914f6cdd1dULL + 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 11);
	}
}

static int
setup(void **state)
{
	static struct fx f;
	char path[128];

	memset(&f, 0, sizeof(f));
	(void)snprintf(f.dir, sizeof(f.dir), "/tmp/sceau-pl.XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	(void)snprintf(path, sizeof(path), "%s/cache", f.dir);
	assert_int_equal(sceau_blockcache_open(path, NULL, &f.c), 0);
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
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* A new file of n bytes of content `seed`; returns its path in path. */
static void
make_file(struct fx *f, size_t n, uint64_t seed, char *path, size_t size)
{
	uint8_t *p = malloc(n + 1);
	int fd;

	assert_non_null(p);
	fill(p, n, seed);
	(void)snprintf(path, size, "%s/in-%u", f->dir, f->nfile++);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	free(p);
}

static int
open_ro(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* An output file (unlinked at once: only its descriptor is used). */
static int
out_fd(struct fx *f)
{
	char path[128];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/out-%u", f->dir, f->nfile++);
	assert_true((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(unlink(path), 0);
	return fd;
}

/* fd holds exactly n bytes of content `seed`. */
static void
assert_content(int fd, size_t n, uint64_t seed)
{
	uint8_t *want = malloc(n + 1), *got = malloc(n + 1);
	struct stat st;

	assert_non_null(want);
	assert_non_null(got);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, n);
	fill(want, n, seed);
	assert_int_equal(pread(fd, got, n, 0), (ssize_t)n);
	assert_memory_equal(got, want, n);
	free(want);
	free(got);
}

/* Descriptors as doc/workspaces.md says; digests match the cache. */
static void
check_descs(
    struct fx *f, const struct sceau_block_desc *d, size_t n, uint64_t size)
{
	struct sceau_blockcache_entry e;
	uint64_t off = 0;
	size_t i;

	assert_int_equal(n, (size + BS - 1) / BS);
	for (i = 0; i < n; i++) {
		assert_int_equal(d[i].offset, off);
		assert_int_equal(
		    d[i].size, SCEAU_MIN((uint64_t)BS, size - off));
		assert_int_equal(
		    d[i].ct_size, d[i].size + SCEAU_BLOCK_OVERHEAD);
		assert_int_equal(sceau_blockcache_lookup(f->c, d[i].id, &e), 0);
		assert_int_equal(e.length, d[i].ct_size);
		assert_memory_equal(e.digest, d[i].digest, 32);
		assert_string_equal(e.realm, REALM);
		if (i > 0)
			assert_memory_not_equal(d[i].key, d[i - 1].key, 32);
		off += d[i].size;
	}
}

static void
round_trip(struct fx *f, size_t n, uint64_t seed)
{
	struct sceau_block_desc *d = NULL;
	char path[128];
	uint64_t size;
	size_t nd;
	int fd;

	make_file(f, n, seed, path, sizeof(path));
	fd = open_ro(path);
	assert_int_equal(
	    sceau_pipeline_import_fd(f->c, REALM, fd, &d, &nd, &size), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(size, n);
	check_descs(f, d, nd, size);
	fd = out_fd(f);
	assert_int_equal(sceau_pipeline_export_fd(
	                     sceau_pipeline_cache_source, f->c, d, nd, fd),
	    0);
	assert_content(fd, n, seed);
	assert_int_equal(close(fd), 0);
	sceau_pipeline_descs_free(d, nd);
}

static void
test_round_trips(void **state)
{
	struct fx *f = *state;

	round_trip(f, 0, 1);
	round_trip(f, 1, 2);
	round_trip(f, BS - 1, 3);
	round_trip(f, BS, 4);
	round_trip(f, BS + 1, 5);
	round_trip(f, 5 * BS + 12345, 6);
}

/* The ciphertext really is nonce || AES-256-GCM || tag under the key. */
static void
test_block_format(void **state)
{
	struct fx *f = *state;
	struct sceau_block_desc *d = NULL;
	uint8_t ct[2000], pt[2000], want[2000];
	char path[128];
	size_t nd, len;
	int fd;

	make_file(f, 1500, 77, path, sizeof(path));
	fd = open_ro(path);
	assert_int_equal(
	    sceau_pipeline_import_fd(f->c, REALM, fd, &d, &nd, NULL), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(nd, 1);
	assert_int_equal(sceau_blockcache_get(f->c, d[0].id,
	                     SCEAU_BLOCKCACHE_VERIFY, ct, sizeof(ct), &len),
	    0);
	assert_int_equal(len, 1500 + 28);
	assert_int_equal(sceau_aead_decrypt(NULL, d[0].key, ct, NULL, 0,
	                     ct + 12, 1500, ct + 12 + 1500, pt),
	    0);
	fill(want, 1500, 77);
	assert_memory_equal(pt, want, 1500);
	sceau_pipeline_descs_free(d, nd);
}

struct collected {
	struct sceau_pipeline_file res[400];
	size_t n;
	int fail_at; /* return an error at this result (-1: never) */
};

static int
collect(void *arg, struct sceau_pipeline_file *f)
{
	struct collected *c = arg;

	if (c->fail_at >= 0 && (size_t)c->fail_at == c->n)
		return SCEAU_ERR_INTERRUPTED;
	assert_true(c->n < 400);
	c->res[c->n] = *f;
	c->n++;
	f->descs = NULL; /* taken */
	return 0;
}

static void
free_collected(struct collected *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		sceau_pipeline_descs_free(c->res[i].descs, c->res[i].n_descs);
	c->n = 0;
}

static size_t
small_size(size_t i)
{
	/* Mostly small, a few empty, a few above one block. */
	if (i % 37 == 0)
		return 0;
	if (i % 61 == 5)
		return BS + 100 * i;
	return 1 + (i * 7919) % 9000;
}

static void
test_many_small_files(void **state)
{
	struct fx *f = *state;
	struct sceau_pipeline_opts o = {.commit_files = 50};
	struct sceau_pipeline_import *ip = NULL;
	struct sceau_pipeline_export *ep = NULL;
	static struct collected c, e;
	char path[128];
	int fds[300];
	size_t i;

	memset(&c, 0, sizeof(c));
	c.fail_at = -1;
	assert_int_equal(
	    sceau_pipeline_import_new(f->c, REALM, &o, collect, &c, &ip), 0);
	for (i = 0; i < 300; i++) {
		make_file(f, small_size(i), 1000 + i, path, sizeof(path));
		assert_int_equal(sceau_pipeline_import_add(ip, open_ro(path),
		                     (void *)(uintptr_t)(i + 1)),
		    0);
	}
	assert_int_equal(sceau_pipeline_import_finish(ip), 0);
	sceau_pipeline_import_free(ip);
	assert_int_equal(c.n, 300);
	for (i = 0; i < 300; i++) {
		assert_int_equal((uintptr_t)c.res[i].tag, i + 1);
		assert_int_equal(c.res[i].status, 0);
		assert_int_equal(c.res[i].size, small_size(i));
		check_descs(f, c.res[i].descs, c.res[i].n_descs, c.res[i].size);
	}
	/* Back out, as one export stream. */
	memset(&e, 0, sizeof(e));
	e.fail_at = -1;
	assert_int_equal(sceau_pipeline_export_new(sceau_pipeline_cache_source,
	                     f->c, NULL, collect, &e, &ep),
	    0);
	for (i = 0; i < 300; i++) {
		fds[i] = out_fd(f);
		assert_int_equal(
		    sceau_pipeline_export_add(ep, c.res[i].descs,
		        c.res[i].n_descs, fds[i], (void *)(uintptr_t)(i + 1)),
		    0);
	}
	assert_int_equal(sceau_pipeline_export_finish(ep), 0);
	sceau_pipeline_export_free(ep);
	assert_int_equal(e.n, 300);
	for (i = 0; i < 300; i++) {
		assert_int_equal((uintptr_t)e.res[i].tag, i + 1);
		assert_int_equal(e.res[i].status, 0);
		assert_int_equal(e.res[i].fd, fds[i]);
		assert_content(fds[i], small_size(i), 1000 + i);
		assert_int_equal(close(fds[i]), 0);
	}
	free_collected(&c);
}

/* Imports a file of n bytes; returns its descriptors. */
static struct sceau_block_desc *
import_one(struct fx *f, size_t n, uint64_t seed, size_t *ndp)
{
	struct sceau_block_desc *d = NULL;
	char path[128];
	int fd;

	make_file(f, n, seed, path, sizeof(path));
	fd = open_ro(path);
	assert_int_equal(
	    sceau_pipeline_import_fd(f->c, REALM, fd, &d, ndp, NULL), 0);
	assert_int_equal(close(fd), 0);
	return d;
}

/* Flips one byte of a stored block, in its pack file. */
static void
corrupt_block(struct fx *f, const uint8_t *id, size_t at)
{
	struct sceau_blockcache_entry e;
	char path[160];
	uint8_t b;
	int fd;

	assert_int_equal(sceau_blockcache_lookup(f->c, id, &e), 0);
	(void)snprintf(path, sizeof(path), "%s/cache/packs/%08u.pack", f->dir,
	    (unsigned int)e.pack);
	assert_true((fd = open(path, O_RDWR)) >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)(e.offset + at)), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)(e.offset + at)), 1);
	assert_int_equal(close(fd), 0);
}

/* No byte of the plaintext of d reached fd (a hole reads as zeros). */
static void
assert_block_absent(int fd, const struct sceau_block_desc *d)
{
	uint8_t *p = calloc(1, d->size);
	ssize_t got, i;

	assert_non_null(p);
	got = pread(fd, p, d->size, (off_t)d->offset);
	assert_true(got >= 0);
	for (i = 0; i < got; i++)
		assert_int_equal(p[i], 0);
	free(p);
}

/* Exports descs and expects the file to fail at block `block`. */
static void
expect_refused(struct fx *f, const struct sceau_block_desc *d, size_t n,
    unsigned int flags, int want, uint32_t block)
{
	struct sceau_pipeline_opts o = {.flags = flags};
	struct sceau_pipeline_export *ep = NULL;
	static struct collected e;
	char msg[32];
	int fd = out_fd(f);

	memset(&e, 0, sizeof(e));
	e.fail_at = -1;
	assert_int_equal(sceau_pipeline_export_new(sceau_pipeline_cache_source,
	                     f->c, &o, collect, &e, &ep),
	    0);
	assert_int_equal(sceau_pipeline_export_add(ep, d, n, fd, NULL), 0);
	assert_int_equal(sceau_pipeline_export_finish(ep), 0);
	sceau_pipeline_export_free(ep);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.res[0].status, want);
	assert_int_equal(e.res[0].fail_block, block);
	/* Not a byte of the bad block was written. */
	assert_block_absent(fd, &d[block]);
	assert_int_equal(close(fd), 0);
	/* The one-shot form says which block, too. */
	fd = out_fd(f);
	assert_int_equal(sceau_pipeline_export_fd(
	                     sceau_pipeline_cache_source, f->c, d, n, fd),
	    want);
	(void)snprintf(msg, sizeof(msg), "block %u:", (unsigned int)block);
	assert_non_null(strstr(sceau_last_message(), msg));
	assert_int_equal(close(fd), 0);
}

static void
test_flipped_byte(void **state)
{
	struct fx *f = *state;
	struct sceau_block_desc *d;
	size_t nd;

	d = import_one(f, 2 * BS + 10, 11, &nd);
	assert_int_equal(nd, 3);
	corrupt_block(f, d[1].id, 12 + 1000); /* in the ciphertext */
	expect_refused(f, d, nd, 0, SCEAU_ERR_DECRYPT_FAILED, 1);
	expect_refused(f, d, nd, SCEAU_PIPELINE_VERIFY_DIGEST,
	    SCEAU_ERR_DECRYPT_FAILED, 1);
	sceau_pipeline_descs_free(d, nd);
	/* The tag and the nonce are covered as well. */
	d = import_one(f, 3000, 12, &nd);
	corrupt_block(f, d[0].id, 3000 + 12 + 3);
	expect_refused(f, d, nd, 0, SCEAU_ERR_DECRYPT_FAILED, 0);
	sceau_pipeline_descs_free(d, nd);
	d = import_one(f, 3000, 13, &nd);
	corrupt_block(f, d[0].id, 2);
	expect_refused(f, d, nd, 0, SCEAU_ERR_DECRYPT_FAILED, 0);
	sceau_pipeline_descs_free(d, nd);
}

static void
test_swapped_blocks(void **state)
{
	struct fx *f = *state;
	struct sceau_block_desc *a, *b, tmp;
	size_t na, nb;

	/* Two files of the same shape: a's last block replaced by b's. */
	a = import_one(f, BS + 5000, 21, &na);
	b = import_one(f, BS + 5000, 22, &nb);
	memcpy(tmp.id, a[1].id, 16);
	memcpy(a[1].id, b[1].id, 16);
	expect_refused(f, a, na, 0, SCEAU_ERR_DECRYPT_FAILED, 1);
	/* Even with the digest of b's block (a server's best forgery). */
	memcpy(a[1].digest, b[1].digest, 32);
	expect_refused(f, a, na, SCEAU_PIPELINE_VERIFY_DIGEST,
	    SCEAU_ERR_DECRYPT_FAILED, 1);
	memcpy(a[1].id, tmp.id, 16);
	sceau_pipeline_descs_free(a, na);
	sceau_pipeline_descs_free(b, nb);
	/* Two full blocks of one file, in the wrong order. */
	a = import_one(f, 2 * BS, 23, &na);
	memcpy(tmp.id, a[0].id, 16);
	memcpy(a[0].id, a[1].id, 16);
	memcpy(a[1].id, tmp.id, 16);
	expect_refused(f, a, na, 0, SCEAU_ERR_DECRYPT_FAILED, 0);
	sceau_pipeline_descs_free(a, na);
}

/* A source that hands out one block a byte short, or not at all. */
struct bad_source {
	struct sceau_blockcache *c;
	uint64_t short_at, missing_at; /* file offsets */
};

static int
bad_source(void *arg, const struct sceau_block_desc *d, uint8_t *dst,
    size_t cap, size_t *lenp)
{
	struct bad_source *b = arg;
	int r = sceau_blockcache_get(b->c, d->id, 0, dst, cap, lenp);

	if (r == 0 && d->offset == b->short_at)
		(*lenp)--;
	if (r == 0 && d->offset == b->missing_at)
		return SCEAU_ERR_NOT_FOUND;
	return r;
}

static void
test_source_failures(void **state)
{
	struct fx *f = *state;
	struct sceau_pipeline_export *ep = NULL;
	struct bad_source bs = {f->c, BS, 2 * BS};
	static struct collected e;
	struct sceau_block_desc *d;
	size_t nd;
	int fd1 = out_fd(f), fd2 = out_fd(f);

	d = import_one(f, 3 * BS, 31, &nd);
	memset(&e, 0, sizeof(e));
	e.fail_at = -1;
	assert_int_equal(
	    sceau_pipeline_export_new(bad_source, &bs, NULL, collect, &e, &ep),
	    0);
	/* Short block 1: refused as if altered. */
	assert_int_equal(sceau_pipeline_export_add(ep, d, nd, fd1, NULL), 0);
	assert_int_equal(sceau_pipeline_export_finish(ep), 0);
	sceau_pipeline_export_free(ep);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.res[0].status, SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(e.res[0].fail_block, 1);
	/* Missing block 2: the source's error. */
	bs.short_at = UINT64_MAX;
	assert_int_equal(sceau_pipeline_export_fd(bad_source, &bs, d, nd, fd2),
	    SCEAU_ERR_NOT_FOUND);
	assert_non_null(strstr(sceau_last_message(), "block 2:"));
	assert_int_equal(close(fd1), 0);
	assert_int_equal(close(fd2), 0);
	sceau_pipeline_descs_free(d, nd);
}

/* A pipe is written in order, by the caller's thread. */
static void
test_export_to_pipe(void **state)
{
	struct fx *f = *state;
	const size_t size = 3 * BS + 777;
	struct sceau_block_desc *d;
	char path[128];
	int pfd[2], fd, st;
	size_t nd;
	pid_t pid;

	/* The reader is forked first: it inherits no block keys. */
	(void)snprintf(path, sizeof(path), "%s/from-pipe", f->dir);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static uint8_t buf[65536];
		ssize_t got;
		int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		(void)close(pfd[1]);
		while (out >= 0 && (got = read(pfd[0], buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)got) != got)
				_exit(1);
		_exit(out >= 0 && close(out) == 0 ? 0 : 1);
	}
	(void)close(pfd[0]);
	d = import_one(f, size, 33, &nd);
	assert_int_equal(sceau_pipeline_export_fd(
	                     sceau_pipeline_cache_source, f->c, d, nd, pfd[1]),
	    0);
	assert_int_equal(close(pfd[1]), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fd = open_ro(path);
	assert_content(fd, size, 33);
	assert_int_equal(close(fd), 0);
	sceau_pipeline_descs_free(d, nd);
}

/*
 * Files exported one after the other to one descriptor follow each other
 * from its offset, as with write(2): a header, a large file, a small one.
 */
static void
test_export_appends(void **state)
{
	struct fx *f = *state;
	const size_t na = 2 * BS + 5, nb = 2000;
	struct sceau_block_desc *a, *b;
	uint8_t *want, *got;
	size_t nda, ndb, base;
	int fd = out_fd(f);

	a = import_one(f, na, 35, &nda);
	b = import_one(f, nb, 36, &ndb);
	for (base = 0; base <= 3; base += 3) {
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(write(fd, "HDR", base), (ssize_t)base);
		assert_int_equal(
		    sceau_pipeline_export_fd(
		        sceau_pipeline_cache_source, f->c, a, nda, fd),
		    0);
		assert_int_equal(
		    sceau_pipeline_export_fd(
		        sceau_pipeline_cache_source, f->c, b, ndb, fd),
		    0);
		assert_int_equal(lseek(fd, 0, SEEK_CUR), base + na + nb);
		assert_non_null(want = malloc(base + na + nb));
		assert_non_null(got = malloc(base + na + nb));
		memcpy(want, "HDR", base);
		fill(want + base, na, 35);
		fill(want + base + na, nb, 36);
		assert_int_equal(pread(fd, got, base + na + nb, 0),
		    (ssize_t)(base + na + nb));
		assert_memory_equal(got, want, base + na + nb);
		free(want);
		free(got);
	}
	assert_int_equal(close(fd), 0);
	sceau_pipeline_descs_free(a, nda);
	sceau_pipeline_descs_free(b, ndb);
}

/* An output open read-only fails the file, and is never reopened. */
static void
test_unwritable_output(void **state)
{
	struct fx *f = *state;
	struct sceau_block_desc *d;
	char path[128];
	struct stat st;
	size_t nd;
	int fd;

	d = import_one(f, 2 * BS, 34, &nd);
	(void)snprintf(path, sizeof(path), "%s/ro", f->dir);
	assert_true((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(close(fd), 0);
	fd = open_ro(path);
	assert_int_equal(sceau_pipeline_export_fd(
	                     sceau_pipeline_cache_source, f->c, d, nd, fd),
	    SCEAU_ERR_SYSTEM);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(close(fd), 0);
	sceau_pipeline_descs_free(d, nd);
}

static void
test_bad_descriptors(void **state)
{
	struct fx *f = *state;
	struct sceau_block_desc *d;
	size_t nd;
	int fd = out_fd(f);

	d = import_one(f, 2 * BS + 1, 41, &nd);
	d[1].offset++;
	assert_int_equal(sceau_pipeline_export_fd(
	                     sceau_pipeline_cache_source, f->c, d, nd, fd),
	    SCEAU_ERR_INVALID_ARGUMENT);
	d[1].offset--;
	d[2].ct_size++;
	assert_int_equal(sceau_pipeline_export_fd(
	                     sceau_pipeline_cache_source, f->c, d, nd, fd),
	    SCEAU_ERR_INVALID_ARGUMENT);
	d[2].ct_size--;
	/* A short block that is not the last. */
	assert_int_equal(sceau_pipeline_export_fd(
	                     sceau_pipeline_cache_source, f->c, d + 1, 2, fd),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(close(fd), 0);
	sceau_pipeline_descs_free(d, nd);
}

/* One unreadable file fails alone; the others go through. */
static void
test_unreadable_file(void **state)
{
	struct fx *f = *state;
	struct sceau_pipeline_import *ip = NULL;
	static struct collected c;
	char path[128];
	int pfd[2], wfd;

	memset(&c, 0, sizeof(c));
	c.fail_at = -1;
	assert_int_equal(
	    sceau_pipeline_import_new(f->c, REALM, NULL, collect, &c, &ip), 0);
	make_file(f, 1000, 51, path, sizeof(path));
	assert_int_equal(sceau_pipeline_import_add(ip, open_ro(path), NULL), 0);
	/* Write-only: reading it fails. */
	make_file(f, BS + 10, 52, path, sizeof(path));
	assert_true((wfd = open(path, O_WRONLY)) >= 0);
	assert_int_equal(sceau_pipeline_import_add(ip, wfd, NULL), 0);
	/* Not a regular file: refused at once (and closed). */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(sceau_pipeline_import_add(ip, pfd[0], NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(close(pfd[0]), -1);
	assert_int_equal(close(pfd[1]), 0);
	make_file(f, 2000, 53, path, sizeof(path));
	assert_int_equal(sceau_pipeline_import_add(ip, open_ro(path), NULL), 0);
	assert_int_equal(sceau_pipeline_import_finish(ip), 0);
	sceau_pipeline_import_free(ip);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.res[0].status, 0);
	assert_int_equal(c.res[1].status, SCEAU_ERR_SYSTEM);
	assert_int_equal(c.res[1].fail_block, 0);
	assert_null(c.res[1].descs);
	assert_int_equal(c.res[2].status, 0);
	check_descs(f, c.res[2].descs, c.res[2].n_descs, 2000);
	free_collected(&c);
}

/* A callback error stops the pipeline; nothing leaks, nothing hangs. */
static void
test_callback_stops(void **state)
{
	struct fx *f = *state;
	struct sceau_pipeline_opts o = {.commit_files = 3, .slots = 2};
	struct sceau_pipeline_import *ip = NULL;
	static struct collected c;
	char path[128];
	int r = 0, i;

	memset(&c, 0, sizeof(c));
	c.fail_at = 4;
	assert_int_equal(
	    sceau_pipeline_import_new(f->c, REALM, &o, collect, &c, &ip), 0);
	for (i = 0; i < 20 && r == 0; i++) {
		make_file(f, i % 2 ? BS + 7 : 700, 60 + (uint64_t)i, path,
		    sizeof(path));
		r = sceau_pipeline_import_add(ip, open_ro(path), NULL);
	}
	if (r == 0)
		r = sceau_pipeline_import_finish(ip);
	assert_int_equal(r, SCEAU_ERR_INTERRUPTED);
	/* Refused from now on (and the descriptor is closed). */
	assert_int_equal(sceau_pipeline_import_add(ip, open_ro(path), NULL),
	    SCEAU_ERR_INTERRUPTED);
	sceau_pipeline_import_free(ip);
	assert_int_equal(c.n, 4);
	assert_int_equal(sceau_blockcache_in_batch(f->c), 0);
	free_collected(&c);
}

/* Freeing with work in flight stops the workers and drops the files. */
static void
test_free_in_flight(void **state)
{
	struct fx *f = *state;
	struct sceau_pipeline_import *ip = NULL;
	struct sceau_pipeline_export *ep = NULL;
	struct sceau_block_desc *d;
	char path[128];
	size_t nd;
	int i, fd;

	assert_int_equal(
	    sceau_pipeline_import_new(f->c, REALM, NULL, NULL, NULL, &ip), 0);
	make_file(f, 3 * BS, 70, path, sizeof(path));
	for (i = 0; i < 6; i++)
		assert_int_equal(
		    sceau_pipeline_import_add(ip, open_ro(path), NULL), 0);
	sceau_pipeline_import_free(ip);
	assert_int_equal(sceau_blockcache_in_batch(f->c), 0);
	d = import_one(f, 4 * BS, 71, &nd);
	fd = out_fd(f);
	assert_int_equal(sceau_pipeline_export_new(sceau_pipeline_cache_source,
	                     f->c, NULL, NULL, NULL, &ep),
	    0);
	assert_int_equal(sceau_pipeline_export_add(ep, d, nd, fd, NULL), 0);
	sceau_pipeline_export_free(ep);
	assert_int_equal(close(fd), 0);
	sceau_pipeline_descs_free(d, nd);
}

static void
test_worker_counts(void **state)
{
	struct fx *f = *state;
	struct sceau_pipeline_opts o1 = {.workers = 1, .slots = 2};
	struct sceau_pipeline_opts o3 = {.workers = 3, .slots = 3};
	struct sceau_pipeline_opts bad = {.slots = 1};
	struct sceau_pipeline_import *ip = NULL;
	static struct collected c;
	char path[128];
	int fd;

	assert_int_equal(
	    sceau_pipeline_import_new(f->c, REALM, &bad, NULL, NULL, &ip),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_null(ip);
	make_file(f, 3 * BS + 3, 80, path, sizeof(path));
	memset(&c, 0, sizeof(c));
	c.fail_at = -1;
	assert_int_equal(
	    sceau_pipeline_import_new(f->c, REALM, &o1, collect, &c, &ip), 0);
	assert_int_equal(sceau_pipeline_import_add(ip, open_ro(path), NULL), 0);
	assert_int_equal(sceau_pipeline_import_finish(ip), 0);
	sceau_pipeline_import_free(ip);
	assert_int_equal(
	    sceau_pipeline_import_new(f->c, REALM, &o3, collect, &c, &ip), 0);
	assert_int_equal(sceau_pipeline_import_add(ip, open_ro(path), NULL), 0);
	assert_int_equal(sceau_pipeline_import_finish(ip), 0);
	/* A second finish, or an add after it, is refused. */
	assert_int_equal(
	    sceau_pipeline_import_finish(ip), SCEAU_ERR_INVALID_ARGUMENT);
	sceau_pipeline_import_free(ip);
	assert_int_equal(c.n, 2);
	fd = out_fd(f);
	assert_int_equal(sceau_pipeline_export_fd(sceau_pipeline_cache_source,
	                     f->c, c.res[1].descs, c.res[1].n_descs, fd),
	    0);
	assert_content(fd, 3 * BS + 3, 80);
	assert_int_equal(close(fd), 0);
	free_collected(&c);
}

static long
status_kib(const char *field)
{
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	FILE *fp = fopen("/proc/self/status", "r");

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, n) == 0)
			v = strtol(line + n + 1, NULL, 10);
	(void)fclose(fp);
	return v;
}

static void
reset_peak(void)
{
	FILE *fp = fopen("/proc/self/clear_refs", "w");

	/* "5" resets the peak RSS (Linux 4.0 and later). */
	assert_non_null(fp);
	assert_true(fputs("5", fp) >= 0);
	(void)fclose(fp);
}

/*
 * A 16 MiB file (sparse: quick to make) goes through with the peak RSS
 * growing by the pool (4 MiB) and the caches only, not by the file.
 * (Small enough for valgrind.)
 */
static void
test_bounded_memory(void **state)
{
	struct fx *f = *state;
	const size_t size = 16u * 1024 * 1024;
	struct sceau_block_desc *d = NULL;
	char path[128];
	long before;
	size_t nd;
	int fd;

	(void)snprintf(path, sizeof(path), "%s/sparse", f->dir);
	assert_true((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	/* Warm up once (SQLite, OpenSSL, the allocator), then measure. */
	round_trip(f, 2 * BS, 90);
	before = status_kib("VmRSS:");
	reset_peak();
	assert_int_equal(
	    sceau_pipeline_import_fd(f->c, REALM, fd, &d, &nd, NULL), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(nd, size / BS);
	fd = open("/dev/null", O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(sceau_pipeline_export_fd(
	                     sceau_pipeline_cache_source, f->c, d, nd, fd),
	    0);
	assert_int_equal(close(fd), 0);
	print_message("# peak RSS grew by %ld KiB for a %zu KiB file\n",
	    status_kib("VmHWM:") - before, size / 1024);
	assert_true(status_kib("VmHWM:") - before < 10 * 1024);
	sceau_pipeline_descs_free(d, nd);
}

struct torture {
	struct fx *f;
	const char *path;
	uint64_t size;
};

static int
torture_import(void *arg)
{
	struct torture *t = arg;
	struct sceau_block_desc *d = NULL;
	size_t nd = 0;
	int fd = open_ro(t->path), r;

	r = sceau_pipeline_import_fd(t->f->c, REALM, fd, &d, &nd, NULL);
	(void)close(fd);
	if (r == 0) {
		check_descs(t->f, d, nd, t->size);
		sceau_pipeline_descs_free(d, nd);
	}
	return r;
}

static int
torture_export(void *arg)
{
	struct torture *t = arg;
	struct sceau_block_desc *d = NULL;
	size_t nd = 0;
	int fd = open_ro(t->path), out, r;

	if ((r = sceau_pipeline_import_fd(t->f->c, REALM, fd, &d, &nd, NULL)) !=
	    0) {
		(void)close(fd);
		return r;
	}
	(void)close(fd);
	out = out_fd(t->f);
	r = sceau_pipeline_export_fd(
	    sceau_pipeline_cache_source, t->f->c, d, nd, out);
	(void)close(out);
	sceau_pipeline_descs_free(d, nd);
	return r;
}

static void
test_alloc_failures(void **state)
{
	struct fx *f = *state;
	char path[128];
	struct torture t = {f, path, BS + 100};

	make_file(f, BS + 100, 99, path, sizeof(path));
	(void)tu_alloc_torture(torture_import, &t, 200);
	(void)tu_alloc_torture(torture_export, &t, 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trips, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_block_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_many_small_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_swapped_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_source_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_export_to_pipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_export_appends, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unwritable_output, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_bad_descriptors, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unreadable_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_callback_stops, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_free_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_worker_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_bounded_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_alloc_failures, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
