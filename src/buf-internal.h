/*
 * buf-internal.h: the layout of struct sceau_buf, shared by the buf-*.c
 * files only.  Everything else uses the functions in buf.h.
 */
#ifndef SCEAU_BUF_INTERNAL_H
#define SCEAU_BUF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define SCEAU_BUF_MAGIC 0x73636275U /* "scbu" */

struct sceau_buf {
	unsigned int magic;
	int readonly; /* data is borrowed (cd only) */
	uint8_t *d; /* writable data, NULL if read-only */
	const uint8_t *cd; /* data, for reading */
	size_t off; /* first unread byte */
	size_t size; /* end of data */
	size_t alloc; /* bytes allocated at d */
	size_t max_size; /* per-buffer limit */
	unsigned int refcount;
	struct sceau_buf *parent; /* referenced by this view, or NULL */
};

#endif /* SCEAU_BUF_INTERNAL_H */
