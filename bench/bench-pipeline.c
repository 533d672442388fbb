/*
 * bench-pipeline.c: drives the block cache and the encryption pipeline
 * directly, so that the data path can be measured before (and apart
 * from) the CLI.
 *
 *   bench-pipeline import CACHE SRC LIST [WORKERS]
 *       imports every regular file under SRC into the block cache in
 *       CACHE (one pipeline stream), then writes the files' block
 *       descriptors to LIST (mode 0600, fdatasync'd: it holds keys);
 *   bench-pipeline export CACHE LIST DST [WORKERS]
 *       recreates the files of LIST under DST from the cache.
 *
 * Prints one JSON line on stdout: {"op","files","bytes","seconds"}.
 * Exit status 0, or 1 with a message on stderr.
 *
 * LIST is a bench artefact, not a sceau format: per file, a u32-length
 * relative path, u64 size, u32 n, and n block descriptors.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "blockcache.h"
#include "buf.h"
#include "errors.h"
#include "manifest.h"
#include "pipeline.h"

#define REALM "0badc0de0badc0de0badc0de0badc0de"
#define PATH_MAX_BENCH 4096
#define FULL_MAX (PATH_MAX_BENCH + 256)

struct bench {
	struct sceau_buf *list;
	char **paths; /* import: relative path of each queued file */
	size_t npaths, cappaths;
	uint64_t files, bytes;
	int failed;
};

static double
now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
fail(const char *what, int r)
{
	fprintf(stderr, "bench-pipeline: %s: %s%s%s\n", what, sceau_strerror(r),
	    *sceau_last_message() ? ": " : "", sceau_last_message());
	return 1;
}

static int
put_desc(struct sceau_buf *b, const struct sceau_block_desc *d)
{
	int r;

	if ((r = sceau_buf_put(b, d->id, sizeof(d->id))) != 0 ||
	    (r = sceau_buf_put(b, d->key, sizeof(d->key))) != 0 ||
	    (r = sceau_buf_put_u64(b, d->offset)) != 0 ||
	    (r = sceau_buf_put_u32(b, d->size)) != 0 ||
	    (r = sceau_buf_put_u32(b, d->ct_size)) != 0 ||
	    (r = sceau_buf_put(b, d->digest, sizeof(d->digest))) != 0)
		return r;
	return 0;
}

static int
get_desc(struct sceau_buf *b, struct sceau_block_desc *d)
{
	int r;

	if ((r = sceau_buf_get(b, d->id, sizeof(d->id))) != 0 ||
	    (r = sceau_buf_get(b, d->key, sizeof(d->key))) != 0 ||
	    (r = sceau_buf_get_u64(b, &d->offset)) != 0 ||
	    (r = sceau_buf_get_u32(b, &d->size)) != 0 ||
	    (r = sceau_buf_get_u32(b, &d->ct_size)) != 0 ||
	    (r = sceau_buf_get(b, d->digest, sizeof(d->digest))) != 0)
		return r;
	return 0;
}

/* Import callback: a durable file; record it in the list. */
static int
imported(void *arg, struct sceau_pipeline_file *f)
{
	struct bench *b = arg;
	const char *path = b->paths[(size_t)(uintptr_t)f->tag];
	size_t i;
	int r;

	if (f->status != 0) {
		fprintf(stderr, "bench-pipeline: %s: %s: %s\n", path,
		    sceau_strerror(f->status), sceau_last_message());
		b->failed = 1;
		return 0;
	}
	if ((r = sceau_buf_put_cstring(b->list, path)) != 0 ||
	    (r = sceau_buf_put_u64(b->list, f->size)) != 0 ||
	    (r = sceau_buf_put_u32(b->list, (uint32_t)f->n_descs)) != 0)
		return r;
	for (i = 0; i < f->n_descs; i++)
		if ((r = put_desc(b->list, &f->descs[i])) != 0)
			return r;
	b->files++;
	b->bytes += f->size;
	return 0;
}

static int
remember(struct bench *b, const char *rel, size_t *idx)
{
	char **p;
	size_t cap;

	if (b->npaths == b->cappaths) {
		cap = b->cappaths == 0 ? 1024 : b->cappaths * 2;
		if ((p = sceau_reallocarray(b->paths, cap, sizeof(*p))) == NULL)
			return SCEAU_ERR_ALLOC;
		b->paths = p;
		b->cappaths = cap;
	}
	if ((b->paths[b->npaths] = sceau_strdup(rel)) == NULL)
		return SCEAU_ERR_ALLOC;
	*idx = b->npaths++;
	return 0;
}

static int walk(struct sceau_pipeline_import *ip, struct bench *b, int dfd,
    char *rel, size_t len);

