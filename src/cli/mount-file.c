/*
 * mount-file.c: workspace files open through the mount.
 *
 * Reading decrypts one block at a time (the block of the last read is
 * kept, so sequential reads decrypt each block once): a file is never
 * held whole in memory.  The first change to a file (write, truncate)
 * gives it a spill file: an unlinked 0600 file in a 0700 folder of the
 * data directory holding its plaintext, which takes every write.  Saving
 * (fsync, and the last close) encrypts the spill into blocks through the
 * import pipeline (sceau_ws_write_fd) and commits the workspace: the
 * change is then durable and the sync engine sends it.  Open handles of
 * one file share one node (keyed by its vlob id, which a rename keeps), so
 * they see each other's writes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "errors.h"
#include "mount.h"
#include "secmem.h"

struct mnode *
mnt_node_find(struct mnt *m, const char *id)
{
	struct mnode *n;

	for (n = m->open; n != NULL; n = n->next)
		if (strcmp(n->id, id) == 0)
			return n;
	return NULL;
}

int
mnt_node_get(struct mnt *m, const char *id, struct mnode **np)
{
	const struct sceau_manifest *f;
	struct mnode *n;
	int r;

	*np = NULL;
	if ((n = mnt_node_find(m, id)) != NULL) {
		n->refs++;
		*np = n;
		return 0;
	}
	if ((r = sceau_ws_manifest(m->w, id, &f)) != 0)
		return r;
	if (f->type != SCEAU_MANIFEST_FILE)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((n = sceau_calloc(1, sizeof(*n))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((n->m = sceau_manifest_dup(f)) == NULL) {
		sceau_free(n);
		return SCEAU_ERR_ALLOC;
	}
	(void)snprintf(n->id, sizeof(n->id), "%s", id);
	n->refs = 1;
	n->spill = -1;
	n->size = f->size;
	n->next = m->open;
	m->open = n;
	*np = n;
	return 0;
}

static void
node_free(struct mnt *m, struct mnode *n)
{
	struct mnode **pp;

	for (pp = &m->open; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	}
	if (n->spill >= 0)
		(void)close(n->spill);
	if (n->blk != NULL) {
		sceau_memzero(n->blk, SCEAU_BLOCK_SIZE);
		sceau_free(n->blk);
	}
	sceau_manifest_free(n->m);
	sceau_free(n);
}

void
mnt_nodes_free(struct mnt *m)
{
	while (m->open != NULL)
		node_free(m, m->open);
}

int
mnt_node_save(struct mnt *m, struct mnode *n)
{
	int r;

	if (!n->dirty)
		return 0;
	if (n->unlinked) {
		/* Removed while open: nothing left to keep it under. */
		n->dirty = 0;
		return 0;
	}
	/* A time set while changed (cp -p sets it before closing) stays. */
	if ((r = sceau_ws_write_fd(m->w, n->id, n->spill)) != 0 ||
	    (n->mtime != 0 &&
	        (r = sceau_ws_set_mtime(m->w, n->id, n->mtime)) != 0) ||
	    (r = sceau_ws_commit(m->w)) != 0) {
		mnt_logf(m, "saving a file: %s (%s)", sceau_strerror(r),
		    sceau_last_message());
		return r;
	}
	n->dirty = 0;
	return 0;
}

int
mnt_node_put(struct mnt *m, struct mnode *n)
{
	int r = 0;

	if (n->refs > 0)
		n->refs--;
	if (n->refs == 0) {
		r = mnt_node_save(m, n);
		node_free(m, n);
	}
	return r;
}

int
mnt_save_all(struct mnt *m)
{
	struct mnode *n;
	int r, first = 0;

	for (n = m->open; n != NULL; n = n->next)
		if ((r = mnt_node_save(m, n)) != 0 && first == 0)
			first = r;
	return first;
}

/* ---------------------------------------------------------- blocks */

/* The index of the block holding byte off of f, or f->n_blocks. */
static size_t
block_at(const struct sceau_manifest *f, uint64_t off)
{
	size_t lo = 0, hi = f->n_blocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sceau_block_desc *d = &f->blocks[mid];

		if (off < d->offset)
			hi = mid;
		else if (off >= d->offset + d->size)
			lo = mid + 1;
		else
			return mid;
	}
	return f->n_blocks;
}

/*
 * Fetches block d (this device's cache, else the server) and decrypts it
 * into m->pt.  A block from the server that decrypts is kept in the
 * cache, so that it reads offline from then on.
 */
static int
block_decrypt(struct mnt *m, const struct sceau_block_desc *d, uint8_t **ptp)
{
	size_t len = 0;
	int r, cached = 1;

	*ptp = NULL;
	if (d->size > SCEAU_BLOCK_SIZE ||
	    d->ct_size != d->size + SCEAU_BLOCK_OVERHEAD)
		return SCEAU_ERR_DATA_TAMPERED;
	if (m->cache.fetch(m->cache.arg, d, m->ct, SCEAU_BLOCK_MAX, &len) !=
	    0) {
		cached = 0;
		if ((r = m->src.fetch(
		         m->src.arg, d, m->ct, SCEAU_BLOCK_MAX, &len)) != 0)
			return r;
	}
	if (len != d->ct_size)
		return SCEAU_ERR_DATA_TAMPERED;
	if (sceau_aead_decrypt(m->aead, d->key, m->ct, NULL, 0,
	        m->ct + SCEAU_AEAD_NONCE_LEN, d->size,
	        m->ct + SCEAU_AEAD_NONCE_LEN + d->size, m->pt) != 0)
		return SCEAU_ERR_DATA_TAMPERED;
	if (!cached && m->at == 0 &&
	    (r = sceau_ws_cache_block(m->w, d, m->ct, len)) != 0)
		mnt_logf(m, "keeping a block for offline use: %s (%s)",
		    sceau_strerror(r), sceau_last_message());
	*ptp = m->pt;
	return 0;
}

