/*
 * bench-requests.c: authenticated requests per second against a running
 * sceau-server.
 *
 *   bench-requests --url URL --admin-token-file FILE [--org NAME]
 *       [--threads N] [--requests N] [--server-pid PID] [--cacert FILE]
 *
 * Creates organization NAME (admin route), bootstraps it with a fresh
 * root key, first admin and device (POST /v1/ORG/bootstrap, signed the
 * way clients sign), then runs N client threads, each on its own
 * keep-alive connection, issuing device-signed GET /v1/ORG/whoami until
 * the total is reached.  Every request is signed afresh (new nonce), so
 * the server does the whole check each time: header, clock, device
 * lookup, Ed25519 verification, replay cache.  Prints one JSON line:
 *
 *   {"bench":"auth_requests","threads":..,"requests":..,"seconds":..,
 *    "requests_per_s":..,"server_rss_kib":..}
 *
 * server_rss_kib is the server's VmRSS after the run (--server-pid), or
 * -1.  Exit status 0, or 1 (with a message on stderr) if anything fails,
 * including any reply other than 200.
 *
 * Workspaces (a workspace is created first):
 *
 *   --mode blocks --megabytes M [--batch-mib B]
 *       uploads M MB of 512 KiB + 28 byte blocks (the client's
 *       ciphertext blocks) in POST .../blocks of B MiB (16), from the N
 *       threads, then reads them all back in GETs of B MiB;
 *       {"bench":"blocks","upload_mb_per_s":..,"download_mb_per_s":..,
 *        "server_peak_rss_kib":..}
 *   --mode files --files N [--file-size S]
 *       N small files as a client pushes them: per 1,000 files one POST of
 *       their blocks (S bytes + 28 each, 4096 by default) and one POST of
 *       their vlobs (sealed and signed before the clock starts);
 *       {"bench":"files","files_per_s":..,"server_peak_rss_kib":..}
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "srv-fixture.h"

struct bench {
	const char *url;
	const char *cacert;
	const char *org;
	const char *mode; /* "auth", "blocks", "files" */
	char *admin_token;
	unsigned long threads;
	unsigned long requests;
	unsigned long megabytes, batch_mib, files, file_size;
	long server_pid;
	struct srvfx_org fx;
	char realm[SCEAU_ID_LEN + 1];
	atomic_ulong next; /* requests handed out */
	atomic_ulong failed;
	/* files: the bodies, made before the clock starts */
	struct sceau_buf **bodies;
	char **targets;
	size_t nbodies;
};

/* libcurl write callback appending to a sceau_buf (bounded). */
static size_t
bench_write(char *p, size_t size, size_t n, void *arg)
{
	struct sceau_buf *b = arg;

	if (sceau_buf_put(b, p, size * n) != 0)
		return 0;
	return size * n;
}

/* One request on handle h; returns the HTTP status (0: transport). */
static long
bench_call(CURL *h, const struct bench *bn, const char *method,
    const char *path, const char *auth, const struct sceau_buf *body,
    struct sceau_buf *reply)
{
	struct curl_slist *hdr = NULL;
	char url[512], line[1024];
	long status = 0;

	(void)snprintf(url, sizeof(url), "%s%s", bn->url, path);
	(void)snprintf(line, sizeof(line), "Authorization: %s", auth);
	if (auth[0] != '\0')
		hdr = curl_slist_append(hdr, line);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	sceau_buf_reset(reply);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bench_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, sceau_buf_ptr(body));
		curl_easy_setopt(
		    h, CURLOPT_POSTFIELDSIZE, (long)sceau_buf_len(body));
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	if (bn->cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, bn->cacert);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	return status;
}

/* The bootstrap token from a reply to organization creation. */
static char *
bench_token(const struct sceau_buf *reply)
{
	const char *p = (const char *)sceau_buf_ptr(reply), *q;
	size_t n = sceau_buf_len(reply);
	const char key[] = "\"bootstrap_token\":\"";
	char *s = NULL;

	if (p == NULL || (q = memmem(p, n, key, sizeof(key) - 1)) == NULL)
		return NULL;
	q += sizeof(key) - 1;
	n -= (size_t)(q - p);
	if ((p = memchr(q, '"', n)) != NULL &&
	    (s = malloc((size_t)(p - q) + 1)) != NULL) {
		memcpy(s, q, (size_t)(p - q));
		s[p - q] = '\0';
	}
	return s;
}

