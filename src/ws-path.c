/*
 * ws-path.c: paths in a workspace: lookup, mkdir, rm, mv, and creating or
 * replacing a file's manifest.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "secmem.h"
#include "ws-internal.h"
#include "ws.h"

#define PATH_MAX_BYTES 4096
#define DEPTH_MAX 256

int
sceau_ws_split(
    const char *path, char *parent, size_t psize, char *name, size_t nsize)
{
	const char *slash;
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || path[0] != '/' || n > PATH_MAX_BYTES)
		return SCEAU_ERR_INVALID_ARGUMENT;
	slash = path + n;
	while (slash > path && slash[-1] != '/')
		slash--;
	if ((size_t)(path + n - slash) >= nsize ||
	    (size_t)(slash - path) >= psize)
		return SCEAU_ERR_INVALID_ARGUMENT;
	(void)snprintf(name, nsize, "%.*s", (int)(path + n - slash), slash);
	(void)snprintf(parent, psize, "%.*s",
	    slash - path > 1 ? (int)(slash - path - 1) : 1, path);
	return 0;
}

/* The node at path: walks from the root, one component at a time. */
static int
resolve(struct sceau_ws *w, const char *path, struct ws_node **np)
{
	char comp[SCEAU_NAME_MAX_BYTES + 1];
	const struct sceau_manifest_entry *e;
	struct ws_node *n;
	const char *p = path, *end;
	int r, depth = 0;

	*np = NULL;
	if (path[0] != '/' || strlen(path) > PATH_MAX_BYTES)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = ws_node(w, w->realm, &n)) != 0)
		return r;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > SCEAU_NAME_MAX_BYTES ||
		    ++depth > DEPTH_MAX)
			return SCEAU_ERR_INVALID_ARGUMENT;
		(void)snprintf(comp, sizeof(comp), "%.*s", (int)(end - p), p);
		if (n->m->type == SCEAU_MANIFEST_FILE) {
			sceau_message("%s: not a folder", comp);
			return SCEAU_ERR_INVALID_ARGUMENT;
		}
		if ((e = sceau_manifest_find(n->m, comp)) == NULL) {
			sceau_message("%s: no such file or folder", path);
			return SCEAU_ERR_NOT_FOUND;
		}
		if ((r = ws_node(w, e->child_id, &n)) != 0)
			return r;
		p = end;
	}
	*np = n;
	return 0;
}

int
sceau_ws_lookup(
    struct sceau_ws *w, const char *path, const struct sceau_manifest **mp)
{
	struct ws_node *n;
	int r;

	*mp = NULL;
	if ((r = resolve(w, path, &n)) != 0)
		return r;
	*mp = n->m;
	return 0;
}

static int
need_write(const struct sceau_ws *w)
{
	if (w->at != 0) {
		sceau_message("the past of a workspace is read-only");
		return SCEAU_ERR_FORBIDDEN;
	}
	if (sceau_role_can_write(w->role))
		return 0;
	sceau_message("workspace %s: a %s cannot write", w->realm,
	    sceau_role_name(w->role));
	return SCEAU_ERR_FORBIDDEN;
}

