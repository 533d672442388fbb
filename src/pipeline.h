/*
 * pipeline.h: plaintext files to encrypted blocks in the block cache, and
 * back, on every core.
 *
 * Import turns a stream of files into blocks (doc/workspaces.md): each
 * block of up to SCEAU_BLOCK_SIZE bytes gets a random key, nonce and id,
 * is sealed with AES-256-GCM (ciphertext = nonce || ct || tag), hashed
 * (digest = SHA-256 of the ciphertext) and appended to the block cache's
 * write batch.  Export turns block descriptors back into plaintext: each
 * block is fetched from a source (the cache, later the network),
 * decrypted with its tag verified, and written out in order.
 *
 * How: the caller's thread splits files into jobs (a job is one buffer of
 * the pool: one full block, or up to 32 small blocks packed together, so
 * that small files do not each pay a thread hand-off) and queues them;
 * worker threads (one per core) each run read + encrypt + hash (import)
 * or decrypt and write out (export) with their own reused OpenSSL
 * contexts; the caller's thread writes finished jobs in order to the
 * cache (import) and delivers results per file, in the order the
 * files were added, through a callback that runs on the caller's thread
 * (inside _add or _finish).  The buffers are a fixed pool allocated once
 * (locked, not dumpable, wiped when the pipeline is freed): memory does
 * not grow with file size, and nothing is allocated per block.
 *
 * Import results are delivered once durable: the cache batch is committed
 * (one fdatasync, one SQLite transaction) at a file boundary every
 * commit_bytes or commit_files, and at _finish; then the callback gets
 * each committed file's descriptors.  Keys are secrets: they are in the
 * descriptors only, which the pipeline wipes after the callback unless the
 * callback took them (set f->descs to NULL, then free them with
 * sceau_pipeline_descs_free()).
 *
 * Errors: a file that cannot be read (or shrinks while read), or a block
 * that does not decrypt, fails that file only: its result carries the
 * status and the failing block, and the pipeline goes on.  A failure of
 * the cache, of a callback (non-zero return) or of the machinery stops
 * the pipeline: _add and _finish return it, and _free cleans up (an
 * uncommitted batch is aborted).
 *
 * A pipeline is driven by one thread; neither callback may call into the
 * pipeline.
 */
#ifndef SCEAU_PIPELINE_H
#define SCEAU_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "blockcache.h"
#include "defs.h"
#include "manifest.h"

struct sceau_pipeline_opts {
	unsigned int workers; /* 0: one per online CPU (at most 8) */
	unsigned int slots; /* pool buffers (~512 KiB each); 0: 8 */
	/* Import: commit at the first file boundary past either. */
	uint64_t commit_bytes; /* 0: 64 MiB of ciphertext */
	unsigned int commit_files; /* 0: 1000 files */
	unsigned int flags;
};

/* Export: also check each fetched block against its digest. */
#define SCEAU_PIPELINE_VERIFY_DIGEST 0x01

/* The result of one file, as delivered to the callback. */
struct sceau_pipeline_file {
	void *tag; /* the caller's, from _add */
	int status; /* 0 or SCEAU_ERR_*: see sceau_last_message() */
	uint32_t fail_block; /* the failing block's index when status != 0 */
	uint64_t size; /* plaintext bytes */
	/* Import: the blocks, in file order (secret keys); NULL if none. */
	struct sceau_block_desc *descs;
	size_t n_descs;
	int fd; /* export: the output descriptor given to _add */
};

/*
 * Called in file order on the caller's thread.  A non-zero return stops
 * the pipeline and is returned by _add / _finish.  sceau_last_message()
 * explains a failed file during the call.
 */
typedef int (*sceau_pipeline_cb)(void *arg, struct sceau_pipeline_file *f);

/* Wipes and frees descriptors taken from a result.  NULL is allowed. */
void sceau_pipeline_descs_free(struct sceau_block_desc *d, size_t n);

/* ---- import ---- */

struct sceau_pipeline_import;

/*
 * New import into cache (which must not have a batch open, and must not
 * be used by anyone else until _free) for realm (32 lowercase hex).
 * Starts the workers.  opts may be NULL.
 */
