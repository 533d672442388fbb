/*
 * ws-history.c: the past of a workspace, from the server, which keeps
 * every version: a file's versions, a workspace as it was at a date, and
 * restoring a file (or a deleted one) to a past version.  Every version
 * read is verified and decrypted like any other.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "ws-internal.h"
#include "ws.h"

#define VERSIONS_MAX 100000

int
ws_fetch_remote(struct sceau_ws *w, const char *vlob_id, uint64_t version,
    uint64_t at_us, struct sceau_manifest **mp)
{
	struct sceau_buf *blob = NULL;
	struct sceau_vlob_header h;
	char path[512];
	json_t *resp = NULL, *arr;
	int64_t got;
	int r;

	*mp = NULL;
	if (version != 0)
		(void)snprintf(path, sizeof(path),
		    "/v1/%s/realms/%s/vlobs?ids=%s&version=%llu",
		    sceau_client_info(w->c)->org_id, w->realm, vlob_id,
		    (unsigned long long)version);
	else
		(void)snprintf(path, sizeof(path),
		    "/v1/%s/realms/%s/vlobs?ids=%s&at=%llu",
		    sceau_client_info(w->c)->org_id, w->realm, vlob_id,
		    (unsigned long long)at_us);
	if ((r = sceau_http_json(
	         sceau_client_http(w->c), "GET", path, NULL, &resp)) != 0)
		return r;
	if ((blob = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if (sceau_json_get_array(resp, "vlobs", 1, &arr) != 0) {
		r = SCEAU_ERR_PROTOCOL;
		goto out;
	}
	if (json_array_size(arr) == 0) {
		sceau_message("%s: no version at that time", vlob_id);
		r = SCEAU_ERR_NOT_FOUND;
		goto out;
	}
	if (sceau_json_get_int(
	        json_array_get(arr, 0), "version", 1, INT64_MAX, &got) != 0 ||
	    sceau_json_get_b64(json_array_get(arr, 0), "blob", SCEAU_B64_STD,
	        SCEAU_VLOB_MAX, blob) != 0) {
		r = SCEAU_ERR_PROTOCOL;
		goto out;
	}
	/* The version asked for, and no other. */
	if (sceau_vlob_parse(sceau_buf_ptr(blob), sceau_buf_len(blob), &h) !=
	        0 ||
	    h.version != (uint64_t)got ||
	    (version != 0 && h.version != version) ||
	    ws_open_remote(w, vlob_id, sceau_buf_ptr(blob), sceau_buf_len(blob),
	        mp) != 0) {
		sceau_message("%s: the server's version is altered or not the "
		              "one asked for",
		    vlob_id);
		r = SCEAU_ERR_DATA_TAMPERED;
		goto out;
	}
	r = 0;
out:
	sceau_buf_free(blob);
	json_decref(resp);
	return r;
}

int
sceau_ws_history(struct sceau_ws *w, const char *path,
    struct sceau_ws_version **out, size_t *n)
{
	const struct sceau_manifest *m;
	struct sceau_ws_version *v = NULL;
	json_t *resp = NULL, *arr, *e;
	char route[512];
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = sceau_ws_lookup(w, path, &m)) != 0)
		return r;
	(void)snprintf(route, sizeof(route),
	    "/v1/%s/realms/%s/vlobs/%s/versions",
	    sceau_client_info(w->c)->org_id, w->realm, m->vlob_id);
	if ((r = sceau_http_json(
	         sceau_client_http(w->c), "GET", route, NULL, &resp)) != 0)
		return r;
	if (sceau_json_get_array(resp, "versions", VERSIONS_MAX, &arr) != 0) {
		json_decref(resp);
		return SCEAU_ERR_PROTOCOL;
	}
	if (json_array_size(arr) > 0 &&
	    (v = sceau_calloc(json_array_size(arr), sizeof(*v))) == NULL) {
		json_decref(resp);
		return SCEAU_ERR_ALLOC;
	}
	json_array_foreach(arr, i, e)
	{
		int64_t ver, t, size;
		const char *author;

		if (sceau_json_get_int(e, "version", 1, INT64_MAX, &ver) != 0 ||
		    sceau_json_get_int(e, "server_time", 0, INT64_MAX, &t) !=
		        0 ||
		    sceau_json_get_int(e, "size", 0, INT64_MAX, &size) != 0 ||
		    sceau_json_get_string(e, "author", SCEAU_ID_LEN, &author) !=
		        0) {
			sceau_free(v);
			json_decref(resp);
			return SCEAU_ERR_PROTOCOL;
		}
		v[i].version = (uint64_t)ver;
		v[i].server_time = (uint64_t)t;
		v[i].size = (uint64_t)size;
		(void)snprintf(v[i].author, sizeof(v[i].author), "%s", author);
	}
	*n = json_array_size(arr);
	*out = v;
	json_decref(resp);
	return 0;
}

