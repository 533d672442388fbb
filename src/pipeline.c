/*
 * pipeline.c: the import and export pipelines (see pipeline.h).
 *
 * The engine.  A pool of nslots slots, each one buffer of SLOT_CAP bytes
 * and up to ITEMS_MAX items (one item = one block).  Slots go round in
 * sequence order: the caller's thread fills slot `head` (FILLING), submits
 * it (READY, head++), a worker takes the oldest ready one (BUSY,
 * next_work++) and marks it DONE, and the caller's thread writes slot
 * `tail` once DONE (then FREE, tail++).  Sequence numbers make the order:
 * blocks are written, and files delivered, exactly in the order they were
 * added, whatever worker finished first.  One mutex and two condition
 * variables; a slot's contents are touched outside the lock only by the
 * thread that owns its current state.
 *
 * Memory: the buffers are one sceau_secmem_alloc() mapping (plaintext
 * passes through them), allocated and touched once; items live in the
 * slot array.  Fresh memory is slow on this kind of machine (see
 * shared/notes/performance.md), so nothing is allocated per block.
 *
 * In a block's buffer the layout is the stored one, nonce || ct || tag:
 * import reads the plaintext at +12 and seals it in place, export fetches
 * the ciphertext and opens it in place.
 *
 * Export to a regular file writes each block at its offset (pwrite) from
 * the worker that decrypted it, so that both cores share the writing;
 * files of DIO_FILE_MIN bytes or more are written with direct I/O
 * through a second descriptor (/proc/self/fd), their blocks placed in the
 * pool so that the plaintext is aligned: like the block cache, this
 * skips the page cache, whose pages are fresh memory on this kind of
 * machine (see blockcache.c).  Anything else (a pipe) is written in
 * order with write(2) by the caller's thread.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aead.h"
#include "alloc.h"
#include "errors.h"
#include "hash.h"
#include "log.h"
#include "pipeline.h"
#include "random.h"
#include "secmem.h"

#define ITEMS_MAX 32
#define DIO_ALIGN 4096
/* A slot holds ITEMS_MAX packed small blocks, or one aligned full one. */
#define SLOT_CAP                                                               \
	((SCEAU_BLOCK_SIZE + ITEMS_MAX * SCEAU_BLOCK_OVERHEAD +                \
	     2 * DIO_ALIGN) /                                                  \
	    DIO_ALIGN * DIO_ALIGN)
#define DIO_FILE_MIN (1024 * 1024)
/* Encrypt and hash in steps that stay in the core's L2 cache. */
#define CHUNK (64 * 1024)
#define WORKERS_MAX 8
#define SLOTS_DEFAULT 8
#define SLOTS_MAX 64
#define COMMIT_BYTES_DEFAULT (64ULL * 1024 * 1024)
#define COMMIT_FILES_DEFAULT 1000
#define NONCE_LEN SCEAU_AEAD_NONCE_LEN
#define TAG_LEN SCEAU_AEAD_TAG_LEN

enum slot_state {
	SLOT_FREE = 0,
	SLOT_FILLING,
	SLOT_READY,
	SLOT_BUSY,
	SLOT_DONE,
};

/* A file on its way: in the list of files not yet delivered. */
struct pl_file {
	struct pl_file *next;
	struct sceau_pipeline_file pub;
	uint32_t nblocks, written; /* blocks, and blocks written or skipped */
	int in_fd; /* import: read from (-1 once closed) */
	int positional; /* export: workers pwrite each block at its offset */
	uint64_t base; /* export, positional: fd's file offset at _add */
	int dio_fd; /* export: the output opened O_DIRECT, or -1 */
	int err; /* errno of a failure, or 0 */
	size_t mark; /* import: batch rows before the file's first block */
};

struct pl_item {
	struct pl_file *file;
	uint8_t *ct; /* nonce || ct || tag in the slot's buffer */
	uint64_t offset;
	uint32_t index, size;
	int fd; /* import: read from */
	int status, err;
	uint8_t id[SCEAU_BLOCK_ID_LEN];
	uint8_t key[SCEAU_AEAD_KEY_LEN];
	uint8_t digest[SCEAU_SHA256_LEN];
};

struct pl_slot {
	uint8_t *buf;
	struct pl_item items[ITEMS_MAX];
	unsigned int nitems;
	size_t used;
	enum slot_state state;
};

struct pl;

struct pl_worker {
	struct pl *p;
	pthread_t th;
	struct sceau_aead *aead;
	struct sceau_hash_ctx *hash;
};

struct pl_ops {
	/* On a worker: one item; sets it->status on failure. */
	void (*work)(struct pl_worker *w, struct pl_item *it);
	/* On the caller's thread, in order: a failure stops everything. */
	int (*write)(struct pl *p, struct pl_item *it);
	int (*file_done)(struct pl *p, struct pl_file *f);
};

