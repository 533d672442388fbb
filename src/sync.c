/*
 * sync.c: pull, push and conflict resolution of one workspace
 * (doc/workspaces.md, "Local store and sync").  Blocks travel in
 * sync-blocks.c; folder merges are in sync-merge.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "encoding.h"
#include "errors.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "sync-internal.h"
#include "ws-internal.h"

#define PULL_LIMIT 10000
#define FETCH_BATCH 500
#define PUSH_BATCH 200
#define ROUNDS_MAX 8
#define SYNC_BACKOFF_MS 500
#define SYNC_BACKOFF_MAX_MS 30000

struct sync {
	struct sceau_client *c;
	const char *realm;
	struct sceau_ws *w;
	struct sceau_sync_stats *st;
	const struct sceau_ws_progress *progress;
	char who[SCEAU_NAME_MAX + 1]; /* our name, for conflict copies */
};

static void
path_of(struct sync *s, const char *route, char *out, size_t size)
{
	(void)snprintf(out, size, "/v1/%s/realms/%s/%s",
	    sceau_client_info(s->c)->org_id, s->realm, route);
}

/* Some name for a vlob in messages: its entry name if a folder we hold
 * lists it, else its id. */
static void
describe(struct sync *s, const char *vlob_id, char *out, size_t size)
{
	size_t i, j;

	for (i = 0; i < s->w->n; i++) {
		const struct sceau_manifest *m = s->w->nodes[i]->m;

		for (j = 0; j < m->n_entries; j++) {
			if (strcmp(m->entries[j].child_id, vlob_id) == 0) {
				(void)snprintf(
				    out, size, "\"%s\"", m->entries[j].name);
				return;
			}
		}
	}
	(void)snprintf(out, size, "vlob %s", vlob_id);
}

/* --------------------------------------------------------------- pull */

/* Checks and keeps one fetched version. */
static int
take_remote(struct sync *s, const char *vlob_id, uint64_t version,
    const struct sceau_buf *blob)
{
	struct sceau_store *st = sceau_client_store(s->c);
	struct sceau_store_vlob v;
	struct sceau_vlob_header h;
	struct sceau_manifest *m = NULL;
	char what[SCEAU_NAME_MAX_BYTES + 64];
	int r;

	memset(&v, 0, sizeof(v));
	if ((r = sceau_vlob_parse(
	         sceau_buf_ptr(blob), sceau_buf_len(blob), &h)) != 0 ||
	    h.version != version || strcmp(h.vlob_id, vlob_id) != 0 ||
	    (r = ws_open_remote(s->w, vlob_id, sceau_buf_ptr(blob),
	         sceau_buf_len(blob), &m)) != 0) {
		describe(s, vlob_id, what, sizeof(what));
		if (r == SCEAU_ERR_CHAIN_NOT_ALLOWED)
			sceau_message("%s: version %llu is signed by a device "
			              "that could not write in this workspace "
			              "then",
			    what, (unsigned long long)version);
		else
			sceau_message("%s: the server's version %llu is "
			              "altered or not the one asked for",
			    what, (unsigned long long)version);
		return SCEAU_ERR_DATA_TAMPERED;
	}
	sceau_manifest_free(m);
	r = sceau_store_vlob_get(st, s->realm, vlob_id, &v);
	if (r != 0 && r != SCEAU_ERR_NOT_FOUND)
		return r;
	if (r == 0 && v.remote_version > version) {
		describe(s, vlob_id, what, sizeof(what));
		sceau_message("%s: the server went back to version %llu after "
		              "%llu",
		    what, (unsigned long long)version,
		    (unsigned long long)v.remote_version);
		return SCEAU_ERR_DATA_ROLLBACK;
	}
	/* A local change stays ours: the push merges it. */
	if (r == 0 && v.dirty)
		return 0;
	s->st->vlobs_down++;
	return sceau_store_vlob_set_remote(st, s->realm, vlob_id, version,
	    sceau_buf_ptr(blob), sceau_buf_len(blob), 1);
}

