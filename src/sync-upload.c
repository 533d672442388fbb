/*
 * sync-upload.c: the blocks this device wrote, to the server, many per
 * request and several requests at once (doc/performance.md).
 *
 * The caller's thread lists pending blocks in pack order (sequential
 * reads), frames a batch into a free job's body, and hands it to one of
 * `connections` uploader threads, each with a connection of its own; it
 * reads the next batch while those send.  Finished jobs come back to the
 * caller's thread, which marks their blocks uploaded (the block cache is
 * used from that thread only).  Memory: connections + 1 bodies of
 * UPLOAD_BATCH_BYTES, whatever the amount to send.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "blockcache.h"
#include "blockframe.h"
#include "errors.h"
#include "http.h"
#include "log.h"
#include "paths.h"
#include "sync-internal.h"

#define UPLOAD_BATCH_BYTES (8 * 1024 * 1024)
#define UPLOAD_BATCH_BLOCKS 2048
#define UPLOAD_CONNECTIONS_DEFAULT 2
#define UPLOAD_CONNECTIONS_MAX 8

enum job_state { JOB_FREE, JOB_QUEUED, JOB_SENDING, JOB_DONE };

struct job {
	enum job_state state;
	struct sceau_buf *body;
	struct sceau_blockcache_entry *e; /* the blocks framed in body */
	size_t n;
	int status;
};

struct upload {
	struct sceau_client *c;
	struct sceau_blockcache *bc;
	char path[256];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job jobs[UPLOAD_CONNECTIONS_MAX + 1];
	size_t njobs;
	pthread_t threads[UPLOAD_CONNECTIONS_MAX];
	struct sceau_http *http[UPLOAD_CONNECTIONS_MAX];
	struct uploader_arg {
		struct upload *u;
		struct sceau_http *h;
	} args[UPLOAD_CONNECTIONS_MAX];
	size_t nthreads, nconn;
	int stop; /* the uploaders leave */
	struct sceau_blockcache_entry last; /* listed up to here */
	int listed_any, exhausted;
};

/* An uploader thread: sends queued jobs until told to stop. */
static void *
uploader(void *arg)
{
	struct upload *u = ((struct uploader_arg *)arg)->u;
	struct sceau_http *h = ((struct uploader_arg *)arg)->h;
	struct job *j;
	long status;
	size_t i;
	int r;

	(void)pthread_mutex_lock(&u->mu);
	for (;;) {
		j = NULL;
		for (i = 0; i < u->njobs && j == NULL; i++)
			if (u->jobs[i].state == JOB_QUEUED)
				j = &u->jobs[i];
		if (j == NULL) {
			if (u->stop)
				break;
			(void)pthread_cond_wait(&u->cv, &u->mu);
			continue;
		}
		j->state = JOB_SENDING;
		(void)pthread_mutex_unlock(&u->mu);
		status = 0;
		r = sceau_http_request(h, "POST", u->path, j->body,
		    "application/octet-stream", NULL, &status);
		(void)pthread_mutex_lock(&u->mu);
		j->status = r;
		j->state = JOB_DONE;
		(void)pthread_cond_broadcast(&u->cv);
	}
	(void)pthread_mutex_unlock(&u->mu);
	return NULL;
}

/* Lists the next pending blocks that fit in one body. */
struct listing {
	struct job *j;
	size_t bytes;
};

static int
list_one(void *arg, const struct sceau_blockcache_entry *e)
{
	struct listing *l = arg;

	if (l->j->n > 0 &&
	    l->bytes + SCEAU_BLOCK_FRAME_HEADER + e->length >
	        UPLOAD_BATCH_BYTES)
		return 1; /* full: the rest goes in the next request */
	l->j->e[l->j->n++] = *e;
	l->bytes += SCEAU_BLOCK_FRAME_HEADER + e->length;
	return 0;
}

