/*
 * mount-fs.c: the file system operations of "sceau mount" (libfuse3
 * high-level API), on the workspace session under one lock.
 *
 * Folders and files are the workspace's manifests: sizes and times come
 * from them; every change is committed to the local store at once (a
 * file's content when it is saved: fsync, close), and the sync thread
 * sends it.  Names an editor uses for temporary and lock files stay on
 * this computer (mount-local.c).  Modification times given by utimens
 * are kept in the manifests; modes and owners given by chmod and chown
 * are accepted and not kept: files show 0644, folders 0755 (0444 and
 * 0555 on a read-only mount), owned by the user who mounted.
 */
#include "config.h"

#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "errors.h"
#include "mount.h"

static struct mnt *
ctx(void)
{
	return fuse_get_context()->private_data;
}

#define LOCK(m) (void)pthread_mutex_lock(&(m)->lock)
#define UNLOCK(m) (void)pthread_mutex_unlock(&(m)->lock)

void
mnt_logf(struct mnt *m, const char *fmt, ...)
{
	char when[32];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;

	if (m->log == NULL)
		return;
	(void)strftime(
	    when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	(void)fprintf(m->log, "%s sceau mount %s: ", when, m->label);
	va_start(ap, fmt);
	(void)vfprintf(m->log, fmt, ap);
	va_end(ap);
	(void)fputc('\n', m->log);
	(void)fflush(m->log);
}

int
mnt_errno(int r)
{
	switch (r) {
	case 0:
		return 0;
	case SCEAU_ERR_NOT_FOUND:
		return -ENOENT;
	case SCEAU_ERR_EXISTS:
		return -EEXIST;
	case SCEAU_ERR_NOT_EMPTY:
		return -ENOTEMPTY;
	case SCEAU_ERR_FORBIDDEN:
		return -EROFS;
	case SCEAU_ERR_PERMISSION:
		return -EACCES;
	case SCEAU_ERR_INVALID_ARGUMENT:
		return -EINVAL;
	case SCEAU_ERR_ALLOC:
		return -ENOMEM;
	case SCEAU_ERR_FILE_TOO_LARGE:
		return -EFBIG;
	case SCEAU_ERR_LIMIT_EXCEEDED:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

/* What a path is, copied out of the workspace (under the lock). */
struct mstat {
	enum sceau_manifest_type type;
	char id[SCEAU_ID_LEN + 1];
	uint64_t size, created, updated;
	size_t entries;
};

/* Why the workspace refused path: a name too long, else a file in it. */
static int
bad_path(const char *path)
{
	const char *p = path, *end;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > SCEAU_NAME_MAX_BYTES)
			return -ENAMETOOLONG;
		p = end;
	}
	return -ENOTDIR;
}

static int
ws_stat(struct mnt *m, const char *path, struct mstat *s)
{
	const struct sceau_manifest *f;
	struct mnode *n;
	int r;

	if ((r = sceau_ws_lookup(m->w, path, &f)) != 0)
		return r == SCEAU_ERR_INVALID_ARGUMENT ? bad_path(path)
		                                       : mnt_errno(r);
	s->type = f->type;
	(void)snprintf(s->id, sizeof(s->id), "%s", f->vlob_id);
	s->size = f->size;
	s->created = f->created;
	s->updated = f->updated;
	s->entries = f->n_entries;
	if (f->type == SCEAU_MANIFEST_FILE &&
	    (n = mnt_node_find(m, f->vlob_id)) != NULL) {
		if (n->spill >= 0)
			s->size = n->size;
		if (n->mtime != 0) /* set while changed, not saved yet */
			s->updated = n->mtime;
	}
	return 0;
}

static void
fill_stat(const struct mnt *m, const struct mstat *s, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	if (s->type == SCEAU_MANIFEST_FILE) {
		st->st_mode = S_IFREG | (m->readonly ? 0444 : 0644);
		st->st_nlink = 1;
		st->st_size = (off_t)s->size;
	} else {
		st->st_mode = S_IFDIR | (m->readonly ? 0555 : 0755);
		st->st_nlink = 2;
		st->st_size = 4096;
	}
	st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
	st->st_blksize = 65536;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_mtim.tv_sec = (time_t)(s->updated / 1000000);
	st->st_mtim.tv_nsec = (long)(s->updated % 1000000) * 1000;
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
}

static struct mhandle *
handle_of(const struct fuse_file_info *fi)
{
	return fi != NULL ? (struct mhandle *)(uintptr_t)fi->fh : NULL;
}

static int ws_unlink(struct mnt *m, const char *path);
static int commit(struct mnt *m, int r);

/* 1 if path is a name libfuse gave an open file it was told to remove. */
static int
is_hidden(const char *path)
{
	const char *b = path != NULL ? strrchr(path, '/') : NULL;

	return b != NULL && strncmp(b + 1, ".fuse_hidden", 12) == 0;
}

static struct mhidden **
hidden_find(struct mnt *m, const char *path)
{
	struct mhidden **pp;

	for (pp = &m->hidden; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->path, path) == 0)
			return pp;
	return NULL;
}

