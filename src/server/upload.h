/*
 * upload.h: the memory that large request bodies (blocks, large vlob
 * batches) are received into.
 *
 * One region of server.upload_memory bytes, mapped once and reused: the
 * server's memory for bodies never grows past it, whatever the clients
 * send and however many connect, and its pages stay warm from one upload
 * to the next (on this machine fresh pages cost 1 to 3 CPU-seconds per
 * GiB, see DESIGN.md section 12).  A body takes a run of 64 KiB granules
 * sized by its Content-Length; when the region is full, uploads wait
 * their turn, first come first served, rather than fail (backpressure),
 * up to a timeout.  Bodies hold ciphertext only: the region is not wiped.
 */
#ifndef SCEAU_SRV_UPLOAD_H
#define SCEAU_SRV_UPLOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"

#define SRV_UPLOAD_GRANULE (64 * 1024)

struct srv_upload;

/* A region of size bytes (rounded up to granules), mapped on first use. */
int srv_upload_new(size_t size, struct srv_upload **out) SCEAU_WUR;
void srv_upload_free(struct srv_upload *u);

/*
 * Takes n bytes (n >= 1), waiting at most timeout_ms and no longer once
 * *stop is set.  SCEAU_ERR_TOO_LARGE (more than the region),
 * SCEAU_ERR_RATE_LIMITED (no room in time), SCEAU_ERR_INTERRUPTED.
 */
int srv_upload_get(struct srv_upload *u, size_t n, uint64_t timeout_ms,
    const atomic_int *stop, uint8_t **out) SCEAU_WUR;
/* Gives back what srv_upload_get returned for n. */
void srv_upload_put(struct srv_upload *u, uint8_t *p, size_t n);

#endif /* SCEAU_SRV_UPLOAD_H */
