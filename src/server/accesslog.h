/*
 * accesslog.h: the server's signed access log (doc/audit.md): one record
 * per authenticated request and per admin action, hash-chained, with a
 * checkpoint signed by the log key every batch records, at least every
 * interval while records wait, and at a clean shutdown.
 *
 * One chain: appends are serialized under one lock (the sequence number
 * and the previous hash are the log's state), so a server process must
 * be the only writer of its database's log.
 */
#ifndef SCEAU_SRV_ACCESSLOG_H
#define SCEAU_SRV_ACCESSLOG_H

#include <stdint.h>

#include "alog.h"
#include "backend.h"
#include "defs.h"
#include "sign.h"

#define SRV_ALOG_BATCH_DEFAULT 256
#define SRV_ALOG_INTERVAL_DEFAULT 60000 /* ms */

struct srv_alog;

/*
 * The log key at path: read it, or with create, generate it when the
 * file does not exist (mode 0600).  The file holds the Ed25519 seed in
 * hex on one line; one readable by others is refused
 * (SCEAU_ERR_INSECURE_FILE).  path NULL: a key in memory only (tests).
 */
int srv_alog_key_load(const char *path, int create, struct sceau_signkey **out)
    SCEAU_WUR;

/*
 * Opens the log over be (which must outlive it), continuing the chain it
 * holds; key is taken (freed with the log, even on failure).  Starts the
 * thread that signs checkpoints every interval_ms while records wait.
 */
int srv_alog_open(struct srv_backend *be, struct sceau_signkey *key,
    unsigned int batch, uint64_t interval_ms, struct srv_alog **out) SCEAU_WUR;

/*
 * Appends rec (its seq and prev are set here).  Failures are logged and
 * returned; the request they are about is not undone.
 */
int srv_alog_append(struct srv_alog *l, struct sceau_alog_record *rec)
    SCEAU_WUR;

/* Signs a checkpoint over the records that wait, if any. */
int srv_alog_checkpoint(struct srv_alog *l) SCEAU_WUR;

/* Stops the thread, signs the last checkpoint, frees; NULL allowed. */
void srv_alog_close(struct srv_alog *l);

#endif /* SCEAU_SRV_ACCESSLOG_H */
