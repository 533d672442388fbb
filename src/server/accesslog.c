/*
 * accesslog.c: the server's access log (accesslog.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "accesslog.h"
#include "alloc.h"
#include "encoding.h"
#include "errors.h"
#include "log.h"
#include "secmem.h"
#include "server.h"

struct srv_alog {
	struct srv_backend *be;
	struct sceau_signkey *key;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int started, stop;
	unsigned int batch;
	uint64_t interval_ms;
	/* The chain: last record appended, last one signed. */
	uint64_t seq, signed_upto;
	uint8_t hash[SCEAU_SHA256_LEN];
	struct sceau_buf *enc; /* reused under lock */
};

int
srv_alog_key_load(const char *path, int create, struct sceau_signkey **out)
{
	uint8_t seed[SCEAU_SIGN_SEED_LEN];
	struct sceau_buf *b = NULL;
	char hex[2 * SCEAU_SIGN_SEED_LEN + 1];
	struct stat sb;
	int r;

	*out = NULL;
	if (path == NULL)
		return sceau_sign_generate(out);
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (stat(path, &sb) != 0 && errno == ENOENT && create) {
		if ((r = sceau_sign_generate(out)) != 0)
			goto out;
		sceau_sign_seed(*out, seed);
		sceau_enc_hex_fixed(seed, sizeof(seed), hex);
		if ((r = sceau_buf_putf(b, "%s\n", hex)) != 0 ||
		    (r = sceau_buf_write_file_new(path, 0600, b)) != 0) {
			sceau_message("log key %s: cannot write it", path);
			goto out;
		}
		info_f("log key generated in %s", path);
		goto out;
	}
	if (stat(path, &sb) != 0) {
		sceau_message("log key %s: %s", path, strerror(errno));
		r = SCEAU_ERR_NOT_FOUND;
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		sceau_message(
		    "log key %s: readable by others (chmod 600)", path);
		r = SCEAU_ERR_INSECURE_FILE;
		goto out;
	}
	if ((r = sceau_buf_load_file(path, 2 * sizeof(hex), b)) != 0)
		goto out;
	if (sceau_buf_len(b) < 2 * sizeof(seed) ||
	    (sceau_buf_len(b) > 2 * sizeof(seed) &&
	        sceau_buf_ptr(b)[2 * sizeof(seed)] != '\n')) {
		sceau_message("log key %s: not a log key", path);
		r = SCEAU_ERR_KEY_INVALID;
		goto out;
	}
	memcpy(hex, sceau_buf_ptr(b), 2 * sizeof(seed));
	hex[2 * sizeof(seed)] = '\0';
	if ((r = sceau_enc_hex_decode_fixed(hex, seed, sizeof(seed))) != 0) {
		sceau_message("log key %s: not a log key", path);
		r = SCEAU_ERR_KEY_INVALID;
		goto out;
	}
	r = sceau_sign_from_seed(seed, out);
out:
	if (r != 0) {
		sceau_sign_free(*out);
		*out = NULL;
	}
	sceau_memzero(seed, sizeof(seed));
	sceau_memzero(hex, sizeof(hex));
	sceau_buf_free(b);
	return r;
}

/* Under l->lock. */
static int
alog_checkpoint_locked(struct srv_alog *l)
{
	struct sceau_alog_checkpoint cp;
	uint8_t sig[SCEAU_SIGN_SIG_LEN];
	int r;

	if (l->seq == l->signed_upto)
		return 0;
	cp.first_seq = l->signed_upto + 1;
	cp.last_seq = l->seq;
	memcpy(cp.last_hash, l->hash, SCEAU_SHA256_LEN);
	cp.time_us = srv_clock_us();
	sceau_buf_reset(l->enc);
	if ((r = sceau_alog_checkpoint_sign(l->key, &cp, l->enc, sig)) != 0 ||
	    (r = l->be->ops->alog_checkpoint(l->be, cp.first_seq, cp.last_seq,
	         sceau_buf_ptr(l->enc), sceau_buf_len(l->enc), sig)) != 0) {
		error_r(r, "access log: checkpoint of records %llu to %llu",
		    (unsigned long long)cp.first_seq,
		    (unsigned long long)cp.last_seq);
		return r;
	}
	l->signed_upto = cp.last_seq;
	return 0;
}

int
srv_alog_checkpoint(struct srv_alog *l)
{
	int r;

	(void)pthread_mutex_lock(&l->lock);
	r = alog_checkpoint_locked(l);
	(void)pthread_mutex_unlock(&l->lock);
	return r;
}

