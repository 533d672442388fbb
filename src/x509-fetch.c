/*
 * x509-fetch.c: revocation over the network: CRLs fetched from the
 * distribution points of a validated path (or configured URLs), kept in
 * a cache directory until their nextUpdate, and OCSP for the leaf.
 *
 * Only certificates that already chain to an anchor get their URLs
 * fetched, with the project's HTTP client (http.h: plain HTTP to
 * loopback only unless the trust allows other hosts, no redirect,
 * replies bounded while they arrive).  A fetched CRL is used, and
 * cached, only when its issuer's key in the path verifies it: a network
 * attacker cannot fill the cache with CRLs of his own.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "http.h"
#include "log.h"
#include "x509-internal.h"
#include "x509.h"

#define X509_URLS_PER_CERT 4 /* distribution points tried per certificate */
#define X509_CACHE_FILES_MAX 4096 /* files looked at when pruning */
#define X509_CACHE_NAME_LEN (2 * SCEAU_SHA256_LEN + 4) /* hex + ".crl" */
#define X509_CONNECT_TIMEOUT_MS 5000L

/* ------------------------------------------------------------------ */
/* HTTP. */

/*
 * GET url (body NULL) or POST body to it, the reply (at most max bytes)
 * into out.  Failures: SCEAU_ERR_REVOCATION_UNREACHABLE, the reason in
 * st->fetch_error.
 */
static int
x509_http(struct x509_vstate *st, const char *url, const struct sceau_buf *body,
    const char *ctype, size_t max, struct sceau_buf *out)
{
	struct sceau_http_opts ho = {0};
	struct sceau_http *h = NULL;
	const char *host = strstr(url, "://"), *path;
	char *base = NULL;
	int r;

	path = host != NULL ? strchr(host + 3, '/') : NULL;
	base = path != NULL ? sceau_strndup(url, (size_t)(path - url))
	                    : sceau_strdup(url);
	if (base == NULL)
		return SCEAU_ERR_ALLOC;
	ho.allow_insecure_http = st->t->remote_fetch;
	ho.timeout_ms = SCEAU_X509_TIMEOUT_MS;
	ho.connect_timeout_ms = X509_CONNECT_TIMEOUT_MS;
	sceau_message_clear();
	if ((r = sceau_buf_set_max_size(out, max)) == 0 &&
	    (r = sceau_http_new(base, &ho, &h)) == 0) {
		sceau_http_set_response_max(h, max);
		r = sceau_http_request(h, body != NULL ? "POST" : "GET",
		    path != NULL ? path : "/", body, ctype, out, NULL);
	}
	sceau_http_free(h);
	sceau_free(base);
	if (r == SCEAU_ERR_ALLOC)
		return r;
	if (r != 0) {
		(void)snprintf(st->fetch_error, sizeof(st->fetch_error),
		    "%s: %s%s%s", url, sceau_strerror(r),
		    sceau_last_message()[0] != '\0' ? ": " : "",
		    sceau_last_message());
		return SCEAU_ERR_REVOCATION_UNREACHABLE;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The CRL cache. */

/* Is the cache directory there (made if not), ours and private? */
static int
x509_cache_ready(struct x509_vstate *st)
{
	const char *dir = st->t->cache_dir;
	struct stat sb;

	if (st->cache_state != 0)
		return st->cache_state > 0;
	st->cache_state = -1;
	if (dir == NULL)
		return 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		warn_f(
		    "CRL cache %s: cannot create it: %s", dir, strerror(errno));
		return 0;
	}
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != geteuid() || (sb.st_mode & 022) != 0) {
		warn_f(
		    "CRL cache %s: not a private directory of ours: not used",
		    dir);
		return 0;
	}
	st->cache_state = 1;
	return 1;
}