/* One directory entry: a file is queued, a folder walked. */
static int
walk_entry(struct sceau_pipeline_import *ip, struct bench *b, int dfd,
    const struct dirent *de, char *rel, size_t len)
{
	size_t n = strlen(de->d_name), idx;
	struct stat st;
	int type = de->d_type, fd, r;

	if (len + n + 2 > PATH_MAX_BENCH)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if (len > 0)
		rel[len++] = '/';
	memcpy(rel + len, de->d_name, n + 1);
	if (type == DT_UNKNOWN) {
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			return SCEAU_ERR_SYSTEM;
		type = S_ISDIR(st.st_mode) ? DT_DIR
		    : S_ISREG(st.st_mode)  ? DT_REG
		                           : DT_UNKNOWN;
	}
	if (type == DT_DIR) {
		fd = openat(dfd, de->d_name,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return SCEAU_ERR_SYSTEM;
		return walk(ip, b, fd, rel, len + n);
	}
	if (type != DT_REG)
		return 0;
	if ((r = remember(b, rel, &idx)) != 0)
		return r;
	fd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return SCEAU_ERR_SYSTEM;
	return sceau_pipeline_import_add(ip, fd, (void *)(uintptr_t)idx);
}

/* Walks the folder open on dfd (closed here), in name order. */
static int
walk(struct sceau_pipeline_import *ip, struct bench *b, int dfd, char *rel,
    size_t len)
{
	struct dirent **names = NULL;
	int i, n, r = 0;

	n = scandirat(dfd, ".", &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (r == 0 && strcmp(names[i]->d_name, ".") != 0 &&
		    strcmp(names[i]->d_name, "..") != 0)
			r = walk_entry(ip, b, dfd, names[i], rel, len);
		free(names[i]);
	}
	free(names);
	(void)close(dfd);
	rel[len] = '\0';
	return n < 0 ? SCEAU_ERR_SYSTEM : r;
}

static int
write_list(const char *path, const struct sceau_buf *list)
{
	const uint8_t *p = sceau_buf_ptr(list);
	size_t n = sceau_buf_len(list);
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return SCEAU_ERR_SYSTEM;
	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0) {
			(void)close(fd);
			return SCEAU_ERR_SYSTEM;
		}
		p += w;
		n -= (size_t)w;
	}
	if (fdatasync(fd) != 0) {
		(void)close(fd);
		return SCEAU_ERR_SYSTEM;
	}
	return close(fd) == 0 ? 0 : SCEAU_ERR_SYSTEM;
}

static int
do_import(struct sceau_blockcache *c, const char *src, const char *list,
    struct sceau_pipeline_opts *o, struct bench *b)
{
	struct sceau_pipeline_import *ip = NULL;
	static char rel[PATH_MAX_BENCH];
	int dfd, r;