int
srv_alog_append(struct srv_alog *l, struct sceau_alog_record *rec)
{
	uint8_t h[SCEAU_SHA256_LEN];
	int r;

	(void)pthread_mutex_lock(&l->lock);
	rec->seq = l->seq + 1;
	memcpy(rec->prev, l->hash, SCEAU_SHA256_LEN);
	sceau_buf_reset(l->enc);
	if ((r = sceau_alog_record_encode(rec, l->enc)) != 0 ||
	    (r = sceau_alog_hash(
	         sceau_buf_ptr(l->enc), sceau_buf_len(l->enc), h)) != 0 ||
	    (r = l->be->ops->alog_append(l->be, rec->seq, sceau_buf_ptr(l->enc),
	         sceau_buf_len(l->enc), h)) != 0) {
		error_r(r, "access log: record %llu of %s %s",
		    (unsigned long long)rec->seq, rec->method, rec->route);
		goto out;
	}
	l->seq = rec->seq;
	memcpy(l->hash, h, sizeof(h));
	if (l->seq - l->signed_upto >= l->batch)
		(void)alog_checkpoint_locked(l);
out:
	(void)pthread_mutex_unlock(&l->lock);
	return r;
}

/* Signs what waits every interval, until told to stop. */
static void *
alog_thread(void *arg)
{
	struct srv_alog *l = arg;
	struct timespec ts;

	(void)pthread_mutex_lock(&l->lock);
	while (!l->stop) {
		(void)clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(l->interval_ms / 1000);
		ts.tv_nsec += (long)(l->interval_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!l->stop &&
		    pthread_cond_timedwait(&l->cond, &l->lock, &ts) == 0)
			;
		if (!l->stop)
			(void)alog_checkpoint_locked(l);
	}
	(void)pthread_mutex_unlock(&l->lock);
	return NULL;
}

static int
alog_sync_init(struct srv_alog *l)
{
	pthread_condattr_t ca;
	int ok;

	if (pthread_condattr_init(&ca) != 0)
		return SCEAU_ERR_SYSTEM;
	ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&l->cond, &ca) == 0;
	(void)pthread_condattr_destroy(&ca);
	if (!ok)
		return SCEAU_ERR_SYSTEM;
	if (pthread_mutex_init(&l->lock, NULL) != 0) {
		(void)pthread_cond_destroy(&l->cond);
		return SCEAU_ERR_SYSTEM;
	}
	return 0;
}

int
srv_alog_open(struct srv_backend *be, struct sceau_signkey *key,
    unsigned int batch, uint64_t interval_ms, struct srv_alog **out)
{
	struct srv_alog *l;
	int r;

	*out = NULL;
	if ((l = sceau_calloc(1, sizeof(*l))) == NULL) {
		sceau_sign_free(key);
		return SCEAU_ERR_ALLOC;
	}
	l->be = be;
	l->key = key;
	l->batch = batch > 0 ? batch : SRV_ALOG_BATCH_DEFAULT;
	l->interval_ms =
	    interval_ms > 0 ? interval_ms : SRV_ALOG_INTERVAL_DEFAULT;
	if ((l->enc = sceau_buf_new()) == NULL) {
		sceau_sign_free(key);
		sceau_free(l);
		return SCEAU_ERR_ALLOC;
	}
	if ((r = be->ops->alog_last(be, &l->seq, l->hash, &l->signed_upto)) !=
	        0 ||
	    (r = alog_sync_init(l)) != 0) {
		sceau_buf_free(l->enc);
		sceau_sign_free(key);
		sceau_free(l);
		return r;
	}
	/* Records left unsigned by a crash are signed with the next batch. */
	if (l->signed_upto > l->seq)
		l->signed_upto = l->seq;
	if (pthread_create(&l->thread, NULL, alog_thread, l) != 0) {
		srv_alog_close(l);
		return SCEAU_ERR_SYSTEM;
	}
	l->started = 1;
	*out = l;
	return 0;
}

void
srv_alog_close(struct srv_alog *l)
{
	if (l == NULL)
		return;
	(void)pthread_mutex_lock(&l->lock);
	l->stop = 1;
	(void)pthread_cond_signal(&l->cond);
	(void)pthread_mutex_unlock(&l->lock);
	if (l->started)
		(void)pthread_join(l->thread, NULL);
	/* A failure is logged: the records stay, unsigned, for the next. */
	if (srv_alog_checkpoint(l) != 0)
		warn_f("access log: records %llu to %llu left unsigned",
		    (unsigned long long)(l->signed_upto + 1),
		    (unsigned long long)l->seq);
	(void)pthread_cond_destroy(&l->cond);
	(void)pthread_mutex_destroy(&l->lock);
	sceau_buf_free(l->enc);
	sceau_sign_free(l->key);
	sceau_free(l);
}