/* The cache file of url: DIR/hex(SHA-256(url)).crl. */
static int
x509_cache_path(
    const struct x509_vstate *st, const char *url, char *out, size_t size)
{
	uint8_t d[SCEAU_SHA256_LEN];
	char hex[2 * SCEAU_SHA256_LEN + 1];
	int n;

	if (sceau_hash_sha256(url, strlen(url), d) != 0)
		return SCEAU_ERR_CRYPTO;
	sceau_enc_hex_fixed(d, sizeof(d), hex);
	n = snprintf(out, size, "%s/%s.crl", st->t->cache_dir, hex);
	return n > 0 && (size_t)n < size ? 0 : SCEAU_ERR_INVALID_ARGUMENT;
}

/* Was crl issued, and signed, by issuer? */
static int
x509_crl_from(X509_CRL *crl, X509 *issuer)
{
	int ok = X509_NAME_cmp(X509_CRL_get_issuer(crl),
	             X509_get_subject_name(issuer)) == 0 &&
	    X509_CRL_verify(crl, X509_get0_pubkey(issuer)) == 1;

	ERR_clear_error();
	return ok;
}

/* Current: a nextUpdate still to come. */
static int
x509_crl_fresh(X509_CRL *crl, int64_t now)
{
	int64_t next;

	return X509_CRL_get0_nextUpdate(crl) != NULL &&
	    x509_time_unix(X509_CRL_get0_nextUpdate(crl), &next) == 0 &&
	    now < next;
}

/*
 * The CA of the path that signed crl: issuer if not NULL (a distribution
 * point's CRL), else any (a configured URL's).  NULL when none did.
 */
static X509 *
x509_crl_issuer(const struct x509_vstate *st, X509_CRL *crl, X509 *issuer)
{
	int i;

	if (issuer != NULL)
		return x509_crl_from(crl, issuer) ? issuer : NULL;
	for (i = 0; i < sk_X509_num(st->chain); i++) {
		if (x509_crl_from(crl, sk_X509_value(st->chain, i)))
			return sk_X509_value(st->chain, i);
	}
	return NULL;
}

/* The cached CRL of url, if current and from issuer; else NULL. */
static X509_CRL *
x509_cache_get(struct x509_vstate *st, const char *path, X509 *issuer)
{
	struct sceau_buf *b;
	X509_CRL *crl = NULL;

	if ((b = sceau_buf_new()) == NULL)
		return NULL;
	if (sceau_buf_load_file(path, st->t->crl_max, b) == 0 &&
	    x509_crl_parse(sceau_buf_ptr(b), sceau_buf_len(b), st->t->crl_max,
	        &crl) == 0 &&
	    (x509_crl_issuer(st, crl, issuer) == NULL ||
	        !x509_crl_fresh(crl, st->now))) {
		X509_CRL_free(crl);
		crl = NULL;
	}
	sceau_buf_free(b);
	sceau_message_clear();
	return crl;
}

struct x509_cache_file {
	char name[X509_CACHE_NAME_LEN + 1];
	time_t mtime;
	off_t size;
};