static int
bench_setup(struct bench *bn)
{
	struct sceau_buf *body = sceau_buf_new(), *reply = sceau_buf_new();
	char auth[1200], path[128], *token = NULL;
	CURL *h = curl_easy_init();
	long st;
	int r = -1;

	if (body == NULL || reply == NULL || h == NULL)
		goto out;
	(void)snprintf(auth, sizeof(auth), "Bearer %s", bn->admin_token);
	if (sceau_buf_putf(body, "{\"org_id\":\"%s\"}", bn->org) != 0 ||
	    (st = bench_call(h, bn, "POST", "/v1/admin/organizations", auth,
	         body, reply)) != 201 ||
	    (token = bench_token(reply)) == NULL) {
		fprintf(
		    stderr, "bench: cannot create organization %s\n", bn->org);
		goto out;
	}
	sceau_buf_reset(body);
	if (srvfx_new(bn->org, token, &bn->fx, body) != 0) {
		fprintf(stderr, "bench: cannot build the bootstrap\n");
		goto out;
	}
	(void)snprintf(path, sizeof(path), "/v1/%s/bootstrap", bn->org);
	if ((st = bench_call(h, bn, "POST", path, "", body, reply)) != 200) {
		fprintf(stderr, "bench: bootstrap refused (HTTP %ld)\n", st);
		goto out;
	}
	r = 0;
out:
	free(token);
	curl_easy_cleanup(h);
	sceau_buf_free(body);
	sceau_buf_free(reply);
	return r;
}

static void *
bench_thread(void *arg)
{
	struct bench *bn = arg;
	struct sceau_buf *auth = sceau_buf_new(), *reply = sceau_buf_new();
	char path[128];
	CURL *h = curl_easy_init();

	(void)snprintf(path, sizeof(path), "/v1/%s/whoami", bn->org);
	if (auth == NULL || reply == NULL || h == NULL) {
		atomic_fetch_add(&bn->failed, 1);
		goto out;
	}
	/* One connection per thread, kept alive across requests. */
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	while (atomic_fetch_add(&bn->next, 1) < bn->requests) {
		sceau_buf_reset(auth);
		if (srvfx_sign(&bn->fx, &bn->fx.admin, "GET", path, NULL, 0, 0,
		        auth) != 0 ||
		    bench_call(h, bn, "GET", path,
		        (const char *)sceau_buf_ptr(auth), NULL, reply) != 200)
			atomic_fetch_add(&bn->failed, 1);
	}
out:
	curl_easy_cleanup(h);
	sceau_buf_free(auth);
	sceau_buf_free(reply);
	return NULL;
}

static long
bench_rss_kib(long pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	if (pid <= 0)
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	}
	(void)fclose(f);
	return kib;
}