struct pl {
	const struct pl_ops *ops;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	int sync_ready; /* mu and the condition variables exist */
	int stop;
	struct pl_worker *workers;
	unsigned int nworkers, started;
	struct pl_slot *slots;
	unsigned int nslots;
	uint64_t head, next_work, tail;
	struct pl_slot *filling;
	uint8_t *pool;
	struct pl_file *first, *last;
	int fatal;
	unsigned int flags;
	sceau_pipeline_cb cb;
	void *cb_arg;

	/* Import. */
	struct sceau_blockcache *cache;
	char realm[SCEAU_BLOCKCACHE_REALM_LEN + 1];
	uint64_t commit_bytes, bytes_since;
	unsigned int commit_files, files_since;

	/* Export. */
	sceau_pipeline_source src;
	void *src_arg;
};

struct sceau_pipeline_import {
	struct pl p;
};

struct sceau_pipeline_export {
	struct pl p;
};

void
sceau_pipeline_descs_free(struct sceau_block_desc *d, size_t n)
{
	if (d != NULL)
		sceau_freezero(d, n * sizeof(*d));
}

/* ---- the engine: workers ----------------------------------------------- */

static void *
pl_worker_main(void *arg)
{
	struct pl_worker *w = arg;
	struct pl *p = w->p;
	struct pl_slot *s;
	unsigned int i;

	(void)pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->next_work == p->head)
			(void)pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->stop)
			break;
		s = &p->slots[p->next_work++ % p->nslots];
		s->state = SLOT_BUSY;
		(void)pthread_mutex_unlock(&p->mu);
		for (i = 0; i < s->nitems; i++)
			if (s->items[i].status == 0)
				p->ops->work(w, &s->items[i]);
		(void)pthread_mutex_lock(&p->mu);
		s->state = SLOT_DONE;
		(void)pthread_cond_signal(&p->done_cv);
	}
	(void)pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void
pl_file_free(struct pl_file *f)
{
	if (f == NULL)
		return;
	if (f->in_fd >= 0)
		(void)close(f->in_fd);
	if (f->dio_fd >= 0)
		(void)close(f->dio_fd);
	sceau_pipeline_descs_free(f->pub.descs, f->pub.n_descs);
	sceau_freezero(f, sizeof(*f));
}

/* Stops and joins the workers, then frees everything but p itself. */
static void
pl_destroy(struct pl *p)
{
	struct pl_file *f;
	unsigned int i;

	if (p->sync_ready) {
		(void)pthread_mutex_lock(&p->mu);
		p->stop = 1;
		(void)pthread_cond_broadcast(&p->work_cv);
		(void)pthread_mutex_unlock(&p->mu);
	}
	for (i = 0; i < p->started; i++)
		(void)pthread_join(p->workers[i].th, NULL);
	for (i = 0; p->workers != NULL && i < p->nworkers; i++) {
		sceau_aead_free(p->workers[i].aead);
		sceau_hash_ctx_free(p->workers[i].hash);
	}
	sceau_free(p->workers);
	while ((f = p->first) != NULL) {
		p->first = f->next;
		pl_file_free(f);
	}
	if (p->slots != NULL)
		sceau_freezero(p->slots, p->nslots * sizeof(*p->slots));
	/* Wipes the plaintext that went through the pool. */
	sceau_secmem_free(p->pool);
	if (p->sync_ready) {
		(void)pthread_cond_destroy(&p->work_cv);
		(void)pthread_cond_destroy(&p->done_cv);
		(void)pthread_mutex_destroy(&p->mu);
	}
}

static unsigned int
pl_default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned int)n;
}

