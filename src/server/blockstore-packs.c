/*
 * blockstore-packs.c: the embedded blockstore (blockstore.h): pack files
 * DIR/ORG/NNNNNNNN.pack, or memory files (memfd) for tests.
 *
 * A process appends only to packs it created (O_EXCL), so that several
 * server processes may share one directory: each picks the next free
 * number.  After a restart, writing starts in a new pack; the packs of
 * before are only read.  Each pack being written belongs to one batch at
 * a time (busy), so batches of one organization run in parallel, each in
 * its own pack, without a lock around the writes.  A pack is a header
 * (SRV_PACK_MAGIC, padded to SRV_PACK_ALIGN) then the frames of the
 * batches as clients sent them (block id, u32 length, bytes), each batch
 * padded with zeros to SRV_PACK_ALIGN: a pack can be read and checked
 * without the index.
 *
 * Writing: a batch that is one page-aligned region (a whole request body,
 * in the upload region) goes to disk with O_DIRECT: on this machine the
 * kernel's copy into fresh page-cache pages cost most of the server's
 * time at 250 MB/s (DESIGN.md section 12); its last partial unit goes
 * through a small zeroed buffer.  Other batches (some blocks already
 * stored, bodies in ordinary memory, file systems without O_DIRECT) are
 * written through the page cache.  Either way, one fdatasync per batch.
 *
 * Locks: one mutex over the table of organizations and their writable
 * packs, held only to pick or give back a pack (and to create one: once
 * per SRV_PACK_ROLL bytes).  Reads take no lock in directory mode (each
 * reader opens the file); in memory mode the descriptors stay open until
 * the store closes.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "blockstore.h"
#include "cert.h"
#include "errors.h"
#include "log.h"

#define PK_NAME_LEN 13 /* "NNNNNNNN.pack" */
#define PK_NUM_MAX 99999999ULL

struct pk_org;

struct pk_pack {
	struct pk_pack *next;
	struct pk_org *org;
	uint64_t num;
	int fd;
	int dfd; /* the same file with O_DIRECT, or -1 */
	uint64_t size; /* always a multiple of SRV_PACK_ALIGN */
	int busy;
};

struct pk_org {
	struct pk_org *next;
	char org_id[SCEAU_ORG_ID_MAX + 1];
	int dirfd; /* directory mode: DIR/ORG, -1 until first use */
	uint64_t next_num; /* directory mode: next number to try */
	struct pk_pack *writable; /* created by this process, not full */
	int *mem_fds; /* memory mode: every pack, by number - 1 */
	size_t n_mem;
};

struct pk_store {
	struct srv_blockstore bs;
	pthread_mutex_t lock;
	char *dir; /* NULL: memory */
	int dirfd;
	struct pk_org *orgs;
};

struct srv_pack_writer {
	struct pk_store *s;
	struct pk_pack *p;
	uint64_t start; /* the pack's size when the writer got it */
};

struct srv_pack_reader {
	int fd;
	int owned;
	uint64_t pack;
};

static struct pk_store *
pk_store(struct srv_blockstore *bs)
{
	return (struct pk_store *)bs;
}

static int
pk_fail(const char *what, const char *org_id, int e)
{
	sceau_message("blocks of %s: %s: %s", org_id, what, strerror(e));
	return SCEAU_ERR_STORE;
}

/* ----------------------------------------------------- organizations */

static struct pk_org *
pk_find_org(struct pk_store *s, const char *org_id, int create)
{
	struct pk_org *o;

	for (o = s->orgs; o != NULL; o = o->next) {
		if (strcmp(o->org_id, org_id) == 0)
			return o;
	}
	if (!create || (o = sceau_calloc(1, sizeof(*o))) == NULL)
		return NULL;
	(void)snprintf(o->org_id, sizeof(o->org_id), "%s", org_id);
	o->dirfd = -1;
	o->next = s->orgs;
	s->orgs = o;
	return o;
}