static int
x509_cache_cmp(const void *a, const void *b)
{
	const struct x509_cache_file *x = a, *y = b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

/* One of ours: 64 lowercase hex digits and ".crl". */
static int
x509_cache_name(const char *n)
{
	size_t i;

	if (strlen(n) != X509_CACHE_NAME_LEN ||
	    strcmp(n + 2 * SCEAU_SHA256_LEN, ".crl") != 0)
		return 0;
	for (i = 0; i < 2 * SCEAU_SHA256_LEN; i++) {
		if (strchr("0123456789abcdef", n[i]) == NULL)
			return 0;
	}
	return 1;
}

/* Removes the oldest of our files until they hold at most cache_max. */
static void
x509_cache_prune(const struct x509_vstate *st)
{
	struct x509_cache_file *f;
	struct dirent *e;
	struct stat sb;
	size_t n = 0, i;
	uint64_t total = 0;
	DIR *d;

	if ((d = opendir(st->t->cache_dir)) == NULL)
		return;
	f = sceau_calloc(X509_CACHE_FILES_MAX, sizeof(*f));
	while (
	    f != NULL && n < X509_CACHE_FILES_MAX && (e = readdir(d)) != NULL) {
		if (!x509_cache_name(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) !=
		        0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		memcpy(f[n].name, e->d_name, X509_CACHE_NAME_LEN + 1);
		f[n].mtime = sb.st_mtime;
		f[n].size = sb.st_size;
		total += (uint64_t)sb.st_size;
		n++;
	}
	if (f != NULL && total > st->t->cache_max) {
		qsort(f, n, sizeof(*f), x509_cache_cmp);
		for (i = 0; i < n && total > st->t->cache_max; i++) {
			if (unlinkat(dirfd(d), f[i].name, 0) == 0)
				total -= (uint64_t)f[i].size;
		}
	}
	sceau_free(f);
	(void)closedir(d);
}

static void
x509_cache_put(
    struct x509_vstate *st, const char *path, const struct sceau_buf *der)
{
	int r;

	if ((r = sceau_buf_write_file_atomic(path, 0600, der)) != 0)
		warn_r(r, "CRL cache: cannot write %s", path);
	else
		x509_cache_prune(st);
	sceau_message_clear();
}

/* ------------------------------------------------------------------ */
/* CRLs. */

static int
x509_crl_keep(struct x509_vstate *st, X509_CRL *crl)
{
	if (sk_X509_CRL_push(st->crls, crl) <= 0) {
		X509_CRL_free(crl);
		return SCEAU_ERR_ALLOC;
	}
	return 0;
}

/*
 * The CRL at url for the certificates issued by issuer: from the cache,
 * else fetched (and cached).  *got: 1 when one was kept.  issuer NULL
 * (a configured URL): the CRL's issuer must be in the path, else it
 * concerns another path and is dropped.
 */
static int
x509_crl_get(
    struct x509_vstate *st, const char *url, X509 *issuer, int depth, int *got)
{
	char path[4096 + X509_CACHE_NAME_LEN + 2];
	int cache = x509_cache_ready(st), r;
	struct sceau_buf *b;
	X509_CRL *crl = NULL;

	*got = 0;
	cache = cache && x509_cache_path(st, url, path, sizeof(path)) == 0;
	if (cache && (crl = x509_cache_get(st, path, issuer)) != NULL) {
		debug_f("CRL of %s from the cache", url);
		*got = 1;
		return x509_crl_keep(st, crl);
	}
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = x509_http(st, url, NULL, NULL, st->t->crl_max, b)) != 0)
		goto out;
	if ((r = x509_crl_parse(sceau_buf_ptr(b), sceau_buf_len(b),
	         st->t->crl_max, &crl)) != 0) {
		r = x509_refuse(st, SCEAU_ERR_CRL_INVALID, depth,
		    depth >= 0 ? sk_X509_value(st->chain, depth) : NULL,
		    "the CRL at %s: %s", url, sceau_last_message());
		goto out;
	}
	if (x509_crl_issuer(st, crl, issuer) == NULL) {
		X509_CRL_free(crl);
		if (depth < 0) {
			/* A configured URL: a CRL of another path's CA. */
			debug_f("CRL at %s: not of this path's CAs", url);
			goto out;
		}
		r = x509_refuse(st, SCEAU_ERR_CRL_INVALID, depth,
		    sk_X509_value(st->chain, depth),
		    "the CRL at %s is not signed by its issuer", url);
		goto out;
	}
	if (cache && x509_crl_fresh(crl, st->now))
		x509_cache_put(st, path, b);
	*got = 1;
	r = x509_crl_keep(st, crl);
out:
	sceau_buf_free(b);
	return r;
}