static double
bench_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bench_run(struct bench *bn)
{
	pthread_t *tids = calloc(bn->threads, sizeof(*tids));
	unsigned long i, started = 0;
	double t0, secs;

	if (tids == NULL)
		return -1;
	t0 = bench_now();
	for (i = 0; i < bn->threads; i++) {
		if (pthread_create(&tids[i], NULL, bench_thread, bn) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(tids[i], NULL);
	secs = bench_now() - t0;
	free(tids);
	if (started != bn->threads || atomic_load(&bn->failed) != 0) {
		fprintf(stderr, "bench: %lu request(s) failed\n",
		    atomic_load(&bn->failed));
		return -1;
	}
	printf("{\"bench\":\"auth_requests\",\"threads\":%lu,"
	       "\"requests\":%lu,\"seconds\":%.3f,\"requests_per_s\":%.1f,"
	       "\"server_rss_kib\":%ld}\n",
	    bn->threads, bn->requests, secs, (double)bn->requests / secs,
	    bench_rss_kib(bn->server_pid));
	return 0;
}

/* ------------------------------------------------------- workspaces */

/* The client's ciphertext block: 512 KiB of data, nonce and tag. */
#define BENCH_BLOCK (512 * 1024 + 28)
#define BENCH_FILES_BATCH 1000

/* One request of a data run, made before the clock starts (but signed,
 * so hashed, when sent: as a client does). */
struct bench_req {
	const char *method;
	char target[9000];
	struct sceau_buf *body; /* NULL for a GET */
	size_t expect; /* bytes of the reply to a GET */
};

static size_t
bench_count(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	*(size_t *)arg += size * n;
	return size * n;
}

/* One data request on h; 0 if it got 200 (and the bytes expected). */
static int
bench_data_call(CURL *h, const struct bench *bn, const struct bench_req *rq,
    struct sceau_buf *auth)
{
	const struct sceau_buf *b = rq->body;
	struct curl_slist *hdr = NULL;
	char url[9200], line[1024];
	size_t got = 0;
	long status = 0;

	sceau_buf_reset(auth);
	if (srvfx_sign(&bn->fx, &bn->fx.admin, rq->method, rq->target,
	        b != NULL ? sceau_buf_ptr(b) : NULL,
	        b != NULL ? sceau_buf_len(b) : 0, 0, auth) != 0)
		return -1;
	(void)snprintf(url, sizeof(url), "%s%s", bn->url, rq->target);
	(void)snprintf(line, sizeof(line), "Authorization: %s",
	    (const char *)sceau_buf_ptr(auth));
	hdr = curl_slist_append(hdr, line);
	hdr = curl_slist_append(hdr, "Content-Type: application/octet-stream");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, bench_count);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &got);
	if (b != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, sceau_buf_ptr(b));
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)sceau_buf_len(b));
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	if (status != 200 || (b == NULL && got != rq->expect)) {
		fprintf(stderr, "bench: %s %.80s: HTTP %ld, %zu bytes\n",
		    rq->method, rq->target, status, got);
		return -1;
	}
	return 0;
}

struct bench_data {
	struct bench *bn;
	struct bench_req *reqs;
	size_t n;
	atomic_size_t next;
};

static void *
bench_data_thread(void *arg)
{
	struct bench_data *d = arg;
	struct sceau_buf *auth = sceau_buf_new();
	CURL *h = curl_easy_init();
	size_t i;

	if (auth == NULL || h == NULL)
		atomic_fetch_add(&d->bn->failed, 1);
	else
		curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	while (auth != NULL && h != NULL &&
	    (i = atomic_fetch_add(&d->next, 1)) < d->n) {
		if (bench_data_call(h, d->bn, &d->reqs[i], auth) != 0)
			atomic_fetch_add(&d->bn->failed, 1);
	}
	curl_easy_cleanup(h);
	sceau_buf_free(auth);
	return NULL;
}

/* Runs reqs[0..n) from the bench's threads; seconds, or -1. */
static double
bench_data_run(struct bench *bn, struct bench_req *reqs, size_t n)
{
	pthread_t tids[256];
	struct bench_data d;
	unsigned long i, started = 0;
	double t0;

	d.bn = bn;
	d.reqs = reqs;
	d.n = n;
	atomic_init(&d.next, 0);
	t0 = bench_now();
	for (i = 0; i < bn->threads && i < 256; i++) {
		if (pthread_create(&tids[i], NULL, bench_data_thread, &d) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		(void)pthread_join(tids[i], NULL);
	if (started != bn->threads || atomic_load(&bn->failed) != 0)
		return -1;
	return bench_now() - t0;
}

static long
bench_status_kib(long pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long kib = -1;
	FILE *f;

	if (pid <= 0)
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, n) == 0 && line[n] == ':' &&
		    sscanf(line + n + 1, "%ld", &kib) == 1)
			break;
	}
	(void)fclose(f);
	return kib;
}

