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
#include <inttypes.h>
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
	struct import_job *prev, *next; /* queued, not yet delivered */
};

struct import_state {
	struct sceau_ws *w;
	struct sceau_pipeline_import *pipe;
	/* Jobs the pipeline has not delivered (it drops them on failure). */
	struct import_job *jobs;
	const struct sceau_ws_progress *progress;
	struct sceau_ws_import_stats stats;
	int error;
};

static void
job_unlink(struct import_state *s, struct import_job *job)
{
	if (job->prev != NULL)
		job->prev->next = job->next;
	else
		s->jobs = job->next;
	if (job->next != NULL)
		job->next->prev = job->prev;
	job->prev = job->next = NULL;
}

/* After the pipeline is freed: the jobs it dropped undelivered. */
static void
jobs_free(struct import_state *s)
{
	struct import_job *job;

	while ((job = s->jobs) != NULL) {
		job_unlink(s, job);
		sceau_free(job);
	}
}

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
	job_unlink(s, job);
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
	/*
	 * The pipeline owns fd now, and job once it delivers the file;
	 * jobs_free() takes those it drops.
	 */
	job->next = s->jobs;
	if (s->jobs != NULL)
		s->jobs->prev = job;
	s->jobs = job;
	if ((r = sceau_pipeline_import_add(s->pipe, fd, job)) != 0) {
		job_unlink(s, job);
		sceau_free(job);
	}
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
	jobs_free(&s);
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

/* The one file of sceau_ws_write_fd: its blocks, taken. */
static int
take_content(void *arg, struct sceau_pipeline_file *f)
{
	struct sceau_manifest *content = arg;

	if (f->status != 0)
		return f->status;
	content->size = f->size;
	content->blocks = f->descs;
	content->n_blocks = f->n_descs;
	f->descs = NULL;
	return 0;
}

/*
 * Encrypts fd into the cache (committed).  A small file gets a small
 * pipeline: one worker and two buffers, not one per core and eight (a
 * mount saves files one by one, and each pipeline maps, touches and
 * wipes its buffers).
 */
static int
encrypt_fd(struct sceau_blockcache *bc, const char *realm, int fd,
    struct sceau_manifest *content)
{
	struct sceau_pipeline_opts opts;
	struct sceau_pipeline_import *ip = NULL;
	struct stat st;
	int dup_fd, r;