typedef int (*fetched_cb)(struct sync *s, void *arg, const char *vlob_id,
    uint64_t version, const struct sceau_buf *blob);

static int
keep_fetched(struct sync *s, void *arg, const char *vlob_id, uint64_t version,
    const struct sceau_buf *blob)
{
	(void)arg;
	return take_remote(s, vlob_id, version, blob);
}

/* The index of id among the ids not received yet, or n. */
static size_t
fetch_slot(char **ids, const uint8_t *got, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!got[i] && strcmp(ids[i], id) == 0)
			return i;
	return n;
}

/* One reply: each vlob must be one asked for, and is handed to cb. */
static int
fetch_reply(struct sync *s, const json_t *resp, char **ids, uint8_t *got,
    size_t n, fetched_cb cb, void *arg, size_t *received)
{
	struct sceau_buf *blob;
	json_t *arr, *e;
	const char *id;
	int64_t version;
	size_t i, j;
	int r = 0;

	*received = 0;
	if (sceau_json_get_array(resp, "vlobs", FETCH_BATCH, &arr) != 0)
		return SCEAU_ERR_PROTOCOL;
	if ((blob = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	json_array_foreach(arr, i, e)
	{
		sceau_buf_reset(blob);
		if (sceau_json_get_string(e, "vlob_id", SCEAU_ID_LEN, &id) !=
		        0 ||
		    sceau_json_get_int(e, "version", 1, INT64_MAX, &version) !=
		        0 ||
		    sceau_json_get_b64(
		        e, "blob", SCEAU_B64_STD, SCEAU_VLOB_MAX, blob) != 0) {
			r = SCEAU_ERR_PROTOCOL;
			break;
		}
		if ((j = fetch_slot(ids, got, n, id)) == n) {
			sceau_message("the server sent vlob %s, not asked for "
			              "(or twice)",
			    id);
			r = SCEAU_ERR_PROTOCOL;
			break;
		}
		if ((r = cb(s, arg, id, (uint64_t)version, blob)) != 0)
			break;
		got[j] = 1;
		(*received)++;
	}
	sceau_buf_free(blob);
	return r;
}

/*
 * What was asked and not received must be in the reply's "more" (left
 * for another request: the reply was full); anything else the server
 * withheld.  *left: how many to ask again.
 */
static int
fetch_leftovers(
    const json_t *resp, char **ids, const uint8_t *got, size_t n, size_t *left)
{
	const json_t *more = json_object_get(resp, "more"), *e;
	size_t i, k;
	int found;

	*left = 0;
	for (i = 0; i < n; i++) {
		if (got[i])
			continue;
		found = 0;
		json_array_foreach(more, k, e)
		{
			if (json_is_string(e) &&
			    strcmp(json_string_value(e), ids[i]) == 0)
				found = 1;
		}
		if (!found) {
			sceau_message("the server withheld vlob %s", ids[i]);
			return SCEAU_ERR_DATA_TAMPERED;
		}
		(*left)++;
	}
	return 0;
}

/*
 * GET vlobs?ids=...: calls cb for each version the server returns, asking
 * again for what a full reply left out, until every id is received.
 */
static int
fetch_raw(struct sync *s, char **ids, size_t n, fetched_cb cb, void *arg)
{
	struct sceau_buf *q = NULL;
	json_t *resp = NULL;
	uint8_t *got = NULL;
	char path[256];
	size_t i, k, left = n, received;
	int r = 0;

	if (n == 0)
		return 0;
	if ((q = sceau_buf_new()) == NULL ||
	    (got = sceau_calloc(n, sizeof(*got))) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	path_of(s, "vlobs?ids=", path, sizeof(path));
	while (left > 0 && r == 0) {
		sceau_buf_reset(q);
		if ((r = sceau_buf_putf(q, "%s", path)) != 0)
			break;
		for (i = 0, k = 0; i < n && r == 0; i++)
			if (!got[i])
				r = sceau_buf_putf(
				    q, "%s%s", k++ > 0 ? "," : "", ids[i]);
		json_decref(resp);
		resp = NULL;
		if (r != 0 || (r = sceau_buf_put_u8(q, 0)) != 0 ||
		    (r = sceau_http_json(sceau_client_http(s->c), "GET",
		         (const char *)sceau_buf_ptr(q), NULL, &resp)) != 0 ||
		    (r = fetch_reply(
		         s, resp, ids, got, n, cb, arg, &received)) != 0 ||
		    (r = fetch_leftovers(resp, ids, got, n, &left)) != 0)
			break;
		if (left > 0 && received == 0) {
			sceau_message("the server returns no vlob");
			r = SCEAU_ERR_PROTOCOL;
		}
	}
out:
	json_decref(resp);
	sceau_buf_free(q);
	sceau_free(got);
	return r;
}

/* GET vlobs?ids=...: checks and keeps each. */
static int
fetch_vlobs(struct sync *s, char **ids, size_t n)
{
	return fetch_raw(s, ids, n, keep_fetched, NULL);
}

/* Which of the listed changes this device does not have yet. */
static int
wanted(struct sync *s, const json_t *change, char **id)
{
	struct sceau_store_vlob v;
	const char *vid;
	int64_t version;
	int r;

	*id = NULL;
	memset(&v, 0, sizeof(v));
	if (sceau_json_get_string(change, "vlob_id", SCEAU_ID_LEN, &vid) != 0 ||
	    !sceau_cert_id_valid(vid) ||
	    sceau_json_get_int(change, "version", 1, INT64_MAX, &version) != 0)
		return SCEAU_ERR_PROTOCOL;
	r = sceau_store_vlob_get(sceau_client_store(s->c), s->realm, vid, &v);
	if (r != 0 && r != SCEAU_ERR_NOT_FOUND)
		return r;
	if (r == 0 && v.remote_version >= (uint64_t)version)
		return 0;
	if ((*id = sceau_strdup(vid)) == NULL)
		return SCEAU_ERR_ALLOC;
	return 0;
}

static void
free_ids(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sceau_free(ids[i]);
}

/* One page of changes: fetches what is new; *last = its last checkpoint. */
static int
pull_page(struct sync *s, const json_t *changes, uint64_t *last)
{
	char *ids[FETCH_BATCH];
	const json_t *e;
	size_t i, n = 0;
	int64_t cp;
	int r = 0;

	json_array_foreach(changes, i, e)
	{
		if (sceau_json_get_int(e, "checkpoint", 1, INT64_MAX, &cp) !=
		    0) {
			r = SCEAU_ERR_PROTOCOL;
			break;
		}
		if ((r = wanted(s, e, &ids[n])) != 0)
			break;
		if (ids[n] != NULL)
			n++;
		if (n == FETCH_BATCH) {
			r = fetch_vlobs(s, ids, n);
			free_ids(ids, n);
			n = 0;
			if (r != 0)
				break;
		}
		*last = (uint64_t)cp;
	}
	if (r == 0)
		r = fetch_vlobs(s, ids, n);
	free_ids(ids, n);
	return r;
}

static int
pull(struct sync *s)
{
	struct sceau_store *st = sceau_client_store(s->c);
	json_t *resp = NULL, *changes;
	uint64_t cp, last;
	int64_t srv_cp;
	char path[256], route[96];
	int r, rc;

	if ((r = sceau_store_realm_checkpoint(st, s->realm, &cp)) != 0)
		return r;
	for (;;) {
		(void)snprintf(route, sizeof(route), "changes?since=%llu",
		    (unsigned long long)cp);
		path_of(s, route, path, sizeof(path));
		if ((r = sceau_http_json(sceau_client_http(s->c), "GET", path,
		         NULL, &resp)) != 0)
			return r;
		if (sceau_json_get_int(
		        resp, "checkpoint", 0, INT64_MAX, &srv_cp) != 0 ||
		    sceau_json_get_array(
		        resp, "changes", PULL_LIMIT, &changes) != 0) {
			json_decref(resp);
			return SCEAU_ERR_PROTOCOL;
		}
		last = cp;
		if ((r = sceau_store_begin(st)) != 0)
			break;
		r = pull_page(s, changes, &last);
		/* What was checked and kept stays kept. */
		if (r == 0 && json_array_size(changes) == 0)
			last = SCEAU_MAX(cp, (uint64_t)srv_cp);
		if ((rc = sceau_store_realm_set_checkpoint(
		         st, s->realm, last)) != 0 ||
		    (rc = sceau_store_commit(st)) != 0) {
			/* Nothing of this page was kept: say so, not success. */
			sceau_store_rollback(st);
			if (r == 0)
				r = rc;
		}
		json_decref(resp);
		resp = NULL;
		if (r != 0 || last == cp || last >= (uint64_t)srv_cp)
			break;
		cp = last;
	}
	json_decref(resp);
	return r;
}

/* --------------------------------------------------------------- push */

struct dirty_list {
	char **ids;
	size_t n, cap;
};

static int
collect_dirty(void *arg, const char *vlob_id)
{
	struct dirty_list *d = arg;
	void *p;

	if (d->n == d->cap) {
		size_t cap = d->cap == 0 ? 64 : d->cap * 2;

		if ((p = sceau_reallocarray(d->ids, cap, sizeof(*d->ids))) ==
		    NULL)
			return SCEAU_ERR_ALLOC;
		d->ids = p;
		d->cap = cap;
	}
	if ((d->ids[d->n] = sceau_strdup(vlob_id)) == NULL)
		return SCEAU_ERR_ALLOC;
	d->n++;
	return 0;
}

static void
dirty_free(struct dirty_list *d)
{
	free_ids(d->ids, d->n);
	sceau_free(d->ids);
	memset(d, 0, sizeof(*d));
}

/* Seals the local version of vlob_id as its next remote version. */
static int
seal_next(struct sync *s, const char *vlob_id, uint64_t *version,
    struct sceau_buf *blob)
{
	struct sceau_store_vlob v;
	struct sceau_vlob_header h;
	struct ws_node *n;
	struct sceau_buf *pt = NULL;
	int r;

	memset(&v, 0, sizeof(v));
	memset(&h, 0, sizeof(h));
	if ((r = sceau_store_vlob_get(
	         sceau_client_store(s->c), s->realm, vlob_id, &v)) != 0 ||
	    (r = ws_node(s->w, vlob_id, &n)) != 0)
		return r;
	if ((pt = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	(void)snprintf(
	    h.org_id, sizeof(h.org_id), "%s", sceau_client_info(s->c)->org_id);
	(void)snprintf(h.realm_id, sizeof(h.realm_id), "%s", s->realm);
	(void)snprintf(h.vlob_id, sizeof(h.vlob_id), "%s", vlob_id);
	(void)snprintf(h.author, sizeof(h.author), "%s",
	    sceau_client_info(s->c)->device_id);
	h.version = *version = v.remote_version + 1;
	/*
	 * Not before the records this device knows: a role given by a
	 * device whose clock is ahead is ours by then for every reader.
	 */
	h.timestamp = SCEAU_MAX(sceau_client_now_us(),
	    sceau_chain_last_timestamp(sceau_client_chain(s->c)) + 1);
	h.key_index = s->w->key_index;
	if ((r = sceau_manifest_encode(n->m, pt)) == 0)
		r = sceau_vlob_seal(&h, s->w->key, sceau_buf_ptr(pt),
		    sceau_buf_len(pt), sceau_client_keys(s->c)->device_key,
		    blob);
	sceau_buf_free(pt);
	return r;
}

/* One batch: n vlobs sealed and posted; conflicts appended to out. */
static int
push_batch(struct sync *s, char **ids, size_t n, struct dirty_list *out)
{
	struct sceau_buf *blobs[PUSH_BATCH] = {NULL};
	uint64_t versions[PUSH_BATCH];
	json_t *req = NULL, *arr, *resp = NULL, *res, *e;
	char path[256];
	size_t i;
	int r = 0;

	if ((req = json_object()) == NULL || (arr = json_array()) == NULL ||
	    json_object_set_new(req, "vlobs", arr) != 0) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < n && r == 0; i++) {
		json_t *item = json_object();

		if ((blobs[i] = sceau_buf_new()) == NULL || item == NULL ||
		    json_array_append_new(arr, item) != 0) {
			r = SCEAU_ERR_ALLOC;
			break;
		}
		if ((r = seal_next(s, ids[i], &versions[i], blobs[i])) == 0 &&
		    (sceau_json_set_string(item, "vlob_id", ids[i]) != 0 ||
		        sceau_json_set_int(
		            item, "version", (int64_t)versions[i]) != 0 ||
		        sceau_json_set_b64(item, "blob",
		            sceau_buf_ptr(blobs[i]), sceau_buf_len(blobs[i]),
		            SCEAU_B64_STD) != 0))
			r = SCEAU_ERR_ALLOC;
	}
	path_of(s, "vlobs", path, sizeof(path));
	if (r != 0 ||
	    (r = sceau_http_json(
	         sceau_client_http(s->c), "POST", path, req, &resp)) != 0)
		goto out;
	if (sceau_json_get_array(resp, "results", PUSH_BATCH, &res) != 0 ||
	    json_array_size(res) != n) {
		r = SCEAU_ERR_PROTOCOL;
		goto out;
	}
	json_array_foreach(res, i, e)
	{
		const char *status;

		if (sceau_json_get_string(e, "status", 16, &status) != 0) {
			r = SCEAU_ERR_PROTOCOL;
			goto out;
		}
		if (strcmp(status, "ok") == 0) {
			s->st->vlobs_up++;
			r = sceau_store_vlob_set_remote(
			    sceau_client_store(s->c), s->realm, ids[i],
			    versions[i], sceau_buf_ptr(blobs[i]),
			    sceau_buf_len(blobs[i]), 1);
		} else {
			r = collect_dirty(out, ids[i]);
		}
		if (r != 0)
			goto out;
	}
out:
	for (i = 0; i < n; i++)
		sceau_buf_free(blobs[i]);
	json_decref(req);
	json_decref(resp);
	return r;
}

static int
push_vlobs(struct sync *s, struct dirty_list *conflicts)
{
	struct sceau_store *st = sceau_client_store(s->c);
	struct dirty_list d = {NULL, 0, 0};
	size_t i;
	int r;

	if ((r = sceau_store_vlob_dirty(st, s->realm, collect_dirty, &d)) != 0)
		goto out;
	for (i = 0; i < d.n && r == 0; i += PUSH_BATCH) {
		size_t n = SCEAU_MIN(PUSH_BATCH, d.n - i);

		if ((r = sceau_store_begin(st)) != 0)
			break;
		r = push_batch(s, d.ids + i, n, conflicts);
		/* What the server took is recorded, even if a later one fails. */
		if (sceau_store_commit(st) != 0)
			sceau_store_rollback(st);
		if (s->progress != NULL && s->progress->cb != NULL)
			s->progress->cb(
			    s->progress->arg, "", s->st->vlobs_up, 0);
	}
out:
	dirty_free(&d);
	return r;
}

/* ---------------------------------------------------------- conflicts */

/* The latest remote version of a vlob, as fetch_latest() captures it. */
struct latest {
	uint64_t version;
	struct sceau_buf *blob;
	int found;
};

static int
capture_latest(struct sync *s, void *arg, const char *vlob_id, uint64_t version,
    const struct sceau_buf *blob)
{
	struct latest *l = arg;

	(void)s;
	(void)vlob_id;
	l->found = 1;
	l->version = version;
	sceau_buf_reset(l->blob);
	return sceau_buf_putb(l->blob, blob);
}

/* The latest remote version of vlob_id, checked and decrypted. */
static int
fetch_latest(struct sync *s, const char *vlob_id, struct latest *l,
    struct sceau_manifest **mp)
{
	char id[SCEAU_ID_LEN + 1];
	char *ids[1] = {id};
	struct sceau_vlob_header h;
	int r;

	*mp = NULL;
	(void)snprintf(id, sizeof(id), "%s", vlob_id);
	if ((r = fetch_raw(s, ids, 1, capture_latest, l)) != 0)
		return r;
	if (!l->found)
		return SCEAU_ERR_PROTOCOL;
	if (sceau_vlob_parse(
	        sceau_buf_ptr(l->blob), sceau_buf_len(l->blob), &h) != 0 ||
	    h.version != l->version ||
	    ws_open_remote(s->w, vlob_id, sceau_buf_ptr(l->blob),
	        sceau_buf_len(l->blob), mp) != 0) {
		sceau_message(
		    "vlob %s: the server's latest version is altered", vlob_id);
		return SCEAU_ERR_DATA_TAMPERED;
	}
	return 0;
}

/* The manifest this device's change was based on (NULL: none). */
static int
base_of(struct sync *s, const char *vlob_id, struct sceau_manifest **mp)
{
	struct sceau_store_vlob v;
	struct sceau_buf *blob;
	int r;

	*mp = NULL;
	memset(&v, 0, sizeof(v));
	if ((blob = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	v.remote_blob = blob;
	r = sceau_store_vlob_get(
	    sceau_client_store(s->c), s->realm, vlob_id, &v);
	if (r == 0 && v.has_remote)
		r = ws_open_remote(s->w, vlob_id, sceau_buf_ptr(blob),
		    sceau_buf_len(blob), mp);
	sceau_buf_free(blob);
	return r == SCEAU_ERR_NOT_FOUND ? 0 : r;
}

/* A file changed on both sides: ours becomes a copy beside theirs. */
static int
keep_both_files(
    struct sync *s, struct ws_node *ours, const struct sceau_manifest *theirs)
{
	char name[SCEAU_NAME_MAX_BYTES + 1], id[SCEAU_ID_LEN + 1];
	const struct sceau_manifest_entry *e = NULL;
	struct sceau_manifest *copy;
	struct ws_node *parent, *n;
	size_t i;
	int r, attempt;

	if ((r = ws_node(s->w,
	         theirs->parent_id[0] != '\0' ? theirs->parent_id : s->realm,
	         &parent)) != 0)
		return r;
	for (i = 0; i < parent->m->n_entries; i++) {
		if (strcmp(parent->m->entries[i].child_id, ours->m->vlob_id) ==
		    0)
			e = &parent->m->entries[i];
	}
	if ((r = sceau_cert_new_id(id)) != 0 ||
	    (copy = sceau_manifest_dup(ours->m)) == NULL)
		return r != 0 ? r : SCEAU_ERR_ALLOC;
	(void)snprintf(copy->vlob_id, sizeof(copy->vlob_id), "%s", id);
	(void)snprintf(
	    copy->parent_id, sizeof(copy->parent_id), "%s", parent->m->vlob_id);
	r = SCEAU_ERR_EXISTS;
	for (attempt = 0; attempt < 100 && r == SCEAU_ERR_EXISTS; attempt++) {
		sync_conflict_name(e != NULL ? e->name : "file", s->who,
		    sceau_client_now_us(), attempt, name);
		r = sceau_manifest_add_entry(
		    parent->m, name, id, SCEAU_MANIFEST_FILE);
	}
	if (r != 0 || (r = ws_node_new(s->w, copy, &n)) != 0) {
		sceau_manifest_free(copy);
		return r;
	}
	ws_touch(parent);
	s->st->conflict_copies++;
	info_f("workspace %s: conflict on %s, kept as \"%s\"", s->realm,
	    e != NULL ? e->name : ours->m->vlob_id, name);
	return 0;
}

/* One vlob the server refused as a conflict: merge, copy, or adopt. */
static int
resolve(struct sync *s, const char *vlob_id)
{
	struct sceau_manifest *theirs = NULL, *base = NULL, *merged = NULL;
	struct sceau_buf *a = NULL, *b = NULL;
	struct latest l = {0, NULL, 0};
	struct ws_node *ours;
	int r;

	if ((l.blob = sceau_buf_new()) == NULL ||
	    (a = sceau_buf_new()) == NULL || (b = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = ws_node(s->w, vlob_id, &ours)) != 0 ||
	    (r = fetch_latest(s, vlob_id, &l, &theirs)) != 0 ||
	    (r = sceau_manifest_encode(ours->m, a)) != 0 ||
	    (r = sceau_manifest_encode(theirs, b)) != 0)
		goto out;
	/* Our own earlier push, whose answer was lost: nothing to do. */
	if (sceau_buf_equals(a, b) == 0)
		goto adopt;
	if (ours->m->type == SCEAU_MANIFEST_FILE) {
		if ((r = keep_both_files(s, ours, theirs)) != 0)
			goto out;
		goto adopt;
	}
	if ((r = base_of(s, vlob_id, &base)) != 0 ||
	    (r = sync_merge_folder(base, ours->m, theirs, s->who,
	         sceau_client_now_us(), &merged)) != 0)
		goto out;
	/* The merge is based on theirs: record it, then ours becomes it. */
	if ((r = sceau_store_vlob_set_remote(sceau_client_store(s->c), s->realm,
	         vlob_id, l.version, sceau_buf_ptr(l.blob),
	         sceau_buf_len(l.blob), 0)) != 0)
		goto out;
	sceau_manifest_free(ours->m);
	ours->m = merged;
	merged = NULL;
	ws_touch(ours);
	s->st->merges++;
	goto out;
adopt:
	r = sceau_store_vlob_set_remote(sceau_client_store(s->c), s->realm,
	    vlob_id, l.version, sceau_buf_ptr(l.blob), sceau_buf_len(l.blob),
	    1);
	ours->dirty = 0;
out:
	sceau_manifest_free(theirs);
	sceau_manifest_free(base);
	sceau_manifest_free(merged);
	sceau_buf_free(l.blob);
	sceau_buf_free(a);
	sceau_buf_free(b);
	return r;
}

static int
resolve_all(struct sync *s, struct dirty_list *conflicts)
{
	struct sceau_store *st = sceau_client_store(s->c);
	size_t i;
	int r;

	if ((r = sceau_store_begin(st)) != 0)
		return r;
	for (i = 0; i < conflicts->n && r == 0; i++)
		r = resolve(s, conflicts->ids[i]);
	if (r != 0) {
		sceau_store_rollback(st);
		return r;
	}
	if ((r = sceau_store_commit(st)) != 0)
		return r;
	/* Local changes made while resolving; then reload from the store. */
	if ((r = sceau_ws_commit(s->w)) != 0)
		return r;
	sceau_ws_discard(s->w);
	return 0;
}

/* ----------------------------------------------------------- one sync */

static void
who_am_i(struct sync *s)
{
	const struct sceau_chain_user *u = sceau_client_self(s->c);
	struct sceau_identity id;

	(void)snprintf(
	    s->who, sizeof(s->who), "%.8s", sceau_client_info(s->c)->user_id);
	if (u != NULL &&
	    sceau_client_identity(
	        s->c, u->created_index, u->identity_hash, &id) == 0)
		(void)snprintf(s->who, sizeof(s->who), "%s", id.name);
}

static int
sync_rounds(struct sync *s, const struct sceau_sync_opts *opts)
{
	struct dirty_list conflicts = {NULL, 0, 0};
	int r, round;

	if ((r = pull(s)) != 0)
		return r;
	/* A reader sends nothing (a former writer's changes stay local). */
	if (!sceau_role_can_write(s->w->role))
		return 0;
	if ((r = sync_push_blocks(s->c, s->realm,
	         opts != NULL ? opts->connections : 0, s->st)) != 0)
		return r;
	for (round = 0; round < ROUNDS_MAX; round++) {
		dirty_free(&conflicts);
		if ((r = push_vlobs(s, &conflicts)) != 0 || conflicts.n == 0)
			break;
		/* Merging may have made blocks (none) or folders (yes). */
		if ((r = resolve_all(s, &conflicts)) != 0)
			break;
	}
	if (r == 0 && conflicts.n > 0) {
		sceau_message("workspace %s: still in conflict after %d rounds",
		    s->realm, ROUNDS_MAX);
		r = SCEAU_ERR_CONFLICT;
	}
	dirty_free(&conflicts);
	return r;
}

int
sync_once(struct sceau_client *c, const char *realm_id,
    const struct sceau_sync_opts *opts, struct sceau_sync_stats *st)
{
	struct sync s;
	int r;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.realm = realm_id;
	s.st = st;
	s.progress = opts != NULL ? opts->progress : NULL;
	if ((r = sceau_client_refresh(c, NULL)) != 0 ||
	    (r = sceau_ws_open(c, realm_id, &s.w)) != 0)
		return r;
	who_am_i(&s);
	/* Changes this session made before syncing are on disk first. */
	if ((r = sceau_ws_commit(s.w)) == 0)
		r = sync_rounds(&s, opts);
	sceau_ws_abort(s.w);
	return r;
}

int
sceau_sync_sleep(unsigned int ms, const volatile sig_atomic_t *stop)
{
	struct timespec ts;
	unsigned int step;

	while (ms > 0) {
		if (stop != NULL && *stop != 0)
			return SCEAU_ERR_INTERRUPTED;
		step = ms < 100 ? ms : 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step * 1000000L;
		(void)nanosleep(&ts, NULL);
		ms -= step;
	}
	return stop != NULL && *stop != 0 ? SCEAU_ERR_INTERRUPTED : 0;
}

int
sceau_sync_realm(struct sceau_client *c, const char *realm_id,
    const struct sceau_sync_opts *opts, struct sceau_sync_stats *stats)
{
	struct sceau_sync_stats local;
	unsigned int attempt, retries = 0, wait_ms = SYNC_BACKOFF_MS;
	int r;

	memset(&local, 0, sizeof(local));
	if (opts != NULL) {
		retries = opts->retries;
		if (opts->backoff_ms > 0)
			wait_ms = opts->backoff_ms;
		sceau_http_set_cancel(sceau_client_http(c), opts->stop);
	}
	for (attempt = 0;; attempt++) {
		r = sync_once(
		    c, realm_id, opts, stats != NULL ? stats : &local);
		if (r == 0 || !sceau_http_retryable(r) || attempt >= retries)
			break;
		sceau_message("workspace %s: %s; trying again in %u ms "
		              "(%u of %u)",
		    realm_id, sceau_strerror(r), wait_ms, attempt + 1, retries);
		if (opts->retrying != NULL)
			opts->retrying(opts->retrying_arg, realm_id, r,
			    attempt + 1, wait_ms);
		if (sceau_sync_sleep(wait_ms, opts->stop) != 0) {
			r = SCEAU_ERR_INTERRUPTED;
			break;
		}
		wait_ms = wait_ms >= SYNC_BACKOFF_MAX_MS / 2
		    ? SYNC_BACKOFF_MAX_MS
		    : wait_ms * 2;
	}
	if (opts != NULL)
		sceau_http_set_cancel(sceau_client_http(c), NULL);
	return r;
}