/* The workspace of the data runs, created by the admin. */
static int
bench_realm(struct bench *bn)
{
	struct sceau_buf *body = sceau_buf_new(), *reply = sceau_buf_new();
	struct sceau_buf *auth = sceau_buf_new();
	CURL *h = curl_easy_init();
	char path[128];
	int r = -1;

	(void)snprintf(path, sizeof(path), "/v1/%s/certificates", bn->org);
	if (body != NULL && reply != NULL && auth != NULL && h != NULL &&
	    srvfx_realm_create(&bn->fx, &bn->fx.admin, bn->realm, body) == 0 &&
	    srvfx_sign(&bn->fx, &bn->fx.admin, "POST", path,
	        sceau_buf_ptr(body), sceau_buf_len(body), 0, auth) == 0 &&
	    bench_call(h, bn, "POST", path, (const char *)sceau_buf_ptr(auth),
	        body, reply) == 201)
		r = 0;
	else
		fprintf(stderr, "bench: cannot create the workspace\n");
	curl_easy_cleanup(h);
	sceau_buf_free(body);
	sceau_buf_free(reply);
	sceau_buf_free(auth);
	return r;
}

/* A frame: id (batch, index), len bytes of pseudo-random data. */
static int
bench_frame(struct sceau_buf *b, uint64_t batch, uint64_t i, size_t len)
{
	uint8_t id[16], *p;
	uint64_t x = batch * 1000003 + i;
	size_t k;
	int r;

	for (k = 0; k < 8; k++) {
		id[k] = (uint8_t)(batch >> (56 - 8 * k));
		id[8 + k] = (uint8_t)(i >> (56 - 8 * k));
	}
	if ((r = sceau_buf_put(b, id, sizeof(id))) != 0 ||
	    (r = sceau_buf_put_u32(b, (uint32_t)len)) != 0 ||
	    (r = sceau_buf_reserve(b, len, &p)) != 0)
		return r;
	for (k = 0; k < len; k++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		p[k] = (uint8_t)(x >> 56);
	}
	return 0;
}

static void
bench_free_reqs(struct bench_req *reqs, size_t n)
{
	size_t i;

	for (i = 0; reqs != NULL && i < n; i++)
		sceau_buf_free(reqs[i].body);
	free(reqs);
}

/* Upload requests of blocks, then the GETs reading them back. */
static struct bench_req *
bench_blocks_reqs(struct bench *bn, size_t *nbatch)
{
	size_t per = bn->batch_mib * 1024 * 1024 / (BENCH_BLOCK + 20);
	size_t nb = (bn->megabytes * 1000000 + per * BENCH_BLOCK - 1) /
	    (per * BENCH_BLOCK);
	struct bench_req *reqs = calloc(2 * nb, sizeof(*reqs));
	size_t k, i, off;

	*nbatch = nb;
	for (k = 0; reqs != NULL && k < nb; k++) {
		reqs[k].method = "POST";
		(void)snprintf(reqs[k].target, sizeof(reqs[k].target),
		    "/v1/%s/realms/%s/blocks", bn->org, bn->realm);
		reqs[nb + k].method = "GET";
		off = (size_t)snprintf(reqs[nb + k].target,
		    sizeof(reqs[nb + k].target), "%s?ids=", reqs[k].target);
		if ((reqs[k].body = sceau_buf_new()) == NULL)
			goto fail;
		for (i = 0; i < per; i++) {
			if (bench_frame(reqs[k].body, k, i, BENCH_BLOCK) != 0)
				goto fail;
			off += (size_t)snprintf(reqs[nb + k].target + off,
			    sizeof(reqs[nb + k].target) - off,
			    "%s%016llx%016llx", i > 0 ? "," : "",
			    (unsigned long long)k, (unsigned long long)i);
		}
		reqs[nb + k].expect = sceau_buf_len(reqs[k].body);
	}
	return reqs;
fail:
	bench_free_reqs(reqs, 2 * nb);
	return NULL;
}