/* Fills job j with the next batch; j->n == 0 when nothing is left. */
static int
fill_job(struct upload *u, const char *realm, struct job *j)
{
	struct listing l = {j, 0};
	struct sceau_blockcache_entry *e;
	size_t count, i, len;
	uint8_t *p;
	int r;

	j->n = 0;
	sceau_buf_reset(j->body);
	r = sceau_blockcache_pending_after(u->bc, realm,
	    u->listed_any ? &u->last : NULL, UPLOAD_BATCH_BLOCKS, list_one, &l,
	    &count);
	if (r < 0)
		return r;
	for (i = 0; i < j->n; i++) {
		e = &j->e[i];
		if ((r = sceau_block_frame_put_header(
		         j->body, e->id, e->length)) != 0 ||
		    (r = sceau_buf_reserve(j->body, e->length, &p)) != 0 ||
		    (r = sceau_blockcache_get(
		         u->bc, e->id, 0, p, e->length, &len)) != 0)
			return r;
		if (len != e->length)
			return SCEAU_ERR_STORE_CORRUPT;
	}
	if (j->n > 0) {
		u->last = j->e[j->n - 1];
		u->listed_any = 1;
	}
	return 0;
}

/* A job came back: its blocks are on the server, durable. */
static int
job_done(struct upload *u, struct job *j, struct sceau_sync_stats *st)
{
	uint8_t(*ids)[SCEAU_BLOCK_ID_LEN];
	size_t i;
	int r;

	if (j->status != 0)
		return j->status;
	if ((ids = sceau_calloc(j->n, sizeof(*ids))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < j->n; i++)
		memcpy(ids[i], j->e[i].id, SCEAU_BLOCK_ID_LEN);
	r = sceau_blockcache_mark_uploaded(u->bc, ids, j->n);
	sceau_free(ids);
	if (r == 0) {
		st->blocks_up += j->n;
		st->bytes_up += sceau_buf_len(j->body);
	}
	return r;
}

static int
start_uploaders(struct upload *u)
{
	struct sceau_http *h = sceau_client_http(u->c);
	int r;

	while (u->nthreads < u->nconn) {
		struct uploader_arg *a = &u->args[u->nthreads];

		if ((r = sceau_http_clone(h, &u->http[u->nthreads])) != 0)
			return r;
		a->u = u;
		a->h = u->http[u->nthreads];
		if (pthread_create(
		        &u->threads[u->nthreads], NULL, uploader, a) != 0) {
			sceau_http_free(u->http[u->nthreads]);
			u->http[u->nthreads] = NULL;
			return SCEAU_ERR_SYSTEM;
		}
		u->nthreads++;
	}
	return 0;
}

/*
 * Collects finished jobs (the lock held); the first error is kept.  The
 * lock is let go while a job is handled, and a job scanned before may
 * finish then: the scan starts over, so that none is left DONE when the
 * caller goes on to wait (its wakeup would be lost, and run() would wait
 * for ever).
 */
static void
collect(struct upload *u, struct sceau_sync_stats *st, int *err)
{
	size_t i = 0;
	int r;

	while (i < u->njobs) {
		if (u->jobs[i].state != JOB_DONE) {
			i++;
			continue;
		}
		(void)pthread_mutex_unlock(&u->mu);
		r = job_done(u, &u->jobs[i], st);
		(void)pthread_mutex_lock(&u->mu);
		u->jobs[i].state = JOB_FREE;
		if (r != 0 && *err == 0)
			*err = r;
		i = 0;
	}
}

static struct job *
free_job(struct upload *u)
{
	size_t i;

	for (i = 0; i < u->njobs; i++)
		if (u->jobs[i].state == JOB_FREE)
			return &u->jobs[i];
	return NULL;
}

static int
busy(const struct upload *u)
{
	size_t i;

	for (i = 0; i < u->njobs; i++)
		if (u->jobs[i].state != JOB_FREE)
			return 1;
	return 0;
}

/* The caller's loop: fill, queue, collect, until all is sent or failed. */
static int
run(struct upload *u, const char *realm, struct sceau_sync_stats *st)
{
	struct job *j;
	int err = 0, r;

	(void)pthread_mutex_lock(&u->mu);
	for (;;) {
		collect(u, st, &err);
		if (err == 0 && !u->exhausted && (j = free_job(u)) != NULL) {
			(void)pthread_mutex_unlock(&u->mu);
			r = fill_job(u, realm, j);
			if (r == 0 && j->n > 0)
				r = start_uploaders(u);
			(void)pthread_mutex_lock(&u->mu);
			if (r != 0)
				err = r;
			else if (j->n == 0)
				u->exhausted = 1;
			else {
				j->state = JOB_QUEUED;
				(void)pthread_cond_broadcast(&u->cv);
			}
			continue;
		}
		if (!busy(u))
			break;
		/* Nothing to do but wait: a job back, or a free slot. */
		(void)pthread_cond_wait(&u->cv, &u->mu);
	}
	u->stop = 1;
	(void)pthread_cond_broadcast(&u->cv);
	(void)pthread_mutex_unlock(&u->mu);
	return err;
}

static int
open_upload(struct upload *u, struct sceau_client *c, const char *realm,
    unsigned int connections)
{
	const struct sceau_keyfile_info *info = sceau_client_info(c);
	char dir[SCEAU_PATHS_MAX];
	size_t i;
	int r;

	u->c = c;
	u->nconn = connections == 0                ? UPLOAD_CONNECTIONS_DEFAULT
	    : connections > UPLOAD_CONNECTIONS_MAX ? UPLOAD_CONNECTIONS_MAX
	                                           : connections;
	u->njobs = u->nconn + 1;
	(void)snprintf(u->path, sizeof(u->path), "/v1/%s/realms/%s/blocks",
	    info->org_id, realm);
	for (i = 0; i < u->njobs; i++) {
		if ((u->jobs[i].body = sceau_buf_new()) == NULL ||
		    (u->jobs[i].e = sceau_calloc(
		         UPLOAD_BATCH_BLOCKS, sizeof(*u->jobs[i].e))) == NULL)
			return SCEAU_ERR_ALLOC;
	}
	if ((r = sceau_paths_device_file(info->org_id, info->device_id,
	         SCEAU_PATHS_BLOCKS_DIR, 1, dir)) != 0)
		return r;
	return sceau_blockcache_open(dir, NULL, &u->bc);
}

int
sync_push_blocks(struct sceau_client *c, const char *realm_id,
    unsigned int connections, struct sceau_sync_stats *st)
{
	struct upload *u;
	size_t i;
	int r;

	if ((u = sceau_calloc(1, sizeof(*u))) == NULL)
		return SCEAU_ERR_ALLOC;
	if (pthread_mutex_init(&u->mu, NULL) != 0) {
		sceau_free(u);
		return SCEAU_ERR_SYSTEM;
	}
	if (pthread_cond_init(&u->cv, NULL) != 0) {
		(void)pthread_mutex_destroy(&u->mu);
		sceau_free(u);
		return SCEAU_ERR_SYSTEM;
	}
	if ((r = open_upload(u, c, realm_id, connections)) == 0)
		r = run(u, realm_id, st);
	for (i = 0; i < u->nthreads; i++)
		(void)pthread_join(u->threads[i], NULL);
	for (i = 0; i < u->nthreads; i++)
		sceau_http_free(u->http[i]);
	for (i = 0; i < u->njobs; i++) {
		sceau_buf_free(u->jobs[i].body);
		sceau_free(u->jobs[i].e);
	}
	sceau_blockcache_close(u->bc);
	(void)pthread_cond_destroy(&u->cv);
	(void)pthread_mutex_destroy(&u->mu);
	sceau_free(u);
	return r;
}
