/*
 * sync-watch.c: the automatic mode of sync (sync.h, sceau_sync_watch()):
 * sync, listen to the server's events, sync what they name, and wait
 * longer and longer while the server is away.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cert.h"
#include "chain.h"
#include "errors.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "sync-internal.h"

#define WATCH_INTERVAL_S 30
#define WATCH_BACKOFF_MAX_S 60
#define WATCH_BACKOFF_FIRST_MS 500
#define WATCH_PENDING_MAX 64
#define WATCH_PASS_MIN_MS 100

struct watch {
	struct sceau_client *c;
	const struct sceau_sync_opts *opts;
	const struct sceau_sync_watch *w;
	char last_id[SCEAU_HTTP_SSE_ID_MAX + 1]; /* resume the stream here */
	int all; /* sync every workspace next */
	char pending[WATCH_PENDING_MAX][SCEAU_ID_LEN + 1];
	size_t n_pending;
	unsigned int wait_ms; /* the next wait after a failure; 0: none yet */
	int retry_err; /* why sync_due asked to wait */
	double periodic_at; /* the next pass over every workspace */
	long pass_ms; /* w->pass wants to be called then; < 0: not */
};

static double
now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
stopped(const struct watch *x)
{
	return x->opts != NULL && x->opts->stop != NULL && *x->opts->stop != 0;
}

/* 1 when realm_id is a workspace this watch looks after. */
static int
watched(const struct watch *x, const char *realm_id)
{
	const struct sceau_chain *ch = sceau_client_chain(x->c);

	if (x->w->realm_id != NULL)
		return strcmp(x->w->realm_id, realm_id) == 0;
	return sceau_chain_realm_role(ch, realm_id,
	           sceau_client_info(x->c)->user_id) != SCEAU_ROLE_NONE;
}

static void
pend(struct watch *x, const char *realm_id)
{
	size_t i;

	for (i = 0; i < x->n_pending; i++)
		if (strcmp(x->pending[i], realm_id) == 0)
			return;
	if (x->n_pending == WATCH_PENDING_MAX) {
		x->all = 1; /* too many to list: all of them */
		return;
	}
	(void)snprintf(
	    x->pending[x->n_pending++], SCEAU_ID_LEN + 1, "%s", realm_id);
}

/*
 * Syncs one workspace and reports it.  Returns 0, report()'s non-zero
 * answer, or an error that ends the watch; *retry is set for a failure a
 * wait may mend.
 */
static int
sync_report(struct watch *x, const char *realm_id, int *retry)
{
	struct sceau_sync_stats st;
	double t0 = now_s();
	int r, rr;

	memset(&st, 0, sizeof(st));
	r = sync_once(x->c, realm_id, x->opts, &st);
	if (r == SCEAU_ERR_INTERRUPTED)
		return r;
	if (x->w->report != NULL &&
	    (rr = x->w->report(x->w->arg, realm_id, r, &st, now_s() - t0)) != 0)
		return rr;
	if (r != 0 && sceau_http_retryable(r)) {
		*retry = 1;
		x->retry_err = r;
		return 0;
	}
	/*
	 * One workspace's failure (tampering, a lost role) does not stop
	 * the others; the device's does.
	 */
	if (r == SCEAU_ERR_DEVICE_REVOKED || r == SCEAU_ERR_USER_REVOKED ||
	    r == SCEAU_ERR_AUTH_FAILED || r == SCEAU_ERR_ORG_UNKNOWN)
		return r;
	return 0;
}

/* Syncs what is due; *retry set when the server was away. */
static int
sync_due(struct watch *x, int *retry)
{
	char realm[SCEAU_ID_LEN + 1];
	const struct sceau_chain *ch;
	size_t i, n;
	int r = 0, all = x->all;

	*retry = 0;
	/* The chain first: a new workspace or role shows in it. */
	if ((r = sceau_client_refresh(x->c, NULL)) != 0) {
		if (sceau_http_retryable(r)) {
			*retry = 1;
			x->retry_err = r;
			return 0;
		}
		return r;
	}
	if (all && x->w->realm_id != NULL) {
		x->n_pending = 0;
		pend(x, x->w->realm_id);
		all = 0;
	}
	if (!all) {
		for (i = 0; i < x->n_pending && r == 0 && !*retry; i++)
			if (watched(x, x->pending[i]))
				r = sync_report(x, x->pending[i], retry);
	} else {
		ch = sceau_client_chain(x->c);
		n = sceau_chain_realm_count(ch);
		for (i = 0; i < n && r == 0 && !*retry; i++) {
			ch = sceau_client_chain(x->c);
			if (i >= sceau_chain_realm_count(ch))
				break;
			(void)snprintf(realm, sizeof(realm), "%s",
			    sceau_chain_realm_at(ch, i)->realm_id);
			if (watched(x, realm))
				r = sync_report(x, realm, retry);
		}
	}
	if (r == 0 && !*retry) {
		x->all = 0;
		x->n_pending = 0;
	}
	return r;
}

/* An event: remember what to sync; stop listening to go and sync it. */
static int
on_event(const struct sceau_http_event *ev, void *arg)
{
	struct watch *x = arg;
	const char *realm;
	json_t *j = NULL;

	(void)snprintf(x->last_id, sizeof(x->last_id), "%s", ev->id);
	if (strcmp(ev->type, "certificate") == 0) {
		x->all = 1;
		return 1;
	}
	if (strcmp(ev->type, "vlob") != 0)
		return 0; /* kinds of later versions */
	if (sceau_json_parse(ev->data, ev->data_len, NULL, &j) != 0 ||
	    (realm = json_string_value(json_object_get(j, "realm_id"))) ==
	        NULL ||
	    !sceau_cert_id_valid(realm)) {
		/* A malformed event: sync everything rather than guess. */
		x->all = 1;
	} else
		pend(x, realm);
	json_decref(j);
	return 1;
}