/* The folder at parent and the name to act on in it. */
static int
parent_of(struct sceau_ws *w, const char *path, struct ws_node **pp,
    char name[SCEAU_NAME_MAX_BYTES + 1])
{
	char parent[PATH_MAX_BYTES + 1];
	int r;

	*pp = NULL;
	if ((r = sceau_ws_split(path, parent, sizeof(parent), name,
	         SCEAU_NAME_MAX_BYTES + 1)) != 0)
		return r;
	if (!sceau_name_valid(name)) {
		sceau_message("\"%s\": not a valid name", name);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if ((r = resolve(w, parent, pp)) != 0)
		return r;
	if ((*pp)->m->type == SCEAU_MANIFEST_FILE) {
		sceau_message("%s: not a folder", parent);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return 0;
}

/* A new child manifest under parent, entered there as name. */
static int
add_child(struct sceau_ws *w, struct ws_node *parent, const char *name,
    enum sceau_manifest_type type, struct ws_node **np)
{
	char id[SCEAU_ID_LEN + 1];
	struct sceau_manifest *m;
	int r;

	*np = NULL;
	if ((r = sceau_cert_new_id(id)) != 0)
		return r;
	if ((m = sceau_manifest_new(
	         type, id, parent->m->vlob_id, sceau_client_now_us())) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_manifest_add_entry(parent->m, name, id, type)) != 0) {
		sceau_manifest_free(m);
		return r;
	}
	if ((r = ws_node_new(w, m, np)) != 0) {
		(void)sceau_manifest_remove_entry(parent->m, name);
		sceau_manifest_free(m);
		return r;
	}
	ws_touch(parent);
	return 0;
}

int
sceau_ws_mkdir(struct sceau_ws *w, const char *path, int parents)
{
	char name[SCEAU_NAME_MAX_BYTES + 1], parent[PATH_MAX_BYTES + 1];
	const struct sceau_manifest_entry *e;
	struct ws_node *p, *n;
	int r;

	if ((r = need_write(w)) != 0)
		return r;
	r = parent_of(w, path, &p, name);
	if (r == SCEAU_ERR_NOT_FOUND && parents &&
	    sceau_ws_split(path, parent, sizeof(parent), name, sizeof(name)) ==
	        0) {
		if ((r = sceau_ws_mkdir(w, parent, 1)) != 0)
			return r;
		r = parent_of(w, path, &p, name);
	}
	if (r != 0)
		return r;
	if ((e = sceau_manifest_find(p->m, name)) != NULL) {
		if (parents && e->child_type == SCEAU_MANIFEST_FOLDER)
			return 0;
		sceau_message("%s: exists", path);
		return SCEAU_ERR_EXISTS;
	}
	return add_child(w, p, name, SCEAU_MANIFEST_FOLDER, &n);
}

int
sceau_ws_rm(struct sceau_ws *w, const char *path, int recursive)
{
	char name[SCEAU_NAME_MAX_BYTES + 1];
	const struct sceau_manifest_entry *e;
	struct ws_node *p, *child;
	int r;

	if ((r = need_write(w)) != 0 || (r = parent_of(w, path, &p, name)) != 0)
		return r;
	if ((e = sceau_manifest_find(p->m, name)) == NULL) {
		sceau_message("%s: no such file or folder", path);
		return SCEAU_ERR_NOT_FOUND;
	}
	if (e->child_type == SCEAU_MANIFEST_FOLDER && !recursive) {
		if ((r = ws_node(w, e->child_id, &child)) != 0)
			return r;
		if (child->m->n_entries > 0) {
			sceau_message("%s: %zu entries", path,
			    (size_t)child->m->n_entries);
			return SCEAU_ERR_NOT_EMPTY;
		}
	}
	/* The children stay, unreachable: history can bring them back. */
	if ((r = sceau_manifest_remove_entry(p->m, name)) != 0)
		return r;
	ws_touch(p);
	return 0;
}

/* 1 if folder id is target or one of its ancestors (a move into itself). */
static int
is_ancestor(struct sceau_ws *w, const char *id, struct ws_node *target)
{
	struct ws_node *n = target;
	int depth = 0;

	while (n != NULL && depth++ < DEPTH_MAX) {
		if (strcmp(n->m->vlob_id, id) == 0)
			return 1;
		if (n->m->parent_id[0] == '\0' ||
		    ws_node(w, n->m->parent_id, &n) != 0)
			return 0;
	}
	return 1; /* too deep: refuse rather than loop */
}

int
sceau_ws_mv(struct sceau_ws *w, const char *src, const char *dst)
{
	char sname[SCEAU_NAME_MAX_BYTES + 1], dname[SCEAU_NAME_MAX_BYTES + 1];
	struct sceau_manifest_entry e;
	struct ws_node *sp, *dp, *child, *d;
	int r;

	if ((r = need_write(w)) != 0 ||
	    (r = parent_of(w, src, &sp, sname)) != 0)
		return r;
	if (sceau_manifest_find(sp->m, sname) == NULL) {
		sceau_message("%s: no such file or folder", src);
		return SCEAU_ERR_NOT_FOUND;
	}
	e = *sceau_manifest_find(sp->m, sname);
	/* Into an existing folder, under the same name. */
	if (resolve(w, dst, &d) == 0 && d->m->type != SCEAU_MANIFEST_FILE) {
		dp = d;
		(void)snprintf(dname, sizeof(dname), "%s", sname);
	} else if ((r = parent_of(w, dst, &dp, dname)) != 0) {
		return r;
	}
	if (sceau_manifest_find(dp->m, dname) != NULL) {
		sceau_message("%s: exists", dst);
		return SCEAU_ERR_EXISTS;
	}
	if ((r = ws_node(w, e.child_id, &child)) != 0)
		return r;
	if (e.child_type == SCEAU_MANIFEST_FOLDER &&
	    is_ancestor(w, e.child_id, dp)) {
		sceau_message("%s: cannot move a folder into itself", src);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if ((r = sceau_manifest_add_entry(
	         dp->m, dname, e.child_id, e.child_type)) != 0)
		return r;
	if ((r = sceau_manifest_remove_entry(sp->m, sname)) != 0)
		return r;
	(void)snprintf(child->m->parent_id, sizeof(child->m->parent_id), "%s",
	    dp->m->vlob_id);
	ws_touch(sp);
	ws_touch(dp);
	ws_touch(child);
	return 0;
}

int
sceau_ws_put_file(
    struct sceau_ws *w, const char *path, const struct sceau_manifest *content)
{
	char name[SCEAU_NAME_MAX_BYTES + 1];
	const struct sceau_manifest_entry *e;
	struct ws_node *p, *n;
	int r;

	if ((r = need_write(w)) != 0 || (r = parent_of(w, path, &p, name)) != 0)
		return r;
	if ((e = sceau_manifest_find(p->m, name)) != NULL) {
		if (e->child_type != SCEAU_MANIFEST_FILE) {
			sceau_message("%s: is a folder", path);
			return SCEAU_ERR_EXISTS;
		}
		if ((r = ws_node(w, e->child_id, &n)) != 0)
			return r;
	} else if ((r = add_child(w, p, name, SCEAU_MANIFEST_FILE, &n)) != 0) {
		return r;
	}
	return ws_set_content(n, content);
}

int
sceau_ws_set_mtime(struct sceau_ws *w, const char *vlob_id, uint64_t us)
{
	struct ws_node *n;
	int r;

	if ((r = need_write(w)) != 0 || (r = ws_node(w, vlob_id, &n)) != 0)
		return r;
	n->m->updated = us;
	n->dirty = 1;
	return 0;
}

int
ws_set_content(struct ws_node *n, const struct sceau_manifest *content)
{
	struct sceau_manifest *m = n->m;
	size_t i;
	int r;

	/* Replace the content: blocks and size; the identity stays. */
	sceau_memzero(m->blocks, m->cap_blocks * sizeof(*m->blocks));
	m->n_blocks = 0;
	m->size = content->size;
	m->block_size = content->block_size;
	for (i = 0; i < content->n_blocks; i++) {
		if ((r = sceau_manifest_add_block(m, &content->blocks[i])) != 0)
			return r;
	}
	ws_touch(n);
	return 0;
}