static int
pl_alloc(struct pl *p, const struct sceau_pipeline_opts *opts)
{
	unsigned int i;

	p->nworkers = opts != NULL && opts->workers != 0 ? opts->workers
	                                                 : pl_default_workers();
	p->nslots =
	    opts != NULL && opts->slots != 0 ? opts->slots : SLOTS_DEFAULT;
	if (p->nworkers > WORKERS_MAX || p->nslots < 2 || p->nslots > SLOTS_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	p->flags = opts != NULL ? opts->flags : 0;
	if ((p->workers = sceau_calloc(p->nworkers, sizeof(*p->workers))) ==
	        NULL ||
	    (p->slots = sceau_calloc(p->nslots, sizeof(*p->slots))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < p->nworkers; i++) {
		p->workers[i].p = p;
		if ((p->workers[i].aead = sceau_aead_new()) == NULL ||
		    (p->workers[i].hash = sceau_hash_ctx_new()) == NULL)
			return SCEAU_ERR_ALLOC;
	}
	/* One mapping, touched now rather than on the hot path. */
	if ((p->pool = sceau_secmem_alloc((size_t)p->nslots * SLOT_CAP)) ==
	    NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < p->nslots; i++)
		p->slots[i].buf = p->pool + (size_t)i * SLOT_CAP;
	return 0;
}

static int
pl_start(struct pl *p, const struct sceau_pipeline_opts *opts)
{
	int r;

	if ((r = pl_alloc(p, opts)) != 0)
		return r;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return SCEAU_ERR_SYSTEM;
	if (pthread_cond_init(&p->work_cv, NULL) != 0) {
		(void)pthread_mutex_destroy(&p->mu);
		return SCEAU_ERR_SYSTEM;
	}
	if (pthread_cond_init(&p->done_cv, NULL) != 0) {
		(void)pthread_cond_destroy(&p->work_cv);
		(void)pthread_mutex_destroy(&p->mu);
		return SCEAU_ERR_SYSTEM;
	}
	p->sync_ready = 1;
	for (; p->started < p->nworkers; p->started++) {
		if ((r = pthread_create(&p->workers[p->started].th, NULL,
		         pl_worker_main, &p->workers[p->started])) != 0) {
			sceau_message(
			    "pipeline: cannot start a thread: %s", strerror(r));
			return SCEAU_ERR_SYSTEM;
		}
	}
	return 0;
}

/* ---- the engine: the caller's side -------------------------------------- */

static void
pl_submit(struct pl *p)
{
	(void)pthread_mutex_lock(&p->mu);
	p->filling->state = SLOT_READY;
	p->filling = NULL;
	p->head++;
	(void)pthread_cond_signal(&p->work_cv);
	(void)pthread_mutex_unlock(&p->mu);
}

static void
pl_fail_file(struct pl_file *f, int status, uint32_t index, int err)
{
	if (f->pub.status != 0)
		return;
	f->pub.status = status;
	f->pub.fail_block = index;
	f->err = err;
}

/* Writes one finished item in order, and completes its file. */
static int
pl_write_item(struct pl *p, struct pl_item *it)
{
	struct pl_file *f = it->file;
	int r = 0;

	if (p->fatal == 0 && (r = p->ops->write(p, it)) != 0)
		p->fatal = r;
	sceau_memzero(it->key, sizeof(it->key));
	if (p->fatal != 0)
		return p->fatal;
	if (++f->written == f->nblocks && (r = p->ops->file_done(p, f)) != 0)
		p->fatal = r;
	return p->fatal;
}

/* Waits for the oldest submitted slot and writes it. */
static int
pl_drain_one(struct pl *p)
{
	struct pl_slot *s = &p->slots[p->tail % p->nslots];
	unsigned int i;

	(void)pthread_mutex_lock(&p->mu);
	while (s->state != SLOT_DONE)
		(void)pthread_cond_wait(&p->done_cv, &p->mu);
	(void)pthread_mutex_unlock(&p->mu);
	for (i = 0; i < s->nitems; i++)
		(void)pl_write_item(p, &s->items[i]);
	s->nitems = 0;
	s->used = 0;
	s->state = SLOT_FREE;
	p->tail++;
	return p->fatal;
}

/* Where an item goes in a slot: its plaintext aligned if asked. */
static size_t
pl_item_pos(size_t used, int align)
{
	if (!align)
		return used;
	used += NONCE_LEN + DIO_ALIGN - 1;
	return used - used % DIO_ALIGN - NONCE_LEN;
}

/*
 * A new item of ctlen bytes in the slot being filled (waits if the pool
 * is full); align: its plaintext starts DIO_ALIGN-aligned.
 */
static int
pl_next_item(struct pl *p, size_t ctlen, int align, struct pl_item **itp)
{
	struct pl_slot *s;
	struct pl_item *it;
	size_t pos;
	int r;

	*itp = NULL;
	for (;;) {
		if (p->fatal != 0)
			return p->fatal;
		if ((s = p->filling) != NULL) {
			pos = pl_item_pos(s->used, align);
			if (s->nitems < ITEMS_MAX && pos <= SLOT_CAP &&
			    ctlen <= SLOT_CAP - pos)
				break;
			pl_submit(p);
		}
		while (p->head - p->tail >= p->nslots)
			if ((r = pl_drain_one(p)) != 0)
				return r;
		s = &p->slots[p->head % p->nslots];
		s->state = SLOT_FILLING;
		s->nitems = 0;
		s->used = 0;
		p->filling = s;
	}
	it = &s->items[s->nitems++];
	memset(it, 0, sizeof(*it));
	it->ct = s->buf + pos;
	s->used = pos + ctlen;
	*itp = it;
	return 0;
}

/* Submits what is being filled and writes everything submitted. */
static int
pl_drain_all(struct pl *p)
{
	int r;

	if (p->filling != NULL) {
		if (p->filling->nitems > 0) {
			pl_submit(p);
		} else {
			p->filling->state = SLOT_FREE;
			p->filling = NULL;
		}
	}
	while (p->tail < p->head)
		if ((r = pl_drain_one(p)) != 0)
			return r;
	return p->fatal;
}

static struct pl_file *
pl_file_new(struct pl *p, void *tag, uint64_t size, uint32_t nblocks)
{
	struct pl_file *f;

	if ((f = sceau_calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->pub.tag = tag;
	f->pub.size = size;
	f->pub.fd = -1;
	f->in_fd = -1;
	f->dio_fd = -1;
	f->nblocks = nblocks;
	if (p->last != NULL)
		p->last->next = f;
	else
		p->first = f;
	p->last = f;
	return f;
}

/* Hands the leading files whose blocks are all written to the callback. */
static int
pl_deliver(struct pl *p)
{
	struct pl_file *f;
	int r = 0;

	while (r == 0 && (f = p->first) != NULL && f->written == f->nblocks) {
		p->first = f->next;
		if (p->first == NULL)
			p->last = NULL;
		if (f->pub.status != 0) {
			sceau_pipeline_descs_free(f->pub.descs, f->pub.n_descs);
			f->pub.descs = NULL;
			f->pub.n_descs = 0;
			sceau_message("block %" PRIu32 ": %s%s%s",
			    f->pub.fail_block, sceau_strerror(f->pub.status),
			    f->err != 0 ? ": " : "",
			    f->err != 0 ? strerror(f->err) : "");
		}
		r = p->cb != NULL ? p->cb(p->cb_arg, &f->pub) : 0;
		pl_file_free(f);
	}
	if (r != 0 && p->fatal == 0)
		p->fatal = r;
	return p->fatal;
}

/* ---- import ------------------------------------------------------------ */

static int
pl_pread_full(int fd, uint8_t *dst, size_t n, uint64_t off, int *errp)
{
	ssize_t got;

	while (n > 0) {
		got = pread(fd, dst, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			/* 0: the file shrank since it was queued. */
			*errp = got < 0 ? errno : 0;
			return got < 0 ? SCEAU_ERR_SYSTEM : SCEAU_ERR_CONFLICT;
		}
		dst += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/* Seals pt[0..n) in place and hashes nonce || ct || tag as it goes. */
static int
pl_seal(struct pl_worker *w, struct pl_item *it)
{
	uint8_t *pt = it->ct + NONCE_LEN, *tag = pt + it->size;
	size_t off, step;
	int r;

	if ((r = sceau_aead_encrypt_init(w->aead, it->key, it->ct, NULL, 0)) !=
	        0 ||
	    (r = sceau_hash_init(w->hash)) != 0 ||
	    (r = sceau_hash_update(w->hash, it->ct, NONCE_LEN)) != 0)
		return r;
	for (off = 0; off < it->size; off += step) {
		step = SCEAU_MIN((size_t)CHUNK, it->size - off);
		if ((r = sceau_aead_encrypt_update(
		         w->aead, pt + off, step, pt + off)) != 0 ||
		    (r = sceau_hash_update(w->hash, pt + off, step)) != 0)
			return r;
	}
	if ((r = sceau_aead_encrypt_final(w->aead, tag)) != 0 ||
	    (r = sceau_hash_update(w->hash, tag, TAG_LEN)) != 0 ||
	    (r = sceau_hash_final(w->hash, it->digest)) != 0)
		return r;
	return 0;
}

static void
pl_import_work(struct pl_worker *w, struct pl_item *it)
{
	uint8_t rnd[SCEAU_AEAD_KEY_LEN + NONCE_LEN + SCEAU_BLOCK_ID_LEN];
	int r;

	if ((r = sceau_random_bytes(rnd, sizeof(rnd))) != 0)
		goto fail;
	memcpy(it->key, rnd, SCEAU_AEAD_KEY_LEN);
	memcpy(it->ct, rnd + SCEAU_AEAD_KEY_LEN, NONCE_LEN);
	memcpy(
	    it->id, rnd + SCEAU_AEAD_KEY_LEN + NONCE_LEN, SCEAU_BLOCK_ID_LEN);
	sceau_memzero(rnd, sizeof(rnd));
	if ((r = pl_pread_full(it->fd, it->ct + NONCE_LEN, it->size, it->offset,
	         &it->err)) != 0 ||
	    (r = pl_seal(w, it)) != 0)
		goto fail;
	return;
fail:
	/* Whatever was read stays in the pool, wiped at the end. */
	sceau_memzero(it->key, sizeof(it->key));
	it->status = r;
}

static int
pl_import_write(struct pl *p, struct pl_item *it)
{
	struct pl_file *f = it->file;
	struct sceau_block_desc *d;
	size_t ctlen = (size_t)it->size + SCEAU_BLOCK_OVERHEAD;
	int r;

	if (it->index == 0)
		f->mark = sceau_blockcache_batch_mark(p->cache);
	if (f->pub.status != 0)
		return 0;
	if (it->status != 0) {
		/* Its blocks so far stay unindexed garbage in the pack. */
		pl_fail_file(f, it->status, it->index, it->err);
		sceau_blockcache_batch_rewind(p->cache, f->mark);
		return 0;
	}
	if ((r = sceau_blockcache_append(
	         p->cache, p->realm, it->id, it->digest, it->ct, ctlen)) != 0)
		return r;
	d = &f->pub.descs[it->index];
	memcpy(d->id, it->id, sizeof(d->id));
	memcpy(d->key, it->key, sizeof(d->key));
	memcpy(d->digest, it->digest, sizeof(d->digest));
	d->offset = it->offset;
	d->size = it->size;
	d->ct_size = (uint32_t)ctlen;
	p->bytes_since += ctlen;
	return 0;
}

/*
 * Commits the batch, delivers what it made durable, and opens the next
 * batch unless this was the last.
 */
static int
pl_import_commit(struct pl *p, int last)
{
	int r;

	if ((r = sceau_blockcache_commit(p->cache)) != 0) {
		p->fatal = r;
		return r;
	}
	p->bytes_since = 0;
	p->files_since = 0;
	if ((r = pl_deliver(p)) != 0 || last)
		return r;
	if ((r = sceau_blockcache_begin(p->cache)) != 0)
		p->fatal = r;
	return r;
}

static int
pl_import_file_done(struct pl *p, struct pl_file *f)
{
	if (f->in_fd >= 0) {
		(void)close(f->in_fd);
		f->in_fd = -1;
	}
	p->files_since++;
	if (p->bytes_since >= p->commit_bytes ||
	    p->files_since >= p->commit_files)
		return pl_import_commit(p, 0);
	return 0;
}

static const struct pl_ops pl_import_ops = {
    .work = pl_import_work,
    .write = pl_import_write,
    .file_done = pl_import_file_done,
};

int
sceau_pipeline_import_new(struct sceau_blockcache *cache, const char *realm,
    const struct sceau_pipeline_opts *opts, sceau_pipeline_cb cb, void *arg,
    struct sceau_pipeline_import **ip)
{
	struct sceau_pipeline_import *imp;
	struct pl *p;
	int r;

	sceau_return_val_if_fail(ip != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*ip = NULL;
	sceau_return_val_if_fail(
	    cache != NULL && realm != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (strlen(realm) != SCEAU_BLOCKCACHE_REALM_LEN ||
	    sceau_blockcache_in_batch(cache))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((imp = sceau_calloc(1, sizeof(*imp))) == NULL)
		return SCEAU_ERR_ALLOC;
	p = &imp->p;
	p->ops = &pl_import_ops;
	p->cache = cache;
	memcpy(p->realm, realm, sizeof(p->realm));
	p->cb = cb;
	p->cb_arg = arg;
	p->commit_bytes = opts != NULL && opts->commit_bytes != 0
	    ? opts->commit_bytes
	    : COMMIT_BYTES_DEFAULT;
	p->commit_files = opts != NULL && opts->commit_files != 0
	    ? opts->commit_files
	    : COMMIT_FILES_DEFAULT;
	if ((r = pl_start(p, opts)) != 0 ||
	    (r = sceau_blockcache_begin(cache)) != 0) {
		sceau_pipeline_import_free(imp);
		return r;
	}
	*ip = imp;
	return 0;
}

/* Size and block count of a regular file; closes fd when refused. */
static int
pl_import_stat(int fd, uint64_t *sizep, uint32_t *nblocksp)
{
	struct stat st;
	uint64_t n;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
		(void)close(fd);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	*sizep = (uint64_t)st.st_size;
	n = (*sizep + SCEAU_BLOCK_SIZE - 1) / SCEAU_BLOCK_SIZE;
	if (n > SCEAU_FILE_BLOCKS_MAX) {
		(void)close(fd);
		return SCEAU_ERR_FILE_TOO_LARGE;
	}
	*nblocksp = (uint32_t)n;
	return 0;
}

/* A new file record with its (empty) descriptors; closes fd on failure. */
static int
pl_import_file(struct pl *p, int fd, void *tag, struct pl_file **fp)
{
	struct pl_file *f;
	uint64_t size;
	uint32_t nblocks;
	int r;

	if ((r = pl_import_stat(fd, &size, &nblocks)) != 0)
		return r;
	if ((f = pl_file_new(p, tag, size, nblocks)) == NULL) {
		(void)close(fd);
		return SCEAU_ERR_ALLOC;
	}
	f->in_fd = fd;
	if (nblocks > 0 &&
	    (f->pub.descs = sceau_calloc(nblocks, sizeof(*f->pub.descs))) ==
	        NULL) {
		/* Queued already: stop (the record is freed with p). */
		p->fatal = SCEAU_ERR_ALLOC;
		return SCEAU_ERR_ALLOC;
	}
	f->pub.n_descs = nblocks;
	*fp = f;
	return 0;
}

int
sceau_pipeline_import_add(struct sceau_pipeline_import *ip, int fd, void *tag)
{
	struct pl *p;
	struct pl_file *f;
	struct pl_item *it;
	uint64_t off;
	uint32_t i, n;
	int r;

	sceau_return_val_if_fail(
	    ip != NULL && fd >= 0, SCEAU_ERR_INVALID_ARGUMENT);
	p = &ip->p;
	if (p->fatal == 0 && !sceau_blockcache_in_batch(p->cache))
		p->fatal = SCEAU_ERR_INVALID_ARGUMENT; /* finished already */
	if (p->fatal != 0) {
		(void)close(fd);
		return p->fatal;
	}
	if ((r = pl_import_file(p, fd, tag, &f)) != 0)
		return r;
	if (f->nblocks == 0) {
		(void)close(f->in_fd);
		f->in_fd = -1;
		return 0;
	}
	for (i = 0; i < f->nblocks; i++) {
		off = (uint64_t)i * SCEAU_BLOCK_SIZE;
		n = (uint32_t)SCEAU_MIN(
		    (uint64_t)SCEAU_BLOCK_SIZE, f->pub.size - off);
		if ((r = pl_next_item(
		         p, (size_t)n + SCEAU_BLOCK_OVERHEAD, 0, &it)) != 0)
			return r;
		it->file = f;
		it->index = i;
		it->offset = off;
		it->size = n;
		it->fd = f->in_fd;
	}
	return 0;
}

int
sceau_pipeline_import_finish(struct sceau_pipeline_import *ip)
{
	struct pl *p;
	int r;

	sceau_return_val_if_fail(ip != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	p = &ip->p;
	if (p->fatal == 0 && !sceau_blockcache_in_batch(p->cache))
		p->fatal = SCEAU_ERR_INVALID_ARGUMENT; /* finished already */
	if ((r = pl_drain_all(p)) != 0)
		return r;
	return pl_import_commit(p, 1);
}

void
sceau_pipeline_import_free(struct sceau_pipeline_import *ip)
{
	if (ip == NULL)
		return;
	pl_destroy(&ip->p);
	sceau_blockcache_abort(ip->p.cache);
	sceau_freezero(ip, sizeof(*ip));
}

/* Takes the one file's result out of the pipeline. */
static int
pl_take_one(void *arg, struct sceau_pipeline_file *f)
{
	struct sceau_pipeline_file *out = arg;

	if (f->status != 0)
		return f->status;
	*out = *f;
	f->descs = NULL;
	return 0;
}

int
sceau_pipeline_import_fd(struct sceau_blockcache *cache, const char *realm,
    int fd, struct sceau_block_desc **descsp, size_t *np, uint64_t *sizep)
{
	struct sceau_pipeline_import *ip = NULL;
	struct sceau_pipeline_file res;
	int dup_fd, r;

	sceau_return_val_if_fail(
	    descsp != NULL && np != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*descsp = NULL;
	*np = 0;
	if (sizep != NULL)
		*sizep = 0;
	memset(&res, 0, sizeof(res));
	if ((dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_pipeline_import_new(
	         cache, realm, NULL, pl_take_one, &res, &ip)) != 0) {
		(void)close(dup_fd);
		return r;
	}
	if ((r = sceau_pipeline_import_add(ip, dup_fd, NULL)) == 0)
		r = sceau_pipeline_import_finish(ip);
	sceau_pipeline_import_free(ip);
	if (r != 0) {
		sceau_pipeline_descs_free(res.descs, res.n_descs);
		return r;
	}
	*descsp = res.descs;
	*np = res.n_descs;
	if (sizep != NULL)
		*sizep = res.size;
	return 0;
}

/* ---- export ------------------------------------------------------------ */

int
sceau_pipeline_cache_source(void *arg, const struct sceau_block_desc *d,
    uint8_t *dst, size_t cap, size_t *lenp)
{
	return sceau_blockcache_get(arg, d->id, 0, dst, cap, lenp);
}

static int
pl_pwrite_full(int fd, const uint8_t *p, size_t n, uint64_t off, int *errp)
{
	if ((*errp = sceau_pwrite_all(fd, p, n, off)) != 0)
		return SCEAU_ERR_SYSTEM;
	return 0;
}

/*
 * On a worker: one block's plaintext at its place in the output.  With
 * direct I/O the aligned part goes direct, the tail of the last block
 * through the page cache.
 */
static int
pl_export_pwrite(const struct pl_file *f, const uint8_t *pt, size_t n,
    uint64_t off, int *errp)
{
	size_t direct = f->dio_fd >= 0 ? n - n % DIO_ALIGN : 0;
	int r;

	if (direct > 0) {
		r = pl_pwrite_full(f->dio_fd, pt, direct, off, errp);
		if (r != 0 && *errp != EINVAL)
			return r;
		if (r != 0)
			direct = 0; /* refused after all: buffered */
		*errp = 0;
	}
	return pl_pwrite_full(
	    f->pub.fd, pt + direct, n - direct, off + direct, errp);
}

static void
pl_export_work(struct pl_worker *w, struct pl_item *it)
{
	uint8_t *ct = it->ct + NONCE_LEN;
	uint8_t md[SCEAU_SHA256_LEN];
	int r;

	if ((w->p->flags & SCEAU_PIPELINE_VERIFY_DIGEST) != 0) {
		if ((r = sceau_hash_init(w->hash)) != 0 ||
		    (r = sceau_hash_update(w->hash, it->ct,
		         (size_t)it->size + SCEAU_BLOCK_OVERHEAD)) != 0 ||
		    (r = sceau_hash_final(w->hash, md)) != 0)
			goto fail;
		if (sceau_timingsafe_bcmp(md, it->digest, sizeof(md)) != 0) {
			r = SCEAU_ERR_DECRYPT_FAILED;
			goto fail;
		}
	}
	/* The tag is checked before any plaintext leaves: failure wipes. */
	r = sceau_aead_decrypt(
	    w->aead, it->key, it->ct, NULL, 0, ct, it->size, ct + it->size, ct);
	if (r == 0 && it->file->positional)
		r = pl_export_pwrite(it->file, ct, it->size,
		    it->file->base + it->offset, &it->err);
fail:
	sceau_memzero(it->key, sizeof(it->key));
	it->status = r;
}

static int
pl_write_full(int fd, const uint8_t *p, size_t n, int *errp)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*errp = w < 0 ? errno : EIO;
			return SCEAU_ERR_SYSTEM;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
pl_export_write(struct pl *p, struct pl_item *it)
{
	struct pl_file *f = it->file;
	int err = 0, r;

	(void)p;
	if (f->pub.status != 0)
		return 0;
	if (it->status != 0) {
		pl_fail_file(f, it->status, it->index, it->err);
		return 0;
	}
	if (f->positional)
		return 0; /* written by the worker */
	if ((r = pl_write_full(
	         f->pub.fd, it->ct + NONCE_LEN, it->size, &err)) != 0)
		pl_fail_file(f, r, it->index, err);
	return 0;
}

static int
pl_export_file_done(struct pl *p, struct pl_file *f)
{
	if (f->dio_fd >= 0) {
		(void)close(f->dio_fd);
		f->dio_fd = -1;
	}
	/* Leave the file offset where write(2) would have. */
	if (f->positional &&
	    lseek(f->pub.fd, (off_t)(f->base + f->pub.size), SEEK_SET) < 0)
		pl_fail_file(f, SCEAU_ERR_SYSTEM, f->nblocks - 1, errno);
	return pl_deliver(p);
}

/*
 * How to write fd: positional (from its current offset) if a regular file
 * open for writing (not O_APPEND, where pwrite appends), and direct
 * through a second descriptor if large enough, aligned, and the file
 * system agrees.
 */
static void
pl_export_mode(struct pl_file *f, int fd)
{
	int fl = fcntl(fd, F_GETFL);
	char path[64];
	struct stat st;
	off_t cur;

	if (fl < 0 || (fl & O_APPEND) != 0 || (fl & O_ACCMODE) == O_RDONLY ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (cur = lseek(fd, 0, SEEK_CUR)) < 0)
		return;
	f->positional = 1;
	f->base = (uint64_t)cur;
	if (f->pub.size < DIO_FILE_MIN || f->base % DIO_ALIGN != 0)
		return;
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	f->dio_fd = open(path, O_WRONLY | O_CLOEXEC | O_DIRECT);
}

static const struct pl_ops pl_export_ops = {
    .work = pl_export_work,
    .write = pl_export_write,
    .file_done = pl_export_file_done,
};

int
sceau_pipeline_export_new(sceau_pipeline_source src, void *src_arg,
    const struct sceau_pipeline_opts *opts, sceau_pipeline_cb cb, void *arg,
    struct sceau_pipeline_export **ep)
{
	struct sceau_pipeline_export *exp;
	int r;

	sceau_return_val_if_fail(ep != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*ep = NULL;
	sceau_return_val_if_fail(src != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((exp = sceau_calloc(1, sizeof(*exp))) == NULL)
		return SCEAU_ERR_ALLOC;
	exp->p.ops = &pl_export_ops;
	exp->p.src = src;
	exp->p.src_arg = src_arg;
	exp->p.cb = cb;
	exp->p.cb_arg = arg;
	if ((r = pl_start(&exp->p, opts)) != 0) {
		sceau_pipeline_export_free(exp);
		return r;
	}
	*ep = exp;
	return 0;
}

/* The blocks must tile the file: in order, full but the last. */
static int
pl_export_check(const struct sceau_block_desc *d, size_t n, uint64_t *sizep)
{
	uint64_t off = 0;
	size_t i;

	*sizep = 0;
	if (n > SCEAU_FILE_BLOCKS_MAX || (n > 0 && d == NULL))
		return SCEAU_ERR_INVALID_ARGUMENT;
	for (i = 0; i < n; i++) {
		if (d[i].offset != off || d[i].size == 0 ||
		    d[i].size > SCEAU_BLOCK_SIZE ||
		    (i + 1 < n && d[i].size != SCEAU_BLOCK_SIZE) ||
		    d[i].ct_size != d[i].size + SCEAU_BLOCK_OVERHEAD)
			return SCEAU_ERR_INVALID_ARGUMENT;
		off += d[i].size;
	}
	*sizep = off;
	return 0;
}

/* Fetches block d into the item's buffer; a bad length fails the file. */
static void
pl_export_fetch(
    struct pl *p, struct pl_item *it, const struct sceau_block_desc *d)
{
	size_t len = 0;
	int r;

	r = p->src(p->src_arg, d, it->ct, d->ct_size, &len);
	if (r == 0 && len != d->ct_size)
		r = SCEAU_ERR_DECRYPT_FAILED;
	if (r != 0)
		it->status = r;
}

int
sceau_pipeline_export_add(struct sceau_pipeline_export *ep,
    const struct sceau_block_desc *descs, size_t n, int fd, void *tag)
{
	struct pl_file *f;
	struct pl_item *it;
	uint64_t size;
	size_t i;
	int r;

	sceau_return_val_if_fail(
	    ep != NULL && fd >= 0, SCEAU_ERR_INVALID_ARGUMENT);
	if (ep->p.fatal != 0)
		return ep->p.fatal;
	if ((r = pl_export_check(descs, n, &size)) != 0)
		return r;
	if ((f = pl_file_new(&ep->p, tag, size, (uint32_t)n)) == NULL)
		return SCEAU_ERR_ALLOC;
	f->pub.fd = fd;
	if (n == 0)
		return pl_deliver(&ep->p);
	pl_export_mode(f, fd);
	for (i = 0; i < n; i++) {
		if ((r = pl_next_item(
		         &ep->p, descs[i].ct_size, f->dio_fd >= 0, &it)) != 0)
			return r;
		it->file = f;
		it->index = (uint32_t)i;
		it->offset = descs[i].offset;
		it->size = descs[i].size;
		memcpy(it->key, descs[i].key, sizeof(it->key));
		memcpy(it->digest, descs[i].digest, sizeof(it->digest));
		pl_export_fetch(&ep->p, it, &descs[i]);
	}
	return 0;
}

int
sceau_pipeline_export_finish(struct sceau_pipeline_export *ep)
{
	int r;

	sceau_return_val_if_fail(ep != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = pl_drain_all(&ep->p)) != 0)
		return r;
	return pl_deliver(&ep->p);
}

void
sceau_pipeline_export_free(struct sceau_pipeline_export *ep)
{
	if (ep == NULL)
		return;
	pl_destroy(&ep->p);
	sceau_freezero(ep, sizeof(*ep));
}

static int
pl_export_status(void *arg, struct sceau_pipeline_file *f)
{
	(void)arg;
	return f->status;
}

int
sceau_pipeline_export_fd(sceau_pipeline_source src, void *src_arg,
    const struct sceau_block_desc *descs, size_t n, int fd)
{
	struct sceau_pipeline_export *ep = NULL;
	int r;

	if ((r = sceau_pipeline_export_new(
	         src, src_arg, NULL, pl_export_status, NULL, &ep)) != 0)
		return r;
	if ((r = sceau_pipeline_export_add(ep, descs, n, fd, NULL)) == 0)
		r = sceau_pipeline_export_finish(ep);
	sceau_pipeline_export_free(ep);
	return r;
}