/* The state of a hidden file: its open node's (lock held). */
static int
hidden_stat(struct mnt *m, const char *path, struct mstat *s)
{
	struct mhidden **pp = hidden_find(m, path);
	struct mnode *n;

	if (pp == NULL || (n = mnt_node_find(m, (*pp)->id)) == NULL)
		return -ENOENT;
	memset(s, 0, sizeof(*s));
	s->type = SCEAU_MANIFEST_FILE;
	(void)snprintf(s->id, sizeof(s->id), "%s", n->id);
	s->size = n->size;
	s->updated = n->m->updated;
	return 0;
}

/* Removed from the workspace; known by its hidden name until closed. */
static int
hide(struct mnt *m, const char *from, const char *to)
{
	struct mhidden *hd;
	struct mstat s;
	int r;

	if ((r = ws_stat(m, from, &s)) != 0)
		return r;
	if (s.type != SCEAU_MANIFEST_FILE)
		return -EINVAL;
	if ((hd = sceau_calloc(1, sizeof(*hd))) == NULL)
		return -ENOMEM;
	(void)snprintf(hd->path, sizeof(hd->path), "%s", to);
	(void)snprintf(hd->id, sizeof(hd->id), "%s", s.id);
	if ((r = ws_unlink(m, from)) != 0 || (r = commit(m, 0)) != 0) {
		sceau_ws_discard(m->w);
		sceau_free(hd);
		return r;
	}
	hd->next = m->hidden;
	m->hidden = hd;
	return 0;
}

static int
unhide(struct mnt *m, const char *path)
{
	struct mhidden **pp = hidden_find(m, path), *hd;

	if (pp == NULL)
		return -ENOENT;
	hd = *pp;
	*pp = hd->next;
	sceau_free(hd);
	return 0;
}

static int
op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	struct mhandle *h = handle_of(fi);
	struct mstat s;
	char lp[MNT_LOCAL_MAX];
	int r;

	if (h != NULL && h->fd >= 0)
		return fstat(h->fd, st) != 0 ? -errno : 0;
	if (h == NULL && path != NULL && mnt_is_local(path)) {
		if ((r = mnt_local_path(m, path, lp)) != 0)
			return r;
		return lstat(lp, st) != 0 ? -errno : 0;
	}
	LOCK(m);
	if (h != NULL && h->n != NULL) {
		/* An open file, perhaps removed since: its own state. */
		memset(&s, 0, sizeof(s));
		s.type = SCEAU_MANIFEST_FILE;
		s.size = h->n->size;
		s.updated = h->n->mtime != 0 ? h->n->mtime : h->n->m->updated;
		r = 0;
	} else if (is_hidden(path)) {
		r = hidden_stat(m, path, &s);
	} else {
		r = path != NULL ? ws_stat(m, path, &s) : -EBADF;
	}
	UNLOCK(m);
	if (r == 0)
		fill_stat(m, &s, st);
	return r;
}

