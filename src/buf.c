/*
 * buf.c: the bounded buffer (core: allocation, views, consumption).
 *
 * Invariants (checked on entry by sceau_buf_check_sanity):
 *   off <= size <= alloc <= max_size <= SCEAU_BUF_SIZE_MAX
 *   a read-only buffer never writes through cd; d == NULL for it.
 *   refcount >= 1; a buffer with refcount > 1 has views into it and may be
 *   consumed but never written (a write could move the data under them).
 * Bounds checks are written "x > len - n", never "x + n > len".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "buf-internal.h"
#include "errors.h"
#include "secmem.h"

void
sceau_buf_check_sanity(const struct sceau_buf *b)
{
	/*
	 * A broken invariant means memory corruption or a use after free:
	 * continuing could leak or overwrite secrets, so stop the process.
	 */
	if (b == NULL || b->magic != SCEAU_BUF_MAGIC || b->refcount < 1 ||
	    b->max_size > SCEAU_BUF_SIZE_MAX || b->alloc > b->max_size ||
	    b->size > b->alloc || b->off > b->size ||
	    (b->cd == NULL && b->alloc != 0) || (b->readonly && b->d != NULL) ||
	    (!b->readonly && b->d != b->cd))
		abort();
}

struct sceau_buf *
sceau_buf_new(void)
{
	struct sceau_buf *b;

	if ((b = sceau_calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->magic = SCEAU_BUF_MAGIC;
	b->max_size = SCEAU_BUF_SIZE_MAX;
	b->refcount = 1;
	return b;
}

struct sceau_buf *
sceau_buf_from(const void *p, size_t len)
{
	struct sceau_buf *b;

	if ((p == NULL && len != 0) || len > SCEAU_BUF_SIZE_MAX)
		return NULL;
	if ((b = sceau_calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->magic = SCEAU_BUF_MAGIC;
	b->readonly = 1;
	b->cd = p;
	b->size = b->alloc = b->max_size = len;
	b->refcount = 1;
	return b;
}

static void
buf_set_parent(struct sceau_buf *child, struct sceau_buf *parent)
{
	parent->refcount++;
	child->parent = parent;
}

struct sceau_buf *
sceau_buf_fromb(struct sceau_buf *parent)
{
	struct sceau_buf *b;

	sceau_buf_check_sanity(parent);
	if ((b = sceau_buf_from(
	         sceau_buf_ptr(parent), sceau_buf_len(parent))) == NULL)
		return NULL;
	buf_set_parent(b, parent);
	return b;
}

int
sceau_buf_froms(struct sceau_buf *b, struct sceau_buf **childp)
{
	const uint8_t *p;
	size_t len;
	struct sceau_buf *c;
	int r;

	*childp = NULL;
	if ((r = sceau_buf_peek_string_direct(
	         b, SCEAU_BUF_SIZE_MAX, &p, &len)) != 0)
		return r;
	if ((c = sceau_buf_from(p, len)) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_consume(b, 4 + len)) != 0) {
		sceau_buf_free(c);
		return r;
	}
	buf_set_parent(c, b);
	*childp = c;
	return 0;
}

void
sceau_buf_free(struct sceau_buf *b)
{
	struct sceau_buf *parent;

	if (b == NULL)
		return;
	sceau_buf_check_sanity(b);
	if (--b->refcount > 0)
		return;
	parent = b->parent;
	if (!b->readonly)
		sceau_freezero(b->d, b->alloc);
	sceau_memzero(b, sizeof(*b));
	sceau_free(b);
	/* A view holds a reference on its parent: drop it last. */
	sceau_buf_free(parent);
}

void
sceau_buf_reset(struct sceau_buf *b)
{
	sceau_buf_check_sanity(b);
	if (b->readonly || b->refcount > 1) {
		/* Cannot write here: only mark everything as read. */
		b->off = b->size;
		return;
	}
	sceau_memzero(b->d, b->size);
	b->off = b->size = 0;
}

size_t
sceau_buf_len(const struct sceau_buf *b)
{
	sceau_buf_check_sanity(b);
	return b->size - b->off;
}

size_t
sceau_buf_avail(const struct sceau_buf *b)
{
	sceau_buf_check_sanity(b);
	if (b->readonly || b->refcount > 1)
		return 0;
	/* Consumed bytes at the front are reclaimed by packing. */
	return b->max_size - (b->size - b->off);
}

size_t
sceau_buf_max_size(const struct sceau_buf *b)
{
	sceau_buf_check_sanity(b);
	return b->max_size;
}

/* Moves unread data to the front, reclaiming consumed space. */
static void
buf_pack(struct sceau_buf *b)
{
	size_t len = b->size - b->off;

	if (b->off == 0 || b->readonly || b->refcount > 1)
		return;
	memmove(b->d, b->d + b->off, len);
	/* The bytes behind the data may have held secrets. */
	sceau_memzero(b->d + len, b->size - len);
	b->off = 0;
	b->size = len;
}

int
sceau_buf_set_max_size(struct sceau_buf *b, size_t max)
{
	uint8_t *d;

	sceau_buf_check_sanity(b);
	if (max == b->max_size)
		return 0;
	if (b->readonly || b->refcount > 1)
		return SCEAU_ERR_BUFFER_READ_ONLY;
	if (max > SCEAU_BUF_SIZE_MAX)
		return SCEAU_ERR_BUFFER_TOO_LARGE;
	buf_pack(b);
	if (max < b->size)
		return SCEAU_ERR_BUFFER_TOO_LARGE;
	if (max < b->alloc) {
		/* Shrink the allocation so that alloc <= max_size holds. */
		if (b->size == 0) {
			sceau_freezero(b->d, b->alloc);
			b->d = NULL;
		} else if ((d = sceau_recalloc(b->d, b->alloc, b->size)) ==
		    NULL) {
			return SCEAU_ERR_ALLOC;
		} else {
			b->d = d;
		}
		b->cd = b->d;
		b->alloc = b->size;
	}
	b->max_size = max;
	return 0;
}

const uint8_t *
sceau_buf_ptr(const struct sceau_buf *b)
{
	sceau_buf_check_sanity(b);
	if (b->cd == NULL)
		return NULL;
	return b->cd + b->off;
}

uint8_t *
sceau_buf_mutable_ptr(const struct sceau_buf *b)
{
	sceau_buf_check_sanity(b);
	if (b->readonly || b->refcount > 1 || b->d == NULL)
		return NULL;
	return b->d + b->off;
}

int
sceau_buf_check_reserve(const struct sceau_buf *b, size_t len)
{
	sceau_buf_check_sanity(b);
	if (b->readonly || b->refcount > 1)
		return SCEAU_ERR_BUFFER_READ_ONLY;
	if (len > b->max_size || b->size - b->off > b->max_size - len)
		return SCEAU_ERR_BUFFER_TOO_LARGE;
	return 0;
}

int
sceau_buf_allocate(struct sceau_buf *b, size_t len)
{
	size_t need, rlen;
	uint8_t *d;
	int r;

	if ((r = sceau_buf_check_reserve(b, len)) != 0)
		return r;
	/* Reclaim consumed space before growing. */
	if (b->off > 0 && (len > b->alloc - b->size || b->off > b->size / 2))
		buf_pack(b);
	if (len <= b->alloc - b->size)
		return 0;
	need = b->size + len; /* cannot overflow: checked against max_size */
	/* Grow geometrically, in steps of SCEAU_BUF_SIZE_INC, up to max. */
	rlen = b->alloc < SCEAU_BUF_SIZE_INIT ? SCEAU_BUF_SIZE_INIT : b->alloc;
	while (rlen < need && rlen <= b->max_size / 2)
		rlen *= 2;
	if (rlen < need)
		rlen = need;
	rlen = (rlen + SCEAU_BUF_SIZE_INC - 1) / SCEAU_BUF_SIZE_INC *
	    SCEAU_BUF_SIZE_INC;
	if (rlen > b->max_size)
		rlen = b->max_size;
	/* recalloc wipes the old block: a move must not leave secrets. */
	if ((d = sceau_recalloc(b->d, b->alloc, rlen)) == NULL)
		return SCEAU_ERR_ALLOC;
	b->d = d;
	b->cd = d;
	b->alloc = rlen;
	return 0;
}

int
sceau_buf_reserve(struct sceau_buf *b, size_t len, uint8_t **dpp)
{
	int r;

	if (dpp != NULL)
		*dpp = NULL;
	if ((r = sceau_buf_allocate(b, len)) != 0)
		return r;
	/* Nothing to append: d may be NULL, and NULL + 0 is undefined. */
	if (len == 0)
		return 0;
	if (dpp != NULL)
		*dpp = b->d + b->size;
	memset(b->d + b->size, 0, len);
	b->size += len;
	return 0;
}

int
sceau_buf_consume(struct sceau_buf *b, size_t len)
{
	sceau_buf_check_sanity(b);
	if (len == 0)
		return 0;
	if (len > b->size - b->off)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	b->off += len;
	/* Fully read: restart at the front (no data moves). */
	if (b->off == b->size && !b->readonly && b->refcount == 1)
		b->off = b->size = 0;
	return 0;
}

int
sceau_buf_consume_end(struct sceau_buf *b, size_t len)
{
	sceau_buf_check_sanity(b);
	if (len == 0)
		return 0;
	if (len > b->size - b->off)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	b->size -= len;
	return 0;
}

struct sceau_buf *
sceau_buf_dup(const struct sceau_buf *b)
{
	struct sceau_buf *n;

	if ((n = sceau_buf_new()) == NULL)
		return NULL;
	if (sceau_buf_putb(n, b) != 0) {
		sceau_buf_free(n);
		return NULL;
	}
	return n;
}

char *
sceau_buf_dup_cstring(const struct sceau_buf *b)
{
	size_t len = sceau_buf_len(b);
	const uint8_t *p = sceau_buf_ptr(b);
	char *s;

	if (len > 0 && memchr(p, '\0', len) != NULL)
		return NULL;
	if ((s = sceau_malloc(len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

int
sceau_buf_equals(const struct sceau_buf *a, const struct sceau_buf *b)
{
	if (sceau_buf_len(a) != sceau_buf_len(b))
		return SCEAU_ERR_INVALID_FORMAT;
	if (sceau_buf_len(a) == 0)
		return 0;
	if (sceau_timingsafe_bcmp(
	        sceau_buf_ptr(a), sceau_buf_ptr(b), sceau_buf_len(a)) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}

int
sceau_buf_cmp(const struct sceau_buf *b, size_t off, const void *s, size_t len)
{
	size_t have = sceau_buf_len(b);

	if (off > have || len > have - off)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	if (len == 0)
		return 0;
	if (sceau_timingsafe_bcmp(sceau_buf_ptr(b) + off, s, len) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}
