/*
 * manifest-codec.c: the binary form of manifests (doc/workspaces.md) and
 * the invariants checked on decoding: sorted unique valid names, blocks
 * that tile the file in order, sizes that add up.
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "manifest.h"
#include "secmem.h"

#define MANIFEST_VERSION 1

static int
put_entries(const struct sceau_manifest *m, struct sceau_buf *b)
{
	size_t i;
	int r;

	if ((r = sceau_buf_put_u32(b, (uint32_t)m->n_entries)) != 0)
		return r;
	for (i = 0; i < m->n_entries; i++) {
		const struct sceau_manifest_entry *e = &m->entries[i];

		if ((r = sceau_buf_put_cstring(b, e->name)) != 0 ||
		    (r = sceau_buf_put_cstring(b, e->child_id)) != 0 ||
		    (r = sceau_buf_put_u8(b, (uint8_t)e->child_type)) != 0)
			return r;
	}
	return 0;
}

static int
put_blocks(const struct sceau_manifest *m, struct sceau_buf *b)
{
	size_t i;
	int r;

	if ((r = sceau_buf_put_u64(b, m->size)) != 0 ||
	    (r = sceau_buf_put_u32(b, m->block_size)) != 0 ||
	    (r = sceau_buf_put_u32(b, (uint32_t)m->n_blocks)) != 0)
		return r;
	for (i = 0; i < m->n_blocks; i++) {
		const struct sceau_block_desc *k = &m->blocks[i];

		if ((r = sceau_buf_put_string(b, k->id, sizeof(k->id))) != 0 ||
		    (r = sceau_buf_put_string(b, k->key, sizeof(k->key))) !=
		        0 ||
		    (r = sceau_buf_put_u64(b, k->offset)) != 0 ||
		    (r = sceau_buf_put_u32(b, k->size)) != 0 ||
		    (r = sceau_buf_put_u32(b, k->ct_size)) != 0 ||
		    (r = sceau_buf_put_string(
		         b, k->digest, sizeof(k->digest))) != 0)
			return r;
	}
	return 0;
}

int
sceau_manifest_encode(const struct sceau_manifest *m, struct sceau_buf *out)
{
	int r;

	if ((r = sceau_buf_put_u8(out, MANIFEST_VERSION)) != 0 ||
	    (r = sceau_buf_put_u8(out, (uint8_t)m->type)) != 0 ||
	    (r = sceau_buf_put_cstring(out, m->vlob_id)) != 0 ||
	    (r = sceau_buf_put_cstring(out, m->parent_id)) != 0 ||
	    (r = sceau_buf_put_u64(out, m->created)) != 0 ||
	    (r = sceau_buf_put_u64(out, m->updated)) != 0)
		return r;
	if (m->type == SCEAU_MANIFEST_FILE)
		return put_blocks(m, out);
	return put_entries(m, out);
}

static int
get_text(struct sceau_buf *b, char *out, size_t max)
{
	const uint8_t *p;
	size_t len;

	out[0] = '\0';
	if (sceau_buf_get_string_direct(b, max, &p, &len) != 0 ||
	    (len > 0 && memchr(p, '\0', len) != NULL))
		return SCEAU_ERR_INVALID_FORMAT;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int
get_entries(struct sceau_buf *b, struct sceau_manifest *m)
{
	char name[SCEAU_NAME_MAX_BYTES + 1], child[SCEAU_ID_LEN + 1];
	uint32_t n, i;
	uint8_t type;
	int r;

	if (sceau_buf_get_u32(b, &n) != 0 || n > SCEAU_FOLDER_ENTRIES_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	for (i = 0; i < n; i++) {
		if (get_text(b, name, SCEAU_NAME_MAX_BYTES) != 0 ||
		    get_text(b, child, SCEAU_ID_LEN) != 0 ||
		    sceau_buf_get_u8(b, &type) != 0)
			return SCEAU_ERR_INVALID_FORMAT;
		/* Canonical: strictly increasing names. */
		if (i > 0 && strcmp(m->entries[i - 1].name, name) >= 0)
			return SCEAU_ERR_INVALID_FORMAT;
		if ((r = sceau_manifest_add_entry(m, name, child, type)) != 0)
			return r == SCEAU_ERR_ALLOC ? r
			                            : SCEAU_ERR_INVALID_FORMAT;
	}
	return 0;
}

static int
get_block(struct sceau_buf *b, struct sceau_block_desc *k)
{
	if (sceau_buf_get_fixed(b, k->id, sizeof(k->id)) != 0 ||
	    sceau_buf_get_fixed(b, k->key, sizeof(k->key)) != 0 ||
	    sceau_buf_get_u64(b, &k->offset) != 0 ||
	    sceau_buf_get_u32(b, &k->size) != 0 ||
	    sceau_buf_get_u32(b, &k->ct_size) != 0 ||
	    sceau_buf_get_fixed(b, k->digest, sizeof(k->digest)) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}

/* Blocks tile the file: in order, contiguous, sizes that add up. */
static int
get_blocks(struct sceau_buf *b, struct sceau_manifest *m)
{
	struct sceau_block_desc k;
	uint64_t next = 0;
	uint32_t n, i;
	int r = 0;

	if (sceau_buf_get_u64(b, &m->size) != 0 ||
	    sceau_buf_get_u32(b, &m->block_size) != 0 || m->block_size == 0 ||
	    m->block_size > SCEAU_BLOCK_MAX || sceau_buf_get_u32(b, &n) != 0 ||
	    n > SCEAU_FILE_BLOCKS_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	for (i = 0; i < n && r == 0; i++) {
		if (get_block(b, &k) != 0 || k.offset != next || k.size == 0 ||
		    k.size > m->block_size ||
		    k.ct_size != k.size + SCEAU_BLOCK_OVERHEAD)
			r = SCEAU_ERR_INVALID_FORMAT;
		else if ((r = sceau_manifest_add_block(m, &k)) == 0)
			next += k.size;
	}
	sceau_memzero(&k, sizeof(k));
	if (r != 0)
		return r == SCEAU_ERR_ALLOC ? r : SCEAU_ERR_INVALID_FORMAT;
	return next == m->size ? 0 : SCEAU_ERR_INVALID_FORMAT;
}

int
sceau_manifest_decode(const uint8_t *p, size_t n, struct sceau_manifest **mp)
{
	char id[SCEAU_ID_LEN + 1], parent[SCEAU_ID_LEN + 1];
	struct sceau_manifest *m = NULL;
	struct sceau_buf *b;
	uint8_t ver, type;
	uint64_t created, updated;
	int r = SCEAU_ERR_INVALID_FORMAT;

	*mp = NULL;
	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_get_u8(b, &ver) != 0 || ver != MANIFEST_VERSION ||
	    sceau_buf_get_u8(b, &type) != 0 ||
	    get_text(b, id, SCEAU_ID_LEN) != 0 ||
	    get_text(b, parent, SCEAU_ID_LEN) != 0 ||
	    sceau_buf_get_u64(b, &created) != 0 ||
	    sceau_buf_get_u64(b, &updated) != 0)
		goto out;
	if ((m = sceau_manifest_new(type, id, parent, created)) == NULL)
		goto out;
	m->updated = updated;
	r = type == SCEAU_MANIFEST_FILE ? get_blocks(b, m) : get_entries(b, m);
	if (r == 0 && sceau_buf_len(b) != 0)
		r = SCEAU_ERR_INVALID_FORMAT;
out:
	sceau_buf_free(b);
	if (r != 0) {
		sceau_manifest_free(m);
		sceau_message("manifest malformed");
		return r;
	}
	*mp = m;
	return 0;
}
