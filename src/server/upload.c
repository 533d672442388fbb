/*
 * upload.c: the region request bodies are received into (upload.h).
 *
 * A byte per granule says whether it is taken; a request takes the first
 * run long enough.  Waiters queue in arrival order and only the first may
 * take a run, so that a large body is not starved by small ones.  With a
 * few hundred granules, a scan is cheaper than the memcpy of one.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "alloc.h"
#include "errors.h"
#include "log.h"
#include "upload.h"

/* Waits are cut in slices to notice a stop without a wake-up. */
#define UPLOAD_SLICE_MS 100

struct upload_waiter {
	struct upload_waiter *next;
};

struct srv_upload {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t *base; /* NULL until first use */
	size_t ngran;
	uint8_t *taken; /* per granule */
	struct upload_waiter *head, **tail;
};

int
srv_upload_new(size_t size, struct srv_upload **out)
{
	struct srv_upload *u;

	*out = NULL;
	if (size == 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((u = sceau_calloc(1, sizeof(*u))) == NULL)
		return SCEAU_ERR_ALLOC;
	u->ngran = (size + SRV_UPLOAD_GRANULE - 1) / SRV_UPLOAD_GRANULE;
	if ((u->taken = sceau_calloc(u->ngran, 1)) == NULL) {
		sceau_free(u);
		return SCEAU_ERR_ALLOC;
	}
	u->tail = &u->head;
	if (pthread_mutex_init(&u->lock, NULL) != 0 ||
	    pthread_cond_init(&u->cond, NULL) != 0) {
		sceau_free(u->taken);
		sceau_free(u);
		return SCEAU_ERR_SYSTEM;
	}
	*out = u;
	return 0;
}

void
srv_upload_free(struct srv_upload *u)
{
	if (u == NULL)
		return;
	if (u->base != NULL)
		(void)munmap(u->base, u->ngran * SRV_UPLOAD_GRANULE);
	(void)pthread_cond_destroy(&u->cond);
	(void)pthread_mutex_destroy(&u->lock);
	sceau_free(u->taken);
	sceau_free(u);
}

/* The first free run of k granules, or ngran. */
static size_t
upload_find(const struct srv_upload *u, size_t k)
{
	size_t i, run = 0;

	for (i = 0; i < u->ngran; i++) {
		run = u->taken[i] ? 0 : run + 1;
		if (run == k)
			return i + 1 - k;
	}
	return u->ngran;
}

static int
upload_map(struct srv_upload *u)
{
	void *p;

	if (u->base != NULL)
		return 0;
	p = mmap(NULL, u->ngran * SRV_UPLOAD_GRANULE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		sceau_message("upload memory: %s", strerror(errno));
		return SCEAU_ERR_ALLOC;
	}
	u->base = p;
	return 0;
}

static void
upload_dequeue(struct srv_upload *u, struct upload_waiter *w)
{
	struct upload_waiter **pp;

	for (pp = &u->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	if (u->head == NULL)
		u->tail = &u->head;
	else if (*pp == NULL)
		u->tail = pp;
	/* The next in line may go now. */
	(void)pthread_cond_broadcast(&u->cond);
}

static void
upload_deadline(uint64_t ms, struct timespec *ts)
{
	(void)clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static uint64_t
upload_mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits in line for k granules; the lock is held. */
static int
upload_wait(struct srv_upload *u, size_t k, uint64_t timeout_ms,
    const atomic_int *stop, size_t *at)
{
	struct upload_waiter me = {NULL};
	struct timespec ts;
	uint64_t end = upload_mono_ms() + timeout_ms;
	int r = 0;

	/* me is linked only while this function runs: it leaves the queue
	 * (upload_dequeue) before returning. */
	*u->tail = &me;
	u->tail = &me.next; /* cppcheck-suppress autoVariables */
	for (;;) {
		if (u->head == &me && (*at = upload_find(u, k)) < u->ngran)
			break;
		if (stop != NULL && atomic_load(stop)) {
			r = SCEAU_ERR_INTERRUPTED;
			break;
		}
		if (upload_mono_ms() >= end) {
			r = SCEAU_ERR_RATE_LIMITED;
			break;
		}
		upload_deadline(UPLOAD_SLICE_MS, &ts);
		(void)pthread_cond_timedwait(&u->cond, &u->lock, &ts);
	}
	upload_dequeue(u, &me);
	return r;
}

int
srv_upload_get(struct srv_upload *u, size_t n, uint64_t timeout_ms,
    const atomic_int *stop, uint8_t **out)
{
	size_t k = (n + SRV_UPLOAD_GRANULE - 1) / SRV_UPLOAD_GRANULE, at = 0;
	int r;

	*out = NULL;
	if (n == 0 || k > u->ngran) {
		sceau_message("body larger than the upload memory");
		return SCEAU_ERR_TOO_LARGE;
	}
	(void)pthread_mutex_lock(&u->lock);
	if ((r = upload_map(u)) == 0 &&
	    (r = upload_wait(u, k, timeout_ms, stop, &at)) == 0) {
		memset(u->taken + at, 1, k);
		*out = u->base + at * SRV_UPLOAD_GRANULE;
	}
	(void)pthread_mutex_unlock(&u->lock);
	if (r == SCEAU_ERR_RATE_LIMITED)
		sceau_message("too many uploads at once: try again");
	return r;
}

void
srv_upload_put(struct srv_upload *u, uint8_t *p, size_t n)
{
	size_t k = (n + SRV_UPLOAD_GRANULE - 1) / SRV_UPLOAD_GRANULE, at;

	if (p == NULL)
		return;
	at = (size_t)(p - u->base) / SRV_UPLOAD_GRANULE;
	(void)pthread_mutex_lock(&u->lock);
	memset(u->taken + at, 0, k);
	(void)pthread_cond_broadcast(&u->cond);
	(void)pthread_mutex_unlock(&u->lock);
}
