/*
 * export.c: an organization's history as the server holds it
 * (sceau-server --export-history, doc/audit.md "History export"): the
 * certificates with their identity blobs and server times, then every
 * version of every workspace, streamed in pages so that memory stays
 * bounded by a page.  It is the same file a member exports
 * (sceau org export-history), less the CRLs a member's computer used.
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "histfile.h"
#include "log.h"
#include "export.h"

#define EXPORT_PAGE 1000

struct export_ctx {
	struct srv_backend *be;
	const char *org;
	FILE *f;
	struct sceau_buf *line;
	uint64_t n_certs, n_vlobs;
	uint64_t next; /* certificates: next index; vlobs: last checkpoint */
	size_t page; /* rows in this page */
};

static int
export_cert(void *arg, const struct srv_cert_row *row)
{
	struct export_ctx *x = arg;
	int r;

	if ((r = sceau_hist_line_cert(x->line, row->server_time, row->envelope,
	         row->envelope_len, row->identity, row->identity_len)) != 0)
		return r;
	x->n_certs++;
	x->page++;
	x->next = row->index + 1;
	return sceau_hist_write(x->line, x->f);
}

static int
export_vlob(void *arg, const struct srv_vlob_row *row)
{
	struct export_ctx *x = arg;
	int r;

	if ((r = sceau_hist_line_vlob(x->line, row->checkpoint,
	         row->server_time, row->blob, (size_t)row->size)) != 0)
		return r;
	x->n_vlobs++;
	x->page++;
	x->next = row->checkpoint;
	return sceau_hist_write(x->line, x->f);
}

static int
export_realm(void *arg, const char *realm_id)
{
	struct export_ctx *x = arg;
	int r;

	x->next = 0;
	do {
		x->page = 0;
		if ((r = x->be->ops->vlob_history(x->be, x->org, realm_id,
		         x->next, EXPORT_PAGE, export_vlob, x)) != 0)
			return r;
	} while (x->page == EXPORT_PAGE);
	return 0;
}

/* The realms first, then their vlobs: one backend call at a time. */
struct realm_names {
	char (*ids)[SCEAU_ID_LEN + 1];
	size_t n, cap;
};

static int
collect_realm(void *arg, const char *realm_id)
{
	struct realm_names *rn = arg;
	void *p;

	if (strlen(realm_id) > SCEAU_ID_LEN)
		return SCEAU_ERR_STORE_CORRUPT;
	if (rn->n == rn->cap) {
		size_t cap = rn->cap == 0 ? 16 : rn->cap * 2;

		if ((p = sceau_reallocarray(rn->ids, cap, sizeof(*rn->ids))) ==
		    NULL)
			return SCEAU_ERR_ALLOC;
		rn->ids = p;
		rn->cap = cap;
	}
	(void)snprintf(rn->ids[rn->n++], SCEAU_ID_LEN + 1, "%s", realm_id);
	return 0;
}

int
srv_export_history(
    struct srv_backend *be, const char *org_id, uint64_t now_us, FILE *f)
{
	struct export_ctx x = {be, org_id, f, NULL, 0, 0, 1, 0};
	struct realm_names rn = {NULL, 0, 0};
	struct srv_org org;
	size_t i;
	int r;

	if ((r = be->ops->org_get(be, org_id, &org)) != 0)
		return r;
	if ((x.line = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_hist_line_header(x.line, org_id, "server", now_us)) !=
	        0 ||
	    (r = sceau_hist_write(x.line, x.f)) != 0)
		goto out;
	do {
		x.page = 0;
		if ((r = be->ops->cert_list(be, org_id, x.next, EXPORT_PAGE,
		         export_cert, &x)) != 0)
			goto out;
	} while (x.page == EXPORT_PAGE);
	if ((r = be->ops->realm_list(be, org_id, collect_realm, &rn)) != 0)
		goto out;
	for (i = 0; i < rn.n && r == 0; i++)
		r = export_realm(&x, rn.ids[i]);
	if (r == 0 &&
	    (r = sceau_hist_line_end(x.line, x.n_certs, x.n_vlobs)) == 0)
		r = sceau_hist_write(x.line, x.f);
out:
	sceau_free(rn.ids);
	sceau_buf_free(x.line);
	return r;
}