/* The local-only entries of folder path that the workspace lacks. */
static void
readdir_local(struct mnt *m, const char *path, const struct sceau_manifest *f,
    void *buf, fuse_fill_dir_t filler)
{
	char lp[MNT_LOCAL_MAX];
	struct dirent *de;
	DIR *d;

	if (mnt_local_path(m, path, lp) != 0 || (d = opendir(lp)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (f != NULL && sceau_manifest_find(f, de->d_name) != NULL)
			continue;
		if (filler(buf, de->d_name, NULL, 0, 0) != 0)
			break;
	}
	(void)closedir(d);
}

/* A folder's handle is its path (readdir may be given no path). */
static int
op_opendir(const char *path, struct fuse_file_info *fi)
{
	char *p;

	if (path == NULL || (p = sceau_strdup(path)) == NULL)
		return path == NULL ? -EBADF : -ENOMEM;
	fi->fh = (uint64_t)(uintptr_t)p;
	return 0;
}

static int
op_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	sceau_free((char *)(uintptr_t)fi->fh);
	fi->fh = 0;
	return 0;
}

static int
op_readdir(const char *dpath, void *buf, fuse_fill_dir_t filler, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct mnt *m = ctx();
	const struct sceau_manifest *f = NULL;
	const char *path = (const char *)(uintptr_t)fi->fh;
	size_t i;
	int r = 0;

	(void)dpath;
	(void)off;
	(void)flags;
	(void)filler(buf, ".", NULL, 0, 0);
	(void)filler(buf, "..", NULL, 0, 0);
	LOCK(m);
	if (!mnt_is_local(path)) {
		if ((r = sceau_ws_lookup(m->w, path, &f)) != 0)
			r = mnt_errno(r);
		else if (f->type == SCEAU_MANIFEST_FILE)
			r = -ENOTDIR;
		for (i = 0; r == 0 && i < f->n_entries; i++)
			if (filler(buf, f->entries[i].name, NULL, 0, 0) != 0)
				break;
	}
	if (r == 0)
		readdir_local(m, path, f, buf, filler);
	UNLOCK(m);
	return r;
}

/* A change to the workspace: refused on a read-only mount. */
static int
writable(const struct mnt *m)
{
	return m->readonly ? -EROFS : 0;
}

/* Commits the change r made (0), else forgets it. */
static int
commit(struct mnt *m, int r)
{
	if (r == 0 && (r = sceau_ws_commit(m->w)) != 0)
		mnt_logf(m, "committing: %s (%s)", sceau_strerror(r),
		    sceau_last_message());
	if (r != 0)
		sceau_ws_discard(m->w);
	return mnt_errno(r);
}

/*
 * Takes the lock for a change.  What an earlier create left uncommitted
 * (creates commit with the file's first save) is committed first, so
 * that a change that fails can be forgotten alone (sceau_ws_discard).
 */
static int
lock_for_change(struct mnt *m)
{
	int r;

	LOCK(m);
	if ((r = sceau_ws_commit(m->w)) != 0) {
		mnt_logf(m, "committing: %s (%s)", sceau_strerror(r),
		    sceau_last_message());
		UNLOCK(m);
		return mnt_errno(r);
	}
	return 0;
}

static int
op_mkdir(const char *path, mode_t mode)
{
	struct mnt *m = ctx();
	char lp[MNT_LOCAL_MAX];
	int r;

	(void)mode;
	if (mnt_is_local(path)) {
		if ((r = mnt_local_parents(m, path)) != 0 ||
		    (r = mnt_local_path(m, path, lp)) != 0)
			return r;
		return mkdir(lp, 0700) != 0 ? -errno : 0;
	}
	if ((r = writable(m)) != 0 || (r = lock_for_change(m)) != 0)
		return r;
	r = sceau_ws_mkdir(m->w, path, 0);
	r = commit(m, r);
	UNLOCK(m);
	return r;
}

