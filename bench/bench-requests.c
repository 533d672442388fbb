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
#include "errors.h"
#include "srv-fixture.h"

struct bench {
	const char *url;
	const char *cacert;
	const char *org;
	char *admin_token;
	unsigned long threads;
	unsigned long requests;
	long server_pid;
	struct srvfx_org fx;
	atomic_ulong next; /* requests handed out */
	atomic_ulong failed;
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
	atomic_init(&bn.next, 0);
	atomic_init(&bn.failed, 0);
	if (bench_args(argc, argv, &bn) != 0) {
		fprintf(stderr,
		    "usage: bench-requests --url URL "
		    "--admin-token-file FILE [--org NAME] "
		    "[--threads N] [--requests N] [--server-pid PID] "
		    "[--cacert FILE]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (bench_setup(&bn) == 0 && bench_run(&bn) == 0)
		st = 0;
	srvfx_free(&bn.fx);
	sceau_freezero(bn.admin_token, strlen(bn.admin_token) + 1);
	curl_global_cleanup();
	return st;
}