	memset(&opts, 0, sizeof(opts));
	if (fstat(fd, &st) != 0)
		return SCEAU_ERR_SYSTEM;
	if (st.st_size <= 2 * SCEAU_BLOCK_SIZE) {
		opts.workers = 1;
		opts.slots = 2;
	}
	if ((dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return SCEAU_ERR_SYSTEM;
	if ((r = sceau_pipeline_import_new(
	         bc, realm, &opts, take_content, content, &ip)) != 0) {
		(void)close(dup_fd);
		return r;
	}
	/* The pipeline owns dup_fd now. */
	if ((r = sceau_pipeline_import_add(ip, dup_fd, NULL)) == 0)
		r = sceau_pipeline_import_finish(ip);
	sceau_pipeline_import_free(ip);
	return r;
}

int
sceau_ws_write_fd(struct sceau_ws *w, const char *vlob_id, int fd)
{
	struct sceau_manifest content;
	struct sceau_blockcache *bc;
	struct ws_node *n;
	int r;

	if (!sceau_role_can_write(w->role) || w->at != 0) {
		sceau_message("workspace %s: a %s cannot write", w->realm,
		    sceau_role_name(w->role));
		return SCEAU_ERR_FORBIDDEN;
	}
	if ((r = ws_node(w, vlob_id, &n)) != 0)
		return r;
	if (n->m->type != SCEAU_MANIFEST_FILE) {
		sceau_message("%s: not a file", vlob_id);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	/* The blocks are committed (durable) before a manifest names them. */
	memset(&content, 0, sizeof(content));
	content.type = SCEAU_MANIFEST_FILE;
	content.block_size = SCEAU_BLOCK_SIZE;
	if ((r = ws_blockcache(w, &bc)) == 0 &&
	    (r = encrypt_fd(bc, w->realm, fd, &content)) == 0)
		r = ws_set_content(n, &content);
	sceau_pipeline_descs_free(content.blocks, content.n_blocks);
	return r;
}

int
sceau_ws_cache_block(struct sceau_ws *w, const struct sceau_block_desc *d,
    const uint8_t *ct, size_t n)
{
	struct sceau_blockcache *bc;
	int r;

	if ((r = ws_blockcache(w, &bc)) != 0)
		return r;
	if (sceau_blockcache_in_batch(bc))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (sceau_blockcache_has(bc, d->id) == 1)
		return 0;
	if ((r = sceau_blockcache_begin(bc)) != 0)
		return r;
	if ((r = sceau_blockcache_append(
	         bc, w->realm, d->id, d->digest, ct, n)) != 0) {
		sceau_blockcache_abort(bc);
		return r;
	}
	if ((r = sceau_blockcache_commit(bc)) != 0)
		return r;
	/* It came from the server: sync has nothing to send. */
	return sceau_blockcache_mark_uploaded(bc, &d->id, 1);
}

int
sceau_ws_block_cached(struct sceau_ws *w, const uint8_t id[SCEAU_BLOCK_ID_LEN])
{
	struct sceau_blockcache *bc;
	int r;

	if ((r = ws_blockcache(w, &bc)) != 0)
		return r;
	return sceau_blockcache_has(bc, id);
}

/* ------------------------------------------------------------ export */

/* One file on its way out: where it goes, and what it is called. */
struct export_job {
	char *local; /* "-": standard output */
	char *wspath;
	int fd;
	struct export_job *prev, *next; /* the files not delivered yet */
};

struct export_state {
	int error;
	struct export_job *jobs;
};

static void
export_job_free(struct export_job *j)
{
	if (j == NULL)
		return;
	sceau_free(j->local);
	sceau_free(j->wspath);
	sceau_free(j);
}

static void
export_unlink(struct export_state *s, struct export_job *j)
{
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		s->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
}

/* A file that failed, or was never written: closed and removed. */
static void
export_discard(struct export_job *j)
{
	if (j->fd >= 0 && j->fd != STDOUT_FILENO)
		(void)close(j->fd);
	j->fd = -1;
	if (strcmp(j->local, "-") != 0)
		(void)unlink(j->local);
}

/*
 * A file is out.  One that failed is removed (a half-written file must
 * not pass for the real one) and named; the others go on, so that what
 * is intact is there.  A block that does not decrypt, or is not the
 * length its file says, was altered or is another file's.
 */
static int
export_done(void *arg, struct sceau_pipeline_file *f)
{
	struct export_state *s = arg;
	struct export_job *j = f->tag;
	int r = f->status;

	export_unlink(s, j);
	if (r == 0) {
		if (j->fd != STDOUT_FILENO)
			(void)close(j->fd);
		export_job_free(j);
		return 0;
	}
	export_discard(j);
	if (r == SCEAU_ERR_DECRYPT_FAILED || r == SCEAU_ERR_DATA_TAMPERED) {
		sceau_message("%s: block %" PRIu32 " is altered, or another "
		              "file's",
		    j->wspath, f->fail_block);
		r = SCEAU_ERR_DATA_TAMPERED;
	} else
		sceau_message("%s: block %" PRIu32 ": %s", j->wspath,
		    f->fail_block, sceau_strerror(r));
	export_job_free(j);
	if (s->error == 0)
		s->error = r;
	/* Tampering fails this file; anything else stops the export. */
	return r == SCEAU_ERR_DATA_TAMPERED ? 0 : r;
}

/*
 * A depth-first walk over the files of a tree, one file at a time,
 * without recursion: export runs two, one announcing blocks to the
 * source ahead of the other, which writes.
 */
#define WALK_DEPTH 256

struct walk_frame {
	char id[SCEAU_ID_LEN + 1]; /* a folder */
	size_t next; /* its next entry */
	size_t plen; /* the length of its path in walk.path */
};

struct walk {
	struct sceau_ws *w;
	int make_dirs; /* create folders as they are entered */
	int started, single; /* single: the root is a file */
	char root[SCEAU_ID_LEN + 1];
	struct walk_frame st[WALK_DEPTH];
	int depth;
	char path[WS_PATH_MAX]; /* of the current file, for the writer */
};

static int
walk_mkdir(const struct walk *k)
{
	if (k->make_dirs && mkdir(k->path, 0777) != 0 && errno != EEXIST) {
		sceau_message("%s: %s", k->path, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	return 0;
}

/* Enters folder id, whose path is k->path. */
static int
walk_push(struct walk *k, const char *id)
{
	struct walk_frame *f;
	int r;

	if (k->depth == WALK_DEPTH)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if ((r = walk_mkdir(k)) != 0)
		return r;
	f = &k->st[k->depth++];
	(void)snprintf(f->id, sizeof(f->id), "%s", id);
	f->next = 0;
	f->plen = strlen(k->path);
	return 0;
}

static int
walk_start(struct walk *k, struct sceau_ws *w, const struct sceau_manifest *m,
    const char *dst, int make_dirs)
{
	memset(k, 0, sizeof(*k));
	k->w = w;
	k->make_dirs = make_dirs;
	if (strlen(dst) >= sizeof(k->path))
		return SCEAU_ERR_INVALID_ARGUMENT;
	(void)snprintf(k->path, sizeof(k->path), "%s", dst);
	(void)snprintf(k->root, sizeof(k->root), "%s", m->vlob_id);
	k->single = m->type == SCEAU_MANIFEST_FILE;
	return 0;
}

/* The next file: 0 and *mp (borrowed), 1 at the end of the tree. */
static int
walk_next(struct walk *k, const struct sceau_manifest **mp)
{
	const struct sceau_manifest *m;
	struct sceau_manifest_entry e;
	struct walk_frame *f;
	int r;

	if (!k->started) {
		k->started = 1;
		if (k->single)
			return sceau_ws_manifest(k->w, k->root, mp);
		if ((r = walk_push(k, k->root)) != 0)
			return r;
	}
	while (k->depth > 0) {
		f = &k->st[k->depth - 1];
		if ((r = sceau_ws_manifest(k->w, f->id, &m)) != 0)
			return r;
		if (f->next >= m->n_entries) {
			k->depth--;
			continue;
		}
		e = m->entries[f->next++];
		if ((size_t)snprintf(k->path + f->plen,
		        sizeof(k->path) - f->plen, "/%s",
		        e.name) >= sizeof(k->path) - f->plen)
			return SCEAU_ERR_INVALID_ARGUMENT;
		if ((r = sceau_ws_manifest(k->w, e.child_id, &m)) != 0)
			return r;
		if (m->type == SCEAU_MANIFEST_FILE) {
			*mp = m;
			return 0;
		}
		if ((r = walk_push(k, e.child_id)) != 0)
			return r;
	}
	return 1;
}

/* Blocks announced to the source ahead of those written. */
#define EXPORT_AHEAD_BLOCKS 4096

static int
export_file(struct export_state *s, struct sceau_pipeline_export *ep,
    const struct sceau_manifest *m, const char *dst, const char *wsroot,
    const char *rel)
{
	struct export_job *j;
	size_t n;
	int r;

	if ((j = sceau_calloc(1, sizeof(*j))) == NULL)
		return SCEAU_ERR_ALLOC;
	j->fd = -1;
	n = strlen(wsroot) + strlen(rel) + 1;
	if ((j->local = sceau_strdup(dst)) == NULL ||
	    (j->wspath = sceau_malloc(n)) == NULL) {
		export_job_free(j);
		return SCEAU_ERR_ALLOC;
	}
	(void)snprintf(j->wspath, n, "%s%s", wsroot, rel);
	if (strcmp(dst, "-") == 0) {
		j->fd = STDOUT_FILENO;
	} else if ((j->fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	                0666)) < 0) {
		sceau_message("%s: %s", dst, strerror(errno));
		export_job_free(j);
		return SCEAU_ERR_SYSTEM;
	}
	j->next = s->jobs;
	if (s->jobs != NULL)
		s->jobs->prev = j;
	s->jobs = j;
	r = sceau_pipeline_export_add(ep, m->blocks, m->n_blocks, j->fd, j);
	if (r != 0 && s->jobs == j) {
		/* Not queued (the callback would have unlinked it). */
		export_unlink(s, j);
		export_discard(j);
		export_job_free(j);
	}
	return r;
}

/*
 * Writes every file of the tree at m; the source hears of each file's
 * blocks up to EXPORT_AHEAD_BLOCKS before they are needed, so that a
 * network source fetches many small files' blocks per request.
 */
static int
export_tree(struct export_state *s, struct sceau_ws *w,
    struct sceau_pipeline_export *ep, const struct sceau_ws_source *src,
    const struct sceau_manifest *m, const char *dst, const char *wsroot)
{
	struct walk *wr = NULL, *ahead = NULL;
	const struct sceau_manifest *f, *g;
	uint64_t announced = 0, written = 0;
	int r, ra = src->enqueue != NULL ? 0 : 1;

	if ((wr = sceau_calloc(1, sizeof(*wr))) == NULL ||
	    (ahead = sceau_calloc(1, sizeof(*ahead))) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = walk_start(wr, w, m, dst, 1)) != 0 ||
	    (r = walk_start(ahead, w, m, dst, 0)) != 0)
		goto out;
	while ((r = walk_next(wr, &f)) == 0) {
		while (ra == 0 && announced <= written + EXPORT_AHEAD_BLOCKS) {
			if ((ra = walk_next(ahead, &g)) < 0) {
				r = ra;
				goto out;
			}
			if (ra == 0) {
				if ((r = src->enqueue(src->arg, g->blocks,
				         g->n_blocks)) != 0)
					goto out;
				announced += g->n_blocks;
			}
		}
		if ((r = export_file(s, ep, f, wr->single ? dst : wr->path,
		         wsroot, wr->single ? "" : wr->path + strlen(dst))) !=
		    0)
			goto out;
		written += f->n_blocks;
	}
	if (r == 1)
		r = 0;
out:
	sceau_free(wr);
	sceau_free(ahead);
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
	r = export_tree(&s, w, ep, src, m, dst, path);
	r2 = sceau_pipeline_export_finish(ep);
	sceau_pipeline_export_free(ep);
	/* Files the pipeline never delivered (it stopped): not written. */
	while (s.jobs != NULL) {
		struct export_job *j = s.jobs;

		export_unlink(&s, j);
		export_discard(j);
		export_job_free(j);
	}
	if (r == 0)
		r = r2;
	return r != 0 ? r : s.error;
}