/* 1 if the local folder of path holds anything. */
static int
local_nonempty(struct mnt *m, const char *path)
{
	char lp[MNT_LOCAL_MAX];
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (mnt_local_path(m, path, lp) != 0 || (d = opendir(lp)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0;
	(void)closedir(d);
	return found;
}

static int
op_rmdir(const char *path)
{
	struct mnt *m = ctx();
	char lp[MNT_LOCAL_MAX];
	struct mstat s;
	int r;

	if ((r = mnt_local_path(m, path, lp)) != 0)
		return r;
	if (mnt_is_local(path))
		return rmdir(lp) != 0 ? -errno : 0;
	if ((r = writable(m)) != 0 || (r = lock_for_change(m)) != 0)
		return r;
	if ((r = ws_stat(m, path, &s)) == 0) {
		if (s.type != SCEAU_MANIFEST_FOLDER)
			r = -ENOTDIR;
		else if (s.entries > 0 || local_nonempty(m, path))
			r = -ENOTEMPTY;
		else
			r = commit(m, sceau_ws_rm(m->w, path, 0));
	}
	UNLOCK(m);
	if (r == 0)
		(void)rmdir(lp);
	return r;
}

/* Removes the file at path (lock held); open handles keep reading it. */
static int
ws_unlink(struct mnt *m, const char *path)
{
	struct mnode *n;
	struct mstat s;
	int r;

	if ((r = ws_stat(m, path, &s)) != 0)
		return r;
	if (s.type != SCEAU_MANIFEST_FILE)
		return -EISDIR;
	if ((r = mnt_errno(sceau_ws_rm(m->w, path, 0))) != 0)
		return r;
	if ((n = mnt_node_find(m, s.id)) != NULL)
		n->unlinked = 1;
	return 0;
}

static int
op_unlink(const char *path)
{
	struct mnt *m = ctx();
	char lp[MNT_LOCAL_MAX];
	int r;

	if (mnt_is_local(path)) {
		if ((r = mnt_local_path(m, path, lp)) != 0)
			return r;
		return unlink(lp) != 0 ? -errno : 0;
	}
	if ((r = writable(m)) != 0 || (r = lock_for_change(m)) != 0)
		return r;
	if (is_hidden(path))
		r = unhide(m, path);
	else if ((r = ws_unlink(m, path)) == 0)
		r = commit(m, 0);
	else
		sceau_ws_discard(m->w);
	UNLOCK(m);
	return r;
}

/* ------------------------------------------------------------ rename */

/* Clears the way for a rename onto an existing to (lock held). */
static int
rename_over(
    struct mnt *m, const struct mstat *from, const char *to, unsigned int flags)
{
	struct mstat t;
	int r;

	if ((r = ws_stat(m, to, &t)) == -ENOENT)
		return 0;
	if (r != 0)
		return r;
	if (strcmp(t.id, from->id) == 0)
		return 1; /* the same file: nothing to do */
	if ((flags & RENAME_NOREPLACE) != 0)
		return -EEXIST;
	if (from->type == SCEAU_MANIFEST_FILE && t.type != SCEAU_MANIFEST_FILE)
		return -EISDIR;
	if (from->type != SCEAU_MANIFEST_FILE) {
		if (t.type == SCEAU_MANIFEST_FILE)
			return -ENOTDIR;
		if (t.entries > 0 || local_nonempty(m, to))
			return -ENOTEMPTY;
		return mnt_errno(sceau_ws_rm(m->w, to, 0));
	}
	return ws_unlink(m, to);
}

/* Within the workspace: one commit, so a save by rename is atomic. */
static int
rename_ws(struct mnt *m, const char *from, const char *to, unsigned int flags)
{
	struct mstat s;
	int r;

	if ((r = ws_stat(m, from, &s)) != 0)
		return r;
	if ((r = rename_over(m, &s, to, flags)) == 1)
		return 0;
	if (r == 0)
		r = mnt_errno(sceau_ws_mv(m->w, from, to));
	/* A rename leaves the modification time alone (rsync's temp files). */
	if (r == 0)
		r = mnt_errno(sceau_ws_set_mtime(m->w, s.id, s.updated));
	if (r != 0) {
		sceau_ws_discard(m->w);
		return r;
	}
	return commit(m, 0);
}

/* A local-only file becomes a workspace file (an editor's save). */
static int
rename_in(struct mnt *m, const char *lfrom, const char *to, unsigned int flags)
{
	static const struct sceau_manifest empty = {
	    .type = SCEAU_MANIFEST_FILE, .block_size = SCEAU_BLOCK_SIZE};
	const struct sceau_manifest *f;
	struct stat st;
	struct mstat s;
	int fd, r;

	if ((fd = open(lfrom, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return -EXDEV; /* folders: mv copies them */
	}
	memset(&s, 0, sizeof(s));
	s.type = SCEAU_MANIFEST_FILE;
	r = rename_over(m, &s, to, flags);
	if (r == 0)
		r = mnt_errno(sceau_ws_put_file(m->w, to, &empty));
	if (r == 0 && (r = mnt_errno(sceau_ws_lookup(m->w, to, &f))) == 0) {
		(void)snprintf(s.id, sizeof(s.id), "%s", f->vlob_id);
		r = mnt_errno(sceau_ws_write_fd(m->w, s.id, fd));
	}
	(void)close(fd);
	r = commit(m, r);
	if (r == 0)
		(void)unlink(lfrom);
	return r;
}

/* A workspace file becomes local-only (an editor's backup). */
static int
rename_out(struct mnt *m, const char *from, const char *lto)
{
	const struct sceau_manifest *f;
	struct mnode *n;
	struct mstat s;
	int fd, r;

	if ((r = ws_stat(m, from, &s)) != 0)
		return r;
	if (s.type != SCEAU_MANIFEST_FILE)
		return -EXDEV;
	if ((n = mnt_node_find(m, s.id)) != NULL &&
	    (r = mnt_errno(mnt_node_save(m, n))) != 0)
		return r;
	if ((r = mnt_errno(sceau_ws_lookup(m->w, from, &f))) != 0)
		return r;
	fd = open(
	    lto, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = mnt_copy_out(m, f, fd);
	if (close(fd) != 0 && r == 0)
		r = -errno;
	if (r == 0 && (r = ws_unlink(m, from)) == 0)
		r = commit(m, 0);
	if (r != 0)
		(void)unlink(lto);
	return r;
}

static int
op_rename(const char *from, const char *to, unsigned int flags)
{
	struct mnt *m = ctx();
	char lf[MNT_LOCAL_MAX], lt[MNT_LOCAL_MAX];
	int r, locf = mnt_is_local(from), loct = mnt_is_local(to);

	if ((flags & ~(unsigned int)RENAME_NOREPLACE) != 0)
		return -EINVAL;
	if ((r = mnt_local_path(m, from, lf)) != 0 ||
	    (r = mnt_local_path(m, to, lt)) != 0)
		return r;
	if (locf && loct) {
		if ((r = mnt_local_parents(m, to)) != 0)
			return r;
		return renameat2(AT_FDCWD, lf, AT_FDCWD, lt, flags) != 0
		    ? -errno
		    : 0;
	}
	if ((r = writable(m)) != 0)
		return r;
	if ((loct && (r = mnt_local_parents(m, to)) != 0) ||
	    (r = lock_for_change(m)) != 0)
		return r;
	if (!locf && is_hidden(to))
		r = hide(m, from, to);
	else if (!locf && !loct)
		r = rename_ws(m, from, to, flags);
	else if (locf)
		r = rename_in(m, lf, to, flags);
	else if ((flags & RENAME_NOREPLACE) != 0 && access(lt, F_OK) == 0)
		r = -EEXIST;
	else
		r = rename_out(m, from, lt);
	UNLOCK(m);
	return r;
}

/* ------------------------------------------------------------- files */

/* A new handle in fi (lock held). */
static int
handle_new(struct mnt *m, struct fuse_file_info *fi, struct mnode *n, int fd)
{
	struct mhandle *h;

	if ((h = sceau_calloc(1, sizeof(*h))) == NULL)
		return -ENOMEM;
	h->n = n;
	h->fd = fd;
	h->next = m->handles;
	m->handles = h;
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

/* Unlinks h from the handle list (lock held). */
static void
handle_forget(struct mnt *m, struct mhandle *h)
{
	struct mhandle **pp;

	for (pp = &m->handles; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			return;
		}
	}
}

void
mnt_handles_free(struct mnt *m)
{
	struct mhandle *h;

	while ((h = m->handles) != NULL) {
		m->handles = h->next;
		if (h->fd >= 0)
			(void)close(h->fd);
		else
			(void)mnt_node_put(m, h->n);
		sceau_free(h);
	}
}

static int
open_local(struct mnt *m, const char *path, int flags, mode_t mode,
    struct fuse_file_info *fi)
{
	char lp[MNT_LOCAL_MAX];
	int fd, r;

	if ((r = mnt_local_parents(m, path)) != 0 ||
	    (r = mnt_local_path(m, path, lp)) != 0)
		return r;
	if ((fd = open(lp, flags | O_CLOEXEC | O_NOFOLLOW, mode & 0700)) < 0)
		return -errno;
	LOCK(m);
	r = handle_new(m, fi, NULL, fd);
	UNLOCK(m);
	if (r != 0)
		(void)close(fd);
	return r;
}

static int
wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
}

/* Opens the workspace file at path (lock held). */
static int
open_ws(struct mnt *m, const char *path, struct fuse_file_info *fi)
{
	struct mnode *n;
	struct mstat s;
	int r;

	if (wants_write(fi->flags) && (r = writable(m)) != 0)
		return r;
	if ((r = ws_stat(m, path, &s)) != 0)
		return r;
	if (s.type != SCEAU_MANIFEST_FILE)
		return -EISDIR;
	if ((r = mnt_errno(mnt_node_get(m, s.id, &n))) != 0)
		return r;
	if ((fi->flags & O_TRUNC) != 0 &&
	    (r = mnt_node_truncate(m, n, 0)) != 0) {
		(void)mnt_node_put(m, n);
		return r;
	}
	if ((r = handle_new(m, fi, n, -1)) != 0)
		(void)mnt_node_put(m, n);
	return r;
}

static int
op_open(const char *path, struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	int r;

	if (mnt_is_local(path))
		return open_local(
		    m, path, fi->flags & ~(O_CREAT | O_EXCL), 0, fi);
	LOCK(m);
	r = open_ws(m, path, fi);
	UNLOCK(m);
	return r;
}

static int
op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	static const struct sceau_manifest empty = {
	    .type = SCEAU_MANIFEST_FILE, .block_size = SCEAU_BLOCK_SIZE};
	struct mnt *m = ctx();
	struct mstat s;
	int r;

	if (mnt_is_local(path))
		return open_local(
		    m, path, fi->flags | O_CREAT, 0600 | mode, fi);
	if ((r = writable(m)) != 0 || (r = lock_for_change(m)) != 0)
		return r;
	r = ws_stat(m, path, &s);
	if (r == 0 && (fi->flags & O_EXCL) != 0) {
		r = -EEXIST;
	} else if (r == -ENOENT) {
		/* Committed with the file's first save, or by the next change,
		 * sync or close: one commit (one fsync) less per new file. */
		if ((r = mnt_errno(sceau_ws_put_file(m->w, path, &empty))) != 0)
			sceau_ws_discard(m->w);
	}
	if (r == 0)
		r = open_ws(m, path, fi);
	UNLOCK(m);
	return r;
}

static int
op_read(const char *path, char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	struct mhandle *h = handle_of(fi);
	size_t got = 0;
	ssize_t k;
	int r;

	if (h == NULL)
		return -EBADF;
	(void)path;
	if (h->fd >= 0) {
		k = pread(h->fd, buf, size, off);
		return k < 0 ? -errno : (int)k;
	}
	LOCK(m);
	r = mnt_node_read(m, h->n, buf, size, (uint64_t)off, &got);
	UNLOCK(m);
	return r != 0 ? r : (int)got;
}

static int
op_write(const char *path, const char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	struct mhandle *h = handle_of(fi);
	ssize_t k;
	int r;

	if (h == NULL)
		return -EBADF;
	(void)path;
	if (h->fd >= 0) {
		k = pwrite(h->fd, buf, size, off);
		return k < 0 ? -errno : (int)k;
	}
	if ((r = writable(m)) != 0)
		return r;
	LOCK(m);
	r = mnt_node_write(m, h->n, buf, size, (uint64_t)off);
	UNLOCK(m);
	return r != 0 ? r : (int)size;
}

static int
op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	struct mhandle *h = handle_of(fi);
	char lp[MNT_LOCAL_MAX];
	struct mnode *n;
	struct mstat s;
	int r;

	if (h != NULL && h->fd >= 0)
		return ftruncate(h->fd, size) != 0 ? -errno : 0;
	if (h == NULL && mnt_is_local(path)) {
		if ((r = mnt_local_path(m, path, lp)) != 0)
			return r;
		return truncate(lp, size) != 0 ? -errno : 0;
	}
	if ((r = writable(m)) != 0)
		return r;
	LOCK(m);
	if (h != NULL) {
		r = mnt_node_truncate(m, h->n, (uint64_t)size);
	} else if ((r = ws_stat(m, path, &s)) == 0 &&
	    (r = s.type == SCEAU_MANIFEST_FILE ? 0 : -EISDIR) == 0 &&
	    (r = mnt_errno(mnt_node_get(m, s.id, &n))) == 0) {
		r = mnt_node_truncate(m, n, (uint64_t)size);
		if (mnt_node_put(m, n) != 0 && r == 0)
			r = -EIO;
	}
	UNLOCK(m);
	return r;
}

/* Mode 0 only: makes the file at least off + len long (zeros). */
static int
op_fallocate(
    const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	struct mhandle *h = handle_of(fi);
	int r = 0;

	(void)path;
	if (h == NULL)
		return -EBADF;
	if (h->fd >= 0)
		return posix_fallocate(h->fd, off, len) == 0 ? 0 : -EIO;
	if (mode != 0)
		return -EOPNOTSUPP;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if ((r = writable(m)) != 0)
		return r;
	LOCK(m);
	if ((uint64_t)off + (uint64_t)len > h->n->size)
		r = mnt_node_truncate(m, h->n, (uint64_t)off + (uint64_t)len);
	UNLOCK(m);
	return r;
}

/* Saves a handle's file: encrypted and committed. */
static int
save(struct fuse_file_info *fi, int datasync)
{
	struct mnt *m = ctx();
	struct mhandle *h = handle_of(fi);
	int r;

	if (h == NULL)
		return -EBADF;
	if (h->fd >= 0)
		return datasync >= 0 && fsync(h->fd) != 0 ? -errno : 0;
	LOCK(m);
	/* Saved; or, unchanged, a create not committed yet is now. */
	if ((r = mnt_node_save(m, h->n)) == 0 &&
	    (r = sceau_ws_commit(m->w)) != 0)
		mnt_logf(m, "committing: %s (%s)", sceau_strerror(r),
		    sceau_last_message());
	UNLOCK(m);
	return mnt_errno(r);
}

static int
op_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return save(fi, -1);
}

static int
op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	return save(fi, datasync);
}

