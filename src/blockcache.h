/*
 * blockcache.h: a device's cache of encrypted blocks.
 *
 * Layout of the cache directory DIR (0700):
 *
 *   DIR/packs/NNNNNNNN.pack   append-only pack files of ciphertext blocks,
 *                             a new one once the current one would pass
 *                             the pack size (256 MiB by default)
 *   DIR/blocks.db             SQLite index (WAL, synchronous=FULL): one row
 *                             per block (id, realm, pack, offset, length,
 *                             digest, uploaded) and, per pack, its
 *                             committed length
 *
 * Blocks are added through a write batch: appends are staged in a 1 MiB
 * buffer (a small block costs a memcpy, not a system call) written to the
 * current pack with direct I/O; commit writes out what is staged (padded
 * to 4 KiB: batches start aligned), fdatasyncs the pack once, then
 * inserts every index row in one SQLite transaction that also records
 * the packs' committed lengths.  An acknowledged block is thus
 * durable, and the index never names bytes that are not on disk.  Bytes
 * past a pack's committed length (a batch interrupted by a crash or
 * aborted) are garbage: they are truncated away when the cache is opened,
 * and abort truncates them at once.
 *
 * The cache stores ciphertext only (nonce || ciphertext || tag) and never
 * sees a key.  The digest is SHA-256 of the stored bytes, given by the
 * writer: reading can verify it (scrubs, transfers), without a key.
 *
 * A cache handle is used by one thread at a time (the caller
 * serializes).  Several handles, in one process or several, may share a
 * cache: a write batch holds DIR/lock (flock) from begin to commit or
 * abort, and begin reads the current pack and its length from the index
 * again, so writers take turns (a begin waits up to 5 minutes) and never
 * take another's batch in progress for a crash's garbage.  Reads see
 * committed blocks only.
 */
#ifndef SCEAU_BLOCKCACHE_H
#define SCEAU_BLOCKCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

#define SCEAU_BLOCKCACHE_ID_LEN 16
#define SCEAU_BLOCKCACHE_DIGEST_LEN 32
#define SCEAU_BLOCKCACHE_REALM_LEN 32 /* realm ids: 32 lowercase hex */
/* Largest block accepted (ciphertext bytes). */
#define SCEAU_BLOCKCACHE_BLOCK_MAX (1024 * 1024)
#define SCEAU_BLOCKCACHE_PACK_SIZE (256ULL * 1024 * 1024)

struct sceau_blockcache;

struct sceau_blockcache_opts {
	/* Roll over to a new pack past this size; 0: the default. */
	uint64_t pack_size;
};

/* Where a block is and what it is (lookups and listings). */
struct sceau_blockcache_entry {
	uint8_t id[SCEAU_BLOCKCACHE_ID_LEN];
	uint8_t digest[SCEAU_BLOCKCACHE_DIGEST_LEN];
	char realm[SCEAU_BLOCKCACHE_REALM_LEN + 1];
	uint32_t pack;
	uint64_t offset;
	uint32_t length;
	int uploaded;
};

/*
 * Opens (creating it if needed) the cache in dir, and repairs what a
 * crash left: bytes past each pack's committed length are truncated,
 * packs that no commit reached are removed.  opts may be NULL.
 * SCEAU_ERR_STORE, SCEAU_ERR_STORE_CORRUPT, SCEAU_ERR_ALLOC.
 */
int sceau_blockcache_open(const char *dir,
    const struct sceau_blockcache_opts *opts, struct sceau_blockcache **cp)
    SCEAU_WUR;
/* Closes the cache; an open batch is aborted.  NULL is allowed. */
void sceau_blockcache_close(struct sceau_blockcache *c);

/*
 * Write batch.  begin: SCEAU_ERR_INVALID_ARGUMENT if one is open.
 * append: queues one block (its ciphertext ct[0..n), 0 < n <=
 * SCEAU_BLOCKCACHE_BLOCK_MAX) of realm (32 lowercase hex) under id with
 * its digest (SHA-256 of ct, computed by the caller); ct is copied or
 * written before append returns.  An id already in the index keeps its
 * first row (the new copy is not indexed).  commit: makes every appended
 * block durable and visible (see above); on failure the batch is aborted.
 * abort: forgets the batch and truncates what it wrote.
 */