/* Makes the content of past the next local version of node n. */
static void
take_content(struct ws_node *n, struct sceau_manifest *past)
{
	char parent[SCEAU_ID_LEN + 1];

	/* The place stays the current one; the content goes back. */
	(void)snprintf(parent, sizeof(parent), "%s", n->m->parent_id);
	sceau_manifest_free(n->m);
	n->m = past;
	(void)snprintf(n->m->parent_id, sizeof(n->m->parent_id), "%s",
	    parent[0] != '\0' ? parent : past->parent_id);
	ws_touch(n);
}

/* A name that a folder of the past listed: brought back with its content. */
static int
restore_deleted(struct sceau_ws *w, const char *path, uint64_t at_us)
{
	char parent[4096], name[SCEAU_NAME_MAX_BYTES + 1];
	const struct sceau_manifest *cur;
	struct sceau_manifest *then = NULL, *child = NULL;
	const struct sceau_manifest_entry *e;
	struct ws_node *pn, *cn;
	int r;

	if (at_us == 0) {
		sceau_message("%s: not here now: give a date (--at)", path);
		return SCEAU_ERR_NOT_FOUND;
	}
	if ((r = sceau_ws_split(
	         path, parent, sizeof(parent), name, sizeof(name))) != 0 ||
	    (r = sceau_ws_lookup(w, parent, &cur)) != 0 ||
	    (r = ws_fetch_remote(w, cur->vlob_id, 0, at_us, &then)) != 0)
		return r;
	if ((e = sceau_manifest_find(then, name)) == NULL) {
		sceau_message("%s: not there at that time either", path);
		r = SCEAU_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = ws_fetch_remote(w, e->child_id, 0, at_us, &child)) != 0 ||
	    (r = ws_node(w, cur->vlob_id, &pn)) != 0 ||
	    (r = sceau_manifest_add_entry(
	         pn->m, name, e->child_id, e->child_type)) != 0)
		goto out;
	ws_touch(pn);
	/* The vlob exists (its past versions do): it gets a new version. */
	if (ws_node(w, e->child_id, &cn) == 0) {
		take_content(cn, child);
	} else if ((r = ws_node_new(w, child, &cn)) != 0) {
		goto out;
	}
	child = NULL;
	(void)snprintf(
	    cn->m->parent_id, sizeof(cn->m->parent_id), "%s", pn->m->vlob_id);
out:
	sceau_manifest_free(then);
	sceau_manifest_free(child);
	return r;
}

int
sceau_ws_restore(
    struct sceau_ws *w, const char *path, uint64_t version, uint64_t at_us)
{
	const struct sceau_manifest *m;
	struct sceau_manifest *past;
	struct ws_node *n;
	int r;

	if (!sceau_role_can_write(w->role) || w->at != 0)
		return SCEAU_ERR_FORBIDDEN;
	r = sceau_ws_lookup(w, path, &m);
	if (r == SCEAU_ERR_NOT_FOUND)
		return restore_deleted(w, path, at_us);
	if (r != 0)
		return r;
	if ((r = ws_fetch_remote(w, m->vlob_id, version, at_us, &past)) != 0)
		return r;
	if (past->type != m->type) {
		sceau_manifest_free(past);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if ((r = ws_node(w, m->vlob_id, &n)) != 0) {
		sceau_manifest_free(past);
		return r;
	}
	take_content(n, past);
	return 0;
}
