/*
 * blockframe.h: blocks on the wire (doc/protocol.md, "Blocks"): a body
 * of frames, each the block id (16 bytes), its length (u32, big endian)
 * and that many bytes of ciphertext.  Uploads send them, downloads get
 * them; the client and the server read them with the same code.
 */
#ifndef SCEAU_BLOCKFRAME_H
#define SCEAU_BLOCKFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"
#include "manifest.h"

#define SCEAU_BLOCK_FRAME_HEADER (SCEAU_BLOCK_ID_LEN + 4)

/* One frame; pointers lent from the body. */
struct sceau_block_frame {
	const uint8_t *id; /* SCEAU_BLOCK_ID_LEN bytes */
	const uint8_t *data;
	uint32_t len; /* 1 to SCEAU_BLOCK_MAX */
};

/*
 * Reads the frame at *off of p[0..n) and moves *off past it.  0 and *f;
 * 1 at the end of the body (*off == n); SCEAU_ERR_MESSAGE_INCOMPLETE when
 * the header or the data is cut; SCEAU_ERR_INVALID_FORMAT for a length of
 * 0, SCEAU_ERR_LIMIT_EXCEEDED over SCEAU_BLOCK_MAX.  On error *off stays
 * at the bad frame.
 */
int sceau_block_frame_next(const uint8_t *p, size_t n, size_t *off,
    struct sceau_block_frame *f) SCEAU_WUR;

/* Appends a frame header (the caller appends the len bytes of data). */
int sceau_block_frame_put_header(struct sceau_buf *out,
    const uint8_t id[SCEAU_BLOCK_ID_LEN], uint32_t len) SCEAU_WUR;

#endif /* SCEAU_BLOCKFRAME_H */
