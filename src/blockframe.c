/*
 * blockframe.c: reading and writing block frames (blockframe.h).
 */
#include "config.h"

#include "blockframe.h"
#include "errors.h"

int
sceau_block_frame_next(
    const uint8_t *p, size_t n, size_t *off, struct sceau_block_frame *f)
{
	size_t at = *off;
	const uint8_t *h;
	uint32_t len;

	if (at >= n)
		return at == n ? 1 : SCEAU_ERR_INVALID_ARGUMENT;
	if (n - at < SCEAU_BLOCK_FRAME_HEADER)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	h = p + at + SCEAU_BLOCK_ID_LEN;
	len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | (uint32_t)h[3];
	if (len == 0)
		return SCEAU_ERR_INVALID_FORMAT;
	if (len > SCEAU_BLOCK_MAX)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if (n - at - SCEAU_BLOCK_FRAME_HEADER < len)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	f->id = p + at;
	f->data = p + at + SCEAU_BLOCK_FRAME_HEADER;
	f->len = len;
	*off = at + SCEAU_BLOCK_FRAME_HEADER + len;
	return 0;
}

int
sceau_block_frame_put_header(
    struct sceau_buf *out, const uint8_t id[SCEAU_BLOCK_ID_LEN], uint32_t len)
{
	int r;

	if (len == 0 || len > SCEAU_BLOCK_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_put(out, id, SCEAU_BLOCK_ID_LEN)) != 0)
		return r;
	return sceau_buf_put_u32(out, len);
}