/* "NNNNNNNN.pack" to its number, or 0. */
static uint64_t
pk_parse_name(const char *name)
{
	uint64_t v = 0;
	size_t i;

	if (strlen(name) != PK_NAME_LEN || strcmp(name + 8, ".pack") != 0)
		return 0;
	for (i = 0; i < 8; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	return v;
}

/* The highest pack number in the directory fd (0 if none). */
static int
pk_scan(int fd, const char *org_id, uint64_t *max)
{
	struct dirent *de;
	DIR *d;
	int dup_fd;

	*max = 0;
	if ((dup_fd = dup(fd)) < 0)
		return pk_fail("scan", org_id, errno);
	if ((d = fdopendir(dup_fd)) == NULL) {
		(void)close(dup_fd);
		return pk_fail("scan", org_id, errno);
	}
	while ((de = readdir(d)) != NULL)
		*max = SCEAU_MAX(*max, pk_parse_name(de->d_name));
	(void)closedir(d);
	return 0;
}

/* Directory mode, first write of o: its directory, the next number. */
static int
pk_org_dir(struct pk_store *s, struct pk_org *o)
{
	uint64_t max;
	int r;

	if (o->dirfd >= 0)
		return 0;
	if (mkdirat(s->dirfd, o->org_id, 0700) == 0) {
		/* A new directory entry: durable before packs go in it. */
		if (fsync(s->dirfd) != 0)
			return pk_fail("sync directory", o->org_id, errno);
	} else if (errno != EEXIST) {
		return pk_fail("create directory", o->org_id, errno);
	}
	o->dirfd =
	    openat(s->dirfd, o->org_id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0)
		return pk_fail("open directory", o->org_id, errno);
	if ((r = pk_scan(o->dirfd, o->org_id, &max)) != 0)
		return r;
	o->next_num = max + 1;
	return 0;
}

/* ------------------------------------------------------ packs, writing */

static void
pk_pack_name(uint64_t num, char name[PK_NAME_LEN + 1])
{
	(void)snprintf(
	    name, PK_NAME_LEN + 1, "%08llu.pack", (unsigned long long)num);
}

/* A new pack file: the next number nobody has taken (O_EXCL). */
static int
pk_create_file(struct pk_store *s, struct pk_org *o, uint64_t *num)
{
	char name[PK_NAME_LEN + 1];
	int fd, r;

	if ((r = pk_org_dir(s, o)) != 0)
		return r;
	for (;;) {
		if (o->next_num > PK_NUM_MAX) {
			sceau_message(
			    "blocks of %s: no pack number left", o->org_id);
			return SCEAU_ERR_STORE;
		}
		pk_pack_name(o->next_num, name);
		fd = openat(o->dirfd, name,
		    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
		o->next_num++; /* another process took it */
	}
	if (fd < 0)
		return pk_fail("create pack", o->org_id, errno);
	*num = o->next_num++;
	/* The pack's directory entry is durable before any block in it. */
	if (fsync(o->dirfd) != 0) {
		r = errno;
		(void)close(fd);
		return pk_fail("sync directory", o->org_id, r);
	}
	return fd;
}

static int
pk_create_mem(struct pk_org *o, uint64_t *num)
{
	int *fds, fd;

	fds = sceau_reallocarray(o->mem_fds, o->n_mem + 1, sizeof(*fds));
	if (fds == NULL)
		return SCEAU_ERR_ALLOC;
	o->mem_fds = fds;
	if ((fd = memfd_create("sceau-pack", MFD_CLOEXEC)) < 0)
		return pk_fail("create pack", o->org_id, errno);
	o->mem_fds[o->n_mem++] = fd;
	*num = o->n_mem;
	return fd;
}

/* The same pack opened for direct writes, or -1 where unsupported. */
static int
pk_open_direct(struct pk_store *s, struct pk_org *o, uint64_t num)
{
	char name[PK_NAME_LEN + 1];

	if (s->dir == NULL)
		return -1;
	pk_pack_name(num, name);
	return openat(o->dirfd, name, O_WRONLY | O_DIRECT | O_CLOEXEC);
}

/* A new pack with its header, busy for the caller. */
static int
pk_new_pack(struct pk_store *s, struct pk_org *o, struct pk_pack **out)
{
	static const uint8_t zero[SRV_PACK_ALIGN];
	struct pk_pack *p;
	uint64_t num = 0;
	int fd, e;

	*out = NULL;
	if ((p = sceau_calloc(1, sizeof(*p))) == NULL)
		return SCEAU_ERR_ALLOC;
	fd = s->dir != NULL ? pk_create_file(s, o, &num)
	                    : pk_create_mem(o, &num);
	if (fd < 0) {
		sceau_free(p);
		return fd;
	}
	if ((e = sceau_pwrite_all(fd, zero, sizeof(zero), 0)) != 0 ||
	    (e = sceau_pwrite_all(fd, SRV_PACK_MAGIC, SRV_PACK_MAGIC_LEN, 0)) !=
	        0) {
		if (s->dir != NULL)
			(void)close(fd);
		sceau_free(p);
		return pk_fail("write pack", o->org_id, e);
	}
	p->org = o;
	p->num = num;
	p->fd = fd;
	p->dfd = pk_open_direct(s, o, num);
	p->size = SRV_PACK_ALIGN;
	p->busy = 1;
	p->next = o->writable;
	o->writable = p;
	*out = p;
	return 0;
}

static int
pk_writer_get(
    struct srv_blockstore *bs, const char *org_id, struct srv_pack_writer **out)
{
	struct pk_store *s = pk_store(bs);
	struct srv_pack_writer *w;
	struct pk_pack *p = NULL;
	struct pk_org *o;
	int r = 0;

	*out = NULL;
	/* The organization id names a directory: never a path. */
	if (!sceau_org_id_valid(org_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((w = sceau_calloc(1, sizeof(*w))) == NULL)
		return SCEAU_ERR_ALLOC;
	(void)pthread_mutex_lock(&s->lock);
	if ((o = pk_find_org(s, org_id, 1)) == NULL) {
		r = SCEAU_ERR_ALLOC;
	} else {
		for (p = o->writable; p != NULL && p->busy; p = p->next)
			;
		if (p != NULL)
			p->busy = 1;
		else
			r = pk_new_pack(s, o, &p);
	}
	(void)pthread_mutex_unlock(&s->lock);
	if (r == 0 && p == NULL)
		r = SCEAU_ERR_INTERNAL; /* pk_new_pack sets p when it succeeds */
	if (r != 0) {
		sceau_free(w);
		return r;
	}
	w->s = s;
	w->p = p;
	w->start = p->size;
	*out = w;
	return 0;
}

/* Writes iov[0..n) at *off, advancing it; 0 or an errno value. */
static int
pk_writev_all(int fd, struct iovec *iov, size_t n, uint64_t *off)
{
	size_t k = 0, skip;
	ssize_t got;

	while (k < n) {
		got = pwritev(fd, iov + k, (int)(n - k), (off_t)*off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? errno : EIO;
		*off += (uint64_t)got;
		for (skip = (size_t)got; k < n && skip >= iov[k].iov_len; k++)
			skip -= iov[k].iov_len;
		if (k < n) {
			iov[k].iov_base = (uint8_t *)iov[k].iov_base + skip;
			iov[k].iov_len -= skip;
		}
	}
	return 0;
}

static uint64_t
pk_align_up(uint64_t v)
{
	return (v + SRV_PACK_ALIGN - 1) & ~(uint64_t)(SRV_PACK_ALIGN - 1);
}

/*
 * One page-aligned region with O_DIRECT: its whole units from where they
 * are, its last partial unit from a zeroed copy.  0, an errno value, or
 * -1 when this pack cannot take direct writes (then nothing was written).
 */
static int
pk_append_direct(struct pk_pack *p, const struct iovec *v)
{
	size_t whole = v->iov_len & ~(size_t)(SRV_PACK_ALIGN - 1);
	size_t rest = v->iov_len - whole;
	struct iovec d[2];
	uint8_t *tail = NULL;
	uint64_t off = p->size;
	int e, n = 0;

	if (whole > 0)
		d[n++] = (struct iovec){v->iov_base, whole};
	if (rest > 0) {
		if ((tail = aligned_alloc(SRV_PACK_ALIGN, SRV_PACK_ALIGN)) ==
		    NULL)
			return ENOMEM;
		memset(tail, 0, SRV_PACK_ALIGN);
		memcpy(tail, (const uint8_t *)v->iov_base + whole, rest);
		d[n++] = (struct iovec){tail, SRV_PACK_ALIGN};
	}
	e = pk_writev_all(p->dfd, d, (size_t)n, &off);
	free(tail);
	if (e == EINVAL && off == p->size) {
		/* The file system refuses this alignment: no more tries. */
		(void)close(p->dfd);
		p->dfd = -1;
		return -1;
	}
	p->size = off;
	return e;
}

/* The page-cache path, then zeros up to the next unit. */
static int
pk_append_buffered(struct pk_pack *p, const struct iovec *iov, size_t n)
{
	static const uint8_t zero[SRV_PACK_ALIGN];
	struct iovec cur[64];
	size_t i, ncur;
	int e = 0;

	/* Windows of 64 vectors (IOV_MAX is larger): one copy each. */
	for (i = 0; i < n && e == 0; i += ncur) {
		ncur = SCEAU_MIN(n - i, SCEAU_NELEM(cur));
		memcpy(cur, iov + i, ncur * sizeof(*cur));
		e = pk_writev_all(p->fd, cur, ncur, &p->size);
	}
	if (e == 0 && p->size != pk_align_up(p->size)) {
		cur[0] = (struct iovec){
		    (void *)(uintptr_t)zero, pk_align_up(p->size) - p->size};
		e = pk_writev_all(p->fd, cur, 1, &p->size);
	}
	return e;
}

static int
pk_append(struct srv_pack_writer *w, const struct iovec *iov, size_t n,
    uint64_t *pack, uint64_t *offset)
{
	struct pk_pack *p = w->p;
	int e = -1;

	*pack = p->num;
	*offset = p->size;
	if (p->dfd >= 0 && n == 1 &&
	    ((uintptr_t)iov[0].iov_base & (SRV_PACK_ALIGN - 1)) == 0)
		e = pk_append_direct(p, &iov[0]);
	if (e < 0)
		e = pk_append_buffered(p, iov, n);
	if (e != 0)
		return pk_fail("write pack", p->org->org_id, e);
	return 0;
}

static int
pk_sync(struct srv_pack_writer *w)
{
	if (fdatasync(w->p->fd) != 0)
		return pk_fail("sync pack", w->p->org->org_id, errno);
	return 0;
}

/* Removes p from o's writable packs (it is full). */
static void
pk_retire(struct pk_store *s, struct pk_org *o, struct pk_pack *p)
{
	struct pk_pack **pp;

	for (pp = &o->writable; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	if (s->dir != NULL)
		(void)close(p->fd);
	if (p->dfd >= 0)
		(void)close(p->dfd);
	sceau_free(p);
}

static void
pk_writer_put(struct srv_pack_writer *w, int keep)
{
	struct pk_store *s;
	struct pk_pack *p;

	if (w == NULL)
		return;
	s = w->s;
	p = w->p;
	(void)pthread_mutex_lock(&s->lock);
	if (!keep && p->size > w->start) {
		/* Best effort: unindexed bytes are only wasted space. */
		if (ftruncate(p->fd, (off_t)w->start) == 0)
			p->size = w->start;
	}
	p->busy = 0;
	if (p->size >= SRV_PACK_ROLL)
		pk_retire(s, p->org, p);
	(void)pthread_mutex_unlock(&s->lock);
	sceau_free(w);
}

/* ------------------------------------------------------------ reading */

static int
pk_reader_mem(struct pk_store *s, const char *org_id, uint64_t pack, int *fd)
{
	struct pk_org *o;

	*fd = -1;
	(void)pthread_mutex_lock(&s->lock);
	o = pk_find_org(s, org_id, 0);
	if (o != NULL && pack >= 1 && pack <= o->n_mem)
		*fd = o->mem_fds[pack - 1];
	(void)pthread_mutex_unlock(&s->lock);
	return *fd >= 0 ? 0 : SCEAU_ERR_STORE_CORRUPT;
}

static int
pk_reader_open(struct srv_blockstore *bs, const char *org_id, uint64_t pack,
    struct srv_pack_reader **out)
{
	struct pk_store *s = pk_store(bs);
	struct srv_pack_reader *rd;
	char path[PATH_MAX];
	int r = 0;

	*out = NULL;
	if (!sceau_org_id_valid(org_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((rd = sceau_calloc(1, sizeof(*rd))) == NULL)
		return SCEAU_ERR_ALLOC;
	rd->pack = pack;
	if (s->dir == NULL) {
		r = pk_reader_mem(s, org_id, pack, &rd->fd);
	} else if (pack == 0 || pack > PK_NUM_MAX) {
		r = SCEAU_ERR_STORE_CORRUPT;
	} else {
		(void)snprintf(path, sizeof(path), "%s/%08llu.pack", org_id,
		    (unsigned long long)pack);
		rd->owned = 1;
		if ((rd->fd = openat(s->dirfd, path, O_RDONLY | O_CLOEXEC)) < 0)
			r = errno == ENOENT
			    ? SCEAU_ERR_STORE_CORRUPT
			    : pk_fail("open pack", org_id, errno);
	}
	if (r != 0) {
		if (r == SCEAU_ERR_STORE_CORRUPT)
			sceau_message("blocks of %s: pack %llu is missing",
			    org_id, (unsigned long long)pack);
		sceau_free(rd);
		return r;
	}
	*out = rd;
	return 0;
}

static int
pk_read(struct srv_pack_reader *rd, uint64_t offset, void *buf, size_t n)
{
	uint8_t *b = buf;
	ssize_t got;

	while (n > 0) {
		got = pread(rd->fd, b, n, (off_t)offset);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return pk_fail("read pack", "organization", errno);
		if (got == 0) {
			sceau_message("pack %llu is shorter than its index",
			    (unsigned long long)rd->pack);
			return SCEAU_ERR_STORE_CORRUPT;
		}
		b += got;
		n -= (size_t)got;
		offset += (uint64_t)got;
	}
	return 0;
}

static void
pk_reader_close(struct srv_pack_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->owned && rd->fd >= 0)
		(void)close(rd->fd);
	sceau_free(rd);
}

/* ------------------------------------------------ opening and closing */

static void
pk_free_org(struct pk_store *s, struct pk_org *o)
{
	struct pk_pack *p, *next;
	size_t i;

	for (p = o->writable; p != NULL; p = next) {
		next = p->next;
		if (s->dir != NULL)
			(void)close(p->fd);
		if (p->dfd >= 0)
			(void)close(p->dfd);
		sceau_free(p);
	}
	for (i = 0; i < o->n_mem; i++)
		(void)close(o->mem_fds[i]);
	sceau_free(o->mem_fds);
	if (o->dirfd >= 0)
		(void)close(o->dirfd);
	sceau_free(o);
}

static void
pk_close(struct srv_blockstore *bs)
{
	struct pk_store *s;
	struct pk_org *o, *next;

	if (bs == NULL)
		return;
	s = pk_store(bs);
	for (o = s->orgs; o != NULL; o = next) {
		next = o->next;
		pk_free_org(s, o);
	}
	if (s->dirfd >= 0)
		(void)close(s->dirfd);
	sceau_free(s->dir);
	(void)pthread_mutex_destroy(&s->lock);
	sceau_free(s);
}

static const struct srv_blockstore_ops pk_ops = {
    .name = "packs",
    .close = pk_close,
    .writer_get = pk_writer_get,
    .append = pk_append,
    .sync = pk_sync,
    .writer_put = pk_writer_put,
    .reader_open = pk_reader_open,
    .read = pk_read,
    .reader_close = pk_reader_close,
};

static int
pk_open_dir(struct pk_store *s, const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return pk_fail("create directory", dir, errno);
	if ((s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return pk_fail("open directory", dir, errno);
	if ((s->dir = sceau_strdup(dir)) == NULL)
		return SCEAU_ERR_ALLOC;
	return 0;
}

int
srv_packs_open(const char *dir, struct srv_blockstore **out)
{
	struct pk_store *s;
	int r;

	*out = NULL;
	if ((s = sceau_calloc(1, sizeof(*s))) == NULL)
		return SCEAU_ERR_ALLOC;
	s->bs.ops = &pk_ops;
	s->dirfd = -1;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		sceau_free(s);
		return SCEAU_ERR_SYSTEM;
	}
	if (dir != NULL && (r = pk_open_dir(s, dir)) != 0) {
		pk_close(&s->bs);
		return r;
	}
	*out = &s->bs;
	return 0;
}

void
srv_blockstore_close(struct srv_blockstore *bs)
{
	if (bs != NULL)
		bs->ops->close(bs);
}