int sceau_blockcache_begin(struct sceau_blockcache *c) SCEAU_WUR;
int sceau_blockcache_append(struct sceau_blockcache *c, const char *realm,
    const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN],
    const uint8_t digest[SCEAU_BLOCKCACHE_DIGEST_LEN], const uint8_t *ct,
    size_t n) SCEAU_WUR;
int sceau_blockcache_commit(struct sceau_blockcache *c) SCEAU_WUR;
void sceau_blockcache_abort(struct sceau_blockcache *c);
/* 1 while a batch is open. */
int sceau_blockcache_in_batch(const struct sceau_blockcache *c);

/*
 * Rows appended so far in the open batch, and forgetting the rows
 * appended after such a mark (a file that failed half-way: its blocks
 * are not indexed; their bytes stay as unindexed garbage in the pack).
 */
size_t sceau_blockcache_batch_mark(const struct sceau_blockcache *c);
void sceau_blockcache_batch_rewind(struct sceau_blockcache *c, size_t mark);

/* Lookup of a committed block.  0 or SCEAU_ERR_NOT_FOUND (or STORE). */
int sceau_blockcache_lookup(struct sceau_blockcache *c,
    const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], struct sceau_blockcache_entry *e)
    SCEAU_WUR;
/* 1 if the block is in the index, 0 if not, or a negative error. */
int sceau_blockcache_has(
    struct sceau_blockcache *c, const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN]);

#define SCEAU_BLOCKCACHE_VERIFY 0x01 /* check the digest after reading */

/*
 * Reads block id into dst[0..cap) and sets *lenp.  SCEAU_ERR_NOT_FOUND;
 * SCEAU_ERR_BUFFER_TOO_LARGE if the block does not fit in cap;
 * SCEAU_ERR_STORE_CORRUPT if the pack is short or (flags
 * SCEAU_BLOCKCACHE_VERIFY) the digest does not match; on failure dst is
 * not to be used.
 */
int sceau_blockcache_get(struct sceau_blockcache *c,
    const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], unsigned int flags, uint8_t *dst,
    size_t cap, size_t *lenp) SCEAU_WUR;
/* Same, appending the block to out. */
int sceau_blockcache_get_buf(struct sceau_blockcache *c,
    const uint8_t id[SCEAU_BLOCKCACHE_ID_LEN], unsigned int flags,
    struct sceau_buf *out) SCEAU_WUR;

/*
 * Calls cb for each committed block of realm not yet uploaded, in pack
 * order (sequential reads), at most limit of them (0: no limit).  A
 * non-zero return from cb stops the listing and is returned.  cb must not
 * use the cache.  *countp (may be NULL) gets the number listed.
 */
typedef int (*sceau_blockcache_cb)(
    void *arg, const struct sceau_blockcache_entry *e);
int sceau_blockcache_pending(struct sceau_blockcache *c, const char *realm,
    size_t limit, sceau_blockcache_cb cb, void *arg, size_t *countp) SCEAU_WUR;
/*
 * The same, from the block after entry after (pack order; NULL: from the
 * start): to list further while earlier blocks are still on their way.
 */
int sceau_blockcache_pending_after(struct sceau_blockcache *c,
    const char *realm, const struct sceau_blockcache_entry *after, size_t limit,
    sceau_blockcache_cb cb, void *arg, size_t *countp) SCEAU_WUR;

/*
 * Marks n blocks uploaded, in one transaction.  Unknown ids are ignored.
 * Not allowed while a batch is open (SCEAU_ERR_INVALID_ARGUMENT).
 */
int sceau_blockcache_mark_uploaded(struct sceau_blockcache *c,
    const uint8_t (*ids)[SCEAU_BLOCKCACHE_ID_LEN], size_t n) SCEAU_WUR;

/*
 * The workstation policy's <offline><cache-max>, for every cache the
 * process opens (0, the default: no limit): a commit that would make
 * the committed blocks' total length pass bytes is refused and aborted
 * (SCEAU_ERR_POLICY_REFUSED, naming the rule): nothing is evicted to make
 * room, as blocks are packed, and a block not yet uploaded must stay.
 */
void sceau_blockcache_set_limit(uint64_t bytes);

/* Number of committed blocks and their total length (tests, stats). */
int sceau_blockcache_stats(
    struct sceau_blockcache *c, uint64_t *blocks, uint64_t *bytes) SCEAU_WUR;

#endif /* SCEAU_BLOCKCACHE_H */
