/*
 * ws-files.c: files in and out of a workspace: import of files and trees
 * through the encryption pipeline into the block cache, export and cat
 * through the decryption pipeline from the block cache or the server.
 *
 * An import is one pipeline: thousands of small files do not pay a thread
 * hand-off each, and the manifests are committed once, after the blocks
 * they name are durable.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "errors.h"
#include "pipeline.h"
#include "ws-internal.h"
#include "ws.h"

#define WS_PATH_MAX 4096

/* One queued file: where it goes in the workspace. */
struct import_job {
	char path[WS_PATH_MAX];
};

struct import_state {
	struct sceau_ws *w;
	struct sceau_pipeline_import *pipe;
	const struct sceau_ws_progress *progress;
	struct sceau_ws_import_stats stats;
	int error;
};

static void
report(const struct import_state *s, const char *path)
{
	if (s->progress != NULL && s->progress->cb != NULL)
		s->progress->cb(
		    s->progress->arg, path, s->stats.files, s->stats.bytes);
}

/* A file went through the pipeline: record its manifest. */
static int
import_done(void *arg, struct sceau_pipeline_file *f)
{
	struct import_state *s = arg;
	struct import_job *job = f->tag;
	struct sceau_manifest content;
	int r;

	if (f->status != 0) {
		sceau_message("%s: %s", job->path, sceau_strerror(f->status));
		r = f->status;
		goto out;
	}
	memset(&content, 0, sizeof(content));
	content.type = SCEAU_MANIFEST_FILE;
	content.size = f->size;
	content.block_size = SCEAU_BLOCK_SIZE;
	content.blocks = f->descs;
	content.n_blocks = f->n_descs;
	r = sceau_ws_put_file(s->w, job->path, &content);
	s->stats.files++;
	s->stats.bytes += f->size;
	report(s, job->path);
out:
	sceau_pipeline_descs_free(f->descs, f->n_descs);
	f->descs = NULL;
	f->n_descs = 0;
	sceau_free(job);
	return r;
}

