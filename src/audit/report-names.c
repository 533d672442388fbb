/*
 * report-names.c: names of files and folders for sceau-audit report,
 * from a member's keys (report.h).  The member's device is unlocked as
 * the sceau program does (password file or keyring), its own copy of the
 * chain gives the authors' keys and the workspace keys; nothing is
 * fetched.  Each folder version of the export is verified, decrypted and
 * read; its entries give names and parents.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "audit.h"
#include "chain.h"
#include "cli.h"
#include "client.h"
#include "errors.h"
#include "histfile.h"
#include "i18n.h"
#include "manifest.h"
#include "report.h"
#include "secmem.h"
#include "strmap.h"

#define NAMES_DEPTH_MAX 64

struct rp_name {
	char key[2 * SCEAU_ID_LEN + 1]; /* realm id then vlob id */
	char parent[SCEAU_ID_LEN + 1]; /* "" for a root */
	char name[SCEAU_NAME_MAX_BYTES + 1];
};

struct rp_names {
	struct sceau_strmap *map;
	struct rp_name **all;
	size_t n, cap;
	char path[NAMES_DEPTH_MAX * (SCEAU_NAME_MAX_BYTES + 1) + 1];
};

void
rp_names_free(struct rp_names *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		sceau_free(n->all[i]);
	sceau_free(n->all);
	sceau_strmap_free(n->map);
	sceau_free(n);
}

