/*
 * routes-blocks.c: blocks in and out, many per request, as raw frames
 * (doc/protocol.md, "Blocks"): 16 bytes of id, a big-endian u32 length,
 * that many bytes.
 *
 * POST: the body is checked frame by frame before anything is stored,
 * then handed to the backend as pointers into it (no copy): the frames of
 * new blocks go to a pack as they are.  GET: the frames are produced
 * while the reply is sent, reading each block from its pack into
 * libmicrohttpd's buffer, so a reply of 256 blocks of 1 MiB is never
 * whole in memory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "blockframe.h"
#include "blockstore.h"
#include "encoding.h"
#include "errors.h"
#include "log.h"
#include "manifest.h"
#include "routes.h"

/* ------------------------------------------------------------- POST */

/* Checks the framing of the whole body; *n: the number of blocks. */
static int
blk_count(const uint8_t *p, size_t len, size_t *n)
{
	struct sceau_block_frame f;
	size_t off = 0;
	int r;

	*n = 0;
	while ((r = sceau_block_frame_next(p, len, &off, &f)) == 0) {
		if (++*n > SRV_BLOCKS_PER_POST) {
			sceau_message("more than %d blocks in one request",
			    SRV_BLOCKS_PER_POST);
			return SCEAU_ERR_TOO_LARGE;
		}
	}
	if (r == SCEAU_ERR_LIMIT_EXCEEDED) {
		sceau_message(
		    "block %zu: more than %d bytes", *n, SCEAU_BLOCK_MAX);
		return SCEAU_ERR_TOO_LARGE;
	}
	if (r < 0) {
		sceau_message("block %zu: %s", *n,
		    r == SCEAU_ERR_INVALID_FORMAT ? "empty" : "truncated");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (*n == 0) {
		sceau_message("no block in the body");
		return SCEAU_ERR_BAD_REQUEST;
	}
	return 0;
}

/* The frames of a body blk_count() accepted. */
static void
blk_items(const uint8_t *p, size_t len, size_t n, struct srv_block_put *items)
{
	struct sceau_block_frame f;
	size_t i, off = 0;

	for (i = 0; i < n && sceau_block_frame_next(p, len, &off, &f) == 0;
	     i++) {
		items[i].frame = f.id;
		items[i].id = f.id;
		items[i].length = f.len;
		items[i].data = f.data;
		items[i].existing = 0;
	}
}

/* By id, then by place in the body. */
static int
blk_cmp(const void *a, const void *b)
{
	const struct srv_block_put *x = *(const struct srv_block_put *const *)a;
	const struct srv_block_put *y = *(const struct srv_block_put *const *)b;
	int c = memcmp(x->id, y->id, SRV_BLOCK_ID_LEN);

	if (c != 0)
		return c;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/*
 * An id twice in one body: the same bytes count once (the later ones as
 * existing); other bytes are a conflict.
 */
static int
blk_dups(struct srv_block_put *items, size_t n)
{
	struct srv_block_put **s;
	char hex[2 * SRV_BLOCK_ID_LEN + 1];
	size_t i;
	int r = 0;

	if (n < 2)
		return 0;
	if ((s = sceau_calloc(n, sizeof(*s))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < n; i++)
		s[i] = &items[i];
	qsort(s, n, sizeof(*s), blk_cmp);
	for (i = 1; i < n && r == 0; i++) {
		if (memcmp(s[i - 1]->id, s[i]->id, SRV_BLOCK_ID_LEN) != 0)
			continue;
		if (s[i - 1]->length == s[i]->length &&
		    memcmp(s[i - 1]->data, s[i]->data, s[i]->length) == 0) {
			s[i]->existing = 1;
			continue;
		}
		sceau_enc_hex_fixed(s[i]->id, SRV_BLOCK_ID_LEN, hex);
		sceau_message("block %s twice with other bytes", hex);
		r = SCEAU_ERR_CONFLICT;
	}
	sceau_free(s);
	return r;
}

int
srv_route_blocks_post(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_realm_access acc;
	struct srv_block_put *items = NULL;
	size_t i, n, existing = 0;
	json_t *j;
	int r;

	if ((r = srv_realm_access(ctx, args, 1, &acc)) != 0 ||
	    (r = blk_count(req->body, req->body_len, &n)) != 0)
		return r;
	if ((items = sceau_calloc(n, sizeof(*items))) == NULL)
		return SCEAU_ERR_ALLOC;
	blk_items(req->body, req->body_len, n, items);
	if ((r = blk_dups(items, n)) != 0 ||
	    (r = ctx->be->ops->block_put_batch(ctx->be, args->org_id,
	         args->realm_id, items, n, ctx->now_us())) != 0)
		goto out;
	for (i = 0; i < n; i++)
		existing += items[i].existing != 0;
	if ((j = json_object()) == NULL ||
	    sceau_json_set_int(j, "stored", (int64_t)(n - existing)) != 0 ||
	    sceau_json_set_int(j, "existing", (int64_t)existing) != 0) {
		json_decref(j);
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	r = srv_resp_json(resp, 200, j);
out:
	sceau_free(items);
	return r;
}

/* -------------------------------------------------------------- GET */

/* The frames of a GET reply, produced as they are sent. */
struct blk_reader {
	struct srv_blockstore *bs;
	char org_id[SCEAU_ORG_ID_MAX + 1];
	uint8_t *ids; /* n ids, packed */
	struct srv_block_loc *locs;
	size_t n;
	size_t i; /* current block */
	uint64_t done; /* bytes of its frame sent */
	struct srv_pack_reader *rd; /* open on pack rd_pack, or NULL */
	uint64_t rd_pack;
};

static void
blk_reader_free(void *cls)
{
	struct blk_reader *br = cls;

	if (br == NULL)
		return;
	if (br->rd != NULL)
		br->bs->ops->reader_close(br->rd);
	sceau_free(br->ids);
	sceau_free(br->locs);
	sceau_free(br);
}

/* Copies header bytes of the current frame; returns how many. */
static size_t
blk_header(struct blk_reader *br, uint8_t *buf, size_t max)
{
	uint8_t h[SRV_BLOCK_FRAME_HEADER];
	uint32_t len = br->locs[br->i].length;
	size_t n;

	memcpy(h, br->ids + br->i * SRV_BLOCK_ID_LEN, SRV_BLOCK_ID_LEN);
	h[16] = (uint8_t)(len >> 24);
	h[17] = (uint8_t)(len >> 16);
	h[18] = (uint8_t)(len >> 8);
	h[19] = (uint8_t)len;
	n = SCEAU_MIN(max, SRV_BLOCK_FRAME_HEADER - (size_t)br->done);
	memcpy(buf, h + br->done, n);
	return n;
}

/* Reads bytes of the current block; returns how many, or an error. */
static ssize_t
blk_data(struct blk_reader *br, uint8_t *buf, size_t max)
{
	const struct srv_block_loc *loc = &br->locs[br->i];
	uint64_t at = br->done - SRV_BLOCK_FRAME_HEADER;
	size_t n = (size_t)SCEAU_MIN((uint64_t)max, loc->length - at);
	int r;

	if (br->rd != NULL && br->rd_pack != loc->pack) {
		br->bs->ops->reader_close(br->rd);
		br->rd = NULL;
	}
	if (br->rd == NULL) {
		if ((r = br->bs->ops->reader_open(
		         br->bs, br->org_id, loc->pack, &br->rd)) != 0)
			return r;
		br->rd_pack = loc->pack;
	}
	if ((r = br->bs->ops->read(br->rd, loc->offset + at, buf, n)) != 0)
		return r;
	return (ssize_t)n;
}

static ssize_t
blk_read(void *cls, uint8_t *buf, size_t max)
{
	struct blk_reader *br = cls;
	size_t total = 0;
	ssize_t got;

	while (total < max && br->i < br->n) {
		if (br->done < SRV_BLOCK_FRAME_HEADER) {
			got = (ssize_t)blk_header(br, buf + total, max - total);
		} else if ((got = blk_data(br, buf + total, max - total)) < 0) {
			error_r((int)got, "blocks of %s", br->org_id);
			return total > 0 ? (ssize_t)total : got;
		}
		total += (size_t)got;
		br->done += (uint64_t)got;
		if (br->done ==
		    SRV_BLOCK_FRAME_HEADER + (uint64_t)br->locs[br->i].length) {
			br->i++;
			br->done = 0;
		}
	}
	return (ssize_t)total;
}

/* "ids=HEX,HEX,..." into packed ids. */
static int
blk_query(const char *q, uint8_t **ids, size_t *n)
{
	const char *v;
	char name[4], hex[2 * SRV_BLOCK_ID_LEN + 1];
	size_t len, i, k;
	int r;

	*ids = NULL;
	*n = 0;
	if ((r = srv_query_next(&q, name, sizeof(name), &v, &len)) != 0 ||
	    strcmp(name, "ids") != 0 || *q != '\0') {
		sceau_message("query: expected ids=HEX,HEX,...");
		return SCEAU_ERR_BAD_REQUEST;
	}
	for (i = 0, k = 1; i < len; i++)
		k += v[i] == ',';
	if (len == 0 || k > SRV_BLOCK_IDS_MAX) {
		sceau_message(
		    "query: ids: 1 to %d block ids", SRV_BLOCK_IDS_MAX);
		return SCEAU_ERR_BAD_REQUEST;
	}
	if ((*ids = sceau_calloc(k, SRV_BLOCK_ID_LEN)) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < k; i++, v += 2 * SRV_BLOCK_ID_LEN + 1) {
		if (strcspn(v, ",&") != 2 * SRV_BLOCK_ID_LEN)
			break;
		memcpy(hex, v, 2 * SRV_BLOCK_ID_LEN);
		hex[2 * SRV_BLOCK_ID_LEN] = '\0';
		if (sceau_enc_hex_decode_fixed(hex, *ids + i * SRV_BLOCK_ID_LEN,
		        SRV_BLOCK_ID_LEN) != 0)
			break;
	}
	if (i < k) {
		sceau_message("query: ids: 32 hex digits each");
		return SCEAU_ERR_BAD_REQUEST;
	}
	*n = k;
	return 0;
}

static int
blk_reader_new(struct srv_ctx *ctx, const struct srv_route_args *args,
    struct blk_reader *br, struct srv_reader **out)
{
	struct srv_reader *rd;
	size_t i;

	if ((rd = sceau_calloc(1, sizeof(*rd))) == NULL)
		return SCEAU_ERR_ALLOC;
	br->bs = ctx->be->blocks;
	(void)snprintf(br->org_id, sizeof(br->org_id), "%s", args->org_id);
	for (i = 0; i < br->n; i++)
		rd->size +=
		    SRV_BLOCK_FRAME_HEADER + (uint64_t)br->locs[i].length;
	rd->read = blk_read;
	rd->free = blk_reader_free;
	rd->cls = br;
	*out = rd;
	return 0;
}

int
srv_route_blocks_get(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_realm_access acc;
	struct srv_reader *rd = NULL;
	struct blk_reader *br;
	size_t missing;
	int r;

	(void)req;
	if ((r = srv_realm_access(ctx, args, 0, &acc)) != 0)
		return r;
	if ((br = sceau_calloc(1, sizeof(*br))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = blk_query(args->query, &br->ids, &br->n)) != 0)
		goto fail;
	if ((br->locs = sceau_calloc(br->n, sizeof(*br->locs))) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto fail;
	}
	if ((r = ctx->be->ops->block_locate(ctx->be, args->org_id,
	         args->realm_id, br->ids, br->n, br->locs, &missing)) != 0 ||
	    (r = blk_reader_new(ctx, args, br, &rd)) != 0)
		goto fail;
	srv_resp_binary(resp, rd);
	return 0;
fail:
	blk_reader_free(br);
	return r;
}
