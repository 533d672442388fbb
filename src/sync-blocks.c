/*
 * sync-blocks.c: blocks from the server, many per request (doc/protocol.md,
 * "Blocks"): a source that feeds export, fetching ahead in the order
 * export announces (the upload is in sync-upload.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "blockcache.h"
#include "blockframe.h"
#include "encoding.h"
#include "errors.h"
#include "http.h"
#include "paths.h"
#include "sync-internal.h"

#define FETCH_BATCH_BLOCKS 256 /* the most ids a GET takes */
#define FETCH_BATCH_BYTES (16 * 1024 * 1024)

static int
open_cache(struct sceau_client *c, struct sceau_blockcache **bcp)
{
	const struct sceau_keyfile_info *info = sceau_client_info(c);
	char dir[SCEAU_PATHS_MAX];
	int r;

	*bcp = NULL;
	if ((r = sceau_paths_device_file(info->org_id, info->device_id,
	         SCEAU_PATHS_BLOCKS_DIR, 1, dir)) != 0)
		return r;
	return sceau_blockcache_open(dir, NULL, bcp);
}

/* ---------------------------------------------------------------- fetch */

struct fetcher {
	struct sceau_client *c;
	struct sceau_blockcache *bc; /* blocks held here are read here */
	char realm[SCEAU_ID_LEN + 1];
	/* Blocks export announced, in order; next: the first not fetched. */
	uint8_t (*queue)[SCEAU_BLOCK_ID_LEN];
	uint32_t *sizes;
	size_t nq, capq, next;
	/* The last batch fetched: framed blocks, and where each starts. */
	struct sceau_buf *batch;
	struct sceau_buf *query;
};

static int
fetch_enqueue(void *arg, const struct sceau_block_desc *d, size_t n)
{
	struct fetcher *f = arg;
	size_t i;
	void *p;

	/* What was fetched is forgotten: the queue stays the window ahead. */
	if (f->next > 0 && f->next >= f->nq / 2) {
		memmove(f->queue, f->queue + f->next,
		    (f->nq - f->next) * sizeof(*f->queue));
		memmove(f->sizes, f->sizes + f->next,
		    (f->nq - f->next) * sizeof(*f->sizes));
		f->nq -= f->next;
		f->next = 0;
	}
	if (f->nq + n > f->capq) {
		size_t cap = SCEAU_MAX(f->capq * 2, f->nq + n + 64);

		if ((p = sceau_reallocarray(
		         f->queue, cap, sizeof(*f->queue))) == NULL)
			return SCEAU_ERR_ALLOC;
		f->queue = p;
		if ((p = sceau_reallocarray(
		         f->sizes, cap, sizeof(*f->sizes))) == NULL)
			return SCEAU_ERR_ALLOC;
		f->sizes = p;
		f->capq = cap;
	}
	for (i = 0; i < n; i++) {
		/* Only what this device lacks goes to the server. */
		if (f->bc != NULL && sceau_blockcache_has(f->bc, d[i].id) == 1)
			continue;
		memcpy(f->queue[f->nq], d[i].id, SCEAU_BLOCK_ID_LEN);
		f->sizes[f->nq++] = d[i].ct_size;
	}
	return 0;
}

/* Fetches the next blocks of the queue, starting at position pos. */
static int
fetch_batch(struct fetcher *f, size_t pos)
{
	size_t i, bytes = 0;
	long status = 0;
	int r;

	sceau_buf_reset(f->query);
	sceau_buf_reset(f->batch);
	if ((r = sceau_buf_putf(f->query, "/v1/%s/realms/%s/blocks?ids=",
	         sceau_client_info(f->c)->org_id, f->realm)) != 0)
		return r;
	for (i = pos; i < f->nq && i - pos < FETCH_BATCH_BLOCKS; i++) {
		if (i > pos && bytes + f->sizes[i] > FETCH_BATCH_BYTES)
			break;
		bytes += f->sizes[i];
		if ((i > pos && (r = sceau_buf_put(f->query, ",", 1)) != 0) ||
		    (r = sceau_enc_hex_put(
		         f->query, f->queue[i], SCEAU_BLOCK_ID_LEN)) != 0)
			return r;
	}
	if ((r = sceau_buf_put_u8(f->query, 0)) != 0)
		return r;
	f->next = i;
	return sceau_http_request(sceau_client_http(f->c), "GET",
	    (const char *)sceau_buf_ptr(f->query), NULL, NULL, f->batch,
	    &status);
}

