/*
 * history-batch.c: vlob versions are verified in batches, the signatures
 * of a batch by several threads at once (they do not depend on each
 * other, and are most of an audit's time: doc/performance.md), then
 * checked in order by hw_vlob_checked() (history-vlob.c).  The chain is
 * not changed while a batch is verified: any other line flushes the
 * batch first.  A batch holds at most HW_BATCH_MAX versions and about
 * HW_BATCH_BYTES of blobs.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "errors.h"
#include "history-internal.h"
#include "manifest.h"

#define HW_BATCH_MAX 512
#define HW_BATCH_BYTES (16UL * 1024 * 1024)
#define HW_THREADS_MAX 8

struct hw_batch {
	struct hw_vb vb[HW_BATCH_MAX];
	size_t n, bytes;
	atomic_size_t next; /* the next version a thread takes */
	const struct sceau_chain *chain;
};

int
hw_batch_new(struct hw *h)
{
	size_t i;

	if ((h->batch = sceau_calloc(1, sizeof(*h->batch))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < HW_BATCH_MAX; i++)
		if ((h->batch->vb[i].data = sceau_buf_new()) == NULL)
			return SCEAU_ERR_ALLOC;
	return 0;
}

void
hw_batch_free(struct hw *h)
{
	size_t i;

	if (h->batch == NULL)
		return;
	for (i = 0; i < HW_BATCH_MAX; i++)
		sceau_buf_free(h->batch->vb[i].data);
	sceau_free(h->batch);
	h->batch = NULL;
}

/* The clear header, its author, its signature: vb->state. */
static void
hw_batch_verify_one(const struct sceau_chain *chain, struct hw_vb *vb)
{
	const uint8_t *p = sceau_buf_ptr(vb->data);
	size_t n = sceau_buf_len(vb->data);

	/* The author hint only, to find the key: nothing else is used. */
	if (sceau_vlob_parse(p, n, &vb->claimed) != 0) {
		vb->state = HW_VB_MALFORMED;
		return;
	}
	if ((vb->d = sceau_chain_device(chain, vb->claimed.author)) == NULL) {
		vb->state = HW_VB_UNKNOWN;
		return;
	}
	vb->state = sceau_vlob_verify(p, n, vb->d->verify_key, &vb->h) == 0
	    ? HW_VB_OK
	    : HW_VB_ALTERED;
}

static void *
hw_batch_worker(void *arg)
{
	struct hw_batch *b = arg;
	size_t i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n)
		hw_batch_verify_one(b->chain, &b->vb[i]);
	return NULL;
}

static size_t
hw_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > HW_THREADS_MAX ? HW_THREADS_MAX : (size_t)n;
}

int
hw_batch_flush(struct hw *h)
{
	struct hw_batch *b = h->batch;
	pthread_t tid[HW_THREADS_MAX];
	size_t i, nt = 0, want;
	int r = 0;

	if (b == NULL || b->n == 0)
		return 0;
	b->chain = h->chain;
	atomic_store(&b->next, 0);
	want = hw_threads();
	if (want > b->n / 16)
		want = b->n / 16; /* small batches: not worth a thread */
	for (nt = 0; nt + 1 < want; nt++)
		if (pthread_create(&tid[nt], NULL, hw_batch_worker, b) != 0)
			break; /* fewer threads: the others do it */
	(void)hw_batch_worker(b);
	for (i = 0; i < nt; i++)
		(void)pthread_join(tid[i], NULL);
	for (i = 0; i < b->n && r == 0; i++)
		r = hw_vlob_checked(h, &b->vb[i]);
	b->n = 0;
	b->bytes = 0;
	return r;
}

int
hw_vlob(struct hw *h, const struct sceau_hist_item *it)
{
	struct hw_batch *b = h->batch;
	struct hw_vb *vb;
	int r;

	if (h->chain == NULL) {
		hw_finding(h, "unverifiable", it->line, 0, NULL, NULL, NULL, 0,
		    "a vlob before any certificate");
		return 0;
	}
	if ((b->n == HW_BATCH_MAX ||
	        b->bytes + it->data_len > HW_BATCH_BYTES) &&
	    (r = hw_batch_flush(h)) != 0)
		return r;
	vb = &b->vb[b->n];
	sceau_buf_reset(vb->data);
	if (sceau_buf_put(vb->data, it->data, it->data_len) != 0)
		return SCEAU_ERR_ALLOC;
	vb->line = it->line;
	vb->server_time = it->server_time;
	vb->checkpoint = it->checkpoint;
	vb->state = HW_VB_MALFORMED;
	vb->d = NULL;
	b->n++;
	b->bytes += it->data_len;
	return 0;
}