static int
op_release(const char *path, struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	struct mhandle *h = handle_of(fi);
	int r = 0;

	if (h == NULL)
		return -EBADF;
	(void)path;
	LOCK(m);
	handle_forget(m, h);
	if (h->fd >= 0)
		(void)close(h->fd);
	else
		r = mnt_errno(mnt_node_put(m, h->n));
	UNLOCK(m);
	sceau_free(h);
	fi->fh = 0;
	return r;
}

/* Modes and owners: accepted, not kept (but local files keep them). */
static int
op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	char lp[MNT_LOCAL_MAX];

	(void)fi;
	if (path != NULL && mnt_is_local(path) &&
	    mnt_local_path(m, path, lp) == 0)
		return chmod(lp, mode & 07777) != 0 ? -errno : 0;
	return writable(m);
}

static int
op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)path;
	(void)uid;
	(void)gid;
	(void)fi;
	return writable(ctx());
}

static int
op_utimens(
    const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct mnt *m = ctx();
	char lp[MNT_LOCAL_MAX];

	struct mhandle *h = handle_of(fi);
	struct mnode *n;
	struct mstat s;
	uint64_t us;
	int r;

	if (h != NULL && h->fd >= 0)
		return futimens(h->fd, tv) != 0 ? -errno : 0;
	if (h == NULL && mnt_is_local(path) && mnt_local_path(m, path, lp) == 0)
		return utimensat(AT_FDCWD, lp, tv, AT_SYMLINK_NOFOLLOW) != 0
		    ? -errno
		    : 0;
	if (tv != NULL && tv[1].tv_nsec == UTIME_OMIT)
		return 0;
	if (tv != NULL && tv[1].tv_nsec != UTIME_NOW && tv[1].tv_sec < 0)
		return -EINVAL;
	us = tv == NULL || tv[1].tv_nsec == UTIME_NOW
	    ? sceau_client_now_us()
	    : (uint64_t)tv[1].tv_sec * 1000000 + (uint64_t)tv[1].tv_nsec / 1000;
	if ((r = writable(m)) != 0 || (r = lock_for_change(m)) != 0)
		return r;
	if (h != NULL)
		(void)snprintf(s.id, sizeof(s.id), "%s", h->n->id);
	else
		r = ws_stat(m, path, &s);
	if (r == 0 && (n = mnt_node_find(m, s.id)) != NULL && n->dirty)
		n->mtime = us; /* applied (and committed) when saved */
	else if (r == 0)
		r = commit(m, sceau_ws_set_mtime(m->w, s.id, us));
	UNLOCK(m);
	return r;
}