static int
import_file(struct import_state *s, const char *src, const char *dst)
{
	struct import_job *job;
	int fd, r;

	if ((fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		sceau_message("%s: %s", src, strerror(errno));
		return errno == ENOENT ? SCEAU_ERR_NOT_FOUND : SCEAU_ERR_SYSTEM;
	}
	if ((job = sceau_calloc(1, sizeof(*job))) == NULL) {
		(void)close(fd);
		return SCEAU_ERR_ALLOC;
	}
	if ((size_t)snprintf(job->path, sizeof(job->path), "%s", dst) >=
	    sizeof(job->path)) {
		(void)close(fd);
		sceau_free(job);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	/* The pipeline owns fd now, and job once it delivers the file. */
	if ((r = sceau_pipeline_import_add(s->pipe, fd, job)) != 0)
		sceau_free(job);
	return r;
}

static int import_tree(
    struct import_state *s, const char *src, const char *dst, int depth);

static int
import_entry(
    struct import_state *s, const char *src, const char *dst, int depth)
{
	struct stat st;
	int r;

	if (lstat(src, &st) != 0) {
		sceau_message("%s: %s", src, strerror(errno));
		return SCEAU_ERR_NOT_FOUND;
	}
	if (S_ISREG(st.st_mode))
		return import_file(s, src, dst);
	if (S_ISDIR(st.st_mode)) {
		if ((r = sceau_ws_mkdir(s->w, dst, 1)) != 0)
			return r;
		s->stats.folders++;
		return import_tree(s, src, dst, depth + 1);
	}
	/* Links, devices, sockets: not file content; said, not silent. */
	s->stats.skipped++;
	return 0;
}

static int
import_tree(struct import_state *s, const char *src, const char *dst, int depth)
{
	char sp[WS_PATH_MAX], dp[WS_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > 256)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if ((d = opendir(src)) == NULL) {
		sceau_message("%s: %s", src, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sp, sizeof(sp), "%s/%s", src,
		        de->d_name) >= sizeof(sp) ||
		    (size_t)snprintf(dp, sizeof(dp), "%s/%s",
		        strcmp(dst, "/") == 0 ? "" : dst,
		        de->d_name) >= sizeof(dp)) {
			r = SCEAU_ERR_INVALID_ARGUMENT;
			break;
		}
		r = import_entry(s, sp, dp, depth);
	}
	(void)closedir(d);
	return r;
}

int
sceau_ws_import(struct sceau_ws *w, const char *src, const char *dst,
    const struct sceau_ws_progress *progress,
    struct sceau_ws_import_stats *stats)
{
	struct import_state s;
	struct sceau_blockcache *bc;
	int r, r2;

	memset(&s, 0, sizeof(s));
	s.w = w;
	s.progress = progress;
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	/* Refused before any block is written. */
	if (!sceau_role_can_write(w->role) || w->at != 0) {
		sceau_message("workspace %s: a %s cannot write", w->realm,
		    sceau_role_name(w->role));
		return SCEAU_ERR_FORBIDDEN;
	}
	/* The manifests of the last commit name only durable blocks. */
	if ((r = sceau_ws_commit(w)) != 0 || (r = ws_blockcache(w, &bc)) != 0 ||
	    (r = sceau_pipeline_import_new(
	         bc, w->realm, NULL, import_done, &s, &s.pipe)) != 0)
		return r;
	r = import_entry(&s, src, dst, 0);
	r2 = sceau_pipeline_import_finish(s.pipe);
	sceau_pipeline_import_free(s.pipe);
	if (r == 0)
		r = r2;
	if (stats != NULL)
		*stats = s.stats;
	if (r != 0) {
		/* Nothing half-imported is recorded. */
		sceau_ws_discard(w);
		return r;
	}
	return sceau_ws_commit(w);
}

/* ------------------------------------------------------------ export */

struct export_state {
	int error;
};

static int
export_done(void *arg, struct sceau_pipeline_file *f)
{
	struct export_state *s = arg;

	if (f->status != 0 && s->error == 0)
		s->error = f->status;
	if (f->fd >= 0 && f->fd != STDOUT_FILENO)
		(void)close(f->fd);
	return f->status;
}

static int export_node(struct sceau_ws *w, struct sceau_pipeline_export *ep,
    const struct sceau_ws_source *src, const struct sceau_manifest *m,
    const char *dst, int depth);

static int
export_folder(struct sceau_ws *w, struct sceau_pipeline_export *ep,
    const struct sceau_ws_source *src, const struct sceau_manifest *m,
    const char *dst, int depth)
{
	char p[WS_PATH_MAX];
	const struct sceau_manifest *child;
	size_t i;
	int r;

	if (depth > 256)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if (mkdir(dst, 0777) != 0 && errno != EEXIST) {
		sceau_message("%s: %s", dst, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	/* Entries are copied out: loading children may move the array. */
	for (i = 0; i < m->n_entries; i++) {
		struct sceau_manifest_entry e = m->entries[i];

		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dst, e.name) >=
		    sizeof(p))
			return SCEAU_ERR_INVALID_ARGUMENT;
		if ((r = sceau_ws_manifest(w, e.child_id, &child)) != 0 ||
		    (r = export_node(w, ep, src, child, p, depth + 1)) != 0)
			return r;
	}
	return 0;
}

static int
export_node(struct sceau_ws *w, struct sceau_pipeline_export *ep,
    const struct sceau_ws_source *src, const struct sceau_manifest *m,
    const char *dst, int depth)
{
	int fd, r;

	if (m->type != SCEAU_MANIFEST_FILE)
		return export_folder(w, ep, src, m, dst, depth);
	if (src->enqueue != NULL &&
	    (r = src->enqueue(src->arg, m->blocks, m->n_blocks)) != 0)
		return r;
	if (strcmp(dst, "-") == 0) {
		fd = STDOUT_FILENO;
	} else if ((fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	                0666)) < 0) {
		sceau_message("%s: %s", dst, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	r = sceau_pipeline_export_add(ep, m->blocks, m->n_blocks, fd, NULL);
	if (r != 0 && fd != STDOUT_FILENO)
		(void)close(fd);
	return r;
}

int
sceau_ws_cache_source(struct sceau_ws *w, struct sceau_ws_source *src)
{
	struct sceau_blockcache *bc;
	int r;

	memset(src, 0, sizeof(*src));
	if ((r = ws_blockcache(w, &bc)) != 0)
		return r;
	src->fetch = sceau_pipeline_cache_source;
	src->arg = bc;
	return 0;
}

int
sceau_ws_export(struct sceau_ws *w, const char *path, const char *dst,
    const struct sceau_ws_source *src)
{
	const struct sceau_manifest *m;
	struct sceau_pipeline_export *ep = NULL;
	struct export_state s = {0};
	int r, r2;

	if ((r = sceau_ws_lookup(w, path, &m)) != 0)
		return r;
	if ((r = sceau_pipeline_export_new(
	         src->fetch, src->arg, NULL, export_done, &s, &ep)) != 0)
		return r;
	r = export_node(w, ep, src, m, dst, 0);
	r2 = sceau_pipeline_export_finish(ep);
	sceau_pipeline_export_free(ep);
	if (r == 0)
		r = r2;
	return r != 0 ? r : s.error;
}