static int
bench_blocks(struct bench *bn)
{
	struct bench_req *reqs;
	size_t nb, k;
	double up, down, bytes = 0;

	if ((reqs = bench_blocks_reqs(bn, &nb)) == NULL)
		return -1;
	for (k = 0; k < nb; k++)
		bytes += (double)sceau_buf_len(reqs[k].body);
	if ((up = bench_data_run(bn, reqs, nb)) < 0 ||
	    (down = bench_data_run(bn, reqs + nb, nb)) < 0) {
		bench_free_reqs(reqs, 2 * nb);
		return -1;
	}
	printf("{\"bench\":\"blocks\",\"threads\":%lu,\"megabytes\":%.1f,"
	       "\"batch_mib\":%lu,\"upload_mb_per_s\":%.1f,"
	       "\"download_mb_per_s\":%.1f,\"server_rss_kib\":%ld,"
	       "\"server_peak_rss_kib\":%ld}\n",
	    bn->threads, bytes / 1e6, bn->batch_mib, bytes / 1e6 / up,
	    bytes / 1e6 / down, bench_status_kib(bn->server_pid, "VmRSS"),
	    bench_status_kib(bn->server_pid, "VmHWM"));
	bench_free_reqs(reqs, 2 * nb);
	return 0;
}

/* The vlobs of one batch of files: sealed and signed now. */
static int
bench_vlobs_body(
    struct bench *bn, size_t batch, size_t n, struct sceau_buf *body)
{
	struct sceau_buf *blob = sceau_buf_new();
	struct sceau_vlob_header h;
	char id[SCEAU_ID_LEN + 1];
	size_t i;
	int r = blob != NULL ? sceau_buf_putf(body, "{\"vlobs\":[") : -1;

	for (i = 0; i < n && r == 0; i++) {
		(void)snprintf(id, sizeof(id), "%016zx%016zx", batch, i);
		srvfx_vlob_header(
		    &bn->fx, &bn->fx.admin, bn->realm, id, 1, 1, &h);
		sceau_buf_reset(blob);
		if ((r = srvfx_vlob(&bn->fx.admin, &h, blob)) == 0 &&
		    (r = sceau_buf_putf(body,
		         "%s{\"vlob_id\":\"%s\",\"version\":1,\"blob\":\"",
		         i > 0 ? "," : "", id)) == 0 &&
		    (r = sceau_enc_b64_put(body, sceau_buf_ptr(blob),
		         sceau_buf_len(blob), SCEAU_B64_STD)) == 0)
			r = sceau_buf_putf(body, "\"}");
	}
	if (r == 0)
		r = sceau_buf_putf(body, "]}");
	sceau_buf_free(blob);
	return r;
}

static int
bench_files(struct bench *bn)
{
	size_t nb = (bn->files + BENCH_FILES_BATCH - 1) / BENCH_FILES_BATCH;
	struct bench_req *reqs = calloc(2 * nb, sizeof(*reqs));
	size_t k, i, n;
	double secs;
	int r = 0;

	for (k = 0; reqs != NULL && k < nb && r == 0; k++) {
		n = SCEAU_MIN(
		    BENCH_FILES_BATCH, bn->files - k * BENCH_FILES_BATCH);
		reqs[2 * k].method = reqs[2 * k + 1].method = "POST";
		(void)snprintf(reqs[2 * k].target, sizeof(reqs[2 * k].target),
		    "/v1/%s/realms/%s/blocks", bn->org, bn->realm);
		(void)snprintf(reqs[2 * k + 1].target,
		    sizeof(reqs[2 * k + 1].target), "/v1/%s/realms/%s/vlobs",
		    bn->org, bn->realm);
		if ((reqs[2 * k].body = sceau_buf_new()) == NULL ||
		    (reqs[2 * k + 1].body = sceau_buf_new()) == NULL)
			r = -1;
		for (i = 0; i < n && r == 0; i++)
			r = bench_frame(reqs[2 * k].body, 1000000 + k, i,
			    bn->file_size + 28);
		if (r == 0)
			r = bench_vlobs_body(bn, k, n, reqs[2 * k + 1].body);
	}
	if (reqs == NULL || r != 0 ||
	    (secs = bench_data_run(bn, reqs, 2 * nb)) < 0) {
		bench_free_reqs(reqs, 2 * nb);
		return -1;
	}
	printf("{\"bench\":\"files\",\"threads\":%lu,\"files\":%lu,"
	       "\"file_size\":%lu,\"seconds\":%.3f,\"files_per_s\":%.1f,"
	       "\"server_rss_kib\":%ld,\"server_peak_rss_kib\":%ld}\n",
	    bn->threads, bn->files, bn->file_size, secs,
	    (double)bn->files / secs, bench_status_kib(bn->server_pid, "VmRSS"),
	    bench_status_kib(bn->server_pid, "VmHWM"));
	bench_free_reqs(reqs, 2 * nb);
	return 0;
}

