/*
 * blockstore.h: where the bytes of blocks live.
 *
 * A blockstore stores and reads bytes only; which block is where (its
 * index) belongs to the backend (backend.h), in the same database as the
 * rest.  Bytes go into append-only *packs*, numbered per organization;
 * a location is (pack, offset, length).  Writing a batch:
 *
 *   writer_get      a pack no other batch is writing (several batches of
 *                   one organization run in parallel, each in its pack)
 *   append          the batch's bytes, at the pack's end
 *   sync            once per batch: the bytes are durable
 *   (the backend indexes them in one transaction)
 *   writer_put      keep them, or drop them if the index failed
 *
 * so that an acknowledged block is durable and the index never names
 * bytes that were not written.  A crash between sync and index leaves
 * unindexed bytes at a pack's end: wasted space, never a wrong answer.
 *
 * The embedded implementation (blockstore-packs.c) keeps packs as files
 * BLOCKS_DIR/ORG/NNNNNNNN.pack, rolled over at SRV_PACK_ROLL bytes, or in
 * memory for tests.  An object store (S3, Swift) implements the same
 * table: a pack is an object written once per batch (append + sync =
 * one PUT), read by ranges.
 *
 * Every function returns 0 or a SCEAU_ERR_* code (SCEAU_ERR_STORE with a
 * message when the storage fails, SCEAU_ERR_STORE_CORRUPT when a pack is
 * shorter than its index says).  A store is safe to use from any thread;
 * a writer or reader is used by one thread at a time.
 */
#ifndef SCEAU_SRV_BLOCKSTORE_H
#define SCEAU_SRV_BLOCKSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "defs.h"

/* A pack takes no new batch once it holds this much. */
#define SRV_PACK_ROLL (256ULL * 1024 * 1024)
/* The first bytes of every pack file: "sceau-pack-v1" and NULs. */
#define SRV_PACK_MAGIC "sceau-pack-v1\0\0"
#define SRV_PACK_MAGIC_LEN 16
/*
 * Packs are written in units of SRV_PACK_ALIGN: the header fills the
 * first, and each batch starts on a boundary (the end of the one before
 * is padded with zeros), so that a batch received in page-aligned memory
 * is written with O_DIRECT, without a copy through the page cache.
 */
#define SRV_PACK_ALIGN 4096

struct srv_blockstore;
struct srv_pack_writer;
struct srv_pack_reader;

struct srv_blockstore_ops {
	const char *name;
	/* Callers have stopped using the store and its writers and readers. */
	void (*close)(struct srv_blockstore *bs);

	/* A pack of org_id to append a batch to, for this caller alone. */
	int (*writer_get)(struct srv_blockstore *bs, const char *org_id,
	    struct srv_pack_writer **out);
	/*
	 * Appends iov[0..n) contiguously at the pack's end; *pack and
	 * *offset: where the first byte went.  May be called again.
	 */
	int (*append)(struct srv_pack_writer *w, const struct iovec *iov,
	    size_t n, uint64_t *pack, uint64_t *offset);
	/* Makes everything appended so far durable. */
	int (*sync)(struct srv_pack_writer *w);
	/*
	 * Gives the pack back.  keep = 0: what this writer appended is
	 * dropped (the index does not name it).  Frees w.
	 */
	void (*writer_put)(struct srv_pack_writer *w, int keep);

	/* Opens pack number pack of org_id for reading. */
	int (*reader_open)(struct srv_blockstore *bs, const char *org_id,
	    uint64_t pack, struct srv_pack_reader **out);
	/* Reads exactly n bytes at offset. */
	int (*read)(
	    struct srv_pack_reader *rd, uint64_t offset, void *buf, size_t n);
	void (*reader_close)(struct srv_pack_reader *rd);
};

struct srv_blockstore {
	const struct srv_blockstore_ops *ops;
};

/*
 * Opens the pack store in dir (created if needed, 0700), or in memory
 * when dir is NULL.  SCEAU_ERR_STORE with a message.
 */
int srv_packs_open(const char *dir, struct srv_blockstore **out) SCEAU_WUR;

/* Closes bs; NULL is allowed. */
void srv_blockstore_close(struct srv_blockstore *bs);

#endif /* SCEAU_SRV_BLOCKSTORE_H */