	if ((dfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return SCEAU_ERR_SYSTEM;
	if ((r = sceau_pipeline_import_new(c, REALM, o, imported, b, &ip)) !=
	    0) {
		(void)close(dfd);
		return r;
	}
	rel[0] = '\0';
	if ((r = walk(ip, b, dfd, rel, 0)) == 0)
		r = sceau_pipeline_import_finish(ip);
	sceau_pipeline_import_free(ip);
	if (r == 0)
		r = write_list(list, b->list);
	return r != 0 ? r : b->failed ? SCEAU_ERR_SYSTEM : 0;
}

/* Export callback: the file is written; close it. */
static int
exported(void *arg, struct sceau_pipeline_file *f)
{
	struct bench *b = arg;

	if (close(f->fd) != 0 || f->status != 0) {
		fprintf(stderr, "bench-pipeline: export: %s: %s\n",
		    sceau_strerror(f->status), sceau_last_message());
		b->failed = 1;
		return 0;
	}
	b->files++;
	b->bytes += f->size;
	return 0;
}

/* Creates the folders of path (relative to dst), skipping known ones. */
static int
make_parents(char *full, size_t base, char *last_dir)
{
	char *slash = strrchr(full + base, '/'), *p;

	if (slash == NULL)
		return 0;
	*slash = '\0';
	if (strcmp(full, last_dir) != 0) {
		for (p = full + base; (p = strchr(p, '/')) != NULL; p++) {
			*p = '\0';
			if (mkdir(full, 0755) != 0 && errno != EEXIST)
				return SCEAU_ERR_SYSTEM;
			*p = '/';
		}
		if (mkdir(full, 0755) != 0 && errno != EEXIST)
			return SCEAU_ERR_SYSTEM;
		(void)snprintf(last_dir, FULL_MAX, "%s", full);
	}
	*slash = '/';
	return 0;
}

static int
export_one(struct sceau_pipeline_export *ep, struct sceau_buf *in,
    const char *dst, char *last_dir, struct sceau_block_desc *descs)
{
	static char full[FULL_MAX];
	const uint8_t *path;
	size_t plen, base;
	uint64_t size;
	uint32_t n, i;
	int fd, r;

	if ((r = sceau_buf_get_string_direct(
	         in, PATH_MAX_BENCH, &path, &plen)) != 0 ||
	    (r = sceau_buf_get_u64(in, &size)) != 0 ||
	    (r = sceau_buf_get_u32(in, &n)) != 0)
		return r;
	if (n > SCEAU_FILE_BLOCKS_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	for (i = 0; i < n; i++)
		if ((r = get_desc(in, &descs[i])) != 0)
			return r;
	base = (size_t)snprintf(full, sizeof(full), "%s/", dst);
	if (base + plen >= sizeof(full))
		return SCEAU_ERR_LIMIT_EXCEEDED;
	memcpy(full + base, path, plen);
	full[base + plen] = '\0';
	if ((r = make_parents(full, base, last_dir)) != 0)
		return r;
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return SCEAU_ERR_SYSTEM;
	if ((r = sceau_pipeline_export_add(ep, descs, n, fd, NULL)) != 0)
		(void)close(fd);
	return r;
}

static int
do_export(struct sceau_blockcache *c, const char *list, const char *dst,
    struct sceau_pipeline_opts *o, struct bench *b)
{
	struct sceau_pipeline_export *ep = NULL;
	struct sceau_block_desc *descs;
	static char last_dir[FULL_MAX];
	int r;

	if ((r = sceau_buf_load_file(list, SCEAU_BUF_SIZE_MAX, b->list)) != 0)
		return r;
	if ((descs = sceau_calloc(SCEAU_FILE_BLOCKS_MAX, sizeof(*descs))) ==
	    NULL)
		return SCEAU_ERR_ALLOC;
	if (mkdir(dst, 0755) != 0 && errno != EEXIST) {
		sceau_pipeline_descs_free(descs, SCEAU_FILE_BLOCKS_MAX);
		return SCEAU_ERR_SYSTEM;
	}
	last_dir[0] = '\0';
	if ((r = sceau_pipeline_export_new(
	         sceau_pipeline_cache_source, c, o, exported, b, &ep)) == 0) {
		while (r == 0 && sceau_buf_len(b->list) > 0)
			r = export_one(ep, b->list, dst, last_dir, descs);
		if (r == 0)
			r = sceau_pipeline_export_finish(ep);
	}
	sceau_pipeline_export_free(ep);
	sceau_pipeline_descs_free(descs, SCEAU_FILE_BLOCKS_MAX);
	return r != 0 ? r : b->failed ? SCEAU_ERR_SYSTEM : 0;
}

int
main(int argc, char **argv)
{
	struct sceau_pipeline_opts o;
	struct sceau_blockcache *c = NULL;
	struct bench b;
	double t0;
	size_t i;
	int r;

	memset(&o, 0, sizeof(o));
	memset(&b, 0, sizeof(b));
	if (argc < 5 || argc > 6 ||
	    (strcmp(argv[1], "import") != 0 &&
	        strcmp(argv[1], "export") != 0)) {
		fprintf(stderr,
		    "usage: bench-pipeline import CACHE SRC LIST "
		    "[WORKERS]\n"
		    "       bench-pipeline export CACHE LIST DST "
		    "[WORKERS]\n");
		return 2;
	}
	if (argc == 6)
		o.workers = (unsigned int)strtoul(argv[5], NULL, 10);
	if ((b.list = sceau_buf_new()) == NULL)
		return fail("memory", SCEAU_ERR_ALLOC);
	t0 = now();
	if ((r = sceau_blockcache_open(argv[2], NULL, &c)) != 0)
		return fail(argv[2], r);
	if (strcmp(argv[1], "import") == 0)
		r = do_import(c, argv[3], argv[4], &o, &b);
	else
		r = do_export(c, argv[3], argv[4], &o, &b);
	sceau_blockcache_close(c);
	if (r != 0)
		return fail(argv[1], r);
	printf(
	    "{\"op\":\"%s\",\"files\":%llu,\"bytes\":%llu,\"seconds\":%.3f}\n",
	    argv[1], (unsigned long long)b.files, (unsigned long long)b.bytes,
	    now() - t0);
	for (i = 0; i < b.npaths; i++)
		sceau_free(b.paths[i]);
	sceau_free(b.paths);
	sceau_buf_free(b.list);
	return 0;
}