static char *
bench_read_token(const char *path)
{
	struct sceau_buf *b = sceau_buf_new();
	char *s = NULL;
	size_t n;

	if (b != NULL && sceau_buf_load_file(path, 4096, b) == 0 &&
	    (s = sceau_buf_dup_cstring(b)) != NULL) {
		n = strlen(s);
		while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
			s[--n] = '\0';
	}
	sceau_buf_free(b);
	return s;
}

static int
bench_args(int argc, char **argv, struct bench *bn)
{
	static const struct option opts[] = {
	    {"url", required_argument, NULL, 'u'},
	    {"admin-token-file", required_argument, NULL, 'a'},
	    {"org", required_argument, NULL, 'o'},
	    {"threads", required_argument, NULL, 't'},
	    {"requests", required_argument, NULL, 'n'},
	    {"server-pid", required_argument, NULL, 'p'},
	    {"cacert", required_argument, NULL, 'c'},
	    {"mode", required_argument, NULL, 'm'},
	    {"megabytes", required_argument, NULL, 'M'},
	    {"batch-mib", required_argument, NULL, 'B'},
	    {"files", required_argument, NULL, 'F'},
	    {"file-size", required_argument, NULL, 'S'},
	    {NULL, 0, NULL, 0},
	};
	const char *tokfile = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			bn->url = optarg;
			break;
		case 'a':
			tokfile = optarg;
			break;
		case 'o':
			bn->org = optarg;
			break;
		case 't':
			bn->threads = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			bn->requests = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			bn->server_pid = strtol(optarg, NULL, 10);
			break;
		case 'c':
			bn->cacert = optarg;
			break;
		case 'm':
			bn->mode = optarg;
			break;
		case 'M':
			bn->megabytes = strtoul(optarg, NULL, 10);
			break;
		case 'B':
			bn->batch_mib = strtoul(optarg, NULL, 10);
			break;
		case 'F':
			bn->files = strtoul(optarg, NULL, 10);
			break;
		case 'S':
			bn->file_size = strtoul(optarg, NULL, 10);
			break;
		default:
			return -1;
		}
	}
	if (bn->url == NULL || tokfile == NULL || bn->threads == 0 ||
	    bn->threads > 256 || bn->requests == 0)
		return -1;
	if ((bn->admin_token = bench_read_token(tokfile)) == NULL) {
		fprintf(stderr, "bench: cannot read %s\n", tokfile);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench bn;
	int st = 1;

	memset(&bn, 0, sizeof(bn));
	bn.org = "bench";
	bn.threads = 2;
	bn.requests = 10000;
	bn.mode = "auth";
	bn.megabytes = 1024;
	bn.batch_mib = 16;
	bn.files = 10000;
	bn.file_size = 4096;
	atomic_init(&bn.next, 0);
	atomic_init(&bn.failed, 0);
	if (bench_args(argc, argv, &bn) != 0) {
		fprintf(stderr,
		    "usage: bench-requests --url URL "
		    "--admin-token-file FILE [--org NAME] "
		    "[--threads N] [--requests N] [--server-pid PID] "
		    "[--cacert FILE] [--mode auth|blocks|files] "
		    "[--megabytes M] [--batch-mib B] [--files N] "
		    "[--file-size S]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (bench_setup(&bn) != 0)
		st = 1;
	else if (strcmp(bn.mode, "blocks") == 0)
		st = bench_realm(&bn) == 0 && bench_blocks(&bn) == 0 ? 0 : 1;
	else if (strcmp(bn.mode, "files") == 0)
		st = bench_realm(&bn) == 0 && bench_files(&bn) == 0 ? 0 : 1;
	else
		st = bench_run(&bn) == 0 ? 0 : 1;
	srvfx_free(&bn.fx);
	sceau_freezero(bn.admin_token, strlen(bn.admin_token) + 1);
	curl_global_cleanup();
	return st;
}
