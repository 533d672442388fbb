/*
 * client-history.c: a member's export of its organization's history
 * (sceau org export-history; format: src/histfile.h, doc/audit.md): the
 * certificates this device validated, with the identity blobs it holds,
 * every version of every workspace the user may read, fetched page by
 * page from the server (GET .../history), and the CRLs this computer
 * keeps in its cache.  Nothing is decrypted: the export holds what was
 * signed, as it was signed.  Memory stays bounded by a page.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "client-internal.h"
#include "client.h"
#include "errors.h"
#include "histfile.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "paths.h"
#include "store.h"
#include "x509.h"

#define HISTORY_PAGE 1000

struct hist_out {
	struct sceau_client *c;
	FILE *f;
	struct sceau_buf *line;
	struct sceau_client_history *st;
	void (*progress)(void *arg, const struct sceau_client_history *st);
	void *arg;
};

static int
hist_certs(struct hist_out *o)
{
	struct sceau_buf *env = NULL, *id = NULL;
	uint64_t i, last, st;
	int r;

	if ((r = sceau_store_cert_last(o->c->store, &last)) != 0)
		return r;
	if ((env = sceau_buf_new()) == NULL || (id = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	for (i = 1; i <= last; i++) {
		sceau_buf_reset(env);
		sceau_buf_reset(id);
		if ((r = sceau_store_cert_get(o->c->store, i, env, id, &st)) !=
		        0 ||
		    (r = sceau_hist_line_cert(o->line, st, sceau_buf_ptr(env),
		         sceau_buf_len(env),
		         sceau_buf_len(id) > 0 ? sceau_buf_ptr(id) : NULL,
		         sceau_buf_len(id))) != 0 ||
		    (r = sceau_hist_write(o->line, o->f)) != 0)
			goto out;
		o->st->certificates++;
	}
out:
	sceau_buf_free(env);
	sceau_buf_free(id);
	return r;
}

/* One version of a history page, as a line. */
static int
hist_version(struct hist_out *o, const json_t *v, uint64_t *last)
{
	const char *b64;
	int64_t cp, stime;
	int r;

	if (sceau_json_get_int(v, "checkpoint", 1, INT64_MAX, &cp) != 0 ||
	    sceau_json_get_int(v, "server_time", 0, INT64_MAX, &stime) != 0 ||
	    sceau_json_get_string(v, "blob",
	        sceau_enc_b64_len(SCEAU_VLOB_MAX, SCEAU_B64_STD), &b64) != 0 ||
	    (uint64_t)cp <= *last) {
		sceau_message("the server's history is malformed or out of "
		              "order");
		return SCEAU_ERR_PROTOCOL;
	}
	/* The blob as the server encoded it: the auditor decodes it. */
	if ((r = sceau_hist_line_vlob_b64(o->line, (uint64_t)cp,
	         (uint64_t)stime, b64, strlen(b64))) != 0) {
		if (r == SCEAU_ERR_BAD_BASE64)
			sceau_message("the server's history holds a malformed "
			              "blob");
		return r == SCEAU_ERR_BAD_BASE64 ? SCEAU_ERR_PROTOCOL : r;
	}
	if ((r = sceau_hist_write(o->line, o->f)) != 0)
		return r;
	o->st->versions++;
	*last = (uint64_t)cp;
	return 0;
}