int
mnt_blocks_keep(struct mnt *m, const struct sceau_block_desc *d, size_t n)
{
	uint8_t *pt;
	size_t i;
	int r;

	/* Announced first: the server sends them many per request. */
	if (m->src.enqueue != NULL &&
	    (r = m->src.enqueue(m->src.arg, d, n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = block_decrypt(m, &d[i], &pt)) != 0)
			return r;
		sceau_memzero(pt, d[i].size);
	}
	return 0;
}

int
mnt_copy_out(struct mnt *m, const struct sceau_manifest *f, int fd)
{
	uint8_t *pt;
	size_t i;
	int r;

	for (i = 0; i < f->n_blocks; i++) {
		const struct sceau_block_desc *d = &f->blocks[i];

		if ((r = block_decrypt(m, d, &pt)) != 0)
			return mnt_errno(r);
		r = -sceau_pwrite_all(fd, pt, d->size, d->offset);
		sceau_memzero(pt, d->size);
		if (r != 0)
			return r;
	}
	if (ftruncate(fd, (off_t)f->size) != 0)
		return -errno;
	return 0;
}

int
mnt_spill_new(struct mnt *m, int *fdp)
{
	char tmpl[SCEAU_PATHS_MAX + 32];
	int fd;

	*fdp = -1;
	fd = open(m->spill_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		/* No O_TMPFILE here: a named file, unlinked at once. */
		if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s/spill.XXXXXX",
		        m->spill_dir) >= sizeof(tmpl))
			return -ENAMETOOLONG;
		if ((fd = mkostemp(tmpl, O_CLOEXEC)) >= 0)
			(void)unlink(tmpl);
	}
	if (fd < 0)
		return -errno;
	*fdp = fd;
	return 0;
}

/* Gives n a spill holding its content (its first size bytes with keep). */
static int
node_spill(struct mnt *m, struct mnode *n, int keep)
{
	int fd, r;

	if (n->spill >= 0)
		return 0;
	if ((r = mnt_spill_new(m, &fd)) != 0)
		return r;
	if (keep && (r = mnt_copy_out(m, n->m, fd)) != 0) {
		(void)close(fd);
		return r;
	}
	n->spill = fd;
	n->blk_valid = 0;
	return 0;
}

/* ---------------------------------------------------------- reads */

static int
read_spill(struct mnode *n, char *buf, size_t size, uint64_t off, size_t *got)
{
	ssize_t k;

	*got = 0;
	while (*got < size) {
		k = pread(
		    n->spill, buf + *got, size - *got, (off_t)(off + *got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		*got += (size_t)k;
	}
	return 0;
}

/* Makes n->blk the plaintext of block i. */
static int
node_block(struct mnt *m, struct mnode *n, size_t i)
{
	const struct sceau_block_desc *d = &n->m->blocks[i];
	uint8_t *pt;
	int r;

	if (n->blk_valid && n->blk_idx == i)
		return 0;
	if (n->blk == NULL && (n->blk = sceau_malloc(SCEAU_BLOCK_SIZE)) == NULL)
		return -ENOMEM;
	n->blk_valid = 0;
	if ((r = block_decrypt(m, d, &pt)) != 0) {
		mnt_logf(m, "reading a block: %s (%s)", sceau_strerror(r),
		    sceau_last_message());
		return mnt_errno(r);
	}
	memcpy(n->blk, pt, d->size);
	sceau_memzero(pt, d->size);
	n->blk_idx = i;
	n->blk_valid = 1;
	return 0;
}

int
mnt_node_read(struct mnt *m, struct mnode *n, char *buf, size_t size,
    uint64_t off, size_t *got)
{
	const struct sceau_block_desc *d;
	size_t i, k;
	int r;

	if (n->spill >= 0)
		return read_spill(n, buf, size, off, got);
	*got = 0;
	if (off >= n->size)
		return 0;
	if (size > n->size - off)
		size = (size_t)(n->size - off);
	while (*got < size) {
		i = block_at(n->m, off + *got);
		if (i == n->m->n_blocks) {
			/* No block there (a hole): zeros. */
			memset(buf + *got, 0, size - *got);
			*got = size;
			break;
		}
		if ((r = node_block(m, n, i)) != 0)
			return r;
		d = &n->m->blocks[i];
		k = (size_t)(d->offset + d->size - (off + *got));
		if (k > size - *got)
			k = size - *got;
		memcpy(buf + *got, n->blk + (off + *got - d->offset), k);
		*got += k;
	}
	return 0;
}

/* --------------------------------------------------------- changes */

int
mnt_node_write(
    struct mnt *m, struct mnode *n, const char *buf, size_t size, uint64_t off)
{
	int r;

	if ((r = node_spill(m, n, 1)) != 0 ||
	    (r = -sceau_pwrite_all(n->spill, buf, size, off)) != 0)
		return r;
	if (off + size > n->size)
		n->size = off + size;
	n->dirty = 1;
	n->mtime = 0;
	return 0;
}

int
mnt_node_truncate(struct mnt *m, struct mnode *n, uint64_t size)
{
	int r;

	if ((r = node_spill(m, n, size > 0)) != 0)
		return r;
	if (ftruncate(n->spill, (off_t)size) != 0)
		return -errno;
	n->size = size;
	n->dirty = 1;
	n->mtime = 0;
	return 0;
}