/*
 * Finds block id in the last batch; 0 and its bytes, NOT_FOUND, or
 * PROTOCOL for a reply that is not a sequence of frames.
 */
static int
find_in_batch(
    const struct fetcher *f, const uint8_t *id, const uint8_t **p, size_t *len)
{
	struct sceau_block_frame fr;
	size_t off = 0;
	int r;

	while ((r = sceau_block_frame_next(sceau_buf_ptr(f->batch),
	            sceau_buf_len(f->batch), &off, &fr)) == 0) {
		if (memcmp(fr.id, id, SCEAU_BLOCK_ID_LEN) == 0) {
			*p = fr.data;
			*len = fr.len;
			return 0;
		}
	}
	if (r < 0) {
		sceau_message(
		    "blocks from the server: bad frame at byte %zu", off);
		return SCEAU_ERR_PROTOCOL;
	}
	return SCEAU_ERR_NOT_FOUND;
}

static int
fetch_block(void *arg, const struct sceau_block_desc *d, uint8_t *dst,
    size_t cap, size_t *lenp)
{
	struct fetcher *f = arg;
	const uint8_t *p;
	size_t len, pos;
	int r;

	*lenp = 0;
	if (f->bc != NULL &&
	    sceau_blockcache_get(f->bc, d->id, 0, dst, cap, lenp) == 0)
		return 0;
	if ((r = find_in_batch(f, d->id, &p, &len)) == SCEAU_ERR_NOT_FOUND) {
		/* Not fetched yet: the batch starting at it. */
		for (pos = f->next; pos < f->nq; pos++) {
			if (memcmp(f->queue[pos], d->id, SCEAU_BLOCK_ID_LEN) ==
			    0)
				break;
		}
		if (pos == f->nq) {
			/* Not announced: fetch it alone (enqueueing may move
			 * the queue: it is its last entry then). */
			if ((r = fetch_enqueue(f, d, 1)) != 0)
				return r;
			if (f->nq == 0 ||
			    memcmp(f->queue[f->nq - 1], d->id,
			        SCEAU_BLOCK_ID_LEN) != 0)
				return SCEAU_ERR_NOT_FOUND;
			pos = f->nq - 1;
		}
		if ((r = fetch_batch(f, pos)) != 0)
			return r;
		r = find_in_batch(f, d->id, &p, &len);
	}
	if (r != 0) {
		sceau_message("the server did not return a block it was asked");
		return r == SCEAU_ERR_NOT_FOUND ? SCEAU_ERR_DATA_TAMPERED : r;
	}
	if (len > cap)
		return SCEAU_ERR_DATA_TAMPERED;
	memcpy(dst, p, len);
	*lenp = len;
	return 0;
}

int
sceau_sync_source_new(
    struct sceau_client *c, const char *realm_id, struct sceau_ws_source *src)
{
	struct fetcher *f;

	memset(src, 0, sizeof(*src));
	if ((f = sceau_calloc(1, sizeof(*f))) == NULL)
		return SCEAU_ERR_ALLOC;
	f->c = c;
	(void)snprintf(f->realm, sizeof(f->realm), "%s", realm_id);
	/* No cache (a new device): everything comes from the server. */
	if (open_cache(c, &f->bc) != 0)
		f->bc = NULL;
	if ((f->batch = sceau_buf_new()) == NULL ||
	    (f->query = sceau_buf_new()) == NULL) {
		sceau_blockcache_close(f->bc);
		sceau_buf_free(f->batch);
		sceau_free(f);
		return SCEAU_ERR_ALLOC;
	}
	src->fetch = fetch_block;
	src->enqueue = fetch_enqueue;
	src->arg = f;
	return 0;
}

void
sceau_sync_source_free(struct sceau_ws_source *src)
{
	struct fetcher *f = src->arg;

	if (f == NULL)
		return;
	sceau_blockcache_close(f->bc);
	sceau_buf_free(f->batch);
	sceau_buf_free(f->query);
	sceau_free(f->queue);
	sceau_free(f->sizes);
	sceau_free(f);
	memset(src, 0, sizeof(*src));
}