/* The http(s) URIs of x's CRL distribution points (full names). */
static size_t
x509_dp_urls(
    X509 *x, const char *urls[X509_URLS_PER_CERT], STACK_OF(DIST_POINT) * *dpsp)
{
	STACK_OF(DIST_POINT) * dps;
	const GENERAL_NAME *g;
	const DIST_POINT *dp;
	const char *u;
	size_t n = 0;
	int i, j;

	*dpsp = dps =
	    X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	ERR_clear_error();
	for (i = 0; dps != NULL && i < sk_DIST_POINT_num(dps); i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (j = 0;
		     j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
		     j++) {
			g = sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j);
			if (g->type != GEN_URI || n >= X509_URLS_PER_CERT)
				continue;
			u = (const char *)ASN1_STRING_get0_data(
			    g->d.uniformResourceIdentifier);
			if ((size_t)ASN1_STRING_length(
			        g->d.uniformResourceIdentifier) == strlen(u) &&
			    (strncmp(u, "http://", 7) == 0 ||
			        strncmp(u, "https://", 8) == 0) &&
			    strlen(u) <= SCEAU_X509_URL_MAX)
				urls[n++] = u;
		}
	}
	return n;
}

/* The CRL of chain[depth], from its distribution points. */
static int
x509_fetch_dps(struct x509_vstate *st, int depth)
{
	int n = sk_X509_num(st->chain), r = 0, got = 0;
	X509 *x = sk_X509_value(st->chain, depth), *issuer;
	STACK_OF(DIST_POINT) * dps;
	const char *urls[X509_URLS_PER_CERT];
	size_t i, nurls;

	issuer = depth + 1 < n ? sk_X509_value(st->chain, depth + 1) : x;
	if (depth + 1 >= n && X509_check_issued(x, x) != X509_V_OK)
		return 0; /* an anchor whose issuer we do not have */
	nurls = x509_dp_urls(x, urls, &dps);
	for (i = 0; r == 0 && !got && i < nurls; i++) {
		r = x509_crl_get(st, urls[i], issuer, depth, &got);
		if (r == SCEAU_ERR_REVOCATION_UNREACHABLE)
			r = 0;
	}
	/* The CRLs of that issuer: for x, and for itself if a root. */
	i = depth + 1 < n ? (size_t)depth + 1 : (size_t)depth;
	if (nurls > 0 && !got && r == 0 && i < SCEAU_X509_CHAIN_MAX) {
		st->unreachable |= 1U << i;
		memcpy(
		    st->dp_error[i], st->fetch_error, sizeof(st->dp_error[i]));
		debug_f("%s", st->fetch_error);
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return r;
}

const char *
x509_crl_unreachable(const struct x509_vstate *st, int depth)
{
	int n = st->chain != NULL ? sk_X509_num(st->chain) : 0,
	    i = depth + 1 < n ? depth + 1 : depth;

	if (i >= 0 && i < SCEAU_X509_CHAIN_MAX &&
	    (st->unreachable & (1U << i)) != 0)
		return st->dp_error[i];
	return st->url_failed ? st->fetch_error : NULL;
}

int
x509_fetch_crls(struct x509_vstate *st)
{
	const struct sceau_x509_trust *t = st->t;
	int d, last = sk_X509_num(st->chain) - 1, r, got;
	size_t i;

	if ((st->crls = sk_X509_CRL_new_null()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (t->crl_check == SCEAU_X509_CRL_CHECK_LEAF)
		last = 0;
	for (d = 0; t->crl_fetch && d <= last && d < SCEAU_X509_CHAIN_MAX;
	     d++) {
		if ((r = x509_fetch_dps(st, d)) != 0)
			return r;
	}
	for (i = 0; i < t->n_urls; i++) {
		r = x509_crl_get(st, t->crl_urls[i], NULL, -1, &got);
		if (r == SCEAU_ERR_REVOCATION_UNREACHABLE)
			st->url_failed = 1;
		else if (r != 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* OCSP. */

/* The responder to ask: configured, or the leaf's first http(s) one. */
static int
x509_ocsp_url(struct x509_vstate *st, X509 *leaf, char *out, size_t size)
{
	STACK_OF(OPENSSL_STRING) * aia;
	const char *u;
	int i, found = 0;

	if (st->t->ocsp_mode == SCEAU_X509_OCSP_URL) {
		(void)snprintf(out, size, "%s", st->t->ocsp_url);
		return 0;
	}
	aia = X509_get1_ocsp(leaf);
	for (i = 0; !found && aia != NULL && i < sk_OPENSSL_STRING_num(aia);
	     i++) {
		u = sk_OPENSSL_STRING_value(aia, i);
		if ((strncmp(u, "http://", 7) == 0 ||
		        strncmp(u, "https://", 8) == 0) &&
		    strlen(u) < size && strlen(u) <= SCEAU_X509_URL_MAX) {
			(void)snprintf(out, size, "%s", u);
			found = 1;
		}
	}
	X509_email_free(aia);
	ERR_clear_error();
	if (!found)
		return x509_refuse(st, SCEAU_ERR_REVOCATION_UNREACHABLE, 0,
		    leaf, "it names no OCSP responder, and none is configured");
	return 0;
}

/* The request (with a nonce) for leaf, DER into b. */
static int
x509_ocsp_request(X509 *leaf, X509 *issuer, OCSP_REQUEST **reqp,
    OCSP_CERTID **idp, struct sceau_buf *b)
{
	OCSP_CERTID *id;
	unsigned char *der = NULL;
	int n, r;

	*idp = NULL;
	if ((*reqp = OCSP_REQUEST_new()) == NULL ||
	    (id = OCSP_cert_to_id(EVP_sha1(), leaf, issuer)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (OCSP_request_add0_id(*reqp, id) == NULL) {
		OCSP_CERTID_free(id);
		return SCEAU_ERR_ALLOC;
	}
	*idp = id;
	if (OCSP_request_add1_nonce(*reqp, NULL, -1) != 1 ||
	    (n = i2d_OCSP_REQUEST(*reqp, &der)) <= 0)
		return SCEAU_ERR_CRYPTO;
	r = sceau_buf_put(b, der, (size_t)n);
	OPENSSL_free(der);
	return r;
}

/* The response's status for id, checked (signature, nonce, time). */
static int
x509_ocsp_verify(struct x509_vstate *st, const struct sceau_buf *b,
    OCSP_REQUEST *req, OCSP_CERTID *id, OCSP_BASICRESP **bsp)
{
	const unsigned char *p = sceau_buf_ptr(b);
	X509 *leaf = sk_X509_value(st->chain, 0);
	ASN1_GENERALIZEDTIME *thisupd = NULL, *nextupd = NULL;
	OCSP_RESPONSE *resp;
	int status;

	*bsp = NULL;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)sceau_buf_len(b))) ==
	        NULL ||
	    p != sceau_buf_ptr(b) + sceau_buf_len(b)) {
		OCSP_RESPONSE_free(resp);
		return x509_refuse(st, SCEAU_ERR_OCSP_INVALID, 0, leaf,
		    "the OCSP response does not parse");
	}
	status = OCSP_response_status(resp);
	if (status == OCSP_RESPONSE_STATUS_TRYLATER ||
	    status == OCSP_RESPONSE_STATUS_INTERNALERROR) {
		OCSP_RESPONSE_free(resp);
		(void)snprintf(st->fetch_error, sizeof(st->fetch_error),
		    "the OCSP responder answered %s",
		    OCSP_response_status_str(status));
		return SCEAU_ERR_REVOCATION_UNREACHABLE;
	}
	if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (*bsp = OCSP_response_get1_basic(resp)) == NULL) {
		OCSP_RESPONSE_free(resp);
		return x509_refuse(st, SCEAU_ERR_OCSP_INVALID, 0, leaf,
		    "the OCSP responder answered %s",
		    OCSP_response_status_str(status));
	}
	OCSP_RESPONSE_free(resp);
	if (OCSP_basic_verify(*bsp, st->chain, st->t->store, 0) != 1)
		return x509_refuse(st, SCEAU_ERR_OCSP_INVALID, 0, leaf,
		    "the OCSP response is not signed by the issuer or its "
		    "responder");
	if (OCSP_check_nonce(req, *bsp) != 1)
		return x509_refuse(st, SCEAU_ERR_OCSP_INVALID, 0, leaf,
		    "the OCSP response does not echo our nonce (a replay?)");
	if (OCSP_resp_find_status(
	        *bsp, id, &status, NULL, NULL, &thisupd, &nextupd) != 1)
		return x509_refuse(st, SCEAU_ERR_OCSP_INVALID, 0, leaf,
		    "the OCSP response does not cover the certificate");
	if (OCSP_check_validity(thisupd, nextupd, SCEAU_X509_OCSP_SKEW, -1) !=
	    1)
		return x509_refuse(st, SCEAU_ERR_OCSP_INVALID, 0, leaf,
		    "the OCSP response is not current");
	return 0;
}

/* What the verified response says of the leaf. */
static int
x509_ocsp_status(struct x509_vstate *st, OCSP_BASICRESP *bs, OCSP_CERTID *id)
{
	struct sceau_x509_result *res = st->res;
	X509 *leaf = sk_X509_value(st->chain, 0);
	ASN1_GENERALIZEDTIME *revtime = NULL;
	int status = V_OCSP_CERTSTATUS_UNKNOWN, reason = -1;
	int64_t when = 0;
	char text[32];

	if (OCSP_resp_find_status(
	        bs, id, &status, &reason, &revtime, NULL, NULL) != 1)
		return SCEAU_ERR_OCSP_INVALID;
	if (status == V_OCSP_CERTSTATUS_GOOD) {
		res->ocsp_status = SCEAU_X509_REV_GOOD;
		return 0;
	}
	if (status != V_OCSP_CERTSTATUS_REVOKED) {
		res->ocsp_status = SCEAU_X509_REV_UNKNOWN;
		return x509_refuse(st, SCEAU_ERR_REVOCATION_UNKNOWN, 0, leaf,
		    "the OCSP responder does not know it");
	}
	if (x509_time_unix(revtime, &when) != 0)
		when = 0;
	res->revocation_reason = reason;
	res->revocation_time = when;
	if (x509_revoked_later(st, when, reason)) {
		res->ocsp_status = SCEAU_X509_REV_REVOKED_LATER;
		return 0;
	}
	res->ocsp_status = SCEAU_X509_REV_REVOKED;
	sceau_x509_time_text(when, text);
	return x509_refuse(st, SCEAU_ERR_CERT_REVOKED, 0, leaf,
	    "revoked on %s (%s), says the OCSP responder", text,
	    sceau_x509_reason_name(reason));
}

int
x509_ocsp_check(struct x509_vstate *st)
{
	X509 *leaf = sk_X509_value(st->chain, 0);
	char url[SCEAU_X509_URL_MAX + 1];
	OCSP_REQUEST *req = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	struct sceau_buf *q = NULL, *a = NULL;
	int r;

	if (sk_X509_num(st->chain) < 2)
		return x509_refuse(st, SCEAU_ERR_CERT_INVALID, 0, leaf,
		    "no issuer to ask OCSP about");
	if ((r = x509_ocsp_url(st, leaf, url, sizeof(url))) != 0)
		return r;
	if ((q = sceau_buf_new()) == NULL || (a = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = x509_ocsp_request(
	         leaf, sk_X509_value(st->chain, 1), &req, &id, q)) != 0 ||
	    (r = x509_http(st, url, q, "application/ocsp-request",
	         SCEAU_X509_OCSP_MAX, a)) != 0 ||
	    (r = x509_ocsp_verify(st, a, req, id, &bs)) != 0)
		goto out;
	r = x509_ocsp_status(st, bs, id);
out:
	if (r == SCEAU_ERR_REVOCATION_UNREACHABLE && st->res->code == 0) {
		st->res->ocsp_status = SCEAU_X509_REV_UNREACHABLE;
		if (st->t->soft_fail) {
			st->res->revocation_skipped = 1;
			warn_f("OCSP not checked: %s", st->fetch_error);
			r = 0;
		} else {
			r = x509_refuse(
			    st, r, 0, leaf, "OCSP: %s", st->fetch_error);
		}
	}
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	sceau_buf_free(q);
	sceau_buf_free(a);
	ERR_clear_error();
	return r;
}