int sceau_pipeline_import_new(struct sceau_blockcache *cache, const char *realm,
    const struct sceau_pipeline_opts *opts, sceau_pipeline_cb cb, void *arg,
    struct sceau_pipeline_import **ip) SCEAU_WUR;

/*
 * Queues the regular file open on fd (read with pread from offset 0 to
 * its size at this call).  The pipeline takes fd and closes it, on every
 * path, once the file has been read.  May block while the pool is full,
 * writing and delivering earlier files meanwhile.
 * SCEAU_ERR_INVALID_ARGUMENT (not a regular file: fd is closed),
 * SCEAU_ERR_FILE_TOO_LARGE (more than SCEAU_FILE_BLOCKS_MAX blocks), or
 * the error that stopped the pipeline.
 */
int sceau_pipeline_import_add(
    struct sceau_pipeline_import *ip, int fd, void *tag) SCEAU_WUR;

/*
 * Waits for every queued file, commits the batch and delivers the
 * remaining results.  0, or the error that stopped the pipeline.
 */
int sceau_pipeline_import_finish(struct sceau_pipeline_import *ip) SCEAU_WUR;

/*
 * Stops the workers and frees everything: files not delivered are
 * dropped (their descriptors closed, keys wiped), an uncommitted batch is
 * aborted.  NULL is allowed.
 */
void sceau_pipeline_import_free(struct sceau_pipeline_import *ip);

/*
 * One file, start to end: imports fd (not closed: the pipeline reads a
 * duplicate) and returns its descriptors (free them with
 * sceau_pipeline_descs_free) and size.  The blocks are committed.
 */
int sceau_pipeline_import_fd(struct sceau_blockcache *cache, const char *realm,
    int fd, struct sceau_block_desc **descsp, size_t *np, uint64_t *sizep)
    SCEAU_WUR;

/* ---- export ---- */

/*
 * Fetches the ciphertext of block d into dst[0..cap) and sets *lenp.  Runs
 * on the caller's thread, in order.  A non-zero return fails the file.
 */
typedef int (*sceau_pipeline_source)(void *arg,
    const struct sceau_block_desc *d, uint8_t *dst, size_t cap, size_t *lenp);

/* A source reading from a struct sceau_blockcache (arg). */
int sceau_pipeline_cache_source(void *arg, const struct sceau_block_desc *d,
    uint8_t *dst, size_t cap, size_t *lenp);

struct sceau_pipeline_export;

int sceau_pipeline_export_new(sceau_pipeline_source src, void *src_arg,
    const struct sceau_pipeline_opts *opts, sceau_pipeline_cb cb, void *arg,
    struct sceau_pipeline_export **ep) SCEAU_WUR;

/*
 * Queues a file: its n blocks (descs, copied: the caller may free them
 * when this returns) are fetched (in order), decrypted and written to fd.
 * A regular file gets each block with pwrite(2) at its place from fd's
 * file offset at this call, from the worker that decrypted it, and the
 * offset is moved past the file when done, as write(2) would; from 1 MiB
 * on, through a second descriptor opened with O_DIRECT where the file
 * system allows.  Anything else (a pipe, an O_APPEND file) gets the blocks
 * in order with write(2).  fd stays the
 * caller's: the callback gets it back once the file is written (or
 * failed) and usually closes it.  A block whose tag does not verify
 * (altered, swapped, wrong key) fails the file with
 * SCEAU_ERR_DECRYPT_FAILED naming the block; no byte of it is written,
 * but other blocks may have been: discard a failed file.
 * SCEAU_ERR_INVALID_ARGUMENT if descs do not describe a file (sizes,
 * offsets); nothing is queued then.
 */
int sceau_pipeline_export_add(struct sceau_pipeline_export *ep,
    const struct sceau_block_desc *descs, size_t n, int fd, void *tag)
    SCEAU_WUR;
int sceau_pipeline_export_finish(struct sceau_pipeline_export *ep) SCEAU_WUR;
/* Output descriptors of files not delivered are not closed. */
void sceau_pipeline_export_free(struct sceau_pipeline_export *ep);

/* One file: writes the plaintext of descs[0..n) to fd. */
int sceau_pipeline_export_fd(sceau_pipeline_source src, void *src_arg,
    const struct sceau_block_desc *descs, size_t n, int fd) SCEAU_WUR;

#endif /* SCEAU_PIPELINE_H */