/* Waits after a failure (r), longer each time. */
static int
back_off(struct watch *x, int r)
{
	unsigned int max_ms = (x->w->backoff_max_s > 0 ? x->w->backoff_max_s
	                                               : WATCH_BACKOFF_MAX_S) *
	    1000u;

	x->wait_ms = x->wait_ms == 0   ? WATCH_BACKOFF_FIRST_MS
	    : x->wait_ms >= max_ms / 2 ? max_ms
	                               : x->wait_ms * 2;
	if (x->wait_ms > max_ms)
		x->wait_ms = max_ms;
	if (x->w->report != NULL &&
	    (r = x->w->report(x->w->arg, NULL, r, NULL, 0)) != 0)
		return r;
	sceau_message("server unreachable: trying again in %u ms", x->wait_ms);
	x->all = 1;
	return sceau_sync_sleep(
	    x->wait_ms, x->opts != NULL ? x->opts->stop : NULL);
}

/* What a wake asks to sync: the workspaces it names, or all of them. */
static void
woken(struct watch *x)
{
	char ids[WATCH_PENDING_MAX][SCEAU_ID_LEN + 1];
	size_t i, n;

	n = x->w->woken != NULL ? x->w->woken(x->w->arg, ids, WATCH_PENDING_MAX)
	                        : 0;
	if (n == 0 || n > WATCH_PENDING_MAX) {
		x->all = 1;
		return;
	}
	for (i = 0; i < n; i++)
		if (sceau_cert_id_valid(ids[i]))
			pend(x, ids[i]);
}

/* The caller's work after a pass, and when it wants to be called again. */
static void
run_pass(struct watch *x)
{
	x->pass_ms = x->w->pass != NULL ? x->w->pass(x->w->arg) : -1;
	if (x->pass_ms >= 0 && x->pass_ms < WATCH_PASS_MIN_MS)
		x->pass_ms = WATCH_PASS_MIN_MS; /* never a busy loop */
}

/*
 * How long to listen: until the periodic pass, or until w->pass wants to
 * be called if that comes first (*short_wait set).
 */
static long
listen_ms(const struct watch *x, int *short_wait)
{
	double left = x->periodic_at - now_s();
	long ms = left > 0 ? (long)(left * 1000.0) + 1 : 0;

	*short_wait = 0;
	if (x->pass_ms >= 0 && x->pass_ms < ms) {
		ms = x->pass_ms;
		*short_wait = 1;
	}
	return ms;
}

/*
 * Listens to the server's events until one names something to sync, the
 * interval ends (SCEAU_ERR_TIMEOUT), or w->wake is set (0, all due).
 */
static int
listen_events(struct watch *x, const char *path, long interval_ms)
{
	struct sceau_http *h = sceau_client_http(x->c);
	int r;

	if (x->w->wake == NULL)
		return sceau_http_events(
		    h, path, x->last_id, on_event, x, interval_ms);
	sceau_http_set_cancel(h, x->w->wake);
	r = *x->w->wake != 0
	    ? SCEAU_ERR_INTERRUPTED
	    : sceau_http_events(h, path, x->last_id, on_event, x, interval_ms);
	sceau_http_set_cancel(h, x->opts != NULL ? x->opts->stop : NULL);
	if (r == SCEAU_ERR_INTERRUPTED && !stopped(x)) {
		*x->w->wake = 0;
		woken(x);
		r = 0;
	}
	return r;
}

int
sceau_sync_watch(struct sceau_client *c, const struct sceau_sync_opts *opts,
    const struct sceau_sync_watch *w)
{
	struct watch x;
	char path[128];
	long interval_ms;
	int r = 0, retry, short_wait;

	if (c == NULL || w == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.opts = opts;
	x.w = w;
	x.all = 1;
	interval_ms =
	    (long)(w->interval_s > 0 ? w->interval_s : WATCH_INTERVAL_S) *
	    1000L;
	(void)snprintf(
	    path, sizeof(path), "/v1/%s/events", sceau_client_info(c)->org_id);
	sceau_http_set_cancel(
	    sceau_client_http(c), opts != NULL ? opts->stop : NULL);
	x.pass_ms = -1;
	while (!stopped(&x)) {
		if (x.all || x.n_pending > 0) {
			if ((r = sync_due(&x, &retry)) != 0)
				break;
			if (retry) {
				if ((r = back_off(&x, x.retry_err)) != 0)
					break;
				continue;
			}
			x.wait_ms = 0;
			x.periodic_at = now_s() + (double)interval_ms / 1000.0;
			run_pass(&x);
		}
		r = listen_events(&x, path, listen_ms(&x, &short_wait));
		if (r == SCEAU_ERR_TIMEOUT && short_wait) {
			run_pass(&x); /* its time came: no sync for it */
			r = 0;
		} else if (r == SCEAU_ERR_TIMEOUT) {
			x.all = 1; /* the periodic pass */
			r = 0;
		} else if (r != 0 && sceau_http_retryable(r)) {
			if ((r = back_off(&x, r)) != 0)
				break;
		} else if (r != 0)
			break;
	}
	sceau_http_set_cancel(sceau_client_http(c), NULL);
	return r == SCEAU_ERR_INTERRUPTED || stopped(&x) ? 0 : r;
}