/* Sets (realm, vlob)'s name and parent, the latest winning. */
static int
names_set(struct rp_names *n, const char *realm, const char *vlob,
    const char *parent, const char *name)
{
	char key[2 * SCEAU_ID_LEN + 1];
	struct rp_name *e, **p;

	(void)snprintf(key, sizeof(key), "%s%s", realm, vlob);
	if ((e = sceau_strmap_get(n->map, key)) == NULL) {
		if (n->n == n->cap) {
			size_t cap = n->cap == 0 ? 256 : n->cap * 2;

			if ((p = sceau_reallocarray(n->all, cap, sizeof(*p))) ==
			    NULL)
				return SCEAU_ERR_ALLOC;
			n->all = p;
			n->cap = cap;
		}
		if ((e = sceau_calloc(1, sizeof(*e))) == NULL)
			return SCEAU_ERR_ALLOC;
		memcpy(e->key, key, sizeof(key));
		if (sceau_strmap_put(n->map, e->key, e) != 0) {
			sceau_free(e);
			return SCEAU_ERR_ALLOC;
		}
		n->all[n->n++] = e;
	}
	(void)snprintf(e->parent, sizeof(e->parent), "%s", parent);
	(void)snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

/* One vlob version: a folder's entries name its children. */
static int
names_vlob(struct rp_names *n, struct sceau_client *c, const uint8_t *blob,
    size_t len, struct sceau_buf *pt)
{
	const struct sceau_chain_device *d;
	struct sceau_vlob_header h;
	struct sceau_manifest *m = NULL;
	uint8_t key[32];
	size_t i;
	int r = 0;

	if (sceau_vlob_parse(blob, len, &h) != 0 ||
	    (d = sceau_chain_device(sceau_client_chain(c), h.author)) == NULL ||
	    sceau_client_realm_key(c, h.realm_id, h.key_index, key) != 0)
		return 0; /* not readable with these keys: left unnamed */
	sceau_buf_reset(pt);
	if (sceau_vlob_open(blob, len, d->verify_key, key, &h, pt) == 0 &&
	    sceau_manifest_decode(sceau_buf_ptr(pt), sceau_buf_len(pt), &m) ==
	        0 &&
	    m->type != SCEAU_MANIFEST_FILE) {
		if (m->type == SCEAU_MANIFEST_ROOT)
			r = names_set(n, h.realm_id, h.vlob_id, "", "");
		for (i = 0; i < m->n_entries && r == 0; i++)
			r = names_set(n, h.realm_id, m->entries[i].child_id,
			    h.vlob_id, m->entries[i].name);
	}
	sceau_memzero(key, sizeof(key));
	sceau_manifest_free(m);
	return r;
}

static int
names_read(struct rp_names *n, struct sceau_client *c, FILE *f)
{
	struct sceau_hist_reader *rd = NULL;
	struct sceau_hist_item it;
	struct sceau_buf *pt = NULL;
	int r;

	if ((r = sceau_hist_reader_new(f, &rd)) != 0 ||
	    (pt = sceau_buf_new()) == NULL) {
		sceau_hist_reader_free(rd);
		return SCEAU_ERR_ALLOC;
	}
	while ((r = sceau_hist_read(rd, &it)) != 0) {
		if (r == SCEAU_ERR_INVALID_FORMAT)
			continue; /* the walk reports it */
		if (r < 0)
			break;
		r = 0;
		if (it.type == SCEAU_HIST_VLOB &&
		    (r = names_vlob(n, c, it.data, it.data_len, pt)) != 0)
			break;
	}
	sceau_buf_free(pt); /* plaintext of folders: names only */
	sceau_hist_reader_free(rd);
	return r;
}

int
rp_names_load(const char *path, const char *home, const char *password_file,
    struct rp_names **np)
{
	struct sceau_keyfile_auth auth;
	struct sceau_client_opts co;
	struct sceau_client *c = NULL;
	struct rp_names *n;
	struct cli_secret pw = {NULL, 0};
	FILE *f;
	int r;

	*np = NULL;
	memset(&auth, 0, sizeof(auth));
	memset(&co, 0, sizeof(co));
	auth.kind = SCEAU_KEYFILE_KEYRING;
	if (password_file != NULL) {
		if (cli_secret_read(NULL, password_file, &pw) != 0) {
			(void)fprintf(stderr, _("%s: cannot read %s: %s\n"),
			    AUDIT_PROG, password_file, sceau_last_message());
			return -1;
		}
		auth.kind = SCEAU_KEYFILE_PASSWORD;
		auth.password = pw.data;
		auth.password_len = pw.len;
	}
	if ((n = sceau_calloc(1, sizeof(*n))) == NULL ||
	    (n->map = sceau_strmap_new()) == NULL ||
	    setenv("SCEAU_HOME", home, 1) != 0) {
		r = SCEAU_ERR_ALLOC;
	} else if ((r = sceau_client_open(NULL, NULL, &auth, &co, &c)) == 0) {
		if ((f = fopen(path, "r")) == NULL) {
			sceau_message("%s: %s", path, strerror(errno));
			r = SCEAU_ERR_SYSTEM;
		} else {
			r = names_read(n, c, f);
			(void)fclose(f);
		}
	}
	cli_secret_free(&pw);
	sceau_client_close(c);
	if (r != 0) {
		(void)fprintf(stderr, _("%s: names from %s: %s (%s)\n"),
		    AUDIT_PROG, home, sceau_strerror(r), sceau_last_message());
		rp_names_free(n);
		return -1;
	}
	*np = n;
	return 0;
}

const char *
rp_names_path(struct rp_names *n, const char *realm, const char *vlob)
{
	const struct rp_name *chain[NAMES_DEPTH_MAX];
	char key[2 * SCEAU_ID_LEN + 1];
	const struct rp_name *e;
	size_t depth = 0, len = 0, i;

	(void)snprintf(key, sizeof(key), "%s%s", realm, vlob);
	while ((e = sceau_strmap_get(n->map, key)) != NULL &&
	    e->parent[0] != '\0') {
		if (depth == NAMES_DEPTH_MAX)
			return NULL; /* a loop, or too deep: no name */
		chain[depth++] = e;
		(void)snprintf(key, sizeof(key), "%s%s", realm, e->parent);
	}
	if (e == NULL)
		return NULL; /* no path to a root */
	if (depth == 0)
		return "/";
	for (i = depth; i-- > 0;)
		len += (size_t)snprintf(n->path + len, sizeof(n->path) - len,
		    "/%s", chain[i]->name);
	return n->path;
}