static int
op_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	if (statvfs(ctx()->spill_dir, st) != 0)
		return -errno;
	st->f_namemax = SCEAU_NAME_MAX_BYTES;
	return 0;
}

static int
op_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	(void)fi;
	return 0;
}

static int
op_symlink(const char *target, const char *path)
{
	(void)target;
	(void)path;
	return -EPERM; /* workspaces hold files and folders only */
}

static int
op_link(const char *from, const char *to)
{
	(void)from;
	(void)to;
	return -EPERM;
}

static void *
op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* Bigger requests: fewer round trips (the kernel may cap them). */
	conn->max_write = 1024 * 1024;
	conn->max_readahead = 1024 * 1024;
	/* An open file removed is renamed to .fuse_hiddenN by libfuse (so
	 * that fstat finds it): hide() takes it out of the workspace at
	 * once, and its open node keeps its content until closed. */
	cfg->hard_remove = 0;
	cfg->nullpath_ok = 1;
	cfg->use_ino = 0;
	/* Another member's change shows within a second of its sync. */
	cfg->entry_timeout = 1.0;
	cfg->attr_timeout = 1.0;
	cfg->negative_timeout = 0.0;
	cfg->kernel_cache = 0;
	return ctx();
}

const struct fuse_operations mnt_ops = {
    .init = op_init,
    .getattr = op_getattr,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .mkdir = op_mkdir,
    .rmdir = op_rmdir,
    .unlink = op_unlink,
    .rename = op_rename,
    .create = op_create,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .truncate = op_truncate,
    .fallocate = op_fallocate,
    .flush = op_flush,
    .fsync = op_fsync,
    .release = op_release,
    .chmod = op_chmod,
    .chown = op_chown,
    .utimens = op_utimens,
    .statfs = op_statfs,
    .fsyncdir = op_fsyncdir,
    .symlink = op_symlink,
    .link = op_link,
};