static int
hist_realm(struct hist_out *o, const char *realm_id)
{
	const struct sceau_json_limits lim = {
	    16UL * 1024 * 1024, 8, 6UL * 1024 * 1024, 100000};
	struct sceau_http *h = o->c->http;
	json_t *resp = NULL, *versions;
	uint64_t last = 0;
	char path[256];
	size_t i;
	int r, more;

	sceau_http_set_json_limits(h, &lim);
	sceau_http_set_response_max(h, 16UL * 1024 * 1024);
	do {
		(void)snprintf(path, sizeof(path),
		    "/v1/%s/realms/%s/history?since=%llu&limit=%d",
		    o->c->info.org_id, realm_id, (unsigned long long)last,
		    HISTORY_PAGE);
		if ((r = sceau_http_json(h, "GET", path, NULL, &resp)) != 0)
			break;
		if (sceau_json_get_array(
		        resp, "versions", HISTORY_PAGE, &versions) != 0 ||
		    sceau_json_get_bool(resp, "more", &more) != 0) {
			sceau_message("the server's history reply is "
			              "malformed");
			r = SCEAU_ERR_PROTOCOL;
			break;
		}
		for (i = 0; i < json_array_size(versions) && r == 0; i++)
			r = hist_version(o, json_array_get(versions, i), &last);
		if (r == 0 && more && json_array_size(versions) == 0) {
			sceau_message("the server's history does not advance");
			r = SCEAU_ERR_PROTOCOL;
		}
		json_decref(resp);
		resp = NULL;
		if (r == 0 && o->progress != NULL)
			o->progress(o->arg, o->st);
	} while (r == 0 && more);
	json_decref(resp);
	sceau_http_set_json_limits(h, NULL);
	sceau_http_set_response_max(h, 0);
	return r;
}

static int
hist_realms(struct hist_out *o)
{
	const struct sceau_chain *ch = o->c->chain;
	const struct sceau_chain_realm *rm;
	size_t i, n = sceau_chain_realm_count(ch);
	int r;

	for (i = 0; i < n; i++) {
		rm = sceau_chain_realm_at(ch, i);
		if (sceau_chain_realm_role(ch, rm->realm_id,
		        o->c->info.user_id) == SCEAU_ROLE_NONE) {
			o->st->realms_skipped++;
			continue;
		}
		if ((r = hist_realm(o, rm->realm_id)) != 0)
			return r;
		o->st->realms++;
	}
	return 0;
}

/* The CRLs of this computer's cache (client.c: DATA/pki-cache). */
static int
hist_crls(struct hist_out *o)
{
	char dir[SCEAU_PATHS_MAX + 16], path[SCEAU_PATHS_MAX + 16 + 258];
	struct sceau_buf *der = NULL;
	struct dirent *e;
	DIR *d;
	size_t len;
	int r = 0;

	if (sceau_paths_data_dir(dir) != 0)
		return 0;
	(void)strncat(dir, "/pki-cache", sizeof(dir) - strlen(dir) - 1);
	if ((d = opendir(dir)) == NULL)
		return 0; /* no CRL was ever fetched here */
	if ((der = sceau_buf_new()) == NULL) {
		(void)closedir(d);
		return SCEAU_ERR_ALLOC;
	}
	while (r == 0 && (e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".crl") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		sceau_buf_reset(der);
		if (sceau_buf_load_file(
		        path, SCEAU_X509_CRL_MAX_DEFAULT, der) != 0)
			continue; /* a file being replaced: not used either */
		if ((r = sceau_hist_line_der(o->line, SCEAU_HIST_CRL,
		         sceau_buf_ptr(der), sceau_buf_len(der))) == 0 &&
		    (r = sceau_hist_write(o->line, o->f)) == 0)
			o->st->crls++;
	}
	(void)closedir(d);
	sceau_buf_free(der);
	return r;
}

int
sceau_client_export_history(struct sceau_client *c, FILE *f,
    struct sceau_client_history *st,
    void (*progress)(void *arg, const struct sceau_client_history *st),
    void *arg)
{
	struct hist_out o = {c, f, NULL, st, progress, arg};
	int r;

	memset(st, 0, sizeof(*st));
	if ((o.line = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_hist_line_header(o.line, c->info.org_id,
	         c->info.device_id, sceau_client_now_us())) == 0 &&
	    (r = sceau_hist_write(o.line, o.f)) == 0 &&
	    (r = hist_certs(&o)) == 0 && (r = hist_realms(&o)) == 0 &&
	    (r = hist_crls(&o)) == 0 &&
	    (r = sceau_hist_line_end(o.line, st->certificates, st->versions)) ==
	        0)
		r = sceau_hist_write(o.line, o.f);
	sceau_buf_free(o.line);
	return r;
}
