/*
 * mount-offline.c: "sceau mount --keep-offline": every file's blocks are
 * fetched into this device's cache in the background, a budget at a
 * time, so that the whole workspace reads offline (without it, only what
 * was read or written on this device does).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "mount.h"
#include "secmem.h"

#define PREFETCH_BATCH 256 /* blocks per request (the server's limit) */
#define PREFETCH_DEPTH 256

struct prefetch {
	struct mnt *m;
	struct sceau_block_desc batch[PREFETCH_BATCH]; /* keys: wiped */
	size_t n;
	uint64_t bytes, budget;
};

static int
flush_batch(struct prefetch *p)
{
	int r;

	if (p->n == 0)
		return 0;
	r = mnt_blocks_keep(p->m, p->batch, p->n);
	sceau_memzero(p->batch, p->n * sizeof(p->batch[0]));
	p->n = 0;
	return r;
}

/* Queues the missing blocks of file f; 1 once the budget is spent. */
static int
visit_file(struct prefetch *p, const struct sceau_manifest *f)
{
	size_t i;
	int c, r;

	for (i = 0; i < f->n_blocks; i++) {
		if ((c = sceau_ws_block_cached(p->m->w, f->blocks[i].id)) < 0)
			return c;
		if (c == 1)
			continue;
		p->batch[p->n++] = f->blocks[i];
		p->bytes += f->blocks[i].ct_size;
		if (p->n == PREFETCH_BATCH && (r = flush_batch(p)) != 0)
			return r;
		if (p->bytes >= p->budget)
			return 1;
	}
	return 0;
}

static int
visit(struct prefetch *p, const char *id, int depth)
{
	char child[SCEAU_ID_LEN + 1];
	const struct sceau_manifest *f;
	size_t i;
	int r;

	if (depth > PREFETCH_DEPTH)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if ((r = sceau_ws_manifest(p->m->w, id, &f)) != 0)
		return r;
	if (f->type == SCEAU_MANIFEST_FILE)
		return visit_file(p, f);
	/* f stays valid: loading children adds nodes, frees none. */
	for (i = 0; i < f->n_entries; i++) {
		(void)snprintf(
		    child, sizeof(child), "%s", f->entries[i].child_id);
		if ((r = visit(p, child, depth + 1)) != 0)
			return r;
	}
	return 0;
}

int
mnt_prefetch(struct mnt *m, uint64_t budget)
{
	struct prefetch *p;
	int r, r2;

	if ((p = sceau_calloc(1, sizeof(*p))) == NULL)
		return SCEAU_ERR_ALLOC;
	p->m = m;
	p->budget = budget;
	r = visit(p, m->realm, 0);
	if (r >= 0 && (r2 = flush_batch(p)) != 0)
		r = r2;
	sceau_memzero(p, sizeof(*p));
	sceau_free(p);
	return r;
}
